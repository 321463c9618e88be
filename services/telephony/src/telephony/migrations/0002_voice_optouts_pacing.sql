-- Calls, opt-outs, callbacks owed, and the queue that paces outbound texts.

-- One row per call, inbound or outbound: what the voice webhooks need between turns.
CREATE TABLE calls (
    call_sid         text PRIMARY KEY,
    spa_id           text        NOT NULL,
    direction        text        NOT NULL CHECK (direction IN ('inbound', 'outbound')),
    command_id       text UNIQUE,
    -- The patient's number, encrypted; empty for a withheld caller id.
    phone            bytea       NOT NULL,
    phase            text        NOT NULL,
    -- The last turn claimed (a retried webhook for it is not a new turn).
    turn             integer     NOT NULL DEFAULT 0,
    -- Turns in which the caller said or pressed something.
    caller_turns     integer     NOT NULL DEFAULT 0,
    -- Silent or unclear turns in a row.
    misses           integer     NOT NULL DEFAULT 0,
    -- What the caller said in the current turn, encrypted, so any replica can ask again.
    heard            bytea,
    staff_missed     boolean     NOT NULL DEFAULT false,
    handoff_id       text,
    conversation_id  text,
    -- The summary read to staff before a warm transfer connects, encrypted.
    whisper          bytea,
    staff_accepted   boolean     NOT NULL DEFAULT false,
    answered_by      text,
    -- Twilio's final status, once its status callback arrives.
    status           text,
    duration_seconds integer,
    started_at       timestamptz NOT NULL DEFAULT now(),
    ended_at         timestamptz
);

-- Outbound calls asked for by cmd.call.place. The row is committed before Twilio is asked,
-- so a crash mid-request leaves a trace to look up instead of a second call.
CREATE TABLE placed_calls (
    command_id         text PRIMARY KEY,
    spa_id             text        NOT NULL,
    phone              bytea       NOT NULL,
    script             text        NOT NULL DEFAULT '',
    purpose            text        NOT NULL DEFAULT '',
    conversation_id    text        NOT NULL DEFAULT '',
    state              text        NOT NULL CHECK (state IN ('placing', 'placed', 'rejected')),
    call_sid           text UNIQUE,
    attempt_started_at timestamptz,
    created_at         timestamptz NOT NULL DEFAULT now()
);

-- Callbacks the spa promised a caller (a warm transfer nobody took, staff unavailable).
CREATE TABLE callbacks (
    call_sid    text PRIMARY KEY,
    spa_id      text        NOT NULL,
    phone       bytea       NOT NULL,
    handoff_id  text,
    reason      text        NOT NULL,
    due_by      timestamptz NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);

-- Who asked the spa to stop texting. Found by a keyed blind index of the number.
CREATE TABLE optouts (
    spa_id      text        NOT NULL,
    phone_index bytea       NOT NULL,
    phone       bytea       NOT NULL,
    opted_out   boolean     NOT NULL,
    keyword     text        NOT NULL,
    changed_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (spa_id, phone_index)
);

-- When each sender number may next send, shared by every replica.
CREATE TABLE sender_pacing (
    sender       text PRIMARY KEY,
    next_free_at timestamptz NOT NULL
);

-- Outbound texts become a queue: the command is accepted at once and a sender sends it
-- when its number's pace allows. `state` is the queue's; `status` stays Twilio's.
ALTER TABLE outbound_messages
    ADD COLUMN state              text,
    ADD COLUMN sender             text,
    ADD COLUMN to_phone           bytea,
    ADD COLUMN body               bytea,
    ADD COLUMN not_before         timestamptz NOT NULL DEFAULT now(),
    ADD COLUMN attempts           integer     NOT NULL DEFAULT 0,
    -- Set while an attempt's outcome is unknown (in flight, or timed out).
    ADD COLUMN attempt_started_at timestamptz,
    ALTER COLUMN status DROP NOT NULL;
UPDATE outbound_messages
   SET state = CASE WHEN message_sid IS NULL THEN 'rejected' ELSE 'sent' END;
ALTER TABLE outbound_messages
    ALTER COLUMN state SET NOT NULL,
    ADD CONSTRAINT outbound_messages_state
        CHECK (state IN ('pending', 'sending', 'sent', 'refused', 'rejected', 'abandoned'));
CREATE INDEX outbound_messages_due ON outbound_messages (not_before)
    WHERE state IN ('pending', 'sending');

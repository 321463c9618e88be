-- The conversation state holds the name a patient gave and their intake answers, so it is
-- stored encrypted; the plain columns beside it hold only what the agent queries by.
ALTER TABLE conversations DROP COLUMN state;
ALTER TABLE conversations ADD COLUMN state_enc bytea;
ALTER TABLE conversations ADD COLUMN stage text NOT NULL DEFAULT 'start';
ALTER TABLE conversations ADD COLUMN with_staff boolean NOT NULL DEFAULT false;
ALTER TABLE conversations ADD COLUMN last_activity_at timestamptz NOT NULL DEFAULT now();
ALTER TABLE conversations ADD COLUMN closed_at timestamptz;
ALTER TABLE conversations ADD COLUMN outcome text;
CREATE INDEX conversations_idle ON conversations (last_activity_at) WHERE status = 'open';

-- Where each turn came from (a MessageSid, a CallSid and turn number), for the transcript.
ALTER TABLE turns ADD COLUMN ref text NOT NULL DEFAULT '';

-- What the agent remembers about a patient across conversations: the name they gave and
-- the scheduler's id for them (learned from their first hold), found by the phone's blind index.
CREATE TABLE patients (
    spa_id      text        NOT NULL,
    phone_index bytea       NOT NULL,
    name_enc    bytea,
    patient_id  text        NOT NULL DEFAULT '',
    updated_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (spa_id, phone_index)
);

-- The reply to each voice turn: telephony asks again when a turn outlives its deadline,
-- and the second ask must get the same answer, not a second turn.
CREATE TABLE voice_turns (
    call_sid        text        NOT NULL,
    turn            integer     NOT NULL,
    conversation_id uuid        NOT NULL REFERENCES conversations (id),
    reply           bytea       NOT NULL,
    at              timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (call_sid, turn)
);

-- Outbound texts, one row per send command: the command id makes sending
-- idempotent, the Twilio sid ties status callbacks back to it.
CREATE TABLE outbound_messages (
    command_id      text PRIMARY KEY,
    spa_id          text        NOT NULL,
    message_sid     text UNIQUE,
    conversation_id text        NOT NULL DEFAULT '',
    purpose         text        NOT NULL DEFAULT '',
    status          text        NOT NULL,
    num_segments    integer,
    error           text,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now()
);

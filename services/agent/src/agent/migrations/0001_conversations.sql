-- One conversation per spa, patient phone and open thread. The phone is kept
-- encrypted; the blind index finds the conversation without decrypting.
CREATE TABLE conversations (
    id          uuid PRIMARY KEY,
    spa_id      text        NOT NULL,
    phone_index bytea       NOT NULL,
    phone_enc   bytea       NOT NULL,
    status      text        NOT NULL DEFAULT 'open',
    state       jsonb       NOT NULL DEFAULT '{}',
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX conversations_one_open
    ON conversations (spa_id, phone_index) WHERE status = 'open';

-- Every turn, both directions, text encrypted.
CREATE TABLE turns (
    conversation_id uuid        NOT NULL REFERENCES conversations (id),
    seq             integer     NOT NULL,
    direction       text        NOT NULL CHECK (direction IN ('in', 'out')),
    channel         text        NOT NULL,
    text_enc        bytea       NOT NULL,
    intent          text,
    at              timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (conversation_id, seq)
);

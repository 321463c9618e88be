-- Money staff must act on, from payments: a refund that did not reach the patient (contact
-- them, retry it) and a no-show fee the card refused (owed). One row per refund attempt or
-- per deposit's fee, so a redelivered or repeated event cannot raise a second task.
CREATE TABLE money_issues (
    spa_id           text        NOT NULL,
    id               text        NOT NULL,
    kind             text        NOT NULL CHECK (kind IN ('refund_failed', 'fee_owed')),
    deposit_id       text        NOT NULL,
    appointment_id   text        NOT NULL DEFAULT '',
    conversation_id  text        NOT NULL DEFAULT '',
    amount_minor     bigint      NOT NULL,
    currency         text        NOT NULL,
    reason           text        NOT NULL DEFAULT '',
    attempt          integer     NOT NULL DEFAULT 0,
    raised_at        timestamptz NOT NULL,
    status           text        NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'resolved')),
    resolved_by      uuid,
    resolved_at      timestamptz,
    resolution       text,
    PRIMARY KEY (spa_id, id)
);
CREATE INDEX money_issues_open ON money_issues (spa_id, status, raised_at);

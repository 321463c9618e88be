-- Deposits, their ledger and history, the provider work they owe, and the
-- evidence kept for disputes. Forward-only: a change is a new file.

CREATE FUNCTION refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only', TG_TABLE_NAME;
END
$$;

-- One deposit per hold. `appointment_id` is the appointment it secures now (a
-- late payment can move it to a new hold of the same slot); `first_appointment_id`
-- is the hold it was asked for.
CREATE TABLE deposits (
    id                   uuid        PRIMARY KEY,
    spa_id               text        NOT NULL,
    appointment_id       text        NOT NULL,
    first_appointment_id text        NOT NULL,
    conversation_id      text        NOT NULL DEFAULT '',
    patient_id           text        NOT NULL DEFAULT '',
    service_id           text        NOT NULL,
    provider_id          text        NOT NULL DEFAULT '',
    appointment_start    timestamptz NOT NULL,
    currency             char(3)     NOT NULL,
    amount_minor         bigint      NOT NULL CHECK (amount_minor > 0),
    held_card_minor      bigint      NOT NULL DEFAULT 0 CHECK (held_card_minor >= 0),
    held_credit_minor    bigint      NOT NULL DEFAULT 0 CHECK (held_credit_minor >= 0),
    refund_rule          text        NOT NULL,
    window_hours         integer     NOT NULL,
    state                text        NOT NULL,
    reason               text        NOT NULL DEFAULT '',
    -- sandbox | stripe | credit (nothing to charge: credit covered it)
    provider             text        NOT NULL,
    link_ref             text,
    payment_url          text,
    payment_ref          text,
    refund_ref           text,
    expires_at           timestamptz NOT NULL,
    -- The cancellation terms shown on the payment page, word for word.
    policy_version       text        NOT NULL,
    policy_text          text        NOT NULL,
    paid_at              timestamptz,
    dispute_ref          text,
    disputed_at          timestamptz,
    created_at           timestamptz NOT NULL DEFAULT now(),
    updated_at           timestamptz NOT NULL DEFAULT now(),
    UNIQUE (spa_id, appointment_id)
);
CREATE INDEX deposits_due ON deposits (expires_at) WHERE state = 'requested';
CREATE INDEX deposits_first_appointment ON deposits (spa_id, first_appointment_id);
CREATE UNIQUE INDEX deposits_link ON deposits (provider, link_ref);
CREATE INDEX deposits_payment ON deposits (payment_ref);

-- Every change of state, append-only.
CREATE TABLE deposit_history (
    id         bigserial   PRIMARY KEY,
    deposit_id uuid        NOT NULL REFERENCES deposits (id),
    at         timestamptz NOT NULL DEFAULT now(),
    from_state text,
    to_state   text        NOT NULL,
    trigger    text        NOT NULL,
    detail     jsonb       NOT NULL DEFAULT '{}'
);
CREATE INDEX deposit_history_deposit ON deposit_history (deposit_id, id);
CREATE TRIGGER deposit_history_append_only BEFORE UPDATE OR DELETE ON deposit_history
    FOR EACH ROW EXECUTE FUNCTION refuse_change();

-- Money moves between accounts (card, credit, held_card, held_credit, forfeit,
-- visit) and only by these rows, append-only. A patient's credit balance is
-- what was posted to `credit` less what was posted from it.
CREATE TABLE ledger_entries (
    id           bigserial   PRIMARY KEY,
    deposit_id   uuid        NOT NULL REFERENCES deposits (id),
    spa_id       text        NOT NULL,
    patient_id   text        NOT NULL,
    at           timestamptz NOT NULL DEFAULT now(),
    kind         text        NOT NULL,
    source       text        NOT NULL,
    target       text        NOT NULL,
    amount_minor bigint      NOT NULL CHECK (amount_minor > 0),
    currency     char(3)     NOT NULL,
    CHECK (source <> target)
);
CREATE INDEX ledger_entries_period ON ledger_entries (spa_id, at);
CREATE INDEX ledger_entries_credit ON ledger_entries (spa_id, patient_id, currency)
    WHERE source = 'credit' OR target = 'credit';
-- A deposit is collected once, whoever reports the payment first (webhook,
-- success page, reconciliation): the database refuses a second collection.
CREATE UNIQUE INDEX ledger_one_collection ON ledger_entries (deposit_id) WHERE kind = 'collected';
CREATE TRIGGER ledger_entries_append_only BEFORE UPDATE OR DELETE ON ledger_entries
    FOR EACH ROW EXECUTE FUNCTION refuse_change();

-- Provider notifications handled (Stripe event ids, sandbox and return-page
-- keys), written with their effect so each is handled once.
CREATE TABLE provider_events (
    provider    text        NOT NULL,
    event_id    text        NOT NULL,
    type        text        NOT NULL,
    deposit_id  uuid,
    received_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (provider, event_id)
);

-- Calls to the provider or the calendar that a state change owes, done after
-- the change commits, retried until they succeed, each with a fixed
-- idempotency key so a retry can never do the work twice.
CREATE TABLE provider_jobs (
    id              bigserial   PRIMARY KEY,
    deposit_id      uuid        NOT NULL REFERENCES deposits (id),
    kind            text        NOT NULL,
    idempotency_key text        NOT NULL UNIQUE,
    amount_minor    bigint,
    attempts        integer     NOT NULL DEFAULT 0,
    due_at          timestamptz NOT NULL DEFAULT now(),
    done_at         timestamptz,
    last_error      text,
    created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX provider_jobs_due ON provider_jobs (due_at) WHERE done_at IS NULL;

-- A late payment being re-held: written with the decision, before the calendar
-- is called, so the booking.held of the new hold is recognised as this deposit's.
CREATE TABLE reholds (
    deposit_id         uuid        PRIMARY KEY REFERENCES deposits (id),
    spa_id             text        NOT NULL,
    service_id         text        NOT NULL,
    patient_id         text        NOT NULL,
    start              timestamptz NOT NULL,
    new_appointment_id text,
    created_at         timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX reholds_slot ON reholds (spa_id, service_id, start);

-- Bookings that ended before their booking.held arrived (events of different
-- kinds are consumed independently, so they can arrive out of order).
CREATE TABLE closed_appointments (
    spa_id         text        NOT NULL,
    appointment_id text        NOT NULL,
    outcome        text        NOT NULL,
    at             timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (spa_id, appointment_id)
);

-- The cancellation policy as the agent told it (policy.told): dispute evidence.
-- The patient's words and number are protected: encrypted, read only with an audit record.
CREATE TABLE policy_told (
    id                bigserial   PRIMARY KEY,
    event_id          text        NOT NULL UNIQUE,
    spa_id            text        NOT NULL,
    conversation_id   text        NOT NULL DEFAULT '',
    appointment_id    text        NOT NULL DEFAULT '',
    patient_id        text        NOT NULL DEFAULT '',
    policy_version    text        NOT NULL,
    policy_text       text        NOT NULL,
    channel           text        NOT NULL,
    told_at           timestamptz NOT NULL,
    answer            text        NOT NULL,
    answered_at       timestamptz,
    answer_text_enc   bytea,
    message_ref       text        NOT NULL DEFAULT '',
    patient_phone_enc bytea,
    received_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX policy_told_appointment ON policy_told (spa_id, appointment_id);
CREATE INDEX policy_told_conversation ON policy_told (spa_id, conversation_id, told_at);

-- The embedded sandbox provider's own state: what Stripe would keep on its side.
CREATE TABLE sandbox_sessions (
    token           text        PRIMARY KEY,
    idempotency_key text        NOT NULL UNIQUE,
    deposit_id      uuid        NOT NULL,
    amount_minor    bigint      NOT NULL,
    currency        char(3)     NOT NULL,
    status          text        NOT NULL DEFAULT 'open',
    payment_ref     text,
    created_at      timestamptz NOT NULL DEFAULT now(),
    completed_at    timestamptz
);
CREATE TABLE sandbox_refunds (
    id              text        PRIMARY KEY,
    idempotency_key text        NOT NULL UNIQUE,
    payment_ref     text        NOT NULL,
    amount_minor    bigint      NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now()
);

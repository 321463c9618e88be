-- Who wrote each turn: the patient, the agent, or staff from the console (staff.replied).
ALTER TABLE turns ADD COLUMN author text NOT NULL DEFAULT 'agent'
    CHECK (author IN ('patient', 'agent', 'staff'));
UPDATE turns SET author = 'patient' WHERE direction = 'in';
ALTER TABLE turns ADD COLUMN staff_id text;
-- A shadow draft (the reply.drafted event id) and what staff made of it: pending, approved,
-- edited or discarded. A staff reply that sent a draft carries its id too.
ALTER TABLE turns ADD COLUMN draft_id text;
ALTER TABLE turns ADD COLUMN draft_status text
    CHECK (draft_status IN ('pending', 'approved', 'edited', 'discarded'));
CREATE INDEX turns_draft ON turns (draft_id) WHERE draft_id IS NOT NULL;

-- How much the agent does on its own per spa, as a manager last set it in the console
-- (autonomy.changed); absent, the spa file's policies.agent_autonomy.
CREATE TABLE spa_autonomy (
    spa_id     text        PRIMARY KEY,
    autonomy   text        NOT NULL CHECK (autonomy IN ('full', 'after_hours', 'shadow')),
    changed_at timestamptz NOT NULL,
    staff_id   text        NOT NULL DEFAULT ''
);

-- The latest outreach.sent that asks a patient for an answer, until their next message
-- takes it into their conversation. Ids only: the number is kept as its blind index.
CREATE TABLE outreach_pending (
    spa_id         text        NOT NULL,
    phone_index    bytea       NOT NULL,
    job_id         text        NOT NULL,
    kind           text        NOT NULL,
    expects        text        NOT NULL,
    offer_id       text        NOT NULL DEFAULT '',
    choices        integer     NOT NULL DEFAULT 0,
    appointment_id text        NOT NULL DEFAULT '',
    service_id     text        NOT NULL DEFAULT '',
    patient_id     text        NOT NULL DEFAULT '',
    sent_at        timestamptz NOT NULL,
    PRIMARY KEY (spa_id, phone_index)
);

-- Asked once: when the patient was asked whether they want marketing texts.
ALTER TABLE patients ADD COLUMN marketing_asked_at timestamptz;

-- Each yes or no to marketing texts, until the scheduler has recorded it
-- (SetMarketingConsent, idempotent by request_id): retried while it is away.
CREATE TABLE marketing_consents (
    request_id      text        PRIMARY KEY,
    spa_id          text        NOT NULL,
    conversation_id uuid        NOT NULL REFERENCES conversations (id),
    patient_id      text        NOT NULL DEFAULT '',
    phone_enc       bytea,
    granted         boolean     NOT NULL,
    channel         text        NOT NULL,
    wording_ref     text        NOT NULL,
    answered_at     timestamptz NOT NULL,
    state           text        NOT NULL CHECK (state IN ('pending', 'recorded', 'refused')),
    attempts        integer     NOT NULL DEFAULT 1,
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    recorded_at     timestamptz
);
CREATE INDEX marketing_consents_pending ON marketing_consents (next_attempt_at)
    WHERE state = 'pending';

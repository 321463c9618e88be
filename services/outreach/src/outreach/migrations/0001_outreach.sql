-- Outreach's own state: the durable job table, what was sent (for caps, attribution and
-- the callback report), opt-outs, visits (for series and usual providers), offers, and
-- attributed bookings. Phone numbers appear only encrypted and as keyed blind indexes.

-- Everything outreach will do, due at a time. Replicas claim due rows with
-- FOR UPDATE SKIP LOCKED inside the transaction that does the work, so a crashed
-- replica's rows are simply unlocked and claimed again; `key` makes planning idempotent.
CREATE TABLE jobs (
    id             bigserial PRIMARY KEY,
    key            text        NOT NULL UNIQUE,
    spa_id         text        NOT NULL,
    kind           text        NOT NULL,
    state          text        NOT NULL DEFAULT 'pending'
        CHECK (state IN ('pending', 'done', 'skipped', 'cancelled')),
    due_at         timestamptz NOT NULL,
    expires_at     timestamptz,
    attempts       integer     NOT NULL DEFAULT 0,
    appointment_id text        NOT NULL DEFAULT '',
    patient_id     text        NOT NULL DEFAULT '',
    service_id     text        NOT NULL DEFAULT '',
    -- Only when the trigger carried the number (a missed call, a reply).
    phone_enc      bytea,
    phone_index    bytea,
    triggered_at   timestamptz,
    data           jsonb       NOT NULL DEFAULT '{}',
    outcome        text        NOT NULL DEFAULT '',
    last_error     text,
    created_at     timestamptz NOT NULL DEFAULT now(),
    finished_at    timestamptz
);
CREATE INDEX jobs_due ON jobs (due_at, id) WHERE state = 'pending';
CREATE INDEX jobs_appointment ON jobs (appointment_id, kind) WHERE state = 'pending';
CREATE INDEX jobs_patient ON jobs (spa_id, patient_id, kind) WHERE state = 'pending';
CREATE INDEX jobs_missed_calls ON jobs (spa_id, phone_index, triggered_at)
    WHERE kind = 'missed_call_text';

-- Every message or call outreach started, with the command that carries it.
CREATE TABLE sends (
    command_id     text        PRIMARY KEY,
    job_id         bigint      NOT NULL REFERENCES jobs (id),
    spa_id         text        NOT NULL,
    kind           text        NOT NULL,
    purpose        text        NOT NULL,
    channel        text        NOT NULL,
    sender         text        NOT NULL,
    patient_id     text        NOT NULL DEFAULT '',
    phone_index    bytea       NOT NULL,
    appointment_id text        NOT NULL DEFAULT '',
    offer_id       text        NOT NULL DEFAULT '',
    -- What set it off (the missed call); with accepted_at, the callback time.
    triggered_at   timestamptz,
    queued_at      timestamptz NOT NULL,
    -- When telephony said Twilio took it (message.sent).
    accepted_at    timestamptz
);
CREATE INDEX sends_phone ON sends (spa_id, phone_index, queued_at);
CREATE INDEX sends_patient ON sends (spa_id, patient_id, queued_at) WHERE patient_id <> '';
CREATE INDEX sends_callbacks ON sends (spa_id, triggered_at) WHERE kind = 'missed_call_text';
CREATE INDEX sends_offer ON sends (offer_id, phone_index) WHERE offer_id <> '';

-- Outreach sent from each spa number per spa-local day; the row is locked while a
-- batch sends, which keeps the daily cap exact across replicas.
CREATE TABLE number_days (
    sender text    NOT NULL,
    day    date    NOT NULL,
    sent   integer NOT NULL DEFAULT 0,
    PRIMARY KEY (sender, day)
);

CREATE TABLE optouts (
    spa_id      text        NOT NULL,
    phone_index bytea       NOT NULL,
    opted_out   boolean     NOT NULL,
    changed_at  timestamptz NOT NULL,
    PRIMARY KEY (spa_id, phone_index)
);

-- Completed visits: a series' session count and the patient's usual provider.
CREATE TABLE visits (
    appointment_id text        PRIMARY KEY,
    spa_id         text        NOT NULL,
    patient_id     text        NOT NULL,
    service_id     text        NOT NULL,
    provider_id    text        NOT NULL,
    start_at       timestamptz NOT NULL
);
CREATE INDEX visits_patient ON visits (spa_id, patient_id, service_id, start_at);

-- Bookings as outreach saw them: when the hold was taken and by which conversation
-- (after-hours attribution), and whether the patient answered C to a reminder.
CREATE TABLE bookings (
    appointment_id       text        PRIMARY KEY,
    spa_id               text        NOT NULL,
    patient_id           text        NOT NULL,
    service_id           text        NOT NULL,
    conversation_id      text        NOT NULL DEFAULT '',
    held_at              timestamptz,
    patient_confirmed_at timestamptz
);

-- A waitlist slot offered in waves, or a recall offer of a few slots to one patient.
CREATE TABLE offers (
    id                text        PRIMARY KEY,
    spa_id            text        NOT NULL,
    kind              text        NOT NULL CHECK (kind IN ('waitlist', 'recall')),
    job_id            bigint      NOT NULL REFERENCES jobs (id),
    service_id        text        NOT NULL,
    -- [{"provider_id", "start", "end"}], epoch seconds; one entry for a waitlist slot.
    slots             jsonb       NOT NULL,
    state             text        NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'won', 'gone')),
    expires_at        timestamptz NOT NULL,
    winner_patient_id text        NOT NULL DEFAULT '',
    appointment_id    text        NOT NULL DEFAULT '',
    created_at        timestamptz NOT NULL
);
CREATE INDEX offers_appointment ON offers (appointment_id) WHERE appointment_id <> '';

CREATE TABLE offer_recipients (
    offer_id   text    NOT NULL REFERENCES offers (id),
    patient_id text    NOT NULL,
    position   integer NOT NULL,
    state      text    NOT NULL DEFAULT 'queued'
        CHECK (state IN ('queued', 'sent', 'declined', 'won', 'told')),
    PRIMARY KEY (offer_id, patient_id)
);

CREATE TABLE attributions (
    appointment_id text        PRIMARY KEY,
    spa_id         text        NOT NULL,
    patient_id     text        NOT NULL,
    source         text        NOT NULL,
    job_id         bigint,
    touched_at     timestamptz,
    booked_at      timestamptz NOT NULL,
    service_id     text        NOT NULL,
    value_minor    bigint      NOT NULL,
    currency       text        NOT NULL,
    status         text        NOT NULL DEFAULT 'booked'
        CHECK (status IN ('booked', 'completed', 'cancelled', 'no_show'))
);
CREATE INDEX attributions_report ON attributions (spa_id, booked_at);

-- The recall due-list (who is due for a treatment again, and when).
CREATE INDEX jobs_recall_due ON jobs (spa_id, due_at) WHERE kind = 'recall' AND state = 'pending';

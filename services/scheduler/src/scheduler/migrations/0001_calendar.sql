-- The calendar's own state: patients, appointments (holds included) and the
-- rooms and devices each one takes. Services, providers, hours and shifts live
-- in the spa configuration, which stays the source of truth.

-- The exclusion constraints below need = on text inside a GiST index.
CREATE EXTENSION IF NOT EXISTS btree_gist WITH SCHEMA public;

-- The least scheduling needs, encrypted; found by a keyed hash of the phone.
CREATE TABLE patients (
    id          uuid PRIMARY KEY,
    spa_id      text        NOT NULL,
    phone_index bytea       NOT NULL,
    phone_enc   bytea       NOT NULL,
    name_enc    bytea,
    email_enc   bytea,
    dob_enc     bytea,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    UNIQUE (spa_id, phone_index)
);

CREATE TABLE appointments (
    id              uuid PRIMARY KEY,
    spa_id          text        NOT NULL,
    service_id      text        NOT NULL,
    provider_id     text        NOT NULL,
    -- One room or device per need of the service; appointment_resources guards them.
    resource_ids    text[]      NOT NULL DEFAULT '{}',
    patient_id      uuid        NOT NULL REFERENCES patients (id),
    starts_at       timestamptz NOT NULL,
    ends_at         timestamptz NOT NULL,
    -- What the visit ties up: the treatment with the buffers around it.
    blocked         tstzrange   NOT NULL,
    status          text        NOT NULL
        CHECK (status IN ('held', 'confirmed', 'cancelled', 'completed', 'no_show', 'expired')),
    hold_expires_at timestamptz,
    hold_request_id text        NOT NULL,
    -- A digest of what the hold asked for, so a reused request id is caught.
    request_digest  bytea       NOT NULL,
    deposit_minor   bigint      NOT NULL DEFAULT 0,
    currency        text        NOT NULL,
    new_patient     boolean     NOT NULL,
    conversation_id text        NOT NULL DEFAULT '',
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    CHECK (starts_at < ends_at AND blocked @> tstzrange(starts_at, ends_at)),
    UNIQUE (spa_id, hold_request_id),
    -- A provider is never in two places at once: the database refuses it.
    CONSTRAINT appointments_provider_free EXCLUDE USING gist (
        spa_id WITH =, provider_id WITH =, blocked WITH &&
    ) WHERE (status IN ('held', 'confirmed', 'completed', 'no_show'))
);
CREATE INDEX appointments_holds_due ON appointments (hold_expires_at) WHERE status = 'held';
CREATE INDEX appointments_patient ON appointments (spa_id, patient_id, starts_at);

-- One row per room or device an appointment takes; `active` follows the
-- appointment's status, so a cancelled visit frees its room.
CREATE TABLE appointment_resources (
    appointment_id uuid      NOT NULL REFERENCES appointments (id),
    spa_id         text      NOT NULL,
    resource_id    text      NOT NULL,
    blocked        tstzrange NOT NULL,
    active         boolean   NOT NULL DEFAULT true,
    PRIMARY KEY (appointment_id, resource_id),
    CONSTRAINT appointment_resources_free EXCLUDE USING gist (
        spa_id WITH =, resource_id WITH =, blocked WITH &&
    ) WHERE (active)
);

-- Request ids of confirms, cancels and reschedules, so a repeat is answered,
-- not re-applied (a hold keeps its own in appointments.hold_request_id).
CREATE TABLE appointment_requests (
    spa_id         text        NOT NULL,
    request_id     text        NOT NULL,
    operation      text        NOT NULL,
    appointment_id uuid        NOT NULL REFERENCES appointments (id),
    request_digest bytea       NOT NULL,
    created_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (spa_id, request_id)
);

-- Appointments as the code reads them: instants as epoch seconds.
CREATE VIEW appointment_rows AS
SELECT id, spa_id, service_id, provider_id, resource_ids, patient_id,
       extract(epoch FROM starts_at)::bigint       AS start_s,
       extract(epoch FROM ends_at)::bigint         AS end_s,
       status,
       extract(epoch FROM hold_expires_at)::bigint AS expires_s,
       deposit_minor, currency, new_patient, conversation_id,
       hold_request_id, request_digest, starts_at, ends_at, hold_expires_at
FROM appointments;

-- What outreach needs to know of a patient beyond the phone (their own time zone and
-- whether they agreed to marketing texts), and what the retention purge goes by.
ALTER TABLE patients
    -- The IANA zone the number names when it names exactly one, '' when it does not
    -- (then the spa's applies); NULL for patients stored before this column: worked
    -- out from the number when asked.
    ADD COLUMN time_zone text,
    -- The latest answer about marketing texts (recall offers): given or not, when, where
    -- ('sms', 'voice', 'console'), and which wording it answered (a catalog key, never
    -- the words). Every answer is also kept in consent_answers.
    ADD COLUMN marketing_consent boolean NOT NULL DEFAULT false,
    ADD COLUMN marketing_consent_at timestamptz,
    ADD COLUMN marketing_consent_channel text NOT NULL DEFAULT '',
    ADD COLUMN marketing_consent_wording text NOT NULL DEFAULT '',
    -- The last time the patient was in touch: created, recognised calling or texting,
    -- holding a slot, joining the waitlist, answering about consent. With their visits,
    -- what the retention purge goes by. Not indexed: every hold of a returning patient
    -- sets it, and an unindexed column keeps that update cheap; the purge reads the
    -- table once a run.
    ADD COLUMN last_seen_at timestamptz;
UPDATE patients SET last_seen_at = greatest(created_at, updated_at);
ALTER TABLE patients
    ALTER COLUMN last_seen_at SET NOT NULL,
    ALTER COLUMN last_seen_at SET DEFAULT now();

-- Every answer about marketing consent, by the request id that gave it (a repeat is
-- answered, not applied again); an opt-out heard from telephony is one too.
CREATE TABLE consent_answers (
    spa_id         text        NOT NULL,
    request_id     text        NOT NULL,
    patient_id     uuid        NOT NULL REFERENCES patients (id),
    granted        boolean     NOT NULL,
    channel        text        NOT NULL,
    wording_ref    text        NOT NULL,
    answered_at    timestamptz NOT NULL,
    request_digest bytea       NOT NULL,
    PRIMARY KEY (spa_id, request_id)
);
CREATE INDEX consent_answers_patient ON consent_answers (patient_id);

-- The purge deletes by patient, and each row it deletes makes PostgreSQL look for rows
-- that still name it (the foreign keys): every such column is indexed. A patient's
-- visits are found by the patient alone (a patient belongs to one spa), so this index
-- replaces the one that led with the spa rather than adding to what a hold maintains.
CREATE INDEX appointments_by_patient ON appointments (patient_id, starts_at);
DROP INDEX appointments_patient;
CREATE INDEX waitlist_patient ON waitlist_entries (patient_id);
CREATE INDEX appointment_requests_appointment ON appointment_requests (appointment_id);
CREATE INDEX waitlist_requests_entry ON waitlist_requests (entry_id);

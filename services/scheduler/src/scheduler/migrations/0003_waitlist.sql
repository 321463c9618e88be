-- Patients waiting for a slot of a service, with when they can come. A patient has
-- at most one waiting entry per service: adding again updates its wishes in place.
CREATE TABLE waitlist_entries (
    id             uuid        PRIMARY KEY,
    spa_id         text        NOT NULL,
    patient_id     uuid        NOT NULL REFERENCES patients (id),
    service_id     text        NOT NULL,
    -- Empty: any qualified provider.
    provider_id    text        NOT NULL DEFAULT '',
    -- ISO weekdays and parts of the day (1 morning, 2 afternoon, 3 evening); empty: any.
    days_of_week   smallint[]  NOT NULL DEFAULT '{}',
    parts_of_day   smallint[]  NOT NULL DEFAULT '{}',
    -- Minutes after local midnight the visit may start at the earliest / end by the latest.
    earliest_minute integer,
    latest_minute   integer,
    not_before     timestamptz,
    not_after      timestamptz,
    status         text        NOT NULL CHECK (status IN ('waiting', 'removed')),
    -- Place in line: first come, first offered.
    created_at     timestamptz NOT NULL,
    updated_at     timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX waitlist_one_per_service ON waitlist_entries (spa_id, patient_id, service_id)
    WHERE status = 'waiting';
CREATE INDEX waitlist_in_line ON waitlist_entries (spa_id, service_id, created_at)
    WHERE status = 'waiting';

-- Request ids of AddToWaitlist, so a repeat answers the entry it made, not a new one.
CREATE TABLE waitlist_requests (
    spa_id         text        NOT NULL,
    request_id     text        NOT NULL,
    entry_id       uuid        NOT NULL REFERENCES waitlist_entries (id),
    request_digest bytea       NOT NULL,
    created_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (spa_id, request_id)
);

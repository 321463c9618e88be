-- The slot finder reads every busy range of a fortnight at once; keeping the bounds
-- as epoch seconds too spares PostgreSQL converting thousands of timestamps per read.
-- The check keeps them equal to `blocked`, which the exclusion constraint guards.
ALTER TABLE appointments ADD COLUMN block_lo bigint, ADD COLUMN block_hi bigint;
UPDATE appointments SET block_lo = extract(epoch FROM lower(blocked))::bigint,
                        block_hi = extract(epoch FROM upper(blocked))::bigint;
ALTER TABLE appointments
    ALTER COLUMN block_lo SET NOT NULL,
    ALTER COLUMN block_hi SET NOT NULL,
    ADD CONSTRAINT appointments_block_bounds
        CHECK (blocked = tstzrange(to_timestamp(block_lo), to_timestamp(block_hi)));

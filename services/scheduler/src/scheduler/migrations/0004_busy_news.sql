-- Each replica keeps its spas' busy time in memory (adapters/busy_cache.py) and is told
-- here, at commit, of every change to what an appointment ties up. The row's version
-- orders the news about one appointment: a notice that arrives after a newer state was
-- already applied is ignored.
ALTER TABLE appointments ADD COLUMN version bigint NOT NULL DEFAULT 1;

CREATE FUNCTION appointments_next_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.version := OLD.version + 1;
    RETURN NEW;
END
$$;
CREATE TRIGGER appointments_version BEFORE UPDATE ON appointments
    FOR EACH ROW EXECUTE FUNCTION appointments_next_version();

-- Ids and bounds only: nothing about the patient travels on the channel.
CREATE FUNCTION appointments_tell_busy() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('scheduler_busy', json_build_object(
        's', NEW.spa_id, 'i', NEW.id, 'v', NEW.version, 'p', NEW.provider_id,
        'r', NEW.resource_ids, 'l', NEW.block_lo, 'h', NEW.block_hi,
        'b', NEW.status IN ('held', 'confirmed', 'completed', 'no_show'))::text);
    RETURN NULL;
END
$$;
CREATE TRIGGER appointments_busy_added AFTER INSERT ON appointments
    FOR EACH ROW EXECUTE FUNCTION appointments_tell_busy();
CREATE TRIGGER appointments_busy_changed AFTER UPDATE ON appointments
    FOR EACH ROW WHEN (
        OLD.status IS DISTINCT FROM NEW.status
        OR OLD.provider_id IS DISTINCT FROM NEW.provider_id
        OR OLD.resource_ids IS DISTINCT FROM NEW.resource_ids
        OR OLD.block_lo IS DISTINCT FROM NEW.block_lo
        OR OLD.block_hi IS DISTINCT FROM NEW.block_hi
    ) EXECUTE FUNCTION appointments_tell_busy();

-- The version joins the columns the code reads (added last, as a view requires).
CREATE OR REPLACE VIEW appointment_rows AS
SELECT id, spa_id, service_id, provider_id, resource_ids, patient_id,
       extract(epoch FROM starts_at)::bigint       AS start_s,
       extract(epoch FROM ends_at)::bigint         AS end_s,
       status,
       extract(epoch FROM hold_expires_at)::bigint AS expires_s,
       deposit_minor, currency, new_patient, conversation_id,
       hold_request_id, request_digest, starts_at, ends_at, hold_expires_at,
       version
FROM appointments;

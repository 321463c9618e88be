-- A patient's answer to a reminder belongs to the time it was about: a C or an R for
-- 11:00 says nothing about the visit once it has moved to 15:00, whatever order the
-- reply and the move arrive in. Columns are only added, so a replica still running the
-- previous release keeps working during a rolling deploy.
ALTER TABLE bookings
    -- The visit's start as outreach last heard it (booking.confirmed, booking.rescheduled).
    ADD COLUMN start_at timestamptz,
    -- The start the patient's C was for (NULL on rows from before this migration: any).
    ADD COLUMN confirmed_start timestamptz,
    -- The patient answered R: when, and for which start. The agent runs the reschedule;
    -- until booking.rescheduled arrives, reminders say the visit still stands.
    ADD COLUMN reschedule_asked_at timestamptz,
    ADD COLUMN reschedule_start timestamptz;

-- Replies acted on, by the inbound text's message sid: the agent may say the same reply
-- twice (a retried handler, a republish under a new event id); it is acted on once.
CREATE TABLE replies (
    spa_id      text        NOT NULL,
    reply_id    text        NOT NULL,
    answer      text        NOT NULL,
    received_at timestamptz NOT NULL,
    PRIMARY KEY (spa_id, reply_id)
);

-- A new hold no longer notifies `scheduler_busy` from its own transaction: a NOTIFY
-- makes a commit wait for every other notifying commit in the database, which turned
-- fifty concurrent holds into a queue. The replica that took the hold announces it
-- just after, batched with the others (adapters/hold_news.py). Changes to an existing
-- appointment still notify from the update trigger of migration 0004.
DROP TRIGGER appointments_busy_added ON appointments;

-- The open-handoffs gauge counts every spa's unclaimed handoffs on each sweep: a partial index
-- keeps that a look at the few open rows, however many resolved ones pile up.
CREATE INDEX handoffs_waiting ON handoffs (priority) WHERE status = 'open';

-- 004: a log of changed tickets.  A running daemon applies each write (an
-- HTTP write, `leadtimed import` into the live store by another process,
-- an alias that moves tickets) as a difference to its analytics state
-- instead of rebuilding it: it reads the tickets logged above the data
-- version it holds.  Triggers log every insert, update and delete, whoever
-- makes it.  A row's version is the data version its commit will have
-- (store_commit() bumps it by one); versions at or below changes_from may
-- be missing (pruned, or a bulk load into an empty store, which logs
-- nothing): a daemon that old rebuilds from scratch.
CREATE TABLE changes (
	version INTEGER NOT NULL,
	ticket  INTEGER NOT NULL   -- tickets.id; the row may be gone (deleted)
);
CREATE INDEX changes_version ON changes (version);

INSERT INTO meta (key, value) SELECT 'changes_from', value FROM meta WHERE key = 'data_version';

CREATE TRIGGER tickets_log_insert AFTER INSERT ON tickets BEGIN
	INSERT INTO changes (version, ticket)
		SELECT value + 1, NEW.id FROM meta WHERE key = 'data_version';
END;
CREATE TRIGGER tickets_log_update AFTER UPDATE ON tickets BEGIN
	INSERT INTO changes (version, ticket)
		SELECT value + 1, NEW.id FROM meta WHERE key = 'data_version';
	INSERT INTO changes (version, ticket)
		SELECT value + 1, OLD.id FROM meta WHERE key = 'data_version' AND OLD.id <> NEW.id;
END;
CREATE TRIGGER tickets_log_delete AFTER DELETE ON tickets BEGIN
	INSERT INTO changes (version, ticket)
		SELECT value + 1, OLD.id FROM meta WHERE key = 'data_version';
END;

-- no query needs (department_id, opened_on) any more (the analytics read
-- the daemon's rollups; pit filters a department within the opened_on
-- range); one index fewer to maintain and to build after a bulk load
DROP INDEX tickets_dept_opened;

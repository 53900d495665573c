-- 003: event logs (README "Event logs"; docs/ANALYTICS.md "Event logs").
-- Tickets derived from events live in `tickets` like any other; these
-- tables keep what they were derived from, so a re-import of the same
-- events is a no-op and a change of [stages] can derive them again.

-- a case of an imported log (its name is the creator) and a SHA-256 of its
-- events in order
CREATE TABLE event_cases (
	id      INTEGER PRIMARY KEY,
	name    TEXT NOT NULL UNIQUE CHECK (length(name) BETWEEN 1 AND 256),
	digest  BLOB NOT NULL CHECK (length(digest) = 32)
);

-- the raw events of each case, in the order the stays are derived from
-- (instant, then place in the file); `at` in microseconds since
-- 1970-01-01T00:00:00Z; '' = no resource / lifecycle
CREATE TABLE events (
	case_id    INTEGER NOT NULL REFERENCES event_cases (id),
	seq        INTEGER NOT NULL,
	at         INTEGER NOT NULL,
	activity   TEXT NOT NULL,
	resource   TEXT NOT NULL,
	lifecycle  TEXT NOT NULL,
	PRIMARY KEY (case_id, seq)
) WITHOUT ROWID;

-- which ticket was derived from which case
CREATE TABLE event_tickets (
	ticket   TEXT NOT NULL PRIMARY KEY,
	case_id  INTEGER NOT NULL REFERENCES event_cases (id)
);
CREATE INDEX event_tickets_case ON event_tickets (case_id);

-- an import's events on their way to being grouped by case: filled and
-- emptied inside the import's transaction, so empty between imports; on
-- disk (not in memory) so a log of any size is grouped in bounded memory
CREATE TABLE event_stage (
	case_name  TEXT NOT NULL,
	at         INTEGER NOT NULL,
	ord        INTEGER NOT NULL,
	activity   TEXT NOT NULL,
	resource   TEXT NOT NULL,
	lifecycle  TEXT NOT NULL,
	line       INTEGER NOT NULL,
	col        INTEGER NOT NULL,
	PRIMARY KEY (case_name, at, ord)
) WITHOUT ROWID;

-- the first 8 bytes of the digest of the rules (departments, [stages],
-- done, close) the stored tickets were derived under; 0 = none yet
INSERT INTO meta (key, value) VALUES ('events_fingerprint', 0);

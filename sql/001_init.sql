-- 001_init.sql: the ticket store (SPEC §1).
-- Dates are INTEGER day numbers (days since 1970-01-01, UTC): range
-- predicates on them use the indexes, arithmetic is subtraction.

CREATE TABLE departments (
	id        INTEGER PRIMARY KEY,
	name      TEXT    NOT NULL UNIQUE CHECK (length(name) BETWEEN 1 AND 256),
	-- 1-based place in the configured pipeline; NULL once a department
	-- has left the configuration (its tickets stay)
	position  INTEGER UNIQUE CHECK (position >= 1),
	sla_days  INTEGER NOT NULL DEFAULT 0 CHECK (sla_days >= 0)
);

CREATE TABLE employees (
	id            INTEGER PRIMARY KEY,
	name          TEXT    NOT NULL CHECK (length(name) BETWEEN 1 AND 256),
	department_id INTEGER NOT NULL REFERENCES departments (id),
	UNIQUE (department_id, name)
);

-- misspelt name -> the employee's real name; `source` is 'config' for the
-- [aliases] of config.ini (replaced at each start) or 'api' for aliases
-- added through POST /api/v1/aliases
CREATE TABLE aliases (
	alias   TEXT NOT NULL PRIMARY KEY CHECK (length(alias) BETWEEN 1 AND 256),
	name    TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 256),
	source  TEXT NOT NULL CHECK (source IN ('config', 'api'))
);

CREATE TABLE creators (
	id    INTEGER PRIMARY KEY,
	name  TEXT NOT NULL UNIQUE CHECK (length(name) BETWEEN 1 AND 256)
);

CREATE TABLE tickets (
	id            INTEGER PRIMARY KEY,
	ticket_id     TEXT    NOT NULL UNIQUE CHECK (length(CAST(ticket_id AS BLOB)) BETWEEN 1 AND 128),
	creator_id    INTEGER NOT NULL REFERENCES creators (id),
	employee_id   INTEGER NOT NULL REFERENCES employees (id),
	department_id INTEGER NOT NULL REFERENCES departments (id),
	opened_on     INTEGER NOT NULL,
	closed_on     INTEGER CHECK (closed_on >= opened_on)
);

CREATE INDEX tickets_opened ON tickets (opened_on);
CREATE INDEX tickets_closed ON tickets (closed_on);
CREATE INDEX tickets_dept_opened ON tickets (department_id, opened_on);
CREATE INDEX tickets_employee_opened ON tickets (employee_id, opened_on);
CREATE INDEX tickets_creator ON tickets (creator_id);

-- key/value facts about the store; 'data_version' counts committed changes
CREATE TABLE meta (
	key    TEXT NOT NULL PRIMARY KEY,
	value  INTEGER NOT NULL
);
INSERT INTO meta (key, value) VALUES ('data_version', 0);

-- 005: annotations, dated notes ("2 designers hired") that the dashboard
-- draws as markers on its time charts (POST /api/v1/annotations,
-- docs/API.md "Annotations").  The notes of config.ini's [annotations]
-- are not stored: the daemon merges them in when it answers.
--
-- `day` is days since 1970-01-01 (UTC), as tickets.opened_on, from
-- 1900-01-01 to 9999-12-31; `text` is checked by the daemon (annot.c:
-- UTF-8 without control characters, surrounding blanks trimmed) and here
-- for its length in bytes; `created` is unix seconds.  AUTOINCREMENT: the
-- id of a deleted note is never given to another one, so a DELETE or a
-- link that names it can never hit a newer note.
CREATE TABLE annotations (
	id      INTEGER PRIMARY KEY AUTOINCREMENT,
	day     INTEGER NOT NULL CHECK (day BETWEEN -25567 AND 2932896),
	text    TEXT    NOT NULL CHECK (length(CAST(text AS BLOB)) BETWEEN 1 AND 256),
	created INTEGER NOT NULL CHECK (created >= 0)
);
CREATE INDEX annotations_day ON annotations (day, id);

/*
 * store.c - SQLite ticket store; see store.h.
 *
 * Statements used per row (lookups, upserts) are prepared once per
 * connection with SQLITE_PREPARE_PERSISTENT and reset after each use.
 * Migrations are the sql/NNN_*.sql files, embedded at build time by
 * scripts/embed.c into build/gen/migrations.c, applied in order above the
 * store's PRAGMA user_version, each in its own transaction.
 */
#include "store.h"
#include "store_priv.h"
#include "config.h"
#include "date.h"
#include "log.h"

#include <errno.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* from build/gen/migrations.c */
extern const char *const store_migrations[];
extern const size_t store_nmigrations;

/* Versions of the change log kept: a daemon further behind rebuilds. */
#define CHANGES_KEEP "1000"


static const char *const stmt_sql[S_NSTMT] = {
	[S_DEPT_ID] = "SELECT id FROM departments WHERE name = ?1",
	[S_EMP_FIND] = "SELECT id FROM employees WHERE department_id = ?1 AND name = ?2",
	[S_EMP_ADD] = "INSERT INTO employees (department_id, name) VALUES (?1, ?2)",
	[S_CREATOR_FIND] = "SELECT id FROM creators WHERE name = ?1",
	[S_CREATOR_ADD] = "INSERT INTO creators (name) VALUES (?1)",
	[S_CREATOR_ADD_NEW] = "INSERT OR IGNORE INTO creators (name) VALUES (?1)",
	[S_TICKET_FIND] = "SELECT id, creator_id, employee_id, department_id, opened_on, closed_on "
			  "FROM tickets WHERE ticket_id = ?1",
	[S_TICKET_INSERT] = "INSERT INTO tickets (ticket_id, creator_id, employee_id, department_id, "
			    "opened_on, closed_on) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
	[S_TICKET_UPDATE] = "UPDATE tickets SET creator_id = ?2, employee_id = ?3, department_id = ?4, "
			    "opened_on = ?5, closed_on = ?6 WHERE id = ?1",
	[S_VERSION] = "SELECT value FROM meta WHERE key = 'data_version'",
	[S_VERSION_BUMP] = "UPDATE meta SET value = value + 1 WHERE key = 'data_version'",
	/* the time (unix seconds) of the last write that changed the data:
	 * the pages' "imported …" and their stale-data banner */
	[S_LAST_IMPORT] = "INSERT INTO meta (key, value) VALUES ('last_import', "
			  "CAST(strftime('%s', 'now') AS INTEGER)) "
			  "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
	[S_COUNT] = "SELECT count(*) FROM tickets",
	[S_ANY] = "SELECT EXISTS (SELECT 1 FROM tickets)",
	[S_CHANGES_FROM_NOW] = "UPDATE meta SET value = (SELECT value FROM meta WHERE key = 'data_version') "
			       "WHERE key = 'changes_from'",
	[S_CHANGES_PRUNE_FROM] = "UPDATE meta SET value = max(value, (SELECT value FROM meta WHERE "
				 "key = 'data_version') - " CHANGES_KEEP ") WHERE key = 'changes_from'",
	[S_CHANGES_PRUNE] = "DELETE FROM changes WHERE version <= (SELECT value FROM meta "
			    "WHERE key = 'changes_from')",
	[S_META] = "SELECT value FROM meta WHERE key = ?1",
	[S_PRAGMA_DATA_VERSION] = "PRAGMA data_version",
	[S_TICKET_BY_ID] = "SELECT ticket_id, creator_id, employee_id, department_id, opened_on, "
			   "closed_on FROM tickets WHERE id = ?1",
	[S_CREATOR_NAME] = "SELECT name FROM creators WHERE id = ?1",
};

/* Page caches (negative = KiB): 8 MiB for an idle or reading connection,
 * 256 MiB for the length of a write transaction.  Measured by make bench:
 * a writer keeping 256 MiB after each import held the whole database in
 * memory and pushed the daemon past 200 MB. */
#define CACHE_IDLE "PRAGMA cache_size = -8192"
#define CACHE_WRITE "PRAGMA cache_size = -262144"


struct store_iter {
	struct store *st;
	sqlite3_stmt *stmt;
};

static void clear_deferred(struct store *st);

static int db_fail(struct store *st, const char *what)
{
	log_err("%s: %s: %s", st->path, what, sqlite3_errmsg(st->db));
	store_note_error(st, NULL);
	return -1;
}

int store_fail(struct store *st, const char *what)
{
	return db_fail(st, what);
}

static int exec(struct store *st, const char *sql)
{
	char *err = NULL;
	if (sqlite3_exec(st->db, sql, NULL, NULL, &err) != SQLITE_OK) {
		log_err("%s: %s", st->path, err ? err : sqlite3_errmsg(st->db));
		store_note_error(st, err);
		sqlite3_free(err);
		return -1;
	}
	return 0;
}

static sqlite3_stmt *stmt(struct store *st, enum stmt_id id)
{
	if (!st->stmt[id] &&
	    sqlite3_prepare_v3(st->db, stmt_sql[id], -1, SQLITE_PREPARE_PERSISTENT,
			       &st->stmt[id], NULL) != SQLITE_OK) {
		db_fail(st, "prepare");
		return NULL;
	}
	return st->stmt[id];
}

/* Step a statement expected to yield at most one integer; 1 found, 0 none. */
static int step_int(struct store *st, sqlite3_stmt *s, int64_t *out)
{
	int rc = sqlite3_step(s);
	int ret = 0;
	if (rc == SQLITE_ROW) {
		*out = sqlite3_column_int64(s, 0);
		ret = 1;
	} else if (rc != SQLITE_DONE) {
		ret = db_fail(st, "query");
	}
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	return ret;
}

static int make_parent_dir(const char *path)
{
	const char *slash = strrchr(path, '/');
	if (!slash || slash == path)
		return 0;
	char dir[4096];
	size_t n = (size_t)(slash - path);
	if (n >= sizeof(dir))
		return -1;
	memcpy(dir, path, n);
	dir[n] = '\0';
	if (mkdir(dir, 0750) && errno != EEXIST) {
		log_err("%s: cannot create folder: %s", dir, strerror(errno));
		return -1;
	}
	return 0;
}

/* 0 when no row breaks a foreign key, else -1 (logged). */
static int fk_check(struct store *st)
{
	sqlite3_stmt *s;
	if (sqlite3_prepare_v2(st->db, "PRAGMA foreign_key_check", -1, &s, NULL) != SQLITE_OK)
		return db_fail(st, "prepare");
	int rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		log_err("%s: table %s, row %lld: a foreign key points nowhere", st->path,
			(const char *)sqlite3_column_text(s, 0), (long long)sqlite3_column_int64(s, 1));
	sqlite3_finalize(s);
	return rc == SQLITE_DONE ? 0 : -1;
}

static int migrate(struct store *st)
{
	int64_t version = 0;
	sqlite3_stmt *s;
	if (sqlite3_prepare_v2(st->db, "PRAGMA user_version", -1, &s, NULL) != SQLITE_OK)
		return db_fail(st, "read schema version");
	if (step_int(st, s, &version) < 0) {
		sqlite3_finalize(s);
		return -1;
	}
	sqlite3_finalize(s);
	if (version > (int64_t)store_nmigrations) {
		log_err("%s: schema version %lld is newer than this leadtimed knows (%zu); upgrade leadtimed",
			st->path, (long long)version, store_nmigrations);
		return -1;
	}
	/* a migration may rebuild a table that others refer to (SQLite's
	 * 12-step ALTER TABLE): foreign keys off meanwhile (they can only be
	 * switched outside a transaction), and checked before each commit */
	if (version < (int64_t)store_nmigrations && exec(st, "PRAGMA foreign_keys = OFF"))
		return -1;
	int rc = 0;
	for (size_t i = (size_t)version; i < store_nmigrations && rc == 0; i++) {
		char pragma[64];
		snprintf(pragma, sizeof(pragma), "PRAGMA user_version = %zu", i + 1);
		if (exec(st, "BEGIN IMMEDIATE") || exec(st, store_migrations[i]) || exec(st, pragma) ||
		    fk_check(st) || exec(st, "COMMIT")) {
			log_err("%s: migration %zu failed", st->path, i + 1);
			exec(st, "ROLLBACK");
			rc = -1;
			break;
		}
		log_info("%s: schema migrated to version %zu", st->path, i + 1);
	}
	if (version < (int64_t)store_nmigrations && exec(st, "PRAGMA foreign_keys = ON"))
		return -1;
	return rc;
}

struct store *store_open(const char *path, unsigned flags)
{
	return store_open_err(path, flags, NULL);
}

struct store *store_open_err(const char *path, unsigned flags, enum store_error *err)
{
	if (err)
		*err = STORE_ERR_OTHER;
	struct store *st = calloc(1, sizeof(*st));
	if (!st)
		return NULL;
	st->path = strdup(path);
	st->flags = flags;
	if (!st->path)
		goto fail;
	if ((flags & STORE_CREATE_DIR) && make_parent_dir(path))
		goto fail;
	int oflags = SQLITE_OPEN_NOMUTEX |
		     ((flags & STORE_READONLY) ? SQLITE_OPEN_READONLY
		      : (flags & STORE_EXISTING) ? SQLITE_OPEN_READWRITE
						 : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
	if (sqlite3_open_v2(path, &st->db, oflags, NULL) != SQLITE_OK) {
		log_err("%s: cannot open database: %s", path,
			st->db ? sqlite3_errmsg(st->db) : "out of memory");
		store_note_error(st, NULL);
		goto fail;
	}
	/* the file the connection has open (the first read follows at once,
	 * on the same descriptor) */
	if (store_file_at(path, &st->file) != 1)
		memset(&st->file, 0, sizeof(st->file));
	sqlite3_extended_result_codes(st->db, 1);
	sqlite3_busy_timeout(st->db, 5000);
	/* SQLite opens a file it may not write read-only without a word: the
	 * writes would fail one by one, and a daemon would keep the
	 * connection after the cause was gone */
	if (!(flags & STORE_READONLY) && sqlite3_db_readonly(st->db, "main") == 1) {
		log_err("%s: cannot open for writing: the file is read-only here (its permissions, an immutable flag or a read-only mount)",
			path);
		st->err = STORE_ERR_READONLY;
		snprintf(st->errmsg, sizeof(st->errmsg), "the file is read-only");
		goto fail;
	}
	if (exec(st, "PRAGMA foreign_keys = ON") || exec(st, CACHE_IDLE) ||
	    exec(st, "PRAGMA temp_store = MEMORY"))
		goto fail;
	if (!(flags & STORE_READONLY)) {
		if (exec(st, "PRAGMA journal_mode = WAL") ||
		    exec(st, (flags & STORE_DURABLE) ? "PRAGMA synchronous = FULL"
						     : "PRAGMA synchronous = NORMAL") ||
		    migrate(st))
			goto fail;
	} else {
		int64_t v = 0;
		sqlite3_stmt *s;
		if (sqlite3_prepare_v2(st->db, "PRAGMA user_version", -1, &s, NULL) != SQLITE_OK) {
			db_fail(st, "read schema version");
			goto fail;
		}
		int rc = step_int(st, s, &v);
		sqlite3_finalize(s);
		if (rc < 0)
			goto fail;
		if (v != (int64_t)store_nmigrations) {
			log_err("%s: schema version %lld, expected %zu: open it once for writing first",
				path, (long long)v, store_nmigrations);
			goto fail;
		}
	}
	if (err)
		*err = STORE_ERR_NONE;
	return st;
fail:
	if (err && st->err != STORE_ERR_NONE)
		*err = st->err;
	store_close(st);
	return NULL;
}

void store_leave_path(struct store *st)
{
	int on = 1;
	if (!st || !st->db)
		return;
	/* PERSIST_WAL: the last connection to close would otherwise delete
	 * the -wal and -shm by name, now another file's */
	sqlite3_file_control(st->db, "main", SQLITE_FCNTL_PERSIST_WAL, &on);
	sqlite3_db_config(st->db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, NULL);
	st->flags |= STORE_READONLY; /* and no PRAGMA optimize */
}

void store_close(struct store *st)
{
	if (!st)
		return;
	for (int i = 0; i < S_NSTMT; i++)
		sqlite3_finalize(st->stmt[i]);
	if (st->db) {
		if (!(st->flags & STORE_READONLY))
			sqlite3_exec(st->db, "PRAGMA optimize", NULL, NULL, NULL);
		sqlite3_close_v2(st->db);
	}
	clear_deferred(st);
	free(st->path);
	free(st);
}

/* ---- pipeline ---- */

int store_sync_pipeline(struct store *st, const struct config *cfg)
{
	sqlite3_stmt *up = NULL, *al = NULL;
	if (store_begin(st))
		return -1;
	/* positions are UNIQUE: clear them all, then set the configured ones */
	if (exec(st, "UPDATE departments SET position = NULL"))
		goto fail;
	if (sqlite3_prepare_v2(st->db,
			       "INSERT INTO departments (name, position, sla_days) VALUES (?1, ?2, ?3) "
			       "ON CONFLICT (name) DO UPDATE SET position = excluded.position, "
			       "sla_days = excluded.sla_days",
			       -1, &up, NULL) != SQLITE_OK) {
		db_fail(st, "prepare");
		goto fail;
	}
	for (size_t i = 0; i < cfg->ndepts; i++) {
		sqlite3_bind_text(up, 1, cfg->depts[i].name, -1, SQLITE_STATIC);
		sqlite3_bind_int(up, 2, (int)i + 1);
		sqlite3_bind_int(up, 3, cfg->depts[i].sla_days);
		if (sqlite3_step(up) != SQLITE_DONE) {
			db_fail(st, "save department");
			goto fail;
		}
		sqlite3_reset(up);
	}
	if (exec(st, "DELETE FROM aliases WHERE source = 'config'"))
		goto fail;
	if (sqlite3_prepare_v2(st->db,
			       "INSERT INTO aliases (alias, name, source) VALUES (?1, ?2, 'config') "
			       "ON CONFLICT (alias) DO UPDATE SET name = excluded.name, source = 'config'",
			       -1, &al, NULL) != SQLITE_OK) {
		db_fail(st, "prepare");
		goto fail;
	}
	for (size_t i = 0; i < cfg->naliases; i++) {
		sqlite3_bind_text(al, 1, cfg->aliases[i].alias, -1, SQLITE_STATIC);
		sqlite3_bind_text(al, 2, cfg->aliases[i].name, -1, SQLITE_STATIC);
		if (sqlite3_step(al) != SQLITE_DONE) {
			db_fail(st, "save alias");
			goto fail;
		}
		sqlite3_reset(al);
	}
	sqlite3_finalize(up);
	sqlite3_finalize(al);
	return store_commit(st, 0);
fail:
	sqlite3_finalize(up);
	sqlite3_finalize(al);
	store_rollback(st);
	return -1;
}

/* ---- facts ---- */

int64_t store_data_version(struct store *st)
{
	sqlite3_stmt *s = stmt(st, S_VERSION);
	int64_t v = 0;
	if (!s || step_int(st, s, &v) < 0)
		return -1;
	return v;
}

int64_t store_has_tickets(struct store *st)
{
	sqlite3_stmt *s = stmt(st, S_ANY);
	int64_t v = 0;
	if (!s || step_int(st, s, &v) < 0)
		return -1;
	return v;
}

int64_t store_ticket_count(struct store *st)
{
	sqlite3_stmt *s = stmt(st, S_COUNT);
	int64_t v = 0;
	if (!s || step_int(st, s, &v) < 0)
		return -1;
	return v;
}

int store_bounds(struct store *st, int32_t as_of, int32_t *first, int32_t *last)
{
	/* As of as_of: later openings and closes have no rows (SPEC §2).
	 * Three separate min/max so that each is one index look-up
	 * (tickets_opened, tickets_closed); one query with a CASE inside an
	 * aggregate would visit every ticket. */
	static const char *const sql[3] = {
		"SELECT min(opened_on) FROM tickets WHERE opened_on <= ?1",
		"SELECT max(opened_on) FROM tickets WHERE opened_on <= ?1",
		"SELECT max(closed_on) FROM tickets WHERE closed_on <= ?1",
	};
	int64_t v[3];
	int has[3];
	for (int i = 0; i < 3; i++) {
		sqlite3_stmt *s;
		if (sqlite3_prepare_v2(st->db, sql[i], -1, &s, NULL) != SQLITE_OK)
			return db_fail(st, "prepare");
		sqlite3_bind_int(s, 1, as_of);
		int rc = sqlite3_step(s);
		has[i] = rc == SQLITE_ROW && sqlite3_column_type(s, 0) != SQLITE_NULL;
		v[i] = has[i] ? sqlite3_column_int64(s, 0) : 0;
		sqlite3_finalize(s);
		if (rc != SQLITE_ROW)
			return db_fail(st, "read bounds");
	}
	if (!has[0])
		return 0;
	*first = (int32_t)v[0];
	*last = (int32_t)(has[2] && v[2] > v[1] ? v[2] : v[1]);
	return 1;
}

/* ---- dimensions ---- */

static char *col_strdup(sqlite3_stmt *s, int col)
{
	const unsigned char *t = sqlite3_column_text(s, col);
	char *p = strdup(t ? (const char *)t : "");
	if (!p)
		abort();
	return p;
}

int store_load_dims(struct store *st, struct store_dims *dims)
{
	sqlite3_stmt *s = NULL;
	memset(dims, 0, sizeof(*dims));
	if (sqlite3_prepare_v2(st->db,
			       "SELECT id, name, coalesce(position, 0), sla_days FROM departments ORDER BY id",
			       -1, &s, NULL) != SQLITE_OK)
		goto fail;
	size_t cap = 0;
	int rc;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (dims->ndepts == cap) {
			cap = cap ? cap * 2 : 16;
			dims->depts = realloc(dims->depts, cap * sizeof(*dims->depts));
			if (!dims->depts)
				abort();
		}
		struct store_dept *d = &dims->depts[dims->ndepts++];
		d->id = sqlite3_column_int64(s, 0);
		d->name = col_strdup(s, 1);
		d->position = sqlite3_column_int(s, 2);
		d->sla_days = sqlite3_column_int(s, 3);
	}
	if (rc != SQLITE_DONE)
		goto fail;
	sqlite3_finalize(s);
	if (sqlite3_prepare_v2(st->db, "SELECT id, name, department_id FROM employees ORDER BY id",
			       -1, &s, NULL) != SQLITE_OK)
		goto fail;
	cap = 0;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (dims->nemps == cap) {
			cap = cap ? cap * 2 : 64;
			dims->emps = realloc(dims->emps, cap * sizeof(*dims->emps));
			if (!dims->emps)
				abort();
		}
		struct store_employee *e = &dims->emps[dims->nemps++];
		e->id = sqlite3_column_int64(s, 0);
		e->name = col_strdup(s, 1);
		e->dept_id = sqlite3_column_int64(s, 2);
	}
	if (rc != SQLITE_DONE)
		goto fail;
	sqlite3_finalize(s);
	return 0;
fail:
	db_fail(st, "load departments and employees");
	sqlite3_finalize(s);
	store_dims_release(dims);
	return -1;
}

void store_dims_release(struct store_dims *dims)
{
	for (size_t i = 0; i < dims->ndepts; i++)
		free(dims->depts[i].name);
	for (size_t i = 0; i < dims->nemps; i++)
		free(dims->emps[i].name);
	free(dims->depts);
	free(dims->emps);
	memset(dims, 0, sizeof(*dims));
}

void store_dims_set_pipeline(struct store_dims *dims, const struct config *cfg)
{
	for (size_t i = 0; i < dims->ndepts; i++) {
		struct store_dept *d = &dims->depts[i];
		d->position = 0;
		for (size_t k = 0; k < cfg->ndepts; k++)
			if (strcmp(d->name, cfg->depts[k].name) == 0)
				d->position = (int)k + 1;
	}
}

const struct store_dept *store_dims_dept(const struct store_dims *d, int64_t id)
{
	size_t lo = 0, hi = d->ndepts;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (d->depts[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < d->ndepts && d->depts[lo].id == id ? &d->depts[lo] : NULL;
}

const struct store_employee *store_dims_employee(const struct store_dims *d, int64_t id)
{
	size_t lo = 0, hi = d->nemps;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (d->emps[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < d->nemps && d->emps[lo].id == id ? &d->emps[lo] : NULL;
}

/* ---- writing ---- */

int store_begin(struct store *st)
{
	/* a large page cache only while a write runs: index maintenance of a
	 * big import needs it, an idle connection should not keep it */
	if (exec(st, CACHE_WRITE))
		return -1;
	if (exec(st, "BEGIN IMMEDIATE")) {
		exec(st, CACHE_IDLE);
		return -1;
	}
	return 0;
}

static void clear_deferred(struct store *st)
{
	for (size_t i = 0; i < st->ndeferred; i++)
		free(st->deferred[i]);
	free(st->deferred);
	st->deferred = NULL;
	st->ndeferred = 0;
	st->bulk_empty = 0;
	st->creators_fresh = 0;
}

/* After a bulk load's commit or rollback: the connection's usual settings. */
static void bulk_end(struct store *st)
{
	if (!st->bulk_fk_off)
		return;
	st->bulk_fk_off = 0;
	sqlite3_exec(st->db, "PRAGMA foreign_keys = ON", NULL, NULL, NULL);
	sqlite3_exec(st->db, "PRAGMA threads = 0", NULL, NULL, NULL);
	sqlite3_exec(st->db, "PRAGMA temp_store = MEMORY", NULL, NULL, NULL);
}

int store_begin_bulk(struct store *st)
{
	/* foreign keys and temp_store can only be switched outside a
	 * transaction: first, back when the store turns out to hold tickets */
	if (exec(st, "PRAGMA foreign_keys = OFF") || exec(st, "PRAGMA temp_store = FILE"))
		return -1;
	st->bulk_fk_off = 1;
	if (store_begin(st)) {
		bulk_end(st);
		return -1;
	}
	/* "is there any ticket": count(*) would read all of them (40 ms a
	 * write at 10M tickets) */
	int64_t n = store_has_tickets(st);
	if (n != 0) {
		store_rollback(st); /* and bulk_end() */
		return n < 0 ? -1 : store_begin(st);
	}
	/* into an empty store every id a row refers to comes from this very
	 * transaction (callers look them up or create them first), so the
	 * three parent look-ups per row of a foreign key check prove nothing
	 * (18% of the load's CPU); the index builds at commit sort on two
	 * threads, their runs in files (half the CPU of in-memory runs) */
	if (exec(st, "PRAGMA threads = 2")) {
		store_rollback(st);
		return -1;
	}
	sqlite3_stmt *s;
	/* the change-log triggers go too: a load into an empty store is
	 * applied by a daemon as a rebuild (changes_from, set at commit); and
	 * the creators' name index when there is no creator yet either
	 * (store_creator_id() then inserts without looking up) */
	int64_t ncreators = 0;
	sqlite3_stmt *cs = NULL;
	if (sqlite3_prepare_v2(st->db, "SELECT count(*) FROM creators", -1, &cs, NULL) != SQLITE_OK ||
	    step_int(st, cs, &ncreators) < 0) {
		sqlite3_finalize(cs);
		db_fail(st, "count creators");
		store_rollback(st);
		return -1;
	}
	sqlite3_finalize(cs);
	st->creators_fresh = ncreators == 0;
	if (sqlite3_prepare_v2(st->db,
			       "SELECT name, sql, type FROM sqlite_master WHERE type IN ('index', 'trigger') "
			       "AND (tbl_name = 'tickets' OR (tbl_name = 'creators' AND ?1)) "
			       "AND sql IS NOT NULL", -1, &s, NULL) != SQLITE_OK) {
		db_fail(st, "prepare");
		store_rollback(st);
		return -1;
	}
	sqlite3_bind_int(s, 1, st->creators_fresh);
	char drops[4096] = "";
	while (sqlite3_step(s) == SQLITE_ROW) {
		char **p = realloc(st->deferred, (st->ndeferred + 1) * sizeof(*p));
		if (!p)
			abort();
		st->deferred = p;
		p[st->ndeferred++] = col_strdup(s, 1);
		size_t len = strlen(drops);
		snprintf(drops + len, sizeof(drops) - len, "DROP %s \"%s\";",
			 strcmp((const char *)sqlite3_column_text(s, 2), "trigger") == 0 ? "TRIGGER"
											  : "INDEX",
			 (const char *)sqlite3_column_text(s, 0));
	}
	sqlite3_finalize(s);
	if (exec(st, drops)) {
		store_rollback(st);
		return -1;
	}
	st->bulk_empty = 1;
	return 0;
}

int store_commit(struct store *st, int changed)
{
	int bulk = st->ndeferred > 0;
	/* SQLite's sorter builds an index with half the CPU when its temporary
	 * runs are files (the OS caches them; store_begin_bulk()) and its page
	 * cache is small: temp_store = MEMORY and 256 MiB took 4.4 s CPU for
	 * the four ticket indexes of 1M tickets, FILE and 2 MiB 2.0 s */
	if (bulk && exec(st, "PRAGMA cache_size = -2000"))
		return -1;
	for (size_t i = 0; i < st->ndeferred; i++)
		if (exec(st, st->deferred[i]))
			return -1;
	clear_deferred(st);
	if (changed) {
		sqlite3_stmt *s = stmt(st, S_VERSION_BUMP);
		if (!s)
			return -1;
		int rc = sqlite3_step(s);
		sqlite3_reset(s);
		if (rc != SQLITE_DONE)
			return db_fail(st, "bump data version");
		s = stmt(st, S_LAST_IMPORT);
		if (!s || (rc = sqlite3_step(s), sqlite3_reset(s), rc) != SQLITE_DONE)
			return db_fail(st, "note the import time");
		/* the log keeps the last CHANGES_KEEP versions; a bulk load
		 * logged nothing, so it is complete only above this one */
		s = stmt(st, bulk ? S_CHANGES_FROM_NOW : S_CHANGES_PRUNE_FROM);
		if (!s || (rc = sqlite3_step(s), sqlite3_reset(s), rc) != SQLITE_DONE)
			return db_fail(st, "update the change log");
		s = stmt(st, S_CHANGES_PRUNE);
		if (!s || (rc = sqlite3_step(s), sqlite3_reset(s), rc) != SQLITE_DONE)
			return db_fail(st, "prune the change log");
	}
	int rc = exec(st, "COMMIT");
	if (rc == 0) {
		exec(st, CACHE_IDLE); /* lowering cache_size frees the pages above it */
		bulk_end(st);
	}
	return rc;
}

void store_rollback(struct store *st)
{
	clear_deferred(st); /* the rollback brings the indexes back */
	if (!sqlite3_get_autocommit(st->db))
		sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
	sqlite3_exec(st->db, CACHE_IDLE, NULL, NULL, NULL);
	bulk_end(st);
}

int64_t store_department_id(struct store *st, const char *name)
{
	sqlite3_stmt *s = stmt(st, S_DEPT_ID);
	int64_t id = 0;
	if (!s)
		return -1;
	sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
	int rc = step_int(st, s, &id);
	return rc < 0 ? -1 : rc ? id : 0;
}

static int64_t find_or_add(struct store *st, enum stmt_id find, enum stmt_id add,
			   int64_t key, const char *name)
{
	sqlite3_stmt *s = stmt(st, find);
	int64_t id = 0;
	if (!s)
		return -1;
	int col = 1;
	if (key)
		sqlite3_bind_int64(s, col++, key);
	sqlite3_bind_text(s, col, name, -1, SQLITE_STATIC);
	int rc = step_int(st, s, &id);
	if (rc)
		return rc < 0 ? -1 : id;
	s = stmt(st, add);
	if (!s)
		return -1;
	col = 1;
	if (key)
		sqlite3_bind_int64(s, col++, key);
	sqlite3_bind_text(s, col, name, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	if (rc != SQLITE_DONE)
		return db_fail(st, "insert");
	return sqlite3_last_insert_rowid(st->db);
}

int64_t store_employee_id(struct store *st, int64_t dept_id, const char *name)
{
	return find_or_add(st, S_EMP_FIND, S_EMP_ADD, dept_id, name);
}

int64_t store_creator_id(struct store *st, const char *name)
{
	/* a load into a store without creators: their name index is gone
	 * until the commit, and callers ask once per name (store.h) */
	if (st->creators_fresh) {
		sqlite3_stmt *s = stmt(st, S_CREATOR_ADD);
		if (!s)
			return -1;
		sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
		int rc = sqlite3_step(s);
		sqlite3_reset(s);
		return rc == SQLITE_DONE ? sqlite3_last_insert_rowid(st->db) : db_fail(st, "insert creator");
	}
	/* a load into an empty store meets mostly new names (callers cache
	 * the ones they made): insert first, look up only on a conflict */
	if (st->bulk_empty) {
		sqlite3_stmt *s = stmt(st, S_CREATOR_ADD_NEW);
		if (!s)
			return -1;
		sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
		int rc = sqlite3_step(s);
		sqlite3_reset(s);
		if (rc != SQLITE_DONE)
			return db_fail(st, "insert creator");
		if (sqlite3_changes(st->db) == 1)
			return sqlite3_last_insert_rowid(st->db);
	}
	return find_or_add(st, S_CREATOR_FIND, S_CREATOR_ADD, 0, name);
}

static void bind_ticket(sqlite3_stmt *s, const struct store_ticket_in *t)
{
	sqlite3_bind_int64(s, 2, t->creator_id);
	sqlite3_bind_int64(s, 3, t->employee_id);
	sqlite3_bind_int64(s, 4, t->dept_id);
	sqlite3_bind_int(s, 5, t->opened);
	if (t->closed == DATE_NONE)
		sqlite3_bind_null(s, 6);
	else
		sqlite3_bind_int(s, 6, t->closed);
}

int store_upsert_ticket(struct store *st, const struct store_ticket_in *t)
{
	sqlite3_stmt *s = stmt(st, S_TICKET_FIND);
	if (!s)
		return -1;
	sqlite3_bind_text(s, 1, t->ticket_id, -1, SQLITE_STATIC);
	int rc = st->bulk_empty ? SQLITE_DONE : sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		int64_t id = sqlite3_column_int64(s, 0);
		int32_t closed = sqlite3_column_type(s, 5) == SQLITE_NULL ? DATE_NONE
									 : sqlite3_column_int(s, 5);
		int same = sqlite3_column_int64(s, 1) == t->creator_id &&
			   sqlite3_column_int64(s, 2) == t->employee_id &&
			   sqlite3_column_int64(s, 3) == t->dept_id &&
			   sqlite3_column_int(s, 4) == t->opened && closed == t->closed;
		sqlite3_reset(s);
		if (same)
			return STORE_UNCHANGED;
		s = stmt(st, S_TICKET_UPDATE);
		if (!s)
			return -1;
		sqlite3_bind_int64(s, 1, id);
		bind_ticket(s, t);
		rc = sqlite3_step(s);
		sqlite3_reset(s);
		return rc == SQLITE_DONE ? STORE_UPDATED : db_fail(st, "update ticket");
	}
	sqlite3_reset(s);
	if (rc != SQLITE_DONE)
		return db_fail(st, "find ticket");
	s = stmt(st, S_TICKET_INSERT);
	if (!s)
		return -1;
	sqlite3_bind_text(s, 1, t->ticket_id, -1, SQLITE_STATIC);
	bind_ticket(s, t);
	rc = sqlite3_step(s);
	sqlite3_reset(s);
	return rc == SQLITE_DONE ? STORE_INSERTED : db_fail(st, "insert ticket");
}

int store_each_alias(struct store *st,
		     int (*fn)(void *ctx, const char *alias, const char *name), void *ctx)
{
	sqlite3_stmt *s;
	if (sqlite3_prepare_v2(st->db, "SELECT alias, name FROM aliases ORDER BY alias", -1, &s,
			       NULL) != SQLITE_OK)
		return db_fail(st, "prepare");
	int rc;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW)
		if (fn(ctx, (const char *)sqlite3_column_text(s, 0),
		       (const char *)sqlite3_column_text(s, 1)))
			break;
	int ret = rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : db_fail(st, "read aliases");
	sqlite3_finalize(s);
	return ret;
}

int store_set_alias(struct store *st, const char *alias, const char *name, const char *source)
{
	sqlite3_stmt *s;
	if (sqlite3_prepare_v2(st->db,
			       "INSERT INTO aliases (alias, name, source) VALUES (?1, ?2, ?3) "
			       "ON CONFLICT (alias) DO UPDATE SET name = excluded.name, source = excluded.source",
			       -1, &s, NULL) != SQLITE_OK)
		return db_fail(st, "prepare");
	sqlite3_bind_text(s, 1, alias, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, name, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, source, -1, SQLITE_STATIC);
	int rc = sqlite3_step(s);
	sqlite3_finalize(s);
	return rc == SQLITE_DONE ? 0 : db_fail(st, "save alias");
}

int64_t store_apply_alias(struct store *st, const char *alias, const char *name)
{
	sqlite3_stmt *s = NULL, *mv = NULL, *del = NULL;
	int64_t moved = 0;
	if (sqlite3_prepare_v2(st->db, "SELECT id, department_id FROM employees WHERE name = ?1", -1, &s,
			       NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(st->db, "UPDATE tickets SET employee_id = ?2 WHERE employee_id = ?1", -1,
			       &mv, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(st->db, "DELETE FROM employees WHERE id = ?1", -1, &del, NULL) != SQLITE_OK)
		goto fail;
	sqlite3_bind_text(s, 1, alias, -1, SQLITE_STATIC);
	/* collect first: the loop below inserts into employees */
	int64_t ids[64][2];
	int n = 0, rc;
	while (n < 64 && (rc = sqlite3_step(s)) == SQLITE_ROW) {
		ids[n][0] = sqlite3_column_int64(s, 0);
		ids[n][1] = sqlite3_column_int64(s, 1);
		n++;
	}
	sqlite3_reset(s);
	for (int i = 0; i < n; i++) {
		int64_t target = store_employee_id(st, ids[i][1], name);
		if (target < 0)
			goto out;
		sqlite3_bind_int64(mv, 1, ids[i][0]);
		sqlite3_bind_int64(mv, 2, target);
		if (sqlite3_step(mv) != SQLITE_DONE)
			goto fail;
		moved += sqlite3_changes(st->db);
		sqlite3_reset(mv);
		sqlite3_bind_int64(del, 1, ids[i][0]);
		if (sqlite3_step(del) != SQLITE_DONE)
			goto fail;
		sqlite3_reset(del);
	}
	goto out;
fail:
	db_fail(st, "apply alias");
	moved = -1;
out:
	sqlite3_finalize(s);
	sqlite3_finalize(mv);
	sqlite3_finalize(del);
	return moved;
}

/* ---- reading tickets ---- */

#define TICKET_COLS "t.ticket_id, c.name, t.creator_id, t.employee_id, t.department_id, " \
		    "t.opened_on, t.closed_on FROM tickets t JOIN creators c ON c.id = t.creator_id"

/* The filter as SQL conditions on parameters ?10 (dept) ?11 (employee)
 * ?12 (creator) ?13 (employee id). */
static void filter_sql(char *out, size_t n, const struct store_filter *f)
{
	/* an earlier ticket of the same creator in the same department, in
	 * (opened_on, ticket_id) order, ticket ids compared as bytes */
	static const char earlier[] =
		"EXISTS (SELECT 1 FROM tickets e WHERE e.creator_id = t.creator_id "
		"AND e.department_id = t.department_id AND (e.opened_on < t.opened_on "
		"OR (e.opened_on = t.opened_on AND e.ticket_id < t.ticket_id)))";
	snprintf(out, n, "%s%s%s%s%s%s",
		 f && f->dept_id ? " AND t.department_id = ?10" : "",
		 f && f->employee ? " AND t.employee_id IN (SELECT id FROM employees WHERE name = ?11)" : "",
		 f && f->creator ? " AND c.name = ?12" : "",
		 f && f->employee_id ? " AND t.employee_id = ?13" : "",
		 f && f->entry == STORE_ENTRY_FIRST ? " AND NOT " : f && f->entry == STORE_ENTRY_REENTRY ? " AND " : "",
		 f && f->entry != STORE_ENTRY_ANY ? earlier : "");
}

static struct store_iter *iter_new(struct store *st, const char *sql, const struct store_filter *f)
{
	struct store_iter *it = calloc(1, sizeof(*it));
	if (!it)
		abort();
	it->st = st;
	if (sqlite3_prepare_v2(st->db, sql, -1, &it->stmt, NULL) != SQLITE_OK) {
		db_fail(st, "prepare");
		free(it);
		return NULL;
	}
	if (f && f->dept_id)
		sqlite3_bind_int64(it->stmt, 10, f->dept_id);
	if (f && f->employee)
		sqlite3_bind_text(it->stmt, 11, f->employee, -1, SQLITE_TRANSIENT);
	if (f && f->creator)
		sqlite3_bind_text(it->stmt, 12, f->creator, -1, SQLITE_TRANSIENT);
	if (f && f->employee_id)
		sqlite3_bind_int64(it->stmt, 13, f->employee_id);
	return it;
}

struct store_iter *store_iter_active(struct store *st, const struct store_filter *f, int32_t day)
{
	char cond[768], sql[2560];
	filter_sql(cond, sizeof(cond), f);
	/* two index range scans (closed_on >= day; closed_on IS NULL) rather
	 * than every ticket opened before day */
	snprintf(sql, sizeof(sql),
		 "SELECT " TICKET_COLS " WHERE t.closed_on >= ?1 AND t.opened_on <= ?1%s "
		 "UNION ALL SELECT " TICKET_COLS " WHERE t.closed_on IS NULL AND t.opened_on <= ?1%s",
		 cond, cond);
	struct store_iter *it = iter_new(st, sql, f);
	if (it)
		sqlite3_bind_int(it->stmt, 1, day);
	return it;
}

struct store_iter *store_iter_opened(struct store *st, const struct store_filter *f,
				     int32_t lo, int32_t hi)
{
	char cond[768], sql[2560];
	filter_sql(cond, sizeof(cond), f);
	snprintf(sql, sizeof(sql),
		 "SELECT " TICKET_COLS " WHERE t.opened_on BETWEEN ?1 AND ?2%s ORDER BY t.opened_on",
		 cond);
	struct store_iter *it = iter_new(st, sql, f);
	if (it) {
		sqlite3_bind_int(it->stmt, 1, lo);
		sqlite3_bind_int(it->stmt, 2, hi);
	}
	return it;
}

struct store_iter *store_iter_all(struct store *st)
{
	return iter_new(st, "SELECT " TICKET_COLS " ORDER BY t.id", NULL);
}

int store_iter_next(struct store_iter *it, struct store_ticket *t)
{
	int rc = sqlite3_step(it->stmt);
	if (rc == SQLITE_DONE)
		return 0;
	if (rc != SQLITE_ROW)
		return db_fail(it->st, "read tickets");
	sqlite3_stmt *s = it->stmt;
	t->ticket_id = (const char *)sqlite3_column_text(s, 0);
	t->ticket_id_len = (size_t)sqlite3_column_bytes(s, 0);
	t->creator = (const char *)sqlite3_column_text(s, 1);
	t->creator_len = (size_t)sqlite3_column_bytes(s, 1);
	t->creator_id = sqlite3_column_int64(s, 2);
	t->employee_id = sqlite3_column_int64(s, 3);
	t->dept_id = sqlite3_column_int64(s, 4);
	t->opened = sqlite3_column_int(s, 5);
	t->closed = sqlite3_column_type(s, 6) == SQLITE_NULL ? DATE_NONE : sqlite3_column_int(s, 6);
	return 1;
}

void store_iter_free(struct store_iter *it)
{
	if (!it)
		return;
	sqlite3_finalize(it->stmt);
	free(it);
}

/* ---- reading for the analytics state ---- */

int store_read_begin(struct store *st)
{
	if (exec(st, "BEGIN"))
		return -1;
	/* a deferred transaction takes its snapshot at the first read */
	int64_t v;
	if (store_meta(st, "data_version", &v) < 0) {
		store_read_end(st);
		return -1;
	}
	return 0;
}

void store_read_end(struct store *st)
{
	/* a statement left on a row keeps its read snapshot past COMMIT (a
	 * later BEGIN IMMEDIATE on this connection would fail at once with
	 * SQLITE_BUSY_SNAPSHOT) */
	if (st->stmt[S_TICKET_BY_ID])
		sqlite3_reset(st->stmt[S_TICKET_BY_ID]);
	if (st->stmt[S_CREATOR_NAME])
		sqlite3_reset(st->stmt[S_CREATOR_NAME]);
	if (!sqlite3_get_autocommit(st->db))
		sqlite3_exec(st->db, "COMMIT", NULL, NULL, NULL);
}

int store_meta(struct store *st, const char *key, int64_t *out)
{
	sqlite3_stmt *s = stmt(st, S_META);
	if (!s)
		return -1;
	sqlite3_bind_text(s, 1, key, -1, SQLITE_STATIC);
	return step_int(st, s, out);
}

int64_t store_pragma_data_version(struct store *st)
{
	sqlite3_stmt *s = stmt(st, S_PRAGMA_DATA_VERSION);
	int64_t v = -1;
	if (!s || step_int(st, s, &v) < 0)
		return -1;
	return v;
}

static void ticket_cols(sqlite3_stmt *s, int first, struct store_ticket *t)
{
	t->ticket_id = (const char *)sqlite3_column_text(s, first);
	t->ticket_id_len = (size_t)sqlite3_column_bytes(s, first);
	t->creator = NULL;
	t->creator_len = 0;
	t->creator_id = sqlite3_column_int64(s, first + 1);
	t->employee_id = sqlite3_column_int64(s, first + 2);
	t->dept_id = sqlite3_column_int64(s, first + 3);
	t->opened = sqlite3_column_int(s, first + 4);
	t->closed = sqlite3_column_type(s, first + 5) == SQLITE_NULL ? DATE_NONE
								      : sqlite3_column_int(s, first + 5);
}

int store_ticket_by_id(struct store *st, int64_t id, struct store_ticket *t)
{
	sqlite3_stmt *s = stmt(st, S_TICKET_BY_ID);
	if (!s)
		return -1;
	sqlite3_reset(s);
	sqlite3_bind_int64(s, 1, id);
	int rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		ticket_cols(s, 0, t);
		return 1; /* the strings live until the next call: reset then */
	}
	sqlite3_reset(s);
	return rc == SQLITE_DONE ? 0 : db_fail(st, "read ticket");
}

int store_creator_name(struct store *st, int64_t id, const char **name, size_t *len)
{
	sqlite3_stmt *s = stmt(st, S_CREATOR_NAME);
	if (!s)
		return -1;
	sqlite3_reset(s);
	sqlite3_bind_int64(s, 1, id);
	int rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		*name = (const char *)sqlite3_column_text(s, 0);
		*len = (size_t)sqlite3_column_bytes(s, 0);
		return 1;
	}
	sqlite3_reset(s);
	return rc == SQLITE_DONE ? 0 : db_fail(st, "read creator");
}

/* Run sql (bound with `since` when >= 0) and hand each row to fn. */
static int each_row(struct store *st, const char *sql, int64_t since,
		    int (*fn)(void *ctx, sqlite3_stmt *s), void *ctx)
{
	sqlite3_stmt *s;
	if (sqlite3_prepare_v2(st->db, sql, -1, &s, NULL) != SQLITE_OK)
		return db_fail(st, "prepare");
	if (since >= 0)
		sqlite3_bind_int64(s, 1, since);
	int rc, ret = 0;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW)
		if ((ret = fn(ctx, s)) != 0)
			break;
	if (ret == 0 && rc != SQLITE_DONE)
		ret = db_fail(st, "read");
	sqlite3_finalize(s);
	return ret < 0 ? -1 : 0;
}

struct changed_ctx {
	int (*fn)(void *ctx, int64_t id);
	void *ctx;
};

static int changed_row(void *ctx, sqlite3_stmt *s)
{
	struct changed_ctx *c = ctx;
	return c->fn(c->ctx, sqlite3_column_int64(s, 0));
}

int store_each_changed(struct store *st, int64_t since, int (*fn)(void *ctx, int64_t id), void *ctx)
{
	struct changed_ctx c = { fn, ctx };
	return each_row(st, "SELECT DISTINCT ticket FROM changes WHERE version > ?1 ORDER BY ticket",
			since, changed_row, &c);
}

int64_t store_changed_count(struct store *st, int64_t since)
{
	sqlite3_stmt *s;
	if (sqlite3_prepare_v2(st->db, "SELECT count(*) FROM changes WHERE version > ?1", -1, &s,
			       NULL) != SQLITE_OK)
		return db_fail(st, "prepare");
	sqlite3_bind_int64(s, 1, since);
	int64_t n = 0;
	int rc = step_int(st, s, &n);
	sqlite3_finalize(s);
	return rc < 0 ? -1 : n;
}

struct creator_ctx {
	int (*fn)(void *ctx, int64_t id, const char *name, size_t len);
	void *ctx;
};

static int creator_row(void *ctx, sqlite3_stmt *s)
{
	struct creator_ctx *c = ctx;
	return c->fn(c->ctx, sqlite3_column_int64(s, 0), (const char *)sqlite3_column_text(s, 1),
		     (size_t)sqlite3_column_bytes(s, 1));
}

int store_each_creator(struct store *st,
		       int (*fn)(void *ctx, int64_t id, const char *name, size_t len), void *ctx)
{
	struct creator_ctx c = { fn, ctx };
	return each_row(st, "SELECT id, name FROM creators ORDER BY name", -1, creator_row, &c);
}

struct ticket_ctx {
	int (*fn)(void *ctx, int64_t id, const struct store_ticket *t);
	void *ctx;
};

static int ticket_row(void *ctx, sqlite3_stmt *s)
{
	struct ticket_ctx *c = ctx;
	struct store_ticket t;
	ticket_cols(s, 1, &t);
	return c->fn(c->ctx, sqlite3_column_int64(s, 0), &t);
}

int store_each_ticket(struct store *st,
		      int (*fn)(void *ctx, int64_t id, const struct store_ticket *t), void *ctx)
{
	struct ticket_ctx c = { fn, ctx };
	return each_row(st,
			"SELECT id, ticket_id, creator_id, employee_id, department_id, opened_on, "
			"closed_on FROM tickets ORDER BY id",
			-1, ticket_row, &c);
}

/* ---- for store_events.c (store_priv.h) ---- */

sqlite3 *store_db(struct store *st)
{
	return st->db;
}

const char *store_path(const struct store *st)
{
	return st->path;
}

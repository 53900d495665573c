/*
 * store.h - the ticket store (SQLite).  The only module that includes
 * sqlite3.h: everything else sees an opaque `struct store` and plain structs.
 *
 * A store is one connection, used by one thread at a time.  Opening it for
 * writing creates the file, applies the embedded migrations (sql/NNN_*.sql,
 * versioned with PRAGMA user_version) and sets WAL, a busy timeout and
 * foreign keys.  Functions log their own failures (with sqlite3_errmsg) and
 * return -1 / NULL; the caller only propagates.
 */
#ifndef LEADTIME_STORE_H
#define LEADTIME_STORE_H

#include <stddef.h>
#include <stdint.h>

struct config;
struct store;

enum store_flags {
	STORE_READONLY = 1 << 0,   /* a reader connection: no schema changes */
	STORE_CREATE_DIR = 1 << 1, /* create the file's folder when missing */
	STORE_DURABLE = 1 << 2,    /* synchronous = FULL: a commit is on disk when
				    * it returns (the daemon's writes; bulk CLI
				    * loads keep NORMAL, docs/OPERATIONS.md) */
	STORE_EXISTING = 1 << 3,   /* never create the file: a missing one fails */
};

/*
 * The kind of the last failure on a connection (store_error()): the write
 * routes answer by it (a full disk is not a bug) and the daemon drops a
 * writer connection that failed because of its file, to open it afresh
 * next time.
 */
enum store_error {
	STORE_ERR_NONE = 0,
	STORE_ERR_OTHER,      /* a constraint, a bug: nothing the operator fixes */
	STORE_ERR_BUSY,       /* locked past the busy timeout */
	STORE_ERR_READONLY,   /* the file (or its -wal, -shm, folder) not writable */
	STORE_ERR_CANTOPEN,   /* the file or its -wal/-shm cannot be opened */
	STORE_ERR_FULL,       /* the disk, or [data] max_size_mb, is full */
	STORE_ERR_IO,         /* an I/O error */
	STORE_ERR_CORRUPT,    /* the file is damaged (or not a database) */
	STORE_ERR_GONE,       /* the path names another file now, or none */
};

/* Open (and for writers create and migrate) the store at path; NULL on
 * error.  A writer that SQLite could open only read-only fails
 * (STORE_ERR_READONLY).  With err, the kind of a failure is put there. */
struct store *store_open(const char *path, unsigned flags);
struct store *store_open_err(const char *path, unsigned flags, enum store_error *err);
/* Close the connection (runs PRAGMA optimize); NULL is fine. */
void store_close(struct store *st);
/* Make store_close() leave the files at the path alone: no checkpoint, no
 * PRAGMA optimize, and the -wal and -shm not removed by name.  For a file
 * that was removed or replaced while open: what the path names now is
 * another file's (STORE_ERR_GONE). */
void store_leave_path(struct store *st);

/* The kind of the last failure on st since store_error_clear(), and the
 * SQLite message that came with it ("" when none; valid until the next
 * failure on st). */
enum store_error store_error(const struct store *st);
const char *store_error_msg(const struct store *st);
void store_error_clear(struct store *st);
/* What a kind means, for people ("the disk or max_size_mb is full"). */
const char *store_error_text(enum store_error e);

/* The identity of a file: device and inode. */
struct store_file {
	uint64_t dev, ino;
};
/* The file st opened (its path's device and inode right after opening). */
void store_file(const struct store *st, struct store_file *f);
/* The file `path` names now: 1 (*f set), 0 when there is none, -1 on
 * another error (errno set). */
int store_file_at(const char *path, struct store_file *f);

/* Limit the file to max_bytes (0 = no limit): writes that would grow it
 * past that fail with STORE_ERR_FULL (PRAGMA max_page_count).  0 or -1. */
int store_set_max_size(struct store *st, int64_t max_bytes);

/*
 * Whether a write could succeed now, without writing: the file, its -wal
 * and -shm (and the folder when one of them must be created) writable by
 * this process, at least STORE_MIN_FREE bytes free on its file system, and
 * as much room under max_bytes (0 = no limit; counted on st's pages).
 * STORE_ERR_NONE, or the kind with a message for people in why (which
 * does not name the path: HTTP replies show it).
 */
#define STORE_MIN_FREE ((int64_t)1 << 20)
enum store_error store_probe(struct store *st, int64_t max_bytes, char *why, size_t n);

/* PRAGMA quick_check: 0 when it passes, 1 when the store is damaged (its
 * findings logged, the first ten), -1 when it cannot run (logged). */
int store_quick_check(struct store *st);

/*
 * Make the departments table match the configured pipeline (names,
 * positions, SLA days; departments no longer configured keep their tickets
 * with a NULL position) and replace the config-sourced aliases.
 */
int store_sync_pipeline(struct store *st, const struct config *cfg);

/* The data version (counts committed changes), or -1. */
int64_t store_data_version(struct store *st);
/* Number of tickets (reads them all: O(tickets)), or -1. */
int64_t store_ticket_count(struct store *st);
/* 1 when the store holds a ticket, 0 when none, -1 on error (O(1)). */
int64_t store_has_tickets(struct store *st);
/* As of as_of: the smallest opened_on and the largest opened_on/closed_on
 * not after as_of; 0 when no ticket opened by then (both left untouched),
 * 1 when set, -1 on error. */
int store_bounds(struct store *st, int32_t as_of, int32_t *first, int32_t *last);

/* ---- dimensions: departments and employees ---- */

struct store_dept {
	int64_t id;
	char *name;
	int position;      /* 0 = not in the configured pipeline */
	int sla_days;
};

struct store_employee {
	int64_t id;
	char *name;
	int64_t dept_id;
};

struct store_dims {
	struct store_dept *depts;        /* by id */
	size_t ndepts;
	struct store_employee *emps;     /* by id */
	size_t nemps;
};

/* Load every department and employee, sorted by id.  Release with
 * store_dims_release(). */
int store_load_dims(struct store *st, struct store_dims *dims);
void store_dims_release(struct store_dims *dims);
/* Set each department's position from cfg's pipeline (1, 2, ... by name;
 * 0 for a department cfg no longer lists), whatever the store last synced:
 * a reader sees the pipeline of its own configuration. */
void store_dims_set_pipeline(struct store_dims *dims, const struct config *cfg);
/* Binary search by id; NULL when absent. */
const struct store_dept *store_dims_dept(const struct store_dims *d, int64_t id);
const struct store_employee *store_dims_employee(const struct store_dims *d, int64_t id);

/* ---- writing (one transaction; a store has at most one open) ---- */

/* BEGIN IMMEDIATE (so busy_timeout applies to the write lock). */
int store_begin(struct store *st);
/* BEGIN IMMEDIATE for a large load: when the store holds no ticket, the
 * ticket indexes are dropped inside the transaction and rebuilt by
 * store_commit() (a rollback restores them), which makes loading a million
 * tickets several times faster. */
int store_begin_bulk(struct store *st);
/* COMMIT (rebuilding indexes deferred by store_begin_bulk); when `changed`, the data version is bumped inside the commit. */
int store_commit(struct store *st, int changed);
/* ROLLBACK; safe to call when no transaction is open. */
void store_rollback(struct store *st);

/* Department id by name: >0 found, 0 absent, -1 error. */
int64_t store_department_id(struct store *st, const char *name);
/* Employee id, creating it when absent; -1 on error. */
int64_t store_employee_id(struct store *st, int64_t dept_id, const char *name);
/* Creator id, creating it when absent; -1 on error.  Inside a bulk load
 * into a store without any creator (store_begin_bulk()) it inserts without
 * looking up: callers ask once per name there (a second time would fail
 * the commit, when the unique name index is rebuilt). */
int64_t store_creator_id(struct store *st, const char *name);

struct store_ticket_in {
	const char *ticket_id;
	int64_t creator_id;
	int64_t employee_id;
	int64_t dept_id;
	int32_t opened;
	int32_t closed;    /* DATE_NONE when open */
};

enum store_upsert {
	STORE_INSERTED = 1,
	STORE_UPDATED = 2,
	STORE_UNCHANGED = 3,
};

/* Insert or update by ticket_id; returns an enum store_upsert or -1. */
int store_upsert_ticket(struct store *st, const struct store_ticket_in *t);

/* Aliases: call fn for each (alias, name) pair; stops early when fn returns
 * non-zero.  Returns 0 or -1. */
int store_each_alias(struct store *st,
		     int (*fn)(void *ctx, const char *alias, const char *name),
		     void *ctx);
/* Add or replace an alias of the given source ("config" or "api"). */
int store_set_alias(struct store *st, const char *alias, const char *name, const char *source);

/* Point the tickets of every employee named `alias` at the employee `name`
 * of the same department (created when needed) and delete the emptied
 * employees.  Call inside a transaction.  Returns the number of tickets
 * moved, or -1. */
int64_t store_apply_alias(struct store *st, const char *alias, const char *name);

/* ---- reading tickets ---- */

struct store_filter {
	int64_t dept_id;          /* 0 = any */
	const char *employee;     /* employee name; NULL = any */
	const char *creator;      /* creator name; NULL = any */
	int64_t employee_id;      /* 0 = any */
	/* STORE_ENTRY_*: a creator's first ticket in its department, or a
	 * re-entry (an earlier ticket of the creator in the same department,
	 * in (opened_on, ticket_id) order: docs/ANALYTICS.md "Rework") */
	int entry;
};

enum { STORE_ENTRY_ANY = 0, STORE_ENTRY_FIRST = 1, STORE_ENTRY_REENTRY = 2 };

struct store_ticket {
	const char *ticket_id;    /* valid until the next store_iter_next() */
	size_t ticket_id_len;
	const char *creator;
	size_t creator_len;
	int64_t creator_id;
	int64_t employee_id;
	int64_t dept_id;
	int32_t opened;
	int32_t closed;           /* DATE_NONE when open */
};

struct store_iter;

/* Tickets open on `day` that were opened on or before it:
 * opened_on <= day and (closed_on is null or closed_on >= day). */
struct store_iter *store_iter_active(struct store *st, const struct store_filter *f, int32_t day);
/* Tickets with lo <= opened_on <= hi, in opened_on order. */
struct store_iter *store_iter_opened(struct store *st, const struct store_filter *f,
				     int32_t lo, int32_t hi);
/* All tickets, in id order (the analytics snapshot). */
struct store_iter *store_iter_all(struct store *st);
/* 1 = a ticket in *t, 0 = done, -1 = error. */
int store_iter_next(struct store_iter *it, struct store_ticket *t);
void store_iter_free(struct store_iter *it);

/* ---- reading for the analytics state (snap_load.c) ---- */

/* A read transaction: every read until store_read_end() sees one committed
 * state of the store.  0 or -1. */
int store_read_begin(struct store *st);
void store_read_end(struct store *st);
/* A value of the meta table (data_version, changes_from, last_import:
 * the unix time of the last commit that changed the data): 1 found, 0
 * absent, -1 error. */
int store_meta(struct store *st, const char *key, int64_t *out);
/* PRAGMA data_version of this connection: it changes when another
 * connection commits (a cheap "anything new?"); -1 on error. */
int64_t store_pragma_data_version(struct store *st);
/* Ticket `id` (creator name not read): 1 found, 0 absent, -1 error.
 * Strings are valid until the next call or store_read_end(). */
int store_ticket_by_id(struct store *st, int64_t id, struct store_ticket *t);
/* The name of creator `id`: 1 found (valid until the next call or
 * store_read_end()), 0 absent, -1 error. */
int store_creator_name(struct store *st, int64_t id, const char **name, size_t *len);
/* Each ticket id the change log has above version `since`, once, in id
 * order (the ticket may have been deleted since).  fn returning non-zero
 * stops (a negative value is returned as -1).  0 or -1. */
int store_each_changed(struct store *st, int64_t since, int (*fn)(void *ctx, int64_t id),
		       void *ctx);
/* Rows of the change log above `since`, or -1. */
int64_t store_changed_count(struct store *st, int64_t since);
/* Every creator in byte order of name; every ticket in id order (creator
 * names not read).  fn as for store_each_changed(). */
int store_each_creator(struct store *st,
		       int (*fn)(void *ctx, int64_t id, const char *name, size_t len), void *ctx);
int store_each_ticket(struct store *st,
		      int (*fn)(void *ctx, int64_t id, const struct store_ticket *t), void *ctx);

#endif

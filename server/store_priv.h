/*
 * store_priv.h - struct store and what the store's source files share:
 * store.c (opening, migrations, writes, reads), store_health.c (failures,
 * the file's identity, health probes), store_events.c, store_annot.c.
 * Only store*.c include it, and so sqlite3.h.
 */
#ifndef LEADTIME_STORE_PRIV_H
#define LEADTIME_STORE_PRIV_H

#include "store.h"

#include <sqlite3.h>

/* The statements prepared once per connection (store.c's stmt_sql). */
enum stmt_id {
	S_DEPT_ID,
	S_EMP_FIND,
	S_EMP_ADD,
	S_CREATOR_FIND,
	S_CREATOR_ADD,
	S_CREATOR_ADD_NEW,
	S_TICKET_FIND,
	S_TICKET_INSERT,
	S_TICKET_UPDATE,
	S_VERSION,
	S_VERSION_BUMP,
	S_LAST_IMPORT,
	S_COUNT,
	S_ANY,
	S_CHANGES_FROM_NOW,
	S_CHANGES_PRUNE_FROM,
	S_CHANGES_PRUNE,
	S_META,
	S_PRAGMA_DATA_VERSION,
	S_TICKET_BY_ID,
	S_CREATOR_NAME,
	S_NSTMT
};

struct store {
	sqlite3 *db;
	char *path;
	unsigned flags;
	struct store_file file;   /* what path named when it was opened */
	enum store_error err;     /* the first failure since store_error_clear() */
	char errmsg[256];
	sqlite3_stmt *stmt[S_NSTMT];
	/* CREATE INDEX statements of the ticket indexes dropped for a bulk
	 * load, recreated (sort-based, far faster) before its COMMIT */
	char **deferred;
	size_t ndeferred;
	/* inside a bulk load into an empty store: every ticket is new (the
	 * callers reject duplicate ticket_ids), so upserts skip the lookup */
	int bulk_empty;
	int bulk_fk_off;          /* foreign keys off for its length */
	int creators_fresh;       /* ... and no creator either: their name
				   * index is rebuilt at commit too */
};

/* The connection (owned by the store). */
sqlite3 *store_db(struct store *st);
/* The database file's path, for messages. */
const char *store_path(const struct store *st);
/* Log a failure of `what` with sqlite3_errmsg and keep its kind for
 * store_error(); returns -1. */
int store_fail(struct store *st, const char *what);
/* Keep the kind of the failure the connection reports now (msg: the
 * message, or NULL for sqlite3_errmsg) unless one is kept already. */
void store_note_error(struct store *st, const char *msg);

#endif

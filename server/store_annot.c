/*
 * store_annot.c - the annotations table; see store_annot.h.
 *
 * Part of the store (with store.c and store_events.c the only files that
 * include sqlite3.h, through store_priv.h).  Notes are few and written
 * rarely, so each call prepares its statement and finalizes it.
 */
#include "store_annot.h"
#include "store.h"
#include "store_priv.h"

#include <sqlite3.h>

static sqlite3_stmt *prepare(struct store *st, const char *sql)
{
	sqlite3_stmt *s = NULL;
	if (sqlite3_prepare_v2(store_db(st), sql, -1, &s, NULL) != SQLITE_OK) {
		store_fail(st, "prepare annotations");
		sqlite3_finalize(s);
		return NULL;
	}
	return s;
}

int64_t store_annot_add(struct store *st, int32_t day, const char *text, size_t len,
			int64_t created)
{
	sqlite3_stmt *s = prepare(st, "INSERT INTO annotations (day, text, created) "
				      "VALUES (?1, ?2, ?3)");
	if (!s)
		return -1;
	sqlite3_bind_int(s, 1, day);
	sqlite3_bind_text(s, 2, text, (int)len, SQLITE_STATIC);
	sqlite3_bind_int64(s, 3, created);
	int64_t id = -1;
	if (sqlite3_step(s) == SQLITE_DONE)
		id = sqlite3_last_insert_rowid(store_db(st));
	else
		store_fail(st, "add annotation");
	sqlite3_finalize(s);
	return id;
}

int store_annot_delete(struct store *st, int64_t id)
{
	sqlite3_stmt *s = prepare(st, "DELETE FROM annotations WHERE id = ?1");
	if (!s)
		return -1;
	sqlite3_bind_int64(s, 1, id);
	int rc = -1;
	if (sqlite3_step(s) == SQLITE_DONE)
		rc = sqlite3_changes(store_db(st)) > 0;
	else
		store_fail(st, "delete annotation");
	sqlite3_finalize(s);
	return rc;
}

int store_annot_each(struct store *st, int32_t lo, int32_t hi,
		     int (*fn)(void *ctx, const struct store_annot *a), void *ctx)
{
	sqlite3_stmt *s = prepare(st, "SELECT id, day, text, created FROM annotations "
				      "WHERE day BETWEEN ?1 AND ?2 ORDER BY day, id");
	if (!s)
		return -1;
	sqlite3_bind_int(s, 1, lo);
	sqlite3_bind_int(s, 2, hi);
	int rc;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct store_annot a = {
			.id = sqlite3_column_int64(s, 0),
			.day = sqlite3_column_int(s, 1),
			.text = (const char *)sqlite3_column_text(s, 2),
			.text_len = (size_t)sqlite3_column_bytes(s, 2),
			.created = sqlite3_column_int64(s, 3),
		};
		if (!a.text)
			a.text = "";
		if (fn(ctx, &a)) {
			rc = SQLITE_DONE;
			break;
		}
	}
	int ret = 0;
	if (rc != SQLITE_DONE)
		ret = store_fail(st, "read annotations");
	sqlite3_finalize(s);
	return ret;
}

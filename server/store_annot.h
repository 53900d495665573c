/*
 * store_annot.h - the annotations table of the store (sql/005_annotations.sql):
 * dated notes added through POST /api/v1/annotations and drawn as markers
 * on the dashboard's time charts.  The notes of config.ini are not stored
 * (annot.h merges them in).
 *
 * Part of the store: functions log their own failures (with
 * sqlite3_errmsg) and return -1; writes run inside the caller's
 * transaction (store_begin() ... store_commit()).
 */
#ifndef LEADTIME_STORE_ANNOT_H
#define LEADTIME_STORE_ANNOT_H

#include <stddef.h>
#include <stdint.h>

struct store;

struct store_annot {
	int64_t id;
	int32_t day;          /* days since 1970-01-01 */
	const char *text;     /* valid until fn returns */
	size_t text_len;
	int64_t created;      /* unix seconds */
};

/* Store a note (text already checked: annot_text_problem()); its id, or -1. */
int64_t store_annot_add(struct store *st, int32_t day, const char *text, size_t len,
			int64_t created);
/* Delete note `id`: 1 deleted, 0 no such note, -1 error. */
int store_annot_delete(struct store *st, int64_t id);
/* Call fn for each stored note with lo <= day <= hi, in (day, id) order;
 * fn returning non-zero stops.  0, or -1 on error. */
int store_annot_each(struct store *st, int32_t lo, int32_t hi,
		     int (*fn)(void *ctx, const struct store_annot *a), void *ctx);

#endif

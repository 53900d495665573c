/*
 * store_priv.h - what the store's other source files (store_events.c) need
 * of struct store.  Only store*.c include it, and so sqlite3.h.
 */
#ifndef LEADTIME_STORE_PRIV_H
#define LEADTIME_STORE_PRIV_H

#include <sqlite3.h>

struct store;

/* The connection (owned by the store). */
sqlite3 *store_db(struct store *st);
/* The database file's path, for messages. */
const char *store_path(const struct store *st);
/* Log a failure of `what` with sqlite3_errmsg and keep its kind for
 * store_error(); returns -1. */
int store_fail(struct store *st, const char *what);

#endif

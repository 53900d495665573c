/*
 * store_events.c - the event-log tables; see store_events.h.
 *
 * Part of the store (with store.c the only files that include sqlite3.h,
 * through store_priv.h).  The statements an import runs per event or per
 * case are prepared once in its struct store_evw; an iterator over staged
 * or stored events borrows the writer's statement and resets it when
 * freed, so one of each kind is open at a time.
 */
#include "store_events.h"
#include "log.h"
#include "store.h"
#include "store_priv.h"

#include <stdlib.h>
#include <string.h>

enum ev_stmt {
	E_STAGE_CLEAR,
	E_STAGE_ADD,
	E_STAGE_ITER,
	E_CASE_FIND,
	E_CASE_PUT,
	E_EVENTS_DEL,
	E_EVENT_ADD,
	E_CASE_EVENTS,
	E_CASE_TICKETS,
	E_OWNER,
	E_TICKET_EXISTS,
	E_OWN,
	E_DEL_TICKET,
	E_DEL_OWN,
	E_SET_FP,
	E_NSTMT
};

static const char *const ev_sql[E_NSTMT] = {
	[E_STAGE_CLEAR] = "DELETE FROM event_stage",
	[E_STAGE_ADD] = "INSERT INTO event_stage (case_name, at, ord, activity, resource, lifecycle, "
			"line, col) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
	[E_STAGE_ITER] = "SELECT case_name, at, activity, resource, lifecycle, line, col "
			 "FROM event_stage ORDER BY case_name, at, ord",
	[E_CASE_FIND] = "SELECT id, digest FROM event_cases WHERE name = ?1",
	[E_CASE_PUT] = "INSERT INTO event_cases (name, digest) VALUES (?1, ?2) "
		       "ON CONFLICT (name) DO UPDATE SET digest = excluded.digest RETURNING id",
	[E_EVENTS_DEL] = "DELETE FROM events WHERE case_id = ?1",
	[E_EVENT_ADD] = "INSERT INTO events (case_id, seq, at, activity, resource, lifecycle) "
			"VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
	[E_CASE_EVENTS] = "SELECT at, activity, resource, lifecycle FROM events WHERE case_id = ?1 "
			  "ORDER BY seq",
	[E_CASE_TICKETS] = "SELECT ticket FROM event_tickets WHERE case_id = ?1 ORDER BY ticket",
	[E_OWNER] = "SELECT case_id FROM event_tickets WHERE ticket = ?1",
	[E_TICKET_EXISTS] = "SELECT 1 FROM tickets WHERE ticket_id = ?1",
	[E_OWN] = "INSERT INTO event_tickets (ticket, case_id) VALUES (?1, ?2) "
		  "ON CONFLICT (ticket) DO UPDATE SET case_id = excluded.case_id",
	[E_DEL_TICKET] = "DELETE FROM tickets WHERE ticket_id = ?1",
	[E_DEL_OWN] = "DELETE FROM event_tickets WHERE ticket = ?1",
	[E_SET_FP] = "UPDATE meta SET value = ?1 WHERE key = 'events_fingerprint'",
};

struct store_evw {
	struct store *st;
	sqlite3 *db;
	sqlite3_stmt *stmt[E_NSTMT];
};

struct store_ev_iter {
	struct store *st;
	sqlite3_stmt *stmt;
	int owned;        /* finalize (else reset: a writer's statement) */
	int staged;       /* columns of E_STAGE_ITER (else E_CASE_EVENTS) */
	const char *case_name;  /* for store_events_of() */
	size_t case_len;
};

static int fail(struct store *st, const char *what)
{
	return store_fail(st, what);
}

struct store_evw *store_evw_new(struct store *st)
{
	struct store_evw *w = calloc(1, sizeof(*w));
	if (!w)
		abort();
	w->st = st;
	w->db = store_db(st);
	for (int i = 0; i < E_NSTMT; i++)
		if (sqlite3_prepare_v3(w->db, ev_sql[i], -1, SQLITE_PREPARE_PERSISTENT, &w->stmt[i],
				       NULL) != SQLITE_OK) {
			fail(st, "prepare");
			store_evw_free(w);
			return NULL;
		}
	return w;
}

void store_evw_free(struct store_evw *w)
{
	if (!w)
		return;
	for (int i = 0; i < E_NSTMT; i++)
		sqlite3_finalize(w->stmt[i]);
	free(w);
}

/* Step a statement that returns no row; reset it.  0 or -1. */
static int run(struct store_evw *w, enum ev_stmt id, const char *what)
{
	sqlite3_stmt *s = w->stmt[id];
	int rc = sqlite3_step(s);
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	return rc == SQLITE_DONE ? 0 : fail(w->st, what);
}

static void bind_text(sqlite3_stmt *s, int col, const char *p, size_t n)
{
	sqlite3_bind_text(s, col, p ? p : "", (int)n, SQLITE_STATIC);
}

/* ---- staging ---- */

int store_ev_stage_clear(struct store_evw *w)
{
	return run(w, E_STAGE_CLEAR, "clear staged events");
}

int store_ev_stage_add(struct store_evw *w, const struct store_event *e, int64_t ord)
{
	sqlite3_stmt *s = w->stmt[E_STAGE_ADD];
	bind_text(s, 1, e->case_name, e->case_len);
	sqlite3_bind_int64(s, 2, e->at);
	sqlite3_bind_int64(s, 3, ord);
	bind_text(s, 4, e->activity, e->activity_len);
	bind_text(s, 5, e->resource, e->resource_len);
	bind_text(s, 6, e->lifecycle, e->lifecycle_len);
	sqlite3_bind_int64(s, 7, e->line);
	sqlite3_bind_int64(s, 8, e->col);
	return run(w, E_STAGE_ADD, "stage an event");
}

static struct store_ev_iter *iter_borrow(struct store_evw *w, enum ev_stmt id, int staged)
{
	struct store_ev_iter *it = calloc(1, sizeof(*it));
	if (!it)
		abort();
	it->st = w->st;
	it->stmt = w->stmt[id];
	it->staged = staged;
	sqlite3_reset(it->stmt);
	return it;
}

struct store_ev_iter *store_ev_stage_iter(struct store_evw *w)
{
	return iter_borrow(w, E_STAGE_ITER, 1);
}

/* ---- cases ---- */

int store_ev_case_find(struct store_evw *w, const char *name, int64_t *id, uint8_t digest[32])
{
	sqlite3_stmt *s = w->stmt[E_CASE_FIND];
	sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
	int rc = sqlite3_step(s), ret = 0;
	if (rc == SQLITE_ROW) {
		*id = sqlite3_column_int64(s, 0);
		const void *d = sqlite3_column_blob(s, 1);
		if (d && sqlite3_column_bytes(s, 1) == 32)
			memcpy(digest, d, 32);
		else
			memset(digest, 0, 32);
		ret = 1;
	} else if (rc != SQLITE_DONE) {
		ret = fail(w->st, "find a case");
	}
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	return ret;
}

int64_t store_ev_case_put(struct store_evw *w, const char *name, const uint8_t digest[32])
{
	sqlite3_stmt *s = w->stmt[E_CASE_PUT];
	sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_blob(s, 2, digest, 32, SQLITE_STATIC);
	int rc = sqlite3_step(s);
	int64_t id = rc == SQLITE_ROW ? sqlite3_column_int64(s, 0) : -1;
	if (rc == SQLITE_ROW)
		rc = sqlite3_step(s);
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	if (id < 0 || rc != SQLITE_DONE)
		return fail(w->st, "save a case");
	return id;
}

int store_ev_case_set_events(struct store_evw *w, int64_t case_id, const struct store_event *ev,
			     size_t n)
{
	sqlite3_bind_int64(w->stmt[E_EVENTS_DEL], 1, case_id);
	if (run(w, E_EVENTS_DEL, "replace a case's events"))
		return -1;
	sqlite3_stmt *s = w->stmt[E_EVENT_ADD];
	for (size_t i = 0; i < n; i++) {
		sqlite3_bind_int64(s, 1, case_id);
		sqlite3_bind_int64(s, 2, (int64_t)i + 1);
		sqlite3_bind_int64(s, 3, ev[i].at);
		bind_text(s, 4, ev[i].activity, ev[i].activity_len);
		bind_text(s, 5, ev[i].resource, ev[i].resource_len);
		bind_text(s, 6, ev[i].lifecycle, ev[i].lifecycle_len);
		if (run(w, E_EVENT_ADD, "save an event"))
			return -1;
	}
	return 0;
}

struct store_ev_iter *store_ev_case_events(struct store_evw *w, int64_t case_id)
{
	struct store_ev_iter *it = iter_borrow(w, E_CASE_EVENTS, 0);
	sqlite3_bind_int64(it->stmt, 1, case_id);
	return it;
}

int store_ev_cases_each(struct store_evw *w, int unstaged,
			int (*fn)(void *ctx, int64_t id, const char *name), void *ctx)
{
	sqlite3_stmt *s;
	const char *sql = unstaged ? "SELECT id, name FROM event_cases WHERE name NOT IN "
				     "(SELECT case_name FROM event_stage) ORDER BY name"
				   : "SELECT id, name FROM event_cases ORDER BY name";
	if (sqlite3_prepare_v2(w->db, sql, -1, &s, NULL) != SQLITE_OK)
		return fail(w->st, "prepare");
	int rc, ret = 0;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW)
		if ((ret = fn(ctx, sqlite3_column_int64(s, 0), (const char *)sqlite3_column_text(s, 1))))
			break;
	if (!ret && rc != SQLITE_DONE)
		ret = fail(w->st, "read cases");
	sqlite3_finalize(s);
	return ret;
}

int64_t store_ev_ncases(struct store *st)
{
	sqlite3_stmt *s;
	if (sqlite3_prepare_v2(store_db(st), "SELECT count(*) FROM event_cases", -1, &s, NULL) !=
	    SQLITE_OK)
		return fail(st, "prepare");
	int64_t n = sqlite3_step(s) == SQLITE_ROW ? sqlite3_column_int64(s, 0) : -1;
	sqlite3_finalize(s);
	return n < 0 ? fail(st, "count cases") : n;
}

/* ---- derived tickets ---- */

int store_ev_case_tickets(struct store_evw *w, int64_t case_id,
			  int (*fn)(void *ctx, const char *ticket_id), void *ctx)
{
	sqlite3_stmt *s = w->stmt[E_CASE_TICKETS];
	sqlite3_bind_int64(s, 1, case_id);
	int rc, ret = 0;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW)
		if ((ret = fn(ctx, (const char *)sqlite3_column_text(s, 0))))
			break;
	if (!ret && rc != SQLITE_DONE)
		ret = fail(w->st, "read derived tickets");
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	return ret;
}

int store_ev_ticket_owner(struct store_evw *w, const char *ticket_id, int64_t *owner)
{
	sqlite3_stmt *s = w->stmt[E_OWNER];
	sqlite3_bind_text(s, 1, ticket_id, -1, SQLITE_STATIC);
	int rc = sqlite3_step(s), ret;
	if (rc == SQLITE_ROW)
		*owner = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	if (rc == SQLITE_ROW)
		return 1;
	if (rc != SQLITE_DONE)
		return fail(w->st, "find a ticket's case");
	s = w->stmt[E_TICKET_EXISTS];
	sqlite3_bind_text(s, 1, ticket_id, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	ret = rc == SQLITE_ROW ? 2 : rc == SQLITE_DONE ? 0 : fail(w->st, "find a ticket");
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	return ret;
}

int store_ev_own_ticket(struct store_evw *w, const char *ticket_id, int64_t case_id)
{
	sqlite3_bind_text(w->stmt[E_OWN], 1, ticket_id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(w->stmt[E_OWN], 2, case_id);
	return run(w, E_OWN, "save a ticket's case");
}

int store_ev_delete_ticket(struct store_evw *w, const char *ticket_id)
{
	sqlite3_bind_text(w->stmt[E_DEL_TICKET], 1, ticket_id, -1, SQLITE_STATIC);
	if (run(w, E_DEL_TICKET, "delete a derived ticket"))
		return -1;
	sqlite3_bind_text(w->stmt[E_DEL_OWN], 1, ticket_id, -1, SQLITE_STATIC);
	return run(w, E_DEL_OWN, "delete a derived ticket");
}

/* ---- fingerprint ---- */

int store_ev_fingerprint(struct store *st, int64_t *fp)
{
	sqlite3_stmt *s;
	if (sqlite3_prepare_v2(store_db(st),
			       "SELECT value FROM meta WHERE key = 'events_fingerprint'", -1, &s,
			       NULL) != SQLITE_OK)
		return fail(st, "prepare");
	int rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		*fp = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	return rc == SQLITE_ROW ? 0 : fail(st, "read the events fingerprint");
}

int store_ev_set_fingerprint(struct store_evw *w, int64_t fp)
{
	sqlite3_bind_int64(w->stmt[E_SET_FP], 1, fp);
	return run(w, E_SET_FP, "save the events fingerprint");
}

/* ---- iterators ---- */

static const char *col_text(sqlite3_stmt *s, int col, size_t *len)
{
	const char *t = (const char *)sqlite3_column_text(s, col);
	*len = (size_t)sqlite3_column_bytes(s, col);
	return t ? t : "";
}

int store_ev_next(struct store_ev_iter *it, struct store_event *e)
{
	sqlite3_stmt *s = it->stmt;
	int rc = sqlite3_step(s);
	if (rc == SQLITE_DONE)
		return 0;
	if (rc != SQLITE_ROW)
		return fail(it->st, "read events");
	memset(e, 0, sizeof(*e));
	int c = 0;
	if (it->staged)
		e->case_name = col_text(s, c++, &e->case_len);
	e->at = sqlite3_column_int64(s, c++);
	e->activity = col_text(s, c++, &e->activity_len);
	e->resource = col_text(s, c++, &e->resource_len);
	e->lifecycle = col_text(s, c++, &e->lifecycle_len);
	if (it->staged) {
		e->line = (long)sqlite3_column_int64(s, c++);
		e->col = (long)sqlite3_column_int64(s, c++);
	}
	if (it->case_name) {
		e->case_name = it->case_name;
		e->case_len = it->case_len;
	}
	return 1;
}

void store_ev_iter_free(struct store_ev_iter *it)
{
	if (!it)
		return;
	if (it->owned) {
		sqlite3_finalize(it->stmt);
	} else {
		sqlite3_reset(it->stmt);
		sqlite3_clear_bindings(it->stmt);
	}
	free(it);
}

int store_events_of(struct store *st, const char *creator,
		    int (*fn)(void *ctx, const struct store_event *e), void *ctx)
{
	struct store_ev_iter it = { .st = st, .owned = 1, .case_name = creator,
				    .case_len = strlen(creator) };
	if (sqlite3_prepare_v2(store_db(st),
			       "SELECT e.at, e.activity, e.resource, e.lifecycle FROM events e "
			       "JOIN event_cases c ON c.id = e.case_id WHERE c.name = ?1 ORDER BY e.seq",
			       -1, &it.stmt, NULL) != SQLITE_OK)
		return fail(st, "prepare");
	sqlite3_bind_text(it.stmt, 1, creator, -1, SQLITE_STATIC);
	struct store_event e;
	int rc, ret = 0;
	while ((rc = store_ev_next(&it, &e)) > 0)
		if (fn(ctx, &e))
			break;
	if (rc < 0)
		ret = -1;
	sqlite3_finalize(it.stmt);
	return ret;
}

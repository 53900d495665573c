/*
 * store_events.h - the event-log tables of the store (sql/003_events.sql):
 * the staging table an import groups its events in, the stored cases
 * with their events and digests, which ticket came from which case, and
 * the fingerprint of the rules the tickets were derived under.
 *
 * Writes happen inside the importer's transaction (import.h): a struct
 * store_evw holds the prepared statements of one import and is freed
 * before that transaction ends.  Functions log their own failures and
 * return -1 (or NULL); strings returned in a struct store_event are valid
 * until the next call on the same iterator.
 */
#ifndef LEADTIME_STORE_EVENTS_H
#define LEADTIME_STORE_EVENTS_H

#include <stddef.h>
#include <stdint.h>

struct store;
struct store_evw;
struct store_ev_iter;

struct store_event {
	const char *case_name;
	size_t case_len;
	int64_t at;              /* microseconds since the epoch, UTC */
	const char *activity;
	size_t activity_len;
	const char *resource;    /* "" = none */
	size_t resource_len;
	const char *lifecycle;   /* "" = none */
	size_t lifecycle_len;
	long line, col;          /* place in the input (staged events only) */
};

/* Statements for one import; NULL on error.  Free before the commit. */
struct store_evw *store_evw_new(struct store *st);
void store_evw_free(struct store_evw *w);

/* ---- staging (event_stage) ---- */

/* Empty the staging table. */
int store_ev_stage_clear(struct store_evw *w);
/* Stage one event; `ord` is its place in the input (1, 2, ...). */
int store_ev_stage_add(struct store_evw *w, const struct store_event *e, int64_t ord);
/* Staged events in (case, instant, ord) order. */
struct store_ev_iter *store_ev_stage_iter(struct store_evw *w);

/* ---- cases ---- */

/* 1 when the case exists (*id and digest set), 0 when not, -1 on error. */
int store_ev_case_find(struct store_evw *w, const char *name, int64_t *id, uint8_t digest[32]);
/* Insert the case or set its digest; its id, or -1. */
int64_t store_ev_case_put(struct store_evw *w, const char *name, const uint8_t digest[32]);
/* Replace the stored events of a case by ev[0..n) (in order). */
int store_ev_case_set_events(struct store_evw *w, int64_t case_id, const struct store_event *ev,
			     size_t n);
/* The stored events of a case, in order (case_name not set). */
struct store_ev_iter *store_ev_case_events(struct store_evw *w, int64_t case_id);
/* Every stored case (id and name), in name order; with `unstaged`, only
 * those with no event in the staging table.  fn returning non-zero stops
 * (and is returned). */
int store_ev_cases_each(struct store_evw *w, int unstaged,
			int (*fn)(void *ctx, int64_t id, const char *name), void *ctx);
/* Number of stored cases, or -1. */
int64_t store_ev_ncases(struct store *st);

/* ---- derived tickets ---- */

/* The tickets derived from a case, in id order; fn as above. */
int store_ev_case_tickets(struct store_evw *w, int64_t case_id,
			  int (*fn)(void *ctx, const char *ticket_id), void *ctx);
/* Who owns a ticket id: 0 no such ticket, 1 derived from a case (*owner
 * set), 2 a ticket not derived from events; -1 on error. */
int store_ev_ticket_owner(struct store_evw *w, const char *ticket_id, int64_t *owner);
/* Record that a ticket was derived from a case. */
int store_ev_own_ticket(struct store_evw *w, const char *ticket_id, int64_t case_id);
/* Delete a derived ticket (the ticket and its ownership). */
int store_ev_delete_ticket(struct store_evw *w, const char *ticket_id);

/* ---- rules fingerprint ---- */

/* The stored fingerprint (0 = none), or -1 on error (*fp untouched). */
int store_ev_fingerprint(struct store *st, int64_t *fp);
int store_ev_set_fingerprint(struct store_evw *w, int64_t fp);

/* ---- iterators ---- */

/* 1 = an event in *e, 0 = done, -1 = error. */
int store_ev_next(struct store_ev_iter *it, struct store_event *e);
void store_ev_iter_free(struct store_ev_iter *it);

/*
 * The stored events of the case named `creator` (the creator of the
 * tickets derived from it), in order, for the timeline's markers: fn is
 * called with each (case_name set); non-zero stops.  0 (also when the
 * creator has no events) or -1.  Works on a reader connection.
 */
int store_events_of(struct store *st, const char *creator,
		    int (*fn)(void *ctx, const struct store_event *e), void *ctx);

#endif

/*
 * snap.h - the analytics state of one data version: the input of every
 * aggregate (agg.h).
 *
 * A snapshot is immutable once made and is read by any number of threads
 * without locks.  A new version is made either from scratch (a builder: at
 * start-up, after a bulk load) or by editing the previous one (an edit:
 * after a write), which shares everything it does not change: the ticket
 * and creator tables are persistent vectors (pvec.h), the creators' name
 * order a persistent list (corder.h), the daily rollups persistent series
 * (roll.h).  A one-ticket write copies a few kilobytes, whatever the size
 * of the store, and the result is the same as a build from scratch (the
 * unit and property tests check it).
 *
 * What it holds
 * - dims: the configured departments (pipeline order) and their employees
 *   (by department, then name); both know their store ids.
 * - tickets: one slot per tickets.id (a deleted or unusable ticket leaves
 *   an empty slot); each ticket links to the next slot of its creator.
 * - creators: one slot per creators.id (name, first ticket slot), and
 *   `order`, the creators in byte order of name.
 * - by_emp, by_dept: daily ticket rollups per employees.id and
 *   departments.id (every department, configured or not: a pipeline change
 *   needs no rebuild of them); nothing in them depends on as_of.
 * - cre: the creator-level values of SPEC §3 as of `as_of`: group
 *   SNAP_E2E the end-to-end lead times dated by the campaign start,
 *   snap_stage_group(k) the stage times of department k dated by the
 *   stage's end, snap_wait_group(k) the handoff waits into k (see agg.h for
 *   the dating rules), snap_campaign_group() the campaign starts.  Tickets
 *   of departments that are not configured take no part in them.
 * - rw_emp, rw_dept, ho, pp: the re-entries (rework) per employee and
 *   department, and the handoffs and ping-pongs per giving employee (the
 *   receiver as the value); see cfacts.h.  Like cre a function of each
 *   creator's tickets, but of neither as_of nor the pipeline.
 * - bz: the same rollups in business days, when asked for (struct snap_bz).
 */
#ifndef LEADTIME_SNAP_H
#define LEADTIME_SNAP_H

#include "date.h"
#include "pvec.h"
#include "roll.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

struct arena;
struct corder;

struct snap_dept {
	const char *name;
	int sla_days;
	int64_t store_id;       /* departments.id */
};

struct snap_emp {
	const char *name;
	int64_t store_id;       /* employees.id */
	int dept;               /* department index */
};

/* The dimensions: immutable, shared by versions until they change. */
struct snap_dims {
	atomic_uint refs;
	struct snap_dept *depts;        /* ndepts, pipeline order */
	size_t ndepts;
	struct snap_emp *emps;          /* nemps, by (dept, name, id) */
	size_t nemps;
	uint32_t *dept_emp_first;       /* ndepts + 1: employees of dept k are
					 * [dept_emp_first[k], dept_emp_first[k+1]) */
	int32_t *emp_of_id;             /* employees.id -> emps index, -1 */
	size_t nemp_ids;
	int32_t *dept_of_id;            /* departments.id -> department index, -1 */
	size_t ndept_ids;
	struct arena *names;
};

/* A ticket slot; all zero (creator 0) when empty. */
struct snap_tk {
	int32_t opened;
	int32_t closed;         /* DATE_NONE: open */
	uint32_t emp_id;        /* employees.id */
	uint32_t dept_id;       /* departments.id */
	uint32_t creator;       /* creators.id; 0: the slot is empty */
	uint32_t next;          /* next slot of the same creator, 0 = last */
	const char *tid;
};

/* A creator slot. */
struct snap_cr {
	const char *name;       /* NULL: no such creator */
	uint32_t head;          /* first ticket slot, 0 = none */
	uint32_t ntickets;      /* slots in its list */
};

#define SNAP_E2E 0u

struct calendar;
struct snap_travel;

/*
 * The rollups of a day measure other than calendar days: the business days
 * of a calendar (`days=business`).  Made the first time a query asks for
 * them (snap_measure()), then carried and kept up to date by every edit of
 * the versions that follow, like the calendar-day ones; dropped when the
 * calendar changes.
 */
struct snap_bz {
	atomic_uint refs;
	struct calendar *cal;           /* owned */
	struct roll *by_emp, *by_dept, *cre;
};

struct snap {
	atomic_uint refs;
	/* the dimensions, for reading (they point into dims) */
	const struct snap_dept *depts;
	size_t ndepts;
	const struct snap_emp *emps;
	size_t nemps;
	const uint32_t *dept_emp_first;
	struct snap_dims *dims;

	struct pvec *tickets;           /* struct snap_tk by tickets.id */
	struct pvec *creators;          /* struct snap_cr by creators.id */
	struct corder *order;
	struct roll *by_emp, *by_dept, *cre;
	struct roll *rw_emp, *rw_dept;  /* re-entries (rework) opened per day */
	struct roll *ho, *pp;           /* handoffs, ping-pongs (cfacts.h) */
	struct snap_bz *_Atomic bz;     /* business-day rollups, or NULL */
	/* time travel: the creator-level rollup last computed for another
	 * as_of (or calendar), kept for the next request of the same view
	 * (snap_creator_roll()); guarded by travel_lock */
	pthread_mutex_t travel_lock;
	struct snap_travel *travel;
	struct arena *strings;          /* ticket ids and creator names */

	int32_t as_of;                  /* of the creator-level values */
	int64_t data_version;
	int64_t last_import;            /* unix time of the last data change; 0 unknown */
	size_t nticket;                 /* tickets held (every department) */
};

/* Another reference; the last snap_put() frees what no other version
 * shares.  NULL is fine for both. */
struct snap *snap_ref(struct snap *s);
void snap_put(struct snap *s);

/* ---- reading ---- */

/* Ticket slots are [0, snap_nslots(s)). */
static inline size_t snap_nslots(const struct snap *s)
{
	return s->tickets->n;
}

/* The ticket in slot i, or NULL when the slot is empty. */
static inline const struct snap_tk *snap_ticket(const struct snap *s, size_t i)
{
	const struct snap_tk *t = (const struct snap_tk *)pvec_at(s->tickets, i);
	return t && t->creator ? t : NULL;
}

/* The creator of id c, or NULL. */
static inline const struct snap_cr *snap_creator(const struct snap *s, uint32_t c)
{
	const struct snap_cr *cr = (const struct snap_cr *)pvec_at(s->creators, c);
	return cr && cr->name ? cr : NULL;
}

/* Department index of t, or -1 when its department is not configured. */
static inline int snap_tk_dept(const struct snap *s, const struct snap_tk *t)
{
	return t->dept_id < s->dims->ndept_ids ? s->dims->dept_of_id[t->dept_id] : -1;
}

/* Employee index of t, or -1 (department not configured). */
static inline int snap_tk_emp(const struct snap *s, const struct snap_tk *t)
{
	return t->emp_id < s->dims->nemp_ids ? s->dims->emp_of_id[t->emp_id] : -1;
}

/* The daily ticket rollups of one day measure (and the rework counts,
 * which are the same in every measure). */
struct snap_measure {
	const struct roll *by_emp, *by_dept;
	const struct roll *rw_emp, *rw_dept;
};

/*
 * The ticket rollups counting days to close in calendar days (cal NULL)
 * or in the business days of cal, which are made on first use (about as
 * long as building the state; kept by later versions).  Returns the
 * reference that keeps them alive (NULL for calendar days, which belong to
 * the snapshot): release it with snap_bz_put() after the last use of m.
 */
struct snap_bz *snap_measure(const struct snap *s, const struct calendar *cal,
			     struct snap_measure *m);
/* Let go of what snap_measure() returned (NULL is fine). */
void snap_bz_put(struct snap_bz *bz);

/* The daily ticket rollups of department k and employee e (indexes). */
static inline const struct roll_series *snap_dept_series(const struct snap_measure *m,
							 const struct snap *s, size_t k)
{
	return roll_group(m->by_dept, (uint32_t)s->depts[k].store_id);
}

static inline const struct roll_series *snap_emp_series(const struct snap_measure *m,
							const struct snap *s, size_t e)
{
	return roll_group(m->by_emp, (uint32_t)s->emps[e].store_id);
}

/* The re-entries (rework) of department k and of employee e, per day of
 * opening (value series: the cells' `closed` counts them). */
static inline const struct roll_series *snap_dept_rework(const struct snap_measure *m,
							 const struct snap *s, size_t k)
{
	return roll_group(m->rw_dept, (uint32_t)s->depts[k].store_id);
}

static inline const struct roll_series *snap_emp_rework(const struct snap_measure *m,
							const struct snap *s, size_t e)
{
	return roll_group(m->rw_emp, (uint32_t)s->emps[e].store_id);
}

/* Groups of the creator-level rollup of a snapshot with nd departments. */
static inline uint32_t snap_stage_group(size_t k)
{
	return 1 + (uint32_t)k;
}

static inline uint32_t snap_wait_group(size_t nd, size_t k)
{
	return 1 + (uint32_t)(nd + k);
}

/* Campaign starts: each creator's earliest ticket in the last department
 * (value 0, dated that day), whether or not it has a first contact. */
static inline uint32_t snap_campaign_group(size_t nd)
{
	return 1 + 2 * (uint32_t)nd;
}

/*
 * One creator in one department as of a day (SPEC §3 stage decomposition):
 * fold its tickets in with snap_cstage_add() (closed = DATE_NONE when open
 * as of that day; tickets opened after it left out), then read the values.
 * The definitions (and the dates values are attributed to) are in agg.h.
 */
struct snap_cstage {
	int32_t first_open;     /* earliest opened_on */
	int32_t last_close;     /* latest closed_on (DATE_NONE: none yet) */
	int complete;           /* every ticket closed */
	uint32_t ntickets;
};

static inline void snap_cstage_add(struct snap_cstage *x, int32_t opened, int32_t closed)
{
	if (x->ntickets++ == 0 || opened < x->first_open)
		x->first_open = opened;
	if (closed == DATE_NONE)
		x->complete = 0;
	else if (closed > x->last_close)
		x->last_close = closed;
}

/* Stage time of department k: 1 with *value and *date when it exists.
 * Values count calendar days (cal NULL) or the business days of cal. */
int snap_stage_value(const struct snap_cstage *cs, size_t k, const struct calendar *cal,
		     int32_t *value, int32_t *date);
/* Handoff wait into department k > 0 from k − 1. */
int snap_wait_value(const struct snap_cstage *cs, size_t k, const struct calendar *cal,
		    int32_t *value, int32_t *date);
/* End-to-end lead time over nd departments, dated by the campaign start. */
int snap_e2e_value(const struct snap_cstage *cs, size_t nd, const struct calendar *cal,
		   int32_t *value, int32_t *date);

/*
 * The creator-level rollup as of as_of in calendar days (cal NULL) or the
 * business days of cal: the snapshot's own (another reference) when it has
 * it, else one computed now over every creator (time travel) and kept
 * until another as_of is asked for (the pages of one view ask for the same
 * one several times).  Thread-safe; a second caller of the same as_of
 * waits for the first one's result.  Release with roll_put().
 */
struct roll *snap_creator_roll(const struct snap *s, int32_t as_of, const struct calendar *cal);

/* Department index of name (exact), or -1. */
int snap_dept_find(const struct snap *s, const char *name);
/* Employee index of a store id, or -1. */
int snap_emp_find(const struct snap *s, int64_t store_id);
/* Creator id of name (exact), or -1. */
int64_t snap_creator_find(const struct snap *s, const char *name);
/* Name of creator id c ("" when there is none). */
const char *snap_creator_name(const struct snap *s, uint32_t c);
/* Earliest opened_on of the creator's tickets in configured departments,
 * INT32_MAX when none (kept in the name order: search reads it there). */
int32_t snap_creator_first_opened(const struct snap *s, const char *name);

/* As of as_of: the earliest opened_on and the latest opened_on or
 * closed_on not after as_of, over every ticket held; 1 when set, 0 when
 * no ticket opened by then (both left untouched). */
int snap_bounds(const struct snap *s, int32_t as_of, int32_t *first, int32_t *last);

/* 1 when a and b hold the same analytics data (ticket slots, creators,
 * name order, every rollup): tests compare edited and rebuilt versions. */
int snap_equal(const struct snap *a, const struct snap *b);

/* ---- dimensions ---- */

struct snap_dept_src {
	const char *name;
	int sla_days;
	int64_t store_id;
};

struct snap_emp_src {
	const char *name;
	int64_t store_id;
	int64_t dept_id;        /* departments.id */
};

/* Dimensions from the configured departments (pipeline order) and the
 * store's employees (any order; those of other departments are left out).
 * Everything is copied. */
struct snap_dims *snap_dims_new(const struct snap_dept_src *depts, size_t ndepts,
				const struct snap_emp_src *emps, size_t nemps);
struct snap_dims *snap_dims_ref(struct snap_dims *d);
void snap_dims_put(struct snap_dims *d);
/* 1 when a and b list the same departments (ids, order) and employees:
 * SLA days may differ (they are read at query time). */
int snap_dims_same(const struct snap_dims *a, const struct snap_dims *b);
/* 1 when a and b configure the same departments in the same order (the
 * creator-level values depend on nothing else of the dimensions). */
int snap_dims_same_pipeline(const struct snap_dims *a, const struct snap_dims *b);

/* ---- making versions ---- */

struct snap_tk_in {
	const char *tid;
	size_t tid_len;
	uint32_t creator;       /* creators.id, declared with *_creator() */
	uint32_t emp_id;
	uint32_t dept_id;
	int32_t opened;
	int32_t closed;         /* DATE_NONE when open */
};

/*
 * From scratch: declare the creators (with their names; any order, name
 * order is fastest) and the tickets (any slot order), then finish.  The
 * builder takes over dims.  Tickets whose dates cannot be reported (see
 * snap_tk_usable()) leave their slot empty.  NULL from finish on a limit
 * (ids beyond 2^32 - 2; logged).
 */
struct snap_builder;
struct snap_builder *snap_builder_new(struct snap_dims *dims, int32_t as_of);
void snap_builder_creator(struct snap_builder *b, uint32_t id, const char *name, size_t len);
void snap_builder_ticket(struct snap_builder *b, uint32_t slot, const struct snap_tk_in *t);
struct snap *snap_builder_finish(struct snap_builder *b, int64_t data_version);

/*
 * By editing a version (old stays as it is): new dimensions, a new as_of,
 * new creators, tickets changed (t) or deleted (NULL), in any number and
 * order; finish applies the difference of every ticket and every creator
 * concerned to the rollups and returns the new version.
 */
struct snap_edit;
struct snap_edit *snap_edit_begin(struct snap *old);
void snap_edit_dims(struct snap_edit *e, struct snap_dims *dims);   /* takes dims */
void snap_edit_as_of(struct snap_edit *e, int32_t as_of);
/* The calendar of business days now configured: business-day rollups of
 * another calendar are dropped (made again on first use). */
void snap_edit_calendar(struct snap_edit *e, const struct calendar *cal);
/* 1 when creator id c is already known to the version being edited. */
int snap_edit_has_creator(const struct snap_edit *e, uint32_t c);
void snap_edit_creator(struct snap_edit *e, uint32_t id, const char *name, size_t len);
void snap_edit_ticket(struct snap_edit *e, uint32_t slot, const struct snap_tk_in *t);
struct snap *snap_edit_finish(struct snap_edit *e, int64_t data_version);

/* 1 when a ticket with these dates can be reported (opened a real date,
 * closed none or a real date not before it). */
int snap_tk_usable(int32_t opened, int32_t closed);

/* ---- from the store (snap_load.c) ---- */

struct config;
struct store;

/*
 * The state of the store's current contents for cfg's pipeline, as of
 * as_of, read in one read transaction.  NULL on error (logged).
 */
struct snap *snap_load(struct store *st, const struct config *cfg, int32_t as_of);

/*
 * old brought up to date with the store (the tickets its change log has
 * above old's data version), cfg's pipeline and SLA days, and as_of, in
 * one read transaction: an edit of old, or a build from scratch when the
 * log does not reach back far enough or holds more than a quarter of the
 * tickets.  Returns a new reference to old itself when nothing changed;
 * NULL on error (logged; old is untouched).
 */
struct snap *snap_refresh(struct snap *old, struct store *st, const struct config *cfg,
			  int32_t as_of);

/* ---- building without a store (tests, tools) ---- */

struct snap_dept_in {
	const char *name;
	int sla_days;
};

struct snap_emp_in {
	const char *name;
	int dept;               /* index into the departments given */
};

struct snap_ticket_in {
	const char *ticket_id;
	const char *creator;
	int emp;                /* index into the employees given; the ticket's
				 * department is the employee's */
	int32_t opened;
	int32_t closed;         /* DATE_NONE when open */
};

/*
 * A snapshot as of `as_of` from plain arrays (everything is copied).
 * Store ids are index + 1; creators are numbered in order of first
 * appearance; ticket i is slot i + 1.  NULL when an index is out of range,
 * a day is outside DATE_MIN..DATE_MAX or a ticket closes before it opens
 * (logged).
 */
struct snap *snap_from_arrays(const struct snap_dept_in *depts, size_t ndepts,
			      const struct snap_emp_in *emps, size_t nemps,
			      const struct snap_ticket_in *tickets, size_t nticket, int32_t as_of);

#endif

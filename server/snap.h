/*
 * snap.h - an immutable, columnar in-memory snapshot of the ticket store
 * for one data version: the input of every aggregate (agg.h).
 *
 * A snapshot is built once per data version (one pass over
 * store_iter_all()) and then only read, by any number of threads at once,
 * without locks.  It knows nothing of as_of or of a range: those are
 * parameters of the aggregates, so one snapshot serves every request of its
 * data version.
 *
 * Layout.  Every ticket is an index i in [0, nticket) into parallel arrays.
 * Tickets are ordered by (creator, department, opened, closed, ticket_id),
 * so the tickets of creator c are the contiguous run
 * [creator_first[c], creator_first[c + 1]) and, inside it, each
 * department's tickets are contiguous and in opened order.  Per department
 * and per employee lists are permutations (ticket indexes).  Departments are
 * those of the configured pipeline, in pipeline order; tickets of
 * departments no longer configured are left out.  Employees are ordered by
 * (department, name), so the employees of department k are the run
 * [dept_emp_first[k], dept_emp_first[k + 1]).  Creators are numbered in
 * byte order of name (search scans creator_name in order; look-up
 * bisects it).
 *
 * Strings (names, ticket ids) live in arena chunks owned by the snapshot;
 * pointers stay valid until snap_free().
 */
#ifndef LEADTIME_SNAP_H
#define LEADTIME_SNAP_H

#include <stddef.h>
#include <stdint.h>

struct config;
struct store;
struct snap_chunk;

struct snap_dept {
	const char *name;
	int sla_days;
	int64_t store_id;       /* departments.id; 0 when the store has none yet */
};

struct snap_emp {
	const char *name;
	int64_t store_id;       /* employees.id */
	int dept;               /* department index */
};

struct snap {
	struct snap_dept *depts;        /* ndepts, pipeline order */
	size_t ndepts;
	struct snap_emp *emps;          /* nemps, by (dept, name) */
	size_t nemps;
	uint32_t *dept_emp_first;       /* ndepts + 1 */

	const char **creator_name;      /* ncreators, in byte order */
	size_t ncreators;
	uint32_t *creator_first;        /* ncreators + 1: run of tickets */

	size_t nticket;
	int32_t *opened;                /* day numbers (date.h) */
	int32_t *closed;                /* DATE_NONE when open */
	uint16_t *dept;                 /* department index */
	uint32_t *emp;                  /* employee index */
	uint32_t *creator;              /* creator index */
	const char **ticket_id;

	uint32_t *dept_first;           /* ndepts + 1: runs of dept_tickets */
	uint32_t *dept_tickets;         /* nticket ticket indexes */
	uint32_t *emp_first;            /* nemps + 1: runs of emp_tickets */
	uint32_t *emp_tickets;          /* nticket ticket indexes */

	int32_t first_day, last_day;    /* min opened, max of opened/closed;
					 * DATE_NONE when there is no ticket */

	struct snap_chunk *chunks;      /* string arena */
};

/*
 * Build the snapshot of the store's current contents for the pipeline of
 * cfg (department names, order, SLA days).  NULL on error (logged).
 * Free with snap_free().
 */
struct snap *snap_load(struct store *st, const struct config *cfg);

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
 * Build a snapshot from plain arrays (everything is copied; the caller
 * keeps its arrays).  Store ids are index + 1.  NULL when an index is out
 * of range, a day is outside DATE_MIN..DATE_MAX or a ticket closes before
 * it opens (logged).
 */
struct snap *snap_from_arrays(const struct snap_dept_in *depts, size_t ndepts,
			      const struct snap_emp_in *emps, size_t nemps,
			      const struct snap_ticket_in *tickets, size_t nticket);

/* Free the snapshot and everything it holds; NULL is fine. */
void snap_free(struct snap *s);

/* ---- look-ups ---- */

/* Department index of name (exact), or -1. */
int snap_dept_find(const struct snap *s, const char *name);
/* Employee index of a store id, or -1. */
int snap_emp_find(const struct snap *s, int64_t store_id);
/* Creator index of name (exact, byte order), or -1. */
int snap_creator_find(const struct snap *s, const char *name);

#endif

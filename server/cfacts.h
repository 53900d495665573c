/*
 * cfacts.h - the facts of one creator's path through the departments that
 * depend on its tickets alone: its re-entries (rework) and its handoffs.
 *
 * A creator's tickets are taken in (opened_on, ticket_id) order, every
 * department included (configured or not: a query shows the configured
 * ones).
 * - A re-entry is a ticket of a department in which the creator already
 *   had an earlier ticket: for tickets derived from events, a stay with
 *   n >= 2.  Dated on its opening day.
 * - A handoff is a pair of consecutive tickets held by different
 *   employees (the giver holds the first, the receiver the second; an
 *   employee belongs to one department, so a change of department is
 *   always a handoff).  Dated on the receiving ticket's opening day.  It
 *   is a ping-pong when the work goes back to whoever gave it: the
 *   creator's previous handoff went from the receiver to the giver
 *   (A -> B, then B -> A).
 *
 * The rollups of struct snap (snap.h) count them: rw_emp and rw_dept per
 * employees.id and departments.id (value 0), ho and pp (the ping-pongs)
 * per giver's employees.id with the receiver's employees.id as the value.
 * The facts are rebuilt from scratch for a new snapshot and, for an edit,
 * recomputed for each creator concerned: the old ones removed, the new
 * ones added.
 */
#ifndef LEADTIME_CFACTS_H
#define LEADTIME_CFACTS_H

#include <stddef.h>
#include <stdint.h>

struct snap;

struct cf_reentry {
	uint32_t emp_id, dept_id;
	int32_t day;
};

struct cf_handoff {
	uint32_t from_emp, to_emp;
	int32_t day;
	int pingpong;
};

/* The facts of one creator, and the scratch that found them (reused by
 * the next cfacts_of(); cfacts_release() frees it). */
struct cfacts {
	struct cf_reentry *rw;
	size_t nrw;
	struct cf_handoff *ho;
	size_t nho;
	void *keys;
	size_t cap;
};

#define CFACTS_INIT { NULL, 0, NULL, 0, NULL, 0 }

/* The facts of creator c of s (none when it has no tickets). */
void cfacts_of(const struct snap *s, uint32_t c, struct cfacts *f);
int cfacts_same(const struct cfacts *a, const struct cfacts *b);
void cfacts_release(struct cfacts *f);

/* Add (sign = +1) or remove (-1) f in the rollups of s. */
void cfacts_apply(struct snap *s, const struct cfacts *f, int sign);

/* The rollups of s (rw_emp, rw_dept, ho, pp) from scratch. */
void cfacts_build(struct snap *s);

#endif

/*
 * agg_handoff.h - who hands work to whom: the handoffs and ping-pongs of
 * cfacts.h counted over a range, per pair of departments and per pair of
 * employees.
 *
 * Pure like agg.h (no I/O, no JSON, thread-safe).  A handoff or ping-pong
 * counts when its date (the receiving ticket's opening day) lies in
 * [r->from, r->to] and both employees belong to configured departments.
 * Cost: O(days × employees + entries) over the rollups, independent of
 * the number of tickets.
 */
#ifndef LEADTIME_AGG_HANDOFF_H
#define LEADTIME_AGG_HANDOFF_H

#include "agg.h"

#include <stddef.h>
#include <stdint.h>

struct snap;

struct agg_pair {
	int from, to;              /* snapshot employee indexes */
	int64_t handoffs, pingpong;
};

struct agg_handoffs {
	size_t nd;                 /* configured departments */
	int64_t *matrix;           /* nd × nd, [giver's dept × nd + receiver's] */
	int64_t *pingpong;         /* the ping-pongs among them, same layout */
	int64_t handoffs, pingpongs;  /* Σ matrix, Σ pingpong */
	struct agg_pair *pairs;    /* every pair with a handoff (of dept when
				    * dept >= 0: giver or receiver in it), by
				    * handoffs, then pingpong, descending, then
				    * giver and receiver (snapshot order) */
	size_t npairs;
};

/* The handoffs of r (dept: -1, or the department the pairs concern);
 * NULL for an invalid range or department. */
struct agg_handoffs *agg_handoffs(const struct snap *s, const struct agg_range *r, int dept);
void agg_handoffs_free(struct agg_handoffs *h);

#endif

/*
 * gen.h - the synthetic data set (SPEC §4 `generate`).
 *
 * Creators arrive at a weekday-seasonal, slowly growing rate and pass the
 * configured pipeline in order; each stage is one ticket (sometimes two:
 * a rework) handled by one employee, whose speed and share of the work
 * differ; stage durations are skewed and their centre grows over time
 * (the problem Leadtime exists to show); handoff gaps separate stages;
 * some creators drop out; what is still in flight at as_of stays open.
 * Deterministic: the same options give the same tickets, in the same order.
 */
#ifndef LEADTIME_GEN_H
#define LEADTIME_GEN_H

#include <stdint.h>
#include <stdio.h>

struct config;
struct store;

struct gen_opts {
	long creators;      /* default 700 */
	uint64_t seed;      /* default 1 */
	int32_t start;      /* first arrival day; default 2019-01-01 */
	int days;           /* arrivals over [start, start + days - 1]; default 1095 */
	/* as_of = start + days - 1: nothing opens or closes after it */
};

void gen_opts_defaults(struct gen_opts *o);

struct gen_stats {
	long creators;
	long tickets;
	long open;          /* tickets still open at as_of */
	int32_t as_of;
};

/* Write the data set into an empty store (the caller checks emptiness and
 * has synced the pipeline).  Returns 0 or -1 (logged; nothing written). */
int gen_to_store(struct store *st, const struct config *cfg, const struct gen_opts *o,
		 struct gen_stats *stats);

/* Write the data set as import CSV (SPEC §4 header) to out.  0 or -1. */
int gen_to_csv(FILE *out, const struct config *cfg, const struct gen_opts *o,
	       struct gen_stats *stats);

/* One generated ticket, as gen_to_sink() hands it on (strings valid for
 * the call only). */
struct gen_ticket {
	const char *ticket_id;
	const char *creator;
	const char *employee;
	size_t dept;           /* index in the configured pipeline */
	int32_t opened;
	int32_t closed;        /* DATE_NONE when open at as_of */
};

struct gen_sink {
	void *ctx;
	/* each ticket of a creator, in the order the creator met them */
	void (*ticket)(void *ctx, const struct gen_ticket *t);
	/* after a creator's last ticket; non-zero stops with an error */
	int (*creator_end)(void *ctx);
};

/* The same data set, ticket by ticket, to a sink (gen_events.c writes it
 * as an event log).  0 or -1. */
int gen_to_sink(const struct config *cfg, const struct gen_opts *o, const struct gen_sink *sink,
		struct gen_stats *stats);

#endif

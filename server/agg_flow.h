/*
 * agg_flow.h - flow analytics (issue 11): aging work in progress, the
 * cycle-time scatter (control chart), cumulative flow and throughput, the
 * Monte Carlo forecast, and the pipeline's campaign starts.
 *
 * Pure like agg.h (no I/O, no JSON, thread-safe, NaN = null, nothing
 * rounded) and built on it: agg_table_departments() gives the daily and
 * per-bucket counts, agg_histogram() the distributions of days to close.
 * What needs single tickets (the tickets open on a day, the closes of a
 * range, campaign starts, creators in flight) is one marked section of
 * agg_flow.c that reads the snapshot arrays.  Every day measure follows
 * r->cal (NULL = calendar days; calendar.h).  Results are fresh
 * allocations the caller frees with the matching *_free() (NULL is fine);
 * NULL only for a range that fails agg_range_valid() or a department out
 * of range.  Definitions: docs/ANALYTICS.md "Flow analytics".
 */
#ifndef LEADTIME_AGG_FLOW_H
#define LEADTIME_AGG_FLOW_H

#include "agg.h"

#include <stddef.h>
#include <stdint.h>

struct snap;

/* ---- the pipeline's output ---- */

/* Campaign starts per day: out[d − from] (to − from + 1 slots) = creators
 * whose campaign start (earliest opened_on in the last department, as of
 * as_of) is d. */
void agg_campaign_starts(const struct snap *s, const struct agg_range *r, int64_t *out);

/* Creators in flight on day d (<= as_of): a ticket open on d (is_open) in
 * a department before the last, and no ticket in the last department
 * opened on or before d. */
int64_t agg_in_flight(const struct snap *s, int32_t d);

/* ---- aging work in progress at r->to ---- */

#define AGG_WIP_SHORT_DAYS 90    /* a range of fewer days is "short" */
#define AGG_WIP_BASIS_DAYS 365   /* ... and its percentiles use these */

enum agg_zone { AGG_ZONE_UNDER_P50, AGG_ZONE_P50, AGG_ZONE_P70, AGG_ZONE_P85, AGG_ZONE_P95,
		AGG_NZONES };
#define AGG_ZONE_NONE (-1)       /* no percentiles (no close in the basis) */
#define AGG_WIP_NLEVELS 4
extern const char *const agg_zone_names[AGG_NZONES];  /* "under_p50", "p50", ... */
extern const double agg_wip_levels[AGG_WIP_NLEVELS];  /* 0.5, 0.7, 0.85, 0.95 */

struct agg_wip_item {
	uint32_t ticket;         /* snapshot ticket index */
	int dept, emp;
	int32_t opened;
	int32_t age;             /* ticket_age on r->to, in r->cal's days */
	int zone;                /* enum agg_zone or AGG_ZONE_NONE */
};

struct agg_wip_dept {
	int dept;
	int64_t n;               /* closes in the basis */
	double pct[AGG_WIP_NLEVELS];  /* percentile_cont at agg_wip_levels; NaN when n = 0 */
	int64_t zones[AGG_NZONES];
	struct agg_wip_item *items;   /* oldest first (age desc, ticket_id) */
	size_t nitems;
};

struct agg_wip_emp {
	int emp;
	int64_t open;
	int32_t oldest_age;
	int64_t zones[AGG_NZONES];
};

struct agg_wip {
	int32_t basis_from, basis_to;
	int basis_short;         /* the range was short: the 365 days to `to` */
	struct agg_wip_dept *depts;   /* pipeline order; one when dept >= 0 */
	size_t ndepts;
	struct agg_wip_emp *emps;     /* with an open ticket, snapshot order */
	size_t nemps;
	struct agg_wip_item *oldest;  /* the `limit` oldest over depts */
	size_t noldest;
};

/* Tickets open on r->to (dept < 0: every department). */
struct agg_wip *agg_wip(const struct snap *s, const struct agg_range *r, int dept, size_t limit);
void agg_wip_free(struct agg_wip *w);

/* ---- cycle-time scatter ---- */

#define AGG_SCATTER_WINDOW 28    /* rolling quartiles over [d − 27, d] */

struct agg_scatter_point {
	uint32_t ticket;
	int emp;
	int32_t date;            /* closed_on */
	int32_t days;            /* days_to_close */
	int outlier;             /* outside the fences */
};

struct agg_quartiles {
	int64_t n;
	double q1, median, q3;   /* NaN when n = 0 */
};

struct agg_scatter_dept {
	int dept;
	int64_t n;
	double p50, p85, p95, q1, q3, iqr, fence_low, fence_high;  /* NaN when n = 0 */
	struct agg_scatter_point *points;  /* by date, then ticket_id */
	size_t npoints;
	struct agg_quartiles *rolling;     /* one per day of the range */
};

struct agg_scatter {
	size_t ndays;
	struct agg_scatter_dept *depts;
	size_t ndepts;
};

struct agg_scatter *agg_scatter(const struct snap *s, const struct agg_range *r, int dept);
void agg_scatter_free(struct agg_scatter *sc);

/* ---- cumulative flow and throughput ---- */

struct agg_flow_day {
	int64_t arrived;         /* opened on or before the day (all history) */
	int64_t in_progress;     /* Σ is_open on the day */
	int64_t done;            /* closed on or before the day */
	int64_t opened, closed;  /* on the day */
	double opened_ma28, closed_ma28;  /* Σ over [d − 27, d] ÷ 28 */
};

struct agg_flow_bucket {
	int64_t opened, closed, net_flow;
	double closes_per_week;
};

struct agg_flow_dept {
	int dept;
	int64_t base_arrived, base_done;  /* on from − 1 */
	struct agg_flow_day *days;        /* ndays */
	struct agg_flow_bucket *buckets;  /* nbuckets */
};

struct agg_flow {
	size_t ndays;
	struct agg_span *buckets;
	size_t nbuckets;
	struct agg_flow_dept *depts;
	size_t ndepts;
};

struct agg_flow *agg_flow(const struct snap *s, const struct agg_range *r, int dept);
void agg_flow_free(struct agg_flow *f);

/* ---- Monte Carlo forecast ---- */

#define AGG_FORECAST_TRIALS 10000
#define AGG_FORECAST_HORIZON 1095  /* days a "when" trial may run */
#define AGG_FORECAST_NLEVELS 3
extern const int agg_forecast_levels[AGG_FORECAST_NLEVELS];  /* 50, 85, 95 (%) */

struct agg_forecast {
	int64_t total;           /* Σ of the history */
	double mean;             /* total ÷ days of history */
	int64_t at_least[AGG_FORECAST_NLEVELS];  /* done in `days`: at least this
						  * many in that share of trials */
	int32_t done_in[AGG_FORECAST_NLEVELS];   /* days until `items` are done in
						  * that share of trials; -1 when
						  * beyond the horizon */
};

/*
 * AGG_FORECAST_TRIALS trials over the daily counts hist[0..n-1] (n > 0):
 * each future day takes the count of a day of the history drawn uniformly
 * with replacement (rng.h, seeded with `seed`).  at_least[k] = the largest
 * X such that at least level% of the trials did >= X in `days` days;
 * done_in[k] = the smallest D such that at least level% of the trials
 * reached `items` within D days (0 when items = 0).
 */
void agg_forecast_run(const int64_t *hist, size_t n, int32_t days, int64_t items, uint64_t seed,
		      struct agg_forecast *out);

#endif

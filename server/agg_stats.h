/*
 * agg_stats.h - the numeric kernels the aggregates share (agg*.c only):
 * a histogram accumulator of whole-day values, distributions and the
 * Mann–Whitney test read off value-ordered (value, count) pairs, and the
 * walks over rollup series that feed them.
 *
 * Values are whole days (days to close, stage times, waits), so a
 * distribution is a histogram: the accumulator counts values in a dense
 * window sized from the rollups' value bounds (values outside it, which
 * only adversarial data has, go to a sorted overflow list), and reading it
 * sorts only the distinct values seen.  Every percentile_cont comes out
 * exactly as from the sorted list of all values.
 */
#ifndef LEADTIME_AGG_STATS_H
#define LEADTIME_AGG_STATS_H

#include <stddef.h>
#include <stdint.h>

struct agg_dist;
struct agg_range;
struct agg_span;
struct roll_series;

struct agg_hpair {
	int32_t value;
	uint64_t count;
};

struct agg_hacc {
	int32_t lo;               /* window [lo, lo + span) */
	uint32_t span;
	uint64_t *cnt;            /* span counters */
	uint32_t *touched;        /* window offsets holding a count */
	size_t nt, ct;
	struct agg_hpair *out;    /* overflow values, unsorted */
	size_t no, co;
};

/* An empty accumulator for values expected in [vmin, vmax] (vmin > vmax:
 * none expected). */
void agg_hacc_init(struct agg_hacc *h, int32_t vmin, int32_t vmax);
void agg_hacc_release(struct agg_hacc *h);
void agg_hacc_add_slow(struct agg_hacc *h, int32_t v, uint64_t c);

static inline void agg_hacc_add(struct agg_hacc *h, int32_t v, uint64_t c)
{
	uint32_t i = (uint32_t)v - (uint32_t)h->lo;
	if (i < h->span && h->cnt[i]) {
		h->cnt[i] += c;
		return;
	}
	agg_hacc_add_slow(h, v, c);
}

/*
 * The accumulated values as distinct (value, count) pairs in ascending
 * order into *buf (grown as needed; the caller frees it), and the
 * accumulator emptied for reuse.  Returns the number of pairs.
 */
size_t agg_hacc_take(struct agg_hacc *h, struct agg_hpair **buf, size_t *cap);

/* The empty distribution (n = 0, every real NaN). */
void agg_dist_empty(struct agg_dist *d);
/* The distribution of the values of p[0..n-1] (ascending, distinct). */
void agg_dist_from_pairs(const struct agg_hpair *p, size_t n, struct agg_dist *d);
/* Number of values <= limit. */
uint64_t agg_pairs_at_most(const struct agg_hpair *p, size_t n, int32_t limit);

/* agg_mann_whitney_p() of two samples given as ascending distinct pairs. */
double agg_mann_whitney_pairs(const struct agg_hpair *a, size_t na, const struct agg_hpair *b,
			      size_t nb);

/*
 * The values of a value series (creator-level rollup) dated in each bucket
 * of spans[0..nb-1] (series[b]) and over all of them (*totals); either may
 * be NULL.  When daily_sum/daily_n are given they receive, for each day of
 * [lo, hi] (index day − lo), the sum and the number of values dated then.
 */
void agg_series_dists(const struct roll_series *s, const struct agg_span *spans, size_t nb,
		      struct agg_dist *series, struct agg_dist *totals);
void agg_series_daily(const struct roll_series *s, int32_t lo, int32_t hi, int64_t *daily_sum,
		      int64_t *daily_n);

/* Allocation helpers that abort on failure. */
void *agg_alloc(size_t n);
void *agg_zalloc(size_t n, size_t size);
void *agg_realloc(void *p, size_t n);

#endif

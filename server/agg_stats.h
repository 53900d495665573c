/*
 * agg_stats.h - the numeric kernels the aggregates share (agg*.c only):
 * values packed into 64-bit keys, an O(n) radix sort of them, and
 * distributions read off the sorted runs.
 *
 * A key packs a group (24 bits: whatever the caller numbers slots,
 * departments, employees by), a signed day count (24 bits, biased so that
 * unsigned order is numeric order; any difference of two valid dates
 * fits) and a bucket (16 bits) as payload.  Sorting orders by (group,
 * value) only; a stable counting pass then splits a group's run by bucket
 * with the values still in order.  So each value is stored once and gives
 * both the group's distribution over the whole range and its bucket's.
 */
#ifndef LEADTIME_AGG_STATS_H
#define LEADTIME_AGG_STATS_H

#include <stddef.h>
#include <stdint.h>

struct agg_dist;

#define AGG_KEY_BIAS (1 << 23)

static inline uint64_t agg_key(uint32_t group, int32_t value, uint32_t bucket)
{
	return ((uint64_t)group << 40) | ((uint64_t)(uint32_t)(value + AGG_KEY_BIAS) << 16) |
		(bucket & 0xffff);
}

static inline uint32_t agg_key_group(uint64_t k)
{
	return (uint32_t)(k >> 40);
}

static inline int32_t agg_key_value(uint64_t k)
{
	return (int32_t)((k >> 16) & 0xffffff) - AGG_KEY_BIAS;
}

static inline uint32_t agg_key_bucket(uint64_t k)
{
	return (uint32_t)(k & 0xffff);
}

/* A growable array of keys. */
struct agg_keys {
	uint64_t *k;
	size_t n, cap;
};

void agg_keys_push(struct agg_keys *ks, uint64_t key);
void agg_keys_release(struct agg_keys *ks);

/* Sort keys by (group, value) (LSD radix sort; the bucket is payload). */
void agg_sort_keys(uint64_t *k, size_t n);

/* The empty distribution (n = 0, every real NaN). */
void agg_dist_empty(struct agg_dist *d);
/* The distribution of the values of k[0..n-1], sorted by value. */
void agg_dist_from_run(const uint64_t *k, size_t n, struct agg_dist *d);

/*
 * Sort the keys, then for each group present call fn(ctx, group, nb, run,
 * len) with all its values, and, when nb > 0, fn(ctx, group, b, run, len)
 * for each bucket b < nb holding values.  Runs are sorted by value.
 * Groups and buckets without values are not visited.
 */
typedef void agg_run_fn(void *ctx, uint32_t group, uint32_t bucket, const uint64_t *run,
			size_t len);
void agg_each_run(uint64_t *k, size_t n, size_t nb, agg_run_fn *fn, void *ctx);

/* agg_mann_whitney_p() of samples already sorted ascending (no copy). */
double agg_mann_whitney_sorted(const double *a, size_t na, const double *b, size_t nb);

/* Sort doubles ascending (qsort). */
void agg_sort_doubles(double *x, size_t n);

/* Allocation helpers that abort on failure. */
void *agg_alloc(size_t n);
void *agg_zalloc(size_t n, size_t size);

#endif

/*
 * agg_stats.c - sorting, percentiles and the Mann–Whitney test; see
 * agg_stats.h (the kernels) and agg.h (agg_percentile,
 * agg_mann_whitney_p).
 *
 * Values here are whole days, so a radix sort of packed 64-bit keys
 * replaces comparison sorts (two or three linear passes over the keys).
 */
#include "agg.h"
#include "agg_stats.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void *agg_alloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (!p)
		abort();
	return p;
}

void *agg_zalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);
	if (!p)
		abort();
	return p;
}

void agg_keys_push(struct agg_keys *ks, uint64_t key)
{
	if (ks->n == ks->cap) {
		ks->cap = ks->cap ? ks->cap * 2 : 1024;
		ks->k = realloc(ks->k, ks->cap * sizeof(*ks->k));
		if (!ks->k)
			abort();
	}
	ks->k[ks->n++] = key;
}

void agg_keys_release(struct agg_keys *ks)
{
	free(ks->k);
	ks->k = NULL;
	ks->n = ks->cap = 0;
}

/* ---- sorting ---- */

static void insertion_sort(uint64_t *k, size_t n)
{
	for (size_t i = 1; i < n; i++) {
		uint64_t v = k[i];
		size_t j = i;
		while (j > 0 && (k[j - 1] >> 16) > (v >> 16)) {
			k[j] = k[j - 1];
			j--;
		}
		k[j] = v;
	}
}

/*
 * LSD radix sort on the (group, value) bits.  A digit that is the same in
 * every key (OR and AND of all keys agree on it) is skipped: groups are
 * few and days small, so two passes usually do.  Digits are 16 bits for
 * large inputs (fewer passes) and 8 bits for smaller ones.
 */
void agg_sort_keys(uint64_t *k, size_t n)
{
	if (n < 64) {
		insertion_sort(k, n);
		return;
	}
	uint64_t all_or = 0, all_and = ~(uint64_t)0;
	for (size_t i = 0; i < n; i++) {
		all_or |= k[i];
		all_and &= k[i];
	}
	uint64_t varies = (all_or ^ all_and) & ~(uint64_t)0xffff;
	if (!varies)
		return;
	unsigned bits = n >= (1u << 16) ? 16 : 8;
	size_t radix = (size_t)1 << bits, mask = radix - 1;
	size_t *count = agg_alloc(radix * sizeof(*count));
	uint64_t *tmp = agg_alloc(n * sizeof(*tmp));
	uint64_t *src = k, *dst = tmp;
	for (unsigned shift = 16; shift < 64; shift += bits) {
		if (!((varies >> shift) & mask))
			continue;
		memset(count, 0, radix * sizeof(*count));
		for (size_t i = 0; i < n; i++)
			count[(src[i] >> shift) & mask]++;
		size_t pos = 0;
		for (size_t v = 0; v < radix; v++) {
			size_t t = count[v];
			count[v] = pos;
			pos += t;
		}
		for (size_t i = 0; i < n; i++)
			dst[count[(src[i] >> shift) & mask]++] = src[i];
		uint64_t *sw = src;
		src = dst;
		dst = sw;
	}
	if (src != k)
		memcpy(k, src, n * sizeof(*k));
	free(tmp);
	free(count);
}

static int double_cmp(const void *pa, const void *pb)
{
	double a = *(const double *)pa, b = *(const double *)pb;
	return a < b ? -1 : a > b;
}

void agg_sort_doubles(double *x, size_t n)
{
	qsort(x, n, sizeof(*x), double_cmp);
}

/* ---- distributions ---- */

double agg_percentile(const double *x, size_t n, double p)
{
	if (n == 0)
		return NAN;
	double h = (double)(n - 1) * p;
	size_t lo = (size_t)floor(h);
	if (lo + 1 >= n)
		return x[n - 1];
	return x[lo] + (h - (double)lo) * (x[lo + 1] - x[lo]);
}

static double run_percentile(const uint64_t *k, size_t n, double p)
{
	double h = (double)(n - 1) * p;
	size_t lo = (size_t)floor(h);
	double a = agg_key_value(k[lo]);
	if (lo + 1 >= n)
		return a;
	return a + (h - (double)lo) * ((double)agg_key_value(k[lo + 1]) - a);
}

void agg_dist_empty(struct agg_dist *d)
{
	d->n = 0;
	d->mean = d->min = d->q1 = d->p50 = d->q3 = d->p90 = d->max = NAN;
}

void agg_dist_from_run(const uint64_t *k, size_t n, struct agg_dist *d)
{
	if (n == 0) {
		agg_dist_empty(d);
		return;
	}
	int64_t sum = 0;
	for (size_t i = 0; i < n; i++)
		sum += agg_key_value(k[i]);
	d->n = (int64_t)n;
	d->mean = (double)sum / (double)n;
	d->min = agg_key_value(k[0]);
	d->max = agg_key_value(k[n - 1]);
	d->q1 = run_percentile(k, n, 0.25);
	d->p50 = run_percentile(k, n, 0.5);
	d->q3 = run_percentile(k, n, 0.75);
	d->p90 = run_percentile(k, n, 0.9);
}

void agg_each_run(uint64_t *k, size_t n, size_t nb, agg_run_fn *fn, void *ctx)
{
	agg_sort_keys(k, n);
	size_t *first = nb ? agg_alloc((nb + 1) * sizeof(*first)) : NULL;
	uint64_t *split = NULL;
	size_t split_cap = 0;
	size_t i = 0;
	while (i < n) {
		uint32_t g = agg_key_group(k[i]);
		size_t j = i + 1;
		while (j < n && agg_key_group(k[j]) == g)
			j++;
		fn(ctx, g, (uint32_t)nb, k + i, j - i);
		if (nb) {
			/* stable counting sort by bucket: values stay in order */
			if (j - i > split_cap) {
				split_cap = j - i;
				free(split);
				split = agg_alloc(split_cap * sizeof(*split));
			}
			memset(first, 0, (nb + 1) * sizeof(*first));
			for (size_t x = i; x < j; x++)
				first[agg_key_bucket(k[x]) + 1]++;
			for (size_t b = 0; b < nb; b++)
				first[b + 1] += first[b];
			for (size_t x = i; x < j; x++) {
				uint32_t b = agg_key_bucket(k[x]);
				split[first[b]++] = k[x];
			}
			/* first[b] now ends bucket b */
			size_t start = 0;
			for (size_t b = 0; b < nb; b++) {
				if (first[b] > start)
					fn(ctx, g, (uint32_t)b, split + start, first[b] - start);
				start = first[b];
			}
		}
		i = j;
	}
	free(split);
	free(first);
}

/* ---- Mann–Whitney U ---- */

/* Both samples sorted ascending.  Ranks are 1-based; a tie group spanning
 * ranks [r+1, r+t] gets (2r + t + 1) / 2 each. */
double agg_mann_whitney_sorted(const double *a, size_t na, const double *b, size_t nb)
{
	if (na < 5 || nb < 5)
		return NAN;
	double n1 = (double)na, n2 = (double)nb, n = n1 + n2;
	double ra = 0, ties = 0, r = 0;
	size_t i = 0, j = 0;
	while (i < na || j < nb) {
		double v = (j >= nb || (i < na && a[i] <= b[j])) ? a[i] : b[j];
		size_t ca = 0, cb = 0;
		while (i < na && a[i] == v) {
			i++;
			ca++;
		}
		while (j < nb && b[j] == v) {
			j++;
			cb++;
		}
		double t = (double)(ca + cb);
		ra += (double)ca * (2 * r + t + 1) / 2;
		ties += t * t * t - t;
		r += t;
	}
	double u = ra - n1 * (n1 + 1) / 2;
	double var = n1 * n2 / 12 * ((n + 1) - ties / (n * (n - 1)));
	if (var <= 0)
		return 1.0;
	double z = (u - n1 * n2 / 2) / sqrt(var);
	return erfc(fabs(z) / sqrt(2.0));
}

double agg_mann_whitney_p(const double *a, size_t na, const double *b, size_t nb)
{
	if (na < 5 || nb < 5)
		return NAN;
	double *sa = agg_alloc(na * sizeof(*sa)), *sb = agg_alloc(nb * sizeof(*sb));
	memcpy(sa, a, na * sizeof(*sa));
	memcpy(sb, b, nb * sizeof(*sb));
	agg_sort_doubles(sa, na);
	agg_sort_doubles(sb, nb);
	double p = agg_mann_whitney_sorted(sa, na, sb, nb);
	free(sa);
	free(sb);
	return p;
}

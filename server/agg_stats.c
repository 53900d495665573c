/*
 * agg_stats.c - histograms, percentiles and the Mann–Whitney test; see
 * agg_stats.h (the kernels) and agg.h (agg_percentile,
 * agg_mann_whitney_p).
 */
#include "agg.h"
#include "agg_stats.h"
#include "radix.h"
#include "roll.h"

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

void *agg_realloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p)
		abort();
	return p;
}

/* ---- the accumulator ---- */

/* Widest dense window: 4 MiB of counters.  Real days to close span a few
 * thousand values; only adversarial dates need the overflow list. */
#define WINDOW_MAX (1u << 19)

void agg_hacc_init(struct agg_hacc *h, int32_t vmin, int32_t vmax)
{
	memset(h, 0, sizeof(*h));
	if (vmin > vmax)
		return;
	int64_t span = (int64_t)vmax - vmin + 1;
	h->lo = vmin;
	h->span = span > WINDOW_MAX ? WINDOW_MAX : (uint32_t)span;
	h->cnt = agg_zalloc(h->span, sizeof(*h->cnt));
}

void agg_hacc_release(struct agg_hacc *h)
{
	free(h->cnt);
	free(h->touched);
	free(h->out);
	memset(h, 0, sizeof(*h));
}

void agg_hacc_add_slow(struct agg_hacc *h, int32_t v, uint64_t c)
{
	if (!c)
		return;
	uint32_t i = (uint32_t)v - (uint32_t)h->lo;
	if (i < h->span) {
		if (!h->cnt[i]) {
			if (h->nt == h->ct) {
				h->ct = h->ct ? h->ct * 2 : 64;
				h->touched = realloc(h->touched, h->ct * sizeof(*h->touched));
				if (!h->touched)
					abort();
			}
			h->touched[h->nt++] = i;
		}
		h->cnt[i] += c;
		return;
	}
	if (h->no == h->co) {
		h->co = h->co ? h->co * 2 : 16;
		h->out = realloc(h->out, h->co * sizeof(*h->out));
		if (!h->out)
			abort();
	}
	h->out[h->no++] = (struct agg_hpair){ v, c };
}

static void reserve(struct agg_hpair **buf, size_t *cap, size_t n)
{
	if (n <= *cap)
		return;
	*cap = n > 2 * *cap ? n : 2 * *cap;
	*buf = realloc(*buf, *cap * sizeof(**buf));
	if (!*buf)
		abort();
}

static int pair_cmp(const void *pa, const void *pb)
{
	const struct agg_hpair *a = pa, *b = pb;
	return a->value < b->value ? -1 : a->value > b->value;
}

static void sort_u32(uint32_t *x, size_t n)
{
	if (n < 32) {
		for (size_t i = 1; i < n; i++) {
			uint32_t v = x[i];
			size_t j = i;
			while (j > 0 && x[j - 1] > v) {
				x[j] = x[j - 1];
				j--;
			}
			x[j] = v;
		}
		return;
	}
	uint64_t *k = agg_alloc(n * sizeof(*k));
	for (size_t i = 0; i < n; i++)
		k[i] = x[i];
	radix_sort_u64(k, n, 0);
	for (size_t i = 0; i < n; i++)
		x[i] = (uint32_t)k[i];
	free(k);
}

size_t agg_hacc_take(struct agg_hacc *h, struct agg_hpair **buf, size_t *cap)
{
	sort_u32(h->touched, h->nt);
	if (h->no > 1)
		qsort(h->out, h->no, sizeof(*h->out), pair_cmp);
	reserve(buf, cap, h->nt + h->no + 1);
	struct agg_hpair *p = *buf;
	size_t n = 0, i = 0, j = 0;
	while (i < h->nt || j < h->no) {
		struct agg_hpair x;
		if (j >= h->no || (i < h->nt && h->lo + (int32_t)h->touched[i] < h->out[j].value)) {
			x.value = h->lo + (int32_t)h->touched[i];
			x.count = h->cnt[h->touched[i]];
			h->cnt[h->touched[i++]] = 0;
		} else {
			x = h->out[j++];
		}
		if (n && p[n - 1].value == x.value)
			p[n - 1].count += x.count;
		else
			p[n++] = x;
	}
	h->nt = h->no = 0;
	return n;
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

void agg_dist_empty(struct agg_dist *d)
{
	d->n = 0;
	d->mean = d->min = d->q1 = d->p50 = d->q3 = d->p90 = d->max = NAN;
}

/* percentile_cont at p over the values of the pairs (n values in all):
 * the values at ranks ⌊h⌋ and ⌊h⌋ + 1, h = (n − 1) p, found by a walk that
 * callers make in ascending p so it only moves forward. */
struct walk {
	const struct agg_hpair *p;
	size_t np, i;
	uint64_t below;           /* values before pair i */
};

static int32_t value_at(struct walk *w, uint64_t rank)
{
	while (w->below + w->p[w->i].count <= rank) {
		w->below += w->p[w->i].count;
		w->i++;
	}
	return w->p[w->i].value;
}

static double pct(struct walk *w, uint64_t n, double p)
{
	double h = (double)(n - 1) * p;
	uint64_t lo = (uint64_t)floor(h);
	double a = value_at(w, lo);
	if (lo + 1 >= n)
		return a;
	/* value_at(lo + 1) must not move the walk past lo's pair for the
	 * next percentile: it only reads */
	struct walk peek = *w;
	return a + (h - (double)lo) * ((double)value_at(&peek, lo + 1) - a);
}

void agg_dist_from_pairs(const struct agg_hpair *p, size_t np, struct agg_dist *d)
{
	uint64_t n = 0;
	int64_t sum = 0;
	for (size_t i = 0; i < np; i++) {
		n += p[i].count;
		sum += (int64_t)p[i].value * (int64_t)p[i].count;
	}
	if (n == 0) {
		agg_dist_empty(d);
		return;
	}
	d->n = (int64_t)n;
	d->mean = (double)sum / (double)n;
	d->min = p[0].value;
	d->max = p[np - 1].value;
	struct walk w = { p, np, 0, 0 };
	d->q1 = pct(&w, n, 0.25);
	d->p50 = pct(&w, n, 0.5);
	d->q3 = pct(&w, n, 0.75);
	d->p90 = pct(&w, n, 0.9);
}

uint64_t agg_pairs_at_most(const struct agg_hpair *p, size_t n, int32_t limit)
{
	uint64_t c = 0;
	for (size_t i = 0; i < n && p[i].value <= limit; i++)
		c += p[i].count;
	return c;
}

/* ---- Mann–Whitney U ---- */

/*
 * Samples as ascending runs of equal values: va/ca (na runs), vb/cb.
 * Ranks are 1-based; a tie group spanning ranks [r+1, r+t] gets
 * (2r + t + 1) / 2 each.
 */
static double mann_whitney_runs(const double *va, const double *ca, size_t na, const double *vb,
				const double *cb, size_t nb)
{
	double n1 = 0, n2 = 0;
	for (size_t i = 0; i < na; i++)
		n1 += ca[i];
	for (size_t j = 0; j < nb; j++)
		n2 += cb[j];
	if (n1 < 5 || n2 < 5)
		return NAN;
	double n = n1 + n2, ra = 0, ties = 0, r = 0;
	size_t i = 0, j = 0;
	while (i < na || j < nb) {
		double v = (j >= nb || (i < na && va[i] <= vb[j])) ? va[i] : vb[j];
		double xa = 0, xb = 0;
		if (i < na && va[i] == v)
			xa = ca[i++];
		if (j < nb && vb[j] == v)
			xb = cb[j++];
		double t = xa + xb;
		ra += xa * (2 * r + t + 1) / 2;
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

static int double_cmp(const void *pa, const void *pb)
{
	double a = *(const double *)pa, b = *(const double *)pb;
	return a < b ? -1 : a > b;
}

/* Sorted copy of x as runs; returns the number of runs. */
static size_t runs_of(const double *x, size_t n, double **v, double **c)
{
	double *s = agg_alloc(n * sizeof(*s));
	memcpy(s, x, n * sizeof(*s));
	qsort(s, n, sizeof(*s), double_cmp);
	*v = agg_alloc(n * sizeof(**v));
	*c = agg_alloc(n * sizeof(**c));
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		if (k && (*v)[k - 1] == s[i]) {
			(*c)[k - 1] += 1;
		} else {
			(*v)[k] = s[i];
			(*c)[k++] = 1;
		}
	}
	free(s);
	return k;
}

double agg_mann_whitney_p(const double *a, size_t na, const double *b, size_t nb)
{
	if (na < 5 || nb < 5)
		return NAN;
	double *va, *ca, *vb, *cb;
	size_t ka = runs_of(a, na, &va, &ca), kb = runs_of(b, nb, &vb, &cb);
	double p = mann_whitney_runs(va, ca, ka, vb, cb, kb);
	free(va);
	free(ca);
	free(vb);
	free(cb);
	return p;
}

static void pairs_to_runs(const struct agg_hpair *p, size_t n, double **v, double **c)
{
	*v = agg_alloc(n * sizeof(**v));
	*c = agg_alloc(n * sizeof(**c));
	for (size_t i = 0; i < n; i++) {
		(*v)[i] = p[i].value;
		(*c)[i] = (double)p[i].count;
	}
}

double agg_mann_whitney_pairs(const struct agg_hpair *a, size_t na, const struct agg_hpair *b,
			      size_t nb)
{
	double *va, *ca, *vb, *cb;
	pairs_to_runs(a, na, &va, &ca);
	pairs_to_runs(b, nb, &vb, &cb);
	double p = mann_whitney_runs(va, ca, na, vb, cb, nb);
	free(va);
	free(ca);
	free(vb);
	free(cb);
	return p;
}

/* ---- walks over value series ---- */

void agg_series_dists(const struct roll_series *s, const struct agg_span *spans, size_t nb,
		      struct agg_dist *series, struct agg_dist *totals)
{
	for (size_t b = 0; series && b < nb; b++)
		agg_dist_empty(&series[b]);
	if (totals)
		agg_dist_empty(totals);
	if (!s || !nb)
		return;
	int32_t from = spans[0].start, to = spans[nb - 1].end;
	int32_t vmin = INT32_MAX, vmax = INT32_MIN;
	roll_value_bounds(s, from, to, &vmin, &vmax);
	struct agg_hacc hb, ht;
	agg_hacc_init(&hb, vmin, vmax);
	agg_hacc_init(&ht, vmin, vmax);
	struct agg_hpair *buf = NULL;
	size_t cap = 0;
	struct roll_cursor cur;
	roll_cursor_init(&cur, s, from);
	for (size_t b = 0; b < nb; b++) {
		for (int32_t d = spans[b].start; d <= spans[b].end; d++) {
			const struct roll_chunk *ch;
			const struct roll_cell *cell = roll_cursor_cell(&cur, d, &ch);
			if (!cell)
				continue;
			for (uint32_t i = cell->hoff; i < cell->hoff + cell->hlen; i++) {
				agg_hacc_add(&hb, ch->h[i].value, ch->h[i].count);
				agg_hacc_add(&ht, ch->h[i].value, ch->h[i].count);
			}
		}
		size_t n = agg_hacc_take(&hb, &buf, &cap);
		if (series)
			agg_dist_from_pairs(buf, n, &series[b]);
	}
	size_t n = agg_hacc_take(&ht, &buf, &cap);
	if (totals)
		agg_dist_from_pairs(buf, n, totals);
	free(buf);
	agg_hacc_release(&hb);
	agg_hacc_release(&ht);
}

void agg_series_daily(const struct roll_series *s, int32_t lo, int32_t hi, int64_t *daily_sum,
		      int64_t *daily_n)
{
	struct roll_cursor cur;
	roll_cursor_init(&cur, s, lo);
	for (int32_t d = lo; d <= hi; d++) {
		const struct roll_chunk *ch;
		const struct roll_cell *cell = roll_cursor_cell(&cur, d, &ch);
		int64_t sum = 0, n = 0;
		for (uint32_t i = cell ? cell->hoff : 0; cell && i < cell->hoff + cell->hlen; i++) {
			sum += (int64_t)ch->h[i].value * ch->h[i].count;
			n += ch->h[i].count;
		}
		daily_sum[d - lo] = sum;
		daily_n[d - lo] = n;
	}
}

/*
 * agg_flow.c - flow analytics; see agg_flow.h and docs/ANALYTICS.md
 * ("Flow analytics").
 *
 * Counts per day and per bucket come from agg_table_departments() and
 * distributions of days to close from agg_histogram() (agg.h), so they
 * are the engine's own numbers.  What needs single tickets is in the
 * section "ticket-level scans" below, the only code here that reads the
 * snapshot's ticket arrays (to re-point at another engine, change that
 * section only).  Rolling quartiles use a Fenwick tree over the values of
 * the window, so each day costs O(log max days) whatever the window holds.
 */
#include "agg_flow.h"
#include "calendar.h"
#include "date.h"
#include "rng.h"
#include "snap.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

const char *const agg_zone_names[AGG_NZONES] = { "under_p50", "p50", "p70", "p85", "p95" };
const double agg_wip_levels[AGG_WIP_NLEVELS] = { 0.5, 0.7, 0.85, 0.95 };
const int agg_forecast_levels[AGG_FORECAST_NLEVELS] = { 50, 85, 95 };

static void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);
	if (!p)
		abort();
	return p;
}

/* ======================================================================
 * ---- ticket-level scans (the snapshot's arrays; engine 2: re-point here)
 * ====================================================================== */

/* Ticket i is open on day d (is_open = 1 on its row of d; d <= as_of, so
 * a close after as_of is after d too). */
static int open_on(const struct snap *s, uint32_t i, int32_t d)
{
	int32_t o = s->opened[i], c = s->closed[i];
	return o <= d && (c == DATE_NONE || c > d);
}

/* The tickets of department k open on day d (*out malloc'd). */
static size_t scan_open(const struct snap *s, int k, int32_t d, uint32_t **out)
{
	uint32_t lo = s->dept_first[k], hi = s->dept_first[k + 1];
	uint32_t *v = xcalloc(hi - lo, sizeof(*v));
	size_t n = 0;
	for (uint32_t j = lo; j < hi; j++)
		if (open_on(s, s->dept_tickets[j], d))
			v[n++] = s->dept_tickets[j];
	*out = v;
	return n;
}

/* The tickets of department k closed in [from, to] (to <= as_of). */
static size_t scan_closed(const struct snap *s, int k, int32_t from, int32_t to, uint32_t **out)
{
	uint32_t lo = s->dept_first[k], hi = s->dept_first[k + 1];
	uint32_t *v = xcalloc(hi - lo, sizeof(*v));
	size_t n = 0;
	for (uint32_t j = lo; j < hi; j++) {
		int32_t c = s->closed[s->dept_tickets[j]];
		if (c != DATE_NONE && c >= from && c <= to)
			v[n++] = s->dept_tickets[j];
	}
	*out = v;
	return n;
}

void agg_campaign_starts(const struct snap *s, const struct agg_range *r, int64_t *out)
{
	memset(out, 0, ((size_t)(r->to - r->from) + 1) * sizeof(*out));
	if (!s->ndepts)
		return;
	uint16_t last = (uint16_t)(s->ndepts - 1);
	/* a creator's tickets of one department are contiguous and in opened
	 * order: the first one opened by as_of is the campaign start */
	for (uint32_t c = 0; c < s->ncreators; c++)
		for (uint32_t i = s->creator_first[c]; i < s->creator_first[c + 1]; i++) {
			if (s->dept[i] != last || s->opened[i] > r->as_of)
				continue;
			int32_t d = s->opened[i];
			if (d >= r->from && d <= r->to)
				out[d - r->from]++;
			break;
		}
}

int64_t agg_in_flight(const struct snap *s, int32_t d)
{
	if (!s->ndepts)
		return 0;
	uint16_t last = (uint16_t)(s->ndepts - 1);
	int64_t n = 0;
	for (uint32_t c = 0; c < s->ncreators; c++) {
		int open = 0, started = 0;
		for (uint32_t i = s->creator_first[c]; i < s->creator_first[c + 1]; i++) {
			if (s->dept[i] == last)
				started |= s->opened[i] <= d;
			else
				open |= open_on(s, i, d);
		}
		n += open && !started;
	}
	return n;
}

/* ======================================================================
 * ---- distributions
 * ====================================================================== */

/* The value at 0-based position k of the sorted values a histogram holds. */
static double hist_at(const struct agg_hist_bin *b, long nb, int64_t k)
{
	for (long i = 0; i < nb; i++) {
		if (k < b[i].count)
			return b[i].days;
		k -= b[i].count;
	}
	return NAN;
}

/* percentile_cont (SPEC §3) of the values of a histogram of n values. */
static double hist_percentile(const struct agg_hist_bin *b, long nb, int64_t n, double p)
{
	if (n <= 0)
		return NAN;
	double h = (double)(n - 1) * p;
	int64_t lo = (int64_t)floor(h);
	double x = hist_at(b, nb, lo);
	if (lo + 1 >= n)
		return x;
	return x + (h - (double)lo) * (hist_at(b, nb, lo + 1) - x);
}

/* ======================================================================
 * ---- aging work in progress
 * ====================================================================== */


struct item_sort {
	struct agg_wip_item it;
	const char *tid;
};

static int item_cmp(const void *pa, const void *pb)
{
	const struct item_sort *a = pa, *b = pb;
	if (a->it.age != b->it.age)
		return a->it.age > b->it.age ? -1 : 1;
	return strcmp(a->tid, b->tid);
}

/* Oldest first, then ticket_id in byte order. */
static void sort_items(const struct snap *s, struct agg_wip_item *v, size_t n)
{
	struct item_sort *t = xcalloc(n, sizeof(*t));
	for (size_t i = 0; i < n; i++)
		t[i] = (struct item_sort){ v[i], s->ticket_id[v[i].ticket] };
	qsort(t, n, sizeof(*t), item_cmp);
	for (size_t i = 0; i < n; i++)
		v[i] = t[i].it;
	free(t);
}

static int zone_of(const double *pct, int32_t age)
{
	if (isnan(pct[0]))
		return AGG_ZONE_NONE;
	int z = AGG_ZONE_UNDER_P50;
	for (int k = 0; k < AGG_WIP_NLEVELS; k++)
		if (age > pct[k])
			z = k + 1;
	return z;
}

static int dept_ok(const struct snap *s, int dept)
{
	return dept < 0 || (size_t)dept < s->ndepts;
}

struct agg_wip *agg_wip(const struct snap *s, const struct agg_range *r, int dept, size_t limit)
{
	if (!agg_range_valid(r) || !dept_ok(s, dept))
		return NULL;
	struct agg_wip *w = xcalloc(1, sizeof(*w));
	w->basis_short = r->to - r->from + 1 < AGG_WIP_SHORT_DAYS;
	w->basis_from = w->basis_short ? r->to - (AGG_WIP_BASIS_DAYS - 1) : r->from;
	w->basis_to = r->to;
	struct agg_range basis = { w->basis_from, w->basis_to, r->as_of, AGG_MONTH, r->cal };
	int k0 = dept < 0 ? 0 : dept, k1 = dept < 0 ? (int)s->ndepts : dept + 1;
	w->ndepts = (size_t)(k1 - k0);
	w->depts = xcalloc(w->ndepts, sizeof(*w->depts));
	int64_t *emp_open = xcalloc(s->nemps, sizeof(*emp_open));
	struct agg_wip_emp *emps = xcalloc(s->nemps, sizeof(*emps));
	size_t nall = 0;
	for (int k = k0; k < k1; k++) {
		struct agg_wip_dept *d = &w->depts[k - k0];
		d->dept = k;
		struct agg_hist_bin *bins = NULL;
		long nb = agg_histogram(s, &basis, k, -1, &bins);
		for (long i = 0; i < nb; i++)
			d->n += bins[i].count;
		for (int l = 0; l < AGG_WIP_NLEVELS; l++)
			d->pct[l] = hist_percentile(bins, nb, d->n, agg_wip_levels[l]);
		free(bins);
		uint32_t *open;
		d->nitems = scan_open(s, k, r->to, &open);
		d->items = xcalloc(d->nitems, sizeof(*d->items));
		for (size_t j = 0; j < d->nitems; j++) {
			uint32_t i = open[j];
			int32_t age = calendar_days(r->cal, s->opened[i], r->to);
			struct agg_wip_item *it = &d->items[j];
			*it = (struct agg_wip_item){ i, k, (int)s->emp[i], s->opened[i], age,
						     zone_of(d->pct, age) };
			if (it->zone >= 0)
				d->zones[it->zone]++;
			struct agg_wip_emp *e = &emps[it->emp];
			if (!emp_open[it->emp]++ || age > e->oldest_age)
				e->oldest_age = age;
			if (it->zone >= 0)
				e->zones[it->zone]++;
		}
		free(open);
		sort_items(s, d->items, d->nitems);
		nall += d->nitems;
	}
	for (size_t e = 0; e < s->nemps; e++)
		if (emp_open[e]) {
			emps[e].emp = (int)e;
			emps[e].open = emp_open[e];
			emps[w->nemps++] = emps[e];
		}
	w->emps = emps;
	free(emp_open);
	struct agg_wip_item *all = xcalloc(nall, sizeof(*all));
	size_t n = 0;
	for (size_t k = 0; k < w->ndepts; k++) {
		memcpy(all + n, w->depts[k].items, w->depts[k].nitems * sizeof(*all));
		n += w->depts[k].nitems;
	}
	sort_items(s, all, n);
	w->noldest = n < limit ? n : limit;
	w->oldest = all;
	return w;
}

void agg_wip_free(struct agg_wip *w)
{
	if (!w)
		return;
	for (size_t k = 0; k < w->ndepts; k++)
		free(w->depts[k].items);
	free(w->depts);
	free(w->emps);
	free(w->oldest);
	free(w);
}

/* ======================================================================
 * ---- cycle-time scatter
 * ====================================================================== */

/* A Fenwick tree of value counts over [0, size): add, and the k-th
 * smallest value (0-based). */
struct fenwick {
	int64_t *t;
	size_t size, top;        /* top = the highest power of two <= size */
};

static void fw_init(struct fenwick *f, size_t size)
{
	f->size = size;
	f->t = xcalloc(size + 1, sizeof(*f->t));
	for (f->top = 1; f->top * 2 <= size; f->top *= 2)
		;
}

static void fw_add(struct fenwick *f, size_t v, int64_t d)
{
	for (size_t i = v + 1; i <= f->size; i += i & (0 - i))
		f->t[i] += d;
}

static size_t fw_kth(const struct fenwick *f, int64_t k)
{
	size_t pos = 0;
	for (size_t step = f->top; step; step /= 2)
		if (pos + step <= f->size && f->t[pos + step] <= k) {
			pos += step;
			k -= f->t[pos];
		}
	return pos; /* 0-based value */
}

/* percentile_cont over the n values in the tree (biased by `lo`). */
static double fw_percentile(const struct fenwick *f, int64_t n, double p, int32_t lo)
{
	double h = (double)(n - 1) * p;
	int64_t k = (int64_t)floor(h);
	double x = (double)fw_kth(f, k) + lo;
	if (k + 1 >= n)
		return x;
	return x + (h - (double)k) * ((double)fw_kth(f, k + 1) + lo - x);
}

struct point_sort {
	struct agg_scatter_point p;
	const char *tid;
};

static int point_cmp(const void *pa, const void *pb)
{
	const struct point_sort *a = pa, *b = pb;
	if (a->p.date != b->p.date)
		return a->p.date < b->p.date ? -1 : 1;
	return strcmp(a->tid, b->tid);
}

static int double_cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static void scatter_dept(const struct snap *s, const struct agg_range *r, int k, size_t ndays,
			 struct agg_scatter_dept *d)
{
	int32_t wlo = r->from - (AGG_SCATTER_WINDOW - 1);
	uint32_t *cl;
	size_t n = scan_closed(s, k, wlo, r->to, &cl);
	struct point_sort *ps = xcalloc(n, sizeof(*ps));
	int32_t vmin = 0, vmax = 0;
	for (size_t j = 0; j < n; j++) {
		uint32_t i = cl[j];
		int32_t days = calendar_days(r->cal, s->opened[i], s->closed[i]);
		ps[j] = (struct point_sort){ { i, (int)s->emp[i], s->closed[i], days, 0 }, s->ticket_id[i] };
		if (j == 0 || days < vmin)
			vmin = days;
		if (j == 0 || days > vmax)
			vmax = days;
	}
	free(cl);
	qsort(ps, n, sizeof(*ps), point_cmp);

	/* the points: closes in [from, to] */
	size_t first = 0;
	while (first < n && ps[first].p.date < r->from)
		first++;
	d->dept = k;
	d->npoints = n - first;
	d->points = xcalloc(d->npoints, sizeof(*d->points));
	double *sorted = xcalloc(d->npoints, sizeof(*sorted));
	for (size_t j = 0; j < d->npoints; j++) {
		d->points[j] = ps[first + j].p;
		sorted[j] = d->points[j].days;
	}
	qsort(sorted, d->npoints, sizeof(*sorted), double_cmp);
	d->n = (int64_t)d->npoints;
	d->p50 = agg_percentile(sorted, d->npoints, 0.5);
	d->p85 = agg_percentile(sorted, d->npoints, 0.85);
	d->p95 = agg_percentile(sorted, d->npoints, 0.95);
	d->q1 = agg_percentile(sorted, d->npoints, 0.25);
	d->q3 = agg_percentile(sorted, d->npoints, 0.75);
	d->iqr = d->q3 - d->q1;
	d->fence_low = d->q1 - 1.5 * d->iqr;
	d->fence_high = d->q3 + 1.5 * d->iqr;
	for (size_t j = 0; j < d->npoints; j++)
		d->points[j].outlier = d->points[j].days < d->fence_low ||
				       d->points[j].days > d->fence_high;
	free(sorted);

	/* rolling quartiles: the closes dated in [day − 27, day] */
	d->rolling = xcalloc(ndays, sizeof(*d->rolling));
	struct fenwick fw;
	fw_init(&fw, n ? (size_t)(vmax - vmin) + 1 : 1);
	size_t in = 0, out = 0;
	int64_t cnt = 0;
	for (size_t t = 0; t < ndays; t++) {
		int32_t day = r->from + (int32_t)t;
		for (; in < n && ps[in].p.date <= day; in++, cnt++)
			fw_add(&fw, (size_t)(ps[in].p.days - vmin), 1);
		for (; out < in && ps[out].p.date < day - (AGG_SCATTER_WINDOW - 1); out++, cnt--)
			fw_add(&fw, (size_t)(ps[out].p.days - vmin), -1);
		struct agg_quartiles *q = &d->rolling[t];
		q->n = cnt;
		q->q1 = cnt ? fw_percentile(&fw, cnt, 0.25, vmin) : NAN;
		q->median = cnt ? fw_percentile(&fw, cnt, 0.5, vmin) : NAN;
		q->q3 = cnt ? fw_percentile(&fw, cnt, 0.75, vmin) : NAN;
	}
	free(fw.t);
	free(ps);
}

struct agg_scatter *agg_scatter(const struct snap *s, const struct agg_range *r, int dept)
{
	if (!agg_range_valid(r) || !dept_ok(s, dept))
		return NULL;
	struct agg_scatter *sc = xcalloc(1, sizeof(*sc));
	int k0 = dept < 0 ? 0 : dept, k1 = dept < 0 ? (int)s->ndepts : dept + 1;
	sc->ndays = (size_t)(r->to - r->from) + 1;
	sc->ndepts = (size_t)(k1 - k0);
	sc->depts = xcalloc(sc->ndepts, sizeof(*sc->depts));
	for (int k = k0; k < k1; k++)
		scatter_dept(s, r, k, sc->ndays, &sc->depts[k - k0]);
	return sc;
}

void agg_scatter_free(struct agg_scatter *sc)
{
	if (!sc)
		return;
	for (size_t k = 0; k < sc->ndepts; k++) {
		free(sc->depts[k].points);
		free(sc->depts[k].rolling);
	}
	free(sc->depts);
	free(sc);
}

/* ======================================================================
 * ---- cumulative flow and throughput
 * ====================================================================== */

struct agg_flow *agg_flow(const struct snap *s, const struct agg_range *r, int dept)
{
	if (!agg_range_valid(r) || !dept_ok(s, dept))
		return NULL;
	int32_t wlo = r->from - 27;
	/* daily counts over [from − 27, to]: the window of the first day too */
	struct agg_range days = { wlo, r->to, r->as_of, AGG_DAY, r->cal };
	/* everything before that, as totals */
	struct agg_range early = { s->first_day, wlo - 1, r->as_of, AGG_MONTH, r->cal };
	int has_early = s->first_day != DATE_NONE && s->first_day <= wlo - 1;
	struct agg_table *td = agg_table_departments(s, &days);
	struct agg_table *tb = agg_table_departments(s, r);
	struct agg_table *te = has_early ? agg_table_departments(s, &early) : NULL;
	if (!td || !tb || (has_early && !te))
		abort(); /* the ranges are valid when r is */

	struct agg_flow *f = xcalloc(1, sizeof(*f));
	f->ndays = (size_t)(r->to - r->from) + 1;
	f->nbuckets = tb->nbuckets;
	f->buckets = xcalloc(f->nbuckets, sizeof(*f->buckets));
	memcpy(f->buckets, tb->buckets, f->nbuckets * sizeof(*f->buckets));
	int k0 = dept < 0 ? 0 : dept, k1 = dept < 0 ? (int)s->ndepts : dept + 1;
	f->ndepts = (size_t)(k1 - k0);
	f->depts = xcalloc(f->ndepts, sizeof(*f->depts));
	for (int k = k0; k < k1; k++) {
		struct agg_flow_dept *d = &f->depts[k - k0];
		const struct agg_metrics *m = td->groups[k].series;
		d->dept = k;
		int64_t arrived = te ? te->groups[k].totals.opened : 0;
		int64_t done = te ? te->groups[k].totals.closed : 0;
		int64_t wo = 0, wc = 0; /* the 28-day window's sums */
		d->days = xcalloc(f->ndays, sizeof(*d->days));
		for (size_t i = 0; i < td->nbuckets; i++) {
			arrived += m[i].opened;
			done += m[i].closed;
			wo += m[i].opened;
			wc += m[i].closed;
			if (i >= 28) {
				wo -= m[i - 28].opened;
				wc -= m[i - 28].closed;
			}
			if (i == 26) {
				d->base_arrived = arrived;
				d->base_done = done;
			}
			if (i < 27)
				continue;
			struct agg_flow_day *x = &d->days[i - 27];
			x->arrived = arrived;
			x->done = done;
			x->in_progress = m[i].backlog_end;
			x->opened = m[i].opened;
			x->closed = m[i].closed;
			x->opened_ma28 = (double)wo / 28.0;
			x->closed_ma28 = (double)wc / 28.0;
		}
		d->buckets = xcalloc(f->nbuckets, sizeof(*d->buckets));
		for (size_t b = 0; b < f->nbuckets; b++) {
			const struct agg_metrics *mb = &tb->groups[k].series[b];
			d->buckets[b] = (struct agg_flow_bucket){ mb->opened, mb->closed,
								  mb->opened - mb->closed,
								  mb->closes_per_week };
		}
	}
	agg_table_free(td);
	agg_table_free(tb);
	agg_table_free(te);
	return f;
}

void agg_flow_free(struct agg_flow *f)
{
	if (!f)
		return;
	for (size_t k = 0; k < f->ndepts; k++) {
		free(f->depts[k].days);
		free(f->depts[k].buckets);
	}
	free(f->depts);
	free(f->buckets);
	free(f);
}

/* ======================================================================
 * ---- Monte Carlo forecast
 * ====================================================================== */

static int i64_cmp(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return x < y ? -1 : x > y;
}

/* ceil(level% of the trials) */
static size_t share_of_trials(int level)
{
	return ((size_t)level * AGG_FORECAST_TRIALS + 99) / 100;
}

void agg_forecast_run(const int64_t *hist, size_t n, int32_t days, int64_t items, uint64_t seed,
		      struct agg_forecast *out)
{
	const size_t T = AGG_FORECAST_TRIALS;
	memset(out, 0, sizeof(*out));
	for (size_t i = 0; i < n; i++)
		out->total += hist[i];
	out->mean = n ? (double)out->total / (double)n : NAN;
	int64_t *v = xcalloc(T, sizeof(*v));
	struct rng g;
	rng_seed(&g, seed);
	/* how many in `days` days */
	for (size_t t = 0; t < T; t++) {
		int64_t sum = 0;
		for (int32_t d = 0; d < days && n; d++)
			sum += hist[rng_below(&g, n)];
		v[t] = sum;
	}
	qsort(v, T, sizeof(*v), i64_cmp);
	for (int l = 0; l < AGG_FORECAST_NLEVELS; l++)
		out->at_least[l] = v[T - share_of_trials(agg_forecast_levels[l])];
	/* days until `items` are done; horizon + 1 = not within the horizon */
	for (size_t t = 0; t < T; t++) {
		int64_t done = 0;
		int32_t d = 0;
		while (done < items && d < AGG_FORECAST_HORIZON && n) {
			done += hist[rng_below(&g, n)];
			d++;
		}
		v[t] = done >= items ? d : AGG_FORECAST_HORIZON + 1;
	}
	qsort(v, T, sizeof(*v), i64_cmp);
	for (int l = 0; l < AGG_FORECAST_NLEVELS; l++) {
		int64_t x = v[share_of_trials(agg_forecast_levels[l]) - 1];
		out->done_in[l] = x > AGG_FORECAST_HORIZON ? -1 : (int32_t)x;
	}
	free(v);
}

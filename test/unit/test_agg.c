/*
 * test_agg.c - every aggregate of agg.h against a brute force written from
 * SPEC §2/§3 alone.
 *
 * A seeded generator makes a few hundred tickets (several departments and
 * employees, open tickets, same-day closes, rework, overlapping handoffs,
 * tickets opened before `from` and closed after `to`, tickets opened and
 * closed after as_of).  The reference materialises the point-in-time rows
 * day by day (SPEC §2) and aggregates them the slow, obvious way:
 * scanning rows per group and bucket, sorting for percentile_cont,
 * scanning for rolling windows, ranking by counting for Mann–Whitney.
 * Counts must match exactly, reals to 1e-9, nulls (NaN) to nulls.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "agg.h"
#include "config.h"
#include "date.h"
#include "corder.h"
#include "snap.h"
#include "store.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- helpers ---- */

static void real_eq(double got, double want, const char *what)
{
	if (isnan(got) && isnan(want))
		return;
	if (isnan(got) || isnan(want) || fabs(got - want) >= 1e-9) {
		print_error("%s: got %.12g, want %.12g\n", what, got, want);
		fail();
	}
}

static void int_eq(int64_t got, int64_t want, const char *what)
{
	if (got != want) {
		print_error("%s: got %lld, want %lld\n", what, (long long)got, (long long)want);
		fail();
	}
}

static uint64_t rng_state;

static uint64_t rng(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static int rnd(int lo, int hi) /* inclusive */
{
	return lo + (int)(rng() % (uint64_t)(hi - lo + 1));
}

static int int_cmp(const void *a, const void *b)
{
	int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
	return x < y ? -1 : x > y;
}

/* percentile_cont exactly as SPEC §3, over sorted x */
static double pct(const int32_t *x, size_t n, double p)
{
	if (n == 0)
		return NAN;
	double h = (double)(n - 1) * p;
	size_t lo = (size_t)floor(h);
	if (lo + 1 >= n)
		return x[lo];
	return x[lo] + (h - (double)lo) * (x[lo + 1] - x[lo]);
}

static void sort_ints(int32_t *v, size_t n)
{
	if (n)
		qsort(v, n, sizeof(*v), int_cmp);
}

struct vals {
	int32_t *v;
	size_t n, cap;
};

static void vals_push(struct vals *a, int32_t x)
{
	if (a->n == a->cap) {
		a->cap = a->cap ? a->cap * 2 : 64;
		a->v = realloc(a->v, a->cap * sizeof(*a->v));
	}
	a->v[a->n++] = x;
}

/* n, mean, min, q1, p50, q3, p90, max of the values (sorted in place) */
static void check_dist(const struct agg_dist *d, struct vals *a, const char *what)
{
	char w[256];
	sort_ints(a->v, a->n);
	snprintf(w, sizeof(w), "%s n", what);
	int_eq(d->n, (int64_t)a->n, w);
	double sum = 0;
	for (size_t i = 0; i < a->n; i++)
		sum += a->v[i];
	snprintf(w, sizeof(w), "%s mean", what);
	real_eq(d->mean, a->n ? sum / (double)a->n : NAN, w);
	snprintf(w, sizeof(w), "%s min", what);
	real_eq(d->min, a->n ? a->v[0] : NAN, w);
	snprintf(w, sizeof(w), "%s max", what);
	real_eq(d->max, a->n ? a->v[a->n - 1] : NAN, w);
	snprintf(w, sizeof(w), "%s p50", what);
	real_eq(d->p50, pct(a->v, a->n, 0.5), w);
	snprintf(w, sizeof(w), "%s p90", what);
	real_eq(d->p90, pct(a->v, a->n, 0.9), w);
	snprintf(w, sizeof(w), "%s q1", what);
	real_eq(d->q1, pct(a->v, a->n, 0.25), w);
	snprintf(w, sizeof(w), "%s q3", what);
	real_eq(d->q3, pct(a->v, a->n, 0.75), w);
}

/* ---- the data set ---- */

#define ND 4
static const struct snap_dept_in DEPTS[ND] = {
	{ "Sales", 7 }, { "Contract", 3 }, { "Design", 20 }, { "Campaign", 21 },
};
/* deliberately not in (department, name) order; "Ana" twice */
static const struct snap_emp_in EMPS[] = {
	{ "Zoe", 0 }, { "Ana", 0 }, { "Bob", 0 }, { "Cy", 1 }, { "Ana", 1 },
	{ "Dee", 2 }, { "Eve", 2 }, { "Fay", 2 }, { "Gus", 2 }, { "Ida", 3 }, { "Hal", 3 },
};
#define NE (sizeof(EMPS) / sizeof(EMPS[0]))
#define MAXT 2000

struct world {
	struct snap_ticket_in t[MAXT];
	char tid[MAXT][24];
	char cname[MAXT][24];
	size_t n;
	int32_t base;
	struct snap *s;
	/* per input ticket, in snapshot numbering */
	int dept[MAXT], emp[MAXT], creator[MAXT];
	int rework[MAXT];  /* a re-entry: an earlier ticket of the creator in
			    * its department, by (opened, ticket_id) */
};

static struct world W;

static int pick_emp(int dept)
{
	int c[NE], n = 0;
	for (size_t i = 0; i < NE; i++)
		if (EMPS[i].dept == dept)
			c[n++] = (int)i;
	return c[rnd(0, n - 1)];
}

static int duration(void)
{
	int r = rnd(0, 99);
	if (r < 12)
		return 0;             /* same-day close */
	if (r < 22)
		return rnd(35, 90);   /* long: spans whole ranges */
	return rnd(1, 25);
}

static void add_ticket(const char *creator, int emp, int32_t o, int32_t c)
{
	size_t i = W.n++;
	assert_true(W.n <= MAXT);
	snprintf(W.tid[i], sizeof(W.tid[i]), "T%04zu", i * 7919 % 10000); /* not in input order */
	snprintf(W.cname[i], sizeof(W.cname[i]), "%s", creator);
	W.t[i] = (struct snap_ticket_in){ W.tid[i], W.cname[i], emp, o, c };
}

static void gen_world(uint64_t seed)
{
	rng_state = seed;
	W.n = 0;
	W.base = date_from_ymd(2024, 1, 1);
	char name[24];
	for (int c = 0; c < 110; c++) {
		/* mixed case so search must ignore case */
		snprintf(name, sizeof(name), c % 3 ? "Maker-%03d" : "mAKER-%03d", c);
		int32_t day = W.base + rnd(-40, 190);
		for (int k = 0; k < ND; k++) {
			int32_t o = day, c1 = day + duration();
			int open = rnd(0, 99) < 8;
			add_ticket(name, pick_emp(k), o, open ? DATE_NONE : c1);
			if (open)
				break;
			int32_t last = c1;
			if (rnd(0, 99) < 15) { /* rework, sometimes overlapping */
				int32_t o2 = c1 + rnd(-3, 4), c2 = o2 + rnd(0, 8);
				int open2 = rnd(0, 99) < 10;
				add_ticket(name, pick_emp(k), o2, open2 ? DATE_NONE : c2);
				if (open2)
					break;
				if (c2 > last)
					last = c2;
			}
			if (rnd(0, 99) < 10)
				break; /* drop-out */
			day = last + rnd(-2, 6); /* negative: the next stage starts early */
		}
	}
	/* noise: random tickets of random creators, far before and after */
	for (int j = 0; j < 80; j++) {
		snprintf(name, sizeof(name), j % 4 ? "Maker-%03d" : "Solo %02d", rnd(0, 130));
		int32_t o = W.base + rnd(-120, 230);
		int open = rnd(0, 99) < 15;
		add_ticket(name, pick_emp(rnd(0, ND - 1)), o, open ? DATE_NONE : o + duration());
	}
	/* creator-level values as of the first case's as_of: the other cases
	 * take the time-travel path (snap_creator_roll()) */
	W.s = snap_from_arrays(DEPTS, ND, EMPS, NE, W.t, W.n, W.base + 150);
	assert_non_null(W.s);
	assert_int_equal(W.s->nticket, W.n);
	for (size_t i = 0; i < W.n; i++) {
		int e = W.t[i].emp, se = -1;
		for (size_t j = 0; j < W.s->nemps; j++)
			if (W.s->emps[j].dept == EMPS[e].dept && strcmp(W.s->emps[j].name, EMPS[e].name) == 0)
				se = (int)j;
		assert_true(se >= 0);
		W.emp[i] = se;
		W.dept[i] = EMPS[e].dept;
		W.creator[i] = (int)snap_creator_find(W.s, W.cname[i]);
		assert_true(W.creator[i] > 0);
	}
	for (size_t i = 0; i < W.n; i++) {
		W.rework[i] = 0;
		for (size_t j = 0; j < W.n; j++)
			if (j != i && W.creator[j] == W.creator[i] && W.dept[j] == W.dept[i] &&
			    (W.t[j].opened < W.t[i].opened ||
			     (W.t[j].opened == W.t[i].opened && strcmp(W.tid[j], W.tid[i]) < 0)))
				W.rework[i] = 1;
	}
}

/* ---- SPEC §2: point-in-time rows, day by day ---- */

struct row {
	int32_t d;
	int t;                 /* input ticket */
	int initiated, is_open, closed;
	int32_t dtc;           /* -1 = null */
};

struct rows {
	struct row *r;
	size_t n, cap;
	int32_t first;         /* day of day_off[0] */
	size_t *day_off;       /* rows of day d: [day_off[d-first], day_off[d-first+1]) */
	int32_t as_of;
};

static struct rows R;

static void build_rows(int32_t as_of)
{
	free(R.r);
	free(R.day_off);
	memset(&R, 0, sizeof(R));
	R.as_of = as_of;
	R.first = W.base - 400;
	size_t ndays = (size_t)(as_of - R.first) + 1;
	R.day_off = calloc(ndays + 1, sizeof(*R.day_off));
	for (int32_t d = R.first; d <= as_of; d++) {
		R.day_off[d - R.first] = R.n;
		for (size_t t = 0; t < W.n; t++) {
			int32_t o = W.t[t].opened, c = W.t[t].closed;
			int32_t last = c != DATE_NONE ? c : as_of;
			if (d < o || d > last)
				continue;
			if (R.n == R.cap) {
				R.cap = R.cap ? R.cap * 2 : 4096;
				R.r = realloc(R.r, R.cap * sizeof(*R.r));
			}
			R.r[R.n++] = (struct row){
				d, (int)t, d == o, c == DATE_NONE || d < c, d == c, d == c ? c - o : -1
			};
		}
	}
	R.day_off[ndays] = R.n;
}

#define ROWS_OF(d, rp) \
	for (const struct row *rp = R.r + R.day_off[(d) - R.first]; \
	     rp < R.r + R.day_off[(d) - R.first + 1]; rp++)

/* group: emp >= 0 one employee (snapshot index); else dept >= 0; else all */
static int in_group(int t, int dept, int emp)
{
	if (emp >= 0)
		return W.emp[t] == emp;
	if (dept >= 0)
		return W.dept[t] == dept;
	return 1;
}

/* Buckets by walking the days: a new one starts on `from`, on a Monday
 * (week) or on the 1st (month). */
static size_t brute_buckets(int32_t from, int32_t to, enum agg_bucket b, struct agg_span *out)
{
	size_t n = 0;
	for (int32_t d = from; d <= to; d++) {
		int y, m, dd;
		date_to_ymd(d, &y, &m, &dd);
		int starts = d == from || b == AGG_DAY || (b == AGG_WEEK && date_weekday(d) == 0) ||
			(b == AGG_MONTH && dd == 1);
		if (starts)
			out[n++].start = d;
		out[n - 1].end = d;
	}
	return n;
}

struct bm {
	int64_t opened, closed, backlog_end, open_sum, hits, rework;
	struct vals lt;
};

static void brute_metrics(int dept, int emp, int32_t a, int32_t b, struct bm *x)
{
	memset(x, 0, sizeof(*x));
	for (int32_t d = a; d <= b; d++) {
		ROWS_OF(d, rp) {
			if (!in_group(rp->t, dept, emp))
				continue;
			x->opened += rp->initiated;
			x->rework += rp->initiated && W.rework[rp->t];
			x->closed += rp->closed;
			x->open_sum += rp->is_open;
			if (d == b)
				x->backlog_end += rp->is_open;
			if (rp->closed) {
				vals_push(&x->lt, rp->dtc);
				x->hits += rp->dtc <= DEPTS[W.dept[rp->t]].sla_days;
			}
		}
	}
}

static void check_metrics(const struct agg_metrics *m, int dept, int emp, int32_t a, int32_t b,
			  const char *what)
{
	struct bm x;
	char w[200];
	brute_metrics(dept, emp, a, b, &x);
	int32_t days = b - a + 1;
	snprintf(w, sizeof(w), "%s opened", what);
	int_eq(m->opened, x.opened, w);
	snprintf(w, sizeof(w), "%s closed", what);
	int_eq(m->closed, x.closed, w);
	snprintf(w, sizeof(w), "%s backlog_end", what);
	int_eq(m->backlog_end, x.backlog_end, w);
	snprintf(w, sizeof(w), "%s days", what);
	int_eq(m->days, days, w);
	snprintf(w, sizeof(w), "%s avg_open", what);
	real_eq(m->avg_open, (double)x.open_sum / days, w);
	snprintf(w, sizeof(w), "%s sla_hit_rate", what);
	real_eq(m->sla_hit_rate, x.closed ? (double)x.hits / (double)x.closed : NAN, w);
	snprintf(w, sizeof(w), "%s closes_per_week", what);
	real_eq(m->closes_per_week, (double)x.closed / (days / 7.0), w);
	snprintf(w, sizeof(w), "%s rework", what);
	int_eq(m->rework, x.rework, w);
	snprintf(w, sizeof(w), "%s rework_rate", what);
	real_eq(m->rework_rate, x.opened ? (double)x.rework / (double)x.opened : NAN, w);
	snprintf(w, sizeof(w), "%s lead_time", what);
	check_dist(&m->lead_time, &x.lt, w);
	if (emp >= 0) {
		struct bm dx;
		brute_metrics(W.s->emps[emp].dept, -1, a, b, &dx);
		snprintf(w, sizeof(w), "%s workload_share", what);
		real_eq(m->workload_share,
			dx.open_sum ? (double)x.open_sum / (double)dx.open_sum : NAN, w);
		free(dx.lt.v);
	} else {
		snprintf(w, sizeof(w), "%s workload_share (dept)", what);
		real_eq(m->workload_share, NAN, w);
	}
	free(x.lt.v);
}

static void check_group(const struct agg_table *t, const struct agg_group *g, const char *what)
{
	char w[160];
	const struct agg_range *r = &t->range;
	snprintf(w, sizeof(w), "%s totals", what);
	check_metrics(&g->totals, g->dept, g->emp, r->from, r->to, w);
	for (size_t b = 0; b < t->nbuckets; b++) {
		snprintf(w, sizeof(w), "%s bucket %zu", what, b);
		check_metrics(&g->series[b], g->dept, g->emp, t->buckets[b].start, t->buckets[b].end, w);
	}
}

static void check_buckets(const struct agg_table *t)
{
	struct agg_span sp[800];
	size_t n = brute_buckets(t->range.from, t->range.to, t->range.bucket, sp);
	int_eq((int64_t)t->nbuckets, (int64_t)n, "bucket count");
	for (size_t b = 0; b < n; b++) {
		int_eq(t->buckets[b].start, sp[b].start, "bucket start");
		int_eq(t->buckets[b].end, sp[b].end, "bucket end");
	}
}

/* employees of dept with at least one row in [from, to], by name */
static size_t brute_dept_emps(int dept, int32_t from, int32_t to, int *out)
{
	size_t n = 0;
	for (size_t e = 0; e < W.s->nemps; e++) {
		if (W.s->emps[e].dept != dept)
			continue;
		int has = 0;
		for (int32_t d = from; d <= to && !has; d++)
			ROWS_OF(d, rp) if (W.emp[rp->t] == (int)e) has = 1;
		if (has)
			out[n++] = (int)e;
	}
	for (size_t i = 1; i < n; i++) /* insertion sort by name */
		for (size_t j = i; j > 0 && strcmp(W.s->emps[out[j - 1]].name, W.s->emps[out[j]].name) > 0; j--) {
			int tmp = out[j];
			out[j] = out[j - 1];
			out[j - 1] = tmp;
		}
	return n;
}

/* ---- scores and flags, from brute-force totals ---- */

static double brute_score_value(int e, int32_t from, int32_t to, int k)
{
	struct bm x, dx;
	brute_metrics(-1, e, from, to, &x);
	brute_metrics(W.s->emps[e].dept, -1, from, to, &dx);
	sort_ints(x.lt.v, x.lt.n);
	int32_t days = to - from + 1;
	double v = NAN, sum = 0;
	for (size_t i = 0; i < x.lt.n; i++)
		sum += x.lt.v[i];
	switch (k) {
	case AGG_SCORE_P50: v = pct(x.lt.v, x.lt.n, 0.5); break;
	case AGG_SCORE_MEAN: v = x.lt.n ? sum / (double)x.lt.n : NAN; break;
	case AGG_SCORE_CLOSED: v = (double)x.closed; break;
	case AGG_SCORE_CLOSES_PER_WEEK: v = (double)x.closed / (days / 7.0); break;
	case AGG_SCORE_SLA: v = x.closed ? (double)x.hits / (double)x.closed : NAN; break;
	case AGG_SCORE_AVG_OPEN: v = (double)x.open_sum / days; break;
	case AGG_SCORE_WORKLOAD_SHARE:
		v = dx.open_sum ? (double)x.open_sum / (double)dx.open_sum : NAN;
		break;
	}
	free(x.lt.v);
	free(dx.lt.v);
	return v;
}

static void check_scores_flags(const struct agg_table *t, const struct agg_thresholds *th)
{
	const struct agg_range *r = &t->range;
	size_t ne = t->ngroups - 1;
	char w[160];
	for (int k = 0; k < AGG_NSCORES; k++) {
		double v[NE], sum = 0, ss = 0;
		size_t n = 0;
		for (size_t j = 0; j < ne; j++) {
			v[j] = brute_score_value(t->groups[1 + j].emp, r->from, r->to, k);
			/* close-based metrics need min_closed closes */
			if (k != AGG_SCORE_AVG_OPEN && k != AGG_SCORE_WORKLOAD_SHARE &&
			    brute_score_value(t->groups[1 + j].emp, r->from, r->to, AGG_SCORE_CLOSED) <
				    (double)th->min_closed)
				v[j] = NAN;
			if (!isnan(v[j])) {
				sum += v[j];
				n++;
			}
		}
		double mean = n ? sum / n : 0;
		for (size_t j = 0; j < ne; j++)
			if (!isnan(v[j]))
				ss += (v[j] - mean) * (v[j] - mean);
		double sd = n ? sqrt(ss / n) : 0;
		for (size_t j = 0; j < ne; j++) {
			double want;
			if (isnan(v[j]))
				want = NAN;
			else if (sd <= 1e-12 * fmax(1, fabs(mean)))
				want = 0;
			else
				want = fmax(-1, fmin(1, (v[j] - mean) / sd * (agg_score_sense[k] < 0 ? -1 : 1)));
			snprintf(w, sizeof(w), "score %s of %s", agg_score_names[k],
				 W.s->emps[t->groups[1 + j].emp].name);
			real_eq(t->groups[1 + j].score[k], want, w);
		}
	}
	/* flags */
	int dept = t->groups[0].dept;
	struct bm dx;
	brute_metrics(dept, -1, r->from, r->to, &dx);
	sort_ints(dx.lt.v, dx.lt.n);
	double dp50 = pct(dx.lt.v, dx.lt.n, 0.5);
	free(dx.lt.v);
	for (size_t j = 0; j < ne; j++) {
		const struct agg_group *g = &t->groups[1 + j];
		struct agg_flag want[3];
		size_t nw = 0;
		double p50 = brute_score_value(g->emp, r->from, r->to, AGG_SCORE_P50);
		double sla = brute_score_value(g->emp, r->from, r->to, AGG_SCORE_SLA);
		double avg = brute_score_value(g->emp, r->from, r->to, AGG_SCORE_AVG_OPEN);
		int enough = brute_score_value(g->emp, r->from, r->to, AGG_SCORE_CLOSED) >=
			     (double)th->min_closed;
		if (enough && !isnan(p50) && !isnan(dp50) && p50 > th->p50_ratio * dp50)
			want[nw++] = (struct agg_flag){ "p50_ratio", p50, th->p50_ratio * dp50 };
		if (enough && !isnan(sla) && sla < th->min_sla_hit_rate)
			want[nw++] = (struct agg_flag){ "min_sla_hit_rate", sla, th->min_sla_hit_rate };
		if (avg > th->max_avg_open)
			want[nw++] = (struct agg_flag){ "max_avg_open", avg, th->max_avg_open };
		int_eq((int64_t)g->nflags, (int64_t)nw, "number of flags");
		for (size_t f = 0; f < nw; f++) {
			assert_string_equal(g->flags[f].rule, want[f].rule);
			real_eq(g->flags[f].value, want[f].value, "flag value");
			real_eq(g->flags[f].limit, want[f].limit, "flag limit");
		}
	}
}

/* ---- creators from the rows: earliest opened, latest closed ---- */

struct cdept {
	int32_t first_open, last_close;
	int n, all_closed;
};

/* creator c, department k, from the rows (all days up to as_of) */
static struct cdept brute_cdept(int c, int k)
{
	struct cdept x = { 0, 0, 0, 1 };
	int have_close = 0;
	for (size_t t = 0; t < W.n; t++) {
		if (W.creator[t] != c || W.dept[t] != k)
			continue;
		int32_t opened = DATE_NONE, closed = DATE_NONE;
		for (size_t i = 0; i < R.n; i++) {
			if (R.r[i].t != (int)t)
				continue;
			if (R.r[i].initiated)
				opened = R.r[i].d;
			if (R.r[i].closed)
				closed = R.r[i].d;
		}
		if (opened == DATE_NONE)
			continue; /* no rows: opened after as_of */
		if (x.n++ == 0 || opened < x.first_open)
			x.first_open = opened;
		if (closed == DATE_NONE) {
			x.all_closed = 0;
		} else if (!have_close || closed > x.last_close) {
			x.last_close = closed;
			have_close = 1;
		}
	}
	return x;
}

/* all creators (by id) × departments, once per as_of */
static struct cdept CD[201][ND];

/* creator ids are 1 .. NCREATORS() */
#define NCREATORS() (W.s->creators->n - 1)

static void build_creators(void)
{
	assert_true(NCREATORS() <= 200);
	for (size_t c = 1; c <= NCREATORS(); c++)
		for (int k = 0; k < ND; k++)
			CD[c][k] = brute_cdept((int)c, k);
}

/* ---- the checks, per range ---- */

static void check_tables(const struct agg_range *r, const char *label)
{
	char w[200];
	struct agg_table *t = agg_table_departments(W.s, r);
	assert_non_null(t);
	check_buckets(t);
	int_eq((int64_t)t->ngroups, ND, "department groups");
	for (int k = 0; k < ND; k++) {
		snprintf(w, sizeof(w), "%s dept %s", label, DEPTS[k].name);
		int_eq(t->groups[k].dept, k, "group dept");
		check_group(t, &t->groups[k], w);
	}
	snprintf(w, sizeof(w), "%s all", label);
	assert_non_null(t->all);
	check_group(t, t->all, w);
	agg_table_free(t);

	struct agg_thresholds th = { 1.3, 0.7, 2.0, 3 };
	for (int k = 0; k < ND; k++) {
		t = agg_table_department(W.s, r, k);
		assert_non_null(t);
		check_buckets(t);
		int want[NE];
		size_t nw = brute_dept_emps(k, r->from, r->to, want);
		int_eq((int64_t)t->ngroups, (int64_t)nw + 1, "employees listed");
		for (size_t j = 0; j < nw; j++)
			int_eq(t->groups[1 + j].emp, want[j], "employee listed");
		for (size_t g = 0; g < t->ngroups; g++) {
			snprintf(w, sizeof(w), "%s dept %s group %zu", label, DEPTS[k].name, g);
			check_group(t, &t->groups[g], w);
		}
		agg_table_evaluate(t, &th);
		check_scores_flags(t, &th);
		agg_table_free(t);
	}
	if (r->bucket != AGG_WEEK)
		return; /* the employee view: once per range is enough */
	for (size_t e = 0; e < W.s->nemps; e++) {
		t = agg_table_employee(W.s, r, (int)e);
		assert_non_null(t);
		int_eq((int64_t)t->ngroups, 2, "employee table groups");
		snprintf(w, sizeof(w), "%s employee %zu", label, e);
		check_group(t, &t->groups[0], w);
		check_group(t, &t->groups[1], w);
		agg_table_free(t);
	}
}

static void check_weekday(const struct agg_range *r)
{
	int64_t got[ND * 7], want[ND * 7] = { 0 };
	agg_weekday_profile(W.s, r, got);
	for (int32_t d = r->from; d <= r->to; d++)
		ROWS_OF(d, rp) if (rp->initiated) want[W.dept[rp->t] * 7 + date_weekday(d)]++;
	for (int i = 0; i < ND * 7; i++)
		int_eq(got[i], want[i], "weekday profile");
}

static void check_trend_hist(const struct agg_range *r)
{
	for (int g = -ND; g < (int)W.s->nemps; g++) {
		int dept = g < 0 ? g + ND : -1, emp = g < 0 ? -1 : g;
		int64_t n = 0, sx = 0, sy = 0, sxx = 0, sxy = 0, syy = 0;
		int64_t hist[400] = { 0 };
		for (int32_t d = r->from; d <= r->to; d++) {
			ROWS_OF(d, rp) {
				if (!rp->closed || !in_group(rp->t, dept, emp))
					continue;
				int64_t x = d - r->from, y = rp->dtc;
				n++, sx += x, sy += y, sxx += x * x, sxy += x * y, syy += y * y;
				hist[y]++;
			}
		}
		struct agg_trend tr;
		assert_int_equal(agg_trend(W.s, r, dept, emp, &tr), 0);
		int_eq(tr.n, n, "trend n");
		double dx = (double)(n * sxx - sx * sx), dy = (double)(n * syy - sy * sy);
		double nxy = (double)(n * sxy - sx * sy);
		double slope = NAN, icpt = NAN, r2 = NAN;
		if (n >= 3 && dx > 0) {
			slope = nxy / dx;
			icpt = ((double)sy - slope * (double)sx) / (double)n;
			r2 = dy > 0 ? nxy * nxy / (dx * dy) : NAN;
		}
		real_eq(tr.slope_per_week, slope * 7, "trend slope");
		real_eq(tr.intercept, icpt, "trend intercept");
		real_eq(tr.r2, r2, "trend r2");

		struct agg_hist_bin *bins;
		long nb = agg_histogram(W.s, r, dept, emp, &bins);
		long j = 0;
		for (int v = 0; v < 400; v++) {
			if (!hist[v])
				continue;
			assert_true(j < nb);
			int_eq(bins[j].days, v, "histogram days");
			int_eq(bins[j].count, hist[v], "histogram count");
			j++;
		}
		int_eq(nb, j, "histogram bins");
		free(bins);
	}
}

/* end-to-end values (date, value) from the creator summaries */
static size_t brute_e2e(int32_t *date, int32_t *value)
{
	size_t n = 0;
	for (size_t c = 1; c <= NCREATORS(); c++) {
		if (!CD[c][0].n || !CD[c][ND - 1].n)
			continue;
		date[n] = CD[c][ND - 1].first_open;
		value[n] = CD[c][ND - 1].first_open - CD[c][0].first_open;
		n++;
	}
	return n;
}

static void check_e2e(const struct agg_range *r)
{
	int32_t date[200], value[200];
	size_t n = brute_e2e(date, value);
	struct agg_e2e *e = agg_end_to_end(W.s, r);
	assert_non_null(e);
	struct vals all = { 0 };
	for (size_t i = 0; i < n; i++)
		if (date[i] >= r->from && date[i] <= r->to)
			vals_push(&all, value[i]);
	check_dist(&e->totals, &all, "e2e totals");
	free(all.v);
	for (size_t b = 0; b < e->nbuckets; b++) {
		struct vals v = { 0 };
		for (size_t i = 0; i < n; i++)
			if (date[i] >= e->buckets[b].start && date[i] <= e->buckets[b].end)
				vals_push(&v, value[i]);
		check_dist(&e->series[b], &v, "e2e bucket");
		free(v.v);
	}
	int_eq((int64_t)e->ndays, r->to - r->from + 1, "rolling days");
	for (int32_t d = r->from; d <= r->to; d++) {
		double sum = 0;
		int cnt = 0;
		for (size_t i = 0; i < n; i++)
			if (date[i] >= d - 27 && date[i] <= d)
				sum += value[i], cnt++;
		real_eq(e->rolling[d - r->from], cnt ? sum / cnt : NAN, "rolling_28d");
	}
	agg_e2e_free(e);
}

/* stage / wait values of department k with their dates */
static size_t brute_stage_vals(int k, int wait, int32_t *date, int32_t *value)
{
	size_t n = 0;
	for (size_t c = 1; c <= NCREATORS(); c++) {
		const struct cdept *x = &CD[c][k];
		if (!wait) {
			if (x->n && x->all_closed) {
				date[n] = x->last_close;
				value[n++] = x->last_close - x->first_open;
			}
		} else if (k > 0) {
			const struct cdept *p = &CD[c][k - 1];
			if (x->n && p->n && p->all_closed) {
				date[n] = x->first_open > p->last_close ? x->first_open : p->last_close;
				value[n++] = x->first_open - p->last_close;
			}
		}
	}
	return n;
}

static void check_stages(const struct agg_range *r)
{
	struct agg_stages *st = agg_stages(W.s, r);
	assert_non_null(st);
	int32_t date[300], value[300];
	double p50[ND][2];
	for (int k = 0; k < ND; k++) {
		for (int wait = 0; wait < 2; wait++) {
			size_t n = brute_stage_vals(k, wait, date, value);
			const struct agg_dist *tot = wait ? &st->depts[k].wait : &st->depts[k].stage;
			struct vals v = { 0 };
			for (size_t i = 0; i < n; i++)
				if (date[i] >= r->from && date[i] <= r->to)
					vals_push(&v, value[i]);
			check_dist(tot, &v, wait ? "wait totals" : "stage totals");
			p50[k][wait] = v.n ? pct(v.v, v.n, 0.5) : NAN;
			free(v.v);
			for (size_t b = 0; b < st->nbuckets; b++) {
				struct vals vb = { 0 };
				for (size_t i = 0; i < n; i++)
					if (date[i] >= st->buckets[b].start && date[i] <= st->buckets[b].end)
						vals_push(&vb, value[i]);
				check_dist(wait ? &st->depts[k].wait_series[b] : &st->depts[k].stage_series[b],
					   &vb, wait ? "wait bucket" : "stage bucket");
				free(vb.v);
			}
		}
	}
	/* p50 share: of the sum of medians on the end-to-end path */
	double total = 0;
	for (int k = 0; k < ND; k++) {
		if (k < ND - 1 && !isnan(p50[k][0]))
			total += p50[k][0];
		if (k > 0 && !isnan(p50[k][1]))
			total += p50[k][1];
	}
	int best = -1;
	for (int k = 0; k < ND; k++) {
		double want = k < ND - 1 && !isnan(p50[k][0]) && total != 0 ? p50[k][0] / total : NAN;
		real_eq(st->depts[k].p50_share, want, "p50_share");
		if (k < ND - 1 && !isnan(p50[k][0]) && (best < 0 || p50[k][0] > p50[best][0]))
			best = k;
	}
	int_eq(st->bottleneck, best, "bottleneck");
	agg_stages_free(st);
}

static void check_compare(const struct agg_range *a, const struct agg_range *b)
{
	struct agg_compare *c = agg_compare(W.s, a, b);
	assert_non_null(c);
	for (int k = 0; k < ND; k++) {
		struct vals va = { 0 }, vb = { 0 };
		for (int32_t d = a->from; d <= a->to; d++)
			ROWS_OF(d, rp) if (rp->closed && W.dept[rp->t] == k) vals_push(&va, rp->dtc);
		for (int32_t d = b->from; d <= b->to; d++)
			ROWS_OF(d, rp) if (rp->closed && W.dept[rp->t] == k) vals_push(&vb, rp->dtc);
		/* U by counting, ranks as average positions */
		double p = NAN;
		size_t n1 = va.n, n2 = vb.n, n = n1 + n2;
		if (n1 >= 5 && n2 >= 5) {
			double ra = 0, ties = 0;
			for (size_t i = 0; i < n1; i++) {
				double less = 0, eq = 0;
				for (size_t j = 0; j < n1; j++)
					less += va.v[j] < va.v[i], eq += va.v[j] == va.v[i];
				for (size_t j = 0; j < n2; j++)
					less += vb.v[j] < va.v[i], eq += vb.v[j] == va.v[i];
				ra += less + (eq + 1) / 2;
			}
			/* Σ t³ − t over the distinct values of both samples */
			for (int v = 0; v < 400; v++) {
				double t = 0;
				for (size_t j = 0; j < n1; j++)
					t += va.v[j] == v;
				for (size_t j = 0; j < n2; j++)
					t += vb.v[j] == v;
				ties += t * t * t - t;
			}
			double u = ra - n1 * (n1 + 1) / 2.0;
			double var = n1 * n2 / 12.0 * ((n + 1) - ties / ((double)n * (n - 1)));
			p = var <= 0 ? 1.0 : erfc(fabs((u - n1 * n2 / 2.0) / sqrt(var)) / sqrt(2.0));
		}
		real_eq(c->depts[k].p_value, p, "p_value");
		check_dist(&c->depts[k].a, &va, "compare a");
		check_dist(&c->depts[k].b, &vb, "compare b");
		real_eq(c->depts[k].change_p50, pct(vb.v, vb.n, 0.5) - pct(va.v, va.n, 0.5), "change p50");
		free(va.v);
		free(vb.v);
	}
	agg_compare_free(c);
}

/* ---- leaderboard ---- */

struct lbe {
	int emp;
	double value, sortv;
	int64_t closed;
};

static void check_board(const struct agg_lb_entry *got, size_t ngot, struct lbe *c, size_t nc,
			size_t size)
{
	/* selection by repeated minimum: value, then name, then index */
	for (size_t i = 0; i < nc; i++)
		for (size_t j = i + 1; j < nc; j++) {
			int sw = c[j].sortv < c[i].sortv ||
				(c[j].sortv == c[i].sortv &&
				 (strcmp(W.s->emps[c[j].emp].name, W.s->emps[c[i].emp].name) < 0 ||
				  (strcmp(W.s->emps[c[j].emp].name, W.s->emps[c[i].emp].name) == 0 &&
				   c[j].emp < c[i].emp)));
			if (sw) {
				struct lbe tmp = c[i];
				c[i] = c[j];
				c[j] = tmp;
			}
		}
	size_t n = nc < size ? nc : size;
	int_eq((int64_t)ngot, (int64_t)n, "board length");
	for (size_t i = 0; i < n; i++) {
		int_eq(got[i].emp, c[i].emp, "board employee");
		real_eq(got[i].value, c[i].value, "board value");
		int_eq(got[i].closed, c[i].closed, "board closed");
		/* standard competition ranking: 1 + the candidates strictly better */
		int64_t better = 0;
		for (size_t j = 0; j < nc; j++)
			better += c[j].sortv < c[i].sortv;
		int_eq(got[i].rank, better + 1, "board rank");
	}
}

static void check_leaderboard(int32_t as_of, size_t size, int64_t min_closed, int *nonempty)
{
	struct agg_leaderboard *lb = agg_leaderboard(W.s, as_of, size, min_closed);
	assert_non_null(lb);
	int32_t ws = as_of;
	while (date_weekday(ws) != 0)
		ws--;
	const struct agg_lb_period *per[2] = { &lb->day, &lb->week };
	int32_t start[2] = { as_of - 1, ws - 7 }, end[2] = { as_of - 1, ws - 1 };
	for (int p = 0; p < 2; p++) {
		int_eq(per[p]->start, start[p], "period start");
		int_eq(per[p]->end, end[p], "period end");
		for (int k = 0; k < ND; k++) {
			struct lbe c[3][NE];
			size_t nc[3] = { 0, 0, 0 };
			for (size_t e = 0; e < W.s->nemps; e++) {
				if (W.s->emps[e].dept != k)
					continue;
				struct vals v = { 0 };
				int64_t hits = 0;
				for (int32_t d = start[p]; d <= end[p]; d++)
					ROWS_OF(d, rp) if (rp->closed && W.emp[rp->t] == (int)e) {
						vals_push(&v, rp->dtc);
						hits += rp->dtc <= DEPTS[k].sla_days;
					}
				sort_ints(v.v, v.n);
				int64_t n = (int64_t)v.n;
				if (n >= 1)
					c[0][nc[0]++] = (struct lbe){ (int)e, (double)n, -(double)n, n };
				if (n >= min_closed && n >= 1) {
					double p50 = pct(v.v, v.n, 0.5), sla = (double)hits / (double)n;
					c[1][nc[1]++] = (struct lbe){ (int)e, p50, p50, n };
					/* nobody at 0% is among the best within SLA */
					if (hits > 0)
						c[2][nc[2]++] = (struct lbe){ (int)e, sla, -sla, n };
				}
				free(v.v);
			}
			for (int b = 0; b < 3; b++) {
				check_board(per[p]->depts[k].board[b], per[p]->depts[k].n[b], c[b], nc[b], size);
				*nonempty += per[p]->depts[k].n[b] > 0;
			}
		}
	}
	agg_leaderboard_free(lb);
}

/* ---- creators: timeline and search ---- */

static int tl_order(const void *pa, const void *pb)
{
	int a = *(const int *)pa, b = *(const int *)pb;
	if (W.dept[a] != W.dept[b])
		return W.dept[a] - W.dept[b];
	if (W.t[a].opened != W.t[b].opened)
		return W.t[a].opened < W.t[b].opened ? -1 : 1;
	return strcmp(W.tid[a], W.tid[b]);
}

static int identities;

static void check_timelines(void)
{
	for (size_t c = 1; c <= NCREATORS(); c++) {
		struct agg_timeline *t = agg_timeline(W.s, (int64_t)c, R.as_of);
		assert_non_null(t);
		int want[MAXT];
		size_t n = 0;
		for (size_t i = 0; i < W.n; i++)
			if (W.creator[i] == (int)c && W.t[i].opened <= R.as_of)
				want[n++] = (int)i;
		qsort(want, n, sizeof(*want), tl_order);
		int_eq((int64_t)t->ntickets, (int64_t)n, "timeline tickets");
		for (size_t j = 0; j < n; j++) {
			const struct agg_tl_ticket *x = &t->tickets[j];
			int i = want[j];
			assert_string_equal(x->ticket_id, W.tid[i]);
			int_eq(x->dept, W.dept[i], "timeline dept");
			int_eq(x->emp, W.emp[i], "timeline emp");
			int_eq(x->opened, W.t[i].opened, "timeline opened");
			int32_t cl = W.t[i].closed != DATE_NONE && W.t[i].closed <= R.as_of
				? W.t[i].closed : DATE_NONE;
			int_eq(x->closed, cl, "timeline closed");
		}
		size_t ns = 0;
		for (int k = 0; k < ND; k++) {
			const struct cdept *x = &CD[c][k];
			if (!x->n)
				continue;
			assert_true(ns < t->nstages);
			const struct agg_tl_stage *g = &t->stages[ns++];
			int_eq(g->dept, k, "stage dept");
			int_eq(g->start, x->first_open, "stage start");
			int_eq(g->end, x->all_closed ? x->last_close : DATE_NONE, "stage end");
			real_eq(g->days, x->all_closed ? x->last_close - x->first_open : NAN, "stage days");
			double wb = NAN;
			if (k > 0 && CD[c][k - 1].n && CD[c][k - 1].all_closed)
				wb = x->first_open - CD[c][k - 1].last_close;
			real_eq(g->wait_before, wb, "wait before");
			int_eq((int64_t)g->ntickets, x->n, "stage tickets");
		}
		int_eq((int64_t)t->nstages, (int64_t)ns, "timeline stages");
		int has = CD[c][0].n && CD[c][ND - 1].n;
		/* SPEC §3: before the last stage, Σ stage times + Σ waits = e2e */
		int whole = has;
		for (int k = 0; k < ND - 1; k++)
			whole = whole && CD[c][k].n && CD[c][k].all_closed;
		if (whole) {
			double sum = 0;
			for (int k = 0; k < ND; k++)
				sum += (k < ND - 1 ? t->stages[k].days : 0) + (k > 0 ? t->stages[k].wait_before : 0);
			real_eq(sum, t->end_to_end, "stages + waits = end-to-end");
			identities++;
		}
		real_eq(t->end_to_end, has ? CD[c][ND - 1].first_open - CD[c][0].first_open : NAN,
			"timeline e2e");
		int_eq(t->campaign_start, has ? CD[c][ND - 1].first_open : DATE_NONE, "campaign start");
		agg_timeline_free(t);
	}
}

static int name_order(const void *pa, const void *pb)
{
	return strcmp(snap_creator_name(W.s, (uint32_t)*(const int *)pa),
		      snap_creator_name(W.s, (uint32_t)*(const int *)pb));
}

static int contains_lower(const char *hay, const char *q)
{
	char h[64], n[64];
	size_t i;
	for (i = 0; hay[i] && i < 63; i++)
		h[i] = (char)(hay[i] >= 'A' && hay[i] <= 'Z' ? hay[i] + 32 : hay[i]);
	h[i] = 0;
	for (i = 0; q[i] && i < 63; i++)
		n[i] = (char)(q[i] >= 'A' && q[i] <= 'Z' ? q[i] + 32 : q[i]);
	n[i] = 0;
	return strstr(h, n) != NULL;
}

static void check_search(const char *q, size_t limit)
{
	int want[200];
	size_t n = 0;
	for (size_t c = 1; c <= NCREATORS(); c++) {
		int visible = 0;
		for (int k = 0; k < ND; k++)
			visible += CD[c][k].n;
		if (visible && contains_lower(snap_creator_name(W.s, (uint32_t)c), q))
			want[n++] = (int)c;
	}
	qsort(want, n, sizeof(*want), name_order);
	struct agg_creator_hit hits[200];
	size_t total = 0;
	size_t got = agg_creator_search(W.s, q, R.as_of, limit, hits, &total);
	int_eq((int64_t)total, (int64_t)n, "search total");
	int_eq((int64_t)got, (int64_t)(n < limit ? n : limit), "search hits");
	for (size_t j = 0; j < got; j++) {
		int c = want[j];
		int_eq(hits[j].creator, c, "search order");
		int64_t nt = 0;
		int32_t first = DATE_NONE, last = DATE_NONE;
		for (size_t i = 0; i < R.n; i++) {
			const struct row *rp = &R.r[i];
			if (W.creator[rp->t] != c || !(rp->initiated || rp->closed))
				continue;
			nt += rp->initiated;
			if (rp->initiated && (first == DATE_NONE || rp->d < first))
				first = rp->d;
			if (rp->d > last)
				last = rp->d;
		}
		int_eq(hits[j].tickets, nt, "search tickets");
		int_eq(hits[j].first_opened, first, "search first_opened");
		int_eq(hits[j].last_activity, last, "search last_activity");
	}
}

/* ---- tests ---- */

static void test_random_world(void **state)
{
	(void)state;
	gen_world(20240611);
	int32_t b = W.base;
	/* two as_of days; ranges before, across and up to as_of, one day long,
	 * and starting mid-week and mid-month */
	struct { int32_t as_of, from, to; } cases[] = {
		{ b + 150, b + 20, b + 80 },  { b + 150, b - 40, b + 10 },
		{ b + 150, b + 100, b + 150 }, { b + 150, b + 50, b + 50 },
		{ b + 150, b + 3, b + 140 },  { b + 100, b + 17, b + 100 },
		{ b + 100, b - 130, b - 60 },
	};
	int lb_nonempty = 0;
	int32_t last_as_of = DATE_NONE;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (cases[i].as_of != last_as_of) {
			build_rows(cases[i].as_of);
			build_creators();
			last_as_of = cases[i].as_of;
			check_timelines();
			check_search("", 500);
			check_search("", 7);
			check_search("maker-01", 3);
			check_search("KER-1", 100);
			check_search("solo", 100);
			check_search("zzz", 5);
			for (int32_t d = last_as_of - 12; d <= last_as_of; d++)
				check_leaderboard(d, 2, 2, &lb_nonempty);
			check_leaderboard(last_as_of, 10, 1, &lb_nonempty);
		}
		for (int bk = AGG_DAY; bk <= AGG_MONTH; bk++) {
			struct agg_range r = { cases[i].from, cases[i].to, cases[i].as_of,
					       (enum agg_bucket)bk, NULL };
			char label[64];
			snprintf(label, sizeof(label), "case %zu bucket %d", i, bk);
			check_tables(&r, label);
			check_e2e(&r);
			check_stages(&r);
		}
		struct agg_range r = { cases[i].from, cases[i].to, cases[i].as_of, AGG_WEEK, NULL };
		check_weekday(&r);
		check_trend_hist(&r);
		struct agg_range a = { cases[i].from - 30, cases[i].from - 1, cases[i].as_of, AGG_WEEK, NULL };
		check_compare(&a, &r);
		check_compare(&r, &r);
	}
	assert_true(lb_nonempty > 10); /* the boards were not all empty */
	assert_true(identities > 20);
	snap_put(W.s);
	free(R.r);
	free(R.day_off);
	memset(&R, 0, sizeof(R));
}

/* The data set must exercise what the spec's edge cases are about. */
static void test_world_has_edge_cases(void **state)
{
	(void)state;
	gen_world(20240611);
	int32_t from = W.base + 20, to = W.base + 80, as_of = W.base + 150;
	int same_day = 0, open = 0, spans = 0, after_open = 0, after_close = 0, rework = 0;
	for (size_t i = 0; i < W.n; i++) {
		int32_t o = W.t[i].opened, c = W.t[i].closed;
		rework += W.rework[i];
		same_day += c == o;
		open += c == DATE_NONE;
		spans += o < from && (c == DATE_NONE || c > to);
		after_open += o > as_of;
		after_close += c != DATE_NONE && o <= as_of && c > as_of;
	}
	assert_true(W.n >= 300);
	assert_true(same_day >= 10 && open >= 10 && spans >= 10);
	assert_true(after_open >= 5 && after_close >= 5);
	assert_true(rework >= 20);
	snap_put(W.s);
}

/* percentile_cont: x = 1, 2, 3, 4 -> p50: h = 1.5 -> 2 + 0.5 = 2.5;
 * p90: h = 2.7 -> 3 + 0.7 = 3.7; one value -> that value. */
static void test_percentile_example(void **state)
{
	(void)state;
	double x[] = { 1, 2, 3, 4 };
	real_eq(agg_percentile(x, 4, 0.5), 2.5, "p50");
	real_eq(agg_percentile(x, 4, 0.9), 3.7, "p90");
	real_eq(agg_percentile(x, 4, 0), 1, "p0");
	real_eq(agg_percentile(x, 4, 1), 4, "p100");
	real_eq(agg_percentile(x, 1, 0.9), 1, "single");
	real_eq(agg_percentile(x, 0, 0.5), NAN, "empty");

	/* the same through a snapshot: four tickets closed after 1..4 days,
	 * plus a same-day close and one still open */
	struct snap_dept_in d[] = { { "Only", 2 } };
	struct snap_emp_in e[] = { { "Ann", 0 } };
	int32_t b = date_from_ymd(2025, 3, 3); /* a Monday */
	struct snap_ticket_in t[] = {
		{ "a", "C1", 0, b, b + 1 }, { "b", "C2", 0, b, b + 2 }, { "c", "C3", 0, b, b + 3 },
		{ "d", "C4", 0, b, b + 4 }, { "e", "C5", 0, b + 5, b + 5 }, { "f", "C6", 0, b + 1, DATE_NONE },
	};
	struct snap *s = snap_from_arrays(d, 1, e, 1, t, 6, b + 10);
	assert_non_null(s);
	struct agg_range r = { b, b + 4, b + 10, AGG_WEEK, NULL };
	struct agg_table *tb = agg_table_departments(s, &r);
	const struct agg_metrics *m = &tb->groups[0].totals;
	int_eq(m->closed, 4, "closed");
	real_eq(m->lead_time.p50, 2.5, "p50");
	real_eq(m->lead_time.p90, 3.7, "p90");
	real_eq(m->sla_hit_rate, 0.5, "sla (<= 2 days)");
	/* is_open per day b..b+4: 4, 4 (f opens, a closes), 3, 2, 1 */
	int_eq(m->open_sum, 4 + 4 + 3 + 2 + 1, "open_sum");
	int_eq(m->backlog_end, 1, "backlog_end");
	real_eq(m->closes_per_week, 4 / (5 / 7.0), "closes_per_week");
	agg_table_free(tb);
	/* the same-day close: one row, initiated and closed, not open */
	r = (struct agg_range){ b + 5, b + 5, b + 10, AGG_DAY, NULL };
	tb = agg_table_departments(s, &r);
	m = &tb->groups[0].totals;
	int_eq(m->opened, 1, "same day opened");
	int_eq(m->closed, 1, "same day closed");
	int_eq(m->open_sum, 1, "only f is open");
	real_eq(m->lead_time.max, 0, "same day days_to_close");
	agg_table_free(tb);
	snap_put(s);
}

/*
 * Mann–Whitney by hand.
 * 1) a = 1..5, b = 6..10: R_a = 15, U = 15 − 15 = 0, μ = 12.5, no ties,
 *    σ² = 5·5/12 · 11 = 22.91667, z = −12.5/4.787136 = −2.611165,
 *    p = erfc(2.611165/√2) = 0.009023438818080.
 * 2) a = 1 2 2 3 5, b = 2 4 4 6 7: pooled order 1 2 2 2 3 4 4 5 6 7, ranks
 *    1, 3 3 3, 5, 6.5 6.5, 8, 9, 10; R_a = 1+3+3+5+8 = 20, U = 5;
 *    ties Σt³−t = (27−3) + (8−2) = 30; σ² = 25/12 · (11 − 30/90) = 22.2222;
 *    z = −7.5/4.714045 = −1.590990, |z|/√2 = 1.125 exactly,
 *    p = erfc(1.125) = 0.111611768298292.
 * 3) four values on a side: null.  All equal: σ² = 0, p = 1.
 */
static void test_mann_whitney(void **state)
{
	(void)state;
	double a1[] = { 5, 3, 1, 4, 2 }, b1[] = { 10, 6, 8, 7, 9 };
	real_eq(agg_mann_whitney_p(a1, 5, b1, 5), 0.009023438818080334, "no ties");
	real_eq(agg_mann_whitney_p(b1, 5, a1, 5), 0.009023438818080334, "symmetric");
	double a2[] = { 1, 2, 2, 3, 5 }, b2[] = { 2, 4, 4, 6, 7 };
	real_eq(agg_mann_whitney_p(a2, 5, b2, 5), 0.11161176829829222, "ties");
	real_eq(agg_mann_whitney_p(a2, 4, b2, 5), NAN, "n < 5");
	double c[] = { 3, 3, 3, 3, 3 };
	real_eq(agg_mann_whitney_p(c, 5, c, 5), 1.0, "all equal");
}

/* Buckets of a range cut at both ends; ISO weeks start on Monday. */
static void test_buckets(void **state)
{
	(void)state;
	int32_t from = date_from_ymd(2025, 1, 30), to = date_from_ymd(2025, 3, 4); /* Thu .. Tue */
	struct agg_range r = { from, to, to, AGG_MONTH, NULL };
	struct agg_span *sp;
	size_t n = agg_buckets(&r, &sp);
	int_eq((int64_t)n, 3, "months");
	int_eq(sp[0].start, from, "cut start");
	int_eq(sp[0].end, date_from_ymd(2025, 1, 31), "jan end");
	int_eq(sp[1].end, date_from_ymd(2025, 2, 28), "feb end");
	int_eq(sp[2].end, to, "cut end");
	free(sp);
	r.bucket = AGG_WEEK;
	n = agg_buckets(&r, &sp);
	int_eq(sp[0].end, date_from_ymd(2025, 2, 2), "first week ends Sunday");
	int_eq(sp[1].start, date_from_ymd(2025, 2, 3), "weeks start Monday");
	int_eq(sp[n - 1].start, date_from_ymd(2025, 3, 3), "last week");
	int_eq(sp[n - 1].end, to, "last week cut");
	int_eq((int64_t)n, (int64_t)agg_bucket_count(&r), "count");
	free(sp);
}

static void test_snap_lookups(void **state)
{
	(void)state;
	gen_world(7);
	const struct snap *s = W.s;
	assert_int_equal(snap_dept_find(s, "Design"), 2);
	assert_int_equal(snap_dept_find(s, "design"), -1);
	assert_int_equal(snap_creator_find(s, "nobody"), -1);
	for (size_t e = 0; e < s->nemps; e++)
		assert_int_equal(snap_emp_find(s, s->emps[e].store_id), (int)e);
	/* employees by (department, name), tickets by creator runs */
	for (size_t e = 1; e < s->nemps; e++)
		assert_true(s->emps[e - 1].dept < s->emps[e].dept ||
			    (s->emps[e - 1].dept == s->emps[e].dept &&
			     strcmp(s->emps[e - 1].name, s->emps[e].name) < 0));
	/* every ticket is in its creator's list, once */
	size_t listed = 0;
	for (uint32_t c = 1; c < s->creators->n; c++) {
		const struct snap_cr *cr = snap_creator(s, c);
		assert_non_null(cr);
		size_t n = 0;
		for (uint32_t i = cr->head; i; i = snap_ticket(s, i)->next, n++)
			int_eq(snap_ticket(s, i)->creator, c, "creator list");
		int_eq((int64_t)n, cr->ntickets, "list length");
		listed += n;
	}
	int_eq((int64_t)listed, (int64_t)s->nticket, "every ticket listed");
	/* the name order holds every creator once, ascending */
	size_t seen = 0;
	const char *prev = NULL;
	for (size_t k = 0; k < s->order->nchunks; k++)
		for (uint32_t j = 0; j < s->order->c[k]->n; j++, seen++) {
			const struct corder_ent *x = &s->order->c[k]->e[j];
			assert_true(!prev || strcmp(prev, x->name) < 0);
			prev = x->name;
			int_eq(snap_creator_find(s, x->name), x->id, "find by name");
		}
	int_eq((int64_t)seen, (int64_t)(s->creators->n - 1), "order size");
	snap_put(W.s);

	struct snap_dept_in d[] = { { "X", 1 } };
	struct snap_emp_in e[] = { { "A", 0 } };
	struct snap_ticket_in bad[] = { { "t", "c", 3, 10, 11 } };
	assert_null(snap_from_arrays(d, 1, e, 1, bad, 1, 100));
	struct snap_ticket_in back[] = { { "t", "c", 0, 10, 9 } };
	assert_null(snap_from_arrays(d, 1, e, 1, back, 1, 100));
	struct snap_ticket_in far[] = { { "t", "c", 0, DATE_MAX + 1, DATE_NONE } };
	assert_null(snap_from_arrays(d, 1, e, 1, far, 1, 100));
	struct snap *empty = snap_from_arrays(d, 1, e, 1, NULL, 0, 140);
	assert_non_null(empty);
	struct agg_range r = { 100, 130, 140, AGG_WEEK, NULL };
	struct agg_table *t = agg_table_departments(empty, &r);
	real_eq(t->groups[0].totals.lead_time.p50, NAN, "empty p50");
	real_eq(t->groups[0].totals.sla_hit_rate, NAN, "empty sla");
	agg_table_free(t);
	struct agg_stages *st = agg_stages(empty, &r);
	int_eq(st->bottleneck, -1, "no bottleneck");
	agg_stages_free(st);
	snap_put(empty);
}

/*
 * End-to-end and rolling 28 days by hand: pipeline A -> B.
 * C1: A d0, B d0+10 -> 10 dated d0+10.  C2: A d0, B d0+37 -> 37 dated
 * d0+37.  C3: only A -> none.  Rolling at d0+37 covers [d0+10, d0+37]:
 * (10 + 37) / 2 = 23.5; at d0+38 it covers [d0+11, d0+38]: 37.
 * Stages of C2: A [d0, d0+30] = 30 (dated d0+30), wait 37 − 30 = 7
 * (dated d0+37); 30 + 7 = 37 = its end-to-end.
 */
static void test_rolling_by_hand(void **state)
{
	(void)state;
	int32_t d0 = date_from_ymd(2025, 1, 1);
	struct snap_dept_in d[] = { { "A", 10 }, { "B", 10 } };
	struct snap_emp_in e[] = { { "a", 0 }, { "b", 1 } };
	struct snap_ticket_in t[] = {
		{ "1", "C1", 0, d0, d0 + 9 },  { "2", "C1", 1, d0 + 10, DATE_NONE },
		{ "3", "C2", 0, d0, d0 + 30 }, { "4", "C2", 1, d0 + 37, d0 + 50 },
		{ "5", "C3", 0, d0, d0 + 1 },
	};
	struct snap *s = snap_from_arrays(d, 2, e, 2, t, 5, d0 + 60);
	assert_non_null(s);
	struct agg_range r = { d0 + 37, d0 + 40, d0 + 60, AGG_WEEK, NULL };
	struct agg_e2e *x = agg_end_to_end(s, &r);
	real_eq(x->rolling[0], 23.5, "window with both");
	real_eq(x->rolling[1], 37, "window after the first left");
	int_eq(x->totals.n, 1, "only C2 starts in range");
	real_eq(x->totals.p50, 37, "C2");
	agg_e2e_free(x);
	r = (struct agg_range){ d0, d0 + 9, d0 + 60, AGG_DAY, NULL };
	x = agg_end_to_end(s, &r);
	for (int i = 0; i < 10; i++)
		real_eq(x->rolling[i], NAN, "no value yet");
	agg_e2e_free(x);

	int64_t c2 = snap_creator_find(s, "C2");
	struct agg_timeline *tl = agg_timeline(s, c2, d0 + 60);
	int_eq((int64_t)tl->nstages, 2, "stages");
	real_eq(tl->stages[0].days, 30, "stage A");
	real_eq(tl->stages[1].wait_before, 7, "wait A -> B");
	real_eq(tl->stages[1].days, 13, "stage B");
	real_eq(tl->end_to_end, 37, "e2e");
	agg_timeline_free(tl);
	/* as of d0+45, B is still open and C2's B ticket exists */
	tl = agg_timeline(s, c2, d0 + 45);
	real_eq(tl->stages[1].days, NAN, "B open as of d0+45");
	int_eq(tl->stages[1].end, DATE_NONE, "B end");
	agg_timeline_free(tl);
	/* as of d0+20, C2 has only an open A ticket */
	tl = agg_timeline(s, c2, d0 + 20);
	int_eq((int64_t)tl->ntickets, 1, "B not yet opened");
	int_eq(tl->tickets[0].closed, DATE_NONE, "A closes after as_of");
	real_eq(tl->end_to_end, NAN, "no e2e yet");
	agg_timeline_free(tl);

	r = (struct agg_range){ d0, d0 + 40, d0 + 60, AGG_MONTH, NULL };
	struct agg_stages *st = agg_stages(s, &r);
	int_eq(st->depts[0].stage.n, 3, "A stages of C1, C2, C3");
	int_eq(st->depts[1].wait.n, 2, "waits of C1 (1) and C2 (7)");
	real_eq(st->depts[1].wait.mean, 4, "mean wait");
	int_eq(st->depts[1].stage.n, 0, "B stages end after the range");
	int_eq(st->bottleneck, 0, "A: the only stage before the last");
	agg_stages_free(st);
	snap_put(s);
}

/*
 * snap_load() over a real store holds exactly what snap_from_arrays() holds
 * for the same tickets, and leaves out a department no longer configured.
 */
static void set_pipeline(struct config *cfg, int with_legacy)
{
	for (size_t k = 0; k < cfg->ndepts; k++)
		free(cfg->depts[k].name);
	cfg->ndepts = 0;
	for (int k = 0; k < ND; k++)
		cfg->depts[cfg->ndepts++] = (struct dept_cfg){ strdup(DEPTS[k].name), DEPTS[k].sla_days };
	if (with_legacy)
		cfg->depts[cfg->ndepts++] = (struct dept_cfg){ strdup("Legacy"), 9 };
}

static void test_snap_load_matches_arrays(void **state)
{
	(void)state;
	gen_world(99);
	char dir[] = "/tmp/test_agg_XXXXXX", path[64];
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/t.db", dir);
	struct config cfg;
	config_defaults(&cfg);
	set_pipeline(&cfg, 1);
	struct store *st = store_open(path, 0);
	assert_non_null(st);
	assert_int_equal(store_sync_pipeline(st, &cfg), 0);
	assert_int_equal(store_begin(st), 0);
	for (size_t i = 0; i < W.n + 3; i++) {
		int legacy = i >= W.n;
		const char *dname = legacy ? "Legacy" : DEPTS[EMPS[W.t[i].emp].dept].name;
		const char *ename = legacy ? "Old Hand" : EMPS[W.t[i].emp].name;
		char tid[32];
		snprintf(tid, sizeof(tid), "L%zu", i);
		int64_t d = store_department_id(st, dname);
		assert_true(d > 0);
		struct store_ticket_in t = {
			legacy ? tid : W.t[i].ticket_id,
			store_creator_id(st, legacy ? "Maker-001" : W.t[i].creator),
			store_employee_id(st, d, ename), d,
			legacy ? W.base : W.t[i].opened, legacy ? DATE_NONE : W.t[i].closed,
		};
		assert_true(store_upsert_ticket(st, &t) > 0);
	}
	assert_int_equal(store_commit(st, 1), 0);
	set_pipeline(&cfg, 0);
	assert_int_equal(store_sync_pipeline(st, &cfg), 0);

	struct snap *s = snap_load(st, &cfg, W.base + 150);
	assert_non_null(s);
	const struct snap *a = W.s;
	int_eq((int64_t)s->ndepts, ND, "departments");
	int_eq((int64_t)s->nticket, (int64_t)a->nticket + 3, "tickets (Legacy's held)");
	int_eq((int64_t)s->nemps, (int64_t)a->nemps, "employees (Legacy's left out)");
	int_eq((int64_t)s->creators->n, (int64_t)a->creators->n, "creators");
	for (size_t k = 0; k < ND; k++) {
		assert_string_equal(s->depts[k].name, a->depts[k].name);
		int_eq(s->depts[k].sla_days, a->depts[k].sla_days, "sla_days");
		assert_true(s->depts[k].store_id > 0);
	}
	for (size_t e = 0; e < s->nemps; e++) {
		assert_string_equal(s->emps[e].name, a->emps[e].name);
		int_eq(s->emps[e].dept, a->emps[e].dept, "employee dept");
	}
	for (uint32_t c = 1; c < s->creators->n; c++)
		assert_string_equal(snap_creator_name(s, c), snap_creator_name(a, c));
	/* the same ticket in the same slot (store rowid = input order) */
	for (size_t i = 1; i <= W.n; i++) {
		const struct snap_tk *x = snap_ticket(s, i), *y = snap_ticket(a, i);
		assert_non_null(x);
		assert_non_null(y);
		assert_string_equal(x->tid, y->tid);
		int_eq(x->opened, y->opened, "opened");
		int_eq(x->closed, y->closed, "closed");
		int_eq(snap_tk_dept(s, x), snap_tk_dept(a, y), "dept");
		assert_string_equal(s->emps[snap_tk_emp(s, x)].name, a->emps[snap_tk_emp(a, y)].name);
		int_eq(x->creator, y->creator, "creator");
	}
	for (size_t i = W.n + 1; i <= W.n + 3; i++)
		int_eq(snap_tk_dept(s, snap_ticket(s, i)), -1, "Legacy not configured");
	/* and every aggregate the same */
	struct agg_range r = { W.base - 100, W.base + 150, W.base + 150, AGG_WEEK, NULL };
	struct agg_table *ts = agg_table_departments(s, &r), *ta = agg_table_departments(a, &r);
	for (size_t k = 0; k < ND; k++)
		assert_memory_equal(&ts->groups[k].totals, &ta->groups[k].totals, sizeof(struct agg_metrics));
	agg_table_free(ts);
	agg_table_free(ta);
	struct agg_stages *ss = agg_stages(s, &r), *sa = agg_stages(a, &r);
	for (size_t k = 0; k < ND; k++)
		assert_memory_equal(&ss->depts[k].stage, &sa->depts[k].stage, sizeof(struct agg_dist));
	agg_stages_free(ss);
	agg_stages_free(sa);
	snap_put(s);
	store_close(st);
	config_release(&cfg);
	snap_put(W.s);
	unlink(path);
	char side[80];
	snprintf(side, sizeof(side), "%s-wal", path);
	unlink(side);
	snprintf(side, sizeof(side), "%s-shm", path);
	unlink(side);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_percentile_example),
		cmocka_unit_test(test_mann_whitney),
		cmocka_unit_test(test_buckets),
		cmocka_unit_test(test_rolling_by_hand),
		cmocka_unit_test(test_snap_lookups),
		cmocka_unit_test(test_snap_load_matches_arrays),
		cmocka_unit_test(test_world_has_edge_cases),
		cmocka_unit_test(test_random_world),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

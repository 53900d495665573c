/*
 * agg.c - the metrics of SPEC §3 per group and bucket, and what is built on
 * them (scores and flags, weekday profile, trend, histogram, period
 * comparison, leaderboard); see agg.h.  Creator-level aggregates
 * (end-to-end, stages, timeline, search) are in agg_creator.c.
 *
 * Nothing here visits a ticket.  Every metric is a sum over the days of
 * the daily rollups (roll.h) of the groups concerned:
 * - opened and closed are the cells' counts;
 * - Σ is_open on a day is the tickets open at the end of the day before
 *   `from` (roll_net_before()) plus Σ (opened − closed) since, which gives
 *   avg_open and backlog_end;
 * - the closes' days to close are the cells' histograms, merged per bucket
 *   and over the range in histogram accumulators (agg_stats.h), from which
 *   n, mean and percentile_cont follow exactly, and SLA hits are the
 *   counts at or below the department's sla_days.
 * Cost: O(days × groups + histogram entries), independent of the number
 * of tickets.
 */
#include "agg.h"
#include "agg_stats.h"
#include "date.h"
#include "snap.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define SCORE_NAME(id, name, sense) name,
#define SCORE_SENSE(id, name, sense) sense,
const char *const agg_score_names[AGG_NSCORES] = { AGG_SCORES(SCORE_NAME) };
const int agg_score_sense[AGG_NSCORES] = { AGG_SCORES(SCORE_SENSE) };
#undef SCORE_NAME
#undef SCORE_SENSE

const char *const agg_lb_names[AGG_LB_NBOARDS] = { "most_closed", "fastest_p50", "best_sla" };

/* ---- buckets ---- */

static int month_index(int32_t day)
{
	int y, m, d;
	date_to_ymd(day, &y, &m, &d);
	return y * 12 + (m - 1);
}

size_t agg_bucket_count(const struct agg_range *r)
{
	if (r->to < r->from)
		return 0;
	switch (r->bucket) {
	case AGG_DAY:
		return (size_t)(r->to - r->from) + 1;
	case AGG_WEEK:
		return (size_t)((date_week_start(r->to) - date_week_start(r->from)) / 7) + 1;
	case AGG_MONTH:
		return (size_t)(month_index(r->to) - month_index(r->from)) + 1;
	}
	return 0;
}

size_t agg_buckets(const struct agg_range *r, struct agg_span **out)
{
	size_t n = agg_bucket_count(r);
	struct agg_span *sp = agg_alloc(n * sizeof(*sp));
	int32_t d = r->from;
	for (size_t i = 0; i < n; i++) {
		int32_t end = d;
		if (r->bucket == AGG_WEEK)
			end = date_week_start(d) + 6;
		else if (r->bucket == AGG_MONTH)
			end = date_month_end(d);
		if (end > r->to)
			end = r->to;
		sp[i].start = d;
		sp[i].end = end;
		d = end + 1;
	}
	*out = sp;
	return n;
}

int agg_range_valid(const struct agg_range *r)
{
	return r->from <= r->to && r->to <= r->as_of && r->from >= DATE_MIN &&
		r->as_of <= DATE_MAX && agg_bucket_count(r) <= AGG_MAX_BUCKETS;
}

/* ---- the metrics of one group ---- */

/* A group is one or more ticket series (a department, an employee, every
 * department), each close judged against its series' SLA. */
struct src {
	const struct roll_series *s;
	int sla;
	const struct roll_series *rw; /* its re-entries, a value series */
	struct roll_cursor cur, rcur;
};

static void metrics_derive(struct agg_metrics *m)
{
	m->avg_open = (double)m->open_sum / m->days;
	m->sla_hit_rate = m->closed ? (double)m->sla_hits / (double)m->closed : NAN;
	m->closes_per_week = (double)m->closed / (m->days / 7.0);
	m->rework_rate = m->opened ? (double)m->rework / (double)m->opened : NAN;
	m->workload_share = NAN;
}

struct scratch {
	struct agg_hpair *buf;
	size_t cap;
};

/*
 * The metrics of the group made of src[0..nsrc-1] over each bucket
 * (m[0..nb-1]) and the whole range (m[nb]).
 */
static void group_metrics(const struct agg_range *r, const struct agg_span *spans, size_t nb,
			  struct src *src, size_t nsrc, struct agg_metrics *m, struct scratch *sc)
{
	int32_t vmin = INT32_MAX, vmax = INT32_MIN;
	int64_t open = 0;
	for (size_t j = 0; j < nsrc; j++) {
		roll_value_bounds(src[j].s, r->from, r->to, &vmin, &vmax);
		open += roll_net_before(src[j].s, r->from);
		roll_cursor_init(&src[j].cur, src[j].s, r->from);
		roll_cursor_init(&src[j].rcur, src[j].rw, r->from);
	}
	struct agg_hacc hb, ht;
	agg_hacc_init(&hb, vmin, vmax);
	agg_hacc_init(&ht, vmin, vmax);
	struct agg_metrics *t = &m[nb];
	memset(t, 0, sizeof(*t));
	for (size_t b = 0; b < nb; b++) {
		struct agg_metrics *x = &m[b];
		memset(x, 0, sizeof(*x));
		for (int32_t d = spans[b].start; d <= spans[b].end; d++) {
			for (size_t j = 0; j < nsrc; j++) {
				const struct roll_chunk *ch;
				const struct roll_cell *cell = roll_cursor_cell(&src[j].rcur, d, &ch);
				if (cell)
					x->rework += cell->closed;
				cell = roll_cursor_cell(&src[j].cur, d, &ch);
				if (!cell)
					continue;
				x->opened += cell->opened;
				x->closed += cell->closed;
				open += cell->opened - cell->closed;
				for (uint32_t i = cell->hoff; i < cell->hoff + cell->hlen; i++) {
					int32_t v = ch->h[i].value;
					uint64_t c = ch->h[i].count;
					agg_hacc_add(&hb, v, c);
					agg_hacc_add(&ht, v, c);
					if (v <= src[j].sla)
						x->sla_hits += (int64_t)c;
				}
			}
			x->open_sum += open;
		}
		x->backlog_end = open;
		x->days = spans[b].end - spans[b].start + 1;
		size_t n = agg_hacc_take(&hb, &sc->buf, &sc->cap);
		agg_dist_from_pairs(sc->buf, n, &x->lead_time);
		t->opened += x->opened;
		t->closed += x->closed;
		t->sla_hits += x->sla_hits;
		t->open_sum += x->open_sum;
		t->rework += x->rework;
		metrics_derive(x);
	}
	t->backlog_end = open;
	t->days = r->to - r->from + 1;
	size_t n = agg_hacc_take(&ht, &sc->buf, &sc->cap);
	agg_dist_from_pairs(sc->buf, n, &t->lead_time);
	metrics_derive(t);
	agg_hacc_release(&hb);
	agg_hacc_release(&ht);
}

/* ---- tables ---- */

static struct agg_table *table_new(const struct agg_range *r, size_t ngroups)
{
	struct agg_table *t = agg_zalloc(1, sizeof(*t));
	t->range = *r;
	t->nbuckets = agg_buckets(r, &t->buckets);
	t->groups = agg_zalloc(ngroups, sizeof(*t->groups));
	return t;
}

/* Fill group g (dept, emp) of table t from src. */
static void group_fill(struct agg_table *t, struct agg_group *g, int dept, int emp, struct src *src,
		       size_t nsrc, struct scratch *sc)
{
	struct agg_metrics *m = agg_alloc((t->nbuckets + 1) * sizeof(*m));
	group_metrics(&t->range, t->buckets, t->nbuckets, src, nsrc, m, sc);
	g->dept = dept;
	g->emp = emp;
	g->totals = m[t->nbuckets];
	g->series = m; /* the first nbuckets entries; the totals slot is unused */
	for (size_t k = 0; k < AGG_NSCORES; k++)
		g->score[k] = NAN;
	g->nflags = 0;
}

static double share(int64_t part, int64_t whole)
{
	return whole ? (double)part / (double)whole : NAN;
}

/* Employee group g against its department group d. */
static void set_workload_share(struct agg_group *g, const struct agg_group *d, size_t nb)
{
	g->totals.workload_share = share(g->totals.open_sum, d->totals.open_sum);
	for (size_t b = 0; b < nb; b++)
		g->series[b].workload_share = share(g->series[b].open_sum, d->series[b].open_sum);
}

static struct src dept_src(const struct snap_measure *m, const struct snap *s, size_t k)
{
	return (struct src){ .s = snap_dept_series(m, s, k), .sla = s->depts[k].sla_days,
			     .rw = snap_dept_rework(m, s, k) };
}

static struct src emp_src(const struct snap_measure *m, const struct snap *s, size_t e)
{
	return (struct src){ .s = snap_emp_series(m, s, e), .sla = s->depts[s->emps[e].dept].sla_days,
			     .rw = snap_emp_rework(m, s, e) };
}

struct agg_table *agg_table_departments(const struct snap *s, const struct agg_range *r)
{
	if (!agg_range_valid(r))
		return NULL;
	size_t nd = s->ndepts;
	struct agg_table *t = table_new(r, nd + 1);
	struct src *all = agg_alloc((nd ? nd : 1) * sizeof(*all));
	struct scratch sc = { NULL, 0 };
	struct snap_measure ms;
	struct snap_bz *hold = snap_measure(s, r->cal, &ms);
	for (size_t k = 0; k < nd; k++) {
		struct src one = dept_src(&ms, s, k);
		all[k] = one;
		group_fill(t, &t->groups[k], (int)k, -1, &one, 1, &sc);
	}
	t->ngroups = nd;
	t->all = &t->groups[nd];
	group_fill(t, t->all, -1, -1, all, nd, &sc);
	snap_bz_put(hold);
	free(all);
	free(sc.buf);
	return t;
}

/* 1 when the group has a point-in-time row in the range: a ticket opened
 * or closed in it, or open on one of its days. */
static int has_rows(const struct agg_metrics *m)
{
	return m->opened || m->closed || m->open_sum;
}

struct agg_table *agg_table_department(const struct snap *s, const struct agg_range *r, int dept)
{
	if (!agg_range_valid(r) || dept < 0 || (size_t)dept >= s->ndepts)
		return NULL;
	uint32_t e0 = s->dept_emp_first[dept], ne = s->dept_emp_first[dept + 1] - e0;
	struct agg_table *t = table_new(r, 1 + ne);
	struct scratch sc = { NULL, 0 };
	struct snap_measure ms;
	struct snap_bz *hold = snap_measure(s, r->cal, &ms);
	struct src d = dept_src(&ms, s, (size_t)dept);
	group_fill(t, &t->groups[0], dept, -1, &d, 1, &sc);
	t->ngroups = 1;
	for (uint32_t k = 0; k < ne; k++) {
		struct src x = emp_src(&ms, s, e0 + k);
		struct agg_group *g = &t->groups[t->ngroups];
		group_fill(t, g, dept, (int)(e0 + k), &x, 1, &sc);
		if (!has_rows(&g->totals)) {
			free(g->series);
			g->series = NULL;
			continue;
		}
		set_workload_share(g, &t->groups[0], t->nbuckets);
		t->ngroups++;
	}
	snap_bz_put(hold);
	free(sc.buf);
	return t;
}

struct agg_table *agg_table_employee(const struct snap *s, const struct agg_range *r, int emp)
{
	if (!agg_range_valid(r) || emp < 0 || (size_t)emp >= s->nemps)
		return NULL;
	int dept = s->emps[emp].dept;
	struct agg_table *t = table_new(r, 2);
	struct scratch sc = { NULL, 0 };
	struct snap_measure ms;
	struct snap_bz *hold = snap_measure(s, r->cal, &ms);
	struct src d = dept_src(&ms, s, (size_t)dept);
	struct src x = emp_src(&ms, s, (size_t)emp);
	group_fill(t, &t->groups[0], dept, -1, &d, 1, &sc);
	group_fill(t, &t->groups[1], dept, emp, &x, 1, &sc);
	set_workload_share(&t->groups[1], &t->groups[0], t->nbuckets);
	t->ngroups = 2;
	snap_bz_put(hold);
	free(sc.buf);
	return t;
}

void agg_table_free(struct agg_table *t)
{
	if (!t)
		return;
	for (size_t g = 0; g < t->ngroups; g++)
		free(t->groups[g].series);
	if (t->all)
		free(t->all->series);
	free(t->groups);
	free(t->buckets);
	free(t);
}

int agg_bucket_full_days(enum agg_bucket k, int32_t day)
{
	switch (k) {
	case AGG_DAY: return 1;
	case AGG_WEEK: return 7;
	case AGG_MONTH: return date_month_end(day) - date_month_start(day) + 1;
	}
	return 1;
}

/* ---- scores and flags ---- */

static double score_value(const struct agg_metrics *m, enum agg_score k)
{
	switch (k) {
	case AGG_SCORE_P50: return m->lead_time.p50;
	case AGG_SCORE_MEAN: return m->lead_time.mean;
	case AGG_SCORE_CLOSED: return (double)m->closed;
	case AGG_SCORE_CLOSES_PER_WEEK: return m->closes_per_week;
	case AGG_SCORE_SLA: return m->sla_hit_rate;
	case AGG_SCORE_AVG_OPEN: return m->avg_open;
	case AGG_SCORE_WORKLOAD_SHARE: return m->workload_share;
	case AGG_NSCORES: break;
	}
	return NAN;
}

/* Does score k rest on the group's closes (so on enough of them)? */
static int close_based(enum agg_score k)
{
	return k != AGG_SCORE_AVG_OPEN && k != AGG_SCORE_WORKLOAD_SHARE;
}

/* The value score k is computed from: NaN when it rests on too few closes. */
static double judged_value(const struct agg_metrics *m, enum agg_score k, int64_t min_closed)
{
	if (close_based(k) && m->lead_time.n < min_closed)
		return NAN;
	return score_value(m, k);
}

static void add_flag(struct agg_group *g, const char *rule, double value, double limit)
{
	g->flags[g->nflags++] = (struct agg_flag){ rule, value, limit };
}

void agg_table_evaluate(struct agg_table *t, const struct agg_thresholds *th)
{
	if (t->ngroups < 1)
		return;
	const struct agg_group *d = &t->groups[0];
	struct agg_group *emps = t->groups + 1;
	size_t ne = t->ngroups - 1;
	for (size_t k = 0; k < AGG_NSCORES; k++) {
		double sum = 0, ss = 0;
		size_t n = 0;
		for (size_t j = 0; j < ne; j++) {
			double v = judged_value(&emps[j].totals, (enum agg_score)k, th->min_closed);
			if (!isnan(v)) {
				sum += v;
				n++;
			}
		}
		double mean = n ? sum / (double)n : 0;
		for (size_t j = 0; j < ne; j++) {
			double v = judged_value(&emps[j].totals, (enum agg_score)k, th->min_closed);
			if (!isnan(v))
				ss += (v - mean) * (v - mean);
		}
		double sd = n ? sqrt(ss / (double)n) : 0;
		/* equal values can leave a rounding residue in sd: treat as 0 */
		int flat = sd <= 1e-12 * (fabs(mean) > 1 ? fabs(mean) : 1);
		for (size_t j = 0; j < ne; j++) {
			double v = judged_value(&emps[j].totals, (enum agg_score)k, th->min_closed);
			double z;
			if (isnan(v))
				z = NAN;
			else if (flat)
				z = 0;
			else
				z = (v - mean) / sd * (agg_score_sense[k] < 0 ? -1 : 1);
			emps[j].score[k] = isnan(z) ? z : z < -1 ? -1 : z > 1 ? 1 : z;
		}
	}
	for (size_t j = 0; j < ne; j++) {
		struct agg_group *g = &emps[j];
		const struct agg_metrics *m = &g->totals;
		g->nflags = 0;
		double limit = th->p50_ratio * d->totals.lead_time.p50;
		int enough = m->lead_time.n >= th->min_closed;
		if (enough && !isnan(m->lead_time.p50) && !isnan(limit) && m->lead_time.p50 > limit)
			add_flag(g, AGG_FLAG_P50_RATIO, m->lead_time.p50, limit);
		if (enough && !isnan(m->sla_hit_rate) && m->sla_hit_rate < th->min_sla_hit_rate)
			add_flag(g, AGG_FLAG_MIN_SLA, m->sla_hit_rate, th->min_sla_hit_rate);
		if (m->avg_open > th->max_avg_open)
			add_flag(g, AGG_FLAG_MAX_AVG_OPEN, m->avg_open, th->max_avg_open);
	}
}

/* ---- weekday profile, trend, histogram ---- */

void agg_weekday_profile(const struct snap *s, const struct agg_range *r, int64_t *out)
{
	memset(out, 0, s->ndepts * 7 * sizeof(*out));
	if (!agg_range_valid(r))
		return;
	struct snap_measure ms; /* openings: the same in every day measure */
	snap_measure(s, NULL, &ms);
	for (size_t k = 0; k < s->ndepts; k++) {
		struct roll_cursor cur;
		roll_cursor_init(&cur, snap_dept_series(&ms, s, k), r->from);
		for (int32_t d = r->from; d <= r->to; d++) {
			const struct roll_chunk *ch;
			const struct roll_cell *cell = roll_cursor_cell(&cur, d, &ch);
			if (cell)
				out[k * 7 + (size_t)date_weekday(d)] += cell->opened;
		}
	}
}

/* The ticket series of a group: employee emp when >= 0, else department. */
static int group_series(const struct snap_measure *m, const struct snap *s, int dept, int emp,
			const struct roll_series **out)
{
	if (emp >= 0) {
		if ((size_t)emp >= s->nemps)
			return -1;
		*out = snap_emp_series(m, s, (size_t)emp);
		return 0;
	}
	if (dept < 0 || (size_t)dept >= s->ndepts)
		return -1;
	*out = snap_dept_series(m, s, (size_t)dept);
	return 0;
}

/* The days to close of the series' closes in [from, to] as pairs. */
static size_t closes_pairs(const struct roll_series *rs, int32_t from, int32_t to,
			   struct agg_hpair **buf, size_t *cap)
{
	int32_t vmin = INT32_MAX, vmax = INT32_MIN;
	roll_value_bounds(rs, from, to, &vmin, &vmax);
	struct agg_hacc h;
	agg_hacc_init(&h, vmin, vmax);
	struct roll_cursor cur;
	roll_cursor_init(&cur, rs, from);
	for (int32_t d = from; d <= to; d++) {
		const struct roll_chunk *ch;
		const struct roll_cell *cell = roll_cursor_cell(&cur, d, &ch);
		for (uint32_t i = cell ? cell->hoff : 0; cell && i < cell->hoff + cell->hlen; i++)
			agg_hacc_add(&h, ch->h[i].value, ch->h[i].count);
	}
	size_t n = agg_hacc_take(&h, buf, cap);
	agg_hacc_release(&h);
	return n;
}

int agg_trend(const struct snap *s, const struct agg_range *r, int dept, int emp,
	      struct agg_trend *out)
{
	const struct roll_series *rs;
	struct snap_measure ms;
	struct snap_bz *hold = snap_measure(s, r->cal, &ms);
	if (group_series(&ms, s, dept, emp, &rs)) {
		snap_bz_put(hold);
		return -1;
	}
	out->n = 0;
	out->slope_per_week = out->intercept = out->r2 = NAN;
	/* two passes over the closes of the range: means, then centred sums */
	double m = 0, mx = 0, my = 0, sxx = 0, sxy = 0, syy = 0;
	for (int pass = 0; pass < 2; pass++) {
		struct roll_cursor cur;
		roll_cursor_init(&cur, rs, r->from);
		for (int32_t d = r->from; d <= r->to; d++) {
			const struct roll_chunk *ch;
			const struct roll_cell *cell = roll_cursor_cell(&cur, d, &ch);
			if (!cell)
				continue;
			double x = d - r->from;
			for (uint32_t i = cell->hoff; i < cell->hoff + cell->hlen; i++) {
				double y = ch->h[i].value, c = ch->h[i].count;
				if (pass == 0) {
					m += c;
					mx += c * x;
					my += c * y;
				} else {
					sxx += c * (x - mx) * (x - mx);
					sxy += c * (x - mx) * (y - my);
					syy += c * (y - my) * (y - my);
				}
			}
		}
		if (pass == 0) {
			if (m < 3)
				break;
			mx /= m;
			my /= m;
		}
	}
	out->n = (int64_t)m;
	if (m >= 3 && sxx > 0) {
		double slope = sxy / sxx;
		out->slope_per_week = slope * 7;
		out->intercept = my - slope * mx;
		out->r2 = syy > 0 ? sxy * sxy / (sxx * syy) : NAN;
	}
	snap_bz_put(hold);
	return 0;
}

long agg_histogram(const struct snap *s, const struct agg_range *r, int dept, int emp,
		   struct agg_hist_bin **out)
{
	const struct roll_series *rs;
	*out = NULL;
	struct snap_measure ms;
	struct snap_bz *hold = snap_measure(s, r->cal, &ms);
	if (group_series(&ms, s, dept, emp, &rs)) {
		snap_bz_put(hold);
		return -1;
	}
	struct agg_hpair *p = NULL;
	size_t cap = 0, n = closes_pairs(rs, r->from, r->to, &p, &cap);
	snap_bz_put(hold);
	struct agg_hist_bin *bins = agg_alloc(n * sizeof(*bins));
	for (size_t i = 0; i < n; i++)
		bins[i] = (struct agg_hist_bin){ p[i].value, (int64_t)p[i].count };
	free(p);
	*out = bins;
	return (long)n;
}

/* ---- period comparison ---- */

struct agg_compare *agg_compare(const struct snap *s, const struct agg_range *a,
				const struct agg_range *b)
{
	if (!agg_range_valid(a) || !agg_range_valid(b))
		return NULL;
	struct agg_compare *c = agg_zalloc(1, sizeof(*c));
	c->ndepts = s->ndepts;
	c->depts = agg_zalloc(s->ndepts, sizeof(*c->depts));
	struct agg_hpair *pa = NULL, *pb = NULL;
	size_t ca = 0, cb = 0;
	struct snap_measure ms;
	struct snap_bz *hold = snap_measure(s, a->cal, &ms);
	for (size_t k = 0; k < s->ndepts; k++) {
		struct agg_compare_dept *d = &c->depts[k];
		const struct roll_series *rs = snap_dept_series(&ms, s, k);
		size_t na = closes_pairs(rs, a->from, a->to, &pa, &ca);
		size_t nb = closes_pairs(rs, b->from, b->to, &pb, &cb);
		agg_dist_from_pairs(pa, na, &d->a);
		agg_dist_from_pairs(pb, nb, &d->b);
		d->p_value = agg_mann_whitney_pairs(pa, na, pb, nb);
		d->change_p50 = d->b.p50 - d->a.p50;
		d->change_mean = d->b.mean - d->a.mean;
	}
	snap_bz_put(hold);
	/* the end-to-end lead times, dated by the campaign start: the
	 * overview's figure of each period (agg_end_to_end()) */
	struct roll *cre = snap_creator_roll(s, a->as_of, a->cal);
	const struct roll_series *rs = roll_group(cre, SNAP_E2E);
	struct agg_compare_dept *e = &c->end_to_end;
	size_t na = closes_pairs(rs, a->from, a->to, &pa, &ca);
	size_t nb = closes_pairs(rs, b->from, b->to, &pb, &cb);
	agg_dist_from_pairs(pa, na, &e->a);
	agg_dist_from_pairs(pb, nb, &e->b);
	e->p_value = agg_mann_whitney_pairs(pa, na, pb, nb);
	e->change_p50 = e->b.p50 - e->a.p50;
	e->change_mean = e->b.mean - e->a.mean;
	roll_put(cre);
	free(pa);
	free(pb);
	return c;
}

void agg_compare_free(struct agg_compare *c)
{
	if (!c)
		return;
	free(c->depts);
	free(c);
}

/* ---- leaderboard ---- */

struct lb_stat {
	int64_t closed, hits;
	double p50;
};

struct lb_cand {
	const char *name;
	int emp;
	double sortv;             /* ascending = best first */
	double value;
	int64_t closed;
};

static int lb_cmp(const void *pa, const void *pb)
{
	const struct lb_cand *a = pa, *b = pb;
	if (a->sortv != b->sortv)
		return a->sortv < b->sortv ? -1 : 1;
	int c = strcmp(a->name, b->name);
	if (c)
		return c;
	return a->emp < b->emp ? -1 : a->emp > b->emp;
}

static void lb_period(const struct snap *s, const struct lb_stat *st, size_t size,
		      int64_t min_closed, struct agg_lb_period *out)
{
	out->depts = agg_zalloc(s->ndepts, sizeof(*out->depts));
	struct lb_cand *cand = agg_alloc(s->nemps * sizeof(*cand));
	if (min_closed < 1)
		min_closed = 1;
	for (size_t k = 0; k < s->ndepts; k++) {
		for (int board = 0; board < AGG_LB_NBOARDS; board++) {
			size_t nc = 0;
			for (uint32_t e = s->dept_emp_first[k]; e < s->dept_emp_first[k + 1]; e++) {
				const struct lb_stat *x = &st[e];
				struct lb_cand cd = { s->emps[e].name, (int)e, 0, 0, x->closed };
				if (board == AGG_LB_MOST_CLOSED) {
					if (x->closed < 1)
						continue;
					cd.value = (double)x->closed;
					cd.sortv = -cd.value;
				} else {
					if (x->closed < min_closed)
						continue;
					/* at 0% nobody is among the best within SLA */
					if (board == AGG_LB_BEST_SLA && x->hits < 1)
						continue;
					cd.value = board == AGG_LB_FASTEST_P50
						? x->p50 : (double)x->hits / (double)x->closed;
					cd.sortv = board == AGG_LB_FASTEST_P50 ? cd.value : -cd.value;
				}
				cand[nc++] = cd;
			}
			qsort(cand, nc, sizeof(*cand), lb_cmp);
			if (nc > size)
				nc = size;
			struct agg_lb_entry *ent = agg_alloc(nc * sizeof(*ent));
			int64_t rank = 0;
			for (size_t j = 0; j < nc; j++) {
				/* 1, 2, 2, 4: an equal value keeps the rank before it */
				if (j == 0 || cand[j].sortv != cand[j - 1].sortv)
					rank = (int64_t)j + 1;
				ent[j] = (struct agg_lb_entry){ cand[j].emp, cand[j].value, cand[j].closed,
								rank };
			}
			out->depts[k].board[board] = ent;
			out->depts[k].n[board] = nc;
		}
	}
	free(cand);
}

struct agg_leaderboard *agg_leaderboard(const struct snap *s, int32_t as_of, size_t size,
					int64_t min_closed)
{
	return agg_leaderboard_days(s, as_of, size, min_closed, NULL);
}

struct agg_leaderboard *agg_leaderboard_days(const struct snap *s, int32_t as_of, size_t size,
					     int64_t min_closed, const struct calendar *cal)
{
	struct agg_leaderboard *lb = agg_zalloc(1, sizeof(*lb));
	lb->ndepts = s->ndepts;
	lb->day.start = lb->day.end = as_of - 1;
	lb->week.start = date_week_start(as_of) - 7;
	lb->week.end = lb->week.start + 6;
	struct agg_lb_period *per[2] = { &lb->day, &lb->week };
	struct lb_stat *st = agg_zalloc(s->nemps, sizeof(*st));
	struct agg_hpair *p = NULL;
	size_t cap = 0;
	struct snap_measure ms;
	struct snap_bz *hold = snap_measure(s, cal, &ms);
	for (int k = 0; k < 2; k++) {
		for (size_t e = 0; e < s->nemps; e++) {
			size_t n = closes_pairs(snap_emp_series(&ms, s, e), per[k]->start, per[k]->end,
						&p, &cap);
			struct agg_dist d;
			agg_dist_from_pairs(p, n, &d);
			st[e].closed = d.n;
			st[e].p50 = d.p50;
			st[e].hits = (int64_t)agg_pairs_at_most(p, n, s->depts[s->emps[e].dept].sla_days);
		}
		lb_period(s, st, size, min_closed, per[k]);
	}
	snap_bz_put(hold);
	free(p);
	free(st);
	return lb;
}

static void lb_period_release(struct agg_lb_period *p, size_t ndepts)
{
	if (!p->depts)
		return;
	for (size_t k = 0; k < ndepts; k++)
		for (int b = 0; b < AGG_LB_NBOARDS; b++)
			free(p->depts[k].board[b]);
	free(p->depts);
}

void agg_leaderboard_free(struct agg_leaderboard *lb)
{
	if (!lb)
		return;
	lb_period_release(&lb->day, lb->ndepts);
	lb_period_release(&lb->week, lb->ndepts);
	free(lb);
}

/*
 * agg.c - the metrics of SPEC §3 per group and bucket, and what is built on
 * them (scores and flags, weekday profile, trend, histogram, period
 * comparison, leaderboard); see agg.h.  Creator-level aggregates
 * (end-to-end, stages, timeline, search) are in agg_creator.c.
 *
 * Nothing materialises point-in-time rows.  For each ticket and group the
 * rows it would have in [from, to] are summarised directly:
 * - initiated_contact is one row on opened_on, ticket_closed one row on
 *   closed_on (when that is <= as_of; a later close reads as open);
 * - is_open = 1 exactly on the days [opened_on, closed_on − 1] (through
 *   as_of while open), so a difference array over the days of the range
 *   (+1 on the first open day, −1 after the last) gives, after a prefix
 *   sum, Σ is_open per day, from which avg_open and backlog_end follow;
 * - each close is a packed key (group, days_to_close, bucket) and one
 *   radix sort of all keys yields every group's sorted lead times, split
 *   by bucket in one more linear pass (agg_stats.h).
 * Cost: one pass over the tickets concerned plus O(days × groups).
 */
#include "agg.h"
#include "agg_stats.h"
#include "calendar.h"
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

/* ---- the metrics engine ---- */

struct engine {
	const struct snap *s;
	struct agg_range r;
	size_t nb, ndays, nslots;
	struct agg_span *spans;
	uint32_t *bday;            /* bucket of each day of the range */
	int32_t *diff;             /* nslots × (ndays + 1) */
	struct agg_metrics *m;     /* nslots × (nb + 1); index nb = totals */
	unsigned char *has_rows;   /* nslots */
	struct agg_keys keys;      /* (slot, days_to_close, bucket) per close */
};

static void engine_init(struct engine *e, const struct snap *s, const struct agg_range *r,
			size_t nslots)
{
	memset(e, 0, sizeof(*e));
	e->s = s;
	e->r = *r;
	e->nslots = nslots;
	e->nb = agg_buckets(r, &e->spans);
	e->ndays = (size_t)(r->to - r->from) + 1;
	e->bday = agg_alloc(e->ndays * sizeof(*e->bday));
	for (size_t b = 0; b < e->nb; b++)
		for (int32_t d = e->spans[b].start; d <= e->spans[b].end; d++)
			e->bday[d - r->from] = (uint32_t)b;
	e->diff = agg_zalloc(nslots * (e->ndays + 1), sizeof(*e->diff));
	e->m = agg_zalloc(nslots * (e->nb + 1), sizeof(*e->m));
	e->has_rows = agg_zalloc(nslots, 1);
}

static void engine_release(struct engine *e)
{
	free(e->spans);
	free(e->bday);
	free(e->diff);
	free(e->m);
	free(e->has_rows);
	agg_keys_release(&e->keys);
}

/* Append a close key; the common case inline, growth in agg_keys_push(). */
static inline void keys_push(struct agg_keys *ks, uint64_t key)
{
	if (ks->n < ks->cap)
		ks->k[ks->n++] = key;
	else
		agg_keys_push(ks, key);
}

/* engine_add() for a ticket with rows in the range: o <= to, and c (the
 * close as stored) is none or >= from. */
static void engine_add_rows(struct engine *e, uint32_t i, int32_t o, int32_t c,
			    const size_t *slots, size_t nslots)
{
	const struct snap *s = e->s;
	const struct agg_range *r = &e->r;
	if (c != DATE_NONE && c > r->as_of)
		c = DATE_NONE; /* open as of as_of */
	size_t nb = e->nb;
	int opened = o >= r->from, closed = c != DATE_NONE && c <= r->to;
	uint32_t bo = opened ? e->bday[o - r->from] : 0, bc = closed ? e->bday[c - r->from] : 0;
	int32_t dtc = closed ? calendar_days(r->cal, o, c) : 0;  /* days_to_close */
	int hit = closed && dtc <= s->depts[s->dept[i]].sla_days;
	int32_t first = o > r->from ? o : r->from;
	int32_t last = (c == DATE_NONE || c > r->to) ? r->to : c - 1;
	for (size_t j = 0; j < nslots; j++) {
		size_t slot = slots[j];
		struct agg_metrics *m = e->m + slot * (nb + 1);
		e->has_rows[slot] = 1;
		if (opened) {
			m[bo].opened++;
			m[nb].opened++;
		}
		if (closed) {
			m[bc].closed++;
			m[nb].closed++;
			m[bc].sla_hits += hit;
			m[nb].sla_hits += hit;
			keys_push(&e->keys, agg_key((uint32_t)slot, dtc, bc));
		}
		if (first <= last) {
			int32_t *diff = e->diff + slot * (e->ndays + 1);
			diff[first - r->from]++;
			diff[last - r->from + 1]--;
		}
	}
}

/*
 * Ticket i's rows in the range, counted in each of slots[0..nslots-1].
 * Inline, so the tickets without rows in the range (most of them, for a
 * range that is a fraction of the data) cost two compares, not a call.
 */
static inline void engine_add(struct engine *e, uint32_t i, const size_t *slots, size_t nslots)
{
	int32_t o = e->s->opened[i], c = e->s->closed[i];
	/* opened after `to` (so also after as_of): no rows; closed before
	 * `from` (a close after as_of is after `from` too): none in range */
	if (o > e->r.to || (c != DATE_NONE && c < e->r.from))
		return;
	engine_add_rows(e, i, o, c, slots, nslots);
}

static void finish_run(void *ctx, uint32_t group, uint32_t bucket, const uint64_t *run, size_t len)
{
	struct engine *e = ctx;
	agg_dist_from_run(run, len, &e->m[group * (e->nb + 1) + bucket].lead_time);
}

static void metrics_derive(struct agg_metrics *m)
{
	m->avg_open = (double)m->open_sum / m->days;
	m->sla_hit_rate = m->closed ? (double)m->sla_hits / (double)m->closed : NAN;
	m->closes_per_week = (double)m->closed / (m->days / 7.0);
	m->workload_share = NAN;
}

static void engine_finish(struct engine *e)
{
	size_t nb = e->nb;
	for (size_t slot = 0; slot < e->nslots; slot++) {
		const int32_t *diff = e->diff + slot * (e->ndays + 1);
		struct agg_metrics *m = e->m + slot * (nb + 1);
		int64_t open = 0;
		for (size_t d = 0; d < e->ndays; d++) {
			open += diff[d];
			struct agg_metrics *mb = &m[e->bday[d]];
			mb->open_sum += open;
			m[nb].open_sum += open;
			if ((int32_t)d == e->spans[e->bday[d]].end - e->r.from)
				mb->backlog_end = open;
		}
		m[nb].backlog_end = open;
		for (size_t b = 0; b <= nb; b++) {
			m[b].days = b < nb ? e->spans[b].end - e->spans[b].start + 1 : (int32_t)e->ndays;
			agg_dist_empty(&m[b].lead_time);
		}
	}
	agg_each_run(e->keys.k, e->keys.n, nb, finish_run, e);
	for (size_t i = 0; i < e->nslots * (nb + 1); i++)
		metrics_derive(&e->m[i]);
}

/* ---- tables ---- */

static struct agg_table *table_new(const struct engine *e, size_t ngroups)
{
	struct agg_table *t = agg_zalloc(1, sizeof(*t));
	t->range = e->r;
	t->nbuckets = e->nb;
	t->buckets = agg_alloc(e->nb * sizeof(*t->buckets));
	memcpy(t->buckets, e->spans, e->nb * sizeof(*t->buckets));
	t->groups = agg_zalloc(ngroups, sizeof(*t->groups));
	return t;
}

static void group_set(struct agg_group *g, const struct engine *e, size_t slot, int dept, int emp)
{
	const struct agg_metrics *m = e->m + slot * (e->nb + 1);
	g->dept = dept;
	g->emp = emp;
	g->totals = m[e->nb];
	g->series = agg_alloc(e->nb * sizeof(*g->series));
	memcpy(g->series, m, e->nb * sizeof(*g->series));
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

int agg_range_valid(const struct agg_range *r)
{
	return r->from <= r->to && r->to <= r->as_of && r->from >= DATE_MIN &&
		r->as_of <= DATE_MAX && agg_bucket_count(r) <= AGG_MAX_BUCKETS;
}

struct agg_table *agg_table_departments(const struct snap *s, const struct agg_range *r)
{
	if (!agg_range_valid(r))
		return NULL;
	size_t nd = s->ndepts;
	struct engine e;
	engine_init(&e, s, r, nd + 1);
	for (uint32_t i = 0; i < s->nticket; i++) {
		size_t slots[2] = { s->dept[i], nd };
		engine_add(&e, i, slots, 2);
	}
	engine_finish(&e);
	struct agg_table *t = table_new(&e, nd + 1);
	for (size_t k = 0; k < nd; k++)
		group_set(&t->groups[k], &e, k, (int)k, -1);
	t->ngroups = nd;
	t->all = &t->groups[nd];
	group_set(t->all, &e, nd, -1, -1);
	engine_release(&e);
	return t;
}

struct agg_table *agg_table_department(const struct snap *s, const struct agg_range *r, int dept)
{
	if (!agg_range_valid(r) || dept < 0 || (size_t)dept >= s->ndepts)
		return NULL;
	uint32_t e0 = s->dept_emp_first[dept], ne = s->dept_emp_first[dept + 1] - e0;
	struct engine e;
	engine_init(&e, s, r, 1 + ne);
	for (uint32_t j = s->dept_first[dept]; j < s->dept_first[dept + 1]; j++) {
		uint32_t i = s->dept_tickets[j];
		size_t slots[2] = { 0, 1 + (s->emp[i] - e0) };
		engine_add(&e, i, slots, 2);
	}
	engine_finish(&e);
	struct agg_table *t = table_new(&e, 1 + ne);
	group_set(&t->groups[0], &e, 0, dept, -1);
	t->ngroups = 1;
	for (uint32_t k = 0; k < ne; k++) {
		if (!e.has_rows[1 + k])
			continue;
		struct agg_group *g = &t->groups[t->ngroups++];
		group_set(g, &e, 1 + k, dept, (int)(e0 + k));
		set_workload_share(g, &t->groups[0], e.nb);
	}
	engine_release(&e);
	return t;
}

struct agg_table *agg_table_employee(const struct snap *s, const struct agg_range *r, int emp)
{
	if (!agg_range_valid(r) || emp < 0 || (size_t)emp >= s->nemps)
		return NULL;
	int dept = s->emps[emp].dept;
	struct engine e;
	engine_init(&e, s, r, 2);
	for (uint32_t j = s->dept_first[dept]; j < s->dept_first[dept + 1]; j++) {
		uint32_t i = s->dept_tickets[j];
		size_t slots[2] = { 0, 1 };
		engine_add(&e, i, slots, s->emp[i] == (uint32_t)emp ? 2 : 1);
	}
	engine_finish(&e);
	struct agg_table *t = table_new(&e, 2);
	group_set(&t->groups[0], &e, 0, dept, -1);
	group_set(&t->groups[1], &e, 1, dept, emp);
	set_workload_share(&t->groups[1], &t->groups[0], e.nb);
	t->ngroups = 2;
	engine_release(&e);
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
			double v = score_value(&emps[j].totals, (enum agg_score)k);
			if (!isnan(v)) {
				sum += v;
				n++;
			}
		}
		double mean = n ? sum / (double)n : 0;
		for (size_t j = 0; j < ne; j++) {
			double v = score_value(&emps[j].totals, (enum agg_score)k);
			if (!isnan(v))
				ss += (v - mean) * (v - mean);
		}
		double sd = n ? sqrt(ss / (double)n) : 0;
		/* equal values can leave a rounding residue in sd: treat as 0 */
		int flat = sd <= 1e-12 * (fabs(mean) > 1 ? fabs(mean) : 1);
		for (size_t j = 0; j < ne; j++) {
			double v = score_value(&emps[j].totals, (enum agg_score)k);
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
		if (!isnan(m->lead_time.p50) && !isnan(limit) && m->lead_time.p50 > limit)
			add_flag(g, AGG_FLAG_P50_RATIO, m->lead_time.p50, limit);
		if (!isnan(m->sla_hit_rate) && m->sla_hit_rate < th->min_sla_hit_rate)
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
	for (size_t i = 0; i < s->nticket; i++) {
		int32_t o = s->opened[i];
		if (o >= r->from && o <= r->to)
			out[s->dept[i] * 7 + date_weekday(o)]++;
	}
}

/* The ticket list of a group: employee emp when >= 0, else department. */
static int group_list(const struct snap *s, int dept, int emp, const uint32_t **list, size_t *n)
{
	if (emp >= 0) {
		if ((size_t)emp >= s->nemps)
			return -1;
		*list = s->emp_tickets + s->emp_first[emp];
		*n = s->emp_first[emp + 1] - s->emp_first[emp];
		return 0;
	}
	if (dept < 0 || (size_t)dept >= s->ndepts)
		return -1;
	*list = s->dept_tickets + s->dept_first[dept];
	*n = s->dept_first[dept + 1] - s->dept_first[dept];
	return 0;
}

/* Closing day of ticket i when it closed in the range (as of as_of), else
 * DATE_NONE. */
static int32_t closed_in(const struct snap *s, uint32_t i, const struct agg_range *r)
{
	int32_t c = s->closed[i];
	if (c == DATE_NONE || c < r->from || c > r->to || c > r->as_of)
		return DATE_NONE;
	return c;
}

int agg_trend(const struct snap *s, const struct agg_range *r, int dept, int emp,
	      struct agg_trend *out)
{
	const uint32_t *list;
	size_t n;
	if (group_list(s, dept, emp, &list, &n))
		return -1;
	out->n = 0;
	out->slope_per_week = out->intercept = out->r2 = NAN;
	double *x = agg_alloc(n * sizeof(*x)), *y = agg_alloc(n * sizeof(*y));
	size_t m = 0;
	for (size_t j = 0; j < n; j++) {
		int32_t c = closed_in(s, list[j], r);
		if (c == DATE_NONE)
			continue;
		x[m] = c - r->from;
		y[m] = calendar_days(r->cal, s->opened[list[j]], c);
		m++;
	}
	out->n = (int64_t)m;
	if (m >= 3) {
		double mx = 0, my = 0, sxx = 0, sxy = 0, syy = 0;
		for (size_t j = 0; j < m; j++) {
			mx += x[j];
			my += y[j];
		}
		mx /= (double)m;
		my /= (double)m;
		for (size_t j = 0; j < m; j++) {
			sxx += (x[j] - mx) * (x[j] - mx);
			sxy += (x[j] - mx) * (y[j] - my);
			syy += (y[j] - my) * (y[j] - my);
		}
		if (sxx > 0) {
			double slope = sxy / sxx;
			out->slope_per_week = slope * 7;
			out->intercept = my - slope * mx;
			out->r2 = syy > 0 ? sxy * sxy / (sxx * syy) : NAN;
		}
	}
	free(x);
	free(y);
	return 0;
}

long agg_histogram(const struct snap *s, const struct agg_range *r, int dept, int emp,
		   struct agg_hist_bin **out)
{
	const uint32_t *list;
	size_t n;
	*out = NULL;
	if (group_list(s, dept, emp, &list, &n))
		return -1;
	struct agg_keys ks = { 0 };
	for (size_t j = 0; j < n; j++) {
		int32_t c = closed_in(s, list[j], r);
		if (c != DATE_NONE)
			agg_keys_push(&ks, agg_key(0, calendar_days(r->cal, s->opened[list[j]], c), 0));
	}
	agg_sort_keys(ks.k, ks.n);
	struct agg_hist_bin *bins = agg_alloc(ks.n * sizeof(*bins));
	long nbins = 0;
	for (size_t j = 0; j < ks.n; j++) {
		int32_t v = agg_key_value(ks.k[j]);
		if (nbins && bins[nbins - 1].days == v) {
			bins[nbins - 1].count++;
		} else {
			bins[nbins].days = v;
			bins[nbins].count = 1;
			nbins++;
		}
	}
	agg_keys_release(&ks);
	*out = bins;
	return nbins;
}

/* ---- period comparison ---- */

static void compare_run(void *ctx, uint32_t group, uint32_t bucket, const uint64_t *run,
			size_t len)
{
	(void)bucket;
	struct agg_compare *c = ctx;
	struct agg_compare_dept *d = &c->depts[group / 2];
	agg_dist_from_run(run, len, group % 2 ? &d->b : &d->a);
}

static void compare_side(const struct snap *s, const struct agg_range *r, uint32_t side,
			 struct agg_keys *ks)
{
	for (uint32_t i = 0; i < s->nticket; i++) {
		int32_t c = closed_in(s, i, r);
		if (c != DATE_NONE)
			agg_keys_push(ks, agg_key(s->dept[i] * 2u + side,
						  calendar_days(r->cal, s->opened[i], c), 0));
	}
}

struct agg_compare *agg_compare(const struct snap *s, const struct agg_range *a,
				const struct agg_range *b)
{
	if (!agg_range_valid(a) || !agg_range_valid(b))
		return NULL;
	struct agg_compare *c = agg_zalloc(1, sizeof(*c));
	c->ndepts = s->ndepts;
	c->depts = agg_zalloc(s->ndepts, sizeof(*c->depts));
	for (size_t k = 0; k < s->ndepts; k++) {
		agg_dist_empty(&c->depts[k].a);
		agg_dist_empty(&c->depts[k].b);
	}
	struct agg_keys ks = { 0 };
	compare_side(s, a, 0, &ks);
	compare_side(s, b, 1, &ks);
	agg_each_run(ks.k, ks.n, 0, compare_run, c);

	/* runs are sorted: department k's side a, then side b */
	size_t pos = 0;
	double *va = agg_alloc(ks.n * sizeof(*va));
	for (size_t k = 0; k < s->ndepts; k++) {
		struct agg_compare_dept *d = &c->depts[k];
		size_t na = (size_t)d->a.n, nb = (size_t)d->b.n;
		for (size_t j = 0; j < na + nb; j++)
			va[j] = agg_key_value(ks.k[pos + j]);
		pos += na + nb;
		d->p_value = agg_mann_whitney_sorted(va, na, va + na, nb);
		d->change_p50 = d->b.p50 - d->a.p50;
		d->change_mean = d->b.mean - d->a.mean;
	}
	free(va);
	agg_keys_release(&ks);
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

struct lb_ctx {
	const struct snap *s;
	struct lb_stat *st;       /* nemps × 2 periods */
};

static void lb_run(void *ctx, uint32_t group, uint32_t bucket, const uint64_t *run, size_t len)
{
	(void)bucket;
	struct lb_ctx *lc = ctx;
	const struct snap *s = lc->s;
	struct lb_stat *st = &lc->st[group];
	int sla = s->depts[s->emps[group / 2].dept].sla_days;
	struct agg_dist d;
	agg_dist_from_run(run, len, &d);
	st->closed = (int64_t)len;
	st->p50 = d.p50;
	st->hits = 0;
	for (size_t j = 0; j < len; j++)
		st->hits += agg_key_value(run[j]) <= sla;
}

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

static void lb_period(const struct snap *s, const struct lb_stat *st, int period, size_t size,
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
				const struct lb_stat *x = &st[e * 2 + (uint32_t)period];
				struct lb_cand cd = { s->emps[e].name, (int)e, 0, 0, x->closed };
				if (board == AGG_LB_MOST_CLOSED) {
					if (x->closed < 1)
						continue;
					cd.value = (double)x->closed;
					cd.sortv = -cd.value;
				} else {
					if (x->closed < min_closed)
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
			for (size_t j = 0; j < nc; j++)
				ent[j] = (struct agg_lb_entry){ cand[j].emp, cand[j].value, cand[j].closed };
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
	const struct agg_lb_period *per[2] = { &lb->day, &lb->week };

	struct agg_keys ks = { 0 };
	for (uint32_t i = 0; i < s->nticket; i++) {
		int32_t c = s->closed[i];
		if (c == DATE_NONE || c > as_of)
			continue;
		for (uint32_t p = 0; p < 2; p++)
			if (c >= per[p]->start && c <= per[p]->end)
				agg_keys_push(&ks, agg_key(s->emp[i] * 2 + p,
							   calendar_days(cal, s->opened[i], c), 0));
	}
	struct lb_stat *st = agg_zalloc(s->nemps * 2, sizeof(*st));
	struct lb_ctx lc = { s, st };
	agg_each_run(ks.k, ks.n, 0, lb_run, &lc);
	agg_keys_release(&ks);
	lb_period(s, st, 0, size, min_closed, &lb->day);
	lb_period(s, st, 1, size, min_closed, &lb->week);
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

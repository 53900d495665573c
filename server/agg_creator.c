/*
 * agg_creator.c - the creator-level aggregates of SPEC §3: end-to-end lead
 * time with its rolling 28-day mean, the stage decomposition and the
 * bottleneck, one creator's timeline, and creator search; see agg.h.
 *
 * The snapshot keeps each creator's tickets contiguous and ordered by
 * (department, opened), so one sequential pass summarises every creator
 * per department as of as_of (earliest opened, latest closed, whether all
 * are closed) without any look-up.  Values are then keyed by (group,
 * value) and radix-sorted like the ticket metrics in agg.c.
 */
#include "agg.h"
#include "agg_stats.h"
#include "calendar.h"
#include "date.h"
#include "snap.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---- one creator in one department, as of as_of ---- */

struct cstage {
	int32_t first_open;       /* earliest opened_on */
	int32_t last_close;       /* latest closed_on (DATE_NONE: none yet) */
	int complete;             /* every ticket closed on or before as_of */
	size_t ntickets;          /* opened on or before as_of */
};

static void creator_scan(const struct snap *s, uint32_t c, int32_t as_of, struct cstage *cs)
{
	for (size_t k = 0; k < s->ndepts; k++)
		cs[k] = (struct cstage){ DATE_NONE, DATE_NONE, 1, 0 };
	for (uint32_t i = s->creator_first[c]; i < s->creator_first[c + 1]; i++) {
		int32_t o = s->opened[i], cl = s->closed[i];
		if (o > as_of)
			continue; /* no rows: does not exist as of as_of */
		struct cstage *x = &cs[s->dept[i]];
		if (x->ntickets++ == 0 || o < x->first_open)
			x->first_open = o;
		if (cl == DATE_NONE || cl > as_of)
			x->complete = 0;
		else if (cl > x->last_close)
			x->last_close = cl;
	}
}

/* Stage time of department k: 1 and *value, *date when it exists. */
static int stage_of(const struct cstage *cs, size_t k, const struct calendar *cal, int32_t *value,
		    int32_t *date)
{
	if (!cs[k].ntickets || !cs[k].complete)
		return 0;
	*value = calendar_days(cal, cs[k].first_open, cs[k].last_close);
	*date = cs[k].last_close;
	return 1;
}

/* Handoff wait into department k > 0 from k − 1, dated the day it ended
 * (the later of its two ends; see agg.h). */
static int wait_before(const struct cstage *cs, size_t k, const struct calendar *cal,
		       int32_t *value, int32_t *date)
{
	if (k == 0 || !cs[k].ntickets || !cs[k - 1].ntickets || !cs[k - 1].complete)
		return 0;
	*value = calendar_days(cal, cs[k - 1].last_close, cs[k].first_open);
	*date = cs[k].first_open > cs[k - 1].last_close ? cs[k].first_open : cs[k - 1].last_close;
	return 1;
}

static int end_to_end(const struct cstage *cs, size_t nd, const struct calendar *cal,
		      int32_t *value, int32_t *date)
{
	if (nd == 0 || !cs[0].ntickets || !cs[nd - 1].ntickets)
		return 0;
	*value = calendar_days(cal, cs[0].first_open, cs[nd - 1].first_open);
	*date = cs[nd - 1].first_open;
	return 1;
}

/* Bucket of each day of the range. */
static uint32_t *day_buckets(const struct agg_range *r, const struct agg_span *sp, size_t nb)
{
	uint32_t *bday = agg_alloc(((size_t)(r->to - r->from) + 1) * sizeof(*bday));
	for (size_t b = 0; b < nb; b++)
		for (int32_t d = sp[b].start; d <= sp[b].end; d++)
			bday[d - r->from] = (uint32_t)b;
	return bday;
}

/* ---- end-to-end ---- */

static void e2e_run(void *ctx, uint32_t group, uint32_t bucket, const uint64_t *run, size_t len)
{
	struct agg_e2e *e = ctx;
	(void)group;
	agg_dist_from_run(run, len, bucket < e->nbuckets ? &e->series[bucket] : &e->totals);
}

struct agg_e2e *agg_end_to_end(const struct snap *s, const struct agg_range *r)
{
	if (!agg_range_valid(r))
		return NULL;
	struct agg_e2e *e = agg_zalloc(1, sizeof(*e));
	size_t nb = e->nbuckets = agg_buckets(r, &e->buckets);
	e->series = agg_alloc(nb * sizeof(*e->series));
	for (size_t b = 0; b < nb; b++)
		agg_dist_empty(&e->series[b]);
	agg_dist_empty(&e->totals);
	e->ndays = (size_t)(r->to - r->from) + 1;
	e->rolling = agg_alloc(e->ndays * sizeof(*e->rolling));

	/* per day sums over [from − 27, to] for the rolling window */
	int32_t lo = r->from - 27;
	size_t nw = e->ndays + 27;
	int64_t *sum = agg_zalloc(nw, sizeof(*sum)), *cnt = agg_zalloc(nw, sizeof(*cnt));
	uint32_t *bday = day_buckets(r, e->buckets, nb);
	struct cstage *cs = agg_alloc((s->ndepts ? s->ndepts : 1) * sizeof(*cs));
	struct agg_keys ks = { 0 };
	for (uint32_t c = 0; c < s->ncreators; c++) {
		creator_scan(s, c, r->as_of, cs);
		int32_t v, d;
		if (!end_to_end(cs, s->ndepts, r->cal, &v, &d) || d < lo || d > r->to)
			continue;
		sum[d - lo] += v;
		cnt[d - lo]++;
		if (d >= r->from)
			agg_keys_push(&ks, agg_key(0, v, bday[d - r->from]));
	}
	agg_each_run(ks.k, ks.n, nb, e2e_run, e);

	int64_t wsum = 0, wcnt = 0;
	for (size_t j = 0; j < nw; j++) {
		wsum += sum[j];
		wcnt += cnt[j];
		if (j >= 28) {
			wsum -= sum[j - 28];
			wcnt -= cnt[j - 28];
		}
		if (j >= 27)
			e->rolling[j - 27] = wcnt ? (double)wsum / (double)wcnt : NAN;
	}
	agg_keys_release(&ks);
	free(cs);
	free(bday);
	free(sum);
	free(cnt);
	return e;
}

void agg_e2e_free(struct agg_e2e *e)
{
	if (!e)
		return;
	free(e->buckets);
	free(e->series);
	free(e->rolling);
	free(e);
}

/* ---- stages ---- */

/* Key groups: k × 2 + kind, kind 0 stage, 1 wait; bucket nb = the whole
 * range. */
static void stages_run(void *ctx, uint32_t group, uint32_t bucket, const uint64_t *run, size_t len)
{
	struct agg_stages *st = ctx;
	size_t nb = st->nbuckets, b = bucket;
	struct agg_stage_dept *d = &st->depts[group / 2];
	struct agg_dist *out;
	if (group % 2 == 0)
		out = b < nb ? &d->stage_series[b] : &d->stage;
	else
		out = b < nb ? &d->wait_series[b] : &d->wait;
	agg_dist_from_run(run, len, out);
}

static void stage_push(struct agg_keys *ks, const struct agg_range *r, const uint32_t *bday,
		       size_t k, int kind, int32_t value, int32_t date)
{
	if (date < r->from || date > r->to)
		return;
	agg_keys_push(ks, agg_key((uint32_t)(k * 2 + (size_t)kind), value, bday[date - r->from]));
}

/* p50_share and the bottleneck; see agg.h.  The candidates are the
 * departments whose stage lies on the end-to-end path: all but the last
 * (the only one when there is one). */
static void stages_bottleneck(struct agg_stages *st)
{
	size_t nd = st->ndepts, ncand = nd > 1 ? nd - 1 : nd;
	double total = 0;
	int any = 0;
	for (size_t k = 0; k < nd; k++) {
		if (k < ncand && !isnan(st->depts[k].stage.p50)) {
			total += st->depts[k].stage.p50;
			any = 1;
		}
		if (k > 0 && !isnan(st->depts[k].wait.p50)) {
			total += st->depts[k].wait.p50;
			any = 1;
		}
	}
	st->bottleneck = -1;
	for (size_t k = 0; k < nd; k++) {
		double p = st->depts[k].stage.p50;
		st->depts[k].p50_share = NAN;
		if (k >= ncand || isnan(p))
			continue;
		if (any && total != 0)
			st->depts[k].p50_share = p / total;
		else
			continue; /* every median 0: no share, no bottleneck */
		if (st->bottleneck < 0 || p > st->depts[st->bottleneck].stage.p50)
			st->bottleneck = (int)k;
	}
}

struct agg_stages *agg_stages(const struct snap *s, const struct agg_range *r)
{
	if (!agg_range_valid(r))
		return NULL;
	struct agg_stages *st = agg_zalloc(1, sizeof(*st));
	size_t nb = st->nbuckets = agg_buckets(r, &st->buckets);
	size_t nd = st->ndepts = s->ndepts;
	st->depts = agg_zalloc(nd, sizeof(*st->depts));
	for (size_t k = 0; k < nd; k++) {
		struct agg_stage_dept *d = &st->depts[k];
		agg_dist_empty(&d->stage);
		agg_dist_empty(&d->wait);
		d->stage_series = agg_alloc(nb * sizeof(*d->stage_series));
		d->wait_series = agg_alloc(nb * sizeof(*d->wait_series));
		for (size_t b = 0; b < nb; b++) {
			agg_dist_empty(&d->stage_series[b]);
			agg_dist_empty(&d->wait_series[b]);
		}
	}
	uint32_t *bday = day_buckets(r, st->buckets, nb);
	struct cstage *cs = agg_alloc((nd ? nd : 1) * sizeof(*cs));
	struct agg_keys ks = { 0 };
	for (uint32_t c = 0; c < s->ncreators; c++) {
		creator_scan(s, c, r->as_of, cs);
		for (size_t k = 0; k < nd; k++) {
			int32_t v, d;
			if (stage_of(cs, k, r->cal, &v, &d))
				stage_push(&ks, r, bday, k, 0, v, d);
			if (wait_before(cs, k, r->cal, &v, &d))
				stage_push(&ks, r, bday, k, 1, v, d);
		}
	}
	agg_each_run(ks.k, ks.n, nb, stages_run, st);
	stages_bottleneck(st);
	agg_keys_release(&ks);
	free(cs);
	free(bday);
	return st;
}

void agg_stages_free(struct agg_stages *st)
{
	if (!st)
		return;
	for (size_t k = 0; k < st->ndepts; k++) {
		free(st->depts[k].stage_series);
		free(st->depts[k].wait_series);
	}
	free(st->depts);
	free(st->buckets);
	free(st);
}

/* ---- one creator's timeline ---- */

struct agg_timeline *agg_timeline(const struct snap *s, int creator, int32_t as_of)
{
	return agg_timeline_days(s, creator, as_of, NULL);
}

struct agg_timeline *agg_timeline_days(const struct snap *s, int creator, int32_t as_of,
				       const struct calendar *cal)
{
	if (creator < 0 || (size_t)creator >= s->ncreators)
		return NULL;
	uint32_t c = (uint32_t)creator, lo = s->creator_first[c], hi = s->creator_first[c + 1];
	size_t nd = s->ndepts;
	struct agg_timeline *t = agg_zalloc(1, sizeof(*t));
	t->creator = creator;
	t->tickets = agg_alloc((hi - lo) * sizeof(*t->tickets));
	for (uint32_t i = lo; i < hi; i++) {
		if (s->opened[i] > as_of)
			continue;
		int32_t cl = s->closed[i];
		t->tickets[t->ntickets++] = (struct agg_tl_ticket){
			i, s->dept[i], (int)s->emp[i], s->opened[i],
			cl != DATE_NONE && cl <= as_of ? cl : DATE_NONE
		};
	}
	struct cstage *cs = agg_alloc((nd ? nd : 1) * sizeof(*cs));
	creator_scan(s, c, as_of, cs);
	t->stages = agg_alloc((nd ? nd : 1) * sizeof(*t->stages));
	for (size_t k = 0; k < nd; k++) {
		if (!cs[k].ntickets)
			continue;
		struct agg_tl_stage *x = &t->stages[t->nstages++];
		int32_t v, d;
		x->dept = (int)k;
		x->start = cs[k].first_open;
		x->end = cs[k].complete ? cs[k].last_close : DATE_NONE;
		x->days = stage_of(cs, k, cal, &v, &d) ? v : NAN;
		x->wait_before = wait_before(cs, k, cal, &v, &d) ? v : NAN;
		x->ntickets = cs[k].ntickets;
	}
	int32_t v, d;
	t->end_to_end = NAN;
	t->campaign_start = DATE_NONE;
	if (end_to_end(cs, nd, cal, &v, &d)) {
		t->end_to_end = v;
		t->campaign_start = d;
	}
	free(cs);
	return t;
}

void agg_timeline_free(struct agg_timeline *t)
{
	if (!t)
		return;
	free(t->tickets);
	free(t->stages);
	free(t);
}

/* ---- search ---- */

static unsigned char lower(unsigned char ch)
{
	return ch >= 'A' && ch <= 'Z' ? (unsigned char)(ch + 32) : ch;
}

/* Whether hay contains needle (already lower case), ASCII case-insensitive. */
static int contains_ci(const char *hay, const unsigned char *needle, size_t n)
{
	if (n == 0)
		return 1;
	for (const unsigned char *h = (const unsigned char *)hay; *h; h++) {
		if (lower(*h) != needle[0])
			continue;
		size_t j = 1;
		while (j < n && h[j] && lower(h[j]) == needle[j])
			j++;
		if (j == n)
			return 1;
	}
	return 0;
}

size_t agg_creator_search(const struct snap *s, const char *q, int32_t as_of, size_t limit,
			  struct agg_creator_hit *out, size_t *total)
{
	size_t n = strlen(q), nhit = 0, nall = 0;
	unsigned char *needle = agg_alloc(n + 1);
	for (size_t i = 0; i < n; i++)
		needle[i] = lower((unsigned char)q[i]);
	for (uint32_t c = 0; c < s->ncreators; c++) {
		if (!contains_ci(s->creator_name[c], needle, n))
			continue;
		struct agg_creator_hit h = { (int)c, 0, DATE_NONE, DATE_NONE };
		for (uint32_t i = s->creator_first[c]; i < s->creator_first[c + 1]; i++) {
			int32_t o = s->opened[i], cl = s->closed[i];
			if (o > as_of)
				continue;
			if (h.tickets++ == 0 || o < h.first_opened)
				h.first_opened = o;
			int32_t last = cl != DATE_NONE && cl <= as_of ? cl : o;
			if (last > h.last_activity)
				h.last_activity = last;
		}
		if (!h.tickets)
			continue;
		if (nhit < limit)
			out[nhit++] = h;
		nall++;
	}
	free(needle);
	if (total)
		*total = nall;
	return nhit;
}

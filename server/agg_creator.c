/*
 * agg_creator.c - the creator-level aggregates of SPEC §3: end-to-end lead
 * time with its rolling 28-day mean, the stage decomposition and the
 * bottleneck, one creator's timeline, and creator search; see agg.h.
 *
 * End-to-end times, stage times and waits are kept per creator in the
 * snapshot's creator-level rollup (snap.h: the values of each creator as
 * of the snapshot's as_of, dated as agg.h says), so the aggregates only
 * merge daily histograms; a range with another as_of (time travel) gets a
 * rollup computed for it.  The timeline and search read the creators'
 * ticket lists.
 */
#include "agg.h"
#include "agg_stats.h"
#include "corder.h"
#include "date.h"
#include "snap.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---- end-to-end ---- */

struct agg_e2e *agg_end_to_end(const struct snap *s, const struct agg_range *r)
{
	if (!agg_range_valid(r))
		return NULL;
	struct agg_e2e *e = agg_zalloc(1, sizeof(*e));
	size_t nb = e->nbuckets = agg_buckets(r, &e->buckets);
	e->series = agg_alloc(nb * sizeof(*e->series));
	e->ndays = (size_t)(r->to - r->from) + 1;
	e->rolling = agg_alloc(e->ndays * sizeof(*e->rolling));
	struct roll *cre = snap_creator_roll(s, r->as_of, r->cal);
	const struct roll_series *rs = roll_group(cre, SNAP_E2E);
	agg_series_dists(rs, e->buckets, nb, e->series, &e->totals);

	/* per day sums over [from − 27, to] for the rolling window */
	int32_t lo = r->from - 27;
	size_t nw = e->ndays + 27;
	int64_t *sum = agg_alloc(nw * sizeof(*sum)), *cnt = agg_alloc(nw * sizeof(*cnt));
	agg_series_daily(rs, lo, r->to, sum, cnt);
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
	free(sum);
	free(cnt);
	roll_put(cre);
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
	struct roll *cre = snap_creator_roll(s, r->as_of, r->cal);
	for (size_t k = 0; k < nd; k++) {
		struct agg_stage_dept *d = &st->depts[k];
		d->stage_series = agg_alloc(nb * sizeof(*d->stage_series));
		d->wait_series = agg_alloc(nb * sizeof(*d->wait_series));
		agg_series_dists(roll_group(cre, snap_stage_group(k)), st->buckets, nb,
				 d->stage_series, &d->stage);
		agg_series_dists(k ? roll_group(cre, snap_wait_group(nd, k)) : NULL, st->buckets, nb,
				 d->wait_series, &d->wait);
	}
	roll_put(cre);
	stages_bottleneck(st);
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

static int tl_cmp(const void *pa, const void *pb)
{
	const struct agg_tl_ticket *a = pa, *b = pb;
	if (a->dept != b->dept)
		return a->dept < b->dept ? -1 : 1;
	if (a->opened != b->opened)
		return a->opened < b->opened ? -1 : 1;
	return strcmp(a->ticket_id, b->ticket_id);
}

struct agg_timeline *agg_timeline(const struct snap *s, int64_t creator, int32_t as_of)
{
	return agg_timeline_days(s, creator, as_of, NULL);
}

struct agg_timeline *agg_timeline_days(const struct snap *s, int64_t creator, int32_t as_of,
				       const struct calendar *cal)
{
	const struct snap_cr *cr = creator > 0 && creator <= UINT32_MAX
		? snap_creator(s, (uint32_t)creator) : NULL;
	if (!cr)
		return NULL;
	size_t nd = s->ndepts;
	struct agg_timeline *t = agg_zalloc(1, sizeof(*t));
	t->creator = creator;
	t->name = cr->name;
	t->tickets = agg_alloc(cr->ntickets * sizeof(*t->tickets));
	struct snap_cstage *cs = agg_alloc((nd ? nd : 1) * sizeof(*cs));
	for (size_t k = 0; k < nd; k++)
		cs[k] = (struct snap_cstage){ DATE_NONE, DATE_NONE, 1, 0 };
	for (uint32_t i = cr->head; i;) {
		const struct snap_tk *x = pvec_at(s->tickets, i);
		uint32_t slot = i;
		i = x->next;
		int k = snap_tk_dept(s, x);
		if (k < 0 || x->opened > as_of)
			continue;
		int32_t cl = x->closed != DATE_NONE && x->closed <= as_of ? x->closed : DATE_NONE;
		t->tickets[t->ntickets++] = (struct agg_tl_ticket){ slot, x->tid, k, snap_tk_emp(s, x),
								    x->opened, cl };
		snap_cstage_add(&cs[k], x->opened, cl);
	}
	qsort(t->tickets, t->ntickets, sizeof(*t->tickets), tl_cmp);
	t->stages = agg_alloc((nd ? nd : 1) * sizeof(*t->stages));
	for (size_t k = 0; k < nd; k++) {
		if (!cs[k].ntickets)
			continue;
		struct agg_tl_stage *x = &t->stages[t->nstages++];
		int32_t v, d;
		x->dept = (int)k;
		x->start = cs[k].first_open;
		x->end = cs[k].complete ? cs[k].last_close : DATE_NONE;
		x->days = snap_stage_value(cs, k, cal, &v, &d) ? v : NAN;
		x->wait_before = snap_wait_value(cs, k, cal, &v, &d) ? v : NAN;
		x->ntickets = cs[k].ntickets;
	}
	int32_t v, d;
	t->end_to_end = NAN;
	t->campaign_start = DATE_NONE;
	if (snap_e2e_value(cs, nd, cal, &v, &d)) {
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
	const struct corder *o = s->order;
	for (size_t ci = 0; ci < o->nchunks; ci++) {
		const struct corder_chunk *ch = o->c[ci];
		for (uint32_t j = 0; j < ch->n; j++) {
			const struct corder_ent *e = &ch->e[j];
			if (e->first_opened > as_of || !contains_ci(e->name, needle, n))
				continue;
			nall++;
			if (nhit >= limit)
				continue;
			struct agg_creator_hit h = { e->id, e->name, 0, DATE_NONE, DATE_NONE };
			const struct snap_cr *cr = snap_creator(s, e->id);
			for (uint32_t i = cr ? cr->head : 0; i;) {
				const struct snap_tk *t = pvec_at(s->tickets, i);
				i = t->next;
				if (snap_tk_dept(s, t) < 0 || t->opened > as_of)
					continue;
				if (h.tickets++ == 0 || t->opened < h.first_opened)
					h.first_opened = t->opened;
				int32_t last = t->closed != DATE_NONE && t->closed <= as_of ? t->closed
											  : t->opened;
				if (last > h.last_activity)
					h.last_activity = last;
			}
			out[nhit++] = h;
		}
	}
	free(needle);
	if (total)
		*total = nall;
	return nhit;
}

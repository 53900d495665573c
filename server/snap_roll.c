/*
 * snap_roll.c - the rollups of a version built from scratch (ticket
 * rollups, creator-level values, the business-day memo) and the
 * creator-level values of one creator; see snap.h.
 */
#include "snap.h"
#include "calendar.h"
#include "snap_priv.h"
#include "xalloc.h"

#include <stdlib.h>
#include <string.h>

/* ---- creators: stages as of a day ---- */

int snap_stage_value(const struct snap_cstage *cs, size_t k, const struct calendar *cal,
		     int32_t *value, int32_t *date)
{
	if (!cs[k].ntickets || !cs[k].complete)
		return 0;
	*value = calendar_days(cal, cs[k].first_open, cs[k].last_close);
	*date = cs[k].last_close;
	return 1;
}

/* dated the day it ended: the later of its two ends (they only differ the
 * other way round when rework in k - 1 overlaps k: a negative wait) */
int snap_wait_value(const struct snap_cstage *cs, size_t k, const struct calendar *cal,
		    int32_t *value, int32_t *date)
{
	if (k == 0 || !cs[k].ntickets || !cs[k - 1].ntickets || !cs[k - 1].complete)
		return 0;
	*value = calendar_days(cal, cs[k - 1].last_close, cs[k].first_open);
	*date = cs[k].first_open > cs[k - 1].last_close ? cs[k].first_open : cs[k - 1].last_close;
	return 1;
}

int snap_e2e_value(const struct snap_cstage *cs, size_t nd, const struct calendar *cal,
		   int32_t *value, int32_t *date)
{
	if (nd == 0 || !cs[0].ntickets || !cs[nd - 1].ntickets)
		return 0;
	*value = calendar_days(cal, cs[0].first_open, cs[nd - 1].first_open);
	*date = cs[nd - 1].first_open;
	return 1;
}

static void creator_scan(const struct snap *s, uint32_t c, int32_t as_of, struct snap_cstage *cs)
{
	for (size_t k = 0; k < s->ndepts; k++)
		cs[k] = (struct snap_cstage){ DATE_NONE, DATE_NONE, 1, 0 };
	const struct snap_cr *cr = snap_creator(s, c);
	for (uint32_t i = cr ? cr->head : 0; i;) {
		const struct snap_tk *t = pvec_at(s->tickets, i);
		i = t->next;
		int k = snap_tk_dept(s, t);
		if (k < 0 || t->opened > as_of)
			continue; /* not reported / does not exist as of as_of */
		snap_cstage_add(&cs[k], t->opened,
				t->closed != DATE_NONE && t->closed <= as_of ? t->closed : DATE_NONE);
	}
}

/* Groups of a creator-level rollup over nd departments. */
size_t snap_creator_groups(size_t nd)
{
	return 2 + 2 * nd;
}

/* The values of creator c as of as_of in the day measure of cal (at most
 * snap_creator_groups()), in a fixed order.  Returns their number. */
size_t snap_creator_values(const struct snap *s, uint32_t c, int32_t as_of,
			     const struct calendar *cal, struct snap_cstage *cs, struct cval *out)
{
	size_t nd = s->ndepts, n = 0;
	int32_t v, d;
	creator_scan(s, c, as_of, cs);
	for (size_t k = 0; k < nd; k++) {
		if (snap_stage_value(cs, k, cal, &v, &d))
			out[n++] = (struct cval){ snap_stage_group(k), d, v };
		if (snap_wait_value(cs, k, cal, &v, &d))
			out[n++] = (struct cval){ snap_wait_group(nd, k), d, v };
	}
	if (snap_e2e_value(cs, nd, cal, &v, &d))
		out[n++] = (struct cval){ SNAP_E2E, d, v };
	if (nd && cs[nd - 1].ntickets)
		out[n++] = (struct cval){ snap_campaign_group(nd), cs[nd - 1].first_open, 0 };
	return n;
}

/* Earliest opened_on of c's tickets in configured departments. */
int32_t snap_creator_first_day(const struct snap *s, uint32_t c)
{
	int32_t first = INT32_MAX;
	const struct snap_cr *cr = snap_creator(s, c);
	for (uint32_t i = cr ? cr->head : 0; i;) {
		const struct snap_tk *t = pvec_at(s->tickets, i);
		i = t->next;
		if (snap_tk_dept(s, t) >= 0 && t->opened < first)
			first = t->opened;
	}
	return first;
}

/* The creator-level rollup of every creator of s as of as_of, in the day
 * measure of cal. */
struct roll *snap_creator_roll_build(const struct snap *s, int32_t as_of,
				       const struct calendar *cal)
{
	size_t ng = snap_creator_groups(s->ndepts);
	struct roll_builder *b = xcalloc(ng, sizeof(*b));
	struct snap_cstage *cs = xmalloc((s->ndepts ? s->ndepts : 1) * sizeof(*cs));
	struct cval *v = xmalloc(ng * sizeof(*v));
	for (size_t c = 0; c < s->creators->n; c++) {
		size_t n = snap_creator_values(s, (uint32_t)c, as_of, cal, cs, v);
		for (size_t j = 0; j < n; j++)
			roll_builder_value(&b[v[j].group], v[j].day, v[j].value);
	}
	struct roll *r = roll_new();
	roll_reserve(&r, (uint32_t)ng);
	for (size_t g = 0; g < ng; g++) {
		roll_builder_finish(&b[g], &r, (uint32_t)g);
		roll_builder_release(&b[g]);
	}
	free(b);
	free(cs);
	free(v);
	return r;
}

struct snap_travel {
	int32_t as_of;
	struct calendar *cal;   /* owned; NULL: calendar days */
	struct roll *cre;
};

void snap_travel_free(struct snap_travel *t)
{
	if (!t)
		return;
	roll_put(t->cre);
	calendar_free(t->cal);
	free(t);
}

struct roll *snap_creator_roll(const struct snap *s, int32_t as_of, const struct calendar *cal)
{
	if (as_of == s->as_of && !cal)
		return roll_ref(s->cre);
	struct snap *w = (struct snap *)s;
	struct snap_bz *bz = cal ? atomic_load(&w->bz) : NULL;
	if (as_of == s->as_of && bz && calendar_same(bz->cal, cal))
		return roll_ref(bz->cre);
	/* built under the lock: the pages of one time-travel view ask for the
	 * same as_of at once, and one build serves them all */
	pthread_mutex_lock(&w->travel_lock);
	struct snap_travel *t = w->travel;
	if (!t || t->as_of != as_of || !calendar_same(t->cal, cal)) {
		snap_travel_free(t);
		t = w->travel = xcalloc(1, sizeof(*t));
		t->as_of = as_of;
		t->cal = cal ? calendar_copy(cal) : NULL;
		t->cre = snap_creator_roll_build(s, as_of, cal);
	}
	struct roll *r = roll_ref(t->cre);
	pthread_mutex_unlock(&w->travel_lock);
	return r;
}

/* ---- ticket rollups from scratch ---- */

/* by_dept when dept, else by_emp, days to close in the measure of cal:
 * one builder pass per group, the tickets grouped first by a counting
 * sort. */
struct roll *snap_ticket_roll_build(const struct snap *s, int dept, const struct calendar *cal)
{
	uint32_t maxg = 0;
	size_t n = snap_nslots(s);
	for (size_t i = 0; i < n; i++) {
		const struct snap_tk *t = snap_ticket(s, i);
		uint32_t g = t ? (dept ? t->dept_id : t->emp_id) : 0;
		if (g > maxg)
			maxg = g;
	}
	uint32_t *first = xcalloc((size_t)maxg + 2, sizeof(*first));
	for (size_t i = 0; i < n; i++) {
		const struct snap_tk *t = snap_ticket(s, i);
		if (t)
			first[(dept ? t->dept_id : t->emp_id) + 1]++;
	}
	for (uint32_t g = 0; g <= maxg; g++)
		first[g + 1] += first[g];
	uint32_t *slots = xmalloc((first[maxg + 1] ? first[maxg + 1] : 1) * sizeof(*slots));
	uint32_t *pos = xmalloc(((size_t)maxg + 1) * sizeof(*pos));
	memcpy(pos, first, ((size_t)maxg + 1) * sizeof(*pos));
	for (size_t i = 0; i < n; i++) {
		const struct snap_tk *t = snap_ticket(s, i);
		if (t)
			slots[pos[dept ? t->dept_id : t->emp_id]++] = (uint32_t)i;
	}
	free(pos);
	struct roll *r = roll_new();
	roll_reserve(&r, maxg + 1);
	struct roll_builder b = { 0 };
	for (uint32_t g = 0; g <= maxg; g++) {
		for (uint32_t j = first[g]; j < first[g + 1]; j++) {
			const struct snap_tk *t = snap_ticket(s, slots[j]);
			roll_builder_open(&b, t->opened);
			if (t->closed != DATE_NONE)
				roll_builder_value(&b, t->closed, calendar_days(cal, t->opened, t->closed));
		}
		if (first[g + 1] > first[g])
			roll_builder_finish(&b, &r, g);
	}
	roll_builder_release(&b);
	free(slots);
	free(first);
	return r;
}

/* ---- business-day rollups ---- */

struct snap_bz *snap_bz_ref(struct snap_bz *bz)
{
	if (bz)
		atomic_fetch_add_explicit(&bz->refs, 1, memory_order_relaxed);
	return bz;
}

void snap_bz_put(struct snap_bz *bz)
{
	if (!bz || atomic_fetch_sub_explicit(&bz->refs, 1, memory_order_acq_rel) != 1)
		return;
	roll_put(bz->by_emp);
	roll_put(bz->by_dept);
	roll_put(bz->cre);
	calendar_free(bz->cal);
	free(bz);
}

static struct snap_bz *bz_build(const struct snap *s, const struct calendar *cal)
{
	struct snap_bz *bz = xcalloc(1, sizeof(*bz));
	atomic_init(&bz->refs, 1);
	bz->cal = calendar_copy(cal);
	bz->by_emp = snap_ticket_roll_build(s, 0, bz->cal);
	bz->by_dept = snap_ticket_roll_build(s, 1, bz->cal);
	bz->cre = snap_creator_roll_build(s, s->as_of, bz->cal);
	return bz;
}

struct snap_bz *snap_measure(const struct snap *s, const struct calendar *cal,
			     struct snap_measure *m)
{
	m->by_emp = s->by_emp;
	m->by_dept = s->by_dept;
	m->rw_emp = s->rw_emp;
	m->rw_dept = s->rw_dept;
	if (!cal)
		return NULL;
	/* the business-day rollups are a memo of data that never changes:
	 * the first thread to finish attaches them, a thread that loses the
	 * race drops its own */
	struct snap *w = (struct snap *)s;
	struct snap_bz *bz = atomic_load(&w->bz);
	if (!bz) {
		struct snap_bz *made = bz_build(s, cal), *none = NULL;
		if (atomic_compare_exchange_strong(&w->bz, &none, made)) {
			bz = made;
		} else {
			snap_bz_put(made);
			bz = none;
		}
	}
	/* another calendar than the view's (not made by snap_refresh()): a
	 * one-off for this caller */
	bz = calendar_same(bz->cal, cal) ? snap_bz_ref(bz) : bz_build(s, cal);
	m->by_emp = bz->by_emp;
	m->by_dept = bz->by_dept;
	return bz;
}

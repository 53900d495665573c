/*
 * test_snap.c - the analytics state made by edits equals the state built
 * from scratch, whatever the edits; older versions stay as they were.
 *
 * A model (plain arrays: departments, employees, creators, ticket slots,
 * the pipeline, as_of) is changed at random in batches: new tickets, new
 * creators, deletions, closes, reopens, date changes, moves to another
 * employee or department, a changed creator, no-op rewrites, the same slot
 * twice in a batch, new employees, SLA changes, pipeline reorders and
 * removals, new as_of days.  Each batch is applied to the previous version
 * through snap_edit_*(), and a version is built from the model through
 * snap_builder_*() (creators and tickets declared in a random order); the
 * two must be snap_equal() and give the same aggregates, byte for byte.
 * Versions are kept alive a while and released out of order; each one is
 * checked again against its own model before release (persistence), under
 * ASan in `make test`.
 */
#include "agg.h"
#include "calendar.h"
#include "snap.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

static uint64_t rng_state;

static uint64_t rng(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static int rnd(int lo, int hi)
{
	return lo + (int)(rng() % (uint64_t)(hi - lo + 1));
}

/* ---- the model ---- */

#define MAXD 6
#define MAXE 40
#define MAXC 120
#define MAXT 900

struct mticket {
	int live;
	char tid[24];
	uint32_t creator, emp;
	int32_t opened, closed;
};

struct model {
	char dname[MAXD + 1][16];     /* by department id 1..MAXD */
	int sla[MAXD + 1];
	uint32_t pipe[MAXD];           /* configured department ids, in order */
	size_t npipe;
	char ename[MAXE + 1][16];      /* by employee id */
	uint32_t edept[MAXE + 1];
	uint32_t nemp;
	char cname[MAXC + 1][24];      /* by creator id */
	uint32_t ncre;
	struct mticket t[MAXT + 1];    /* by slot */
	uint32_t nslot;
	int32_t as_of;
};

static const int32_t BASE = 20000;

static void model_init(struct model *m)
{
	memset(m, 0, sizeof(*m));
	static const char *const names[MAXD] = { "Sales", "Contract", "Design", "Make", "Campaign",
						 "Legacy" };
	for (int k = 1; k <= MAXD; k++) {
		snprintf(m->dname[k], sizeof(m->dname[k]), "%s", names[k - 1]);
		m->sla[k] = rnd(1, 15);
	}
	m->npipe = 5;
	for (size_t k = 0; k < m->npipe; k++)
		m->pipe[k] = (uint32_t)k + 1;
	for (uint32_t e = 1; e <= 14; e++) {
		snprintf(m->ename[e], sizeof(m->ename[e]), "E%c", "QWERTYUIOPASDF"[e - 1]);
		m->edept[e] = (uint32_t)rnd(1, MAXD);
	}
	m->nemp = 14;
	m->as_of = BASE + 120;
}

static uint32_t new_creator(struct model *m)
{
	if (m->ncre == MAXC)
		return (uint32_t)rnd(1, (int)m->ncre);
	uint32_t c = ++m->ncre;
	/* names not in id order; some share prefixes */
	snprintf(m->cname[c], sizeof(m->cname[c]), "%c-maker %u", "zaqmxb"[c % 6], c * 37 % 1000);
	return c;
}

static uint32_t any_emp(const struct model *m)
{
	return (uint32_t)rnd(1, (int)m->nemp);
}

static void random_dates(struct mticket *t)
{
	t->opened = BASE + rnd(-30, 160);
	int r = rnd(0, 99);
	t->closed = r < 15 ? DATE_NONE : r < 25 ? t->opened : t->opened + rnd(1, 50);
}

static uint32_t any_live(const struct model *m)
{
	for (int tries = 0; tries < 50; tries++) {
		uint32_t s = (uint32_t)rnd(1, (int)m->nslot);
		if (m->t[s].live)
			return s;
	}
	return 0;
}

/* ---- building ---- */

static struct snap_dims *dims_of(const struct model *m)
{
	struct snap_dept_src d[MAXD];
	struct snap_emp_src e[MAXE];
	for (size_t k = 0; k < m->npipe; k++)
		d[k] = (struct snap_dept_src){ m->dname[m->pipe[k]], m->sla[m->pipe[k]], m->pipe[k] };
	for (uint32_t i = 1; i <= m->nemp; i++)
		e[i - 1] = (struct snap_emp_src){ m->ename[i], i, m->edept[i] };
	return snap_dims_new(d, m->npipe, e, m->nemp);
}

static struct snap_tk_in tk_in(const struct model *m, uint32_t slot)
{
	const struct mticket *t = &m->t[slot];
	return (struct snap_tk_in){ t->tid, strlen(t->tid), t->creator, t->emp, m->edept[t->emp],
				    t->opened, t->closed };
}

static struct snap *build(const struct model *m, int64_t version)
{
	struct snap_builder *b = snap_builder_new(dims_of(m), m->as_of);
	uint32_t order[MAXC + MAXT + 2];
	size_t n = 0;
	for (uint32_t c = 1; c <= m->ncre; c++)
		order[n++] = c;
	for (size_t i = n; i > 1; i--) {
		size_t j = (size_t)rnd(0, (int)i - 1);
		uint32_t x = order[i - 1];
		order[i - 1] = order[j];
		order[j] = x;
	}
	for (size_t i = 0; i < n; i++)
		snap_builder_creator(b, order[i], m->cname[order[i]], strlen(m->cname[order[i]]));
	n = 0;
	for (uint32_t s = 1; s <= m->nslot; s++)
		if (m->t[s].live)
			order[n++] = s;
	for (size_t i = n; i > 1; i--) {
		size_t j = (size_t)rnd(0, (int)i - 1);
		uint32_t x = order[i - 1];
		order[i - 1] = order[j];
		order[j] = x;
	}
	for (size_t i = 0; i < n; i++) {
		struct snap_tk_in in = tk_in(m, order[i]);
		snap_builder_ticket(b, order[i], &in);
	}
	struct snap *s = snap_builder_finish(b, version);
	assert_non_null(s);
	return s;
}

/* ---- comparing aggregates ---- */

static void same_tables(const struct agg_table *a, const struct agg_table *b)
{
	assert_int_equal(a->ngroups, b->ngroups);
	assert_int_equal(a->nbuckets, b->nbuckets);
	for (size_t g = 0; g < a->ngroups; g++) {
		assert_int_equal(a->groups[g].emp, b->groups[g].emp);
		assert_memory_equal(&a->groups[g].totals, &b->groups[g].totals, sizeof(struct agg_metrics));
		assert_memory_equal(a->groups[g].series, b->groups[g].series,
				    a->nbuckets * sizeof(struct agg_metrics));
	}
}

static void same_aggregates(const struct snap *a, const struct snap *b, int32_t as_of,
			    const struct calendar *cal)
{
	struct agg_range ranges[] = {
		{ BASE - 40, as_of, as_of, AGG_WEEK, cal },
		{ BASE + 10, BASE + 70 < as_of ? BASE + 70 : as_of, as_of, AGG_DAY, cal },
		{ BASE + 3, as_of - 5, as_of, AGG_MONTH, cal },
	};
	for (size_t i = 0; i < sizeof(ranges) / sizeof(ranges[0]); i++) {
		const struct agg_range *r = &ranges[i];
		struct agg_table *x = agg_table_departments(a, r), *y = agg_table_departments(b, r);
		same_tables(x, y);
		assert_memory_equal(&x->all->totals, &y->all->totals, sizeof(struct agg_metrics));
		agg_table_free(x);
		agg_table_free(y);
		for (size_t k = 0; k < a->ndepts; k++) {
			x = agg_table_department(a, r, (int)k);
			y = agg_table_department(b, r, (int)k);
			same_tables(x, y);
			agg_table_free(x);
			agg_table_free(y);
		}
		struct agg_e2e *e = agg_end_to_end(a, r), *f = agg_end_to_end(b, r);
		assert_memory_equal(&e->totals, &f->totals, sizeof(e->totals));
		assert_memory_equal(e->series, f->series, e->nbuckets * sizeof(*e->series));
		assert_memory_equal(e->rolling, f->rolling, e->ndays * sizeof(*e->rolling));
		agg_e2e_free(e);
		agg_e2e_free(f);
		struct agg_stages *s = agg_stages(a, r), *t = agg_stages(b, r);
		assert_int_equal(s->bottleneck, t->bottleneck);
		for (size_t k = 0; k < a->ndepts; k++) {
			assert_memory_equal(&s->depts[k].stage, &t->depts[k].stage, sizeof(struct agg_dist));
			assert_memory_equal(&s->depts[k].wait, &t->depts[k].wait, sizeof(struct agg_dist));
			assert_memory_equal(s->depts[k].stage_series, t->depts[k].stage_series,
					    s->nbuckets * sizeof(struct agg_dist));
		}
		agg_stages_free(s);
		agg_stages_free(t);
	}
	struct agg_creator_hit h1[200], h2[200];
	size_t t1, t2;
	size_t n1 = agg_creator_search(a, "maker", as_of, 200, h1, &t1);
	size_t n2 = agg_creator_search(b, "maker", as_of, 200, h2, &t2);
	assert_int_equal(n1, n2);
	assert_int_equal(t1, t2);
	for (size_t i = 0; i < n1; i++) {
		assert_int_equal(h1[i].creator, h2[i].creator);
		assert_int_equal(h1[i].tickets, h2[i].tickets);
		assert_int_equal(h1[i].first_opened, h2[i].first_opened);
		assert_int_equal(h1[i].last_activity, h2[i].last_activity);
	}
}

/* ---- the test ---- */

#define KEEP 4

struct kept {
	struct snap *s;
	struct model *m;
};

/* The business days of the test: Saturdays and Sundays off, and two
 * holidays; then another calendar (Fridays off too). */
static struct calendar *CAL[2];

/* A snapshot's business-day rollups for cal, made now when it has none. */
static void attach(const struct snap *s, const struct calendar *cal)
{
	struct snap_measure m;
	snap_bz_put(snap_measure(s, cal, &m));
}

static void check_and_release(struct kept *k)
{
	struct snap *again = build(k->m, k->s->data_version);
	struct snap_bz *bz = atomic_load(&k->s->bz);
	if (bz)
		attach(again, bz->cal);
	assert_true(snap_equal(k->s, again));
	snap_put(again);
	snap_put(k->s);
	free(k->m);
	k->s = NULL;
	k->m = NULL;
}

/* One random change to the model, mirrored into the edit. */
static void random_change(struct model *m, struct snap_edit *e, int *dims_changed)
{
	int r = rnd(0, 99);
	uint32_t s;
	if (r < 30 && m->nslot < MAXT) {
		s = ++m->nslot;
		struct mticket *t = &m->t[s];
		t->live = 1;
		snprintf(t->tid, sizeof(t->tid), "T%u-%d", s, rnd(0, 9));
		t->creator = rnd(0, 3) || !m->ncre ? new_creator(m) : (uint32_t)rnd(1, (int)m->ncre);
		snap_edit_creator(e, t->creator, m->cname[t->creator], strlen(m->cname[t->creator]));
		t->emp = any_emp(m);
		random_dates(t);
	} else if (r < 40) {
		if (!(s = any_live(m)))
			return;
		m->t[s].live = 0;
		snap_edit_ticket(e, s, NULL);
		return;
	} else if (r < 85) {
		if (!(s = any_live(m)))
			return;
		struct mticket *t = &m->t[s];
		switch (rnd(0, 6)) {
		case 0: t->closed = DATE_NONE; break;                         /* reopen */
		case 1: t->closed = t->opened + rnd(0, 40); break;            /* close */
		case 2: random_dates(t); break;
		case 3: t->emp = any_emp(m); break;                           /* move */
		case 4:
			t->creator = rnd(0, 1) ? new_creator(m) : (uint32_t)rnd(1, (int)m->ncre);
			snap_edit_creator(e, t->creator, m->cname[t->creator],
					  strlen(m->cname[t->creator]));
			break;
		case 5: snprintf(t->tid, sizeof(t->tid), "R%u-%d", s, rnd(0, 99)); break;
		case 6: break;                                                /* no-op */
		}
	} else if (r < 89) {
		m->as_of = BASE + rnd(60, 200);
		snap_edit_as_of(e, m->as_of);
		return;
	} else if (r < 93 && m->nemp < MAXE) {
		uint32_t id = ++m->nemp;
		snprintf(m->ename[id], sizeof(m->ename[id]), "N%u", id);
		m->edept[id] = (uint32_t)rnd(1, MAXD);
		*dims_changed = 1;
		return;
	} else if (r < 96) {
		m->sla[rnd(1, MAXD)] = rnd(0, 20);
		*dims_changed = 1;
		return;
	} else {
		/* a new pipeline: a random subset of departments, shuffled */
		uint32_t ids[MAXD] = { 1, 2, 3, 4, 5, 6 };
		for (int i = MAXD; i > 1; i--) {
			int j = rnd(0, i - 1);
			uint32_t x = ids[i - 1];
			ids[i - 1] = ids[j];
			ids[j] = x;
		}
		m->npipe = (size_t)rnd(1, MAXD);
		memcpy(m->pipe, ids, m->npipe * sizeof(*ids));
		*dims_changed = 1;
		return;
	}
	struct snap_tk_in in = tk_in(m, s);
	snap_edit_ticket(e, s, &in);
}

static void test_edits_equal_rebuild(void **state)
{
	(void)state;
	rng_state = 20261202;
	const int32_t holidays[] = { BASE + 11, BASE + 40 };
	CAL[0] = calendar_new(CALENDAR_SAT_SUN, holidays, 2);
	CAL[1] = calendar_new(CALENDAR_SAT_SUN | (1u << 4), holidays, 1);
	int cal = -1; /* the calendar whose business-day rollups are kept */
	int with_bz = 0;
	struct model *m = calloc(1, sizeof(*m));
	model_init(m);
	for (int i = 0; i < 250; i++) {
		uint32_t s = ++m->nslot;
		struct mticket *t = &m->t[s];
		t->live = 1;
		snprintf(t->tid, sizeof(t->tid), "T%u", s);
		t->creator = rnd(0, 2) || !m->ncre ? new_creator(m) : (uint32_t)rnd(1, (int)m->ncre);
		t->emp = any_emp(m);
		random_dates(t);
	}
	struct snap *cur = build(m, 1);
	struct kept kept[KEEP] = { { NULL, NULL } };
	int64_t version = 1;
	int equal = 0;
	for (int batch = 0; batch < 300; batch++) {
		struct model *prev = malloc(sizeof(*prev));
		memcpy(prev, m, sizeof(*m));
		/* from batch 30 on, business-day rollups are attached to the
		 * version edited (first use), carried and maintained by the
		 * edits; now and then the calendar changes (dropped, then made
		 * again) */
		if (batch == 30 || (batch > 30 && batch % 40 == 0)) {
			cal = batch == 30 ? 0 : 1 - cal;
			attach(cur, CAL[cal]);
		}
		struct snap_edit *e = snap_edit_begin(cur);
		int dims_changed = 0, n = rnd(1, batch % 10 == 0 ? 40 : 4);
		for (int i = 0; i < n; i++)
			random_change(m, e, &dims_changed);
		if (dims_changed || rnd(0, 9) == 0)
			snap_edit_dims(e, dims_of(m));
		if (cal >= 0 && batch % 40 == 39)
			snap_edit_calendar(e, CAL[1 - cal]); /* drops them */
		struct snap *next = snap_edit_finish(e, ++version);
		struct snap *fresh = build(m, version);
		struct snap_bz *bz = atomic_load(&next->bz);
		if (bz) {
			attach(fresh, bz->cal);
			with_bz++;
		}
		assert_true(snap_equal(next, fresh));
		if (batch % 5 == 0) {
			same_aggregates(next, fresh, m->as_of, NULL);
			if (bz)
				same_aggregates(next, fresh, m->as_of, bz->cal);
		}
		snap_put(fresh);
		equal++;
		/* keep the previous version a while (readers still holding it) */
		struct kept *slot = &kept[rnd(0, KEEP - 1)];
		if (slot->s)
			check_and_release(slot);
		slot->s = cur;
		slot->m = prev;
		cur = next;
	}
	for (int i = 0; i < KEEP; i++)
		if (kept[i].s)
			check_and_release(&kept[i]);
	assert_int_equal(equal, 300);
	assert_true(m->nslot > 400);
	assert_true(with_bz > 200); /* business-day rollups were edited most of the run */
	snap_put(cur);
	free(m);
	calendar_free(CAL[0]);
	calendar_free(CAL[1]);
}

/* An edit that changes nothing gives equal data; an empty store works. */
static void test_small_cases(void **state)
{
	(void)state;
	rng_state = 7;
	struct model *m = calloc(1, sizeof(*m));
	model_init(m);
	struct snap *a = build(m, 3);
	struct snap_edit *e = snap_edit_begin(a);
	struct snap *b = snap_edit_finish(e, 3);
	assert_true(snap_equal(a, b));
	struct agg_range r = { BASE, BASE + 10, m->as_of, AGG_WEEK, NULL };
	struct agg_table *t = agg_table_departments(b, &r);
	assert_int_equal(t->all->totals.opened, 0);
	agg_table_free(t);
	/* one ticket in, then out again: back to the empty state */
	e = snap_edit_begin(b);
	m->nslot = 1;
	m->t[1] = (struct mticket){ 1, "X", 1, 1, BASE + 2, BASE + 5 };
	m->ncre = 1;
	snprintf(m->cname[1], sizeof(m->cname[1]), "Only");
	snap_edit_creator(e, 1, "Only", 4);
	struct snap_tk_in in = tk_in(m, 1);
	snap_edit_ticket(e, 1, &in);
	struct snap *c = snap_edit_finish(e, 4);
	t = agg_table_departments(c, &r);
	assert_int_equal(t->all->totals.opened, 1);
	assert_int_equal(t->all->totals.closed, 1);
	agg_table_free(t);
	e = snap_edit_begin(c);
	snap_edit_ticket(e, 1, NULL);
	struct snap *d = snap_edit_finish(e, 5);
	m->t[1].live = 0;
	struct snap *fresh = build(m, 5);
	assert_true(snap_equal(d, fresh));
	assert_false(snap_equal(c, fresh));
	snap_put(fresh);
	snap_put(a);
	snap_put(b);
	snap_put(c);
	snap_put(d);
	free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_small_cases),
		cmocka_unit_test(test_edits_equal_rebuild),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

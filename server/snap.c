/*
 * snap.c - versions of the analytics state: building from scratch, editing
 * a version into the next, reading; see snap.h.
 *
 * The creator-level values (end-to-end, stage times, waits) of a creator
 * are a function of its tickets alone.  An edit therefore collects every
 * creator a changed ticket belonged to before or after, and at the end
 * removes each one's values as the old version computed them and adds
 * them as the new version computes them.  A new as_of concerns only the
 * creators with a date between the two as_ofs, and a new pipeline
 * (departments added, removed or reordered) every creator, whose values
 * are then rebuilt in bulk; the ticket rollups never need either.
 */
#include "snap.h"
#include "arena.h"
#include "calendar.h"
#include "cfacts.h"
#include "corder.h"
#include "log.h"
#include "strmap.h"

#include <stdlib.h>
#include <string.h>

static void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (!p)
		abort();
	return p;
}

static void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);
	if (!p)
		abort();
	return p;
}

int snap_tk_usable(int32_t opened, int32_t closed)
{
	if (opened < DATE_MIN || opened > DATE_MAX)
		return 0;
	return closed == DATE_NONE || (closed >= opened && closed <= DATE_MAX);
}

/* ---- dimensions ---- */

struct emp_tmp {
	const char *name;
	int64_t store_id;
	int dept;
};

static int emp_tmp_cmp(const void *pa, const void *pb)
{
	const struct emp_tmp *a = pa, *b = pb;
	if (a->dept != b->dept)
		return a->dept < b->dept ? -1 : 1;
	int c = strcmp(a->name, b->name);
	if (c)
		return c;
	return a->store_id < b->store_id ? -1 : a->store_id > b->store_id;
}

struct snap_dims *snap_dims_new(const struct snap_dept_src *depts, size_t ndepts,
				const struct snap_emp_src *emps, size_t nemps)
{
	struct snap_dims *d = xcalloc(1, sizeof(*d));
	atomic_init(&d->refs, 1);
	d->names = arena_new();
	d->ndepts = ndepts;
	d->depts = xcalloc(ndepts, sizeof(*d->depts));
	int64_t maxd = 0;
	for (size_t k = 0; k < ndepts; k++) {
		d->depts[k].name = arena_strndup(d->names, depts[k].name, strlen(depts[k].name));
		d->depts[k].sla_days = depts[k].sla_days;
		d->depts[k].store_id = depts[k].store_id;
		if (depts[k].store_id > maxd)
			maxd = depts[k].store_id;
	}
	for (size_t i = 0; i < nemps; i++)
		if (emps[i].dept_id > maxd)
			maxd = emps[i].dept_id;
	d->ndept_ids = (size_t)maxd + 1;
	d->dept_of_id = xmalloc(d->ndept_ids * sizeof(*d->dept_of_id));
	for (size_t i = 0; i < d->ndept_ids; i++)
		d->dept_of_id[i] = -1;
	for (size_t k = 0; k < ndepts; k++)
		if (depts[k].store_id > 0)
			d->dept_of_id[depts[k].store_id] = (int32_t)k;

	struct emp_tmp *e = xcalloc(nemps, sizeof(*e));
	size_t ne = 0;
	int64_t maxe = 0;
	for (size_t i = 0; i < nemps; i++) {
		if (emps[i].store_id > maxe)
			maxe = emps[i].store_id;
		int k = emps[i].dept_id > 0 ? d->dept_of_id[emps[i].dept_id] : -1;
		if (k >= 0)
			e[ne++] = (struct emp_tmp){ emps[i].name, emps[i].store_id, k };
	}
	qsort(e, ne, sizeof(*e), emp_tmp_cmp);
	d->nemps = ne;
	d->emps = xcalloc(ne, sizeof(*d->emps));
	d->dept_emp_first = xcalloc(ndepts + 1, sizeof(*d->dept_emp_first));
	d->nemp_ids = (size_t)maxe + 1;
	d->emp_of_id = xmalloc(d->nemp_ids * sizeof(*d->emp_of_id));
	for (size_t i = 0; i < d->nemp_ids; i++)
		d->emp_of_id[i] = -1;
	for (size_t i = 0; i < ne; i++) {
		d->emps[i].name = arena_strndup(d->names, e[i].name, strlen(e[i].name));
		d->emps[i].store_id = e[i].store_id;
		d->emps[i].dept = e[i].dept;
		d->dept_emp_first[e[i].dept + 1]++;
		if (e[i].store_id > 0)
			d->emp_of_id[e[i].store_id] = (int32_t)i;
	}
	for (size_t k = 0; k < ndepts; k++)
		d->dept_emp_first[k + 1] += d->dept_emp_first[k];
	free(e);
	return d;
}

struct snap_dims *snap_dims_ref(struct snap_dims *d)
{
	if (d)
		atomic_fetch_add_explicit(&d->refs, 1, memory_order_relaxed);
	return d;
}

void snap_dims_put(struct snap_dims *d)
{
	if (!d || atomic_fetch_sub_explicit(&d->refs, 1, memory_order_acq_rel) != 1)
		return;
	free(d->depts);
	free(d->emps);
	free(d->dept_emp_first);
	free(d->emp_of_id);
	free(d->dept_of_id);
	arena_put(d->names);
	free(d);
}

int snap_dims_same_pipeline(const struct snap_dims *a, const struct snap_dims *b)
{
	if (a->ndepts != b->ndepts)
		return 0;
	for (size_t k = 0; k < a->ndepts; k++)
		if (a->depts[k].store_id != b->depts[k].store_id ||
		    strcmp(a->depts[k].name, b->depts[k].name) != 0)
			return 0;
	return 1;
}

int snap_dims_same(const struct snap_dims *a, const struct snap_dims *b)
{
	if (!snap_dims_same_pipeline(a, b) || a->nemps != b->nemps)
		return 0;
	for (size_t i = 0; i < a->nemps; i++)
		if (a->emps[i].store_id != b->emps[i].store_id || a->emps[i].dept != b->emps[i].dept ||
		    strcmp(a->emps[i].name, b->emps[i].name) != 0)
			return 0;
	return 1;
}

static void set_dims(struct snap *s, struct snap_dims *d)
{
	s->dims = d;
	s->depts = d->depts;
	s->ndepts = d->ndepts;
	s->emps = d->emps;
	s->nemps = d->nemps;
	s->dept_emp_first = d->dept_emp_first;
}

/* ---- lifetimes ---- */

struct snap *snap_ref(struct snap *s)
{
	if (s)
		atomic_fetch_add_explicit(&s->refs, 1, memory_order_relaxed);
	return s;
}

void snap_put(struct snap *s)
{
	if (!s || atomic_fetch_sub_explicit(&s->refs, 1, memory_order_acq_rel) != 1)
		return;
	snap_dims_put(s->dims);
	pvec_put(s->tickets);
	pvec_put(s->creators);
	corder_put(s->order);
	roll_put(s->by_emp);
	roll_put(s->by_dept);
	roll_put(s->cre);
	roll_put(s->rw_emp);
	roll_put(s->rw_dept);
	roll_put(s->ho);
	roll_put(s->pp);
	snap_bz_put(atomic_load(&s->bz));
	arena_put(s->strings);
	free(s);
}

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

/* A creator-level value: group of s->cre, date, value. */
struct cval {
	uint32_t group;
	int32_t day, value;
};

/* Groups of a creator-level rollup over nd departments. */
static size_t creator_groups(size_t nd)
{
	return 2 + 2 * nd;
}

/* The values of creator c as of as_of in the day measure of cal (at most
 * creator_groups()), in a fixed order.  Returns their number. */
static size_t creator_values(const struct snap *s, uint32_t c, int32_t as_of,
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
static int32_t creator_first(const struct snap *s, uint32_t c)
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
static struct roll *creator_roll_build(const struct snap *s, int32_t as_of,
				       const struct calendar *cal)
{
	size_t ng = creator_groups(s->ndepts);
	struct roll_builder *b = xcalloc(ng, sizeof(*b));
	struct snap_cstage *cs = xmalloc((s->ndepts ? s->ndepts : 1) * sizeof(*cs));
	struct cval *v = xmalloc(ng * sizeof(*v));
	for (size_t c = 0; c < s->creators->n; c++) {
		size_t n = creator_values(s, (uint32_t)c, as_of, cal, cs, v);
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

struct roll *snap_creator_roll(const struct snap *s, int32_t as_of, const struct calendar *cal)
{
	if (as_of == s->as_of && !cal)
		return roll_ref(s->cre);
	struct snap_bz *bz = cal ? atomic_load(&((struct snap *)s)->bz) : NULL;
	if (as_of == s->as_of && bz && calendar_same(bz->cal, cal))
		return roll_ref(bz->cre);
	return creator_roll_build(s, as_of, cal);
}

/* ---- ticket rollups from scratch ---- */

/* by_dept when dept, else by_emp, days to close in the measure of cal:
 * one builder pass per group, the tickets grouped first by a counting
 * sort. */
static struct roll *ticket_roll_build(const struct snap *s, int dept, const struct calendar *cal)
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

static struct snap_bz *bz_ref(struct snap_bz *bz)
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
	bz->by_emp = ticket_roll_build(s, 0, bz->cal);
	bz->by_dept = ticket_roll_build(s, 1, bz->cal);
	bz->cre = creator_roll_build(s, s->as_of, bz->cal);
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
	bz = calendar_same(bz->cal, cal) ? bz_ref(bz) : bz_build(s, cal);
	m->by_emp = bz->by_emp;
	m->by_dept = bz->by_dept;
	return bz;
}

/* ---- building ---- */

struct pending_cr {
	const char *name;
	uint32_t id;
};

struct snap_builder {
	struct snap *s;
	struct pending_cr *cr;
	size_t ncr, ccr;
	int sorted;               /* creators declared in name order so far */
	int failed;
};

static struct snap *snap_alloc(void)
{
	struct snap *s = xcalloc(1, sizeof(*s));
	atomic_init(&s->refs, 1);
	return s;
}

struct snap_builder *snap_builder_new(struct snap_dims *dims, int32_t as_of)
{
	struct snap_builder *b = xcalloc(1, sizeof(*b));
	struct snap *s = b->s = snap_alloc();
	set_dims(s, dims);
	s->tickets = pvec_new(sizeof(struct snap_tk));
	s->creators = pvec_new(sizeof(struct snap_cr));
	s->order = corder_new();
	s->strings = arena_new();
	s->as_of = as_of;
	b->sorted = 1;
	return b;
}

#define ID_LIMIT (UINT32_MAX - 1)

void snap_builder_creator(struct snap_builder *b, uint32_t id, const char *name, size_t len)
{
	if (id == 0 || id > ID_LIMIT) {
		log_err("snapshot: creator id %u out of range", id);
		b->failed = 1;
		return;
	}
	struct snap_cr *cr = pvec_mut(&b->s->creators, id);
	if (cr->name)
		return;
	cr->name = arena_strndup(b->s->strings, name, len);
	if (b->ncr && b->sorted && strcmp(b->cr[b->ncr - 1].name, cr->name) >= 0)
		b->sorted = 0;
	if (b->ncr == b->ccr) {
		b->ccr = b->ccr ? b->ccr * 2 : 1024;
		b->cr = realloc(b->cr, b->ccr * sizeof(*b->cr));
		if (!b->cr)
			abort();
	}
	b->cr[b->ncr++] = (struct pending_cr){ cr->name, id };
}

/* Link slot into creator c's list (head insertion). */
static void link_ticket(struct snap *s, uint32_t slot, uint32_t c)
{
	struct snap_cr *cr = pvec_mut(&s->creators, c);
	uint32_t head = cr->head;
	cr->head = slot;
	cr->ntickets++;
	((struct snap_tk *)pvec_mut(&s->tickets, slot))->next = head;
}

static void unlink_ticket(struct snap *s, uint32_t slot, uint32_t c)
{
	struct snap_cr *cr = pvec_mut(&s->creators, c);
	const struct snap_tk *t = pvec_at(s->tickets, slot);
	uint32_t next = t->next;
	cr->ntickets--;
	if (cr->head == slot) {
		cr->head = next;
		return;
	}
	for (uint32_t i = cr->head; i;) {
		const struct snap_tk *p = pvec_at(s->tickets, i);
		if (p->next == slot) {
			((struct snap_tk *)pvec_mut(&s->tickets, i))->next = next;
			return;
		}
		i = p->next;
	}
	abort(); /* a slot is in its creator's list: a bug upstream */
}

/* Write slot (empty when !t or unusable); links it to its creator. */
static int set_ticket(struct snap *s, uint32_t slot, const struct snap_tk_in *t, const char *tid)
{
	struct snap_tk *x = pvec_mut(&s->tickets, slot);
	if (!t || !snap_tk_usable(t->opened, t->closed) || !snap_creator(s, t->creator)) {
		memset(x, 0, sizeof(*x));
		return 0;
	}
	*x = (struct snap_tk){ t->opened, t->closed, t->emp_id, t->dept_id, t->creator, 0,
			       tid ? tid : arena_strndup(s->strings, t->tid, t->tid_len) };
	link_ticket(s, slot, t->creator);
	s->nticket++;
	return 1;
}

void snap_builder_ticket(struct snap_builder *b, uint32_t slot, const struct snap_tk_in *t)
{
	if (slot == 0 || slot > ID_LIMIT) {
		log_err("snapshot: ticket id %u out of range", slot);
		b->failed = 1;
		return;
	}
	if (snap_ticket(b->s, slot)) {
		log_err("snapshot: ticket slot %u given twice", slot);
		b->failed = 1;
		return;
	}
	if (t->creator == 0 || !snap_creator(b->s, t->creator)) {
		log_err("snapshot: ticket '%.*s': unknown creator %u", (int)t->tid_len, t->tid,
			t->creator);
		b->failed = 1;
		return;
	}
	set_ticket(b->s, slot, t, NULL);
}

static int pending_cmp(const void *pa, const void *pb)
{
	return strcmp(((const struct pending_cr *)pa)->name, ((const struct pending_cr *)pb)->name);
}

struct snap *snap_builder_finish(struct snap_builder *b, int64_t data_version)
{
	struct snap *s = b->s;
	int failed = b->failed;
	if (!failed) {
		if (!b->sorted)
			qsort(b->cr, b->ncr, sizeof(*b->cr), pending_cmp);
		for (size_t i = 0; i < b->ncr; i++) {
			struct corder_ent e = { b->cr[i].name, b->cr[i].id, creator_first(s, b->cr[i].id) };
			corder_append(&s->order, &e);
		}
		s->by_emp = ticket_roll_build(s, 0, NULL);
		s->by_dept = ticket_roll_build(s, 1, NULL);
		s->cre = creator_roll_build(s, s->as_of, NULL);
		cfacts_build(s);
		s->data_version = data_version;
	}
	free(b->cr);
	free(b);
	if (failed) {
		snap_put(s);
		return NULL;
	}
	return s;
}

/* ---- editing ---- */

struct snap_edit {
	struct snap *old;
	struct snap *s;
	uint32_t *aff;            /* creators concerned */
	size_t naff, caff;
	int repipe;               /* the pipeline changed */
};

static void touch(struct snap_edit *e, uint32_t c)
{
	if (e->naff == e->caff) {
		e->caff = e->caff ? e->caff * 2 : 64;
		e->aff = realloc(e->aff, e->caff * sizeof(*e->aff));
		if (!e->aff)
			abort();
	}
	e->aff[e->naff++] = c;
}

struct snap_edit *snap_edit_begin(struct snap *old)
{
	struct snap_edit *e = xcalloc(1, sizeof(*e));
	e->old = snap_ref(old);
	struct snap *s = e->s = snap_alloc();
	set_dims(s, snap_dims_ref(old->dims));
	s->tickets = pvec_ref(old->tickets);
	s->creators = pvec_ref(old->creators);
	s->order = corder_ref(old->order);
	s->by_emp = roll_ref(old->by_emp);
	s->by_dept = roll_ref(old->by_dept);
	s->cre = roll_ref(old->cre);
	s->rw_emp = roll_ref(old->rw_emp);
	s->rw_dept = roll_ref(old->rw_dept);
	s->ho = roll_ref(old->ho);
	s->pp = roll_ref(old->pp);
	atomic_init(&s->bz, bz_ref(atomic_load(&old->bz)));
	s->strings = arena_ref(old->strings);
	s->as_of = old->as_of;
	s->data_version = old->data_version;
	s->nticket = old->nticket;
	return e;
}

void snap_edit_dims(struct snap_edit *e, struct snap_dims *dims)
{
	if (!snap_dims_same_pipeline(e->s->dims, dims))
		e->repipe = 1;
	snap_dims_put(e->s->dims);
	set_dims(e->s, dims);
}

void snap_edit_as_of(struct snap_edit *e, int32_t as_of)
{
	e->s->as_of = as_of;
}

/* Days to close of a ticket in the measure of cal; 0 while it is open. */
static int32_t measure(const struct calendar *cal, int32_t opened, int32_t closed)
{
	return closed == DATE_NONE ? 0 : calendar_days(cal, opened, closed);
}

void snap_edit_calendar(struct snap_edit *e, const struct calendar *cal)
{
	struct snap_bz *bz = atomic_load(&e->s->bz);
	if (bz && !calendar_same(bz->cal, cal)) {
		snap_bz_put(bz);
		atomic_store(&e->s->bz, NULL);
	}
}

/* The business-day rollups of the version being made, private (copied
 * when the previous version shares them), or NULL when it has none. */
static struct snap_bz *own_bz(struct snap *s)
{
	struct snap_bz *bz = atomic_load(&s->bz);
	if (!bz || atomic_load_explicit(&bz->refs, memory_order_acquire) == 1)
		return bz;
	struct snap_bz *c = xcalloc(1, sizeof(*c));
	atomic_init(&c->refs, 1);
	c->cal = calendar_copy(bz->cal);
	c->by_emp = roll_ref(bz->by_emp);
	c->by_dept = roll_ref(bz->by_dept);
	c->cre = roll_ref(bz->cre);
	snap_bz_put(bz);
	atomic_store(&s->bz, c);
	return c;
}

int snap_edit_has_creator(const struct snap_edit *e, uint32_t c)
{
	return snap_creator(e->s, c) != NULL;
}

void snap_edit_creator(struct snap_edit *e, uint32_t id, const char *name, size_t len)
{
	struct snap *s = e->s;
	if (id == 0 || id > ID_LIMIT || snap_creator(s, id))
		return;
	struct snap_cr *cr = pvec_mut(&s->creators, id);
	cr->name = arena_strndup(s->strings, name, len);
	struct corder_ent ent = { cr->name, id, INT32_MAX };
	corder_insert(&s->order, &ent);
}

void snap_edit_ticket(struct snap_edit *e, uint32_t slot, const struct snap_tk_in *t)
{
	struct snap *s = e->s;
	if (slot == 0 || slot > ID_LIMIT)
		return;
	const struct snap_tk *cur = snap_ticket(s, slot);
	const char *tid = NULL;
	if (cur && t && cur->opened == t->opened && cur->closed == t->closed &&
	    cur->emp_id == t->emp_id && cur->dept_id == t->dept_id && cur->creator == t->creator &&
	    strlen(cur->tid) == t->tid_len && memcmp(cur->tid, t->tid, t->tid_len) == 0 &&
	    snap_tk_usable(t->opened, t->closed))
		return; /* no change */
	struct snap_bz *bz = own_bz(s);
	if (cur) {
		struct snap_tk o = *cur;
		int32_t days = measure(NULL, o.opened, o.closed);
		roll_ticket(&s->by_emp, o.emp_id, o.opened, o.closed, days, -1);
		roll_ticket(&s->by_dept, o.dept_id, o.opened, o.closed, days, -1);
		if (bz) {
			days = measure(bz->cal, o.opened, o.closed);
			roll_ticket(&bz->by_emp, o.emp_id, o.opened, o.closed, days, -1);
			roll_ticket(&bz->by_dept, o.dept_id, o.opened, o.closed, days, -1);
		}
		unlink_ticket(s, slot, o.creator);
		touch(e, o.creator);
		s->nticket--;
		if (t && o.tid && strlen(o.tid) == t->tid_len && memcmp(o.tid, t->tid, t->tid_len) == 0)
			tid = o.tid;
	}
	if (set_ticket(s, slot, t, tid)) {
		int32_t days = measure(NULL, t->opened, t->closed);
		roll_ticket(&s->by_emp, t->emp_id, t->opened, t->closed, days, 1);
		roll_ticket(&s->by_dept, t->dept_id, t->opened, t->closed, days, 1);
		if (bz) {
			days = measure(bz->cal, t->opened, t->closed);
			roll_ticket(&bz->by_emp, t->emp_id, t->opened, t->closed, days, 1);
			roll_ticket(&bz->by_dept, t->dept_id, t->opened, t->closed, days, 1);
		}
		touch(e, t->creator);
	}
}

static int u32_cmp(const void *pa, const void *pb)
{
	uint32_t a = *(const uint32_t *)pa, b = *(const uint32_t *)pb;
	return a < b ? -1 : a > b;
}

static int cval_same(const struct cval *a, size_t na, const struct cval *b, size_t nb)
{
	return na == nb && memcmp(a, b, na * sizeof(*a)) == 0;
}

/* Creators with a ticket dated (lo, hi]: their values change with as_of. */
static void touch_as_of(struct snap_edit *e, int32_t lo, int32_t hi)
{
	const struct snap *s = e->s;
	size_t n = snap_nslots(s);
	for (size_t k = 0; k * PVEC_CHUNK < n; k++) {
		const struct snap_tk *t = pvec_chunk(s->tickets, k);
		if (!t)
			continue;
		for (size_t j = 0; j < PVEC_CHUNK && k * PVEC_CHUNK + j < n; j++) {
			const struct snap_tk *x = &t[j];
			if (!x->creator)
				continue;
			if ((x->opened > lo && x->opened <= hi) ||
			    (x->closed != DATE_NONE && x->closed > lo && x->closed <= hi))
				touch(e, x->creator);
		}
	}
}

static void refresh_first(struct snap *s, uint32_t c)
{
	const struct snap_cr *cr = snap_creator(s, c);
	if (!cr)
		return;
	int32_t first = creator_first(s, c);
	const struct corder_ent *ent = corder_find(s->order, cr->name);
	if (ent && ent->first_opened != first)
		corder_mut(&s->order, cr->name)->first_opened = first;
}

/* Creator c's values removed as old had them and added as s has them, in
 * the rollup *rp of day measure cal; ov, nv have creator_groups() room. */
static void rederive(const struct snap *old, const struct snap *s, uint32_t c,
		     const struct calendar *cal, struct roll **rp, struct snap_cstage *cs,
		     struct cval *ov, struct cval *nv)
{
	size_t no = creator_values(old, c, old->as_of, cal, cs, ov);
	size_t nn = creator_values(s, c, s->as_of, cal, cs, nv);
	if (cval_same(ov, no, nv, nn))
		return;
	for (size_t j = 0; j < no; j++)
		roll_value(rp, ov[j].group, ov[j].day, ov[j].value, -1);
	for (size_t j = 0; j < nn; j++)
		roll_value(rp, nv[j].group, nv[j].day, nv[j].value, 1);
}

struct snap *snap_edit_finish(struct snap_edit *e, int64_t data_version)
{
	struct snap *s = e->s, *old = e->old;
	struct snap_bz *bz = own_bz(s);
	if (e->repipe) {
		roll_put(s->cre);
		s->cre = creator_roll_build(s, s->as_of, NULL);
		if (bz) {
			roll_put(bz->cre);
			bz->cre = creator_roll_build(s, s->as_of, bz->cal);
		}
		for (size_t c = 0; c < s->creators->n; c++)
			refresh_first(s, (uint32_t)c);
	} else {
		if (s->as_of != old->as_of) {
			int32_t lo = s->as_of < old->as_of ? s->as_of : old->as_of;
			int32_t hi = s->as_of < old->as_of ? old->as_of : s->as_of;
			touch_as_of(e, lo, hi);
		}
		if (e->naff)
			qsort(e->aff, e->naff, sizeof(*e->aff), u32_cmp);
		size_t nv = creator_groups(s->ndepts);
		struct cval *ov = xmalloc(nv * sizeof(*ov)), *nvv = xmalloc(nv * sizeof(*nvv));
		struct snap_cstage *cs = xmalloc((s->ndepts ? s->ndepts : 1) * sizeof(*cs));
		for (size_t i = 0; i < e->naff; i++) {
			uint32_t c = e->aff[i];
			if (i && c == e->aff[i - 1])
				continue;
			rederive(old, s, c, NULL, &s->cre, cs, ov, nvv);
			if (bz)
				rederive(old, s, c, bz->cal, &bz->cre, cs, ov, nvv);
			refresh_first(s, c);
		}
		free(ov);
		free(nvv);
		free(cs);
	}
	/* re-entries and handoffs: every creator concerned, whatever else
	 * changed (they depend on neither as_of nor the pipeline) */
	if (e->naff > 1)
		qsort(e->aff, e->naff, sizeof(*e->aff), u32_cmp);
	struct cfacts fo = CFACTS_INIT, fn = CFACTS_INIT;
	for (size_t i = 0; i < e->naff; i++) {
		uint32_t c = e->aff[i];
		if (i && c == e->aff[i - 1])
			continue;
		cfacts_of(old, c, &fo);
		cfacts_of(s, c, &fn);
		if (cfacts_same(&fo, &fn))
			continue;
		cfacts_apply(s, &fo, -1);
		cfacts_apply(s, &fn, 1);
	}
	cfacts_release(&fo);
	cfacts_release(&fn);
	s->data_version = data_version;
	snap_put(old);
	free(e->aff);
	free(e);
	return s;
}

/* ---- look-ups ---- */

int snap_dept_find(const struct snap *s, const char *name)
{
	for (size_t k = 0; k < s->ndepts; k++)
		if (strcmp(s->depts[k].name, name) == 0)
			return (int)k;
	return -1;
}

int snap_emp_find(const struct snap *s, int64_t store_id)
{
	if (store_id <= 0 || (uint64_t)store_id >= s->dims->nemp_ids)
		return -1;
	return s->dims->emp_of_id[store_id];
}

int64_t snap_creator_find(const struct snap *s, const char *name)
{
	const struct corder_ent *e = corder_find(s->order, name);
	return e ? (int64_t)e->id : -1;
}

const char *snap_creator_name(const struct snap *s, uint32_t c)
{
	const struct snap_cr *cr = snap_creator(s, c);
	return cr ? cr->name : "";
}

int32_t snap_creator_first_opened(const struct snap *s, const char *name)
{
	const struct corder_ent *e = corder_find(s->order, name);
	return e ? e->first_opened : INT32_MAX;
}

int snap_bounds(const struct snap *s, int32_t as_of, int32_t *first, int32_t *last)
{
	int has = 0;
	int32_t lo = 0, hi = 0;
	for (uint32_t g = 0; g < s->by_dept->n; g++) {
		const struct roll_series *rs = roll_group(s->by_dept, g);
		if (!rs)
			continue;
		int found = 0;
		for (uint32_t i = 0; i < rs->n && !found && rs->c[i]->base <= as_of; i++)
			for (int d = 0; d < ROLL_DAYS && rs->c[i]->base + d <= as_of; d++)
				if (rs->c[i]->cell[d].opened) {
					if (!has || rs->c[i]->base + d < lo)
						lo = rs->c[i]->base + d;
					found = 1;
					break;
				}
		if (!found)
			continue;
		for (uint32_t i = rs->n; i-- > 0;) {
			const struct roll_chunk *c = rs->c[i];
			if (c->base > as_of)
				continue;
			int d = as_of - c->base < ROLL_DAYS - 1 ? as_of - c->base : ROLL_DAYS - 1;
			for (; d >= 0; d--)
				if (c->cell[d].opened || c->cell[d].closed)
					break;
			if (d >= 0) {
				if (!has || c->base + d > hi)
					hi = c->base + d;
				break;
			}
		}
		has = 1;
	}
	if (has) {
		*first = lo;
		*last = hi;
	}
	return has;
}

/* ---- equality (tests) ---- */

static int tk_equal(const struct snap_tk *a, const struct snap_tk *b)
{
	if (!a || !b)
		return !a && !b;
	return a->opened == b->opened && a->closed == b->closed && a->emp_id == b->emp_id &&
	       a->dept_id == b->dept_id && a->creator == b->creator && strcmp(a->tid, b->tid) == 0;
}

/* The creator's ticket slots, sorted, into out (cap entries). */
static size_t creator_slots(const struct snap *s, uint32_t c, uint32_t *out, size_t cap)
{
	size_t n = 0;
	const struct snap_cr *cr = snap_creator(s, c);
	for (uint32_t i = cr ? cr->head : 0; i && n < cap; i = ((const struct snap_tk *)pvec_at(s->tickets, i))->next)
		out[n++] = i;
	if (n)
		qsort(out, n, sizeof(*out), u32_cmp);
	return n;
}

static int rolls_equal(const struct roll *a, const struct roll *b)
{
	uint32_t n = a->n > b->n ? a->n : b->n;
	for (uint32_t g = 0; g < n; g++)
		if (!roll_series_equal(roll_group(a, g), roll_group(b, g)))
			return 0;
	return 1;
}

int snap_equal(const struct snap *a, const struct snap *b)
{
	if (a->nticket != b->nticket || a->as_of != b->as_of || !snap_dims_same(a->dims, b->dims) ||
	    a->order->n != b->order->n)
		return 0;
	size_t n = snap_nslots(a) > snap_nslots(b) ? snap_nslots(a) : snap_nslots(b);
	for (size_t i = 0; i < n; i++) {
		const struct snap_tk *x = i < snap_nslots(a) ? snap_ticket(a, i) : NULL;
		const struct snap_tk *y = i < snap_nslots(b) ? snap_ticket(b, i) : NULL;
		if (!tk_equal(x, y))
			return 0;
	}
	size_t nc = a->creators->n > b->creators->n ? a->creators->n : b->creators->n;
	uint32_t *sa = xmalloc((n + 1) * sizeof(*sa)), *sb = xmalloc((n + 1) * sizeof(*sb));
	int same = 1;
	for (size_t c = 0; same && c < nc; c++) {
		const struct snap_cr *x = snap_creator(a, (uint32_t)c), *y = snap_creator(b, (uint32_t)c);
		if (!x || !y) {
			same = !x && !y;
			continue;
		}
		size_t na = creator_slots(a, (uint32_t)c, sa, n + 1);
		size_t nb = creator_slots(b, (uint32_t)c, sb, n + 1);
		same = strcmp(x->name, y->name) == 0 && na == nb && x->ntickets == y->ntickets &&
		       memcmp(sa, sb, na * sizeof(*sa)) == 0;
	}
	free(sa);
	free(sb);
	/* the name order, entry by entry (chunk boundaries may differ) */
	size_t ia = 0, ja = 0, ib = 0, jb = 0;
	for (size_t i = 0; same && i < a->order->n; i++) {
		while (ja >= a->order->c[ia]->n) {
			ia++;
			ja = 0;
		}
		while (jb >= b->order->c[ib]->n) {
			ib++;
			jb = 0;
		}
		const struct corder_ent *x = &a->order->c[ia]->e[ja++], *y = &b->order->c[ib]->e[jb++];
		same = x->id == y->id && x->first_opened == y->first_opened && strcmp(x->name, y->name) == 0;
	}
	const struct snap_bz *za = atomic_load(&((struct snap *)a)->bz);
	const struct snap_bz *zb = atomic_load(&((struct snap *)b)->bz);
	if (same && za && zb)
		same = calendar_same(za->cal, zb->cal) && rolls_equal(za->by_emp, zb->by_emp) &&
		       rolls_equal(za->by_dept, zb->by_dept) && rolls_equal(za->cre, zb->cre);
	return same && rolls_equal(a->by_emp, b->by_emp) && rolls_equal(a->by_dept, b->by_dept) &&
	       rolls_equal(a->cre, b->cre) && rolls_equal(a->rw_emp, b->rw_emp) &&
	       rolls_equal(a->rw_dept, b->rw_dept) && rolls_equal(a->ho, b->ho) &&
	       rolls_equal(a->pp, b->pp);
}

/* ---- from arrays ---- */

struct snap *snap_from_arrays(const struct snap_dept_in *depts, size_t ndepts,
			      const struct snap_emp_in *emps, size_t nemps,
			      const struct snap_ticket_in *tickets, size_t nticket, int32_t as_of)
{
	for (size_t i = 0; i < nemps; i++) {
		if (emps[i].dept < 0 || (size_t)emps[i].dept >= ndepts) {
			log_err("snapshot: employee '%s': bad department %d", emps[i].name, emps[i].dept);
			return NULL;
		}
	}
	for (size_t i = 0; i < nticket; i++) {
		const struct snap_ticket_in *t = &tickets[i];
		if (t->emp < 0 || (size_t)t->emp >= nemps) {
			log_err("snapshot: ticket '%s': bad employee %d", t->ticket_id, t->emp);
			return NULL;
		}
		if (!snap_tk_usable(t->opened, t->closed)) {
			log_err("snapshot: ticket '%s': bad dates", t->ticket_id);
			return NULL;
		}
	}
	struct snap_dept_src *ds = xcalloc(ndepts, sizeof(*ds));
	for (size_t k = 0; k < ndepts; k++)
		ds[k] = (struct snap_dept_src){ depts[k].name, depts[k].sla_days, (int64_t)k + 1 };
	struct snap_emp_src *es = xcalloc(nemps, sizeof(*es));
	for (size_t i = 0; i < nemps; i++)
		es[i] = (struct snap_emp_src){ emps[i].name, (int64_t)i + 1, (int64_t)emps[i].dept + 1 };
	struct snap_builder *b = snap_builder_new(snap_dims_new(ds, ndepts, es, nemps), as_of);
	free(ds);
	free(es);
	struct strmap ids;
	strmap_init(&ids);
	for (size_t i = 0; i < nticket; i++) {
		const struct snap_ticket_in *t = &tickets[i];
		size_t len = strlen(t->creator);
		int64_t *id = strmap_get(&ids, t->creator, len);
		uint32_t c = id ? (uint32_t)*id : (uint32_t)ids.len + 1;
		if (!id) {
			strmap_put(&ids, t->creator, len, c);
			snap_builder_creator(b, c, t->creator, len);
		}
		struct snap_tk_in in = { t->ticket_id, strlen(t->ticket_id), c, (uint32_t)t->emp + 1,
					 (uint32_t)emps[t->emp].dept + 1, t->opened, t->closed };
		snap_builder_ticket(b, (uint32_t)i + 1, &in);
	}
	strmap_release(&ids);
	return snap_builder_finish(b, 0);
}

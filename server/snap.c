/*
 * snap.c - versions of the analytics state: dimensions, lifetimes,
 * building from scratch, look-ups, equality; see snap.h.  The rollups'
 * construction is in snap_roll.c, editing in snap_edit.c.
 */
#include "snap.h"
#include "arena.h"
#include "calendar.h"
#include "cfacts.h"
#include "corder.h"
#include "log.h"
#include "snap_priv.h"
#include "strmap.h"
#include "xalloc.h"

#include <stdlib.h>
#include <string.h>

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

void snap_set_dims(struct snap *s, struct snap_dims *d)
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
	snap_travel_free(s->travel);
	pthread_mutex_destroy(&s->travel_lock);
	arena_put(s->strings);
	free(s);
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

struct snap *snap_alloc(void)
{
	struct snap *s = xcalloc(1, sizeof(*s));
	atomic_init(&s->refs, 1);
	pthread_mutex_init(&s->travel_lock, NULL);
	return s;
}

struct snap_builder *snap_builder_new(struct snap_dims *dims, int32_t as_of)
{
	struct snap_builder *b = xcalloc(1, sizeof(*b));
	struct snap *s = b->s = snap_alloc();
	snap_set_dims(s, dims);
	s->tickets = pvec_new(sizeof(struct snap_tk));
	s->creators = pvec_new(sizeof(struct snap_cr));
	s->order = corder_new();
	s->strings = arena_new();
	s->as_of = as_of;
	b->sorted = 1;
	return b;
}

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
static void snap_link_ticket(struct snap *s, uint32_t slot, uint32_t c)
{
	struct snap_cr *cr = pvec_mut(&s->creators, c);
	uint32_t head = cr->head;
	cr->head = slot;
	cr->ntickets++;
	((struct snap_tk *)pvec_mut(&s->tickets, slot))->next = head;
}

void snap_unlink_ticket(struct snap *s, uint32_t slot, uint32_t c)
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
int snap_set_ticket(struct snap *s, uint32_t slot, const struct snap_tk_in *t, const char *tid)
{
	struct snap_tk *x = pvec_mut(&s->tickets, slot);
	if (!t || !snap_tk_usable(t->opened, t->closed) || !snap_creator(s, t->creator)) {
		memset(x, 0, sizeof(*x));
		return 0;
	}
	*x = (struct snap_tk){ t->opened, t->closed, t->emp_id, t->dept_id, t->creator, 0,
			       tid ? tid : arena_strndup(s->strings, t->tid, t->tid_len) };
	snap_link_ticket(s, slot, t->creator);
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
	snap_set_ticket(b->s, slot, t, NULL);
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
			struct corder_ent e = { b->cr[i].name, b->cr[i].id,
						snap_creator_first_day(s, b->cr[i].id) };
			corder_append(&s->order, &e);
		}
		s->by_emp = snap_ticket_roll_build(s, 0, NULL);
		s->by_dept = snap_ticket_roll_build(s, 1, NULL);
		s->cre = snap_creator_roll_build(s, s->as_of, NULL);
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
static int u32_cmp(const void *pa, const void *pb)
{
	uint32_t a = *(const uint32_t *)pa, b = *(const uint32_t *)pb;
	return a < b ? -1 : a > b;
}

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

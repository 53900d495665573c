/*
 * snap_edit.c - editing a version into the next; see snap.h.
 *
 * The creator-level values (end-to-end, stage times, waits) of a creator
 * are a function of its tickets alone.  An edit therefore collects every
 * creator a changed ticket belonged to before or after, and at the end
 * removes each one's values as the old version computed them and adds
 * them as the new version computes them.  A new as_of concerns only the
 * creators with a date between the two as_ofs, and a new pipeline
 * (departments added, removed or reordered) every creator, whose values
 * are then rebuilt in bulk; the ticket rollups never need either.  The
 * re-entries and handoffs (cfacts.h) follow the same rule.
 */
#include "snap.h"
#include "arena.h"
#include "calendar.h"
#include "cfacts.h"
#include "corder.h"
#include "snap_priv.h"
#include "xalloc.h"

#include <stdlib.h>
#include <string.h>

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
	snap_set_dims(s, snap_dims_ref(old->dims));
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
	atomic_init(&s->bz, snap_bz_ref(atomic_load(&old->bz)));
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
	snap_set_dims(e->s, dims);
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
		snap_unlink_ticket(s, slot, o.creator);
		touch(e, o.creator);
		s->nticket--;
		if (t && o.tid && strlen(o.tid) == t->tid_len && memcmp(o.tid, t->tid, t->tid_len) == 0)
			tid = o.tid;
	}
	if (snap_set_ticket(s, slot, t, tid)) {
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
	int32_t first = snap_creator_first_day(s, c);
	const struct corder_ent *ent = corder_find(s->order, cr->name);
	if (ent && ent->first_opened != first)
		corder_mut(&s->order, cr->name)->first_opened = first;
}

/* Creator c's values removed as old had them and added as s has them, in
 * the rollup *rp of day measure cal; ov, nv have snap_creator_groups() room. */
static void rederive(const struct snap *old, const struct snap *s, uint32_t c,
		     const struct calendar *cal, struct roll **rp, struct snap_cstage *cs,
		     struct cval *ov, struct cval *nv)
{
	size_t no = snap_creator_values(old, c, old->as_of, cal, cs, ov);
	size_t nn = snap_creator_values(s, c, s->as_of, cal, cs, nv);
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
		s->cre = snap_creator_roll_build(s, s->as_of, NULL);
		if (bz) {
			roll_put(bz->cre);
			bz->cre = snap_creator_roll_build(s, s->as_of, bz->cal);
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
		size_t nv = snap_creator_groups(s->ndepts);
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

/*
 * snap_load.c - versions of the analytics state from the store: a build
 * from scratch, and the catch-up of a version to what the store holds now
 * (its logged changes, the configured pipeline, the day's as_of).  Each
 * runs inside one read transaction, so a version holds exactly the data
 * of the data version it is labelled with.  A new calendar counts as a
 * change too (the business-day rollups of the old one are dropped).  See
 * snap.h.
 */
#include "snap.h"
#include "calendar.h"
#include "config.h"
#include "log.h"
#include "store.h"

#include <stdlib.h>
#include <string.h>

/* A catch-up applying more changed tickets than this share of the store
 * (or than CATCH_UP_MIN) rebuilds instead: a bulk re-import is faster
 * built than edited. */
#define CATCH_UP_SHARE 4
#define CATCH_UP_MIN 20000

#define ID_LIMIT ((int64_t)UINT32_MAX - 1)

/* The dimensions of cfg's pipeline and the store's employees. */
static struct snap_dims *dims_load(struct store *st, const struct config *cfg)
{
	struct store_dims d;
	if (store_load_dims(st, &d))
		return NULL;
	struct snap_dept_src *ds = calloc(cfg->ndepts ? cfg->ndepts : 1, sizeof(*ds));
	struct snap_emp_src *es = calloc(d.nemps ? d.nemps : 1, sizeof(*es));
	if (!ds || !es)
		abort();
	for (size_t k = 0; k < cfg->ndepts; k++) {
		ds[k] = (struct snap_dept_src){ cfg->depts[k].name, cfg->depts[k].sla_days, 0 };
		for (size_t i = 0; i < d.ndepts; i++)
			if (strcmp(d.depts[i].name, cfg->depts[k].name) == 0)
				ds[k].store_id = d.depts[i].id;
	}
	for (size_t i = 0; i < d.nemps; i++)
		es[i] = (struct snap_emp_src){ d.emps[i].name, d.emps[i].id, d.emps[i].dept_id };
	struct snap_dims *dims = snap_dims_new(ds, cfg->ndepts, es, d.nemps);
	free(ds);
	free(es);
	store_dims_release(&d);
	return dims;
}

static int dims_identical(const struct snap_dims *a, const struct snap_dims *b)
{
	if (!snap_dims_same(a, b))
		return 0;
	for (size_t k = 0; k < a->ndepts; k++)
		if (a->depts[k].sla_days != b->depts[k].sla_days)
			return 0;
	return 1;
}

static int tk_in(int64_t id, const struct store_ticket *t, struct snap_tk_in *in)
{
	if (id <= 0 || id > ID_LIMIT || t->creator_id <= 0 || t->creator_id > ID_LIMIT ||
	    t->employee_id <= 0 || t->employee_id > ID_LIMIT || t->dept_id <= 0 ||
	    t->dept_id > ID_LIMIT) {
		log_err("snapshot: ticket id %lld or one of its references is out of range",
			(long long)id);
		return -1;
	}
	*in = (struct snap_tk_in){ t->ticket_id, t->ticket_id_len, (uint32_t)t->creator_id,
				   (uint32_t)t->employee_id, (uint32_t)t->dept_id, t->opened,
				   t->closed };
	return 0;
}

/* ---- from scratch ---- */

static int build_creator(void *ctx, int64_t id, const char *name, size_t len)
{
	if (id <= 0 || id > ID_LIMIT) {
		log_err("snapshot: creator id %lld out of range", (long long)id);
		return -1;
	}
	snap_builder_creator(ctx, (uint32_t)id, name, len);
	return 0;
}

static int build_ticket(void *ctx, int64_t id, const struct store_ticket *t)
{
	struct snap_tk_in in;
	if (tk_in(id, t, &in))
		return -1;
	snap_builder_ticket(ctx, (uint32_t)id, &in);
	return 0;
}

/* Inside a read transaction. */
static struct snap *load(struct store *st, const struct config *cfg, int32_t as_of, int64_t dv)
{
	struct snap_dims *dims = dims_load(st, cfg);
	if (!dims)
		return NULL;
	struct snap_builder *b = snap_builder_new(dims, as_of);
	if (store_each_creator(st, build_creator, b) || store_each_ticket(st, build_ticket, b)) {
		snap_put(snap_builder_finish(b, dv));
		return NULL;
	}
	return snap_builder_finish(b, dv);
}

struct snap *snap_load(struct store *st, const struct config *cfg, int32_t as_of)
{
	if (store_read_begin(st))
		return NULL;
	int64_t dv = 0, li = 0;
	struct snap *s = store_meta(st, "data_version", &dv) < 0 || store_meta(st, "last_import", &li) < 0
				 ? NULL : load(st, cfg, as_of, dv);
	if (s)
		s->last_import = li;
	store_read_end(st);
	if (s)
		log_info("analytics state built for data version %lld (%zu tickets)", (long long)dv,
			 s->nticket);
	return s;
}

/* ---- catching up ---- */

struct apply_ctx {
	struct store *st;
	struct snap_edit *e;
	size_t n;
};

static int apply_change(void *ctx, int64_t id)
{
	struct apply_ctx *a = ctx;
	struct store_ticket t;
	int rc = store_ticket_by_id(a->st, id, &t);
	if (rc < 0)
		return -1;
	a->n++;
	if (rc == 0) {
		if (id > 0 && id <= ID_LIMIT)
			snap_edit_ticket(a->e, (uint32_t)id, NULL); /* deleted */
		return 0;
	}
	struct snap_tk_in in;
	if (tk_in(id, &t, &in))
		return -1;
	if (!snap_edit_has_creator(a->e, in.creator)) {
		const char *name;
		size_t len;
		int c = store_creator_name(a->st, t.creator_id, &name, &len);
		if (c <= 0) {
			if (c == 0)
				log_err("snapshot: ticket %lld: no creator %lld", (long long)id,
					(long long)t.creator_id);
			return -1;
		}
		snap_edit_creator(a->e, in.creator, name, len);
	}
	snap_edit_ticket(a->e, (uint32_t)id, &in);
	return 0;
}

struct snap *snap_refresh(struct snap *old, struct store *st, const struct config *cfg,
			  int32_t as_of)
{
	if (store_read_begin(st))
		return NULL;
	struct snap *s = NULL;
	int64_t dv = 0, from = 0, nchanged = 0, li = 0;
	struct snap_dims *dims = NULL;
	if (store_meta(st, "data_version", &dv) < 0 || store_meta(st, "changes_from", &from) < 0 ||
	    store_meta(st, "last_import", &li) < 0 || !(dims = dims_load(st, cfg)))
		goto out;
	int same_dims = dims_identical(old->dims, dims);
	const struct snap_bz *bz = atomic_load(&old->bz);
	int same_cal = !bz || calendar_same(bz->cal, cfg->calendar);
	if (dv == old->data_version && same_dims && as_of == old->as_of && same_cal) {
		s = snap_ref(old);
		goto out;
	}
	/* older than the log reaches, a store restored from an older backup,
	 * or so many changes that a build is cheaper */
	if (old->data_version < from || dv < old->data_version ||
	    (nchanged = store_changed_count(st, old->data_version)) < 0 ||
	    (size_t)nchanged > CATCH_UP_MIN + old->nticket / CATCH_UP_SHARE) {
		if (nchanged >= 0) {
			log_info("analytics state: rebuilding for data version %lld (from %lld)",
				 (long long)dv, (long long)old->data_version);
			s = load(st, cfg, as_of, dv);
			if (s)
				s->last_import = li;
		}
		goto out;
	}
	struct snap_edit *e = snap_edit_begin(old);
	if (!same_dims) {
		snap_edit_dims(e, dims);
		dims = NULL;
	}
	snap_edit_as_of(e, as_of);
	snap_edit_calendar(e, cfg->calendar);
	struct apply_ctx a = { st, e, 0 };
	int rc = store_each_changed(st, old->data_version, apply_change, &a);
	s = snap_edit_finish(e, dv);
	s->last_import = li;
	if (rc) {
		snap_put(s);
		s = NULL;
	} else {
		log_debug("analytics state: data version %lld -> %lld, %zu tickets changed",
			  (long long)old->data_version, (long long)dv, a.n);
	}
out:
	snap_dims_put(dims);
	store_read_end(st);
	return s;
}

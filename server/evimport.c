/*
 * evimport.c - see evimport.h.
 *
 * Three passes inside one write transaction (the importer's):
 *  1. the reader (evcsv.c, xes.c) hands each event to on_event(), which
 *     checks its fields, reads its timestamp, maps its activity and stages
 *     it in the store (event_stage: on disk, so grouping a log of any size
 *     by case costs bounded memory);
 *  2. the staged events come back grouped by case, in (instant, place in
 *     the file) order; each case is compared with the stored one by
 *     digest, and a new or changed case gets its events stored and its
 *     stays derived and written (derive_case());
 *  3. when the rules changed, every stored case the input did not contain
 *     is derived again from its stored events.
 * Any problem in any pass rolls everything back.
 */
#include "evimport.h"
#include "config.h"
#include "date.h"
#include "events.h"
#include "evread.h"
#include "gz.h"
#include "digest.h"
#include "store.h"
#include "store_events.h"
#include "strmap.h"
#include "ts.h"

#include <stdlib.h>
#include <string.h>

#define EV_MAX_TEXT 256            /* bytes of a case, activity, resource, lifecycle */
#define EV_MAX_ACTIVITIES 100000   /* distinct activities remembered by name */

const char *ev_format_name(enum ev_format f)
{
	return f == EVF_XES ? "xes" : f == EVF_JSON ? "json" : "csv";
}

void ev_result_init(struct ev_result *res)
{
	memset(res, 0, sizeof(*res));
	import_result_init(&res->tickets);
	buf_init(&res->skipped_list);
}

void ev_result_release(struct ev_result *res)
{
	for (size_t i = 0; i < res->nskipped_top; i++)
		free(res->skipped_top[i].activity);
	import_result_release(&res->tickets);
	buf_release(&res->skipped_list);
	memset(res, 0, sizeof(*res));
}

struct activity {
	char *name;
	long count;     /* events of the input with this activity */
	int code;       /* ev_rules_map() */
};

/* The events of one case, their strings in one arena. */
struct casebuf {
	struct store_event *ev;
	size_t (*off)[3];          /* arena offsets: activity, resource, lifecycle */
	size_t n, cap;
	struct buf arena;
	struct buf name;
	struct ev_in *in;
	struct ev_stay *stays;
};

/* The tickets a case had before this import. */
struct oldset {
	struct strmap index;       /* ticket id -> position */
	struct buf arena;
	size_t *off;
	char *seen;
	size_t n, cap;
};

struct evi {
	const struct config *cfg;
	struct store *st;
	struct importer *im;
	struct store_evw *w;
	struct ev_rules *rules;
	struct ev_result *res;
	struct gz *gz;
	const char *unit;          /* "line" or "item" */
	const char *const *labels; /* field names in messages */
	int64_t ord;
	long mapped;               /* events mapping to a department or done */
	struct strmap acts;        /* activity -> index in act */
	struct activity *act;
	size_t nact, cap_act;
	struct casebuf cb;
	struct oldset old;
	struct buf tid, digest;
	int64_t fp;                /* the rules' fingerprint */
	int fp_changed;            /* the store's tickets came from other rules */
};

static const char *const xes_labels[EVC_NCOLS] = {
	"trace concept:name", "concept:name", "time:timestamp", "org:resource", "lifecycle:transition",
};

/* ---- activities ---- */

static int activity_code(struct evi *x, const char *a, size_t n, int count)
{
	int64_t *idx = strmap_get(&x->acts, a, n);
	if (idx) {
		x->act[*idx].count += count;
		return x->act[*idx].code;
	}
	int code = ev_rules_map(x->rules, a, n);
	if (x->nact < EV_MAX_ACTIVITIES) {
		if (x->nact == x->cap_act) {
			x->cap_act = x->cap_act ? x->cap_act * 2 : 64;
			x->act = realloc(x->act, x->cap_act * sizeof(*x->act));
			if (!x->act)
				abort();
		}
		struct activity *ac = &x->act[x->nact];
		if (!(ac->name = strndup(a, n)))
			abort();
		ac->count = count;
		ac->code = code;
		strmap_put(&x->acts, a, n, (int64_t)x->nact++);
	}
	return code;
}

static int by_count(const void *a, const void *b)
{
	const struct activity *x = *(const struct activity *const *)a;
	const struct activity *y = *(const struct activity *const *)b;
	if (x->count != y->count)
		return x->count < y->count ? 1 : -1;
	return strcmp(x->name, y->name);
}

/* "'Note' (12), 'Call' (3), ..." of the activities with `code` (or every
 * activity when code is EV_SKIP - 1); the first ones also into res's
 * skipped_top when `top`. */
static void list_activities(struct evi *x, int code, struct buf *out, long *kinds, int top)
{
	const struct activity **sel = calloc(x->nact ? x->nact : 1, sizeof(*sel));
	if (!sel)
		abort();
	size_t n = 0;
	for (size_t i = 0; i < x->nact; i++)
		if ((x->act[i].code == code || code == EV_SKIP - 1) && x->act[i].count)
			sel[n++] = &x->act[i];
	qsort(sel, n, sizeof(*sel), by_count);
	for (size_t i = 0; i < n && i < EV_MAX_LISTED; i++) {
		buf_addf(out, "%s'%.60s' (%ld)", i ? ", " : "", sel[i]->name, sel[i]->count);
		if (top) {
			if (!(x->res->skipped_top[i].activity = strdup(sel[i]->name)))
				abort();
			x->res->skipped_top[i].events = sel[i]->count;
			x->res->nskipped_top = i + 1;
		}
	}
	if (n > EV_MAX_LISTED)
		buf_addf(out, " and %zu more", n - EV_MAX_LISTED);
	*kinds = (long)n;
	free(sel);
}

/* ---- pass 1: events from the reader ---- */

/* A problem with field c of ev: where the format says, with the value. */
static void field_problem(struct evi *x, const struct ev_raw *ev, int c, const char *what,
			  const char *v, size_t n)
{
	char s[IMPORT_SHOWN] = "";
	if (v)
		import_show_value(v, n, s);
	const char *quote = v ? " ('" : "", *end = v ? "')" : "";
	switch (ev->style) {
	case EVS_XES: {
		long line = ev->fline[c] ? ev->fline[c] : ev->line;
		long col = ev->fline[c] ? ev->fcol[c] : ev->col;
		importer_problem(x->im, line, "column %ld: %s: %s%s%s%s", col, ev->label[c], what, quote, s,
				 end);
		break;
	}
	case EVS_JSON:
		importer_problem(x->im, ev->line, "field %s: %s%s%s%s", ev->label[c], what, quote, s, end);
		break;
	default:
		importer_problem(x->im, ev->line, "column %s: %s%s%s%s", ev->label[c], what, quote, s, end);
	}
}

static void on_event(void *ctx, const struct ev_raw *raw)
{
	struct evi *x = ctx;
	long before = importer_nproblems(x->im);
	const char *f[EVC_NCOLS];
	size_t n[EVC_NCOLS];
	x->res->events++;
	for (int c = 0; c < EVC_NCOLS; c++) {
		f[c] = raw->f[c];
		n[c] = raw->n[c];
		if (!f[c])
			continue;
		import_trim(&f[c], &n[c]);
		/* names may span lines, as in the ticket import; the rest may not */
		int multiline = c == EVC_CASE || c == EVC_RESOURCE;
		const char *why = import_text_problem(f[c], n[c], multiline);
		if (!why && n[c] > EV_MAX_TEXT)
			why = "longer than 256 bytes";
		if (why)
			field_problem(x, raw, c, why, f[c], n[c]);
	}
	for (int c = 0; c <= EVC_TIMESTAMP; c++) {
		if (!f[c]) {
			if (raw->style == EVS_XES)
				importer_problem(x->im, raw->line, "column %ld: event has no %s", raw->col,
						 raw->label[c]);
			else
				field_problem(x, raw, c, "missing", NULL, 0);
		} else if (!n[c]) {
			field_problem(x, raw, c, "required, but empty", NULL, 0);
		}
	}
	if (importer_nproblems(x->im) != before)
		return;
	int64_t at;
	const char *why;
	const char *fmt = raw->style == EVS_XES ? "" : x->cfg->ev_ts_format;
	int rc = *fmt ? ts_parse_fmt(fmt, f[EVC_TIMESTAMP], n[EVC_TIMESTAMP], x->cfg->ev_tz, &at, &why)
		      : ts_parse_iso(f[EVC_TIMESTAMP], n[EVC_TIMESTAMP], x->cfg->ev_tz, &at, &why);
	if (rc) {
		char what[200];
		if (*fmt)
			snprintf(what, sizeof(what), "%s; timestamp_format is '%s'", why, fmt);
		else
			snprintf(what, sizeof(what), "%s", why);
		field_problem(x, raw, EVC_TIMESTAMP, what, f[EVC_TIMESTAMP], n[EVC_TIMESTAMP]);
		return;
	}
	int code = activity_code(x, f[EVC_ACTIVITY], n[EVC_ACTIVITY], 1);
	if (code == EV_SKIP)
		x->res->skipped++;
	else
		x->mapped++;
	if (importer_nproblems(x->im))
		return; /* nothing more is written; the rest is still checked */
	struct store_event e = {
		.case_name = f[EVC_CASE], .case_len = n[EVC_CASE], .at = at,
		.activity = f[EVC_ACTIVITY], .activity_len = n[EVC_ACTIVITY],
		.resource = f[EVC_RESOURCE] ? f[EVC_RESOURCE] : "", .resource_len = f[EVC_RESOURCE] ? n[EVC_RESOURCE] : 0,
		.lifecycle = f[EVC_LIFECYCLE] ? f[EVC_LIFECYCLE] : "", .lifecycle_len = f[EVC_LIFECYCLE] ? n[EVC_LIFECYCLE] : 0,
		.line = raw->line, .col = raw->col,
	};
	if (store_ev_stage_add(x->w, &e, ++x->ord))
		importer_problem_plain(x->im, "internal error: cannot stage the events (see the log)");
}

static void on_problem(void *ctx, const char *unit, long line, long col, const char *msg)
{
	struct evi *x = ctx;
	if (x->gz && gz_error(x->gz))
		return; /* a consequence of the bad compressed data, reported once */
	importer_set_unit(x->im, unit);
	if (col)
		importer_problem(x->im, line, "column %ld: %s", col, msg);
	else
		importer_problem(x->im, line, "%s", msg);
	importer_set_unit(x->im, x->unit);
}

/* ---- pass 2 and 3: cases ---- */

static void casebuf_reset(struct casebuf *cb)
{
	cb->n = 0;
	buf_reset(&cb->arena);
	buf_reset(&cb->name);
}

static void casebuf_add(struct casebuf *cb, const struct store_event *e)
{
	if (cb->n == cb->cap) {
		cb->cap = cb->cap ? cb->cap * 2 : 64;
		cb->ev = realloc(cb->ev, cb->cap * sizeof(*cb->ev));
		cb->off = realloc(cb->off, cb->cap * sizeof(*cb->off));
		cb->in = realloc(cb->in, cb->cap * sizeof(*cb->in));
		cb->stays = realloc(cb->stays, cb->cap * sizeof(*cb->stays));
		if (!cb->ev || !cb->off || !cb->in || !cb->stays)
			abort();
	}
	struct store_event *d = &cb->ev[cb->n];
	*d = *e;
	d->case_name = NULL;
	const char *s[3] = { e->activity, e->resource, e->lifecycle };
	size_t len[3] = { e->activity_len, e->resource_len, e->lifecycle_len };
	for (int k = 0; k < 3; k++) {
		cb->off[cb->n][k] = cb->arena.len;
		buf_add(&cb->arena, s[k], len[k]);
		buf_addch(&cb->arena, '\0');
	}
	cb->n++;
}

/* Point the events' strings into the (final) arena. */
static void casebuf_fix(struct casebuf *cb)
{
	for (size_t i = 0; i < cb->n; i++) {
		cb->ev[i].activity = cb->arena.data + cb->off[i][0];
		cb->ev[i].resource = cb->arena.data + cb->off[i][1];
		cb->ev[i].lifecycle = cb->arena.data + cb->off[i][2];
	}
}

static void casebuf_release(struct casebuf *cb)
{
	free(cb->ev);
	free(cb->off);
	free(cb->in);
	free(cb->stays);
	buf_release(&cb->arena);
	buf_release(&cb->name);
}

/* The digest of a case's events, in order. */
static void case_digest(struct evi *x, uint8_t out[32])
{
	struct buf *b = &x->digest;
	buf_reset(b);
	for (size_t i = 0; i < x->cb.n; i++) {
		const struct store_event *e = &x->cb.ev[i];
		buf_addf(b, "%lld|%zu:", (long long)e->at, e->activity_len);
		buf_add(b, e->activity, e->activity_len);
		buf_addf(b, "|%zu:", e->resource_len);
		buf_add(b, e->resource, e->resource_len);
		buf_addf(b, "|%zu:", e->lifecycle_len);
		buf_add(b, e->lifecycle, e->lifecycle_len);
		buf_addch(b, '\n');
	}
	digest_sha256(b->data, b->len, out);
}

static int add_old(void *ctx, const char *ticket)
{
	struct oldset *o = ctx;
	if (o->n == o->cap) {
		o->cap = o->cap ? o->cap * 2 : 16;
		o->off = realloc(o->off, o->cap * sizeof(*o->off));
		o->seen = realloc(o->seen, o->cap);
		if (!o->off || !o->seen)
			abort();
	}
	o->off[o->n] = o->arena.len;
	o->seen[o->n] = 0;
	buf_addstr(&o->arena, ticket);
	buf_addch(&o->arena, '\0');
	strmap_put(&o->index, ticket, strlen(ticket), (int64_t)o->n);
	o->n++;
	return 0;
}

static void oldset_reset(struct oldset *o)
{
	strmap_release(&o->index);
	strmap_init(&o->index);
	buf_reset(&o->arena);
	o->n = 0;
}

/* Derive the stays of the case in x->cb (events fixed, name set) and write
 * them as tickets; delete the case's tickets that are no stay any more.
 * `line0` names the case in messages when its events have no line. */
static void derive_case(struct evi *x, int64_t case_id, int had, long line0)
{
	struct casebuf *cb = &x->cb;
	const struct config *cfg = x->cfg;
	for (size_t i = 0; i < cb->n; i++) {
		cb->in[i].at = cb->ev[i].at;
		cb->in[i].code = activity_code(x, cb->ev[i].activity, cb->ev[i].activity_len, 0);
	}
	size_t ns = ev_derive(cb->in, cb->n, ev_rules_close_last(x->rules), cfg->ndepts, cb->stays);
	oldset_reset(&x->old);
	if (had && store_ev_case_tickets(x->w, case_id, add_old, &x->old)) {
		importer_problem_plain(x->im, "internal error: cannot read the derived tickets (see the log)");
		return;
	}
	const char *name = cb->name.data;
	for (size_t k = 0; k < ns; k++) {
		const struct ev_stay *s = &cb->stays[k];
		const struct store_event *first = &cb->ev[s->first];
		long line = first->line ? first->line : line0;
		const char *dept = cfg->depts[s->dept].name;
		buf_reset(&x->tid);
		buf_addf(&x->tid, "%s/%s/%d", name, dept, s->n);
		if (x->tid.len > IMPORT_MAX_TICKET_ID) {
			importer_problem(x->im, line,
					 "column %s: the ticket id of this stay, '%.60s...', is longer than 128 bytes (shorten the case)",
					 x->labels[EVC_CASE], x->tid.data);
			continue;
		}
		int64_t *pos = strmap_get(&x->old.index, x->tid.data, x->tid.len);
		if (pos) {
			x->old.seen[*pos] = 1;
		} else {
			int64_t owner = 0;
			int who = store_ev_ticket_owner(x->w, x->tid.data, &owner);
			if (who < 0) {
				importer_problem_plain(x->im, "internal error: cannot read the store (see the log)");
				return;
			}
			if (who == 2 || (who == 1 && owner != case_id)) {
				importer_problem(x->im, line,
						 "column %s: the ticket id '%.100s' is taken by a ticket %s",
						 x->labels[EVC_CASE], x->tid.data,
						 who == 2 ? "that was not derived from events" : "of another case");
				continue;
			}
		}
		char opened[DATE_LEN + 1], closed[DATE_LEN + 1] = "";
		date_str(s->opened, opened);
		if (s->closed != DATE_NONE)
			date_str(s->closed, closed);
		const char *emp = first->resource_len ? first->resource : "unassigned";
		const char *fields[IC_NCOLS] = { x->tid.data, name, emp, dept, opened, closed };
		size_t lens[IC_NCOLS] = { x->tid.len, cb->name.len, strlen(emp), strlen(dept),
					  strlen(opened), strlen(closed) };
		importer_row(x->im, line, fields, lens);
		if (!pos && !importer_nproblems(x->im) && store_ev_own_ticket(x->w, x->tid.data, case_id))
			importer_problem_plain(x->im, "internal error: cannot save a derived ticket (see the log)");
	}
	for (size_t i = 0; i < x->old.n && !importer_nproblems(x->im); i++) {
		if (x->old.seen[i])
			continue;
		if (store_ev_delete_ticket(x->w, x->old.arena.data + x->old.off[i])) {
			importer_problem_plain(x->im, "internal error: cannot delete a ticket (see the log)");
			return;
		}
		x->res->removed++;
		importer_mark_changed(x->im);
	}
}

/* A case of the input, its events in x->cb. */
static void file_case(struct evi *x)
{
	casebuf_fix(&x->cb);
	x->res->cases++;
	uint8_t digest[32], stored[32];
	int64_t id = 0;
	case_digest(x, digest);
	int found = store_ev_case_find(x->w, x->cb.name.data, &id, stored);
	if (found < 0) {
		importer_problem_plain(x->im, "internal error: cannot read the store (see the log)");
		return;
	}
	int same = found && memcmp(digest, stored, 32) == 0;
	if (same && !x->fp_changed) {
		x->res->cases_unchanged++;
		return;
	}
	if (!same) {
		if (found)
			x->res->cases_changed++;
		else
			x->res->cases_new++;
		if (importer_nproblems(x->im)) { /* checking only: nothing is written */
			derive_case(x, id, found, 0);
			return;
		}
		id = store_ev_case_put(x->w, x->cb.name.data, digest);
		if (id < 0 || store_ev_case_set_events(x->w, id, x->cb.ev, x->cb.n)) {
			importer_problem_plain(x->im, "internal error: cannot save the events (see the log)");
			return;
		}
		importer_mark_changed(x->im);
	} else {
		x->res->cases_unchanged++;
		x->res->rederived++;
	}
	derive_case(x, id, found, 0);
}

static int staged_cases(struct evi *x)
{
	struct store_ev_iter *it = store_ev_stage_iter(x->w);
	struct store_event e;
	int rc, have = 0;
	casebuf_reset(&x->cb);
	while ((rc = store_ev_next(it, &e)) > 0) {
		if (have && (e.case_len != x->cb.name.len ||
			     memcmp(e.case_name, x->cb.name.data, e.case_len) != 0)) {
			file_case(x);
			casebuf_reset(&x->cb);
		}
		if (!x->cb.name.len)
			buf_add(&x->cb.name, e.case_name, e.case_len);
		casebuf_add(&x->cb, &e);
		have = 1;
	}
	if (rc >= 0 && have)
		file_case(x);
	store_ev_iter_free(it);
	return rc < 0 ? -1 : 0;
}

struct stored_case {
	int64_t id;
	size_t name;    /* offset in the names arena */
};

struct stored_list {
	struct stored_case *c;
	size_t n, cap;
	struct buf names;
};

static int add_stored(void *ctx, int64_t id, const char *name)
{
	struct stored_list *l = ctx;
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 64;
		l->c = realloc(l->c, l->cap * sizeof(*l->c));
		if (!l->c)
			abort();
	}
	l->c[l->n].id = id;
	l->c[l->n].name = l->names.len;
	buf_addstr(&l->names, name);
	buf_addch(&l->names, '\0');
	l->n++;
	return 0;
}

/* Pass 3: derive the stored cases again (only those not in the input
 * when `unstaged`). */
static int stored_cases(struct evi *x, int unstaged)
{
	struct stored_list l = { NULL, 0, 0, BUF_INIT };
	int ret = store_ev_cases_each(x->w, unstaged, add_stored, &l);
	importer_set_unit(x->im, "stored case");
	for (size_t i = 0; !ret && i < l.n; i++) {
		casebuf_reset(&x->cb);
		buf_addstr(&x->cb.name, l.names.data + l.c[i].name);
		struct store_ev_iter *it = store_ev_case_events(x->w, l.c[i].id);
		struct store_event e;
		int rc;
		while ((rc = store_ev_next(it, &e)) > 0)
			casebuf_add(&x->cb, &e);
		store_ev_iter_free(it);
		if (rc < 0) {
			ret = -1;
			break;
		}
		casebuf_fix(&x->cb);
		for (size_t k = 0; k < x->cb.n; k++)
			x->cb.ev[k].line = 0;
		derive_case(x, l.c[i].id, 1, (long)i + 1);
		x->res->rederived++;
	}
	importer_set_unit(x->im, x->unit);
	free(l.c);
	buf_release(&l.names);
	return ret;
}

/* ---- set-up and the two entry points ---- */

static int64_t fingerprint(const struct ev_rules *rules);

static int evi_open(struct evi *x, struct store *st, const struct config *cfg, struct ev_result *res)
{
	memset(x, 0, sizeof(*x));
	x->cfg = cfg;
	x->st = st;
	x->res = res;
	x->unit = "line";
	x->labels = (const char *const *)cfg->ev_col;
	strmap_init(&x->acts);
	strmap_init(&x->old.index);
	x->rules = ev_rules_new(cfg);
	x->fp = fingerprint(x->rules);
	x->im = importer_new(st, cfg);
	if (!x->im)
		return -1;
	x->w = store_evw_new(st);
	int64_t stored = 0;
	if (!x->w || store_ev_fingerprint(st, &stored) || store_ev_stage_clear(x->w))
		return -1;
	int64_t ncases = store_ev_ncases(st);
	if (ncases < 0)
		return -1;
	x->fp_changed = stored != x->fp && ncases > 0;
	return 0;
}

static void evi_close(struct evi *x)
{
	store_evw_free(x->w);
	ev_rules_free(x->rules);
	strmap_release(&x->acts);
	for (size_t i = 0; i < x->nact; i++)
		free(x->act[i].name);
	free(x->act);
	casebuf_release(&x->cb);
	strmap_release(&x->old.index);
	buf_release(&x->old.arena);
	free(x->old.off);
	free(x->old.seen);
	buf_release(&x->tid);
	buf_release(&x->digest);
}

/* Commit or roll back; fills res->tickets.  importer_finish() returns. */
static int evi_finish(struct evi *x, int failed)
{
	if (failed && !importer_nproblems(x->im))
		importer_problem_plain(x->im, "internal error: the import failed (see the log)");
	int64_t stored = 0;
	if (!importer_nproblems(x->im) &&
	    (store_ev_stage_clear(x->w) || store_ev_fingerprint(x->st, &stored) ||
	     (stored != x->fp && store_ev_set_fingerprint(x->w, x->fp))))
		importer_problem_plain(x->im, "internal error: cannot finish the import (see the log)");
	store_evw_free(x->w); /* statements finalized before the commit */
	x->w = NULL;
	int rc = importer_finish(x->im, &x->res->tickets);
	x->im = NULL;
	if (rc != 0) {
		x->res->removed = 0;
		x->res->cases_new = x->res->cases_changed = x->res->rederived = 0;
	}
	return rc;
}

/* ev_result_init + evi_open; on failure everything is rolled back and
 * released.  0 or -1. */
static int evi_start(struct evi *x, struct store *st, const struct config *cfg,
		     struct ev_result *res)
{
	ev_result_init(res);
	if (evi_open(x, st, cfg, res) == 0)
		return 0;
	if (x->im)
		evi_finish(x, 1);
	evi_close(x);
	return -1;
}

static enum ev_format sniff(struct gz *g)
{
	int c = gz_peek(g);
	return c == '<' ? EVF_XES : c == '[' ? EVF_JSON : EVF_CSV;
}

int ev_import(struct store *st, const struct config *cfg, FILE *in, enum ev_format fmt,
	      uint64_t limit, struct ev_result *res)
{
	struct evi x;
	if (evi_start(&x, st, cfg, res))
		return -1;
	x.gz = gz_open(in, limit);
	if (!x.gz)
		abort();
	res->format = fmt == EVF_AUTO ? sniff(x.gz) : fmt;
	if (res->format == EVF_JSON) {
		x.unit = "item";
		importer_set_unit(x.im, "item");
	}
	if (res->format == EVF_XES)
		x.labels = xes_labels;
	static const int to_ticket[IC_NCOLS] = { EVC_CASE, EVC_CASE, EVC_RESOURCE, EVC_ACTIVITY,
						 EVC_TIMESTAMP, EVC_TIMESTAMP };
	const char *labels[IC_NCOLS];
	for (int c = 0; c < IC_NCOLS; c++)
		labels[c] = x.labels[to_ticket[c]];
	importer_set_labels(x.im, labels);

	struct ev_sink sink = { &x, on_event, on_problem };
	FILE *f = gz_file(x.gz);
	if (res->format == EVF_XES)
		ev_read_xes(f, &sink);
	else if (res->format == EVF_JSON)
		ev_read_json(f, cfg, &sink);
	else
		ev_read_csv(f, cfg, &sink);
	res->compressed = gz_compressed(x.gz);
	res->too_large = gz_over_limit(x.gz);
	if (gz_error(x.gz))
		importer_problem_plain(x.im, "the input is %s", gz_error(x.gz));
	gz_close(x.gz);
	x.gz = NULL;

	list_activities(&x, EV_SKIP, &res->skipped_list, &res->skipped_kinds, 1);
	if (!importer_nproblems(x.im) && res->events == 0) {
		importer_problem_plain(x.im, "no events in the input");
	} else if (!importer_nproblems(x.im) && x.mapped == 0) {
		struct buf all = BUF_INIT;
		long kinds;
		list_activities(&x, EV_SKIP - 1, &all, &kinds, 0);
		importer_problem_plain(x.im,
				       "no event maps to a department: the %ld activit%s seen: %s; map them in [stages] or name them after the departments",
				       kinds, kinds == 1 ? "y" : "ies", all.data ? all.data : "");
		buf_release(&all);
	}
	int failed = 0;
	if (!importer_nproblems(x.im))
		failed = staged_cases(&x);
	if (!failed && !importer_nproblems(x.im) && x.fp_changed)
		failed = stored_cases(&x, 1);
	int rc = evi_finish(&x, failed);
	evi_close(&x);
	return rc;
}

/* The rules' fingerprint as the store keeps it (never 0: "none yet"). */
static int64_t fingerprint(const struct ev_rules *rules)
{
	uint8_t fp[32];
	int64_t v;
	ev_rules_fingerprint(rules, fp);
	memcpy(&v, fp, sizeof(v));
	return v ? v : 1;
}

int ev_sync(struct store *st, const struct config *cfg, struct ev_result *res)
{
	/* the common case, nothing to derive, without a write transaction */
	struct ev_rules *rules = ev_rules_new(cfg);
	int64_t fp = fingerprint(rules), stored = 0, ncases;
	ev_rules_free(rules);
	if (store_ev_fingerprint(st, &stored) || (ncases = store_ev_ncases(st)) < 0) {
		ev_result_init(res);
		return -1;
	}
	if (stored == fp || ncases == 0) {
		ev_result_init(res);
		return 0;
	}
	struct evi x;
	if (evi_start(&x, st, cfg, res))
		return -1;
	int failed = x.fp_changed ? stored_cases(&x, 0) : 0;
	int rc = evi_finish(&x, failed);
	evi_close(&x);
	return rc;
}

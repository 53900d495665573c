/*
 * api_flow.c - the flow routes of issue 11: aging work in progress
 * (/api/v1/wip), the cycle-time scatter (/api/v1/scatter), cumulative
 * flow and throughput (/api/v1/flow) and the Monte Carlo forecast
 * (/api/v1/forecast), and who hands work to whom (/api/v1/handoffs, issue
 * 10).  Shapes and CSV tables: docs/API.md; definitions: docs/ANALYTICS.md
 * "Flow analytics" and "Rework and handoffs".  Each handler has the shape of the
 * analytics routes (api.h, struct api_ctx).
 */
#include "agg.h"
#include "agg_flow.h"
#include "agg_handoff.h"
#include "api.h"
#include "api_csv.h"
#include "app.h"
#include "buf.h"
#include "date.h"
#include "jsonx.h"
#include "snap.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define WIP_MAX_LIMIT 1000
#define FORECAST_MAX_AHEAD 365
#define HANDOFF_MAX_LIMIT 1000

/* ---- CSV tables (docs/API.md) ---- */

#define END_COLS { NULL, NULL }
#define ZONE_COLS(p)                                                                        \
	{ "under_p50", p "under_p50" }, { "p50", p "p50" }, { "p70", p "p70" },                  \
	{ "p85", p "p85" }, { "p95", p "p95" }

static const struct api_csv_col wip_items[] = {
	{ "department", "^1.name" }, { "ticket_id", "ticket_id" }, { "creator", "creator" },
	{ "employee_id", "employee_id" }, { "employee", "employee" }, { "opened_on", "opened_on" },
	{ "age", "age" }, { "zone", "zone" }, END_COLS
};
static const struct api_csv_col wip_emps[] = {
	{ "id", "id" }, { "name", "name" }, { "department", "department" }, { "open", "open" },
	{ "oldest_age", "oldest_age" }, ZONE_COLS("zones."), END_COLS
};
static const struct api_csv_col wip_oldest[] = {
	{ "rank", "#" }, { "ticket_id", "ticket_id" }, { "creator", "creator" },
	{ "department", "department" }, { "employee_id", "employee_id" }, { "employee", "employee" },
	{ "opened_on", "opened_on" }, { "age", "age" }, { "zone", "zone" }, END_COLS
};
static const struct api_csv_col wip_depts[] = {
	{ "department", "name" }, { "position", "position" }, { "sla_days", "sla_days" },
	{ "open", "open" }, { "n", "percentiles.n" }, { "p50", "percentiles.p50" },
	{ "p70", "percentiles.p70" }, { "p85", "percentiles.p85" }, { "p95", "percentiles.p95" },
	{ "under_p50_count", "zones.under_p50" }, { "p50_count", "zones.p50" },
	{ "p70_count", "zones.p70" }, { "p85_count", "zones.p85" }, { "p95_count", "zones.p95" },
	END_COLS
};
static const struct api_csv_col handoff_flows[] = {
	{ "from", "from" }, { "to", "to" }, { "handoffs", "handoffs" }, { "pingpong", "pingpong" },
	END_COLS
};
static const struct api_csv_col handoff_pairs[] = {
	{ "rank", "#" }, { "from_id", "from.id" }, { "from", "from.name" },
	{ "from_department", "from.department" }, { "to_id", "to.id" }, { "to", "to.name" },
	{ "to_department", "to.department" }, { "handoffs", "handoffs" }, { "pingpong", "pingpong" },
	END_COLS
};
static const struct api_csv_table handoff_tables[] = {
	{ "flows", "flows[]", handoff_flows },
	{ "pairs", "pairs[]", handoff_pairs },
	{ NULL, NULL, NULL },
};
static const struct api_csv_table wip_tables[] = {
	{ "items", "departments[].items[]", wip_items },
	{ "employees", "employees[]", wip_emps },
	{ "oldest", "oldest[]", wip_oldest },
	{ "departments", "departments[]", wip_depts },
	{ NULL, NULL, NULL },
};

static const struct api_csv_col sc_points[] = {
	{ "department", "^1.name" }, { "date", "date" }, { "days", "days" },
	{ "ticket_id", "ticket_id" }, { "creator", "creator" }, { "employee_id", "employee_id" },
	{ "employee", "employee" }, { "outlier", "outlier" }, END_COLS
};
static const struct api_csv_col sc_rolling[] = {
	{ "department", "^1.name" }, { "date", "date" }, { "n", "n" }, { "q1", "q1" },
	{ "median", "median" }, { "q3", "q3" }, END_COLS
};
static const struct api_csv_col sc_outliers[] = {
	{ "department", "^1.name" }, { "date", "date" }, { "days", "days" },
	{ "ticket_id", "ticket_id" }, { "creator", "creator" }, { "employee_id", "employee_id" },
	{ "employee", "employee" }, END_COLS
};
static const struct api_csv_col sc_stats[] = {
	{ "department", "name" }, { "n", "stats.n" }, { "p50", "stats.p50" }, { "p85", "stats.p85" },
	{ "p95", "stats.p95" }, { "q1", "stats.q1" }, { "q3", "stats.q3" }, { "iqr", "stats.iqr" },
	{ "fence_low", "stats.fence_low" }, { "fence_high", "stats.fence_high" }, END_COLS
};
static const struct api_csv_table scatter_tables[] = {
	{ "points", "departments[].points[]", sc_points },
	{ "rolling", "departments[].rolling[]", sc_rolling },
	{ "outliers", "departments[].outliers[]", sc_outliers },
	{ "stats", "departments[]", sc_stats },
	{ NULL, NULL, NULL },
};

static const struct api_csv_col fl_daily[] = {
	{ "department", "^1.name" }, { "date", "date" }, { "arrived", "arrived" },
	{ "in_progress", "in_progress" }, { "done", "done" }, { "opened", "opened" },
	{ "closed", "closed" }, { "opened_ma28", "opened_ma28" }, { "closed_ma28", "closed_ma28" },
	END_COLS
};
static const struct api_csv_col fl_buckets[] = {
	{ "department", "^1.name" }, { "start", "start" }, { "end", "end" }, { "opened", "opened" },
	{ "closed", "closed" }, { "net_flow", "net_flow" }, { "closes_per_week", "closes_per_week" },
	END_COLS
};
static const struct api_csv_table flow_tables[] = {
	{ "daily", "departments[].daily[]", fl_daily },
	{ "buckets", "departments[].buckets[]", fl_buckets },
	{ NULL, NULL, NULL },
};

static const struct api_csv_col fc_rows[] = {
	{ "department", "name" }, { "measure", "measure" }, { "history_days", "history.days" },
	{ "history_total", "history.total" }, { "mean_per_day", "history.mean_per_day" },
	{ "open_now", "open_now" }, { "by", "how_many.by" }, { "days", "how_many.days" },
	{ "at_least_p50", "how_many.p50" }, { "at_least_p85", "how_many.p85" },
	{ "at_least_p95", "how_many.p95" }, { "items", "when.items" },
	{ "done_by_p50", "when.p50" }, { "done_by_p85", "when.p85" }, { "done_by_p95", "when.p95" },
	END_COLS
};
static const struct api_csv_table forecast_tables[] = {
	{ "forecast", "departments[]|campaign_starts", fc_rows },
	{ NULL, NULL, NULL },
};

/* ---- shared pieces ---- */

static json_t *count(int64_t n)
{
	return json_integer((json_int_t)n);
}

static json_t *dept_head(const struct snap *s, int k)
{
	return json_pack("{s:s,s:i,s:i}", "name", s->depts[k].name, "position", k + 1, "sla_days",
			 s->depts[k].sla_days);
}

/* The `department` parameter into the key (before the cache look-up). */
static void key_department(struct api_ctx *c, const char *dept)
{
	if (dept)
		buf_addf(&c->key, "|dept:%zu:%s", strlen(dept), dept);
	else
		buf_addstr(&c->key, "|dept:all");
}

/*
 * The `department` parameter into the key, then the cache or the
 * snapshot (api_ctx_load()), then the department's index into *dept (-1 =
 * all).  1 when a reply was queued (*res: from the cache, or the 400 of an
 * unknown department), 0 when the caller computes.
 */
static int flow_load(struct http_req *r, struct api_ctx *c, int *res, int *dept)
{
	const char *name = http_param(r, "department");
	key_department(c, name);
	if (api_ctx_load(r, c, res))
		return 1;
	*dept = name ? snap_dept_find(c->s, name) : -1;
	if (name && *dept < 0) {
		http_problem(r, 400, "bad_param", "department",
			     "department: no department '%.60s' in the pipeline", name);
		*res = api_ctx_fail(r, c);
		return 1;
	}
	return 0;
}

/*
 * The routes that take from, to, department and limit (default dflt, at
 * most max): the parameters, then flow_load().  1 when a reply was queued
 * (*res), 0 when the caller computes.
 */
static int list_load(struct http_req *r, struct api_ctx *c, const char *route,
		     const struct api_csv_table *tables, long dflt, long max, long *limit, int *dept,
		     int *res)
{
	static const char *const allowed[] = { "from", "to", "department", "limit", NULL };
	if (api_ctx_parse(r, c, route, allowed, 0, tables) ||
	    api_parse_long(r, "limit", dflt, 1, max, limit)) {
		*res = api_ctx_fail(r, c);
		return 1;
	}
	buf_addf(&c->key, "|%ld", *limit);
	return flow_load(r, c, res, dept);
}

/* Ticket fields every list shares: ticket_id, creator, employee_id,
 * employee.  These lists can hold every ticket of a year (a 1M-ticket
 * store closes 300k a year): the snapshot's strings are valid UTF-8
 * (import checks them) and the keys are ours, so jansson's checks are
 * skipped. */
static void ticket_into(json_t *o, const struct snap *s, uint32_t i)
{
	const struct snap_tk *t = snap_ticket(s, i);
	int e = snap_tk_emp(s, t);
	json_object_set_new_nocheck(o, "ticket_id", json_string_nocheck(t->tid));
	json_object_set_new_nocheck(o, "creator",
				    json_string_nocheck(snap_creator_name(s, t->creator)));
	json_object_set_new_nocheck(o, "employee_id",
				    json_integer((json_int_t)s->emps[e].store_id));
	json_object_set_new_nocheck(o, "employee", json_string_nocheck(s->emps[e].name));
}

static json_t *zone_name(int z)
{
	return z < 0 ? json_null() : json_string(agg_zone_names[z]);
}

static json_t *zones_json(const int64_t *z)
{
	json_t *o = json_object();
	for (int k = 0; k < AGG_NZONES; k++)
		json_object_set_new(o, agg_zone_names[k], count(z[k]));
	return o;
}

/* ---- wip ---- */

static json_t *wip_item_json(const struct snap *s, const struct agg_wip_item *it, int with_dept)
{
	json_t *o = json_object();
	ticket_into(o, s, it->ticket);
	if (with_dept)
		json_object_set_new_nocheck(o, "department", json_string(s->depts[it->dept].name));
	json_object_set_new_nocheck(o, "opened_on", jx_date(it->opened));
	json_object_set_new_nocheck(o, "age", json_integer(it->age));
	json_object_set_new_nocheck(o, "zone", zone_name(it->zone));
	return o;
}

int api_wip(struct http_req *r)
{
	struct api_ctx c;
	int res, dept;
	long limit;
	if (list_load(r, &c, "wip", wip_tables, 10, WIP_MAX_LIMIT, &limit, &dept, &res))
		return res;
	const struct snap *s = c.s;
	struct agg_wip *w = agg_wip(s, &c.ar, dept, (size_t)limit);
	if (!w)
		abort();
	json_t *depts = json_array(), *emps = json_array(), *oldest = json_array();
	for (size_t k = 0; k < w->ndepts; k++) {
		const struct agg_wip_dept *d = &w->depts[k];
		json_t *o = dept_head(s, d->dept);
		json_object_set_new(o, "open", count((int64_t)d->nitems));
		json_t *p = json_object();
		json_object_set_new(p, "n", count(d->n));
		for (int l = 0; l < AGG_WIP_NLEVELS; l++)
			json_object_set_new(p, agg_zone_names[l + 1], jx_num3(d->pct[l]));
		json_object_set_new(o, "percentiles", p);
		json_object_set_new(o, "zones", zones_json(d->zones));
		json_t *items = json_array();
		for (size_t j = 0; j < d->nitems; j++)
			json_array_append_new(items, wip_item_json(s, &d->items[j], 0));
		json_object_set_new(o, "items", items);
		json_array_append_new(depts, o);
	}
	for (size_t j = 0; j < w->nemps; j++) {
		const struct agg_wip_emp *e = &w->emps[j];
		const struct snap_emp *se = &s->emps[e->emp];
		json_t *o = json_object();
		json_object_set_new(o, "id", json_integer((json_int_t)se->store_id));
		json_object_set_new(o, "name", json_string(se->name));
		json_object_set_new(o, "department", json_string(s->depts[se->dept].name));
		json_object_set_new(o, "open", count(e->open));
		json_object_set_new(o, "oldest_age", json_integer(e->oldest_age));
		json_object_set_new(o, "zones", zones_json(e->zones));
		json_array_append_new(emps, o);
	}
	for (size_t j = 0; j < w->noldest; j++)
		json_array_append_new(oldest, wip_item_json(s, &w->oldest[j], 1));
	json_t *root = json_object();
	json_object_set_new(root, "range", api_ctx_range_json(&c.rg, 0));
	json_object_set_new(root, "basis",
			    json_pack("{s:o,s:o,s:b}", "from", jx_date(w->basis_from), "to",
				      jx_date(w->basis_to), "short", w->basis_short));
	json_object_set_new(root, "departments", depts);
	json_object_set_new(root, "employees", emps);
	json_object_set_new(root, "oldest", oldest);
	agg_wip_free(w);
	return api_ctx_finish(r, &c, root);
}

/* ---- scatter ---- */

static json_t *point_json(const struct snap *s, const struct agg_scatter_point *p, int with_flag)
{
	json_t *o = json_object();
	json_object_set_new_nocheck(o, "date", jx_date(p->date));
	json_object_set_new_nocheck(o, "days", json_integer(p->days));
	ticket_into(o, s, p->ticket);
	if (with_flag)
		json_object_set_new_nocheck(o, "outlier", json_boolean(p->outlier));
	return o;
}

int api_scatter(struct http_req *r)
{
	static const char *const allowed[] = { "from", "to", "department", NULL };
	struct api_ctx c;
	int res;
	if (api_ctx_parse(r, &c, "scatter", allowed, 0, scatter_tables))
		return api_ctx_fail(r, &c);
	int dept;
	if (flow_load(r, &c, &res, &dept))
		return res;
	const struct snap *s = c.s;
	struct agg_scatter *sc = agg_scatter(s, &c.ar, dept);
	if (!sc)
		abort();
	json_t *depts = json_array();
	for (size_t k = 0; k < sc->ndepts; k++) {
		const struct agg_scatter_dept *d = &sc->depts[k];
		json_t *o = dept_head(s, d->dept);
		json_t *st = json_object();
		json_object_set_new(st, "n", count(d->n));
		json_object_set_new(st, "p50", jx_num3(d->p50));
		json_object_set_new(st, "p85", jx_num3(d->p85));
		json_object_set_new(st, "p95", jx_num3(d->p95));
		json_object_set_new(st, "q1", jx_num3(d->q1));
		json_object_set_new(st, "q3", jx_num3(d->q3));
		json_object_set_new(st, "iqr", jx_num3(d->iqr));
		json_object_set_new(st, "fence_low", jx_num3(d->fence_low));
		json_object_set_new(st, "fence_high", jx_num3(d->fence_high));
		json_object_set_new(o, "stats", st);
		json_t *points = json_array(), *outliers = json_array(), *rolling = json_array();
		for (size_t j = 0; j < d->npoints; j++) {
			json_array_append_new(points, point_json(s, &d->points[j], 1));
			if (d->points[j].outlier)
				json_array_append_new(outliers, point_json(s, &d->points[j], 0));
		}
		for (size_t t = 0; t < sc->ndays; t++) {
			const struct agg_quartiles *q = &d->rolling[t];
			json_array_append_new(rolling,
					      json_pack("{s:o,s:o,s:o,s:o,s:o}", "date",
							jx_date(c.ar.from + (int32_t)t), "n", count(q->n),
							"q1", jx_num3(q->q1), "median", jx_num3(q->median),
							"q3", jx_num3(q->q3)));
		}
		json_object_set_new(o, "points", points);
		json_object_set_new(o, "rolling", rolling);
		json_object_set_new(o, "outliers", outliers);
		json_array_append_new(depts, o);
	}
	json_t *root = json_object();
	json_object_set_new(root, "range", api_ctx_range_json(&c.rg, 0));
	json_object_set_new(root, "window_days", json_integer(AGG_SCATTER_WINDOW));
	json_object_set_new(root, "departments", depts);
	agg_scatter_free(sc);
	return api_ctx_finish(r, &c, root);
}

/* ---- flow ---- */

int api_flow(struct http_req *r)
{
	static const char *const allowed[] = { "from", "to", "bucket", "department", NULL };
	struct api_ctx c;
	int res;
	if (api_ctx_parse(r, &c, "flow", allowed, 1, flow_tables))
		return api_ctx_fail(r, &c);
	int dept;
	if (flow_load(r, &c, &res, &dept))
		return res;
	const struct snap *s = c.s;
	struct agg_flow *f = agg_flow(s, &c.ar, dept);
	if (!f)
		abort();
	json_t *depts = json_array();
	for (size_t k = 0; k < f->ndepts; k++) {
		const struct agg_flow_dept *d = &f->depts[k];
		json_t *o = dept_head(s, d->dept);
		json_object_set_new(o, "base", json_pack("{s:o,s:o}", "arrived", count(d->base_arrived),
							 "done", count(d->base_done)));
		json_t *daily = json_array(), *buckets = json_array();
		for (size_t t = 0; t < f->ndays; t++) {
			const struct agg_flow_day *x = &d->days[t];
			json_t *day = json_object();
			json_object_set_new(day, "date", jx_date(c.ar.from + (int32_t)t));
			json_object_set_new(day, "arrived", count(x->arrived));
			json_object_set_new(day, "in_progress", count(x->in_progress));
			json_object_set_new(day, "done", count(x->done));
			json_object_set_new(day, "opened", count(x->opened));
			json_object_set_new(day, "closed", count(x->closed));
			json_object_set_new(day, "opened_ma28", jx_num3(x->opened_ma28));
			json_object_set_new(day, "closed_ma28", jx_num3(x->closed_ma28));
			json_array_append_new(daily, day);
		}
		for (size_t b = 0; b < f->nbuckets; b++) {
			const struct agg_flow_bucket *x = &d->buckets[b];
			json_t *bo = json_object();
			json_object_set_new(bo, "start", jx_date(f->buckets[b].start));
			json_object_set_new(bo, "end", jx_date(f->buckets[b].end));
			json_object_set_new(bo, "days", count(f->buckets[b].end - f->buckets[b].start + 1));
			json_object_set_new(bo, "bucket_days",
					    count(agg_bucket_full_days(c.ar.bucket, f->buckets[b].start)));
			json_object_set_new(bo, "opened", count(x->opened));
			json_object_set_new(bo, "closed", count(x->closed));
			json_object_set_new(bo, "net_flow", count(x->net_flow));
			json_object_set_new(bo, "closes_per_week", jx_num3(x->closes_per_week));
			json_array_append_new(buckets, bo);
		}
		json_object_set_new(o, "daily", daily);
		json_object_set_new(o, "buckets", buckets);
		json_array_append_new(depts, o);
	}
	json_t *root = json_object();
	json_object_set_new(root, "range", api_ctx_range_json(&c.rg, 1));
	json_object_set_new(root, "departments", depts);
	agg_flow_free(f);
	return api_ctx_finish(r, &c, root);
}

/* ---- forecast ---- */

struct fc_params {
	int32_t to, hist_from;
	long history;
	int32_t by;
	long items;               /* -1 = each row's open_now */
	const char *key;          /* the parameters the numbers depend on */
};

/* FNV-1a 64 of the parameters and the row's name: the seed (the same for
 * JSON and CSV, with or without a department filter). */
static uint64_t row_seed(const char *key, const char *row)
{
	uint64_t h = 1469598103934665603ULL;
	for (const char *p = key; *p; p++)
		h = (h ^ (unsigned char)*p) * 1099511628211ULL;
	h = (h ^ '|') * 1099511628211ULL;
	for (const char *p = row; *p; p++)
		h = (h ^ (unsigned char)*p) * 1099511628211ULL;
	return h;
}

static json_t *forecast_row(const struct snap *s, const struct fc_params *p, int k,
			    const char *measure, const int64_t *hist, int64_t open_now)
{
	int64_t items = p->items >= 0 ? p->items : open_now;
	char seed_name[200];
	snprintf(seed_name, sizeof(seed_name), "%s|%s", measure, s->depts[k].name);
	struct agg_forecast fc;
	agg_forecast_run(hist, (size_t)p->history, p->by - p->to, items, row_seed(p->key, seed_name),
			 &fc);
	json_t *o = json_object();
	json_object_set_new(o, "name", json_string(s->depts[k].name));
	json_object_set_new(o, "position", json_integer(k + 1));
	json_object_set_new(o, "measure", json_string(measure));
	json_object_set_new(o, "history",
			    json_pack("{s:o,s:o,s:o}", "days", json_integer(p->history), "total",
				      count(fc.total), "mean_per_day", jx_num3(fc.mean)));
	json_object_set_new(o, "open_now", count(open_now));
	json_t *hm = json_object(), *wh = json_object();
	json_object_set_new(hm, "by", jx_date(p->by));
	json_object_set_new(hm, "days", json_integer(p->by - p->to));
	json_object_set_new(wh, "items", count(items));
	for (int l = 0; l < AGG_FORECAST_NLEVELS; l++) {
		char name[8];
		snprintf(name, sizeof(name), "p%d", agg_forecast_levels[l]);
		json_object_set_new(hm, name, count(fc.at_least[l]));
		json_object_set_new(wh, name, jx_date(fc.done_in[l] < 0 ? DATE_NONE
									: p->to + fc.done_in[l]));
	}
	json_object_set_new(o, "how_many", hm);
	json_object_set_new(o, "when", wh);
	return o;
}

int api_forecast(struct http_req *r)
{
	static const char *const allowed[] = { "from", "to", "department", "history", "by", "items",
					       NULL };
	struct api_ctx c;
	int res;
	struct fc_params p = { 0 };
	if (api_ctx_parse(r, &c, "forecast", allowed, 0, forecast_tables) ||
	    api_parse_long(r, "history", 90, 7, 3650, &p.history) ||
	    api_parse_long(r, "items", -1, 0, 1000000, &p.items))
		return api_ctx_fail(r, &c);
	if (!http_param(r, "items"))
		p.items = -1;
	p.to = c.rg.to;
	p.hist_from = p.to - (int32_t)p.history + 1;
	p.by = p.to + 28;
	const char *by = http_param(r, "by");
	if (by && (date_parse(by, strlen(by), &p.by) || p.by <= p.to ||
		   p.by > p.to + FORECAST_MAX_AHEAD)) {
		char d[DATE_LEN + 1];
		http_problem(r, 400, "bad_param", "by",
			     "by: '%.40s' is not a date after %s and at most %d days after it", by,
			     date_str(p.to, d), FORECAST_MAX_AHEAD);
		return api_ctx_fail(r, &c);
	}
	buf_addf(&c.key, "|%ld|%ld|", p.history, p.items);
	buf_add_date(&c.key, p.by);
	int dept;
	if (flow_load(r, &c, &res, &dept))
		return res;
	struct buf seed = BUF_INIT;
	buf_addf(&seed, "forecast|%ld|%ld|", p.history, p.items);
	buf_add_date(&seed, c.ar.as_of);
	buf_addch(&seed, '|');
	buf_add_date(&seed, p.to);
	buf_addch(&seed, '|');
	buf_add_date(&seed, p.by);
	p.key = seed.data;
	const struct snap *s = c.s;
	struct agg_range hr = { p.hist_from, p.to, c.ar.as_of, AGG_DAY, c.ar.cal };
	struct agg_table *t = agg_table_departments(s, &hr);
	int64_t *hist = calloc((size_t)p.history, sizeof(*hist));
	if (!t || !hist)
		abort();
	json_t *depts = json_array();
	int k0 = dept < 0 ? 0 : dept, k1 = dept < 0 ? (int)s->ndepts : dept + 1;
	for (int k = k0; k < k1; k++) {
		for (long i = 0; i < p.history; i++)
			hist[i] = t->groups[k].series[i].closed;
		json_array_append_new(depts, forecast_row(s, &p, k, "closes", hist,
							  t->groups[k].totals.backlog_end));
	}
	json_t *campaign = json_null();
	if (s->ndepts) {
		agg_campaign_starts(s, &hr, hist);
		campaign = forecast_row(s, &p, (int)s->ndepts - 1, "campaign_starts", hist,
					agg_in_flight(s, p.to));
	}
	agg_table_free(t);
	free(hist);
	buf_release(&seed);
	json_t *root = json_object();
	json_object_set_new(root, "range", api_ctx_range_json(&c.rg, 0));
	json_object_set_new(root, "method",
			    json_pack("{s:i,s:i,s:o,s:o,s:o,s:i}", "trials", AGG_FORECAST_TRIALS,
				      "history_days", (int)p.history, "history_from",
				      jx_date(p.hist_from), "history_to", jx_date(p.to), "by",
				      jx_date(p.by), "horizon_days", AGG_FORECAST_HORIZON));
	json_object_set_new(root, "departments", depts);
	json_object_set_new(root, "campaign_starts", campaign);
	return api_ctx_finish(r, &c, root);
}

/* ---- handoffs ---- */

static json_t *pair_end_json(const struct snap *s, int e)
{
	const struct snap_emp *se = &s->emps[e];
	json_t *o = json_object();
	json_object_set_new(o, "id", json_integer((json_int_t)se->store_id));
	json_object_set_new(o, "name", json_string(se->name));
	json_object_set_new(o, "department", json_string(s->depts[se->dept].name));
	return o;
}

static json_t *rate(int64_t part, int64_t whole)
{
	return whole ? jx_num3((double)part / (double)whole) : json_null();
}

int api_handoffs(struct http_req *r)
{
	struct api_ctx c;
	int res, dept;
	long limit;
	if (list_load(r, &c, "handoffs", handoff_tables, 20, HANDOFF_MAX_LIMIT, &limit, &dept, &res))
		return res;
	const struct snap *s = c.s;
	struct agg_handoffs *h = agg_handoffs(s, &c.ar, dept);
	if (!h)
		abort();
	size_t nd = h->nd;
	json_t *depts = json_array(), *matrix = json_array(), *pmatrix = json_array();
	json_t *flows = json_array(), *pairs = json_array();
	for (size_t a = 0; a < nd; a++) {
		int64_t given = 0, received = 0, pp_given = 0, pp_received = 0;
		json_t *row = json_array(), *prow = json_array();
		for (size_t b = 0; b < nd; b++) {
			int64_t n = h->matrix[a * nd + b], p = h->pingpong[a * nd + b];
			json_array_append_new(row, count(n));
			json_array_append_new(prow, count(p));
			given += n;
			pp_given += p;
			received += h->matrix[b * nd + a];
			pp_received += h->pingpong[b * nd + a];
			if (n)
				json_array_append_new(
					flows, json_pack("{s:s,s:s,s:o,s:o}", "from", s->depts[a].name,
							 "to", s->depts[b].name, "handoffs", count(n),
							 "pingpong", count(p)));
		}
		json_array_append_new(matrix, row);
		json_array_append_new(pmatrix, prow);
		json_t *o = dept_head(s, (int)a);
		json_object_set_new(o, "given", count(given));
		json_object_set_new(o, "received", count(received));
		json_object_set_new(o, "pingpong_given", count(pp_given));
		json_object_set_new(o, "pingpong_received", count(pp_received));
		json_array_append_new(depts, o);
	}
	for (size_t j = 0; j < h->npairs && j < (size_t)limit; j++) {
		const struct agg_pair *p = &h->pairs[j];
		json_t *o = json_object();
		json_object_set_new(o, "from", pair_end_json(s, p->from));
		json_object_set_new(o, "to", pair_end_json(s, p->to));
		json_object_set_new(o, "handoffs", count(p->handoffs));
		json_object_set_new(o, "pingpong", count(p->pingpong));
		json_array_append_new(pairs, o);
	}
	json_t *root = json_object();
	json_object_set_new(root, "range", api_ctx_range_json(&c.rg, 0));
	json_object_set_new(root, "department",
			    dept < 0 ? json_null() : json_string(s->depts[dept].name));
	json_object_set_new(root, "totals",
			    json_pack("{s:o,s:o,s:o}", "handoffs", count(h->handoffs), "pingpong",
				      count(h->pingpongs), "pingpong_rate",
				      rate(h->pingpongs, h->handoffs)));
	json_object_set_new(root, "departments", depts);
	json_object_set_new(root, "matrix", matrix);
	json_object_set_new(root, "pingpong", pmatrix);
	json_object_set_new(root, "flows", flows);
	json_object_set_new(root, "pairs", pairs);
	json_object_set_new(root, "pairs_total", count((int64_t)h->npairs));
	agg_handoffs_free(h);
	return api_ctx_finish(r, &c, root);
}

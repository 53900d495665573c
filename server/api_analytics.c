/*
 * api_analytics.c - the analytics routes of SPEC §4: overview, department,
 * employee, stages, creators (search and timeline), compare, leaderboard.
 *
 * Every handler has the same shape: check the parameters, build the
 * canonical cache key, answer from the response cache (or 304) when it
 * can, else pin the snapshot of the request's data version, call agg_*,
 * serialise with the block writers below, and reply.  The response shapes
 * are fixed in docs/API.md.
 */
#include "agg.h"
#include "agg_flow.h"
#include "api.h"
#include "api_csv.h"
#include "app.h"
#include "buf.h"
#include "date.h"
#include "jsonx.h"
#include "snap.h"
#include "store.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define SEARCH_MAX_LIMIT 1000
#define SEARCH_MAX_QUERY 200

/* ---- blocks (docs/API.md) ---- */

static json_t *count(int64_t n)
{
	return json_integer((json_int_t)n);
}

/* dist: {n, mean, p50, p90} */
static json_t *dist_json(const struct agg_dist *d)
{
	json_t *o = json_object();
	json_object_set_new(o, "n", count(d->n));
	json_object_set_new(o, "mean", jx_num3(d->mean));
	json_object_set_new(o, "p50", jx_num3(d->p50));
	json_object_set_new(o, "p90", jx_num3(d->p90));
	return o;
}

/* lead_time: dist + {min, max} */
static json_t *lead_time_json(const struct agg_dist *d)
{
	json_t *o = dist_json(d);
	json_object_set_new(o, "min", jx_num3(d->min));
	json_object_set_new(o, "max", jx_num3(d->max));
	return o;
}

/* box: {n, min, q1, median, q3, max} */
static json_t *box_json(const struct agg_dist *d)
{
	json_t *o = json_object();
	json_object_set_new(o, "n", count(d->n));
	json_object_set_new(o, "min", jx_num3(d->min));
	json_object_set_new(o, "q1", jx_num3(d->q1));
	json_object_set_new(o, "median", jx_num3(d->p50));
	json_object_set_new(o, "q3", jx_num3(d->q3));
	json_object_set_new(o, "max", jx_num3(d->max));
	return o;
}

/* Add the metrics keys to o; workload_share only when with_share. */
static void metrics_into(json_t *o, const struct agg_metrics *m, int with_share)
{
	json_object_set_new(o, "opened", count(m->opened));
	json_object_set_new(o, "closed", count(m->closed));
	json_object_set_new(o, "backlog_end", count(m->backlog_end));
	json_object_set_new(o, "avg_open", jx_num3(m->avg_open));
	json_object_set_new(o, "lead_time", lead_time_json(&m->lead_time));
	json_object_set_new(o, "sla_hit_rate", jx_num3(m->sla_hit_rate));
	json_object_set_new(o, "closes_per_week", jx_num3(m->closes_per_week));
	json_object_set_new(o, "rework", count(m->rework));
	json_object_set_new(o, "rework_rate", jx_num3(m->rework_rate));
	if (with_share)
		json_object_set_new(o, "workload_share", jx_num3(m->workload_share));
}

static json_t *metrics_json(const struct agg_metrics *m, int with_share)
{
	json_t *o = json_object();
	metrics_into(o, m, with_share);
	return o;
}

/* start, end, and the bucket's real days against its full length: the
 * first and last bucket are cut to the range ("days": 1 of "bucket_days":
 * 7), and a page marks them, as their counts cover fewer days */
static void span_into(json_t *o, const struct agg_span *b, enum agg_bucket k)
{
	json_object_set_new(o, "start", jx_date(b->start));
	json_object_set_new(o, "end", jx_date(b->end));
	json_object_set_new(o, "days", json_integer(b->end - b->start + 1));
	json_object_set_new(o, "bucket_days", json_integer(agg_bucket_full_days(k, b->start)));
}

/* [{start, end, ...metrics}] of one group of a table */
static json_t *series_json(const struct agg_table *t, const struct agg_group *g, int with_share)
{
	json_t *a = json_array();
	for (size_t i = 0; i < t->nbuckets; i++) {
		json_t *o = json_object();
		span_into(o, &t->buckets[i], t->range.bucket);
		metrics_into(o, &g->series[i], with_share);
		json_array_append_new(a, o);
	}
	return a;
}

/* {name, position, sla_days} of department k */
static json_t *dept_head(const struct snap *s, int k)
{
	return json_pack("{s:s,s:i,s:i}", "name", s->depts[k].name, "position", k + 1, "sla_days",
			 s->depts[k].sla_days);
}

static json_t *emp_id(const struct snap *s, int e)
{
	return json_integer((json_int_t)s->emps[e].store_id);
}

/* ---- CSV tables (format=csv; api_csv.h, docs/API.md) ---- */

#define METRIC_COLS_AS(n, p)                                                                \
	{ n "opened", p "opened" }, { n "closed", p "closed" },                               \
	{ n "backlog_end", p "backlog_end" }, { n "avg_open", p "avg_open" },                 \
	{ n "lead_time_n", p "lead_time.n" }, { n "lead_time_mean", p "lead_time.mean" },     \
	{ n "lead_time_p50", p "lead_time.p50" }, { n "lead_time_p90", p "lead_time.p90" },   \
	{ n "lead_time_min", p "lead_time.min" }, { n "lead_time_max", p "lead_time.max" },   \
	{ n "sla_hit_rate", p "sla_hit_rate" }, { n "closes_per_week", p "closes_per_week" }, \
	{ n "rework", p "rework" }, { n "rework_rate", p "rework_rate" }
#define METRIC_COLS(p) METRIC_COLS_AS("", p)
#define DIST_COLS(n, p)                                                                      \
	{ n "_n", p "n" }, { n "_mean", p "mean" }, { n "_p50", p "p50" }, { n "_p90", p "p90" }
#define LEAD_COLS(n, p) DIST_COLS(n, p), { n "_min", p "min" }, { n "_max", p "max" }
#define END_COLS { NULL, NULL }

static const struct api_csv_col ov_depts[] = {
	{ "department", "name" }, { "position", "position" }, { "sla_days", "sla_days" },
	METRIC_COLS("totals."), END_COLS
};
static const struct api_csv_col ov_series[] = {
	{ "department", "^1.name" }, { "start", "start" }, { "end", "end" }, METRIC_COLS(""), END_COLS
};
static const struct api_csv_col ov_e2e[] = {
	{ "start", "start" }, { "end", "end" }, { "n", "n" }, { "mean", "mean" }, { "p50", "p50" },
	{ "p90", "p90" }, END_COLS
};
static const struct api_csv_col ov_rolling[] = { { "date", "date" }, { "mean", "mean" }, END_COLS };
static const struct api_csv_col ov_weekday[] = {
	{ "department", "department" }, { "mon", "opened.0" }, { "tue", "opened.1" },
	{ "wed", "opened.2" }, { "thu", "opened.3" }, { "fri", "opened.4" }, { "sat", "opened.5" },
	{ "sun", "opened.6" }, END_COLS
};
#define KPI_COLS(n, p)                                                                       \
	{ n "backlog", p "backlog" }, { n "sla_hit_rate", p "sla_hit_rate" },                    \
	{ n "throughput_per_week", p "throughput_per_week" },                                    \
	{ n "campaign_starts", p "campaign_starts" }, { n "end_to_end_p50", p "end_to_end_p50" }
static const struct api_csv_col ov_kpis[] = {
	KPI_COLS("", ""), { "previous_from", "previous.from" }, { "previous_to", "previous.to" },
	KPI_COLS("previous_", "previous."), END_COLS
};
static const struct api_csv_table overview_tables[] = {
	{ "departments", "departments[]", ov_depts },
	{ "series", "departments[].series[]", ov_series },
	{ "end_to_end", "end_to_end.series[]", ov_e2e },
	{ "rolling_28d", "end_to_end.rolling_28d[]", ov_rolling },
	{ "weekday_profile", "weekday_profile[]", ov_weekday },
	{ "kpis", "kpis", ov_kpis },
	{ NULL, NULL, NULL },
};

static const struct api_csv_col dp_emps[] = {
	{ "id", "id" }, { "name", "name" }, METRIC_COLS("totals."),
	{ "workload_share", "totals.workload_share" }, { "flags", "flags" },
	{ "score_lead_time_p50", "scores.lead_time_p50" },
	{ "score_lead_time_mean", "scores.lead_time_mean" }, { "score_closed", "scores.closed" },
	{ "score_closes_per_week", "scores.closes_per_week" },
	{ "score_sla_hit_rate", "scores.sla_hit_rate" }, { "score_avg_open", "scores.avg_open" },
	{ "score_workload_share", "scores.workload_share" }, { "box_n", "box.n" },
	{ "box_min", "box.min" }, { "box_q1", "box.q1" }, { "box_median", "box.median" },
	{ "box_q3", "box.q3" }, { "box_max", "box.max" }, END_COLS
};
static const struct api_csv_col dp_series[] = {
	{ "id", "^1.id" }, { "name", "^1.name" }, { "start", "start" }, { "end", "end" },
	METRIC_COLS(""), { "workload_share", "workload_share" }, END_COLS
};
static const struct api_csv_col dp_dept[] = {
	{ "start", "start" }, { "end", "end" }, METRIC_COLS(""), END_COLS
};
static const struct api_csv_table department_tables[] = {
	{ "employees", "employees[]", dp_emps },
	{ "series", "employees[].series[]", dp_series },
	{ "department", "department.series[]", dp_dept },
	{ NULL, NULL, NULL },
};

static const struct api_csv_col em_series[] = {
	{ "start", "start" }, { "end", "end" }, METRIC_COLS(""), { "workload_share", "workload_share" },
	END_COLS
};
static const struct api_csv_col em_daily[] = {
	{ "date", "date" }, { "open", "open" }, { "initiated", "initiated" }, { "closed", "closed" },
	END_COLS
};
static const struct api_csv_col em_hist[] = { { "days", "days" }, { "count", "count" }, END_COLS };
/* one row: the employee's totals next to the department's (the page's "against the department") */
static const struct api_csv_col em_totals[] = {
	{ "id", "employee.id" }, { "name", "employee.name" }, { "department", "employee.department" },
	METRIC_COLS("totals."), { "workload_share", "totals.workload_share" },
	METRIC_COLS_AS("department_", "department.totals."),
	{ "per_employee_employees", "per_employee.employees" },
	{ "per_employee_opened", "per_employee.opened" },
	{ "per_employee_closed", "per_employee.closed" },
	{ "per_employee_backlog_end", "per_employee.backlog_end" },
	{ "per_employee_avg_open", "per_employee.avg_open" },
	{ "per_employee_lead_time_n", "per_employee.lead_time.n" },
	{ "per_employee_lead_time_mean", "per_employee.lead_time.mean" },
	{ "per_employee_lead_time_p50", "per_employee.lead_time.p50" },
	{ "per_employee_lead_time_p90", "per_employee.lead_time.p90" },
	{ "per_employee_sla_hit_rate", "per_employee.sla_hit_rate" },
	{ "per_employee_closes_per_week", "per_employee.closes_per_week" },
	{ "per_employee_rework", "per_employee.rework" },
	{ "per_employee_rework_rate", "per_employee.rework_rate" },
	{ "per_employee_workload_share", "per_employee.workload_share" }, END_COLS
};
static const struct api_csv_table employee_tables[] = {
	{ "series", "series[]", em_series },
	{ "daily", "daily[]", em_daily },
	{ "histogram", "histogram[]", em_hist },
	{ "totals", "", em_totals },
	{ NULL, NULL, NULL },
};

static const struct api_csv_col st_depts[] = {
	{ "department", "name" }, { "position", "position" }, DIST_COLS("stage", "stage."),
	DIST_COLS("wait", "wait."), { "p50_share", "p50_share" }, END_COLS
};
static const struct api_csv_col st_series[] = {
	{ "department", "^1.name" }, { "start", "start" }, { "end", "end" },
	DIST_COLS("stage", "stage."), DIST_COLS("wait", "wait."), END_COLS
};
static const struct api_csv_table stages_tables[] = {
	{ "departments", "departments[]", st_depts },
	{ "series", "departments[].series[]", st_series },
	{ NULL, NULL, NULL },
};

static const struct api_csv_col cr_list[] = {
	{ "name", "name" }, { "tickets", "tickets" }, { "first_opened", "first_opened" },
	{ "last_activity", "last_activity" }, END_COLS
};
static const struct api_csv_table creators_tables[] = {
	{ "creators", "creators[]", cr_list },
	{ NULL, NULL, NULL },
};

static const struct api_csv_col cr_tickets[] = {
	{ "creator", "^0.creator" }, { "ticket_id", "ticket_id" }, { "department", "department" },
	{ "employee", "employee" }, { "employee_id", "employee_id" }, { "opened_on", "opened_on" },
	{ "closed_on", "closed_on" }, END_COLS
};
static const struct api_csv_col cr_stages[] = {
	{ "creator", "^0.creator" }, { "department", "department" }, { "start", "start" },
	{ "end", "end" }, { "days", "days" }, { "wait_before", "wait_before" },
	{ "tickets", "tickets" }, END_COLS
};
static const struct api_csv_col cr_events[] = {
	{ "creator", "^0.creator" }, { "at", "at" }, { "date", "date" }, { "activity", "activity" },
	{ "resource", "resource" }, { "lifecycle", "lifecycle" }, { "department", "department" },
	{ "stay", "stay" }, { "done", "done" }, END_COLS
};
static const struct api_csv_table creator_tables[] = {
	{ "tickets", "tickets[]", cr_tickets },
	{ "stages", "stages[]", cr_stages },
	{ "events", "events[]", cr_events },
	{ NULL, NULL, NULL },
};

static const struct api_csv_col cm_depts[] = {
	{ "department", "name" }, LEAD_COLS("a", "a."), LEAD_COLS("b", "b."),
	{ "change_p50", "change.p50" }, { "change_mean", "change.mean" }, { "p_value", "p_value" },
	{ "verdict", "verdict" }, END_COLS
};
static const struct api_csv_col cm_e2e[] = {
	LEAD_COLS("a", "a."), LEAD_COLS("b", "b."), { "change_p50", "change.p50" },
	{ "change_mean", "change.mean" }, { "p_value", "p_value" }, { "verdict", "verdict" },
	END_COLS
};
static const struct api_csv_table compare_tables[] = {
	{ "departments", "departments[]", cm_depts },
	{ "end_to_end", "end_to_end", cm_e2e },
	{ NULL, NULL, NULL },
};

static const struct api_csv_col lb_entries[] = {
	{ "period", "^1@" }, { "period_start", "^1.start" }, { "period_end", "^1.end" },
	{ "department", "^2.name" }, { "board", "^3@" }, { "rank", "rank" }, { "id", "id" },
	{ "name", "name" }, { "value", "value" }, { "closed", "closed" }, END_COLS
};
static const struct api_csv_table leaderboard_tables[] = {
	{ "entries", "(day|week).departments[].(most_closed|fastest_p50|best_sla)[]", lb_entries },
	{ NULL, NULL, NULL },
};

/* ---- overview ---- */

/* The pipeline's key figures (docs/API.md: each creator once; the
 * per-department figures are on the department rows). */
struct kpis {
	int64_t backlog;
	int64_t campaign_starts;
	double sla_hit_rate, throughput_per_week, end_to_end_p50;
};

static void kpis_of(const struct snap *s, const struct agg_range *r, const struct agg_table *t,
		    const struct agg_e2e *e, struct kpis *k)
{
	k->backlog = 0;
	for (size_t i = 0; i < t->ngroups; i++)
		k->backlog += t->groups[i].totals.backlog_end;
	k->sla_hit_rate = t->all->totals.sla_hit_rate;
	k->end_to_end_p50 = e->totals.p50;
	size_t ndays = (size_t)(r->to - r->from) + 1;
	int64_t *starts = calloc(ndays, sizeof(*starts));
	if (!starts)
		abort();
	agg_campaign_starts(s, r, starts);
	k->campaign_starts = 0;
	for (size_t i = 0; i < ndays; i++)
		k->campaign_starts += starts[i];
	free(starts);
	k->throughput_per_week = (double)k->campaign_starts / ((double)ndays / 7.0);
}

static json_t *kpis_json(const struct kpis *k)
{
	json_t *o = json_object();
	json_object_set_new(o, "backlog", count(k->backlog));
	json_object_set_new(o, "sla_hit_rate", jx_num3(k->sla_hit_rate));
	json_object_set_new(o, "throughput_per_week", jx_num3(k->throughput_per_week));
	json_object_set_new(o, "campaign_starts", count(k->campaign_starts));
	json_object_set_new(o, "end_to_end_p50", jx_num3(k->end_to_end_p50));
	return o;
}

/* The KPIs over the period of equal length just before the range (with
 * its from/to); null values when that period starts before DATE_MIN. */
static json_t *previous_kpis(const struct snap *s, const struct agg_range *ar)
{
	int32_t len = ar->to - ar->from + 1;
	struct agg_range prev = { ar->from - len, ar->from - 1, ar->as_of, AGG_MONTH, ar->cal };
	struct kpis k = { 0, 0, NAN, NAN, NAN };
	int valid = agg_range_valid(&prev);
	if (valid) {
		struct agg_table *t = agg_table_departments(s, &prev);
		struct agg_e2e *e = agg_end_to_end(s, &prev);
		kpis_of(s, &prev, t, e, &k);
		agg_table_free(t);
		agg_e2e_free(e);
	}
	json_t *o = kpis_json(&k);
	if (!valid) {
		json_object_set_new(o, "backlog", json_null());
		json_object_set_new(o, "campaign_starts", json_null());
	}
	json_object_set_new(o, "from", jx_date(valid ? prev.from : DATE_NONE));
	json_object_set_new(o, "to", jx_date(valid ? prev.to : DATE_NONE));
	return o;
}

static json_t *end_to_end_json(const struct agg_e2e *e, int32_t from, enum agg_bucket k)
{
	json_t *series = json_array(), *rolling = json_array();
	for (size_t i = 0; i < e->nbuckets; i++) {
		json_t *o = dist_json(&e->series[i]);
		span_into(o, &e->buckets[i], k);
		json_array_append_new(series, o);
	}
	for (size_t i = 0; i < e->ndays; i++)
		json_array_append_new(rolling, json_pack("{s:o,s:o}", "date", jx_date(from + (int32_t)i),
							 "mean", jx_num3(e->rolling[i])));
	return json_pack("{s:o,s:o,s:o}", "totals", dist_json(&e->totals), "series", series,
			 "rolling_28d", rolling);
}

int api_overview(struct http_req *r)
{
	static const char *const allowed[] = { "from", "to", "bucket", NULL };
	struct api_ctx c;
	int res;
	if (api_ctx_parse(r, &c, "overview", allowed, 1, overview_tables))
		return api_ctx_fail(r, &c);
	if (api_ctx_load(r, &c, &res))
		return res;
	const struct snap *s = c.s;
	struct agg_table *t = agg_table_departments(s, &c.ar);
	struct agg_e2e *e = agg_end_to_end(s, &c.ar);
	int64_t *wd = calloc(s->ndepts * 7 + 1, sizeof(*wd));
	if (!t || !e || !wd)
		abort();
	agg_weekday_profile(s, &c.ar, wd);

	struct kpis k;
	kpis_of(s, &c.ar, t, e, &k);
	json_t *kp = kpis_json(&k);
	json_object_set_new(kp, "previous", previous_kpis(s, &c.ar));

	json_t *depts = json_array(), *profile = json_array();
	for (size_t i = 0; i < t->ngroups; i++) {
		const struct agg_group *g = &t->groups[i];
		json_t *o = dept_head(s, g->dept);
		json_object_set_new(o, "totals", metrics_json(&g->totals, 0));
		json_object_set_new(o, "series", series_json(t, g, 0));
		json_array_append_new(depts, o);
	}
	for (size_t d = 0; d < s->ndepts; d++) {
		json_t *days = json_array();
		for (int w = 0; w < 7; w++)
			json_array_append_new(days, count(wd[d * 7 + (size_t)w]));
		json_array_append_new(profile, json_pack("{s:s,s:o}", "department", s->depts[d].name,
							 "opened", days));
	}
	json_t *root = json_object();
	json_object_set_new(root, "range", api_ctx_range_json(&c.rg, 1));
	json_object_set_new(root, "kpis", kp);
	json_object_set_new(root, "departments", depts);
	json_object_set_new(root, "end_to_end", end_to_end_json(e, c.ar.from, c.ar.bucket));
	json_object_set_new(root, "weekday_profile", profile);
	agg_table_free(t);
	agg_e2e_free(e);
	free(wd);
	return api_ctx_finish(r, &c, root);
}

/* ---- department ---- */

static json_t *flags_json(const struct agg_group *g)
{
	json_t *a = json_array();
	for (size_t i = 0; i < g->nflags; i++)
		json_array_append_new(a, json_pack("{s:s,s:o,s:o}", "rule", g->flags[i].rule, "value",
						   jx_num3(g->flags[i].value), "limit",
						   jx_num3(g->flags[i].limit)));
	return a;
}

static json_t *scores_json(const struct agg_group *g)
{
	json_t *o = json_object();
	for (int i = 0; i < AGG_NSCORES; i++)
		json_object_set_new(o, agg_score_names[i], jx_num3(g->score[i]));
	return o;
}

int api_department(struct http_req *r)
{
	static const char *const allowed[] = { "from", "to", "bucket", NULL };
	struct api_ctx c;
	int res;
	if (api_ctx_parse(r, &c, "department", allowed, 1, department_tables))
		return api_ctx_fail(r, &c);
	buf_addch(&c.key, '|');
	buf_addstr(&c.key, r->arg);
	if (api_ctx_load(r, &c, &res))
		return res;
	const struct snap *s = c.s;
	int dept = snap_dept_find(s, r->arg);
	if (dept < 0) {
		http_problem(r, 404, "not_found", "name", "no department '%.80s' in the pipeline",
			     r->arg);
		return api_ctx_fail(r, &c);
	}
	struct agg_table *t = agg_table_department(s, &c.ar, dept);
	if (!t)
		abort();
	const struct config *cfg = r->cfg;
	struct agg_thresholds th = { cfg->p50_ratio, cfg->min_sla_hit_rate, cfg->max_avg_open,
				     cfg->min_closed };
	agg_table_evaluate(t, &th);

	json_t *d = dept_head(s, dept);
	json_object_set_new(d, "totals", metrics_json(&t->groups[0].totals, 0));
	json_object_set_new(d, "series", series_json(t, &t->groups[0], 0));
	json_t *emps = json_array();
	for (size_t i = 1; i < t->ngroups; i++) {
		const struct agg_group *g = &t->groups[i];
		json_t *o = json_object();
		json_object_set_new(o, "id", emp_id(s, g->emp));
		json_object_set_new(o, "name", json_string(s->emps[g->emp].name));
		json_object_set_new(o, "totals", metrics_json(&g->totals, 1));
		json_object_set_new(o, "series", series_json(t, g, 1));
		json_object_set_new(o, "flags", flags_json(g));
		json_object_set_new(o, "scores", scores_json(g));
		json_object_set_new(o, "box", box_json(&g->totals.lead_time));
		json_array_append_new(emps, o);
	}
	json_t *root = json_object();
	json_object_set_new(root, "range", api_ctx_range_json(&c.rg, 1));
	json_object_set_new(root, "department", d);
	json_object_set_new(root, "thresholds",
			    json_pack("{s:o,s:o,s:o,s:I}", "p50_ratio", jx_num3(th.p50_ratio),
				      "min_sla_hit_rate", jx_num3(th.min_sla_hit_rate),
				      "max_avg_open", jx_num3(th.max_avg_open), "min_closed",
				      (json_int_t)th.min_closed));
	json_object_set_new(root, "employees", emps);
	agg_table_free(t);
	return api_ctx_finish(r, &c, root);
}

/* ---- employee ---- */

/* The employee id of the path: digits only, positive. */
static int parse_emp_id(struct http_req *r, int64_t *out)
{
	const char *p = r->arg;
	char *end;
	errno = 0;
	long long v = strtoll(p, &end, 10);
	if (*p < '0' || *p > '9' || *end || errno || v <= 0)
		return http_problem(r, 404, "not_found", "id",
				    "no employee '%.40s' (ids are positive whole numbers; see /api/v1/meta)",
				    p);
	*out = v;
	return 0;
}

/* The mean of the values of the n employees that have one (v(g) not NaN). */
struct mean_acc {
	double sum;
	int64_t n;
};

static void mean_add(struct mean_acc *m, double v)
{
	if (!isnan(v)) {
		m->sum += v;
		m->n++;
	}
}

static double mean_of(const struct mean_acc *m)
{
	return m->n ? m->sum / (double)m->n : NAN;
}

/*
 * The department's per-employee average (docs/API.md, "per_employee"),
 * over t = agg_table_department(): groups[0] the department, then its
 * employees with at least one point-in-time row in the range (N of them).
 * Counts: the department's totals ÷ N; rework_rate: rework ÷ opened (the
 * two averages' ratio, the department's rate); workload_share: 1 ÷ N; the
 * close-based figures (lead time p50, mean, p90, sla_hit_rate): the mean
 * of the employees' own figures over those with at least min_closed
 * closes (lead_time.n of them), so one close does not weigh like fifty.
 */
static json_t *per_employee_json(const struct agg_table *t, int64_t min_closed)
{
	const struct agg_metrics *d = &t->groups[0].totals;
	int64_t n = (int64_t)t->ngroups - 1;
	double nn = n > 0 ? (double)n : NAN;
	struct mean_acc p50 = { 0, 0 }, mean = { 0, 0 }, p90 = { 0, 0 }, sla = { 0, 0 };
	for (size_t i = 1; i < t->ngroups; i++) {
		const struct agg_metrics *m = &t->groups[i].totals;
		if (m->lead_time.n < min_closed)
			continue;
		mean_add(&p50, m->lead_time.p50);
		mean_add(&mean, m->lead_time.mean);
		mean_add(&p90, m->lead_time.p90);
		mean_add(&sla, m->sla_hit_rate);
	}
	json_t *o = json_object();
	json_object_set_new(o, "employees", count(n));
	json_object_set_new(o, "min_closed", count(min_closed));
	json_object_set_new(o, "opened", jx_num3((double)d->opened / nn));
	json_object_set_new(o, "closed", jx_num3((double)d->closed / nn));
	json_object_set_new(o, "backlog_end", jx_num3((double)d->backlog_end / nn));
	json_object_set_new(o, "avg_open", jx_num3(d->avg_open / nn));
	json_object_set_new(o, "closes_per_week", jx_num3(d->closes_per_week / nn));
	json_object_set_new(o, "rework", jx_num3((double)d->rework / nn));
	json_object_set_new(o, "rework_rate", jx_num3(n > 0 ? d->rework_rate : NAN));
	json_object_set_new(o, "workload_share", jx_num3(1.0 / nn));
	json_object_set_new(o, "lead_time",
			    json_pack("{s:o,s:o,s:o,s:o}", "n", count(p50.n), "mean",
				      jx_num3(mean_of(&mean)), "p50", jx_num3(mean_of(&p50)), "p90",
				      jx_num3(mean_of(&p90))));
	json_object_set_new(o, "sla_hit_rate", jx_num3(mean_of(&sla)));
	return o;
}

int api_employee(struct http_req *r)
{
	static const char *const allowed[] = { "from", "to", "bucket", NULL };
	struct api_ctx c;
	int res;
	int64_t id = 0;
	if (api_ctx_parse(r, &c, "employee", allowed, 1, employee_tables) || parse_emp_id(r, &id))
		return api_ctx_fail(r, &c);
	/* per_employee depends on [thresholds] min_closed */
	buf_addf(&c.key, "|%lld|%d", (long long)id, r->cfg->min_closed);
	if (api_ctx_load(r, &c, &res))
		return res;
	const struct snap *s = c.s;
	int emp = snap_emp_find(s, id);
	if (emp < 0) {
		http_problem(r, 404, "not_found", "id", "no employee with id %lld", (long long)id);
		return api_ctx_fail(r, &c);
	}
	int dept = s->emps[emp].dept;
	struct agg_table *t = agg_table_employee(s, &c.ar, emp);
	struct agg_range days = c.ar;
	days.bucket = AGG_DAY;
	struct agg_table *daily = c.ar.bucket == AGG_DAY ? t : agg_table_employee(s, &days, emp);
	if (!t || !daily)
		abort();
	const struct agg_group *dg = &t->groups[0], *eg = &t->groups[1];

	json_t *dl = json_array();
	for (size_t i = 0; i < daily->nbuckets; i++) {
		const struct agg_metrics *m = &daily->groups[1].series[i];
		json_array_append_new(dl, json_pack("{s:o,s:o,s:o,s:o}", "date",
						    jx_date(daily->buckets[i].start), "open",
						    count(m->backlog_end), "initiated", count(m->opened),
						    "closed", count(m->closed)));
	}
	struct agg_hist_bin *bins = NULL;
	long nbins = agg_histogram(s, &c.ar, dept, emp, &bins);
	json_t *hist = json_array();
	for (long i = 0; i < nbins; i++)
		json_array_append_new(hist, json_pack("{s:i,s:o}", "days", (int)bins[i].days, "count",
						      count(bins[i].count)));
	free(bins);
	struct agg_trend tr;
	agg_trend(s, &c.ar, dept, emp, &tr);
	/* every employee of the department, for its per-employee average
	 * (totals only: months keep the series short) */
	struct agg_range months = c.ar;
	months.bucket = AGG_MONTH;
	struct agg_table *all = agg_table_department(s, &months, dept);
	if (!all)
		abort();
	json_t *per = per_employee_json(all, r->cfg->min_closed);
	agg_table_free(all);

	json_t *department = json_object();
	json_object_set_new(department, "name", json_string(s->depts[dept].name));
	json_object_set_new(department, "sla_days", json_integer(s->depts[dept].sla_days));
	json_object_set_new(department, "totals", metrics_json(&dg->totals, 0));
	json_object_set_new(department, "series", series_json(t, dg, 0));

	json_t *root = json_object();
	json_object_set_new(root, "range", api_ctx_range_json(&c.rg, 1));
	json_object_set_new(root, "employee",
			    json_pack("{s:o,s:s,s:s}", "id", emp_id(s, emp), "name", s->emps[emp].name,
				      "department", s->depts[dept].name));
	json_object_set_new(root, "totals", metrics_json(&eg->totals, 1));
	json_object_set_new(root, "series", series_json(t, eg, 1));
	json_object_set_new(root, "daily", dl);
	json_object_set_new(root, "histogram", hist);
	json_object_set_new(root, "box", box_json(&eg->totals.lead_time));
	json_object_set_new(root, "trend",
			    json_pack("{s:o,s:o,s:o,s:o}", "n", count(tr.n), "slope_per_week",
				      jx_num3(tr.slope_per_week), "intercept", jx_num3(tr.intercept),
				      "r2", jx_num3(tr.r2)));
	json_object_set_new(root, "department", department);
	json_object_set_new(root, "per_employee", per);
	if (daily != t)
		agg_table_free(daily);
	agg_table_free(t);
	return api_ctx_finish(r, &c, root);
}

/* ---- stages ---- */

int api_stages(struct http_req *r)
{
	static const char *const allowed[] = { "from", "to", "bucket", NULL };
	struct api_ctx c;
	int res;
	if (api_ctx_parse(r, &c, "stages", allowed, 1, stages_tables))
		return api_ctx_fail(r, &c);
	if (api_ctx_load(r, &c, &res))
		return res;
	const struct snap *s = c.s;
	struct agg_stages *st = agg_stages(s, &c.ar);
	if (!st)
		abort();
	json_t *depts = json_array();
	for (size_t k = 0; k < st->ndepts; k++) {
		const struct agg_stage_dept *d = &st->depts[k];
		json_t *o = dept_head(s, (int)k);
		json_object_set_new(o, "stage", dist_json(&d->stage));
		json_object_set_new(o, "wait", k ? dist_json(&d->wait) : json_null());
		json_object_set_new(o, "p50_share", jx_num3(d->p50_share));
		json_t *series = json_array();
		for (size_t i = 0; i < st->nbuckets; i++) {
			json_t *b = json_object();
			span_into(b, &st->buckets[i], c.ar.bucket);
			json_object_set_new(b, "stage", dist_json(&d->stage_series[i]));
			json_object_set_new(b, "wait", k ? dist_json(&d->wait_series[i]) : json_null());
			json_array_append_new(series, b);
		}
		json_object_set_new(o, "series", series);
		json_array_append_new(depts, o);
	}
	json_t *bn = json_null();
	if (st->bottleneck >= 0) {
		const struct agg_stage_dept *d = &st->depts[st->bottleneck];
		bn = json_pack("{s:s,s:o,s:o}", "department", s->depts[st->bottleneck].name, "p50",
			       jx_num3(d->stage.p50), "share", jx_num3(d->p50_share));
	}
	json_t *root = json_object();
	json_object_set_new(root, "range", api_ctx_range_json(&c.rg, 1));
	json_object_set_new(root, "departments", depts);
	json_object_set_new(root, "bottleneck", bn);
	/* the overview's end-to-end figure of the same range (its
	 * end_to_end.totals, kpis.end_to_end_p50) */
	struct agg_e2e *e = agg_end_to_end(s, &c.ar);
	if (!e)
		abort();
	json_object_set_new(root, "end_to_end", dist_json(&e->totals));
	agg_e2e_free(e);
	agg_stages_free(st);
	return api_ctx_finish(r, &c, root);
}

/* ---- creators ---- */

int api_creators(struct http_req *r)
{
	static const char *const allowed[] = { "q", "limit", "from", "to", NULL };
	struct api_ctx c;
	int res;
	long limit;
	if (api_ctx_parse(r, &c, "creators", allowed, 0, creators_tables) ||
	    api_parse_long(r, "limit", 20, 1, SEARCH_MAX_LIMIT, &limit))
		return api_ctx_fail(r, &c);
	const char *q = http_param(r, "q");
	if (!q)
		q = "";
	size_t qlen = strlen(q);
	if (qlen > SEARCH_MAX_QUERY) {
		http_problem(r, 400, "bad_param", "q", "q: %zu bytes is too long (at most %d)", qlen,
			     SEARCH_MAX_QUERY);
		return api_ctx_fail(r, &c);
	}
	buf_addf(&c.key, "|%ld|", limit);
	buf_add(&c.key, q, qlen);
	if (api_ctx_load(r, &c, &res))
		return res;
	const struct snap *s = c.s;
	struct agg_creator_hit *hits = calloc((size_t)limit, sizeof(*hits));
	if (!hits)
		abort();
	size_t total = 0;
	size_t n = agg_creator_search(s, q, c.rg.as_of, (size_t)limit, hits, &total);
	json_t *a = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(a, json_pack("{s:s,s:o,s:o,s:o}", "name", hits[i].name, "tickets",
						   count(hits[i].tickets), "first_opened",
						   jx_date(hits[i].first_opened), "last_activity",
						   jx_date(hits[i].last_activity)));
	free(hits);
	json_t *root = json_object();
	json_object_set_new(root, "range", api_ctx_range_json(&c.rg, 0));
	json_object_set_new(root, "q", json_stringn(q, qlen));
	json_object_set_new(root, "total", json_integer((json_int_t)total));
	json_object_set_new(root, "creators", a);
	return api_ctx_finish(r, &c, root);
}

int api_creator(struct http_req *r)
{
	static const char *const allowed[] = { "from", "to", NULL };
	struct api_ctx c;
	int res;
	if (api_ctx_parse(r, &c, "creator", allowed, 0, creator_tables))
		return api_ctx_fail(r, &c);
	buf_addch(&c.key, '|');
	buf_addstr(&c.key, r->arg);
	if (api_ctx_load(r, &c, &res))
		return res;
	const struct snap *s = c.s;
	int64_t cr = snap_creator_find(s, r->arg);
	struct agg_timeline *tl = cr < 0 ? NULL : agg_timeline_days(s, cr, c.rg.as_of, c.ar.cal);
	if (!tl || !tl->ntickets) {
		agg_timeline_free(tl);
		http_problem(r, 404, "not_found", "name", "no creator named '%.80s' (as of as_of)",
			     r->arg);
		return api_ctx_fail(r, &c);
	}
	json_t *tickets = json_array(), *stages = json_array();
	for (size_t i = 0; i < tl->ntickets; i++) {
		const struct agg_tl_ticket *t = &tl->tickets[i];
		json_t *o = json_object();
		json_object_set_new(o, "ticket_id", json_string(t->ticket_id));
		json_object_set_new(o, "department", json_string(s->depts[t->dept].name));
		json_object_set_new(o, "employee", json_string(s->emps[t->emp].name));
		json_object_set_new(o, "employee_id", emp_id(s, t->emp));
		json_object_set_new(o, "opened_on", jx_date(t->opened));
		json_object_set_new(o, "closed_on", jx_date(t->closed));
		json_array_append_new(tickets, o);
	}
	for (size_t i = 0; i < tl->nstages; i++) {
		const struct agg_tl_stage *st = &tl->stages[i];
		json_t *o = json_object();
		json_object_set_new(o, "department", json_string(s->depts[st->dept].name));
		json_object_set_new(o, "start", jx_date(st->start));
		json_object_set_new(o, "end", jx_date(st->end));
		json_object_set_new(o, "days", jx_num3(st->days));
		json_object_set_new(o, "wait_before", jx_num3(st->wait_before));
		json_object_set_new(o, "tickets", count((int64_t)st->ntickets));
		json_array_append_new(stages, o);
	}
	/* the events come from the store: cached only when the store held
	 * the view's data version before and after reading them */
	json_t *events;
	size_t nevents;
	int64_t dv = store_data_version(r->store);
	if (api_creator_events(r, tl->name, c.rg.as_of, &events, &nevents)) {
		json_decref(tickets);
		json_decref(stages);
		agg_timeline_free(tl);
		http_problem(r, 503, "unavailable", NULL, "cannot read the store");
		return api_ctx_fail(r, &c);
	}
	c.uncached = dv != s->data_version || store_data_version(r->store) != dv;
	json_t *root = json_object();
	json_object_set_new(root, "range", api_ctx_range_json(&c.rg, 0));
	json_object_set_new(root, "creator", json_string(tl->name));
	json_object_set_new(root, "tickets", tickets);
	json_object_set_new(root, "events", events);
	json_object_set_new(root, "events_total", count((int64_t)nevents));
	json_object_set_new(root, "stages", stages);
	json_object_set_new(root, "end_to_end",
			    json_pack("{s:o,s:o}", "days", jx_num3(tl->end_to_end), "campaign_start",
				      jx_date(tl->campaign_start)));
	agg_timeline_free(tl);
	return api_ctx_finish(r, &c, root);
}

/* ---- compare ---- */

/* {a, b, change {p50, mean}, p_value, verdict} of one comparison */
static json_t *compare_json(const struct agg_compare_dept *d)
{
	const char *verdict = isnan(d->p_value) ? NULL
			      : d->p_value < 0.05 ? "likely a real change"
						   : "could be chance";
	json_t *o = json_object();
	json_object_set_new(o, "a", lead_time_json(&d->a));
	json_object_set_new(o, "b", lead_time_json(&d->b));
	json_object_set_new(o, "change", json_pack("{s:o,s:o}", "p50", jx_num3(d->change_p50),
						   "mean", jx_num3(d->change_mean)));
	/* p-values can be tiny: 4 significant digits rather than 3
	 * decimals, so 0.0004 does not read as 0 */
	json_object_set_new(o, "p_value", jx_sig4(d->p_value));
	json_object_set_new(o, "verdict", verdict ? json_string(verdict) : json_null());
	return o;
}

int api_compare(struct http_req *r)
{
	static const char *const allowed[] = { "a_from", "a_to", "b_from", "b_to", NULL };
	struct api_ctx c;
	int res;
	struct api_range a, b;
	if (api_ctx_begin(r, &c, "compare", allowed, compare_tables) ||
	    api_parse_range(r, "b_", 0, &b))
		return api_ctx_fail(r, &c);
	if (!http_param(r, "a_from") && !http_param(r, "a_to")) {
		int32_t len = b.to - b.from + 1;
		a = b;
		a.from = b.from - len;
		a.to = b.from - 1;
		if (a.from < date_from_ymd(1900, 1, 1)) {
			http_problem(r, 400, "bad_param", "b_from",
				     "b_from: the period before it starts before 1900; give a_from and a_to");
			return api_ctx_fail(r, &c);
		}
	} else if (api_parse_range(r, "a_", 0, &a)) {
		return api_ctx_fail(r, &c);
	}
	c.rg = b;
	api_range_key(&c.key, &a);
	api_ctx_key_range(r, &c, &b);
	if (api_ctx_load(r, &c, &res))
		return res;
	const struct snap *s = c.s;
	struct agg_range aa = api_agg_range(r, &a), bb = api_agg_range(r, &b);
	struct agg_compare *cmp = agg_compare(s, &aa, &bb);
	if (!cmp)
		abort();
	json_t *depts = json_array();
	for (size_t k = 0; k < cmp->ndepts; k++) {
		json_t *o = compare_json(&cmp->depts[k]);
		json_object_set_new(o, "name", json_string(s->depts[k].name));
		json_array_append_new(depts, o);
	}
	json_t *root = json_object();
	json_object_set_new(root, "a", api_ctx_range_json(&a, 0));
	json_object_set_new(root, "b", api_ctx_range_json(&b, 0));
	json_object_set_new(root, "departments", depts);
	json_object_set_new(root, "end_to_end", compare_json(&cmp->end_to_end));
	agg_compare_free(cmp);
	return api_ctx_finish(r, &c, root);
}

/* ---- leaderboard ---- */

static json_t *lb_period_json(const struct snap *s, const struct agg_lb_period *p, size_t ndepts)
{
	json_t *depts = json_array();
	for (size_t k = 0; k < ndepts; k++) {
		json_t *o = json_object();
		json_object_set_new(o, "name", json_string(s->depts[k].name));
		for (int b = 0; b < AGG_LB_NBOARDS; b++) {
			json_t *a = json_array();
			for (size_t i = 0; i < p->depts[k].n[b]; i++) {
				const struct agg_lb_entry *e = &p->depts[k].board[b][i];
				json_array_append_new(a, json_pack("{s:o,s:o,s:s,s:o,s:o}", "rank",
								   count(e->rank), "id",
								   emp_id(s, e->emp), "name",
								   s->emps[e->emp].name, "value",
								   jx_num3(e->value), "closed",
								   count(e->closed)));
			}
			json_object_set_new(o, agg_lb_names[b], a);
		}
		json_array_append_new(depts, o);
	}
	return json_pack("{s:o,s:o,s:o}", "start", jx_date(p->start), "end", jx_date(p->end),
			 "departments", depts);
}

int api_leaderboard(struct http_req *r)
{
	static const char *const allowed[] = { "from", "to", NULL };
	struct api_ctx c;
	int res;
	if (api_ctx_parse(r, &c, "leaderboard", allowed, 0, leaderboard_tables))
		return api_ctx_fail(r, &c);
	const struct config *cfg = r->cfg;
	buf_addf(&c.key, "|%d|%d", cfg->lb_size, cfg->lb_min_closed);
	if (api_ctx_load(r, &c, &res))
		return res;
	const struct snap *s = c.s;
	struct agg_leaderboard *lb =
		agg_leaderboard_days(s, c.rg.as_of, (size_t)cfg->lb_size, cfg->lb_min_closed, c.ar.cal);
	if (!lb)
		abort();
	json_t *root = json_object();
	json_object_set_new(root, "range", api_ctx_range_json(&c.rg, 0));
	json_object_set_new(root, "as_of", jx_date(c.rg.as_of));
	json_object_set_new(root, "size", json_integer(cfg->lb_size));
	json_object_set_new(root, "min_closed", json_integer(cfg->lb_min_closed));
	json_object_set_new(root, "day", lb_period_json(s, &lb->day, lb->ndepts));
	json_object_set_new(root, "week", lb_period_json(s, &lb->week, lb->ndepts));
	agg_leaderboard_free(lb);
	return api_ctx_finish(r, &c, root);
}

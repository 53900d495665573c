/*
 * api_common.c - the route table, the parameter parsing every route
 * shares (ranges, buckets, as_of, days, integers), and the request context
 * of the snapshot routes (cache, snapshot, JSON or CSV reply).
 */
#include "api.h"
#include "api_csv.h"
#include "app.h"
#include "buf.h"
#include "date.h"
#include "jsonx.h"
#include "log.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const struct http_route api_routes[] = {
	{ "GET", "/healthz", 0, api_healthz },
	{ "GET", "/metrics", 0, api_metrics },
	{ "GET", "/api/v1/meta", 0, api_meta },
	{ "GET", "/api/v1/pit", 0, api_pit },
	{ "GET", "/api/v1/overview", 0, api_overview },
	{ "GET", "/api/v1/departments/", 1, api_department },
	{ "GET", "/api/v1/employees/", 1, api_employee },
	{ "GET", "/api/v1/stages", 0, api_stages },
	{ "GET", "/api/v1/creators", 0, api_creators },
	{ "GET", "/api/v1/creators/", 1, api_creator },
	{ "GET", "/api/v1/compare", 0, api_compare },
	{ "GET", "/api/v1/leaderboard", 0, api_leaderboard },
	{ "GET", "/api/v1/wip", 0, api_wip },
	{ "GET", "/api/v1/scatter", 0, api_scatter },
	{ "GET", "/api/v1/flow", 0, api_flow },
	{ "GET", "/api/v1/forecast", 0, api_forecast },
	{ "POST", "/api/v1/import", 0, api_post_import },
	{ "POST", "/api/v1/tickets", 0, api_post_tickets },
	{ "GET", "/api/v1/aliases", 0, api_aliases_route },
	{ "POST", "/api/v1/aliases", 0, api_aliases_route },
	/* last: every other GET is a file of the dashboard */
	{ "GET", "/", 0, api_static },
	{ "GET", "/", 1, api_static },
	{ NULL, NULL, 0, NULL },
};

int32_t api_as_of(struct http_req *r)
{
	return config_as_of(r->cfg);
}

static int parse_date(struct http_req *r, const char *name, int32_t *out)
{
	const char *v = http_param(r, name);
	if (!v)
		return 0;
	if (date_parse(v, strlen(v), out) || *out < date_from_ymd(1900, 1, 1))
		return http_problem(r, 400, "bad_param", name,
				    "%s: '%.40s' is not a date (YYYY-MM-DD, from 1900 on)", name, v);
	return 1;
}

int api_parse_as_of(struct http_req *r, int32_t *out)
{
	int32_t configured = api_as_of(r), d = 0;
	int has = parse_date(r, "as_of", &d);
	if (has < 0)
		return -1;
	if (has && d > configured) {
		char c[DATE_LEN + 1];
		return http_problem(r, 400, "bad_param", "as_of",
				    "as_of: '%s' is after the data's as_of (%s)", http_param(r, "as_of"),
				    date_str(configured, c));
	}
	*out = has ? d : configured;
	return 0;
}

static int parse_days(struct http_req *r, enum api_days *out)
{
	const char *v = http_param(r, "days");
	*out = API_CALENDAR_DAYS;
	if (!v || strcmp(v, "calendar") == 0)
		return 0;
	if (strcmp(v, "business") == 0) {
		*out = API_BUSINESS_DAYS;
		return 0;
	}
	return http_problem(r, 400, "bad_param", "days", "days: '%.20s' is not calendar or business", v);
}

int api_parse_range(struct http_req *r, const char *prefix, int with_bucket,
		    struct api_range *out)
{
	char fname[16], tname[16];
	snprintf(fname, sizeof(fname), "%sfrom", prefix);
	snprintf(tname, sizeof(tname), "%sto", prefix);
	int32_t as_of = 0, from = 0, to = 0;
	if (api_parse_as_of(r, &as_of) || parse_days(r, &out->days))
		return -1;
	int has_from = parse_date(r, fname, &from);
	if (has_from < 0)
		return -1;
	int has_to = parse_date(r, tname, &to);
	if (has_to < 0)
		return -1;
	if (!has_to)
		to = as_of;
	if (!has_from)
		from = (to < as_of ? to : as_of) - 89;
	if (has_from && has_to && from > to)
		return http_problem(r, 400, "bad_param", fname, "%s is after %s", fname, tname);
	if (to > as_of)
		to = as_of;
	if (from > to) {
		char d[DATE_LEN + 1];
		return http_problem(r, 400, "bad_param", fname, "%s is after as_of (%s): no data to report",
				    fname, date_str(as_of, d));
	}
	out->from = from;
	out->to = to;
	out->as_of = as_of;
	out->bucket = API_WEEK;
	if (with_bucket) {
		const char *b = http_param(r, "bucket");
		if (!b || strcmp(b, "week") == 0)
			out->bucket = API_WEEK;
		else if (strcmp(b, "day") == 0)
			out->bucket = API_DAY;
		else if (strcmp(b, "month") == 0)
			out->bucket = API_MONTH;
		else
			return http_problem(r, 400, "bad_param", "bucket",
					    "bucket: '%.20s' is not day, week or month", b);
		long days = (long)to - from + 1;
		long per = out->bucket == API_DAY ? 1 : out->bucket == API_WEEK ? 7 : 28;
		if (days / per > API_MAX_BUCKETS)
			return http_problem(r, 400, "bad_param", "bucket",
					    "bucket: %ld days is too many %s buckets (at most %d); use a larger bucket",
					    days, b ? b : "week", API_MAX_BUCKETS);
	}
	return 0;
}

static const char *bucket_name(enum api_bucket b)
{
	return b == API_DAY ? "day" : b == API_MONTH ? "month" : "week";
}

json_t *api_range_json(const struct api_range *rg, int with_bucket)
{
	json_t *o = json_object();
	json_object_set_new(o, "from", jx_date(rg->from));
	json_object_set_new(o, "to", jx_date(rg->to));
	if (with_bucket)
		json_object_set_new(o, "bucket", json_string(bucket_name(rg->bucket)));
	json_object_set_new(o, "as_of", jx_date(rg->as_of));
	return o;
}

void api_range_key(struct buf *key, const struct api_range *rg)
{
	buf_addch(key, '|');
	buf_add_date(key, rg->from);
	buf_addch(key, '|');
	buf_add_date(key, rg->to);
	buf_addch(key, '|');
	buf_addstr(key, bucket_name(rg->bucket));
	buf_addch(key, '|');
	buf_add_date(key, rg->as_of);
	buf_addstr(key, rg->days == API_BUSINESS_DAYS ? "|business" : "|calendar");
}

int api_parse_long(struct http_req *r, const char *name, long dflt, long min, long max, long *out)
{
	const char *v = http_param(r, name);
	*out = dflt;
	if (!v)
		return 0;
	char *end;
	errno = 0;
	long x = strtol(v, &end, 10);
	/* strtol skips blanks and takes '+': only plain digits are numbers here */
	if ((*v != '-' && (*v < '0' || *v > '9')) || errno || end == v || *end || x < min ||
	    x > max)
		return http_problem(r, 400, "bad_param", name,
				    "%s: '%.20s' is not a whole number in [%ld, %ld]", name, v, min, max);
	*out = x;
	return 0;
}

/* ---- the request context of the snapshot routes ---- */

#define MAX_ALLOWED 32

int api_ctx_begin(struct http_req *r, struct api_ctx *c, const char *route,
		  const char *const *allowed, const struct api_csv_table *tables)
{
	static const char *const common[] = { "as_of", "days", "format", "table" };
	memset(c, 0, sizeof(*c));
	c->key = (struct buf)BUF_INIT;
	c->route = route;
	c->tables = tables;
	const char *names[MAX_ALLOWED + 1];
	size_t n = 0;
	for (; allowed[n]; n++)
		names[n] = allowed[n];
	for (size_t i = 0; i < sizeof(common) / sizeof(common[0]); i++)
		names[n++] = common[i];
	names[n] = NULL;
	if (http_params_allowed(r, names))
		return -1;
	const char *format = http_param(r, "format"), *table = http_param(r, "table");
	if (format && strcmp(format, "json") != 0 && strcmp(format, "csv") != 0)
		return http_problem(r, 400, "bad_param", "format", "format: '%.20s' is not json or csv",
				    format);
	int csv = format && strcmp(format, "csv") == 0;
	if (table && !csv)
		return http_problem(r, 400, "bad_param", "table", "table: only with format=csv");
	if (csv) {
		c->table = table ? api_csv_find(tables, table) : tables;
		if (!c->table) {
			struct buf names_list = BUF_INIT;
			api_csv_names(tables, &names_list);
			http_problem(r, 400, "bad_param", "table", "table: '%.40s' is not one of %s", table,
				     names_list.data);
			buf_release(&names_list);
			return -1;
		}
	}
	buf_addstr(&c->key, route);
	return 0;
}

struct agg_range api_agg_range(struct http_req *r, const struct api_range *rg)
{
	struct agg_range ar = { rg->from, rg->to, rg->as_of, AGG_WEEK, NULL };
	ar.bucket = rg->bucket == API_DAY ? AGG_DAY : rg->bucket == API_MONTH ? AGG_MONTH : AGG_WEEK;
	if (rg->days == API_BUSINESS_DAYS)
		ar.cal = r->cfg->calendar;
	return ar;
}

void api_ctx_key_range(struct http_req *r, struct api_ctx *c, const struct api_range *rg)
{
	c->ar = api_agg_range(r, rg);
	api_range_key(&c->key, rg);
	buf_addstr(&c->key, c->table ? "|csv:" : "|json");
	if (c->table)
		buf_addstr(&c->key, c->table->name);
}

int api_ctx_parse(struct http_req *r, struct api_ctx *c, const char *route,
		  const char *const *allowed, int with_bucket, const struct api_csv_table *tables)
{
	if (api_ctx_begin(r, c, route, allowed, tables) || api_parse_range(r, "", with_bucket, &c->rg))
		return -1;
	api_ctx_key_range(r, c, &c->rg);
	return 0;
}

json_t *api_ctx_range_json(const struct api_range *rg, int with_bucket)
{
	json_t *o = api_range_json(rg, with_bucket);
	json_object_set_new(o, "days",
			    json_string(rg->days == API_BUSINESS_DAYS ? "business" : "calendar"));
	return o;
}

int api_ctx_load(struct http_req *r, struct api_ctx *c, int *res)
{
	if (http_try_cached(r, c->key.data, res)) {
		buf_release(&c->key);
		return 1;
	}
	c->ref = app_snap_get(r->app, r->store, r->cfg, r->version);
	if (!c->ref) {
		buf_release(&c->key);
		*res = http_reply_error(r, 503, "unavailable", NULL, "cannot read the store");
		return 1;
	}
	c->s = c->ref->snap;
	/* a build of a newer version is running and we got the previous
	 * snapshot: the reply is that version's (cache key and ETag) */
	r->version = c->ref->version;
	return 0;
}

static int reply_csv(struct http_req *r, struct api_ctx *c, json_t *root)
{
	struct buf out = BUF_INIT;
	int rc = api_csv_write(&out, root, c->table);
	json_decref(root);
	if (rc) {
		buf_release(&out);
		return http_reply_error(r, 500, "internal", "table", "cannot write table '%s'",
					c->table->name);
	}
	char name[128], f[DATE_LEN + 1], t[DATE_LEN + 1];
	snprintf(name, sizeof(name), "%s-%s-%s-%s.csv", c->route, c->table->name,
		 date_str(c->rg.from, f), date_str(c->rg.to, t));
	size_t len = 0;
	char *text = buf_detach(&out, &len);
	if (!text) {
		text = strdup("");
		if (!text)
			abort();
	}
	return http_reply_body(r, text, len, "text/csv; charset=utf-8", name, c->key.data);
}

int api_ctx_finish(struct http_req *r, struct api_ctx *c, json_t *root)
{
	int res = c->table ? reply_csv(r, c, root) : http_reply_json(r, root, c->key.data);
	app_snap_put(r->app, c->ref);
	buf_release(&c->key);
	return res;
}

int api_ctx_fail(struct http_req *r, struct api_ctx *c)
{
	app_snap_put(r->app, c->ref);
	buf_release(&c->key);
	return http_reply_problem(r);
}

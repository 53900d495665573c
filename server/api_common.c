/*
 * api_common.c - the route table and the parameter parsing every route
 * shares (ranges, buckets, as_of, days, integers).
 */
#include "api.h"
#include "app.h"
#include "buf.h"
#include "date.h"
#include "jsonx.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const struct http_route api_routes[] = {
	{ "GET", "/healthz", 0, api_healthz, 1 },
	{ "GET", "/metrics", 0, api_metrics, 0 },
	{ "GET", "/api/v1/meta", 0, api_meta, 0 },
	{ "GET", "/api/v1/pit", 0, api_pit, 0 },
	{ "GET", "/api/v1/overview", 0, api_overview, 0 },
	{ "GET", "/api/v1/departments/", 1, api_department, 0 },
	{ "GET", "/api/v1/employees/", 1, api_employee, 0 },
	{ "GET", "/api/v1/stages", 0, api_stages, 0 },
	{ "GET", "/api/v1/creators", 0, api_creators, 0 },
	{ "GET", "/api/v1/creators/", 1, api_creator, 0 },
	{ "GET", "/api/v1/compare", 0, api_compare, 0 },
	{ "GET", "/api/v1/leaderboard", 0, api_leaderboard, 0 },
	{ "GET", "/api/v1/workbook.xlsx", 0, api_workbook, 0 },
	{ "GET", "/api/v1/wip", 0, api_wip, 0 },
	{ "GET", "/api/v1/scatter", 0, api_scatter, 0 },
	{ "GET", "/api/v1/flow", 0, api_flow, 0 },
	{ "GET", "/api/v1/forecast", 0, api_forecast, 0 },
	{ "GET", "/api/v1/handoffs", 0, api_handoffs, 0 },
	{ "POST", "/api/v1/import", 0, api_post_import, 0 },
	{ "POST", "/api/v1/tickets", 0, api_post_tickets, 0 },
	{ "GET", "/api/v1/aliases", 0, api_aliases_route, 0 },
	{ "POST", "/api/v1/aliases", 0, api_aliases_route, 0 },
	{ "POST", "/api/v1/events", 0, api_post_events, 0 },
	{ "GET", "/api/v1/annotations", 0, api_annotations_route, 0 },
	{ "POST", "/api/v1/annotations", 0, api_annotations_route, 0 },
	{ "DELETE", "/api/v1/annotations/", 1, api_annotation_delete, 0 },
	/* last: every other GET is a file of the dashboard */
	{ "GET", "/", 0, api_static, 1 },
	{ "GET", "/", 1, api_static, 1 },
	{ NULL, NULL, 0, NULL, 0 },
};

int32_t api_as_of(struct http_req *r)
{
	return r->view->as_of;
}

int api_parse_date(struct http_req *r, const char *name, int32_t *out)
{
	const char *v = http_param(r, name);
	if (!v)
		return 0;
	if (date_parse(v, strlen(v), out) || *out < date_from_ymd(1900, 1, 1))
		return http_problem(r, 400, "bad_param", name,
				    "%s: '%.40s' is not a date (YYYY-MM-DD, from 1900 on)", name, v);
	return 1;
}

json_t *api_json_body(struct http_req *r)
{
	json_error_t err;
	json_t *root = json_loadb(r->body.data ? r->body.data : "", r->body.len,
				  JSON_REJECT_DUPLICATES, &err);
	if (!root)
		http_problem(r, 400, "bad_json", NULL, "line %d, column %d: %s", err.line, err.column,
			     jx_error_text(&err));
	return root;
}

int api_parse_as_of(struct http_req *r, int32_t *out)
{
	int32_t configured = api_as_of(r), d = 0;
	int has = api_parse_date(r, "as_of", &d);
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
	int has_from = api_parse_date(r, fname, &from);
	if (has_from < 0)
		return -1;
	int has_to = api_parse_date(r, tname, &to);
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

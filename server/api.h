/*
 * api.h - the HTTP routes of SPEC §4 and the parameter parsing they share.
 *
 * Each api_*.c file holds one family of routes, one static function per
 * route, and exports only its handlers; api_routes[] (api_common.c) is the
 * route table main.c hands to http_start().
 */
#ifndef LEADTIME_API_H
#define LEADTIME_API_H

#include "http.h"

#include <jansson.h>
#include <stdint.h>

struct buf;

extern const struct http_route api_routes[];

enum api_bucket { API_DAY, API_WEEK, API_MONTH };

struct api_range {
	int32_t from, to;     /* effective, to <= as_of */
	int32_t as_of;
	enum api_bucket bucket;
};

#define API_MAX_BUCKETS 4000

/*
 * Parse `from`, `to` (default: the 90 days ending at as_of) and, when
 * with_bucket, `bucket` (default week) with the given parameter name
 * prefix ("" or "a_"/"b_").  `to` past as_of is clamped.  0 or -1 (the
 * problem recorded in r).
 */
int api_parse_range(struct http_req *r, const char *prefix, int with_bucket,
		    struct api_range *out);
/* {"from","to","bucket","as_of"} of a range. */
json_t *api_range_json(const struct api_range *rg, int with_bucket);
/* Append the range's canonical form to a cache key. */
void api_range_key(struct buf *key, const struct api_range *rg);
/* The as_of in force (config or today). */
int32_t api_as_of(struct http_req *r);
/* Parse a positive integer parameter in [min, max] (default dflt). */
int api_parse_long(struct http_req *r, const char *name, long dflt, long min, long max, long *out);

/* Routes (each returns MHD's result). */
int api_meta(struct http_req *r);
int api_healthz(struct http_req *r);
int api_metrics(struct http_req *r);
int api_pit(struct http_req *r);
int api_static(struct http_req *r);
int api_overview(struct http_req *r);
int api_department(struct http_req *r);
int api_employee(struct http_req *r);
int api_stages(struct http_req *r);
int api_creators(struct http_req *r);
int api_creator(struct http_req *r);
int api_compare(struct http_req *r);
int api_leaderboard(struct http_req *r);
int api_post_import(struct http_req *r);
int api_post_tickets(struct http_req *r);
int api_aliases_route(struct http_req *r);
int api_workbook(struct http_req *r);
int api_post_events(struct http_req *r);

#endif

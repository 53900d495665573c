/*
 * api.h - the HTTP routes of SPEC §4 and the parameter parsing they share.
 *
 * Each api_*.c file holds one family of routes, one static function per
 * route, and exports only its handlers; api_routes[] (api_common.c) is the
 * route table main.c hands to http_start().
 */
#ifndef LEADTIME_API_H
#define LEADTIME_API_H

#include "agg.h"
#include "http.h"

#include <jansson.h>
#include <stdint.h>

struct app_fault;
struct buf;
struct snap;
struct api_csv_table;

extern const struct http_route api_routes[];

enum api_bucket { API_DAY, API_WEEK, API_MONTH };

enum api_days { API_CALENDAR_DAYS, API_BUSINESS_DAYS };

struct api_range {
	int32_t from, to;     /* effective, to <= as_of */
	int32_t as_of;        /* the `as_of` parameter, else the configured one */
	enum api_bucket bucket;
	enum api_days days;   /* the `days` parameter (routes that allow it) */
};

#define API_MAX_BUCKETS 4000

/*
 * Parse `as_of` (api_parse_as_of), `from`, `to` (default: the 90 days
 * ending at as_of) and, when with_bucket, `bucket` (default week) with the
 * given parameter name prefix ("" or "a_"/"b_"), and `days` when given.
 * `to` past as_of is clamped.  0 or -1 (the problem recorded in r).
 */
int api_parse_range(struct http_req *r, const char *prefix, int with_bucket,
		    struct api_range *out);
/* {"from","to","bucket","as_of"} of a range. */
json_t *api_range_json(const struct api_range *rg, int with_bucket);
/* Append the range's canonical form to a cache key. */
void api_range_key(struct buf *key, const struct api_range *rg);
/* The as_of in force (config or today). */
int32_t api_as_of(struct http_req *r);
/* The request's as_of: the `as_of` parameter (a date from 1900 on, not
 * after api_as_of()), else api_as_of().  0 or -1 (recorded). */
int api_parse_as_of(struct http_req *r, int32_t *out);
/* A date parameter (YYYY-MM-DD, from 1900 on): 0 absent, 1 set, -1 bad
 * (recorded). */
int api_parse_date(struct http_req *r, const char *name, int32_t *out);
/* The request body as JSON (duplicate keys refused), owned by the caller;
 * NULL with a 400 bad_json naming line and column recorded in r. */
json_t *api_json_body(struct http_req *r);
/* Parse a positive integer parameter in [min, max] (default dflt). */
int api_parse_long(struct http_req *r, const char *name, long dflt, long min, long max, long *out);

/* ---- the request context of the analytics routes ---- */

/*
 * Every analytics route has the same shape: check the parameters, build
 * the canonical cache key, answer from the response cache (or 304) when it
 * can, else take the analytics state of the request's view, compute,
 * build the JSON, and reply with it or with one of its tables as CSV
 * (format=csv, api_csv.h).
 */
struct api_ctx {
	const char *route;        /* cache-key prefix, CSV file name */
	struct api_range rg;
	struct agg_range ar;      /* rg for agg_*: bucket, as_of, calendar */
	struct buf key;           /* canonical request: the cache key */
	const struct api_csv_table *tables;  /* the route's CSV tables */
	const struct api_csv_table *table;   /* the one asked for; NULL = JSON */
	int safe;                 /* safe=1: text cells with the spreadsheet
				   * guard (buf_add_csv_text()) */
	const struct snap *s;     /* the request's view's analytics state */
	int uncached;             /* 1: reply without caching it (the answer
				   * read the store, which had moved past the
				   * view) */
};

/*
 * Set up c, check the parameters against `allowed` plus the ones every
 * analytics route takes (as_of, days, format, table, safe), parse format,
 * table and safe, start the key with `route`.  No range yet (api_ctx_parse() does
 * both).  0, or -1 with the problem recorded (reply with api_ctx_fail()).
 */
int api_ctx_begin(struct http_req *r, struct api_ctx *c, const char *route,
		  const char *const *allowed, const struct api_csv_table *tables);
/* api_ctx_begin() and the range (api_parse_range(), prefix ""): rg, ar
 * and the key (route, range, days, format). */
int api_ctx_parse(struct http_req *r, struct api_ctx *c, const char *route,
		  const char *const *allowed, int with_bucket, const struct api_csv_table *tables);
/* Add rg's range, days and the format/table to the key, set ar (used
 * when a route parses its ranges itself). */
void api_ctx_key_range(struct http_req *r, struct api_ctx *c, const struct api_range *rg);
/* The agg range of rg (bucket, as_of, the calendar for days=business). */
struct agg_range api_agg_range(struct http_req *r, const struct api_range *rg);
/* rg as JSON, with `days` (the analytics routes' range). */
json_t *api_ctx_range_json(const struct api_range *rg, int with_bucket);
/*
 * Answer from the cache when the key is fresh; else take the view's state.
 * Returns 1 when a reply was queued (*res set; the context is released),
 * 0 when the caller computes.
 */
int api_ctx_load(struct http_req *r, struct api_ctx *c, int *res);
/* Reply with root (consumed) as JSON or as the CSV table, cached under
 * the key, and release the context. */
int api_ctx_finish(struct http_req *r, struct api_ctx *c, json_t *root);
/* Release the context and send the recorded problem. */
int api_ctx_fail(struct http_req *r, struct api_ctx *c);

/*
 * The stored events of the case named `creator` up to as_of, for its
 * timeline: *events a fresh array of at most API_TIMELINE_MAX_EVENTS
 * {at, date, activity, resource, lifecycle, department, stay, done}, *total the
 * events up to as_of.  Read from the request's store connection, not the
 * view.  0, or -1 when the store cannot be read.
 */
#define API_TIMELINE_MAX_EVENTS 5000
int api_creator_events(struct http_req *r, const char *creator, int32_t as_of, json_t **events,
		       size_t *total);

/* The import problems in errors (one per line) as a JSON array of
 * strings (api_write.c; the 422 of every write route). */
json_t *api_problems_json(const struct buf *errors);

/* Reply with why the store cannot take a write (api_write.c): 507
 * `store_full` for a full disk or max_size_mb, 503 for the file gone,
 * read-only, busy, damaged or an I/O error (`store_gone`,
 * `store_read_only`, ...), 500 otherwise; with `health`, 503 whatever the
 * kind (/healthz).  The message says what happened; `what` ("nothing was
 * written") is added to it. */
int api_reply_store_fault(struct http_req *r, const struct app_fault *f, int health,
			  const char *what);

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
int api_wip(struct http_req *r);
int api_scatter(struct http_req *r);
int api_flow(struct http_req *r);
int api_forecast(struct http_req *r);
int api_handoffs(struct http_req *r);
int api_annotations_route(struct http_req *r);
int api_annotation_delete(struct http_req *r);

#endif

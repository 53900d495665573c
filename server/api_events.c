/*
 * api_events.c - POST /api/v1/events: an event log in the body, imported
 * as `leadtimed import --events` does (evimport.h), with the same checks,
 * messages and all-or-nothing transaction.
 *
 * Content-Type decides the format: text/csv (or application/csv,
 * text/plain) is CSV, application/json a JSON array, application/xml,
 * text/xml or application/x-xes XES; application/gzip (or x-gzip)
 * leaves it to the decompressed bytes ('<' XES, '[' JSON, else CSV).
 * A gzip body is recognised by its magic bytes whatever the headers say;
 * Content-Encoding may be gzip or identity, anything else is a 415.  The
 * decompressed body is capped at 8 x [server] max_body_mb (413).
 */
#include "api.h"
#include "app.h"
#include "evimport.h"
#include "log.h"
#include "store.h"

#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define INFLATE_FACTOR 8

static const struct {
	const char *type;
	enum ev_format format;
} types[] = {
	{ "text/csv", EVF_CSV },
	{ "application/csv", EVF_CSV },
	{ "text/plain", EVF_CSV },
	{ "application/json", EVF_JSON },
	{ "application/xml", EVF_XES },
	{ "text/xml", EVF_XES },
	{ "application/x-xes", EVF_XES },
	{ "application/x-xes+xml", EVF_XES },
	{ "application/gzip", EVF_AUTO },
	{ "application/x-gzip", EVF_AUTO },
};

/* 1 when header value v is `name` (any case), maybe followed by parameters. */
static int is_type(const char *v, const char *name)
{
	size_t n = strlen(name);
	return strncasecmp(v, name, n) == 0 && (v[n] == '\0' || v[n] == ';' || v[n] == ' ');
}

/* The format of the body from its headers; -1 with the problem recorded. */
static int body_format(struct http_req *r, enum ev_format *fmt)
{
	const char *enc = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, "Content-Encoding");
	if (enc && !is_type(enc, "gzip") && !is_type(enc, "x-gzip") && !is_type(enc, "identity"))
		return http_problem(r, 415, "unsupported_media_type", NULL,
				    "Content-Encoding must be gzip or identity, not '%.40s'", enc);
	const char *ct = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, "Content-Type");
	for (size_t i = 0; ct && i < sizeof(types) / sizeof(types[0]); i++)
		if (is_type(ct, types[i].type)) {
			*fmt = types[i].format;
			return 0;
		}
	return http_problem(r, 415, "unsupported_media_type", NULL,
			    "Content-Type must be text/csv, application/json, application/xml "
			    "(or application/x-xes) or application/gzip");
}

static int reply(struct http_req *r, int rc, const struct ev_result *res, int64_t version)
{
	const struct import_result *t = &res->tickets;
	if (rc < 0)
		return http_reply_error(r, 500, "internal", NULL, "the import failed; nothing was written");
	json_t *root;
	unsigned status = 200;
	if (rc == 0) {
		json_t *skipped = json_array();
		for (size_t i = 0; i < res->nskipped_top; i++)
			json_array_append_new(skipped, json_pack("{s:s,s:I}", "activity",
								 res->skipped_top[i].activity, "events",
								 (json_int_t)res->skipped_top[i].events));
		root = json_pack("{s:s,s:b,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:o,"
				 "s:{s:I,s:I,s:I,s:I,s:I},s:I}",
				 "format", ev_format_name(res->format), "compressed", res->compressed,
				 "events", (json_int_t)res->events, "cases", (json_int_t)res->cases,
				 "cases_new", (json_int_t)res->cases_new, "cases_changed",
				 (json_int_t)res->cases_changed, "cases_unchanged",
				 (json_int_t)res->cases_unchanged, "rederived", (json_int_t)res->rederived,
				 "skipped", (json_int_t)res->skipped, "skipped_activities", skipped,
				 "tickets", "rows", (json_int_t)t->rows, "inserted", (json_int_t)t->inserted,
				 "updated", (json_int_t)t->updated, "unchanged", (json_int_t)t->unchanged,
				 "removed", (json_int_t)res->removed, "data_version", (json_int_t)version);
	} else {
		status = 422;
		char msg[128];
		snprintf(msg, sizeof(msg), "%ld problem%s in %ld events; nothing was imported", t->nerrors,
			 t->nerrors == 1 ? "" : "s", res->events);
		root = json_pack("{s:{s:i,s:s,s:s,s:I,s:o}}", "error", "status", 422, "code", "bad_rows",
				 "message", msg, "count", (json_int_t)t->nerrors, "problems",
				 api_problems_json(&t->errors));
	}
	char *s = root ? json_dumps(root, JSON_COMPACT) : NULL;
	json_decref(root);
	if (!s)
		return MHD_NO;
	int ret = http_reply_text(r, status, "application/json", s, strlen(s));
	free(s);
	return ret;
}

int api_post_events(struct http_req *r)
{
	static const char *const none[] = { NULL };
	enum ev_format fmt = EVF_AUTO;
	if (http_authorize(r) || http_params_allowed(r, none) || body_format(r, &fmt))
		return http_reply_problem(r);
	if (r->body.len == 0)
		return http_reply_error(r, 422, "bad_rows", NULL, "empty body: expected an event log");
	FILE *in = fmemopen(r->body.data, r->body.len, "rb");
	if (!in)
		return http_reply_error(r, 500, "internal", NULL, "cannot read the body");
	struct app_fault f;
	struct store *st = app_writer_get(r->app, &f);
	if (!st) {
		fclose(in);
		return api_reply_store_fault(r, &f, 0, "nothing was written");
	}
	uint64_t limit = (uint64_t)r->cfg->max_body_mb * INFLATE_FACTOR << 20;
	struct ev_result res;
	int rc = ev_import(st, r->cfg, in, fmt, limit, &res);
	int64_t version = store_data_version(st);
	if (rc == 0 && version >= 0)
		app_publish_write(r->app, st); /* the writer pays for the new view */
	int bad = app_writer_put(r->app, st, &f);
	fclose(in);
	int ret;
	if (bad && (rc < 0 || f.kind == STORE_ERR_GONE)) {
		/* as for the other write routes (api_write.c) */
		ret = api_reply_store_fault(r, &f, 0,
					    rc < 0 ? "nothing was written"
						   : "the write went to the file that is no longer served");
	} else if (rc == 1 && res.too_large) {
		ret = http_reply_error(r, 413, "too_large", NULL,
				       "the body is more than %llu MiB once decompressed (%d x max_body_mb)",
				       (unsigned long long)(limit >> 20), INFLATE_FACTOR);
	} else {
		if (rc == 0)
			log_info("events: %ld events, %ld cases (%ld new, %ld changed), %ld tickets written, %ld removed",
				 res.events, res.cases, res.cases_new, res.cases_changed, res.tickets.rows,
				 res.removed);
		ret = reply(r, rc, &res, version);
	}
	ev_result_release(&res);
	return ret;
}

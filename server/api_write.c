/*
 * api_write.c - the write routes: POST /api/v1/import (CSV body),
 * POST /api/v1/tickets (JSON array), POST and GET /api/v1/aliases.
 *
 * Writes need `Authorization: Bearer <[auth] write_token>` (http_authorize():
 * SHA-256 digests compared in constant time; http.c checks it before it
 * buffers a body); without a configured token every write is refused
 * (403).  Rows go through the same importer as the CLI, so the checks,
 * messages and all-or-nothing transaction are identical; bad rows answer
 * 422 with every problem listed.  One write runs at a time (the
 * writer connection's lock); readers keep reading the previous view until
 * the writer, right after its commit and before it answers, publishes the
 * view of the new data (app_publish_write(): the writer pays for it, and a
 * client reads its own write).
 *
 * When the store cannot take the write, the reply says why
 * (api_reply_store_fault()): 507 for a full disk or [data] max_size_mb,
 * 503 when the file is gone, read-only, locked, damaged or failing; a
 * write is acknowledged (200) only once committed to the file the path
 * names (app_writer_put()).
 */
#include "api.h"
#include "app.h"
#include "import.h"
#include "jsonx.h"
#include "log.h"
#include "store.h"
#include "urlcodec.h"

#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

json_t *api_problems_json(const struct buf *errors)
{
	json_t *list = json_array();
	const char *p = errors->data;
	while (p && *p) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);
		json_t *v = json_stringn(p, n);
		if (!v) { /* not UTF-8 after all: shown with '?' (never dropped) */
			char *copy = strndup(p, n);
			if (!copy)
				abort();
			url_utf8_scrub(copy);
			v = json_string(copy);
			free(copy);
		}
		json_array_append_new(list, v);
		p += n + (nl != NULL);
	}
	return list;
}

int api_reply_store_fault(struct http_req *r, const struct app_fault *f, int health,
			  const char *what)
{
	static const struct {
		unsigned status;
		const char *code;
	} kinds[] = {
		[STORE_ERR_NONE] = { 500, "internal" },
		[STORE_ERR_OTHER] = { 500, "internal" },
		[STORE_ERR_BUSY] = { 503, "store_busy" },
		[STORE_ERR_READONLY] = { 503, "store_read_only" },
		[STORE_ERR_CANTOPEN] = { 503, "store_cannot_open" },
		[STORE_ERR_FULL] = { 507, "store_full" },
		[STORE_ERR_IO] = { 503, "store_io_error" },
		[STORE_ERR_CORRUPT] = { 503, "store_damaged" },
		[STORE_ERR_GONE] = { 503, "store_gone" },
	};
	size_t k = (size_t)f->kind < sizeof(kinds) / sizeof(kinds[0]) ? (size_t)f->kind : 0;
	unsigned status = health ? 503 : kinds[k].status;
	const char *msg = f->msg[0] ? f->msg : store_error_text(f->kind);
	if (what)
		return http_reply_error(r, status, kinds[k].code, NULL, "%s; %s", msg, what);
	return http_reply_error(r, status, kinds[k].code, NULL, "%s", msg);
}

static int content_type_is(struct http_req *r, const char *const *types)
{
	const char *ct = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, "Content-Type");
	for (const char *const *t = types; ct && *t; t++) {
		size_t n = strlen(*t);
		if (strncasecmp(ct, *t, n) == 0 && (ct[n] == '\0' || ct[n] == ';' || ct[n] == ' '))
			return 1;
	}
	http_problem(r, 415, "unsupported_media_type", NULL, "Content-Type must be %s", types[0]);
	return 0;
}

static int check_request(struct http_req *r, const char *const *types)
{
	static const char *const none[] = { NULL };
	if (http_authorize(r) || http_params_allowed(r, none))
		return -1;
	return content_type_is(r, types) ? 0 : -1;
}

/* After a write: 1 and *ret the reply when the store failed it (rc < 0
 * with a fault: why; a fault of the file, even after a commit: the write
 * went into a file that is no longer served), else 0. */
static int write_failed(struct http_req *r, int rc, int put_failed, const struct app_fault *f,
			int *ret)
{
	if (put_failed && (rc < 0 || f->kind == STORE_ERR_GONE)) {
		*ret = api_reply_store_fault(r, f, 0,
					     rc < 0 ? "nothing was written"
						    : "the write went to the file that is no longer served");
		return 1;
	}
	return 0;
}

/* The reply of a finished import: 200 with counts, or 422 with problems. */
static int import_reply(struct http_req *r, int rc, struct import_result *res, int64_t version)
{
	if (rc < 0)
		return http_reply_error(r, 500, "internal", NULL, "the import failed; nothing was written");
	json_t *root;
	unsigned status = 200;
	if (rc == 0) {
		root = json_pack("{s:I,s:I,s:I,s:I,s:I}", "rows", (json_int_t)res->rows, "inserted",
				 (json_int_t)res->inserted, "updated", (json_int_t)res->updated,
				 "unchanged", (json_int_t)res->unchanged, "data_version",
				 (json_int_t)version);
	} else {
		status = 422;
		json_t *problems = api_problems_json(&res->errors);
		char msg[128];
		snprintf(msg, sizeof(msg), "%ld problem%s in %ld rows; nothing was imported",
			 res->nerrors, res->nerrors == 1 ? "" : "s", res->rows);
		root = json_pack("{s:{s:i,s:s,s:s,s:I,s:o}}", "error", "status", 422, "code", "bad_rows",
				 "message", msg, "count", (json_int_t)res->nerrors, "problems", problems);
	}
	char *s = root ? json_dumps(root, JSON_COMPACT) : NULL;
	json_decref(root);
	if (!s)
		return MHD_NO;
	int ret = http_reply_text(r, status, "application/json", s, strlen(s));
	free(s);
	return ret;
}

int api_post_import(struct http_req *r)
{
	static const char *const types[] = { "text/csv", "text/plain", "application/csv", NULL };
	if (check_request(r, types))
		return http_reply_problem(r);
	if (r->body.len == 0)
		return http_reply_error(r, 422, "bad_rows", NULL,
					"empty body: expected CSV with a header line");
	FILE *in = fmemopen(r->body.data, r->body.len, "rb");
	if (!in)
		return http_reply_error(r, 500, "internal", NULL, "cannot read the body");
	struct app_fault f;
	struct store *st = app_writer_get(r->app, &f);
	if (!st) {
		fclose(in);
		return api_reply_store_fault(r, &f, 0, "nothing was written");
	}
	struct import_result res;
	int rc = import_csv(st, r->cfg, in, &res);
	int64_t version = store_data_version(st);
	if (rc == 0)
		app_publish_write(r->app, st); /* the writer pays for the new view */
	int bad = app_writer_put(r->app, st, &f);
	fclose(in);
	int ret;
	if (write_failed(r, rc, bad, &f, &ret)) {
		import_result_release(&res);
		return ret;
	}
	if (rc == 0)
		log_info("import: %ld rows (%ld new, %ld updated)", res.rows, res.inserted, res.updated);
	ret = import_reply(r, rc, &res, version);
	import_result_release(&res);
	return ret;
}

/* One JSON ticket object to importer fields; problems go to the importer. */
static void ticket_row(struct importer *im, long item, json_t *obj)
{
	const char *fields[IC_NCOLS];
	size_t lens[IC_NCOLS];
	int ok = 1;
	if (!json_is_object(obj)) {
		importer_problem(im, item, "not a JSON object");
		importer_row(im, item, (const char *const[IC_NCOLS]){ "", "", "", "", "", "" },
			     (const size_t[IC_NCOLS]){ 0 });
		return;
	}
	const char *key;
	json_t *v;
	json_object_foreach(obj, key, v) {
		int c;
		for (c = 0; c < IC_NCOLS; c++)
			if (strcmp(key, import_col_names[c]) == 0)
				break;
		if (c == IC_NCOLS) {
			importer_problem(im, item, "unknown field '%.40s'", key);
			ok = 0;
		}
	}
	for (int c = 0; c < IC_NCOLS; c++) {
		v = json_object_get(obj, import_col_names[c]);
		fields[c] = "";
		lens[c] = 0;
		if (!v || json_is_null(v)) {
			continue;
		} else if (json_is_string(v)) {
			fields[c] = json_string_value(v);
			lens[c] = json_string_length(v);
		} else {
			importer_problem(im, item, "column %s: must be a string", import_col_names[c]);
			ok = 0;
		}
	}
	if (ok)
		importer_row(im, item, fields, lens);
}

int api_post_tickets(struct http_req *r)
{
	static const char *const types[] = { "application/json", NULL };
	if (check_request(r, types))
		return http_reply_problem(r);
	json_t *root = api_json_body(r);
	if (!root)
		return http_reply_problem(r);
	if (!json_is_array(root)) {
		json_decref(root);
		return http_reply_error(r, 422, "bad_rows", NULL, "expected a JSON array of tickets");
	}
	struct app_fault f;
	struct store *st = app_writer_get(r->app, &f);
	if (!st) {
		json_decref(root);
		return api_reply_store_fault(r, &f, 0, "nothing was written");
	}
	struct import_result res;
	int rc = -1;
	struct importer *im = importer_new(st, r->cfg);
	if (im) {
		importer_set_unit(im, "item");
		size_t i;
		json_t *obj;
		json_array_foreach(root, i, obj)
			ticket_row(im, (long)i + 1, obj);
		rc = importer_finish(im, &res);
	} else {
		import_result_init(&res);
	}
	int64_t version = store_data_version(st);
	if (rc == 0)
		app_publish_write(r->app, st); /* the writer pays for the new view */
	int bad = app_writer_put(r->app, st, &f);
	json_decref(root);
	int ret;
	if (write_failed(r, rc, bad, &f, &ret)) {
		import_result_release(&res);
		return ret;
	}
	ret = import_reply(r, rc, &res, version);
	import_result_release(&res);
	return ret;
}

/* ---- aliases ---- */

static int alias_to_json(void *ctx, const char *alias, const char *name)
{
	json_array_append_new(ctx, json_pack("{s:s,s:s}", "alias", alias, "name", name));
	return 0;
}

static int list_aliases(struct http_req *r)
{
	static const char *const none[] = { NULL };
	if (http_params_allowed(r, none))
		return http_reply_problem(r);
	json_t *list = json_array();
	if (store_each_alias(r->store, alias_to_json, list)) {
		json_decref(list);
		return http_reply_error(r, 503, "unavailable", NULL, "cannot read the store");
	}
	return http_reply_json(r, json_pack("{s:o}", "aliases", list), NULL);
}

static const char *alias_problem(json_t *item, const char **alias, const char **name)
{
	if (!json_is_object(item) || json_object_size(item) != 2)
		return "expected {\"alias\": \"misspelt name\", \"name\": \"real name\"}";
	json_t *a = json_object_get(item, "alias"), *n = json_object_get(item, "name");
	if (!json_is_string(a) || !json_is_string(n))
		return "alias and name must be strings";
	*alias = json_string_value(a);
	*name = json_string_value(n);
	size_t al = json_string_length(a), nl = json_string_length(n);
	if (!al || !nl || al > IMPORT_MAX_NAME || nl > IMPORT_MAX_NAME)
		return "alias and name must be 1 to 256 bytes";
	if (strlen(*alias) != al || strlen(*name) != nl)
		return "alias and name must not contain NUL";
	/* the rules of an imported employee name (line breaks allowed) */
	if (import_text_problem(*alias, al, 1) || import_text_problem(*name, nl, 1))
		return "alias and name must not contain control characters";
	if (strcmp(*alias, *name) == 0)
		return "an alias cannot map a name to itself";
	return NULL;
}

int api_aliases_route(struct http_req *r)
{
	if (strcmp(r->method, "POST") != 0)
		return list_aliases(r);
	static const char *const types[] = { "application/json", NULL };
	if (check_request(r, types))
		return http_reply_problem(r);
	json_t *root = api_json_body(r);
	if (!root)
		return http_reply_problem(r);
	if (!json_is_array(root)) {
		json_t *one = json_array();
		json_array_append_new(one, root);
		root = one;
	}
	size_t i;
	json_t *item;
	const char *alias, *name;
	json_array_foreach(root, i, item) {
		const char *why = alias_problem(item, &alias, &name);
		if (why) {
			json_decref(root);
			return http_reply_error(r, 422, "bad_rows", NULL, "item %zu: %s", i + 1, why);
		}
	}
	struct app_fault f;
	struct store *st = app_writer_get(r->app, &f);
	if (!st) {
		json_decref(root);
		return api_reply_store_fault(r, &f, 0, "nothing was written");
	}
	int64_t moved = 0;
	int failed = store_begin(st);
	json_array_foreach(root, i, item) {
		if (failed)
			break;
		alias_problem(item, &alias, &name);
		int64_t m = store_set_alias(st, alias, name, "api") ? -1 : store_apply_alias(st, alias, name);
		if (m < 0)
			failed = 1;
		else
			moved += m;
	}
	if (!failed)
		failed = store_commit(st, 1);
	if (failed)
		store_rollback(st);
	int64_t version = store_data_version(st);
	if (!failed)
		app_publish_write(r->app, st); /* the writer pays for the new view */
	int bad = app_writer_put(r->app, st, &f);
	size_t n = json_array_size(root);
	json_decref(root);
	int ret;
	if (write_failed(r, failed ? -1 : 0, bad, &f, &ret))
		return ret;
	if (failed)
		return http_reply_error(r, 500, "internal", NULL, "saving the aliases failed; nothing was written");
	log_info("aliases: %zu saved, %lld tickets moved to the real names", n, (long long)moved);
	return http_reply_json(r, json_pack("{s:I,s:I,s:I}", "aliases", (json_int_t)n,
					    "tickets_moved", (json_int_t)moved, "data_version",
					    (json_int_t)version), NULL);
}

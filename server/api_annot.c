/*
 * api_annot.c - the annotation routes: GET and POST /api/v1/annotations,
 * DELETE /api/v1/annotations/{id} (docs/API.md "Annotations").
 *
 * A GET merges the notes of config.ini's [annotations] (the view's
 * configuration) with the stored ones (store_annot.h) into one list,
 * ordered as annot_list_sort() says.  The stored notes are read from this
 * worker's connection, not from the view: like the pit pages, the answer
 * is cached (and gets an ETag) only when the store held the view's data
 * version while it was read.  A write bumps the data version, so every
 * cached answer and ETag of the old version goes stale, and the pages
 * that watch meta's data_version redraw with the new markers.
 *
 * Writes need the bearer token as every write (http_authorize()) and run
 * on the write connection in one transaction, published before the reply
 * (app_publish_write()) so that a client reads its own write.
 */
#include "annot.h"
#include "api.h"
#include "app.h"
#include "buf.h"
#include "date.h"
#include "jsonx.h"
#include "log.h"
#include "snap.h"
#include "store.h"
#include "store_annot.h"

#include <errno.h>
#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

/* "2026-03-01T09:30:00Z" of unix seconds; null for none (a config note) */
static json_t *time_json(int64_t t)
{
	if (t < 0)
		return json_null();
	time_t tt = (time_t)t;
	struct tm tm;
	char s[32];
	if (!gmtime_r(&tt, &tm) || !strftime(s, sizeof(s), "%Y-%m-%dT%H:%M:%SZ", &tm))
		return json_null();
	return json_string(s);
}

static json_t *annot_json(const struct annot *a)
{
	json_t *o = json_object();
	json_object_set_new(o, "id", a->source == ANNOT_API ? json_integer(a->id) : json_null());
	json_object_set_new(o, "date", jx_date(a->day));
	json_object_set_new(o, "text", json_stringn(a->text, a->len));
	json_object_set_new(o, "source", json_string(a->source == ANNOT_API ? "api" : "config"));
	json_object_set_new(o, "created", time_json(a->created));
	return o;
}

/* ---- GET ---- */

static int collect(void *ctx, const struct store_annot *a)
{
	annot_list_add(ctx, a->id, a->day, a->text, a->text_len, a->created, ANNOT_API);
	return 0;
}

static int list_annotations(struct http_req *r)
{
	static const char *const allowed[] = { "from", "to", NULL };
	int32_t lo = date_from_ymd(1900, 1, 1), hi = DATE_MAX;
	if (http_params_allowed(r, allowed))
		return http_reply_problem(r);
	int has_from = api_parse_date(r, "from", &lo), has_to = api_parse_date(r, "to", &hi);
	if (has_from < 0 || has_to < 0)
		return http_reply_problem(r);
	if (lo > hi) {
		char a[DATE_LEN + 1], b[DATE_LEN + 1];
		return http_reply_error(r, 400, "bad_param", "to", "to: %s is before from (%s)",
					date_str(hi, b), date_str(lo, a));
	}
	struct buf key = BUF_INIT;
	buf_addstr(&key, "annotations|");
	buf_add_date(&key, lo);
	buf_addch(&key, '|');
	buf_add_date(&key, hi);
	int res;
	if (http_try_cached(r, key.data, &res)) {
		buf_release(&key);
		return res;
	}
	struct annot_list l = ANNOT_LIST_INIT;
	const struct config *cfg = r->cfg;
	for (size_t i = 0; i < cfg->nannotations; i++) {
		const struct annot_cfg *c = &cfg->annotations[i];
		if (c->day >= lo && c->day <= hi)
			annot_list_add(&l, 0, c->day, c->text, strlen(c->text), -1, ANNOT_CONFIG);
	}
	int64_t dv = -1;
	int failed = store_read_begin(r->store);
	if (!failed) {
		dv = store_data_version(r->store);
		failed = dv < 0 || store_annot_each(r->store, lo, hi, collect, &l);
		store_read_end(r->store);
	}
	if (failed) {
		annot_list_release(&l);
		buf_release(&key);
		return http_reply_error(r, 503, "unavailable", NULL, "cannot read the store");
	}
	annot_list_sort(&l);
	json_t *list = json_array();
	for (size_t i = 0; i < l.n; i++)
		json_array_append_new(list, annot_json(&l.items[i]));
	annot_list_release(&l);
	json_t *range = json_object();
	json_object_set_new(range, "from", has_from ? jx_date(lo) : json_null());
	json_object_set_new(range, "to", has_to ? jx_date(hi) : json_null());
	json_t *root = json_pack("{s:o,s:o}", "range", range, "annotations", list);
	int same = dv == r->view->snap->data_version;
	res = http_reply_json(r, root, same ? key.data : NULL);
	buf_release(&key);
	return res;
}

/* ---- writes ---- */

static int is_json(struct http_req *r)
{
	const char *ct = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, "Content-Type");
	static const char want[] = "application/json";
	size_t n = sizeof(want) - 1;
	if (ct && strncasecmp(ct, want, n) == 0 && (ct[n] == '\0' || ct[n] == ';' || ct[n] == ' '))
		return 1;
	http_problem(r, 415, "unsupported_media_type", NULL, "Content-Type must be %s", want);
	return 0;
}

/* The note of a POST body: 0 with *day and the trimmed text, or -1 with
 * the problem recorded, naming the field. */
static int read_note(struct http_req *r, json_t *root, int32_t *day, const char **text,
		     size_t *len)
{
	if (!json_is_object(root))
		return http_problem(r, 400, "bad_json", NULL,
				    "expected a JSON object {\"date\": \"YYYY-MM-DD\", \"text\": \"...\"}");
	const char *k;
	json_t *v;
	json_object_foreach(root, k, v) {
		if (strcmp(k, "date") != 0 && strcmp(k, "text") != 0)
			return http_problem(r, 400, "bad_param", k,
					    "%.40s: unknown field (a note has date and text)", k);
	}
	json_t *d = json_object_get(root, "date"), *t = json_object_get(root, "text");
	if (!d)
		return http_problem(r, 400, "bad_param", "date", "date: missing (YYYY-MM-DD)");
	if (!json_is_string(d))
		return http_problem(r, 400, "bad_param", "date", "date: must be a string (YYYY-MM-DD)");
	const char *ds = json_string_value(d);
	size_t dn = json_string_length(d);
	if (date_parse(ds, dn, day) || *day < date_from_ymd(1900, 1, 1))
		return http_problem(r, 400, "bad_param", "date",
				    "date: '%.40s' is not a date (YYYY-MM-DD, from 1900 on)",
				    strlen(ds) == dn ? ds : "(contains NUL)");
	if (!t)
		return http_problem(r, 400, "bad_param", "text", "text: missing");
	if (!json_is_string(t))
		return http_problem(r, 400, "bad_param", "text", "text: must be a string");
	*text = json_string_value(t);
	*len = json_string_length(t);
	annot_trim(text, len);
	const char *why = annot_text_problem(*text, *len);
	if (why)
		return http_problem(r, 400, "bad_param", "text", "text: the note %s", why);
	return 0;
}

static int add_annotation(struct http_req *r)
{
	static const char *const none[] = { NULL };
	if (http_authorize(r) || http_params_allowed(r, none) || !is_json(r))
		return http_reply_problem(r);
	json_t *root = api_json_body(r);
	if (!root)
		return http_reply_problem(r);
	int32_t day;
	const char *text;
	size_t len;
	if (read_note(r, root, &day, &text, &len)) {
		json_decref(root);
		return http_reply_problem(r);
	}
	struct app_fault f;
	struct store *st = app_writer_get(r->app, &f);
	if (!st) {
		json_decref(root);
		return api_reply_store_fault(r, &f, 0, "nothing was written");
	}
	int64_t created = (int64_t)time(NULL);
	int64_t id = -1;
	if (store_begin(st) == 0) {
		id = store_annot_add(st, day, text, len, created);
		if (id < 0 || store_commit(st, 1))
			id = -1;
	}
	if (id < 0)
		store_rollback(st);
	int64_t version = store_data_version(st);
	if (id > 0)
		app_publish_write(r->app, st); /* the writer pays for the new view */
	struct annot a = { .id = id, .day = day, .text = (char *)text, .len = len,
			   .created = created, .source = ANNOT_API };
	json_t *out = id > 0 ? annot_json(&a) : NULL;
	json_decref(root);
	if (app_writer_put(r->app, st, &f) && (id < 0 || f.kind == STORE_ERR_GONE)) {
		json_decref(out);
		return api_reply_store_fault(r, &f, 0,
					     id < 0 ? "nothing was written"
						    : "the write went to the file that is no longer served");
	}
	if (!out)
		return http_reply_error(r, 500, "internal", NULL,
					"saving the annotation failed; nothing was written");
	log_info("annotations: note %lld added", (long long)id);
	json_object_set_new(out, "data_version", json_integer(version));
	char *s = json_dumps(out, JSON_COMPACT);
	json_decref(out);
	if (!s)
		return MHD_NO;
	int ret = http_reply_text(r, 201, "application/json", s, strlen(s));
	free(s);
	return ret;
}

int api_annotations_route(struct http_req *r)
{
	return strcmp(r->method, "POST") == 0 ? add_annotation(r) : list_annotations(r);
}

/* The {id} of the path: a positive whole number, else -1 (recorded). */
static int64_t path_id(struct http_req *r)
{
	const char *s = r->arg;
	char *end;
	errno = 0;
	long long v = s[0] >= '1' && s[0] <= '9' ? strtoll(s, &end, 10) : 0;
	if (v <= 0 || errno || *end)
		return http_problem(r, 400, "bad_param", "id",
				    "id: '%.40s' is not an annotation id (a whole number from 1)", s);
	return v;
}

int api_annotation_delete(struct http_req *r)
{
	static const char *const none[] = { NULL };
	if (http_authorize(r) || http_params_allowed(r, none))
		return http_reply_problem(r);
	int64_t id = path_id(r);
	if (id < 0)
		return http_reply_problem(r);
	struct app_fault f;
	struct store *st = app_writer_get(r->app, &f);
	if (!st)
		return api_reply_store_fault(r, &f, 0, "nothing was deleted");
	int rc = store_begin(st) ? -1 : store_annot_delete(st, id);
	if (rc == 1 && store_commit(st, 1))
		rc = -1;
	if (rc != 1)
		store_rollback(st);
	int64_t version = store_data_version(st);
	if (rc == 1)
		app_publish_write(r->app, st);
	if (app_writer_put(r->app, st, &f) && (rc < 0 || f.kind == STORE_ERR_GONE))
		return api_reply_store_fault(r, &f, 0,
					     rc < 0 ? "nothing was deleted"
						    : "the write went to the file that is no longer served");
	if (rc < 0)
		return http_reply_error(r, 500, "internal", NULL,
					"deleting the annotation failed; nothing was deleted");
	if (rc == 0)
		return http_reply_error(r, 404, "not_found", "id",
					"no stored annotation with id %lld (notes of config.ini are "
					"changed there)", (long long)id);
	log_info("annotations: note %lld deleted", (long long)id);
	return http_reply_json(r, json_pack("{s:I,s:I}", "deleted", (json_int_t)id, "data_version",
					    (json_int_t)version), NULL);
}

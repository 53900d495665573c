/*
 * fuzz_query.c - libFuzzer target: what the daemon does with a query
 * string before a handler trusts it.
 *
 * The input is split as libmicrohttpd splits a query (`&` between
 * parameters, the first `=` between key and value, `+` as a space), each
 * part goes through our unescaper (server/urlcodec.c), the UTF-8 check and
 * scrub, and the value parsers the routes use (dates, ISO timestamps).
 * Then the parameters are handed to the range and number parsers every
 * route shares (api_parse_range(), api_parse_long() in api_common.c) as a
 * request would: http_param() and http_problem() are replaced here by
 * versions over the parsed pairs (http.c needs a live libmicrohttpd
 * connection).  A parameter `_as_of=YYYY-MM-DD` sets the configured as_of;
 * `as_of` and `days` are the routes' own parameters (issue 11).
 *
 * Checked properties: the unescaper never grows a string nor leaves an
 * embedded NUL, its reported length is the string's, scrubbing yields
 * valid UTF-8, a parsed date formats back to the text it came from; a
 * range that parses is ordered (from <= to <= as_of), holds the dates
 * given, fits API_MAX_BUCKETS and serialises; a refused one is a 400
 * naming its parameter with a UTF-8 message; a number that parses is in
 * its bounds.
 */
#include "api.h"
#include "app.h"
#include "buf.h"
#include "config.h"
#include "date.h"
#include "http.h"
#include "urlcodec.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_PAIRS 64

struct query {
	size_t n;
	const char *key[MAX_PAIRS];
	const char *value[MAX_PAIRS];   /* NULL for `?key` without `=` */
};

/* http.c's versions read the libmicrohttpd connection; these read r->arg,
 * which points at the parsed query (the routes under test never use it) */
const char *http_param(struct http_req *r, const char *name)
{
	const struct query *q = (const struct query *)(const void *)r->arg;
	for (size_t i = 0; i < q->n; i++)
		if (strcmp(q->key[i], name) == 0)
			return q->value[i];
	return NULL;
}

int http_problem(struct http_req *r, unsigned status, const char *code, const char *param,
		 const char *fmt, ...)
{
	if (r->err_status)
		return -1;
	r->err_status = status;
	r->err_code = code;
	snprintf(r->err_param, sizeof(r->err_param), "%s", param ? param : "");
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(r->err_msg, sizeof(r->err_msg), fmt, ap);
	va_end(ap);
	url_utf8_scrub(r->err_param);
	url_utf8_scrub(r->err_msg);
	return -1;
}

static void check_part(char *s)
{
	size_t before = strlen(s);
	size_t n = url_unescape(s);
	if (n > before || n != strlen(s))
		abort();
	char copy[4096];
	if (n < sizeof(copy)) {
		memcpy(copy, s, n + 1);
		url_utf8_scrub(copy);
		if (!url_utf8_valid(copy) || strlen(copy) != n)
			abort();
		if (url_utf8_valid(s) && memcmp(copy, s, n) != 0)
			abort(); /* scrubbing valid text changes nothing */
	}
	int32_t day;
	if (date_parse(s, n, &day) == 0) {
		char out[DATE_LEN + 1];
		date_format(day, out);
		out[DATE_LEN] = '\0';
		if (n != DATE_LEN || memcmp(out, s, DATE_LEN) != 0)
			abort();
	}
	const char *why;
	(void)date_parse_iso(s, n, &day, &why);
}

/* A refused parameter: 400 naming one of the expected parameters. */
static void check_refusal(const struct http_req *r, const char *const *params)
{
	if (r->err_status != 400 || !r->err_code || strcmp(r->err_code, "bad_param") != 0 ||
	    !url_utf8_valid(r->err_msg) || !r->err_msg[0])
		abort();
	for (const char *const *p = params; *p; p++)
		if (strcmp(r->err_param, *p) == 0)
			return;
	abort();
}

static void check_range(struct http_req *r, const char *prefix, int with_bucket)
{
	char fname[16], tname[16];
	snprintf(fname, sizeof(fname), "%sfrom", prefix);
	snprintf(tname, sizeof(tname), "%sto", prefix);
	struct api_range rg;
	r->err_status = 0;
	if (api_parse_range(r, prefix, with_bucket, &rg)) {
		const char *const params[] = { fname, tname, "bucket", "as_of", "days", NULL };
		check_refusal(r, params);
		return;
	}
	/* as_of: the parameter when given (a date from 1900 on, not after the
	 * configured one: else refused above), else the configured one */
	int32_t want_as_of = config_as_of(r->cfg), a;
	const char *av = http_param(r, "as_of");
	if (av && (date_parse(av, strlen(av), &a) || a > want_as_of || a < date_from_ymd(1900, 1, 1)))
		abort();
	if (av)
		want_as_of = a;
	const char *dv = http_param(r, "days");
	if (dv && strcmp(dv, "calendar") && strcmp(dv, "business"))
		abort();
	if (rg.days != (dv && !strcmp(dv, "business") ? API_BUSINESS_DAYS : API_CALENDAR_DAYS))
		abort();
	if (r->err_status || rg.from > rg.to || rg.to > rg.as_of || rg.as_of != want_as_of)
		abort();
	if (rg.bucket != API_DAY && rg.bucket != API_WEEK && rg.bucket != API_MONTH)
		abort();
	if (with_bucket) {
		long per = rg.bucket == API_DAY ? 1 : rg.bucket == API_WEEK ? 7 : 28;
		if (((long)rg.to - rg.from + 1) / per > API_MAX_BUCKETS)
			abort();
	}
	/* the dates given are the dates used (`to` only clamped to as_of) */
	int32_t d;
	const char *v = http_param(r, fname);
	if (v && (date_parse(v, strlen(v), &d) || d != rg.from))
		abort();
	v = http_param(r, tname);
	if (v && (date_parse(v, strlen(v), &d) || (d < rg.as_of ? d : rg.as_of) != rg.to))
		abort();
	json_t *o = api_range_json(&rg, with_bucket);
	if (!o || !json_is_string(json_object_get(o, "from")) ||
	    !json_is_string(json_object_get(o, "to")) ||
	    json_object_size(o) != (size_t)(with_bucket ? 4 : 3))
		abort();
	json_decref(o);
	struct buf key = BUF_INIT;
	api_range_key(&key, &rg);
	if (key.len == 0 || key.data[0] != '|')
		abort();
	buf_release(&key);
}

static void check_long(struct http_req *r, const char *name, long min, long max)
{
	long x = 0, dflt = min + (max - min) / 2;
	r->err_status = 0;
	if (api_parse_long(r, name, dflt, min, max, &x)) {
		const char *const params[] = { name, NULL };
		check_refusal(r, params);
		return;
	}
	if (r->err_status || x < min || x > max)
		abort();
	const char *v = http_param(r, name);
	if (!v ? x != dflt : strtol(v, NULL, 10) != x)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *q = malloc(size + 1);
	if (!q)
		return 0;
	memcpy(q, data, size);
	q[size] = '\0'; /* MHD hands us a C string: bytes after a NUL are gone */
	for (char *p = q; *p; p++)
		if (*p == '+')
			*p = ' ';
	struct query query = { 0 };
	char *save = NULL;
	for (char *part = strtok_r(q, "&", &save); part; part = strtok_r(NULL, "&", &save)) {
		char *eq = strchr(part, '=');
		if (eq)
			*eq = '\0';
		check_part(part);
		if (eq)
			check_part(eq + 1);
		if (query.n < MAX_PAIRS) {
			query.key[query.n] = part;
			query.value[query.n++] = eq ? eq + 1 : NULL;
		}
	}

	static struct config cfg;
	static int ready;
	if (!ready) {
		config_defaults(&cfg);
		ready = 1;
	}
	cfg.as_of = date_from_ymd(2026, 11, 22);
	struct http_req r;
	memset(&r, 0, sizeof(r));
	r.cfg = &cfg;
	r.arg = (const char *)(const void *)&query;
	const char *as_of = http_param(&r, "_as_of");
	int32_t d;
	if (as_of && date_parse(as_of, strlen(as_of), &d) == 0)
		cfg.as_of = d;
	/* the pinned view the routes read as_of from (app.h) */
	struct view view;
	memset(&view, 0, sizeof(view));
	view.cfg = &cfg;
	view.as_of = config_as_of(&cfg);
	r.view = &view;

	check_range(&r, "", 1);
	check_range(&r, "", 0);
	check_range(&r, "a_", 0);
	check_range(&r, "b_", 0);
	check_long(&r, "limit", 1, 10000);
	check_long(&r, "n", -5, 5);
	free(q);
	return 0;
}

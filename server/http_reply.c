/*
 * http_reply.c - the answers of http.h: parameters and their problems,
 * JSON, text, file and streamed bodies, the common security headers,
 * ETags and 304s, and the per-version response cache with its gzip copies
 * (rcache.h).  http.c owns libmicrohttpd's set-up, the connection
 * policies and the dispatch to the route handlers.
 */
#include "http.h"
#include "app.h"
#include "gz.h"
#include "log.h"
#include "rcache.h"
#include "digest.h"
#include "urlcodec.h"

#include <microhttpd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char csp[] = "default-src 'self'; object-src 'none'; base-uri 'self'; "
			  "frame-ancestors 'none'; form-action 'self'";

static void add_common_headers(struct MHD_Response *resp)
{
	MHD_add_response_header(resp, "Content-Security-Policy", csp);
	MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(resp, "Referrer-Policy", "no-referrer");
	MHD_add_response_header(resp, "X-Frame-Options", "DENY");
}

static int queue(struct http_req *r, unsigned status, struct MHD_Response *resp, size_t bytes)
{
	r->status = status;
	r->bytes = bytes;
	int ok = MHD_queue_response(r->conn, status, resp) == MHD_YES;
	MHD_destroy_response(resp);
	return ok ? MHD_YES : MHD_NO;
}

int http_reply_response(struct http_req *r, unsigned status, struct MHD_Response *resp,
			size_t bytes)
{
	add_common_headers(resp);
	return queue(r, status, resp, bytes);
}

/* ---- parameters ---- */

int http_authorize(struct http_req *r)
{
	const char *token = r->cfg->write_token;
	if (!token || !*token)
		return http_problem(r, 403, "forbidden", NULL,
				    "writes are disabled: no [auth] write_token is configured");
	const char *h = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, "Authorization");
	if (!h || strncasecmp(h, "Bearer ", 7) != 0)
		return http_problem(r, 401, "unauthorized", NULL,
				    "missing 'Authorization: Bearer <token>'");
	h += 7;
	if (!digest_secret_equal(h, strlen(h), token, strlen(token)))
		return http_problem(r, 401, "unauthorized", NULL, "wrong token");
	return 0;
}

const char *http_param(struct http_req *r, const char *name)
{
	return MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, name);
}

struct allowed_ctx {
	struct http_req *r;
	const char *const *names;
	uint64_t seen;            /* bit i: names[i] given */
};

static enum MHD_Result check_arg(void *cls, enum MHD_ValueKind kind, const char *key,
				 const char *value)
{
	struct allowed_ctx *ctx = cls;
	struct http_req *r = ctx->r;
	(void)kind;
	for (size_t i = 0; ctx->names[i]; i++) {
		if (strcmp(ctx->names[i], key) != 0)
			continue;
		/* one meaning per parameter: `?from` alone, `from=a&from=b`
		 * and bytes that are not text are refused, not guessed at */
		if (!value)
			http_problem(r, 400, "bad_param", key, "%s: no value (write %s=...)", key, key);
		else if (i < 64 && (ctx->seen >> i & 1))
			http_problem(r, 400, "bad_param", key, "%s: given more than once", key);
		else if (!url_utf8_valid(value))
			http_problem(r, 400, "bad_param", key, "%s: not valid UTF-8", key);
		if (i < 64)
			ctx->seen |= UINT64_C(1) << i;
		return r->err_status ? MHD_NO : MHD_YES;
	}
	char shown[48];
	snprintf(shown, sizeof(shown), "%s", key);
	http_problem(r, 400, "bad_param", shown, "unknown parameter '%s'", shown);
	return MHD_NO;
}

int http_params_allowed(struct http_req *r, const char *const *names)
{
	struct allowed_ctx ctx = { r, names, 0 };
	MHD_get_connection_values(r->conn, MHD_GET_ARGUMENT_KIND, check_arg, &ctx);
	return r->err_status ? -1 : 0;
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
	/* messages quote what the client sent, which may be any bytes (or
	 * cut inside a character): JSON strings must be UTF-8 */
	url_utf8_scrub(r->err_param);
	url_utf8_scrub(r->err_msg);
	return -1;
}

/* ---- replies ---- */

int http_reply_text(struct http_req *r, unsigned status, const char *type, const char *body,
		    size_t len)
{
	struct MHD_Response *resp =
		MHD_create_response_from_buffer(len, (void *)body, MHD_RESPMEM_MUST_COPY);
	if (!resp)
		return MHD_NO;
	add_common_headers(resp);
	MHD_add_response_header(resp, "Content-Type", type);
	MHD_add_response_header(resp, "Cache-Control", "no-store");
	return queue(r, status, resp, len);
}

int http_reply_problem(struct http_req *r)
{
	unsigned status = r->err_status ? r->err_status : 500;
	json_t *err = json_pack("{s:i,s:s,s:s}", "status", (int)status, "code",
				r->err_code ? r->err_code : "internal", "message",
				r->err_msg[0] ? r->err_msg : "internal error");
	if (err && r->err_param[0])
		json_object_set_new(err, "param", json_string(r->err_param));
	json_t *root = json_pack("{s:o}", "error", err);
	char *s = root ? json_dumps(root, JSON_COMPACT) : NULL;
	json_decref(root);
	int rc;
	if (s) {
		struct MHD_Response *resp =
			MHD_create_response_from_buffer(strlen(s), s, MHD_RESPMEM_MUST_FREE);
		if (!resp) {
			free(s);
			return MHD_NO;
		}
		MHD_add_response_header(resp, "Content-Type", "application/json");
		if (status == 401) /* RFC 6750 §3 */
			MHD_add_response_header(resp, "WWW-Authenticate", "Bearer realm=\"leadtime\"");
		rc = http_reply_response(r, status, resp, strlen(s));
	} else {
		rc = http_reply_text(r, 500, "text/plain", "out of memory\n", 14);
	}
	if (status >= 500)
		log_err("%s %s: %u %s", r->method, r->path, status, r->err_msg);
	return rc;
}

int http_reply_error(struct http_req *r, unsigned status, const char *code, const char *param,
		     const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	r->err_status = 0;
	http_problem(r, status, code, param, "%s", msg);
	return http_reply_problem(r);
}

static uint64_t fnv(const char *s, uint64_t h)
{
	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 1099511628211ULL;
	}
	return h;
}

/* Smallest body worth compressing (a gzip header and trailer are 18 bytes). */
#define GZIP_MIN 512
/* zlib level of response bodies: 6 compresses JSON 8-10x at a few ms per MB */
#define GZIP_LEVEL 6

int http_accepts_gzip(struct http_req *r)
{
	const char *ae = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, "Accept-Encoding");
	int gz = -1, star = -1;
	for (const char *p = ae; p && *p;) {
		while (*p == ' ' || *p == '\t' || *p == ',')
			p++;
		const char *name = p;
		while (*p && *p != ',' && *p != ';' && *p != ' ' && *p != '\t')
			p++;
		size_t n = (size_t)(p - name);
		/* "q=0" (any number of zero decimals) refuses the coding */
		int ok = 1;
		const char *end = strchr(p, ',');
		if (!end)
			end = p + strlen(p);
		const char *q = strstr(p, "q=");
		if (q && q < end) {
			q += 2;
			ok = 0;
			for (; q < end && *q != ' ' && *q != ';'; q++)
				if (*q >= '1' && *q <= '9')
					ok = 1;
		}
		if ((n == 4 && strncasecmp(name, "gzip", 4) == 0) ||
		    (n == 6 && strncasecmp(name, "x-gzip", 6) == 0))
			gz = ok;
		else if (n == 1 && *name == '*')
			star = ok;
		p = end;
	}
	return gz >= 0 ? gz : star > 0;
}

/* The strong ETag of key's response at this version, per representation
 * (RFC 9110 §8.8.3: the gzip bytes are not the plain bytes). */
static void etag_of(const struct http_req *r, const char *key, int gz, char out[48])
{
	uint64_t h = fnv(key, 1469598103934665603ULL);
	snprintf(out, 48, "\"%llx-%016llx%s\"", (unsigned long long)r->version,
		 (unsigned long long)h, gz ? "-gz" : "");
}

/* 1 when If-None-Match names either representation of key's response. */
static int etag_matches(const struct http_req *r, const char *key, const char *header)
{
	if (!header)
		return 0;
	if (strcmp(header, "*") == 0)
		return 1;
	char plain[48], gz[48];
	etag_of(r, key, 0, plain);
	etag_of(r, key, 1, gz);
	return strstr(header, plain) || strstr(header, gz);
}

static void add_disposition(struct MHD_Response *resp, const char *filename)
{
	if (filename) {
		char cd[160];
		snprintf(cd, sizeof(cd), "attachment; filename=\"%s\"", filename);
		MHD_add_response_header(resp, "Content-Disposition", cd);
	}
}

/* Headers of a body reply of content type `type`, the ETag of its
 * representation (gz: the gzip one). */
static void body_headers(const struct http_req *r, struct MHD_Response *resp, const char *type,
			 const char *filename, const char *key, int gz)
{
	add_common_headers(resp);
	MHD_add_response_header(resp, "Content-Type", type);
	MHD_add_response_header(resp, "Cache-Control", "no-cache");
	MHD_add_response_header(resp, "Vary", "Accept-Encoding");
	add_disposition(resp, filename);
	if (gz)
		MHD_add_response_header(resp, "Content-Encoding", "gzip");
	if (key) {
		char etag[48];
		etag_of(r, key, gz, etag);
		MHD_add_response_header(resp, "ETag", etag);
	}
}

/* The gzip response of a body, or NULL (too small, or it would not
 * shrink). */
static struct MHD_Response *gzip_response(const struct http_req *r, const struct rcache_body *b,
					  const char *key, size_t *gzlen)
{
	char *z;
	if (b->len < GZIP_MIN || gz_compress(b->data, b->len, GZIP_LEVEL, &z, gzlen))
		return NULL;
	if (*gzlen >= b->len) {
		free(z);
		return NULL;
	}
	struct MHD_Response *resp = MHD_create_response_from_buffer(*gzlen, z, MHD_RESPMEM_MUST_FREE);
	if (!resp) {
		free(z);
		return NULL;
	}
	body_headers(r, resp, b->type, b->filename, key, 1);
	return resp;
}

int http_try_cached(struct http_req *r, const char *key, int *result)
{
	const char *inm = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, "If-None-Match");
	int gzip = http_accepts_gzip(r);
	if (etag_matches(r, key, inm)) {
		char etag[48];
		etag_of(r, key, gzip, etag);
		struct MHD_Response *resp = MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT);
		if (!resp)
			return *result = MHD_NO, 1;
		add_common_headers(resp);
		MHD_add_response_header(resp, "ETag", etag);
		MHD_add_response_header(resp, "Cache-Control", "no-cache");
		MHD_add_response_header(resp, "Vary", "Accept-Encoding");
		*result = queue(r, MHD_HTTP_NOT_MODIFIED, resp, 0);
		return 1;
	}
	int ok;
	size_t size;
	struct rcache_body *body = NULL;
	switch (rcache_queue(r->app->cache, key, r->version, r->conn, gzip, &ok, &size, &body)) {
	case RCACHE_MISS:
		return 0;
	case RCACHE_QUEUED:
		r->status = 200;
		r->bytes = size;
		*result = ok ? MHD_YES : MHD_NO;
		return 1;
	case RCACHE_NEEDS_GZIP:
		break;
	}
	/* cached plain only: compress it once, for this client and the next */
	size_t gzlen = 0;
	struct MHD_Response *gz = gzip_response(r, body, key, &gzlen);
	if (!gz) {
		struct MHD_Response *plain = rcache_body_response(body);
		size_t len = body->len;
		rcache_body_put(body);
		if (!plain)
			return *result = MHD_NO, 1;
		body_headers(r, plain, body->type, body->filename, key, 0);
		*result = queue(r, 200, plain, len);
		return 1;
	}
	rcache_body_put(body);
	r->status = 200;
	r->bytes = gzlen;
	*result = MHD_queue_response(r->conn, MHD_HTTP_OK, gz) == MHD_YES ? MHD_YES : MHD_NO;
	rcache_add_gzip(r->app->cache, key, r->version, gz, gzlen); /* takes our reference */
	return 1;
}

int http_reply_json(struct http_req *r, json_t *root, const char *key)
{
	if (!root)
		return http_reply_error(r, 500, "internal", NULL, "out of memory building the response");
	char *s = json_dumps(root, JSON_COMPACT | JSON_REAL_PRECISION(15));
	json_decref(root);
	if (!s)
		return http_reply_error(r, 500, "internal", NULL, "out of memory serialising the response");
	return http_reply_json_text(r, s, strlen(s), key);
}

/*
 * 200 with data (malloc'd, taken over) of content type `type`, cached
 * under key when not NULL; gzip-compressed for a client that accepts it
 * when `gzip` (JSON: an .xlsx is a zip already).
 */
static int reply_body(struct http_req *r, const char *type, const char *filename, char *data,
		      size_t len, const char *key, int gzip)
{
	struct rcache_body *body = rcache_body_new(data, len, type, filename);
	struct MHD_Response *plain = rcache_body_response(body);
	if (!plain) {
		rcache_body_put(body);
		return MHD_NO;
	}
	body_headers(r, plain, type, filename, key, 0);
	size_t gzlen = 0;
	struct MHD_Response *gz = gzip && http_accepts_gzip(r) ? gzip_response(r, body, key, &gzlen)
							     : NULL;
	r->status = 200;
	r->bytes = gz ? gzlen : len;
	int ok = MHD_queue_response(r->conn, MHD_HTTP_OK, gz ? gz : plain) == MHD_YES;
	if (key) {
		rcache_put(r->app->cache, key, r->version, body, plain, gz, gzlen, gzip); /* takes ours */
	} else {
		MHD_destroy_response(plain);
		if (gz)
			MHD_destroy_response(gz);
		rcache_body_put(body);
	}
	return ok ? MHD_YES : MHD_NO;
}

int http_reply_json_text(struct http_req *r, char *text, size_t len, const char *key)
{
	return reply_body(r, "application/json", NULL, text, len, key, 1);
}

int http_reply_body(struct http_req *r, char *text, size_t len, const char *type,
		    const char *filename, const char *key)
{
	return reply_body(r, type, filename, text, len, key, 1);
}

int http_reply_file(struct http_req *r, const char *type, const char *filename, char *data,
		    size_t len, const char *key)
{
	return reply_body(r, type, filename, data, len, key, 0);
}

struct stream {
	long (*fill)(void *cls, char *buf, size_t max);
	void (*done)(void *cls);
	void *cls;
	struct http_req *r;     /* its bytes counted for the log and /metrics:
				 * MHD reads a body only before the request's
				 * completion, which frees r */
};

static ssize_t stream_read(void *cls, uint64_t pos, char *buf, size_t max)
{
	struct stream *s = cls;
	(void)pos;
	long n = s->fill(s->cls, buf, max);
	if (n < 0) {
		s->r->body_failed = 1;
		return MHD_CONTENT_READER_END_WITH_ERROR;
	}
	if (n == 0)
		return MHD_CONTENT_READER_END_OF_STREAM;
	s->r->bytes += (size_t)n;
	return n;
}

static void stream_free(void *cls)
{
	struct stream *s = cls;
	s->done(s->cls);
	free(s);
}

int http_reply_stream(struct http_req *r, const char *type, const char *filename,
		      long (*fill)(void *cls, char *buf, size_t max), void (*done)(void *cls),
		      void *cls)
{
	struct stream *s = malloc(sizeof(*s));
	if (!s)
		abort();
	s->fill = fill;
	s->done = done;
	s->cls = cls;
	s->r = r;
	struct MHD_Response *resp =
		MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 64 * 1024, stream_read, s, stream_free);
	if (!resp) {
		stream_free(s);
		return MHD_NO;
	}
	add_common_headers(resp);
	MHD_add_response_header(resp, "Content-Type", type);
	MHD_add_response_header(resp, "Cache-Control", "no-store");
	add_disposition(resp, filename);
	return queue(r, 200, resp, 0);
}


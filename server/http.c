/*
 * http.c - see http.h.
 *
 * Threading: MHD's thread pool (poll; see http_start()), one thread per
 * core, each with its own SQLite read connection.  A handler blocks its
 * thread while it computes, stalling that thread's other connections; we
 * accept that because responses are cached per version (most requests are
 * a hash lookup) and the analytics read in-memory rollups in milliseconds.
 * See docs/DESIGN.md.
 *
 * Limits: connection count, per-IP connections, an idle timeout and a
 * per-connection memory limit (which bounds the request line and headers;
 * MHD answers 431 past it) are set from [server]; bodies are capped by
 * max_body_mb (413).  With trusted_proxies the per-IP limit is ours
 * (peer.h): connections of other peers refused in the accept policy, and
 * requests of a proxy's clients counted per forwarded address (429).
 */
#include "http.h"
#include "app.h"
#include "gz.h"
#include "intake.h"
#include "log.h"
#include "metrics.h"
#include "peer.h"
#include "rcache.h"
#include "digest.h"
#include "store.h"
#include "urlcodec.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

struct http_server {
	struct MHD_Daemon *daemon;
	struct app *app;
	const struct http_route *routes;
	size_t nroutes;
	char **route_names;
	struct metrics *metrics;
	atomic_int inflight;    /* requests begun and not completed */
	/* [server] trusted_proxies (peer.h); with none, libmicrohttpd's own
	 * per-IP limit counts every peer's connections and these are unused */
	struct peer_net trusted[PEER_MAX_NETS];
	size_t ntrusted;
	struct peer_counts *conns;    /* connections of the other peers */
	struct peer_counts *clients;  /* requests in flight per forwarded client */
};

static const char csp[] = "default-src 'self'; object-src 'none'; base-uri 'self'; "
			  "frame-ancestors 'none'; form-action 'self'";

static int64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

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

/* ---- dispatch ---- */

/* MHD's unescaper replaced by ours (urlcodec.h: `%00` stays literal) */
static size_t unescape(void *cls, struct MHD_Connection *c, char *s)
{
	(void)cls;
	(void)c;
	return url_unescape(s);
}

static int route_matches(const struct http_route *rt, const char *path)
{
	size_t n = strlen(rt->path);
	return rt->prefix ? strncmp(path, rt->path, n) == 0 && path[n] != '\0'
			  : strcmp(path, rt->path) == 0;
}

/* 1 when a route takes the request's method and path with a body (POST). */
static int takes_body(const struct http_server *srv, const struct http_req *r)
{
	for (const struct http_route *rt = srv->routes; rt->path; rt++)
		if (strcmp(rt->method, "POST") == 0 && strcmp(r->method, "POST") == 0 &&
		    route_matches(rt, r->path))
			return 1;
	return 0;
}

static int dispatch(struct http_server *srv, struct http_req *r)
{
	const char *method = strcmp(r->method, "HEAD") == 0 ? "GET" : r->method;
	char allow[64] = "";
	if (strlen(r->path) > 2048)
		return http_reply_error(r, 414, "uri_too_long", NULL, "path too long");
	/* the resource is named by the longest route path that matches, for
	 * any method: GET /api/v1/import is 405 (Allow: POST), not a file
	 * of the dashboard's catch-all "/" that happens to take GET */
	size_t longest = 0;
	for (const struct http_route *rt = srv->routes; rt->path; rt++) {
		size_t n = strlen(rt->path);
		if (n > longest && route_matches(rt, r->path))
			longest = n;
	}
	for (const struct http_route *rt = srv->routes; rt->path; rt++) {
		size_t n = strlen(rt->path);
		if (n != longest || !route_matches(rt, r->path))
			continue;
		if (strcmp(method, rt->method) != 0) {
			if (!strstr(allow, rt->method)) {
				size_t len = strlen(allow);
				snprintf(allow + len, sizeof(allow) - len, "%s%s", len ? ", " : "",
					 rt->method);
				if (strcmp(rt->method, "GET") == 0 && !strstr(allow, "HEAD")) {
					len = strlen(allow);
					snprintf(allow + len, sizeof(allow) - len, ", HEAD");
				}
			}
			continue;
		}
		r->arg = rt->prefix ? r->path + n : NULL;
		r->route = (int)(rt - srv->routes);
		if (rt->method[0] == 'G') {
			r->store = app_reader(r->app);
			if (!r->store)
				return http_reply_error(r, 503, "unavailable", NULL, "no database connection");
			if (!rt->nodata) {
				r->view = app_view_fresh(r->app, r->store, r->view);
				r->cfg = r->view->cfg;
				r->version = r->view->version;
			}
		}
		return rt->fn(r);
	}
	if (allow[0]) {
		http_problem(r, 405, "method_not_allowed", NULL, "%s is not allowed on %s (allowed: %s)",
			     r->method, r->path, allow);
		unsigned status = 405;
		json_t *root = json_pack("{s:{s:i,s:s,s:s}}", "error", "status", 405, "code",
					 "method_not_allowed", "message", r->err_msg);
		char *s = root ? json_dumps(root, JSON_COMPACT) : NULL;
		json_decref(root);
		if (!s)
			return MHD_NO;
		size_t len = strlen(s);
		struct MHD_Response *resp =
			MHD_create_response_from_buffer(len, s, MHD_RESPMEM_MUST_FREE);
		if (!resp) {
			free(s);
			return MHD_NO;
		}
		add_common_headers(resp);
		MHD_add_response_header(resp, "Content-Type", "application/json");
		MHD_add_response_header(resp, "Allow", allow);
		return queue(r, status, resp, len);
	}
	return http_reply_error(r, 404, "not_found", NULL, "no such route: %s", r->path);
}

/* ---- the per-IP limit behind trusted proxies (peer.h) ---- */

/* libmicrohttpd's accept policy: a peer that is not a trusted proxy gets
 * per_ip_connections connections at once (the count is taken here, under
 * the table's lock, so two threads accepting at once cannot both pass;
 * libmicrohttpd checks its connection limit before calling this). */
static enum MHD_Result accept_peer(void *cls, const struct sockaddr *addr, socklen_t addrlen)
{
	struct http_server *srv = cls;
	struct peer_addr a;
	(void)addrlen;
	if (!srv->ntrusted || peer_from_sockaddr(addr, &a) ||
	    peer_trusted(srv->trusted, srv->ntrusted, &a))
		return MHD_YES;
	return peer_acquire(srv->conns, &a) == 0 ? MHD_YES : MHD_NO;
}

/*
 * Slow readers.  libmicrohttpd 0.9.75 counts a connection as active when a
 * send() of it succeeds (MHD_update_last_activity_() after every write in
 * MHD_connection_handle_write()), and sends when poll() reports the socket
 * writable.  Left alone, the kernel autotunes the send buffer of a
 * loopback or fast connection to tcp_wmem's maximum (4 MiB) and reports it
 * writable while less than two thirds of it is queued: a client that reads
 * slowly has megabytes waiting for it in the kernel, per connection.
 * TCP_NOTSENT_LOWAT bounds the bytes queued and not yet sent (bytes in
 * flight do not count, so a fast client's window stays full): the socket
 * is writable again as soon as the queue falls below it, so what a slow
 * client pins is its receive window plus a block, and each block sent
 * (an activity) follows the client taking about a block.  The client's
 * progress reaches us only as its window opens, which Linux does in steps
 * of at least its receive MSS (64 KiB on loopback): a client reading less
 * than that per connection_timeout is idle to any server.  docs/DESIGN.md
 * "Long responses".
 */
#define NOTSENT_LOWAT (16 * 1024)

static void pace_socket(struct MHD_Connection *conn)
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
	int lowat = NOTSENT_LOWAT;
	/* best effort: a socket that refuses it keeps the kernel's default */
	if (ci)
		(void)setsockopt(ci->connect_fd, IPPROTO_TCP, TCP_NOTSENT_LOWAT, &lowat,
				 sizeof(lowat));
}

/* A new connection: its socket paced (above), and its own note of what
 * accept_peer() counted, released when it closes. */
static void on_connection(void *cls, struct MHD_Connection *conn, void **socket_context,
			  enum MHD_ConnectionNotificationCode toe)
{
	struct http_server *srv = cls;
	if (toe == MHD_CONNECTION_NOTIFY_STARTED)
		pace_socket(conn);
	if (!srv->ntrusted)
		return;
	if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
		const union MHD_ConnectionInfo *ci =
			MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
		struct peer_addr a;
		*socket_context = NULL;
		if (!ci || peer_from_sockaddr(ci->client_addr, &a) ||
		    peer_trusted(srv->trusted, srv->ntrusted, &a))
			return;
		struct peer_addr *counted = malloc(sizeof(*counted));
		if (!counted)
			abort();
		*counted = a;
		*socket_context = counted;
	} else if (toe == MHD_CONNECTION_NOTIFY_CLOSED && *socket_context) {
		peer_release(srv->conns, *socket_context);
		free(*socket_context);
		*socket_context = NULL;
	}
}

#define MAX_FORWARDED 16

struct forwarded {
	const char *v[MAX_FORWARDED];  /* the last MAX_FORWARDED values, in order */
	size_t n;
};

static enum MHD_Result collect_forwarded(void *cls, enum MHD_ValueKind kind, const char *key,
					 const char *value)
{
	struct forwarded *f = cls;
	(void)kind;
	if (value && strcasecmp(key, "X-Forwarded-For") == 0) {
		if (f->n == MAX_FORWARDED) {
			memmove(f->v, f->v + 1, (MAX_FORWARDED - 1) * sizeof(f->v[0]));
			f->n--;
		}
		f->v[f->n++] = value;
	}
	return MHD_YES;
}

/* A request from a trusted proxy counts against its forwarded client:
 * 0, or -1 with a 429 recorded when that client has per_ip_connections
 * requests in flight already. */
static int count_client(struct http_server *srv, struct http_req *r)
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(r->conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	struct peer_addr peer;
	if (!srv->ntrusted || !ci || peer_from_sockaddr(ci->client_addr, &peer) ||
	    !peer_trusted(srv->trusted, srv->ntrusted, &peer))
		return 0;
	struct forwarded f = { { NULL }, 0 };
	MHD_get_connection_values(r->conn, MHD_HEADER_KIND, collect_forwarded, &f);
	r->client = peer; /* none to believe: the proxy's own request */
	peer_forwarded_client(f.v, f.n, srv->trusted, srv->ntrusted, &r->client);
	if (peer_acquire(srv->clients, &r->client)) {
		char shown[64];
		peer_format(&r->client, shown, sizeof(shown));
		return http_problem(r, 429, "too_many_requests", NULL,
				    "%s has %d requests in flight already ([server] per_ip_connections)",
				    shown, r->cfg->per_ip_connections);
	}
	r->client_counted = 1;
	return 0;
}

/* 1 when the request announces a body: *len is its Content-Length, or
 * UINT64_MAX when chunked (libmicrohttpd has refused a malformed length
 * before the handler runs, and intake_problem() both framings). */
static int body_announced(struct MHD_Connection *conn, uint64_t *len)
{
	const char *cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Content-Length");
	if (cl) {
		*len = strtoull(cl, NULL, 10);
		return *len > 0;
	}
	*len = UINT64_MAX;
	return MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Transfer-Encoding") != NULL;
}

/* on_uri()'s mark for a request it answered: its address as the context */
static char uri_rejected;

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
				  const char *method, const char *version, const char *upload,
				  size_t *upload_size, void **con_cls)
{
	struct http_server *srv = cls;
	struct http_req *r = *con_cls;
	if (*con_cls == &uri_rejected)
		return MHD_NO; /* answered by on_uri(): close */
	if (!r) {
		r = calloc(1, sizeof(*r));
		if (!r)
			return MHD_NO;
		r->app = srv->app;
		r->conn = conn;
		r->method = method;
		r->path = url;
		r->t0_ns = now_ns();
		r->route = -1;
		r->view = app_view(srv->app);
		r->cfg = r->view->cfg;
		r->version = r->view->version;
		buf_init(&r->body);
		*con_cls = r;
		atomic_fetch_add(&srv->inflight, 1);
		const char *why = intake_problem(conn, method, version);
		if (why)
			return (enum MHD_Result)http_reply_error(r, 400, "bad_request", NULL, "%s", why);
		if (count_client(srv, r))
			return (enum MHD_Result)http_reply_problem(r);
		/* a body is buffered only for a write route and a client that
		 * may write: anyone else would make us hold max_body_mb per
		 * connection for nothing */
		r->keep_body = takes_body(srv, r) && http_authorize(r) == 0;
		uint64_t announced;
		if (body_announced(conn, &announced)) {
			/* and a body nobody keeps is not even read: the answer
			 * (401/403, or 404/405/... of a route that takes none)
			 * goes out now, before the body, and libmicrohttpd
			 * closes the connection after it instead of reading on
			 * (a client once pushed 17 GB at a 401); a client that
			 * waits for `100 Continue` gets it instead (RFC 9110
			 * §10.1.1) */
			if (!r->keep_body)
				return (enum MHD_Result)(r->err_status ? http_reply_problem(r)
								       : dispatch(srv, r));
			if (announced != UINT64_MAX &&
			    announced > (uint64_t)r->cfg->max_body_mb << 20)
				return (enum MHD_Result)http_reply_error(r, 413, "too_large", NULL,
									 "request body larger than %d MiB",
									 r->cfg->max_body_mb);
		}
		/* answer on the next call, once MHD has read the whole request:
		 * a response queued on this first call makes MHD close the
		 * connection afterwards (no keep-alive) */
		return MHD_YES;
	}
	if (*upload_size) {
		size_t limit = (size_t)r->cfg->max_body_mb << 20;
		/* a body not kept is read and dropped */
		if (r->keep_body && !r->body_too_large && r->body.len + *upload_size <= limit)
			buf_add(&r->body, upload, *upload_size);
		else if (r->keep_body)
			r->body_too_large = 1;
		*upload_size = 0;
		return MHD_YES;
	}
	if (r->body_too_large)
		return (enum MHD_Result)http_reply_error(r, 413, "too_large", NULL,
							 "request body larger than %d MiB",
							 r->cfg->max_body_mb);
	return (enum MHD_Result)dispatch(srv, r);
}

/*
 * Request lines with too many parameters.  libmicrohttpd 0.9.75 splits the
 * query into header records from the connection's memory pool before any
 * handler runs; thousands of `a=1&` exhaust the pool and its own 431 answer
 * then never reaches the client, which hangs until the connection timeout.
 * This callback sees the raw URI first: past the limits it writes a 414
 * itself, shuts the socket for writing and marks the request so that no
 * handler runs for it.
 */
#define URI_MAX_BYTES 8192
#define URI_MAX_PARAMS 100


static void *on_uri(void *cls, const char *uri, struct MHD_Connection *conn)
{
	struct http_server *srv = cls;
	size_t n = 0, params = 0;
	for (const char *p = uri; *p; p++, n++)
		params += *p == '&';
	if (n <= URI_MAX_BYTES && params < URI_MAX_PARAMS)
		return NULL;
	static const char body[] =
		"{\"error\":{\"status\":414,\"code\":\"uri_too_long\",\"message\":"
		"\"request line too long or too many parameters (at most 8192 bytes, 100 parameters)\"}}";
	char head[256];
	int hn = snprintf(head, sizeof(head),
			  "HTTP/1.1 414 URI Too Long\r\nContent-Type: application/json\r\n"
			  "Content-Length: %zu\r\nConnection: close\r\n"
			  "X-Content-Type-Options: nosniff\r\n\r\n",
			  sizeof(body) - 1);
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
	if (ci && hn > 0) {
		ssize_t w = send(ci->connect_fd, head, (size_t)hn, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (w == hn)
			w = send(ci->connect_fd, body, sizeof(body) - 1, MSG_NOSIGNAL | MSG_DONTWAIT);
		(void)w;
		shutdown(ci->connect_fd, SHUT_WR);
	}
	metrics_observe(srv->metrics, -1, 414, METRICS_COMPLETED, 0, sizeof(body) - 1);
	log_info("request line of %zu bytes with %zu parameters: 414", n, params + 1);
	return &uri_rejected;
}

/* How a request ended.  libmicrohttpd says WITH_ERROR both when a send
 * fails (the client reset the connection or went away: "client") and when
 * a stream cannot produce its body (ours: "error", known from the stream). */
static enum metrics_end end_of(const struct http_req *r, enum MHD_RequestTerminationCode toe)
{
	if (toe == MHD_REQUEST_TERMINATED_COMPLETED_OK)
		return METRICS_COMPLETED;
	if (r->body_failed)
		return METRICS_ABORT_ERROR;
	switch (toe) {
	case MHD_REQUEST_TERMINATED_TIMEOUT_REACHED:
		return METRICS_ABORT_TIMEOUT;
	case MHD_REQUEST_TERMINATED_DAEMON_SHUTDOWN:
		return METRICS_ABORT_SHUTDOWN;
	default:
		return METRICS_ABORT_CLIENT;
	}
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
			 enum MHD_RequestTerminationCode toe)
{
	struct http_server *srv = cls;
	struct http_req *r = *con_cls;
	(void)conn;
	if (!r || *con_cls == &uri_rejected) {
		*con_cls = NULL;
		return;
	}
	if (r->client_counted)
		peer_release(srv->clients, &r->client);
	double ms = (double)(now_ns() - r->t0_ns) / 1e6;
	enum metrics_end end = end_of(r, toe);
	metrics_observe(srv->metrics, r->route, r->status, end, ms, r->bytes);
	/* the status is the one the header announced; a response cut before
	 * its end says so, and why (docs/OPERATIONS.md "Logs") */
	const char *how = end == METRICS_COMPLETED ? "" : " (aborted) ";
	const char *why = metrics_end_name(end);
	if (r->status >= 500)
		log_msg(LOG_ERR, "%s %s %u %zu %.1fms%s%s", r->method, r->path, r->status, r->bytes,
			ms, how, why);
	else
		log_request("%s %s %u %zu %.1fms%s%s", r->method, r->path, r->status, r->bytes, ms,
			    how, why);
	buf_release(&r->body);
	app_view_put(r->view);
	free(r);
	*con_cls = NULL;
	atomic_fetch_sub(&srv->inflight, 1);
}

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	char msg[512];
	(void)cls;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	size_t n = strlen(msg);
	while (n && msg[n - 1] == '\n')
		msg[--n] = '\0';
	log_msg(LOG_WARN, "http: %s", msg);
}

static void server_free(struct http_server *srv)
{
	for (size_t i = 0; srv->route_names && i < srv->nroutes; i++)
		free(srv->route_names[i]);
	free(srv->route_names);
	metrics_free(srv->metrics);
	peer_counts_free(srv->conns);
	peer_counts_free(srv->clients);
	srv->app->server = NULL;
	free(srv);
}

struct http_server *http_start(struct app *app, const struct http_route *routes,
			       unsigned threads, unsigned *port)
{
	struct http_server *srv = calloc(1, sizeof(*srv));
	if (!srv)
		abort();
	srv->app = app;
	srv->routes = routes;
	while (routes[srv->nroutes].path)
		srv->nroutes++;
	srv->route_names = calloc(srv->nroutes + 1, sizeof(char *));
	srv->metrics = metrics_new(srv->nroutes);
	if (!srv->route_names || !srv->metrics)
		abort();
	for (size_t i = 0; i < srv->nroutes; i++) {
		struct buf b = BUF_INIT;
		buf_addf(&b, "%s %s%s", routes[i].method, routes[i].path, routes[i].prefix ? "*" : "");
		srv->route_names[i] = buf_detach(&b, NULL);
	}
	app->server = srv;
	struct view *view = app_view(app);
	const struct config *cfg = view->cfg;
	char bad[80];
	const char *why;
	int nt = peer_parse_nets(cfg->trusted_proxies, srv->trusted, PEER_MAX_NETS, bad, sizeof(bad),
				 &why);
	if (nt < 0) { /* config_load() checked it */
		log_err("%s: key 'trusted_proxies': '%s' %s", cfg->path, bad, why);
		app_view_put(view);
		server_free(srv);
		return NULL;
	}
	srv->ntrusted = (size_t)nt;
	if (srv->ntrusted) {
		srv->conns = peer_counts_new((unsigned)cfg->per_ip_connections);
		srv->clients = peer_counts_new((unsigned)cfg->per_ip_connections);
	}

	struct sockaddr_storage ss;
	memset(&ss, 0, sizeof(ss));
	/* poll, not epoll: libmicrohttpd 0.9.75 quiescing an epoll thread pool
	 * races a worker removing the listening socket from the same epoll
	 * set, and the loser aborts the process ("Failed to remove listen FD
	 * from epoll set": about one stop in 500, found by test_incremental);
	 * with poll, quiescing is a flag the workers read.  With at most
	 * max_connections sockets over a few threads, poll costs nothing. */
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL | MHD_USE_ITC |
			 MHD_USE_ERROR_LOG;
	struct sockaddr_in *in4 = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;
	if (inet_pton(AF_INET, cfg->listen, &in4->sin_addr) == 1) {
		in4->sin_family = AF_INET;
		in4->sin_port = htons((uint16_t)cfg->port);
	} else if (inet_pton(AF_INET6, cfg->listen, &in6->sin6_addr) == 1) {
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons((uint16_t)cfg->port);
		flags |= MHD_USE_IPv6;
	} else {
		log_err("%s: key 'listen': '%s' is not an IPv4 or IPv6 address", cfg->path, cfg->listen);
		app_view_put(view);
		server_free(srv);
		return NULL;
	}
	srv->daemon = MHD_start_daemon(
		flags, (uint16_t)cfg->port, accept_peer, srv, on_request, srv,
		MHD_OPTION_EXTERNAL_LOGGER, mhd_log, srv,
		MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
		MHD_OPTION_THREAD_POOL_SIZE, threads,
		MHD_OPTION_CONNECTION_LIMIT, (unsigned)cfg->max_connections,
		/* behind trusted proxies the per-IP limit is ours (accept_peer(),
		 * count_client()): libmicrohttpd's would hold the proxy itself,
		 * and with it every user, to per_ip_connections */
		MHD_OPTION_PER_IP_CONNECTION_LIMIT,
		srv->ntrusted ? 0u : (unsigned)cfg->per_ip_connections,
		MHD_OPTION_NOTIFY_CONNECTION, on_connection, srv,
		MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)cfg->connection_timeout,
		/* 32 KiB, MHD's default: libmicrohttpd clears the whole pool between
		 * the requests of a keep-alive connection (64 KiB cost 8% of a
		 * cached response's CPU); the request line is capped at 8 KiB
		 * before it gets here (on_uri()) */
		MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)32 * 1024,
		MHD_OPTION_NOTIFY_COMPLETED, on_completed, srv,
		MHD_OPTION_UNESCAPE_CALLBACK, unescape, NULL,
		MHD_OPTION_URI_LOG_CALLBACK, on_uri, srv,
		/* no MHD_OPTION_LISTENING_ADDRESS_REUSE: on Linux it sets
		 * SO_REUSEPORT, and a second daemon started by mistake on the
		 * same port would silently take half the connections (to another
		 * store, perhaps) instead of failing; MHD's default SO_REUSEADDR
		 * still allows a restart while old connections linger */
		MHD_OPTION_END);
	if (!srv->daemon) {
		log_err("cannot listen on %s port %d (in use, or not allowed)", cfg->listen, cfg->port);
		app_view_put(view);
		server_free(srv);
		return NULL;
	}
	const union MHD_DaemonInfo *info = MHD_get_daemon_info(srv->daemon, MHD_DAEMON_INFO_BIND_PORT);
	*port = info ? info->port : (unsigned)cfg->port;
	app_view_put(view);
	return srv;
}

void http_stop(struct http_server *srv, unsigned grace_ms)
{
	if (!srv)
		return;
	/* stop accepting: with the listening socket closed a new client is
	 * refused at once rather than left waiting in the backlog */
	MHD_socket fd = MHD_quiesce_daemon(srv->daemon);
	if (fd != MHD_INVALID_SOCKET)
		close(fd);
	/* wait for requests in flight, not for connections: an idle
	 * keep-alive connection (a browser tab) would hold the stop for the
	 * whole grace period; MHD_stop_daemon() closes those */
	for (unsigned waited = 0; waited < grace_ms; waited += 20) {
		if (atomic_load(&srv->inflight) == 0)
			break;
		usleep(20 * 1000);
	}
	MHD_stop_daemon(srv->daemon);
	server_free(srv);
}

const char *const *http_route_names(const struct http_server *srv)
{
	return (const char *const *)srv->route_names;
}

struct metrics *http_metrics(const struct http_server *srv)
{
	return srv->metrics;
}

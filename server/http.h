/*
 * http.h - the libmicrohttpd daemon: route table, request state, replies,
 * query parameters, caching headers and limits.
 *
 * A request flows one way: http (route) -> api_* (parse, build JSON) ->
 * agg (compute) -> store.  Handlers receive a struct http_req and must
 * return the result of exactly one http_reply_* call.
 *
 * Parameter helpers record the first problem in the request (status, code,
 * parameter, message) and return -1; the handler then returns
 * http_reply_problem(r), which sends the JSON error of SPEC §4:
 *   {"error":{"status":400,"code":"bad_param","param":"from","message":"..."}}
 */
#ifndef LEADTIME_HTTP_H
#define LEADTIME_HTTP_H

#include "buf.h"
#include "peer.h"

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

struct app;
struct store;
struct http_server;
struct MHD_Connection;

struct http_req {
	struct app *app;
	struct MHD_Connection *conn;
	const char *method;
	const char *path;
	const char *arg;          /* the {name} part of a route, else NULL */
	struct store *store;      /* this worker's read connection (GET) */
	struct view *view;        /* pinned for the request (app.h): the only
				   * configuration and data it reads */
	const struct config *cfg; /* view->cfg */
	int64_t version;          /* view->version: the key of cached
				   * responses and ETags */
	struct buf body;          /* request body (POST) */
	int keep_body;            /* a write route and an authorized client:
				   * only then is the body buffered */
	int body_too_large;
	int route;                /* index in the route table, -1 = none */
	unsigned status;          /* sent status, for the log line */
	size_t bytes;             /* body size (a stream: the bytes produced so far) */
	int body_failed;          /* a stream could not produce its body */
	int64_t t0_ns;
	struct peer_addr client;  /* behind a trusted proxy: the forwarded
				   * client, counted while client_counted */
	int client_counted;
	/* the first problem found (status 0 = none) */
	unsigned err_status;
	const char *err_code;
	char err_param[64];
	char err_msg[512];
};

/* Handlers return MHD's enum MHD_Result as an int. */
typedef int (*http_handler)(struct http_req *r);

/* One route: method + path; with `prefix` set the path is a prefix and
 * the rest of the (decoded) path becomes r->arg, which must be non-empty.
 * A GET route reads the freshest view (a commit by another process is
 * noticed before it runs) unless `nodata` is set (files, health). */
struct http_route {
	const char *method;
	const char *path;
	int prefix;
	http_handler fn;
	int nodata;
};

/* Start serving app on its configured address with `threads` workers,
 * dispatching through routes (terminated by a NULL path).  NULL on error
 * (logged).  *port receives the bound port. */
struct http_server *http_start(struct app *app, const struct http_route *routes,
			       unsigned threads, unsigned *port);
/* The route labels "METHOD /path" for /metrics (NULL-terminated, owned by
 * the server). */
const char *const *http_route_names(const struct http_server *srv);
/* The metrics counters of the server. */
struct metrics *http_metrics(const struct http_server *srv);

/* Stop accepting, wait up to `grace_ms` for requests in flight, stop. */
void http_stop(struct http_server *srv, unsigned grace_ms);

/* ---- parameters ---- */

/* The decoded query parameter, or NULL. */
const char *http_param(struct http_req *r, const char *name);
/* 0 when the request carries `Authorization: Bearer <[auth] write_token>`;
 * else -1 with 401 (missing or wrong token) or 403 (no token configured)
 * recorded.  The token is compared as SHA-256 digests in constant time. */
int http_authorize(struct http_req *r);
/* Reject parameters not listed in names (NULL-terminated), and listed ones
 * given twice, without a value, or not valid UTF-8: 0 or -1. */
int http_params_allowed(struct http_req *r, const char *const *names);
/* 1 when the request's Accept-Encoding takes gzip (a q of 0 refuses). */
int http_accepts_gzip(struct http_req *r);
/* Record a problem (first one wins); returns -1. */
int http_problem(struct http_req *r, unsigned status, const char *code, const char *param,
		 const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* ---- replies (each returns MHD's result) ---- */

/* The recorded problem as a JSON error. */
int http_reply_problem(struct http_req *r);
/* An error reply directly. */
int http_reply_error(struct http_req *r, unsigned status, const char *code, const char *param,
		     const char *fmt, ...) __attribute__((format(printf, 5, 6)));
/*
 * When `key` (the canonical request) is fresh for the client (If-None-Match)
 * send 304; when it is cached send it (gzip-compressed for a client that
 * accepts it).  Returns 1 when a reply was queued (*result set), 0 when
 * the caller must compute.
 */
int http_try_cached(struct http_req *r, const char *key, int *result);
/* 200 with root serialised (root is consumed), ETag from key, cached under
 * key when key is not NULL; gzip-compressed (Vary: Accept-Encoding) for a
 * client that accepts it. */
int http_reply_json(struct http_req *r, json_t *root, const char *key);
/* The same for JSON already serialised (text is malloc'd; consumed). */
int http_reply_json_text(struct http_req *r, char *text, size_t len, const char *key);
/* 200 with a body that does not compress (data is malloc'd; consumed; an
 * .xlsx is a zip), offered as the download `filename` (Content-Disposition)
 * when not NULL; ETag from key and cached under it, as
 * http_reply_json_text(). */
int http_reply_file(struct http_req *r, const char *type, const char *filename, char *data,
		    size_t len, const char *key);
/* The same for any text content type (gzip-compressed like JSON), with
 * `Content-Disposition: attachment; filename="…"` when filename is not NULL
 * (a plain name: no quotes). */
int http_reply_body(struct http_req *r, char *text, size_t len, const char *type,
		    const char *filename, const char *key);
/* A body copied from memory with its content type. */
int http_reply_text(struct http_req *r, unsigned status, const char *type, const char *body,
		    size_t len);
struct MHD_Response;
/* Queue a response built by the caller (security headers are added; the
 * response is destroyed after queueing). */
int http_reply_response(struct http_req *r, unsigned status, struct MHD_Response *resp,
			size_t bytes);
/* A streamed body: fill(cls, buf, max) returns bytes written, 0 at the
 * end, -1 on error; done(cls) frees cls.  Chunked encoding. */
int http_reply_stream(struct http_req *r, const char *type, const char *filename,
		      long (*fill)(void *cls, char *buf, size_t max), void (*done)(void *cls),
		      void *cls);

#endif

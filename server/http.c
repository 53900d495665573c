/*
 * http.c - see http.h: libmicrohttpd's set-up, the connection policies
 * (limits, trusted proxies, pacing), the dispatch to the route handlers,
 * the access log and the metrics of each request.  The answers themselves
 * (bodies, ETags, the response cache, gzip) are in http_reply.c.
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
#include "intake.h"
#include "log.h"
#include "metrics.h"
#include "peer.h"
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

static int64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
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
		MHD_add_response_header(resp, "Content-Type", "application/json");
		MHD_add_response_header(resp, "Allow", allow);
		return http_reply_response(r, status, resp, len);
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

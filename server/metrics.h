/*
 * metrics.h - request counters for GET /metrics (Prometheus text format):
 * requests by route and status, responses cut before their end by route
 * and reason, a latency histogram per route, bytes sent.
 * Lock-free (relaxed atomics); one instance per daemon.
 */
#ifndef LEADTIME_METRICS_H
#define LEADTIME_METRICS_H

#include <stddef.h>

struct buf;
struct metrics;

/* Counters for nroutes routes (index nroutes counts unmatched requests).
 * NULL on OOM. */
struct metrics *metrics_new(size_t nroutes);
void metrics_free(struct metrics *m);

/* How a request ended: its response sent whole, or cut before its end
 * (the client went away, connection_timeout, the daemon stopping, an
 * error while sending: libmicrohttpd's termination code). */
enum metrics_end {
	METRICS_COMPLETED,
	METRICS_ABORT_CLIENT,
	METRICS_ABORT_TIMEOUT,
	METRICS_ABORT_SHUTDOWN,
	METRICS_ABORT_ERROR,
	METRICS_NEND
};

/* "client", "timeout", "shutdown", "error" ("" for METRICS_COMPLETED):
 * the reason label of /metrics and of the log line. */
const char *metrics_end_name(enum metrics_end end);

/* Count one finished request; route is its index, or -1 when none matched.
 * A request that did not complete counts as status "aborted" (whatever
 * status its header announced) and by reason. */
void metrics_observe(struct metrics *m, int route, unsigned status, enum metrics_end end,
		     double ms, size_t bytes);

/* Append the counters; names[i] labels route i (e.g. "GET /api/v1/meta"). */
void metrics_render(const struct metrics *m, struct buf *out, const char *const *names);

#endif

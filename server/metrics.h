/*
 * metrics.h - request counters for GET /metrics (Prometheus text format):
 * requests by route and status, a latency histogram per route, bytes sent.
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

/* Count one finished request; route is its index, or -1 when none matched. */
void metrics_observe(struct metrics *m, int route, unsigned status, double ms, size_t bytes);

/* Append the counters; names[i] labels route i (e.g. "GET /api/v1/meta"). */
void metrics_render(const struct metrics *m, struct buf *out, const char *const *names);

#endif

/*
 * metrics.c - see metrics.h.  Statuses are counted in a fixed table of the
 * codes the daemon sends (anything else lands in "other"), so counters are
 * a plain array indexed by route x status; aborted responses likewise by
 * route x reason.
 */
#include "metrics.h"
#include "buf.h"

#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>

static const unsigned statuses[] = { 200, 304, 400, 401, 403, 404, 405, 406, 411, 413,
				     414, 415, 422, 431, 500, 503, 0 /* other */ };
#define NSTATUS (sizeof(statuses) / sizeof(statuses[0]))
static const double bounds_ms[] = { 0.5, 1, 2.5, 5, 10, 25, 50, 100, 250, 500, 1000, 5000 };
#define NBOUNDS (sizeof(bounds_ms) / sizeof(bounds_ms[0]))

static const char *const end_names[METRICS_NEND] = { "", "client", "timeout", "shutdown",
						     "error" };

struct route_counters {
	atomic_uint_fast64_t by_status[NSTATUS];
	atomic_uint_fast64_t aborted[METRICS_NEND];   /* [0]: unused */
	atomic_uint_fast64_t buckets[NBOUNDS + 1];   /* last = +Inf */
	atomic_uint_fast64_t sum_us;
	atomic_uint_fast64_t bytes;
};

struct metrics {
	size_t nroutes;
	struct route_counters r[];
};

struct metrics *metrics_new(size_t nroutes)
{
	struct metrics *m = calloc(1, sizeof(*m) + (nroutes + 1) * sizeof(struct route_counters));
	if (m)
		m->nroutes = nroutes;
	return m;
}

void metrics_free(struct metrics *m)
{
	free(m);
}

const char *metrics_end_name(enum metrics_end end)
{
	return end < METRICS_NEND ? end_names[end] : "error";
}

void metrics_observe(struct metrics *m, int route, unsigned status, enum metrics_end end,
		     double ms, size_t bytes)
{
	size_t i = route < 0 || (size_t)route >= m->nroutes ? m->nroutes : (size_t)route;
	struct route_counters *c = &m->r[i];
	if (end != METRICS_COMPLETED) {
		atomic_fetch_add_explicit(&c->aborted[end < METRICS_NEND ? end : METRICS_ABORT_ERROR],
					  1, memory_order_relaxed);
	} else {
		size_t s = 0;
		while (statuses[s] && statuses[s] != status)
			s++;
		atomic_fetch_add_explicit(&c->by_status[s], 1, memory_order_relaxed);
	}
	size_t b = 0;
	while (b < NBOUNDS && ms > bounds_ms[b])
		b++;
	atomic_fetch_add_explicit(&c->buckets[b], 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&c->sum_us, (uint_fast64_t)(ms * 1000), memory_order_relaxed);
	atomic_fetch_add_explicit(&c->bytes, bytes, memory_order_relaxed);
}

static const char *label(const char *const *names, size_t i, size_t n)
{
	return i < n ? names[i] : "unmatched";
}

void metrics_render(const struct metrics *m, struct buf *out, const char *const *names)
{
	buf_addstr(out, "# HELP leadtime_http_requests_total HTTP requests by route and status.\n"
			"# TYPE leadtime_http_requests_total counter\n");
	for (size_t i = 0; i <= m->nroutes; i++)
		for (size_t s = 0; s < NSTATUS; s++) {
			uint_fast64_t v = atomic_load_explicit(&m->r[i].by_status[s], memory_order_relaxed);
			if (!v)
				continue;
			if (statuses[s])
				buf_addf(out, "leadtime_http_requests_total{route=\"%s\",status=\"%u\"} %llu\n",
					 label(names, i, m->nroutes), statuses[s], (unsigned long long)v);
			else
				buf_addf(out, "leadtime_http_requests_total{route=\"%s\",status=\"other\"} %llu\n",
					 label(names, i, m->nroutes), (unsigned long long)v);
		}
	for (size_t i = 0; i <= m->nroutes; i++) {
		uint_fast64_t v = 0;
		for (size_t e = 1; e < METRICS_NEND; e++)
			v += atomic_load_explicit(&m->r[i].aborted[e], memory_order_relaxed);
		if (v)
			buf_addf(out, "leadtime_http_requests_total{route=\"%s\",status=\"aborted\"} %llu\n",
				 label(names, i, m->nroutes), (unsigned long long)v);
	}
	buf_addstr(out, "# HELP leadtime_http_aborted_total Responses cut before their end, by route and reason.\n"
			"# TYPE leadtime_http_aborted_total counter\n");
	for (size_t i = 0; i <= m->nroutes; i++)
		for (size_t e = 1; e < METRICS_NEND; e++) {
			uint_fast64_t v = atomic_load_explicit(&m->r[i].aborted[e], memory_order_relaxed);
			if (v)
				buf_addf(out, "leadtime_http_aborted_total{route=\"%s\",reason=\"%s\"} %llu\n",
					 label(names, i, m->nroutes), end_names[e], (unsigned long long)v);
		}
	buf_addstr(out, "# HELP leadtime_http_request_duration_seconds Time to answer, by route.\n"
			"# TYPE leadtime_http_request_duration_seconds histogram\n");
	for (size_t i = 0; i <= m->nroutes; i++) {
		const struct route_counters *c = &m->r[i];
		uint_fast64_t cum = 0;
		for (size_t b = 0; b <= NBOUNDS; b++)
			cum += atomic_load_explicit(&c->buckets[b], memory_order_relaxed);
		if (!cum)
			continue;
		const char *name = label(names, i, m->nroutes);
		cum = 0;
		for (size_t b = 0; b <= NBOUNDS; b++) {
			cum += atomic_load_explicit(&c->buckets[b], memory_order_relaxed);
			if (b < NBOUNDS)
				buf_addf(out, "leadtime_http_request_duration_seconds_bucket{route=\"%s\",le=\"%g\"} %llu\n",
					 name, bounds_ms[b] / 1000, (unsigned long long)cum);
			else
				buf_addf(out, "leadtime_http_request_duration_seconds_bucket{route=\"%s\",le=\"+Inf\"} %llu\n",
					 name, (unsigned long long)cum);
		}
		buf_addf(out, "leadtime_http_request_duration_seconds_sum{route=\"%s\"} %.6f\n", name,
			 (double)atomic_load_explicit(&c->sum_us, memory_order_relaxed) / 1e6);
		buf_addf(out, "leadtime_http_request_duration_seconds_count{route=\"%s\"} %llu\n", name,
			 (unsigned long long)cum);
	}
	buf_addstr(out, "# HELP leadtime_http_response_bytes_total Body bytes sent, by route.\n"
			"# TYPE leadtime_http_response_bytes_total counter\n");
	for (size_t i = 0; i <= m->nroutes; i++) {
		uint_fast64_t v = atomic_load_explicit(&m->r[i].bytes, memory_order_relaxed);
		if (v)
			buf_addf(out, "leadtime_http_response_bytes_total{route=\"%s\"} %llu\n",
				 label(names, i, m->nroutes), (unsigned long long)v);
	}
}

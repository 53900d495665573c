/*
 * rcache.h - cache of finished HTTP responses, keyed by a canonical request
 * key (route, effective parameters, as_of), valid for one data version.
 *
 * Entries are libmicrohttpd response objects: MHD reference-counts them, so
 * one cached response can be queued on many connections at once and is
 * destroyed only when evicted and no longer being sent.  Thread-safe.
 */
#ifndef LEADTIME_RCACHE_H
#define LEADTIME_RCACHE_H

#include <stddef.h>
#include <stdint.h>

struct MHD_Response;
struct rcache;

/* A cache holding at most max_bytes of bodies.  NULL on OOM. */
struct rcache *rcache_new(size_t max_bytes);
void rcache_free(struct rcache *c);

struct MHD_Connection;

/*
 * Queue the response cached under key for data version `version` on conn,
 * with status 200.  The queueing happens under the cache lock, so an
 * eviction cannot free the response in between.  A newer version empties
 * the cache first.  Returns 1 when queued (*ok = MHD's answer, *size = the
 * body size), 0 on a miss.
 */
int rcache_queue(struct rcache *c, const char *key, int64_t version, struct MHD_Connection *conn,
		 int *ok, size_t *size);

/* Store resp (body of `size` bytes) under key; the cache takes over the
 * caller's reference (the caller must not destroy it afterwards). */
void rcache_put(struct rcache *c, const char *key, int64_t version, struct MHD_Response *resp,
		size_t size);

/* Counters for /metrics. */
void rcache_stats(struct rcache *c, uint64_t *hits, uint64_t *misses, size_t *bytes);

#endif

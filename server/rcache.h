/*
 * rcache.h - cache of finished HTTP responses, keyed by a canonical request
 * key (route, effective parameters, as_of), valid for one version.
 *
 * An entry holds the body once (a reference-counted buffer) and up to two
 * libmicrohttpd responses over it: plain, and gzip-compressed, which is
 * made the first time a client that accepts gzip asks (so a body is
 * compressed at most once).  MHD reference-counts responses, so one cached
 * response can be queued on many connections at once and is destroyed only
 * when evicted and no longer being sent.  Thread-safe.
 */
#ifndef LEADTIME_RCACHE_H
#define LEADTIME_RCACHE_H

#include <stddef.h>
#include <stdint.h>

struct MHD_Connection;
struct MHD_Response;
struct rcache;

/* A response body shared by the cache and the responses sending it. */
struct rcache_body {
	unsigned refs;           /* atomic */
	char *data;              /* malloc'd */
	size_t len;
	const char *type;        /* Content-Type (a string that lives forever) */
	char *filename;          /* for Content-Disposition, or NULL */
};

/* A body owning data (malloc'd, taken over) of content type `type` (not
 * copied: a literal), offered as `filename` (copied) when not NULL; one
 * reference. */
struct rcache_body *rcache_body_new(char *data, size_t len, const char *type,
				    const char *filename);
struct rcache_body *rcache_body_ref(struct rcache_body *b);
void rcache_body_put(struct rcache_body *b);
/* A response sending b (it takes a reference of its own); NULL on OOM. */
struct MHD_Response *rcache_body_response(struct rcache_body *b);

/* A cache holding at most max_bytes of bodies.  NULL on OOM. */
struct rcache *rcache_new(size_t max_bytes);
void rcache_free(struct rcache *c);

enum rcache_hit {
	RCACHE_MISS,
	RCACHE_QUEUED,           /* the response was queued: *ok, *size set */
	RCACHE_NEEDS_GZIP,       /* cached plain only: *body set (a reference);
				  * compress it, then rcache_add_gzip() */
};

/*
 * Queue the response cached under key for `version` on conn with status
 * 200: the gzip one when `gzip` (the client accepts it).  Queueing happens
 * under the cache lock, so an eviction cannot free the response in
 * between.  A newer version empties the cache first.
 */
enum rcache_hit rcache_queue(struct rcache *c, const char *key, int64_t version,
			     struct MHD_Connection *conn, int gzip, int *ok, size_t *size,
			     struct rcache_body **body);

/*
 * Store a response under key: body (a reference taken over), plain (the
 * caller's reference taken over) and, when not NULL, its gzip response gz
 * of gzsize bytes (same).  With gzip_ok 0 the plain response is served to
 * every client (a body that does not compress: an .xlsx is a zip).  Nothing is stored (and the references are
 * dropped) when the key is there already or the version is stale.
 */
void rcache_put(struct rcache *c, const char *key, int64_t version, struct rcache_body *body,
		struct MHD_Response *plain, struct MHD_Response *gz, size_t gzsize, int gzip_ok);
/* Attach the gzip response of an entry found with RCACHE_NEEDS_GZIP
 * (reference taken over; dropped when the entry is gone or has one). */
void rcache_add_gzip(struct rcache *c, const char *key, int64_t version, struct MHD_Response *gz,
		     size_t gzsize);

/* Counters for /metrics. */
void rcache_stats(struct rcache *c, uint64_t *hits, uint64_t *misses, size_t *bytes);

#endif

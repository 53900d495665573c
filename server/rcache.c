/*
 * rcache.c - see rcache.h.  A chained hash table under one mutex; when a
 * put would pass the byte budget the oldest entries go first (a FIFO list,
 * which for a dashboard's handful of hot views behaves like LRU at a
 * fraction of the bookkeeping).  An entry's size counts both bodies.
 */
#include "rcache.h"

#include <microhttpd.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

/* ---- bodies ---- */

struct rcache_body *rcache_body_new(char *data, size_t len, const char *type,
				    const char *filename)
{
	struct rcache_body *b = malloc(sizeof(*b));
	if (!b)
		abort();
	b->refs = 1;
	b->data = data;
	b->len = len;
	b->type = type;
	b->filename = filename ? strdup(filename) : NULL;
	if (filename && !b->filename)
		abort();
	return b;
}

struct rcache_body *rcache_body_ref(struct rcache_body *b)
{
	__atomic_fetch_add(&b->refs, 1, __ATOMIC_RELAXED);
	return b;
}

void rcache_body_put(struct rcache_body *b)
{
	if (b && __atomic_fetch_sub(&b->refs, 1, __ATOMIC_ACQ_REL) == 1) {
		free(b->data);
		free(b->filename);
		free(b);
	}
}

static void body_release(void *cls)
{
	rcache_body_put(cls);
}

struct MHD_Response *rcache_body_response(struct rcache_body *b)
{
	struct MHD_Response *r = MHD_create_response_from_buffer_with_free_callback_cls(
		b->len, b->data, body_release, rcache_body_ref(b));
	if (!r)
		rcache_body_put(b);
	return r;
}

#define NBUCKETS 1024

struct entry {
	struct entry *next;       /* hash chain */
	struct entry *older, *newer;
	uint64_t hash;
	char *key;
	struct rcache_body *body;
	struct MHD_Response *resp, *gz;   /* gz: NULL until asked for */
	size_t size, gzsize;
	int gzip_ok;                      /* 0: plain for everyone */
};

struct rcache {
	pthread_mutex_t lock;
	struct entry *buckets[NBUCKETS];
	struct entry *oldest, *newest;
	int64_t version;
	size_t bytes, max_bytes;
	uint64_t hits, misses;
};

static uint64_t hash(const char *s)
{
	uint64_t h = 1469598103934665603ULL;
	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 1099511628211ULL;
	}
	return h;
}

struct rcache *rcache_new(size_t max_bytes)
{
	struct rcache *c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	pthread_mutex_init(&c->lock, NULL);
	c->max_bytes = max_bytes;
	c->version = -1;
	return c;
}

static void unlink_entry(struct rcache *c, struct entry *e)
{
	struct entry **p = &c->buckets[e->hash % NBUCKETS];
	while (*p != e)
		p = &(*p)->next;
	*p = e->next;
	if (e->older)
		e->older->newer = e->newer;
	else
		c->oldest = e->newer;
	if (e->newer)
		e->newer->older = e->older;
	else
		c->newest = e->older;
	c->bytes -= e->size + e->gzsize;
	MHD_destroy_response(e->resp);
	if (e->gz)
		MHD_destroy_response(e->gz);
	rcache_body_put(e->body);
	free(e->key);
	free(e);
}

static void flush(struct rcache *c)
{
	while (c->oldest)
		unlink_entry(c, c->oldest);
}

void rcache_free(struct rcache *c)
{
	if (!c)
		return;
	flush(c);
	pthread_mutex_destroy(&c->lock);
	free(c);
}

static struct entry *find(struct rcache *c, const char *key, uint64_t h)
{
	for (struct entry *e = c->buckets[h % NBUCKETS]; e; e = e->next)
		if (e->hash == h && strcmp(e->key, key) == 0)
			return e;
	return NULL;
}

enum rcache_hit rcache_queue(struct rcache *c, const char *key, int64_t version,
			     struct MHD_Connection *conn, int gzip, int *ok, size_t *size,
			     struct rcache_body **body)
{
	uint64_t h = hash(key);
	enum rcache_hit hit = RCACHE_MISS;
	pthread_mutex_lock(&c->lock);
	if (version > c->version) {
		flush(c);
		c->version = version;
	}
	struct entry *e = version == c->version ? find(c, key, h) : NULL;
	if (e && !e->gzip_ok)
		gzip = 0;
	if (e && gzip && !e->gz) {
		*body = rcache_body_ref(e->body);
		hit = RCACHE_NEEDS_GZIP;
	} else if (e) {
		struct MHD_Response *r = gzip ? e->gz : e->resp;
		*ok = MHD_queue_response(conn, MHD_HTTP_OK, r) == MHD_YES;
		*size = gzip ? e->gzsize : e->size;
		hit = RCACHE_QUEUED;
	}
	if (hit == RCACHE_MISS)
		c->misses++;
	else
		c->hits++;
	pthread_mutex_unlock(&c->lock);
	return hit;
}

static void destroy(struct MHD_Response *r)
{
	if (r)
		MHD_destroy_response(r);
}

void rcache_put(struct rcache *c, const char *key, int64_t version, struct rcache_body *body,
		struct MHD_Response *plain, struct MHD_Response *gz, size_t gzsize, int gzip_ok)
{
	uint64_t h = hash(key);
	size_t size = body->len;
	pthread_mutex_lock(&c->lock);
	if (version != c->version || size + gzsize > c->max_bytes / 4 || find(c, key, h)) {
		pthread_mutex_unlock(&c->lock);
		destroy(plain);
		destroy(gz);
		rcache_body_put(body);
		return;
	}
	while (c->oldest && c->bytes + size + gzsize > c->max_bytes)
		unlink_entry(c, c->oldest);
	struct entry *e = calloc(1, sizeof(*e));
	char *k = strdup(key);
	if (!e || !k)
		abort();
	e->hash = h;
	e->key = k;
	e->body = body;
	e->resp = plain;
	e->gz = gz;
	e->size = size;
	e->gzsize = gz ? gzsize : 0;
	e->gzip_ok = gzip_ok;
	e->next = c->buckets[h % NBUCKETS];
	c->buckets[h % NBUCKETS] = e;
	e->older = c->newest;
	if (c->newest)
		c->newest->newer = e;
	else
		c->oldest = e;
	c->newest = e;
	c->bytes += e->size + e->gzsize;
	pthread_mutex_unlock(&c->lock);
}

void rcache_add_gzip(struct rcache *c, const char *key, int64_t version, struct MHD_Response *gz,
		     size_t gzsize)
{
	uint64_t h = hash(key);
	pthread_mutex_lock(&c->lock);
	struct entry *e = version == c->version ? find(c, key, h) : NULL;
	if (e && !e->gz) {
		e->gz = gz;
		e->gzsize = gzsize;
		c->bytes += gzsize;
		gz = NULL;
	}
	pthread_mutex_unlock(&c->lock);
	destroy(gz);
}

void rcache_stats(struct rcache *c, uint64_t *hits, uint64_t *misses, size_t *bytes)
{
	pthread_mutex_lock(&c->lock);
	*hits = c->hits;
	*misses = c->misses;
	*bytes = c->bytes;
	pthread_mutex_unlock(&c->lock);
}

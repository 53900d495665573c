/*
 * rcache.c - see rcache.h.  A chained hash table under one mutex; when a
 * put would pass the byte budget the oldest entries go first (a FIFO list,
 * which for a dashboard's handful of hot views behaves like LRU at a
 * fraction of the bookkeeping).
 */
#include "rcache.h"

#include <microhttpd.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define NBUCKETS 1024

struct entry {
	struct entry *next;       /* hash chain */
	struct entry *older, *newer;
	uint64_t hash;
	char *key;
	struct MHD_Response *resp;
	size_t size;
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
	c->bytes -= e->size;
	MHD_destroy_response(e->resp);
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

int rcache_queue(struct rcache *c, const char *key, int64_t version, struct MHD_Connection *conn,
		 int *ok, size_t *size)
{
	uint64_t h = hash(key);
	int found = 0;
	pthread_mutex_lock(&c->lock);
	if (version > c->version) {
		flush(c);
		c->version = version;
	}
	struct entry *e = version == c->version ? find(c, key, h) : NULL;
	if (e) {
		*ok = MHD_queue_response(conn, MHD_HTTP_OK, e->resp) == MHD_YES;
		*size = e->size;
		found = 1;
		c->hits++;
	} else {
		c->misses++;
	}
	pthread_mutex_unlock(&c->lock);
	return found;
}

void rcache_put(struct rcache *c, const char *key, int64_t version, struct MHD_Response *resp,
		size_t size)
{
	uint64_t h = hash(key);
	pthread_mutex_lock(&c->lock);
	if (version != c->version || size > c->max_bytes / 4 || find(c, key, h)) {
		pthread_mutex_unlock(&c->lock);
		MHD_destroy_response(resp);
		return;
	}
	while (c->oldest && c->bytes + size > c->max_bytes)
		unlink_entry(c, c->oldest);
	struct entry *e = calloc(1, sizeof(*e));
	char *k = strdup(key);
	if (!e || !k)
		abort();
	e->hash = h;
	e->key = k;
	e->resp = resp;
	e->size = size;
	e->next = c->buckets[h % NBUCKETS];
	c->buckets[h % NBUCKETS] = e;
	e->older = c->newest;
	if (c->newest)
		c->newest->newer = e;
	else
		c->oldest = e;
	c->newest = e;
	c->bytes += size;
	pthread_mutex_unlock(&c->lock);
}

void rcache_stats(struct rcache *c, uint64_t *hits, uint64_t *misses, size_t *bytes)
{
	pthread_mutex_lock(&c->lock);
	*hits = c->hits;
	*misses = c->misses;
	*bytes = c->bytes;
	pthread_mutex_unlock(&c->lock);
}

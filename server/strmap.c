/*
 * strmap.c - see strmap.h.  Keys live in 64 KiB chunks so a million keys cost
 * a few hundred allocations, not a million.
 */
#include "strmap.h"

#include <stdlib.h>
#include <string.h>

struct strmap_slot {
	const char *key;
	size_t len;
	uint64_t hash;
	int64_t value;
};

struct strmap_chunk {
	struct strmap_chunk *next;
	size_t used, cap;
	char data[];
};

static uint64_t hash(const char *s, size_t n)
{
	uint64_t h = 1469598103934665603ULL;
	for (size_t i = 0; i < n; i++) {
		h ^= (unsigned char)s[i];
		h *= 1099511628211ULL;
	}
	return h;
}

void strmap_init(struct strmap *m)
{
	memset(m, 0, sizeof(*m));
}

void strmap_release(struct strmap *m)
{
	struct strmap_chunk *c = m->chunks;
	while (c) {
		struct strmap_chunk *next = c->next;
		free(c);
		c = next;
	}
	free(m->slots);
	strmap_init(m);
}

static struct strmap_slot *find(const struct strmap *m, const char *key, size_t n, uint64_t h)
{
	size_t mask = m->cap - 1;
	for (size_t i = h & mask;; i = (i + 1) & mask) {
		struct strmap_slot *s = &m->slots[i];
		if (!s->key || (s->hash == h && s->len == n && memcmp(s->key, key, n) == 0))
			return s;
	}
}

int64_t *strmap_get(const struct strmap *m, const char *key, size_t n)
{
	if (!m->cap)
		return NULL;
	struct strmap_slot *s = find(m, key, n, hash(key, n));
	return s->key ? &s->value : NULL;
}

static void grow(struct strmap *m)
{
	size_t cap = m->cap ? m->cap * 2 : 1024;
	struct strmap_slot *old = m->slots;
	size_t oldcap = m->cap;
	m->slots = calloc(cap, sizeof(*m->slots));
	if (!m->slots)
		abort();
	m->cap = cap;
	for (size_t i = 0; i < oldcap; i++)
		if (old[i].key)
			*find(m, old[i].key, old[i].len, old[i].hash) = old[i];
	free(old);
}

static const char *copy_key(struct strmap *m, const char *key, size_t n)
{
	struct strmap_chunk *c = m->chunks;
	if (!c || c->used + n + 1 > c->cap) {
		size_t cap = n + 1 > 65536 ? n + 1 : 65536;
		c = malloc(sizeof(*c) + cap);
		if (!c)
			abort();
		c->next = m->chunks;
		c->used = 0;
		c->cap = cap;
		m->chunks = c;
	}
	char *p = c->data + c->used;
	memcpy(p, key, n);
	p[n] = '\0';
	c->used += n + 1;
	return p;
}

int strmap_put(struct strmap *m, const char *key, size_t n, int64_t value)
{
	if ((m->len + 1) * 4 > m->cap * 3)
		grow(m);
	uint64_t h = hash(key, n);
	struct strmap_slot *s = find(m, key, n, h);
	if (s->key) {
		s->value = value;
		return 0;
	}
	s->key = copy_key(m, key, n);
	s->len = n;
	s->hash = h;
	s->value = value;
	m->len++;
	return 1;
}

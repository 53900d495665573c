/*
 * arena.c - see arena.h.  Chunks of at least 1 MiB, newest first.
 */
#include "arena.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#define CHUNK_MIN ((size_t)1 << 20)

struct achunk {
	struct achunk *next;
	size_t used, cap;
	char data[];
};

struct arena {
	atomic_uint refs;
	struct achunk *head;
	size_t bytes;
};

struct arena *arena_new(void)
{
	struct arena *a = calloc(1, sizeof(*a));
	if (!a)
		abort();
	atomic_init(&a->refs, 1);
	return a;
}

struct arena *arena_ref(struct arena *a)
{
	if (a)
		atomic_fetch_add_explicit(&a->refs, 1, memory_order_relaxed);
	return a;
}

void arena_put(struct arena *a)
{
	if (!a || atomic_fetch_sub_explicit(&a->refs, 1, memory_order_acq_rel) != 1)
		return;
	for (struct achunk *c = a->head, *next; c; c = next) {
		next = c->next;
		free(c);
	}
	free(a);
}

const char *arena_strndup(struct arena *a, const char *p, size_t n)
{
	struct achunk *c = a->head;
	if (!c || c->cap - c->used < n + 1) {
		size_t cap = n + 1 > CHUNK_MIN ? n + 1 : CHUNK_MIN;
		c = malloc(sizeof(*c) + cap);
		if (!c)
			abort();
		c->next = a->head;
		c->used = 0;
		c->cap = cap;
		a->head = c;
		a->bytes += cap;
	}
	char *dst = c->data + c->used;
	memcpy(dst, p, n);
	dst[n] = '\0';
	c->used += n + 1;
	return dst;
}

size_t arena_bytes(const struct arena *a)
{
	return a->bytes;
}

/*
 * corder.c - creators in name order; see corder.h.
 */
#include "corder.h"
#include "xalloc.h"

#include <stdlib.h>
#include <string.h>

static void chunk_put(struct corder_chunk *c)
{
	if (c && atomic_fetch_sub_explicit(&c->refs, 1, memory_order_acq_rel) == 1)
		free(c);
}

struct corder *corder_new(void)
{
	struct corder *o = xmalloc(sizeof(*o));
	atomic_init(&o->refs, 1);
	o->n = o->nchunks = o->cap = 0;
	o->c = NULL;
	return o;
}

struct corder *corder_ref(struct corder *o)
{
	if (o)
		atomic_fetch_add_explicit(&o->refs, 1, memory_order_relaxed);
	return o;
}

void corder_put(struct corder *o)
{
	if (!o || atomic_fetch_sub_explicit(&o->refs, 1, memory_order_acq_rel) != 1)
		return;
	for (size_t i = 0; i < o->nchunks; i++)
		chunk_put(o->c[i]);
	free(o->c);
	free(o);
}

static struct corder *own(struct corder **op)
{
	struct corder *o = *op;
	if (atomic_load_explicit(&o->refs, memory_order_acquire) == 1)
		return o;
	struct corder *c = xmalloc(sizeof(*c));
	atomic_init(&c->refs, 1);
	c->n = o->n;
	c->nchunks = c->cap = o->nchunks;
	c->c = xmalloc((c->cap ? c->cap : 1) * sizeof(*c->c));
	for (size_t i = 0; i < o->nchunks; i++) {
		c->c[i] = o->c[i];
		atomic_fetch_add_explicit(&c->c[i]->refs, 1, memory_order_relaxed);
	}
	corder_put(o);
	*op = c;
	return c;
}

static struct corder_chunk *own_chunk(struct corder *o, size_t i)
{
	struct corder_chunk *c = o->c[i];
	if (atomic_load_explicit(&c->refs, memory_order_acquire) == 1)
		return c;
	struct corder_chunk *copy = xmalloc(sizeof(*copy));
	atomic_init(&copy->refs, 1);
	copy->n = c->n;
	memcpy(copy->e, c->e, c->n * sizeof(*c->e));
	chunk_put(c);
	return o->c[i] = copy;
}

static struct corder_chunk *chunk_new(void)
{
	struct corder_chunk *c = xmalloc(sizeof(*c));
	atomic_init(&c->refs, 1);
	c->n = 0;
	return c;
}

/* Insert chunk table slot i (NULL) into o. */
static void table_insert(struct corder *o, size_t i)
{
	if (o->nchunks == o->cap) {
		o->cap = o->cap ? o->cap * 2 : 16;
		o->c = realloc(o->c, o->cap * sizeof(*o->c));
		if (!o->c)
			abort();
	}
	memmove(o->c + i + 1, o->c + i, (o->nchunks - i) * sizeof(*o->c));
	o->c[i] = NULL;
	o->nchunks++;
}

/* Chunks fill to 3/4 when built in order, leaving room for inserts. */
void corder_append(struct corder **op, const struct corder_ent *e)
{
	struct corder *o = own(op);
	if (!o->nchunks || o->c[o->nchunks - 1]->n >= CORDER_MAX * 3 / 4) {
		table_insert(o, o->nchunks);
		o->c[o->nchunks - 1] = chunk_new();
	}
	struct corder_chunk *c = own_chunk(o, o->nchunks - 1);
	c->e[c->n++] = *e;
	o->n++;
}

/* The chunk that holds or would hold name: the last one whose first name
 * is <= name (0 when name sorts first). */
static size_t chunk_of(const struct corder *o, const char *name)
{
	size_t lo = 0, hi = o->nchunks;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (strcmp(o->c[mid]->e[0].name, name) <= 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo ? lo - 1 : 0;
}

/* Position of name in chunk c: the first entry >= name. */
static uint32_t pos_of(const struct corder_chunk *c, const char *name, int *found)
{
	uint32_t lo = 0, hi = c->n;
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		if (strcmp(c->e[mid].name, name) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	*found = lo < c->n && strcmp(c->e[lo].name, name) == 0;
	return lo;
}

void corder_insert(struct corder **op, const struct corder_ent *e)
{
	struct corder *o = own(op);
	if (!o->nchunks) {
		corder_append(op, e);
		return;
	}
	size_t i = chunk_of(o, e->name);
	struct corder_chunk *c = own_chunk(o, i);
	if (c->n == CORDER_MAX) {
		/* split in halves: the upper half moves to a new chunk */
		table_insert(o, i + 1);
		struct corder_chunk *hi = chunk_new();
		hi->n = CORDER_MAX / 2;
		memcpy(hi->e, c->e + CORDER_MAX / 2, hi->n * sizeof(*hi->e));
		c->n = CORDER_MAX / 2;
		o->c[i + 1] = hi;
		if (strcmp(e->name, hi->e[0].name) >= 0)
			c = hi;
	}
	int found;
	uint32_t p = pos_of(c, e->name, &found);
	memmove(c->e + p + 1, c->e + p, (c->n - p) * sizeof(*c->e));
	c->e[p] = *e;
	c->n++;
	o->n++;
}

const struct corder_ent *corder_find(const struct corder *o, const char *name)
{
	if (!o->nchunks)
		return NULL;
	const struct corder_chunk *c = o->c[chunk_of(o, name)];
	int found;
	uint32_t p = pos_of(c, name, &found);
	return found ? &c->e[p] : NULL;
}

struct corder_ent *corder_mut(struct corder **op, const char *name)
{
	struct corder *o = own(op);
	size_t i = chunk_of(o, name);
	struct corder_chunk *c = own_chunk(o, i);
	int found;
	uint32_t p = pos_of(c, name, &found);
	if (!found)
		abort(); /* the caller inserted it: a bug upstream */
	return &c->e[p];
}

/*
 * pvec.c - persistent chunked vectors; see pvec.h.
 */
#include "pvec.h"
#include "xalloc.h"

#include <stdlib.h>
#include <string.h>

struct pvec *pvec_new(size_t elem)
{
	struct pvec *v = xmalloc(sizeof(*v));
	atomic_init(&v->refs, 1);
	v->elem = (uint32_t)elem;
	v->n = v->nchunks = v->cap = 0;
	v->chunks = NULL;
	return v;
}

struct pvec *pvec_ref(struct pvec *v)
{
	if (v)
		atomic_fetch_add_explicit(&v->refs, 1, memory_order_relaxed);
	return v;
}

static void chunk_put(struct pvec_chunk *c)
{
	if (c && atomic_fetch_sub_explicit(&c->refs, 1, memory_order_acq_rel) == 1)
		free(c);
}

void pvec_put(struct pvec *v)
{
	if (!v || atomic_fetch_sub_explicit(&v->refs, 1, memory_order_acq_rel) != 1)
		return;
	for (size_t k = 0; k < v->nchunks; k++)
		chunk_put(v->chunks[k]);
	free(v->chunks);
	free(v);
}

/* *vp made private: a copy sharing every chunk when another holds it. */
static struct pvec *own(struct pvec **vp)
{
	struct pvec *v = *vp;
	if (atomic_load_explicit(&v->refs, memory_order_acquire) == 1)
		return v;
	struct pvec *c = xmalloc(sizeof(*c));
	atomic_init(&c->refs, 1);
	c->elem = v->elem;
	c->n = v->n;
	c->nchunks = c->cap = v->nchunks;
	c->chunks = xmalloc((c->cap ? c->cap : 1) * sizeof(*c->chunks));
	for (size_t k = 0; k < v->nchunks; k++) {
		c->chunks[k] = v->chunks[k];
		if (c->chunks[k])
			atomic_fetch_add_explicit(&c->chunks[k]->refs, 1, memory_order_relaxed);
	}
	pvec_put(v);
	*vp = c;
	return c;
}

void *pvec_mut(struct pvec **vp, size_t i)
{
	struct pvec *v = own(vp);
	size_t k = i >> PVEC_SHIFT, bytes = PVEC_CHUNK * v->elem;
	if (k >= v->cap) {
		size_t cap = v->cap ? v->cap : 16;
		while (cap <= k)
			cap *= 2;
		v->chunks = realloc(v->chunks, cap * sizeof(*v->chunks));
		if (!v->chunks)
			abort();
		v->cap = cap;
	}
	while (v->nchunks <= k)
		v->chunks[v->nchunks++] = NULL;
	struct pvec_chunk *c = v->chunks[k];
	if (!c) {
		c = xmalloc(sizeof(*c) + bytes);
		atomic_init(&c->refs, 1);
		memset(c->data, 0, bytes);
		v->chunks[k] = c;
	} else if (atomic_load_explicit(&c->refs, memory_order_acquire) != 1) {
		struct pvec_chunk *copy = xmalloc(sizeof(*copy) + bytes);
		atomic_init(&copy->refs, 1);
		memcpy(copy->data, c->data, bytes);
		chunk_put(c);
		v->chunks[k] = c = copy;
	}
	if (i >= v->n)
		v->n = i + 1;
	return c->data + (i & (PVEC_CHUNK - 1)) * v->elem;
}

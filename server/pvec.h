/*
 * pvec.h - persistent vectors: an array of fixed-size elements stored in
 * chunks of PVEC_CHUNK elements that versions of the analytics state share.
 *
 * A vector and each of its chunks carry a reference count.  Taking a new
 * version costs one increment (pvec_ref()); the first change to it through
 * pvec_mut() copies the vector's chunk table (when another version holds
 * it) and the one chunk written (when another version holds that), so a
 * change to one element copies PVEC_CHUNK elements and the table, never the
 * whole array, and readers of older versions keep seeing theirs intact.
 *
 * Reading (pvec_at(), pvec_chunk()) needs no lock: a version is immutable
 * once published.  Writing is for the one thread building a new version,
 * on a vector nobody else reads yet.  Counts are atomic because versions
 * are released by whichever thread lets go of them last.
 */
#ifndef LEADTIME_PVEC_H
#define LEADTIME_PVEC_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#define PVEC_SHIFT 10
#define PVEC_CHUNK ((size_t)1 << PVEC_SHIFT)

struct pvec_chunk {
	atomic_uint refs;
	/* PVEC_CHUNK elements, zeroed when made; aligned for any element */
	_Alignas(max_align_t) unsigned char data[];
};

struct pvec {
	atomic_uint refs;
	uint32_t elem;          /* element size in bytes */
	size_t n;               /* elements: indexes below n may be read */
	size_t nchunks, cap;    /* chunk table entries in use, allocated */
	struct pvec_chunk **chunks;  /* NULL = a chunk never written (zeros) */
};

/* An empty vector of elem-byte elements (one reference, the caller's). */
struct pvec *pvec_new(size_t elem);
/* Another reference to v (NULL is fine); returns v. */
struct pvec *pvec_ref(struct pvec *v);
/* Drop a reference; the last one frees the vector and the chunks no other
 * vector holds.  NULL is fine. */
void pvec_put(struct pvec *v);

/*
 * The element i of *vp for writing: *vp is replaced by a private copy when
 * another reference holds it (the caller's reference moves to the copy),
 * the chunk is copied when shared, n grows to i + 1 when needed.  The
 * pointer is valid until the next pvec_mut() on the same vector.
 */
void *pvec_mut(struct pvec **vp, size_t i);

/* Element i, or NULL when i >= n or its chunk was never written. */
static inline const void *pvec_at(const struct pvec *v, size_t i)
{
	if (i >= v->n)
		return NULL;
	const struct pvec_chunk *c = v->chunks[i >> PVEC_SHIFT];
	return c ? c->data + (i & (PVEC_CHUNK - 1)) * v->elem : NULL;
}

/* The elements of chunk k (PVEC_CHUNK of them, the last one possibly past
 * n), or NULL when never written.  For sequential scans. */
static inline const void *pvec_chunk(const struct pvec *v, size_t k)
{
	return k < v->nchunks && v->chunks[k] ? v->chunks[k]->data : NULL;
}

#endif

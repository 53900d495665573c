/*
 * xalloc.h - allocation that cannot fail for the in-memory analytics state
 * (snap, roll, pvec, corder, cfacts): out of memory there is not an error
 * a caller could handle (a half-made version is of no use), so it aborts.
 * Zero sizes allocate one byte, so a result is never NULL.
 */
#ifndef LEADTIME_XALLOC_H
#define LEADTIME_XALLOC_H

#include <stdlib.h>

static inline void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (!p)
		abort();
	return p;
}

static inline void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);
	if (!p)
		abort();
	return p;
}

static inline void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p)
		abort();
	return p;
}

#endif

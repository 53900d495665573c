/*
 * arena.h - an append-only store of strings shared by the versions of the
 * analytics state.  Strings never move and are never freed one by one:
 * a version holds the arena (reference count) and so every string it
 * points to.  Only the thread building a new version appends; readers only
 * read strings they already hold pointers to.
 */
#ifndef LEADTIME_ARENA_H
#define LEADTIME_ARENA_H

#include <stddef.h>

struct arena;

/* A new arena (one reference). */
struct arena *arena_new(void);
struct arena *arena_ref(struct arena *a);
/* The last reference frees every string. */
void arena_put(struct arena *a);

/* A NUL-terminated copy of p[0..n-1], valid as long as the arena is. */
const char *arena_strndup(struct arena *a, const char *p, size_t n);

/* Bytes held (for logs). */
size_t arena_bytes(const struct arena *a);

#endif

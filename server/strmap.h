/*
 * strmap.h - string -> int64 hash map (open addressing, FNV-1a).
 * Keys are copied into the map's own arena; nothing is freed until
 * strmap_release().  Used for the name caches and duplicate checks of import.
 */
#ifndef LEADTIME_STRMAP_H
#define LEADTIME_STRMAP_H

#include <stddef.h>
#include <stdint.h>

struct strmap_slot;
struct strmap_chunk;

struct strmap {
	struct strmap_slot *slots;
	size_t cap;       /* power of two */
	size_t len;
	struct strmap_chunk *chunks;
};

void strmap_init(struct strmap *m);
void strmap_release(struct strmap *m);
/* The value of key, or NULL when absent (pointer valid until the next put). */
int64_t *strmap_get(const struct strmap *m, const char *key, size_t n);
/* Set key's value; returns 1 when the key was new, 0 when replaced. */
int strmap_put(struct strmap *m, const char *key, size_t n, int64_t value);

#endif

/*
 * corder.h - the creators in byte order of name, persistent: creator
 * search walks them in order, the timeline finds one by name.
 *
 * Entries live in chunks of at most CORDER_MAX, the chunk table sorted by
 * the chunks' first names; inserting or changing one entry copies its
 * chunk and the table when another version holds them (reference counts,
 * as pvec.h).  Names are not owned: they point into the snapshot's string
 * arena, which outlives every version holding them.
 */
#ifndef LEADTIME_CORDER_H
#define LEADTIME_CORDER_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#define CORDER_MAX 512

struct corder_ent {
	const char *name;
	uint32_t id;            /* creators.id */
	int32_t first_opened;   /* earliest opened_on of its tickets;
				 * INT32_MAX when it has none */
};

struct corder_chunk {
	atomic_uint refs;
	uint32_t n;
	struct corder_ent e[CORDER_MAX];
};

struct corder {
	atomic_uint refs;
	size_t n;               /* entries */
	size_t nchunks, cap;
	struct corder_chunk **c;
};

struct corder *corder_new(void);
struct corder *corder_ref(struct corder *o);
void corder_put(struct corder *o);

/* Append an entry greater than every entry held (building in order). */
void corder_append(struct corder **op, const struct corder_ent *e);
/* Insert an entry whose name is not held yet. */
void corder_insert(struct corder **op, const struct corder_ent *e);
/* The entry named `name`, or NULL. */
const struct corder_ent *corder_find(const struct corder *o, const char *name);
/* The entry named `name` for writing (it must be held). */
struct corder_ent *corder_mut(struct corder **op, const char *name);

#endif

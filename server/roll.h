/*
 * roll.h - daily rollups: for each group (an employee, a department, a
 * stage ...) and each day, the counts the aggregates of SPEC §3 are sums
 * of, and the histogram of the values dated that day.
 *
 * For ticket groups a day's cell holds `opened` (tickets opened that day:
 * Σ initiated_contact) and `closed` (tickets closed that day: Σ
 * ticket_closed), and the histogram holds their days to close.  Σ is_open
 * on day d is then Σ (opened − closed) over the days up to d: a ticket is
 * open from its opening day up to the day before it closes.  Nothing here
 * depends on as_of: a close after as_of lies on a day no query reads (every
 * query range ends at or before as_of).  For value groups (end-to-end,
 * stage times, waits) only the histogram is used, `closed` being its total.
 *
 * Storage.  A group is a series: its non-empty chunks of ROLL_DAYS days,
 * sorted by first day.  A chunk packs its days' histogram entries (value,
 * count), day by day, values ascending, no zero count, so the same data
 * always has the same representation, whichever way it was built.  Series,
 * chunks and the group table are reference counted and copied on write
 * like pvec.h: a change to one ticket copies the few chunks it touches.
 */
#ifndef LEADTIME_ROLL_H
#define LEADTIME_ROLL_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#define ROLL_SHIFT 5
#define ROLL_DAYS (1 << ROLL_SHIFT)

struct roll_cell {
	int32_t opened, closed;
	uint32_t hoff, hlen;     /* the day's entries: h[hoff, hoff + hlen) */
};

struct roll_hent {
	int32_t value;
	uint32_t count;
};

struct roll_chunk {
	atomic_uint refs;
	int32_t base;            /* first day, a multiple of ROLL_DAYS */
	int64_t net;             /* Σ (opened − closed) over the chunk */
	int32_t vmin, vmax;      /* bounds of the values in h (vmin > vmax: none);
				  * may be wider than the values present */
	uint32_t nent, cap;
	struct roll_hent *h;
	struct roll_cell cell[ROLL_DAYS];
};

struct roll_series {
	atomic_uint refs;
	uint32_t n, cap;
	struct roll_chunk **c;   /* by base, ascending */
};

struct roll {
	atomic_uint refs;
	uint32_t n;              /* groups: ids 0 .. n-1 */
	struct roll_series **g;  /* NULL = no data */
};

/* The first day of the chunk holding day. */
static inline int32_t roll_base(int32_t day)
{
	return (int32_t)((uint32_t)day & ~(uint32_t)(ROLL_DAYS - 1));
}

/* An empty rollup (one reference). */
struct roll *roll_new(void);
struct roll *roll_ref(struct roll *r);
void roll_put(struct roll *r);

/* The series of group g, or NULL. */
static inline const struct roll_series *roll_group(const struct roll *r, uint32_t g)
{
	return g < r->n ? r->g[g] : NULL;
}

/* ---- changes (on a rollup the caller is building: see pvec.h) ---- */

/* Make room for groups 0 .. n-1 (and *rp private). */
void roll_reserve(struct roll **rp, uint32_t n);

/* Add (sign = +1) or remove (-1) a ticket of group g opened on `opened`
 * and closed on `closed` (DATE_NONE when open) after `days` days to close
 * (in the rollup's day measure: closed − opened, or business days). */
void roll_ticket(struct roll **rp, uint32_t g, int32_t opened, int32_t closed, int32_t days,
		 int sign);
/* Add or remove one value dated `day` in group g (value groups). */
void roll_value(struct roll **rp, uint32_t g, int32_t day, int32_t value, int sign);

/* ---- building from scratch ---- */

/*
 * Events of one group, collected then packed: roll_builder_open() for an
 * opening day, roll_builder_value() for a dated value (a close with its
 * days to close, or a stage value).  roll_builder_finish() installs the
 * group's series in *rp (replacing what it had) and empties the builder
 * for the next group.
 */
struct roll_builder {
	uint64_t *k;
	size_t n, cap;
};
void roll_builder_open(struct roll_builder *b, int32_t day);
void roll_builder_value(struct roll_builder *b, int32_t day, int32_t value);
void roll_builder_finish(struct roll_builder *b, struct roll **rp, uint32_t g);
void roll_builder_release(struct roll_builder *b);

/* ---- reading ---- */

/* Σ (opened − closed) over the days before `day`: for ticket groups, the
 * tickets open at the end of day − 1. */
int64_t roll_net_before(const struct roll_series *s, int32_t day);

/*
 * A cursor walking a series day by day, forwards: roll_cursor_cell()
 * returns the cell of `day` (NULL when the day has nothing) and its chunk
 * in *chunk; days must not decrease between calls.
 */
struct roll_cursor {
	const struct roll_series *s;
	uint32_t i;
};
void roll_cursor_init(struct roll_cursor *c, const struct roll_series *s, int32_t day);
static inline const struct roll_cell *roll_cursor_cell(struct roll_cursor *c, int32_t day,
						       const struct roll_chunk **chunk)
{
	const struct roll_series *s = c->s;
	if (!s)
		return NULL;
	while (c->i < s->n && s->c[c->i]->base + ROLL_DAYS <= day)
		c->i++;
	if (c->i >= s->n || s->c[c->i]->base > day)
		return NULL;
	*chunk = s->c[c->i];
	return &s->c[c->i]->cell[day - s->c[c->i]->base];
}

/* Bounds of the values of the series' chunks overlapping [from, to]
 * (widening *vmin, *vmax). */
void roll_value_bounds(const struct roll_series *s, int32_t from, int32_t to, int32_t *vmin,
		       int32_t *vmax);

/* 1 when the two series hold the same data (tests). */
int roll_series_equal(const struct roll_series *a, const struct roll_series *b);

#endif

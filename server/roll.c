/*
 * roll.c - daily rollups; see roll.h.
 *
 * Changes follow one rule: an object whose reference count is 1 belongs to
 * the version being built and is changed in place; any other is copied
 * first (own_*()), the copy replacing it in its parent, which was itself
 * made private the same way.  After a removal a chunk left empty is taken
 * out of its series, so an emptied day range looks exactly as if it had
 * never held data (roll_series_equal() and the property tests rely on it).
 */
#include "roll.h"
#include "date.h"
#include "radix.h"
#include "xalloc.h"

#include <stdlib.h>
#include <string.h>

static void ref(atomic_uint *r)
{
	atomic_fetch_add_explicit(r, 1, memory_order_relaxed);
}

/* 1 when the caller held the last reference. */
static int unref(atomic_uint *r)
{
	return atomic_fetch_sub_explicit(r, 1, memory_order_acq_rel) == 1;
}

static int shared(atomic_uint *r)
{
	return atomic_load_explicit(r, memory_order_acquire) != 1;
}

/* ---- lifetimes ---- */

static void chunk_put(struct roll_chunk *c)
{
	if (c && unref(&c->refs)) {
		free(c->h);
		free(c);
	}
}

static void series_put(struct roll_series *s)
{
	if (!s || !unref(&s->refs))
		return;
	for (uint32_t i = 0; i < s->n; i++)
		chunk_put(s->c[i]);
	free(s->c);
	free(s);
}

struct roll *roll_new(void)
{
	struct roll *r = xmalloc(sizeof(*r));
	atomic_init(&r->refs, 1);
	r->n = 0;
	r->g = NULL;
	return r;
}

struct roll *roll_ref(struct roll *r)
{
	if (r)
		ref(&r->refs);
	return r;
}

void roll_put(struct roll *r)
{
	if (!r || !unref(&r->refs))
		return;
	for (uint32_t g = 0; g < r->n; g++)
		series_put(r->g[g]);
	free(r->g);
	free(r);
}

/* ---- private copies ---- */

static struct roll *own_roll(struct roll **rp, uint32_t need)
{
	struct roll *r = *rp;
	if (shared(&r->refs)) {
		struct roll *c = xmalloc(sizeof(*c));
		atomic_init(&c->refs, 1);
		c->n = r->n;
		c->g = xmalloc((c->n ? c->n : 1) * sizeof(*c->g));
		for (uint32_t g = 0; g < r->n; g++) {
			c->g[g] = r->g[g];
			if (c->g[g])
				ref(&c->g[g]->refs);
		}
		roll_put(r);
		*rp = r = c;
	}
	if (need > r->n) {
		r->g = xrealloc(r->g, need * sizeof(*r->g));
		memset(r->g + r->n, 0, (need - r->n) * sizeof(*r->g));
		r->n = need;
	}
	return r;
}

static struct roll_series *series_new(void)
{
	struct roll_series *s = xmalloc(sizeof(*s));
	atomic_init(&s->refs, 1);
	s->n = s->cap = 0;
	s->c = NULL;
	return s;
}

static struct roll_series *own_series(struct roll *r, uint32_t g)
{
	struct roll_series *s = r->g[g];
	if (!s)
		return r->g[g] = series_new();
	if (!shared(&s->refs))
		return s;
	struct roll_series *c = series_new();
	c->n = c->cap = s->n;
	c->c = xmalloc((c->cap ? c->cap : 1) * sizeof(*c->c));
	for (uint32_t i = 0; i < s->n; i++) {
		c->c[i] = s->c[i];
		ref(&c->c[i]->refs);
	}
	series_put(s);
	return r->g[g] = c;
}

static struct roll_chunk *chunk_new(int32_t base)
{
	struct roll_chunk *c = xmalloc(sizeof(*c));
	memset(c, 0, sizeof(*c));
	atomic_init(&c->refs, 1);
	c->base = base;
	c->vmin = INT32_MAX;
	c->vmax = INT32_MIN;
	return c;
}

/* Index of the first chunk with base >= day's base. */
static uint32_t series_lower(const struct roll_series *s, int32_t base)
{
	uint32_t lo = 0, hi = s->n;
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		if (s->c[mid]->base < base)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* The private chunk of `day` in series s (created when absent); *idx its
 * index in s. */
static struct roll_chunk *own_chunk(struct roll_series *s, int32_t day, uint32_t *idx)
{
	int32_t base = roll_base(day);
	uint32_t i = series_lower(s, base);
	*idx = i;
	if (i < s->n && s->c[i]->base == base) {
		struct roll_chunk *c = s->c[i];
		if (!shared(&c->refs))
			return c;
		struct roll_chunk *copy = xmalloc(sizeof(*copy));
		memcpy(copy, c, sizeof(*copy));
		atomic_init(&copy->refs, 1);
		copy->cap = c->nent;
		copy->h = xmalloc((copy->cap ? copy->cap : 1) * sizeof(*copy->h));
		if (c->nent)
			memcpy(copy->h, c->h, c->nent * sizeof(*c->h));
		chunk_put(c);
		return s->c[i] = copy;
	}
	if (s->n == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 8;
		s->c = xrealloc(s->c, s->cap * sizeof(*s->c));
	}
	memmove(s->c + i + 1, s->c + i, (s->n - i) * sizeof(*s->c));
	s->n++;
	return s->c[i] = chunk_new(base);
}

/* Take chunk i out of s when it holds nothing any more. */
static void drop_if_empty(struct roll *r, uint32_t g, uint32_t i)
{
	struct roll_series *s = r->g[g];
	struct roll_chunk *c = s->c[i];
	if (c->nent)
		return;
	for (int d = 0; d < ROLL_DAYS; d++)
		if (c->cell[d].opened || c->cell[d].closed)
			return;
	chunk_put(c);
	memmove(s->c + i, s->c + i + 1, (s->n - i - 1) * sizeof(*s->c));
	if (--s->n == 0) {
		series_put(s);
		r->g[g] = NULL;
	}
}

/* Add sign × 1 to the entry `value` of day d in chunk c. */
static void hist_add(struct roll_chunk *c, int d, int32_t value, int sign)
{
	struct roll_cell *cell = &c->cell[d];
	uint32_t lo = cell->hoff, hi = cell->hoff + cell->hlen;
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		if (c->h[mid].value < value)
			lo = mid + 1;
		else
			hi = mid;
	}
	int found = lo < cell->hoff + cell->hlen && c->h[lo].value == value;
	if (found && (sign > 0 || c->h[lo].count > 1)) {
		c->h[lo].count += (uint32_t)sign;
		return;
	}
	if (!found && sign < 0)
		abort(); /* removing what was never added: a bug upstream */
	if (found) {
		memmove(c->h + lo, c->h + lo + 1, (c->nent - lo - 1) * sizeof(*c->h));
		c->nent--;
		cell->hlen--;
	} else {
		if (c->nent == c->cap) {
			c->cap = c->cap ? c->cap * 2 : 8;
			c->h = xrealloc(c->h, c->cap * sizeof(*c->h));
		}
		memmove(c->h + lo + 1, c->h + lo, (c->nent - lo) * sizeof(*c->h));
		c->h[lo] = (struct roll_hent){ value, 1 };
		c->nent++;
		cell->hlen++;
		if (value < c->vmin)
			c->vmin = value;
		if (value > c->vmax)
			c->vmax = value;
	}
	for (int j = d + 1; j < ROLL_DAYS; j++)
		c->cell[j].hoff += (uint32_t)sign;
}

/* One change to group g on `day`: opened += dop, closed += dcl and, when
 * with_value, the histogram entry `value` by dcl. */
static void change(struct roll **rp, uint32_t g, int32_t day, int dop, int dcl, int with_value,
		   int32_t value)
{
	struct roll *r = own_roll(rp, g + 1);
	struct roll_series *s = own_series(r, g);
	uint32_t i;
	struct roll_chunk *c = own_chunk(s, day, &i);
	int d = day - c->base;
	c->cell[d].opened += dop;
	c->cell[d].closed += dcl;
	c->net += dop - dcl;
	if (with_value)
		hist_add(c, d, value, dcl);
	if (dop < 0 || dcl < 0)
		drop_if_empty(r, g, i);
}

void roll_ticket(struct roll **rp, uint32_t g, int32_t opened, int32_t closed, int32_t days,
		 int sign)
{
	change(rp, g, opened, sign, 0, 0, 0);
	if (closed != DATE_NONE)
		change(rp, g, closed, 0, sign, 1, days);
}

void roll_value(struct roll **rp, uint32_t g, int32_t day, int32_t value, int sign)
{
	change(rp, g, day, 0, sign, 1, value);
}

void roll_reserve(struct roll **rp, uint32_t n)
{
	own_roll(rp, n);
}

/* ---- building ---- */

/* A key orders by (day, value); value slot 0 marks an opening (no real
 * value is INT32_MIN: values are differences of two valid dates). */
#define BIAS 0x80000000u

static void builder_push(struct roll_builder *b, uint64_t k)
{
	if (b->n == b->cap) {
		b->cap = b->cap ? b->cap * 2 : 256;
		b->k = xrealloc(b->k, b->cap * sizeof(*b->k));
	}
	b->k[b->n++] = k;
}

static uint64_t key(int32_t day, uint32_t v)
{
	return (uint64_t)((uint32_t)day + BIAS) << 32 | v;
}

void roll_builder_open(struct roll_builder *b, int32_t day)
{
	builder_push(b, key(day, 0));
}

void roll_builder_value(struct roll_builder *b, int32_t day, int32_t value)
{
	builder_push(b, key(day, (uint32_t)value + BIAS));
}

void roll_builder_finish(struct roll_builder *b, struct roll **rp, uint32_t g)
{
	struct roll *r = own_roll(rp, g + 1);
	series_put(r->g[g]);
	r->g[g] = NULL;
	if (!b->n)
		return;
	radix_sort_u64(b->k, b->n, 0);
	struct roll_series *s = series_new();
	struct roll_chunk *c = NULL;
	for (size_t i = 0; i < b->n; i++) {
		int32_t day = (int32_t)((uint32_t)(b->k[i] >> 32) - BIAS);
		uint32_t v = (uint32_t)b->k[i];
		if (!c || roll_base(day) != c->base) {
			if (s->n == s->cap) {
				s->cap = s->cap ? s->cap * 2 : 8;
				s->c = xrealloc(s->c, s->cap * sizeof(*s->c));
			}
			s->c[s->n++] = c = chunk_new(roll_base(day));
		}
		int d = day - c->base;
		if (v == 0) {
			c->cell[d].opened++;
			c->net++;
			continue;
		}
		int32_t value = (int32_t)(v - BIAS);
		c->cell[d].closed++;
		c->net--;
		if (c->nent && c->cell[d].hlen && c->h[c->nent - 1].value == value) {
			c->h[c->nent - 1].count++;
			continue;
		}
		if (c->nent == c->cap) {
			c->cap = c->cap ? c->cap * 2 : 16;
			c->h = xrealloc(c->h, c->cap * sizeof(*c->h));
		}
		if (!c->cell[d].hlen)
			c->cell[d].hoff = c->nent;
		c->h[c->nent++] = (struct roll_hent){ value, 1 };
		c->cell[d].hlen++;
		if (value < c->vmin)
			c->vmin = value;
		if (value > c->vmax)
			c->vmax = value;
	}
	/* empty days point at the end of the entries before them */
	for (uint32_t i = 0; i < s->n; i++) {
		struct roll_chunk *x = s->c[i];
		uint32_t off = 0;
		for (int d = 0; d < ROLL_DAYS; d++) {
			if (x->cell[d].hlen)
				off = x->cell[d].hoff;
			else
				x->cell[d].hoff = off;
			off = x->cell[d].hoff + x->cell[d].hlen;
		}
	}
	r->g[g] = s;
	b->n = 0;
}

void roll_builder_release(struct roll_builder *b)
{
	free(b->k);
	b->k = NULL;
	b->n = b->cap = 0;
}

/* ---- reading ---- */

int64_t roll_net_before(const struct roll_series *s, int32_t day)
{
	if (!s)
		return 0;
	int64_t net = 0;
	for (uint32_t i = 0; i < s->n && s->c[i]->base < day; i++) {
		const struct roll_chunk *c = s->c[i];
		if (c->base + ROLL_DAYS <= day) {
			net += c->net;
			continue;
		}
		for (int d = 0; d < day - c->base; d++)
			net += c->cell[d].opened - c->cell[d].closed;
	}
	return net;
}

void roll_cursor_init(struct roll_cursor *c, const struct roll_series *s, int32_t day)
{
	c->s = s;
	c->i = s ? series_lower(s, roll_base(day)) : 0;
}

void roll_value_bounds(const struct roll_series *s, int32_t from, int32_t to, int32_t *vmin,
		       int32_t *vmax)
{
	if (!s)
		return;
	for (uint32_t i = series_lower(s, roll_base(from)); i < s->n && s->c[i]->base <= to; i++) {
		if (s->c[i]->vmin < *vmin)
			*vmin = s->c[i]->vmin;
		if (s->c[i]->vmax > *vmax)
			*vmax = s->c[i]->vmax;
	}
}

static int chunk_equal(const struct roll_chunk *a, const struct roll_chunk *b)
{
	if (a->base != b->base || a->net != b->net || a->nent != b->nent)
		return 0;
	for (int d = 0; d < ROLL_DAYS; d++) {
		const struct roll_cell *x = &a->cell[d], *y = &b->cell[d];
		if (x->opened != y->opened || x->closed != y->closed || x->hlen != y->hlen ||
		    (x->hlen && x->hoff != y->hoff))
			return 0;
	}
	for (uint32_t i = 0; i < a->nent; i++)
		if (a->h[i].value != b->h[i].value || a->h[i].count != b->h[i].count)
			return 0;
	return 1;
}

int roll_series_equal(const struct roll_series *a, const struct roll_series *b)
{
	uint32_t na = a ? a->n : 0, nb = b ? b->n : 0;
	if (na != nb)
		return 0;
	for (uint32_t i = 0; i < na; i++)
		if (!chunk_equal(a->c[i], b->c[i]))
			return 0;
	return 1;
}

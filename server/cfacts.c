/*
 * cfacts.c - re-entries and handoffs of one creator; see cfacts.h.
 */
#include "cfacts.h"
#include "pvec.h"
#include "roll.h"
#include "snap.h"
#include "xalloc.h"

#include <stdlib.h>
#include <string.h>

/* One ticket of the creator; pos = its place in (opened, tid) order. */
struct key {
	int32_t opened;
	uint32_t emp_id, dept_id, pos;
	const char *tid;
};

static int by_opened(const void *pa, const void *pb)
{
	const struct key *a = pa, *b = pb;
	if (a->opened != b->opened)
		return a->opened < b->opened ? -1 : 1;
	return strcmp(a->tid, b->tid);
}

static int by_dept(const void *pa, const void *pb)
{
	const struct key *a = pa, *b = pb;
	if (a->dept_id != b->dept_id)
		return a->dept_id < b->dept_id ? -1 : 1;
	return a->pos < b->pos ? -1 : a->pos > b->pos;
}

void cfacts_of(const struct snap *s, uint32_t c, struct cfacts *f)
{
	f->nrw = f->nho = 0;
	const struct snap_cr *cr = snap_creator(s, c);
	if (!cr || cr->ntickets < 2)
		return;
	size_t n = cr->ntickets;
	if (n > f->cap) {
		f->cap = n;
		f->keys = xrealloc(f->keys, n * sizeof(struct key));
		f->rw = xrealloc(f->rw, n * sizeof(*f->rw));
		f->ho = xrealloc(f->ho, n * sizeof(*f->ho));
	}
	struct key *k = f->keys;
	size_t m = 0;
	for (uint32_t i = cr->head; i && m < n;) {
		const struct snap_tk *t = pvec_at(s->tickets, i);
		i = t->next;
		k[m++] = (struct key){ t->opened, t->emp_id, t->dept_id, 0, t->tid };
	}
	qsort(k, m, sizeof(*k), by_opened);
	/* handoffs, in order; the giver of one is the receiver of the one
	 * before (the same employee held the tickets in between), so a
	 * ping-pong is a handoff back to the previous giver */
	uint32_t prev_giver = 0;
	int have_prev = 0;
	for (size_t j = 0; j < m; j++) {
		k[j].pos = (uint32_t)j;
		if (j == 0 || k[j].emp_id == k[j - 1].emp_id)
			continue;
		uint32_t from = k[j - 1].emp_id, to = k[j].emp_id;
		int pp = have_prev && prev_giver == to;
		f->ho[f->nho++] = (struct cf_handoff){ from, to, k[j].opened, pp };
		prev_giver = from;
		have_prev = 1;
	}
	/* re-entries: every ticket of a department but its first */
	qsort(k, m, sizeof(*k), by_dept);
	for (size_t j = 1; j < m; j++)
		if (k[j].dept_id == k[j - 1].dept_id)
			f->rw[f->nrw++] = (struct cf_reentry){ k[j].emp_id, k[j].dept_id, k[j].opened };
}

int cfacts_same(const struct cfacts *a, const struct cfacts *b)
{
	/* (no memcmp of zero bytes: the arrays may not exist yet) */
	return a->nrw == b->nrw && a->nho == b->nho &&
	       (!a->nrw || memcmp(a->rw, b->rw, a->nrw * sizeof(*a->rw)) == 0) &&
	       (!a->nho || memcmp(a->ho, b->ho, a->nho * sizeof(*a->ho)) == 0);
}

void cfacts_release(struct cfacts *f)
{
	free(f->rw);
	free(f->ho);
	free(f->keys);
	*f = (struct cfacts)CFACTS_INIT;
}

void cfacts_apply(struct snap *s, const struct cfacts *f, int sign)
{
	for (size_t j = 0; j < f->nrw; j++) {
		roll_value(&s->rw_emp, f->rw[j].emp_id, f->rw[j].day, 0, sign);
		roll_value(&s->rw_dept, f->rw[j].dept_id, f->rw[j].day, 0, sign);
	}
	for (size_t j = 0; j < f->nho; j++) {
		const struct cf_handoff *h = &f->ho[j];
		roll_value(&s->ho, h->from_emp, h->day, (int32_t)h->to_emp, sign);
		if (h->pingpong)
			roll_value(&s->pp, h->from_emp, h->day, (int32_t)h->to_emp, sign);
	}
}

/* ---- from scratch ---- */

/* Builders for groups 0 .. n-1, grown on demand. */
struct builders {
	struct roll_builder *b;
	size_t n;
};

static struct roll_builder *builder(struct builders *bs, uint32_t g)
{
	if (g >= bs->n) {
		size_t n = bs->n ? bs->n : 16;
		while (n <= g)
			n *= 2;
		bs->b = xrealloc(bs->b, n * sizeof(*bs->b));
		memset(bs->b + bs->n, 0, (n - bs->n) * sizeof(*bs->b));
		bs->n = n;
	}
	return &bs->b[g];
}

static struct roll *builders_finish(struct builders *bs)
{
	uint32_t ng = 0;
	for (size_t g = 0; g < bs->n; g++)
		if (bs->b[g].n)
			ng = (uint32_t)g + 1;
	struct roll *r = roll_new();
	roll_reserve(&r, ng);
	for (size_t g = 0; g < bs->n; g++) {
		if (bs->b[g].n)
			roll_builder_finish(&bs->b[g], &r, (uint32_t)g);
		roll_builder_release(&bs->b[g]);
	}
	free(bs->b);
	return r;
}

void cfacts_build(struct snap *s)
{
	struct builders rwe = { NULL, 0 }, rwd = { NULL, 0 }, ho = { NULL, 0 }, pp = { NULL, 0 };
	struct cfacts f = CFACTS_INIT;
	for (size_t c = 0; c < s->creators->n; c++) {
		cfacts_of(s, (uint32_t)c, &f);
		for (size_t j = 0; j < f.nrw; j++) {
			roll_builder_value(builder(&rwe, f.rw[j].emp_id), f.rw[j].day, 0);
			roll_builder_value(builder(&rwd, f.rw[j].dept_id), f.rw[j].day, 0);
		}
		for (size_t j = 0; j < f.nho; j++) {
			const struct cf_handoff *h = &f.ho[j];
			roll_builder_value(builder(&ho, h->from_emp), h->day, (int32_t)h->to_emp);
			if (h->pingpong)
				roll_builder_value(builder(&pp, h->from_emp), h->day, (int32_t)h->to_emp);
		}
	}
	cfacts_release(&f);
	s->rw_emp = builders_finish(&rwe);
	s->rw_dept = builders_finish(&rwd);
	s->ho = builders_finish(&ho);
	s->pp = builders_finish(&pp);
}

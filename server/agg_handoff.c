/*
 * agg_handoff.c - handoffs and ping-pongs over a range; see agg_handoff.h.
 *
 * The rollups ho and pp of the snapshot (cfacts.h) hold, per giving
 * employee (employees.id) and day, the histogram of the receivers'
 * employees.id.  A query walks the giver's chunks overlapping the range,
 * sums each receiver's counts in a dense array indexed by employee, and
 * emits the pairs it touched.
 */
#include "agg_handoff.h"
#include "agg_stats.h"
#include "roll.h"
#include "snap.h"

#include <stdlib.h>
#include <string.h>

/* The snapshot employee of an employees.id, or -1 (none, or of a
 * department that is not configured). */
static int emp_of(const struct snap *s, uint32_t id)
{
	return id < s->dims->nemp_ids ? s->dims->emp_of_id[id] : -1;
}

/* Add giver's counts over [from, to] into cnt[] (by receiver), noting
 * each receiver the first time in touched[]. */
static void sum_giver(const struct snap *s, const struct roll_series *ser, int32_t from,
		      int32_t to, int64_t *cnt, int *touched, size_t *ntouched)
{
	if (!ser)
		return;
	for (uint32_t i = 0; i < ser->n; i++) {
		const struct roll_chunk *ch = ser->c[i];
		if (ch->base + ROLL_DAYS <= from)
			continue;
		if (ch->base > to)
			break;
		int d0 = from > ch->base ? from - ch->base : 0;
		int d1 = to < ch->base + ROLL_DAYS - 1 ? to - ch->base : ROLL_DAYS - 1;
		for (int d = d0; d <= d1; d++) {
			const struct roll_cell *cell = &ch->cell[d];
			for (uint32_t j = cell->hoff; j < cell->hoff + cell->hlen; j++) {
				int e = emp_of(s, (uint32_t)ch->h[j].value);
				if (e < 0)
					continue;
				if (!cnt[e])
					touched[(*ntouched)++] = e;
				cnt[e] += ch->h[j].count;
			}
		}
	}
}

static int pair_cmp(const void *pa, const void *pb)
{
	const struct agg_pair *a = pa, *b = pb;
	if (a->handoffs != b->handoffs)
		return a->handoffs > b->handoffs ? -1 : 1;
	if (a->pingpong != b->pingpong)
		return a->pingpong > b->pingpong ? -1 : 1;
	if (a->from != b->from)
		return a->from < b->from ? -1 : 1;
	return a->to < b->to ? -1 : a->to > b->to;
}

struct agg_handoffs *agg_handoffs(const struct snap *s, const struct agg_range *r, int dept)
{
	if (!agg_range_valid(r) || dept < -1 || (dept >= 0 && (size_t)dept >= s->ndepts))
		return NULL;
	size_t nd = s->ndepts, ne = s->nemps;
	struct agg_handoffs *h = agg_zalloc(1, sizeof(*h));
	h->nd = nd;
	h->matrix = agg_zalloc(nd * nd, sizeof(*h->matrix));
	h->pingpong = agg_zalloc(nd * nd, sizeof(*h->pingpong));
	int64_t *cnt = agg_zalloc(ne, sizeof(*cnt));
	int64_t *pcnt = agg_zalloc(ne, sizeof(*pcnt));
	int *touched = agg_alloc(ne * sizeof(*touched));
	int *ptouched = agg_alloc(ne * sizeof(*ptouched));
	size_t cap = 0;
	for (uint32_t g = 0; g < s->ho->n; g++) {
		int from = emp_of(s, g);
		if (from < 0)
			continue;
		size_t nt = 0, npt = 0;
		sum_giver(s, roll_group(s->ho, g), r->from, r->to, cnt, touched, &nt);
		sum_giver(s, roll_group(s->pp, g), r->from, r->to, pcnt, ptouched, &npt);
		int fd = s->emps[from].dept;
		for (size_t j = 0; j < nt; j++) {
			int to = touched[j], td = s->emps[to].dept;
			h->matrix[(size_t)fd * nd + (size_t)td] += cnt[to];
			h->pingpong[(size_t)fd * nd + (size_t)td] += pcnt[to];
			h->handoffs += cnt[to];
			h->pingpongs += pcnt[to];
			if (dept < 0 || fd == dept || td == dept) {
				if (h->npairs == cap) {
					cap = cap ? cap * 2 : 64;
					h->pairs = agg_realloc(h->pairs, cap * sizeof(*h->pairs));
				}
				h->pairs[h->npairs++] = (struct agg_pair){ from, to, cnt[to], pcnt[to] };
			}
			cnt[to] = 0;
			pcnt[to] = 0;
		}
		for (size_t j = 0; j < npt; j++)
			pcnt[ptouched[j]] = 0; /* a ping-pong is a handoff: already 0 */
	}
	if (h->npairs > 1)
		qsort(h->pairs, h->npairs, sizeof(*h->pairs), pair_cmp);
	free(cnt);
	free(pcnt);
	free(touched);
	free(ptouched);
	return h;
}

void agg_handoffs_free(struct agg_handoffs *h)
{
	if (!h)
		return;
	free(h->matrix);
	free(h->pingpong);
	free(h->pairs);
	free(h);
}

/*
 * snap.c - building the analytics snapshot; see snap.h.
 *
 * One pass collects the tickets into temporary columns in input order,
 * interning creator names (a hash table over an arena: no allocation per
 * ticket).  Then a counting sort by creator, a small sort inside each
 * creator's run, and two more counting sorts give the per department and
 * per employee lists.  Everything is O(tickets) apart from the sort of the
 * creator names, which numbers the creators in name order.
 */
#ifdef __linux__
#define _GNU_SOURCE /* mremap */
#endif
#include "snap.h"
#include "config.h"
#include "date.h"
#include "log.h"
#include "store.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

/* ---- memory ---- */

/*
 * A snapshot is tens of MB (44 MB for 0.8M tickets) and is
 * replaced at every write, so its blocks and the builder's are mapped
 * directly from BIG bytes up: freeing a replaced snapshot gives its pages
 * back to the system at once.  Through malloc they stayed resident (glibc
 * raises its mmap threshold after the first large free, so later snapshots
 * came from the heap: RSS grew by about 140 MB over the first writes on
 * 0.8M tickets), and malloc_trim() to give them back also emptied the
 * request threads' arenas, whose next requests then paid the page faults
 * (+7 ms on the first overview after a write).  Every block carries its
 * size; small ones, and all of them under AddressSanitizer (which sees
 * only malloc), come from malloc.
 */
#define BIG (256u << 10)

struct blk {
	size_t size;   /* bytes asked for */
	size_t mapped; /* 1 when mmap()ed */
};

static size_t blk_total(size_t n)
{
	return sizeof(struct blk) + (n ? n : 1);
}

#if defined(__SANITIZE_ADDRESS__)
#define USE_MMAP 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define USE_MMAP 0
#endif
#endif
#ifndef USE_MMAP
#define USE_MMAP 1
#endif

static void *xmalloc(size_t n)
{
	if (n > SIZE_MAX - sizeof(struct blk) - 1)
		abort();
	size_t total = blk_total(n);
	struct blk *b;
	if (USE_MMAP && total >= BIG) {
		void *p = mmap(NULL, total, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED)
			abort();
		b = p;
		b->mapped = 1;
	} else {
		b = malloc(total);
		if (!b)
			abort();
		b->mapped = 0;
	}
	b->size = n;
	return b + 1;
}

static void *xcalloc(size_t n, size_t size)
{
	if (size && n > SIZE_MAX / size)
		abort();
	void *p = xmalloc(n * size);
	if (!((struct blk *)p - 1)->mapped) /* mapped pages are zero */
		memset(p, 0, n * size);
	return p;
}

static void xfree(void *p)
{
	if (!p)
		return;
	struct blk *b = (struct blk *)p - 1;
	if (b->mapped)
		munmap(b, blk_total(b->size));
	else
		free(b);
}

static void *xrealloc(void *p, size_t n)
{
	if (!p)
		return xmalloc(n);
	struct blk *b = (struct blk *)p - 1;
	size_t total = blk_total(n);
	if (!b->mapped && (!USE_MMAP || total < BIG)) {
		b = realloc(b, total);
		if (!b)
			abort();
		b->size = n;
		return b + 1;
	}
#ifdef MREMAP_MAYMOVE
	if (b->mapped && total >= BIG) {
		void *q = mremap(b, blk_total(b->size), total, MREMAP_MAYMOVE);
		if (q == MAP_FAILED)
			abort();
		b = q;
		b->size = n;
		return b + 1;
	}
#endif
	void *q = xmalloc(n);
	memcpy(q, p, b->size < n ? b->size : n);
	xfree(p);
	return q;
}

/* ---- string arena ---- */

#define CHUNK_MIN (1u << 20)

struct snap_chunk {
	struct snap_chunk *next;
	size_t used, cap;
	char data[];
};

static const char *arena_strndup(struct snap_chunk **head, const char *p, size_t n)
{
	struct snap_chunk *c = *head;
	if (!c || c->cap - c->used < n + 1) {
		size_t cap = n + 1 > CHUNK_MIN ? n + 1 : CHUNK_MIN;
		c = xmalloc(sizeof(*c) + cap);
		c->next = *head;
		c->used = 0;
		c->cap = cap;
		*head = c;
	}
	char *dst = c->data + c->used;
	memcpy(dst, p, n);
	dst[n] = '\0';
	c->used += n + 1;
	return dst;
}

/* ---- builder: tickets in input order, creators interned ---- */

struct builder {
	struct snap *s;
	/* tickets, input order */
	int32_t *opened, *closed;
	uint32_t *emp, *creator;
	const char **tid;
	size_t n, cap;
	/* creators */
	const char **cname;
	uint32_t *clen;
	uint64_t *chash;
	size_t nc, ccap;
	uint32_t *slots;          /* creator index + 1; 0 = empty */
	size_t nslots;            /* power of two */
	struct snap_chunk *names; /* creator names until they are sorted */
};

static uint64_t hash_bytes(const char *p, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	for (size_t i = 0; i < n; i++) {
		h ^= (unsigned char)p[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

static void slots_grow(struct builder *b)
{
	size_t n = b->nslots ? b->nslots * 2 : 1024;
	uint32_t *slots = xcalloc(n, sizeof(*slots));
	for (size_t c = 0; c < b->nc; c++) {
		size_t i = (size_t)b->chash[c] & (n - 1);
		while (slots[i])
			i = (i + 1) & (n - 1);
		slots[i] = (uint32_t)c + 1;
	}
	xfree(b->slots);
	b->slots = slots;
	b->nslots = n;
}

static uint32_t creator_intern(struct builder *b, const char *name, size_t len)
{
	if ((b->nc + 1) * 2 > b->nslots)
		slots_grow(b);
	uint64_t h = hash_bytes(name, len);
	size_t i = (size_t)h & (b->nslots - 1);
	for (; b->slots[i]; i = (i + 1) & (b->nslots - 1)) {
		uint32_t c = b->slots[i] - 1;
		if (b->chash[c] == h && b->clen[c] == len && memcmp(b->cname[c], name, len) == 0)
			return c;
	}
	if (b->nc == b->ccap) {
		b->ccap = b->ccap ? b->ccap * 2 : 1024;
		b->cname = xrealloc(b->cname, b->ccap * sizeof(*b->cname));
		b->clen = xrealloc(b->clen, b->ccap * sizeof(*b->clen));
		b->chash = xrealloc(b->chash, b->ccap * sizeof(*b->chash));
	}
	uint32_t c = (uint32_t)b->nc++;
	b->cname[c] = arena_strndup(&b->names, name, len);
	b->clen[c] = (uint32_t)len;
	b->chash[c] = h;
	b->slots[i] = c + 1;
	return c;
}

static void builder_add(struct builder *b, const char *tid, size_t tid_len, const char *creator,
			size_t creator_len, uint32_t emp, int32_t opened, int32_t closed)
{
	if (b->n == b->cap) {
		b->cap = b->cap ? b->cap * 2 : 4096;
		b->opened = xrealloc(b->opened, b->cap * sizeof(*b->opened));
		b->closed = xrealloc(b->closed, b->cap * sizeof(*b->closed));
		b->emp = xrealloc(b->emp, b->cap * sizeof(*b->emp));
		b->creator = xrealloc(b->creator, b->cap * sizeof(*b->creator));
		b->tid = xrealloc(b->tid, b->cap * sizeof(*b->tid));
	}
	size_t i = b->n++;
	b->opened[i] = opened;
	b->closed[i] = closed;
	b->emp[i] = emp;
	b->creator[i] = creator_intern(b, creator, creator_len);
	b->tid[i] = arena_strndup(&b->s->chunks, tid, tid_len);
}

static void builder_release(struct builder *b)
{
	xfree(b->opened);
	xfree(b->closed);
	xfree(b->emp);
	xfree(b->creator);
	xfree(b->tid);
	xfree(b->clen);
	xfree(b->chash);
	xfree(b->slots);
	xfree(b->cname);
	for (struct snap_chunk *c = b->names, *next; c; c = next) {
		next = c->next;
		xfree(c);
	}
}

/* ---- finishing: sorts and indexes ---- */

/* Sort keys: the order inside one creator's run, and creators by name. */
struct run_key {
	uint16_t dept;
	int32_t opened;
	const char *tid;
	uint32_t src;
};

static int run_cmp(const void *pa, const void *pb)
{
	const struct run_key *a = pa, *b = pb;
	if (a->dept != b->dept)
		return a->dept < b->dept ? -1 : 1;
	if (a->opened != b->opened)
		return a->opened < b->opened ? -1 : 1;
	return strcmp(a->tid, b->tid);
}

struct name_key {
	const char *name;
	uint32_t idx;
};

static int name_cmp(const void *pa, const void *pb)
{
	const struct name_key *a = pa, *b = pb;
	return strcmp(a->name, b->name);
}

/* Stable counting sort of [0, n) by key[i] in [0, nkeys): fills first
 * (nkeys + 1) and order (n). */
static void counting_sort(const uint32_t *key, size_t n, size_t nkeys, uint32_t *first,
			  uint32_t *order)
{
	memset(first, 0, (nkeys + 1) * sizeof(*first));
	for (size_t i = 0; i < n; i++)
		first[key[i] + 1]++;
	for (size_t k = 0; k < nkeys; k++)
		first[k + 1] += first[k];
	uint32_t *pos = xmalloc((nkeys + 1) * sizeof(*pos));
	memcpy(pos, first, (nkeys + 1) * sizeof(*pos));
	for (size_t i = 0; i < n; i++)
		order[pos[key[i]]++] = (uint32_t)i;
	xfree(pos);
}

static struct snap *builder_finish(struct builder *b)
{
	struct snap *s = b->s;
	size_t n = b->n, nc = b->nc;
	if (n > UINT32_MAX - 1) {
		log_err("snapshot: too many tickets (%zu)", n);
		return NULL;
	}

	/* creators renumbered in byte order of name, names copied in that
	 * order (search scans them sequentially) */
	struct name_key *nk = xmalloc(nc * sizeof(*nk));
	for (size_t c = 0; c < nc; c++)
		nk[c] = (struct name_key){ b->cname[c], (uint32_t)c };
	qsort(nk, nc, sizeof(*nk), name_cmp);
	uint32_t *rank = xmalloc(nc * sizeof(*rank));
	s->ncreators = nc;
	s->creator_name = xmalloc(nc * sizeof(*s->creator_name));
	for (size_t c = 0; c < nc; c++) {
		rank[nk[c].idx] = (uint32_t)c;
		s->creator_name[c] = arena_strndup(&s->chunks, nk[c].name, b->clen[nk[c].idx]);
	}
	xfree(nk);
	for (size_t i = 0; i < n; i++)
		b->creator[i] = rank[b->creator[i]];
	xfree(rank);

	/* tickets ordered by creator (stable), then inside each run */
	uint32_t *order = xmalloc(n * sizeof(*order));
	s->creator_first = xmalloc((nc + 1) * sizeof(*s->creator_first));
	counting_sort(b->creator, n, nc, s->creator_first, order);
	struct run_key *rk = NULL;
	size_t rkcap = 0;
	for (size_t c = 0; c < nc; c++) {
		uint32_t lo = s->creator_first[c], hi = s->creator_first[c + 1];
		if (hi - lo < 2)
			continue;
		if (hi - lo > rkcap) {
			rkcap = hi - lo;
			rk = xrealloc(rk, rkcap * sizeof(*rk));
		}
		for (uint32_t i = lo; i < hi; i++) {
			uint32_t j = order[i];
			rk[i - lo] = (struct run_key){ (uint16_t)s->emps[b->emp[j]].dept, b->opened[j],
						       b->tid[j], j };
		}
		qsort(rk, hi - lo, sizeof(*rk), run_cmp);
		for (uint32_t i = lo; i < hi; i++)
			order[i] = rk[i - lo].src;
	}
	xfree(rk);

	s->nticket = n;
	s->opened = xmalloc(n * sizeof(*s->opened));
	s->closed = xmalloc(n * sizeof(*s->closed));
	s->dept = xmalloc(n * sizeof(*s->dept));
	s->emp = xmalloc(n * sizeof(*s->emp));
	s->creator = xmalloc(n * sizeof(*s->creator));
	s->ticket_id = xmalloc(n * sizeof(*s->ticket_id));
	for (size_t i = 0; i < n; i++) {
		uint32_t j = order[i];
		s->opened[i] = b->opened[j];
		s->closed[i] = b->closed[j];
		s->emp[i] = b->emp[j];
		s->dept[i] = (uint16_t)s->emps[b->emp[j]].dept;
		s->creator[i] = b->creator[j];
		s->ticket_id[i] = b->tid[j];
	}

	/* per department and per employee lists */
	uint32_t *key = xmalloc(n * sizeof(*key));
	for (size_t i = 0; i < n; i++)
		key[i] = s->dept[i];
	s->dept_first = xmalloc((s->ndepts + 1) * sizeof(*s->dept_first));
	s->dept_tickets = xmalloc(n * sizeof(*s->dept_tickets));
	counting_sort(key, n, s->ndepts, s->dept_first, s->dept_tickets);
	s->emp_first = xmalloc((s->nemps + 1) * sizeof(*s->emp_first));
	s->emp_tickets = xmalloc(n * sizeof(*s->emp_tickets));
	counting_sort(s->emp, n, s->nemps, s->emp_first, s->emp_tickets);
	xfree(key);
	xfree(order);

	s->first_day = s->last_day = DATE_NONE;
	for (size_t i = 0; i < n; i++) {
		int32_t hi = s->closed[i] != DATE_NONE ? s->closed[i] : s->opened[i];
		if (s->first_day == DATE_NONE || s->opened[i] < s->first_day)
			s->first_day = s->opened[i];
		if (s->last_day == DATE_NONE || hi > s->last_day)
			s->last_day = hi;
	}
	return s;
}

/* ---- departments and employees ---- */

struct emp_tmp {
	const char *name;
	int64_t store_id;
	int dept;
	size_t in;          /* input position */
};

static int emp_tmp_cmp(const void *pa, const void *pb)
{
	const struct emp_tmp *a = pa, *b = pb;
	if (a->dept != b->dept)
		return a->dept < b->dept ? -1 : 1;
	int c = strcmp(a->name, b->name);
	if (c)
		return c;
	return a->store_id < b->store_id ? -1 : a->store_id > b->store_id;
}

/* Sort the employees (by department, name), fill s->emps and
 * dept_emp_first; map[input position] = employee index. */
static void set_emps(struct snap *s, struct emp_tmp *e, size_t n, uint32_t *map)
{
	qsort(e, n, sizeof(*e), emp_tmp_cmp);
	s->emps = xcalloc(n, sizeof(*s->emps));
	s->nemps = n;
	s->dept_emp_first = xcalloc(s->ndepts + 1, sizeof(*s->dept_emp_first));
	for (size_t i = 0; i < n; i++) {
		s->emps[i].name = arena_strndup(&s->chunks, e[i].name, strlen(e[i].name));
		s->emps[i].store_id = e[i].store_id;
		s->emps[i].dept = e[i].dept;
		s->dept_emp_first[e[i].dept + 1]++;
		map[e[i].in] = (uint32_t)i;
	}
	for (size_t k = 0; k < s->ndepts; k++)
		s->dept_emp_first[k + 1] += s->dept_emp_first[k];
}

static struct snap *snap_new(size_t ndepts)
{
	struct snap *s = xcalloc(1, sizeof(*s));
	s->depts = xcalloc(ndepts, sizeof(*s->depts));
	s->ndepts = ndepts;
	return s;
}

/* ---- public ---- */

/* Dates the aggregates can take: real calendar days, closed >= opened. */
static int days_ok(int32_t opened, int32_t closed)
{
	if (opened < DATE_MIN || opened > DATE_MAX)
		return 0;
	return closed == DATE_NONE || (closed >= opened && closed <= DATE_MAX);
}

struct snap *snap_from_arrays(const struct snap_dept_in *depts, size_t ndepts,
			      const struct snap_emp_in *emps, size_t nemps,
			      const struct snap_ticket_in *tickets, size_t nticket)
{
	if (ndepts > UINT16_MAX) {
		log_err("snapshot: too many departments (%zu)", ndepts);
		return NULL;
	}
	for (size_t i = 0; i < nemps; i++) {
		if (emps[i].dept < 0 || (size_t)emps[i].dept >= ndepts) {
			log_err("snapshot: employee '%s': bad department %d", emps[i].name, emps[i].dept);
			return NULL;
		}
	}
	for (size_t i = 0; i < nticket; i++) {
		const struct snap_ticket_in *t = &tickets[i];
		if (t->emp < 0 || (size_t)t->emp >= nemps) {
			log_err("snapshot: ticket '%s': bad employee %d", t->ticket_id, t->emp);
			return NULL;
		}
		if (!days_ok(t->opened, t->closed)) {
			log_err("snapshot: ticket '%s': bad dates", t->ticket_id);
			return NULL;
		}
	}

	struct snap *s = snap_new(ndepts);
	for (size_t k = 0; k < ndepts; k++) {
		s->depts[k].name = arena_strndup(&s->chunks, depts[k].name, strlen(depts[k].name));
		s->depts[k].sla_days = depts[k].sla_days;
		s->depts[k].store_id = (int64_t)k + 1;
	}
	struct emp_tmp *e = xcalloc(nemps, sizeof(*e));
	uint32_t *map = xcalloc(nemps, sizeof(*map));
	for (size_t i = 0; i < nemps; i++)
		e[i] = (struct emp_tmp){ emps[i].name, (int64_t)i + 1, emps[i].dept, i };
	set_emps(s, e, nemps, map);
	xfree(e);

	struct builder b;
	memset(&b, 0, sizeof(b));
	b.s = s;
	for (size_t i = 0; i < nticket; i++) {
		const struct snap_ticket_in *t = &tickets[i];
		builder_add(&b, t->ticket_id, strlen(t->ticket_id), t->creator, strlen(t->creator),
			    map[t->emp], t->opened, t->closed);
	}
	xfree(map);
	struct snap *out = builder_finish(&b);
	builder_release(&b);
	if (!out)
		snap_free(s);
	return out;
}

/* Employee index of dims.emps[i], or UINT32_MAX when its department is not
 * configured. */
static uint32_t *map_dims(struct snap *s, const struct store_dims *dims, const struct config *cfg)
{
	int *dept_of = xmalloc(dims->ndepts * sizeof(*dept_of));
	for (size_t i = 0; i < dims->ndepts; i++) {
		dept_of[i] = config_dept_index(cfg, dims->depts[i].name);
		if (dept_of[i] >= 0)
			s->depts[dept_of[i]].store_id = dims->depts[i].id;
	}
	struct emp_tmp *e = xcalloc(dims->nemps, sizeof(*e));
	size_t ne = 0;
	uint32_t *map = xmalloc(dims->nemps * sizeof(*map));
	for (size_t i = 0; i < dims->nemps; i++) {
		map[i] = UINT32_MAX;
		const struct store_dept *d = store_dims_dept(dims, dims->emps[i].dept_id);
		if (!d)
			continue;
		int k = dept_of[d - dims->depts];
		if (k < 0)
			continue;
		e[ne++] = (struct emp_tmp){ dims->emps[i].name, dims->emps[i].id, k, i };
	}
	set_emps(s, e, ne, map);
	xfree(e);
	xfree(dept_of);
	return map;
}

struct snap *snap_load(struct store *st, const struct config *cfg)
{
	struct store_dims dims;
	if (store_load_dims(st, &dims))
		return NULL;
	struct snap *s = snap_new(cfg->ndepts);
	for (size_t k = 0; k < cfg->ndepts; k++) {
		s->depts[k].name = arena_strndup(&s->chunks, cfg->depts[k].name,
						 strlen(cfg->depts[k].name));
		s->depts[k].sla_days = cfg->depts[k].sla_days;
	}
	uint32_t *map = map_dims(s, &dims, cfg);

	struct builder b;
	memset(&b, 0, sizeof(b));
	b.s = s;
	struct snap *out = NULL;
	struct store_iter *it = store_iter_all(st);
	if (!it)
		goto out;
	struct store_ticket t;
	int rc;
	while ((rc = store_iter_next(it, &t)) == 1) {
		const struct store_employee *em = store_dims_employee(&dims, t.employee_id);
		if (!em)
			continue; /* cannot happen with foreign keys on */
		uint32_t e = map[em - dims.emps];
		if (e == UINT32_MAX)
			continue; /* department no longer configured */
		if (!days_ok(t.opened, t.closed))
			continue; /* rejected by import; never reported */
		builder_add(&b, t.ticket_id, t.ticket_id_len, t.creator, t.creator_len, e,
			    t.opened, t.closed);
	}
	store_iter_free(it);
	if (rc < 0)
		goto out;
	out = builder_finish(&b);
out:
	builder_release(&b);
	xfree(map);
	store_dims_release(&dims);
	if (!out)
		snap_free(s);
	return out;
}

void snap_free(struct snap *s)
{
	if (!s)
		return;
	xfree(s->depts);
	xfree(s->emps);
	xfree(s->dept_emp_first);
	xfree(s->creator_name);
	xfree(s->creator_first);
	xfree(s->opened);
	xfree(s->closed);
	xfree(s->dept);
	xfree(s->emp);
	xfree(s->creator);
	xfree(s->ticket_id);
	xfree(s->dept_first);
	xfree(s->dept_tickets);
	xfree(s->emp_first);
	xfree(s->emp_tickets);
	for (struct snap_chunk *c = s->chunks, *next; c; c = next) {
		next = c->next;
		xfree(c);
	}
	xfree(s);
}

int snap_dept_find(const struct snap *s, const char *name)
{
	for (size_t k = 0; k < s->ndepts; k++)
		if (strcmp(s->depts[k].name, name) == 0)
			return (int)k;
	return -1;
}

int snap_emp_find(const struct snap *s, int64_t store_id)
{
	for (size_t i = 0; i < s->nemps; i++)
		if (s->emps[i].store_id == store_id)
			return (int)i;
	return -1;
}

int snap_creator_find(const struct snap *s, const char *name)
{
	size_t lo = 0, hi = s->ncreators;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int cmp = strcmp(s->creator_name[mid], name);
		if (cmp == 0)
			return (int)mid;
		if (cmp < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

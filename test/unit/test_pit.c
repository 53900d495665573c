/*
 * test_pit.c - point-in-time rows (pit.h) over a temporary store of
 * hand-made tickets, checked rule by rule against SPEC §2 and against a
 * brute-force expansion written here (every ticket, every day, then a sort).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "config.h"
#include "date.h"
#include "log.h"
#include "pit.h"
#include "store.h"

/* ---- fixture: an empty store with the default pipeline ---- */

struct fixture {
	char dir[256];
	char path[300];
	struct config cfg;
	struct store *st;
	struct store_dims dims;
	int have_dims;
};

static int setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));
	const char *tmp = getenv("TMPDIR");
	snprintf(fx->dir, sizeof(fx->dir), "%s/lt-pit-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(fx->dir))
		return -1;
	snprintf(fx->path, sizeof(fx->path), "%s/t.db", fx->dir);
	config_defaults(&fx->cfg);
	fx->st = store_open(fx->path, 0);
	if (!fx->st || store_sync_pipeline(fx->st, &fx->cfg))
		return -1;
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;
	if (fx->have_dims)
		store_dims_release(&fx->dims);
	store_close(fx->st);
	config_release(&fx->cfg);
	char p[400];
	static const char *const sfx[] = { "", "-wal", "-shm" };
	for (int i = 0; i < 3; i++) {
		snprintf(p, sizeof(p), "%s%s", fx->path, sfx[i]);
		unlink(p);
	}
	rmdir(fx->dir);
	free(fx);
	return 0;
}

/* A ticket as the test knows it. */
struct tk {
	const char *id;
	const char *creator;
	const char *employee;
	const char *dept;
	int32_t opened;
	int32_t closed; /* DATE_NONE = open */
};

static void add_tickets(struct fixture *fx, const struct tk *t, size_t n)
{
	assert_int_equal(store_begin(fx->st), 0);
	for (size_t i = 0; i < n; i++) {
		int64_t dept = store_department_id(fx->st, t[i].dept);
		assert_true(dept > 0);
		struct store_ticket_in in = {
			.ticket_id = t[i].id,
			.creator_id = store_creator_id(fx->st, t[i].creator),
			.employee_id = store_employee_id(fx->st, dept, t[i].employee),
			.dept_id = dept,
			.opened = t[i].opened,
			.closed = t[i].closed,
		};
		assert_true(in.creator_id > 0 && in.employee_id > 0);
		assert_int_equal(store_upsert_ticket(fx->st, &in), STORE_INSERTED);
	}
	assert_int_equal(store_commit(fx->st, 1), 0);
	if (fx->have_dims)
		store_dims_release(&fx->dims);
	assert_int_equal(store_load_dims(fx->st, &fx->dims), 0);
	fx->have_dims = 1;
}

/* A row copied out of the iterator. */
struct row {
	int32_t d;
	char tid[200];
	char creator[200];
	char employee[200];
	char dept[64];
	int ic, open, closed;
	int32_t age, dtc; /* dtc -1 = null */
};

struct rows {
	struct row *v;
	size_t n, cap;
};

static struct row *rows_push(struct rows *r)
{
	if (r->n == r->cap) {
		r->cap = r->cap ? r->cap * 2 : 64;
		r->v = realloc(r->v, r->cap * sizeof(*r->v));
		assert_non_null(r->v);
	}
	memset(&r->v[r->n], 0, sizeof(r->v[0]));
	return &r->v[r->n++];
}

struct query {
	int32_t from, to, as_of;
	const char *dept;      /* NULL = any */
	const char *employee;
	const char *creator;
	const char *after;
	int only;              /* PIT_ONLY_* */
};

static struct rows run_pit(struct fixture *fx, const struct query *qq)
{
	struct pit_query q = { .from = qq->from, .to = qq->to, .as_of = qq->as_of };
	if (qq->dept) {
		q.filter.dept_id = store_department_id(fx->st, qq->dept);
		assert_true(q.filter.dept_id > 0);
	}
	q.filter.employee = qq->employee;
	q.filter.creator = qq->creator;
	q.after_ticket = qq->after;
	q.only = qq->only;
	if (!fx->have_dims) {
		assert_int_equal(store_load_dims(fx->st, &fx->dims), 0);
		fx->have_dims = 1;
	}
	struct pit *p = pit_open(fx->st, &fx->dims, &q);
	assert_non_null(p);
	struct rows out = { 0 };
	struct pit_row pr;
	int rc;
	while ((rc = pit_next(p, &pr)) > 0) {
		struct row *r = rows_push(&out);
		r->d = pr.report_date;
		assert_true(pr.ticket_id_len < sizeof(r->tid));
		memcpy(r->tid, pr.ticket_id, pr.ticket_id_len);
		assert_int_equal(strlen(pr.ticket_id), pr.ticket_id_len);
		assert_true(pr.creator_len < sizeof(r->creator));
		memcpy(r->creator, pr.creator, pr.creator_len);
		snprintf(r->employee, sizeof(r->employee), "%s", pr.employee);
		snprintf(r->dept, sizeof(r->dept), "%s", pr.department);
		r->ic = pr.initiated_contact;
		r->open = pr.is_open;
		r->age = pr.ticket_age;
		r->closed = pr.ticket_closed;
		r->dtc = pr.days_to_close;
	}
	assert_int_equal(rc, 0);
	assert_int_equal(pit_next(p, &pr), 0); /* stays done */
	pit_free(p);
	return out;
}

/* ---- the brute-force reference (SPEC §2 read literally) ---- */

static int byte_cmp(const char *a, const char *b)
{
	return strcmp(a, b); /* strcmp compares as unsigned char */
}

static int row_cmp(const void *a, const void *b)
{
	const struct row *x = a, *y = b;
	if (x->d != y->d)
		return x->d < y->d ? -1 : 1;
	return byte_cmp(x->tid, y->tid);
}

static struct rows reference(const struct tk *t, size_t n, const struct query *q)
{
	struct rows out = { 0 };
	int32_t to = q->to < q->as_of ? q->to : q->as_of;
	for (size_t i = 0; i < n; i++) {
		if ((q->dept && strcmp(t[i].dept, q->dept)) ||
		    (q->employee && strcmp(t[i].employee, q->employee)) ||
		    (q->creator && strcmp(t[i].creator, q->creator)))
			continue;
		int32_t o = t[i].opened, c = t[i].closed;
		int32_t last = c == DATE_NONE ? q->as_of : c;
		for (int32_t d = o; d <= last; d++) {
			if (d < q->from || d > to)
				continue;
			if (d == q->from && q->after && byte_cmp(t[i].id, q->after) <= 0)
				continue;
			int ic = d == o, open = c == DATE_NONE || d < c, closed = c != DATE_NONE && d == c;
			if ((q->only == PIT_ONLY_OPENED && !ic) || (q->only == PIT_ONLY_CLOSED && !closed) ||
			    (q->only == PIT_ONLY_OPEN && !open))
				continue;
			struct row *r = rows_push(&out);
			r->d = d;
			snprintf(r->tid, sizeof(r->tid), "%s", t[i].id);
			snprintf(r->creator, sizeof(r->creator), "%s", t[i].creator);
			snprintf(r->employee, sizeof(r->employee), "%s", t[i].employee);
			snprintf(r->dept, sizeof(r->dept), "%s", t[i].dept);
			r->ic = d == o;
			r->open = c == DATE_NONE || d < c;
			r->age = d - o;
			r->closed = c != DATE_NONE && d == c;
			r->dtc = r->closed ? c - o : -1;
		}
	}
	if (out.n > 1)
		qsort(out.v, out.n, sizeof(*out.v), row_cmp);
	return out;
}

static void assert_rows_equal(const struct rows *got, const struct rows *want)
{
	char a[DATE_LEN + 1];
	size_t n = got->n < want->n ? got->n : want->n;
	for (size_t i = 0; i < n; i++) {
		const struct row *g = &got->v[i], *w = &want->v[i];
		if (g->d != w->d || strcmp(g->tid, w->tid) || strcmp(g->creator, w->creator) ||
		    strcmp(g->employee, w->employee) || strcmp(g->dept, w->dept) || g->ic != w->ic ||
		    g->open != w->open || g->age != w->age || g->closed != w->closed || g->dtc != w->dtc)
			fail_msg("row %zu: got %s %s ic=%d open=%d age=%d closed=%d dtc=%d; "
				 "expected %s %s ic=%d open=%d age=%d closed=%d dtc=%d",
				 i, date_str(g->d, a), g->tid, g->ic, g->open, g->age, g->closed, g->dtc,
				 date_str(w->d, a), w->tid, w->ic, w->open, w->age, w->closed, w->dtc);
	}
	if (got->n != want->n)
		fail_msg("%zu rows, expected %zu", got->n, want->n);
}

static void check_query(struct fixture *fx, const struct tk *t, size_t n, const struct query *q)
{
	struct rows got = run_pit(fx, q), want = reference(t, n, q);
	assert_rows_equal(&got, &want);
	free(got.v);
	free(want.v);
}

#define D(s) day_of(s)
static int32_t day_of(const char *s)
{
	int32_t d;
	assert_int_equal(date_parse(s, strlen(s), &d), 0);
	return d;
}

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* ---- the rules of SPEC §2, one at a time ---- */

static void test_same_day_close(void **state)
{
	struct fixture *fx = *state;
	int32_t d = D("2024-03-10");
	struct tk t[] = { { "S1", "Cora", "Eve", "Sales", d, d } };
	add_tickets(fx, t, N(t));
	struct query q = { .from = d - 5, .to = d + 5, .as_of = d + 30 };
	struct rows r = run_pit(fx, &q);
	assert_int_equal(r.n, 1);
	assert_int_equal(r.v[0].d, d);
	assert_string_equal(r.v[0].tid, "S1");
	assert_string_equal(r.v[0].creator, "Cora");
	assert_string_equal(r.v[0].employee, "Eve");
	assert_string_equal(r.v[0].dept, "Sales");
	assert_int_equal(r.v[0].ic, 1);
	assert_int_equal(r.v[0].open, 0);
	assert_int_equal(r.v[0].age, 0);
	assert_int_equal(r.v[0].closed, 1);
	assert_int_equal(r.v[0].dtc, 0);
	free(r.v);
}

static void test_closed_ticket_days(void **state)
{
	struct fixture *fx = *state;
	int32_t d = D("2024-02-27");
	struct tk t[] = { { "C1", "Cora", "Eve", "Design", d, d + 3 } };
	add_tickets(fx, t, N(t));
	struct query q = { .from = d - 1, .to = d + 10, .as_of = d + 20 };
	struct rows r = run_pit(fx, &q);
	/* opening day, two middle days, closing day */
	static const int ic[] = { 1, 0, 0, 0 }, open[] = { 1, 1, 1, 0 }, cl[] = { 0, 0, 0, 1 },
			 dtc[] = { -1, -1, -1, 3 };
	assert_int_equal(r.n, 4);
	for (int i = 0; i < 4; i++) {
		assert_int_equal(r.v[i].d, d + i);
		assert_int_equal(r.v[i].ic, ic[i]);
		assert_int_equal(r.v[i].open, open[i]);
		assert_int_equal(r.v[i].age, i);
		assert_int_equal(r.v[i].closed, cl[i]);
		assert_int_equal(r.v[i].dtc, dtc[i]);
	}
	free(r.v);
}

static void test_open_at_as_of(void **state)
{
	struct fixture *fx = *state;
	int32_t d = D("2024-12-30"), as_of = D("2025-01-02");
	struct tk t[] = { { "O1", "Cora", "Eve", "Contract", d, DATE_NONE } };
	add_tickets(fx, t, N(t));
	/* `to` past as_of is clamped */
	struct query q = { .from = d - 3, .to = as_of + 30, .as_of = as_of };
	struct rows r = run_pit(fx, &q);
	assert_int_equal(r.n, 4);
	for (int i = 0; i < 4; i++) {
		assert_int_equal(r.v[i].d, d + i);
		assert_int_equal(r.v[i].ic, i == 0);
		assert_int_equal(r.v[i].open, 1);
		assert_int_equal(r.v[i].age, i);
		assert_int_equal(r.v[i].closed, 0);
		assert_int_equal(r.v[i].dtc, -1);
	}
	assert_int_equal(r.v[3].d, as_of);
	free(r.v);
}

static void test_closed_after_as_of(void **state)
{
	struct fixture *fx = *state;
	int32_t d = D("2024-06-01"), as_of = d + 4;
	struct tk t[] = {
		{ "L1", "Cora", "Eve", "Design", d, d + 10 },
		{ "L2", "Cora", "Eve", "Design", d + 2, as_of + 1 },
		/* opened after as_of: no rows at all */
		{ "L3", "Cora", "Eve", "Design", as_of + 1, as_of + 2 },
	};
	add_tickets(fx, t, N(t));
	struct query q = { .from = d, .to = d + 20, .as_of = as_of };
	struct rows r = run_pit(fx, &q);
	assert_int_equal(r.n, 5 + 3);
	for (size_t i = 0; i < r.n; i++) {
		assert_true(r.v[i].d <= as_of);
		assert_int_equal(r.v[i].open, 1);
		assert_int_equal(r.v[i].closed, 0);
		assert_int_equal(r.v[i].dtc, -1);
		assert_string_not_equal(r.v[i].tid, "L3");
	}
	free(r.v);
	check_query(fx, t, N(t), &q);
}

static void test_range_cuts_both_ends(void **state)
{
	struct fixture *fx = *state;
	int32_t d = D("2023-12-20");
	struct tk t[] = { { "R1", "Cora", "Eve", "Manufacturing", d, d + 30 } };
	add_tickets(fx, t, N(t));
	struct query q = { .from = d + 12, .to = d + 15, .as_of = d + 100 };
	struct rows r = run_pit(fx, &q);
	assert_int_equal(r.n, 4);
	for (int i = 0; i < 4; i++) {
		assert_int_equal(r.v[i].d, d + 12 + i);
		assert_int_equal(r.v[i].ic, 0);
		assert_int_equal(r.v[i].open, 1);
		assert_int_equal(r.v[i].age, 12 + i);
		assert_int_equal(r.v[i].closed, 0);
		assert_int_equal(r.v[i].dtc, -1);
	}
	free(r.v);
	/* a one-day range on the closing day */
	q.from = q.to = d + 30;
	r = run_pit(fx, &q);
	assert_int_equal(r.n, 1);
	assert_int_equal(r.v[0].ic, 0);
	assert_int_equal(r.v[0].open, 0);
	assert_int_equal(r.v[0].closed, 1);
	assert_int_equal(r.v[0].dtc, 30);
	free(r.v);
	/* the day after closing, and a range before opening */
	q.from = q.to = d + 31;
	r = run_pit(fx, &q);
	assert_int_equal(r.n, 0);
	free(r.v);
	q.from = d - 10;
	q.to = d - 1;
	r = run_pit(fx, &q);
	assert_int_equal(r.n, 0);
	free(r.v);
}

/* Ticket ids sort by bytes, not by locale or number. */
static const struct tk order_tickets[] = {
	{ "a", "c1", "Eve", "Sales", 100, 102 },
	{ "B2", "c1", "Eve", "Sales", 101, DATE_NONE },
	{ "B10", "c2", "Eve", "Sales", 100, 101 },
	{ "A", "c2", "Bob", "Contract", 100, 100 },
	{ "\xc3\x84rger", "c3", "Bob", "Contract", 99, DATE_NONE },
	{ "_x", "c3", "Bob", "Design", 101, 103 },
	{ "0", "c1", "Ann", "Design", 100, 104 },
	{ "B", "c2", "Ann", "Design", 102, 102 },
	{ "b", "c2", "Ann", "Sales", 98, 99 },
};

static void test_order_by_date_then_bytes(void **state)
{
	struct fixture *fx = *state;
	add_tickets(fx, order_tickets, N(order_tickets));
	struct query q = { .from = 100, .to = 102, .as_of = 200 };
	struct rows r = run_pit(fx, &q);
	static const char *const want[] = {
		/* day 100 */ "0", "A", "B10", "a", "\xc3\x84rger",
		/* day 101 */ "0", "B10", "B2", "_x", "a", "\xc3\x84rger",
		/* day 102 */ "0", "B", "B2", "_x", "a", "\xc3\x84rger",
	};
	static const int32_t days[] = { 100, 100, 100, 100, 100, 101, 101, 101, 101, 101, 101,
					102, 102, 102, 102, 102, 102 };
	assert_int_equal(r.n, N(want));
	for (size_t i = 0; i < r.n; i++) {
		assert_int_equal(r.v[i].d, days[i]);
		assert_string_equal(r.v[i].tid, want[i]);
	}
	free(r.v);
	check_query(fx, order_tickets, N(order_tickets), &q);
}

static void test_filters(void **state)
{
	struct fixture *fx = *state;
	add_tickets(fx, order_tickets, N(order_tickets));
	struct query q = { .from = 95, .to = 110, .as_of = 105 };
	check_query(fx, order_tickets, N(order_tickets), &q);

	q.dept = "Design";
	struct rows r = run_pit(fx, &q);
	assert_true(r.n > 0);
	for (size_t i = 0; i < r.n; i++)
		assert_string_equal(r.v[i].dept, "Design");
	free(r.v);
	check_query(fx, order_tickets, N(order_tickets), &q);
	q.dept = "Campaign"; /* no tickets */
	r = run_pit(fx, &q);
	assert_int_equal(r.n, 0);
	free(r.v);

	q.dept = NULL;
	q.employee = "Bob";
	check_query(fx, order_tickets, N(order_tickets), &q);
	q.employee = "Eve";
	check_query(fx, order_tickets, N(order_tickets), &q);
	q.employee = "Nobody";
	r = run_pit(fx, &q);
	assert_int_equal(r.n, 0);
	free(r.v);

	q.employee = NULL;
	q.creator = "c2";
	r = run_pit(fx, &q);
	for (size_t i = 0; i < r.n; i++)
		assert_string_equal(r.v[i].creator, "c2");
	free(r.v);
	check_query(fx, order_tickets, N(order_tickets), &q);

	/* all three at once */
	q.dept = "Sales";
	q.employee = "Eve";
	q.creator = "c1";
	check_query(fx, order_tickets, N(order_tickets), &q);
	r = run_pit(fx, &q);
	/* "a" 100..102 and "B2" 101..105 */
	assert_int_equal(r.n, 3 + 5);
	free(r.v);
}

static void test_after_ticket_resume(void **state)
{
	struct fixture *fx = *state;
	add_tickets(fx, order_tickets, N(order_tickets));
	struct query q = { .from = 101, .to = 102, .as_of = 200, .after = "B10" };
	struct rows r = run_pit(fx, &q);
	static const char *const want[] = {
		"B2", "_x", "a", "\xc3\x84rger",                 /* rest of day 101 */
		"0", "B", "B2", "_x", "a", "\xc3\x84rger",      /* all of day 102 */
	};
	assert_int_equal(r.n, N(want));
	for (size_t i = 0; i < r.n; i++) {
		assert_int_equal(r.v[i].d, i < 4 ? 101 : 102);
		assert_string_equal(r.v[i].tid, want[i]);
	}
	free(r.v);
	check_query(fx, order_tickets, N(order_tickets), &q);

	/* a cursor that is not an id: resume at the next id in byte order */
	q.after = "B1";
	check_query(fx, order_tickets, N(order_tickets), &q);
	q.after = "";
	check_query(fx, order_tickets, N(order_tickets), &q);
	/* past the last id of the day: the next day */
	q.after = "\xff";
	r = run_pit(fx, &q);
	assert_int_equal(r.n, 6);
	assert_int_equal(r.v[0].d, 102);
	free(r.v);
	/* the same on a one-day range */
	q.to = 101;
	r = run_pit(fx, &q);
	assert_int_equal(r.n, 0);
	free(r.v);
}

static void test_empty_ranges(void **state)
{
	struct fixture *fx = *state;
	add_tickets(fx, order_tickets, N(order_tickets));
	/* from > as_of */
	struct query q = { .from = 150, .to = 160, .as_of = 120 };
	struct rows r = run_pit(fx, &q);
	assert_int_equal(r.n, 0);
	free(r.v);
	/* from > to */
	q = (struct query){ .from = 101, .to = 100, .as_of = 200 };
	r = run_pit(fx, &q);
	assert_int_equal(r.n, 0);
	free(r.v);
	/* as_of before every ticket */
	q = (struct query){ .from = 0, .to = 1000, .as_of = 50 };
	r = run_pit(fx, &q);
	assert_int_equal(r.n, 0);
	free(r.v);
	/* from == as_of: one day */
	q = (struct query){ .from = 101, .to = 500, .as_of = 101 };
	check_query(fx, order_tickets, N(order_tickets), &q);
}

static void test_empty_store(void **state)
{
	struct fixture *fx = *state;
	struct query q = { .from = 0, .to = 100, .as_of = 100 };
	struct rows r = run_pit(fx, &q);
	assert_int_equal(r.n, 0);
	free(r.v);
}

/* Random tickets against the brute force over many ranges and filters. */
static uint64_t rng_state = 0x9e3779b97f4a7c15ull;
static uint64_t rnd(void)
{
	uint64_t x = rng_state;
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return rng_state = x;
}
static int rnd_below(int n)
{
	return (int)(rnd() % (uint64_t)n);
}

static void test_random_against_reference(void **state)
{
	struct fixture *fx = *state;
	enum { NT = 400 };
	static char ids[NT][16];
	static const char *const creators[] = { "Ann, Inc.", "Bo \"B\" Li", "Cy", "Dee" };
	static const char *const emps[] = { "Eve", "Finn", "Gus" };
	static const char *const depts[] = { "Sales", "Contract", "Design", "Manufacturing", "Campaign" };
	static const char alpha[] = "AaBb0_9z";
	struct tk *t = calloc(NT, sizeof(*t));
	int32_t base = D("2024-01-01");
	for (int i = 0; i < NT; i++) {
		int len = 1 + rnd_below(4);
		for (int k = 0; k < len; k++)
			ids[i][k] = alpha[rnd_below(8)];
		snprintf(ids[i] + len, sizeof(ids[i]) - (size_t)len, "%d", i);
		t[i].id = ids[i];
		t[i].creator = creators[rnd_below(4)];
		t[i].employee = emps[rnd_below(3)];
		t[i].dept = depts[rnd_below(5)];
		t[i].opened = base + rnd_below(120);
		int k = rnd_below(10);
		t[i].closed = k == 0 ? DATE_NONE : k == 1 ? t[i].opened : t[i].opened + rnd_below(40);
	}
	add_tickets(fx, t, NT);
	for (int iter = 0; iter < 60; iter++) {
		struct query q;
		memset(&q, 0, sizeof(q));
		q.as_of = base + 20 + rnd_below(130);
		q.from = base - 10 + rnd_below(150);
		q.to = q.from + rnd_below(60);
		int f = rnd_below(6);
		if (f == 1)
			q.dept = depts[rnd_below(5)];
		if (f == 2)
			q.employee = emps[rnd_below(3)];
		if (f == 3)
			q.creator = creators[rnd_below(4)];
		if (f == 4)
			q.after = ids[rnd_below(NT)];
		/* the drill-down's row filter, alone or with a resume point */
		if (f == 5 || iter % 3 == 0)
			q.only = 1 + rnd_below(3);
		check_query(fx, t, NT, &q);
	}
	free(t);
}

/* ---- output ---- */

static void test_row_output(void **state)
{
	(void)state;
	struct buf b = BUF_INIT;
	pit_csv_header(&b);
	assert_string_equal(b.data, "report_date,creator,employee,department,ticket_id,"
				    "initiated_contact,is_open,ticket_age,ticket_closed,days_to_close\n");
	buf_reset(&b);

	struct pit_row r = {
		.report_date = 19782,
		.creator = "Ann, \"The\" Studio\nx",
		.employee = "Eve",
		.department = "Sales",
		.ticket_id = "T,1",
		.initiated_contact = 0,
		.is_open = 1,
		.ticket_age = 12,
		.ticket_closed = 0,
		.days_to_close = -1,
	};
	r.creator_len = strlen(r.creator);
	r.ticket_id_len = strlen(r.ticket_id);
	pit_row_csv(&b, &r, 0);
	assert_string_equal(b.data, "2024-02-29,\"Ann, \"\"The\"\" Studio\nx\",Eve,Sales,\"T,1\",0,1,12,0,\n");
	/* with the spreadsheet guard: the same, nothing here looks like a formula */
	buf_reset(&b);
	pit_row_csv(&b, &r, 1);
	assert_string_equal(b.data, "2024-02-29,\"Ann, \"\"The\"\" Studio\nx\",Eve,Sales,\"T,1\",0,1,12,0,\n");
	/* names and ids that would be formulas get a quote; numbers stay */
	struct pit_row f = r;
	f.creator = "=HYPERLINK(\"http://x\",\"a\")";
	f.creator_len = strlen(f.creator);
	f.employee = "+1+1";
	f.department = "@SUM(A1)";
	f.ticket_id = "-2";
	f.ticket_id_len = 2;
	buf_reset(&b);
	pit_row_csv(&b, &f, 1);
	assert_string_equal(b.data, "2024-02-29,\"'=HYPERLINK(\"\"http://x\"\",\"\"a\"\")\",\"'+1+1\","
				    "\"'@SUM(A1)\",\"'-2\",0,1,12,0,\n");
	buf_reset(&b);
	pit_row_csv(&b, &f, 0);
	assert_string_equal(b.data, "2024-02-29,\"=HYPERLINK(\"\"http://x\"\",\"\"a\"\")\",+1+1,"
				    "@SUM(A1),-2,0,1,12,0,\n");
	buf_reset(&b);
	pit_row_json(&b, &r, 0);
	assert_string_equal(b.data, "{\"report_date\":\"2024-02-29\",\"creator\":\"Ann, \\\"The\\\" Studio\\nx\","
				    "\"employee\":\"Eve\",\"department\":\"Sales\",\"ticket_id\":\"T,1\","
				    "\"initiated_contact\":0,\"is_open\":1,\"ticket_age\":12,"
				    "\"ticket_closed\":0,\"days_to_close\":null}");
	buf_reset(&b);
	r.is_open = 0;
	r.ticket_closed = 1;
	r.days_to_close = 12;
	r.creator = "Cy";
	r.creator_len = 2;
	pit_row_csv(&b, &r, 0);
	assert_string_equal(b.data, "2024-02-29,Cy,Eve,Sales,\"T,1\",0,0,12,1,12\n");
	buf_reset(&b);
	pit_row_json(&b, &r, 0);
	assert_non_null(strstr(b.data, "\"ticket_closed\":1,\"days_to_close\":12}"));
	/* fields=ticket: the ticket after SPEC §2's keys; closed_on null while open at as_of */
	buf_reset(&b);
	r.employee_id = 7;
	r.opened_on = r.report_date - 12;
	r.closed_on = r.report_date;
	pit_row_json(&b, &r, 1);
	assert_non_null(strstr(b.data, "\"days_to_close\":12,\"employee_id\":7,\"opened_on\":\"2024-02-17\","
				       "\"closed_on\":\"2024-02-29\"}"));
	buf_reset(&b);
	r.closed_on = DATE_NONE;
	pit_row_json(&b, &r, 1);
	assert_non_null(strstr(b.data, "\"opened_on\":\"2024-02-17\",\"closed_on\":null}"));
	buf_release(&b);
}

#define FX(t) cmocka_unit_test_setup_teardown(t, setup, teardown)

int main(void)
{
	log_set_level(LOG_WARN); /* no "schema migrated" chatter */
	const struct CMUnitTest tests[] = {
		FX(test_same_day_close),
		FX(test_closed_ticket_days),
		FX(test_open_at_as_of),
		FX(test_closed_after_as_of),
		FX(test_range_cuts_both_ends),
		FX(test_order_by_date_then_bytes),
		FX(test_filters),
		FX(test_after_ticket_resume),
		FX(test_empty_ranges),
		FX(test_empty_store),
		FX(test_random_against_reference),
		cmocka_unit_test(test_row_output),
	};
	return cmocka_run_group_tests_name("pit", tests, NULL, NULL);
}

/*
 * test_flow.c - the flow aggregates (agg_flow.h) on hand-made snapshots
 * whose every figure is worked out by hand below, the Monte Carlo on
 * histories whose answer is certain, and the CSV flattener (api_csv.h)
 * on a hand-made JSON document.  The brute-force comparisons over many
 * tickets are in test/integration/test_flow.py.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "agg.h"
#include "agg_flow.h"
#include "api_csv.h"
#include "buf.h"
#include "calendar.h"
#include "date.h"
#include "snap.h"

#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static void real_eq(double got, double want)
{
	if (isnan(want)) {
		if (!isnan(got))
			fail_msg("got %.12g, want NaN", got);
		return;
	}
	if (isnan(got) || fabs(got - want) > 1e-9)
		fail_msg("got %.12g, want %.12g", got, want);
}

/*
 * Two departments (A: SLA 5, B: SLA 2), employees a1, a2 in A and b1 in B.
 * Days are counted from d0 = Monday 2024-01-01.  Tickets:
 *   t1 a1 c1 A opened d0     closed d0+4   (4 days)
 *   t2 a1 c2 A opened d0+1   closed d0+2   (1)
 *   t3 a2 c3 A opened d0+2   closed d0+12  (10)
 *   t4 a2 c1 A opened d0+3   open
 *   t5 a1 c4 A opened d0+5   closed d0+30  (after as_of = d0+20: open)
 *   t6 b1 c1 B opened d0+6   closed d0+8   (c1's campaign start: d0+6)
 *   t7 b1 c2 B opened d0+9   open          (c2's campaign start: d0+9)
 *   t8 b1 c5 B opened d0+25  closed d0+26  (after as_of: does not exist)
 */
static int32_t d0;
static struct snap *world(void)
{
	static const struct snap_dept_in depts[] = { { "A", 5 }, { "B", 2 } };
	static const struct snap_emp_in emps[] = { { "a1", 0 }, { "a2", 0 }, { "b1", 1 } };
	d0 = date_from_ymd(2024, 1, 1);
	struct snap_ticket_in t[] = {
		{ "t1", "c1", 0, d0, d0 + 4 },     { "t2", "c2", 0, d0 + 1, d0 + 2 },
		{ "t3", "c3", 1, d0 + 2, d0 + 12 }, { "t4", "c1", 1, d0 + 3, DATE_NONE },
		{ "t5", "c4", 0, d0 + 5, d0 + 30 }, { "t6", "c1", 2, d0 + 6, d0 + 8 },
		{ "t7", "c2", 2, d0 + 9, DATE_NONE }, { "t8", "c5", 2, d0 + 25, d0 + 26 },
	};
	struct snap *s = snap_from_arrays(depts, 2, emps, 3, t, sizeof(t) / sizeof(t[0]), d0 + 20);
	assert_non_null(s);
	return s;
}

static const char *tid(const struct snap *s, uint32_t i)
{
	return snap_ticket(s, i)->tid;
}

static void test_campaign_starts_and_in_flight(void **state)
{
	(void)state;
	struct snap *s = world();
	struct agg_range r = { d0, d0 + 20, d0 + 20, AGG_DAY, NULL };
	int64_t out[21];
	agg_campaign_starts(s, &r, out);
	for (int i = 0; i < 21; i++)
		assert_int_equal(out[i], i == 6 || i == 9);
	/* in flight on d0+7: c3 (t3 open) and c4 (t5); c1 started on d0+6, c2
	 * not yet (t2 closed d0+2: no open ticket) */
	assert_int_equal(agg_in_flight(s, d0 + 7), 2);
	/* on d0+3: c1 (t1, t4), c3 (t3) open, nobody started; c2's t2 closed */
	assert_int_equal(agg_in_flight(s, d0 + 3), 2);
	snap_put(s);
}

static void test_wip(void **state)
{
	(void)state;
	struct snap *s = world();
	/* range d0+10 .. d0+20 (11 days: short -> basis d0+20-364 .. d0+20) */
	struct agg_range r = { d0 + 10, d0 + 20, d0 + 20, AGG_WEEK, NULL };
	struct agg_wip *w = agg_wip(s, &r, -1, 2);
	assert_non_null(w);
	assert_true(w->basis_short);
	assert_int_equal(w->basis_from, d0 + 20 - 364);
	assert_int_equal(w->ndepts, 2);
	/* A: closes 4, 1, 10 -> sorted 1, 4, 10: p50 4, p70 = 4 + 0.4·6 = 6.4,
	 * p85 = 4 + 0.7·6 = 8.2, p95 = 4 + 0.9·6 = 9.4; open on d0+20: t4 (age
	 * 17) and t5 (age 15, its close is after as_of) */
	const struct agg_wip_dept *a = &w->depts[0];
	assert_int_equal(a->n, 3);
	real_eq(a->pct[0], 4);
	real_eq(a->pct[1], 6.4);
	real_eq(a->pct[2], 8.2);
	real_eq(a->pct[3], 9.4);
	assert_int_equal(a->nitems, 2);
	assert_string_equal(tid(s, a->items[0].ticket), "t4");
	assert_int_equal(a->items[0].age, 17);
	assert_int_equal(a->items[0].zone, AGG_ZONE_P95);
	assert_string_equal(tid(s, a->items[1].ticket), "t5");
	assert_int_equal(a->items[1].age, 15);
	assert_int_equal(a->zones[AGG_ZONE_P95], 2);
	/* B: one close (2 days): every percentile 2; t7 open, age 11 */
	const struct agg_wip_dept *b = &w->depts[1];
	assert_int_equal(b->n, 1);
	real_eq(b->pct[3], 2);
	assert_int_equal(b->nitems, 1);
	assert_int_equal(b->items[0].age, 11);
	/* employees with open work, in snapshot order: a1 (t5), a2 (t4), b1 (t7) */
	assert_int_equal(w->nemps, 3);
	assert_int_equal(w->emps[0].open, 1);
	assert_int_equal(w->emps[0].oldest_age, 15);
	assert_int_equal(w->emps[1].oldest_age, 17);
	/* the 2 oldest over both: t4 (17), t5 (15) */
	assert_int_equal(w->noldest, 2);
	assert_string_equal(tid(s, w->oldest[0].ticket), "t4");
	assert_string_equal(tid(s, w->oldest[1].ticket), "t5");
	agg_wip_free(w);

	/* a 90-day range is not short: its own closes; zones against the
	 * basis; one department only */
	struct agg_range r90 = { d0 - 69, d0 + 20, d0 + 20, AGG_WEEK, NULL };
	w = agg_wip(s, &r90, 1, 10);
	assert_false(w->basis_short);
	assert_int_equal(w->basis_from, d0 - 69);
	assert_int_equal(w->ndepts, 1);
	assert_int_equal(w->depts[0].dept, 1);
	agg_wip_free(w);

	/* no close in the basis: null percentiles, no zone */
	struct agg_range early = { d0 + 7, d0 + 7, d0 + 7, AGG_WEEK, NULL };
	w = agg_wip(s, &early, 1, 10);
	assert_true(isnan(w->depts[0].pct[0]));
	assert_int_equal(w->depts[0].nitems, 1);
	for (size_t j = 0; j < w->depts[0].nitems; j++)
		assert_int_equal(w->depts[0].items[j].zone, AGG_ZONE_NONE);
	agg_wip_free(w);
	assert_null(agg_wip(s, &early, 2, 10));
	snap_put(s);
}

static void test_wip_business_days(void **state)
{
	(void)state;
	struct snap *s = world();
	/* Sat/Sun off and d0+15 (Tuesday) a holiday: t4's age on d0+20
	 * (Sunday) = business days in (d0+3, d0+20] = 11 weekdays − 1 = 10 */
	int32_t hol = d0 + 15;
	struct calendar *cal = calendar_new(CALENDAR_SAT_SUN, &hol, 1);
	struct agg_range r = { d0 + 10, d0 + 20, d0 + 20, AGG_WEEK, cal };
	struct agg_wip *w = agg_wip(s, &r, 0, 10);
	assert_int_equal(w->depts[0].items[0].age, 10);
	/* t1: (Mon, Fri] = 4, t2: 1, t3: (Wed d0+2, Sat d0+12] = 7 */
	real_eq(w->depts[0].pct[0], 4);
	real_eq(w->depts[0].pct[3], 4 + 0.9 * 3);
	agg_wip_free(w);
	calendar_free(cal);
	snap_put(s);
}

static void test_scatter(void **state)
{
	(void)state;
	struct snap *s = world();
	/* closes in [d0+4, d0+12]: t1 (d0+4, 4), t6 (d0+8, 2 in B), t3 (d0+12, 10) */
	struct agg_range r = { d0 + 4, d0 + 12, d0 + 20, AGG_WEEK, NULL };
	struct agg_scatter *sc = agg_scatter(s, &r, -1);
	assert_non_null(sc);
	assert_int_equal(sc->ndays, 9);
	const struct agg_scatter_dept *a = &sc->depts[0];
	assert_int_equal(a->npoints, 2);
	assert_string_equal(tid(s, a->points[0].ticket), "t1");
	assert_int_equal(a->points[1].days, 10);
	/* 4, 10: q1 5.5, q3 8.5, iqr 3, fences 1 and 13 */
	real_eq(a->q1, 5.5);
	real_eq(a->q3, 8.5);
	real_eq(a->fence_low, 1);
	real_eq(a->fence_high, 13);
	real_eq(a->p85, 4 + 0.85 * 6);
	assert_false(a->points[0].outlier);
	/* rolling on d0+4: t2 (d0+2, 1) and t1 (4) in the window: median 2.5 */
	assert_int_equal(a->rolling[0].n, 2);
	real_eq(a->rolling[0].median, 2.5);
	real_eq(a->rolling[0].q1, 1.75);
	/* on d0+12: t2, t1, t3 -> 1, 4, 10 */
	assert_int_equal(a->rolling[8].n, 3);
	real_eq(a->rolling[8].median, 4);
	real_eq(a->rolling[8].q3, 7);
	agg_scatter_free(sc);
	/* a window with nothing: null quartiles */
	struct agg_range late = { d0 + 80, d0 + 80, d0 + 90, AGG_WEEK, NULL };
	sc = agg_scatter(s, &late, 1);
	assert_int_equal(sc->depts[0].npoints, 0);
	assert_int_equal(sc->depts[0].rolling[0].n, 0);
	assert_true(isnan(sc->depts[0].rolling[0].median));
	assert_true(isnan(sc->depts[0].fence_high));
	agg_scatter_free(sc);
	snap_put(s);
}

static void test_flow(void **state)
{
	(void)state;
	struct snap *s = world();
	/* A over [d0+2, d0+4], as of d0+20 */
	struct agg_range r = { d0 + 2, d0 + 4, d0 + 20, AGG_DAY, NULL };
	struct agg_flow *f = agg_flow(s, &r, 0);
	assert_non_null(f);
	assert_int_equal(f->ndays, 3);
	const struct agg_flow_dept *a = &f->depts[0];
	/* before d0+2: t1, t2 arrived, none done */
	assert_int_equal(a->base_arrived, 2);
	assert_int_equal(a->base_done, 0);
	/* d0+2: t3 arrives, t2 done; d0+3: t4; d0+4: t1 done */
	assert_int_equal(a->days[0].arrived, 3);
	assert_int_equal(a->days[0].done, 1);
	assert_int_equal(a->days[0].in_progress, 2);
	assert_int_equal(a->days[1].arrived, 4);
	assert_int_equal(a->days[2].done, 2);
	assert_int_equal(a->days[2].in_progress, 2);
	real_eq(a->days[2].opened_ma28, 4 / 28.0);
	real_eq(a->days[2].closed_ma28, 2 / 28.0);
	assert_int_equal(f->nbuckets, 3);
	assert_int_equal(a->buckets[0].net_flow, 0);  /* t3 in, t2 out */
	assert_int_equal(a->buckets[1].net_flow, 1);
	real_eq(a->buckets[2].closes_per_week, 7);
	agg_flow_free(f);
	snap_put(s);
}

static void test_forecast_certain(void **state)
{
	(void)state;
	/* every day closes 2: 10 days give exactly 20, 7 items take 4 days */
	int64_t two[5] = { 2, 2, 2, 2, 2 };
	struct agg_forecast fc;
	agg_forecast_run(two, 5, 10, 7, 1, &fc);
	assert_int_equal(fc.total, 10);
	real_eq(fc.mean, 2);
	for (int l = 0; l < AGG_FORECAST_NLEVELS; l++) {
		assert_int_equal(fc.at_least[l], 20);
		assert_int_equal(fc.done_in[l], 4);
	}
	/* nothing ever closes: 0 done, never finished; 0 items: done now */
	int64_t zero[3] = { 0, 0, 0 };
	agg_forecast_run(zero, 3, 10, 5, 1, &fc);
	assert_int_equal(fc.at_least[0], 0);
	assert_int_equal(fc.done_in[2], -1);
	agg_forecast_run(zero, 3, 10, 0, 1, &fc);
	assert_int_equal(fc.done_in[0], 0);
}

static void test_forecast_levels_and_seed(void **state)
{
	(void)state;
	/* one day in four closes 4, else 0: over 1 day P(4) = 1/4, so "at
	 * least X with 50/85/95%" is 0, and with 20% it would be 4 */
	int64_t h[4] = { 4, 0, 0, 0 };
	struct agg_forecast a, b, c;
	agg_forecast_run(h, 4, 1, 4, 7, &a);
	for (int l = 0; l < AGG_FORECAST_NLEVELS; l++)
		assert_int_equal(a.at_least[l], 0);
	/* days to one close: geometric with p = 1/4; P(D <= d) = 1 − 0.75^d:
	 * 50% at d = 3 (0.578), 85% at 7 (0.867), 95% at 11 (0.958), with
	 * 10,000 trials far from the edges (0.5 vs 0.4375 at d = 2, ...) */
	assert_int_equal(a.done_in[0], 3);
	assert_int_equal(a.done_in[1], 7);
	assert_int_equal(a.done_in[2], 11);
	agg_forecast_run(h, 4, 30, 40, 7, &b);
	agg_forecast_run(h, 4, 30, 40, 7, &c);
	assert_memory_equal(&b, &c, sizeof(b)); /* same seed, same answer */
	assert_true(b.at_least[0] >= b.at_least[1] && b.at_least[1] >= b.at_least[2]);
	assert_true(b.done_in[0] <= b.done_in[1] && b.done_in[1] <= b.done_in[2]);
}

/* ---- CSV tables ---- */

static char *csv_of(const char *json_text, const char *rows, const struct api_csv_col *cols,
		    int *rc)
{
	json_error_t err;
	json_t *root = json_loads(json_text, 0, &err);
	assert_non_null(root);
	struct api_csv_table t = { "t", rows, cols };
	struct buf out = BUF_INIT;
	*rc = api_csv_write(&out, root, &t, 0);
	json_decref(root);
	return buf_detach(&out, NULL);
}

static void test_csv_paths(void **state)
{
	(void)state;
	const char *doc = "{\"range\":{\"from\":\"2024-01-01\"},\"depts\":["
			  "{\"name\":\"A, \\\"x\\\"\",\"rows\":[{\"v\":1,\"r\":0.125,\"n\":null,\"b\":true,"
			  "\"o\":{\"k\":[1,2]},\"a\":[5,6,7]},{\"v\":-2,\"r\":1e-07,\"b\":false}]},"
			  "{\"name\":\"B\\nline\",\"rows\":[]}],"
			  "\"day\":{\"start\":\"d\",\"top\":[{\"id\":1},{\"id\":2}],\"low\":[{\"id\":3}]},"
			  "\"last\":{\"v\":9}}";
	static const struct api_csv_col cols[] = {
		{ "dept", "^1.name" }, { "from", "^0.range.from" }, { "v", "v" }, { "r", "r" },
		{ "n", "n" }, { "missing", "nothing.here" }, { "b", "b" }, { "o", "o" },
		{ "a1", "a.1" }, { "rank", "#" }, { NULL, NULL }
	};
	int rc;
	char *s = csv_of(doc, "depts[].rows[]", cols, &rc);
	assert_int_equal(rc, 0);
	assert_string_equal(s, "dept,from,v,r,n,missing,b,o,a1,rank\n"
			       "\"A, \"\"x\"\"\",2024-01-01,1,0.125,,,true,\"{\"\"k\"\":[1,2]}\",6,1\n"
			       "\"A, \"\"x\"\"\",2024-01-01,-2,1e-7,,,false,,,2\n");
	free(s);
	/* (a|b)[] levels with their names; an alternative that is an object */
	static const struct api_csv_col lv[] = {
		{ "period", "^1@" }, { "start", "^1.start" }, { "board", "^2@" }, { "rank", "#" },
		{ "id", "id" }, { NULL, NULL }
	};
	s = csv_of(doc, "(day).(top|low)[]", lv, &rc);
	assert_int_equal(rc, 0);
	assert_string_equal(s, "period,start,board,rank,id\nday,d,top,1,1\nday,d,top,2,2\nday,d,low,1,3\n");
	free(s);
	static const struct api_csv_col one[] = { { "name", "name" }, { "v", "v" }, { NULL, NULL } };
	s = csv_of(doc, "depts[]|last|nothing", one, &rc);
	assert_int_equal(rc, 0);
	assert_string_equal(s, "name,v\n\"A, \"\"x\"\"\",\n\"B\nline\",\n,9\n");
	free(s);
	/* the root as one row */
	static const struct api_csv_col root[] = { { "from", "range.from" }, { NULL, NULL } };
	s = csv_of(doc, "", root, &rc);
	assert_string_equal(s, "from\n2024-01-01\n");
	free(s);
	/* malformed paths are refused (a programming error, logged) */
	static const struct api_csv_col bad[] = { { "x", "^9.name" }, { NULL, NULL } };
	s = csv_of(doc, "depts[]", bad, &rc);
	assert_int_equal(rc, -1);
	free(s);
	s = csv_of(doc, "(day", one, &rc);
	assert_int_equal(rc, -1);
	free(s);
	assert_null(api_csv_find(NULL, "x"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_campaign_starts_and_in_flight),
		cmocka_unit_test(test_wip),
		cmocka_unit_test(test_wip_business_days),
		cmocka_unit_test(test_scatter),
		cmocka_unit_test(test_flow),
		cmocka_unit_test(test_forecast_certain),
		cmocka_unit_test(test_forecast_levels_and_seed),
		cmocka_unit_test(test_csv_paths),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

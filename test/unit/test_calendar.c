/*
 * test_calendar.c - business days (calendar.h): weekend and date-list
 * parsing, and calendar_days() against a day-by-day brute force over
 * many calendars and pairs of dates (weekends of every shape, holidays on
 * business days and on weekend days, both orders of the two dates, dates
 * before, inside and after the holiday table, negative day numbers).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "calendar.h"
#include "date.h"
#include "rng.h"

/* Business days in (a, b] minus those in (b, a], one day at a time. */
static int32_t brute(unsigned weekend, const int32_t *hol, size_t nh, int32_t a, int32_t b)
{
	int32_t lo = a < b ? a : b, hi = a < b ? b : a, n = 0;
	for (int32_t d = lo + 1; d <= hi; d++) {
		int off = (weekend >> date_weekday(d)) & 1u;
		for (size_t i = 0; i < nh && !off; i++)
			off = hol[i] == d;
		n += !off;
	}
	return a <= b ? n : -n;
}

static void test_bounds_constants(void **state)
{
	(void)state;
	assert_int_equal(CALENDAR_HOLIDAY_MIN, date_from_ymd(1900, 1, 1));
	assert_int_equal(CALENDAR_HOLIDAY_MAX, date_from_ymd(2199, 12, 31));
}

static void test_parse_weekend(void **state)
{
	(void)state;
	unsigned m = 0;
	const char *why = NULL;
	char bad[48];
	assert_int_equal(calendar_parse_weekend("Sat, Sun", &m, &why, bad, sizeof(bad)), 0);
	assert_int_equal(m, CALENDAR_SAT_SUN);
	assert_int_equal(calendar_parse_weekend(" friday ,SATURDAY", &m, &why, bad, sizeof(bad)), 0);
	assert_int_equal(m, (1u << 4) | (1u << 5));
	assert_int_equal(calendar_parse_weekend("", &m, &why, bad, sizeof(bad)), 0);
	assert_int_equal(m, 0);
	assert_int_equal(calendar_parse_weekend("Sat, Sunday, Fun", &m, &why, bad, sizeof(bad)), -1);
	assert_string_equal(bad, "Fun");
	assert_int_equal(calendar_parse_weekend("Sat, sat", &m, &why, bad, sizeof(bad)), -1);
	assert_string_equal(bad, "sat");
	assert_non_null(strstr(why, "twice"));
	assert_int_equal(calendar_parse_weekend("Sat,,Sun", &m, &why, bad, sizeof(bad)), -1);
	assert_int_equal(calendar_parse_weekend("Sat,", &m, &why, bad, sizeof(bad)), -1);
	assert_int_equal(calendar_parse_weekend("Mon,Tue,Wed,Thu,Fri,Sat,Sun", &m, &why, bad, sizeof(bad)),
			 -1);
	assert_non_null(strstr(why, "no business day"));
}

static void test_parse_dates(void **state)
{
	(void)state;
	int32_t *d = NULL;
	size_t n = 0;
	struct calendar_error err;
	assert_int_equal(calendar_parse_dates("2025-12-26, 2025-12-25\n\n# a comment, 2020-01-01\n"
					      "2025-12-25 ; again\n  2026-01-01  ,\n",
					      &d, &n, &err), 0);
	assert_int_equal(n, 3);
	assert_int_equal(d[0], date_from_ymd(2025, 12, 25));
	assert_int_equal(d[1], date_from_ymd(2025, 12, 26));
	assert_int_equal(d[2], date_from_ymd(2026, 1, 1));
	free(d);
	assert_int_equal(calendar_parse_dates("", &d, &n, &err), 0);
	assert_int_equal(n, 0);
	free(d);
	assert_int_equal(calendar_parse_dates("2025-01-01\n2025-01-02, 2025-02-30\n", &d, &n, &err), -1);
	assert_int_equal(err.line, 2);
	assert_int_equal(err.item, 2);
	assert_string_equal(err.text, "2025-02-30");
	assert_int_equal(calendar_parse_dates("1899-12-31", &d, &n, &err), -1);
	assert_int_equal(err.line, 1);
	assert_non_null(strstr(err.why, "1900"));
	assert_int_equal(calendar_parse_dates("2200-01-01", &d, &n, &err), -1);
	assert_int_equal(calendar_parse_dates("xmas", &d, &n, &err), -1);
	assert_string_equal(err.text, "xmas");
}

static void test_edges_by_hand(void **state)
{
	(void)state;
	int32_t xmas = date_from_ymd(2025, 12, 25); /* a Thursday */
	struct calendar *c = calendar_new(CALENDAR_SAT_SUN, &xmas, 1);
	assert_non_null(c);
	int32_t fri = date_from_ymd(2025, 12, 19), sat = fri + 1, sun = fri + 2, mon = fri + 3;
	assert_int_equal(calendar_days(c, fri, fri), 0);
	assert_int_equal(calendar_days(c, fri, sat), 0);   /* closed on a Saturday */
	assert_int_equal(calendar_days(c, fri, mon), 1);   /* over the weekend */
	assert_int_equal(calendar_days(c, sat, sun), 0);   /* opened and closed off */
	assert_int_equal(calendar_days(c, sat, mon), 1);   /* opened on a Saturday */
	assert_int_equal(calendar_days(c, mon, fri), -1);  /* backwards: minus (fri, mon] */
	assert_int_equal(calendar_days(c, xmas - 1, xmas), 0);      /* closed on the holiday */
	assert_int_equal(calendar_days(c, xmas - 1, xmas + 1), 1);  /* across it */
	assert_int_equal(calendar_days(c, xmas, xmas + 1), 1);      /* opened on it */
	assert_int_equal(calendar_days(NULL, fri, mon), 3);         /* calendar days */
	assert_int_equal(calendar_is_business(c, xmas), 0);
	assert_int_equal(calendar_is_business(c, sat), 0);
	assert_int_equal(calendar_is_business(c, mon), 1);
	assert_int_equal(calendar_weekend(c), CALENDAR_SAT_SUN);
	calendar_free(c);
	/* refused */
	assert_null(calendar_new(CALENDAR_ALL_DAYS, NULL, 0));
	int32_t far = date_from_ymd(2300, 1, 1);
	assert_null(calendar_new(0, &far, 1));
	calendar_free(NULL);
}

static void test_random_against_brute(void **state)
{
	(void)state;
	struct rng r;
	rng_seed(&r, 11);
	int32_t base = date_from_ymd(1969, 11, 20); /* around day 0: negative numbers too */
	for (int round = 0; round < 200; round++) {
		unsigned weekend = (unsigned)rng_below(&r, CALENDAR_ALL_DAYS); /* never all days */
		size_t nh = (size_t)rng_below(&r, 12);
		int32_t hol[12];
		for (size_t i = 0; i < nh; i++)
			hol[i] = base + (int32_t)rng_below(&r, 120);
		if (nh > 1)
			hol[nh - 1] = hol[0]; /* a duplicate */
		struct calendar *c = calendar_new(weekend, hol, nh);
		assert_non_null(c);
		for (int k = 0; k < 60; k++) {
			int32_t a = base - 30 + (int32_t)rng_below(&r, 180);
			int32_t b = base - 30 + (int32_t)rng_below(&r, 180);
			int32_t want = brute(weekend, hol, nh, a, b);
			if (calendar_days(c, a, b) != want)
				fail_msg("weekend %#x, %zu holidays, %d..%d: %d, want %d", weekend, nh, a, b,
					 calendar_days(c, a, b), want);
		}
		calendar_free(c);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bounds_constants),
		cmocka_unit_test(test_parse_weekend),
		cmocka_unit_test(test_parse_dates),
		cmocka_unit_test(test_edges_by_hand),
		cmocka_unit_test(test_random_against_brute),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

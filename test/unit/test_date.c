/*
 * test_date.c - day numbers, calendar rules and ISO-8601 parsing (date.h).
 *
 * Expected values come from a second, deliberately naive calendar written
 * here (walk the days one by one from 1970-01-01) and from constants worked
 * out by hand, never from date.c itself.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "date.h"

/* ---- the naive reference calendar ---- */

static int ref_leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int ref_dim(int y, int m)
{
	static const int dim[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	return m == 2 && ref_leap(y) ? 29 : dim[m - 1];
}

struct ymd {
	int y, m, d;
};

static void ref_next(struct ymd *t)
{
	if (++t->d > ref_dim(t->y, t->m)) {
		t->d = 1;
		if (++t->m > 12) {
			t->m = 1;
			t->y++;
		}
	}
}

static void ref_prev(struct ymd *t)
{
	if (--t->d < 1) {
		if (--t->m < 1) {
			t->m = 12;
			t->y--;
		}
		t->d = ref_dim(t->y, t->m);
	}
}

static int32_t parse_ok(const char *s)
{
	int32_t day = 12345;
	assert_int_equal(date_parse(s, strlen(s), &day), 0);
	return day;
}

static void parse_bad(const char *s)
{
	int32_t day = 12345;
	assert_int_equal(date_parse(s, strlen(s), &day), -1);
	assert_int_equal(day, 12345); /* untouched on failure */
}

static int32_t iso_ok(const char *s)
{
	int32_t day = 12345;
	const char *why = NULL;
	int rc = date_parse_iso(s, strlen(s), &day, &why);
	if (rc != 0)
		fail_msg("date_parse_iso('%s') failed: %s", s, why ? why : "(no reason)");
	return day;
}

static void iso_bad(const char *s)
{
	int32_t day = 12345;
	const char *why = NULL;
	if (date_parse_iso(s, strlen(s), &day, &why) != -1)
		fail_msg("date_parse_iso('%s') accepted it as day %d", s, (int)day);
	assert_non_null(why);
	assert_true(strlen(why) > 0);
}

static const char *fmt(int32_t day, char *out)
{
	return date_str(day, out);
}

/* ---- round trips ---- */

/* Every day from 1970-01-01 forwards to 2400-12-31 and backwards to
 * 1600-01-01 against the day-by-day walk. */
static void test_ymd_walk(void **state)
{
	(void)state;
	struct ymd t = { 1970, 1, 1 };
	for (int32_t day = 0; t.y <= 2400; day++, ref_next(&t)) {
		assert_int_equal(date_from_ymd(t.y, t.m, t.d), day);
		int y, m, d;
		date_to_ymd(day, &y, &m, &d);
		if (y != t.y || m != t.m || d != t.d)
			fail_msg("day %d: got %d-%d-%d, expected %d-%d-%d", (int)day, y, m, d, t.y, t.m, t.d);
	}
	t = (struct ymd){ 1970, 1, 1 };
	for (int32_t day = 0; t.y >= 1600; day--, ref_prev(&t)) {
		assert_int_equal(date_from_ymd(t.y, t.m, t.d), day);
		int y, m, d;
		date_to_ymd(day, &y, &m, &d);
		if (y != t.y || m != t.m || d != t.d)
			fail_msg("day %d: got %d-%d-%d, expected %d-%d-%d", (int)day, y, m, d, t.y, t.m, t.d);
	}
}

/* The ends of the supported range and known anchors. */
static void test_ymd_anchors(void **state)
{
	(void)state;
	assert_int_equal(date_from_ymd(1970, 1, 1), 0);
	assert_int_equal(date_from_ymd(1969, 12, 31), -1);
	/* 2000-03-01: 30 years of 365 days + 7 leap days (72..96) + Jan + 29 Feb */
	assert_int_equal(date_from_ymd(2000, 3, 1), 30 * 365 + 7 + 31 + 29);
	assert_int_equal(date_from_ymd(1, 1, 1), DATE_MIN);
	assert_int_equal(date_from_ymd(9999, 12, 31), DATE_MAX);
	/* 400 Gregorian years are exactly 146097 days */
	assert_int_equal(date_from_ymd(2400, 1, 1) - date_from_ymd(2000, 1, 1), 146097);
	assert_int_equal(date_from_ymd(2001, 1, 1) - date_from_ymd(2000, 1, 1), 366);
	assert_int_equal(date_from_ymd(1901, 1, 1) - date_from_ymd(1900, 1, 1), 365);

	/* cross-check with the C library for a span it handles */
	for (int y = 1971; y < 2037; y += 3) {
		struct tm tm = { .tm_year = y - 1900, .tm_mon = (y * 7) % 12, .tm_mday = 1 + y % 28 };
		time_t t = timegm(&tm);
		assert_int_equal(date_from_ymd(y, (y * 7) % 12 + 1, 1 + y % 28), (int32_t)(t / 86400));
	}

	char s[DATE_LEN + 1];
	assert_string_equal(fmt(DATE_MIN, s), "0001-01-01");
	assert_string_equal(fmt(DATE_MAX, s), "9999-12-31");
	assert_string_equal(fmt(0, s), "1970-01-01");
	assert_string_equal(fmt(-1, s), "1969-12-31");
	assert_string_equal(fmt(19782, s), "2024-02-29");
}

/* Format then parse gives the day back, over the whole supported range. */
static void test_format_parse_roundtrip(void **state)
{
	(void)state;
	char s[DATE_LEN + 1];
	for (int32_t day = DATE_MIN; day <= DATE_MAX; day += 997) {
		date_str(day, s);
		assert_int_equal(strlen(s), DATE_LEN);
		assert_int_equal(parse_ok(s), day);
	}
	assert_int_equal(parse_ok(fmt(DATE_MAX, s)), DATE_MAX);

	/* date_format writes exactly DATE_LEN bytes and no NUL */
	char raw[DATE_LEN + 2];
	memset(raw, '#', sizeof(raw));
	date_format(0, raw);
	assert_memory_equal(raw, "1970-01-01##", DATE_LEN + 2);
}

/* ---- date_parse ---- */

static void test_parse_leap_years(void **state)
{
	(void)state;
	assert_int_equal(parse_ok("2024-02-29"), 19782);
	assert_int_equal(parse_ok("2000-02-29"), 11016);
	parse_bad("2023-02-29");
	parse_bad("1900-02-29");
	parse_bad("2100-02-29");
	assert_int_equal(parse_ok("2023-02-28") + 1, parse_ok("2023-03-01"));
	assert_int_equal(parse_ok("2024-02-28") + 2, parse_ok("2024-03-01"));
	for (int m = 1; m <= 12; m++) {
		char s[48];
		snprintf(s, sizeof(s), "2023-%02d-%02d", m, ref_dim(2023, m));
		parse_ok(s);
		snprintf(s, sizeof(s), "2023-%02d-%02d", m, ref_dim(2023, m) + 1);
		parse_bad(s);
	}
}

static void test_parse_rejects(void **state)
{
	(void)state;
	parse_bad("2024-13-01");
	parse_bad("2024-00-10");
	parse_bad("2024-01-00");
	parse_bad("2024-01-32");
	parse_bad("2024-04-31");
	parse_bad("0000-01-01");
	parse_bad("2024-1-01");
	parse_bad("2024-01-1");
	parse_bad("24-01-01");
	parse_bad("2024/01/01");
	parse_bad("2024-01-01x");
	parse_bad("2024-01-01 ");
	parse_bad(" 2024-01-01");
	parse_bad("2024-01-01T00:00:00Z"); /* date_parse takes dates only */
	parse_bad("");
	parse_bad("+024-01-01");
	parse_bad("2024-0a-01");
	parse_bad("2024--1-01");

	/* n bounds the input: the first ten bytes of a longer string are a date */
	int32_t day;
	assert_int_equal(date_parse("2024-02-29junk", DATE_LEN, &day), 0);
	assert_int_equal(day, 19782);
	assert_int_equal(date_parse("2024-02-29", 9, &day), -1);
}

/* ---- date_parse_iso ---- */

static void test_iso_plain_date(void **state)
{
	(void)state;
	assert_int_equal(iso_ok("2024-02-29"), 19782);
	iso_bad("2023-02-29");
	iso_bad("2024-13-01");
	iso_bad("2024-1-01");
	iso_bad("2024-01-01x");
	iso_bad("");
}

static void test_iso_zones(void **state)
{
	(void)state;
	int32_t d0301 = 19783; /* 2024-03-01 */
	assert_int_equal(iso_ok("2024-03-01T00:00:00Z"), d0301);
	assert_int_equal(iso_ok("2024-03-01T23:59:59Z"), d0301);
	assert_int_equal(iso_ok("2024-03-01T23:59:59z"), d0301);
	assert_int_equal(iso_ok("2024-03-01t12:00Z"), d0301);
	/* no zone: UTC */
	assert_int_equal(iso_ok("2024-03-01T23:59"), d0301);
	assert_int_equal(iso_ok("2024-03-01T00:00:00"), d0301);

	/* +02:00 early in the day is the previous UTC day (a leap day here) */
	assert_int_equal(iso_ok("2024-03-01T01:59:00+02:00"), d0301 - 1);
	assert_int_equal(iso_ok("2024-03-01T02:00:00+02:00"), d0301);
	assert_int_equal(iso_ok("2024-03-01T00:30+01:00"), d0301 - 1);
	assert_int_equal(iso_ok("2024-03-01T00:30:00+0100"), d0301 - 1);
	assert_int_equal(iso_ok("2024-03-01T00:30:00+01"), d0301 - 1);
	/* -05:30 late in the day is the next UTC day */
	assert_int_equal(iso_ok("2024-03-01T18:29:59-05:30"), d0301);
	assert_int_equal(iso_ok("2024-03-01T18:30:00-05:30"), d0301 + 1);
	assert_int_equal(iso_ok("2024-03-01T23:00-0530"), d0301 + 1);
	/* across a year end, both ways */
	assert_int_equal(iso_ok("2024-12-31T20:00:00-05:30"), 20089); /* 2025-01-01 */
	assert_int_equal(iso_ok("2025-01-01T03:00:00+05:30"), 20088); /* 2024-12-31 */
	/* before 1970: floor, not truncation, of negative minute counts */
	assert_int_equal(iso_ok("1970-01-01T00:00:00+00:01"), -1);
	assert_int_equal(iso_ok("1969-12-31T23:59:00-00:01"), 0);
	/* the largest offsets */
	assert_int_equal(iso_ok("2024-03-01T23:59+23:59"), d0301);
	assert_int_equal(iso_ok("2024-03-01T00:00-23:59"), d0301);
	assert_int_equal(iso_ok("2024-03-01T00:01-23:59"), d0301 + 1);
	assert_int_equal(iso_ok("2024-03-01T23:58+23:59"), d0301 - 1);
}

static void test_iso_fraction_and_separator(void **state)
{
	(void)state;
	int32_t d = 19783; /* 2024-03-01 */
	assert_int_equal(iso_ok("2024-03-01T12:34:56.789Z"), d);
	assert_int_equal(iso_ok("2024-03-01T12:34:56,5Z"), d);
	assert_int_equal(iso_ok("2024-03-01T23:59:59.999999999+00:00"), d);
	assert_int_equal(iso_ok("2024-03-01T00:10:00.5+01:00"), d - 1);
	assert_int_equal(iso_ok("2024-03-01 12:34:56"), d);
	assert_int_equal(iso_ok("2024-03-01 22:00:00-03:00"), d + 1);
	assert_int_equal(iso_ok("2024-03-01T23:59:60Z"), d); /* leap second */
}

static void test_iso_rejects(void **state)
{
	(void)state;
	iso_bad("2024-03-01T");
	iso_bad("2024-03-01T1");
	iso_bad("2024-03-01T12");
	iso_bad("2024-03-01T12:3");
	iso_bad("2024-03-01T12:34:");
	iso_bad("2024-03-01T12:34:5");
	iso_bad("2024-03-01T12:34:56.");
	iso_bad("2024-03-01T12:34:56.Z");
	iso_bad("2024-03-01T24:00");
	iso_bad("2024-03-01T12:60");
	iso_bad("2024-03-01T12:00:61");
	iso_bad("2024-03-01X12:00");
	iso_bad("2024-03-01T12:00Zjunk");
	iso_bad("2024-03-01T12:00 Z");
	iso_bad("2024-03-01T12:00+2");
	iso_bad("2024-03-01T12:00+24:00");
	iso_bad("2024-03-01T12:00+02:60");
	iso_bad("2024-03-01T12:00+02:3");
	iso_bad("2024-03-01T12:00+02:00:00");
	iso_bad("2024-03-01T12:00:00+");
	iso_bad("2024-02-30T12:00:00Z");
	iso_bad("2024-03-01T1a:00");
}

/* `±HH[:MM]`: a colon must be followed by the minutes. */
static void test_iso_rejects_dangling_colon(void **state)
{
	(void)state;
	iso_bad("2024-03-01T12:00+02:");
	iso_bad("2024-03-01T12:00:00-05:");
}

/* ---- weekdays, weeks, months ---- */

/* Sakamoto's weekday, 0 = Sunday. */
static int ref_weekday_sun0(int y, int m, int d)
{
	static const int t[] = { 0, 3, 2, 5, 0, 3, 5, 1, 4, 6, 2, 4 };
	if (m < 3)
		y -= 1;
	return (y + y / 4 - y / 100 + y / 400 + t[m - 1] + d) % 7;
}

static void test_weekday(void **state)
{
	(void)state;
	assert_int_equal(date_weekday(0), 3);                     /* 1970-01-01 Thursday */
	assert_int_equal(date_weekday(-1), 2);                    /* 1969-12-31 Wednesday */
	assert_int_equal(date_weekday(parse_ok("2024-01-01")), 0); /* Monday */
	assert_int_equal(date_weekday(parse_ok("2024-03-03")), 6); /* Sunday */
	assert_int_equal(date_weekday(DATE_MIN), 0);              /* 0001-01-01 Monday */

	struct ymd t = { 1890, 1, 1 };
	for (int32_t day = date_from_ymd(1890, 1, 1); t.y < 2110; day++, ref_next(&t)) {
		int mon0 = (ref_weekday_sun0(t.y, t.m, t.d) + 6) % 7;
		if (date_weekday(day) != mon0)
			fail_msg("%d-%02d-%02d: weekday %d, expected %d", t.y, t.m, t.d,
				 date_weekday(day), mon0);
	}
}

static void test_week_start(void **state)
{
	(void)state;
	char s[DATE_LEN + 1];
	assert_string_equal(fmt(date_week_start(parse_ok("2021-01-01")), s), "2020-12-28");
	assert_string_equal(fmt(date_week_start(parse_ok("2024-03-03")), s), "2024-02-26");
	assert_string_equal(fmt(date_week_start(parse_ok("2024-03-04")), s), "2024-03-04");
	assert_string_equal(fmt(date_week_start(0), s), "1969-12-29");
	assert_string_equal(fmt(date_week_start(-4), s), "1969-12-22");

	for (int32_t day = -3000; day < 30000; day++) {
		int32_t ws = date_week_start(day);
		assert_int_equal(date_weekday(ws), 0);
		assert_true(ws <= day && day - ws < 7);
	}
}

/* ISO weeks by walking: 1900-01-01 is Monday of 1900-W01 (it holds
 * January 4th); each Monday starts the next week, and a Monday from
 * December 29th to January 4th starts week 1 of the year of that January. */
static void test_iso_week_walk(void **state)
{
	(void)state;
	struct ymd t = { 1900, 1, 1 };
	int year = 1900, week = 1, last[2102] = { 0 };
	for (int32_t day = date_from_ymd(1900, 1, 1); t.y < 2101; day++, ref_next(&t)) {
		if ((ref_weekday_sun0(t.y, t.m, t.d) + 6) % 7 == 0 && day != date_from_ymd(1900, 1, 1)) {
			week++;
			if (t.m == 12 && t.d >= 29) {
				year = t.y + 1;
				week = 1;
			} else if (t.m == 1 && t.d <= 4) {
				year = t.y;
				week = 1;
			}
			int32_t mon;
			assert_int_equal(date_iso_week_start(year, week, &mon), 0);
			assert_int_equal(mon, day);
		}
		last[year] = week;
		int y, w;
		date_iso_week(day, &y, &w);
		if (y != year || w != week)
			fail_msg("%d-%02d-%02d: ISO week %d-W%02d, expected %d-W%02d", t.y, t.m, t.d, y, w,
				 year, week);
		char s[DATE_WEEK_LEN + 1], want[32];
		snprintf(want, sizeof(want), "%04d-W%02d", year, week);
		assert_string_equal(date_week_str(day, s), want);
		int32_t mon;
		assert_int_equal(date_parse_iso_week(want, strlen(want), &mon), 0);
		assert_int_equal(mon, day - (ref_weekday_sun0(t.y, t.m, t.d) + 6) % 7);
	}
	/* week 53 exists exactly in the years that reach it */
	for (int y = 1901; y < 2100; y++) {
		int32_t mon;
		assert_int_equal(date_iso_week_start(y, 53, &mon), last[y] == 53 ? 0 : -1);
		assert_int_equal(date_iso_week_start(y, 54, &mon), -1);
		assert_int_equal(date_iso_week_start(y, 0, &mon), -1);
	}
}

static void test_iso_week_anchors(void **state)
{
	(void)state;
	char s[DATE_LEN + 1];
	int32_t mon;
	static const struct {
		const char *week, *monday;
	} ok[] = {
		{ "2025-W14", "2025-03-31" }, { "2020-W53", "2020-12-28" }, { "2026-W53", "2026-12-28" },
		{ "2019-W01", "2018-12-31" }, { "2021-W01", "2021-01-04" }, { "1900-W01", "1900-01-01" },
		{ "0001-W01", "0001-01-01" }, { "9999-W52", "9999-12-27" },
	};
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		assert_int_equal(date_parse_iso_week(ok[i].week, strlen(ok[i].week), &mon), 0);
		assert_string_equal(fmt(mon, s), ok[i].monday);
	}
	static const char *const bad[] = { "2021-W53", "2025-W00", "2025-W54", "2025W14", "2025-w14",
					   "2025-W1", " 2025-W14", "2025-W14 ", "0000-W01", "2025-14",
					   "2025-W1x", "", "2025-03-31" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (date_parse_iso_week(bad[i], strlen(bad[i]), &mon) == 0)
			fail_msg("'%s' parsed as an ISO week", bad[i]);
	int y, w;
	date_iso_week(parse_ok("2021-01-03"), &y, &w);
	assert_true(y == 2020 && w == 53);
	date_iso_week(parse_ok("2024-12-30"), &y, &w);
	assert_true(y == 2025 && w == 1);
}

static void test_month_bounds(void **state)
{
	(void)state;
	char s[DATE_LEN + 1];
	assert_string_equal(fmt(date_month_start(parse_ok("2024-02-17")), s), "2024-02-01");
	assert_string_equal(fmt(date_month_end(parse_ok("2024-02-17")), s), "2024-02-29");
	assert_string_equal(fmt(date_month_end(parse_ok("2023-02-01")), s), "2023-02-28");
	assert_string_equal(fmt(date_month_end(parse_ok("2100-02-01")), s), "2100-02-28");
	assert_string_equal(fmt(date_month_end(parse_ok("2000-02-01")), s), "2000-02-29");
	assert_string_equal(fmt(date_month_end(parse_ok("2023-12-31")), s), "2023-12-31");
	assert_string_equal(fmt(date_month_start(parse_ok("2023-12-31")), s), "2023-12-01");
	assert_string_equal(fmt(date_month_end(-1), s), "1969-12-31");
	assert_string_equal(fmt(date_month_start(-1), s), "1969-12-01");

	struct ymd t = { 1960, 1, 1 };
	for (int32_t day = date_from_ymd(1960, 1, 1); t.y < 2040; day++, ref_next(&t)) {
		assert_int_equal(date_month_start(day), day - (t.d - 1));
		assert_int_equal(date_month_end(day), day - t.d + ref_dim(t.y, t.m));
	}
}

static void test_today(void **state)
{
	(void)state;
	time_t before = time(NULL);
	int32_t today = date_today();
	time_t after = time(NULL);
	assert_true(today >= (int32_t)(before / 86400) && today <= (int32_t)(after / 86400));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ymd_walk),
		cmocka_unit_test(test_ymd_anchors),
		cmocka_unit_test(test_format_parse_roundtrip),
		cmocka_unit_test(test_parse_leap_years),
		cmocka_unit_test(test_parse_rejects),
		cmocka_unit_test(test_iso_plain_date),
		cmocka_unit_test(test_iso_zones),
		cmocka_unit_test(test_iso_fraction_and_separator),
		cmocka_unit_test(test_iso_rejects),
		cmocka_unit_test(test_iso_rejects_dangling_colon),
		cmocka_unit_test(test_weekday),
		cmocka_unit_test(test_week_start),
		cmocka_unit_test(test_iso_week_walk),
		cmocka_unit_test(test_iso_week_anchors),
		cmocka_unit_test(test_month_bounds),
		cmocka_unit_test(test_today),
	};
	return cmocka_run_group_tests_name("date", tests, NULL, NULL);
}

/*
 * test_ts.c - timestamps (ts.h) and time zones (tz.h): ISO-8601 with and
 * without offsets (across midnight both ways), fractions, formats (Jira's
 * `12/Mar/24 9:41 AM`), bare dates that never shift, zones by name with
 * their DST gap and fold (the offset from before the transition, as
 * Python's zoneinfo with fold = 0), POSIX footer rules past 2037, fixed
 * offsets, and every refusal with its reason.  Expected instants are
 * written out by hand from the calendar, not taken from the code.
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

#include "date.h"
#include "ts.h"
#include "tz.h"

#define H 3600LL
#define US 1000000LL

/* seconds since the epoch of a UTC civil time */
static int64_t utc(int y, int mo, int d, int h, int mi, int s)
{
	return (int64_t)date_from_ymd(y, mo, d) * 86400 + h * 3600 + mi * 60 + s;
}

static int64_t iso(const char *s, const struct tz *tz)
{
	int64_t us;
	const char *why = NULL;
	int rc = ts_parse_iso(s, strlen(s), tz, &us, &why);
	if (rc)
		fail_msg("'%s': %s", s, why);
	return us;
}

static const char *iso_fails(const char *s)
{
	int64_t us;
	const char *why = NULL;
	assert_int_equal(ts_parse_iso(s, strlen(s), NULL, &us, &why), -1);
	assert_non_null(why);
	return why;
}

static int64_t fmt(const char *f, const char *s, const struct tz *tz)
{
	int64_t us;
	const char *why = NULL;
	if (ts_parse_fmt(f, s, strlen(s), tz, &us, &why))
		fail_msg("'%s' with '%s': %s", s, f, why);
	return us;
}

static struct tz *zone(const char *name)
{
	char err[256];
	struct tz *tz = tz_load(name, err, sizeof(err));
	if (!tz)
		fail_msg("%s: %s", name, err);
	return tz;
}

static void test_iso_offsets(void **state)
{
	(void)state;
	assert_true(iso("2024-03-01T09:00:00Z", NULL) == utc(2024, 3, 1, 9, 0, 0) * US);
	assert_true(iso("2024-03-01 09:00", NULL) == utc(2024, 3, 1, 9, 0, 0) * US);
	/* across midnight: the UTC date is the next day */
	int64_t t = iso("2024-03-01T23:30:00-02:00", NULL);
	assert_true(t == utc(2024, 3, 2, 1, 30, 0) * US);
	assert_int_equal(ts_day(t), date_from_ymd(2024, 3, 2));
	/* and the previous day */
	t = iso("2024-03-02T00:30:00+09:00", NULL);
	assert_true(t == utc(2024, 3, 1, 15, 30, 0) * US);
	assert_int_equal(ts_day(t), date_from_ymd(2024, 3, 1));
	/* spellings of the offset and the fraction */
	assert_true(iso("2024-03-01T09:00:00.123456+0530", NULL) ==
		    utc(2024, 3, 1, 3, 30, 0) * US + 123456);
	assert_true(iso("2024-03-01 09:00:00.5 +05", NULL) == utc(2024, 3, 1, 4, 0, 0) * US + 500000);
	assert_true(iso("2024-03-01T09:00:00,25z", NULL) == utc(2024, 3, 1, 9, 0, 0) * US + 250000);
	assert_true(iso("2024-03-01T09:00:00.123456789Z", NULL) == utc(2024, 3, 1, 9, 0, 0) * US + 123456);
	/* a leap day, the year range ends */
	assert_true(iso("2024-02-29T12:00Z", NULL) == utc(2024, 2, 29, 12, 0, 0) * US);
	assert_true(iso("0001-01-01", NULL) == utc(1, 1, 1, 0, 0, 0) * US);
	assert_true(iso("9999-12-31T23:59:59Z", NULL) == utc(9999, 12, 31, 23, 59, 59) * US);
	/* before the epoch: days floor */
	t = iso("1969-12-31T23:59:59Z", NULL);
	assert_int_equal(ts_day(t), -1);
}

static void test_iso_refused(void **state)
{
	(void)state;
	assert_string_equal(iso_fails("2023-02-29"), "not a real calendar date");
	assert_string_equal(iso_fails("2024-03-01T24:00"),
			    "time of day out of range (00:00:00 to 23:59:59)");
	assert_string_equal(iso_fails("2024-03-01T12:60"),
			    "time of day out of range (00:00:00 to 23:59:59)");
	assert_string_equal(iso_fails("0000-01-01"), "year out of range (1 to 9999)");
	const char *bad[] = { "", "2024", "2024-3-1", "2024-03-01T9:00", "2024-03-01T09",
			      "2024-03-01T09:00:00+25:00", "2024-03-01T09:00:00Zjunk",
			      "2024-03-01T09:00:00.", "12/Mar/24 9:41 AM", "2024-03-01x" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int64_t us;
		const char *why;
		if (ts_parse_iso(bad[i], strlen(bad[i]), NULL, &us, &why) == 0)
			fail_msg("'%s' was accepted", bad[i]);
	}
}

static void test_formats(void **state)
{
	(void)state;
	/* Jira's default date format */
	const char *jira = "%d/%b/%y %I:%M %p";
	assert_true(fmt(jira, "12/Mar/24 9:41 AM", NULL) == utc(2024, 3, 12, 9, 41, 0) * US);
	assert_true(fmt(jira, "12/mar/24 12:05 am", NULL) == utc(2024, 3, 12, 0, 5, 0) * US);
	assert_true(fmt(jira, "1/Dec/99 12:30 PM", NULL) == utc(1999, 12, 1, 12, 30, 0) * US);
	assert_true(fmt(jira, "01/Sep/68 11:59 PM", NULL) == utc(2068, 9, 1, 23, 59, 0) * US);
	assert_true(fmt("%d %B %Y", "3 September 2024", NULL) == utc(2024, 9, 3, 0, 0, 0) * US);
	assert_true(fmt("%a, %d %b %Y %T %z", "Tue, 12 Mar 2024 09:41:07 +0100", NULL) ==
		    utc(2024, 3, 12, 8, 41, 7) * US);
	assert_true(fmt("%m/%d/%Y %H:%M:%S.%f", "03/12/2024 21:41:07.25", NULL) ==
		    utc(2024, 3, 12, 21, 41, 7) * US + 250000);
	assert_true(fmt("%s", "1710236467", NULL) == 1710236467LL * US);
	assert_true(fmt("%F", "2024-03-12", NULL) == utc(2024, 3, 12, 0, 0, 0) * US);
	assert_true(fmt("%Y%m%d%H%M", "202403120941", NULL) == utc(2024, 3, 12, 9, 41, 0) * US);
	assert_true(fmt("%e.%m.%Y", " 5.03.2024", NULL) == utc(2024, 3, 5, 0, 0, 0) * US);

	int64_t us;
	const char *why;
	assert_int_equal(ts_parse_fmt(jira, "12/Mxr/24 9:41 AM", 17, NULL, &us, &why), -1);
	assert_string_equal(why, "does not match the format (expected a month name)");
	assert_int_equal(ts_parse_fmt(jira, "12/Mar/24 9:41", 14, NULL, &us, &why), -1);
	assert_string_equal(why, "does not match the format (expected AM or PM)");
	assert_int_equal(ts_parse_fmt(jira, "12/Mar/24 13:41 PM", 18, NULL, &us, &why), -1);
	assert_string_equal(why, "hour out of range (1 to 12 with AM/PM)");
	assert_int_equal(ts_parse_fmt(jira, "31/Feb/24 9:41 AM", 17, NULL, &us, &why), -1);
	assert_string_equal(why, "not a real calendar date");
	assert_int_equal(ts_parse_fmt(jira, "12/Mar/24 9:41 AM!", 18, NULL, &us, &why), -1);
	assert_string_equal(why, "does not match the format (more text after the timestamp)");
	assert_int_equal(ts_parse_fmt("%d-%m-%Y", "12/03/2024", 10, NULL, &us, &why), -1);
	assert_string_equal(why, "does not match the format (a separator differs)");
}

static void test_check_format(void **state)
{
	(void)state;
	const char *why;
	assert_int_equal(ts_check_format("%d/%b/%y %I:%M %p", &why), 0);
	assert_int_equal(ts_check_format("%s", &why), 0);
	assert_int_equal(ts_check_format("%F %T%z", &why), 0);
	assert_int_equal(ts_check_format("%d/%m %H:%M", &why), -1);
	assert_string_equal(why, "needs a year, a month and a day (%Y or %y, %m or %b, %d) or %s");
	assert_int_equal(ts_check_format("%F %I:%M", &why), -1);
	assert_string_equal(why, "uses %I without %p or %p without %I");
	assert_int_equal(ts_check_format("%F %H %I %p", &why), -1);
	assert_string_equal(why, "uses both %H and %I");
	assert_int_equal(ts_check_format("%F %Q", &why), -1);
	assert_non_null(strstr(why, "unknown conversion"));
	assert_int_equal(ts_check_format("%F %", &why), -1);
	assert_string_equal(why, "ends with a lone '%'");
}

static void test_zones(void **state)
{
	(void)state;
	struct tz *berlin = zone("Europe/Berlin"), *ny = zone("America/New_York");
	/* winter and summer */
	assert_true(iso("2024-01-15 12:00", berlin) == utc(2024, 1, 15, 11, 0, 0) * US);
	assert_true(iso("2024-07-15 12:00", berlin) == utc(2024, 7, 15, 10, 0, 0) * US);
	assert_true(iso("2024-07-15 12:00", ny) == utc(2024, 7, 15, 16, 0, 0) * US);
	/* an offset in the text wins over the zone */
	assert_true(iso("2024-07-15 12:00Z", berlin) == utc(2024, 7, 15, 12, 0, 0) * US);
	/* a bare date is that day, whatever the zone */
	assert_true(iso("2024-07-15", berlin) == utc(2024, 7, 15, 0, 0, 0) * US);
	assert_true(fmt("%d.%m.%Y", "15.07.2024", ny) == utc(2024, 7, 15, 0, 0, 0) * US);
	/* local midnight in Berlin is the previous UTC day */
	assert_int_equal(ts_day(iso("2024-07-15 00:30", berlin)), date_from_ymd(2024, 7, 14));
	/* DST gap (2024-03-31 02:00 -> 03:00): 02:30 reads with the winter
	 * offset, so it is 01:30 UTC (03:30 CEST) */
	assert_true(iso("2024-03-31 02:30", berlin) == utc(2024, 3, 31, 1, 30, 0) * US);
	assert_true(iso("2024-03-31 03:00", berlin) == utc(2024, 3, 31, 1, 0, 0) * US);
	/* the fold (2024-10-27 03:00 -> 02:00): 02:30 happens twice, the
	 * first (CEST) is taken */
	assert_true(iso("2024-10-27 02:30", berlin) == utc(2024, 10, 27, 0, 30, 0) * US);
	assert_true(iso("2024-10-27 03:00", berlin) == utc(2024, 10, 27, 2, 0, 0) * US);
	/* far future: the POSIX rule of the file's footer */
	assert_true(iso("2061-07-01 12:00", berlin) == utc(2061, 7, 1, 10, 0, 0) * US);
	assert_true(iso("2061-12-01 12:00", ny) == utc(2061, 12, 1, 17, 0, 0) * US);
	assert_int_equal(tz_offset_at(berlin, utc(2061, 7, 1, 0, 0, 0)), 7200);
	assert_int_equal(tz_offset_at(ny, utc(2024, 3, 10, 6, 59, 59)), -5 * 3600);
	assert_int_equal(tz_offset_at(ny, utc(2024, 3, 10, 7, 0, 0)), -4 * 3600);
	assert_string_equal(tz_name(berlin), "Europe/Berlin");
	tz_free(berlin);
	tz_free(ny);
	/* a half-hour zone with no DST, and the southern hemisphere */
	struct tz *kolkata = zone("Asia/Kolkata"), *sydney = zone("Australia/Sydney");
	assert_true(iso("2024-03-01 00:15", kolkata) == utc(2024, 2, 29, 18, 45, 0) * US);
	assert_true(iso("2024-01-10 10:00", sydney) == utc(2024, 1, 9, 23, 0, 0) * US);
	assert_true(iso("2024-07-10 10:00", sydney) == utc(2024, 7, 10, 0, 0, 0) * US);
	tz_free(kolkata);
	tz_free(sydney);
}

static void test_fixed_and_bad_zones(void **state)
{
	(void)state;
	static const struct {
		const char *name;
		int32_t off;
	} fixed[] = { { "UTC", 0 }, { "Z", 0 }, { "GMT", 0 }, { "+02:00", 7200 }, { "-0530", -19800 },
		      { "UTC+1", 3600 }, { "GMT-03", -10800 }, { "+00:00", 0 } };
	for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++) {
		struct tz *tz = zone(fixed[i].name);
		assert_int_equal(tz_offset_at(tz, 0), fixed[i].off);
		assert_true(tz_local_to_utc(tz, 1000000) == 1000000 - fixed[i].off);
		tz_free(tz);
	}
	const char *bad[] = { "Europe/Berln", "../etc/passwd", "/etc/localtime", "Europe//Berlin",
			      "+25:00", "Europe/Berlin ", "", "a/./b" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char err[256] = "";
		struct tz *tz = tz_load(bad[i], err, sizeof(err));
		if (tz)
			fail_msg("'%s' was accepted", bad[i]);
		assert_non_null(strstr(err, "is not a time zone"));
	}
	/* a file that is not TZif, under $TZDIR */
	char dir[256], path[300], err[512];
	const char *tmp = getenv("TMPDIR");
	snprintf(dir, sizeof(dir), "%s/lt-tz-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/Fake", dir);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs("TZif? not really\n", f);
	fclose(f);
	setenv("TZDIR", dir, 1);
	assert_null(tz_load("Fake", err, sizeof(err)));
	assert_non_null(strstr(err, "is not a TZif file"));
	/* and a zone missing there */
	assert_null(tz_load("Europe/Berlin", err, sizeof(err)));
	assert_non_null(strstr(err, "No such file or directory"));
	unsetenv("TZDIR");
	unlink(path);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_iso_offsets),
		cmocka_unit_test(test_iso_refused),
		cmocka_unit_test(test_formats),
		cmocka_unit_test(test_check_format),
		cmocka_unit_test(test_zones),
		cmocka_unit_test(test_fixed_and_bad_zones),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

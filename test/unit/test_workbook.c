/*
 * test_workbook.c - the pure helpers of the weekly workbook (workbook.h):
 * which week a `week` argument names, sheet names, and that a build leaves
 * nothing on disk.  The workbook's cells are checked against a brute force
 * in test/integration/test_workbook.py.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "date.h"
#include "snap.h"
#include "workbook.h"

static int32_t day(const char *s)
{
	int32_t d;
	assert_int_equal(date_parse(s, strlen(s), &d), 0);
	return d;
}

/* ---- the week ---- */

static void week_is(const char *arg, const char *as_of, const char *monday)
{
	int32_t m = 0;
	char why[256] = "", got[DATE_LEN + 1];
	if (workbook_week(arg, day(as_of), &m, why, sizeof(why)))
		fail_msg("week '%s' as of %s: refused: %s", arg ? arg : "(default)", as_of, why);
	if (m != day(monday))
		fail_msg("week '%s' as of %s: %s, expected %s", arg ? arg : "(default)", as_of,
			 date_str(m, got), monday);
}

static void week_bad(const char *arg, const char *as_of, const char *says)
{
	int32_t m = 0;
	char why[256] = "";
	const char *shown = arg ? arg : "(default)";
	if (workbook_week(arg, day(as_of), &m, why, sizeof(why)) == 0)
		fail_msg("week '%s' as of %s: accepted", shown, as_of);
	if (!strstr(why, says))
		fail_msg("week '%s': message '%s' does not say '%s'", shown, why, says);
}

static void test_week_default(void **state)
{
	(void)state;
	/* the latest week whose Sunday is on or before as_of */
	week_is(NULL, "2025-04-06", "2025-03-31");  /* Sunday: its week is complete */
	week_is(NULL, "2025-04-05", "2025-03-24");  /* Saturday: the week before */
	week_is(NULL, "2025-03-31", "2025-03-24");  /* Monday */
	week_is(NULL, "2021-01-03", "2020-12-28");  /* 2020-W53 */
	/* every as_of: the week ends on or before it, and the next one does not */
	for (int32_t a = day("2019-12-01"); a < day("2021-02-01"); a++) {
		int32_t m;
		char why[256];
		assert_int_equal(workbook_week(NULL, a, &m, why, sizeof(why)), 0);
		assert_int_equal(date_weekday(m), 0);
		assert_true(m + 6 <= a && m + 13 > a);
	}
}

static void test_week_given(void **state)
{
	(void)state;
	week_is("2025-W14", "2025-04-06", "2025-03-31");
	week_is("2025-W14", "2025-04-02", "2025-03-31");   /* still running: cut at as_of */
	week_is("2025-W14", "2025-03-31", "2025-03-31");   /* its first day */
	week_is("2025-04-02", "2025-06-30", "2025-03-31"); /* any day of the week */
	week_is("2025-04-06", "2025-06-30", "2025-03-31");
	week_is("2025-03-31", "2025-06-30", "2025-03-31");
	week_is("2021-01-03", "2025-06-30", "2020-12-28");
	week_is("1900-01-01", "2025-06-30", "1900-01-01");
	week_is("1900-W01", "2025-06-30", "1900-01-01");
}

static void test_week_refused(void **state)
{
	(void)state;
	week_bad("2025-W15", "2025-04-06", "starts after as_of (2025-04-06)");
	week_bad("2025-04-07", "2025-04-06", "week 2025-W15 (from 2025-04-07) starts after as_of");
	week_bad("1899-12-31", "2025-04-06", "week 1899-W52 (from 1899-12-25) starts before 1900");
	week_bad("1899-W52", "2025-04-06", "starts before 1900");
	week_bad(NULL, "1900-01-06", "week 1899-W52 (from 1899-12-25) starts before 1900");
	week_bad("2021-W53", "2025-04-06", "'2021-W53' is not an ISO week (YYYY-Www");
	week_bad("2025-W00", "2025-04-06", "is not an ISO week");
	week_bad("2025-02-30", "2025-04-06", "or a date (YYYY-MM-DD)");
	week_bad("last", "2025-04-06", "'last' is not");
	week_bad("", "2025-04-06", "'' is not");
	week_bad("2025-w14", "2025-04-06", "is not");
}

/* ---- sheet names ---- */

static void names_are(const char *const *names, const char *const *groups, size_t n,
		      const char *const *want)
{
	char(*out)[WORKBOOK_SHEET_BYTES] = calloc(n + 1, sizeof(*out));
	assert_non_null(out);
	workbook_sheet_names(names, groups, n, out);
	for (size_t i = 0; i < n; i++)
		if (strcmp(out[i], want[i]) != 0)
			fail_msg("name %zu '%s': '%s', expected '%s'", i, names[i], out[i], want[i]);
	free(out);
}

static void test_names_plain_and_cleaned(void **state)
{
	(void)state;
	const char *names[] = { "Ana Lima", "a[b]c:d*e?f/g\\h", "'Quoted'", "O'Brien", "a\tb\nc",
				"///", "   ", "Zoë Ekström", "Jon  Smith " };
	const char *groups[] = { "Sales", "Sales", "Sales", "Sales", "Sales",
				 "Sales", "Sales", "Sales", "Sales" };
	const char *want[] = { "Ana Lima", "a_b_c_d_e_f_g_h", "_Quoted_", "O'Brien", "a_b_c",
			       "___", "Employee", "Zoë Ekström", "Jon  Smith" };
	names_are(names, groups, 9, want);
}

static void test_names_cut_to_31(void **state)
{
	(void)state;
	/* 31 characters: ASCII, two-byte letters, and astral emoji (2 UTF-16 units each) */
	const char *names[] = { "Maximiliana Konstantinopoulou-Papadimitriou",
				"ÉÉÉÉÉÉÉÉÉÉÉÉÉÉÉÉÉÉÉÉÉÉÉÉÉÉÉÉÉÉÉÉÉÉÉ",
				"\xF0\x9F\x98\x80\xF0\x9F\x98\x80\xF0\x9F\x98\x80\xF0\x9F\x98\x80"
				"\xF0\x9F\x98\x80\xF0\x9F\x98\x80\xF0\x9F\x98\x80\xF0\x9F\x98\x80"
				"\xF0\x9F\x98\x80\xF0\x9F\x98\x80\xF0\x9F\x98\x80\xF0\x9F\x98\x80"
				"\xF0\x9F\x98\x80\xF0\x9F\x98\x80\xF0\x9F\x98\x80\xF0\x9F\x98\x80",
				"A name of exactly thirty-one c'" };
	const char *groups[] = { "Sales", "Sales", "Sales", "Sales" };
	const char *want[] = { "Maximiliana Konstantinopoulou-P", "ÉÉÉÉÉÉÉÉÉÉÉÉÉÉÉÉÉÉÉÉÉÉÉÉÉÉÉÉÉÉÉ",
			       "\xF0\x9F\x98\x80\xF0\x9F\x98\x80\xF0\x9F\x98\x80\xF0\x9F\x98\x80"
			       "\xF0\x9F\x98\x80\xF0\x9F\x98\x80\xF0\x9F\x98\x80\xF0\x9F\x98\x80"
			       "\xF0\x9F\x98\x80\xF0\x9F\x98\x80\xF0\x9F\x98\x80\xF0\x9F\x98\x80"
			       "\xF0\x9F\x98\x80\xF0\x9F\x98\x80\xF0\x9F\x98\x80",
			       "A name of exactly thirty-one c_" };
	names_are(names, groups, 4, want);
}

static void test_names_shared_and_reserved(void **state)
{
	(void)state;
	const char *names[] = { "Ana Lima", "Bo", "ana lima", "SUMMARY", "history", "Éva", "éVA",
				"Averages", "Ana Lima (Sales)" };
	const char *groups[] = { "Sales", "Sales", "Design", "Contract", "Design", "Sales", "Design",
				 "Campaign", "Design" };
	const char *want[] = { "Ana Lima (Sales)", "Bo", "ana lima (Design)", "SUMMARY (Contract)",
			       "history (Design)", "Éva (Sales)", "éVA (Design)",
			       "Averages (Campaign)", "Ana Lima (Sales) 2" };
	names_are(names, groups, 9, want);
}

static void test_names_long_shared(void **state)
{
	(void)state;
	/* the name gives way to the department; a long department is cut to
	 * 14 characters (and its trailing blank); names equal after the cut
	 * are numbered */
	const char *names[] = { "Maximiliana Konstantinopoulou-Papadimitriou",
				"Maximiliana Konstantinopoulou-Papadimitriou",
				"Maximiliana Konstantinopoulou-Papadimitriou the 2nd",
				"Maximiliana Konstantinopoulou-Papadimitriou the 3rd" };
	const char *groups[] = { "Sales", "Manufacturing & Assembly", "Design", "Design" };
	const char *want[] = { "Maximiliana Konstantino (Sales)", "Maximiliana Kon (Manufacturing)",
			       "Maximiliana Konstantin (Design)", "Maximiliana Konstant (Design) 2" };
	names_are(names, groups, 4, want);
}

/* Valid and unique whatever the names: random names over an alphabet of
 * the troublesome characters, checked against Excel's rules written here. */
static void test_names_random(void **state)
{
	(void)state;
	static const char *const pieces[] = { "a", "A", "é", "É", "'", "[", "]", ":", "*", "?",
					      "/", "\\", " ", "\t", "Sales", "Summary", "History",
					      "\xF0\x9F\x98\x80", "Ж", "ж", "x" };
	enum { N = 400 };
	static char names[N][200];
	const char *np[N], *gp[N];
	srand(7);
	for (int i = 0; i < N; i++) {
		names[i][0] = '\0';
		int len = 1 + rand() % 30;
		for (int j = 0; j < len; j++)
			strcat(names[i], pieces[rand() % (int)(sizeof(pieces) / sizeof(pieces[0]))]);
		np[i] = names[i];
		gp[i] = rand() % 2 ? "Sales" : "Design";
	}
	static char out[N][WORKBOOK_SHEET_BYTES];
	workbook_sheet_names(np, gp, N, out);
	for (int i = 0; i < N; i++) {
		const unsigned char *p = (const unsigned char *)out[i];
		size_t n = strlen(out[i]);
		int units = 0;
		assert_true(n > 0);
		assert_true(p[0] != '\'' && p[n - 1] != '\'');
		for (size_t k = 0; k < n; k++) {
			assert_true(p[k] >= 0x20 && p[k] != 0x7F);
			assert_null(strchr("[]:*?/\\", p[k]));
			if ((p[k] & 0xC0) != 0x80)
				units += p[k] >= 0xF0 ? 2 : 1;
		}
		assert_true(units <= WORKBOOK_SHEET_CHARS);
		/* unique under Excel's case folding (the letters used here) */
		for (int j = 0; j < i; j++) {
			char a[WORKBOOK_SHEET_BYTES * 2], b[WORKBOOK_SHEET_BYTES * 2];
			const char *src[2] = { out[i], out[j] };
			char *dst[2] = { a, b };
			for (int s = 0; s < 2; s++) {
				char *d = dst[s];
				for (const char *q = src[s]; *q; q++) {
					if (strncmp(q, "É", 2) == 0) {
						memcpy(d, "é", 2);
						d += 2;
						q++;
					} else if (strncmp(q, "Ж", 2) == 0) {
						memcpy(d, "ж", 2);
						d += 2;
						q++;
					} else {
						*d++ = (char)(*q >= 'A' && *q <= 'Z' ? *q + 32 : *q);
					}
				}
				*d = '\0';
			}
			if (strcmp(a, b) == 0)
				fail_msg("sheets %d and %d share the name '%s' / '%s'", j, i, out[j], out[i]);
			assert_true(strcmp(a, "summary") && strcmp(a, "averages") && strcmp(a, "history"));
		}
	}
}

static void test_filename(void **state)
{
	(void)state;
	char name[WORKBOOK_FILENAME_LEN];
	workbook_filename(day("2025-03-31"), name);
	assert_string_equal(name, "leadtime-2025-W14.xlsx");
	workbook_filename(day("2020-12-28"), name);
	assert_string_equal(name, "leadtime-2020-W53.xlsx");
}

/* ---- a build ---- */

static int dir_entries(const char *path)
{
	DIR *d = opendir(path);
	assert_non_null(d);
	int n = 0;
	struct dirent *e;
	while ((e = readdir(d)))
		n += strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
	closedir(d);
	return n;
}

static void test_build_leaves_nothing(void **state)
{
	(void)state;
	char tmp[] = "/tmp/test_workbook.XXXXXX";
	assert_non_null(mkdtemp(tmp));
	setenv("TMPDIR", tmp, 1);
	const struct snap_dept_in d[] = { { "Sales", 7 }, { "Design", 30 } };
	const struct snap_emp_in e[] = { { "Ana", 0 }, { "Ana", 1 }, { "Bo", 1 } };
	const struct snap_ticket_in t[] = {
		{ "t1", "c1", 0, day("2025-03-20"), day("2025-04-01") },
		{ "t2", "c1", 1, day("2025-04-01"), DATE_NONE },
		{ "t3", "c2", 2, day("2025-03-31"), day("2025-04-03") },
	};
	struct snap *s = snap_from_arrays(d, 2, e, 3, t, 3, day("2025-04-06"));
	assert_non_null(s);
	char *data = NULL;
	size_t len = 0;
	assert_int_equal(workbook_build(s, day("2025-03-31"), day("2025-04-06"), &data, &len), 0);
	assert_true(len > 1000);
	assert_memory_equal(data, "PK\x03\x04", 4);
	assert_int_equal(dir_entries(tmp), 0);
	/* the same inputs give the same bytes */
	char *again = NULL;
	size_t len2 = 0;
	assert_int_equal(workbook_build(s, day("2025-03-31"), day("2025-04-06"), &again, &len2), 0);
	assert_int_equal(len, len2);
	assert_memory_equal(data, again, len);
	free(again);
	free(data);
	/* an empty store: a workbook with no employee */
	struct snap *empty = snap_from_arrays(d, 2, e, 0, t, 0, day("2025-04-06"));
	assert_non_null(empty);
	assert_int_equal(workbook_build(empty, day("2025-03-31"), day("2025-04-06"), &data, &len), 0);
	assert_memory_equal(data, "PK\x03\x04", 4);
	free(data);
	assert_int_equal(dir_entries(tmp), 0);
	snap_put(empty);
	snap_put(s);
	rmdir(tmp);
	unsetenv("TMPDIR");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_week_default),
		cmocka_unit_test(test_week_given),
		cmocka_unit_test(test_week_refused),
		cmocka_unit_test(test_names_plain_and_cleaned),
		cmocka_unit_test(test_names_cut_to_31),
		cmocka_unit_test(test_names_shared_and_reserved),
		cmocka_unit_test(test_names_long_shared),
		cmocka_unit_test(test_names_random),
		cmocka_unit_test(test_filename),
		cmocka_unit_test(test_build_leaves_nothing),
	};
	return cmocka_run_group_tests_name("workbook", tests, NULL, NULL);
}

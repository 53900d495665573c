/*
 * test_csv.c - the RFC 4180 reader (csv.h) over fmemopen() streams, and the
 * CSV / JSON quoting of buf.h that every output path uses.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "csv.h"

/* A reader over the n bytes of s; both freed by close_input(). */
struct input {
	FILE *f;
	struct csv_reader *r;
};

static struct input open_input(const char *s, size_t n)
{
	struct input in;
	in.f = fmemopen((void *)s, n, "r");
	assert_non_null(in.f);
	in.r = csv_reader_new(in.f);
	assert_non_null(in.r);
	return in;
}

static void close_input(struct input *in)
{
	csv_reader_free(in->r);
	fclose(in->f);
}

#define OPEN(lit) open_input((lit), sizeof(lit) - 1)

/* Read one record and check its line and fields (NULL-terminated list). */
static void expect_record(struct input *in, long line, ...)
{
	int rc = csv_read(in->r);
	if (rc != 1)
		fail_msg("expected a record on line %ld, csv_read gave %d (%s)", line, rc,
			 csv_error(in->r));
	assert_int_equal(csv_line(in->r), line);
	va_list ap;
	va_start(ap, line);
	size_t i = 0;
	const char *want;
	while ((want = va_arg(ap, const char *)) != NULL) {
		assert_true(i < csv_nfields(in->r));
		size_t len = 12345;
		const char *got = csv_field(in->r, i, &len);
		assert_int_equal(len, strlen(want));
		assert_memory_equal(got, want, len);
		assert_int_equal(got[len], '\0');
		i++;
	}
	va_end(ap);
	assert_int_equal(csv_nfields(in->r), i);
}

static void expect_end(struct input *in)
{
	assert_int_equal(csv_read(in->r), 0);
	assert_int_equal(csv_read(in->r), 0);
}

/* On a mismatch the input is closed before failing, so a failing test
 * leaks nothing (the suite also runs under LeakSanitizer). */
static void expect_error(struct input *in, const char *msg)
{
	char got[200];
	int rc = csv_read(in->r);
	snprintf(got, sizeof(got), "%s", csv_error(in->r));
	int again = csv_read(in->r); /* reading stops */
	int same = strcmp(csv_error(in->r), got) == 0;
	if (rc != -1 || strcmp(got, msg) != 0 || again != -1 || !same) {
		close_input(in);
		fail_msg("csv_read gave %d with \"%s\"; expected -1 with \"%s\"", rc, got, msg);
	}
}

/* ---- reading ---- */

static void test_simple(void **state)
{
	(void)state;
	struct input in = OPEN("a,b,c\n1,2,3\n");
	expect_record(&in, 1, "a", "b", "c", NULL);
	expect_record(&in, 2, "1", "2", "3", NULL);
	expect_end(&in);
	close_input(&in);

	in = OPEN("");
	expect_end(&in);
	close_input(&in);

	/* no final line end */
	in = OPEN("x,y\nlast,row");
	expect_record(&in, 1, "x", "y", NULL);
	expect_record(&in, 2, "last", "row", NULL);
	expect_end(&in);
	close_input(&in);

	/* csv_field without a length */
	in = OPEN("ab,cd\n");
	assert_int_equal(csv_read(in.r), 1);
	assert_string_equal(csv_field(in.r, 1, NULL), "cd");
	close_input(&in);
}

static void test_quoted_fields(void **state)
{
	(void)state;
	struct input in = OPEN("\"a,b\",c\n"
			       "\"he said \"\"hi\"\"\",\"\"\"\"\n"
			       "\"\",x,\"\"\n"
			       "\" spaced \",\"tab\there\"\n");
	expect_record(&in, 1, "a,b", "c", NULL);
	expect_record(&in, 2, "he said \"hi\"", "\"", NULL);
	expect_record(&in, 3, "", "x", "", NULL);
	expect_record(&in, 4, " spaced ", "tab\there", NULL);
	expect_end(&in);
	close_input(&in);
}

/* Line ends inside quotes belong to the field; records after them start on
 * the physical line that follows. */
static void test_embedded_line_ends(void **state)
{
	(void)state;
	struct input in = OPEN("id,name\n"
			       "1,\"two\nlines\"\n"
			       "2,\"three\r\nlines\nhere\"\n"
			       "3,\"cr\ronly\"\n"
			       "4,\"\n\n\",end\n"
			       "5,x\n");
	expect_record(&in, 1, "id", "name", NULL);
	expect_record(&in, 2, "1", "two\nlines", NULL);
	expect_record(&in, 4, "2", "three\r\nlines\nhere", NULL);
	expect_record(&in, 7, "3", "cr\ronly", NULL);
	expect_record(&in, 8, "4", "\n\n", "end", NULL);
	expect_record(&in, 11, "5", "x", NULL);
	expect_end(&in);
	close_input(&in);
}

static void test_crlf_and_bom(void **state)
{
	(void)state;
	struct input in = OPEN("\xEF\xBB\xBFticket_id,name\r\n"
			       "1,\"a\r\nb\"\r\n"
			       "2,c\r\n"
			       "\r\n"
			       "3,\"d,e\"\r\n");
	expect_record(&in, 1, "ticket_id", "name", NULL);
	expect_record(&in, 2, "1", "a\r\nb", NULL);
	expect_record(&in, 4, "2", "c", NULL);
	expect_record(&in, 5, "", NULL); /* a blank line: one empty field */
	expect_record(&in, 6, "3", "d,e", NULL);
	expect_end(&in);
	close_input(&in);

	/* a BOM before a quoted first field */
	in = OPEN("\xEF\xBB\xBF\"q\",r\n");
	expect_record(&in, 1, "q", "r", NULL);
	expect_end(&in);
	close_input(&in);

	/* only the first three bytes of the input can be a BOM */
	in = OPEN("a\n\xEF\xBB\xBF" "b\n");
	expect_record(&in, 1, "a", NULL);
	expect_record(&in, 2, "\xEF\xBB\xBF" "b", NULL);
	expect_end(&in);
	close_input(&in);

	/* an input that is only a BOM is empty */
	in = OPEN("\xEF\xBB\xBF");
	expect_end(&in);
	close_input(&in);

	/* something that merely starts like a BOM is data */
	in = OPEN("\xEF\xBB" "x\n");
	expect_record(&in, 1, "\xEF\xBB" "x", NULL);
	expect_end(&in);
	close_input(&in);
}

static void test_empty_fields(void **state)
{
	(void)state;
	struct input in = OPEN(",,\n"
			       "a,,b\n"
			       "\n"
			       "c,\n"
			       ",\"\"\n");
	expect_record(&in, 1, "", "", "", NULL);
	expect_record(&in, 2, "a", "", "b", NULL);
	expect_record(&in, 3, "", NULL);
	expect_record(&in, 4, "c", "", NULL);
	expect_record(&in, 5, "", "", NULL);
	expect_end(&in);
	close_input(&in);
}

/* Records and fields larger than the 64 KiB read buffer, and a CRLF split
 * across two reads. */
static void test_large_records(void **state)
{
	(void)state;
	size_t big = 200000;
	struct buf b = BUF_INIT;
	buf_addstr(&b, "\"");
	for (size_t i = 0; i < big; i++)
		buf_addch(&b, i % 1000 == 999 ? '\n' : (char)('a' + i % 26));
	buf_addstr(&b, "\",tail\r\n");
	/* pad so that the next CRLF straddles the 65536-byte boundary */
	while (b.len % 65536 != 65535)
		buf_addch(&b, 'p');
	buf_addstr(&b, "\r\nnext,row\r\n");

	struct input in = open_input(b.data, b.len);
	assert_int_equal(csv_read(in.r), 1);
	assert_int_equal(csv_line(in.r), 1);
	assert_int_equal(csv_nfields(in.r), 2);
	size_t len;
	const char *f = csv_field(in.r, 0, &len);
	assert_int_equal(len, big);
	for (size_t i = 0; i < big; i += 4999)
		assert_int_equal(f[i], i % 1000 == 999 ? '\n' : (char)('a' + i % 26));
	assert_string_equal(csv_field(in.r, 1, NULL), "tail");
	long line2 = 1 + (long)(big / 1000) + 1;
	assert_int_equal(csv_read(in.r), 1);
	assert_int_equal(csv_line(in.r), line2);
	assert_int_equal(csv_nfields(in.r), 1);
	assert_int_equal(csv_read(in.r), 1);
	assert_int_equal(csv_line(in.r), line2 + 1);
	assert_string_equal(csv_field(in.r, 0, NULL), "next");
	expect_end(&in);
	close_input(&in);
	buf_release(&b);
}

/* ---- syntax errors ---- */

static void test_error_unterminated(void **state)
{
	(void)state;
	struct input in = OPEN("a,\"bc");
	expect_error(&in, "line 1: unterminated quoted field (the file ends inside quotes)");
	close_input(&in);

	in = OPEN("h\n1,\"open");
	expect_record(&in, 1, "h", NULL);
	expect_error(&in, "line 2: unterminated quoted field (the file ends inside quotes)");
	close_input(&in);
}

/* A quote left open on line 2 of a three-line file is reported on the line
 * where the quoted field starts, not on a line past the end of the file. */
static void test_error_unterminated_names_its_line(void **state)
{
	(void)state;
	struct input in = OPEN("x\n\"b\nc\n");
	expect_record(&in, 1, "x", NULL);
	expect_error(&in, "line 2: unterminated quoted field (the file ends inside quotes)");
	close_input(&in);
}

static void test_error_quote_in_unquoted(void **state)
{
	(void)state;
	struct input in = OPEN("a,b\nab\"c,d\n");
	expect_record(&in, 1, "a", "b", NULL);
	expect_error(&in, "line 2: a quote inside an unquoted field");
	close_input(&in);

	/* after a multi-line quoted field the line count is still right */
	in = OPEN("\"1\n2\n3\",ok\nx, \"y\"\n");
	expect_record(&in, 1, "1\n2\n3", "ok", NULL);
	expect_error(&in, "line 4: a quote inside an unquoted field");
	close_input(&in);
}

static void test_error_after_closing_quote(void **state)
{
	(void)state;
	struct input in = OPEN("\"ab\"c,d\n");
	expect_error(&in, "line 1: characters after a closing quote");
	close_input(&in);

	in = OPEN("h\r\n\"a\r\nb\",ok\r\nz,\"q\" \r\n");
	expect_record(&in, 1, "h", NULL);
	expect_record(&in, 2, "a\r\nb", "ok", NULL);
	expect_error(&in, "line 4: characters after a closing quote");
	close_input(&in);
}

/* ---- quoting on output ---- */

static void check_csv(const char *in, size_t n, const char *want)
{
	struct buf b = BUF_INIT;
	buf_addstr(&b, "<");
	buf_add_csv(&b, in, n);
	buf_addstr(&b, ">");
	assert_string_equal(b.data, want);
	assert_int_equal(b.len, strlen(want));
	buf_release(&b);
}

#define CSV(lit, want) check_csv((lit), sizeof(lit) - 1, (want))

static void test_buf_add_csv(void **state)
{
	(void)state;
	CSV("plain", "<plain>");
	CSV("", "<>");
	CSV(" spaced out ", "< spaced out >");
	CSV("tab\there", "<tab\there>");
	CSV("semi;colon", "<semi;colon>");
	CSV("a,b", "<\"a,b\">");
	CSV("say \"hi\"", "<\"say \"\"hi\"\"\">");
	CSV("\"", "<\"\"\"\">");
	CSV("cr\rhere", "<\"cr\rhere\">");
	CSV("lf\nhere", "<\"lf\nhere\">");
	CSV("crlf\r\n", "<\"crlf\r\n\">");
	CSV("Zoë, \"Z\"", "<\"Zoë, \"\"Z\"\"\">");
	/* n bounds the field */
	check_csv("ab,cd", 2, "<ab>");

	/* what the writer quotes, the reader reads back */
	static const char *const fields[] = {
		"", "x", "a,b", "\"", "\"\"", "line\nbreak", "cr\r\nlf", " lead", "trail ",
	};
	size_t nf = sizeof(fields) / sizeof(fields[0]);
	struct buf b = BUF_INIT;
	for (size_t i = 0; i < nf; i++) {
		if (i)
			buf_addch(&b, ',');
		buf_add_csv(&b, fields[i], strlen(fields[i]));
	}
	buf_addch(&b, '\n');
	struct input in = open_input(b.data, b.len);
	assert_int_equal(csv_read(in.r), 1);
	assert_int_equal(csv_nfields(in.r), nf);
	for (size_t i = 0; i < nf; i++)
		assert_string_equal(csv_field(in.r, i, NULL), fields[i]);
	expect_end(&in);
	close_input(&in);
	buf_release(&b);
}

static void check_guarded(const char *in, size_t n, const char *want)
{
	struct buf b = BUF_INIT;
	buf_addstr(&b, "<");
	buf_add_csv_text(&b, in, n, 1);
	buf_addstr(&b, ">");
	assert_string_equal(b.data, want);
	buf_release(&b);
	/* without the guard: exactly buf_add_csv() */
	struct buf p = BUF_INIT, q = BUF_INIT;
	buf_add_csv_text(&p, in, n, 0);
	buf_add_csv(&q, in, n);
	assert_int_equal(p.len, q.len);
	assert_memory_equal(p.data, q.data, p.len);
	buf_release(&p);
	buf_release(&q);
}

#define GUARDED(lit, want) check_guarded((lit), sizeof(lit) - 1, (want))

/* OWASP's CSV-injection guard: a cell a spreadsheet would evaluate. */
static void test_csv_spreadsheet_guard(void **state)
{
	(void)state;
	GUARDED("=1+1", "<\"'=1+1\">");
	GUARDED("+1", "<\"'+1\">");
	GUARDED("-1", "<\"'-1\">");
	GUARDED("@SUM(A1:A9)", "<\"'@SUM(A1:A9)\">");
	GUARDED("\tx", "<\"'\tx\">");
	GUARDED("\rx", "<\"'\rx\">");
	GUARDED("=HYPERLINK(\"http://e.vil\",\"x\")", "<\"'=HYPERLINK(\"\"http://e.vil\"\",\"\"x\"\")\">");
	GUARDED("=a,b", "<\"'=a,b\">");
	/* anything else is untouched */
	GUARDED("", "<>");
	GUARDED("plain", "<plain>");
	GUARDED("a=1", "<a=1>");
	GUARDED(" =1", "< =1>");
	GUARDED("'quoted", "<'quoted>");
	GUARDED("a,b", "<\"a,b\">");
	GUARDED("\xc3\xa9=", "<\xc3\xa9=>");
	/* a NUL first byte is not a trigger */
	struct buf z = BUF_INIT;
	buf_add_csv_text(&z, "\0=", 2, 1);
	assert_int_equal(z.len, 2);
	assert_memory_equal(z.data, "\0=", 2);
	buf_release(&z);
	/* a guarded cell reads back as the quote and the text */
	struct buf b = BUF_INIT;
	buf_add_csv_text(&b, "=1+1", 4, 1);
	buf_addch(&b, '\n');
	struct input in = open_input(b.data, b.len);
	assert_int_equal(csv_read(in.r), 1);
	assert_string_equal(csv_field(in.r, 0, NULL), "'=1+1");
	expect_end(&in);
	close_input(&in);
	buf_release(&b);
}

static void check_json(const char *in, size_t n, const char *want)
{
	struct buf b = BUF_INIT;
	buf_add_json_str(&b, in, n);
	assert_string_equal(b.data, want);
	assert_int_equal(b.len, strlen(want));
	buf_release(&b);
}

#define JSON(lit, want) check_json((lit), sizeof(lit) - 1, (want))

static void test_buf_add_json_str(void **state)
{
	(void)state;
	JSON("", "\"\"");
	JSON("plain", "\"plain\"");
	JSON("a\"b", "\"a\\\"b\"");
	JSON("back\\slash", "\"back\\\\slash\"");
	JSON("\n\r\t", "\"\\n\\r\\t\"");
	JSON("\x01\x1f", "\"\\u0001\\u001f\"");
	JSON("nul\0byte", "\"nul\\u0000byte\"");
	JSON("\x7f", "\"\x7f\"");
	JSON("Zoë – 東京", "\"Zoë – 東京\"");
	JSON("/", "\"/\"");
	JSON("a,b", "\"a,b\"");
}

static void test_buf_basics(void **state)
{
	(void)state;
	struct buf b = BUF_INIT;
	buf_add_int(&b, 0);
	buf_addch(&b, ' ');
	buf_add_int(&b, -42);
	buf_addch(&b, ' ');
	buf_add_int(&b, INT64_MIN);
	buf_addch(&b, ' ');
	buf_add_int(&b, INT64_MAX);
	buf_addch(&b, ' ');
	buf_add_date(&b, 19782);
	buf_addf(&b, " %s=%d", "k", 7);
	assert_string_equal(b.data,
			    "0 -42 -9223372036854775808 9223372036854775807 2024-02-29 k=7");
	buf_reset(&b);
	assert_int_equal(b.len, 0);
	assert_string_equal(b.data, "");
	buf_addstr(&b, "kept");
	size_t len;
	char *p = buf_detach(&b, &len);
	assert_int_equal(len, 4);
	assert_string_equal(p, "kept");
	assert_null(b.data);
	assert_int_equal(b.len, 0);
	free(p);
	buf_release(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_simple),
		cmocka_unit_test(test_quoted_fields),
		cmocka_unit_test(test_embedded_line_ends),
		cmocka_unit_test(test_crlf_and_bom),
		cmocka_unit_test(test_empty_fields),
		cmocka_unit_test(test_large_records),
		cmocka_unit_test(test_error_unterminated),
		cmocka_unit_test(test_error_unterminated_names_its_line),
		cmocka_unit_test(test_error_quote_in_unquoted),
		cmocka_unit_test(test_error_after_closing_quote),
		cmocka_unit_test(test_buf_add_csv),
		cmocka_unit_test(test_csv_spreadsheet_guard),
		cmocka_unit_test(test_buf_add_json_str),
		cmocka_unit_test(test_buf_basics),
	};
	return cmocka_run_group_tests_name("csv", tests, NULL, NULL);
}

/*
 * test_urlcodec.c - percent-decoding and UTF-8 rules for URLs (urlcodec.h).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "urlcodec.h"

static void expect_unescape(const char *in, const char *want)
{
	char buf[256];
	strcpy(buf, in);
	size_t n = url_unescape(buf);
	assert_string_equal(buf, want);
	assert_int_equal(n, strlen(want));
}

static void test_unescape(void **state)
{
	(void)state;
	expect_unescape("", "");
	expect_unescape("plain", "plain");
	expect_unescape("O%27Brien%20%231", "O'Brien #1");
	expect_unescape("%c3%a9%C3%A9", "\xc3\xa9\xc3\xa9");
	expect_unescape("a%2Fb%2e%2E", "a/b..");
	expect_unescape("%252F", "%2F"); /* one level only */
}

/* %00 would cut a C string: it stays the three characters it is */
static void test_nul_stays_literal(void **state)
{
	(void)state;
	expect_unescape("Sales%00x", "Sales%00x");
	expect_unescape("%00", "%00");
	expect_unescape("a%01b", "a\x01" "b");
}

static void test_malformed_escapes_stay(void **state)
{
	(void)state;
	expect_unescape("%", "%");
	expect_unescape("%4", "%4");
	expect_unescape("%zz", "%zz");
	expect_unescape("100%", "100%");
	expect_unescape("%%41", "%A");
	expect_unescape("%g1%41", "%g1A");
}

static void test_utf8_valid(void **state)
{
	(void)state;
	assert_true(url_utf8_valid(""));
	assert_true(url_utf8_valid("ascii"));
	assert_true(url_utf8_valid("Zo\xc3\xab \xc3\x9cnal \xe2\x82\xac \xf0\x9f\x98\x80"));
	assert_false(url_utf8_valid("\xe9"));             /* latin-1 */
	assert_false(url_utf8_valid("\xc3"));             /* cut */
	assert_false(url_utf8_valid("\xc3("));            /* bad continuation */
	assert_false(url_utf8_valid("\xc0\xaf"));         /* overlong '/' */
	assert_false(url_utf8_valid("\xe0\x80\xaf"));     /* overlong, 3 bytes */
	assert_false(url_utf8_valid("\xed\xa0\x80"));     /* surrogate */
	assert_false(url_utf8_valid("\xf4\x90\x80\x80")); /* above U+10FFFF */
	assert_false(url_utf8_valid("\xff"));
}

static void test_utf8_scrub(void **state)
{
	(void)state;
	char s[] = "a\xe9" "b\xc3\xa9\xc3";
	url_utf8_scrub(s);
	assert_string_equal(s, "a?b\xc3\xa9?");
	assert_true(url_utf8_valid(s));
	char t[] = "\xed\xa0\x80";
	url_utf8_scrub(t);
	assert_string_equal(t, "???");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_unescape),
		cmocka_unit_test(test_nul_stays_literal),
		cmocka_unit_test(test_malformed_escapes_stay),
		cmocka_unit_test(test_utf8_valid),
		cmocka_unit_test(test_utf8_scrub),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * fuzz_query.c - libFuzzer target: what the daemon does with a query
 * string before a handler trusts it.
 *
 * The input is split as libmicrohttpd splits a query (`&` between
 * parameters, the first `=` between key and value, `+` as a space), each
 * part goes through our unescaper (server/urlcodec.c), the UTF-8 check and
 * scrub, and the value parsers the routes use (dates, ISO timestamps).
 * Checked properties: the unescaper never grows a string nor leaves an
 * embedded NUL, its reported length is the string's, scrubbing yields
 * valid UTF-8, and a parsed date formats back to the text it came from.
 */
#include "date.h"
#include "urlcodec.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_part(char *s)
{
	size_t before = strlen(s);
	size_t n = url_unescape(s);
	if (n > before || n != strlen(s))
		abort();
	char copy[4096];
	if (n < sizeof(copy)) {
		memcpy(copy, s, n + 1);
		url_utf8_scrub(copy);
		if (!url_utf8_valid(copy) || strlen(copy) != n)
			abort();
		if (url_utf8_valid(s) && memcmp(copy, s, n) != 0)
			abort(); /* scrubbing valid text changes nothing */
	}
	int32_t day;
	if (date_parse(s, n, &day) == 0) {
		char out[DATE_LEN + 1];
		date_format(day, out);
		out[DATE_LEN] = '\0';
		if (n != DATE_LEN || memcmp(out, s, DATE_LEN) != 0)
			abort();
	}
	const char *why;
	(void)date_parse_iso(s, n, &day, &why);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *q = malloc(size + 1);
	if (!q)
		return 0;
	memcpy(q, data, size);
	q[size] = '\0'; /* MHD hands us a C string: bytes after a NUL are gone */
	for (char *p = q; *p; p++)
		if (*p == '+')
			*p = ' ';
	char *save = NULL;
	for (char *part = strtok_r(q, "&", &save); part; part = strtok_r(NULL, "&", &save)) {
		char *eq = strchr(part, '=');
		if (eq)
			*eq = '\0';
		check_part(part);
		if (eq)
			check_part(eq + 1);
	}
	free(q);
	return 0;
}

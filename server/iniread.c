/*
 * iniread.c - INI text read line by line; see iniread.h.
 *
 * config.c used inih, whose Debian build cuts lines at 200 bytes (a
 * pipeline of twelve departments with real names is longer) and cannot be
 * told otherwise at run time.  The grammar is small enough to read here:
 * each line is read whole (up to the caller's bound), checked for NUL and
 * UTF-8, then is blank, a comment, a section header or `key = value`.
 * Columns are counted in bytes from the line as written (after the byte
 * order mark of line 1), as the UTF-8 message always did.
 */
#include "iniread.h"

#include <stdlib.h>
#include <string.h>

static int is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

/* The 1-based byte column of the first byte of s[0..n) that starts no
 * well-formed UTF-8 character, or 0 when it is all UTF-8. */
static size_t utf8_bad_column(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	for (size_t i = 0; i < n;) {
		unsigned c = p[i];
		size_t len = c < 0x80 ? 1 : c >= 0xC2 && c <= 0xDF ? 2 : c >= 0xE0 && c <= 0xEF ? 3
			   : c >= 0xF0 && c <= 0xF4 ? 4 : 0;
		if (!len || n - i < len)
			return i + 1;
		for (size_t k = 1; k < len; k++)
			if ((p[i + k] & 0xC0) != 0x80)
				return i + 1;
		if ((c == 0xE0 && p[i + 1] < 0xA0) || (c == 0xED && p[i + 1] > 0x9F) ||
		    (c == 0xF0 && p[i + 1] < 0x90) || (c == 0xF4 && p[i + 1] > 0x8F))
			return i + 1;
		i += len;
	}
	return 0;
}

/* A ';' after a blank starts an inline comment (inih's rule, so that
 * `a;b` stays a value).  The first one in s[from..), or NULL. */
static char *inline_comment(char *line, size_t from)
{
	for (char *p = line + from; *p; p++)
		if (*p == ';' && p > line && is_blank(p[-1]))
			return p;
	return NULL;
}

static void rstrip(char *s, char *end)
{
	while (end > s && is_blank(end[-1]))
		*--end = '\0';
}

/* One line's problem (col 1-based). */
static void report(iniread_fn *fn, void *user, const char *section, int line, size_t col,
		   const char *why)
{
	struct iniread_item it = { section, NULL, NULL, why, line, 0, col };
	fn(user, &it);
}

/* Parse one whole line (NUL-terminated, no line break, valid UTF-8).
 * `section` is the caller's buffer, replaced by a section header. */
static void parse_line(char *line, char **section, int lineno, iniread_fn *fn, void *user)
{
	size_t lead = 0;
	while (is_blank(line[lead]))
		lead++;
	char *p = line + lead;
	if (!*p || *p == ';' || *p == '#')
		return;
	if (*p == '[') {
		char *close = strchr(p, ']');
		if (!close) {
			report(fn, user, *section, lineno, lead + 1, "section header without ']'");
			return;
		}
		char *rest = close + 1;
		while (is_blank(*rest))
			rest++;
		if (*rest && *rest != ';' && *rest != '#') {
			report(fn, user, *section, lineno, (size_t)(rest - line) + 1,
			       "text after the section header");
			return;
		}
		*close = '\0';
		char *name = p + 1;
		while (is_blank(*name))
			name++;
		rstrip(name, close);
		if (!*name) {
			report(fn, user, *section, lineno, lead + 1, "empty section name");
			return;
		}
		char *copy = strdup(name);
		if (!copy)
			abort();
		free(*section);
		*section = copy;
		return;
	}
	char *eq = strchr(p, '=');
	char *comment = inline_comment(line, lead);
	if (!eq || (comment && comment < eq)) {
		report(fn, user, *section, lineno, lead + 1, "expected 'key = value' or '[section]'");
		return;
	}
	*eq = '\0';
	rstrip(p, eq);
	if (!*p) {
		report(fn, user, *section, lineno, lead + 1, "no key before '='");
		return;
	}
	char *value = eq + 1;
	comment = inline_comment(line, (size_t)(value - line));
	if (comment)
		*comment = '\0';
	while (is_blank(*value))
		value++;
	rstrip(value, value + strlen(value));
	struct iniread_item it = { *section, p, value, NULL, lineno, lead + 1,
				   (size_t)(value - line) + 1 };
	fn(user, &it);
}

int iniread_stream(FILE *f, size_t max_line, iniread_fn *fn, void *user)
{
	size_t cap = 256;
	char *buf = malloc(cap);
	char *section = strdup("");
	if (!buf || !section)
		abort();
	int lineno = 0;
	int c = 0;
	while (c != EOF) {
		size_t n = 0;
		int too_long = 0;
		while ((c = getc(f)) != EOF && c != '\n') {
			if (n == max_line) {
				too_long = 1;
				continue;
			}
			if (n + 1 >= cap) {
				cap *= 2;
				buf = realloc(buf, cap);
				if (!buf)
					abort();
			}
			buf[n++] = (char)c;
		}
		if (c == EOF && n == 0 && !too_long)
			break;
		lineno++;
		while (n > 0 && buf[n - 1] == '\r')
			n--;
		buf[n] = '\0';
		char *line = buf;
		if (lineno == 1 && n >= 3 && memcmp(buf, "\xef\xbb\xbf", 3) == 0) {
			line += 3;
			n -= 3;
		}
		if (too_long) {
			char why[64];
			snprintf(why, sizeof(why), "line longer than %zu bytes", max_line);
			report(fn, user, section, lineno, max_line + 1, why);
			continue;
		}
		char *nul = memchr(line, '\0', n);
		if (nul) {
			report(fn, user, section, lineno, (size_t)(nul - line) + 1, "holds a NUL byte");
			continue;
		}
		size_t bad = utf8_bad_column(line, n);
		if (bad) {
			char why[80];
			snprintf(why, sizeof(why), "not valid UTF-8 (byte 0x%02x): save the file as UTF-8",
				 (unsigned char)line[bad - 1]);
			report(fn, user, section, lineno, bad, why);
			continue;
		}
		parse_line(line, &section, lineno, fn, user);
	}
	int failed = ferror(f);
	free(buf);
	free(section);
	return failed ? -1 : 0;
}

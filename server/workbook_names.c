/*
 * workbook_names.c - the pure parts of the weekly workbook (workbook.h):
 * which week a `week` argument names, the download name, and sheet names
 * Excel accepts.  No libxlsxwriter here; test/unit/test_workbook.c covers
 * every rule.
 */
#include "workbook.h"

#include "date.h"
#include "strmap.h"

#include <stdio.h>
#include <string.h>

/* ---- the week ---- */

int workbook_week(const char *arg, int32_t as_of, int32_t *monday, char *why, size_t whylen)
{
	char a[DATE_LEN + 1], b[DATE_LEN + 1];
	int32_t mon;
	if (!arg) {
		/* the latest week whose Sunday has data */
		mon = date_week_start(as_of);
		if (mon + 6 > as_of)
			mon -= 7;
	} else {
		int32_t day;
		size_t n = strlen(arg);
		if (date_parse_iso_week(arg, n, &mon) == 0) {
			/* an ISO week */
		} else if (date_parse(arg, n, &day) == 0) {
			mon = date_week_start(day);
		} else {
			snprintf(why, whylen,
				 "'%.40s' is not an ISO week (YYYY-Www, e.g. 2025-W14) or a date (YYYY-MM-DD)",
				 arg);
			return -1;
		}
	}
	char w[DATE_WEEK_LEN + 1];
	if (mon < date_from_ymd(1900, 1, 1)) {
		snprintf(why, whylen, "week %s (from %s) starts before 1900", date_week_str(mon, w),
			 date_str(mon, a));
		return -1;
	}
	if (mon > as_of) {
		snprintf(why, whylen, "week %s (from %s) starts after as_of (%s): no data yet",
			 date_week_str(mon, w), date_str(mon, a), date_str(as_of, b));
		return -1;
	}
	*monday = mon;
	return 0;
}

void workbook_filename(int32_t monday, char out[WORKBOOK_FILENAME_LEN])
{
	char w[DATE_WEEK_LEN + 1];
	snprintf(out, WORKBOOK_FILENAME_LEN, "leadtime-%s.xlsx", date_week_str(monday, w));
}

/* ---- sheet names ---- */

/* The code point at s (valid UTF-8 assumed, as the store keeps it); an
 * invalid byte reads as U+FFFD of length 1. */
static uint32_t utf8_next(const char *s, size_t *len)
{
	const unsigned char *p = (const unsigned char *)s;
	unsigned c = p[0];
	int n = c < 0x80 ? 1 : c >= 0xF0 && c <= 0xF4 ? 4 : c >= 0xE0 ? 3 : c >= 0xC2 ? 2 : 0;
	for (int i = 1; i < n; i++)
		if ((p[i] & 0xC0) != 0x80)
			n = 0;
	if (!n) {
		*len = 1;
		return 0xFFFD;
	}
	*len = (size_t)n;
	if (n == 1)
		return c;
	uint32_t cp = c & (0x7F >> n);
	for (int i = 1; i < n; i++)
		cp = cp << 6 | (p[i] & 0x3F);
	return cp;
}

static size_t utf8_put(uint32_t c, char *out)
{
	if (c < 0x80) {
		out[0] = (char)c;
		return 1;
	}
	if (c < 0x800) {
		out[0] = (char)(0xC0 | c >> 6);
		out[1] = (char)(0x80 | (c & 0x3F));
		return 2;
	}
	if (c < 0x10000) {
		out[0] = (char)(0xE0 | c >> 12);
		out[1] = (char)(0x80 | (c >> 6 & 0x3F));
		out[2] = (char)(0x80 | (c & 0x3F));
		return 3;
	}
	out[0] = (char)(0xF0 | c >> 18);
	out[1] = (char)(0x80 | (c >> 12 & 0x3F));
	out[2] = (char)(0x80 | (c >> 6 & 0x3F));
	out[3] = (char)(0x80 | (c & 0x3F));
	return 4;
}

/* Lower case as Excel compares sheet names: ASCII, Latin-1, Latin
 * Extended-A, Greek and Cyrillic capitals; other letters compare exactly. */
static uint32_t fold(uint32_t c)
{
	if ((c >= 'A' && c <= 'Z') || (c >= 0xC0 && c <= 0xDE && c != 0xD7))
		return c + 32;
	if (c >= 0x100 && c <= 0x17F) {
		if (c == 0x130)
			return 'i';
		if (c == 0x178)
			return 0xFF;
		if (c == 0x131 || c == 0x138 || c == 0x149 || c == 0x17F)
			return c;
		if ((c >= 0x139 && c <= 0x148) || (c >= 0x179 && c <= 0x17E))
			return c & 1 ? c + 1 : c;
		return c & 1 ? c : c + 1;
	}
	if ((c >= 0x391 && c <= 0x3AB && c != 0x3A2) || (c >= 0x410 && c <= 0x42F))
		return c + 32;
	if (c >= 0x400 && c <= 0x40F)
		return c + 80;
	return c;
}

/* The case-folded form of s (a comparison key) into out (same size). */
static void fold_key(const char *s, char *out)
{
	size_t n, o = 0;
	for (; *s; s += n)
		o += utf8_put(fold(utf8_next(s, &n)), out + o);
	out[o] = '\0';
}

/*
 * Append s to out[*o] with what a sheet name may not hold replaced by '_',
 * while it fits in *units UTF-16 code units (decremented).  Stops at the
 * first character that does not fit.
 */
static void put_clean(const char *s, char *out, size_t *o, int *units)
{
	size_t n;
	for (; *s; s += n) {
		uint32_t c = utf8_next(s, &n);
		int u = c >= 0x10000 ? 2 : 1;
		if (u > *units)
			return;
		if (c < 0x20 || c == 0x7F || c == 0xFFFD || (c < 0x80 && strchr("[]:*?/\\", (int)c)))
			c = '_';
		*o += utf8_put(c, out + *o);
		*units -= u;
	}
}

/* name, then " (group)" when group, then " k" when k > 1: at most 31
 * characters, the name cut to make room, no apostrophe at either end. */
static void compose(const char *name, const char *group, int k, char *out)
{
	char sfx[WORKBOOK_SHEET_BYTES];
	size_t ns = 0, o = 0;
	int gunits = 14;  /* a long department gives way to the name */
	int units = WORKBOOK_SHEET_CHARS;
	if (group) {
		sfx[ns++] = ' ';
		sfx[ns++] = '(';
		put_clean(group, sfx, &ns, &gunits);
		while (sfx[ns - 1] == ' ' && ns > 2) {
			ns--;
			gunits++;
		}
		sfx[ns++] = ')';
		units -= 3 + (14 - gunits);
	}
	if (k > 1) {
		int w = snprintf(sfx + ns, sizeof(sfx) - ns, " %d", k);
		ns += (size_t)w;
		units -= w;
	}
	sfx[ns] = '\0';
	put_clean(name, out, &o, &units);
	while (o > 0 && out[o - 1] == ' ')
		o--;
	if (o == 0) {
		memcpy(out, "Employee", 8);
		o = 8;
	}
	if (out[0] == '\'')
		out[0] = '_';
	if (ns == 0 && out[o - 1] == '\'')
		out[o - 1] = '_';
	memcpy(out + o, sfx, ns + 1);
}

static int reserved(const char *key)
{
	return strcmp(key, "summary") == 0 || strcmp(key, "averages") == 0 ||
	       strcmp(key, "history") == 0;
}

void workbook_sheet_names(const char *const *names, const char *const *groups, size_t n,
			  char (*out)[WORKBOOK_SHEET_BYTES])
{
	struct strmap count, used;
	char key[WORKBOOK_SHEET_BYTES];
	strmap_init(&count);
	strmap_init(&used);
	for (size_t i = 0; i < n; i++) {
		compose(names[i], NULL, 1, out[i]);
		fold_key(out[i], key);
		int64_t *c = strmap_get(&count, key, strlen(key));
		strmap_put(&count, key, strlen(key), c ? *c + 1 : 1);
	}
	for (size_t i = 0; i < n; i++) {
		fold_key(out[i], key);
		const char *group = NULL;
		if (*strmap_get(&count, key, strlen(key)) > 1 || reserved(key))
			group = groups[i];
		for (int k = 1;; k++) {
			if (group || k > 1)
				compose(names[i], group, k, out[i]);
			fold_key(out[i], key);
			if (!reserved(key) && !strmap_get(&used, key, strlen(key)))
				break;
		}
		strmap_put(&used, key, strlen(key), 1);
	}
	strmap_release(&count);
	strmap_release(&used);
}

/*
 * calendar.c - business days; see calendar.h.
 *
 * count(d) = weekdays(d) − holidays(d).  weekdays(d) is arithmetic: with
 * k = d − (a Monday), q = floor(k / 7) and r = k − 7q, it is q × (business
 * weekdays per week) + (business weekdays among Monday..r).  holidays(d)
 * counts the holidays on or before d that fall on a business weekday (a
 * holiday on a weekend day changes nothing): a prefix table over
 * [first holiday, last holiday], 0 before it, the total after it.
 */
#include "calendar.h"
#include "date.h"

#include <stdlib.h>
#include <string.h>

#define MONDAY 4 /* 1970-01-05 */

struct calendar {
	unsigned weekend;
	int per_week;           /* business weekdays in a week */
	int pre[7];             /* business weekdays among Monday..weekday i */
	int32_t hmin, hmax;     /* span of the table; hmin > hmax: no holiday */
	int32_t *table;         /* holidays on business weekdays in [hmin, hmin + i] */
	int32_t total;
};

static const char *const day_names[7][2] = {
	{ "mon", "monday" }, { "tue", "tuesday" }, { "wed", "wednesday" }, { "thu", "thursday" },
	{ "fri", "friday" }, { "sat", "saturday" }, { "sun", "sunday" },
};

static int is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

/* The item [p, e) trimmed of blanks. */
static void trim(const char **p, const char **e)
{
	while (*p < *e && is_blank(**p))
		(*p)++;
	while (*e > *p && is_blank((*e)[-1]))
		(*e)--;
}

static void copy_item(char *dst, size_t cap, const char *p, size_t n)
{
	if (!cap)
		return;
	if (n >= cap)
		n = cap - 1;
	memcpy(dst, p, n);
	dst[n] = '\0';
}

static int weekday_of(const char *p, size_t n)
{
	char low[16];
	if (n == 0 || n >= sizeof(low))
		return -1;
	for (size_t i = 0; i < n; i++)
		low[i] = (char)(p[i] >= 'A' && p[i] <= 'Z' ? p[i] + 32 : p[i]);
	low[n] = '\0';
	for (int d = 0; d < 7; d++)
		if (!strcmp(low, day_names[d][0]) || !strcmp(low, day_names[d][1]))
			return d;
	return -1;
}

int calendar_parse_weekend(const char *s, unsigned *mask, const char **why, char *bad_item,
			   size_t bad_len)
{
	unsigned m = 0;
	const char *p = s;
	if (bad_item && bad_len)
		bad_item[0] = '\0';
	for (;;) {
		const char *comma = strchr(p, ',');
		const char *e = comma ? comma : p + strlen(p);
		const char *a = p;
		trim(&a, &e);
		if (a == e) {
			if (comma || p != s) {
				*why = "an empty day in the list";
				return -1;
			}
			break; /* "" = no weekend */
		}
		int d = weekday_of(a, (size_t)(e - a));
		if (d < 0) {
			if (bad_item)
				copy_item(bad_item, bad_len, a, (size_t)(e - a));
			*why = "is not a day of the week (Mon, Tue, ... or Monday, ...)";
			return -1;
		}
		if (m & (1u << d)) {
			if (bad_item)
				copy_item(bad_item, bad_len, a, (size_t)(e - a));
			*why = "is listed twice";
			return -1;
		}
		m |= 1u << d;
		if (!comma)
			break;
		p = comma + 1;
	}
	if (m == CALENDAR_ALL_DAYS) {
		*why = "every day of the week is off: no business day left";
		return -1;
	}
	*mask = m;
	return 0;
}

static int cmp_day(const void *a, const void *b)
{
	int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
	return x < y ? -1 : x > y;
}

int calendar_parse_dates(const char *text, int32_t **dates, size_t *n, struct calendar_error *err)
{
	size_t cap = 16, len = 0;
	int32_t *v = malloc(cap * sizeof(*v));
	if (!v)
		abort();
	int line = 1;
	const char *p = text;
	while (*p) {
		const char *eol = strchr(p, '\n');
		if (!eol)
			eol = p + strlen(p);
		const char *end = eol;
		for (const char *c = p; c < eol; c++)
			if (*c == '#' || *c == ';') {
				end = c;
				break;
			}
		int item = 0;
		const char *q = p;
		while (q <= end) {
			const char *comma = memchr(q, ',', (size_t)(end - q));
			const char *e = comma ? comma : end;
			const char *a = q;
			trim(&a, &e);
			item++;
			if (a < e) {
				int32_t d;
				const char *why = NULL;
				if (date_parse(a, (size_t)(e - a), &d))
					why = "is not a date (YYYY-MM-DD)";
				else if (d < CALENDAR_HOLIDAY_MIN || d > CALENDAR_HOLIDAY_MAX)
					why = "is outside 1900-01-01 .. 2199-12-31";
				if (why) {
					err->line = line;
					err->item = item;
					err->why = why;
					copy_item(err->text, sizeof(err->text), a, (size_t)(e - a));
					free(v);
					return -1;
				}
				if (len == cap) {
					cap *= 2;
					int32_t *nv = realloc(v, cap * sizeof(*v));
					if (!nv)
						abort();
					v = nv;
				}
				v[len++] = d;
			}
			if (!comma)
				break;
			q = comma + 1;
		}
		if (!*eol)
			break;
		p = eol + 1;
		line++;
	}
	qsort(v, len, sizeof(*v), cmp_day);
	size_t k = 0;
	for (size_t i = 0; i < len; i++)
		if (k == 0 || v[k - 1] != v[i])
			v[k++] = v[i];
	*dates = v;
	*n = k;
	return 0;
}

static int weekday_off(const struct calendar *c, int32_t d)
{
	return (c->weekend >> date_weekday(d)) & 1u;
}

struct calendar *calendar_new(unsigned weekend, const int32_t *holidays, size_t n)
{
	weekend &= CALENDAR_ALL_DAYS;
	if (weekend == CALENDAR_ALL_DAYS)
		return NULL;
	for (size_t i = 0; i < n; i++)
		if (holidays[i] < CALENDAR_HOLIDAY_MIN || holidays[i] > CALENDAR_HOLIDAY_MAX)
			return NULL;
	struct calendar *c = calloc(1, sizeof(*c));
	if (!c)
		abort();
	c->weekend = weekend;
	int acc = 0;
	for (int i = 0; i < 7; i++) {
		acc += !((weekend >> i) & 1u);
		c->pre[i] = acc;
	}
	c->per_week = acc;
	c->hmin = 1;
	c->hmax = 0;
	for (size_t i = 0; i < n; i++) {
		if (weekday_off(c, holidays[i]))
			continue;
		if (c->hmin > c->hmax) {
			c->hmin = c->hmax = holidays[i];
		} else {
			if (holidays[i] < c->hmin)
				c->hmin = holidays[i];
			if (holidays[i] > c->hmax)
				c->hmax = holidays[i];
		}
	}
	if (c->hmin <= c->hmax) {
		size_t span = (size_t)(c->hmax - c->hmin) + 1;
		c->table = calloc(span, sizeof(*c->table));
		if (!c->table)
			abort();
		/* mark, then prefix-sum (a duplicate marks the same slot once) */
		for (size_t i = 0; i < n; i++)
			if (!weekday_off(c, holidays[i]))
				c->table[holidays[i] - c->hmin] = 1;
		for (size_t i = 1; i < span; i++)
			c->table[i] += c->table[i - 1];
		c->total = c->table[span - 1];
	}
	return c;
}

struct calendar *calendar_copy(const struct calendar *c)
{
	struct calendar *x = malloc(sizeof(*x));
	if (!x)
		abort();
	*x = *c;
	if (c->hmin <= c->hmax) {
		size_t span = (size_t)(c->hmax - c->hmin) + 1;
		x->table = malloc(span * sizeof(*x->table));
		if (!x->table)
			abort();
		memcpy(x->table, c->table, span * sizeof(*x->table));
	}
	return x;
}

int calendar_same(const struct calendar *a, const struct calendar *b)
{
	if (!a || !b)
		return a == b;
	if (a->weekend != b->weekend || a->hmin != b->hmin || a->hmax != b->hmax)
		return 0;
	return a->hmin > a->hmax ||
	       memcmp(a->table, b->table, ((size_t)(a->hmax - a->hmin) + 1) * sizeof(*a->table)) == 0;
}

void calendar_free(struct calendar *c)
{
	if (!c)
		return;
	free(c->table);
	free(c);
}

unsigned calendar_weekend(const struct calendar *c)
{
	return c->weekend;
}

static int32_t holidays_upto(const struct calendar *c, int32_t d)
{
	if (c->hmin > c->hmax || d < c->hmin)
		return 0;
	if (d > c->hmax)
		return c->total;
	return c->table[d - c->hmin];
}

int calendar_is_business(const struct calendar *c, int32_t d)
{
	return (int)(calendar_count(c, d) - calendar_count(c, d - 1));
}

int64_t calendar_count(const struct calendar *c, int32_t d)
{
	int64_t k = (int64_t)d - MONDAY;
	int64_t q = k >= 0 ? k / 7 : -((-k + 6) / 7);
	int r = (int)(k - 7 * q);
	return q * c->per_week + c->pre[r] - holidays_upto(c, d);
}

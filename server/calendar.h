/*
 * calendar.h - business days: which weekdays are off and which dates are
 * holidays (`[calendar]` in config.ini), and day counts over them.
 *
 * Pure: parsing works on strings (config.c reads the files), counting is
 * arithmetic plus one prefix table, O(1) per count.  A calendar is
 * immutable once built, so any number of threads may count with it.
 *
 * The measure (docs/ANALYTICS.md "Business days"): the number of business
 * days from day a to day b is the number of business days in (a, b] when
 * a <= b, and minus the number in (b, a] when b < a.  So it is b − a when
 * no day in between is off, a ticket opened on a Friday and closed on the
 * next Monday took 1 business day, and counts add up along a chain of
 * dates (stage times and waits still sum to the end-to-end value).
 */
#ifndef LEADTIME_CALENDAR_H
#define LEADTIME_CALENDAR_H

#include <stddef.h>
#include <stdint.h>

struct calendar;

/* Weekday bits: 1 << 0 = Monday ... 1 << 6 = Sunday (date_weekday()). */
#define CALENDAR_SAT_SUN ((1u << 5) | (1u << 6))
#define CALENDAR_ALL_DAYS 0x7fu

/* Holidays must lie in [1900-01-01, 2199-12-31] (bounds the table). */
#define CALENDAR_HOLIDAY_MIN (-25567)  /* 1900-01-01 */
#define CALENDAR_HOLIDAY_MAX 84005     /* 2199-12-31 */

/*
 * Parse a weekend list ("Sat, Sun"; English day names, three letters or
 * full, any case; "" = no weekend) into weekday bits.  0, or -1 with
 * *bad pointing at a static description and bad_item (when not NULL, at
 * least 32 bytes) holding the offending item.  Every day off is refused
 * ("no business day left").
 */
int calendar_parse_weekend(const char *s, unsigned *mask, const char **why, char *bad_item,
			   size_t bad_len);

/* Where a date list failed: its line (1-based), item on that line
 * (1-based), the item's text (cut), and what is wrong (static). */
struct calendar_error {
	int line;
	int item;
	char text[48];
	const char *why;
};

/*
 * Parse dates (`YYYY-MM-DD`) separated by commas or line breaks; blanks
 * around items, empty items and comments (from '#' or ';' to the end of
 * the line) are ignored.  *dates (malloc'd, sorted, duplicates removed;
 * the caller frees) and *n receive them.  0, or -1 with *err filled and
 * nothing allocated.
 */
int calendar_parse_dates(const char *text, int32_t **dates, size_t *n, struct calendar_error *err);

/* A calendar from weekday bits and holidays (copied; any order,
 * duplicates fine; each in the CALENDAR_HOLIDAY range).  NULL when every
 * day would be off or a holiday is out of range.  Free with
 * calendar_free(). */
struct calendar *calendar_new(unsigned weekend, const int32_t *holidays, size_t n);
void calendar_free(struct calendar *c);
/* A copy of c (free with calendar_free()). */
struct calendar *calendar_copy(const struct calendar *c);
/* 1 when a and b count the same days off (both NULL: the same too). */
int calendar_same(const struct calendar *a, const struct calendar *b);

unsigned calendar_weekend(const struct calendar *c);
/* 1 when day d is a business day (not a weekend day, not a holiday). */
int calendar_is_business(const struct calendar *c, int32_t d);
/* Business days in [origin, d] for a fixed origin (minus those in (d,
 * origin) before it): only differences mean something. */
int64_t calendar_count(const struct calendar *c, int32_t d);

/* The day count from a to b: business days (as above) with a calendar,
 * b − a with NULL (calendar days). */
static inline int32_t calendar_days(const struct calendar *c, int32_t a, int32_t b)
{
	return c ? (int32_t)(calendar_count(c, b) - calendar_count(c, a)) : b - a;
}

#endif

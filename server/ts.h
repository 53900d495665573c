/*
 * ts.h - timestamps of event logs and ticket exports: text to a UTC
 * instant in microseconds since 1970-01-01T00:00:00Z.
 *
 * Two ways to read one: ISO-8601 as tools write it (the default), or a
 * strftime-style format for everything else (Jira's `12/Mar/24 9:41 AM`
 * is `%d/%b/%y %I:%M %p`).  A timestamp that carries its UTC offset is
 * exact; one without is wall-clock time in the configured zone (tz.h).
 * A value with only a date and no time of day is that calendar day:
 * 00:00 UTC, whatever the zone, so a date column never shifts by a day.
 * Pure functions, no locale, no process time zone.
 */
#ifndef LEADTIME_TS_H
#define LEADTIME_TS_H

#include <stddef.h>
#include <stdint.h>

struct tz;

#define TS_US_PER_DAY 86400000000LL
#define TS_FORMAT_MAX 64    /* bytes of a format string */

/*
 * Parse s[0..n) (no surrounding blanks) as
 *   YYYY-MM-DD
 *   YYYY-MM-DD[T| ]HH:MM[:SS[.fraction]][ ][Z|±HH[:MM]|±HHMM]
 * into *us.  Without an offset the time is read in tz (NULL = UTC).
 * Returns 0, or -1 with *why a static description of the problem.
 */
int ts_parse_iso(const char *s, size_t n, const struct tz *tz, int64_t *us, const char **why);

/*
 * Parse s[0..n) against fmt, a strftime-style format:
 *   %Y year (4 digits)   %y year (2 digits: 69-99 -> 19xx, else 20xx)
 *   %m month  %d day  %e day (1 or 2 digits, leading blank allowed)
 *   %b %B %h month name (English, full or three letters, any case)
 *   %a %A weekday name (read and ignored)
 *   %H hour 0-23  %I hour 1-12  %p AM/PM  %M minute  %S second
 *   %f fraction of a second (1-9 digits)  %z Z or ±HH[:MM] or ±HHMM
 *   %s seconds since the epoch  %F = %Y-%m-%d  %T = %H:%M:%S  %% a '%'
 * Numbers take one or two digits where the field allows (9:41 and 09:41).
 * A blank in fmt matches any run of blanks (or none); other characters
 * match themselves.  Same returns as ts_parse_iso().
 */
int ts_parse_fmt(const char *fmt, const char *s, size_t n, const struct tz *tz, int64_t *us,
		 const char **why);

/* Check a format for config.ini: 0, or -1 with *why (static). */
int ts_check_format(const char *fmt, const char **why);

/* The UTC day number (date.h) of an instant. */
int32_t ts_day(int64_t us);

/* `YYYY-MM-DDTHH:MM:SS[.ffffff]Z` (fraction only when not zero) into out
 * (at least 32 bytes, NUL-terminated); returns out. */
const char *ts_format(int64_t us, char *out);

#endif

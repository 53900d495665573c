/*
 * date.h - calendar days as integers (days since 1970-01-01, UTC).
 *
 * Every date in Leadtime is a day number: the store keeps them as integers,
 * arithmetic is subtraction, and only the edges (CSV, JSON, CLI) parse or
 * format `YYYY-MM-DD`.
 */
#ifndef LEADTIME_DATE_H
#define LEADTIME_DATE_H

#include <stddef.h>
#include <stdint.h>

#define DATE_LEN 10           /* strlen("YYYY-MM-DD") */
#define DATE_NONE INT32_MIN   /* "no date" (an open ticket's closed_on) */
#define DATE_MIN (-719162)    /* 0001-01-01 */
#define DATE_MAX 2932896      /* 9999-12-31 */

/* Day number of a proleptic Gregorian date; no range check. */
int32_t date_from_ymd(int y, int m, int d);
void date_to_ymd(int32_t day, int *y, int *m, int *d);

/*
 * Parse exactly `YYYY-MM-DD` (n bytes, no surrounding space) into *day.
 * Returns 0, or -1 when it is not a real calendar date.
 */
int date_parse(const char *s, size_t n, int32_t *day);

/*
 * Parse a date or a full ISO-8601 timestamp
 * (`YYYY-MM-DD[T| ]HH:MM[:SS[.frac]][Z|±HH[:MM]]`); a timestamp gives its UTC
 * date, one without a zone is taken as UTC.  Returns 0, or -1 with *why set
 * to a static description of the problem.
 */
int date_parse_iso(const char *s, size_t n, int32_t *day, const char **why);

/* Write `YYYY-MM-DD` (DATE_LEN bytes, no NUL) to out. */
void date_format(int32_t day, char *out);
/* Same, NUL-terminated, in a caller buffer of at least DATE_LEN + 1. */
const char *date_str(int32_t day, char *out);

/* 0 = Monday ... 6 = Sunday. */
int date_weekday(int32_t day);
/* The Monday of day's ISO week. */
int32_t date_week_start(int32_t day);
/* ISO-8601 week of day: *year is the week-numbering year (the year of the
 * week's Thursday), *week 1..53. */
void date_iso_week(int32_t day, int *year, int *week);
/* The Monday of ISO week `week` of ISO year `year` (1..9999) into *monday;
 * 0, or -1 when that year has no such week (week 53 exists only in long
 * years). */
int date_iso_week_start(int year, int week, int32_t *monday);
#define DATE_WEEK_LEN 8       /* strlen("YYYY-Www") */
/* Parse exactly `YYYY-Www` (n bytes) into the Monday of that week; 0 or -1. */
int date_parse_iso_week(const char *s, size_t n, int32_t *monday);
/* `YYYY-Www` of day's ISO week, NUL-terminated, in a caller buffer of at
 * least DATE_WEEK_LEN + 1. */
const char *date_week_str(int32_t day, char *out);
/* First and last day of day's month. */
int32_t date_month_start(int32_t day);
int32_t date_month_end(int32_t day);
/* Today's UTC date. */
int32_t date_today(void);

#endif

/*
 * ts.c - see ts.h.
 *
 * Both readers fill one struct of broken-down fields; compose() checks
 * them (a real calendar date, hours, minutes, seconds, the offset) and
 * turns them into an instant: with an offset, local - offset; with a time
 * of day and no offset, through the zone; a bare date is 00:00 UTC.
 */
#include "ts.h"
#include "date.h"
#include "tz.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

struct fields {
	int year, mon, day;
	int hour, min, sec;
	int32_t usec;
	bool has_time;
	bool has_offset;
	int32_t offset;     /* seconds east */
	bool has_epoch;
	int64_t epoch;
	int ampm;           /* -1 none, 0 AM, 1 PM */
};

static const char *const months[12] = {
	"january", "february", "march", "april", "may", "june", "july",
	"august", "september", "october", "november", "december",
};
static const char *const weekdays[7] = {
	"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday",
};

static int days_in_month(int y, int m)
{
	static const int dim[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		return 29;
	return dim[m - 1];
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static char lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c + 32) : c;
}

static int compose(struct fields *f, const struct tz *tz, int64_t *us, const char **why)
{
	if (f->has_epoch) {
		if (f->epoch < -62135596800LL || f->epoch > 253402300799LL) {
			*why = "seconds since the epoch out of range (years 1 to 9999)";
			return -1;
		}
		*us = f->epoch * 1000000 + f->usec;
		return 0;
	}
	if (f->year < 1 || f->year > 9999) {
		*why = "year out of range (1 to 9999)";
		return -1;
	}
	if (f->mon < 1 || f->mon > 12 || f->day < 1 || f->day > days_in_month(f->year, f->mon)) {
		*why = "not a real calendar date";
		return -1;
	}
	if (f->ampm >= 0) {
		if (f->hour < 1 || f->hour > 12) {
			*why = "hour out of range (1 to 12 with AM/PM)";
			return -1;
		}
		f->hour = f->hour % 12 + (f->ampm ? 12 : 0);
	}
	if (f->hour > 23 || f->min > 59 || f->sec > 59) {
		*why = "time of day out of range (00:00:00 to 23:59:59)";
		return -1;
	}
	if (f->offset <= -24 * 3600 || f->offset >= 24 * 3600) {
		*why = "UTC offset out of range";
		return -1;
	}
	int64_t local = (int64_t)date_from_ymd(f->year, f->mon, f->day) * 86400 + f->hour * 3600 +
			f->min * 60 + f->sec;
	int64_t utc = local;
	if (f->has_offset)
		utc = local - f->offset;
	else if (f->has_time && tz)
		utc = tz_local_to_utc(tz, local);
	*us = utc * 1000000 + f->usec;
	return 0;
}

/* Exactly n digits at *p. */
static int fixed_digits(const char **p, const char *end, int n, int *out)
{
	const char *s = *p;
	if (end - s < n)
		return -1;
	int v = 0;
	for (int i = 0; i < n; i++) {
		if (!is_digit(s[i]))
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	*p = s + n;
	return 0;
}

/* 1..max digits at *p (greedy). */
static int some_digits(const char **p, const char *end, int max, int *out)
{
	const char *s = *p;
	int v = 0, n = 0;
	while (s < end && n < max && is_digit(*s)) {
		v = v * 10 + (*s++ - '0');
		n++;
	}
	if (!n)
		return -1;
	*out = v;
	*p = s;
	return 0;
}

/* A fraction ([.,] already consumed): 1..9 digits, kept to microseconds. */
static int fraction(const char **p, const char *end, int32_t *usec)
{
	const char *s = *p;
	int32_t v = 0;
	int n = 0;
	while (s < end && is_digit(*s) && n < 9) {
		if (n < 6)
			v = v * 10 + (*s - '0');
		s++;
		n++;
	}
	if (!n || (s < end && is_digit(*s)))
		return -1;
	for (int i = n; i < 6; i++)
		v *= 10;
	*usec = v;
	*p = s;
	return 0;
}

/* Z | ±HH[:MM] | ±HHMM */
static int offset(const char **p, const char *end, int32_t *off)
{
	const char *s = *p;
	if (s < end && (*s == 'Z' || *s == 'z')) {
		*off = 0;
		*p = s + 1;
		return 0;
	}
	if (s >= end || (*s != '+' && *s != '-'))
		return -1;
	int neg = *s++ == '-', h, m = 0;
	if (fixed_digits(&s, end, 2, &h))
		return -1;
	if (s < end && *s == ':') {
		s++;
		if (fixed_digits(&s, end, 2, &m))
			return -1;
	} else if (end - s >= 2 && is_digit(s[0])) {
		if (fixed_digits(&s, end, 2, &m))
			return -1;
	}
	if (h > 23 || m > 59)
		return -1;
	*off = (neg ? -1 : 1) * (h * 3600 + m * 60);
	*p = s;
	return 0;
}

static void fields_init(struct fields *f)
{
	memset(f, 0, sizeof(*f));
	f->ampm = -1;
}

int ts_parse_iso(const char *s, size_t n, const struct tz *tz, int64_t *us, const char **why)
{
	static const char expected[] =
		"not a timestamp (expected YYYY-MM-DD[THH:MM[:SS[.ffffff]]][Z|±HH:MM])";
	const char *p = s, *end = s + n;
	struct fields f;
	fields_init(&f);
	*why = expected;
	if (fixed_digits(&p, end, 4, &f.year) || p == end || *p++ != '-' ||
	    fixed_digits(&p, end, 2, &f.mon) || p == end || *p++ != '-' ||
	    fixed_digits(&p, end, 2, &f.day))
		return -1;
	if (p < end) {
		if (*p != 'T' && *p != 't' && *p != ' ')
			return -1;
		p++;
		if (fixed_digits(&p, end, 2, &f.hour) || p == end || *p++ != ':' ||
		    fixed_digits(&p, end, 2, &f.min))
			return -1;
		f.has_time = true;
		if (p < end && *p == ':') {
			p++;
			if (fixed_digits(&p, end, 2, &f.sec))
				return -1;
			if (p < end && (*p == '.' || *p == ',')) {
				p++;
				if (fraction(&p, end, &f.usec))
					return -1;
			}
		}
		if (p < end && *p == ' ')
			p++;
		if (p < end) {
			if (offset(&p, end, &f.offset))
				return -1;
			f.has_offset = true;
		}
		if (p != end)
			return -1;
	}
	return compose(&f, tz, us, why);
}

/* A name from list (full, or its first three letters), any case; index or -1. */
static int name_of(const char **p, const char *end, const char *const *list, int nlist)
{
	const char *s = *p;
	for (int full = 1; full >= 0; full--)
		for (int i = 0; i < nlist; i++) {
			size_t len = full ? strlen(list[i]) : 3;
			if ((size_t)(end - s) < len)
				continue;
			size_t k = 0;
			while (k < len && lower(s[k]) == list[i][k])
				k++;
			if (k == len) {
				*p = s + len;
				return i;
			}
		}
	return -1;
}

static int parse_fmt(const char *fmt, const char **pp, const char *end, struct fields *f,
		     const char **why)
{
	const char *p = *pp;
	for (const char *c = fmt; *c; c++) {
		if (*c == ' ') {
			while (p < end && (*p == ' ' || *p == '\t'))
				p++;
			continue;
		}
		if (*c != '%' || c[1] == '%') {
			if (*c == '%')
				c++;
			if (p >= end || *p != *c) {
				*why = "does not match the format (a separator differs)";
				return -1;
			}
			p++;
			continue;
		}
		char conv = *++c;
		int v = 0, rc = 0;
		switch (conv) {
		case 'Y': rc = fixed_digits(&p, end, 4, &f->year); break;
		case 'y':
			rc = fixed_digits(&p, end, 2, &v);
			f->year = v < 69 ? 2000 + v : 1900 + v;
			break;
		case 'm': rc = some_digits(&p, end, 2, &f->mon); break;
		case 'e':
			if (p < end && *p == ' ')
				p++;
			/* fall through */
		case 'd': rc = some_digits(&p, end, 2, &f->day); break;
		case 'b': case 'B': case 'h':
			v = name_of(&p, end, months, 12);
			if (v < 0) {
				*why = "does not match the format (expected a month name)";
				return -1;
			}
			f->mon = v + 1;
			break;
		case 'a': case 'A':
			if (name_of(&p, end, weekdays, 7) < 0) {
				*why = "does not match the format (expected a weekday name)";
				return -1;
			}
			break;
		case 'H': case 'I':
			rc = some_digits(&p, end, 2, &f->hour);
			f->has_time = true;
			break;
		case 'M': rc = some_digits(&p, end, 2, &f->min); f->has_time = true; break;
		case 'S': rc = some_digits(&p, end, 2, &f->sec); f->has_time = true; break;
		case 'f': rc = fraction(&p, end, &f->usec); f->has_time = true; break;
		case 'p':
			if (end - p >= 2 && (lower(p[1]) == 'm') && (lower(p[0]) == 'a' || lower(p[0]) == 'p')) {
				f->ampm = lower(p[0]) == 'p';
				p += 2;
			} else {
				*why = "does not match the format (expected AM or PM)";
				return -1;
			}
			break;
		case 'z':
			if (offset(&p, end, &f->offset)) {
				*why = "does not match the format (expected a UTC offset: Z, +HH:MM or +HHMM)";
				return -1;
			}
			f->has_offset = true;
			break;
		case 's': {
			int neg = p < end && *p == '-';
			if (neg)
				p++;
			int64_t e = 0;
			int nd = 0;
			while (p < end && is_digit(*p) && nd < 12) {
				e = e * 10 + (*p++ - '0');
				nd++;
			}
			if (!nd) {
				rc = -1;
				break;
			}
			f->epoch = neg ? -e : e;
			f->has_epoch = f->has_time = true;
			break;
		}
		case 'F': rc = parse_fmt("%Y-%m-%d", &p, end, f, why); break;
		case 'T': rc = parse_fmt("%H:%M:%S", &p, end, f, why); break;
		default:
			*why = "the format has an unknown conversion";
			return -1;
		}
		if (rc) {
			if (conv != 'F' && conv != 'T')
				*why = "does not match the format (expected digits)";
			return -1;
		}
	}
	*pp = p;
	return 0;
}

int ts_parse_fmt(const char *fmt, const char *s, size_t n, const struct tz *tz, int64_t *us,
		 const char **why)
{
	const char *p = s, *end = s + n;
	struct fields f;
	fields_init(&f);
	f.year = 1970;
	f.mon = f.day = 1;
	if (parse_fmt(fmt, &p, end, &f, why))
		return -1;
	if (p != end) {
		*why = "does not match the format (more text after the timestamp)";
		return -1;
	}
	return compose(&f, tz, us, why);
}

int ts_check_format(const char *fmt, const char **why)
{
	bool year = false, mon = false, day = false, h24 = false, h12 = false, ampm = false, epoch = false;
	if (strlen(fmt) > TS_FORMAT_MAX) {
		*why = "longer than 64 bytes";
		return -1;
	}
	for (const char *c = fmt; *c; c++) {
		if (*c != '%')
			continue;
		switch (*++c) {
		case 'Y': case 'y': year = true; break;
		case 'm': case 'b': case 'B': case 'h': mon = true; break;
		case 'd': case 'e': day = true; break;
		case 'F': year = mon = day = true; break;
		case 'H': case 'T': h24 = true; break;
		case 'I': h12 = true; break;
		case 'p': ampm = true; break;
		case 's': epoch = true; break;
		case 'a': case 'A': case 'M': case 'S': case 'f': case 'z': case '%': break;
		case '\0':
			*why = "ends with a lone '%'";
			return -1;
		default:
			*why = "has an unknown conversion (known: %Y %y %m %d %e %b %B %h %a %A %H %I %p %M %S %f %z %s %F %T %%)";
			return -1;
		}
	}
	if (!epoch && !(year && mon && day)) {
		*why = "needs a year, a month and a day (%Y or %y, %m or %b, %d) or %s";
		return -1;
	}
	if (h12 != ampm) {
		*why = "uses %I without %p or %p without %I";
		return -1;
	}
	if (h12 && h24) {
		*why = "uses both %H and %I";
		return -1;
	}
	return 0;
}

int32_t ts_day(int64_t us)
{
	int64_t d = us >= 0 ? us / TS_US_PER_DAY : -((-us + TS_US_PER_DAY - 1) / TS_US_PER_DAY);
	return (int32_t)d;
}

const char *ts_format(int64_t us, char *out)
{
	int32_t day = ts_day(us);
	int64_t rest = us - (int64_t)day * TS_US_PER_DAY;
	int y, m, d;
	date_to_ymd(day, &y, &m, &d);
	int secs = (int)(rest / 1000000), frac = (int)(rest % 1000000);
	int len = snprintf(out, 32, "%04d-%02d-%02dT%02d:%02d:%02d", y, m, d, secs / 3600,
			   secs / 60 % 60, secs % 60);
	if (frac)
		snprintf(out + len, (size_t)(32 - len), ".%06dZ", frac);
	else
		snprintf(out + len, (size_t)(32 - len), "Z");
	return out;
}

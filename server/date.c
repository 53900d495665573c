/*
 * date.c - day numbers <-> civil dates (Howard Hinnant's algorithms, which
 * are exact for the whole proleptic Gregorian calendar) and ISO-8601 parsing.
 */
#include "date.h"

#include <stdbool.h>
#include <stdio.h>
#include <time.h>

int32_t date_from_ymd(int y, int m, int d)
{
	y -= m <= 2;
	int era = (y >= 0 ? y : y - 399) / 400;
	int yoe = y - era * 400;
	int doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return (int32_t)(era * 146097 + doe - 719468);
}

void date_to_ymd(int32_t day, int *y, int *m, int *d)
{
	int32_t z = day + 719468;
	int32_t era = (z >= 0 ? z : z - 146096) / 146097;
	int32_t doe = z - era * 146097;
	int32_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int32_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int32_t mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = (int)(yoe + era * 400 + (*m <= 2));
}

static int digits(const char *s, int n, int *out)
{
	int v = 0;
	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return 0;
}

static int days_in_month(int y, int m)
{
	static const int dim[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		return 29;
	return dim[m - 1];
}

static int parse_ymd(const char *s, int32_t *day)
{
	int y, m, d;
	if (digits(s, 4, &y) || s[4] != '-' || digits(s + 5, 2, &m) ||
	    s[7] != '-' || digits(s + 8, 2, &d))
		return -1;
	if (y < 1 || m < 1 || m > 12 || d < 1 || d > days_in_month(y, m))
		return -1;
	*day = date_from_ymd(y, m, d);
	return 0;
}

int date_parse(const char *s, size_t n, int32_t *day)
{
	if (n != DATE_LEN)
		return -1;
	return parse_ymd(s, day);
}

int date_parse_iso(const char *s, size_t n, int32_t *day, const char **why)
{
	int32_t d;
	*why = "not a date (expected YYYY-MM-DD)";
	if (n < DATE_LEN || parse_ymd(s, &d))
		return -1;
	if (n == DATE_LEN) {
		*day = d;
		return 0;
	}
	*why = "not an ISO-8601 timestamp (expected YYYY-MM-DDTHH:MM[:SS][Z|+HH:MM])";
	const char *p = s + DATE_LEN, *end = s + n;
	int hh, mm, ss = 0;
	if ((*p != 'T' && *p != 't' && *p != ' ') || end - p < 6)
		return -1;
	p++;
	if (digits(p, 2, &hh) || p[2] != ':' || digits(p + 3, 2, &mm))
		return -1;
	p += 5;
	if (p < end && *p == ':') {
		if (end - p < 3 || digits(p + 1, 2, &ss))
			return -1;
		p += 3;
		if (p < end && (*p == '.' || *p == ',')) {
			p++;
			const char *f = p;
			while (p < end && *p >= '0' && *p <= '9')
				p++;
			if (p == f)
				return -1;
		}
	}
	if (hh > 23 || mm > 59 || ss > 60)
		return -1;
	int offset = 0; /* minutes east of UTC */
	if (p < end && (*p == 'Z' || *p == 'z')) {
		p++;
	} else if (p < end && (*p == '+' || *p == '-')) {
		int sign = *p == '-' ? -1 : 1, oh, om = 0;
		p++;
		if (end - p < 2 || digits(p, 2, &oh))
			return -1;
		p += 2;
		/* ±HH, ±HHMM or ±HH:MM: a colon must be followed by minutes */
		bool colon = p < end && *p == ':';
		if (colon)
			p++;
		if (end - p >= 2 && digits(p, 2, &om) == 0)
			p += 2;
		else if (colon)
			return -1;
		if (oh > 23 || om > 59)
			return -1;
		offset = sign * (oh * 60 + om);
	}
	if (p != end)
		return -1;
	int minutes = hh * 60 + mm - offset;
	/* floor division: a negative minute count is the day before */
	d += (minutes >= 0 ? minutes / 1440 : -((1439 - minutes) / 1440));
	*day = d;
	return 0;
}

void date_format(int32_t day, char *out)
{
	int y, m, d;
	date_to_ymd(day, &y, &m, &d);
	if (y < 0 || y > 9999)
		y = 0;
	out[0] = (char)('0' + y / 1000);
	out[1] = (char)('0' + y / 100 % 10);
	out[2] = (char)('0' + y / 10 % 10);
	out[3] = (char)('0' + y % 10);
	out[4] = '-';
	out[5] = (char)('0' + m / 10);
	out[6] = (char)('0' + m % 10);
	out[7] = '-';
	out[8] = (char)('0' + d / 10);
	out[9] = (char)('0' + d % 10);
}

const char *date_str(int32_t day, char *out)
{
	date_format(day, out);
	out[DATE_LEN] = '\0';
	return out;
}

int date_weekday(int32_t day)
{
	/* 1970-01-01 was a Thursday (3 when Monday is 0) */
	int w = (int)((day % 7 + 7 + 3) % 7);
	return w;
}

int32_t date_week_start(int32_t day)
{
	return day - date_weekday(day);
}

void date_iso_week(int32_t day, int *year, int *week)
{
	/* the week belongs to the year of its Thursday */
	int32_t thu = date_week_start(day) + 3;
	int m, d;
	date_to_ymd(thu, year, &m, &d);
	*week = (int)((thu - date_from_ymd(*year, 1, 1)) / 7 + 1);
}

int date_iso_week_start(int year, int week, int32_t *monday)
{
	if (year < 1 || year > 9999 || week < 1 || week > 53)
		return -1;
	/* week 1 holds January 4th */
	int32_t mon = date_week_start(date_from_ymd(year, 1, 4)) + (int32_t)(week - 1) * 7;
	int y, w;
	date_iso_week(mon, &y, &w);
	if (y != year)
		return -1;
	*monday = mon;
	return 0;
}

int date_parse_iso_week(const char *s, size_t n, int32_t *monday)
{
	int y, w;
	if (n != DATE_WEEK_LEN || digits(s, 4, &y) || s[4] != '-' || s[5] != 'W' ||
	    digits(s + 6, 2, &w))
		return -1;
	return date_iso_week_start(y, w, monday);
}

const char *date_week_str(int32_t day, char *out)
{
	int y, w;
	date_iso_week(day, &y, &w);
	snprintf(out, DATE_WEEK_LEN + 1, "%04u-W%02u", (unsigned)(y < 0 ? 0 : y > 9999 ? 9999 : y) % 10000u,
		 (unsigned)w % 100u);
	return out;
}

int32_t date_month_start(int32_t day)
{
	int y, m, d;
	date_to_ymd(day, &y, &m, &d);
	return day - (d - 1);
}

int32_t date_month_end(int32_t day)
{
	int y, m, d;
	date_to_ymd(day, &y, &m, &d);
	return day - d + days_in_month(y, m);
}

int32_t date_today(void)
{
	time_t now = time(NULL);
	return (int32_t)(now >= 0 ? now / 86400 : -((86399 - now) / 86400));
}

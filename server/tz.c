/*
 * tz.c - see tz.h.
 *
 * A TZif file (RFC 8536) lists UTC instants where the offset changes and
 * the local time type in force after each; past the last one the POSIX TZ
 * string of the footer ("CET-1CEST,M3.5.0,M10.5.0/3") gives the yearly
 * rule.  Both are reduced to the same question: a sorted list of
 * (instant, offset after) with an offset before the first.
 *
 * Local -> UTC follows CPython's zoneinfo for fold = 0: transition i
 * happens on the wall clock at trans[i] + max(offset before, offset after),
 * so a skipped or repeated wall-clock time still reads with the offset from
 * before the transition.  The integration tests compare against Python on
 * thousands of instants, DST edges included.
 */
#include "tz.h"
#include "date.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TZ_MAX_FILE (1u << 20)
#define MAX_OFFSET (26 * 3600)

struct rdate {
	char kind;        /* 'J': 1..365 without Feb 29, 'N': 0..365, 'M': month.week.day */
	int n, m, w, d;
	int32_t time;     /* seconds after local midnight (may be < 0 or > 24 h) */
};

struct rule {
	int32_t std_off, dst_off;   /* seconds east */
	int has_dst;
	struct rdate start, end;
};

struct tz {
	char *name;
	int64_t *trans;   /* UTC instants, increasing */
	uint8_t *tidx;    /* type in force from trans[i] */
	size_t ntrans;
	int32_t *off;     /* per type: seconds east */
	size_t ntypes;
	int32_t before;   /* offset before the first transition */
	int has_rule;
	struct rule rule;
};

static void set_err(char *err, size_t n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void set_err(char *err, size_t n, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, n, fmt, ap);
	va_end(ap);
}

void tz_free(struct tz *tz)
{
	if (!tz)
		return;
	free(tz->name);
	free(tz->trans);
	free(tz->tidx);
	free(tz->off);
	free(tz);
}

const char *tz_name(const struct tz *tz)
{
	return tz->name;
}

static struct tz *tz_new(const char *name)
{
	struct tz *tz = calloc(1, sizeof(*tz));
	if (!tz || !(tz->name = strdup(name)))
		abort();
	return tz;
}

/* ---- fixed offsets ---- */

/* Two digits at s into *v; 0 or -1. */
static int two(const char *s, int *v)
{
	if (!(s[0] >= '0' && s[0] <= '9' && s[1] >= '0' && s[1] <= '9'))
		return -1;
	*v = (s[0] - '0') * 10 + (s[1] - '0');
	return 0;
}

/*
 * An offset or a time of day into seconds, *p advanced; 0 or -1.
 * compact (fixed offsets, "+05:30", "+0530", "+05", "+5"): a sign, one or
 * two digits of hours, then optional [:]mm; else (POSIX TZ strings, "-1", "2:30", "/167"): one to three
 * digits of hours, then optional :mm and :ss.
 */
static int parse_hms(const char **p, int compact, int max_h, int32_t *out)
{
	const char *s = *p;
	int neg = 0;
	if (*s == '+' || *s == '-')
		neg = *s++ == '-';
	else if (compact)
		return -1;
	int h = 0, m = 0, sec = 0;
	if (compact) {
		int nd = 0;
		while (*s >= '0' && *s <= '9' && nd < 2) {
			h = h * 10 + (*s++ - '0');
			nd++;
		}
		if (!nd)
			return -1;
		if (*s == ':' || (nd == 2 && *s)) {
			s += *s == ':';
			if (two(s, &m))
				return -1;
			s += 2;
		}
	} else {
		int nd = 0;
		while (*s >= '0' && *s <= '9' && nd < 3) {
			h = h * 10 + (*s++ - '0');
			nd++;
		}
		if (!nd)
			return -1;
		if (*s == ':') {
			if (two(s + 1, &m))
				return -1;
			s += 3;
			if (*s == ':') {
				if (two(s + 1, &sec))
					return -1;
				s += 3;
			}
		}
	}
	if (h > max_h || m > 59 || sec > 59)
		return -1;
	int32_t v = h * 3600 + m * 60 + sec;
	*out = neg ? -v : v;
	*p = s;
	return 0;
}

/* "UTC", "Z", "GMT", "+02:00", "-0530", "UTC+1": 1 (set *off), 0 not a
 * fixed offset. */
static int parse_fixed(const char *name, int32_t *off)
{
	const char *p = name;
	if (!strcmp(p, "Z") || !strcmp(p, "UTC") || !strcmp(p, "GMT")) {
		*off = 0;
		return 1;
	}
	if (!strncmp(p, "UTC", 3) || !strncmp(p, "GMT", 3))
		p += 3;
	if (*p != '+' && *p != '-')
		return 0;
	int32_t v;
	if (parse_hms(&p, 1, 23, &v) || *p)
		return 0;
	*off = v;
	return 1;
}

/* ---- POSIX TZ strings ---- */

static int parse_tzname(const char **p)
{
	const char *s = *p;
	if (*s == '<') {
		const char *e = strchr(s, '>');
		if (!e || e - s < 2)
			return -1;
		*p = e + 1;
		return 0;
	}
	int n = 0;
	while ((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z')) {
		s++;
		n++;
	}
	if (n < 3)
		return -1;
	*p = s;
	return 0;
}

static int parse_rdate(const char **p, struct rdate *r)
{
	const char *s = *p;
	char *end;
	memset(r, 0, sizeof(*r));
	r->time = 2 * 3600;
	if (*s == 'M') {
		r->kind = 'M';
		r->m = (int)strtol(s + 1, &end, 10);
		if (end == s + 1 || *end != '.')
			return -1;
		s = end + 1;
		r->w = (int)strtol(s, &end, 10);
		if (end == s || *end != '.')
			return -1;
		s = end + 1;
		r->d = (int)strtol(s, &end, 10);
		if (end == s)
			return -1;
		s = end;
		if (r->m < 1 || r->m > 12 || r->w < 1 || r->w > 5 || r->d < 0 || r->d > 6)
			return -1;
	} else {
		r->kind = *s == 'J' ? 'J' : 'N';
		if (*s == 'J')
			s++;
		if (!(*s >= '0' && *s <= '9'))
			return -1;
		r->n = (int)strtol(s, &end, 10);
		s = end;
		if ((r->kind == 'J' && (r->n < 1 || r->n > 365)) || (r->kind == 'N' && r->n > 365))
			return -1;
	}
	if (*s == '/') {
		s++;
		/* RFC 8536 extends the hour to [-167, 167] */
		if (parse_hms(&s, 0, 167, &r->time))
			return -1;
	}
	*p = s;
	return 0;
}

static int parse_posix(const char *s, struct rule *r)
{
	memset(r, 0, sizeof(*r));
	int32_t v;
	if (parse_tzname(&s) || parse_hms(&s, 0, 24, &v))
		return -1;
	r->std_off = -v; /* POSIX offsets count west */
	if (!*s)
		return 0;
	if (parse_tzname(&s))
		return -1;
	r->has_dst = 1;
	r->dst_off = r->std_off + 3600;
	if (*s && *s != ',') {
		if (parse_hms(&s, 0, 24, &v))
			return -1;
		r->dst_off = -v;
	}
	if (!*s) { /* no rule given: POSIX leaves it to us; the US rule */
		const char *dflt = "M3.2.0,M11.1.0";
		return parse_rdate(&dflt, &r->start) || *dflt++ != ',' || parse_rdate(&dflt, &r->end) ? -1 : 0;
	}
	if (*s++ != ',' || parse_rdate(&s, &r->start) || *s++ != ',' || parse_rdate(&s, &r->end) || *s)
		return -1;
	return 0;
}

static int is_leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/* The local-midnight day number of a rule date in year y. */
static int32_t rdate_day(const struct rdate *r, int y)
{
	int32_t jan1 = date_from_ymd(y, 1, 1);
	if (r->kind == 'N')
		return jan1 + r->n;
	if (r->kind == 'J')
		return jan1 + r->n - 1 + (is_leap(y) && r->n >= 60);
	static const int dim[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int32_t first = date_from_ymd(y, r->m, 1);
	int wd = (date_weekday(first) + 1) % 7; /* 0 = Sunday */
	int day = 1 + (r->d - wd + 7) % 7 + (r->w - 1) * 7;
	int len = dim[r->m - 1] + (r->m == 2 && is_leap(y));
	while (day > len)
		day -= 7;
	return first + day - 1;
}

struct trans {
	int64_t t;
	int32_t off;   /* after */
};

/* The rule's transitions of years y-1..y+1, sorted (ties keep the year's
 * order); *before = the offset before the first.  Returns the count. */
static int rule_transitions(const struct rule *r, int y, struct trans out[6], int32_t *before)
{
	int n = 0;
	for (int yy = y - 1; yy <= y + 1; yy++) {
		struct trans s = { (int64_t)rdate_day(&r->start, yy) * 86400 + r->start.time - r->std_off,
				   r->dst_off };
		struct trans e = { (int64_t)rdate_day(&r->end, yy) * 86400 + r->end.time - r->dst_off,
				   r->std_off };
		struct trans two[2] = { s, e };
		for (int k = 0; k < 2; k++) {
			int i = n++;
			while (i > 0 && out[i - 1].t > two[k].t) {
				out[i] = out[i - 1];
				i--;
			}
			out[i] = two[k];
		}
	}
	*before = out[0].off == r->dst_off ? r->std_off : r->dst_off;
	return n;
}

static int year_of(int64_t t)
{
	int64_t day = t >= 0 ? t / 86400 : -((-t + 86399) / 86400);
	if (day < DATE_MIN)
		day = DATE_MIN;
	if (day > DATE_MAX)
		day = DATE_MAX;
	int y, m, d;
	date_to_ymd((int32_t)day, &y, &m, &d);
	return y;
}

static int32_t rule_offset_at(const struct rule *r, int64_t t)
{
	if (!r->has_dst)
		return r->std_off;
	struct trans tr[6];
	int32_t off;
	int n = rule_transitions(r, year_of(t), tr, &off);
	for (int i = 0; i < n && tr[i].t <= t; i++)
		off = tr[i].off;
	return off;
}

static int32_t max32(int32_t a, int32_t b)
{
	return a > b ? a : b;
}

static int32_t rule_local_offset(const struct rule *r, int64_t local)
{
	if (!r->has_dst)
		return r->std_off;
	struct trans tr[6];
	int32_t before;
	int n = rule_transitions(r, year_of(local), tr, &before);
	int32_t off = before, prev = before;
	for (int i = 0; i < n; i++) {
		if (tr[i].t + max32(prev, tr[i].off) > local)
			break;
		off = tr[i].off;
		prev = tr[i].off;
	}
	return off;
}

/* ---- lookups ---- */

static int32_t off_before(const struct tz *tz, size_t i)
{
	return i == 0 ? tz->before : tz->off[tz->tidx[i - 1]];
}

int32_t tz_offset_at(const struct tz *tz, int64_t t)
{
	if (tz->ntrans == 0)
		return tz->has_rule ? rule_offset_at(&tz->rule, t) : tz->before;
	if (t < tz->trans[0])
		return tz->before;
	size_t lo = 0, hi = tz->ntrans; /* largest i with trans[i] <= t */
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;
		if (tz->trans[mid] <= t)
			lo = mid;
		else
			hi = mid;
	}
	if (lo == tz->ntrans - 1 && tz->has_rule)
		return rule_offset_at(&tz->rule, t);
	return tz->off[tz->tidx[lo]];
}

int64_t tz_local_to_utc(const struct tz *tz, int64_t local)
{
	int32_t off;
	if (tz->ntrans == 0) {
		off = tz->has_rule ? rule_local_offset(&tz->rule, local) : tz->before;
		return local - off;
	}
	size_t n = tz->ntrans;
	int64_t last_wall = tz->trans[n - 1] + max32(off_before(tz, n - 1), tz->off[tz->tidx[n - 1]]);
	if (local >= last_wall) {
		off = tz->has_rule ? rule_local_offset(&tz->rule, local) : tz->off[tz->tidx[n - 1]];
		return local - off;
	}
	/* largest i with wall(i) <= local, or none */
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int64_t wall = tz->trans[mid] + max32(off_before(tz, mid), tz->off[tz->tidx[mid]]);
		if (wall <= local)
			lo = mid + 1;
		else
			hi = mid;
	}
	off = lo == 0 ? tz->before : tz->off[tz->tidx[lo - 1]];
	return local - off;
}

/* ---- TZif ---- */

static uint32_t be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int64_t be64(const unsigned char *p)
{
	return (int64_t)((uint64_t)be32(p) << 32 | be32(p + 4));
}

struct counts {
	uint32_t isut, isstd, leap, time, type, chr;
};

static void read_counts(const unsigned char *h, struct counts *c)
{
	c->isut = be32(h + 20);
	c->isstd = be32(h + 24);
	c->leap = be32(h + 28);
	c->time = be32(h + 32);
	c->type = be32(h + 36);
	c->chr = be32(h + 40);
}

static size_t block_size(const struct counts *c, int tsize)
{
	return (size_t)c->time * (size_t)(tsize + 1) + (size_t)c->type * 6 + c->chr +
	       (size_t)c->leap * (size_t)(tsize + 4) + c->isstd + c->isut;
}

/* Parse a TZif image into tz; NULL on success, else what is wrong. */
static const char *parse_tzif(struct tz *tz, const unsigned char *b, size_t len)
{
	if (len < 44 || memcmp(b, "TZif", 4) != 0)
		return "not a TZif file";
	struct counts c;
	read_counts(b, &c);
	if (c.time > 100000 || c.type > 256 || c.type == 0 || c.chr > 65536 || c.leap > 10000 ||
	    c.isut > 256 || c.isstd > 256)
		return "a TZif file with impossible counts";
	size_t v1 = block_size(&c, 4);
	if (44 + v1 > len)
		return "a truncated TZif file";
	const unsigned char *d = b + 44;
	int tsize = 4;
	const unsigned char *footer = NULL, *end = b + len;
	if (b[4] >= '2') {
		const unsigned char *h2 = b + 44 + v1;
		if ((size_t)(end - h2) < 44 || memcmp(h2, "TZif", 4) != 0)
			return "a TZif file with a broken second header";
		read_counts(h2, &c);
		if (c.time > 100000 || c.type > 256 || c.type == 0 || c.chr > 65536 || c.leap > 10000 ||
		    c.isut > 256 || c.isstd > 256)
			return "a TZif file with impossible counts";
		d = h2 + 44;
		tsize = 8;
		if ((size_t)(end - d) < block_size(&c, 8))
			return "a truncated TZif file";
		footer = d + block_size(&c, 8);
	}
	tz->ntrans = c.time;
	tz->ntypes = c.type;
	tz->trans = calloc(c.time ? c.time : 1, sizeof(*tz->trans));
	tz->tidx = calloc(c.time ? c.time : 1, 1);
	tz->off = calloc(c.type, sizeof(*tz->off));
	if (!tz->trans || !tz->tidx || !tz->off)
		abort();
	for (uint32_t i = 0; i < c.time; i++) {
		tz->trans[i] = tsize == 8 ? be64(d + 8 * i) : (int32_t)be32(d + 4 * i);
		if (i && tz->trans[i] <= tz->trans[i - 1])
			return "a TZif file whose transitions are out of order";
	}
	d += (size_t)c.time * (size_t)tsize;
	for (uint32_t i = 0; i < c.time; i++) {
		tz->tidx[i] = d[i];
		if (d[i] >= c.type)
			return "a TZif file with a bad type index";
	}
	d += c.time;
	int first_std = -1;
	for (uint32_t i = 0; i < c.type; i++) {
		int32_t off = (int32_t)be32(d + 6 * i);
		if (off <= -MAX_OFFSET || off >= MAX_OFFSET)
			return "a TZif file with an impossible offset";
		tz->off[i] = off;
		if (first_std < 0 && d[6 * i + 4] == 0)
			first_std = (int)i;
	}
	/* before the first transition: the first standard-time type, as
	 * CPython's zoneinfo (RFC 8536 says type 0; they agree in tzdata) */
	tz->before = tz->off[first_std >= 0 ? first_std : 0];
	if (footer && footer < end && *footer == '\n') {
		const unsigned char *nl = memchr(footer + 1, '\n', (size_t)(end - footer - 1));
		if (!nl)
			return "a TZif file with a broken footer";
		size_t n = (size_t)(nl - footer - 1);
		if (n) {
			char rule[256];
			if (n >= sizeof(rule))
				return "a TZif file with a footer too long";
			memcpy(rule, footer + 1, n);
			rule[n] = '\0';
			if (parse_posix(rule, &tz->rule))
				return "a TZif file with a rule this reader does not understand";
			tz->has_rule = 1;
		}
	}
	return NULL;
}

static int valid_name(const char *name)
{
	size_t n = strlen(name);
	if (!n || n > 200 || name[0] == '/')
		return 0;
	const char *comp = name;
	for (const char *p = name;; p++) {
		if (*p == '/' || *p == '\0') {
			size_t len = (size_t)(p - comp);
			if (!len || (len == 1 && comp[0] == '.') || (len == 2 && comp[0] == '.' && comp[1] == '.'))
				return 0;
			if (!*p)
				return 1;
			comp = p + 1;
			continue;
		}
		char c = *p;
		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		      c == '_' || c == '-' || c == '+' || c == '.'))
			return 0;
	}
}

struct tz *tz_load(const char *name, char *err, size_t errlen)
{
	int32_t off;
	if (parse_fixed(name, &off)) {
		struct tz *tz = tz_new(name);
		tz->before = off;
		return tz;
	}
	if (!valid_name(name)) {
		set_err(err, errlen, "'%.80s' is not a time zone (a name such as Europe/Berlin, UTC, or an offset such as +02:00)",
			name);
		return NULL;
	}
	const char *dir = getenv("TZDIR");
	if (!dir || !*dir)
		dir = "/usr/share/zoneinfo";
	char path[512];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	FILE *f = fopen(path, "rb");
	if (!f) {
		set_err(err, errlen, "'%.80s' is not a time zone (%s: %s; a name such as Europe/Berlin, UTC, or an offset such as +02:00)",
			name, path, strerror(errno));
		return NULL;
	}
	unsigned char *b = malloc(TZ_MAX_FILE);
	if (!b)
		abort();
	size_t len = fread(b, 1, TZ_MAX_FILE, f);
	int rd_err = ferror(f);
	fclose(f);
	struct tz *tz = tz_new(name);
	const char *why = rd_err ? "unreadable" : len == TZ_MAX_FILE ? "too large for a TZif file" : parse_tzif(tz, b, len);
	free(b);
	if (why) {
		set_err(err, errlen, "'%.80s' is not a time zone (%s is %s)", name, path, why);
		tz_free(tz);
		return NULL;
	}
	return tz;
}

/*
 * events.c - see events.h.  The stay rules are the ones docs/ANALYTICS.md
 * states ("Event logs"); ev_derive() is their only implementation, used
 * by the import and by the re-derivation after a change of [stages].
 */
#include "events.h"
#include "config.h"
#include "date.h"
#include "digest.h"
#include "ts.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct patterns {
	char **pat;
	size_t n;
};

struct ev_rules {
	int close_last;
	int has_stages;
	size_t ndepts;
	char *names[CONFIG_MAX_DEPTS];         /* copies of the department names */
	struct patterns stages[CONFIG_MAX_DEPTS];
	struct patterns done;
};

static char lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c + 32) : c;
}

/* ---- globs ---- */

/* Length of the UTF-8 character at s (1 for a stray byte). */
static size_t char_len(const unsigned char *s, size_t left)
{
	size_t len = *s >= 0xF0 ? 4 : *s >= 0xE0 ? 3 : *s >= 0xC0 ? 2 : 1;
	return len > left ? left : len;
}

/* Match a [...] class at *pp against byte c; *pp advanced past ']'.
 * -1 when the class is not closed (then '[' is a literal). */
static int match_class(const char **pp, char c)
{
	const char *p = *pp + 1;
	int neg = *p == '!' || *p == '^';
	if (neg)
		p++;
	int hit = 0, first = 1;
	char lc = lower(c);
	while (*p && (*p != ']' || first)) {
		char lo = *p == '\\' && p[1] ? *++p : *p;
		char hi = lo;
		if (p[1] == '-' && p[2] && p[2] != ']') {
			p += 2;
			hi = *p == '\\' && p[1] ? *++p : *p;
		}
		if ((lower(lo) <= lc && lc <= lower(hi)) || (lo <= c && c <= hi))
			hit = 1;
		p++;
		first = 0;
	}
	if (*p != ']')
		return -1;
	*pp = p + 1;
	return hit != neg;
}

int ev_glob(const char *pat, const char *s, size_t n)
{
	const char *p = pat, *star = NULL;
	size_t i = 0, star_i = 0;
	while (i < n) {
		if (*p == '*') {
			star = ++p;
			star_i = i;
			continue;
		}
		if (*p == '?') {
			p++;
			i += char_len((const unsigned char *)s + i, n - i);
			continue;
		}
		if (*p == '[') {
			const char *q = p;
			int m = match_class(&q, s[i]);
			if (m == 1) {
				p = q;
				i++;
				continue;
			}
			if (m == 0)
				goto backtrack;
			/* unclosed: a literal '[' */
		}
		{
			char pc = *p == '\\' && p[1] ? p[1] : *p;
			if (pc && lower(pc) == lower(s[i])) {
				p += *p == '\\' && p[1] ? 2 : 1;
				i++;
				continue;
			}
		}
backtrack:
		if (!star)
			return 0;
		p = star;
		i = ++star_i;
	}
	while (*p == '*')
		p++;
	return *p == '\0';
}

/* ---- rules ---- */

/* Split a comma list into trimmed, non-empty patterns. */
static void split(const char *list, struct patterns *out)
{
	out->pat = NULL;
	out->n = 0;
	if (!list)
		return;
	const char *p = list;
	for (;;) {
		const char *comma = strchr(p, ',');
		const char *e = comma ? comma : p + strlen(p);
		while (p < e && (*p == ' ' || *p == '\t'))
			p++;
		while (e > p && (e[-1] == ' ' || e[-1] == '\t'))
			e--;
		if (e > p) {
			char **a = realloc(out->pat, (out->n + 1) * sizeof(*a));
			if (!a || !(a[out->n] = strndup(p, (size_t)(e - p))))
				abort();
			out->pat = a;
			out->n++;
		}
		if (!comma)
			break;
		p = comma + 1;
	}
}

static void patterns_release(struct patterns *ps)
{
	for (size_t i = 0; i < ps->n; i++)
		free(ps->pat[i]);
	free(ps->pat);
}

int ev_check_patterns(const char *list, const char **why)
{
	struct patterns ps;
	split(list, &ps);
	int rc = 0;
	for (size_t i = 0; i < ps.n && !rc; i++) {
		if (strlen(ps.pat[i]) > 256) {
			*why = "a pattern is longer than 256 bytes";
			rc = -1;
		}
	}
	patterns_release(&ps);
	return rc;
}

struct ev_rules *ev_rules_new(const struct config *cfg)
{
	struct ev_rules *r = calloc(1, sizeof(*r));
	if (!r)
		abort();
	r->close_last = cfg->ev_close_last;
	r->has_stages = cfg->has_stages;
	r->ndepts = cfg->ndepts;
	for (size_t k = 0; k < cfg->ndepts; k++) {
		if (!(r->names[k] = strdup(cfg->depts[k].name)))
			abort();
		split(cfg->stages[k], &r->stages[k]);
	}
	split(cfg->ev_done, &r->done);
	return r;
}

void ev_rules_free(struct ev_rules *r)
{
	if (!r)
		return;
	for (size_t k = 0; k < r->ndepts; k++) {
		free(r->names[k]);
		patterns_release(&r->stages[k]);
	}
	patterns_release(&r->done);
	free(r);
}

int ev_rules_close_last(const struct ev_rules *r)
{
	return r->close_last;
}

static int any_match(const struct patterns *ps, const char *s, size_t n)
{
	for (size_t i = 0; i < ps->n; i++)
		if (ev_glob(ps->pat[i], s, n))
			return 1;
	return 0;
}

int ev_rules_map(const struct ev_rules *r, const char *activity, size_t n)
{
	if (any_match(&r->done, activity, n))
		return EV_DONE;
	for (size_t k = 0; k < r->ndepts; k++) {
		if (r->has_stages) {
			if (any_match(&r->stages[k], activity, n))
				return (int)k;
			continue;
		}
		const char *name = r->names[k];
		if (strlen(name) != n)
			continue;
		size_t i = 0;
		while (i < n && lower(name[i]) == lower(activity[i]))
			i++;
		if (i == n)
			return (int)k;
	}
	return EV_SKIP;
}

/* Length-prefixed items, so "a,b" + "c" differs from "a" + "b,c". */
static void add_item(char **buf, size_t *len, size_t *cap, const char *s)
{
	size_t n = strlen(s), need = *len + n + 12;
	if (need > *cap) {
		*cap = need * 2;
		*buf = realloc(*buf, *cap);
		if (!*buf)
			abort();
	}
	*len += (size_t)snprintf(*buf + *len, *cap - *len, "%zu:", n);
	memcpy(*buf + *len, s, n);
	*len += n;
}

void ev_rules_fingerprint(const struct ev_rules *r, uint8_t out[32])
{
	char *buf = NULL;
	size_t len = 0, cap = 0;
	add_item(&buf, &len, &cap, "leadtime-events-1");
	add_item(&buf, &len, &cap, r->close_last ? "close=last" : "close=next");
	add_item(&buf, &len, &cap, r->has_stages ? "stages" : "names");
	for (size_t k = 0; k < r->ndepts; k++) {
		add_item(&buf, &len, &cap, r->names[k]);
		for (size_t i = 0; r->has_stages && i < r->stages[k].n; i++)
			add_item(&buf, &len, &cap, r->stages[k].pat[i]);
		add_item(&buf, &len, &cap, ";");
	}
	add_item(&buf, &len, &cap, "done");
	for (size_t i = 0; i < r->done.n; i++)
		add_item(&buf, &len, &cap, r->done.pat[i]);
	digest_sha256(buf, len, out);
	free(buf);
}

/* ---- stays ---- */

size_t ev_derive(const struct ev_in *ev, size_t n, int close_last, size_t ndepts,
		 struct ev_stay *out)
{
	int count[CONFIG_MAX_DEPTS] = { 0 };
	size_t nstays = 0;
	struct ev_stay *cur = NULL;
	size_t cur_last = 0;   /* index of the current stay's last event */
	for (size_t i = 0; i < n; i++) {
		int code = ev[i].code;
		if (code == EV_SKIP || (code >= 0 && (size_t)code >= ndepts))
			continue;
		int32_t day = ts_day(ev[i].at);
		if (code == EV_DONE) {
			/* closes the current stay on its date; starts none */
			if (cur)
				cur->closed = day;
			cur = NULL;
			continue;
		}
		if (cur && cur->dept == code) {
			cur_last = i;
			continue;
		}
		if (cur)
			cur->closed = close_last ? ts_day(ev[cur_last].at) : day;
		cur = &out[nstays++];
		cur->dept = code;
		cur->n = ++count[code];
		cur->first = i;
		cur->opened = day;
		cur->closed = DATE_NONE;
		cur_last = i;
	}
	if (cur && close_last)
		cur->closed = ts_day(ev[cur_last].at);
	return nstays;
}

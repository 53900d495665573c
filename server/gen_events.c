/*
 * gen_events.c - see gen_events.h.
 *
 * gen_to_sink() hands over each creator's tickets in order; at the end of
 * a creator its events are laid out (open, follow-ups and notes on days
 * inside the ticket, Done on its closing day when needed), which keeps
 * the days non-decreasing, then given rising times of day and written.
 */
#include "gen_events.h"
#include "buf.h"
#include "config.h"
#include "date.h"
#include "events.h"
#include "gen.h"
#include "log.h"

#include <stdlib.h>
#include <string.h>

#define DONE_ACTIVITY "Done"

static const char *const notes[] = { "Email sent", "Call", "Note added" };

enum ev_kind { K_OPEN, K_FOLLOW, K_NOTE, K_DONE };

struct tk {
	size_t emp;       /* offset of the employee's name in the arena */
	size_t dept;
	int32_t opened, closed;
};

struct gev {
	int32_t day;
	enum ev_kind kind;
	size_t t;         /* its ticket */
	int note;
	int64_t at;       /* microseconds, UTC */
};

struct gw {
	FILE *out;
	enum gen_events_format fmt;
	const struct config *cfg;
	int32_t as_of;
	uint64_t rng;
	struct buf creator, arena, line;
	struct tk *t;
	size_t nt, cap_t;
	struct gev *ev;
	size_t nev, cap_ev;
	long events;
};

/* splitmix64: a stream of its own, so the tickets' stream is untouched */
static uint64_t next(struct gw *w)
{
	uint64_t z = (w->rng += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static double unit(struct gw *w)
{
	return (double)(next(w) >> 11) * 0x1.0p-53;
}

static int64_t below(struct gw *w, int64_t n)
{
	return n <= 1 ? 0 : (int64_t)(unit(w) * (double)n);
}

static void on_ticket(void *ctx, const struct gen_ticket *t)
{
	struct gw *w = ctx;
	if (w->nt == 0) {
		buf_reset(&w->creator);
		buf_addstr(&w->creator, t->creator);
		buf_reset(&w->arena);
	}
	if (w->nt == w->cap_t) {
		w->cap_t = w->cap_t ? w->cap_t * 2 : 16;
		w->t = realloc(w->t, w->cap_t * sizeof(*w->t));
		if (!w->t)
			abort();
	}
	w->t[w->nt].emp = w->arena.len;
	buf_addstr(&w->arena, t->employee);
	buf_addch(&w->arena, '\0');
	w->t[w->nt].dept = t->dept;
	w->t[w->nt].opened = t->opened;
	w->t[w->nt].closed = t->closed;
	w->nt++;
}

static void add(struct gw *w, int32_t day, enum ev_kind kind, size_t t, int note)
{
	if (w->nev == w->cap_ev) {
		w->cap_ev = w->cap_ev ? w->cap_ev * 2 : 32;
		w->ev = realloc(w->ev, w->cap_ev * sizeof(*w->ev));
		if (!w->ev)
			abort();
	}
	w->ev[w->nev++] = (struct gev){ day, kind, t, note, 0 };
}

/* The events of the creator's tickets, in order, days non-decreasing. */
static void lay_out(struct gw *w)
{
	w->nev = 0;
	for (size_t i = 0; i < w->nt; i++) {
		const struct tk *t = &w->t[i];
		int32_t last = t->closed != DATE_NONE ? t->closed : w->as_of;
		add(w, t->opened, K_OPEN, i, 0);
		size_t from = w->nev;
		if (unit(w) < 0.35)
			add(w, t->opened + (int32_t)below(w, last - t->opened + 1), K_FOLLOW, i, 0);
		if (unit(w) < 0.1)
			add(w, t->opened + (int32_t)below(w, last - t->opened + 1), K_FOLLOW, i, 0);
		if (unit(w) < 0.3)
			add(w, t->opened + (int32_t)below(w, last - t->opened + 1), K_NOTE, i,
			    (int)below(w, 3));
		for (size_t a = from + 1; a < w->nev; a++) /* by day, stable */
			for (size_t b = a; b > from && w->ev[b - 1].day > w->ev[b].day; b--) {
				struct gev tmp = w->ev[b];
				w->ev[b] = w->ev[b - 1];
				w->ev[b - 1] = tmp;
			}
		if (t->closed == DATE_NONE)
			continue;
		/* the next ticket's first event closes this one when it is in
		 * another department and opens on the closing day */
		int closed_by_next = i + 1 < w->nt && w->t[i + 1].dept != t->dept &&
				     w->t[i + 1].opened == t->closed;
		if (!closed_by_next)
			add(w, t->closed, K_DONE, i, 0);
	}
	/* rising times through each day: the j-th of k events of a day at
	 * start + j * step + r (r < step), before midnight */
	for (size_t a = 0; a < w->nev;) {
		size_t b = a;
		while (b < w->nev && w->ev[b].day == w->ev[a].day)
			b++;
		int64_t k = (int64_t)(b - a), start = below(w, 16 * 60);
		int64_t step = (1439 - start) / k;
		if (step > 50)
			step = 50;
		for (size_t j = a; j < b; j++) {
			int64_t minute = start + (int64_t)(j - a) * step + below(w, step);
			int64_t ms = unit(w) < 0.2 ? below(w, 1000) : 0;
			w->ev[j].at = (((int64_t)w->ev[j].day * 86400 + minute * 60 + below(w, 60)) * 1000 + ms) * 1000;
		}
		a = b;
	}
}

/* `YYYY-MM-DDTHH:MM:SS[.mmm]` of instant + offset, then Z or ±HH:MM. */
static void add_time(struct buf *b, int64_t at_us, int32_t off, int ms_always)
{
	int64_t local = at_us / 1000 + (int64_t)off * 1000; /* ms */
	int32_t day = (int32_t)(local >= 0 ? local / 86400000 : -((-local + 86399999) / 86400000));
	int64_t rest = local - (int64_t)day * 86400000;
	int y, m, d;
	date_to_ymd(day, &y, &m, &d);
	buf_addf(b, "%04d-%02d-%02dT%02d:%02d:%02d", y, m, d, (int)(rest / 3600000),
		 (int)(rest / 60000 % 60), (int)(rest / 1000 % 60));
	if (ms_always || rest % 1000)
		buf_addf(b, ".%03d", (int)(rest % 1000));
	if (off == 0)
		buf_addch(b, 'Z');
	else
		buf_addf(b, "%c%02d:%02d", off < 0 ? '-' : '+', abs(off) / 3600, abs(off) / 60 % 60);
}

static void add_xml(struct buf *b, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '&': buf_addstr(b, "&amp;"); break;
		case '<': buf_addstr(b, "&lt;"); break;
		case '>': buf_addstr(b, "&gt;"); break;
		case '"': buf_addstr(b, "&quot;"); break;
		case '\'': buf_addstr(b, "&apos;"); break;
		default: buf_addch(b, *s);
		}
	}
}

static void xes_attr(struct buf *b, const char *type, const char *key, const char *value)
{
	buf_addf(b, "\t\t\t<%s key=\"%s\" value=\"", type, key);
	add_xml(b, value);
	buf_addstr(b, "\"/>\n");
}

static int creator_end(void *ctx)
{
	struct gw *w = ctx;
	if (!w->nt)
		return 0;
	static const int32_t offsets[] = { 0, 3600, -5 * 3600, 9 * 3600, 5 * 3600 + 1800, -3 * 3600 };
	int32_t off = offsets[below(w, sizeof(offsets) / sizeof(offsets[0]))];
	lay_out(w);
	struct buf *l = &w->line;
	buf_reset(l);
	if (w->fmt == GEN_EV_XES) {
		buf_addstr(l, "\t<trace>\n\t\t<string key=\"concept:name\" value=\"");
		add_xml(l, w->creator.data);
		buf_addstr(l, "\"/>\n");
	}
	for (size_t i = 0; i < w->nev; i++) {
		const struct gev *e = &w->ev[i];
		const struct tk *t = &w->t[e->t];
		const char *act = e->kind == K_DONE ? DONE_ACTIVITY
				  : e->kind == K_NOTE ? notes[e->note]
						      : w->cfg->depts[t->dept].name;
		const char *emp = w->arena.data + t->emp;
		const char *life = e->kind == K_OPEN ? "start" : e->kind == K_DONE ? "complete" : "";
		if (w->fmt == GEN_EV_XES) {
			buf_addstr(l, "\t\t<event>\n");
			xes_attr(l, "string", "concept:name", act);
			xes_attr(l, "string", "org:resource", emp);
			buf_addstr(l, "\t\t\t<date key=\"time:timestamp\" value=\"");
			add_time(l, e->at, off, 1);
			buf_addstr(l, "\"/>\n");
			if (*life)
				xes_attr(l, "string", "lifecycle:transition", life);
			buf_addstr(l, "\t\t</event>\n");
		} else {
			buf_add_csv(l, w->creator.data, w->creator.len);
			buf_addch(l, ',');
			buf_add_csv(l, act, strlen(act));
			buf_addch(l, ',');
			add_time(l, e->at, off, 0);
			buf_addch(l, ',');
			buf_add_csv(l, emp, strlen(emp));
			buf_addch(l, ',');
			buf_addstr(l, life);
			buf_addch(l, '\n');
		}
		w->events++;
	}
	if (w->fmt == GEN_EV_XES)
		buf_addstr(l, "\t</trace>\n");
	w->nt = 0;
	return fwrite(l->data, 1, l->len, w->out) == l->len ? 0 : -1;
}

int gen_events(FILE *out, enum gen_events_format fmt, const struct config *cfg,
	       const struct gen_opts *o, struct gen_stats *stats, long *events)
{
	struct gw w;
	memset(&w, 0, sizeof(w));
	w.out = out;
	w.fmt = fmt;
	w.cfg = cfg;
	w.as_of = o->start + o->days - 1;
	w.rng = o->seed ^ 0x6576656e74734c54ULL;
	if (fmt == GEN_EV_XES) {
		fprintf(out,
			"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
			"<log xes.version=\"1849-2016\" xmlns=\"http://www.xes-standard.org/\">\n"
			"\t<extension name=\"Concept\" prefix=\"concept\" uri=\"http://www.xes-standard.org/concept.xesext\"/>\n"
			"\t<extension name=\"Time\" prefix=\"time\" uri=\"http://www.xes-standard.org/time.xesext\"/>\n"
			"\t<extension name=\"Organizational\" prefix=\"org\" uri=\"http://www.xes-standard.org/org.xesext\"/>\n"
			"\t<extension name=\"Lifecycle\" prefix=\"lifecycle\" uri=\"http://www.xes-standard.org/lifecycle.xesext\"/>\n"
			"\t<global scope=\"trace\">\n\t\t<string key=\"concept:name\" value=\"__INVALID__\"/>\n\t</global>\n"
			"\t<global scope=\"event\">\n\t\t<string key=\"concept:name\" value=\"__INVALID__\"/>\n"
			"\t\t<date key=\"time:timestamp\" value=\"1970-01-01T00:00:00.000Z\"/>\n\t</global>\n"
			"\t<classifier name=\"Activity\" keys=\"concept:name\"/>\n"
			"\t<string key=\"concept:name\" value=\"leadtimed generate --events (seed %llu)\"/>\n",
			(unsigned long long)o->seed);
	} else {
		fprintf(out, "%s,%s,%s,%s,%s\n", cfg->ev_col[EVC_CASE], cfg->ev_col[EVC_ACTIVITY],
			cfg->ev_col[EVC_TIMESTAMP], cfg->ev_col[EVC_RESOURCE], cfg->ev_col[EVC_LIFECYCLE]);
	}
	struct gen_sink sink = { &w, on_ticket, creator_end };
	int rc = gen_to_sink(cfg, o, &sink, stats);
	if (rc == 0 && fmt == GEN_EV_XES)
		fputs("</log>\n", out);
	if (rc == 0 && (ferror(out) || fflush(out)))
		rc = -1;
	if (rc)
		log_err("generate --events: write error");
	*events = w.events;
	buf_release(&w.creator);
	buf_release(&w.arena);
	buf_release(&w.line);
	free(w.t);
	free(w.ev);
	return rc;
}

const char *gen_events_check(const struct config *cfg)
{
	struct ev_rules *r = ev_rules_new(cfg);
	int ok = !ev_rules_close_last(r) && ev_rules_map(r, DONE_ACTIVITY, strlen(DONE_ACTIVITY)) == EV_DONE;
	for (size_t k = 0; ok && k < cfg->ndepts; k++)
		ok = ev_rules_map(r, cfg->depts[k].name, strlen(cfg->depts[k].name)) == (int)k;
	for (size_t i = 0; ok && i < sizeof(notes) / sizeof(notes[0]); i++)
		ok = ev_rules_map(r, notes[i], strlen(notes[i])) == EV_SKIP;
	ev_rules_free(r);
	return ok ? NULL
		  : "the log's activities are the department names, 'Done' and notes ('Email sent', "
		    "'Call', 'Note added'), read with close = next: under this config's [stages] or "
		    "[events] they will not give back the same tickets";
}

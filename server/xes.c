/*
 * xes.c - XES event logs (IEEE 1849) through expat; see evread.h.
 *
 * A streaming state machine over start/end tags: only the current trace's
 * case name and the current event's four attributes are kept, so memory
 * does not grow with the file.  (If a trace names its case only after some
 * of its events, which the XES schema does not allow but a writer might
 * do, those events wait in memory until the name comes: bounded by one
 * trace.)  Attributes are the attribute elements (<string>, <date>, ...)
 * that are direct children of <trace> or <event>, with `key` and `value`;
 * nested attributes, globals, classifiers and extensions are ignored.
 * Element names are compared without a namespace prefix.  A DOCTYPE
 * stops the parse: event logs have no use for entities.
 */
#include "buf.h"
#include "evread.h"

#include <expat.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define XES_CHUNK 65536

static const char *const keys[EVC_NCOLS] = {
	"concept:name",          /* of the trace */
	"concept:name",          /* of the event */
	"time:timestamp",
	"org:resource",
	"lifecycle:transition",
};
static const char *const labels[EVC_NCOLS] = {
	"trace concept:name", "concept:name", "time:timestamp", "org:resource", "lifecycle:transition",
};

struct xevent {
	struct buf v[EVC_NCOLS];
	int has[EVC_NCOLS];
	long fline[EVC_NCOLS], fcol[EVC_NCOLS];
	long line, col;
};

struct xes {
	XML_Parser p;
	const struct ev_sink *sink;
	int depth;
	int trace_depth, event_depth;   /* 0 = not inside one */
	long trace_line, trace_col;
	struct xevent cur;              /* the event being read; v[EVC_CASE] = the trace's case */
	int has_case;
	long case_line, case_col;
	struct xevent *pending;         /* events before the trace named its case */
	size_t npending, cap_pending;
	int stopped;                    /* we stopped the parser (problem recorded) */
};

static void problem(struct xes *x, long line, long col, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void problem(struct xes *x, long line, long col, const char *fmt, ...)
{
	char msg[600];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	x->sink->problem(x->sink->ctx, "line", line, col, msg);
}

static const char *local_name(const char *name)
{
	const char *colon = strrchr(name, ':');
	return colon ? colon + 1 : name;
}

static const char *att(const char **atts, const char *name)
{
	for (size_t i = 0; atts[i]; i += 2)
		if (strcmp(atts[i], name) == 0)
			return atts[i + 1];
	return NULL;
}

static void here(struct xes *x, long *line, long *col)
{
	*line = (long)XML_GetCurrentLineNumber(x->p);
	*col = (long)XML_GetCurrentColumnNumber(x->p) + 1;
}

static void event_reset(struct xevent *e, int keep_case)
{
	for (int c = keep_case ? EVC_ACTIVITY : 0; c < EVC_NCOLS; c++) {
		buf_reset(&e->v[c]);
		e->has[c] = 0;
		e->fline[c] = e->fcol[c] = 0;
	}
}

static void emit(struct xes *x, const struct xevent *e, const struct xevent *trace)
{
	struct ev_raw ev;
	memset(&ev, 0, sizeof(ev));
	ev.style = EVS_XES;
	ev.line = e->line;
	ev.col = e->col;
	for (int c = 0; c < EVC_NCOLS; c++) {
		const struct xevent *src = c == EVC_CASE ? trace : e;
		ev.label[c] = labels[c];
		if (src->has[c]) {
			ev.f[c] = src->v[c].data ? src->v[c].data : "";
			ev.n[c] = src->v[c].len;
			ev.fline[c] = src->fline[c];
			ev.fcol[c] = src->fcol[c];
		}
	}
	x->sink->event(x->sink->ctx, &ev);
}

static void push_pending(struct xes *x)
{
	if (x->npending == x->cap_pending) {
		x->cap_pending = x->cap_pending ? x->cap_pending * 2 : 8;
		x->pending = realloc(x->pending, x->cap_pending * sizeof(*x->pending));
		if (!x->pending)
			abort();
	}
	struct xevent *p = &x->pending[x->npending++];
	memset(p, 0, sizeof(*p));
	for (int c = EVC_ACTIVITY; c < EVC_NCOLS; c++) {
		buf_init(&p->v[c]);
		if (x->cur.has[c])
			buf_add(&p->v[c], x->cur.v[c].data ? x->cur.v[c].data : "", x->cur.v[c].len);
		p->has[c] = x->cur.has[c];
		p->fline[c] = x->cur.fline[c];
		p->fcol[c] = x->cur.fcol[c];
	}
	p->line = x->cur.line;
	p->col = x->cur.col;
}

static void drop_pending(struct xes *x, int send)
{
	for (size_t i = 0; i < x->npending; i++) {
		if (send)
			emit(x, &x->pending[i], &x->cur);
		for (int c = 0; c < EVC_NCOLS; c++)
			buf_release(&x->pending[i].v[c]);
	}
	x->npending = 0;
}

/* An attribute element (key, value) of the current trace or event. */
static void attribute(struct xes *x, const char **atts, int of_trace)
{
	const char *key = att(atts, "key"), *value = att(atts, "value");
	if (!key)
		return;
	int first = of_trace ? EVC_CASE : EVC_ACTIVITY, last = of_trace ? EVC_CASE : EVC_NCOLS - 1;
	for (int c = first; c <= last; c++) {
		if (strcmp(key, keys[c]) != 0)
			continue;
		long line, col;
		here(x, &line, &col);
		if (x->cur.has[c]) {
			problem(x, line, col, "%s: set twice (first on line %ld)", labels[c], x->cur.fline[c]);
			return;
		}
		buf_reset(&x->cur.v[c]);
		buf_addstr(&x->cur.v[c], value ? value : "");
		x->cur.has[c] = 1;
		x->cur.fline[c] = line;
		x->cur.fcol[c] = col;
		if (of_trace) {
			x->has_case = 1;
			drop_pending(x, 1);
		}
		return;
	}
}

static void XMLCALL on_start(void *ud, const char *name, const char **atts)
{
	struct xes *x = ud;
	const char *local = local_name(name);
	x->depth++;
	if (x->depth == 1) {
		if (strcmp(local, "log") != 0) {
			long line, col;
			here(x, &line, &col);
			problem(x, line, col, "not an XES log: the root element is <%.40s>, expected <log>", name);
			x->stopped = 1;
			XML_StopParser(x->p, XML_FALSE);
		}
		return;
	}
	if (x->event_depth) {
		if (x->depth == x->event_depth + 1)
			attribute(x, atts, 0);
		return;
	}
	if (x->trace_depth) {
		if (x->depth != x->trace_depth + 1)
			return;
		if (strcmp(local, "event") == 0) {
			x->event_depth = x->depth;
			event_reset(&x->cur, 1);
			here(x, &x->cur.line, &x->cur.col);
		} else {
			attribute(x, atts, 1);
		}
		return;
	}
	if (strcmp(local, "trace") == 0) {
		x->trace_depth = x->depth;
		here(x, &x->trace_line, &x->trace_col);
		event_reset(&x->cur, 0);
		x->has_case = 0;
	} else if (strcmp(local, "event") == 0 && x->depth == 2) {
		long line, col;
		here(x, &line, &col);
		problem(x, line, col, "<event> outside a <trace>: every event belongs to a case");
	}
}

static void XMLCALL on_end(void *ud, const char *name)
{
	struct xes *x = ud;
	(void)name;
	if (x->event_depth == x->depth) {
		x->event_depth = 0;
		if (x->has_case)
			emit(x, &x->cur, &x->cur);
		else
			push_pending(x);
	} else if (x->trace_depth == x->depth) {
		x->trace_depth = 0;
		if (!x->has_case && x->npending)
			problem(x, x->trace_line, x->trace_col,
				"trace has no concept:name: the case of its %zu event%s is unknown", x->npending,
				x->npending == 1 ? "" : "s");
		drop_pending(x, 0);
	}
	x->depth--;
}

static void XMLCALL on_doctype(void *ud, const XML_Char *name, const XML_Char *sysid,
			       const XML_Char *pubid, int has_internal)
{
	struct xes *x = ud;
	(void)name;
	(void)sysid;
	(void)pubid;
	(void)has_internal;
	long line, col;
	here(x, &line, &col);
	problem(x, line, col, "a DOCTYPE is not allowed in an event log");
	x->stopped = 1;
	XML_StopParser(x->p, XML_FALSE);
}

int ev_read_xes(FILE *in, const struct ev_sink *sink)
{
	struct xes x;
	memset(&x, 0, sizeof(x));
	x.sink = sink;
	for (int c = 0; c < EVC_NCOLS; c++)
		buf_init(&x.cur.v[c]);
	x.p = XML_ParserCreate(NULL);
	if (!x.p)
		abort();
	XML_SetUserData(x.p, &x);
	XML_SetElementHandler(x.p, on_start, on_end);
	XML_SetStartDoctypeDeclHandler(x.p, on_doctype);
	int ret = 0, final = 0;
	char *chunk = malloc(XES_CHUNK);
	if (!chunk)
		abort();
	while (!final) {
		size_t n = fread(chunk, 1, XES_CHUNK, in);
		final = n < XES_CHUNK;
		if (final && ferror(in)) {
			ret = -1; /* the caller reports the read error */
			break;
		}
		if (XML_Parse(x.p, chunk, (int)n, final) == XML_STATUS_ERROR) {
			if (!x.stopped)
				problem(&x, (long)XML_GetCurrentLineNumber(x.p),
					(long)XML_GetCurrentColumnNumber(x.p) + 1, "not well-formed XML: %s",
					XML_ErrorString(XML_GetErrorCode(x.p)));
			ret = -1;
			break;
		}
	}
	free(chunk);
	drop_pending(&x, 0);
	free(x.pending);
	for (int c = 0; c < EVC_NCOLS; c++)
		buf_release(&x.cur.v[c]);
	XML_ParserFree(x.p);
	return ret;
}

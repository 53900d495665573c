/*
 * evread.h - the event-log readers (CSV, JSON, XES) and what they hand on.
 *
 * A reader turns its format into raw events (text fields with their place
 * in the input) and gives each to a sink; checking the fields, reading
 * timestamps, mapping activities and writing are the sink's (evimport.c),
 * so every format gets the same rules and messages.  The CSV and XES
 * readers stream (memory is bounded by the largest record or element, not
 * by the input); a JSON array is read whole (jansson).
 */
#ifndef LEADTIME_EVREAD_H
#define LEADTIME_EVREAD_H

#include "config.h"

#include <stddef.h>
#include <stdio.h>

enum ev_style {
	EVS_CSV,    /* `line N: column NAME: ...` */
	EVS_JSON,   /* `item N: field NAME: ...` */
	EVS_XES,    /* `line N: column C: KEY: ...` (C = the element's column) */
};

/* One event as found: fields NUL-terminated (f[c] NULL when absent). */
struct ev_raw {
	enum ev_style style;
	const char *f[EVC_NCOLS];
	size_t n[EVC_NCOLS];
	const char *label[EVC_NCOLS];   /* the field's name in the input */
	long line, col;                 /* the event (item number for JSON) */
	long fline[EVC_NCOLS], fcol[EVC_NCOLS]; /* each field's element (XES) */
};

struct ev_sink {
	void *ctx;
	void (*event)(void *ctx, const struct ev_raw *ev);
	/* a problem of the input itself (syntax, header): where (`unit`
	 * "line" or "item", its number, and `col` or 0), and the message */
	void (*problem)(void *ctx, const char *unit, long line, long col, const char *msg);
};

/* CSV (RFC 4180) with a header naming at least [events] case, activity
 * and timestamp; other columns are ignored.  0 when read to the end, -1
 * when a syntax error stopped it (reported). */
int ev_read_csv(FILE *in, const struct config *cfg, const struct ev_sink *sink);

/* A JSON array of objects keyed by the [events] names.  0 or -1. */
int ev_read_json(FILE *in, const struct config *cfg, const struct ev_sink *sink);

/* XES (IEEE 1849): <trace> concept:name = case; <event> concept:name,
 * time:timestamp, org:resource, lifecycle:transition.  Streaming (expat);
 * no DTD or entity declarations.  0 or -1. */
int ev_read_xes(FILE *in, const struct ev_sink *sink);

#endif

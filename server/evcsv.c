/*
 * evcsv.c - event logs as CSV and as a JSON array (evread.h).
 *
 * CSV: the header names the columns; [events] says which are the case,
 * activity, timestamp, resource and lifecycle (matched ignoring case and
 * surrounding blanks).  The first three are required, the last two may be
 * absent; every other column is ignored, repeated ones included, but a
 * used column may not appear twice.
 */
#include "buf.h"
#include "csv.h"
#include "evread.h"
#include "import.h"
#include "jsonx.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static void problem_at(const struct ev_sink *sink, const char *unit, long line, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void problem_at(const struct ev_sink *sink, const char *unit, long line, const char *fmt, ...)
{
	char msg[600];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	sink->problem(sink->ctx, unit, line, 0, msg);
}

#define line_problem(sink, line, ...) problem_at(sink, "line", line, __VA_ARGS__)

static int read_header(struct csv_reader *r, const struct config *cfg, const struct ev_sink *sink,
		       int map[EVC_NCOLS])
{
	int ok = 0;
	for (int c = 0; c < EVC_NCOLS; c++)
		map[c] = -1;
	for (size_t i = 0; i < csv_nfields(r); i++) {
		size_t n;
		const char *name = csv_field(r, i, &n);
		import_trim(&name, &n);
		for (int c = 0; c < EVC_NCOLS; c++) {
			if (strlen(cfg->ev_col[c]) != n || strncasecmp(name, cfg->ev_col[c], n) != 0)
				continue;
			if (map[c] >= 0) {
				line_problem(sink, csv_line(r), "column %s: appears twice in the header (columns %d and %zu)",
					cfg->ev_col[c], map[c] + 1, i + 1);
				ok = -1;
			} else {
				map[c] = (int)i;
			}
		}
	}
	static const char *const role[EVC_NCOLS] = { "case", "activity", "timestamp" };
	for (int c = 0; c <= EVC_TIMESTAMP; c++) {
		if (map[c] >= 0)
			continue;
		struct buf cols = BUF_INIT;
		csv_fields_list(r, &cols);
		line_problem(sink, csv_line(r), "column %s: missing from the header ([events] %s = %s; the header has %s)",
			cfg->ev_col[c], role[c], cfg->ev_col[c], cols.data);
		buf_release(&cols);
		ok = -1;
	}
	return ok;
}

int ev_read_csv(FILE *in, const struct config *cfg, const struct ev_sink *sink)
{
	struct csv_reader *r = csv_reader_new(in);
	if (!r)
		abort();
	int map[EVC_NCOLS], ret = 0;
	int rc = csv_read(r);
	if (rc == 0) {
		line_problem(sink, 1, "empty input: expected a header line (%s, %s, %s, ...)", cfg->ev_col[0],
			cfg->ev_col[1], cfg->ev_col[2]);
		ret = -1;
	} else if (rc < 0) {
		line_problem(sink, csv_line(r), "%s", strchr(csv_error(r), ':') + 2);
		ret = -1;
	} else if (read_header(r, cfg, sink, map) == 0) {
		size_t ncols = csv_nfields(r);
		while ((rc = csv_read(r)) > 0) {
			size_t len0;
			csv_field(r, 0, &len0);
			if (csv_nfields(r) == 1 && len0 == 0)
				continue; /* blank line */
			if (csv_nfields(r) != ncols) {
				line_problem(sink, csv_line(r), "expected %zu fields, found %zu", ncols, csv_nfields(r));
				continue;
			}
			struct ev_raw ev;
			memset(&ev, 0, sizeof(ev));
			ev.style = EVS_CSV;
			ev.line = csv_line(r);
			for (int c = 0; c < EVC_NCOLS; c++) {
				ev.label[c] = cfg->ev_col[c];
				if (map[c] >= 0)
					ev.f[c] = csv_field(r, (size_t)map[c], &ev.n[c]);
			}
			sink->event(sink->ctx, &ev);
		}
		if (rc < 0) {
			line_problem(sink, csv_line(r), "%s", strchr(csv_error(r), ':') + 2);
			ret = -1;
		}
	} else {
		ret = -1;
	}
	csv_reader_free(r);
	return ret;
}

/* ---- JSON ---- */

static void json_event(const struct config *cfg, const struct ev_sink *sink, long item, json_t *obj)
{
	if (!json_is_object(obj)) {
		problem_at(sink, "item", item, "not a JSON object");
		return;
	}
	struct ev_raw ev;
	memset(&ev, 0, sizeof(ev));
	ev.style = EVS_JSON;
	ev.line = item;
	int ok = 1;
	for (int c = 0; c < EVC_NCOLS; c++) {
		ev.label[c] = cfg->ev_col[c];
		json_t *v = json_object_get(obj, cfg->ev_col[c]);
		if (!v || json_is_null(v))
			continue;
		if (!json_is_string(v)) {
			problem_at(sink, "item", item, "field %s: must be a string", cfg->ev_col[c]);
			ok = 0;
			continue;
		}
		ev.f[c] = json_string_value(v);
		ev.n[c] = json_string_length(v);
	}
	if (ok)
		sink->event(sink->ctx, &ev);
}

int ev_read_json(FILE *in, const struct config *cfg, const struct ev_sink *sink)
{
	json_error_t err;
	json_t *root = json_loadf(in, JSON_REJECT_DUPLICATES, &err);
	if (!root) {
		char msg[300];
		snprintf(msg, sizeof(msg), "not valid JSON: %s", jx_error_text(&err));
		sink->problem(sink->ctx, "line", err.line > 0 ? err.line : 1,
			      err.column > 0 ? err.column : 0, msg);
		return -1;
	}
	if (!json_is_array(root)) {
		json_decref(root);
		sink->problem(sink->ctx, "line", 1, 0, "expected a JSON array of events");
		return -1;
	}
	size_t i;
	json_t *obj;
	json_array_foreach(root, i, obj)
		json_event(cfg, sink, (long)i + 1, obj);
	json_decref(root);
	return 0;
}

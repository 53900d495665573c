/*
 * api_csv.c - JSON answers flattened into CSV tables; see api_csv.h.
 *
 * The walk keeps, per level, the element it stands on, the key that
 * named it (for `(a|b)` levels) and its index; a column path is then
 * evaluated from the root, from a level or from the row.  Values are
 * written as jansson writes them (reals through the same formatting
 * call), strings raw, both through RFC 4180 quoting (buf_add_csv).
 */
#include "api_csv.h"
#include "buf.h"
#include "log.h"

#include <stdlib.h>
#include <string.h>

#define MAX_LEVELS 8
#define MAX_SEG 64

struct level {
	const json_t *node;
	const char *name;         /* the key of a (a|b) level, else NULL */
	size_t name_len;
	size_t index;
};

struct walk {
	struct buf *out;
	const json_t *root;
	const struct api_csv_table *t;
	struct level lv[MAX_LEVELS];
	int safe;                 /* the spreadsheet guard on text cells */
	int failed;               /* a malformed path (logged once) */
	int bad_rows;             /* ... and it was the row path */
};

const struct api_csv_table *api_csv_find(const struct api_csv_table *tables, const char *name)
{
	for (const struct api_csv_table *t = tables; t && t->name; t++)
		if (strcmp(t->name, name) == 0)
			return t;
	return NULL;
}

void api_csv_names(const struct api_csv_table *tables, struct buf *out)
{
	for (const struct api_csv_table *t = tables; t && t->name; t++) {
		if (t != tables)
			buf_addstr(out, ", ");
		buf_addstr(out, t->name);
	}
}

/* ---- values ---- */

static void add_value(struct buf *out, const json_t *v, int safe)
{
	if (!v || json_is_null(v))
		return;
	if (json_is_string(v)) {
		buf_add_csv_text(out, json_string_value(v), json_string_length(v), safe);
	} else if (json_is_integer(v)) {
		buf_add_int(out, (int64_t)json_integer_value(v));
	} else if (json_is_true(v)) {
		buf_addstr(out, "true");
	} else if (json_is_false(v)) {
		buf_addstr(out, "false");
	} else {
		/* a real, object or array: exactly as the JSON reply writes it */
		char *s = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT | JSON_REAL_PRECISION(15));
		if (!s)
			abort();
		buf_add_csv(out, s, strlen(s));
		free(s);
	}
}

/* Descend from v along "a.b.0.c" (n bytes); NULL when missing. */
static const json_t *descend(const json_t *v, const char *p, size_t n)
{
	while (v && n) {
		const char *dot = memchr(p, '.', n);
		size_t len = dot ? (size_t)(dot - p) : n;
		if (json_is_array(v) && len && strspn(p, "0123456789") >= len) {
			v = json_array_get(v, (size_t)strtoul(p, NULL, 10));
		} else if (json_is_object(v)) {
			char key[MAX_SEG];
			if (len >= sizeof(key))
				return NULL;
			memcpy(key, p, len);
			key[len] = '\0';
			v = json_object_get(v, key);
		} else {
			return NULL;
		}
		p += len + (dot ? 1 : 0);
		n -= len + (dot ? 1 : 0);
	}
	return v;
}

/* One column of the row `row` (at level depth); -1 on a malformed path. */
static int add_column(struct walk *w, int depth, const json_t *row, const char *path)
{
	const struct level *deep = depth ? &w->lv[depth - 1] : NULL;
	if (strcmp(path, "#") == 0) {
		buf_add_int(w->out, (int64_t)(deep ? deep->index + 1 : 1));
		return 0;
	}
	const json_t *v = row;
	if (path[0] == '^') {
		char *end;
		long n = strtol(path + 1, &end, 10);
		if (end == path + 1 || n < 0 || n > depth)
			return -1;
		if (*end == '@') {
			if (n == 0 || end[1] || !w->lv[n - 1].name)
				return -1;
			buf_add_csv_text(w->out, w->lv[n - 1].name, w->lv[n - 1].name_len, w->safe);
			return 0;
		}
		v = n ? w->lv[n - 1].node : w->root;
		if (*end == '\0') {
			add_value(w->out, v, w->safe);
			return 0;
		}
		if (*end != '.')
			return -1;
		path = end + 1;
	}
	add_value(w->out, descend(v, path, strlen(path)), w->safe);
	return 0;
}

static void emit_row(struct walk *w, int depth, const json_t *row)
{
	for (const struct api_csv_col *c = w->t->cols; c->name; c++) {
		if (c != w->t->cols)
			buf_addch(w->out, ',');
		if (add_column(w, depth, row, c->path) && !w->failed) {
			log_err("csv table '%s': malformed column path '%s'", w->t->name, c->path);
			w->failed = 1;
		}
	}
	buf_addch(w->out, '\n');
}

/* ---- rows ---- */

/* Walk the segments [p, end) from node at level `depth`. */
static void walk_rows(struct walk *w, const json_t *node, const char *p, const char *end, int depth)
{
	if (!node || json_is_null(node))
		return;
	if (p >= end) {
		emit_row(w, depth, node);
		return;
	}
	const char *seg_end;
	if (*p == '(') {
		/* (a|b) or (a|b)[]: no dot inside, so the first ')' closes it */
		const char *cl = memchr(p, ')', (size_t)(end - p));
		seg_end = cl ? cl + 1 : end;
		if (cl && end - seg_end >= 2 && seg_end[0] == '[' && seg_end[1] == ']')
			seg_end += 2;
	} else {
		const char *dot = memchr(p, '.', (size_t)(end - p));
		seg_end = dot ? dot : end;
	}
	const char *next = seg_end < end ? seg_end + 1 : end;
	size_t len = (size_t)(seg_end - p);
	if (depth == MAX_LEVELS || len == 0 || len >= MAX_SEG) {
		w->failed = w->bad_rows = 1;
		return;
	}
	char seg[MAX_SEG];
	memcpy(seg, p, len);
	seg[len] = '\0';
	int iterate = len > 2 && strcmp(seg + len - 2, "[]") == 0;
	if (iterate)
		seg[len -= 2] = '\0';
	if (seg[0] == '(') {
		if (len < 2 || seg[len - 1] != ')') {
			w->failed = w->bad_rows = 1;
			return;
		}
		if (!json_is_object(node))
			return;
		const char *k = seg + 1, *stop = seg + len - 1;
		size_t idx = 0;
		while (k < stop) {
			const char *bar = memchr(k, '|', (size_t)(stop - k));
			const char *ke = bar ? bar : stop;
			char key[MAX_SEG];
			memcpy(key, k, (size_t)(ke - k));
			key[ke - k] = '\0';
			/* the level's name points into the table (it outlives the walk) */
			const char *name = p + (k - seg);
			size_t nlen = (size_t)(ke - k);
			const json_t *v = json_object_get(node, key);
			if (v && !json_is_null(v) && !iterate) {
				w->lv[depth] = (struct level){ v, name, nlen, idx++ };
				walk_rows(w, v, next, end, depth + 1);
			} else if (json_is_array(v)) {
				for (size_t i = 0; i < json_array_size(v); i++) {
					w->lv[depth] = (struct level){ json_array_get(v, i), name, nlen, i };
					walk_rows(w, json_array_get(v, i), next, end, depth + 1);
				}
			}
			k = ke + 1;
		}
		return;
	}
	if (iterate) {
		const json_t *a = json_object_get(node, seg);
		if (!json_is_array(a))
			return;
		for (size_t i = 0; i < json_array_size(a); i++) {
			w->lv[depth] = (struct level){ json_array_get(a, i), NULL, 0, i };
			walk_rows(w, json_array_get(a, i), next, end, depth + 1);
		}
		return;
	}
	walk_rows(w, json_object_get(node, seg), next, end, depth);
}

int api_csv_write(struct buf *out, const json_t *root, const struct api_csv_table *t, int safe)
{
	struct walk w = { out, root, t, { { 0 } }, safe, 0, 0 };
	for (const struct api_csv_col *c = t->cols; c->name; c++) {
		if (c != t->cols)
			buf_addch(out, ',');
		buf_addstr(out, c->name);
	}
	buf_addch(out, '\n');
	/* alternatives: '|' outside parentheses */
	const char *p = t->rows;
	for (;;) {
		const char *q = p;
		int paren = 0;
		while (*q && (paren || *q != '|')) {
			paren += *q == '(' ? 1 : *q == ')' ? -1 : 0;
			q++;
		}
		if (q == p)
			emit_row(&w, 0, root); /* the root: one row */
		else
			walk_rows(&w, root, p, q, 0);
		if (!*q)
			break;
		p = q + 1;
	}
	if (w.bad_rows)
		log_err("csv table '%s': malformed row path '%s'", t->name, t->rows);
	return w.failed ? -1 : 0;
}

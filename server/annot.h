/*
 * annot.h - annotations: dated notes ("2 designers hired") that the
 * dashboard draws as markers on its time charts.  They come from two
 * places: config.ini's [annotations] (read-only, `source` "config") and
 * POST /api/v1/annotations (stored, store_annot.h, `source` "api").  This
 * module holds what both share and nothing that does I/O: the rules of a
 * note's text and the merged, ordered list a GET answers with.
 */
#ifndef LEADTIME_ANNOT_H
#define LEADTIME_ANNOT_H

#include <stddef.h>
#include <stdint.h>

#define ANNOT_MAX_TEXT 256      /* bytes of UTF-8 */

/*
 * What is wrong with s[0..n) as the text of a note, or NULL: it must be
 * 1 to ANNOT_MAX_TEXT bytes of UTF-8 without NUL or control characters
 * (a tab is allowed, as in imported names; no line break).  The caller
 * trims the blanks around it first (annot_trim()).
 */
const char *annot_text_problem(const char *s, size_t n);
/* Drop the blanks (spaces, tabs) around s[0..*n). */
void annot_trim(const char **s, size_t *n);

enum annot_source { ANNOT_CONFIG, ANNOT_API };

struct annot {
	int64_t id;             /* the store's id; 0 for a config note */
	int32_t day;            /* days since 1970-01-01 */
	char *text;             /* owned, NUL-terminated */
	size_t len;
	int64_t created;        /* unix seconds; -1 for a config note */
	enum annot_source source;
	size_t ord;             /* order of addition (ties of config notes) */
};

struct annot_list {
	struct annot *items;
	size_t n, cap;
};

#define ANNOT_LIST_INIT { NULL, 0, 0 }

/* Append a copy of the note (text copied).  Out of memory aborts. */
void annot_list_add(struct annot_list *l, int64_t id, int32_t day, const char *text, size_t len,
		    int64_t created, enum annot_source source);
/* Order by day, then config notes (in the order added) before stored
 * ones, then stored ones by id: the order GET /api/v1/annotations lists. */
void annot_list_sort(struct annot_list *l);
/* Free the texts and the array (l is left empty). */
void annot_list_release(struct annot_list *l);

#endif

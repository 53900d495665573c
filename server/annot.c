/*
 * annot.c - the rules of a note and the merged list; see annot.h.
 *
 * A note's text follows the rules of an imported name (import.h: UTF-8,
 * no NUL, no control character; DEL is refused too, being invisible),
 * with its own length limit, so that a note can go into a config line,
 * a JSON string, a chart label and a tooltip alike.
 */
#include "annot.h"
#include "import.h"

#include <stdlib.h>
#include <string.h>

const char *annot_text_problem(const char *s, size_t n)
{
	if (n == 0)
		return "is empty";
	if (n > ANNOT_MAX_TEXT)
		return "is longer than 256 bytes";
	const char *why = import_text_problem(s, n, 0);
	if (why)
		return why;
	if (memchr(s, 0x7f, n))
		return "contains a control character";
	return NULL;
}

void annot_trim(const char **s, size_t *n)
{
	import_trim(s, n);
}

void annot_list_add(struct annot_list *l, int64_t id, int32_t day, const char *text, size_t len,
		    int64_t created, enum annot_source source)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? 2 * l->cap : 16;
		struct annot *p = realloc(l->items, cap * sizeof(*p));
		if (!p)
			abort();
		l->items = p;
		l->cap = cap;
	}
	char *t = malloc(len + 1);
	if (!t)
		abort();
	memcpy(t, text, len);
	t[len] = '\0';
	l->items[l->n] = (struct annot){
		.id = id, .day = day, .text = t, .len = len, .created = created,
		.source = source, .ord = l->n,
	};
	l->n++;
}

static int annot_cmp(const void *pa, const void *pb)
{
	const struct annot *a = pa, *b = pb;
	if (a->day != b->day)
		return a->day < b->day ? -1 : 1;
	if (a->source != b->source)
		return a->source == ANNOT_CONFIG ? -1 : 1;
	if (a->source == ANNOT_API && a->id != b->id)
		return a->id < b->id ? -1 : 1;
	return a->ord < b->ord ? -1 : a->ord > b->ord;
}

void annot_list_sort(struct annot_list *l)
{
	if (l->n > 1)
		qsort(l->items, l->n, sizeof(*l->items), annot_cmp);
}

void annot_list_release(struct annot_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->items[i].text);
	free(l->items);
	l->items = NULL;
	l->n = l->cap = 0;
}

/*
 * api_csv.h - `format=csv` for every analytics route: one table of the
 * route's JSON answer, flattened into CSV rows (docs/API.md).
 *
 * A route describes its tables as data: which array of its JSON becomes
 * the rows, and which values the columns take.  The JSON is built as for
 * a JSON reply and then flattened, so a CSV cell is exactly the JSON's
 * number (the same json_t, written the way jansson writes it).
 *
 * Row paths: segments separated by '.'; `key` descends into an object,
 * `key[]` iterates an array (a level), `(a|b|c)` iterates those keys of
 * an object (a level, named by the key), `(a|b)[]` the elements of those
 * arrays (a level named by the key); alternatives separated by '|' at the
 * top give their rows one after the other.  The row is the value the path
 * ends on; an empty path is one row, the root.  A missing key or a null
 * yields no rows.
 *
 * Column paths, from the row: keys and array indexes separated by '.';
 * `^N.path` starts at the element of level N instead (1 = the outermost
 * level, 0 = the root); `^N@` is the key that named level N; `#` is the
 * row's 1-based position in its array.  A missing value or null is an
 * empty field; an object or array is its compact JSON text.
 */
#ifndef LEADTIME_API_CSV_H
#define LEADTIME_API_CSV_H

#include <jansson.h>

struct buf;

struct api_csv_col {
	const char *name;         /* header; NULL ends the list */
	const char *path;
};

struct api_csv_table {
	const char *name;         /* the `table` parameter; NULL ends the list */
	const char *rows;
	const struct api_csv_col *cols;
};

/* The table of tables named `name`, or NULL. */
const struct api_csv_table *api_csv_find(const struct api_csv_table *tables, const char *name);

/* The names of tables, comma separated, into out (for messages). */
void api_csv_names(const struct api_csv_table *tables, struct buf *out);

/* Append t's header line and rows over root to out; `safe`: text cells
 * with the spreadsheet guard (buf_add_csv_text()), numbers as they are.
 * 0, or -1 when a path of t is malformed (a programming error; logged). */
int api_csv_write(struct buf *out, const json_t *root, const struct api_csv_table *t, int safe);

#endif

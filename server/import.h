/*
 * import.h - ticket import (SPEC §4 Import): row validation and an
 * all-or-nothing write in one transaction.
 *
 * The row-level API serves every input format: the CSV reader below and
 * the JSON body of POST /api/v1/tickets feed rows to an importer, which
 * checks each one, writes it while no row has been bad, and at the end
 * commits (every row good) or rolls back (any row bad).
 */
#ifndef LEADTIME_IMPORT_H
#define LEADTIME_IMPORT_H

#include "buf.h"

#include <stddef.h>
#include <stdio.h>

struct config;
struct store;
struct importer;

enum import_col {
	IC_TICKET_ID,
	IC_CREATOR,
	IC_EMPLOYEE,
	IC_DEPARTMENT,
	IC_OPENED_ON,
	IC_CLOSED_ON,
	IC_NCOLS
};

/* "ticket_id", "creator", ... in enum order. */
extern const char *const import_col_names[IC_NCOLS];

#define IMPORT_MAX_REPORTED 100   /* error lines kept; the rest are counted */
#define IMPORT_MAX_TICKET_ID 128  /* bytes */
#define IMPORT_MAX_NAME 256       /* bytes, creator and employee names */

struct import_result {
	long rows;         /* data rows seen */
	long inserted;
	long updated;
	long unchanged;
	long nerrors;      /* every problem found, reported or not */
	struct buf errors; /* the first IMPORT_MAX_REPORTED, one per line,
			    * then a summary line when more were found */
};

/* Zero a result; release it with import_result_release(). */
void import_result_init(struct import_result *res);
void import_result_release(struct import_result *res);

/* Start an import (opens the write transaction); NULL on error (logged). */
struct importer *importer_new(struct store *st, const struct config *cfg);

/* Name the unit of `line` numbers in messages: "line" (default, CSV) or
 * "item" (a JSON array).  unit must outlive the importer. */
void importer_set_unit(struct importer *im, const char *unit);

/* Check one row (fields NUL-terminated, lens their lengths, `line` its
 * place in the input for messages) and write it when every row so far
 * was good. */
void importer_row(struct importer *im, long line, const char *const fields[IC_NCOLS],
		  const size_t lens[IC_NCOLS]);

/* Record a problem that is not one field's (a bad header, a CSV syntax
 * error): `line N: message`. */
void importer_problem(struct importer *im, long line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/*
 * Finish and free the importer: commit when no problem was recorded, else
 * roll back.  Fills *res (counts and messages).  Returns 0 when written,
 * 1 when bad input left the store unchanged, -1 on an internal error (also
 * rolled back).
 */
int importer_finish(struct importer *im, struct import_result *res);

/* Import a whole CSV stream (SPEC §4: header with the six columns in any
 * order; with an [import] section, the export's columns it maps:
 * import_map.h).  Same returns as importer_finish(). */
int import_csv(struct store *st, const struct config *cfg, FILE *in, struct import_result *res);

/* Name the columns in messages after the input's own (e.g. "Created" for
 * opened_on); labels must outlive the importer. */
void importer_set_labels(struct importer *im, const char *const labels[IC_NCOLS]);
/* Record a problem of the whole input (no line to name). */
void importer_problem_plain(struct importer *im, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Count the import as a change (data version bumped at commit) even when
 * no ticket was inserted or updated, e.g. tickets deleted or events stored. */
void importer_mark_changed(struct importer *im);
/* Count a data row that the caller rejected itself (its problems recorded
 * with importer_problem()) and so never passed to importer_row(). */
void importer_count_row(struct importer *im);
/* Problems recorded so far (an internal error counts as one). */
long importer_nproblems(const struct importer *im);
/* What is wrong with s[0..n) as text of a field (invalid UTF-8, NUL, a
 * control character; CR and LF allowed when multiline), or NULL. */
const char *import_text_problem(const char *s, size_t n, int multiline);
/* Drop the blanks (spaces, tabs) around s[0..*n), as every field is. */
void import_trim(const char **s, size_t *n);
/* A value as messages show it: cut to 60 bytes ("..." after), control
 * bytes as '?'; written to out, which is returned. */
#define IMPORT_SHOWN 72
const char *import_show_value(const char *v, size_t n, char out[IMPORT_SHOWN]);

#endif

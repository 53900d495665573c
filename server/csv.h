/*
 * csv.h - streaming RFC 4180 reader.
 *
 * Reads records from a FILE* with a fixed-size read buffer, so memory grows
 * only with the longest record.  Accepts quoted fields holding commas,
 * doubled quotes, CR and LF; CRLF or LF line ends; a UTF-8 BOM at the start.
 * Knows the physical line on which each record starts, for error messages.
 */
#ifndef LEADTIME_CSV_H
#define LEADTIME_CSV_H

#include <stddef.h>
#include <stdio.h>

struct csv_reader;

/* A reader over `in` (not owned: the caller closes it).  NULL on OOM. */
struct csv_reader *csv_reader_new(FILE *in);
void csv_reader_free(struct csv_reader *r);

/*
 * Read the next record.  Returns 1 when a record was read, 0 at end of
 * input, -1 on a syntax or read error (csv_error() says what; reading stops).
 * A blank line is a record with one empty field.
 */
int csv_read(struct csv_reader *r);

/* Fields of the last record: valid until the next csv_read(). */
size_t csv_nfields(const struct csv_reader *r);
/* The i-th field, NUL-terminated; *len (if given) excludes the NUL. */
const char *csv_field(const struct csv_reader *r, size_t i, size_t *len);
/* The 1-based line on which the last record started. */
long csv_line(const struct csv_reader *r);
struct buf;
/* The last record's fields as "'a', 'b', ..." (at most 12, each cut to 40
 * bytes), for messages about a header; appended to out. */
void csv_fields_list(const struct csv_reader *r, struct buf *out);
/* What went wrong, as `line N: ...`; static while the reader lives. */
const char *csv_error(const struct csv_reader *r);

#endif

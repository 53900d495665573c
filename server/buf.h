/*
 * buf.h - growable byte buffer (in the manner of git's strbuf).
 *
 * A struct buf owns its bytes; `data` is always NUL-terminated once the
 * buffer has been written to.  Allocation failure aborts: a buffer is only
 * used for bounded request/response data and for streaming output.
 */
#ifndef LEADTIME_BUF_H
#define LEADTIME_BUF_H

#include <stddef.h>
#include <stdint.h>

struct buf {
	char *data;
	size_t len;
	size_t cap;
};

#define BUF_INIT { NULL, 0, 0 }

/* Set up an empty buffer; allocates nothing. */
void buf_init(struct buf *b);
/* Free the bytes; the buffer is empty and reusable afterwards. */
void buf_release(struct buf *b);
/* Make room for `extra` more bytes. */
void buf_grow(struct buf *b, size_t extra);
/* Drop the contents, keep the allocation. */
void buf_reset(struct buf *b);
/* Hand the bytes to the caller (who frees them); the buffer is emptied. */
char *buf_detach(struct buf *b, size_t *len);

void buf_add(struct buf *b, const void *p, size_t n);
void buf_addstr(struct buf *b, const char *s);
void buf_addch(struct buf *b, char c);
void buf_addf(struct buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Decimal integer, no allocation beyond the buffer. */
void buf_add_int(struct buf *b, int64_t v);
/* YYYY-MM-DD of a day number (days since 1970-01-01). */
void buf_add_date(struct buf *b, int32_t day);

/* One CSV field as RFC 4180: quoted exactly when it holds , " CR or LF. */
void buf_add_csv(struct buf *b, const char *s, size_t n);
/* The same field for a spreadsheet (OWASP "CSV injection"): text that
 * begins with = + - @, a tab or a CR, which a spreadsheet would take for
 * a formula, is written quoted with a single quote before it ('=1+1 is
 * shown, not computed).  For text cells only: numbers are written as they
 * are. */
void buf_add_csv_text(struct buf *b, const char *s, size_t n, int guard);
/* A JSON string literal, quotes included; control bytes escaped. */
void buf_add_json_str(struct buf *b, const char *s, size_t n);

#endif

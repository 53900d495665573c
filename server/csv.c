/*
 * csv.c - RFC 4180 reader; see csv.h.
 *
 * A byte-at-a-time state machine over a 64 KiB read buffer.  Field bytes
 * go into one growing buffer, each field NUL-terminated, with an offset
 * array beside it, so a record costs no allocation once the buffers have
 * grown to the widest record.
 */
#include "csv.h"
#include "buf.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define CSV_READ_SIZE 65536
#define CSV_MAX_RECORD (16u << 20) /* one record above 16 MiB is an error */

struct csv_reader {
	FILE *in;
	unsigned char rbuf[CSV_READ_SIZE];
	size_t rpos, rlen;
	int eof;
	int started;     /* BOM check done */
	long line;       /* current physical line (1-based) */
	long rec_line;   /* line where the last record started */
	char *fbuf;      /* field bytes, NUL-separated */
	size_t flen, fcap;
	size_t *offs;    /* start offset of each field in fbuf */
	size_t nf, ocap;
	char err[160];
};

struct csv_reader *csv_reader_new(FILE *in)
{
	struct csv_reader *r = calloc(1, sizeof(*r));
	if (!r)
		return NULL;
	r->in = in;
	r->line = 1;
	return r;
}

void csv_reader_free(struct csv_reader *r)
{
	if (!r)
		return;
	free(r->fbuf);
	free(r->offs);
	free(r);
}

/* Next byte or -1 at end of input / read error. */
static int next_byte(struct csv_reader *r)
{
	if (r->rpos == r->rlen) {
		if (r->eof)
			return -1;
		r->rlen = fread(r->rbuf, 1, sizeof(r->rbuf), r->in);
		r->rpos = 0;
		if (r->rlen == 0) {
			r->eof = 1;
			return -1;
		}
	}
	return r->rbuf[r->rpos++];
}

static int peek_byte(struct csv_reader *r)
{
	int c = next_byte(r);
	if (c >= 0)
		r->rpos--;
	return c;
}

static int put_byte(struct csv_reader *r, char c)
{
	if (r->flen + 1 >= r->fcap) {
		if (r->fcap >= CSV_MAX_RECORD)
			return -1;
		size_t cap = r->fcap ? r->fcap * 2 : 1024;
		char *p = realloc(r->fbuf, cap);
		if (!p)
			return -1;
		r->fbuf = p;
		r->fcap = cap;
	}
	r->fbuf[r->flen++] = c;
	return 0;
}

static int start_field(struct csv_reader *r)
{
	if (r->nf == r->ocap) {
		size_t cap = r->ocap ? r->ocap * 2 : 16;
		size_t *p = realloc(r->offs, cap * sizeof(*p));
		if (!p)
			return -1;
		r->offs = p;
		r->ocap = cap;
	}
	r->offs[r->nf++] = r->flen;
	return 0;
}

static int fail(struct csv_reader *r, const char *what)
{
	snprintf(r->err, sizeof(r->err), "line %ld: %s", r->line, what);
	return -1;
}

int csv_read(struct csv_reader *r)
{
	if (r->err[0])
		return -1;
	if (!r->started) {
		r->started = 1;
		if (peek_byte(r) == 0xEF) {
			/* the BOM is three bytes; anything else is data */
			if (r->rlen - r->rpos >= 3 && r->rbuf[r->rpos + 1] == 0xBB &&
			    r->rbuf[r->rpos + 2] == 0xBF)
				r->rpos += 3;
		}
	}
	int c = next_byte(r);
	if (c < 0)
		return ferror(r->in) ? fail(r, "read error") : 0;

	r->flen = 0;
	r->nf = 0;
	r->rec_line = r->line;
	if (start_field(r))
		return fail(r, "out of memory");
	for (;;) {
		if (c == '"') {
			/* a quoted field must start the field */
			if (r->flen != r->offs[r->nf - 1])
				return fail(r, "a quote inside an unquoted field");
			long opened = r->line;
			for (;;) {
				c = next_byte(r);
				if (c < 0) {
					/* name the line where the quote opened: the
					 * end of the file is not where the fault is */
					r->line = opened;
					return fail(r, "unterminated quoted field (the file ends inside quotes)");
				}
				if (c == '"') {
					if (peek_byte(r) == '"') {
						next_byte(r);
					} else {
						break;
					}
				}
				if (c == '\n')
					r->line++;
				if (put_byte(r, (char)c))
					return fail(r, "record too large");
			}
			c = next_byte(r);
			if (c >= 0 && c != ',' && c != '\n' && c != '\r')
				return fail(r, "characters after a closing quote");
			continue;
		}
		if (c < 0 || c == '\n' || c == '\r') {
			if (c == '\r' && peek_byte(r) == '\n')
				next_byte(r);
			if (c >= 0)
				r->line++;
			if (put_byte(r, '\0'))
				return fail(r, "record too large");
			return 1;
		}
		if (c == ',') {
			if (put_byte(r, '\0') || start_field(r))
				return fail(r, "record too large");
		} else if (put_byte(r, (char)c)) {
			return fail(r, "record too large");
		}
		c = next_byte(r);
	}
}

size_t csv_nfields(const struct csv_reader *r)
{
	return r->nf;
}

const char *csv_field(const struct csv_reader *r, size_t i, size_t *len)
{
	size_t start = r->offs[i];
	size_t end = i + 1 < r->nf ? r->offs[i + 1] - 1 : r->flen - 1;
	if (len)
		*len = end - start;
	return r->fbuf + start;
}

long csv_line(const struct csv_reader *r)
{
	return r->rec_line;
}

const char *csv_error(const struct csv_reader *r)
{
	return r->err;
}

void csv_fields_list(const struct csv_reader *r, struct buf *out)
{
	for (size_t i = 0; i < r->nf && i < 12; i++) {
		size_t n;
		const char *name = csv_field(r, i, &n);
		buf_addf(out, "%s'%.*s'", i ? ", " : "", (int)(n > 40 ? 40 : n), name);
	}
	if (r->nf > 12)
		buf_addstr(out, ", ...");
	if (!r->nf)
		buf_addstr(out, "nothing");
}

/*
 * intake.c - see intake.h.
 *
 * Most checks read the header list libmicrohttpd hands us.  Two things it
 * hides: 0.9.75 stores a value only up to its first NUL (value_size is
 * its strlen) and joins a folded line into a freshly allocated header
 * without a word.  Neither option helps (MHD_OPTION_STRICT_FOR_CLIENT = 1
 * only refuses HTTP/1.1 without Host, with an HTML page of its own).  So
 * the head's own bytes are read: 0.9.75 parses it in place, one block
 * from the method to the blank line (MHD_CONNECTION_INFO_REQUEST_HEADER_SIZE
 * bytes), turning each separator into a NUL:
 *
 *   GET\0/path\0HTTP/1.1\0\0Host\0 x\0\0Authorization\0 Bearer tok\0x\0\0\0\0
 *           (CR LF)^^      ^ ':'       (the NUL of the client) ^ ^^^^^^^^ CR LF CR LF
 *
 * Every header line must then start where the previous one ended: the
 * name, the colon's NUL, blanks, the value, one or two NULs (CR LF or
 * LF), and the head must end right after the blank line's.  Bytes left
 * between a value and the next name are a NUL and what followed it; a
 * name outside the block is a folded line that libmicrohttpd joined.  A
 * NUL right before a bare LF (`x\0\n`) reads like CR LF and passes: the
 * value is then the same for every parser.  The walk is compiled for the
 * parser it was checked against (0.9.75; newer versions parse headers
 * differently and refuse a NUL themselves) and is skipped when the request
 * line is not laid out like this.
 */
#include "intake.h"

#include <microhttpd.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>

#define RAW_WALK (MHD_VERSION >= 0x00097500 && MHD_VERSION < 0x00097600)

struct head {
	int content_length, transfer_encoding, host;
	const char *why;          /* the first problem found */
	/* the walk over the head's bytes (RAW_WALK) */
	int walk;                 /* 1 while the layout is being followed */
	uintptr_t start, end;     /* the block */
	const char *p;            /* where the next header line must start */
};

static int has_ctl(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if ((c < 0x20 && c != '\t') || c == 0x7F)
			return 1;
	}
	return 0;
}

static int inside(const struct head *h, const void *p)
{
	return (uintptr_t)p >= h->start && (uintptr_t)p < h->end;
}

/* Step over a line end (one or two NULs: CR LF, or LF alone). */
static int skip_eol(struct head *h)
{
	if (!inside(h, h->p) || *h->p != '\0')
		return -1;
	h->p++;
	if (inside(h, h->p) && *h->p == '\0')
		h->p++;
	return 0;
}

/* One header line of the walk; sets h->why when its bytes show a NUL or a
 * fold. */
static void walk_line(struct head *h, const char *key, size_t ks, const char *value,
		      size_t vs)
{
	if (!inside(h, key)) {
		h->why = "a folded header line (obs-fold)";
		return;
	}
	if (key != h->p) {
		h->why = "a NUL byte in a header";
		return;
	}
	const char *p = key + ks;
	if (!inside(h, p) || *p != '\0' || !inside(h, value) || (uintptr_t)value <= (uintptr_t)p) {
		h->why = "a malformed header line";
		return;
	}
	for (p++; p != value; p++)
		if (*p != ' ' && *p != '\t') {
			h->why = "a malformed header line";
			return;
		}
	h->p = value + vs;
	if (skip_eol(h))
		h->why = "a NUL byte in a header";
}

static enum MHD_Result each_header(void *cls, enum MHD_ValueKind kind, const char *key,
				   size_t key_size, const char *value, size_t value_size)
{
	struct head *h = cls;
	(void)kind;
	h->content_length += strcasecmp(key, "Content-Length") == 0;
	h->transfer_encoding += strcasecmp(key, "Transfer-Encoding") == 0;
	h->host += strcasecmp(key, "Host") == 0;
	if (h->why)
		return MHD_YES;
	if (!key_size || memchr(key, ' ', key_size) || memchr(key, '\t', key_size))
		h->why = "a header name with blanks (or none)";
	else if (has_ctl(key, key_size) || (value && has_ctl(value, value_size)))
		h->why = "a control character in a header";
	else if (h->walk && value)
		walk_line(h, key, key_size, value, value_size);
	return MHD_YES;
}

/* Start the walk after the request line, when the head is laid out as
 * 0.9.75 lays it out. */
static void walk_start(struct head *h, struct MHD_Connection *conn, const char *method,
		       const char *version)
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(conn, MHD_CONNECTION_INFO_REQUEST_HEADER_SIZE);
	if (!RAW_WALK || !ci || !method || !version)
		return;
	h->start = (uintptr_t)method;
	h->end = h->start + ci->header_size;
	if (!inside(h, version) || (uintptr_t)version <= h->start)
		return;
	h->p = version + strlen(version);
	h->walk = skip_eol(h) == 0;
}

/* The framing of the body: NULL when it is clear. */
static const char *framing_problem(const struct head *h, struct MHD_Connection *conn)
{
	if (h->content_length && h->transfer_encoding)
		return "both Transfer-Encoding and Content-Length";
	if (h->content_length > 1)
		return "Content-Length given more than once";
	if (h->transfer_encoding > 1)
		return "Transfer-Encoding given more than once";
	const char *te = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Transfer-Encoding");
	if (te && strcasecmp(te, "chunked") != 0)
		return "Transfer-Encoding other than chunked";
	return NULL;
}

const char *intake_problem(struct MHD_Connection *conn, const char *method, const char *version)
{
	struct head h;
	memset(&h, 0, sizeof(h));
	walk_start(&h, conn, method, version);
	MHD_get_connection_values_n(conn, MHD_HEADER_KIND, each_header, &h);
	if (!h.why && h.walk) {
		/* the blank line, then the end of the head (with bare LFs the
		 * last line's end and the blank line read as one CR LF) */
		if ((uintptr_t)h.p != h.end && (skip_eol(&h) || (uintptr_t)h.p != h.end))
			h.why = "a NUL byte in a header";
	}
	if (h.why)
		return h.why;
	if (version && strcmp(version, "HTTP/1.1") == 0 && h.host == 0)
		return "HTTP/1.1 without a Host header";
	if (h.host > 1)
		return "Host given more than once";
	return framing_problem(&h, conn);
}

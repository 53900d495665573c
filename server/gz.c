/*
 * gz.c - see gz.h.  Reading: a glibc cookie stream (fopencookie) whose read
 * function inflates with zlib (windowBits 15 + 32: gzip or zlib headers
 * detected by zlib itself once we know the input is compressed).
 * Writing: one deflate() call into a buffer sized by deflateBound()
 * (responses are at most a few megabytes).
 */
#define _GNU_SOURCE
#include "gz.h"

#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#define GZ_CHUNK 65536

struct gz {
	FILE *in;
	FILE *out;            /* the cookie stream */
	z_stream zs;
	int zinit;
	int compressed;       /* decided after the first read */
	int decided;
	int ended;            /* the input is exhausted */
	int member_done;      /* the last gzip member ended (a new one may follow) */
	int over;             /* stopped at the limit */
	unsigned char ibuf[GZ_CHUNK];
	uint64_t limit, delivered;
	/* pass-through: bytes read from `in` not yet delivered */
	unsigned char pass[GZ_CHUNK];
	size_t pass_pos, pass_len;
	/* gz_peek(): the first output bytes, delivered before any other */
	char hold[GZ_CHUNK];
	size_t hold_pos, hold_len;
	char err[128];
};

static size_t fill_input(struct gz *g)
{
	size_t n = fread(g->ibuf, 1, sizeof(g->ibuf), g->in);
	if (n == 0) {
		if (ferror(g->in))
			snprintf(g->err, sizeof(g->err), "read error");
		g->ended = 1;
	}
	return n;
}

/* Raw (possibly decompressed) bytes into buf; <0 on error, 0 at the end. */
static ssize_t raw_read(struct gz *g, char *buf, size_t size)
{
	if (g->err[0])
		return -1;
	if (!g->decided) {
		size_t n = fill_input(g);
		g->decided = 1;
		g->compressed = n >= 2 && g->ibuf[0] == 0x1f && g->ibuf[1] == 0x8b;
		if (g->compressed) {
			if (inflateInit2(&g->zs, 15 + 32) != Z_OK)
				abort();
			g->zinit = 1;
			g->zs.next_in = g->ibuf;
			g->zs.avail_in = (uInt)n;
		} else {
			/* keep the bytes read for the pass-through */
			memcpy(g->pass, g->ibuf, n);
			g->pass_pos = 0;
			g->pass_len = n;
		}
	}
	if (!g->compressed) {
		if (g->pass_pos == g->pass_len) {
			if (g->ended)
				return 0;
			g->pass_len = fread(g->pass, 1, sizeof(g->pass), g->in);
			g->pass_pos = 0;
			if (!g->pass_len) {
				g->ended = 1;
				if (ferror(g->in)) {
					snprintf(g->err, sizeof(g->err), "read error");
					return -1;
				}
				return 0;
			}
		}
		size_t n = g->pass_len - g->pass_pos;
		if (n > size)
			n = size;
		memcpy(buf, g->pass + g->pass_pos, n);
		g->pass_pos += n;
		return (ssize_t)n;
	}
	g->zs.next_out = (unsigned char *)buf;
	g->zs.avail_out = (uInt)(size > GZ_CHUNK ? GZ_CHUNK : size);
	uInt want = g->zs.avail_out;
	while (g->zs.avail_out == want) {
		if (g->zs.avail_in == 0) {
			size_t n = g->ended ? 0 : fill_input(g);
			if (g->err[0])
				return -1;
			if (!n) {
				if (!g->member_done) {
					snprintf(g->err, sizeof(g->err), "not valid gzip data (truncated)");
					return -1;
				}
				break;
			}
			g->zs.next_in = g->ibuf;
			g->zs.avail_in = (uInt)n;
		}
		if (g->member_done) {
			/* another member may follow; zero padding after the last is ignored */
			while (g->zs.avail_in && *g->zs.next_in == 0) {
				g->zs.next_in++;
				g->zs.avail_in--;
			}
			if (!g->zs.avail_in)
				continue;
			inflateReset(&g->zs);
			g->member_done = 0;
		}
		int rc = inflate(&g->zs, Z_NO_FLUSH);
		if (rc == Z_STREAM_END) {
			g->member_done = 1;
		} else if (rc != Z_OK && !(rc == Z_BUF_ERROR && g->zs.avail_in == 0)) {
			snprintf(g->err, sizeof(g->err), "not valid gzip data (%s)",
				 g->zs.msg ? g->zs.msg : "corrupt input");
			return -1;
		}
	}
	return (ssize_t)(want - g->zs.avail_out);
}

static ssize_t cookie_read(void *cookie, char *buf, size_t size)
{
	struct gz *g = cookie;
	if (g->hold_pos < g->hold_len) {
		size_t n = g->hold_len - g->hold_pos;
		if (n > size)
			n = size;
		memcpy(buf, g->hold + g->hold_pos, n);
		g->hold_pos += n;
		return (ssize_t)n;
	}
	ssize_t n = raw_read(g, buf, size);
	if (n > 0 && g->limit) {
		g->delivered += (uint64_t)n;
		if (g->delivered > g->limit) {
			g->over = 1;
			snprintf(g->err, sizeof(g->err), "more than %llu MiB once decompressed",
				 (unsigned long long)(g->limit >> 20));
			return -1;
		}
	}
	return n;
}

struct gz *gz_open(FILE *in, uint64_t limit)
{
	struct gz *g = calloc(1, sizeof(*g));
	if (!g)
		return NULL;
	g->in = in;
	g->limit = limit;
	cookie_io_functions_t io = { .read = cookie_read };
	g->out = fopencookie(g, "r", io);
	if (!g->out) {
		free(g);
		return NULL;
	}
	return g;
}

FILE *gz_file(struct gz *g)
{
	return g->out;
}

int gz_compressed(const struct gz *g)
{
	return g->compressed;
}

int gz_over_limit(const struct gz *g)
{
	return g->over;
}

const char *gz_error(const struct gz *g)
{
	return g->err[0] ? g->err : NULL;
}

int gz_peek(struct gz *g)
{
	/* read the first chunk into `hold` (the cookie serves it first) */
	if (g->hold_len == 0 && !g->decided) {
		ssize_t n = raw_read(g, g->hold, sizeof(g->hold));
		g->hold_len = n > 0 ? (size_t)n : 0;
	}
	size_t i = g->hold_pos;
	if (g->hold_len - i >= 3 && memcmp(g->hold + i, "\xEF\xBB\xBF", 3) == 0)
		i += 3;
	for (; i < g->hold_len; i++) {
		char c = g->hold[i];
		if (c != ' ' && c != '\t' && c != '\r' && c != '\n')
			return (unsigned char)c;
	}
	return -1;
}

void gz_close(struct gz *g)
{
	if (!g)
		return;
	fclose(g->out);
	if (g->zinit)
		inflateEnd(&g->zs);
	free(g);
}

/* ---- compressing ---- */

int gz_compress(const void *in, size_t n, int level, char **out, size_t *outlen)
{
	z_stream z;
	memset(&z, 0, sizeof(z));
	/* windowBits 15 + 16: a gzip header and trailer rather than zlib's */
	if (deflateInit2(&z, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		return -1;
	uLong cap = deflateBound(&z, (uLong)n) + 32;
	char *buf = malloc(cap);
	if (!buf)
		abort();
	z.next_in = (Bytef *)in;
	z.avail_in = (uInt)n;
	z.next_out = (Bytef *)buf;
	z.avail_out = (uInt)cap;
	int rc = deflate(&z, Z_FINISH);
	size_t len = cap - z.avail_out;
	deflateEnd(&z);
	if (rc != Z_STREAM_END) {
		free(buf);
		return -1;
	}
	*out = buf;
	*outlen = len;
	return 0;
}

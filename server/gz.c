/*
 * gz.c - see gz.h.  One deflate() call into a buffer sized by
 * deflateBound(): responses are at most a few megabytes.
 */
#include "gz.h"

#include <stdlib.h>
#include <zlib.h>

int gz_compress(const void *in, size_t n, int level, char **out, size_t *outlen)
{
	z_stream z = { 0 };
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

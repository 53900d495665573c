/*
 * gz.h - gzip (RFC 1952) compression of a buffer in memory, with zlib.
 */
#ifndef LEADTIME_GZ_H
#define LEADTIME_GZ_H

#include <stddef.h>

/* The gzip stream of in[0..n-1] in a malloc'd buffer (*out, *outlen; the
 * caller frees), at zlib's level `level` (1 fast .. 9 small).  0 or -1. */
int gz_compress(const void *in, size_t n, int level, char **out, size_t *outlen);

#endif

/*
 * gz.h - gzip with zlib, both ways.
 *
 * Reading (the event readers): a FILE * that yields the bytes of another
 * FILE *, inflated when they start with the gzip magic (1f 8b), passed
 * through otherwise.  Concatenated gzip members are read one after the
 * other (as gunzip does).  Memory: two 64 KiB buffers.
 *
 * Writing (HTTP responses): gz_compress() of a buffer in memory.
 */
#ifndef LEADTIME_GZ_H
#define LEADTIME_GZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct gz;

/*
 * Wrap `in` (not owned; read from its current position).  `limit` caps
 * the bytes delivered (0 = none): past it reading fails with
 * "more than N MiB once decompressed".  The returned FILE * belongs to the
 * struct gz: read it, then gz_close().  NULL only when out of memory.
 */
struct gz *gz_open(FILE *in, uint64_t limit);
FILE *gz_file(struct gz *g);
/* 1 once the input was seen to be gzip-compressed. */
int gz_compressed(const struct gz *g);
/* NULL, or what went wrong (bad compressed data, the limit, a read error);
 * valid until gz_close(). */
const char *gz_error(const struct gz *g);
/* 1 when reading stopped at `limit`. */
int gz_over_limit(const struct gz *g);
/* The first non-blank byte (after a UTF-8 BOM) of the first 64 KiB of
 * the decompressed input, without consuming anything, or -1 when there is
 * none: lets a caller tell '<' (XML) from '[' (JSON).  Call it before
 * reading gz_file(). */
int gz_peek(struct gz *g);
void gz_close(struct gz *g);

/* The gzip stream (RFC 1952) of in[0..n-1] in a malloc'd buffer (*out,
 * *outlen; the caller frees), at zlib's level `level` (1 fast .. 9
 * small).  0 or -1. */
int gz_compress(const void *in, size_t n, int level, char **out, size_t *outlen);

#endif

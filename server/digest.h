/*
 * digest.h - SHA-256 (FIPS 180-4) and the constant-time comparison of
 * secrets, both from nettle (the library libmicrohttpd's GnuTLS already
 * loads).  The one file that includes nettle's headers.
 */
#ifndef LEADTIME_DIGEST_H
#define LEADTIME_DIGEST_H

#include <stddef.h>
#include <stdint.h>

#define DIGEST_SHA256_LEN 32

/* The SHA-256 digest of len bytes at data (data may be NULL when len is 0)
 * into out. */
void digest_sha256(const void *data, size_t len, uint8_t out[DIGEST_SHA256_LEN]);

/* 1 when a (alen bytes) and b (blen bytes) hold the same bytes, else 0.
 * Both are reduced to their SHA-256 digests first, which are compared in
 * time independent of their contents (nettle's memeql_sec): neither the
 * position of the first difference nor the secret's length shows in the
 * time taken. */
int digest_secret_equal(const char *a, size_t alen, const char *b, size_t blen);

#endif

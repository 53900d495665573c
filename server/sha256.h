/*
 * sha256.h - SHA-256 (FIPS 180-4), for comparing secrets as fixed-length
 * digests in constant time.
 */
#ifndef LEADTIME_SHA256_H
#define LEADTIME_SHA256_H

#include <stddef.h>
#include <stdint.h>

#define SHA256_LEN 32

void sha256(const void *data, size_t len, uint8_t out[SHA256_LEN]);
/* 1 when a and b hold the same bytes, in time independent of the contents. */
int sha256_equal_secret(const char *a, size_t alen, const char *b, size_t blen);

#endif

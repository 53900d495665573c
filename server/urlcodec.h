/*
 * urlcodec.h - percent-decoding and UTF-8 checks for what arrives in a URL.
 *
 * Pure functions on NUL-terminated strings, so the rules can be unit-tested
 * and fuzzed without a server (test/fuzz/fuzz_query.c).
 */
#ifndef LEADTIME_URLCODEC_H
#define LEADTIME_URLCODEC_H

#include <stddef.h>

/*
 * Decode %XX escapes in place and return the new length.  `%00` is left as
 * the three characters it is, so the result never holds an embedded NUL
 * (C strings would silently cut `Sales%00x` to `Sales`); malformed escapes
 * (`%`, `%4`, `%zz`) stay literal.
 */
size_t url_unescape(char *s);

/* The length of the valid UTF-8 sequence at p (at most n bytes), or 0
 * (none there, or n = 0). */
size_t url_utf8_seq(const char *p, size_t n);

/* 1 when s is valid UTF-8 (no overlongs, surrogates or code points above
 * U+10FFFF), else 0. */
int url_utf8_valid(const char *s);

/* Replace every byte that is not part of valid UTF-8 with '?', in place
 * (for echoing client input inside JSON strings). */
void url_utf8_scrub(char *s);

#endif

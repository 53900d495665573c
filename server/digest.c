/*
 * digest.c - see digest.h.  Thin on purpose: the hashing and the
 * constant-time compare are nettle's, checked against the FIPS 180-4
 * vectors in test/unit/test_digest.c.
 */
#include "digest.h"

#include <nettle/memops.h>
#include <nettle/sha2.h>

void digest_sha256(const void *data, size_t len, uint8_t out[DIGEST_SHA256_LEN])
{
	struct sha256_ctx ctx;
	sha256_init(&ctx);
	if (len)
		sha256_update(&ctx, len, data);
	sha256_digest(&ctx, DIGEST_SHA256_LEN, out);
}

int digest_secret_equal(const char *a, size_t alen, const char *b, size_t blen)
{
	uint8_t da[DIGEST_SHA256_LEN], db[DIGEST_SHA256_LEN];
	digest_sha256(a, alen, da);
	digest_sha256(b, blen, db);
	return memeql_sec(da, db, DIGEST_SHA256_LEN) != 0;
}

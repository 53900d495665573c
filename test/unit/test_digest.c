/*
 * test_digest.c - digest.h: SHA-256 against the FIPS 180-4 example vectors
 * (NIST's "SHA256.pdf" / FIPS 180-2 appendix B: "abc", the 448-bit
 * two-block message, one million 'a'), the empty message, the padding
 * boundaries; and the constant-time secret compare.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "digest.h"

/* The digest of n bytes at data, as 64 lowercase hex digits. */
static const char *hex_digest(const void *data, size_t n, char out[2 * DIGEST_SHA256_LEN + 1])
{
	uint8_t d[DIGEST_SHA256_LEN];
	memset(d, 0xee, sizeof(d));
	digest_sha256(data, n, d);
	for (size_t i = 0; i < DIGEST_SHA256_LEN; i++)
		snprintf(out + 2 * i, 3, "%02x", d[i]);
	return out;
}

#define HEX(s, n) hex_digest((s), (n), hexbuf)

static void test_fips_180_4_vectors(void **state)
{
	(void)state;
	char hexbuf[2 * DIGEST_SHA256_LEN + 1];
	/* B.1: one block */
	assert_string_equal(HEX("abc", 3),
			    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	/* B.2: 448 bits, so the padding needs a second block */
	const char *m448 = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
	assert_int_equal(strlen(m448) * 8, 448);
	assert_string_equal(HEX(m448, strlen(m448)),
			    "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
	/* B.3: one million 'a' */
	size_t n = 1000000;
	char *a = malloc(n);
	assert_non_null(a);
	memset(a, 'a', n);
	assert_string_equal(HEX(a, n),
			    "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
	free(a);
	/* the 896-bit message of the SHA-2 examples (two full blocks) */
	const char *m896 = "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmn"
			   "hijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu";
	assert_int_equal(strlen(m896) * 8, 896);
	assert_string_equal(HEX(m896, strlen(m896)),
			    "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1");
}

static void test_empty_message(void **state)
{
	(void)state;
	char hexbuf[2 * DIGEST_SHA256_LEN + 1];
	const char *e3b0 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
	assert_string_equal(HEX("", 0), e3b0);
	assert_string_equal(HEX(NULL, 0), e3b0); /* evimport hashes an empty buffer so */
}

/* Messages around the 55/56 and 64-byte padding edges; the digests were
 * computed with a second implementation (Python's hashlib, OpenSSL). */
static void test_padding_boundaries(void **state)
{
	(void)state;
	static const struct { size_t n; const char *hex; } cases[] = {
		{ 55, "9f4390f8d30c2dd92ec9f095b65e2b9ae9b0a925a5258e241c9f1e910f734318" },
		{ 56, "b35439a4ac6f0948b6d6f9e3c6af0f5f590ce20f1bde7090ef7970686ec6738a" },
		{ 63, "7d3e74a05d7db15bce4ad9ec0658ea98e3f06eeecf16b4c6fff2da457ddc2f34" },
		{ 64, "ffe054fe7ae0cb6dc65c3af9b61d5209f439851db43d0ba5997337df154668eb" },
		{ 119, "31eba51c313a5c08226adf18d4a359cfdfd8d2e816b13f4af952f7ea6584dcfb" },
		{ 120, "2f3d335432c70b580af0e8e1b3674a7c020d683aa5f73aaaedfdc55af904c21c" },
	};
	char a[128], hexbuf[2 * DIGEST_SHA256_LEN + 1];
	memset(a, 'a', sizeof(a));
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_string_equal(HEX(a, cases[i].n), cases[i].hex);
}

static void test_secret_equal(void **state)
{
	(void)state;
	const char *tok = "3f9c1a7e0b2d4c6e8f1a3b5c7d9e0f21";
	size_t n = strlen(tok);
	assert_int_equal(digest_secret_equal(tok, n, tok, n), 1);
	char copy[64];
	memcpy(copy, tok, n + 1);
	assert_int_equal(digest_secret_equal(copy, n, tok, n), 1);
	/* a difference in the first or the last byte */
	copy[0] ^= 1;
	assert_int_equal(digest_secret_equal(copy, n, tok, n), 0);
	copy[0] ^= 1;
	copy[n - 1] ^= 1;
	assert_int_equal(digest_secret_equal(copy, n, tok, n), 0);
	copy[n - 1] ^= 1;
	/* a prefix, an extension, the empty string */
	assert_int_equal(digest_secret_equal(tok, n - 1, tok, n), 0);
	assert_int_equal(digest_secret_equal(tok, n, "3f9c1a7e0b2d4c6e8f1a3b5c7d9e0f21x", n + 1), 0);
	assert_int_equal(digest_secret_equal("", 0, tok, n), 0);
	assert_int_equal(digest_secret_equal("", 0, "", 0), 1);
	/* lengths, not C strings: bytes after a NUL count */
	assert_int_equal(digest_secret_equal("a\0b", 3, "a\0c", 3), 0);
	assert_int_equal(digest_secret_equal("a\0b", 3, "a\0b", 3), 1);
	assert_int_equal(digest_secret_equal("a\0b", 3, "a", 1), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fips_180_4_vectors),
		cmocka_unit_test(test_empty_message),
		cmocka_unit_test(test_padding_boundaries),
		cmocka_unit_test(test_secret_equal),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

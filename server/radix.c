/*
 * radix.c - see radix.h.  A digit that is the same in every key (the OR
 * and the AND of all keys agree on it) is skipped: groups are few and days
 * small, so most sorts take two passes.  Digits are 16 bits for large
 * inputs (fewer passes) and 8 bits for smaller ones.
 */
#include "radix.h"

#include <stdlib.h>
#include <string.h>

static void insertion_sort(uint64_t *k, size_t n, unsigned low_bit)
{
	for (size_t i = 1; i < n; i++) {
		uint64_t v = k[i];
		size_t j = i;
		while (j > 0 && (k[j - 1] >> low_bit) > (v >> low_bit)) {
			k[j] = k[j - 1];
			j--;
		}
		k[j] = v;
	}
}

void radix_sort_u64(uint64_t *k, size_t n, unsigned low_bit)
{
	if (n < 64) {
		insertion_sort(k, n, low_bit);
		return;
	}
	uint64_t all_or = 0, all_and = ~(uint64_t)0;
	for (size_t i = 0; i < n; i++) {
		all_or |= k[i];
		all_and &= k[i];
	}
	uint64_t varies = (all_or ^ all_and) & (low_bit >= 64 ? 0 : ~(uint64_t)0 << low_bit);
	if (!varies)
		return;
	unsigned bits = n >= (1u << 16) ? 16 : 8;
	size_t radix = (size_t)1 << bits, mask = radix - 1;
	size_t *count = malloc(radix * sizeof(*count));
	uint64_t *tmp = malloc(n * sizeof(*tmp));
	if (!count || !tmp)
		abort();
	uint64_t *src = k, *dst = tmp;
	for (unsigned shift = low_bit; shift < 64; shift += bits) {
		if (!((varies >> shift) & mask))
			continue;
		memset(count, 0, radix * sizeof(*count));
		for (size_t i = 0; i < n; i++)
			count[(src[i] >> shift) & mask]++;
		size_t pos = 0;
		for (size_t v = 0; v < radix; v++) {
			size_t t = count[v];
			count[v] = pos;
			pos += t;
		}
		for (size_t i = 0; i < n; i++)
			dst[count[(src[i] >> shift) & mask]++] = src[i];
		uint64_t *sw = src;
		src = dst;
		dst = sw;
	}
	if (src != k)
		memcpy(k, src, n * sizeof(*k));
	free(tmp);
	free(count);
}

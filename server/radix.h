/*
 * radix.h - an LSD radix sort of 64-bit keys, for the sorts of whole-day
 * values the analytics do (O(n), two or three passes in practice).
 */
#ifndef LEADTIME_RADIX_H
#define LEADTIME_RADIX_H

#include <stddef.h>
#include <stdint.h>

/* Sort k[0..n-1] ascending by the bits from low_bit up (the bits below are
 * payload that moves with the key; equal keys keep their order). */
void radix_sort_u64(uint64_t *k, size_t n, unsigned low_bit);

#endif

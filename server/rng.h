/*
 * rng.h - the one pseudo-random generator of Leadtime: xoshiro256**
 * (Blackman and Vigna) seeded through splitmix64, so a seed gives the same
 * stream on every machine.  Used by the synthetic data (gen.c) and the
 * Monte Carlo forecast (agg_flow.c).
 *
 * A struct rng is plain state: no allocation, no locks; each user keeps
 * its own (one per request, one per generated data set).
 */
#ifndef LEADTIME_RNG_H
#define LEADTIME_RNG_H

#include <stdint.h>

struct rng {
	uint64_t s[4];
};

/* One splitmix64 step: advances *x and returns the next output. */
uint64_t rng_splitmix64(uint64_t *x);
/* The state for `seed`: four splitmix64 outputs from it. */
void rng_seed(struct rng *r, uint64_t seed);
/* The next 64 random bits. */
uint64_t rng_next(struct rng *r);
/* Uniform in [0, 1), 53 bits. */
double rng_unit(struct rng *r);
/* Uniform integer in [0, n) (n > 0), as floor(rng_unit() × n). */
uint64_t rng_below(struct rng *r, uint64_t n);
/* Standard normal (Box–Muller, one output per two uniforms). */
double rng_normal(struct rng *r);

#endif

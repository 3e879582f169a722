/*
 * Seeded random numbers, the same on every platform: xoshiro256** (Blackman and Vigna,
 * https://prng.di.unimi.it/) with its state filled by splitmix64. One seed gives several
 * independent streams, so that one consumer drawing more or less cannot shift another's numbers.
 * Integer arithmetic only: a seed gives the same numbers wherever it runs. Not for secrets.
 */
#ifndef CDCTOP_RNG_H
#define CDCTOP_RNG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct rng {
    uint64_t s[4];
};

/* splitmix64: advances *state and returns its next output (also usable on its own). */
uint64_t rng_splitmix64(uint64_t *state);
/* The generator for stream `stream` of `seed`. */
void rng_seed(struct rng *r, uint64_t seed, uint64_t stream);
uint64_t rng_next(struct rng *r);
/* 0 <= result < n, for n > 0 */
uint64_t rng_below(struct rng *r, uint64_t n);
/* lo <= result <= hi, for lo <= hi */
int64_t rng_range(struct rng *r, int64_t lo, int64_t hi);
/* true with probability per_million / 1e6 */
bool rng_chance(struct rng *r, uint32_t per_million);
/* n characters of [a-z2-7] (the RFC 4648 base32 alphabet, lower case) and a NUL */
void rng_base32(struct rng *r, char *out, size_t n);
/* A random (version 4, RFC 4122 variant) UUID in its 36-character form and a NUL. */
void rng_uuid(struct rng *r, char out[37]);

#endif

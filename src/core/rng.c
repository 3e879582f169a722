/* xoshiro256** seeded by splitmix64 (see rng.h). */
#include "config.h"

#include "rng.h"

#include <inttypes.h>
#include <stdio.h>

static const char base32_alphabet[] = "abcdefghijklmnopqrstuvwxyz234567";

uint64_t rng_splitmix64(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

void rng_seed(struct rng *r, uint64_t seed, uint64_t stream)
{
    /* an odd multiplier spreads consecutive stream numbers over the whole seed space */
    uint64_t x = seed ^ (stream * 0xd1b54a32d192ed03ULL);
    for (int i = 0; i < 4; i++)
        r->s[i] = rng_splitmix64(&x);
}

static uint64_t rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

uint64_t rng_next(struct rng *r)
{
    uint64_t *s = r->s;
    uint64_t result = rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

/* Modulo: the bias is n / 2^64, negligible for the small n drawn here, and unlike a rejection
 * loop it takes one draw per call, so later numbers never depend on earlier values. */
uint64_t rng_below(struct rng *r, uint64_t n)
{
    return rng_next(r) % n;
}

int64_t rng_range(struct rng *r, int64_t lo, int64_t hi)
{
    return lo + (int64_t)rng_below(r, (uint64_t)(hi - lo) + 1);
}

bool rng_chance(struct rng *r, uint32_t per_million)
{
    return rng_below(r, 1000000) < per_million;
}

void rng_base32(struct rng *r, char *out, size_t n)
{
    for (size_t i = 0; i < n; i++)
        out[i] = base32_alphabet[rng_below(r, 32)];
    out[n] = '\0';
}

void rng_uuid(struct rng *r, char out[37])
{
    uint64_t hi = rng_next(r), lo = rng_next(r);
    hi = (hi & ~0xf000ULL) | 0x4000ULL;                         /* version 4 */
    lo = (lo & ~0xc000000000000000ULL) | 0x8000000000000000ULL; /* RFC 4122 variant */
    snprintf(out, 37, "%08" PRIx64 "-%04" PRIx64 "-%04" PRIx64 "-%04" PRIx64 "-%012" PRIx64,
             hi >> 32, (hi >> 16) & 0xffff, hi & 0xffff, lo >> 48, lo & UINT64_C(0xffffffffffff));
}

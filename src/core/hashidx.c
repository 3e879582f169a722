/* Keyed hash index: SipHash-2-4 and an open-addressing table of (hash, item) slots. */
#include "hashidx.h"

#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

#define MIN_CAP 16u

static uint64_t rotl(uint64_t x, unsigned b)
{
    return (x << b) | (x >> (64 - b));
}

struct sip {
    uint64_t v0, v1, v2, v3;
};

static void sip_round(struct sip *s)
{
    s->v0 += s->v1;
    s->v1 = rotl(s->v1, 13) ^ s->v0;
    s->v0 = rotl(s->v0, 32);
    s->v2 += s->v3;
    s->v3 = rotl(s->v3, 16) ^ s->v2;
    s->v0 += s->v3;
    s->v3 = rotl(s->v3, 21) ^ s->v0;
    s->v2 += s->v1;
    s->v1 = rotl(s->v1, 17) ^ s->v2;
    s->v2 = rotl(s->v2, 32);
}

static void sip_word(struct sip *s, uint64_t m)
{
    s->v3 ^= m;
    sip_round(s);
    sip_round(s);
    s->v0 ^= m;
}

static uint64_t load_le(const unsigned char *p, size_t n)
{
    uint64_t v = 0;
    for (size_t i = 0; i < n; i++)
        v |= (uint64_t)p[i] << (8 * i);
    return v;
}

uint64_t hashidx_hash(const struct hashidx_key *key, const void *p, size_t n)
{
    const unsigned char *b = p;
    struct sip s = {
        0x736f6d6570736575ull ^ key->k0,
        0x646f72616e646f6dull ^ key->k1,
        0x6c7967656e657261ull ^ key->k0,
        0x7465646279746573ull ^ key->k1,
    };
    size_t whole = n - n % 8;
    for (size_t i = 0; i < whole; i += 8)
        sip_word(&s, load_le(b + i, 8));
    sip_word(&s, (uint64_t)n << 56 | load_le(b + whole, n % 8));
    s.v2 ^= 0xff;
    for (int i = 0; i < 4; i++)
        sip_round(&s);
    return s.v0 ^ s.v1 ^ s.v2 ^ s.v3;
}

void hashidx_init(struct hashidx *x)
{
    memset(x, 0, sizeof *x);
}

void hashidx_free(struct hashidx *x)
{
    free(x->slot);
    hashidx_init(x);
}

static size_t home_of(const struct hashidx *x, uint64_t hash)
{
    return (size_t)hash & (x->cap - 1);
}

void *hashidx_find(const struct hashidx *x, uint64_t hash,
                   bool (*same)(const void *item, const void *name), const void *name)
{
    if (!x->cap)
        return NULL;
    for (size_t i = home_of(x, hash);; i = (i + 1) & (x->cap - 1)) {
        const struct hashidx_slot *s = &x->slot[i];
        if (!s->item)
            return NULL;
        if (s->hash == hash && same(s->item, name))
            return s->item;
    }
}

static void place(struct hashidx *x, uint64_t hash, void *item)
{
    size_t i = home_of(x, hash);
    while (x->slot[i].item)
        i = (i + 1) & (x->cap - 1);
    x->slot[i].hash = hash;
    x->slot[i].item = item;
}

static void resize(struct hashidx *x, size_t cap)
{
    struct hashidx_slot *old = x->slot;
    size_t old_cap = x->cap;
    x->slot = xcalloc(cap, sizeof *x->slot);
    x->cap = cap;
    for (size_t i = 0; i < old_cap; i++)
        if (old[i].item)
            place(x, old[i].hash, old[i].item);
    free(old);
}

/* The capacity the table needs to hold n more items at most half full. */
static size_t cap_for(const struct hashidx *x, size_t n)
{
    size_t cap = x->cap ? x->cap : MIN_CAP;
    while ((x->count + n) * 2 > cap)
        cap *= 2;
    return cap;
}

void hashidx_add(struct hashidx *x, uint64_t hash, void *item)
{
    size_t cap = cap_for(x, 1);
    if (cap != x->cap)
        resize(x, cap);
    place(x, hash, item);
    x->count++;
}

/* Backward-shift deletion keeps every probe chain intact without tombstones. */
static void remove_at(struct hashidx *x, size_t i)
{
    size_t mask = x->cap - 1;
    x->slot[i].item = NULL;
    for (size_t j = (i + 1) & mask; x->slot[j].item; j = (j + 1) & mask) {
        size_t home = home_of(x, x->slot[j].hash);
        /* Move j back to i when i lies cyclically in [home, j). */
        if ((j > i && (home <= i || home > j)) || (j < i && home <= i && home > j)) {
            x->slot[i] = x->slot[j];
            x->slot[j].item = NULL;
            i = j;
        }
    }
    x->count--;
}

void hashidx_remove(struct hashidx *x, uint64_t hash, const void *item)
{
    if (!x->cap)
        return;
    for (size_t i = home_of(x, hash); x->slot[i].item; i = (i + 1) & (x->cap - 1)) {
        if (x->slot[i].item == item) {
            remove_at(x, i);
            break;
        }
    }
    if (x->count == 0)
        hashidx_free(x);
    else if (x->cap > MIN_CAP && x->count * 8 < x->cap)
        resize(x, x->cap / 2);
}

size_t hashidx_bytes(const struct hashidx *x)
{
    return x->cap * sizeof *x->slot;
}

size_t hashidx_add_cost(const struct hashidx *x, size_t n)
{
    return (cap_for(x, n) - x->cap) * sizeof *x->slot;
}

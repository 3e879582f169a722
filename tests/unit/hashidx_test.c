/* Unit tests for hashidx.c: SipHash-2-4 against the reference vectors, and the index under long
 * random sequences of adds, finds and removes checked against a plain array. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "hashidx.h"
#include "rng.h"

/* The reference key 00 01 02 ... 0f, as two little-endian words. */
static const struct hashidx_key ref_key = {0x0706050403020100ull, 0x0f0e0d0c0b0a0908ull};

/* From the reference implementation's vectors.h (https://github.com/veorq/SipHash): the hash of
 * the bytes 00 01 ... (n-1) under the reference key. */
static void test_siphash_vectors(void **state)
{
    static const struct {
        size_t n;
        uint64_t want;
    } vectors[] = {
        {0, 0x726fdb47dd0e0e31ull},  {1, 0x74f839c593dc67fdull},  {2, 0x0d6c8009d9a94f5aull},
        {7, 0xab0200f58b01d137ull},  {8, 0x93f5f5799a932462ull},  {9, 0x9e0082df0ba9e4b0ull},
        {12, 0x751e8fbc860ee5fbull}, {15, 0xa129ca6149be45e5ull},
    };
    unsigned char msg[64];

    (void)state;
    for (size_t i = 0; i < sizeof msg; i++)
        msg[i] = (unsigned char)i;
    for (size_t i = 0; i < sizeof vectors / sizeof vectors[0]; i++) {
        uint64_t got = hashidx_hash(&ref_key, msg, vectors[i].n);
        if (got != vectors[i].want)
            fail_msg("%zu bytes: %016llx, want %016llx", vectors[i].n, (unsigned long long)got,
                     (unsigned long long)vectors[i].want);
    }
}

struct item {
    unsigned id;
    bool in;
};

static bool item_is(const void *item, const void *id)
{
    return ((const struct item *)item)->id == *(const unsigned *)id;
}

/* Hashes folded to few bits make long probe chains, so backward-shift deletion is exercised. */
static uint64_t weak_hash(unsigned id, unsigned bits)
{
    uint64_t h = hashidx_hash(&ref_key, &id, sizeof id);
    return bits >= 64 ? h : h & ((1ull << bits) - 1);
}

static void check_random(unsigned bits)
{
    enum { N = 4000 };
    static struct item items[N];
    struct hashidx x;
    uint64_t seed = 42 + bits;
    size_t in = 0;

    hashidx_init(&x);
    for (unsigned i = 0; i < N; i++)
        items[i] = (struct item){i, false};
    for (unsigned step = 0; step < 200000; step++) {
        unsigned id = (unsigned)(rng_splitmix64(&seed) % N);
        struct item *it = &items[id];
        uint64_t h = weak_hash(id, bits);
        void *found = hashidx_find(&x, h, item_is, &id);
        assert_true(found == (it->in ? it : NULL));
        if (it->in && rng_splitmix64(&seed) % 3 == 0) {
            hashidx_remove(&x, h, it);
            it->in = false;
            in--;
        } else if (!it->in) {
            hashidx_add(&x, h, it);
            it->in = true;
            in++;
        }
        assert_int_equal(x.count, in);
        assert_true(x.cap == 0 || x.count * 2 <= x.cap);
    }
    for (unsigned id = 0; id < N; id++)
        assert_true(hashidx_find(&x, weak_hash(id, bits), item_is, &id) ==
                    (items[id].in ? &items[id] : NULL));
    /* Emptied, the table is given back. */
    for (unsigned id = 0; id < N; id++)
        if (items[id].in)
            hashidx_remove(&x, weak_hash(id, bits), &items[id]);
    assert_int_equal(x.count, 0);
    assert_int_equal(hashidx_bytes(&x), 0);
    hashidx_free(&x);
}

static void test_index_random(void **state)
{
    (void)state;
    check_random(64);
    check_random(6); /* 64 distinct hashes for 4000 items: long chains everywhere */
}

static void test_add_cost(void **state)
{
    struct hashidx x;
    static struct item items[100];

    (void)state;
    hashidx_init(&x);
    for (unsigned i = 0; i < 100; i++) {
        size_t before = hashidx_bytes(&x), cost = hashidx_add_cost(&x, 1);
        hashidx_add(&x, i, &items[i]);
        assert_int_equal(hashidx_bytes(&x), before + cost);
    }
    assert_int_equal(hashidx_add_cost(&x, 0), 0);
    assert_true(hashidx_add_cost(&x, 1000) >= 1000 * 2 * sizeof(struct hashidx_slot) - x.cap * 16);
    hashidx_free(&x);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_siphash_vectors),
        cmocka_unit_test(test_index_random),
        cmocka_unit_test(test_add_cost),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

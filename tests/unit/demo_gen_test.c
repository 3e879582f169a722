/* Unit tests for rng.c and demo-gen.c: the demo stream is reproducible, its records decode
 * (except the ones cut short on purpose), and the special cases it promises are all there. */
#include "config.h"

#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "decode.h"
#include "demo-gen.h"
#include "rng.h"

#define BASE_NS   INT64_C(1795000000000000000)
#define NS_PER_MS INT64_C(1000000)
#define LIMIT     (128u * 1024u) /* a small stream limit keeps the big records small */
#define RECORDS   12000          /* about a simulated minute: two records near the limit */

/* A copy of one delivered record, kept after the generator moved on. */
struct kept {
    char *data;
    size_t len;
    unsigned shard;
    char pkey[40];
    char seq[64];
    int64_t sim_ns, arrival_ms;
    bool truncated, repeat;
};

struct run {
    struct kept *rec;
    size_t n;
};

static struct demo_gen *gen_new(uint64_t seed, unsigned shards, uint64_t limit, int64_t base_ns)
{
    struct demo_gen_opts o = {
        .seed = seed, .shards = shards, .record_size_limit = limit, .base_ns = base_ns};
    return demo_gen_new(&o);
}

static void keep(struct kept *k, const struct demo_gen_record *r)
{
    k->data = malloc(r->len ? r->len : 1);
    assert_non_null(k->data);
    memcpy(k->data, r->data, r->len);
    k->len = r->len;
    k->shard = r->shard;
    assert_true(strlen(r->pkey) < sizeof k->pkey);
    strcpy(k->pkey, r->pkey);
    assert_true(strlen(r->seq) < sizeof k->seq);
    strcpy(k->seq, r->seq);
    k->sim_ns = r->sim_ns;
    k->arrival_ms = r->arrival_ms;
    k->truncated = r->truncated;
    k->repeat = r->repeat;
}

static struct run run_gen(struct demo_gen *g, size_t n)
{
    struct run run = {calloc(n, sizeof *run.rec), n};
    assert_non_null(run.rec);
    for (size_t i = 0; i < n; i++) {
        struct demo_gen_record r;
        demo_gen_next(g, &r);
        keep(&run.rec[i], &r);
    }
    return run;
}

static struct run run_seed(uint64_t seed, unsigned shards, size_t n)
{
    struct demo_gen *g = gen_new(seed, shards, LIMIT, BASE_NS);
    struct run run = run_gen(g, n);
    assert_int_equal(demo_gen_delivered(g), n);
    demo_gen_free(g);
    return run;
}

static void run_free(struct run *run)
{
    for (size_t i = 0; i < run->n; i++)
        free(run->rec[i].data);
    free(run->rec);
}

static bool same_bytes(const struct kept *a, const struct kept *b)
{
    return a->len == b->len && memcmp(a->data, b->data, a->len) == 0;
}

static bool has(const struct kept *k, const char *text)
{
    return memmem(k->data, k->len, text, strlen(text)) != NULL;
}

static bool starts(const struct kept *k, const char *prefix)
{
    return k->len >= strlen(prefix) && memcmp(k->data, prefix, strlen(prefix)) == 0;
}

/* --- rng --- */

/* Published outputs: splitmix64 seeded with 1234567 (Rosetta Code, "Pseudo-random
 * numbers/Splitmix64"), and xoshiro256** from the state {1, 2, 3, 4} (the authors' reference
 * implementation). The demo's bytes and the benchmark's corpus depend on both. */
static void test_rng_reference_outputs(void **state)
{
    static const uint64_t splitmix[] = {6457827717110365317u, 3203168211198807973u,
                                        9817491932198370423u, 4593380528125082431u,
                                        16408922859458223821u};
    static const uint64_t xoshiro[] = {
        11520u, 0u, 1509978240u, 1215971899390074240u, 1216172134540287360u, 607988272756665600u};
    (void)state;
    uint64_t x = 1234567;
    for (size_t i = 0; i < sizeof splitmix / sizeof *splitmix; i++)
        assert_true(rng_splitmix64(&x) == splitmix[i]);
    struct rng r = {{1, 2, 3, 4}};
    for (size_t i = 0; i < sizeof xoshiro / sizeof *xoshiro; i++)
        assert_true(rng_next(&r) == xoshiro[i]);
}

/* Two streams of one seed share no prefix, and drawing from one leaves the other as it was. */
static void test_rng_streams_independent(void **state)
{
    (void)state;
    struct rng a, b, a_again, b_alone;
    rng_seed(&a, 7, 1);
    rng_seed(&b, 7, 2);
    rng_seed(&a_again, 7, 1);
    rng_seed(&b_alone, 7, 2);
    unsigned equal = 0;
    for (int i = 0; i < 1000; i++) {
        uint64_t va = rng_next(&a);
        rng_next(&a); /* a draws twice as often as b */
        uint64_t vb = rng_next(&b);
        equal += va == vb;
        assert_true(vb == rng_next(&b_alone));
    }
    assert_int_equal(equal, 0);
    /* the same seed and stream give the same numbers */
    rng_seed(&a, 7, 1);
    for (int i = 0; i < 100; i++)
        assert_true(rng_next(&a) == rng_next(&a_again));
    /* another seed, another sequence */
    rng_seed(&a, 8, 1);
    rng_seed(&a_again, 7, 1);
    assert_true(rng_next(&a) != rng_next(&a_again));
}

static void test_rng_bounds(void **state)
{
    (void)state;
    struct rng r;
    rng_seed(&r, 42, 1);
    bool seen_lo = false, seen_hi = false;
    unsigned hits = 0;
    for (int i = 0; i < 20000; i++) {
        int64_t v = rng_range(&r, -3, 3);
        assert_true(v >= -3 && v <= 3);
        seen_lo |= v == -3;
        seen_hi |= v == 3;
        assert_true(rng_below(&r, 10) < 10);
        hits += rng_chance(&r, 250000);
    }
    assert_true(seen_lo && seen_hi);
    assert_true(hits > 4500 && hits < 5500); /* 25 % of 20000, with room for chance */
    assert_false(rng_chance(&r, 0));
    assert_true(rng_chance(&r, 1000000));
    char id[27];
    rng_base32(&r, id, 26);
    assert_int_equal(strlen(id), 26);
    assert_int_equal(strspn(id, "abcdefghijklmnopqrstuvwxyz234567"), 26);
}

static void test_rng_uuid(void **state)
{
    (void)state;
    struct rng r;
    rng_seed(&r, 1, 9);
    char first[37], u[37];
    rng_uuid(&r, first);
    for (int i = 0; i < 1000; i++) {
        rng_uuid(&r, u);
        assert_int_equal(strlen(u), 36);
        for (int k = 0; k < 36; k++) {
            if (k == 8 || k == 13 || k == 18 || k == 23)
                assert_int_equal(u[k], '-');
            else
                assert_non_null(strchr("0123456789abcdef", u[k]));
        }
        assert_int_equal(u[14], '4');           /* version 4: random */
        assert_non_null(strchr("89ab", u[19])); /* the RFC 4122 variant: bits 10xx */
        assert_string_not_equal(u, first);
    }
}

/* --- the generator --- */

static void test_same_seed_same_records(void **state)
{
    (void)state;
    struct run a = run_seed(7, 4, 3000), b = run_seed(7, 4, 3000);
    for (size_t i = 0; i < a.n; i++) {
        assert_true(same_bytes(&a.rec[i], &b.rec[i]));
        assert_int_equal(a.rec[i].shard, b.rec[i].shard);
        assert_string_equal(a.rec[i].pkey, b.rec[i].pkey);
        assert_string_equal(a.rec[i].seq, b.rec[i].seq);
        assert_true(a.rec[i].arrival_ms == b.rec[i].arrival_ms);
    }
    run_free(&a);
    run_free(&b);
}

static void test_different_seed_different_records(void **state)
{
    (void)state;
    struct run a = run_seed(7, 4, 1000), b = run_seed(8, 4, 1000);
    unsigned same = 0;
    for (size_t i = 0; i < a.n; i++)
        same += same_bytes(&a.rec[i], &b.rec[i]) || !strcmp(a.rec[i].seq, b.rec[i].seq);
    assert_int_equal(same, 0);
    run_free(&a);
    run_free(&b);
}

/* The base moves every time written by the same amount and changes nothing else. */
static void test_base_shifts_only_times(void **state)
{
    (void)state;
    const int64_t shift_ms = 86400000;
    struct demo_gen *g1 = gen_new(11, 3, LIMIT, BASE_NS);
    struct demo_gen *g2 = gen_new(11, 3, LIMIT, BASE_NS + shift_ms * NS_PER_MS);
    struct run a = run_gen(g1, 2000), b = run_gen(g2, 2000);
    for (size_t i = 0; i < a.n; i++) {
        assert_true(b.rec[i].arrival_ms - a.rec[i].arrival_ms == shift_ms);
        assert_true(a.rec[i].sim_ns == b.rec[i].sim_ns);
        assert_int_equal(a.rec[i].shard, b.rec[i].shard);
        assert_string_equal(a.rec[i].pkey, b.rec[i].pkey);
        assert_string_equal(a.rec[i].seq, b.rec[i].seq);
        assert_int_equal(a.rec[i].len, b.rec[i].len); /* same number of digits */
    }
    demo_gen_free(g1);
    demo_gen_free(g2);
    run_free(&a);
    run_free(&b);
}

/* Arrival order, shard indexes, and sequence numbers as Kinesis writes them. */
static void test_order_shards_and_sequence_numbers(void **state)
{
    (void)state;
    enum { SHARDS = 5 };
    struct run run = run_seed(3, SHARDS, RECORDS);
    char last_seq[SHARDS][64] = {{0}};
    unsigned per_shard[SHARDS] = {0};
    for (size_t i = 0; i < run.n; i++) {
        const struct kept *k = &run.rec[i];
        if (i > 0) {
            assert_true(k->sim_ns >= run.rec[i - 1].sim_ns);
            assert_true(k->arrival_ms >= run.rec[i - 1].arrival_ms);
        }
        assert_true(k->arrival_ms == (BASE_NS + k->sim_ns) / NS_PER_MS);
        assert_true(k->shard < SHARDS);
        assert_int_equal(strlen(k->seq), 56);
        assert_int_equal(strspn(k->seq, "0123456789"), 56);
        assert_memory_equal(k->seq, "49", 2);
        /* same length, so text order is numeric order: strictly increasing per shard */
        assert_true(strcmp(k->seq, last_seq[k->shard]) > 0);
        strcpy(last_seq[k->shard], k->seq);
        per_shard[k->shard]++;
        assert_true(strlen(k->pkey) == 32 || strlen(k->pkey) == 36);
    }
    for (unsigned s = 0; s < SHARDS; s++)
        assert_true(per_shard[s] > RECORDS / SHARDS / 2); /* every shard carries its share */
    run_free(&run);
}

/* Every record meant to be valid decodes; the ones cut short on purpose, and only they, fail.
 * The split change comes together from its fragments. */
static void test_records_decode(void **state)
{
    (void)state;
    struct run run = run_seed(7, 4, RECORDS);
    struct decoder *dec = decoder_new(NULL);
    unsigned truncated = 0, changes = 0, reassembled = 0, fragments = 0;
    bool hostile = false;
    for (size_t i = 0; i < run.n; i++) {
        const struct kept *k = &run.rec[i];
        struct cdc_raw raw = {
            .data = k->data,
            .len = k->len,
            .shard = k->shard,
            .seq = k->seq,
            .seq_len = strlen(k->seq),
            .pkey = k->pkey,
            .pkey_len = strlen(k->pkey),
            .arrival_ms = k->arrival_ms,
        };
        struct cdc_change c;
        enum decode_status st = decoder_feed(dec, &raw, k->arrival_ms + 200, &c);
        if (k->truncated) {
            assert_int_equal(st, DECODE_ERROR);
            truncated++;
            continue;
        }
        if (st == DECODE_ERROR)
            fail_msg("record %zu does not decode: %.*s", i, (int)(k->len < 200 ? k->len : 200),
                     k->data);
        fragments += starts(k, "{\"type\":\"fragment\"");
        if (st != DECODE_CHANGE)
            continue;
        changes++;
        assert_string_equal(c.schema, "public");
        if (c.reassembled) {
            reassembled++;
            assert_string_equal(c.table, "notes");
            assert_non_null(memmem(c.after.p, c.after.n, "split into fragments", 20));
        }
        if (!strcmp(c.table, "notes") && c.after.p &&
            memmem(c.after.p, c.after.n, "\"note_id\":301,", 14))
            hostile = true;
    }
    const struct decode_stats *st = decoder_stats(dec);
    assert_true(truncated >= 1);
    for (int r = 0; r < DERR_COUNT; r++)
        if (r != DERR_NOT_JSON)
            assert_int_equal(st->errors[r], 0);
    assert_int_equal(st->errors[DERR_NOT_JSON], truncated);
    assert_int_equal(reassembled, 1);
    assert_int_equal(st->chunks_completed, 1);
    assert_int_equal(st->chunks_pending, 0);
    assert_int_equal(fragments, 3 + 1); /* three fragments, one of them delivered twice */
    assert_true(st->fragment_repeats >= 1);
    assert_true(hostile);
    assert_true(changes > RECORDS * 9 / 10);
    decoder_free(dec);
    run_free(&run);
}

/* At-least-once delivery: repeats exist, and each is bytes delivered before. */
static void test_redeliveries(void **state)
{
    (void)state;
    struct run run = run_seed(5, 4, RECORDS);
    unsigned repeats = 0;
    for (size_t i = 0; i < run.n; i++) {
        if (!run.rec[i].repeat)
            continue;
        repeats++;
        bool earlier = false;
        for (size_t j = 0; j < i && !earlier; j++)
            earlier = same_bytes(&run.rec[j], &run.rec[i]);
        assert_true(earlier);
    }
    assert_true(repeats >= RECORDS / 200); /* about 2 % */
    assert_true(repeats <= RECORDS / 20);
    run_free(&run);
}

/* The hostile note: terminal escapes written as JSON escapes, non-ASCII text as UTF-8. */
static void test_hostile_note(void **state)
{
    (void)state;
    struct run run = run_seed(9, 2, 200);
    size_t i = 0;
    while (i < run.n && !has(&run.rec[i], "\"note_id\":301,"))
        i++;
    assert_true(i < run.n);
    const struct kept *note = &run.rec[i];
    assert_true(has(note, "terminal: \\u001b[2J\\u001b[H\\u0007cleared!\\rOverwritten"));
    assert_true(has(note, "café é, 日本語, naïve"));
    assert_null(memchr(note->data, 0x1b, note->len)); /* no raw escape byte */
    run_free(&run);
}

/* Records near the stream's limit appear, and none is over it. */
static void test_records_near_the_limit(void **state)
{
    (void)state;
    struct run run = run_seed(7, 4, RECORDS);
    unsigned near = 0;
    for (size_t i = 0; i < run.n; i++) {
        size_t bytes = run.rec[i].len + strlen(run.rec[i].pkey); /* what Kinesis counts */
        assert_true(bytes <= LIMIT);
        near += bytes >= LIMIT * 80 / 100;
    }
    assert_true(near >= 1);
    run_free(&run);
}

/* The DLQ moves with the records' simulated time, a sample every five simulated seconds, and
 * asking for the cosmetic reader figures (as often as the wall clock likes) changes nothing. */
static void test_dlq_and_cosmetic_streams(void **state)
{
    (void)state;
    struct demo_gen *g1 = gen_new(21, 4, LIMIT, BASE_NS);
    struct demo_gen *g2 = gen_new(21, 4, LIMIT, BASE_NS);
    struct demo_gen_dlq q1, q2;
    demo_gen_dlq_now(g1, &q1);
    assert_true(q1.visible >= 0 && q1.in_flight == 0 && q1.delayed == 0);
    assert_false(demo_gen_dlq_next(g1, &q1)); /* nothing delivered yet */
    unsigned samples = 0;
    int64_t last_sim = 0;
    for (int i = 0; i < 8000; i++) {
        struct demo_gen_record r1, r2;
        for (int k = 0; k < i % 3; k++) {
            int64_t lag = demo_gen_tip_lag_ms(g2);
            int64_t gap = demo_gen_poll_gap_ms(g2);
            assert_true(lag >= 0 && lag <= 400);
            assert_true(gap >= 200 && gap <= 300);
        }
        demo_gen_next(g1, &r1);
        demo_gen_next(g2, &r2);
        assert_int_equal(r1.len, r2.len);
        assert_memory_equal(r1.data, r2.data, r1.len);
        assert_string_equal(r1.seq, r2.seq);
        last_sim = r1.sim_ns;
        while (demo_gen_dlq_next(g1, &q1)) {
            assert_true(demo_gen_dlq_next(g2, &q2));
            assert_true(q1.visible == q2.visible && q1.in_flight == q2.in_flight &&
                        q1.delayed == q2.delayed);
            assert_true(q1.visible >= 0 && q1.in_flight >= 0 && q1.in_flight <= q1.visible);
            samples++;
        }
        assert_false(demo_gen_dlq_next(g2, &q2));
    }
    assert_int_equal(samples, last_sim / (5 * INT64_C(1000000000)));
    assert_true(samples >= 6);
    demo_gen_free(g1);
    demo_gen_free(g2);
}

static void test_shard_count(void **state)
{
    (void)state;
    static const struct {
        unsigned asked, got;
    } cases[] = {{0, DEMO_GEN_DEFAULT_SHARDS}, {1, 1}, {7, 7}, {5000, DEMO_GEN_MAX_SHARDS}};
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        struct demo_gen *g = gen_new(1, cases[i].asked, 0, BASE_NS);
        assert_int_equal(demo_gen_shards(g), cases[i].got);
        demo_gen_free(g);
    }
    char id[DEMO_GEN_SHARD_ID_LEN + 1];
    demo_gen_shard_id(12, id);
    assert_string_equal(id, "shardId-000000000012");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rng_reference_outputs),
        cmocka_unit_test(test_rng_streams_independent),
        cmocka_unit_test(test_rng_bounds),
        cmocka_unit_test(test_rng_uuid),
        cmocka_unit_test(test_same_seed_same_records),
        cmocka_unit_test(test_different_seed_different_records),
        cmocka_unit_test(test_base_shifts_only_times),
        cmocka_unit_test(test_order_shards_and_sequence_numbers),
        cmocka_unit_test(test_records_decode),
        cmocka_unit_test(test_redeliveries),
        cmocka_unit_test(test_hostile_note),
        cmocka_unit_test(test_records_near_the_limit),
        cmocka_unit_test(test_dlq_and_cosmetic_streams),
        cmocka_unit_test(test_shard_count),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}

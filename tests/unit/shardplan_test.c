/* Unit tests for shardplan.c (shard lineage, start positions, exactly once) and backoff.c, with a
 * simulated resharding stream instead of an emulator. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "backoff.h"
#include "rng.h"
#include "shardplan.h"

static struct shardplan *plan_latest(void)
{
    struct shardplan_from f = {SP_START_LATEST, 0};
    return shardplan_new(&f);
}

static void test_parse_from(void **state)
{
    struct shardplan_from f;
    int64_t now = INT64_C(1795403550000);

    (void)state;
    assert_true(shardplan_parse_from(NULL, now, &f));
    assert_int_equal(f.kind, SP_START_LATEST);
    assert_true(shardplan_parse_from("latest", now, &f));
    assert_int_equal(f.kind, SP_START_LATEST);
    assert_true(shardplan_parse_from("TRIM_HORIZON", now, &f));
    assert_int_equal(f.kind, SP_START_TRIM_HORIZON);
    assert_true(shardplan_parse_from("-15m", now, &f));
    assert_int_equal(f.kind, SP_START_AT_TIMESTAMP);
    assert_int_equal(f.at_ms, now - 900000);
    assert_true(shardplan_parse_from("2026-11-23T03:12:00Z", now, &f));
    assert_int_equal(f.at_ms, INT64_C(1795403520000));
    assert_false(shardplan_parse_from("yesterday", now, &f));
    assert_false(shardplan_parse_from("-15", now, &f));
}

static void test_seq_cmp(void **state)
{
    (void)state;
    /* as numbers, not as text: "9" < "10" although '9' > '1' */
    assert_true(shardplan_seq_cmp("9", 1, "10", 2) < 0);
    assert_true(shardplan_seq_cmp("10", 2, "9", 1) > 0);
    assert_true(shardplan_seq_cmp("007", 3, "7", 1) == 0);
    assert_true(shardplan_seq_cmp("0", 1, "0", 1) == 0);
    const char *a = "49590338271490256608559692538361571095921575989136588898";
    const char *b = "49590338271490256608559692540925702759324208523137515618";
    assert_true(shardplan_seq_cmp(a, strlen(a), b, strlen(b)) < 0);
}

static void test_accept(void **state)
{
    struct shardplan *p = plan_latest();
    char big[SHARDPLAN_SEQ_MAX + 2];

    (void)state;
    unsigned i = shardplan_add(p, "shardId-000000000000", true, NULL);
    assert_string_equal(shardplan_last_seq(p, i), "");
    assert_int_equal(shardplan_accept(p, i, "100", 3), SP_SEQ_NEW);
    assert_int_equal(shardplan_accept(p, i, "100", 3), SP_SEQ_SEEN);
    assert_int_equal(shardplan_accept(p, i, "99", 2), SP_SEQ_SEEN);
    assert_int_equal(shardplan_accept(p, i, "1000", 4), SP_SEQ_NEW);
    assert_string_equal(shardplan_last_seq(p, i), "1000");
    assert_int_equal(shardplan_accept(p, i, "12a", 3), SP_SEQ_INVALID);
    assert_int_equal(shardplan_accept(p, i, "", 0), SP_SEQ_INVALID);
    assert_int_equal(shardplan_accept(p, i, NULL, 0), SP_SEQ_INVALID);
    /* the longest sequence number Kinesis writes is kept whole; a longer one is refused */
    memset(big, '9', sizeof big);
    assert_int_equal(shardplan_accept(p, i, big, SHARDPLAN_SEQ_MAX), SP_SEQ_NEW);
    assert_int_equal(strlen(shardplan_last_seq(p, i)), SHARDPLAN_SEQ_MAX);
    assert_int_equal(shardplan_accept(p, i, big, SHARDPLAN_SEQ_MAX + 1), SP_SEQ_INVALID);
    shardplan_free(p);
}

static void test_ids_whole_and_indexed(void **state)
{
    struct shardplan *p = plan_latest();
    char id[300];
    bool added;

    (void)state;
    for (unsigned n = 0; n < 5000; n++) {
        snprintf(id, sizeof id, "shardId-%0250u", n); /* ids share a 250-byte prefix */
        assert_int_equal(shardplan_add(p, id, true, &added), n);
        assert_true(added);
    }
    snprintf(id, sizeof id, "shardId-%0250u", 1234u);
    assert_int_equal(shardplan_add(p, id, false, &added), 1234);
    assert_false(added);
    assert_int_equal(shardplan_find(p, id), 1234);
    assert_string_equal(shardplan_id(p, 1234), id);
    assert_int_equal(shardplan_find(p, "shardId-x"), -1);
    assert_int_equal(shardplan_count(p), 5000);
    shardplan_free(p);
}

/* A child waits for every parent; a parent a complete listing did not show has expired. */
static void test_parents_first(void **state)
{
    struct shardplan *p = plan_latest();
    unsigned i;
    enum shardplan_start st;

    (void)state;
    unsigned a = shardplan_add(p, "A", true, NULL), b = shardplan_add(p, "B", true, NULL);
    unsigned c = shardplan_add(p, "C", true, NULL), d = shardplan_add(p, "D", true, NULL);
    shardplan_set_parents(p, c, "A", "B"); /* C is the merge of A and B */
    shardplan_set_parents(p, d, "gone", NULL);
    shardplan_set_parents(p, c, "X", "Y"); /* parents never change once known */
    assert_string_equal(shardplan_parent(p, c, 0), "A");
    assert_string_equal(shardplan_parent(p, c, 1), "B");
    shardplan_set_listed(p, a, true);
    shardplan_set_listed(p, b, true);
    shardplan_set_listed(p, c, false);
    shardplan_set_listed(p, d, false);

    /* from LATEST, the closed parents are skipped at once; then C may start, from the start of
     * C's data since nothing of A or B will ever be read */
    assert_int_equal(shardplan_next(p, &i, &st), SP_SKIP_CLOSED);
    assert_int_equal(i, a);
    assert_int_equal(shardplan_next(p, &i, &st), SP_SKIP_CLOSED);
    assert_int_equal(i, b);
    assert_int_equal(shardplan_next(p, &i, &st), SP_START);
    assert_int_equal(i, c);
    assert_int_equal(st, SP_START_LATEST);
    assert_int_equal(shardplan_next(p, &i, &st), SP_START);
    assert_int_equal(i, d);
    assert_int_equal(shardplan_next(p, &i, &st), SP_NOTHING);
    assert_false(shardplan_drained(p, a));
    shardplan_free(p);
}

/* A child known only from ChildShards waits for a parent the plan has not seen yet: it may have
 * been created since the last listing. Once a listing shows the child, the parent is expired. */
static void test_unknown_parent_waits_for_listing(void **state)
{
    struct shardplan_from f = {SP_START_TRIM_HORIZON, 0};
    struct shardplan *p = shardplan_new(&f);
    unsigned i;
    enum shardplan_start st;

    (void)state;
    unsigned a = shardplan_add(p, "A", true, NULL);
    shardplan_set_listed(p, a, false);
    assert_int_equal(shardplan_next(p, &i, &st), SP_START);
    unsigned c = shardplan_add(p, "C", false, NULL);
    shardplan_set_parents(p, c, "A", "B");
    shardplan_closed(p, a, true);
    assert_int_equal(shardplan_next(p, &i, &st), SP_NOTHING); /* B: not seen yet */
    shardplan_set_listed(p, c, false); /* a listing shows C, and no B: B has expired */
    assert_int_equal(shardplan_next(p, &i, &st), SP_START);
    assert_int_equal(i, c);
    shardplan_free(p);
}

/* From LATEST, a shard found during the run, or whose parent this run drained, is read from its
 * beginning: everything in it is newer than the start. */
static void test_latest_children_from_beginning(void **state)
{
    struct shardplan *p = plan_latest();
    unsigned i;
    enum shardplan_start st;

    (void)state;
    unsigned a = shardplan_add(p, "A", true, NULL);
    assert_int_equal(shardplan_next(p, &i, &st), SP_START);
    assert_int_equal(st, SP_START_LATEST);
    unsigned b = shardplan_add(p, "B", false, NULL), c = shardplan_add(p, "C", false, NULL);
    shardplan_set_parents(p, b, "A", NULL);
    shardplan_set_parents(p, c, "A", NULL);
    assert_int_equal(shardplan_next(p, &i, &st), SP_NOTHING); /* A is still open */
    shardplan_closed(p, a, true);
    assert_true(shardplan_drained(p, a));
    assert_int_equal(shardplan_next(p, &i, &st), SP_START);
    assert_int_equal(i, b);
    assert_int_equal(st, SP_START_TRIM_HORIZON);
    assert_int_equal(shardplan_next(p, &i, &st), SP_START);
    assert_int_equal(i, c);
    assert_int_equal(st, SP_START_TRIM_HORIZON);
    shardplan_free(p);
}

/* --- a simulated resharding stream ------------------------------------------------------------ */

#define SIM_SHARDS  32
#define SIM_RECORDS 64
#define SIM_KEYS    16

struct sim_shard {
    char id[16];
    int parent[2]; /* -1 when none */
    unsigned nrec;
    unsigned key[SIM_RECORDS];
    unsigned version[SIM_RECORDS]; /* the key's version: grows with time across shards */
    unsigned read_upto;            /* the simulated reader's iterator position */
};

struct sim {
    struct sim_shard shard[SIM_SHARDS];
    unsigned n;
    uint64_t rng; /* splitmix64's state (rng.h) */
};

static unsigned sim_new_shard(struct sim *s, int p0, int p1)
{
    struct sim_shard *sh = &s->shard[s->n];
    memset(sh, 0, sizeof *sh);
    snprintf(sh->id, sizeof sh->id, "shard-%02u", s->n);
    sh->parent[0] = p0;
    sh->parent[1] = p1;
    return s->n++;
}

/* Writes records over time: each key's versions grow; a key lives on one open shard at a time
 * (its hash range), and reshards move a shard's keys to its children, as Kinesis does. */
static void sim_build(struct sim *s, uint64_t seed)
{
    unsigned open[SIM_SHARDS], nopen = 0, version[SIM_KEYS] = {0}, home[SIM_KEYS];
    memset(s, 0, sizeof *s);
    s->rng = seed;
    for (unsigned i = 0; i < 3; i++)
        open[nopen++] = sim_new_shard(s, -1, -1);
    for (unsigned key = 0; key < SIM_KEYS; key++)
        home[key] = open[key % nopen];
    for (unsigned step = 0; step < 400; step++) {
        unsigned r = (unsigned)(rng_splitmix64(&s->rng) % 100);
        if (r < 3 && s->n + 2 <= SIM_SHARDS && nopen < 8) { /* split */
            unsigned k = (unsigned)(rng_splitmix64(&s->rng) % nopen), parent = open[k];
            unsigned c0 = sim_new_shard(s, (int)parent, -1), c1 = sim_new_shard(s, (int)parent, -1);
            open[k] = c0;
            open[nopen++] = c1;
            for (unsigned key = 0; key < SIM_KEYS; key++)
                if (home[key] == parent)
                    home[key] = key % 2 ? c1 : c0;
        } else if (r < 5 && nopen >= 2 && s->n + 1 <= SIM_SHARDS) { /* merge two */
            unsigned a = open[0], b = open[1], c = sim_new_shard(s, (int)a, (int)b);
            open[0] = c;
            memmove(&open[1], &open[2], (nopen - 2) * sizeof open[0]);
            nopen--;
            for (unsigned key = 0; key < SIM_KEYS; key++)
                if (home[key] == a || home[key] == b)
                    home[key] = c;
        } else {
            unsigned key = (unsigned)(rng_splitmix64(&s->rng) % SIM_KEYS);
            struct sim_shard *sh = &s->shard[home[key]];
            if (sh->nrec < SIM_RECORDS) {
                sh->key[sh->nrec] = key;
                sh->version[sh->nrec++] = ++version[key];
            }
        }
    }
}

/* A complete listing of the shards created so far (the first n), with their parents. */
static void sim_list(struct sim *s, struct shardplan *p, long *plan_of, unsigned n, bool initial)
{
    for (unsigned k = 0; k < n; k++) {
        const struct sim_shard *sh = &s->shard[k];
        if (plan_of[k] < 0)
            plan_of[k] = shardplan_add(p, sh->id, initial, NULL);
        shardplan_set_parents(p, (unsigned)plan_of[k],
                              sh->parent[0] >= 0 ? s->shard[sh->parent[0]].id : NULL,
                              sh->parent[1] >= 0 ? s->shard[sh->parent[1]].id : NULL);
        shardplan_set_listed(p, (unsigned)plan_of[k], false);
    }
}

static void seq_of(unsigned shard, unsigned rec, char *out, size_t cap)
{
    /* increasing, with lengths that vary, so that comparing them as text would go wrong */
    unsigned long long n = (unsigned long long)(rec + 1) * (rec + 1) * (rec + 1) * (rec + 1);
    snprintf(out, cap, "%u%llu", shard + 1, n);
}

/* Reads the simulated stream in a random interleaving, with re-reads (an iterator resumed after
 * an error, a retried call) and children learnt only when a parent closes. Every record must be
 * fed exactly once and each key's versions in order. */
static void sim_read(uint64_t seed)
{
    struct sim s;
    struct shardplan *p;
    struct shardplan_from from = {SP_START_TRIM_HORIZON, 0};
    unsigned fed_version[SIM_KEYS] = {0}, fed = 0, total = 0;
    long plan_of[SIM_SHARDS];
    char seq[48];

    sim_build(&s, seed);
    for (unsigned i = 0; i < s.n; i++)
        total += s.shard[i].nrec;
    p = shardplan_new(&from);
    for (unsigned i = 0; i < SIM_SHARDS; i++)
        plan_of[i] = -1;
    /* shards are numbered in the order they were created, parents before children: a listing of
     * the first `listed` shards is the stream as it was at some moment */
    unsigned listed = 3;
    sim_list(&s, p, plan_of, listed, true);
    for (unsigned round = 0; round < 100000; round++) {
        unsigned i;
        enum shardplan_start st;
        if (rng_splitmix64(&s.rng) % 40 == 0 && listed < s.n)
            sim_list(&s, p, plan_of, ++listed, false);
        while (shardplan_next(p, &i, &st) == SP_START)
            assert_int_equal(st, SP_START_TRIM_HORIZON);
        /* pick an active shard at random and read a batch */
        unsigned active[SIM_SHARDS], nactive = 0;
        for (unsigned k = 0; k < s.n; k++)
            if (plan_of[k] >= 0 && shardplan_phase(p, (unsigned)plan_of[k]) == SP_ACTIVE)
                active[nactive++] = k;
        if (nactive == 0)
            break;
        struct sim_shard *sh = &s.shard[active[rng_splitmix64(&s.rng) % nactive]];
        unsigned pi = (unsigned)plan_of[sh - s.shard];
        if (rng_splitmix64(&s.rng) % 5 == 0 && sh->read_upto > 0) /* a re-read of up to 5 records */
            sh->read_upto -=
                (unsigned)(rng_splitmix64(&s.rng) % (sh->read_upto < 5 ? sh->read_upto : 5)) + 1;
        unsigned batch = (unsigned)(rng_splitmix64(&s.rng) % 4) + 1;
        for (unsigned b = 0; b < batch && sh->read_upto < sh->nrec; b++, sh->read_upto++) {
            unsigned r = sh->read_upto;
            seq_of((unsigned)(sh - s.shard), r, seq, sizeof seq);
            if (shardplan_accept(p, pi, seq, strlen(seq)) != SP_SEQ_NEW)
                continue;
            fed++;
            if (sh->version[r] != fed_version[sh->key[r]] + 1)
                fail_msg("seed %llu: key %u version %u fed after %u", (unsigned long long)seed,
                         sh->key[r], sh->version[r], fed_version[sh->key[r]]);
            fed_version[sh->key[r]] = sh->version[r];
        }
        if (sh->read_upto == sh->nrec && rng_splitmix64(&s.rng) % 2) {
            /* the closing read names the children; closed only if no child is still open
             * for writing: a shard with children is closed, an open one keeps its records */
            bool has_child = false;
            for (unsigned k = 0; k < s.n; k++) {
                if (s.shard[k].parent[0] != (int)(sh - s.shard) &&
                    s.shard[k].parent[1] != (int)(sh - s.shard))
                    continue;
                has_child = true;
                if (plan_of[k] < 0)
                    plan_of[k] = shardplan_add(p, s.shard[k].id, false, NULL);
                shardplan_set_parents(
                    p, (unsigned)plan_of[k],
                    s.shard[k].parent[0] >= 0 ? s.shard[s.shard[k].parent[0]].id : NULL,
                    s.shard[k].parent[1] >= 0 ? s.shard[s.shard[k].parent[1]].id : NULL);
            }
            if (has_child)
                shardplan_closed(p, pi, true);
        }
        /* open shards never close: the reader stops once only they are left and drained */
        bool all_done = true;
        for (unsigned k = 0; k < s.n && all_done; k++)
            if (s.shard[k].read_upto < s.shard[k].nrec)
                all_done = false;
        if (all_done)
            break;
    }
    if (fed != total)
        fail_msg("seed %llu: fed %u of %u records", (unsigned long long)seed, fed, total);
    shardplan_free(p);
}

static void test_simulated_reshards(void **state)
{
    (void)state;
    for (uint64_t seed = 1; seed <= 200; seed++)
        sim_read(seed);
}

static void test_backoff(void **state)
{
    static const struct backoff_policy pol = {.base_s = 1.0, .cap_s = 30.0, .min_s = 0.05};

    (void)state;
    assert_true(backoff_ceiling(&pol, 1) == 1.0);
    assert_true(backoff_ceiling(&pol, 2) == 2.0);
    assert_true(backoff_ceiling(&pol, 5) == 16.0);
    assert_true(backoff_ceiling(&pol, 6) == 30.0);
    assert_true(backoff_ceiling(&pol, 1000) == 30.0);
    assert_true(backoff_delay(&pol, 3, 0.0) == 0.05); /* never zero */
    assert_true(backoff_delay(&pol, 3, 0.5) == 2.0);
    assert_true(backoff_delay(&pol, 3, 1.0) < 4.0);
    assert_true(backoff_delay(&pol, 3, -1.0) == 0.05);
    assert_true(backoff_delay(&pol, 3, 0.0 / 0.0) == 0.05);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_from),
        cmocka_unit_test(test_seq_cmp),
        cmocka_unit_test(test_accept),
        cmocka_unit_test(test_ids_whole_and_indexed),
        cmocka_unit_test(test_parents_first),
        cmocka_unit_test(test_latest_children_from_beginning),
        cmocka_unit_test(test_unknown_parent_waits_for_listing),
        cmocka_unit_test(test_simulated_reshards),
        cmocka_unit_test(test_backoff),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}

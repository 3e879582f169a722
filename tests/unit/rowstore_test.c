/* Unit tests for rowstore.c: last write wins by commit time, idempotence under redelivery and
 * reordering, tombstones, version history, eviction and re-keying. */
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

#include "change.h"
#include "fixture.h"
#include "jscan.h"
#include "pk.h"
#include "rowstore.h"

/* Applies one change. The image is copied through a scratch buffer that is wiped afterwards,
 * so a store that kept a pointer to it would be caught. */
static struct rs_result put(struct rowstore *rs, struct rs_table *t, const char *key,
                            enum cdc_op op, int64_t commit, const char *txid, const char *image,
                            int64_t now)
{
    char keybuf[256], imgbuf[1024], txbuf[128];
    struct rs_change c;
    struct rs_result r;

    assert_true(strlen(key) < sizeof keybuf);
    snprintf(keybuf, sizeof keybuf, "%s", key);
    snprintf(txbuf, sizeof txbuf, "%s", txid);
    memset(&c, 0, sizeof c);
    c.key.p = keybuf;
    c.key.n = strlen(keybuf);
    c.op = op;
    c.commit_ns = commit;
    c.txid = txbuf;
    if (image) {
        assert_true(strlen(image) < sizeof imgbuf);
        snprintf(imgbuf, sizeof imgbuf, "%s", image);
        c.image.p = imgbuf;
        c.image.n = strlen(imgbuf);
    }
    c.shard = 2;
    c.seq = FX_SEQ;
    c.seq_len = strlen(FX_SEQ);
    c.arrival_ms = now - 5;
    r = rowstore_apply(rs, t, &c, now);
    memset(keybuf, '#', sizeof keybuf);
    memset(imgbuf, '#', sizeof imgbuf);
    memset(txbuf, '#', sizeof txbuf);
    return r;
}

#define ASSERT_RESULT(res, out, k)                                                                 \
    do {                                                                                           \
        struct rs_result r_ = (res);                                                               \
        assert_int_equal(r_.outcome, (out));                                                       \
        assert_int_equal(r_.kind, (k));                                                            \
    } while (0)

#define ASSERT_OUTCOME(res, out) assert_int_equal((res).outcome, (out))

static void test_kinds(void **state)
{
    struct rowstore *rs = rowstore_new(NULL);
    struct rs_table *t = rowstore_table_new(rs);

    (void)state;
    /* op c on an unseen key is an insert; on a live key an update. */
    ASSERT_RESULT(put(rs, t, "[1]", CDC_OP_CREATE, 10, "t1", "{\"id\":1,\"v\":1}", 1), RS_APPLIED,
                  CDC_INSERT);
    ASSERT_RESULT(put(rs, t, "[1]", CDC_OP_CREATE, 20, "t2", "{\"id\":1,\"v\":2}", 2), RS_APPLIED,
                  CDC_UPDATE);
    ASSERT_RESULT(put(rs, t, "[1]", CDC_OP_UPDATE, 30, "t3", "{\"id\":1,\"v\":3}", 3), RS_APPLIED,
                  CDC_UPDATE);
    ASSERT_RESULT(put(rs, t, "[1]", CDC_OP_OTHER, 40, "t4", "{\"id\":1,\"v\":4}", 4), RS_APPLIED,
                  CDC_UPSERT);
    FX_ASSERT_ROW(t, "[1]", "{\"id\":1,\"v\":4}");
    ASSERT_RESULT(put(rs, t, "[1]", CDC_OP_DELETE, 50, "t5", NULL, 5), RS_APPLIED, CDC_DELETE);
    FX_ASSERT_ROW(t, "[1]", NULL);
    /* A newer insert after the delete resurrects the row, counted as an insert. */
    ASSERT_RESULT(put(rs, t, "[1]", CDC_OP_CREATE, 60, "t6", "{\"id\":1,\"v\":6}", 6), RS_APPLIED,
                  CDC_INSERT);
    FX_ASSERT_ROW(t, "[1]", "{\"id\":1,\"v\":6}");
    assert_int_equal(rs_row_changes(fx_row(t, "[1]")), 6);

    /* Unseen keys: u is an update, d a delete (a tombstone), anything else an upsert. */
    ASSERT_RESULT(put(rs, t, "[2]", CDC_OP_UPDATE, 10, "t1", "{\"id\":2}", 7), RS_APPLIED,
                  CDC_UPDATE);
    ASSERT_RESULT(put(rs, t, "[3]", CDC_OP_DELETE, 10, "t1", NULL, 8), RS_APPLIED, CDC_DELETE);
    ASSERT_RESULT(put(rs, t, "[4]", CDC_OP_OTHER, 10, "t1", "{\"id\":4}", 9), RS_APPLIED,
                  CDC_UPSERT);
    /* op u after a delete is still an update; another delete of a tombstone is a delete. */
    ASSERT_RESULT(put(rs, t, "[3]", CDC_OP_DELETE, 20, "t2", NULL, 10), RS_APPLIED, CDC_DELETE);
    ASSERT_RESULT(put(rs, t, "[3]", CDC_OP_UPDATE, 30, "t3", "{\"id\":3}", 11), RS_APPLIED,
                  CDC_UPDATE);
    FX_ASSERT_ROW(t, "[3]", "{\"id\":3}");

    assert_int_equal(rs_table_live(t), 4);
    assert_int_equal(rs_table_tombstones(t), 0);
    assert_int_equal(rowstore_stats(rs)->keys, 4);
    assert_int_equal(rowstore_stats(rs)->live, 4);
    assert_null(fx_row(t, "[5]"));
    rowstore_free(rs);
}

static void test_duplicates(void **state)
{
    struct rowstore *rs = rowstore_new(NULL);
    struct rs_table *t = rowstore_table_new(rs);
    const struct rs_row *r;

    (void)state;
    ASSERT_RESULT(put(rs, t, "[7]", CDC_OP_CREATE, 100, "ffthunp5", "{\"id\":7}", 1), RS_APPLIED,
                  CDC_INSERT);
    for (int i = 0; i < 5; i++)
        ASSERT_OUTCOME(put(rs, t, "[7]", CDC_OP_CREATE, 100, "ffthunp5", "{\"id\":7}", 2 + i),
                       RS_DUPLICATE);
    r = fx_row(t, "[7]");
    assert_int_equal(rs_row_changes(r), 1);
    assert_true(rs_row_changed_ms(r) == 1); /* a redelivery is not a change */
    assert_true(rs_row_commit_ns(r) == 100);
    assert_string_equal(rs_row_txid(r), "ffthunp5");
    /* Same commit time, other transaction: a distinct change, not a duplicate. */
    ASSERT_RESULT(put(rs, t, "[7]", CDC_OP_UPDATE, 100, "ffthunp6", "{\"id\":7,\"v\":2}", 9),
                  RS_APPLIED, CDC_UPDATE);
    /* Deletes are deduplicated too. */
    ASSERT_RESULT(put(rs, t, "[7]", CDC_OP_DELETE, 200, "x", NULL, 10), RS_APPLIED, CDC_DELETE);
    ASSERT_OUTCOME(put(rs, t, "[7]", CDC_OP_DELETE, 200, "x", NULL, 11), RS_DUPLICATE);
    assert_int_equal(rs_row_changes(r), 3);
    assert_int_equal(rs_table_tombstones(t), 1);
    assert_int_equal(rs_table_live(t), 0);
    rowstore_free(rs);
}

static void test_reordering(void **state)
{
    struct rowstore *rs = rowstore_new(NULL);
    struct rs_table *t = rowstore_table_new(rs);

    (void)state;
    ASSERT_OUTCOME(put(rs, t, "[1]", CDC_OP_UPDATE, 300, "c", "{\"v\":300}", 1), RS_APPLIED);
    /* Older changes arriving after a newer one are stale: counted, not applied. */
    ASSERT_OUTCOME(put(rs, t, "[1]", CDC_OP_UPDATE, 200, "b", "{\"v\":200}", 2), RS_STALE);
    ASSERT_OUTCOME(put(rs, t, "[1]", CDC_OP_CREATE, 100, "a", "{\"v\":100}", 3), RS_STALE);
    ASSERT_OUTCOME(put(rs, t, "[1]", CDC_OP_DELETE, 250, "d", NULL, 4), RS_STALE);
    FX_ASSERT_ROW(t, "[1]", "{\"v\":300}");
    assert_true(rs_row_commit_ns(fx_row(t, "[1]")) == 300);
    assert_string_equal(rs_row_txid(fx_row(t, "[1]")), "c");
    assert_int_equal(rs_row_changes(fx_row(t, "[1]")), 4);
    /* Commit times far apart, beyond double precision. */
    ASSERT_OUTCOME(
        put(rs, t, "[2]", CDC_OP_UPDATE, INT64_C(1705318200000000001), "a", "{\"v\":1}", 5),
        RS_APPLIED);
    ASSERT_OUTCOME(
        put(rs, t, "[2]", CDC_OP_UPDATE, INT64_C(1705318200000000000), "z", "{\"v\":0}", 6),
        RS_STALE);
    FX_ASSERT_ROW(t, "[2]", "{\"v\":1}");
    rowstore_free(rs);
}

static void test_tombstone_blocks_resurrection(void **state)
{
    struct rowstore *rs = rowstore_new(NULL);
    struct rs_table *t = rowstore_table_new(rs);

    (void)state;
    ASSERT_OUTCOME(put(rs, t, "[1001,42]", CDC_OP_CREATE, 10, "a", "{\"q\":1}", 1), RS_APPLIED);
    ASSERT_OUTCOME(put(rs, t, "[1001,42]", CDC_OP_DELETE, 30, "c", NULL, 2), RS_APPLIED);
    /* Late, older writes of every kind: none brings the row back. */
    ASSERT_OUTCOME(put(rs, t, "[1001,42]", CDC_OP_UPDATE, 20, "b", "{\"q\":2}", 3), RS_STALE);
    ASSERT_OUTCOME(put(rs, t, "[1001,42]", CDC_OP_OTHER, 29, "b2", "{\"q\":3}", 4), RS_STALE);
    ASSERT_OUTCOME(put(rs, t, "[1001,42]", CDC_OP_CREATE, 25, "b3", "{\"q\":4}", 5), RS_STALE);
    FX_ASSERT_ROW(t, "[1001,42]", NULL);
    assert_int_equal(rs_table_tombstones(t), 1);
    assert_int_equal(rs_table_live(t), 0);
    /* A delete for a key never seen leaves a tombstone that blocks an older insert too. */
    ASSERT_OUTCOME(put(rs, t, "[1001,43]", CDC_OP_DELETE, 50, "e", NULL, 6), RS_APPLIED);
    ASSERT_OUTCOME(put(rs, t, "[1001,43]", CDC_OP_CREATE, 40, "d", "{\"q\":5}", 7), RS_STALE);
    FX_ASSERT_ROW(t, "[1001,43]", NULL);
    /* Only a newer write resurrects. */
    ASSERT_RESULT(put(rs, t, "[1001,42]", CDC_OP_CREATE, 31, "f", "{\"q\":6}", 8), RS_APPLIED,
                  CDC_INSERT);
    FX_ASSERT_ROW(t, "[1001,42]", "{\"q\":6}");
    assert_int_equal(rs_table_tombstones(t), 1);
    assert_int_equal(rs_table_live(t), 1);
    rowstore_free(rs);
}

/* Ties on commit time are broken by txId, so every arrival order ends in the same state. */
static void test_ties_broken_by_txid(void **state)
{
    static const struct {
        enum cdc_op op;
        const char *txid;
        const char *image;
    } ch[] = {
        {CDC_OP_UPDATE, "mmm", "{\"v\":\"m\"}"},
        {CDC_OP_UPDATE, "aaa", "{\"v\":\"a\"}"},
        {CDC_OP_CREATE, "zzz", "{\"v\":\"z\"}"},
        {CDC_OP_UPDATE, "zz", "{\"v\":\"zz\"}"},
    };
    unsigned perm[24][4], np = 0;

    (void)state;
    for (unsigned a = 0; a < 4; a++)
        for (unsigned b = 0; b < 4; b++)
            for (unsigned c = 0; c < 4; c++)
                for (unsigned d = 0; d < 4; d++)
                    if (a != b && a != c && a != d && b != c && b != d && c != d) {
                        perm[np][0] = a, perm[np][1] = b, perm[np][2] = c, perm[np][3] = d;
                        np++;
                    }
    assert_int_equal(np, 24);
    for (unsigned p = 0; p < np; p++) {
        struct rowstore *rs = rowstore_new(NULL);
        struct rs_table *t = rowstore_table_new(rs);
        for (unsigned i = 0; i < 4; i++) {
            unsigned k = perm[p][i];
            struct rs_result r = put(rs, t, "[1]", ch[k].op, 500, ch[k].txid, ch[k].image, i);
            assert_int_not_equal(r.outcome, RS_DUPLICATE);
        }
        FX_ASSERT_ROW(t, "[1]", "{\"v\":\"z\"}");
        assert_string_equal(rs_row_txid(fx_row(t, "[1]")), "zzz");
        assert_int_equal(rs_row_changes(fx_row(t, "[1]")), 4);
        rowstore_free(rs);
    }
    /* A delete in a tie: the larger txId wins, in both orders. */
    for (int order = 0; order < 2; order++) {
        struct rowstore *rs = rowstore_new(NULL);
        struct rs_table *t = rowstore_table_new(rs);
        if (order == 0) {
            put(rs, t, "[9]", CDC_OP_DELETE, 7, "b", NULL, 1);
            put(rs, t, "[9]", CDC_OP_UPDATE, 7, "a", "{\"v\":1}", 2);
        } else {
            put(rs, t, "[9]", CDC_OP_UPDATE, 7, "a", "{\"v\":1}", 1);
            put(rs, t, "[9]", CDC_OP_DELETE, 7, "b", NULL, 2);
        }
        FX_ASSERT_ROW(t, "[9]", NULL);
        rowstore_free(rs);
    }
}

static void test_old_redelivery_is_duplicate(void **state)
{
    struct rowstore *rs = rowstore_new(NULL);
    struct rs_table *t = rowstore_table_new(rs);

    (void)state;
    put(rs, t, "[1]", CDC_OP_CREATE, 10, "a", "{\"v\":10}", 1);
    put(rs, t, "[1]", CDC_OP_UPDATE, 20, "b", "{\"v\":20}", 2);
    put(rs, t, "[1]", CDC_OP_UPDATE, 30, "c", "{\"v\":30}", 3);
    /* Versions already applied and superseded: seen before, so duplicates, not stale. */
    ASSERT_OUTCOME(put(rs, t, "[1]", CDC_OP_CREATE, 10, "a", "{\"v\":10}", 4), RS_DUPLICATE);
    ASSERT_OUTCOME(put(rs, t, "[1]", CDC_OP_UPDATE, 20, "b", "{\"v\":20}", 5), RS_DUPLICATE);
    /* A stale change, then its redelivery. */
    ASSERT_OUTCOME(put(rs, t, "[1]", CDC_OP_UPDATE, 15, "x", "{\"v\":15}", 6), RS_STALE);
    ASSERT_OUTCOME(put(rs, t, "[1]", CDC_OP_UPDATE, 15, "x", "{\"v\":15}", 7), RS_DUPLICATE);
    /* Same commit time as a seen version but another txId: a distinct (stale) change. */
    ASSERT_OUTCOME(put(rs, t, "[1]", CDC_OP_UPDATE, 20, "a", "{\"v\":21}", 8), RS_STALE);
    FX_ASSERT_ROW(t, "[1]", "{\"v\":30}");
    assert_int_equal(rs_row_changes(fx_row(t, "[1]")), 5);
    rowstore_free(rs);
}

/* Redeliveries are recognised as long as the key's version log holds them, however many
 * versions came since (not just the few shown per key). */
static void test_old_redelivery_deep_history(void **state)
{
    struct rowstore *rs = rowstore_new(NULL);
    struct rs_table *t = rowstore_table_new(rs);
    struct rowstore_limits small = {0, 4, 64};
    char tx[16];

    (void)state;
    assert_int_equal(rowstore_limits(rs)->versions, 8);
    for (int i = 0; i < 200; i++) {
        snprintf(tx, sizeof tx, "tx%03d", i);
        ASSERT_OUTCOME(put(rs, t, "[1]", CDC_OP_UPDATE, 1000 + i, tx, "{}", i), RS_APPLIED);
        /* Interleaved redeliveries of earlier versions add to the log as well. */
        if (i % 3 == 2) {
            snprintf(tx, sizeof tx, "tx%03d", i - 2);
            ASSERT_OUTCOME(put(rs, t, "[1]", CDC_OP_UPDATE, 1000 + i - 2, tx, "{}", i),
                           RS_DUPLICATE);
        }
    }
    for (int i = 0; i < 200; i++) {
        snprintf(tx, sizeof tx, "tx%03d", i);
        ASSERT_OUTCOME(put(rs, t, "[1]", CDC_OP_UPDATE, 1000 + i, tx, "{}", 500 + i), RS_DUPLICATE);
    }
    assert_int_equal(rs_row_changes(fx_row(t, "[1]")), 200);
    rowstore_free(rs);

    /* Once the shared log has moved on, an old version is no longer known: stale. */
    rs = rowstore_new(&small);
    t = rowstore_table_new(rs);
    for (int i = 0; i < 100; i++) {
        snprintf(tx, sizeof tx, "tx%03d", i);
        put(rs, t, "[1]", CDC_OP_UPDATE, 1000 + i, tx, "{}", i);
    }
    ASSERT_OUTCOME(put(rs, t, "[1]", CDC_OP_UPDATE, 1000 + 98, "tx098", "{}", 200), RS_DUPLICATE);
    ASSERT_OUTCOME(put(rs, t, "[1]", CDC_OP_UPDATE, 1000 + 5, "tx005", "{}", 201), RS_STALE);
    rowstore_free(rs);
}

static void test_version_history(void **state)
{
    struct rowstore_limits lim = {0, 3, 0};
    struct rowstore *rs = rowstore_new(&lim);
    struct rs_table *t = rowstore_table_new(rs);
    struct rs_version v[8];
    unsigned n;

    (void)state;
    assert_int_equal(rowstore_limits(rs)->versions, 3);
    put(rs, t, "[1]", CDC_OP_CREATE, 10, "tx-a", "{\"v\":1}", 1000);
    n = rs_row_versions(rs, fx_row(t, "[1]"), v, 8);
    assert_int_equal(n, 1);
    assert_true(v[0].commit_ns == 10);
    assert_int_equal(v[0].op, CDC_OP_CREATE);
    assert_int_equal(v[0].mark, RS_APPLIED);
    assert_string_equal(v[0].txid, "tx-a");
    assert_int_equal(v[0].shard, 2);
    assert_true(v[0].seen_ms == 1000);
    assert_true(v[0].arrival_ms == 995);
    assert_string_equal(v[0].seq, FX_SEQ);

    put(rs, t, "[1]", CDC_OP_UPDATE, 20, "tx-b", "{\"v\":2}", 1001);
    put(rs, t, "[1]", CDC_OP_UPDATE, 20, "tx-b", "{\"v\":2}", 1002); /* redelivery */
    put(rs, t, "[1]", CDC_OP_UPDATE, 15, "tx-c", "{\"v\":3}", 1003); /* late */
    put(rs, t, "[2]", CDC_OP_CREATE, 5, "other", "{\"v\":9}", 1004); /* another key */
    /* Newest first, with marks, at most `versions` entries whatever max says. */
    n = rs_row_versions(rs, fx_row(t, "[1]"), v, 8);
    assert_int_equal(n, 3);
    assert_int_equal(v[0].mark, RS_STALE);
    assert_true(v[0].commit_ns == 15);
    assert_string_equal(v[0].txid, "tx-c");
    assert_int_equal(v[1].mark, RS_DUPLICATE);
    assert_true(v[1].commit_ns == 20);
    assert_true(v[1].seen_ms == 1002);
    assert_int_equal(v[2].mark, RS_APPLIED);
    assert_true(v[2].commit_ns == 20);
    assert_int_equal(v[2].op, CDC_OP_UPDATE);
    n = rs_row_versions(rs, fx_row(t, "[1]"), v, 2);
    assert_int_equal(n, 2);
    assert_int_equal(v[0].mark, RS_STALE);
    n = rs_row_versions(rs, fx_row(t, "[2]"), v, 8);
    assert_int_equal(n, 1);
    assert_string_equal(v[0].txid, "other");

    /* A sequence number too long to keep whole keeps its tail, where they differ. */
    {
        char seq[CDC_SEQ_MAX + 1];
        struct rs_change c;
        size_t sl;
        for (int i = 0; i < CDC_SEQ_MAX; i++)
            seq[i] = (char)('0' + i % 10);
        seq[CDC_SEQ_MAX] = '\0';
        memset(&c, 0, sizeof c);
        c.key.p = "[3]";
        c.key.n = 3;
        c.op = CDC_OP_CREATE;
        c.commit_ns = 1;
        c.txid = "t";
        c.image.p = "{}";
        c.image.n = 2;
        c.seq = seq;
        c.seq_len = CDC_SEQ_MAX;
        rowstore_apply(rs, t, &c, 2000);
        assert_int_equal(rs_row_versions(rs, fx_row(t, "[3]"), v, 8), 1);
        sl = strlen(v[0].seq);
        assert_true(sl > 8 && sl < CDC_SEQ_MAX);
        assert_memory_equal(v[0].seq + sl - 8, seq + CDC_SEQ_MAX - 8, 8);
    }
    rowstore_free(rs);
}

/* A small shared log: one key's history is overwritten by others, never mixed with theirs. */
static void test_history_log_wraps(void **state)
{
    struct rowstore_limits lim = {0, 4, 8};
    struct rowstore *rs = rowstore_new(&lim);
    struct rs_table *t = rowstore_table_new(rs);
    struct rs_version v[8];
    char key[16];

    (void)state;
    put(rs, t, "[0]", CDC_OP_CREATE, 1, "k0", "{}", 1);
    for (int i = 1; i <= 20; i++) {
        snprintf(key, sizeof key, "[%d]", i);
        put(rs, t, key, CDC_OP_CREATE, i, "kx", "{}", i);
    }
    /* Key 0's only entry was overwritten. */
    assert_int_equal(rs_row_versions(rs, fx_row(t, "[0]"), v, 8), 0);
    put(rs, t, "[0]", CDC_OP_UPDATE, 50, "k0b", "{}", 30);
    assert_int_equal(rs_row_versions(rs, fx_row(t, "[0]"), v, 8), 1);
    assert_string_equal(v[0].txid, "k0b");
    for (int i = 0; i < 30; i++)
        put(rs, t, "[0]", CDC_OP_UPDATE, 100 + i, "k0c", "{}", 40 + i);
    assert_int_equal(rs_row_versions(rs, fx_row(t, "[0]"), v, 8), 4);
    for (int i = 0; i < 4; i++)
        assert_true(v[i].commit_ns == 129 - i);
    rowstore_free(rs);
}

/* Rows newest change first; only applied changes move a row. */
static void test_recency_order(void **state)
{
    struct rowstore *rs = rowstore_new(NULL);
    struct rs_table *t = rowstore_table_new(rs);
    const char *want[] = {"[2]", "[3]", "[1]"};
    const struct rs_row *r;
    int i = 0;

    (void)state;
    put(rs, t, "[1]", CDC_OP_CREATE, 10, "a", "{}", 1);
    put(rs, t, "[2]", CDC_OP_CREATE, 10, "a", "{}", 2);
    put(rs, t, "[3]", CDC_OP_CREATE, 10, "a", "{}", 3);
    put(rs, t, "[1]", CDC_OP_CREATE, 10, "a", "{}", 4); /* duplicate: no move */
    put(rs, t, "[1]", CDC_OP_CREATE, 5, "a", "{}", 5);  /* stale: no move */
    put(rs, t, "[2]", CDC_OP_DELETE, 20, "b", NULL, 6); /* applied: moves */
    for (r = rs_table_newest(t); r; r = rs_row_older(r), i++) {
        struct jspan k = rs_row_key(r);
        assert_true(i < 3);
        assert_int_equal(k.n, strlen(want[i]));
        assert_memory_equal(k.p, want[i], k.n);
    }
    assert_int_equal(i, 3);
    assert_true(rs_row_changed_ms(rs_table_newest(t)) == 6);
    rowstore_free(rs);
}

/* Bytes held by one row with a 6-byte key, a 2-byte txId and a 22-byte image (put_key with a
 * four-digit id). */
static size_t row_cost(size_t *base)
{
    struct rowstore *rs = rowstore_new(NULL);
    struct rs_table *t = rowstore_table_new(rs);
    size_t before = rowstore_stats(rs)->bytes, cost;
    put(rs, t, "[1000]", CDC_OP_CREATE, 1, "tx", "{\"id\":1000,\"v\":\"abcd\"}", 1);
    cost = rowstore_stats(rs)->bytes - before;
    assert_int_equal(rowstore_stats(rs)->row_bytes, 22);
    *base = before;
    rowstore_free(rs);
    return cost;
}

static void put_key(struct rowstore *rs, struct rs_table *t, int id, int64_t commit, int64_t now)
{
    char key[16], img[64];
    snprintf(key, sizeof key, "[%d]", id);
    snprintf(img, sizeof img, "{\"id\":%d,\"v\":\"abcd\"}", id);
    assert_int_equal(strlen(img), 22);
    put(rs, t, key, CDC_OP_CREATE, commit, "tx", img, now);
}

static bool has_key(const struct rs_table *t, int id)
{
    char key[16];
    snprintf(key, sizeof key, "[%d]", id);
    return fx_row(t, key) != NULL;
}

static void test_eviction(void **state)
{
    size_t base, cost = row_cost(&base);
    struct rowstore_limits lim = {0, 0, 0};
    struct rowstore *rs;
    struct rs_table *t;

    (void)state;
    assert_true(cost > 22);
    /* Room for three rows. */
    lim.max_bytes = base + 3 * cost + cost / 2;
    rs = rowstore_new(&lim);
    t = rowstore_table_new(rs);
    for (int i = 0; i < 10; i++) {
        put_key(rs, t, 1000 + i, 1, i);
        assert_true(rowstore_stats(rs)->bytes <= lim.max_bytes);
    }
    assert_int_equal(rowstore_stats(rs)->evicted, 7);
    assert_int_equal(rowstore_stats(rs)->keys, 3);
    assert_int_equal(rs_table_live(t), 3);
    assert_int_equal(rowstore_stats(rs)->bytes, base + 3 * cost);
    for (int i = 0; i < 10; i++)
        assert_int_equal(has_key(t, 1000 + i), i >= 7);
    rowstore_free(rs);

    /* Least recently *changed* goes first: an update refreshes, a stale or duplicate does not. */
    rs = rowstore_new(&lim);
    t = rowstore_table_new(rs);
    put_key(rs, t, 1000, 1, 1);
    put_key(rs, t, 1001, 1, 2);
    put_key(rs, t, 1002, 1, 3);
    put_key(rs, t, 1000, 2, 4); /* update: 1000 is now the most recent */
    put_key(rs, t, 1003, 1, 5);
    assert_false(has_key(t, 1001));
    assert_true(has_key(t, 1000) && has_key(t, 1002) && has_key(t, 1003));
    put_key(rs, t, 1002, 0, 6); /* stale */
    put_key(rs, t, 1002, 1, 7); /* duplicate */
    put_key(rs, t, 1004, 1, 8);
    assert_false(has_key(t, 1002));
    assert_true(has_key(t, 1000) && has_key(t, 1003) && has_key(t, 1004));
    assert_int_equal(rowstore_stats(rs)->evicted, 2);
    rowstore_free(rs);

    /* A cap below one row: the key just written is never the one evicted. */
    lim.max_bytes = base + cost / 2;
    rs = rowstore_new(&lim);
    t = rowstore_table_new(rs);
    for (int i = 0; i < 5; i++) {
        put_key(rs, t, 1000 + i, 1, i);
        assert_true(has_key(t, 1000 + i));
        assert_int_equal(rowstore_stats(rs)->keys, 1);
    }
    assert_int_equal(rowstore_stats(rs)->evicted, 4);
    rowstore_free(rs);
}

/* Across tables, the least recently changed key of any table goes first. */
static void test_eviction_across_tables(void **state)
{
    size_t base, cost = row_cost(&base);
    struct rowstore_limits lim = {0, 0, 0};
    struct rowstore *rs;
    struct rs_table *a, *b;
    size_t table_cost;

    (void)state;
    {
        struct rowstore *probe = rowstore_new(NULL);
        size_t one;
        rowstore_table_new(probe);
        one = rowstore_stats(probe)->bytes;
        rowstore_table_new(probe);
        table_cost = rowstore_stats(probe)->bytes - one;
        rowstore_free(probe);
    }
    lim.max_bytes = base + table_cost + 3 * cost + cost / 2;
    rs = rowstore_new(&lim);
    a = rowstore_table_new(rs);
    b = rowstore_table_new(rs);
    put_key(rs, a, 1000, 1, 1);
    put_key(rs, b, 2000, 1, 2);
    put_key(rs, a, 1001, 1, 3);
    put_key(rs, b, 2001, 1, 4); /* evicts a's 1000 */
    assert_false(has_key(a, 1000));
    put_key(rs, a, 1002, 1, 5); /* evicts b's 2000 */
    assert_false(has_key(b, 2000));
    assert_true(has_key(a, 1001) && has_key(a, 1002) && has_key(b, 2001));
    assert_int_equal(rowstore_stats(rs)->evicted, 2);
    rowstore_free(rs);
}

/* Memory held outside the store under the same cap (the model's tables and shards): rows make
 * room for it, least recently changed first, and the row changed last stays whatever it takes. */
static void test_reserve(void **state)
{
    size_t base, cost = row_cost(&base);
    struct rowstore_limits lim = {0, 0, 0};
    struct rowstore *rs;
    struct rs_table *t;

    (void)state;
    lim.max_bytes = base + 3 * cost + cost / 2;
    rs = rowstore_new(&lim);
    t = rowstore_table_new(rs);
    for (int i = 0; i < 3; i++)
        put_key(rs, t, 1000 + i, 1, i);
    assert_int_equal(rowstore_stats(rs)->keys, 3);
    rowstore_reserve(rs, cost);
    assert_int_equal(rowstore_stats(rs)->evicted, 1);
    assert_false(has_key(t, 1000));
    assert_true(has_key(t, 1001) && has_key(t, 1002));
    put_key(rs, t, 1003, 1, 10); /* room for two rows now */
    assert_false(has_key(t, 1001));
    assert_int_equal(rowstore_stats(rs)->keys, 2);
    assert_true(rowstore_stats(rs)->bytes + cost <= lim.max_bytes);
    rowstore_reserve(rs, 0); /* given back: nothing evicted, room for three again */
    put_key(rs, t, 1004, 1, 11);
    assert_int_equal(rowstore_stats(rs)->keys, 3);
    assert_int_equal(rowstore_stats(rs)->evicted, 2);
    rowstore_reserve(rs, lim.max_bytes); /* everything: only the last row changed stays */
    assert_int_equal(rowstore_stats(rs)->keys, 1);
    assert_true(has_key(t, 1004));
    assert_int_equal(rowstore_stats(rs)->evicted, 4);
    rowstore_free(rs);
}

/* Many keys through a bounded store: index growth and removal keep every lookup right. */
static void test_many_keys(void **state)
{
    size_t base, cost = row_cost(&base);
    struct rowstore_limits lim = {0, 0, 0};
    struct rowstore *rs;
    struct rs_table *t;
    const int n = 6000;

    (void)state;
    rs = rowstore_new(NULL);
    t = rowstore_table_new(rs);
    for (int i = 0; i < n; i++)
        put_key(rs, t, 1000 + i * 7919 % n, 1, i);
    for (int i = 0; i < n; i++)
        assert_true(has_key(t, 1000 + i));
    assert_false(has_key(t, 1000 + n));
    assert_int_equal(rs_table_live(t), n);
    rowstore_free(rs);

    /* Enough room for 2500 rows, including the index grown for them. */
    lim.max_bytes = base + 2500 * cost + 64 * 1024;
    rs = rowstore_new(&lim);
    t = rowstore_table_new(rs);
    for (int i = 0; i < n; i++)
        put_key(rs, t, 1000 + i, 1, i);
    uint64_t kept = rowstore_stats(rs)->keys;
    assert_true(kept >= 2500 && kept < (uint64_t)n);
    assert_int_equal(rowstore_stats(rs)->evicted, (uint64_t)n - kept);
    for (int i = 0; i < n; i++)
        assert_int_equal(has_key(t, 1000 + i), (uint64_t)i >= (uint64_t)n - kept);
    rowstore_free(rs);
}

static void test_stats(void **state)
{
    struct rowstore *rs = rowstore_new(NULL);
    struct rs_table *t = rowstore_table_new(rs);
    const struct rowstore_stats *st = rowstore_stats(rs);

    (void)state;
    put(rs, t, "[1]", CDC_OP_CREATE, 1, "a", "{\"v\":\"12345\"}", 1); /* 13 bytes */
    put(rs, t, "[2]", CDC_OP_CREATE, 1, "a", "{\"v\":1}", 1);         /* 7 bytes */
    assert_int_equal(st->row_bytes, 20);
    put(rs, t, "[1]", CDC_OP_UPDATE, 2, "b", "{}", 2);
    assert_int_equal(st->row_bytes, 9);
    put(rs, t, "[2]", CDC_OP_DELETE, 2, "b", NULL, 2);
    assert_int_equal(st->row_bytes, 2);
    assert_int_equal(st->keys, 2);
    assert_int_equal(st->live, 1);
    assert_int_equal(st->tombstones, 1);
    assert_int_equal(st->evicted, 0);
    assert_true(st->bytes > st->row_bytes);
    rowstore_free(rs);
}

/* Re-keying: rows move to their new keys; rows that now share a key merge by last write wins. */
static void test_rekey(void **state)
{
    struct rowstore *rs = rowstore_new(NULL);
    struct rs_table *t = rowstore_table_new(rs);
    struct pk_def def;
    struct rs_version v[8];

    (void)state;
    /* Keyed by (shipment_id, carrier_id) so far. */
    put(rs, t, "[1,7]", CDC_OP_CREATE, 10, "a", "{\"shipment_id\":1,\"carrier_id\":7,\"s\":\"x\"}",
        1);
    put(rs, t, "[2,7]", CDC_OP_CREATE, 15, "b", "{\"shipment_id\":2,\"carrier_id\":7,\"s\":\"y\"}",
        2);
    put(rs, t, "[1,8]", CDC_OP_UPDATE, 20, "c", "{\"shipment_id\":1,\"carrier_id\":8,\"s\":\"z\"}",
        3);
    put(rs, t, "[3,9]", CDC_OP_DELETE, 25, "d", NULL, 4); /* a tombstone has no image */
    put(rs, t, "[4,1]", CDC_OP_CREATE, 30, "e", "{\"carrier_id\":1,\"s\":\"no id\"}", 5);
    assert_int_equal(rowstore_stats(rs)->keys, 5);

    assert_true(pk_learn(&def, fx_json("{\"shipment_id\":1}")));
    rowstore_rekey(rs, t, &def);
    /* [1,7] and [1,8] are both shipment 1: the newer (commit 20) wins. */
    FX_ASSERT_ROW(t, "[1]", "{\"shipment_id\":1,\"carrier_id\":8,\"s\":\"z\"}");
    assert_true(rs_row_commit_ns(fx_row(t, "[1]")) == 20);
    FX_ASSERT_ROW(t, "[2]", "{\"shipment_id\":2,\"carrier_id\":7,\"s\":\"y\"}");
    assert_null(fx_row(t, "[1,7]"));
    assert_null(fx_row(t, "[1,8]"));
    assert_null(fx_row(t, "[2,7]"));
    /* Rows without the new key columns keep their old key. */
    FX_ASSERT_ROW(t, "[3,9]", NULL);
    FX_ASSERT_ROW(t, "[4,1]", "{\"carrier_id\":1,\"s\":\"no id\"}");
    assert_int_equal(rowstore_stats(rs)->keys, 4);
    assert_int_equal(rowstore_stats(rs)->live, 3);
    assert_int_equal(rowstore_stats(rs)->tombstones, 1);
    assert_int_equal(rs_table_live(t), 3);
    /* History follows the row. */
    assert_int_equal(rs_row_versions(rs, fx_row(t, "[2]"), v, 8), 1);
    assert_string_equal(v[0].txid, "b");
    /* New changes land on the new keys, and old versions are still recognised. */
    ASSERT_OUTCOME(put(rs, t, "[2]", CDC_OP_CREATE, 15, "b", "{\"shipment_id\":2}", 6),
                   RS_DUPLICATE);
    ASSERT_RESULT(put(rs, t, "[2]", CDC_OP_DELETE, 40, "f", NULL, 7), RS_APPLIED, CDC_DELETE);
    ASSERT_OUTCOME(put(rs, t, "[1]", CDC_OP_UPDATE, 12, "g", "{\"shipment_id\":1}", 8), RS_STALE);
    FX_ASSERT_ROW(t, "[1]", "{\"shipment_id\":1,\"carrier_id\":8,\"s\":\"z\"}");
    /* Recency order survives: newest first. */
    {
        const struct rs_row *r = rs_table_newest(t);
        struct jspan k = rs_row_key(r);
        assert_int_equal(k.n, 3);
        assert_memory_equal(k.p, "[2]", 3);
    }
    rowstore_free(rs);
}

/* The merge keeps the newer row whichever of the two was changed more recently. */
static void test_rekey_merge_order(void **state)
{
    (void)state;
    for (int order = 0; order < 2; order++) {
        struct rowstore *rs = rowstore_new(NULL);
        struct rs_table *t = rowstore_table_new(rs);
        struct pk_def def;
        if (order == 0) {
            put(rs, t, "[\"a\",1]", CDC_OP_CREATE, 50, "x", "{\"k\":\"a\",\"n\":1}", 1);
            put(rs, t, "[\"a\",2]", CDC_OP_CREATE, 40, "y", "{\"k\":\"a\",\"n\":2}", 2);
        } else {
            put(rs, t, "[\"a\",2]", CDC_OP_CREATE, 40, "y", "{\"k\":\"a\",\"n\":2}", 1);
            put(rs, t, "[\"a\",1]", CDC_OP_CREATE, 50, "x", "{\"k\":\"a\",\"n\":1}", 2);
        }
        assert_true(pk_learn(&def, fx_json("{\"k\":\"a\"}")));
        rowstore_rekey(rs, t, &def);
        FX_ASSERT_ROW(t, "[\"a\"]", "{\"k\":\"a\",\"n\":1}");
        assert_int_equal(rowstore_stats(rs)->keys, 1);
        assert_int_equal(rs_table_live(t), 1);
        rowstore_free(rs);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_kinds),
        cmocka_unit_test(test_duplicates),
        cmocka_unit_test(test_reordering),
        cmocka_unit_test(test_tombstone_blocks_resurrection),
        cmocka_unit_test(test_ties_broken_by_txid),
        cmocka_unit_test(test_old_redelivery_is_duplicate),
        cmocka_unit_test(test_old_redelivery_deep_history),
        cmocka_unit_test(test_version_history),
        cmocka_unit_test(test_history_log_wraps),
        cmocka_unit_test(test_recency_order),
        cmocka_unit_test(test_eviction),
        cmocka_unit_test(test_eviction_across_tables),
        cmocka_unit_test(test_reserve),
        cmocka_unit_test(test_many_keys),
        cmocka_unit_test(test_stats),
        cmocka_unit_test(test_rekey),
        cmocka_unit_test(test_rekey_merge_order),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}

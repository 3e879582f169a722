/* Tests of the whole pipeline (model.c: decode → key → row store → metrics) and of the JSON
 * snapshot (report.c). The central one checks that the reconstructed rows equal what the SQL in
 * rowstore.h gives over the distinct changes, for random histories delivered in random orders
 * with redeliveries. */
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

#include "buf.h"
#include "fixture.h"
#include "jscan.h"
#include "model.h"
#include "pk.h"
#include "report.h"
#include "rng.h"
#include "rowstore.h"

#define BASE_NS FX_COMMIT_NS

/* 0 <= result < n, drawn by splitmix64 from *s. */
static unsigned rnd(uint64_t *s, unsigned n)
{
    return (unsigned)(rng_splitmix64(s) % n);
}

/* --- random change histories --- */

enum { T_ORDERS, T_ITEMS, T_ACCOUNTS, NTABLES };

static const char *const schema_of[NTABLES] = {"public", "public", "sales"};
static const char *const table_of[NTABLES] = {"orders", "order_items", "accounts"};
static const unsigned nkeys_of[NTABLES] = {120, 150, 80};
static const char *const pk_spec_of[NTABLES] = {
    "public.orders=order_id", "public.order_items=order_id,item_id", "sales.accounts=account_id"};
static const char *const pk_cols_of[NTABLES] = {"order_id", "order_id,item_id", "account_id"};

struct change {
    unsigned table;
    unsigned key;
    const char *op; /* "c", "u", "d", or another op ("r", "x", "") */
    int64_t commit_ns;
    int64_t emit_ns;
    char txid[27];
    unsigned region; /* accounts: a non-key column the guessed key includes */
    unsigned serial;
};

struct history {
    struct change *ch;
    size_t n;
    size_t distinct_per_table[NTABLES];
    size_t by_op_per_table[NTABLES][4]; /* c+u, d, other; [3] unused */
};

static unsigned key_slot(unsigned table, unsigned key)
{
    unsigned slot = key;
    for (unsigned t = 0; t < table; t++)
        slot += nkeys_of[t];
    return slot;
}

#define NSLOTS (120 + 150 + 80)

/* Key text as pk_key writes it for the table's real key. */
static void key_text(char *out, size_t cap, unsigned table, unsigned key)
{
    switch (table) {
    case T_ORDERS:
        snprintf(out, cap, "[%u]", 1000 + key);
        break;
    case T_ITEMS:
        snprintf(out, cap, "[%u,%u]", 1 + key / 5, 1 + key % 5);
        break;
    default:
        snprintf(out, cap, "[%u]", 5000 + key);
        break;
    }
}

static void after_text(char *out, size_t cap, const struct change *c)
{
    static const char *const status[] = {"new", "paid", "shipped", "cancelled"};
    switch (c->table) {
    case T_ORDERS:
        snprintf(out, cap, "{\"order_id\":%u,\"status\":\"%s\",\"amount\":\"%u.%02u\",\"v\":%u}",
                 1000 + c->key, status[c->serial % 4], c->serial % 997, c->serial % 100, c->serial);
        break;
    case T_ITEMS:
        snprintf(out, cap,
                 "{\"order_id\":%u,\"item_id\":%u,\"quantity\":%u,\"price\":\"%u.50\","
                 "\"note\":\"line\\n\\\"%u\\\"\",\"v\":%u}",
                 1 + c->key / 5, 1 + c->key % 5, c->serial % 9, c->serial % 50, c->serial,
                 c->serial);
        break;
    default:
        snprintf(out, cap,
                 "{\"region_id\":%u,\"account_id\":%u,\"balance\":123456789012345678901234567%03u,"
                 "\"ratio\":1.50,\"v\":%u}",
                 c->region, 5000 + c->key, c->serial % 1000, c->serial);
        break;
    }
}

static void before_text(char *out, size_t cap, const struct change *c)
{
    switch (c->table) {
    case T_ORDERS:
        snprintf(out, cap, "{\"order_id\":%u}", 1000 + c->key);
        break;
    case T_ITEMS:
        snprintf(out, cap, "{\"order_id\":%u,\"item_id\":%u}", 1 + c->key / 5, 1 + c->key % 5);
        break;
    default:
        snprintf(out, cap, "{\"account_id\":%u}", 5000 + c->key);
        break;
    }
}

static void record_of(struct buf *b, const struct change *c)
{
    char before[128], after[256];
    bool del = strcmp(c->op, "d") == 0;
    if (del)
        before_text(before, sizeof before, c);
    else
        after_text(after, sizeof after, c);
    fx_record(b, &(struct fx_change){c->op, del ? before : NULL, del ? NULL : after, c->commit_ns,
                                     c->emit_ns, c->txid, schema_of[c->table], table_of[c->table]});
}

static int op_class(const char *op)
{
    if (strcmp(op, "c") == 0 || strcmp(op, "u") == 0)
        return 0;
    return strcmp(op, "d") == 0 ? 1 : 2;
}

/* Transactions of 1-3 rows, commit times with many ties, random base32 txIds. The accounts'
 * region is fixed per account unless moving_regions. */
static void gen_history(struct history *h, uint64_t seed, size_t n, bool moving_regions)
{
    static const char *const ops[] = {"c", "c", "c", "u", "u", "u", "u", "d", "d", "r", "x", ""};
    uint64_t s = seed;
    unsigned serial = 0;

    memset(h, 0, sizeof *h);
    h->ch = calloc(n, sizeof *h->ch);
    assert_non_null(h->ch);
    while (h->n < n) {
        size_t start = h->n;
        unsigned rows = 1 + rnd(&s, 3);
        int64_t commit = BASE_NS + (int64_t)rnd(&s, (unsigned)(n / 3)) * 1000000 + rnd(&s, 3);
        char txid[27];
        fx_txid(&s, txid);
        for (unsigned r = 0; r < rows && h->n < n; r++) {
            struct change *c = &h->ch[h->n];
            bool clash = false;
            c->table = rnd(&s, NTABLES);
            c->key = rnd(&s, nkeys_of[c->table]);
            /* One record per row per transaction (write-set compaction). */
            for (size_t k = start; k < h->n; k++)
                if (h->ch[k].table == c->table && h->ch[k].key == c->key)
                    clash = true;
            if (clash)
                continue;
            c->op = ops[rnd(&s, sizeof ops / sizeof ops[0])];
            c->commit_ns = commit;
            /* Emitted up to 200 ms later, sometimes a little earlier (clock skew). */
            c->emit_ns = commit + (int64_t)rnd(&s, 200000000) - 5000000;
            memcpy(c->txid, txid, sizeof txid);
            c->region = moving_regions ? 1 + rnd(&s, 3) : 1 + c->key % 4;
            c->serial = ++serial;
            h->distinct_per_table[c->table]++;
            h->by_op_per_table[c->table][op_class(c->op)]++;
            h->n++;
        }
    }
}

/* ROW_NUMBER() OVER (PARTITION BY key ORDER BY commit_ts DESC, txid DESC) = 1. */
static bool newer(const struct change *a, const struct change *b)
{
    if (a->commit_ns != b->commit_ns)
        return a->commit_ns > b->commit_ns;
    return strcmp(a->txid, b->txid) > 0;
}

struct oracle {
    const struct change *winner[NSLOTS]; /* NULL: key never changed */
};

static void oracle_build(struct oracle *o, const struct history *h)
{
    memset(o, 0, sizeof *o);
    for (size_t i = 0; i < h->n; i++) {
        const struct change *c = &h->ch[i];
        const struct change **w = &o->winner[key_slot(c->table, c->key)];
        if (!*w || newer(c, *w))
            *w = c;
    }
}

/* Deliveries: every change once, some several times, in an order. */
struct delivery {
    unsigned *idx;
    size_t n;
    size_t redeliveries[NTABLES];
};

/* ORDER_DELETES_LAST: random, but every delete after every other change, so that keys are
 * learned only once many rows are tracked under the guessed key. */
enum order_kind { ORDER_RANDOM, ORDER_COMMIT_ASC, ORDER_COMMIT_DESC, ORDER_DELETES_LAST };

static const struct history *sort_history; /* for qsort */

static int cmp_commit_asc(const void *a, const void *b)
{
    const struct change *x = &sort_history->ch[*(const unsigned *)a];
    const struct change *y = &sort_history->ch[*(const unsigned *)b];
    if (x->commit_ns != y->commit_ns)
        return x->commit_ns < y->commit_ns ? -1 : 1;
    int c = strcmp(x->txid, y->txid);
    if (c)
        return c;
    return *(const unsigned *)a < *(const unsigned *)b
               ? -1
               : *(const unsigned *)a > *(const unsigned *)b;
}

static int cmp_commit_desc(const void *a, const void *b)
{
    return cmp_commit_asc(b, a);
}

static void gen_delivery(struct delivery *d, const struct history *h, uint64_t seed,
                         enum order_kind kind)
{
    uint64_t s = seed;
    size_t cap = h->n * 3;

    memset(d, 0, sizeof *d);
    d->idx = malloc(cap * sizeof *d->idx);
    assert_non_null(d->idx);
    for (size_t i = 0; i < h->n; i++) {
        unsigned copies = 1;
        if (rnd(&s, 100) < 20)
            copies += 1 + rnd(&s, 3); /* at-least-once: up to three redeliveries */
        for (unsigned k = 0; k < copies; k++)
            d->idx[d->n++] = (unsigned)i;
        d->redeliveries[h->ch[i].table] += copies - 1;
    }
    if (kind == ORDER_RANDOM || kind == ORDER_DELETES_LAST) {
        for (size_t i = d->n - 1; i > 0; i--) {
            size_t j = (size_t)(rng_splitmix64(&s) % (i + 1));
            unsigned tmp = d->idx[i];
            d->idx[i] = d->idx[j];
            d->idx[j] = tmp;
        }
        if (kind == ORDER_DELETES_LAST) {
            unsigned *tmp = malloc(d->n * sizeof *tmp);
            size_t o = 0;
            assert_non_null(tmp);
            for (int pass = 0; pass < 2; pass++)
                for (size_t i = 0; i < d->n; i++)
                    if ((strcmp(h->ch[d->idx[i]].op, "d") == 0) == (pass == 1))
                        tmp[o++] = d->idx[i];
            memcpy(d->idx, tmp, d->n * sizeof *tmp);
            free(tmp);
        }
    } else {
        sort_history = h;
        qsort(d->idx, d->n, sizeof *d->idx,
              kind == ORDER_COMMIT_ASC ? cmp_commit_asc : cmp_commit_desc);
    }
}

/* Changes that arrive, for the first time, after a newer change of the same key. */
static uint64_t expected_stale(const struct history *h, const struct delivery *d)
{
    const struct change *latest[NSLOTS] = {NULL};
    bool *seen = calloc(h->n, sizeof *seen);
    uint64_t stale = 0;
    assert_non_null(seen);
    for (size_t i = 0; i < d->n; i++) {
        const struct change *c = &h->ch[d->idx[i]];
        const struct change **l = &latest[key_slot(c->table, c->key)];
        if (seen[d->idx[i]])
            continue;
        seen[d->idx[i]] = true;
        if (*l && newer(*l, c))
            stale++;
        else
            *l = c;
    }
    free(seen);
    return stale;
}

static struct model *run(const struct history *h, const struct delivery *d, bool configured)
{
    struct model_config cfg;
    struct model *m;
    struct buf rec;

    model_config_defaults(&cfg);
    m = model_new(&cfg, 1000);
    if (configured) {
        for (unsigned t = 0; t < NTABLES; t++) {
            const char *err = NULL;
            assert_true(model_configure_pk(m, pk_spec_of[t], &err));
        }
    }
    buf_init(&rec);
    for (size_t i = 0; i < d->n; i++) {
        record_of(&rec, &h->ch[d->idx[i]]);
        struct cdc_raw raw = fx_raw(rec.data, rec.len);
        model_ingest(m, &raw, 2000 + (int64_t)i);
    }
    buf_free(&rec);
    return m;
}

static void assert_pk(const struct model_table *t, const char *cols, enum pk_source src)
{
    char list[256] = "";
    size_t o = 0;
    for (unsigned i = 0; i < t->pk.ncols; i++)
        o += (size_t)snprintf(list + o, sizeof list - o, "%s%s", i ? "," : "", t->pk.cols[i]);
    assert_string_equal(list, cols);
    assert_int_equal(t->pk.source, src);
}

/* Compares the model's rows with the oracle; appends a canonical dump of the state to dump. */
static void check_rows(const struct model *m, const struct oracle *o, struct buf *dump)
{
    for (unsigned t = 0; t < NTABLES; t++) {
        const struct model_table *mt = model_table_find(m, schema_of[t], table_of[t]);
        uint64_t want_live = 0, want_dead = 0, rows = 0, live = 0;
        assert_non_null(mt);
        for (unsigned k = 0; k < nkeys_of[t]; k++) {
            const struct change *w = o->winner[key_slot(t, k)];
            char key[64], img[256];
            const struct rs_row *r;
            key_text(key, sizeof key, t, k);
            r = fx_row(mt->rows, key);
            if (!w) {
                assert_null(r);
                continue;
            }
            if (!r)
                fail_msg("%s: no row for %s", table_of[t], key);
            if (rs_row_commit_ns(r) != w->commit_ns || strcmp(rs_row_txid(r), w->txid) != 0)
                fail_msg("%s %s: row at %" PRId64 "/%s, want %" PRId64 "/%s (op %s)", table_of[t],
                         key, rs_row_commit_ns(r), rs_row_txid(r), w->commit_ns, w->txid, w->op);
            if (strcmp(w->op, "d") == 0) {
                want_dead++;
                assert_false(rs_row_live(r));
                assert_null(rs_row_image(r).p);
                buf_printf(dump, "%s %s deleted %" PRId64 "\n", table_of[t], key, w->commit_ns);
            } else {
                struct jspan im = rs_row_image(r);
                want_live++;
                assert_true(rs_row_live(r));
                after_text(img, sizeof img, w);
                if (im.n != strlen(img) || memcmp(im.p, img, im.n) != 0)
                    fail_msg("%s %s: row <%.*s>, want <%s>", table_of[t], key, (int)im.n, im.p,
                             img);
                buf_printf(dump, "%s %s %.*s\n", table_of[t], key, (int)im.n, im.p);
            }
        }
        /* No other rows: walk the table newest first. */
        for (const struct rs_row *r = rs_table_newest(mt->rows); r; r = rs_row_older(r)) {
            rows++;
            if (rs_row_live(r)) {
                live++;
                assert_non_null(rs_row_image(r).p);
            }
        }
        assert_int_equal(rows, want_live + want_dead);
        assert_int_equal(live, want_live);
        assert_int_equal(rs_table_live(mt->rows), want_live);
        assert_int_equal(rs_table_tombstones(mt->rows), want_dead);
    }
}

/* Distinct changes per table, redeliveries, stale ones. */
static void check_counters(const struct model *m, const struct history *h, const struct delivery *d)
{
    uint64_t redeliveries = 0, distinct = 0;
    for (unsigned t = 0; t < NTABLES; t++) {
        const struct model_table *mt = model_table_find(m, schema_of[t], table_of[t]);
        const uint64_t *ch = mt->m.changes;
        uint64_t sum = ch[CDC_INSERT] + ch[CDC_UPDATE] + ch[CDC_DELETE] + ch[CDC_UPSERT];
        if (sum != h->distinct_per_table[t])
            fail_msg("%s: %" PRIu64 " changes counted, %zu distinct delivered", table_of[t], sum,
                     h->distinct_per_table[t]);
        assert_int_equal(ch[CDC_INSERT] + ch[CDC_UPDATE], h->by_op_per_table[t][0]);
        assert_int_equal(ch[CDC_DELETE], h->by_op_per_table[t][1]);
        assert_int_equal(ch[CDC_UPSERT], h->by_op_per_table[t][2]);
        assert_int_equal(mt->m.duplicates, d->redeliveries[t]);
        assert_int_equal(mt->m.records, h->distinct_per_table[t] + d->redeliveries[t]);
        assert_int_equal(mt->unkeyed, 0);
        redeliveries += d->redeliveries[t];
        distinct += h->distinct_per_table[t];
    }
    assert_int_equal(m->totals.records, d->n);
    assert_int_equal(m->totals.decoded, d->n);
    assert_int_equal(m->totals.undecodable, 0);
    assert_int_equal(m->totals.unkeyed, 0);
    assert_int_equal(m->totals.duplicates, redeliveries);
    assert_int_equal(m->totals.stale, expected_stale(h, d));
    assert_int_equal(metrics_total_changes(&m->all), distinct);
    assert_int_equal(m->all.duplicates, redeliveries);
}

static void free_history(struct history *h)
{
    free(h->ch);
}

/* Several seeds, several delivery orders: equal to the SQL, and equal across orders. */
static void sql_agreement(bool configured, bool moving_regions, const uint64_t *seeds,
                          size_t nseeds, size_t nchanges, const enum order_kind *orders,
                          unsigned norders, bool counters)
{
    for (size_t si = 0; si < nseeds; si++) {
        struct history h;
        struct oracle o;
        struct buf first, dump;
        gen_history(&h, seeds[si], nchanges, moving_regions);
        oracle_build(&o, &h);
        buf_init(&first);
        buf_init(&dump);
        for (unsigned oi = 0; oi < norders; oi++) {
            struct delivery d;
            gen_delivery(&d, &h, seeds[si] * 31 + oi, orders[oi]);
            struct model *m = run(&h, &d, configured);
            for (unsigned t = 0; t < NTABLES; t++) {
                const struct model_table *mt = model_table_find(m, schema_of[t], table_of[t]);
                assert_non_null(mt);
                assert_pk(mt, pk_cols_of[t], configured ? PK_CONFIGURED : PK_LEARNED);
            }
            buf_reset(&dump);
            check_rows(m, &o, &dump);
            if (counters)
                check_counters(m, &h, &d);
            if (oi == 0) {
                buf_append(&first, dump.data, dump.len);
            } else {
                assert_int_equal(dump.len, first.len);
                assert_memory_equal(dump.data, first.data, dump.len);
            }
            model_free(m);
            free(d.idx);
        }
        buf_free(&first);
        buf_free(&dump);
        free_history(&h);
    }
}

static void test_sql_agreement_configured_keys(void **state)
{
    static const uint64_t seeds[] = {1, 20260708, 0xdeadbeef};
    static const enum order_kind orders[] = {ORDER_RANDOM, ORDER_COMMIT_DESC, ORDER_COMMIT_ASC,
                                             ORDER_RANDOM};
    (void)state;
    sql_agreement(true, false, seeds, 3, 4000, orders, 4, true);
}

/* The same without --pk: keys are guessed, then learned from the first delete of each table
 * (accounts are guessed as (region_id, account_id) and re-keyed to account_id). */
static void test_sql_agreement_learned_keys(void **state)
{
    static const uint64_t seeds[] = {7, 1705318200};
    static const enum order_kind orders[] = {ORDER_RANDOM, ORDER_DELETES_LAST, ORDER_COMMIT_ASC};
    (void)state;
    sql_agreement(false, false, seeds, 2, 4000, orders, 3, true);
}

/* Learned keys where an account's rows sit under several guessed keys (its region moves) until
 * the first delete: re-keying merges them by last write wins, so the rows still equal the SQL. */
static void test_sql_agreement_learned_merge(void **state)
{
    static const uint64_t seeds[] = {99, 4242};
    static const enum order_kind orders[] = {ORDER_DELETES_LAST, ORDER_RANDOM, ORDER_COMMIT_DESC};
    (void)state;
    sql_agreement(false, true, seeds, 2, 3000, orders, 3, false);
}

/* --- key learning through the pipeline --- */

/* Guessed as the leading *_id run (warehouse_id, bin_id, sku_id); the real key is
 * (warehouse_id, sku_id). Rows of one real key under several guessed keys merge on learning. */
static void test_learn_composite_key_merges(void **state)
{
    static const char a1[] = "{\"warehouse_id\":1,\"bin_id\":5,\"sku_id\":100,\"qty\":3}";
    static const char a2[] = "{\"warehouse_id\":1,\"bin_id\":6,\"sku_id\":100,\"qty\":2}";
    static const char b1[] = "{\"warehouse_id\":1,\"bin_id\":5,\"sku_id\":200,\"qty\":9}";
    static const char c1[] = "{\"warehouse_id\":2,\"bin_id\":1,\"sku_id\":100,\"qty\":1}";
    (void)state;
    for (int order = 0; order < 2; order++) {
        struct model *m = model_new(NULL, 0);
        struct model_table *t;
        /* The move to bin 6 (commit +20) arrives before or after the insert (commit +10). */
        for (int i = 0; i < 2; i++) {
            bool first_a1 = (i == 0) == (order == 0);
            fx_ingest_change(m,
                             &(struct fx_change){first_a1 ? "c" : "u", "null", first_a1 ? a1 : a2,
                                                 BASE_NS + (first_a1 ? 10 : 20), BASE_NS + 100,
                                                 first_a1 ? "tx1" : "tx2", "public", "stock"},
                             1);
        }
        fx_ingest_change(m,
                         &(struct fx_change){"c", "null", b1, BASE_NS + 15, BASE_NS + 100, "tx3",
                                             "public", "stock"},
                         2);
        fx_ingest_change(m,
                         &(struct fx_change){"c", "null", c1, BASE_NS + 16, BASE_NS + 100, "tx4",
                                             "public", "stock"},
                         3);
        t = model_table_find(m, "public", "stock");
        assert_non_null(t);
        assert_pk(t, "warehouse_id,bin_id,sku_id", PK_GUESSED);
        assert_int_equal(rowstore_stats(m->rs)->keys, 4);
        FX_ASSERT_ROW(t->rows, "[1,5,100]", a1);
        FX_ASSERT_ROW(t->rows, "[1,6,100]", a2);

        /* A delete shows the real key. */
        fx_ingest_change(m,
                         &(struct fx_change){"d", "{\"warehouse_id\":1,\"sku_id\":200}", "null",
                                             BASE_NS + 30, BASE_NS + 100, "tx5", "public", "stock"},
                         4);
        assert_pk(t, "warehouse_id,sku_id", PK_LEARNED);
        FX_ASSERT_ROW(t->rows, "[1,100]", a2); /* the newer of the two wins */
        FX_ASSERT_ROW(t->rows, "[1,200]", NULL);
        FX_ASSERT_ROW(t->rows, "[2,100]", c1);
        assert_null(fx_row(t->rows, "[1,5,100]"));
        assert_null(fx_row(t->rows, "[1,6,100]"));
        assert_null(fx_row(t->rows, "[1,5,200]"));
        assert_int_equal(rowstore_stats(m->rs)->keys, 3);
        assert_int_equal(rs_table_live(t->rows), 2);
        assert_int_equal(rs_table_tombstones(t->rows), 1);
        assert_int_equal(t->unkeyed, 0);
        /* Later changes use the learned key. */
        fx_ingest_change(
            m,
            &(struct fx_change){"u", "null",
                                "{\"warehouse_id\":2,\"bin_id\":3,\"sku_id\":100,\"qty\":0}",
                                BASE_NS + 40, BASE_NS + 100, "tx6", "public", "stock"},
            5);
        FX_ASSERT_ROW(t->rows, "[2,100]",
                      "{\"warehouse_id\":2,\"bin_id\":3,\"sku_id\":100,\"qty\":0}");
        assert_int_equal(rowstore_stats(m->rs)->keys, 3);
        /* A redelivered change the merge kept is still known. */
        fx_ingest_change(m,
                         &(struct fx_change){"u", "null", a2, BASE_NS + 20, BASE_NS + 100, "tx2",
                                             "public", "stock"},
                         6);
        assert_int_equal(m->totals.duplicates, 1);
        model_free(m);
    }
}

/* Guessed as the first column (tenant); the real key is (tenant, sku). */
static void test_learn_composite_key_first_column(void **state)
{
    static const char r1[] = "{\"tenant\":\"acme\",\"sku\":\"A-1\",\"qty\":5}";
    static const char r2[] = "{\"tenant\":\"globex\",\"sku\":\"B-2\",\"qty\":7}";
    static const char r3[] = "{\"tenant\":\"initech\",\"sku\":\"C-3\",\"qty\":1}";
    struct model *m = model_new(NULL, 0);
    struct model_table *t;
    struct rs_version v[8];

    (void)state;
    fx_ingest_change(
        m, &(struct fx_change){"c", "null", r1, BASE_NS + 10, BASE_NS + 11, "a", "inv", "skus"}, 1);
    fx_ingest_change(
        m, &(struct fx_change){"c", "null", r2, BASE_NS + 20, BASE_NS + 21, "b", "inv", "skus"}, 2);
    fx_ingest_change(
        m, &(struct fx_change){"c", "null", r3, BASE_NS + 30, BASE_NS + 31, "c", "inv", "skus"}, 3);
    t = model_table_find(m, "inv", "skus");
    assert_pk(t, "tenant", PK_GUESSED);
    FX_ASSERT_ROW(t->rows, "[\"acme\"]", r1);

    fx_ingest_change(m,
                     &(struct fx_change){"d", "{\"tenant\":\"globex\",\"sku\":\"B-2\"}", "null",
                                         BASE_NS + 40, BASE_NS + 41, "d", "inv", "skus"},
                     4);
    assert_pk(t, "tenant,sku", PK_LEARNED);
    FX_ASSERT_ROW(t->rows, "[\"acme\",\"A-1\"]", r1);
    FX_ASSERT_ROW(t->rows, "[\"globex\",\"B-2\"]", NULL);
    FX_ASSERT_ROW(t->rows, "[\"initech\",\"C-3\"]", r3);
    assert_null(fx_row(t->rows, "[\"acme\"]"));
    assert_int_equal(rs_table_live(t->rows), 2);
    assert_int_equal(rs_table_tombstones(t->rows), 1);
    /* The re-keyed row keeps its history. */
    assert_int_equal(rs_row_versions(m->rs, fx_row(t->rows, "[\"acme\",\"A-1\"]"), v, 8), 1);
    assert_string_equal(v[0].txid, "a");
    assert_int_equal(rs_row_versions(m->rs, fx_row(t->rows, "[\"globex\",\"B-2\"]"), v, 8), 2);
    assert_int_equal(v[0].op, CDC_OP_DELETE);
    /* And redeliveries of pre-learning changes are still recognised. */
    fx_ingest_change(
        m, &(struct fx_change){"c", "null", r1, BASE_NS + 10, BASE_NS + 11, "a", "inv", "skus"}, 5);
    fx_ingest_change(
        m, &(struct fx_change){"c", "null", r2, BASE_NS + 20, BASE_NS + 21, "b", "inv", "skus"}, 6);
    assert_int_equal(m->totals.duplicates, 2);
    assert_int_equal(m->totals.stale, 0);
    FX_ASSERT_ROW(t->rows, "[\"globex\",\"B-2\"]", NULL);
    /* A configured key wins over the learned one and re-keys the rows. */
    {
        const char *err = NULL;
        assert_true(model_configure_pk(m, "inv.skus=sku", &err));
        assert_pk(t, "sku", PK_CONFIGURED);
        FX_ASSERT_ROW(t->rows, "[\"A-1\"]", r1);
        FX_ASSERT_ROW(t->rows, "[\"C-3\"]", r3);
        fx_ingest_change(m,
                         &(struct fx_change){"d", "{\"tenant\":\"acme\",\"sku\":\"A-1\"}", "null",
                                             BASE_NS + 50, BASE_NS + 51, "e", "inv", "skus"},
                         7);
        assert_pk(t, "sku", PK_CONFIGURED);
        FX_ASSERT_ROW(t->rows, "[\"A-1\"]", NULL);
        assert_false(model_configure_pk(m, "inv.skus=", &err));
        assert_non_null(err);
    }
    model_free(m);
}

/* Changes that cannot be keyed are counted, not applied; a table without a PK sends deletes
 * with a null before. */
static void test_unkeyed(void **state)
{
    struct model *m = model_new(NULL, 0);
    struct model_table *t;
    const char *err = NULL;

    (void)state;
    assert_true(model_configure_pk(m, "public.events=event_id", &err));
    fx_ingest_change(m,
                     &(struct fx_change){"c", "null", "{\"event_id\":1,\"v\":1}", BASE_NS, BASE_NS,
                                         "a", "public", "events"},
                     1);
    fx_ingest_change(m,
                     &(struct fx_change){"c", "null", "{\"id\":2,\"v\":1}", BASE_NS, BASE_NS, "b",
                                         "public", "events"},
                     2);
    fx_ingest_change(
        m, &(struct fx_change){"d", "null", "null", BASE_NS, BASE_NS, "c", "public", "events"}, 3);
    t = model_table_find(m, "public", "events");
    assert_int_equal(t->unkeyed, 2);
    assert_int_equal(m->totals.unkeyed, 2);
    assert_int_equal(m->totals.decoded, 3);
    assert_int_equal(rs_table_live(t->rows), 1);
    model_free(m);
}

/* Garbage, split changes and whole records mixed: every change lands, every error is counted. */
static void test_mixed_stream(void **state)
{
    struct model *m = model_new(NULL, 0);
    struct buf rec;
    struct model_table *t;

    (void)state;
    buf_init(&rec);
    for (int i = 0; i < 200; i++) {
        char after[64], tx[16];
        snprintf(after, sizeof after, "{\"id\":%d,\"v\":%d}", i % 20, i);
        snprintf(tx, sizeof tx, "t%04d", i);
        fx_record(&rec, &(struct fx_change){"u", "null", after, BASE_NS + i, BASE_NS + i + 5, tx,
                                            "public", "t"});
        fx_ingest(m, "{\"type\":\"full\"", i);
        fx_ingest(m, "", i);
        fx_ingest(m, rec.data, i);
        fx_ingest(m, "[1,2]", i);
    }
    t = model_table_find(m, "public", "t");
    assert_non_null(t);
    assert_int_equal(m->totals.records, 800);
    assert_int_equal(m->totals.decoded, 200);
    assert_int_equal(m->totals.undecodable, 600);
    assert_int_equal(rs_table_live(t->rows), 20);
    for (int k = 0; k < 20; k++) {
        char key[16], after[64];
        snprintf(key, sizeof key, "[%d]", k);
        snprintf(after, sizeof after, "{\"id\":%d,\"v\":%d}", k, 180 + k);
        FX_ASSERT_ROW(t->rows, key, after);
    }
    buf_free(&rec);
    model_free(m);
}

/* --- the JSON snapshot --- */

/* The value at a path of object keys, e.g. get_path(doc, "totals", "records", NULL). */
static struct jspan get_path(struct jspan v, ...)
{
    va_list ap;
    const char *k;
    va_start(ap, v);
    while ((k = va_arg(ap, const char *)) != NULL) {
        struct jspan next;
        if (!jscan_get(v, k, &next))
            fail_msg("no member %s", k);
        v = next;
    }
    va_end(ap);
    return v;
}

/* The row of rows[] whose key span is key_json. */
static bool find_report_row(struct jspan doc, const char *key_json, struct jspan *row)
{
    struct jscan_iter it;
    struct jspan r;
    jscan_iter_init(&it, get_path(doc, "rows", NULL));
    while (jscan_iter_next(&it, NULL, &r)) {
        struct jspan k = get_path(r, "key", NULL);
        if (k.n == strlen(key_json) && memcmp(k.p, key_json, k.n) == 0) {
            *row = r;
            return true;
        }
    }
    return false;
}

static void test_report(void **state)
{
    static const char after42[] = "{\"order_id\":1001,\"item_id\":42,\"quantity\":5,"
                                  "\"price\":\"29.99\",\"serial\":123456789012345678901234567890,"
                                  "\"weight\":1.50,\"json\":\"{\\\"a\\\":[1,2]}\"}";
    struct model *m = model_new(NULL, INT64_C(1705318200000));
    struct report_opts opts = {REPORT_ROWS_ALL, "cdctop-test"};
    struct buf out;
    struct jspan doc, row, v;
    struct jscan_error err = {0, NULL};
    const char *perr = NULL;
    int64_t x;

    (void)state;
    assert_true(model_configure_pk(m, "public.order_items=order_id,item_id", &perr));
    model_shard(m, "shardId-000000000000");
    model_set_source(m, "demo \"quoted\"\n");
    buf_init(&out);
    /* Emitted 4 ms before the commit: a negative commit-to-emit latency. */
    fx_ingest_change(m,
                     &(struct fx_change){"c", "null", after42, INT64_C(1705318200000000001),
                                         INT64_C(1705318199996000001), "ffthunp5stx6ffs2vyfqoatmfu",
                                         "public", "order_items"},
                     INT64_C(1705318400100));
    fx_ingest_change(m,
                     &(struct fx_change){"c", "null",
                                         "{\"order_id\":1001,\"item_id\":43,\"quantity\":1}",
                                         INT64_C(1705318300000000002), INT64_C(1705318300000000102),
                                         "aaa", "public", "order_items"},
                     INT64_C(1705318400200));
    fx_ingest_change(m,
                     &(struct fx_change){"d", "{\"order_id\":1001,\"item_id\":43}", "null",
                                         INT64_C(1705318400000000003), INT64_C(1705318400125483291),
                                         "xyzabc123def456ghi789jklmno", "public", "order_items"},
                     INT64_C(1705318400300));
    /* Names and values that need escaping in the snapshot. */
    fx_ingest_change(m,
                     &(struct fx_change){"c", "null",
                                         "{\"id\":\"x\\\"y\\u0001\",\"v\":\"\\u001b[2J\"}",
                                         INT64_C(1705318400000000004), INT64_C(1705318400000000005),
                                         "t\\\"x", "odd", "t\\\"ab\\u0001le"},
                     INT64_C(1705318400600));
    fx_ingest(m, "{\"op\":\"c\"", INT64_C(1705318400700));
    assert_int_equal(m->totals.decoded, 4);

    report_json(m, &opts, INT64_C(1705318401000), &out);
    assert_true(out.len > 0 && out.data[out.len - 1] == '\n');
    if (!jscan_validate(out.data, out.len, &doc, &err))
        fail_msg("snapshot is not JSON: %s at %zu: ...%.60s", err.msg, err.offset,
                 out.data + (err.offset > 30 ? err.offset - 30 : 0));
    assert_int_equal(jscan_type(doc), JT_OBJECT);

    /* The configured key, as an object of columns. */
    assert_non_null(strstr(out.data, "\"key\":{\"order_id\":1001,\"item_id\":42}"));
    assert_true(find_report_row(doc, "{\"order_id\":1001,\"item_id\":42}", &row));
    FX_ASSERT_SPAN(get_path(row, "state", NULL), "\"live\"");
    FX_ASSERT_SPAN(get_path(row, "row", NULL), after42); /* byte for byte, 30 digits included */
    FX_ASSERT_SPAN(get_path(row, "commit_ts_ns", NULL), "1705318200000000001");
    assert_true(jscan_int64(get_path(row, "commit_ts_ns", NULL), &x));
    assert_true(x == INT64_C(1705318200000000001));
    FX_ASSERT_SPAN(get_path(row, "txid", NULL), "\"ffthunp5stx6ffs2vyfqoatmfu\"");
    FX_ASSERT_SPAN(get_path(row, "schema", NULL), "\"public\"");
    FX_ASSERT_SPAN(get_path(row, "table", NULL), "\"order_items\"");
    FX_ASSERT_SPAN(get_path(row, "versions", NULL), "1");

    /* A deleted row: a tombstone with a null row. */
    assert_true(find_report_row(doc, "{\"order_id\":1001,\"item_id\":43}", &row));
    FX_ASSERT_SPAN(get_path(row, "state", NULL), "\"deleted\"");
    FX_ASSERT_SPAN(get_path(row, "row", NULL), "null");
    FX_ASSERT_SPAN(get_path(row, "commit_ts_ns", NULL), "1705318400000000003");
    FX_ASSERT_SPAN(get_path(row, "versions", NULL), "2");

    /* The escaped table: guessed key, strings decoded back to what the record said. */
    {
        char name[64];
        assert_true(find_report_row(doc, "{\"id\":\"x\\\"y\\u0001\"}", &row));
        assert_true(jscan_string(get_path(row, "table", NULL), name, sizeof name, NULL));
        assert_string_equal(name, "t\"ab\x01le");
        assert_true(jscan_string(get_path(row, "txid", NULL), name, sizeof name, NULL));
        assert_string_equal(name, "t\"x");
        FX_ASSERT_SPAN(get_path(row, "row", NULL),
                       "{\"id\":\"x\\\"y\\u0001\",\"v\":\"\\u001b[2J\"}");
        assert_true(jscan_string(get_path(doc, "source", NULL), name, sizeof name, NULL));
        assert_string_equal(name, "demo \"quoted\"\n");
    }

    /* Tables, keys and totals. */
    {
        struct jscan_iter it;
        struct jspan tbl;
        unsigned n = 0;
        jscan_iter_init(&it, get_path(doc, "tables", NULL));
        while (jscan_iter_next(&it, NULL, &tbl)) {
            if (n++ == 0) {
                FX_ASSERT_SPAN(get_path(tbl, "table", NULL), "\"order_items\"");
                FX_ASSERT_SPAN(
                    get_path(tbl, "pk", NULL),
                    "{\"columns\":[\"order_id\",\"item_id\"],\"source\":\"configured\"}");
                FX_ASSERT_SPAN(get_path(tbl, "rows_live", NULL), "1");
                FX_ASSERT_SPAN(get_path(tbl, "rows_deleted", NULL), "1");
                FX_ASSERT_SPAN(get_path(tbl, "changes", NULL),
                               "{\"insert\":2,\"update\":0,\"delete\":1,\"upsert\":0}");
                FX_ASSERT_SPAN(get_path(tbl, "latency_ms", "commit_to_emit", "negative", NULL),
                               "1");
            }
        }
        assert_int_equal(n, 2);
    }
    FX_ASSERT_SPAN(get_path(doc, "totals", "records", NULL), "5");
    FX_ASSERT_SPAN(get_path(doc, "totals", "decoded", NULL), "4");
    FX_ASSERT_SPAN(get_path(doc, "totals", "undecodable", NULL), "1");
    FX_ASSERT_SPAN(get_path(doc, "totals", "keys", NULL), "3");
    FX_ASSERT_SPAN(get_path(doc, "undecodable_by_reason", "not_json", "count", NULL), "1");
    FX_ASSERT_SPAN(get_path(doc, "all", "latency_ms", "commit_to_emit", "negative", NULL), "1");
    FX_ASSERT_SPAN(get_path(doc, "all", "latency_ms", "commit_to_emit", "count", NULL), "4");

    /* rows[] bounded per table. */
    opts.max_rows = 1;
    buf_reset(&out);
    report_json(m, &opts, INT64_C(1705318401000), &out);
    assert_true(jscan_validate(out.data, out.len, &doc, NULL));
    {
        struct jscan_iter it;
        unsigned n = 0;
        jscan_iter_init(&it, get_path(doc, "rows", NULL));
        while (jscan_iter_next(&it, NULL, &v))
            n++;
        assert_int_equal(n, 2); /* one per table */
    }
    buf_free(&out);
    model_free(m);
}

/* A snapshot of a model fed random histories is always valid JSON, and lists every row. */
static void test_report_random(void **state)
{
    static const uint64_t seed = 77;
    struct history h;
    struct delivery d;
    struct model *m;
    struct buf out;
    struct jspan doc, v;
    struct jscan_iter it;
    struct report_opts opts = {REPORT_ROWS_ALL, NULL};
    uint64_t n = 0, keys;

    (void)state;
    gen_history(&h, seed, 1500, false);
    gen_delivery(&d, &h, seed, ORDER_RANDOM);
    m = run(&h, &d, true);
    buf_init(&out);
    report_json(m, &opts, INT64_C(1705318500000), &out);
    assert_true(jscan_validate(out.data, out.len, &doc, NULL));
    jscan_iter_init(&it, get_path(doc, "rows", NULL));
    while (jscan_iter_next(&it, NULL, &v)) {
        struct jspan key = get_path(v, "key", NULL), row = get_path(v, "row", NULL);
        assert_int_equal(jscan_type(key), JT_OBJECT);
        assert_true(jscan_type(row) == JT_OBJECT || jscan_type(row) == JT_NULL);
        n++;
    }
    keys = rowstore_stats(m->rs)->keys;
    assert_int_equal(n, keys);
    buf_free(&out);
    model_free(m);
    free(d.idx);
    free_history(&h);
}

/* --- split changes, redelivered --- */

/* An insert into public.<table>, emitted 5 ms after its commit, split into three fragments of
 * about a third of its after image each. */
static void split_of(struct fx_split *sp, const char *id, const char *table, const char *after,
                     const char *txid, int64_t commit_ns)
{
    size_t n = strlen(after), cut[4] = {0, n / 3, 2 * n / 3, n};
    struct fx_change c = {"c", NULL, after, commit_ns, commit_ns + 5000000, txid, "public", table};
    fx_split(sp, &c, id, cut, 3, true);
}

/* A split change whose head comes again while it is pending and after it completed: every
 * redelivered head is one duplicate of the table's change, the change counts once, and
 * redelivered fragments are no changes at all. */
static void test_split_redelivered_heads(void **state)
{
    static const char after[] = "{\"id\":7,\"doc\":\"a long text that DSQL split in three\"}";
    struct model *m = model_new(NULL, 0);
    struct model_table *t;
    struct fx_split sp;
    int64_t now = 10;

    (void)state;
    split_of(&sp, "ck-heads", "big", after, "tx-big", BASE_NS);
    fx_ingest(m, sp.part[0], now++);
    fx_ingest(m, sp.part[1], now++);
    fx_ingest(m, sp.part[0], now++); /* pending: a duplicate */
    fx_ingest(m, sp.part[0], now++); /* again */
    fx_ingest(m, sp.part[2], now++);
    fx_ingest(m, sp.part[3], now++); /* complete */
    for (int round = 0; round < 3; round++)
        for (size_t i = 0; i < sp.nparts; i++)
            fx_ingest(m, sp.part[i], now++); /* three more heads, nine fragments */
    t = model_table_find(m, "public", "big");
    assert_non_null(t);
    FX_ASSERT_ROW(t->rows, "[7]", after);
    assert_int_equal(metrics_total_changes(&t->m), 1);
    assert_int_equal(t->m.changes[CDC_INSERT], 1);
    assert_int_equal(t->m.duplicates, 5);
    assert_int_equal(t->m.records, 6);
    assert_int_equal(m->all.duplicates, 5);
    assert_int_equal(metrics_total_changes(&m->all), 1);
    assert_int_equal(m->totals.duplicates, 5);
    assert_int_equal(m->totals.decoded, 6);
    assert_int_equal(m->totals.undecodable, 0);
    assert_int_equal(decoder_stats(m->dec)->fragment_repeats, 9);
    assert_int_equal(decoder_stats(m->dec)->chunks_completed, 1);
    {
        struct buf out;
        struct jspan doc;
        buf_init(&out);
        report_json(m, NULL, now, &out);
        assert_true(jscan_validate(out.data, out.len, &doc, NULL));
        FX_ASSERT_SPAN(get_path(doc, "totals", "duplicates", NULL), "5");
        FX_ASSERT_SPAN(get_path(doc, "all", "duplicates", NULL), "5");
        buf_free(&out);
    }
    fx_split_free(&sp);
    model_free(m);
}

/* --- bounded tables and shards --- */

#define SMALL_CAP (4u << 20)
/* What the heap may hold beyond the model's count: key text and image buffers it reuses, and
 * the page rounding of mapped blocks. */
#define MODEL_HEAP_SLACK (64u << 10)

static struct model *small_model(void)
{
    struct model_config cfg;
    model_config_defaults(&cfg);
    cfg.rows.max_bytes = SMALL_CAP;
    return model_new(&cfg, 0);
}

/* 3000 tables, each with an insert, its redelivery and an update, under a 4 MiB cap: a few
 * tables of their own, the rest counted in "(other tables)" with their number, the totals exact,
 * and memory bounded by the model's count and by the allocator's. */
static void test_table_flood(void **state)
{
    enum { NAMES = 3000 };
    struct model *m = small_model();
    size_t heap0 = fx_heap_in_use(), worst_heap = 0;
    struct buf rec;
    struct model_table *other;
    uint64_t changes = 0, records = 0;

    (void)state;
    buf_init(&rec);
    assert_true(m->max_tables >= 2 && m->max_tables < 20);
    for (unsigned i = 0; i < NAMES; i++) {
        char table[32], after[64];
        snprintf(table, sizeof table, "t%04u", i);
        snprintf(after, sizeof after, "{\"id\":1,\"v\":%u}", i);
        fx_record(&rec, &(struct fx_change){"c", "null", after, BASE_NS + i, BASE_NS + i, "a",
                                            "public", table});
        fx_ingest(m, rec.data, i);
        fx_ingest(m, rec.data, i); /* redelivered */
        snprintf(after, sizeof after, "{\"id\":1,\"v\":%u}", i + 1);
        fx_ingest_change(m,
                         &(struct fx_change){"u", "null", after, BASE_NS + i + 1, BASE_NS + i + 1,
                                             "b", "public", table},
                         i);
        assert_true(model_memory(m) <= SMALL_CAP);
        if (heap0 != SIZE_MAX && i % 100 == 0) {
            size_t heap = fx_heap_in_use() - heap0;
            if (heap > worst_heap)
                worst_heap = heap;
        }
    }
    assert_true(m->ntables <= m->max_tables);
    other = m->other_tables;
    assert_non_null(other);
    assert_true(other->other);
    assert_string_equal(other->table, MODEL_OTHER_TABLES);
    assert_int_equal(other->folded, NAMES - (m->ntables - 1));
    assert_true(other->folded_exact);
    assert_null(model_table_find(m, "public", "t2999"));
    assert_non_null(model_table_find(m, "public", "t0000"));
    for (unsigned i = 0; i < m->ntables; i++) {
        changes += metrics_total_changes(&m->tables[i]->m);
        records += m->tables[i]->m.records;
    }
    assert_int_equal(changes, 2 * NAMES);
    assert_int_equal(records, 3 * NAMES);
    assert_int_equal(metrics_total_changes(&m->all), 2 * NAMES);
    assert_int_equal(m->all.changes[CDC_INSERT], NAMES);
    assert_int_equal(m->all.changes[CDC_UPDATE], NAMES);
    assert_int_equal(m->totals.duplicates, NAMES);
    assert_int_equal(m->all.duplicates, NAMES);
    assert_int_equal(other->m.duplicates, other->folded);
    assert_int_equal(m->totals.decoded, 3 * NAMES);
    assert_int_equal(m->totals.unkeyed, 0);
    /* A folded table's row is kept under its own name, with its newest image. */
    FX_ASSERT_ROW(other->rows, "[\"public\",\"t2999\",[1]]", "{\"id\":1,\"v\":3000}");
    if (heap0 != SIZE_MAX && worst_heap > SMALL_CAP + MODEL_HEAP_SLACK)
        fail_msg("the heap grew by %zu bytes under a %u-byte cap", worst_heap, SMALL_CAP);
    /* The snapshot names the bucket and its count, and its rows under their tables' names. */
    {
        struct report_opts opts = {REPORT_ROWS_ALL, NULL};
        struct buf out;
        struct jspan doc, t, row, v;
        struct jscan_iter it;
        bool found = false;
        buf_init(&out);
        report_json(m, &opts, 5000, &out);
        assert_true(jscan_validate(out.data, out.len, &doc, NULL));
        jscan_iter_init(&it, get_path(doc, "tables", NULL));
        while (jscan_iter_next(&it, NULL, &t)) {
            if (!jscan_key_eq(get_path(t, "table", NULL), MODEL_OTHER_TABLES))
                continue;
            found = true;
            FX_ASSERT_SPAN(get_path(t, "schema", NULL), "null");
            FX_ASSERT_SPAN(get_path(t, "other", NULL), "true");
            buf_reset(&rec);
            buf_printf(&rec, "%" PRIu64, other->folded);
            FX_ASSERT_SPAN(get_path(t, "folded_names", NULL), rec.data);
            FX_ASSERT_SPAN(get_path(t, "folded_names_exact", NULL), "true");
        }
        assert_true(found);
        assert_true(find_report_row(doc, "{\"_key\":[1]}", &row));
        jscan_iter_init(&it, get_path(doc, "rows", NULL));
        found = false;
        while (jscan_iter_next(&it, NULL, &v))
            if (jscan_key_eq(get_path(v, "table", NULL), "t2999")) {
                found = true;
                FX_ASSERT_SPAN(get_path(v, "schema", NULL), "\"public\"");
                FX_ASSERT_SPAN(get_path(v, "key", NULL), "{\"_key\":[1]}");
                FX_ASSERT_SPAN(get_path(v, "row", NULL), "{\"id\":1,\"v\":3000}");
            }
        assert_true(found);
        buf_free(&out);
    }
    buf_free(&rec);
    model_free(m);
}

/* A table's configured key applies to it in the bucket too; a delete there tombstones it. */
static void test_folded_table_keys(void **state)
{
    struct model *m = small_model();
    const char *err = NULL;
    struct model_table *other;

    (void)state;
    assert_true(model_configure_pk(m, "public.late=code", &err));
    for (unsigned i = 0; i + 1 < m->max_tables; /* one place is the bucket's */ i++) {
        char table[32];
        snprintf(table, sizeof table, "early%u", i);
        fx_ingest_change(
            m,
            &(struct fx_change){"c", "null", "{\"id\":1}", BASE_NS, BASE_NS, "a", "public", table},
            1);
    }
    assert_null(m->other_tables);
    fx_ingest_change(m,
                     &(struct fx_change){"c", "null", "{\"id\":5,\"code\":\"X\"}", BASE_NS, BASE_NS,
                                         "a", "public", "late"},
                     2);
    other = m->other_tables;
    assert_non_null(other);
    FX_ASSERT_ROW(other->rows, "[\"public\",\"late\",[\"X\"]]", "{\"id\":5,\"code\":\"X\"}");
    fx_ingest_change(m,
                     &(struct fx_change){"c", "null", "{\"order_id\":9,\"item_id\":2,\"q\":1}",
                                         BASE_NS, BASE_NS, "a", "public", "guessed"},
                     3);
    fx_ingest_change(m,
                     &(struct fx_change){"d", "{\"order_id\":9,\"item_id\":2}", "null", BASE_NS + 1,
                                         BASE_NS + 1, "b", "public", "guessed"},
                     4);
    {
        const struct rs_row *r = fx_row(other->rows, "[\"public\",\"guessed\",[9,2]]");
        assert_non_null(r);
        assert_false(rs_row_live(r));
    }
    assert_int_equal(other->folded, 2);
    assert_int_equal(m->totals.unkeyed, 0);
    model_free(m);
}

/* 20 000 shard ids, as a recording may carry: a few shards of their own, the rest in
 * "(other shards)"; the count of ids folded is exact up to MODEL_FOLDED_NAMES, a lower bound
 * beyond. The shards a stream lists itself are never folded. */
static void test_shard_flood(void **state)
{
    struct model *m = small_model();
    unsigned first = 0, other;

    (void)state;
    assert_true(m->max_shards >= 2 && m->max_shards < 100);
    for (unsigned i = 0; i < 20000; i++) {
        char id[32];
        snprintf(id, sizeof id, "shardId-%012u", i);
        unsigned idx = model_shard(m, id);
        assert_true(idx < m->nshards);
        if (i == 0)
            first = idx;
        assert_int_equal(model_shard(m, "shardId-000000000000"), first);
        assert_true(model_memory(m) <= SMALL_CAP);
        if (i == 999) {
            assert_non_null(m->other_shards);
            assert_int_equal(m->other_shards->folded, 1000 - (m->nshards - 1));
            assert_true(m->other_shards->folded_exact);
        }
    }
    assert_true(m->nshards <= m->max_shards);
    other = m->other_shards->index;
    assert_true(m->shards[other]->other);
    assert_string_equal(m->shards[other]->id, MODEL_OTHER_SHARDS);
    assert_int_equal(model_shard(m, "shardId-000000019999"), other);
    assert_int_equal(m->other_shards->folded, MODEL_FOLDED_NAMES);
    assert_false(m->other_shards->folded_exact);
    /* Listed by the stream: a shard of its own, whatever the count. */
    unsigned listed = model_shard_listed(m, "shardId-listed");
    assert_int_not_equal(listed, other);
    assert_string_equal(m->shards[listed]->id, "shardId-listed");
    assert_int_equal(model_shard(m, "shardId-listed"), listed);
    model_free(m);
}

/* Ids longer than SHARD_ID_MAX are stored in a form that is compared as stored: the same id is
 * always the same shard, distinct ids stay distinct, and the stored form is valid UTF-8. */
static void test_long_shard_ids(void **state)
{
    struct model *m = model_new(NULL, 0);
    char a[400], b[400], e[400], fit[SHARD_ID_MAX + 1];
    unsigned ia, ib, ie;

    (void)state;
    memset(a, 'a', 300);
    a[300] = '\0';
    memcpy(b, a, sizeof b);
    b[299] = 'b'; /* differs only far beyond the stored prefix */
    e[0] = '\0';
    for (int i = 0; i < 100; i++)
        strcat(e, "\xc3\xa9"); /* 200 bytes of "é" */
    ia = model_shard(m, a);
    for (int i = 0; i < 20000; i++)
        assert_int_equal(model_shard(m, a), ia);
    assert_int_equal(m->nshards, 1);
    ib = model_shard(m, b);
    assert_int_not_equal(ib, ia);
    ie = model_shard(m, e);
    assert_int_equal(m->nshards, 3);
    assert_true(strlen(m->shards[ia]->id) <= SHARD_ID_MAX);
    assert_int_equal(strncmp(m->shards[ia]->id, a, SHARD_ID_MAX - 17), 0);
    assert_string_not_equal(m->shards[ia]->id, m->shards[ib]->id);
    assert_non_null(strchr(m->shards[ia]->id, '~'));
    assert_true(jscan_utf8_valid(m->shards[ie]->id, strlen(m->shards[ie]->id)));
    shard_id_fit(e, fit);
    assert_string_equal(fit, m->shards[ie]->id);
    /* Ids up to SHARD_ID_MAX bytes, as Kinesis allows, are kept as they are. */
    memset(fit, 'k', SHARD_ID_MAX);
    fit[SHARD_ID_MAX] = '\0';
    {
        char copy[SHARD_ID_MAX + 1];
        memcpy(copy, fit, sizeof copy);
        assert_string_equal(m->shards[model_shard(m, copy)]->id, copy);
    }
    assert_string_equal(m->shards[model_shard(m, "shardId-000000000001")]->id,
                        "shardId-000000000001");
    model_free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sql_agreement_configured_keys),
        cmocka_unit_test(test_sql_agreement_learned_keys),
        cmocka_unit_test(test_sql_agreement_learned_merge),
        cmocka_unit_test(test_learn_composite_key_merges),
        cmocka_unit_test(test_learn_composite_key_first_column),
        cmocka_unit_test(test_unkeyed),
        cmocka_unit_test(test_mixed_stream),
        cmocka_unit_test(test_report),
        cmocka_unit_test(test_report_random),
        cmocka_unit_test(test_split_redelivered_heads),
        cmocka_unit_test(test_table_flood),
        cmocka_unit_test(test_folded_table_keys),
        cmocka_unit_test(test_shard_flood),
        cmocka_unit_test(test_long_shard_ids),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}

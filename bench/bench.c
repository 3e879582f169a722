/*
 * cdctop-bench: pushes generated DSQL records through decode + metrics + row store and compares
 * the rate with a bare json_loadb() of the same bytes in the same run, on two corpora: the
 * benchmark's own mix (the figures the targets apply to) and the embedded demo's records. Also
 * measures the memory each tracked key costs beyond the row's own image bytes.
 *
 *   make bench            (or: bench/cdctop-bench [RECORDS])
 */
#include "config.h"

#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "demo-gen.h"
#include "fixture.h"
#include "model.h"
#include "rng.h"

#define DEFAULT_RECORDS 200000
#define ROUNDS          3
#define DEMO_SEED       7
#define BASE_NS         FX_COMMIT_NS

struct corpus {
    char **rec;
    size_t *len;
    size_t n;
    size_t bytes;
};

/* One sequence for the whole run, so the corpus is the same on every run. */
static uint64_t draw_state = 0x9e3779b97f4a7c15ull;

static uint64_t draw(void)
{
    return rng_splitmix64(&draw_state);
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* One DSQL record of a realistic mix: orders (int key), customers (uuid key), items (composite),
 * emitted 125 ms after its commit. */
static void make_record(struct buf *b, int64_t commit_ns, unsigned keyspace)
{
    static const char *const ops[] = {"c", "u", "u", "u", "u", "u", "u", "d", "c", "u"};
    static const char *const names[] = {"orders", "customers", "order_items"};
    const char *op = ops[draw() % 10];
    unsigned table = (unsigned)(draw() % 3);
    unsigned k = (unsigned)(draw() % keyspace);
    char tx[27], img[512], key[160], before[162];
    fx_txid(&draw_state, tx);
    switch (table) {
    case 0:
        snprintf(key, sizeof key, "\"order_id\":%u", k);
        snprintf(img, sizeof img,
                 "{%s,\"customer_id\":\"%08x-1f2e-4d3c-8b7a-%012u\",\"status\":\"shipped\","
                 "\"total\":\"%u.%02u\",\"created_at\":1710510600123456,\"notes\":\"gift wrap, "
                 "leave at the door\"}",
                 key, k, k, k % 1000, k % 100);
        break;
    case 1:
        snprintf(key, sizeof key, "\"customer_id\":\"%08x-1f2e-4d3c-8b7a-%012u\"", k, k);
        snprintf(img, sizeof img,
                 "{%s,\"email\":\"user%u@example.com\",\"name\":\"Customer %u\",\"tier\":"
                 "\"gold\",\"updated_at\":1710510600123456}",
                 key, k, k);
        break;
    default:
        snprintf(key, sizeof key, "\"order_id\":%u,\"item_id\":%u", k / 4, k % 4);
        snprintf(img, sizeof img, "{%s,\"quantity\":%u,\"price\":\"%u.99\"}", key, k % 7 + 1,
                 k % 90);
        break;
    }
    bool del = op[0] == 'd';
    if (del) /* a delete's before image holds the key columns only */
        snprintf(before, sizeof before, "{%s}", key);
    fx_record(b, &(struct fx_change){op, del ? before : NULL, del ? NULL : img, commit_ns,
                                     commit_ns + 125483291, tx, "public", names[table]});
}

static void corpus_build(struct corpus *c, size_t n, unsigned keyspace)
{
    struct buf b;
    int64_t commit = BASE_NS;
    c->rec = calloc(n, sizeof *c->rec);
    c->len = calloc(n, sizeof *c->len);
    c->n = n;
    c->bytes = 0;
    buf_init(&b);
    for (size_t i = 0; i < n; i++) {
        commit += 1000 + (int64_t)(draw() % 2000000);
        make_record(&b, commit, keyspace);
        c->rec[i] = malloc(b.len);
        memcpy(c->rec[i], b.data, b.len);
        c->len[i] = b.len;
        c->bytes += b.len;
    }
    buf_free(&b);
    /* At-least-once delivery and reordering: swap neighbours and repeat about 1 %. */
    for (size_t i = 0; i + 8 < n; i += 1 + draw() % 16) {
        size_t j = i + 1 + draw() % 7;
        char *r = c->rec[i];
        size_t l = c->len[i];
        c->rec[i] = c->rec[j];
        c->len[i] = c->len[j];
        c->rec[j] = r;
        c->len[j] = l;
    }
    for (size_t i = 100; i < n; i += 100) {
        size_t from = i - 1 - draw() % 50;
        free(c->rec[i]);
        c->rec[i] = malloc(c->len[from]);
        memcpy(c->rec[i], c->rec[from], c->len[from]);
        c->len[i] = c->len[from];
    }
}

/* The embedded demo's records in arrival order (split changes, records near the size limit and
 * all), less the few it cuts short on purpose: json_loadb would stop at those, and both sides
 * are timed on valid records. */
static void corpus_build_demo(struct corpus *c, size_t n)
{
    struct demo_gen_opts opts = {.seed = DEMO_SEED, .base_ns = BASE_NS};
    struct demo_gen *g = demo_gen_new(&opts);
    c->rec = calloc(n, sizeof *c->rec);
    c->len = calloc(n, sizeof *c->len);
    c->n = n;
    c->bytes = 0;
    for (size_t i = 0; i < n;) {
        struct demo_gen_record r;
        demo_gen_next(g, &r);
        if (r.truncated)
            continue;
        c->rec[i] = malloc(r.len);
        memcpy(c->rec[i], r.data, r.len);
        c->len[i] = r.len;
        c->bytes += r.len;
        i++;
    }
    demo_gen_free(g);
}

static void corpus_free(struct corpus *c)
{
    for (size_t i = 0; i < c->n; i++)
        free(c->rec[i]);
    free(c->rec);
    free(c->len);
}

static double bench_bare_parse(const struct corpus *c)
{
    double best = 1e9;
    for (int round = 0; round < ROUNDS; round++) {
        double t0 = now_s();
        for (size_t i = 0; i < c->n; i++) {
            json_error_t err;
            json_t *j = json_loadb(c->rec[i], c->len[i], 0, &err);
            if (!j) {
                fprintf(stderr, "bench: generated record %zu does not parse: %s\n", i, err.text);
                exit(1);
            }
            json_decref(j);
        }
        double t = now_s() - t0;
        if (t < best)
            best = t;
    }
    return best;
}

static struct model *run_pipeline(const struct corpus *c, int64_t now_ms)
{
    struct model *m = model_new(NULL, now_ms);
    unsigned shard = model_shard(m, "shardId-000000000000");
    char seq[64];
    for (size_t i = 0; i < c->n; i++) {
        int n = snprintf(seq, sizeof seq, "4959033827149025660%013zu", i);
        struct cdc_raw raw = {
            .data = c->rec[i],
            .len = c->len[i],
            .shard = shard,
            .seq = seq,
            .seq_len = (size_t)n,
            .pkey = "a1b2c3d4",
            .pkey_len = 8,
            .arrival_ms = now_ms - 20,
        };
        model_ingest(m, &raw, now_ms + (int64_t)(i / 1000));
    }
    return m;
}

static double bench_pipeline(const struct corpus *c, uint64_t *keys)
{
    double best = 1e9;
    for (int round = 0; round < ROUNDS; round++) {
        double t0 = now_s();
        struct model *m = run_pipeline(c, 1705318200000);
        double t = now_s() - t0;
        *keys = rowstore_stats(m->rs)->keys;
        if (t < best)
            best = t;
        model_free(m);
    }
    return best;
}

struct mem_point {
    size_t heap;
    uint64_t keys;
    size_t row_bytes;
};

/* Inserts-only load so every record is a new key; heap measured with the model alive. */
static struct mem_point measure_keys(size_t nkeys)
{
    struct corpus c;
    struct mem_point p;
    char buf[2048];
    int64_t commit = BASE_NS;
    c.n = nkeys;
    c.rec = calloc(nkeys, sizeof *c.rec);
    c.len = calloc(nkeys, sizeof *c.len);
    for (size_t i = 0; i < nkeys; i++) {
        char tx[27];
        fx_txid(&draw_state, tx);
        commit += 1000;
        int len =
            snprintf(buf, sizeof buf,
                     "{\"type\":\"full\",\"op\":\"c\",\"before\":null,\"after\":{\"order_id\":"
                     "%zu,\"status\":\"new\",\"total\":\"10.00\"},\"source\":{\"ts_ns\":"
                     "%" PRId64 ",\"txId\":\"%s\",\"schema\":\"public\",\"table\":\"orders\"},"
                     "\"ts_ns\":%" PRId64 "}",
                     i, commit, tx, commit + 100000000);
        c.rec[i] = malloc((size_t)len);
        memcpy(c.rec[i], buf, (size_t)len);
        c.len[i] = (size_t)len;
    }
    size_t before = fx_heap_in_use();
    struct model *m = run_pipeline(&c, 1705318200000);
    p.heap = fx_heap_in_use() - before;
    p.keys = rowstore_stats(m->rs)->keys;
    p.row_bytes = rowstore_stats(m->rs)->row_bytes;
    model_free(m);
    corpus_free(&c);
    return p;
}

/* Times both on c and prints them after a line saying what c holds; returns pipeline rate /
 * bare rate. */
static double bench_corpus(const char *what, const struct corpus *c, const char *target)
{
    uint64_t keys = 0;
    printf("%s: %zu %s, %.1f MB, mean %.0f bytes\n", what, c->n, "generated DSQL records",
           (double)c->bytes / 1e6, (double)c->bytes / (double)c->n);
    double bare = bench_bare_parse(c);
    double pipe = bench_pipeline(c, &keys);
    double bare_rate = (double)c->n / bare, pipe_rate = (double)c->n / pipe;
    printf("bare json_loadb:   %10.0f records/s  %7.1f MB/s\n", bare_rate,
           (double)c->bytes / bare / 1e6);
    printf("pipeline:          %10.0f records/s  %7.1f MB/s  (decode + metrics + rows, %" PRIu64
           " keys)\n",
           pipe_rate, (double)c->bytes / pipe / 1e6, keys);
    printf("pipeline / bare:   %10.2f%s\n", pipe_rate / bare_rate, target);
    return pipe_rate / bare_rate;
}

int main(int argc, char **argv)
{
    size_t n = argc > 1 ? strtoull(argv[1], NULL, 10) : DEFAULT_RECORDS;
    struct corpus c;
    if (n < 1000)
        n = 1000;
    corpus_build(&c, n, 20000);
    double ratio = bench_corpus("cdctop-bench", &c, "   (target >= 0.70)");
    corpus_free(&c);

    corpus_build_demo(&c, n);
    char what[64];
    snprintf(what, sizeof what, "demo --seed %d", DEMO_SEED);
    bench_corpus(what, &c, "");
    corpus_free(&c);

    if (fx_heap_in_use() == SIZE_MAX) {
        printf("memory per key:    unknown here (the allocator does not say what it holds)\n");
        return ratio >= 0.7 ? 0 : 1;
    }
    /* The slope between two key counts cancels the fixed costs (version log, metrics). */
    struct mem_point small = measure_keys(100000), large = measure_keys(300000);
    double per_key = ((double)large.heap - (double)small.heap -
                      ((double)large.row_bytes - (double)small.row_bytes)) /
                     (double)(large.keys - small.keys);
    double row_mean = (double)large.row_bytes / (double)large.keys;
    printf("memory per key:    %10.1f bytes beyond the row's own %.0f image bytes (target <= "
           "150)\n",
           per_key, row_mean);
    return ratio >= 0.7 && per_key <= 150 ? 0 : 1;
}

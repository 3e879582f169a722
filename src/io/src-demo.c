/*
 * The embedded demo: a synthetic Aurora DSQL pipeline writing to a Kinesis stream.
 *
 * It produces DSQL CDC records byte for byte as DSQL writes them, with Kinesis metadata, and
 * hands them to model_ingest, so demo data takes the same decode path as live data. It shows
 * what real pipelines do: at-least-once delivery, reordering across shards, multi-row
 * transactions, deletes with key-only `before` images, updates sent as `c`, unknown ops, clock
 * skew, latency spikes, records near the size limit, a change split into fragments, hostile
 * bytes in values, and now and then a malformed record. It also drives a DLQ.
 *
 * Determinism. Everything is generated on a simulated clock, never read from the wall clock:
 * transactions commit at seed-drawn intervals (about DEMO_NOMINAL_RATE records per simulated
 * second), and each record gets a seed-drawn commit->emit latency, emit->arrival latency and
 * shard. Records wait in a heap and are delivered in arrival order; sequence numbers are
 * assigned at delivery. All timestamps written are `base + simulated offset`, where base is the
 * wall-clock time at start. So for a given seed the record bytes and their shards are the same on
 * every run whatever the rate: only the base, and so the digits of the timestamps, differ.
 *
 * The rate only paces delivery: each tick delivers the records that have arrived by the paced
 * simulated time, which advances rate / DEMO_NOMINAL_RATE times as fast as the wall clock. At the
 * nominal rate (the default) the simulated clock keeps step with the wall clock and records are
 * read about DEMO_READ_DELAY_MS after they arrived; at other rates it runs faster or slower, and
 * arrival->processed latency drifts accordingly (the price of a stream independent of the rate).
 * As fast as possible (rate <= 0) with a limit plays a backlog: base is put far enough in the
 * past that the whole run has already arrived, as when a reader catches up.
 *
 * Separate generators feed the content (records, shards, partition keys), the sequence numbers,
 * the DLQ and the cosmetic per-shard reader figures, so that wall-clock-paced work (reader
 * polls) cannot disturb the content.
 */
#include "config.h"

#include <stddef.h> /* source.h uses size_t without including it */

#include "src-demo.h"

#include <ev.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "clock.h"
#include "crc32c.h"
#include "model.h"
#include "xalloc.h"

#define NS_PER_MS  1000000LL
#define NS_PER_SEC 1000000000LL

#define DEMO_NOMINAL_RATE     200 /* records per simulated second, roughly */
#define DEMO_DEFAULT_SHARDS   4
#define DEMO_MAX_SHARDS       1024
#define DEMO_TICK_S           0.1 /* delivery tick when paced */
#define DEMO_FAST_BATCH       500 /* records per loop iteration when unpaced */
#define DEMO_CATCH_UP_S       1.0 /* at most this many seconds' worth of records per tick */
#define DEMO_READ_DELAY_MS    200 /* paced: arrival -> read, as a polling reader sees it */
#define DEMO_BACKLOG_SLACK_MS 2000
#define DEMO_BACKLOG_MAX      100000000ULL /* records; caps how far back a backlog starts */

/* Key spaces: bounded so that updates and deletes hit existing keys. */
#define ORDER_KEYS      4000
#define ORDER_ID_BASE   100001
#define ITEMS_PER_ORDER 4
#define CUSTOMER_KEYS   800
#define NOTE_KEYS       300
#define RECENT_KEYS     32 /* recently changed keys, favoured by updates (so races happen) */

#define TXN_MAX_ROWS (1 + ITEMS_PER_ORDER)

/* Fixed early transactions, so tests find the special cases among the first records. */
#define TXN_HOSTILE_NOTE 4
#define TXN_MALFORMED    30
#define TXN_CHUNKED      40
#define CHUNK_FRAGMENTS  3

#define DLQ_STEP_NS (5 * NS_PER_SEC)

static const char base32_alphabet[] = "abcdefghijklmnopqrstuvwxyz234567";

/* --- deterministic random numbers: xoshiro256** seeded by splitmix64 --- */

struct rng {
    uint64_t s[4];
};

static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/* stream separates the generators drawn from one seed */
static void rng_seed(struct rng *r, uint64_t seed, uint64_t stream)
{
    uint64_t x = seed ^ (stream * 0xd1b54a32d192ed03ULL);
    for (int i = 0; i < 4; i++)
        r->s[i] = splitmix64(&x);
}

static uint64_t rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

static uint64_t rng_next(struct rng *r)
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

/* 0 <= result < n (n > 0); the modulo bias is irrelevant at these sizes */
static uint64_t rng_below(struct rng *r, uint64_t n)
{
    return rng_next(r) % n;
}

static int64_t rng_range(struct rng *r, int64_t lo, int64_t hi)
{
    return lo + (int64_t)rng_below(r, (uint64_t)(hi - lo) + 1);
}

/* true with probability per_million / 1e6 (integers, so identical on every platform) */
static bool rng_chance(struct rng *r, uint32_t per_million)
{
    return rng_below(r, 1000000) < per_million;
}

static void rng_base32(struct rng *r, char *out, size_t n)
{
    for (size_t i = 0; i < n; i++)
        out[i] = base32_alphabet[rng_below(r, 32)];
    out[n] = '\0';
}

static void rng_uuid(struct rng *r, char out[37])
{
    uint64_t hi = rng_next(r), lo = rng_next(r);
    hi = (hi & ~0xf000ULL) | 0x4000ULL;                         /* version 4 */
    lo = (lo & ~0xc000000000000000ULL) | 0x8000000000000000ULL; /* RFC 4122 variant */
    snprintf(out, 37, "%08" PRIx64 "-%04" PRIx64 "-%04" PRIx64 "-%04" PRIx64 "-%012" PRIx64,
             hi >> 32, (hi >> 16) & 0xffff, hi & 0xffff, lo >> 48, lo & UINT64_C(0xffffffffffff));
}

/* --- key spaces --- */

struct keyspace {
    unsigned size;
    unsigned nlive;
    bool *live;
    unsigned recent[RECENT_KEYS];
    unsigned nrecent;
    unsigned recent_next;
};

static void ks_init(struct keyspace *ks, unsigned size)
{
    memset(ks, 0, sizeof *ks);
    ks->size = size;
    ks->live = xcalloc(size, sizeof *ks->live);
}

static void ks_set(struct keyspace *ks, unsigned idx, bool live)
{
    if (ks->live[idx] == live)
        return;
    ks->live[idx] = live;
    if (live)
        ks->nlive++;
    else
        ks->nlive--;
}

static void ks_touch(struct keyspace *ks, unsigned idx)
{
    ks->recent[ks->recent_next] = idx;
    ks->recent_next = (ks->recent_next + 1) % RECENT_KEYS;
    if (ks->nrecent < RECENT_KEYS)
        ks->nrecent++;
}

/* A random key whose liveness is `live`, or -1 when there is none. */
static int ks_pick(struct keyspace *ks, struct rng *r, bool live)
{
    unsigned wanted = live ? ks->nlive : ks->size - ks->nlive;
    if (wanted == 0)
        return -1;
    for (int tries = 0; tries < 16; tries++) {
        unsigned idx = (unsigned)rng_below(r, ks->size);
        if (ks->live[idx] == live)
            return (int)idx;
    }
    unsigned start = (unsigned)rng_below(r, ks->size);
    for (unsigned i = 0; i < ks->size; i++) {
        unsigned idx = (start + i) % ks->size;
        if (ks->live[idx] == live)
            return (int)idx;
    }
    return -1;
}

/* Updates favour keys changed a moment ago: with reordering, that is what makes stale records. */
static int ks_pick_live(struct keyspace *ks, struct rng *r)
{
    if (ks->nrecent > 0 && rng_chance(r, 400000)) {
        unsigned idx = ks->recent[rng_below(r, ks->nrecent)];
        if (ks->live[idx])
            return (int)idx;
    }
    return ks_pick(ks, r, true);
}

/* --- the simulated database --- */

enum demo_table { T_ORDERS, T_CUSTOMERS, T_ITEMS, T_NOTES, T_COUNT };

static const char *const table_names[T_COUNT] = {"orders", "customers", "order_items", "notes"};

enum order_status { ST_PENDING, ST_PAID, ST_SHIPPED, ST_DELIVERED, ST_CANCELLED, ST_COUNT };

static const char *const status_names[ST_COUNT] = {"pending", "paid", "shipped", "delivered",
                                                   "cancelled"};
static const char *const tier_names[] = {"free", "silver", "gold", "platinum"};
static const char *const first_names[] = {"Ada",  "Grace", "Linus", "Zoë",  "José",
                                          "Mei",  "Olu",   "Sven",  "Aiko", "Priya",
                                          "Noor", "Ravi",  "Lena",  "Tom",  "Ines"};
static const char *const last_names[] = {"Lovelace", "Hopper", "Okafor",   "Nakamura", "Müller",
                                         "García",   "Singh",  "Kowalski", "Dubois",   "Haddad"};
static const char *const note_phrases[] = {
    "Customer asked to change the delivery address.",
    "Refund approved after review.",
    "Left at the front desk.",
    "Gift wrap requested.",
    "Called twice, no answer.",
    "Package arrived damaged; replacement sent.",
    "Prefers delivery after 6 pm.",
    "VIP: handle with care.",
    "Invoice re-issued with the new VAT number.",
    "Promo code applied manually.",
};

#define COUNT_OF(a) (sizeof(a) / sizeof((a)[0]))

struct order_row {
    uint8_t status;
    uint16_t customer;
    uint32_t total_cents;
    int64_t created_us; /* simulated offset from base */
};

struct customer_row {
    char id[37];
    uint8_t tier;
    uint8_t first, last;
    uint16_t email_version;
};

struct item_row {
    uint16_t quantity;
    uint32_t price_cents;
};

struct db {
    struct keyspace orders, customers, items, notes;
    struct order_row order[ORDER_KEYS];
    struct customer_row customer[CUSTOMER_KEYS];
    struct item_row item[ORDER_KEYS * ITEMS_PER_ORDER];
};

/* --- records waiting for delivery --- */

struct demo_rec {
    int64_t arrival_ns; /* simulated */
    uint64_t serial;    /* breaks arrival ties in generation order */
    unsigned shard;     /* index into the demo's shards */
    char pkey[37];
    size_t len;
    char data[];
};

struct rec_heap {
    struct demo_rec **v;
    size_t n, cap;
};

static bool rec_before(const struct demo_rec *a, const struct demo_rec *b)
{
    if (a->arrival_ns != b->arrival_ns)
        return a->arrival_ns < b->arrival_ns;
    return a->serial < b->serial;
}

static void heap_push(struct rec_heap *h, struct demo_rec *r)
{
    if (h->n == h->cap) {
        h->cap = h->cap ? h->cap * 2 : 1024;
        h->v = xrealloc(h->v, h->cap * sizeof *h->v);
    }
    size_t i = h->n++;
    while (i > 0 && rec_before(r, h->v[(i - 1) / 2])) {
        h->v[i] = h->v[(i - 1) / 2];
        i = (i - 1) / 2;
    }
    h->v[i] = r;
}

static struct demo_rec *heap_pop(struct rec_heap *h)
{
    struct demo_rec *top = h->v[0];
    struct demo_rec *last = h->v[--h->n];
    size_t i = 0;
    for (;;) {
        size_t child = 2 * i + 1;
        if (child >= h->n)
            break;
        if (child + 1 < h->n && rec_before(h->v[child + 1], h->v[child]))
            child++;
        if (!rec_before(h->v[child], last))
            break;
        h->v[i] = h->v[child];
        i = child;
    }
    if (h->n > 0)
        h->v[i] = last;
    return top;
}

static void heap_free(struct rec_heap *h)
{
    for (size_t i = 0; i < h->n; i++)
        free(h->v[i]);
    free(h->v);
}

/* --- the source --- */

struct demo_shard {
    unsigned model_index;
    char seq_prefix[37];  /* fixed leading digits of this shard's sequence numbers */
    uint64_t seq_counter; /* the increasing trailing 20 digits */
    int64_t last_arrival_ms;
    unsigned batch_records;
    int64_t next_poll_ms;
};

struct demo_dlq {
    int64_t visible, in_flight, delayed;
    int64_t stuck;        /* poison messages nobody redrives */
    unsigned burst_steps; /* steps of a failure burst still to come */
    int64_t next_ns;      /* simulated time of the next sample */
};

struct txn_row {
    enum demo_table table;
    const char *op;
    json_t *before;
    json_t *after;
};

struct txn {
    unsigned n;
    struct txn_row rows[TXN_MAX_ROWS];
    bool quick;     /* no latency spikes: the special early records must arrive early */
    bool malformed; /* deliver truncated bytes */
    bool chunked;   /* split the after image into fragments */
};

struct demo {
    struct source base; /* first: the owner sees a struct source */
    struct model *m;
    struct demo_opts opts;
    struct ev_loop *loop;
    ev_timer tick;
    ev_idle idle;

    struct rng content, seqs, dlq_rng, cosmetic;
    struct db db;
    char cluster[27];
    int64_t base_ns;   /* wall-clock time at simulated 0 */
    int64_t commit_ns; /* simulated commit time of the latest transaction */
    int64_t next_big_ns;
    uint64_t txns;
    uint64_t serial;
    uint64_t delivered;
    struct rec_heap pending;

    struct demo_shard *shards;
    unsigned nshards;
    struct demo_dlq dlq;
    int64_t pace_ns; /* paced: simulated time delivered up to */
    double last_tick;
};

static int64_t wall_ns(const struct demo *d, int64_t sim_ns)
{
    return d->base_ns + sim_ns;
}

/* --- row images --- */

static json_int_t order_id(unsigned idx)
{
    return (json_int_t)ORDER_ID_BASE + idx;
}

static void money(char *out, size_t n, uint32_t cents)
{
    snprintf(out, n, "%" PRIu32 ".%02" PRIu32, cents / 100, cents % 100);
}

static json_t *order_key(unsigned idx)
{
    return json_pack("{s:I}", "order_id", order_id(idx));
}

static json_t *order_image(const struct demo *d, unsigned idx)
{
    const struct order_row *o = &d->db.order[idx];
    char total[24];
    money(total, sizeof total, o->total_cents);
    return json_pack("{s:I,s:s,s:s,s:s,s:I}", "order_id", order_id(idx), "customer_id",
                     d->db.customer[o->customer].id, "status", status_names[o->status], "total",
                     total, "created_at", (json_int_t)(wall_ns(d, 0) / 1000 + o->created_us));
}

static json_t *customer_key(const struct demo *d, unsigned idx)
{
    return json_pack("{s:s}", "customer_id", d->db.customer[idx].id);
}

static json_t *customer_image(const struct demo *d, unsigned idx)
{
    const struct customer_row *c = &d->db.customer[idx];
    char email[64], name[64];
    snprintf(email, sizeof email, "customer%u.%u@example.com", idx, (unsigned)c->email_version);
    snprintf(name, sizeof name, "%s %s", first_names[c->first], last_names[c->last]);
    return json_pack("{s:s,s:s,s:s,s:s,s:I}", "customer_id", c->id, "email", email, "name", name,
                     "tier", tier_names[c->tier], "updated_at",
                     (json_int_t)(wall_ns(d, d->commit_ns) / 1000));
}

static json_t *item_key(unsigned idx)
{
    return json_pack("{s:I,s:i}", "order_id", order_id(idx / ITEMS_PER_ORDER), "item_id",
                     (int)(idx % ITEMS_PER_ORDER) + 1);
}

static json_t *item_image(const struct demo *d, unsigned idx)
{
    const struct item_row *it = &d->db.item[idx];
    char price[24];
    money(price, sizeof price, it->price_cents);
    return json_pack("{s:I,s:i,s:i,s:s}", "order_id", order_id(idx / ITEMS_PER_ORDER), "item_id",
                     (int)(idx % ITEMS_PER_ORDER) + 1, "quantity", (int)it->quantity, "price",
                     price);
}

static json_t *note_key(unsigned idx)
{
    return json_pack("{s:i}", "note_id", (int)idx + 1);
}

static json_t *note_image(unsigned idx, const char *body, size_t body_len)
{
    return json_pack("{s:i,s:s%}", "note_id", (int)idx + 1, "body", body, body_len);
}

/* --- transactions --- */

static void txn_add(struct txn *tx, enum demo_table t, const char *op, json_t *before,
                    json_t *after)
{
    struct txn_row *row = &tx->rows[tx->n++];
    row->table = t;
    row->op = op;
    row->before = before;
    row->after = after;
}

/* The op an upsert is written with: now and then an update arrives as `c` (as in the preview)
 * or with an op no documentation lists (consumers must apply it as an upsert). */
static const char *upsert_op(struct demo *d, bool existed)
{
    uint64_t r = rng_below(&d->content, 1000);
    if (r < 2)
        return "r";
    if (existed && r < 32)
        return "c";
    return existed ? "u" : "c";
}

enum demo_op { OP_INSERT, OP_UPDATE, OP_DELETE };

/* Inserts grow less likely as the key space fills and deletes more likely, so that a table
 * settles at insert_pct / (insert_pct + delete_pct) full and keeps seeing all three ops.
 * The percentages are the chances when the key space is half full. */
static enum demo_op pick_op(struct demo *d, const struct keyspace *ks, unsigned insert_pct,
                            unsigned delete_pct)
{
    uint64_t insert_w = 2ULL * insert_pct * (ks->size - ks->nlive) / ks->size;
    uint64_t delete_w = 2ULL * delete_pct * ks->nlive / ks->size;
    uint64_t r = rng_below(&d->content, 100);
    if (r < insert_w)
        return OP_INSERT;
    if (r < insert_w + delete_w)
        return OP_DELETE;
    return OP_UPDATE;
}

static void new_item(struct demo *d, struct txn *tx, unsigned idx)
{
    struct item_row *it = &d->db.item[idx];
    it->quantity = (uint16_t)rng_range(&d->content, 1, 5);
    it->price_cents = (uint32_t)rng_range(&d->content, 199, 19999);
    ks_set(&d->db.items, idx, true);
    ks_touch(&d->db.items, idx);
    txn_add(tx, T_ITEMS, upsert_op(d, false), NULL, item_image(d, idx));
}

static bool order_insert(struct demo *d, struct txn *tx)
{
    int idx = ks_pick(&d->db.orders, &d->content, false);
    if (idx < 0)
        return false;
    struct order_row *o = &d->db.order[idx];
    o->status = ST_PENDING;
    o->customer = (uint16_t)rng_below(&d->content, CUSTOMER_KEYS);
    o->total_cents = (uint32_t)rng_range(&d->content, 500, 50000);
    o->created_us = d->commit_ns / 1000;
    ks_set(&d->db.orders, (unsigned)idx, true);
    ks_touch(&d->db.orders, (unsigned)idx);
    txn_add(tx, T_ORDERS, upsert_op(d, false), NULL, order_image(d, (unsigned)idx));
    /* some orders come with their items: one transaction, one txId, several records */
    if (rng_chance(&d->content, 200000)) {
        unsigned items = (unsigned)rng_range(&d->content, 1, 2);
        for (unsigned i = 0; i < items; i++)
            new_item(d, tx, (unsigned)idx * ITEMS_PER_ORDER + i);
    }
    return true;
}

static bool order_update(struct demo *d, struct txn *tx)
{
    int idx = ks_pick_live(&d->db.orders, &d->content);
    if (idx < 0)
        return false;
    struct order_row *o = &d->db.order[idx];
    if (o->status < ST_DELIVERED && rng_chance(&d->content, 900000))
        o->status = rng_chance(&d->content, 50000) ? ST_CANCELLED : o->status + 1;
    else
        o->total_cents = (uint32_t)rng_range(&d->content, 500, 50000);
    ks_touch(&d->db.orders, (unsigned)idx);
    txn_add(tx, T_ORDERS, upsert_op(d, true), NULL, order_image(d, (unsigned)idx));
    return true;
}

static bool order_delete(struct demo *d, struct txn *tx)
{
    int idx = ks_pick_live(&d->db.orders, &d->content);
    if (idx < 0)
        return false;
    ks_set(&d->db.orders, (unsigned)idx, false);
    ks_touch(&d->db.orders, (unsigned)idx);
    txn_add(tx, T_ORDERS, "d", order_key((unsigned)idx), NULL);
    /* the items go with their order, in the same transaction */
    for (unsigned i = 0; i < ITEMS_PER_ORDER; i++) {
        unsigned item = (unsigned)idx * ITEMS_PER_ORDER + i;
        if (d->db.items.live[item]) {
            ks_set(&d->db.items, item, false);
            txn_add(tx, T_ITEMS, "d", item_key(item), NULL);
        }
    }
    return true;
}

static bool gen_orders(struct demo *d, struct txn *tx)
{
    switch (pick_op(d, &d->db.orders, 20, 8)) {
    case OP_INSERT:
        return order_insert(d, tx) || order_update(d, tx);
    case OP_DELETE:
        return order_delete(d, tx) || order_insert(d, tx);
    case OP_UPDATE:
        break;
    }
    return order_update(d, tx) || order_insert(d, tx);
}

static bool customer_upsert(struct demo *d, struct txn *tx, bool existing)
{
    int idx = existing ? ks_pick_live(&d->db.customers, &d->content)
                       : ks_pick(&d->db.customers, &d->content, false);
    if (idx < 0)
        return false;
    struct customer_row *c = &d->db.customer[idx];
    switch (rng_below(&d->content, 3)) {
    case 0:
        c->tier = (uint8_t)rng_below(&d->content, COUNT_OF(tier_names));
        break;
    case 1:
        c->email_version++;
        break;
    default:
        c->last = (uint8_t)rng_below(&d->content, COUNT_OF(last_names));
        break;
    }
    ks_set(&d->db.customers, (unsigned)idx, true);
    ks_touch(&d->db.customers, (unsigned)idx);
    txn_add(tx, T_CUSTOMERS, upsert_op(d, existing), NULL, customer_image(d, (unsigned)idx));
    return true;
}

static bool customer_delete(struct demo *d, struct txn *tx)
{
    int idx = ks_pick_live(&d->db.customers, &d->content);
    if (idx < 0)
        return false;
    ks_set(&d->db.customers, (unsigned)idx, false);
    ks_touch(&d->db.customers, (unsigned)idx);
    txn_add(tx, T_CUSTOMERS, "d", customer_key(d, (unsigned)idx), NULL);
    return true;
}

static bool gen_customers(struct demo *d, struct txn *tx)
{
    switch (pick_op(d, &d->db.customers, 10, 4)) {
    case OP_INSERT:
        return customer_upsert(d, tx, false) || customer_upsert(d, tx, true);
    case OP_DELETE:
        return customer_delete(d, tx) || customer_upsert(d, tx, false);
    case OP_UPDATE:
        break;
    }
    return customer_upsert(d, tx, true) || customer_upsert(d, tx, false);
}

static bool item_insert(struct demo *d, struct txn *tx)
{
    for (int tries = 0; tries < 8; tries++) {
        int order = ks_pick(&d->db.orders, &d->content, true);
        if (order < 0)
            return false;
        for (unsigned i = 0; i < ITEMS_PER_ORDER; i++) {
            unsigned idx = (unsigned)order * ITEMS_PER_ORDER + i;
            if (!d->db.items.live[idx]) {
                new_item(d, tx, idx);
                return true;
            }
        }
    }
    return false;
}

static bool item_update(struct demo *d, struct txn *tx)
{
    int idx = ks_pick_live(&d->db.items, &d->content);
    if (idx < 0)
        return false;
    d->db.item[idx].quantity = (uint16_t)rng_range(&d->content, 1, 9);
    ks_touch(&d->db.items, (unsigned)idx);
    txn_add(tx, T_ITEMS, upsert_op(d, true), NULL, item_image(d, (unsigned)idx));
    return true;
}

static bool item_delete(struct demo *d, struct txn *tx)
{
    int idx = ks_pick_live(&d->db.items, &d->content);
    if (idx < 0)
        return false;
    ks_set(&d->db.items, (unsigned)idx, false);
    ks_touch(&d->db.items, (unsigned)idx);
    txn_add(tx, T_ITEMS, "d", item_key((unsigned)idx), NULL);
    return true;
}

static bool gen_items(struct demo *d, struct txn *tx)
{
    switch (pick_op(d, &d->db.items, 30, 20)) {
    case OP_INSERT:
        return item_insert(d, tx) || item_update(d, tx);
    case OP_DELETE:
        return item_delete(d, tx) || item_insert(d, tx);
    case OP_UPDATE:
        break;
    }
    return item_update(d, tx) || item_insert(d, tx);
}

static void note_body(struct demo *d, struct buf *b, size_t min_len)
{
    while (b->len < min_len) {
        if (b->len > 0)
            buf_putc(b, ' ');
        buf_puts(b, note_phrases[rng_below(&d->content, COUNT_OF(note_phrases))]);
    }
}

/* A note with the given body: inserted when the key is free, updated otherwise. */
static void note_write(struct demo *d, struct txn *tx, unsigned idx, const struct buf *body)
{
    bool existed = d->db.notes.live[idx];
    ks_set(&d->db.notes, idx, true);
    ks_touch(&d->db.notes, idx);
    txn_add(tx, T_NOTES, upsert_op(d, existed), NULL, note_image(idx, body->data, body->len));
}

static bool note_upsert(struct demo *d, struct txn *tx, bool existing)
{
    int idx = existing ? ks_pick_live(&d->db.notes, &d->content)
                       : ks_pick(&d->db.notes, &d->content, false);
    if (idx < 0)
        return false;
    struct buf body;
    buf_init(&body);
    note_body(d, &body, (size_t)rng_range(&d->content, 20, 400));
    note_write(d, tx, (unsigned)idx, &body);
    buf_free(&body);
    return true;
}

static bool note_delete(struct demo *d, struct txn *tx)
{
    int idx = ks_pick_live(&d->db.notes, &d->content);
    if (idx < 0)
        return false;
    ks_set(&d->db.notes, (unsigned)idx, false);
    ks_touch(&d->db.notes, (unsigned)idx);
    txn_add(tx, T_NOTES, "d", note_key((unsigned)idx), NULL);
    return true;
}

static bool gen_notes(struct demo *d, struct txn *tx)
{
    switch (pick_op(d, &d->db.notes, 30, 15)) {
    case OP_INSERT:
        return note_upsert(d, tx, false) || note_upsert(d, tx, true);
    case OP_DELETE:
        return note_delete(d, tx) || note_upsert(d, tx, false);
    case OP_UPDATE:
        break;
    }
    return note_upsert(d, tx, true) || note_upsert(d, tx, false);
}

/* Terminal control sequences, a bell, a carriage return and non-ASCII text, all legal in a text
 * column: a console that prints values unescaped is taken over by them. */
static void hostile_note(struct demo *d, struct txn *tx)
{
    static const char body[] = "Customer pasted this from a terminal: \x1b[2J\x1b[H\x07"
                               "cleared!\rOverwritten line; café é, 日本語, naïve "
                               "\x1b]0;window title\x07 end";
    (void)d;
    /* note_id NOTE_KEYS + 1 lies outside the key space the generator draws from, so the note is
     * never updated or deleted and stays on the Rows screen for as long as the demo runs. */
    txn_add(tx, T_NOTES, "c", NULL, note_image(NOTE_KEYS, body, sizeof body - 1));
    tx->quick = true;
}

static void chunked_note(struct demo *d, struct txn *tx)
{
    struct buf b;
    buf_init(&b);
    buf_puts(&b, "Long note, split into fragments (é marks the spot).");
    note_body(d, &b, 2400);
    note_write(d, tx, (unsigned)rng_below(&d->content, NOTE_KEYS), &b);
    buf_free(&b);
    tx->quick = true;
    tx->chunked = true;
}

/* A note whose record fills 85-99 % of the stream's maximum record size. */
static void big_note(struct demo *d, struct txn *tx, size_t record_target)
{
    unsigned idx = (unsigned)rng_below(&d->content, NOTE_KEYS);
    /* the record's size apart from the body: measured on the same record with an empty body */
    json_t *probe = note_image(idx, "", 0);
    size_t image = json_dumpb(probe, NULL, 0, JSON_COMPACT);
    json_decref(probe);
    size_t envelope = 400; /* source block, timestamps and partition key, generously */
    size_t body_len = record_target > image + envelope ? record_target - image - envelope : 1;
    struct buf b;
    buf_init(&b);
    buf_reserve(&b, body_len + 1);
    static const char filler[] = "lorem ipsum dolor sit amet consectetur adipiscing elit ";
    while (b.len < body_len)
        buf_append(&b, filler,
                   body_len - b.len < sizeof filler - 1 ? body_len - b.len : sizeof filler - 1);
    note_write(d, tx, idx, &b);
    buf_free(&b);
}

static size_t big_record_target(struct demo *d)
{
    uint64_t limit = d->m->record_size_limit ? d->m->record_size_limit : MODEL_DEFAULT_RECORD_LIMIT;
    return (size_t)(limit * (uint64_t)rng_range(&d->content, 85, 99) / 100);
}

static void gen_regular(struct demo *d, struct txn *tx)
{
    uint64_t r = rng_below(&d->content, 100);
    bool done = r < 36   ? gen_orders(d, tx)
                : r < 58 ? gen_customers(d, tx)
                : r < 78 ? gen_items(d, tx)
                         : gen_notes(d, tx);
    if (!done)
        gen_orders(d, tx);
}

static void gen_rows(struct demo *d, struct txn *tx)
{
    if (d->txns == TXN_HOSTILE_NOTE) {
        hostile_note(d, tx);
    } else if (d->txns == TXN_CHUNKED) {
        chunked_note(d, tx);
    } else if (d->commit_ns >= d->next_big_ns) {
        big_note(d, tx, big_record_target(d));
        d->next_big_ns = d->commit_ns + rng_range(&d->content, 30, 60) * NS_PER_SEC;
    } else {
        gen_regular(d, tx);
        if (d->txns == TXN_MALFORMED) {
            tx->quick = true;
            tx->malformed = true;
        }
    }
}

/* --- records --- */

static json_t *source_block(const struct demo *d, enum demo_table t, const char *txid)
{
    int64_t commit = wall_ns(d, d->commit_ns);
    return json_pack("{s:s,s:I,s:I,s:s,s:s,s:s,s:s,s:s}", "version", "1.0", "ts_ms",
                     (json_int_t)(commit / NS_PER_MS), "ts_ns", (json_int_t)commit, "txId", txid,
                     "schema", "public", "table", table_names[t], "db", "postgres", "cluster",
                     d->cluster);
}

static json_t *full_record(const struct demo *d, const struct txn_row *row, const char *txid,
                           int64_t emit_ns)
{
    int64_t emit = wall_ns(d, emit_ns);
    json_t *before = row->before ? json_incref(row->before) : json_null();
    json_t *after = row->after ? json_incref(row->after) : json_null();
    return json_pack("{s:s,s:s,s:o,s:o,s:o,s:I,s:I}", "type", "full", "op", row->op, "before",
                     before, "after", after, "source", source_block(d, row->table, txid), "ts_ms",
                     (json_int_t)(emit / NS_PER_MS), "ts_ns", (json_int_t)emit);
}

/* Serialises and releases j. NULL only if jansson failed (out of memory). */
static char *dump_json(json_t *j, size_t *len)
{
    if (j == NULL)
        return NULL;
    size_t n = json_dumpb(j, NULL, 0, JSON_COMPACT);
    char *p = n ? xmalloc(n) : NULL;
    if (p != NULL && json_dumpb(j, p, n, JSON_COMPACT) != n) {
        free(p);
        p = NULL;
    }
    json_decref(j);
    *len = n;
    return p;
}

/* Commit->emit latency: mostly 50-300 ms, sometimes a spike of seconds, sometimes negative
 * (the emitter's clock behind the committer's). */
static int64_t commit_latency(struct demo *d, bool quick)
{
    if (quick)
        return rng_range(&d->content, 50, 80) * NS_PER_MS;
    uint64_t r = rng_below(&d->content, 1000);
    if (r < 12)
        return rng_range(&d->content, 2000, 8000) * NS_PER_MS;
    if (r < 22)
        return -rng_range(&d->content, 1, 5) * NS_PER_MS;
    return rng_range(&d->content, 50, 300) * NS_PER_MS;
}

static int64_t arrival_latency(struct demo *d, bool quick)
{
    if (!quick && rng_chance(&d->content, 10000))
        return rng_range(&d->content, 500, 3000) * NS_PER_MS;
    return rng_range(&d->content, 5, 50) * NS_PER_MS;
}

static void random_pkey(struct demo *d, char out[37])
{
    if (rng_chance(&d->content, 500000)) {
        rng_uuid(&d->content, out);
        return;
    }
    for (int i = 0; i < 32; i++)
        out[i] = "0123456789abcdef"[rng_below(&d->content, 16)];
    out[32] = '\0';
}

static struct demo_rec *rec_new(struct demo *d, const char *data, size_t len, int64_t arrival_ns,
                                unsigned shard)
{
    struct demo_rec *r = xmalloc(sizeof *r + len);
    r->arrival_ns = arrival_ns;
    r->serial = d->serial++;
    r->shard = shard;
    r->len = len;
    memcpy(r->data, data, len);
    random_pkey(d, r->pkey);
    return r;
}

/* At-least-once: the same bytes again, later, on the same shard or another one. */
static void maybe_redeliver(struct demo *d, const struct demo_rec *r)
{
    if (!rng_chance(&d->content, 20000))
        return;
    int64_t later = r->arrival_ns + rng_range(&d->content, 300, 4000) * NS_PER_MS;
    bool same_shard = rng_chance(&d->content, 500000);
    unsigned shard = same_shard ? r->shard : (unsigned)rng_below(&d->content, d->nshards);
    struct demo_rec *copy = rec_new(d, r->data, r->len, later, shard);
    if (same_shard)
        memcpy(copy->pkey, r->pkey, sizeof copy->pkey);
    heap_push(&d->pending, copy);
}

static void schedule(struct demo *d, const char *data, size_t len, int64_t arrival_ns)
{
    unsigned shard = (unsigned)rng_below(&d->content, d->nshards);
    struct demo_rec *r = rec_new(d, data, len, arrival_ns, shard);
    heap_push(&d->pending, r);
    maybe_redeliver(d, r);
}

/* A record cut short, as a broken producer or a bad proxy would deliver it. */
static size_t truncated_len(struct demo *d, size_t len)
{
    return len * (size_t)rng_range(&d->content, 30, 80) / 100;
}

/* Splits at about total*i/parts, moved forward to a UTF-8 character boundary, so that every
 * fragment is valid UTF-8 on its own. */
static size_t split_point(const char *p, size_t len, unsigned i, unsigned parts)
{
    size_t at = len * i / parts;
    while (at < len && ((unsigned char)p[at] & 0xc0) == 0x80)
        at++;
    return at;
}

/* Arrival offsets (ms after emit) for the fragments, never in index order. */
static void fragment_offsets(struct demo *d, int64_t out[CHUNK_FRAGMENTS])
{
    for (unsigned i = 0; i < CHUNK_FRAGMENTS; i++)
        out[i] = rng_range(&d->content, 10, 400);
    if (out[0] <= out[1]) {
        int64_t t = out[0];
        out[0] = out[1] + 1;
        out[1] = t;
    }
}

static void schedule_fragments(struct demo *d, const char *chunk_id, const char *text, size_t len,
                               int64_t emit_ns)
{
    int64_t offset_ms[CHUNK_FRAGMENTS];
    fragment_offsets(d, offset_ms);
    unsigned first_shard = (unsigned)rng_below(&d->content, d->nshards);
    unsigned duplicated = (unsigned)rng_below(&d->content, CHUNK_FRAGMENTS);
    for (unsigned i = 0; i < CHUNK_FRAGMENTS; i++) {
        size_t from = split_point(text, len, i, CHUNK_FRAGMENTS);
        size_t to = split_point(text, len, i + 1, CHUNK_FRAGMENTS);
        size_t n;
        char *bytes =
            dump_json(json_pack("{s:s,s:s,s:i,s:s%}", "type", "fragment", "chunk_id", chunk_id,
                                "index", (int)i, "data", text + from, to - from),
                      &n);
        if (bytes == NULL)
            continue;
        int64_t arrival = emit_ns + offset_ms[i] * NS_PER_MS;
        unsigned shard = (first_shard + i) % d->nshards; /* a different shard each */
        heap_push(&d->pending, rec_new(d, bytes, n, arrival, shard));
        if (i == duplicated)
            heap_push(&d->pending,
                      rec_new(d, bytes, n, arrival + 250 * NS_PER_MS, (shard + 1) % d->nshards));
        free(bytes);
    }
}

/* The head record of a split change, and its after image as fragments. */
static void schedule_chunked(struct demo *d, const struct txn_row *row, const char *txid,
                             int64_t emit_ns)
{
    size_t text_len;
    char *text = dump_json(json_incref(row->after), &text_len);
    if (text == NULL)
        return;
    char chunk_id[27], crc[16];
    rng_base32(&d->content, chunk_id, 26);
    snprintf(crc, sizeof crc, "%" PRIu32, crc32c(0, text, text_len));
    int64_t emit = wall_ns(d, emit_ns);
    size_t len;
    char *head =
        dump_json(json_pack("{s:s,s:s,s:n,s:n,s:o,s:{s:{s:s,s:i,s:s}},s:I,s:I}", "type", "chunked",
                            "op", row->op, "before", "after", "source",
                            source_block(d, row->table, txid), "chunked", "after", "chunk_id",
                            chunk_id, "total_fragments", CHUNK_FRAGMENTS, "crc32c", crc, "ts_ms",
                            (json_int_t)(emit / NS_PER_MS), "ts_ns", (json_int_t)emit),
                  &len);
    if (head != NULL)
        schedule(d, head, len, emit_ns + arrival_latency(d, true));
    schedule_fragments(d, chunk_id, text, text_len, emit_ns);
    free(head);
    free(text);
}

static void schedule_row(struct demo *d, const struct txn *tx, const struct txn_row *row,
                         const char *txid, int64_t emit_ns)
{
    if (tx->chunked && row->after != NULL) {
        schedule_chunked(d, row, txid, emit_ns);
        return;
    }
    size_t len;
    char *bytes = dump_json(full_record(d, row, txid, emit_ns), &len);
    if (bytes == NULL)
        return;
    if (tx->malformed || rng_chance(&d->content, 500))
        len = truncated_len(d, len);
    schedule(d, bytes, len, emit_ns + arrival_latency(d, tx->quick));
    free(bytes);
}

static void txn_release(struct txn *tx)
{
    for (unsigned i = 0; i < tx->n; i++) {
        json_decref(tx->rows[i].before);
        json_decref(tx->rows[i].after);
    }
}

/* Commits the next transaction on the simulated clock and queues its records. */
static void generate_txn(struct demo *d)
{
    d->txns++;
    d->commit_ns += rng_range(&d->content, 1200000, 9500000); /* ns; strictly increasing */
    struct txn tx = {0};
    gen_rows(d, &tx);
    char txid[27];
    rng_base32(&d->content, txid, 26);
    int64_t latency = commit_latency(d, tx.quick);
    for (unsigned i = 0; i < tx.n; i++) {
        int64_t emit = d->commit_ns + latency + rng_range(&d->content, 0, 2000000);
        schedule_row(d, &tx, &tx.rows[i], txid, emit);
    }
    txn_release(&tx);
}

/* --- delivery --- */

/* Every record arrives at or after its commit and commits only grow, so once the earliest
 * waiting record is due by the latest commit, nothing generated later can arrive before it. */
static const struct demo_rec *peek_record(struct demo *d)
{
    while (d->pending.n == 0 || d->pending.v[0]->arrival_ns > d->commit_ns)
        generate_txn(d);
    return d->pending.v[0];
}

static void next_seq(struct demo *d, struct demo_shard *sh, char out[CDC_SEQ_MAX + 1])
{
    sh->seq_counter += (uint64_t)rng_range(&d->seqs, 1000000, 100000000);
    snprintf(out, CDC_SEQ_MAX + 1, "%s%020" PRIu64, sh->seq_prefix, sh->seq_counter);
}

static void dlq_step(struct demo *d)
{
    struct demo_dlq *q = &d->dlq;
    struct rng *r = &d->dlq_rng;
    if (q->burst_steps == 0 && rng_chance(r, 40000))
        q->burst_steps = (unsigned)rng_range(r, 2, 6);
    if (q->burst_steps > 0) {
        q->burst_steps--;
        q->visible += rng_range(r, 20, 150); /* a batch of failed deliveries */
    } else if (q->visible > q->stuck) {
        /* redriven over about a minute */
        int64_t drain = (q->visible - q->stuck) / 8 + rng_range(r, 1, 4);
        q->visible = q->visible - drain > q->stuck ? q->visible - drain : q->stuck;
    }
    int64_t busy = q->visible - q->stuck;
    q->in_flight = busy > 0 ? rng_range(r, 0, busy < 8 ? busy : 8) : 0;
    q->delayed = rng_chance(r, 200000) ? rng_range(r, 1, 3) : 0;
}

/* DLQ samples follow the simulated clock of the records delivered so far. */
static void dlq_follow(struct demo *d, int64_t delivered_ns, int64_t now_ms)
{
    while (delivered_ns >= d->dlq.next_ns) {
        dlq_step(d);
        d->dlq.next_ns += DLQ_STEP_NS;
        model_dlq_update(d->m, now_ms, d->dlq.visible, d->dlq.in_flight, d->dlq.delayed);
    }
}

static void deliver_one(struct demo *d, int64_t now_ms)
{
    peek_record(d);
    struct demo_rec *r = heap_pop(&d->pending);
    struct demo_shard *sh = &d->shards[r->shard];
    char seq[CDC_SEQ_MAX + 1];
    next_seq(d, sh, seq);
    int64_t arrival_ms = wall_ns(d, r->arrival_ns) / NS_PER_MS;
    struct cdc_raw raw = {
        .data = r->data,
        .len = r->len,
        .shard = sh->model_index,
        .seq = seq,
        .seq_len = strlen(seq),
        .pkey = r->pkey,
        .pkey_len = strlen(r->pkey),
        .arrival_ms = arrival_ms,
    };
    source_feed(&d->base, &raw, now_ms);
    sh->last_arrival_ms = arrival_ms;
    sh->batch_records++;
    d->delivered++;
    dlq_follow(d, r->arrival_ns, now_ms);
    free(r);
}

/* The figures a Kinesis reader keeps per shard: GetRecords calls, how far behind the tip it is,
 * and so reading or caught up. Cosmetic, so drawn from their own generator. */
static void shard_poll(struct demo *d, struct demo_shard *sh, int64_t now_ms, bool behind)
{
    /* unpaced, each batch is one call per shard it read from; paced, calls keep their own beat */
    if (behind ? sh->batch_records == 0 : now_ms < sh->next_poll_ms)
        return;
    struct shard *s = d->m->shards[sh->model_index];
    s->calls++;
    series_add(&s->calls_per_s, now_ms, 1);
    if (behind) /* reading a backlog: as far behind as the last record read */
        s->millis_behind = now_ms > sh->last_arrival_ms ? now_ms - sh->last_arrival_ms : 0;
    else
        s->millis_behind = rng_chance(&d->cosmetic, 550000) ? 0 : rng_range(&d->cosmetic, 1, 400);
    s->state = s->millis_behind > 0 ? SHARD_READING : SHARD_LATEST;
    sh->batch_records = 0;
    sh->next_poll_ms = now_ms + rng_range(&d->cosmetic, 200, 300);
}

static bool demo_finished(const struct source *src)
{
    const struct demo *d = (const struct demo *)src;
    return d->opts.limit > 0 && d->delivered >= d->opts.limit;
}

static void demo_stop(struct source *src)
{
    struct demo *d = (struct demo *)src;
    if (d->loop == NULL)
        return;
    ev_timer_stop(d->loop, &d->tick);
    ev_idle_stop(d->loop, &d->idle);
}

/* Delivers, in arrival order, up to max records that have arrived by simulated time due_ns. */
static uint64_t deliver_due(struct demo *d, uint64_t max, int64_t due_ns, int64_t now_ms)
{
    uint64_t n = 0;
    while (n < max && !demo_finished(&d->base) && peek_record(d)->arrival_ns <= due_ns) {
        deliver_one(d, now_ms);
        n++;
    }
    return n;
}

/* Once the limit is reached the stream has nothing more: every reader is at the tip. */
static void shards_caught_up(struct demo *d)
{
    for (unsigned i = 0; i < d->nshards; i++) {
        struct shard *s = d->m->shards[d->shards[i].model_index];
        s->millis_behind = 0;
        s->state = SHARD_LATEST;
    }
}

/* After each batch: reader figures, then tell the owner. behind: the batch left records due. */
static void batch_done(struct demo *d, uint64_t n, int64_t now_ms, bool behind)
{
    if (n > 0)
        d->base.last_record_ms = now_ms;
    for (unsigned i = 0; i < d->nshards; i++)
        shard_poll(d, &d->shards[i], now_ms, behind);
    if (demo_finished(&d->base)) {
        demo_stop(&d->base);
        shards_caught_up(d);
    }
    d->m->generation++;
    source_changed(&d->base);
}

/* Paced: the simulated clock advances rate / DEMO_NOMINAL_RATE times as fast as the wall clock,
 * and each tick delivers what has arrived by then, like a reader polling its shards. */
static void on_tick(struct ev_loop *loop, ev_timer *w, int revents)
{
    (void)revents;
    struct demo *d = w->data;
    double now = ev_now(loop);
    double speed = d->opts.rate / DEMO_NOMINAL_RATE;
    d->pace_ns += (int64_t)((now - d->last_tick) * speed * (double)NS_PER_SEC);
    d->last_tick = now;
    /* after a stall (a suspended terminal) catch up quickly, but not in a single tick */
    uint64_t cap = (uint64_t)(d->opts.rate * DEMO_CATCH_UP_S);
    if (cap < DEMO_FAST_BATCH)
        cap = DEMO_FAST_BATCH;
    int64_t now_ms = clock_now_ms(loop);
    uint64_t n = deliver_due(d, cap, d->pace_ns, now_ms);
    batch_done(d, n, now_ms, n == cap);
}

/* Unpaced: a batch per loop iteration, so the loop (keys, redraws) keeps running. */
static void on_idle(struct ev_loop *loop, ev_idle *w, int revents)
{
    (void)revents;
    struct demo *d = w->data;
    int64_t now_ms = clock_now_ms(loop);
    uint64_t n = deliver_due(d, DEMO_FAST_BATCH, INT64_MAX, now_ms);
    batch_done(d, n, now_ms, true);
}

/* --- setup --- */

static void shards_register(struct demo *d)
{
    for (unsigned i = 0; i < d->nshards; i++) {
        struct demo_shard *sh = &d->shards[i];
        char id[SHARD_ID_MAX + 1];
        snprintf(id, sizeof id, "shardId-%012u", i);
        sh->model_index = model_shard_listed(d->m, id);
        d->m->shards[sh->model_index]->state = SHARD_READING;
        /* 56 digits in all, like Kinesis: 36 fixed per shard, then 20 that grow */
        /* separate statements: the order in which arguments are evaluated is unspecified */
        uint64_t high = rng_next(&d->seqs) % UINT64_C(10000000000000000);
        uint64_t mid = rng_next(&d->seqs) % UINT64_C(100000000000000);
        snprintf(sh->seq_prefix, sizeof sh->seq_prefix, "49%016" PRIu64 "%04u%014" PRIu64, high,
                 i % 10000, mid);
        sh->seq_counter = rng_next(&d->seqs) % 1000000000000000000ULL;
        sh->last_arrival_ms = CDC_TIME_NONE;
    }
}

/* The database as it was before the stream was created: updates and deletes have rows to hit
 * from the first record on. */
static void db_prepopulate(struct demo *d)
{
    struct db *db = &d->db;
    for (unsigned i = 0; i < CUSTOMER_KEYS; i++) {
        struct customer_row *c = &db->customer[i];
        rng_uuid(&d->content, c->id);
        c->tier = (uint8_t)rng_below(&d->content, COUNT_OF(tier_names));
        c->first = (uint8_t)rng_below(&d->content, COUNT_OF(first_names));
        c->last = (uint8_t)rng_below(&d->content, COUNT_OF(last_names));
        ks_set(&db->customers, i, rng_chance(&d->content, 700000));
    }
    for (unsigned i = 0; i < ORDER_KEYS; i++) {
        if (!rng_chance(&d->content, 600000))
            continue;
        struct order_row *o = &db->order[i];
        o->status = (uint8_t)rng_below(&d->content, ST_COUNT);
        o->customer = (uint16_t)rng_below(&d->content, CUSTOMER_KEYS);
        o->total_cents = (uint32_t)rng_range(&d->content, 500, 50000);
        o->created_us = -rng_range(&d->content, 3600, 90 * 86400) * 1000000;
        ks_set(&db->orders, i, true);
        unsigned items = (unsigned)rng_below(&d->content, ITEMS_PER_ORDER + 1);
        for (unsigned k = 0; k < items; k++) {
            unsigned idx = i * ITEMS_PER_ORDER + k;
            db->item[idx].quantity = (uint16_t)rng_range(&d->content, 1, 5);
            db->item[idx].price_cents = (uint32_t)rng_range(&d->content, 199, 19999);
            ks_set(&db->items, idx, true);
        }
    }
    for (unsigned i = 0; i < NOTE_KEYS; i++)
        ks_set(&db->notes, i, rng_chance(&d->content, 500000));
}

static void db_init(struct demo *d)
{
    ks_init(&d->db.orders, ORDER_KEYS);
    ks_init(&d->db.customers, CUSTOMER_KEYS);
    ks_init(&d->db.items, ORDER_KEYS * ITEMS_PER_ORDER);
    ks_init(&d->db.notes, NOTE_KEYS);
    db_prepopulate(d);
}

static void db_free(struct db *db)
{
    free(db->orders.live);
    free(db->customers.live);
    free(db->items.live);
    free(db->notes.live);
}

static void dlq_start(struct demo *d, int64_t now_ms)
{
    d->dlq.stuck = rng_range(&d->dlq_rng, 0, 3);
    d->dlq.visible = d->dlq.stuck + rng_range(&d->dlq_rng, 0, 40);
    d->dlq.next_ns = DLQ_STEP_NS;
    model_dlq_configure(d->m, "demo-dlq");
    model_dlq_update(d->m, now_ms, d->dlq.visible, 0, 0);
}

/* Simulated time 0 on the wall clock. Paced: a moment ago, so that records are read a little
 * after they arrived. Unpaced and bounded: far enough back that the whole run has arrived by the
 * time it is read (a backlog). Unpaced and unbounded: now (the stream then runs ahead). */
static int64_t choose_base_ms(const struct demo *d, int64_t now_ms)
{
    if (d->opts.rate > 0)
        return now_ms - DEMO_READ_DELAY_MS;
    if (d->opts.limit == 0)
        return now_ms;
    uint64_t records = d->opts.limit < DEMO_BACKLOG_MAX ? d->opts.limit : DEMO_BACKLOG_MAX;
    /* a tenth over the nominal duration, for seeds that run a little slower than nominal */
    uint64_t span_ms = records * 1100 / DEMO_NOMINAL_RATE + DEMO_BACKLOG_SLACK_MS;
    return now_ms - (int64_t)span_ms;
}

static int demo_start(struct source *src, struct ev_loop *loop, char *err, size_t errlen)
{
    struct demo *d = (struct demo *)src;
    if (d->loop != NULL) {
        snprintf(err, errlen, "demo source already started");
        return -1;
    }
    d->loop = loop;
    int64_t now_ms = clock_now_ms(loop);
    d->base_ns = choose_base_ms(d, now_ms) * NS_PER_MS;
    char desc[64];
    snprintf(desc, sizeof desc, "demo (seed %" PRIu64 ")", d->opts.seed);
    model_set_source(d->m, desc);
    shards_register(d);
    dlq_start(d, now_ms);
    if (d->opts.rate > 0) {
        d->last_tick = ev_now(loop);
        ev_timer_init(&d->tick, on_tick, DEMO_TICK_S, DEMO_TICK_S);
        d->tick.data = d;
        ev_timer_start(loop, &d->tick);
    } else {
        ev_idle_init(&d->idle, on_idle);
        d->idle.data = d;
        ev_idle_start(loop, &d->idle);
    }
    source_changed(&d->base);
    return 0;
}

static void demo_free(struct source *src)
{
    struct demo *d = (struct demo *)src;
    if (d == NULL)
        return;
    demo_stop(src);
    heap_free(&d->pending);
    db_free(&d->db);
    free(d->shards);
    free(d);
}

static const struct source_ops demo_ops = {
    .name = "demo",
    .start = demo_start,
    .stop = demo_stop,
    .free = demo_free,
    .finished = demo_finished,
};

struct source *src_demo_new(struct model *m, const struct demo_opts *opts)
{
    struct demo *d = xcalloc(1, sizeof *d);
    d->base.ops = &demo_ops;
    d->base.model = m;
    d->m = m;
    d->opts = *opts;
    d->nshards = opts->shards == 0 ? DEMO_DEFAULT_SHARDS : opts->shards;
    if (d->nshards > DEMO_MAX_SHARDS)
        d->nshards = DEMO_MAX_SHARDS;
    d->shards = xcalloc(d->nshards, sizeof *d->shards);
    rng_seed(&d->content, opts->seed, 1);
    rng_seed(&d->seqs, opts->seed, 2);
    rng_seed(&d->dlq_rng, opts->seed, 3);
    rng_seed(&d->cosmetic, opts->seed, 4);
    /* a DSQL cluster identifier: 26 characters of [a-z0-9] */
    for (int i = 0; i < 26; i++)
        d->cluster[i] = "abcdefghijklmnopqrstuvwxyz0123456789"[rng_below(&d->content, 36)];
    d->next_big_ns = rng_range(&d->content, 12, 25) * NS_PER_SEC;
    db_init(d);
    return &d->base;
}

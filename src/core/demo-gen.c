/*
 * The demo's generator (see demo-gen.h).
 *
 * Transactions commit at seed-drawn intervals on a simulated clock (about
 * DEMO_GEN_NOMINAL_RATE records per simulated second); each record gets a seed-drawn
 * commit->emit latency, emit->arrival latency and shard, and waits in a heap until it is
 * delivered in arrival order. Sequence numbers are assigned at delivery. Every time written is
 * `base + simulated offset`.
 *
 * Separate generators (streams of one seed) feed the content (records, shards, partition keys),
 * the sequence numbers, the DLQ and the cosmetic reader figures, so that work paced by the wall
 * clock (reader polls) cannot disturb the content.
 *
 * The records are compact JSON (keys in the order DSQL writes them, no spaces), with strings
 * escaped by buf_json_string, the project's one JSON string writer.
 */
#include "config.h"

#include "demo-gen.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "change.h"
#include "crc32c.h"
#include "model.h"
#include "rng.h"
#include "xalloc.h"

#define NS_PER_MS  INT64_C(1000000)
#define NS_PER_SEC INT64_C(1000000000)

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

/* The hostile note's key lies outside the key space the generator draws from, so it is never
 * updated or deleted and stays on the Rows screen for as long as the demo runs. */
_Static_assert(DEMO_GEN_HOSTILE_NOTE_ID > NOTE_KEYS, "the hostile note has a key of its own");

enum { STREAM_CONTENT = 1, STREAM_SEQS, STREAM_DLQ, STREAM_COSMETIC };

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
    unsigned shard;     /* index into the stream's shards */
    bool truncated;
    bool repeat;
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

/* --- the generator --- */

struct stream_shard {
    char seq_prefix[37];  /* fixed leading digits of this shard's sequence numbers */
    uint64_t seq_counter; /* the increasing trailing 20 digits */
};

struct dlq_sim {
    int64_t visible, in_flight, delayed;
    int64_t stuck;        /* poison messages nobody redrives */
    unsigned burst_steps; /* steps of a failure burst still to come */
    int64_t next_ns;      /* simulated time of the next sample */
};

/* One row change of a transaction: its images as JSON text, empty for a null image. */
struct txn_row {
    enum demo_table table;
    const char *op;
    struct buf before;
    struct buf after;
};

struct txn {
    unsigned n;
    struct txn_row rows[TXN_MAX_ROWS];
    bool quick;     /* no latency spikes: the special early records must arrive early */
    bool malformed; /* deliver truncated bytes */
    bool chunked;   /* split the after image into fragments */
};

struct demo_gen {
    struct rng content, seqs, dlq_rng, cosmetic;
    struct db db;
    char cluster[27];
    uint64_t record_limit;
    int64_t base_ns;   /* wall-clock time at simulated 0 */
    int64_t commit_ns; /* simulated commit time of the latest transaction */
    int64_t next_big_ns;
    uint64_t txns;
    uint64_t serial;
    struct rec_heap pending;

    struct stream_shard *shards;
    unsigned nshards;
    struct demo_rec *current; /* the record last returned, owned until the next call */
    char seq[CDC_SEQ_MAX + 1];
    uint64_t delivered;
    int64_t delivered_ns; /* simulated arrival of the record last returned */
    struct dlq_sim dlq;
};

static int64_t wall_ns(const struct demo_gen *g, int64_t sim_ns)
{
    return g->base_ns + sim_ns;
}

/* --- JSON text --- */

/* A JSON string; the bytes must be valid UTF-8. */
static void put_text(struct buf *b, const char *p, size_t n)
{
    buf_json_string(b, p, n);
}

static void put_string(struct buf *b, const char *s)
{
    put_text(b, s, strlen(s));
}

static void put_image(struct buf *b, const struct buf *image)
{
    if (image->len == 0)
        buf_puts(b, "null");
    else
        buf_append(b, image->data, image->len);
}

/* --- row images --- */

static int64_t order_id(unsigned idx)
{
    return (int64_t)ORDER_ID_BASE + idx;
}

static void money(char *out, size_t n, uint32_t cents)
{
    snprintf(out, n, "%" PRIu32 ".%02" PRIu32, cents / 100, cents % 100);
}

static void order_key(struct buf *b, unsigned idx)
{
    buf_printf(b, "{\"order_id\":%" PRId64 "}", order_id(idx));
}

static void order_image(const struct demo_gen *g, struct buf *b, unsigned idx)
{
    const struct order_row *o = &g->db.order[idx];
    char total[24];
    money(total, sizeof total, o->total_cents);
    buf_printf(b, "{\"order_id\":%" PRId64 ",\"customer_id\":", order_id(idx));
    put_string(b, g->db.customer[o->customer].id);
    buf_puts(b, ",\"status\":");
    put_string(b, status_names[o->status]);
    buf_puts(b, ",\"total\":");
    put_string(b, total);
    buf_printf(b, ",\"created_at\":%" PRId64 "}", wall_ns(g, 0) / 1000 + o->created_us);
}

static void customer_key(const struct demo_gen *g, struct buf *b, unsigned idx)
{
    buf_puts(b, "{\"customer_id\":");
    put_string(b, g->db.customer[idx].id);
    buf_putc(b, '}');
}

static void customer_image(const struct demo_gen *g, struct buf *b, unsigned idx)
{
    const struct customer_row *c = &g->db.customer[idx];
    char email[64], name[64];
    snprintf(email, sizeof email, "customer%u.%u@example.com", idx, (unsigned)c->email_version);
    snprintf(name, sizeof name, "%s %s", first_names[c->first], last_names[c->last]);
    buf_puts(b, "{\"customer_id\":");
    put_string(b, c->id);
    buf_puts(b, ",\"email\":");
    put_string(b, email);
    buf_puts(b, ",\"name\":");
    put_string(b, name);
    buf_puts(b, ",\"tier\":");
    put_string(b, tier_names[c->tier]);
    buf_printf(b, ",\"updated_at\":%" PRId64 "}", wall_ns(g, g->commit_ns) / 1000);
}

static void item_key(struct buf *b, unsigned idx)
{
    buf_printf(b, "{\"order_id\":%" PRId64 ",\"item_id\":%u}", order_id(idx / ITEMS_PER_ORDER),
               idx % ITEMS_PER_ORDER + 1);
}

static void item_image(const struct demo_gen *g, struct buf *b, unsigned idx)
{
    const struct item_row *it = &g->db.item[idx];
    char price[24];
    money(price, sizeof price, it->price_cents);
    buf_printf(b, "{\"order_id\":%" PRId64 ",\"item_id\":%u,\"quantity\":%u,\"price\":",
               order_id(idx / ITEMS_PER_ORDER), idx % ITEMS_PER_ORDER + 1, (unsigned)it->quantity);
    put_string(b, price);
    buf_putc(b, '}');
}

static void note_key(struct buf *b, unsigned idx)
{
    buf_printf(b, "{\"note_id\":%u}", idx + 1);
}

static void note_image(struct buf *b, unsigned idx, const char *body, size_t body_len)
{
    buf_printf(b, "{\"note_id\":%u,\"body\":", idx + 1);
    put_text(b, body, body_len);
    buf_putc(b, '}');
}

/* --- transactions --- */

/* A new row change; the caller writes its images. */
static struct txn_row *txn_add(struct txn *tx, enum demo_table t, const char *op)
{
    struct txn_row *row = &tx->rows[tx->n++];
    row->table = t;
    row->op = op;
    buf_init(&row->before);
    buf_init(&row->after);
    return row;
}

static void txn_release(struct txn *tx)
{
    for (unsigned i = 0; i < tx->n; i++) {
        buf_free(&tx->rows[i].before);
        buf_free(&tx->rows[i].after);
    }
}

/* The op an upsert is written with: now and then an update arrives as `c` (as in the preview)
 * or with an op no documentation lists (consumers must apply it as an upsert). */
static const char *upsert_op(struct demo_gen *g, bool existed)
{
    uint64_t r = rng_below(&g->content, 1000);
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
static enum demo_op pick_op(struct demo_gen *g, const struct keyspace *ks, unsigned insert_pct,
                            unsigned delete_pct)
{
    uint64_t insert_w = 2ULL * insert_pct * (ks->size - ks->nlive) / ks->size;
    uint64_t delete_w = 2ULL * delete_pct * ks->nlive / ks->size;
    uint64_t r = rng_below(&g->content, 100);
    if (r < insert_w)
        return OP_INSERT;
    if (r < insert_w + delete_w)
        return OP_DELETE;
    return OP_UPDATE;
}

static void new_item(struct demo_gen *g, struct txn *tx, unsigned idx)
{
    struct item_row *it = &g->db.item[idx];
    it->quantity = (uint16_t)rng_range(&g->content, 1, 5);
    it->price_cents = (uint32_t)rng_range(&g->content, 199, 19999);
    ks_set(&g->db.items, idx, true);
    ks_touch(&g->db.items, idx);
    item_image(g, &txn_add(tx, T_ITEMS, upsert_op(g, false))->after, idx);
}

static bool order_insert(struct demo_gen *g, struct txn *tx)
{
    int idx = ks_pick(&g->db.orders, &g->content, false);
    if (idx < 0)
        return false;
    struct order_row *o = &g->db.order[idx];
    o->status = ST_PENDING;
    o->customer = (uint16_t)rng_below(&g->content, CUSTOMER_KEYS);
    o->total_cents = (uint32_t)rng_range(&g->content, 500, 50000);
    o->created_us = g->commit_ns / 1000;
    ks_set(&g->db.orders, (unsigned)idx, true);
    ks_touch(&g->db.orders, (unsigned)idx);
    order_image(g, &txn_add(tx, T_ORDERS, upsert_op(g, false))->after, (unsigned)idx);
    /* some orders come with their items: one transaction, one txId, several records */
    if (rng_chance(&g->content, 200000)) {
        unsigned items = (unsigned)rng_range(&g->content, 1, 2);
        for (unsigned i = 0; i < items; i++)
            new_item(g, tx, (unsigned)idx * ITEMS_PER_ORDER + i);
    }
    return true;
}

static bool order_update(struct demo_gen *g, struct txn *tx)
{
    int idx = ks_pick_live(&g->db.orders, &g->content);
    if (idx < 0)
        return false;
    struct order_row *o = &g->db.order[idx];
    if (o->status < ST_DELIVERED && rng_chance(&g->content, 900000))
        o->status = rng_chance(&g->content, 50000) ? ST_CANCELLED : o->status + 1;
    else
        o->total_cents = (uint32_t)rng_range(&g->content, 500, 50000);
    ks_touch(&g->db.orders, (unsigned)idx);
    order_image(g, &txn_add(tx, T_ORDERS, upsert_op(g, true))->after, (unsigned)idx);
    return true;
}

static bool order_delete(struct demo_gen *g, struct txn *tx)
{
    int idx = ks_pick_live(&g->db.orders, &g->content);
    if (idx < 0)
        return false;
    ks_set(&g->db.orders, (unsigned)idx, false);
    ks_touch(&g->db.orders, (unsigned)idx);
    order_key(&txn_add(tx, T_ORDERS, "d")->before, (unsigned)idx);
    /* the items go with their order, in the same transaction */
    for (unsigned i = 0; i < ITEMS_PER_ORDER; i++) {
        unsigned item = (unsigned)idx * ITEMS_PER_ORDER + i;
        if (g->db.items.live[item]) {
            ks_set(&g->db.items, item, false);
            item_key(&txn_add(tx, T_ITEMS, "d")->before, item);
        }
    }
    return true;
}

static bool gen_orders(struct demo_gen *g, struct txn *tx)
{
    switch (pick_op(g, &g->db.orders, 20, 8)) {
    case OP_INSERT:
        return order_insert(g, tx) || order_update(g, tx);
    case OP_DELETE:
        return order_delete(g, tx) || order_insert(g, tx);
    case OP_UPDATE:
        break;
    }
    return order_update(g, tx) || order_insert(g, tx);
}

static bool customer_upsert(struct demo_gen *g, struct txn *tx, bool existing)
{
    int idx = existing ? ks_pick_live(&g->db.customers, &g->content)
                       : ks_pick(&g->db.customers, &g->content, false);
    if (idx < 0)
        return false;
    struct customer_row *c = &g->db.customer[idx];
    switch (rng_below(&g->content, 3)) {
    case 0:
        c->tier = (uint8_t)rng_below(&g->content, COUNT_OF(tier_names));
        break;
    case 1:
        c->email_version++;
        break;
    default:
        c->last = (uint8_t)rng_below(&g->content, COUNT_OF(last_names));
        break;
    }
    ks_set(&g->db.customers, (unsigned)idx, true);
    ks_touch(&g->db.customers, (unsigned)idx);
    customer_image(g, &txn_add(tx, T_CUSTOMERS, upsert_op(g, existing))->after, (unsigned)idx);
    return true;
}

static bool customer_delete(struct demo_gen *g, struct txn *tx)
{
    int idx = ks_pick_live(&g->db.customers, &g->content);
    if (idx < 0)
        return false;
    ks_set(&g->db.customers, (unsigned)idx, false);
    ks_touch(&g->db.customers, (unsigned)idx);
    customer_key(g, &txn_add(tx, T_CUSTOMERS, "d")->before, (unsigned)idx);
    return true;
}

static bool gen_customers(struct demo_gen *g, struct txn *tx)
{
    switch (pick_op(g, &g->db.customers, 10, 4)) {
    case OP_INSERT:
        return customer_upsert(g, tx, false) || customer_upsert(g, tx, true);
    case OP_DELETE:
        return customer_delete(g, tx) || customer_upsert(g, tx, false);
    case OP_UPDATE:
        break;
    }
    return customer_upsert(g, tx, true) || customer_upsert(g, tx, false);
}

static bool item_insert(struct demo_gen *g, struct txn *tx)
{
    for (int tries = 0; tries < 8; tries++) {
        int order = ks_pick(&g->db.orders, &g->content, true);
        if (order < 0)
            return false;
        for (unsigned i = 0; i < ITEMS_PER_ORDER; i++) {
            unsigned idx = (unsigned)order * ITEMS_PER_ORDER + i;
            if (!g->db.items.live[idx]) {
                new_item(g, tx, idx);
                return true;
            }
        }
    }
    return false;
}

static bool item_update(struct demo_gen *g, struct txn *tx)
{
    int idx = ks_pick_live(&g->db.items, &g->content);
    if (idx < 0)
        return false;
    g->db.item[idx].quantity = (uint16_t)rng_range(&g->content, 1, 9);
    ks_touch(&g->db.items, (unsigned)idx);
    item_image(g, &txn_add(tx, T_ITEMS, upsert_op(g, true))->after, (unsigned)idx);
    return true;
}

static bool item_delete(struct demo_gen *g, struct txn *tx)
{
    int idx = ks_pick_live(&g->db.items, &g->content);
    if (idx < 0)
        return false;
    ks_set(&g->db.items, (unsigned)idx, false);
    ks_touch(&g->db.items, (unsigned)idx);
    item_key(&txn_add(tx, T_ITEMS, "d")->before, (unsigned)idx);
    return true;
}

static bool gen_items(struct demo_gen *g, struct txn *tx)
{
    switch (pick_op(g, &g->db.items, 30, 20)) {
    case OP_INSERT:
        return item_insert(g, tx) || item_update(g, tx);
    case OP_DELETE:
        return item_delete(g, tx) || item_insert(g, tx);
    case OP_UPDATE:
        break;
    }
    return item_update(g, tx) || item_insert(g, tx);
}

static void note_body(struct demo_gen *g, struct buf *b, size_t min_len)
{
    while (b->len < min_len) {
        if (b->len > 0)
            buf_putc(b, ' ');
        buf_puts(b, note_phrases[rng_below(&g->content, COUNT_OF(note_phrases))]);
    }
}

/* A note with the given body: inserted when the key is free, updated otherwise. */
static void note_write(struct demo_gen *g, struct txn *tx, unsigned idx, const struct buf *body)
{
    bool existed = g->db.notes.live[idx];
    ks_set(&g->db.notes, idx, true);
    ks_touch(&g->db.notes, idx);
    note_image(&txn_add(tx, T_NOTES, upsert_op(g, existed))->after, idx, body->data, body->len);
}

static bool note_upsert(struct demo_gen *g, struct txn *tx, bool existing)
{
    int idx = existing ? ks_pick_live(&g->db.notes, &g->content)
                       : ks_pick(&g->db.notes, &g->content, false);
    if (idx < 0)
        return false;
    struct buf body;
    buf_init(&body);
    note_body(g, &body, (size_t)rng_range(&g->content, 20, 400));
    note_write(g, tx, (unsigned)idx, &body);
    buf_free(&body);
    return true;
}

static bool note_delete(struct demo_gen *g, struct txn *tx)
{
    int idx = ks_pick_live(&g->db.notes, &g->content);
    if (idx < 0)
        return false;
    ks_set(&g->db.notes, (unsigned)idx, false);
    ks_touch(&g->db.notes, (unsigned)idx);
    note_key(&txn_add(tx, T_NOTES, "d")->before, (unsigned)idx);
    return true;
}

static bool gen_notes(struct demo_gen *g, struct txn *tx)
{
    switch (pick_op(g, &g->db.notes, 30, 15)) {
    case OP_INSERT:
        return note_upsert(g, tx, false) || note_upsert(g, tx, true);
    case OP_DELETE:
        return note_delete(g, tx) || note_upsert(g, tx, false);
    case OP_UPDATE:
        break;
    }
    return note_upsert(g, tx, true) || note_upsert(g, tx, false);
}

/* Terminal control sequences, a bell, a carriage return and non-ASCII text, all legal in a text
 * column: a console that prints values unescaped is taken over by them. */
static void hostile_note(struct txn *tx)
{
    static const char body[] = "Customer pasted this from a terminal: \x1b[2J\x1b[H\x07"
                               "cleared!\rOverwritten line; café é, 日本語, naïve "
                               "\x1b]0;window title\x07 end";
    note_image(&txn_add(tx, T_NOTES, "c")->after, DEMO_GEN_HOSTILE_NOTE_ID - 1, body,
               sizeof body - 1);
    tx->quick = true;
}

static void chunked_note(struct demo_gen *g, struct txn *tx)
{
    struct buf b;
    buf_init(&b);
    buf_puts(&b, "Long note, split into fragments (é marks the spot).");
    note_body(g, &b, 2400);
    note_write(g, tx, (unsigned)rng_below(&g->content, NOTE_KEYS), &b);
    buf_free(&b);
    tx->quick = true;
    tx->chunked = true;
}

/* A note whose record fills 85-99 % of the stream's maximum record size. */
static void big_note(struct demo_gen *g, struct txn *tx, size_t record_target)
{
    unsigned idx = (unsigned)rng_below(&g->content, NOTE_KEYS);
    /* the record's size apart from the body: measured on the same record with an empty body */
    struct buf probe;
    buf_init(&probe);
    note_image(&probe, idx, "", 0);
    size_t image = probe.len;
    buf_free(&probe);
    size_t envelope = 400; /* source block, timestamps and partition key, generously */
    size_t body_len = record_target > image + envelope ? record_target - image - envelope : 1;
    struct buf b;
    buf_init(&b);
    buf_reserve(&b, body_len + 1);
    static const char filler[] = "lorem ipsum dolor sit amet consectetur adipiscing elit ";
    while (b.len < body_len)
        buf_append(&b, filler,
                   body_len - b.len < sizeof filler - 1 ? body_len - b.len : sizeof filler - 1);
    note_write(g, tx, idx, &b);
    buf_free(&b);
}

static size_t big_record_target(struct demo_gen *g)
{
    return (size_t)(g->record_limit * (uint64_t)rng_range(&g->content, 85, 99) / 100);
}

static void gen_regular(struct demo_gen *g, struct txn *tx)
{
    uint64_t r = rng_below(&g->content, 100);
    bool done = r < 36   ? gen_orders(g, tx)
                : r < 58 ? gen_customers(g, tx)
                : r < 78 ? gen_items(g, tx)
                         : gen_notes(g, tx);
    if (!done)
        gen_orders(g, tx);
}

static void gen_rows(struct demo_gen *g, struct txn *tx)
{
    if (g->txns == TXN_HOSTILE_NOTE) {
        hostile_note(tx);
    } else if (g->txns == TXN_CHUNKED) {
        chunked_note(g, tx);
    } else if (g->commit_ns >= g->next_big_ns) {
        big_note(g, tx, big_record_target(g));
        g->next_big_ns = g->commit_ns + rng_range(&g->content, 30, 60) * NS_PER_SEC;
    } else {
        gen_regular(g, tx);
        if (g->txns == TXN_MALFORMED) {
            tx->quick = true;
            tx->malformed = true;
        }
    }
}

/* --- records --- */

static void source_block(const struct demo_gen *g, struct buf *b, enum demo_table t,
                         const char *txid)
{
    int64_t commit = wall_ns(g, g->commit_ns);
    buf_printf(b, "{\"version\":\"1.0\",\"ts_ms\":%" PRId64 ",\"ts_ns\":%" PRId64 ",\"txId\":",
               commit / NS_PER_MS, commit);
    put_string(b, txid);
    buf_puts(b, ",\"schema\":\"public\",\"table\":");
    put_string(b, table_names[t]);
    buf_puts(b, ",\"db\":\"postgres\",\"cluster\":");
    put_string(b, g->cluster);
    buf_putc(b, '}');
}

/* The emit times that end every record but fragments, and the record's closing brace. */
static void put_emit(const struct demo_gen *g, struct buf *b, int64_t emit_ns)
{
    int64_t emit = wall_ns(g, emit_ns);
    buf_printf(b, ",\"ts_ms\":%" PRId64 ",\"ts_ns\":%" PRId64 "}", emit / NS_PER_MS, emit);
}

static void full_record(const struct demo_gen *g, struct buf *b, const struct txn_row *row,
                        const char *txid, int64_t emit_ns)
{
    buf_puts(b, "{\"type\":\"full\",\"op\":");
    put_string(b, row->op);
    buf_puts(b, ",\"before\":");
    put_image(b, &row->before);
    buf_puts(b, ",\"after\":");
    put_image(b, &row->after);
    buf_puts(b, ",\"source\":");
    source_block(g, b, row->table, txid);
    put_emit(g, b, emit_ns);
}

/* Commit->emit latency: mostly 50-300 ms, sometimes a spike of seconds, sometimes negative
 * (the emitter's clock behind the committer's). */
static int64_t commit_latency(struct demo_gen *g, bool quick)
{
    if (quick)
        return rng_range(&g->content, 50, 80) * NS_PER_MS;
    uint64_t r = rng_below(&g->content, 1000);
    if (r < 12)
        return rng_range(&g->content, 2000, 8000) * NS_PER_MS;
    if (r < 22)
        return -rng_range(&g->content, 1, 5) * NS_PER_MS;
    return rng_range(&g->content, 50, 300) * NS_PER_MS;
}

static int64_t arrival_latency(struct demo_gen *g, bool quick)
{
    if (!quick && rng_chance(&g->content, 10000))
        return rng_range(&g->content, 500, 3000) * NS_PER_MS;
    return rng_range(&g->content, 5, 50) * NS_PER_MS;
}

static void random_pkey(struct demo_gen *g, char out[37])
{
    if (rng_chance(&g->content, 500000)) {
        rng_uuid(&g->content, out);
        return;
    }
    for (int i = 0; i < 32; i++)
        out[i] = "0123456789abcdef"[rng_below(&g->content, 16)];
    out[32] = '\0';
}

static struct demo_rec *rec_new(struct demo_gen *g, const char *data, size_t len,
                                int64_t arrival_ns, unsigned shard)
{
    struct demo_rec *r = xmalloc(sizeof *r + len);
    r->arrival_ns = arrival_ns;
    r->serial = g->serial++;
    r->shard = shard;
    r->truncated = false;
    r->repeat = false;
    r->len = len;
    memcpy(r->data, data, len);
    random_pkey(g, r->pkey);
    return r;
}

/* At-least-once: the same bytes again, later, on the same shard or another one. */
static void maybe_redeliver(struct demo_gen *g, const struct demo_rec *r)
{
    if (!rng_chance(&g->content, 20000))
        return;
    int64_t later = r->arrival_ns + rng_range(&g->content, 300, 4000) * NS_PER_MS;
    bool same_shard = rng_chance(&g->content, 500000);
    unsigned shard = same_shard ? r->shard : (unsigned)rng_below(&g->content, g->nshards);
    struct demo_rec *copy = rec_new(g, r->data, r->len, later, shard);
    if (same_shard)
        memcpy(copy->pkey, r->pkey, sizeof copy->pkey);
    copy->truncated = r->truncated;
    copy->repeat = true;
    heap_push(&g->pending, copy);
}

static void schedule(struct demo_gen *g, const char *data, size_t len, int64_t arrival_ns,
                     bool truncated)
{
    unsigned shard = (unsigned)rng_below(&g->content, g->nshards);
    struct demo_rec *r = rec_new(g, data, len, arrival_ns, shard);
    r->truncated = truncated;
    heap_push(&g->pending, r);
    maybe_redeliver(g, r);
}

/* A record cut short, as a broken producer or a bad proxy would deliver it. */
static size_t truncated_len(struct demo_gen *g, size_t len)
{
    return len * (size_t)rng_range(&g->content, 30, 80) / 100;
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
static void fragment_offsets(struct demo_gen *g, int64_t out[CHUNK_FRAGMENTS])
{
    for (unsigned i = 0; i < CHUNK_FRAGMENTS; i++)
        out[i] = rng_range(&g->content, 10, 400);
    if (out[0] <= out[1]) {
        int64_t t = out[0];
        out[0] = out[1] + 1;
        out[1] = t;
    }
}

static void schedule_fragments(struct demo_gen *g, const char *chunk_id, const char *text,
                               size_t len, int64_t emit_ns)
{
    int64_t offset_ms[CHUNK_FRAGMENTS];
    fragment_offsets(g, offset_ms);
    unsigned first_shard = (unsigned)rng_below(&g->content, g->nshards);
    unsigned duplicated = (unsigned)rng_below(&g->content, CHUNK_FRAGMENTS);
    struct buf b;
    buf_init(&b);
    for (unsigned i = 0; i < CHUNK_FRAGMENTS; i++) {
        size_t from = split_point(text, len, i, CHUNK_FRAGMENTS);
        size_t to = split_point(text, len, i + 1, CHUNK_FRAGMENTS);
        buf_reset(&b);
        buf_puts(&b, "{\"type\":\"fragment\",\"chunk_id\":");
        put_string(&b, chunk_id);
        buf_printf(&b, ",\"index\":%u,\"data\":", i);
        put_text(&b, text + from, to - from);
        buf_putc(&b, '}');
        int64_t arrival = emit_ns + offset_ms[i] * NS_PER_MS;
        unsigned shard = (first_shard + i) % g->nshards; /* a different shard each */
        heap_push(&g->pending, rec_new(g, b.data, b.len, arrival, shard));
        if (i == duplicated) {
            struct demo_rec *again =
                rec_new(g, b.data, b.len, arrival + 250 * NS_PER_MS, (shard + 1) % g->nshards);
            again->repeat = true;
            heap_push(&g->pending, again);
        }
    }
    buf_free(&b);
}

/* The head record of a split change, and its after image as fragments. */
static void schedule_chunked(struct demo_gen *g, const struct txn_row *row, const char *txid,
                             int64_t emit_ns)
{
    const struct buf *text = &row->after;
    char chunk_id[27], crc[16];
    rng_base32(&g->content, chunk_id, 26);
    snprintf(crc, sizeof crc, "%" PRIu32, crc32c(0, text->data, text->len));
    struct buf head;
    buf_init(&head);
    buf_puts(&head, "{\"type\":\"chunked\",\"op\":");
    put_string(&head, row->op);
    buf_puts(&head, ",\"before\":null,\"after\":null,\"source\":");
    source_block(g, &head, row->table, txid);
    buf_puts(&head, ",\"chunked\":{\"after\":{\"chunk_id\":");
    put_string(&head, chunk_id);
    buf_printf(&head, ",\"total_fragments\":%d,\"crc32c\":", CHUNK_FRAGMENTS);
    put_string(&head, crc);
    buf_puts(&head, "}}");
    put_emit(g, &head, emit_ns);
    schedule(g, head.data, head.len, emit_ns + arrival_latency(g, true), false);
    buf_free(&head);
    schedule_fragments(g, chunk_id, text->data, text->len, emit_ns);
}

static void schedule_row(struct demo_gen *g, const struct txn *tx, const struct txn_row *row,
                         const char *txid, int64_t emit_ns)
{
    if (tx->chunked && row->after.len > 0) {
        schedule_chunked(g, row, txid, emit_ns);
        return;
    }
    struct buf rec;
    buf_init(&rec);
    full_record(g, &rec, row, txid, emit_ns);
    size_t len = rec.len;
    bool cut = tx->malformed || rng_chance(&g->content, 500);
    if (cut)
        len = truncated_len(g, len);
    schedule(g, rec.data, len, emit_ns + arrival_latency(g, tx->quick), cut);
    buf_free(&rec);
}

/* Commits the next transaction on the simulated clock and queues its records. */
static void generate_txn(struct demo_gen *g)
{
    g->txns++;
    g->commit_ns += rng_range(&g->content, 1200000, 9500000); /* ns; strictly increasing */
    struct txn tx = {0};
    gen_rows(g, &tx);
    char txid[27];
    rng_base32(&g->content, txid, 26);
    int64_t latency = commit_latency(g, tx.quick);
    for (unsigned i = 0; i < tx.n; i++) {
        int64_t emit = g->commit_ns + latency + rng_range(&g->content, 0, 2000000);
        schedule_row(g, &tx, &tx.rows[i], txid, emit);
    }
    txn_release(&tx);
}

/* --- delivery --- */

/* Every record arrives at or after its commit and commits only grow, so once the earliest
 * waiting record is due by the latest commit, nothing generated later can arrive before it. */
static const struct demo_rec *peek_record(struct demo_gen *g)
{
    while (g->pending.n == 0 || g->pending.v[0]->arrival_ns > g->commit_ns)
        generate_txn(g);
    return g->pending.v[0];
}

int64_t demo_gen_peek_ns(struct demo_gen *g)
{
    return peek_record(g)->arrival_ns;
}

static void next_seq(struct demo_gen *g, struct stream_shard *sh)
{
    sh->seq_counter += (uint64_t)rng_range(&g->seqs, 1000000, 100000000);
    snprintf(g->seq, sizeof g->seq, "%s%020" PRIu64, sh->seq_prefix, sh->seq_counter);
}

void demo_gen_next(struct demo_gen *g, struct demo_gen_record *out)
{
    peek_record(g);
    free(g->current);
    struct demo_rec *r = g->current = heap_pop(&g->pending);
    next_seq(g, &g->shards[r->shard]);
    g->delivered++;
    g->delivered_ns = r->arrival_ns;
    *out = (struct demo_gen_record){
        .data = r->data,
        .len = r->len,
        .shard = r->shard,
        .pkey = r->pkey,
        .seq = g->seq,
        .sim_ns = r->arrival_ns,
        .arrival_ms = wall_ns(g, r->arrival_ns) / NS_PER_MS,
        .truncated = r->truncated,
        .repeat = r->repeat,
    };
}

uint64_t demo_gen_delivered(const struct demo_gen *g)
{
    return g->delivered;
}

/* --- the DLQ --- */

static void dlq_step(struct demo_gen *g)
{
    struct dlq_sim *q = &g->dlq;
    struct rng *r = &g->dlq_rng;
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

void demo_gen_dlq_now(const struct demo_gen *g, struct demo_gen_dlq *out)
{
    out->visible = g->dlq.visible;
    out->in_flight = g->dlq.in_flight;
    out->delayed = g->dlq.delayed;
}

bool demo_gen_dlq_next(struct demo_gen *g, struct demo_gen_dlq *out)
{
    if (g->delivered == 0 || g->delivered_ns < g->dlq.next_ns)
        return false;
    dlq_step(g);
    g->dlq.next_ns += DLQ_STEP_NS;
    demo_gen_dlq_now(g, out);
    return true;
}

static void dlq_start(struct demo_gen *g)
{
    g->dlq.stuck = rng_range(&g->dlq_rng, 0, 3);
    g->dlq.visible = g->dlq.stuck + rng_range(&g->dlq_rng, 0, 40);
    g->dlq.next_ns = DLQ_STEP_NS;
}

/* --- the readers' figures --- */

int64_t demo_gen_tip_lag_ms(struct demo_gen *g)
{
    return rng_chance(&g->cosmetic, 550000) ? 0 : rng_range(&g->cosmetic, 1, 400);
}

int64_t demo_gen_poll_gap_ms(struct demo_gen *g)
{
    return rng_range(&g->cosmetic, 200, 300);
}

/* --- setup --- */

unsigned demo_gen_shards(const struct demo_gen *g)
{
    return g->nshards;
}

void demo_gen_shard_id(unsigned i, char out[DEMO_GEN_SHARD_ID_LEN + 1])
{
    snprintf(out, DEMO_GEN_SHARD_ID_LEN + 1, "shardId-%012u", i);
}

static void shards_init(struct demo_gen *g)
{
    g->shards = xcalloc(g->nshards, sizeof *g->shards);
    for (unsigned i = 0; i < g->nshards; i++) {
        struct stream_shard *sh = &g->shards[i];
        /* 56 digits in all, like Kinesis: 36 fixed per shard, then 20 that grow */
        /* separate statements: the order in which arguments are evaluated is unspecified */
        uint64_t high = rng_next(&g->seqs) % UINT64_C(10000000000000000);
        uint64_t mid = rng_next(&g->seqs) % UINT64_C(100000000000000);
        snprintf(sh->seq_prefix, sizeof sh->seq_prefix, "49%016" PRIu64 "%04u%014" PRIu64, high,
                 i % 10000, mid);
        sh->seq_counter = rng_next(&g->seqs) % 1000000000000000000ULL;
    }
}

/* The database as it was before the stream was created: updates and deletes have rows to hit
 * from the first record on. */
static void db_prepopulate(struct demo_gen *g)
{
    struct db *db = &g->db;
    for (unsigned i = 0; i < CUSTOMER_KEYS; i++) {
        struct customer_row *c = &db->customer[i];
        rng_uuid(&g->content, c->id);
        c->tier = (uint8_t)rng_below(&g->content, COUNT_OF(tier_names));
        c->first = (uint8_t)rng_below(&g->content, COUNT_OF(first_names));
        c->last = (uint8_t)rng_below(&g->content, COUNT_OF(last_names));
        ks_set(&db->customers, i, rng_chance(&g->content, 700000));
    }
    for (unsigned i = 0; i < ORDER_KEYS; i++) {
        if (!rng_chance(&g->content, 600000))
            continue;
        struct order_row *o = &db->order[i];
        o->status = (uint8_t)rng_below(&g->content, ST_COUNT);
        o->customer = (uint16_t)rng_below(&g->content, CUSTOMER_KEYS);
        o->total_cents = (uint32_t)rng_range(&g->content, 500, 50000);
        o->created_us = -rng_range(&g->content, 3600, 90 * 86400) * 1000000;
        ks_set(&db->orders, i, true);
        unsigned items = (unsigned)rng_below(&g->content, ITEMS_PER_ORDER + 1);
        for (unsigned k = 0; k < items; k++) {
            unsigned idx = i * ITEMS_PER_ORDER + k;
            db->item[idx].quantity = (uint16_t)rng_range(&g->content, 1, 5);
            db->item[idx].price_cents = (uint32_t)rng_range(&g->content, 199, 19999);
            ks_set(&db->items, idx, true);
        }
    }
    for (unsigned i = 0; i < NOTE_KEYS; i++)
        ks_set(&db->notes, i, rng_chance(&g->content, 500000));
}

static void db_init(struct demo_gen *g)
{
    ks_init(&g->db.orders, ORDER_KEYS);
    ks_init(&g->db.customers, CUSTOMER_KEYS);
    ks_init(&g->db.items, ORDER_KEYS * ITEMS_PER_ORDER);
    ks_init(&g->db.notes, NOTE_KEYS);
    db_prepopulate(g);
}

static void db_free(struct db *db)
{
    free(db->orders.live);
    free(db->customers.live);
    free(db->items.live);
    free(db->notes.live);
}

struct demo_gen *demo_gen_new(const struct demo_gen_opts *opts)
{
    struct demo_gen *g = xcalloc(1, sizeof *g);
    g->nshards = opts->shards == 0 ? DEMO_GEN_DEFAULT_SHARDS : opts->shards;
    if (g->nshards > DEMO_GEN_MAX_SHARDS)
        g->nshards = DEMO_GEN_MAX_SHARDS;
    g->record_limit =
        opts->record_size_limit ? opts->record_size_limit : MODEL_DEFAULT_RECORD_LIMIT;
    g->base_ns = opts->base_ns;
    rng_seed(&g->content, opts->seed, STREAM_CONTENT);
    rng_seed(&g->seqs, opts->seed, STREAM_SEQS);
    rng_seed(&g->dlq_rng, opts->seed, STREAM_DLQ);
    rng_seed(&g->cosmetic, opts->seed, STREAM_COSMETIC);
    /* a DSQL cluster identifier: 26 characters of [a-z0-9] */
    for (int i = 0; i < 26; i++)
        g->cluster[i] = "abcdefghijklmnopqrstuvwxyz0123456789"[rng_below(&g->content, 36)];
    g->next_big_ns = rng_range(&g->content, 12, 25) * NS_PER_SEC;
    db_init(g);
    shards_init(g);
    dlq_start(g);
    return g;
}

void demo_gen_free(struct demo_gen *g)
{
    if (!g)
        return;
    heap_free(&g->pending);
    db_free(&g->db);
    free(g->shards);
    free(g->current);
    free(g);
}

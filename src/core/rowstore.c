/*
 * Row store: one open-addressing index per table (linear probing, backward-shift deletion), a
 * recency list per table for "newest first" and for eviction, and one shared version log.
 *
 * Per key we keep two allocations: a fixed header, and its data (key text, txId and the current
 * image, each NUL-terminated), so a new version or a new key never moves the header that the
 * index, the recency list and the version log point at.
 */
#include "rowstore.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

#define DEFAULT_MAX_BYTES (256u * 1024u * 1024u)
#define DEFAULT_VERSIONS  8u
#define DEFAULT_HISTORY   65536u
#define NO_ENTRY          UINT32_MAX
#define ALLOC_OVERHEAD    16u /* what the allocator adds per block, for the memory cap */
#define HIST_TXID_MAX     39
#define HIST_SEQ_MAX      63
#define DEDUP_WALK_MAX    4096 /* versions of one key searched for a redelivery */

enum row_flags { ROW_LIVE = 1, ROW_APPLIED = 2 /* holds a version, counted live or deleted */ };

struct rs_row {
    struct rs_row *newer; /* recency list of the table */
    struct rs_row *older;
    char *data; /* key NUL txId NUL image NUL */
    int64_t commit_ns;
    int64_t changed_ms;
    uint32_t hash;
    uint32_t changes;
    uint32_t hist_head; /* newest version in the log, NO_ENTRY when none */
    uint32_t img_len;   /* image bytes (0 for a tombstone) */
    uint16_t key_len;
    uint8_t txid_len;
    uint8_t flags;
};

struct rs_table {
    struct rowstore *rs;
    struct rs_row **slot;
    size_t nslots; /* power of two */
    size_t count;
    uint64_t live;
    uint64_t tombstones;
    struct rs_row *newest;
    struct rs_row *oldest;
};

/* One version of one key, chained to the key's previous version. */
struct hist_entry {
    const struct rs_row *row; /* NULL once the key is evicted */
    uint64_t serial;          /* increasing; a chain stops where it does not decrease */
    uint32_t prev;
    uint16_t shard;
    uint8_t op;
    uint8_t mark;
    int64_t commit_ns;
    int64_t arrival_ms;
    int64_t seen_ms;
    char txid[HIST_TXID_MAX + 1];
    char seq[HIST_SEQ_MAX + 1];
};

struct rowstore {
    struct rowstore_limits limits;
    struct rowstore_stats stats;
    size_t reserved; /* bytes outside the store under the same cap */
    struct rs_table **tables;
    unsigned ntables;
    struct hist_entry *hist;
    uint32_t hist_next;
    uint64_t hist_serial;
};

static const char *row_key(const struct rs_row *r)
{
    return r->data;
}

static const char *row_txid(const struct rs_row *r)
{
    return r->data + r->key_len + 1;
}

static const char *row_img(const struct rs_row *r)
{
    return row_txid(r) + r->txid_len + 1;
}

static size_t data_size(size_t key_len, size_t txid_len, size_t img_len)
{
    return key_len + 1 + txid_len + 1 + img_len + 1;
}

/* What a row costs, headers and allocator overhead included, for the memory cap. */
static size_t row_cost(const struct rs_row *r)
{
    return sizeof *r + ALLOC_OVERHEAD + data_size(r->key_len, r->txid_len, r->img_len) +
           ALLOC_OVERHEAD;
}

struct rowstore *rowstore_new(const struct rowstore_limits *limits)
{
    struct rowstore *rs = xcalloc(1, sizeof *rs);
    if (limits)
        rs->limits = *limits;
    if (!rs->limits.versions)
        rs->limits.versions = DEFAULT_VERSIONS;
    if (!rs->limits.history)
        rs->limits.history = DEFAULT_HISTORY;
    if (rs->limits.history < rs->limits.versions)
        rs->limits.history = rs->limits.versions;
    rs->hist = xcalloc(rs->limits.history, sizeof *rs->hist);
    return rs;
}

static void table_free(struct rs_table *t)
{
    struct rs_row *r = t->newest;
    while (r) {
        struct rs_row *next = r->older;
        free(r->data);
        free(r);
        r = next;
    }
    free(t->slot);
    free(t);
}

void rowstore_free(struct rowstore *rs)
{
    if (!rs)
        return;
    for (unsigned i = 0; i < rs->ntables; i++)
        table_free(rs->tables[i]);
    free(rs->tables);
    free(rs->hist);
    free(rs);
}

const struct rowstore_stats *rowstore_stats(const struct rowstore *rs)
{
    return &rs->stats;
}

const struct rowstore_limits *rowstore_limits(const struct rowstore *rs)
{
    return &rs->limits;
}

#define FIRST_SLOTS 64u

size_t rowstore_table_cost(void)
{
    return FIRST_SLOTS * sizeof(struct rs_row *) + sizeof(struct rs_table) + 2 * ALLOC_OVERHEAD +
           sizeof(struct rs_table *);
}

struct rs_table *rowstore_table_new(struct rowstore *rs)
{
    struct rs_table *t = xcalloc(1, sizeof *t);
    t->rs = rs;
    t->nslots = FIRST_SLOTS;
    t->slot = xcalloc(t->nslots, sizeof *t->slot);
    rs->tables = xrealloc(rs->tables, (rs->ntables + 1) * sizeof *rs->tables);
    rs->tables[rs->ntables++] = t;
    rs->stats.bytes += rowstore_table_cost();
    return t;
}

/* ---- hashing and the open-addressing index ---------------------------------------------- */

static uint32_t hash_key(const char *p, size_t n)
{
    uint64_t h = 0xcbf29ce484222325ull; /* FNV-1a, folded to 32 bits */
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)p[i]) * 0x100000001b3ull;
    return (uint32_t)(h ^ h >> 32);
}

static size_t find_slot(const struct rs_table *t, const char *key, size_t n, uint32_t h)
{
    size_t mask = t->nslots - 1;
    for (size_t i = h & mask;; i = (i + 1) & mask) {
        const struct rs_row *r = t->slot[i];
        if (!r || (r->hash == h && r->key_len == n && memcmp(row_key(r), key, n) == 0))
            return i;
    }
}

static void grow_index(struct rs_table *t)
{
    size_t old_n = t->nslots;
    struct rs_row **old = t->slot;
    t->nslots *= 2;
    t->slot = xcalloc(t->nslots, sizeof *t->slot);
    for (size_t i = 0; i < old_n; i++)
        if (old[i])
            t->slot[find_slot(t, row_key(old[i]), old[i]->key_len, old[i]->hash)] = old[i];
    free(old);
    t->rs->stats.bytes += (t->nslots - old_n) * sizeof *t->slot;
}

static void index_insert(struct rs_table *t, struct rs_row *r)
{
    if ((t->count + 1) * 10 > t->nslots * 7)
        grow_index(t);
    t->slot[find_slot(t, row_key(r), r->key_len, r->hash)] = r;
    t->count++;
}

/* Backward-shift deletion keeps probe chains intact without tombstone slots. */
static void index_remove(struct rs_table *t, const struct rs_row *r)
{
    size_t mask = t->nslots - 1;
    size_t i = find_slot(t, row_key(r), r->key_len, r->hash);
    if (t->slot[i] != r)
        return;
    t->slot[i] = NULL;
    for (size_t j = (i + 1) & mask; t->slot[j]; j = (j + 1) & mask) {
        size_t home = t->slot[j]->hash & mask;
        /* Move j back to i when i lies cyclically in [home, j). */
        if ((j > i && (home <= i || home > j)) || (j < i && home <= i && home > j)) {
            t->slot[i] = t->slot[j];
            t->slot[j] = NULL;
            i = j;
        }
    }
    t->count--;
}

/* ---- recency list ------------------------------------------------------------------------- */

static void list_unlink(struct rs_table *t, struct rs_row *r)
{
    if (r->newer)
        r->newer->older = r->older;
    else
        t->newest = r->older;
    if (r->older)
        r->older->newer = r->newer;
    else
        t->oldest = r->newer;
    r->newer = r->older = NULL;
}

static void list_push_newest(struct rs_table *t, struct rs_row *r)
{
    r->newer = NULL;
    r->older = t->newest;
    if (t->newest)
        t->newest->newer = r;
    t->newest = r;
    if (!t->oldest)
        t->oldest = r;
}

/* ---- version log ---------------------------------------------------------------------------- */

static void copy_tail(char *dst, size_t cap, const char *src, size_t n)
{
    /* Sequence numbers differ in their last digits: keep the tail when truncating. */
    if (!src)
        n = 0;
    if (n >= cap) {
        src += n - (cap - 2);
        n = cap - 2;
        *dst++ = '~';
    }
    if (n)
        memcpy(dst, src, n);
    dst[n] = '\0';
}

static void hist_record(struct rowstore *rs, struct rs_row *r, const struct rs_change *c,
                        enum rs_outcome mark, int64_t now_ms)
{
    uint32_t idx = rs->hist_next;
    struct hist_entry *e = &rs->hist[idx];
    rs->hist_next = (idx + 1) % rs->limits.history;
    e->row = r;
    e->serial = ++rs->hist_serial;
    e->prev = r->hist_head;
    e->shard = (uint16_t)(c->shard > UINT16_MAX ? UINT16_MAX : c->shard);
    e->op = (uint8_t)c->op;
    e->mark = (uint8_t)mark;
    e->commit_ns = c->commit_ns;
    e->arrival_ms = c->arrival_ms;
    e->seen_ms = now_ms;
    snprintf(e->txid, sizeof e->txid, "%s", c->txid ? c->txid : "");
    copy_tail(e->seq, sizeof e->seq, c->seq, c->seq_len);
    r->hist_head = idx;
}

/* Walks a row's chain newest first; stops at entries reused by other rows or aged out. */
struct chain {
    const struct rowstore *rs;
    const struct rs_row *row;
    uint32_t idx;
    uint64_t last_serial;
};

static void chain_init(struct chain *ch, const struct rowstore *rs, const struct rs_row *r)
{
    ch->rs = rs;
    ch->row = r;
    ch->idx = r->hist_head;
    ch->last_serial = UINT64_MAX;
}

static struct hist_entry *chain_next(struct chain *ch)
{
    if (ch->idx == NO_ENTRY || ch->idx >= ch->rs->limits.history)
        return NULL;
    struct hist_entry *e = &ch->rs->hist[ch->idx];
    if (e->row != ch->row || e->serial >= ch->last_serial)
        return NULL;
    ch->last_serial = e->serial;
    ch->idx = e->prev;
    return e;
}

static void hist_forget(struct rowstore *rs, const struct rs_row *r, const struct rs_row *now)
{
    struct chain ch;
    struct hist_entry *e;
    chain_init(&ch, rs, r);
    while ((e = chain_next(&ch)))
        e->row = now;
}

/* ---- rows ----------------------------------------------------------------------------------- */

static void set_image(struct rowstore *rs, struct rs_row *r, const char *txid, struct jspan img,
                      bool live)
{
    size_t tlen = txid ? strlen(txid) : 0;
    if (tlen > CDC_TXID_MAX)
        tlen = CDC_TXID_MAX;
    size_t ilen = live ? img.n : 0;
    rs->stats.bytes -= row_cost(r);
    rs->stats.row_bytes -= r->img_len;
    r->data = xrealloc(r->data, data_size(r->key_len, tlen, ilen));
    char *p = r->data + r->key_len + 1;
    memcpy(p, txid ? txid : "", tlen);
    p[tlen] = '\0';
    p += tlen + 1;
    if (ilen)
        memcpy(p, img.p, ilen);
    p[ilen] = '\0';
    r->txid_len = (uint8_t)tlen;
    r->img_len = (uint32_t)ilen;
    rs->stats.bytes += row_cost(r);
    rs->stats.row_bytes += ilen;
}

static void count_state(struct rowstore *rs, struct rs_table *t, const struct rs_row *r, int sign)
{
    if (r->flags & ROW_LIVE) {
        t->live += (uint64_t)(int64_t)sign;
        rs->stats.live += (uint64_t)(int64_t)sign;
    } else {
        t->tombstones += (uint64_t)(int64_t)sign;
        rs->stats.tombstones += (uint64_t)(int64_t)sign;
    }
}

static struct rs_row *row_new(struct rowstore *rs, struct rs_table *t, struct jspan key, uint32_t h)
{
    size_t klen = key.n > UINT16_MAX ? UINT16_MAX : key.n;
    struct rs_row *r = xcalloc(1, sizeof *r);
    r->data = xcalloc(1, data_size(klen, 0, 0));
    memcpy(r->data, key.p, klen);
    r->key_len = (uint16_t)klen;
    r->hash = h;
    r->hist_head = NO_ENTRY;
    index_insert(t, r);
    list_push_newest(t, r);
    rs->stats.keys++;
    rs->stats.bytes += row_cost(r);
    return r;
}

/* Frees a row that is already out of the index and the recency list. */
static void row_release(struct rowstore *rs, struct rs_table *t, struct rs_row *r)
{
    hist_forget(rs, r, NULL);
    count_state(rs, t, r, -1);
    rs->stats.keys--;
    rs->stats.bytes -= row_cost(r);
    rs->stats.row_bytes -= r->img_len;
    free(r->data);
    free(r);
}

static void row_destroy(struct rowstore *rs, struct rs_table *t, struct rs_row *r)
{
    index_remove(t, r);
    list_unlink(t, r);
    row_release(rs, t, r);
}

static bool over_cap(const struct rowstore *rs)
{
    return rs->limits.max_bytes && rs->stats.bytes + rs->reserved > rs->limits.max_bytes;
}

/* Evicts least recently changed keys, across tables, until under the cap; never keep, nor the
 * most recently changed key of all (a cap smaller than one row still shows that row). */
static void enforce_cap(struct rowstore *rs, const struct rs_row *keep)
{
    while (over_cap(rs)) {
        struct rs_table *victim = NULL;
        unsigned with_rows = 0;
        for (unsigned i = 0; i < rs->ntables; i++) {
            struct rs_table *t = rs->tables[i];
            with_rows += t->oldest != NULL;
            if (t->oldest && t->oldest != keep &&
                (!victim || t->oldest->changed_ms < victim->oldest->changed_ms))
                victim = t;
        }
        if (!victim || (with_rows == 1 && victim->oldest == victim->newest))
            return;
        row_destroy(rs, victim, victim->oldest);
        rs->stats.evicted++;
    }
}

void rowstore_reserve(struct rowstore *rs, size_t bytes)
{
    rs->reserved = bytes;
    enforce_cap(rs, NULL);
}

/* Orders changes: commit time, then txId. */
static int compare_version(int64_t a_ns, const char *a_tx, int64_t b_ns, const char *b_tx)
{
    if (a_ns != b_ns)
        return a_ns < b_ns ? -1 : 1;
    int c = strcmp(a_tx ? a_tx : "", b_tx ? b_tx : "");
    return c < 0 ? -1 : c > 0 ? 1 : 0;
}

static bool truncated_txid_equal(const char *stored, const char *incoming, size_t cap)
{
    return strncmp(stored, incoming ? incoming : "", cap) == 0;
}

/* A change older than the current version: a redelivery if the key's version log still has it
 * (the chain, not just the versions shown), else stale. The walk is bounded so one very hot key
 * replayed from the start cannot make each record cost thousands of steps. */
static bool seen_before(const struct rowstore *rs, const struct rs_row *r,
                        const struct rs_change *c, bool *has_older)
{
    struct chain ch;
    const struct hist_entry *e;
    unsigned walked = 0;
    *has_older = false;
    chain_init(&ch, rs, r);
    while ((e = chain_next(&ch)) && walked++ < DEDUP_WALK_MAX) {
        if (e->commit_ns == c->commit_ns && truncated_txid_equal(e->txid, c->txid, HIST_TXID_MAX))
            return true;
        if (e->commit_ns < c->commit_ns)
            *has_older = true;
    }
    return false;
}

static enum cdc_kind kind_of(enum cdc_op op, bool existed_live)
{
    switch (op) {
    case CDC_OP_CREATE:
        return existed_live ? CDC_UPDATE : CDC_INSERT;
    case CDC_OP_UPDATE:
        return CDC_UPDATE;
    case CDC_OP_DELETE:
        return CDC_DELETE;
    case CDC_OP_OTHER:
        break;
    }
    return CDC_UPSERT;
}

static void apply_version(struct rowstore *rs, struct rs_table *t, struct rs_row *r,
                          const struct rs_change *c)
{
    bool live = c->op != CDC_OP_DELETE;
    if (r->flags & ROW_APPLIED)
        count_state(rs, t, r, -1);
    r->flags = ROW_APPLIED | (live ? ROW_LIVE : 0);
    r->commit_ns = c->commit_ns;
    set_image(rs, r, c->txid, c->image, live);
    count_state(rs, t, r, +1);
}

struct rs_result rowstore_apply(struct rowstore *rs, struct rs_table *t, const struct rs_change *c,
                                int64_t now_ms)
{
    struct rs_result res = {RS_APPLIED, CDC_UPSERT};
    uint32_t h = hash_key(c->key.p, c->key.n);
    size_t i = find_slot(t, c->key.p, c->key.n, h);
    struct rs_row *r = t->slot[i];
    if (!r) {
        r = row_new(rs, t, c->key, h);
        res.kind = kind_of(c->op, false);
        apply_version(rs, t, r, c);
    } else {
        int cmp = compare_version(c->commit_ns, c->txid, r->commit_ns, row_txid(r));
        bool has_older;
        if (cmp == 0) {
            res.outcome = RS_DUPLICATE;
        } else if (cmp > 0) {
            res.kind = kind_of(c->op, r->flags & ROW_LIVE);
            apply_version(rs, t, r, c);
        } else if (seen_before(rs, r, c, &has_older)) {
            res.outcome = RS_DUPLICATE;
        } else {
            /* Too old to apply; for a create, "seen before" means an older version exists. */
            res.outcome = RS_STALE;
            res.kind = kind_of(c->op, has_older);
        }
    }
    if (res.outcome != RS_DUPLICATE)
        r->changes++;
    hist_record(rs, r, c, res.outcome, now_ms);
    if (res.outcome == RS_APPLIED) {
        r->changed_ms = now_ms;
        list_unlink(t, r);
        list_push_newest(t, r);
        enforce_cap(rs, r);
    }
    return res;
}

/* ---- re-keying ---------------------------------------------------------------------------- */

/* Gives a live row its key under def; tombstones and rows lacking a key column keep theirs. */
static void rekey_row(struct rowstore *rs, struct rs_row *r, const struct pk_def *def,
                      struct buf *key)
{
    buf_reset(key);
    if (!(r->flags & ROW_LIVE) || !pk_key(def, rs_row_image(r), key) || key->len > UINT16_MAX)
        return;
    if (key->len == r->key_len && memcmp(key->data, row_key(r), key->len) == 0)
        return;
    rs->stats.bytes -= row_cost(r);
    char *data = xmalloc(data_size(key->len, r->txid_len, r->img_len));
    memcpy(data, key->data, key->len);
    data[key->len] = '\0';
    memcpy(data + key->len + 1, row_txid(r), r->txid_len + 1u + r->img_len + 1u);
    free(r->data);
    r->data = data;
    r->key_len = (uint16_t)key->len;
    r->hash = hash_key(row_key(r), r->key_len);
    rs->stats.bytes += row_cost(r);
}

void rowstore_rekey(struct rowstore *rs, struct rs_table *t, const struct pk_def *def)
{
    struct buf key;
    struct rs_row *r = t->oldest;
    buf_init(&key);
    /* Detach everything, then re-insert oldest first so the recency order survives. */
    memset(t->slot, 0, t->nslots * sizeof *t->slot);
    t->count = 0;
    t->newest = t->oldest = NULL;
    while (r) {
        struct rs_row *newer = r->newer;
        struct rs_row *n = r;
        rekey_row(rs, n, def, &key);
        const struct rs_row *other = t->slot[find_slot(t, row_key(n), n->key_len, n->hash)];
        if (other &&
            compare_version(n->commit_ns, row_txid(n), other->commit_ns, row_txid(other)) <= 0) {
            row_release(rs, t, n); /* merged into the newer row under the same key */
        } else {
            if (other)
                row_destroy(rs, t, (struct rs_row *)other);
            index_insert(t, n);
            list_push_newest(t, n);
        }
        r = newer;
    }
    buf_free(&key);
}

/* ---- accessors ------------------------------------------------------------------------------- */

const struct rs_row *rs_table_newest(const struct rs_table *t)
{
    return t->newest;
}

const struct rs_row *rs_row_older(const struct rs_row *r)
{
    return r->older;
}

const struct rs_row *rs_table_find(const struct rs_table *t, struct jspan key)
{
    return t->slot[find_slot(t, key.p, key.n, hash_key(key.p, key.n))];
}

uint64_t rs_table_live(const struct rs_table *t)
{
    return t->live;
}

uint64_t rs_table_tombstones(const struct rs_table *t)
{
    return t->tombstones;
}

struct jspan rs_row_key(const struct rs_row *r)
{
    struct jspan s = {row_key(r), r->key_len};
    return s;
}

struct jspan rs_row_image(const struct rs_row *r)
{
    struct jspan s = {NULL, 0};
    if (r->flags & ROW_LIVE) {
        s.p = row_img(r);
        s.n = r->img_len;
    }
    return s;
}

bool rs_row_live(const struct rs_row *r)
{
    return r->flags & ROW_LIVE;
}

int64_t rs_row_commit_ns(const struct rs_row *r)
{
    return r->commit_ns;
}

const char *rs_row_txid(const struct rs_row *r)
{
    return row_txid(r);
}

int64_t rs_row_changed_ms(const struct rs_row *r)
{
    return r->changed_ms;
}

uint64_t rs_row_changes(const struct rs_row *r)
{
    return r->changes;
}

unsigned rs_row_versions(const struct rowstore *rs, const struct rs_row *r, struct rs_version *out,
                         unsigned max)
{
    struct chain ch;
    const struct hist_entry *e;
    unsigned n = 0;
    if (max > rs->limits.versions)
        max = rs->limits.versions;
    chain_init(&ch, rs, r);
    while (n < max && (e = chain_next(&ch))) {
        struct rs_version *v = &out[n++];
        v->commit_ns = e->commit_ns;
        v->arrival_ms = e->arrival_ms;
        v->seen_ms = e->seen_ms;
        v->op = (enum cdc_op)e->op;
        v->mark = (enum rs_outcome)e->mark;
        v->shard = e->shard;
        snprintf(v->txid, sizeof v->txid, "%s", e->txid);
        snprintf(v->seq, sizeof v->seq, "%s", e->seq);
    }
    return n;
}

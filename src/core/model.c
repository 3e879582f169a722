/* The pipeline state: decode → key identity → row store → metrics. */
#include "model.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "jscan.h"
#include "redact.h"
#include "verdict.h"
#include "xalloc.h"

#define DEFAULT_LATENCY_WINDOW_MS 60000
#define DLQ_TREND_MS              60000  /* the DLQ grows: more visible than this long ago */
#define DLQ_STEADY_MS             120000 /* ... and stopped growing after this long without */
#define FIRST_NAME_SLOTS          256u

/* Distinct names by keyed hash: counted exactly up to MODEL_FOLDED_NAMES, then a lower bound. */
struct model_names {
    uint64_t *slot; /* 0: empty (a hash of 0 is kept as 1) */
    size_t cap;
    size_t count;
};

enum name_seen { NAME_NEW, NAME_SEEN, NAME_UNKNOWN };

struct model_pk_spec {
    char schema[CDC_NAME_MAX + 1];
    char table[CDC_NAME_MAX + 1];
    struct pk_def def;
};

static size_t array_cost(size_t n, size_t each)
{
    return n ? xalloc_cost(n * each) : 0;
}

/* ---- folded names ---------------------------------------------------------------------------- */

static void names_free(struct model_names *n)
{
    if (n)
        free(n->slot);
    free(n);
}

static size_t names_bytes(const struct model_names *n)
{
    return n ? xalloc_cost(sizeof *n) + array_cost(n->cap, sizeof *n->slot) : 0;
}

static void names_place(struct model_names *n, uint64_t h)
{
    size_t i = (size_t)h & (n->cap - 1);
    while (n->slot[i])
        i = (i + 1) & (n->cap - 1);
    n->slot[i] = h;
}

static void names_grow(struct model_names *n)
{
    uint64_t *old = n->slot;
    size_t old_cap = n->cap;
    n->cap = n->cap ? n->cap * 2 : FIRST_NAME_SLOTS;
    n->slot = xcalloc(n->cap, sizeof *n->slot);
    for (size_t i = 0; i < old_cap; i++)
        if (old[i])
            names_place(n, old[i]);
    free(old);
}

static bool names_has(const struct model_names *n, uint64_t h)
{
    if (!n->cap)
        return false;
    for (size_t i = (size_t)h & (n->cap - 1); n->slot[i]; i = (i + 1) & (n->cap - 1))
        if (n->slot[i] == h)
            return true;
    return false;
}

static enum name_seen names_add(struct model_names *n, uint64_t h)
{
    h = h ? h : 1;
    if (names_has(n, h))
        return NAME_SEEN;
    if (n->count >= MODEL_FOLDED_NAMES)
        return NAME_UNKNOWN;
    if ((n->count + 1) * 2 > n->cap)
        names_grow(n);
    names_place(n, h);
    n->count++;
    return NAME_NEW;
}

/* Counts a name folded into a bucket (once per distinct name, as far as it can tell). */
static void count_folded(struct model_names **set, uint64_t h, uint64_t *folded, bool *exact)
{
    if (!*set)
        *set = xcalloc(1, sizeof **set);
    switch (names_add(*set, h)) {
    case NAME_NEW:
        (*folded)++;
        break;
    case NAME_UNKNOWN:
        *exact = false;
        break;
    case NAME_SEEN:
        break;
    }
}

/* ---- memory ---------------------------------------------------------------------------------- */

static size_t table_cost(void)
{
    return xalloc_cost(sizeof(struct model_table));
}

static size_t shard_cost(void)
{
    return xalloc_cost(sizeof(struct shard));
}

static size_t index_cost(const struct hashidx *x)
{
    return x->cap ? xalloc_cost(hashidx_bytes(x)) : 0;
}

/* What the model holds besides the row store: tables, shards, their indexes, folded names. */
static size_t outside_rows(const struct model *m)
{
    return m->ntables * table_cost() + array_cost(m->tables_cap, sizeof *m->tables) +
           m->nshards * shard_cost() + array_cost(m->shards_cap, sizeof *m->shards) +
           index_cost(&m->table_index) + index_cost(&m->shard_index) +
           names_bytes(m->folded_tables) + names_bytes(m->folded_shards);
}

size_t model_memory(const struct model *m)
{
    return rowstore_stats(m->rs)->bytes + outside_rows(m);
}

/* Rows make room for what tables and shards take. */
static void reserve_update(struct model *m)
{
    rowstore_reserve(m->rs, outside_rows(m));
}

/* How many of a thing costing `each` fit in 1/share of the cap (at least one: the bucket). */
static unsigned cap_count(size_t max_bytes, unsigned share, size_t each)
{
    if (!max_bytes)
        return 0;
    size_t n = max_bytes / share / each;
    return n < 1 ? 1 : n > UINT_MAX / 2 ? UINT_MAX / 2 : (unsigned)n;
}

static void set_caps(struct model *m)
{
    /* each also pays its pointer and up to four index slots (the index is at most half full) */
    size_t slots = sizeof(void *) + 4 * sizeof(struct hashidx_slot);
    m->max_tables = cap_count(m->cfg.rows.max_bytes, MODEL_TABLES_SHARE,
                              table_cost() + rowstore_table_cost() + slots);
    m->max_shards = cap_count(m->cfg.rows.max_bytes, MODEL_SHARDS_SHARE, shard_cost() + slots);
}

void model_config_defaults(struct model_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->latency_window_ms = DEFAULT_LATENCY_WINDOW_MS;
    readout_thresholds_default(&cfg->thresholds);
}

struct model *model_new(const struct model_config *cfg, int64_t now_ms)
{
    struct model *m = xcalloc(1, sizeof *m);
    if (cfg)
        m->cfg = *cfg;
    else
        model_config_defaults(&m->cfg);
    if (m->cfg.latency_window_ms <= 0)
        m->cfg.latency_window_ms = DEFAULT_LATENCY_WINDOW_MS;
    if (m->cfg.thresholds.idle_ms <= 0)
        readout_thresholds_default(&m->cfg.thresholds);
    m->cfg.decoder.hash_key = m->cfg.hash_key;
    m->dec = decoder_new(&m->cfg.decoder);
    m->rs = rowstore_new(&m->cfg.rows);
    hashidx_init(&m->table_index);
    hashidx_init(&m->shard_index);
    set_caps(m);
    metrics_init(&m->all, m->cfg.latency_window_ms);
    series_init(&m->records_per_s);
    series_init(&m->undecodable_per_s);
    events_init(&m->events);
    m->reading_from_ms = CDC_TIME_NONE;
    series_init(&m->throttles_per_s);
    m->record_size_limit = MODEL_DEFAULT_RECORD_LIMIT;
    m->started_ms = now_ms;
    snprintf(m->source, sizeof m->source, "none");
    return m;
}

void model_free(struct model *m)
{
    if (!m)
        return;
    for (unsigned i = 0; i < m->ntables; i++)
        free(m->tables[i]);
    free(m->tables);
    for (unsigned i = 0; i < m->nshards; i++)
        free(m->shards[i]);
    free(m->shards);
    hashidx_free(&m->table_index);
    hashidx_free(&m->shard_index);
    names_free(m->folded_tables);
    names_free(m->folded_shards);
    free(m->pk_specs);
    buf_free(&m->scratch);
    buf_free(&m->redacted[0]);
    buf_free(&m->redacted[1]);
    redact_free(m->redact);
    decoder_free(m->dec);
    rowstore_free(m->rs);
    free(m);
}

bool model_configure_pk(struct model *m, const char *spec, const char **err)
{
    struct model_pk_spec s;
    if (!pk_parse_spec(spec, s.schema, s.table, &s.def, err))
        return false;
    m->pk_specs = xrealloc(m->pk_specs, (m->npk_specs + 1) * sizeof *m->pk_specs);
    m->pk_specs[m->npk_specs++] = s;
    struct model_table *t = model_table_find(m, s.schema, s.table);
    if (t) {
        t->pk = s.def;
        rowstore_rekey(m->rs, t->rows, &t->pk);
    }
    return true;
}

void model_set_source(struct model *m, const char *description)
{
    snprintf(m->source, sizeof m->source, "%s", description);
}

void model_set_redaction(struct model *m, struct redact *r)
{
    redact_free(m->redact);
    m->redact = r;
}

bool model_redacting(const struct model *m)
{
    return redact_enabled(m->redact);
}

/* Replaces the images of *c by redacted copies (in m->redacted) before anything stores them. */
static void redact_images(struct model *m, const char *schema, const char *table,
                          const struct pk_def *keep, struct cdc_change *c)
{
    if (redact_image(m->redact, schema, table, keep, c->before, &m->redacted[0]))
        c->before = (struct jspan){m->redacted[0].data, m->redacted[0].len};
    if (redact_image(m->redact, schema, table, keep, c->after, &m->redacted[1]))
        c->after = (struct jspan){m->redacted[1].data, m->redacted[1].len};
}

static void redact_change(struct model *m, struct model_table *t, struct cdc_change *c)
{
    if (!m->redact)
        return;
    if (!t->redact_decided) {
        if (t->pk.source == PK_CONFIGURED || t->pk.source == PK_LEARNED)
            t->redact_keep = t->pk;
        t->redact_decided = true;
    }
    redact_images(m, t->schema, t->table, &t->redact_keep, c);
}

void model_set_record_limit(struct model *m, uint64_t bytes)
{
    if (bytes)
        m->record_size_limit = bytes;
}

/* ---- shards ---------------------------------------------------------------------------------- */

static bool shard_is(const void *item, const void *id)
{
    return strcmp(((const struct shard *)item)->id, id) == 0;
}

static struct shard *shard_new(struct model *m, const char *id)
{
    if (m->nshards == m->shards_cap) {
        m->shards_cap = m->shards_cap ? m->shards_cap * 2 : 8;
        m->shards = xrealloc(m->shards, m->shards_cap * sizeof *m->shards);
    }
    struct shard *s = xcalloc(1, sizeof *s);
    snprintf(s->id, sizeof s->id, "%s", id);
    s->state = SHARD_PENDING;
    s->millis_behind = -1;
    s->last_arrival_ms = CDC_TIME_NONE;
    series_init(&s->rec_per_s);
    series_init(&s->bytes_per_s);
    series_init(&s->calls_per_s);
    s->index = m->nshards;
    m->shards[m->nshards++] = s;
    return s;
}

static bool shards_full(const struct model *m)
{
    return m->max_shards && m->nshards + (m->other_shards ? 0 : 1) >= m->max_shards;
}

static unsigned shard_fold(struct model *m, uint64_t h)
{
    if (!m->other_shards) {
        m->other_shards = shard_new(m, MODEL_OTHER_SHARDS);
        m->other_shards->other = true;
        m->other_shards->folded_exact = true;
    }
    struct shard *o = m->other_shards;
    count_folded(&m->folded_shards, h, &o->folded, &o->folded_exact);
    reserve_update(m);
    return o->index;
}

static unsigned shard_lookup(struct model *m, const char *id, bool may_fold)
{
    char fit[SHARD_ID_MAX + 1];
    shard_id_fit(id, fit);
    uint64_t h = hashidx_hash(&m->cfg.hash_key, fit, strlen(fit));
    const struct shard *found = hashidx_find(&m->shard_index, h, shard_is, fit);
    if (found)
        return found->index;
    if (may_fold && shards_full(m))
        return shard_fold(m, h);
    struct shard *s = shard_new(m, fit);
    hashidx_add(&m->shard_index, h, s);
    reserve_update(m);
    return s->index;
}

unsigned model_shard(struct model *m, const char *id)
{
    return shard_lookup(m, id, true);
}

unsigned model_shard_listed(struct model *m, const char *id)
{
    return shard_lookup(m, id, false);
}

/* ---- tables ---------------------------------------------------------------------------------- */

struct table_name {
    const char *schema;
    const char *table;
};

static bool table_is(const void *item, const void *name)
{
    const struct model_table *t = item;
    const struct table_name *n = name;
    return strcmp(t->table, n->table) == 0 && strcmp(t->schema, n->schema) == 0;
}

static uint64_t table_hash(const struct model *m, const char *schema, const char *table)
{
    char key[2 * (CDC_NAME_MAX + 1)];
    size_t a = strnlen(schema, CDC_NAME_MAX), b = strnlen(table, CDC_NAME_MAX);
    memcpy(key, schema, a);
    key[a] = '\0';
    memcpy(key + a + 1, table, b);
    return hashidx_hash(&m->cfg.hash_key, key, a + 1 + b);
}

static struct model_table *table_find(const struct model *m, const char *schema, const char *table,
                                      uint64_t h)
{
    struct table_name name = {schema, table};
    return hashidx_find(&m->table_index, h, table_is, &name);
}

struct model_table *model_table_find(const struct model *m, const char *schema, const char *table)
{
    return table_find(m, schema, table, table_hash(m, schema, table));
}

static const struct pk_def *configured_pk(const struct model *m, const char *schema,
                                          const char *table)
{
    for (unsigned i = 0; i < m->npk_specs; i++)
        if (strcmp(m->pk_specs[i].schema, schema) == 0 && strcmp(m->pk_specs[i].table, table) == 0)
            return &m->pk_specs[i].def;
    return NULL;
}

static struct model_table *table_new(struct model *m, const char *schema, const char *table)
{
    if (m->ntables == m->tables_cap) {
        m->tables_cap = m->tables_cap ? m->tables_cap * 2 : 8;
        m->tables = xrealloc(m->tables, m->tables_cap * sizeof *m->tables);
    }
    struct model_table *t = xcalloc(1, sizeof *t);
    snprintf(t->schema, sizeof t->schema, "%s", schema);
    snprintf(t->table, sizeof t->table, "%s", table);
    t->rows = rowstore_table_new(m->rs);
    metrics_init(&t->m, m->cfg.latency_window_ms);
    m->tables[m->ntables++] = t;
    return t;
}

static bool tables_full(const struct model *m)
{
    return m->max_tables && m->ntables + (m->other_tables ? 0 : 1) >= m->max_tables;
}

static struct model_table *table_fold(struct model *m, uint64_t h)
{
    if (!m->other_tables) {
        m->other_tables = table_new(m, "", MODEL_OTHER_TABLES);
        m->other_tables->other = true;
        m->other_tables->folded_exact = true;
    }
    struct model_table *o = m->other_tables;
    count_folded(&m->folded_tables, h, &o->folded, &o->folded_exact);
    reserve_update(m);
    return o;
}

/* The table a change counts in: its own, a new one, or past the cap the bucket. */
static struct model_table *table_for(struct model *m, const char *schema, const char *table)
{
    uint64_t h = table_hash(m, schema, table);
    struct model_table *t = table_find(m, schema, table, h);
    if (t)
        return t;
    if (tables_full(m))
        return table_fold(m, h);
    t = table_new(m, schema, table);
    const struct pk_def *pk = configured_pk(m, schema, table);
    if (pk)
        t->pk = *pk;
    hashidx_add(&m->table_index, h, t);
    reserve_update(m);
    return t;
}

static void shard_count_record(struct model *m, const struct cdc_raw *raw, int64_t now_ms)
{
    if (raw->shard >= m->nshards)
        return;
    struct shard *s = m->shards[raw->shard];
    s->records++;
    s->bytes += raw->len;
    series_add(&s->rec_per_s, now_ms, 1);
    series_add(&s->bytes_per_s, now_ms, (uint32_t)(raw->len > UINT32_MAX ? UINT32_MAX : raw->len));
    if (raw->seq && raw->seq_len) {
        size_t n = raw->seq_len < CDC_SEQ_MAX ? raw->seq_len : CDC_SEQ_MAX;
        memcpy(s->last_seq, raw->seq, n);
        s->last_seq[n] = '\0';
    }
    if (raw->arrival_ms != CDC_TIME_NONE)
        s->last_arrival_ms = raw->arrival_ms;
}

static uint64_t undecodable_total(const struct model *m)
{
    const struct decode_stats *st = decoder_stats(m->dec);
    uint64_t n = 0;
    for (int i = 0; i < DERR_COUNT; i++)
        n += st->errors[i];
    return n;
}

/* Learns the key from a delete's `before` (the PK columns), re-keying rows tracked so far. */
static void learn_key(struct model *m, struct model_table *t, const struct cdc_change *c)
{
    struct pk_def learned;
    if (t->pk.source == PK_CONFIGURED || c->op != CDC_OP_DELETE || !c->before.p)
        return;
    if (!pk_learn(&learned, c->before))
        return;
    if (t->pk.source == PK_LEARNED && pk_def_equal(&t->pk, &learned))
        return;
    bool rekey = t->pk.source != PK_NONE && !pk_def_equal(&t->pk, &learned);
    t->pk = learned;
    if (rekey)
        rowstore_rekey(m->rs, t->rows, &t->pk);
}

static void record_latencies(struct metrics *mt, const struct cdc_change *c,
                             const struct cdc_raw *raw, int64_t now_ms)
{
    if (c->emit_ns != CDC_TIME_NONE)
        metrics_latency(mt, LAT_COMMIT_TO_EMIT, now_ms, (c->emit_ns - c->commit_ns) / 1000);
    if (raw->arrival_ms == CDC_TIME_NONE)
        return;
    if (c->emit_ns != CDC_TIME_NONE)
        metrics_latency(mt, LAT_EMIT_TO_ARRIVAL, now_ms,
                        raw->arrival_ms * 1000 - c->emit_ns / 1000);
    metrics_latency(mt, LAT_ARRIVAL_TO_PROCESSED, now_ms, (now_ms - raw->arrival_ms) * 1000);
}

static void count_duplicate(struct model *m, struct model_table *t, int64_t now_ms)
{
    metrics_record(&t->m, now_ms, now_ms, CDC_UPSERT, true, false);
    metrics_record(&m->all, now_ms, now_ms, CDC_UPSERT, true, false);
    m->totals.duplicates++;
}

/* Where a change belongs on the timeline: when it arrived in the stream (or, with --time-basis
 * commit, when it was committed); the time it was read when neither is known. */
static int64_t event_time(const struct model *m, const struct cdc_change *c,
                          const struct cdc_raw *raw, int64_t now_ms)
{
    if (m->cfg.basis == BASIS_COMMIT && c->commit_ns != CDC_TIME_NONE)
        return c->commit_ns / 1000000 - (c->commit_ns % 1000000 < 0);
    if (raw->arrival_ms != CDC_TIME_NONE)
        return raw->arrival_ms;
    return now_ms;
}

static void count_change(struct model *m, struct model_table *t, const struct cdc_change *c,
                         const struct cdc_raw *raw, struct rs_result res, struct jspan key,
                         int64_t now_ms)
{
    bool stale = res.outcome == RS_STALE;
    if (res.outcome == RS_DUPLICATE) {
        count_duplicate(m, t, now_ms);
        return;
    }
    int64_t at = event_time(m, c, raw, now_ms);
    metrics_record(&t->m, now_ms, at, res.kind, false, stale);
    metrics_record(&m->all, now_ms, at, res.kind, false, stale);
    if (stale)
        m->totals.stale++;
    record_latencies(&t->m, c, raw, now_ms);
    record_latencies(&m->all, c, raw, now_ms);
    metrics_size(&t->m, now_ms, c->record_bytes, m->record_size_limit, key.p, key.n);
    metrics_size(&m->all, now_ms, c->record_bytes, m->record_size_limit, key.p, key.n);
}

/* The key of a change of a table of its own: configured, learned or guessed, after redaction. */
static bool table_key(struct model *m, struct model_table *t, struct cdc_change *c, struct buf *key)
{
    learn_key(m, t, c);
    if (t->pk.source == PK_NONE && c->after.p)
        pk_guess(&t->pk, c->after);
    redact_change(m, t, c);
    struct jspan image = c->op == CDC_OP_DELETE ? c->before : c->after;
    return image.p && pk_key(&t->pk, image, key);
}

/* A name as a JSON string; names that are not UTF-8 (a lone surrogate escape) as their hex. */
static void put_name(struct buf *b, const char *name)
{
    size_t n = strlen(name);
    if (jscan_utf8_valid(name, n)) {
        buf_json_string(b, name, n);
        return;
    }
    buf_puts(b, "\"x:");
    for (size_t i = 0; i < n; i++)
        buf_printf(b, "%02x", (unsigned char)name[i]);
    buf_putc(b, '"');
}

/* The key of a change folded into the bucket: ["schema","table",[values]], the values those of
 * the table's configured key, else of the columns its delete names, else of the guessed key.
 * Nothing is remembered per folded table, so a redelivery always finds its first delivery. */
static bool folded_key(struct model *m, struct cdc_change *c, struct buf *key)
{
    struct pk_def def;
    const struct pk_def *conf = configured_pk(m, c->schema, c->table);
    if (m->redact) {
        memset(&def, 0, sizeof def);
        redact_images(m, c->schema, c->table, conf ? conf : &def, c);
    }
    struct jspan image = c->op == CDC_OP_DELETE ? c->before : c->after;
    if (!image.p)
        return false;
    if (conf)
        def = *conf;
    else if (!(c->op == CDC_OP_DELETE ? pk_learn(&def, image) : pk_guess(&def, image)))
        return false;
    buf_putc(key, '[');
    put_name(key, c->schema);
    buf_putc(key, ',');
    put_name(key, c->table);
    buf_putc(key, ',');
    if (!pk_key(&def, image, key))
        return false;
    buf_putc(key, ']');
    return true;
}

static void apply_change(struct model *m, struct cdc_change *c, const struct cdc_raw *raw,
                         int64_t now_ms)
{
    struct model_table *t = table_for(m, c->schema, c->table);
    struct buf *key = &m->scratch;
    buf_reset(key);
    if (!(t->other ? folded_key(m, c, key) : table_key(m, t, c, key))) {
        t->unkeyed++;
        m->totals.unkeyed++;
        return;
    }
    struct rs_change rc = {
        .key = {key->data, key->len},
        .op = c->op,
        .commit_ns = c->commit_ns,
        .txid = c->txid,
        .image = c->after,
        .shard = raw->shard,
        .seq = raw->seq,
        .seq_len = raw->seq_len,
        .arrival_ms = raw->arrival_ms,
    };
    struct rs_result res = rowstore_apply(m->rs, t->rows, &rc, now_ms);
    count_change(m, t, c, raw, res, rc.key, now_ms);
}

double model_read_rate(const struct model *m, int64_t at_ms, int secs)
{
    return series_rate(&m->records_per_s, at_ms, secs);
}

void model_readout(const struct model *m, const struct metrics *mt, int64_t now_ms,
                   int64_t cursor_ms, struct readout *out)
{
    struct readout_span span = {model_timeline_start(m), model_timeline_end(m, now_ms)};
    readout_fill(mt, &m->cfg.thresholds, m->record_size_limit, m->cfg.latency_window_ms, now_ms,
                 span, cursor_ms, out);
}

/* Counts new undecodable records per second, and logs a reason the first time it occurs. */
static void note_undecodable(struct model *m, int64_t now_ms)
{
    uint64_t total = undecodable_total(m);
    if (total == m->totals.undecodable)
        return;
    series_add(&m->undecodable_per_s, now_ms, (uint32_t)(total - m->totals.undecodable));
    m->totals.undecodable = total;
    const struct decode_stats *ds = decoder_stats(m->dec);
    for (int r = 0; r < DERR_COUNT; r++) {
        if (!ds->errors[r] || m->undecodable_logged[r])
            continue;
        char text[EVENT_TEXT_MAX + 1];
        m->undecodable_logged[r] = true;
        snprintf(text, sizeof text, "first undecodable record: %s (%s)",
                 decode_reason_name((enum decode_reason)r), ds->sample[r].detail);
        events_add(&m->events, now_ms, EV_WARN, EVK_UNDECODABLE, EV_DERIVED,
                   decode_reason_name((enum decode_reason)r), text);
    }
}

void model_ingest(struct model *m, const struct cdc_raw *raw, int64_t now_ms)
{
    struct cdc_change c;
    m->totals.records++;
    m->totals.bytes += raw->len;
    series_add(&m->records_per_s, now_ms, 1);
    shard_count_record(m, raw, now_ms);
    enum decode_status st = decoder_feed(m->dec, raw, now_ms, &c);
    /* not only errors count: buffering a part may drop older split changes for room */
    note_undecodable(m, now_ms);
    switch (st) {
    case DECODE_ERROR:
    case DECODE_PENDING:
    case DECODE_REPEAT:
        return;
    case DECODE_DUPLICATE:
        m->totals.decoded++;
        count_duplicate(m, table_for(m, c.schema, c.table), now_ms);
        return;
    case DECODE_CHANGE:
        break;
    }
    m->totals.decoded++;
    apply_change(m, &c, raw, now_ms);
}

/* The verdict changed: the event log says from what to what; the worst level is remembered
 * for the exit status (--fail-on). */
static void verdict_events(struct model *m, int64_t now_ms)
{
    struct verdict v;
    char line[EVENT_TEXT_MAX + 1];
    verdict_compute(m, now_ms, &v);
    if (v.level > m->verdict_worst)
        m->verdict_worst = v.level;
    if (v.level == m->verdict_level)
        return;
    m->verdict_level = v.level;
    verdict_line(&v, line, sizeof line);
    events_add(&m->events, now_ms,
               v.level == LEVEL_BAD    ? EV_BAD
               : v.level == LEVEL_WARN ? EV_WARN
                                       : EV_GOOD,
               EVK_VERDICT, EV_DERIVED, "", line);
}

void model_tick(struct model *m, int64_t now_ms)
{
    decoder_tick(m->dec, now_ms);
    for (unsigned i = 0; i < m->ntables; i++)
        metrics_tick(&m->tables[i]->m, now_ms);
    metrics_tick(&m->all, now_ms);
    note_undecodable(m, now_ms);
    model_shard_tick(m, now_ms);
    verdict_events(m, now_ms);
}

void model_set_status(struct model *m, enum model_alert level, int64_t now_ms, const char *text,
                      const char *hint)
{
    bool was_problem = m->status.level >= ALERT_WARN, is_problem = level >= ALERT_WARN;
    if (is_problem && (!was_problem || level > m->status.level))
        events_add(&m->events, now_ms, level == ALERT_ERROR ? EV_BAD : EV_WARN, EVK_ERROR,
                   EV_DERIVED, "", text);
    else if (was_problem && !is_problem)
        events_add(&m->events, now_ms, EV_GOOD, EVK_ERROR_END, EV_DERIVED, "",
                   text && *text ? text : "no problem any more");
    if (m->taps.status)
        m->taps.status(m->taps.ctx, now_ms, level, text ? text : "", hint ? hint : "");
    m->status.level = level;
    m->status.at_ms = now_ms;
    snprintf(m->status.text, sizeof m->status.text, "%s", text ? text : "");
    snprintf(m->status.hint, sizeof m->status.hint, "%s", hint ? hint : "");
}

void model_set_endpoint(struct model *m, const char *endpoint, const char *creds_source)
{
    snprintf(m->endpoint, sizeof m->endpoint, "%s", endpoint ? endpoint : "");
    snprintf(m->creds_source, sizeof m->creds_source, "%s", creds_source ? creds_source : "");
}

void model_dlq_configure(struct model *m, const char *name)
{
    m->dlq.configured = true;
    snprintf(m->dlq.name, sizeof m->dlq.name, "%s", name);
}

/* The visible messages DLQ_TREND_MS ago (or at the oldest sample since), and when. */
static const struct dlq_sample *dlq_then(const struct dlq_state *d, int64_t now_ms)
{
    unsigned newest = (d->history_next + MODEL_DLQ_HISTORY - 1) % MODEL_DLQ_HISTORY;
    const struct dlq_sample *then = &d->history[newest];
    for (unsigned i = 1; i < d->history_len; i++) {
        const struct dlq_sample *s =
            &d->history[(newest + MODEL_DLQ_HISTORY - i) % MODEL_DLQ_HISTORY];
        if (now_ms - s->at_ms > DLQ_TREND_MS)
            break;
        then = s;
    }
    return then;
}

/* The DLQ started growing (more visible than a minute ago), or stopped (no growth for a
 * while): each once, as it happens. */
static void dlq_trend_events(struct model *m, int64_t now_ms)
{
    struct dlq_state *d = &m->dlq;
    const struct dlq_sample *then = dlq_then(d, now_ms);
    char text[EVENT_TEXT_MAX + 1];
    if (d->error[0]) {
        d->error[0] = '\0';
        events_add(&m->events, now_ms, EV_GOOD, EVK_ERROR_END, EV_SOURCE, "DLQ", "polled again");
    }
    if (d->visible > then->visible) {
        d->last_growth_ms = now_ms;
        if (!d->growing) {
            d->growing = true;
            snprintf(text, sizeof text, "the DLQ grew from %lld to %lld visible messages",
                     (long long)then->visible, (long long)d->visible);
            events_add(&m->events, now_ms, EV_WARN, EVK_DLQ_GROWING, EV_DERIVED, "DLQ", text);
        }
    } else if (d->growing && now_ms - d->last_growth_ms >= DLQ_STEADY_MS) {
        d->growing = false;
        snprintf(text, sizeof text, "the DLQ stopped growing (%lld visible)",
                 (long long)d->visible);
        events_add(&m->events, now_ms, EV_GOOD, EVK_DLQ_STEADY, EV_DERIVED, "DLQ", text);
    }
}

void model_dlq_update(struct model *m, int64_t now_ms, int64_t visible, int64_t in_flight,
                      int64_t delayed)
{
    struct dlq_state *d = &m->dlq;
    if (m->taps.dlq)
        m->taps.dlq(m->taps.ctx, now_ms, visible, in_flight, delayed);
    d->known = true;
    d->visible = visible;
    d->in_flight = in_flight;
    d->delayed = delayed;
    d->updated_ms = now_ms;
    d->history[d->history_next].at_ms = now_ms;
    d->history[d->history_next].visible = visible;
    d->history_next = (d->history_next + 1) % MODEL_DLQ_HISTORY;
    if (d->history_len < MODEL_DLQ_HISTORY)
        d->history_len++;
    dlq_trend_events(m, now_ms);
}

void model_dlq_error(struct model *m, int64_t now_ms, const char *message)
{
    if (!m->dlq.error[0])
        events_add(&m->events, now_ms, EV_WARN, EVK_ERROR, EV_SOURCE, "DLQ", message);
    snprintf(m->dlq.error, sizeof m->dlq.error, "%s", message);
}

const char *model_alert_name(enum model_alert a)
{
    static const char *const names[] = {"none", "info", "warn", "error"};
    return (unsigned)a < sizeof names / sizeof names[0] ? names[a] : "none";
}

bool model_alert_parse(const char *name, enum model_alert *out)
{
    for (enum model_alert a = ALERT_NONE; a <= ALERT_ERROR; a++) {
        if (strcmp(model_alert_name(a), name) == 0) {
            *out = a;
            return true;
        }
    }
    return false;
}

void model_note(struct model *m, int64_t now_ms, enum event_level level, enum event_kind kind,
                const char *subject, const char *text)
{
    events_add(&m->events, now_ms, level, kind, EV_SOURCE, subject, text);
}

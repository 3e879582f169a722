/* The pipeline state: decode → key identity → row store → metrics. */
#include "model.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "redact.h"
#include "xalloc.h"

#define DEFAULT_LATENCY_WINDOW_MS 60000

struct model_pk_spec {
    char schema[CDC_NAME_MAX + 1];
    char table[CDC_NAME_MAX + 1];
    struct pk_def def;
};

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
    m->dec = decoder_new(&m->cfg.decoder);
    m->rs = rowstore_new(&m->cfg.rows);
    metrics_init(&m->all, m->cfg.latency_window_ms);
    series_init(&m->records_per_s);
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
    m->generation++;
    return true;
}

void model_set_source(struct model *m, const char *description)
{
    snprintf(m->source, sizeof m->source, "%s", description);
    m->generation++;
}

void model_set_redaction(struct model *m, struct redact *r)
{
    redact_free(m->redact);
    m->redact = r;
    m->generation++;
}

bool model_redacting(const struct model *m)
{
    return redact_enabled(m->redact);
}

/* Replaces the images of *c by redacted copies (in m->redacted) before anything stores them. */
static void redact_change(struct model *m, struct model_table *t, struct cdc_change *c)
{
    if (!m->redact)
        return;
    if (!t->redact_decided) {
        if (t->pk.source == PK_CONFIGURED || t->pk.source == PK_LEARNED)
            t->redact_keep = t->pk;
        t->redact_decided = true;
    }
    if (redact_image(m->redact, t->schema, t->table, &t->redact_keep, c->before, &m->redacted[0]))
        c->before = (struct jspan){m->redacted[0].data, m->redacted[0].len};
    if (redact_image(m->redact, t->schema, t->table, &t->redact_keep, c->after, &m->redacted[1]))
        c->after = (struct jspan){m->redacted[1].data, m->redacted[1].len};
}

void model_set_record_limit(struct model *m, uint64_t bytes)
{
    if (bytes)
        m->record_size_limit = bytes;
    m->generation++;
}

unsigned model_shard(struct model *m, const char *id)
{
    for (unsigned i = 0; i < m->nshards; i++)
        if (strcmp(m->shards[i]->id, id) == 0)
            return i;
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
    m->shards[m->nshards] = s;
    m->generation++;
    return m->nshards++;
}

struct model_table *model_table_find(const struct model *m, const char *schema, const char *table)
{
    for (unsigned i = 0; i < m->ntables; i++) {
        struct model_table *t = m->tables[i];
        if (t->table[0] == table[0] && strcmp(t->table, table) == 0 &&
            strcmp(t->schema, schema) == 0)
            return t;
    }
    return NULL;
}

static struct model_table *table_add(struct model *m, const char *schema, const char *table)
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
    for (unsigned i = 0; i < m->npk_specs; i++)
        if (strcmp(m->pk_specs[i].schema, schema) == 0 && strcmp(m->pk_specs[i].table, table) == 0)
            t->pk = m->pk_specs[i].def;
    m->tables[m->ntables++] = t;
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

static void count_change(struct model *m, struct model_table *t, const struct cdc_change *c,
                         const struct cdc_raw *raw, struct rs_result res, struct jspan key,
                         int64_t now_ms)
{
    bool dup = res.outcome == RS_DUPLICATE, stale = res.outcome == RS_STALE;
    metrics_record(&t->m, now_ms, res.kind, dup, stale);
    metrics_record(&m->all, now_ms, res.kind, dup, stale);
    if (dup) {
        m->totals.duplicates++;
        return;
    }
    if (stale)
        m->totals.stale++;
    record_latencies(&t->m, c, raw, now_ms);
    record_latencies(&m->all, c, raw, now_ms);
    metrics_size(&t->m, now_ms, c->record_bytes, m->record_size_limit, key.p, key.n);
    metrics_size(&m->all, now_ms, c->record_bytes, m->record_size_limit, key.p, key.n);
}

static void apply_change(struct model *m, struct cdc_change *c, const struct cdc_raw *raw,
                         int64_t now_ms)
{
    struct model_table *t = model_table_find(m, c->schema, c->table);
    if (!t)
        t = table_add(m, c->schema, c->table);
    learn_key(m, t, c);
    if (t->pk.source == PK_NONE && c->after.p)
        pk_guess(&t->pk, c->after);
    redact_change(m, t, c);
    struct jspan image = c->op == CDC_OP_DELETE ? c->before : c->after;
    struct buf *key = &m->scratch;
    buf_reset(key);
    if (!image.p || !pk_key(&t->pk, image, key)) {
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

void model_readout(const struct model *m, const struct metrics *mt, int64_t now_ms,
                   int64_t cursor_ms, struct readout *out)
{
    readout_fill(mt, &m->cfg.thresholds, m->record_size_limit, m->cfg.latency_window_ms, now_ms,
                 cursor_ms, out);
}

void model_ingest(struct model *m, const struct cdc_raw *raw, int64_t now_ms)
{
    struct cdc_change c;
    m->generation++;
    m->totals.records++;
    m->totals.bytes += raw->len;
    series_add(&m->records_per_s, now_ms, 1);
    shard_count_record(m, raw, now_ms);
    switch (decoder_feed(m->dec, raw, now_ms, &c)) {
    case DECODE_ERROR:
        m->totals.undecodable = undecodable_total(m);
        return;
    case DECODE_PENDING:
    case DECODE_REPEAT:
        return;
    case DECODE_CHANGE:
        break;
    }
    m->totals.decoded++;
    apply_change(m, &c, raw, now_ms);
}

void model_tick(struct model *m, int64_t now_ms)
{
    decoder_tick(m->dec, now_ms);
    for (unsigned i = 0; i < m->ntables; i++)
        metrics_tick(&m->tables[i]->m, now_ms);
    metrics_tick(&m->all, now_ms);
    uint64_t undecodable = undecodable_total(m);
    if (undecodable != m->totals.undecodable) {
        m->totals.undecodable = undecodable;
        m->generation++;
    }
}

void model_set_status(struct model *m, enum model_alert level, int64_t now_ms, const char *text,
                      const char *hint)
{
    m->status.level = level;
    m->status.at_ms = now_ms;
    snprintf(m->status.text, sizeof m->status.text, "%s", text ? text : "");
    snprintf(m->status.hint, sizeof m->status.hint, "%s", hint ? hint : "");
    m->generation++;
}

void model_set_endpoint(struct model *m, const char *endpoint, const char *creds_source)
{
    snprintf(m->endpoint, sizeof m->endpoint, "%s", endpoint ? endpoint : "");
    snprintf(m->creds_source, sizeof m->creds_source, "%s", creds_source ? creds_source : "");
    m->generation++;
}

void model_dlq_configure(struct model *m, const char *name)
{
    m->dlq.configured = true;
    snprintf(m->dlq.name, sizeof m->dlq.name, "%s", name);
    m->generation++;
}

void model_dlq_update(struct model *m, int64_t now_ms, int64_t visible, int64_t in_flight,
                      int64_t delayed)
{
    struct dlq_state *d = &m->dlq;
    d->known = true;
    d->visible = visible;
    d->in_flight = in_flight;
    d->delayed = delayed;
    d->updated_ms = now_ms;
    d->error[0] = '\0';
    d->history[d->history_next].at_ms = now_ms;
    d->history[d->history_next].visible = visible;
    d->history_next = (d->history_next + 1) % MODEL_DLQ_HISTORY;
    if (d->history_len < MODEL_DLQ_HISTORY)
        d->history_len++;
    m->generation++;
}

void model_dlq_error(struct model *m, int64_t now_ms, const char *message)
{
    (void)now_ms;
    snprintf(m->dlq.error, sizeof m->dlq.error, "%s", message);
    m->generation++;
}

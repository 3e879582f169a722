/*
 * The JSON snapshot, written as a stream into a buffer. Row images and keys are spliced in as
 * the original bytes (already validated by the decoder), so values stay lossless: a bigint
 * beyond 2^53, "1.50" or a 30-digit integer come out exactly as they went in.
 */
#include "report.h"

#include "fmt.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "fmt.h"
#include "hist.h"
#include "redact.h"
#include "verdict.h"

#define REPORT_TIMELINE_S 900 /* the last 15 minutes, as the screens' history */

static void put_cstr(struct buf *b, const char *s)
{
    buf_json_string(b, s, strlen(s));
}

static void key(struct buf *b, const char *k)
{
    buf_putc(b, '"');
    buf_puts(b, k);
    buf_puts(b, "\":");
}

static void put_u64(struct buf *b, uint64_t v)
{
    buf_printf(b, "%" PRIu64, v);
}

static void put_i64(struct buf *b, int64_t v)
{
    buf_printf(b, "%" PRId64, v);
}

static void put_double(struct buf *b, double v)
{
    buf_printf(b, "%.3f", v);
}

static void put_time(struct buf *b, int64_t ms)
{
    char tmp[FMT_LEN];
    buf_printf(b, "\"%s\"", fmt_time_ms(tmp, sizeof tmp, ms, FMT_ISO8601_MS));
}

/* Every string from a record or a server is checked for valid UTF-8 before it is written. */
static void put_untrusted(struct buf *b, const char *s)
{
    size_t n = strlen(s);
    if (jscan_utf8_valid(s, n))
        buf_json_string(b, s, n);
    else
        put_cstr(b, "(invalid UTF-8)");
}

static void put_latency(struct buf *b, enum lat_kind k, const struct readout_latency *l)
{
    key(b, lat_kind_name(k));
    if (!l->known) {
        buf_puts(b, "{\"p50\":null,\"p90\":null,\"p99\":null,\"max\":null,\"count\":0,"
                    "\"negative\":0,\"level\":");
        put_cstr(b, readout_level_name(l->level));
        buf_putc(b, '}');
        return;
    }
    buf_puts(b, "{\"p50\":");
    put_double(b, (double)l->p50 / 1000.0);
    buf_puts(b, ",\"p90\":");
    put_double(b, (double)l->p90 / 1000.0);
    buf_puts(b, ",\"p99\":");
    put_double(b, (double)l->p99 / 1000.0);
    buf_puts(b, ",\"max\":");
    put_double(b, (double)l->max / 1000.0);
    buf_puts(b, ",\"count\":");
    put_u64(b, l->count);
    buf_puts(b, ",\"negative\":");
    put_u64(b, l->negative);
    buf_puts(b, ",\"level\":");
    put_cstr(b, readout_level_name(l->level));
    buf_putc(b, '}');
}

static void put_size(struct buf *b, const struct readout_size *z, const struct metrics *mt)
{
    buf_puts(b, "{\"max\":");
    put_u64(b, z->max);
    buf_puts(b, ",\"p99\":");
    put_u64(b, z->p99);
    buf_puts(b, ",\"over_90pct\":");
    put_u64(b, z->over_90pct);
    buf_puts(b, ",\"headroom_pct\":");
    if (z->headroom_known)
        put_double(b, z->headroom_pct);
    else
        buf_puts(b, "null");
    buf_puts(b, ",\"level\":");
    put_cstr(b, readout_level_name(z->level));
    buf_puts(b, ",\"largest\":[");
    for (int i = 0; i < METRICS_LARGEST && mt->largest[i].bytes; i++) {
        if (i)
            buf_putc(b, ',');
        buf_puts(b, "{\"bytes\":");
        put_u64(b, mt->largest[i].bytes);
        buf_puts(b, ",\"key\":");
        put_untrusted(b, mt->largest[i].key);
        buf_puts(b, ",\"seen_at\":");
        put_time(b, mt->largest[i].seen_ms);
        buf_putc(b, '}');
    }
    buf_puts(b, "]}");
}

static void put_metrics_body(struct buf *b, const struct model *m, const struct metrics *mt,
                             int64_t now_ms)
{
    struct readout r;
    model_readout(m, mt, now_ms, 0, &r);
    key(b, "changes");
    buf_putc(b, '{');
    for (int k = 0; k < CDC_KIND_COUNT; k++) {
        if (k)
            buf_putc(b, ',');
        key(b, cdc_kind_name((enum cdc_kind)k));
        put_u64(b, r.changes[k]);
    }
    buf_puts(b, "},\"records\":");
    put_u64(b, r.records);
    buf_puts(b, ",\"duplicates\":");
    put_u64(b, r.duplicates);
    buf_puts(b, ",\"stale\":");
    put_u64(b, r.stale);
    buf_puts(b, ",\"rate_per_s\":{");
    for (int i = 0; i < READOUT_RATES; i++) {
        buf_printf(b, "%s\"%ds\":", i ? "," : "", readout_rate_secs(i));
        put_double(b, r.rate[i]);
    }
    buf_puts(b, "},\"latency_ms\":{");
    for (int k = 0; k < LAT_COUNT; k++) {
        if (k)
            buf_putc(b, ',');
        put_latency(b, (enum lat_kind)k, &r.lat[k]);
    }
    buf_puts(b, "},\"size_bytes\":");
    put_size(b, &r.size, mt);
    buf_puts(b, ",\"last_change_at\":");
    if (r.last_change_ms == CDC_TIME_NONE)
        buf_puts(b, "null");
    else
        put_time(b, r.last_change_ms);
    buf_puts(b, ",\"freshness\":");
    put_cstr(b, readout_freshness_name(r.freshness));
}

static void put_pk(struct buf *b, const struct pk_def *pk)
{
    buf_puts(b, "{\"columns\":[");
    for (unsigned i = 0; i < pk->ncols; i++) {
        if (i)
            buf_putc(b, ',');
        put_untrusted(b, pk->cols[i]);
    }
    buf_puts(b, "],\"source\":");
    put_cstr(b, pk->source == PK_NONE ? "guessed" : pk_source_name(pk->source));
    buf_putc(b, '}');
}

/* Whether a bucket's count of folded names is exact, and the count. */
static void put_folded(struct buf *b, const char *what, uint64_t n, bool exact)
{
    buf_printf(b, ",\"folded_%s\":", what);
    put_u64(b, n);
    buf_printf(b, ",\"folded_%s_exact\":%s", what, exact ? "true" : "false");
}

static void put_table(struct buf *b, const struct model *m, const struct model_table *t,
                      int64_t now_ms)
{
    buf_puts(b, "{\"schema\":");
    if (t->other)
        buf_puts(b, "null");
    else
        put_untrusted(b, t->schema);
    buf_puts(b, ",\"table\":");
    put_untrusted(b, t->table);
    buf_printf(b, ",\"other\":%s", t->other ? "true" : "false");
    if (t->other)
        put_folded(b, "names", t->folded, t->folded_exact);
    buf_puts(b, ",\"pk\":");
    put_pk(b, &t->pk);
    buf_puts(b, ",\"rows_live\":");
    put_u64(b, rs_table_live(t->rows));
    buf_puts(b, ",\"rows_deleted\":");
    put_u64(b, rs_table_tombstones(t->rows));
    buf_puts(b, ",\"unkeyed\":");
    put_u64(b, t->unkeyed);
    buf_putc(b, ',');
    put_metrics_body(b, m, &t->m, now_ms);
    buf_putc(b, '}');
}

/* A key is stored as the JSON array of its column values; pair them with the column names. */
static void put_key_object(struct buf *b, const struct pk_def *pk, struct jspan keytext)
{
    struct jscan_iter it;
    struct jspan v;
    unsigned n = 0;
    jscan_iter_init(&it, keytext);
    while (jscan_iter_next(&it, NULL, &v))
        n++;
    if (n != pk->ncols) {
        buf_puts(b, "{\"_key\":");
        buf_append(b, keytext.p, keytext.n);
        buf_putc(b, '}');
        return;
    }
    buf_putc(b, '{');
    jscan_iter_init(&it, keytext);
    for (unsigned i = 0; jscan_iter_next(&it, NULL, &v); i++) {
        if (i)
            buf_putc(b, ',');
        put_untrusted(b, pk->cols[i]);
        buf_putc(b, ':');
        buf_append(b, v.p, v.n);
    }
    buf_putc(b, '}');
}

/* A row of the "(other tables)" bucket: its key ["schema","table",[values]] (model.c) names its
 * table; the names are spliced in as the JSON strings they are. */
static void put_folded_row_names(struct buf *b, struct jspan keytext)
{
    struct jscan_iter it;
    struct jspan v[3] = {{NULL, 0}, {NULL, 0}, {NULL, 0}};
    jscan_iter_init(&it, keytext);
    for (int i = 0; i < 3 && jscan_iter_next(&it, NULL, &v[i]); i++)
        ;
    buf_puts(b, "{\"schema\":");
    buf_append(b, v[0].p ? v[0].p : "null", v[0].p ? v[0].n : 4);
    buf_puts(b, ",\"table\":");
    buf_append(b, v[1].p ? v[1].p : "null", v[1].p ? v[1].n : 4);
    buf_puts(b, ",\"key\":{\"_key\":");
    buf_append(b, v[2].p ? v[2].p : "null", v[2].p ? v[2].n : 4);
    buf_putc(b, '}');
}

static bool put_row(struct buf *b, const struct model_table *t, const struct rs_row *r, bool first)
{
    if (!first)
        buf_putc(b, ',');
    if (t->other) {
        put_folded_row_names(b, rs_row_key(r));
    } else {
        buf_puts(b, "{\"schema\":");
        put_untrusted(b, t->schema);
        buf_puts(b, ",\"table\":");
        put_untrusted(b, t->table);
        buf_puts(b, ",\"key\":");
        put_key_object(b, &t->pk, rs_row_key(r));
    }
    buf_puts(b, ",\"state\":");
    put_cstr(b, rs_row_live(r) ? "live" : "deleted");
    buf_puts(b, ",\"row\":");
    struct jspan img = rs_row_image(r);
    if (img.p)
        buf_append(b, img.p, img.n);
    else
        buf_puts(b, "null");
    buf_puts(b, ",\"commit_ts_ns\":");
    put_i64(b, rs_row_commit_ns(r));
    buf_puts(b, ",\"txid\":");
    put_untrusted(b, rs_row_txid(r));
    buf_puts(b, ",\"versions\":");
    put_u64(b, rs_row_changes(r));
    buf_putc(b, '}');
    return false;
}

static void put_rows(struct buf *b, const struct model *m, uint64_t max_rows)
{
    bool first = true;
    buf_puts(b, "\"rows\":[");
    for (unsigned i = 0; i < m->ntables; i++) {
        const struct model_table *t = m->tables[i];
        uint64_t n = 0;
        for (const struct rs_row *r = rs_table_newest(t->rows); r && n < max_rows;
             r = rs_row_older(r), n++)
            first = put_row(b, t, r, first);
    }
    buf_putc(b, ']');
}

/* A server-given string, or null when empty. */
static void put_optional(struct buf *b, const char *s)
{
    if (s[0])
        put_untrusted(b, s);
    else
        buf_puts(b, "null");
}

/* A time, or null when 0 (never happened). */
static void put_optional_time(struct buf *b, int64_t ms)
{
    if (ms)
        put_time(b, ms);
    else
        buf_puts(b, "null");
}

static void put_shard(struct buf *b, const struct shard *s, int64_t now_ms)
{
    buf_puts(b, "{\"id\":");
    put_untrusted(b, s->id);
    buf_printf(b, ",\"other\":%s", s->other ? "true" : "false");
    if (s->other)
        put_folded(b, "ids", s->folded, s->folded_exact);
    buf_puts(b, ",\"parent\":");
    if (s->parent[0])
        put_untrusted(b, s->parent);
    else
        buf_puts(b, "null");
    buf_puts(b, ",\"adjacent_parent\":");
    put_optional(b, s->adjacent_parent);
    struct readout_shard r;
    readout_shard(s, now_ms, &r);
    buf_puts(b, ",\"state\":");
    put_cstr(b, shard_state_name(r.state));
    buf_puts(b, ",\"since\":");
    put_optional_time(b, r.since_ms);
    buf_puts(b, ",\"level\":");
    put_cstr(b, readout_level_name(r.level));
    buf_puts(b, ",\"pending_ms\":");
    put_i64(b, r.pending_ms);
    buf_puts(b, ",\"started_at\":");
    put_optional_time(b, s->started_ms);
    buf_puts(b, ",\"closed_at\":");
    put_optional_time(b, s->closed_ms);
    buf_puts(b, ",\"records\":");
    put_u64(b, s->records);
    buf_puts(b, ",\"bytes\":");
    put_u64(b, s->bytes);
    buf_puts(b, ",\"records_per_s\":");
    put_double(b, series_rate(&s->rec_per_s, now_ms, 10));
    buf_puts(b, ",\"read_per_s\":");
    put_double(b, r.read_per_s);
    buf_puts(b, ",\"calls\":");
    put_u64(b, s->calls);
    buf_puts(b, ",\"calls_per_s\":");
    put_double(b, r.calls_per_s);
    buf_puts(b, ",\"throttles\":");
    put_u64(b, s->throttles);
    buf_puts(b, ",\"errors\":");
    put_u64(b, s->errors);
    buf_puts(b, ",\"last_sequence\":");
    if (s->last_seq[0])
        put_untrusted(b, s->last_seq);
    else
        buf_puts(b, "null");
    buf_puts(b, ",\"millis_behind_latest\":");
    if (r.behind_ms >= 0)
        put_i64(b, r.behind_ms);
    else
        buf_puts(b, "null");
    buf_printf(b, ",\"behind_exact\":%s", r.behind_exact ? "true" : "false");
    buf_puts(b, ",\"last_error\":");
    if (s->last_error[0])
        put_untrusted(b, s->last_error);
    else
        buf_puts(b, "null");
    buf_putc(b, '}');
}

static void put_dlq(struct buf *b, const struct dlq_state *d)
{
    key(b, "dlq");
    if (!d->configured) {
        buf_puts(b, "null");
        return;
    }
    buf_puts(b, "{\"name\":");
    put_untrusted(b, d->name);
    if (d->known) {
        buf_puts(b, ",\"visible\":");
        put_i64(b, d->visible);
        buf_puts(b, ",\"in_flight\":");
        put_i64(b, d->in_flight);
        buf_puts(b, ",\"delayed\":");
        put_i64(b, d->delayed);
        buf_puts(b, ",\"updated_at\":");
        put_time(b, d->updated_ms);
    } else {
        buf_puts(b, ",\"visible\":null,\"in_flight\":null,\"delayed\":null,\"updated_at\":null");
    }
    buf_puts(b, ",\"error\":");
    if (d->error[0])
        put_untrusted(b, d->error);
    else
        buf_puts(b, "null");
    buf_putc(b, '}');
}

/* What is redacted and how (never the hash key itself), or null when nothing is. */
static void put_redaction(struct buf *b, const struct model *m)
{
    key(b, "redaction");
    if (!model_redacting(m)) {
        buf_puts(b, "null");
        return;
    }
    buf_puts(b, "{\"columns\":[");
    for (unsigned i = 0; i < redact_count(m->redact); i++) {
        if (i)
            buf_putc(b, ',');
        put_untrusted(b, redact_entry(m->redact, i));
    }
    buf_puts(b, "],\"non_key_values\":");
    buf_puts(b, redact_all_values(m->redact) ? "true" : "false");
    buf_puts(b, ",\"hash\":\"hmac-sha256-64\",\"comparable\":\"within this run\"}");
}

static const char *alert_name(enum model_alert a)
{
    switch (a) {
    case ALERT_INFO:
        return "info";
    case ALERT_WARN:
        return "warn";
    case ALERT_ERROR:
        return "error";
    case ALERT_NONE:
        break;
    }
    return "none";
}

/* Where the data comes from and the source's latest problem (never a secret). */
static void put_connection(struct buf *b, const struct model *m)
{
    buf_puts(b, "\"endpoint\":");
    put_optional(b, m->endpoint);
    buf_puts(b, ",\"credentials_source\":");
    put_optional(b, m->creds_source);
    buf_puts(b, ",\"status\":{\"level\":");
    put_cstr(b, alert_name(m->status.level));
    buf_puts(b, ",\"text\":");
    put_untrusted(b, m->status.text);
    buf_puts(b, ",\"hint\":");
    put_untrusted(b, m->status.hint);
    buf_puts(b, ",\"at\":");
    put_optional_time(b, m->status.level == ALERT_NONE ? 0 : m->status.at_ms);
    buf_putc(b, '}');
}

static void put_decode_errors(struct buf *b, const struct model *m)
{
    const struct decode_stats *st = decoder_stats(m->dec);
    bool first = true;
    buf_puts(b, "\"undecodable_by_reason\":{");
    for (int r = 0; r < DERR_COUNT; r++) {
        if (!st->errors[r])
            continue;
        if (!first)
            buf_putc(b, ',');
        first = false;
        key(b, decode_reason_name((enum decode_reason)r));
        buf_puts(b, "{\"count\":");
        put_u64(b, st->errors[r]);
        buf_puts(b, ",\"last\":");
        put_untrusted(b, st->sample[r].detail);
        buf_putc(b, '}');
    }
    buf_putc(b, '}');
}

static void put_totals(struct buf *b, const struct model *m, int64_t now_ms)
{
    const struct rowstore_stats *rs = rowstore_stats(m->rs);
    buf_puts(b, "\"totals\":{\"records\":");
    put_u64(b, m->totals.records);
    buf_puts(b, ",\"decoded\":");
    put_u64(b, m->totals.decoded);
    buf_puts(b, ",\"undecodable\":");
    put_u64(b, m->totals.undecodable);
    buf_puts(b, ",\"duplicates\":");
    put_u64(b, m->totals.duplicates);
    buf_puts(b, ",\"stale\":");
    put_u64(b, m->totals.stale);
    buf_puts(b, ",\"evicted\":");
    put_u64(b, rs->evicted);
    buf_puts(b, ",\"unkeyed\":");
    put_u64(b, m->totals.unkeyed);
    buf_puts(b, ",\"bytes\":");
    put_u64(b, m->totals.bytes);
    buf_puts(b, ",\"keys\":");
    put_u64(b, rs->keys);
    buf_puts(b, ",\"split_changes\":");
    put_u64(b, decoder_stats(m->dec)->chunks_completed);
    buf_puts(b, ",\"fragments_pending\":");
    put_u64(b, decoder_stats(m->dec)->chunks_pending);
    buf_puts(b, ",\"records_per_s\":{\"1s\":");
    put_double(b, model_read_rate(m, now_ms, 1));
    buf_puts(b, ",\"10s\":");
    put_double(b, model_read_rate(m, now_ms, 10));
    buf_puts(b, ",\"60s\":");
    put_double(b, model_read_rate(m, now_ms, 60));
    buf_puts(b, "}}");
}

static void put_verdict(struct buf *b, const struct model *m, int64_t now_ms)
{
    struct verdict v;
    verdict_compute(m, now_ms, &v);
    buf_puts(b, "\"verdict\":{\"level\":");
    put_cstr(b, readout_level_name(v.level));
    buf_puts(b, ",\"word\":");
    put_cstr(b, verdict_word(v.level));
    buf_puts(b, ",\"findings\":[");
    for (unsigned i = 0; i < v.n; i++) {
        buf_puts(b, i ? ",{\"level\":" : "{\"level\":");
        put_cstr(b, readout_level_name(v.f[i].level));
        buf_puts(b, ",\"kind\":");
        put_cstr(b, finding_kind_name(v.f[i].kind));
        buf_puts(b, ",\"subject\":");
        put_untrusted(b, v.f[i].subject);
        buf_puts(b, ",\"text\":");
        put_untrusted(b, v.f[i].text);
        buf_putc(b, '}');
    }
    buf_printf(b, "],\"more\":%u}", v.more);
}

/* The timeline: each table's changes per second by event time, for every second from the
 * timeline's start (at most REPORT_TIMELINE_S seconds back) to its end. Seconds outside that span
 * have no data and are left out; inside it a 0 is a second in which nothing changed. */
static void put_timeline_counts(struct buf *b, const struct metrics *mt, int64_t first,
                                int64_t last)
{
    buf_putc(b, '[');
    for (int64_t s = first; s <= last; s++) {
        if (s > first)
            buf_putc(b, ',');
        put_u64(b, metrics_at(mt, s));
    }
    buf_putc(b, ']');
}

static void put_timeline(struct buf *b, const struct model *m, int64_t now_ms)
{
    int64_t start = model_timeline_start(m), end = model_timeline_end(m, now_ms);
    int64_t last = end / 1000 - 1, first = start == CDC_TIME_NONE ? last + 1 : start / 1000;
    if (first < last - (REPORT_TIMELINE_S - 1))
        first = last - (REPORT_TIMELINE_S - 1);
    buf_puts(b, "\"timeline\":{\"basis\":");
    put_cstr(b, time_basis_name(m->cfg.basis));
    buf_puts(b, ",\"resolution_s\":1,\"start\":");
    if (first <= last)
        put_time(b, first * 1000);
    else
        buf_puts(b, "null");
    buf_puts(b, ",\"end\":");
    put_time(b, end);
    buf_puts(b, ",\"tables\":{");
    for (unsigned i = 0; i < m->ntables; i++) {
        char name[2 * CDC_NAME_MAX + 2];
        const struct model_table *t = m->tables[i];
        if (t->other)
            snprintf(name, sizeof name, "(other tables)");
        else
            snprintf(name, sizeof name, "%s.%s", t->schema, t->table);
        if (i)
            buf_putc(b, ',');
        put_untrusted(b, name);
        buf_putc(b, ':');
        put_timeline_counts(b, &t->m, first, last);
    }
    buf_puts(b, "},\"all\":");
    put_timeline_counts(b, &m->all, first, last);
    buf_putc(b, '}');
}

static void put_events(struct buf *b, const struct events *ev)
{
    buf_puts(b, "\"events\":[");
    for (unsigned i = 0; i < events_len(ev); i++) {
        const struct event *e = events_get(ev, i);
        buf_puts(b, i ? ",{\"at\":" : "{\"at\":");
        put_time(b, e->at_ms);
        buf_puts(b, ",\"level\":");
        put_cstr(b, event_level_name(e->level));
        buf_puts(b, ",\"kind\":");
        put_cstr(b, event_kind_name(e->kind));
        buf_puts(b, ",\"subject\":");
        put_untrusted(b, e->subject);
        buf_puts(b, ",\"text\":");
        put_untrusted(b, e->text);
        buf_putc(b, '}');
    }
    buf_printf(b, "],\"events_dropped\":%llu", (unsigned long long)ev->dropped);
}

void report_json(const struct model *m, const struct report_opts *opts, int64_t now_ms,
                 struct buf *out)
{
    buf_puts(out, "{\"version\":");
    put_u64(out, REPORT_JSON_VERSION);
    buf_puts(out, ",\"program\":");
    put_cstr(out, opts && opts->program_version ? opts->program_version : "cdctop");
    buf_puts(out, ",\"generated_at\":");
    put_time(out, now_ms);
    buf_puts(out, ",\"started_at\":");
    put_time(out, m->started_ms);
    buf_puts(out, ",\"source\":");
    put_untrusted(out, m->source);
    buf_puts(out, ",\"record_size_limit_bytes\":");
    put_u64(out, m->record_size_limit);
    buf_putc(out, ',');
    put_connection(out, m);
    buf_putc(out, ',');
    put_totals(out, m, now_ms);
    buf_putc(out, ',');
    put_decode_errors(out, m);
    buf_puts(out, ",\"all\":{");
    put_metrics_body(out, m, &m->all, now_ms);
    buf_puts(out, "},\"tables\":[");
    for (unsigned i = 0; i < m->ntables; i++) {
        if (i)
            buf_putc(out, ',');
        put_table(out, m, m->tables[i], now_ms);
    }
    buf_puts(out, "],\"shards\":[");
    for (unsigned i = 0; i < m->nshards; i++) {
        if (i)
            buf_putc(out, ',');
        put_shard(out, m->shards[i], now_ms);
    }
    buf_puts(out, "],");
    put_dlq(out, &m->dlq);
    buf_putc(out, ',');
    put_verdict(out, m, now_ms);
    buf_putc(out, ',');
    put_events(out, &m->events);
    buf_putc(out, ',');
    put_timeline(out, m, now_ms);
    buf_putc(out, ',');
    put_redaction(out, m);
    buf_putc(out, ',');
    put_rows(out, m, opts ? opts->max_rows : REPORT_ROWS_ALL);
    buf_puts(out, "}\n");
}

/* What is wrong, worst first (verdict.h). */
#include "config.h"

#include "verdict.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fmt.h"

#define VERDICT_DLQ_WINDOW_MS        (5 * 60 * 1000) /* DLQ growth is judged over this */
#define VERDICT_DLQ_MIN_SPAN_MS      30000           /* ... once samples span this much */
#define VERDICT_UNDECODABLE_WINDOW_S 60
#define VERDICT_FAILING_AFTER_MS     3000 /* a shard failing longer than this is news */

static const char *const kind_names[FIND_COUNT] = {
    [FIND_READER_STALLED] = "reader_stalled",
    [FIND_READER_FAILING] = "reader_failing",
    [FIND_SOURCE] = "source",
    [FIND_LATENCY] = "latency",
    [FIND_HEADROOM] = "headroom",
    [FIND_DLQ] = "dlq",
    [FIND_UNDECODABLE] = "undecodable",
    [FIND_SPLIT_DROPPED] = "split_dropped",
};

const char *finding_kind_name(enum finding_kind k)
{
    return (unsigned)k < FIND_COUNT ? kind_names[k] : "?";
}

const char *verdict_word(enum readout_level level)
{
    return level == LEVEL_BAD ? "FAILING" : level == LEVEL_WARN ? "DEGRADED" : "OK";
}

static void add(struct verdict *v, enum readout_level level, enum finding_kind kind,
                const char *subject, const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static void add(struct verdict *v, enum readout_level level, enum finding_kind kind,
                const char *subject, const char *fmt, ...)
{
    va_list ap;
    if (level == LEVEL_OK)
        return;
    if (level > v->level)
        v->level = level;
    if (v->n == VERDICT_MAX) {
        v->more++;
        return;
    }
    struct finding *f = &v->f[v->n++];
    f->level = level;
    f->kind = kind;
    snprintf(f->subject, sizeof f->subject, "%s", subject ? subject : "");
    va_start(ap, fmt);
    vsnprintf(f->text, sizeof f->text, fmt, ap);
    va_end(ap);
}

static bool shard_active(const struct shard *s)
{
    return !s->other && s->state != SHARD_CLOSED && s->state != SHARD_PENDING;
}

/* Stalled readers (a call pending far longer than usual) and failing ones, each as one finding
 * naming how many shards and for how long. */
static void readers(const struct model *m, int64_t now_ms, struct verdict *v)
{
    unsigned active = 0, stalled = 0, failing = 0;
    int64_t longest = 0, failing_since = 0;
    const struct shard *worst = NULL;
    const char *op = "call";
    char a[FMT_LEN];
    for (unsigned i = 0; i < m->nshards; i++) {
        const struct shard *s = m->shards[i];
        if (!shard_active(s))
            continue;
        active++;
        if (s->stalled && s->call_since_ms) {
            stalled++;
            if (now_ms - s->call_since_ms > longest) {
                longest = now_ms - s->call_since_ms;
                op = s->call_op[0] ? s->call_op : "call";
            }
        } else if (s->failing_since_ms &&
                   now_ms - s->failing_since_ms >= VERDICT_FAILING_AFTER_MS) {
            failing++;
            if (!failing_since || s->failing_since_ms < failing_since) {
                failing_since = s->failing_since_ms;
                worst = s;
            }
        }
    }
    if (stalled)
        add(v, LEVEL_BAD, FIND_READER_STALLED, "", "READER STALLED: %u/%u shards, %s pending %s",
            stalled, active, op, fmt_duration(a, sizeof a, longest * 1000));
    if (failing && worst) {
        char since[FMT_LEN];
        fmt_time_ms(since, sizeof since, failing_since, FMT_CLOCK);
        add(v, failing == active ? LEVEL_BAD : LEVEL_WARN, FIND_READER_FAILING, worst->id,
            "READER FAILING: %u/%u shards since %s: %.120s", failing, active, since,
            worst->last_error[0] ? worst->last_error : "errors");
    }
}

static void source_status(const struct model *m, struct verdict *v)
{
    if (m->status.level == ALERT_ERROR)
        add(v, LEVEL_BAD, FIND_SOURCE, "", "%.190s", m->status.text);
    else if (m->status.level == ALERT_WARN)
        add(v, LEVEL_WARN, FIND_SOURCE, "", "%.190s", m->status.text);
}

static void table_name(const struct model_table *t, char *out, size_t len)
{
    if (t->other)
        snprintf(out, len, "(other tables)");
    else
        snprintf(out, len, "%s.%s", t->schema, t->table);
}

static const char *stage_label(enum lat_kind k)
{
    switch (k) {
    case LAT_COMMIT_TO_EMIT:
        return "commit→emit";
    case LAT_EMIT_TO_ARRIVAL:
        return "emit→arrival";
    default:
        return "arrival→processed";
    }
}

/* Each table's latency stages over their thresholds and its record-size headroom. */
static void tables(const struct model *m, int64_t now_ms, struct verdict *v)
{
    const struct readout_thresholds *th = &m->cfg.thresholds;
    char name[300], a[FMT_LEN], b[FMT_LEN];
    for (unsigned i = 0; i < m->ntables; i++) {
        const struct model_table *t = m->tables[i];
        struct readout r;
        model_readout(m, &t->m, now_ms, 0, &r);
        table_name(t, name, sizeof name);
        for (int k = 0; k < LAT_COUNT; k++) {
            const struct readout_latency *l = &r.lat[k];
            if (!l->known || l->level == LEVEL_OK)
                continue;
            int64_t limit = l->level == LEVEL_BAD ? th->latency_bad_us[k] : th->latency_warn_us[k];
            add(v, l->level, FIND_LATENCY, name, "%.130s p99 %s %s > %s", name,
                stage_label((enum lat_kind)k), fmt_duration(a, sizeof a, l->p99),
                fmt_duration(b, sizeof b, limit));
        }
        if (r.size.headroom_known && r.size.level != LEVEL_OK)
            add(v, r.size.level, FIND_HEADROOM, name,
                "%.130s largest record %s, %s of the limit left", name,
                fmt_bytes(a, sizeof a, r.size.max), fmt_pct(b, sizeof b, r.size.headroom_pct));
    }
}

/* The DLQ's growth over the last minutes: "+1 per 40s" or "+12/min". */
static void dlq(const struct model *m, int64_t now_ms, struct verdict *v)
{
    const struct dlq_state *d = &m->dlq;
    const struct readout_thresholds *th = &m->cfg.thresholds;
    if (!d->configured)
        return;
    if (d->error[0])
        add(v, LEVEL_WARN, FIND_DLQ, "DLQ", "DLQ not polled: %.160s", d->error);
    if (d->history_len < 2)
        return;
    unsigned newest = (d->history_next + MODEL_DLQ_HISTORY - 1) % MODEL_DLQ_HISTORY;
    const struct dlq_sample *now = &d->history[newest], *then = now;
    for (unsigned i = 1; i < d->history_len; i++) {
        const struct dlq_sample *s =
            &d->history[(newest + MODEL_DLQ_HISTORY - i) % MODEL_DLQ_HISTORY];
        if (now_ms - s->at_ms > VERDICT_DLQ_WINDOW_MS)
            break;
        then = s;
    }
    int64_t span = now->at_ms - then->at_ms, grew = now->visible - then->visible;
    if (span < VERDICT_DLQ_MIN_SPAN_MS || grew <= 0)
        return;
    double per_min = (double)grew * 60000.0 / (double)span;
    enum readout_level level = per_min > th->dlq_bad_per_min    ? LEVEL_BAD
                               : per_min > th->dlq_warn_per_min ? LEVEL_WARN
                                                                : LEVEL_OK;
    char a[FMT_LEN];
    if (per_min >= 1)
        add(v, level, FIND_DLQ, "DLQ", "DLQ +%.0f/min (%" PRId64 " visible)", per_min,
            now->visible);
    else
        add(v, level, FIND_DLQ, "DLQ", "DLQ +1 per %s (%" PRId64 " visible)",
            fmt_duration(a, sizeof a, (int64_t)((double)span / (double)grew) * 1000), now->visible);
}

/* Records that could not be decoded over the last minute, against all records then. */
static void undecodable(const struct model *m, int64_t now_ms, struct verdict *v)
{
    const struct readout_thresholds *th = &m->cfg.thresholds;
    uint64_t bad = series_sum(&m->undecodable_per_s, now_ms + 1000, VERDICT_UNDECODABLE_WINDOW_S);
    uint64_t all = series_sum(&m->records_per_s, now_ms + 1000, VERDICT_UNDECODABLE_WINDOW_S);
    if (bad == 0 || all == 0)
        return;
    double pct = 100.0 * (double)bad / (double)all;
    enum readout_level level = pct > th->undecodable_bad_pct    ? LEVEL_BAD
                               : pct > th->undecodable_warn_pct ? LEVEL_WARN
                                                                : LEVEL_OK;
    char a[FMT_LEN];
    add(v, level, FIND_UNDECODABLE, "", "%" PRIu64 " undecodable records in the last minute (%s)",
        bad, fmt_pct(a, sizeof a, pct));
}

static void split_dropped(const struct model *m, struct verdict *v)
{
    const struct decode_stats *ds = decoder_stats(m->dec);
    uint64_t lost = ds->errors[DERR_FRAGMENT_TIMEOUT] + ds->errors[DERR_FRAGMENT_OVERFLOW] +
                    ds->errors[DERR_FRAGMENT_EVICTED];
    if (lost)
        add(v, LEVEL_WARN, FIND_SPLIT_DROPPED, "",
            "%" PRIu64 " split changes dropped before they were complete", lost);
}

/* Worst first; equal levels keep the order they were found in (readers, source, tables in
 * their order, DLQ, ...), so the line reads the same from one moment to the next. */
static void sort_worst_first(struct verdict *v)
{
    for (unsigned i = 1; i < v->n; i++) {
        struct finding f = v->f[i];
        unsigned j = i;
        while (j > 0 && v->f[j - 1].level < f.level) {
            v->f[j] = v->f[j - 1];
            j--;
        }
        v->f[j] = f;
    }
}

void verdict_compute(const struct model *m, int64_t now_ms, struct verdict *out)
{
    memset(out, 0, sizeof *out);
    readers(m, now_ms, out);
    source_status(m, out);
    tables(m, now_ms, out);
    dlq(m, now_ms, out);
    undecodable(m, now_ms, out);
    split_dropped(m, out);
    sort_worst_first(out);
}

char *verdict_line(const struct verdict *v, char *out, size_t len)
{
    size_t used;
    if (!len)
        return out;
    snprintf(out, len, "%s", verdict_word(v->level));
    for (unsigned i = 0; i < v->n; i++) {
        used = strlen(out);
        if (used + 3 >= len)
            break;
        snprintf(out + used, len - used, "%s%s", i ? "; " : ": ", v->f[i].text);
    }
    if (v->more) {
        used = strlen(out);
        if (used + 16 < len)
            snprintf(out + used, len - used, "; +%u more", v->more);
    }
    return out;
}

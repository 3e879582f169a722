/* One table's figures at one moment (see readout.h). */
#include "config.h"

#include "readout.h"

#include "model.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define READOUT_IDLE_MS           60000
#define READOUT_HEADROOM_WARN_PCT 25.0
#define READOUT_HEADROOM_BAD_PCT  10.0
#define READOUT_STALL_MS          5000

static const int readout_secs[READOUT_RATES] = {1, 10, 60};

void readout_thresholds_default(struct readout_thresholds *t)
{
    memset(t, 0, sizeof *t);
    t->headroom_warn_pct = READOUT_HEADROOM_WARN_PCT;
    t->headroom_bad_pct = READOUT_HEADROOM_BAD_PCT;
    /* DSQL emits a change within about a second of its commit and Kinesis makes it readable in
     * well under a second; cdctop itself should keep up within seconds. */
    t->latency_warn_us[LAT_COMMIT_TO_EMIT] = 1000000;
    t->latency_bad_us[LAT_COMMIT_TO_EMIT] = 10000000;
    t->latency_warn_us[LAT_EMIT_TO_ARRIVAL] = 1000000;
    t->latency_bad_us[LAT_EMIT_TO_ARRIVAL] = 10000000;
    t->latency_warn_us[LAT_ARRIVAL_TO_PROCESSED] = 5000000;
    t->latency_bad_us[LAT_ARRIVAL_TO_PROCESSED] = 60000000;
    t->dlq_warn_per_min = 0;
    t->dlq_bad_per_min = 10;
    t->undecodable_warn_pct = 0;
    t->undecodable_bad_pct = 1;
    t->stall_ms = READOUT_STALL_MS;
    t->idle_ms = READOUT_IDLE_MS;
}

/* "500ms", "2s", "1.5s", "1m", "250us": microseconds. */
static bool readout_parse_duration(const char *s, int64_t *us)
{
    char *end;
    double v = strtod(s, &end), unit;
    if (end == s || !isfinite(v) || v < 0)
        return false;
    if (strcmp(end, "us") == 0)
        unit = 1;
    else if (strcmp(end, "ms") == 0)
        unit = 1e3;
    else if (strcmp(end, "s") == 0 || *end == '\0')
        unit = 1e6;
    else if (strcmp(end, "m") == 0)
        unit = 60e6;
    else
        return false;
    if (v * unit > 1e15)
        return false;
    *us = (int64_t)(v * unit);
    return true;
}

static bool readout_parse_number(const char *s, double *out)
{
    char *end;
    double v = strtod(s, &end);
    if (end == s || *end || !isfinite(v) || v < 0)
        return false;
    *out = v;
    return true;
}

bool readout_threshold_parse(struct readout_thresholds *t, const char *spec, char *err,
                             size_t errlen)
{
    char name[32], warn[32], bad[32] = "";
    const char *eq = strchr(spec, '='), *comma;
    if (!eq || (size_t)(eq - spec) >= sizeof name) {
        snprintf(err, errlen, "expected NAME=WARN[,BAD], e.g. commit_to_emit=1s,10s");
        return false;
    }
    memcpy(name, spec, (size_t)(eq - spec));
    name[eq - spec] = '\0';
    comma = strchr(eq + 1, ',');
    snprintf(warn, sizeof warn, "%.*s", (int)(comma ? comma - eq - 1 : (long)strlen(eq + 1)),
             eq + 1);
    if (comma)
        snprintf(bad, sizeof bad, "%s", comma + 1);
    for (int k = 0; k < LAT_COUNT; k++) {
        if (strcmp(name, lat_kind_name((enum lat_kind)k)) != 0)
            continue;
        int64_t w, b = t->latency_bad_us[k];
        if (!readout_parse_duration(warn, &w) || (bad[0] && !readout_parse_duration(bad, &b))) {
            snprintf(err, errlen, "%s: expected durations such as 500ms, 2s or 1m", name);
            return false;
        }
        t->latency_warn_us[k] = w;
        t->latency_bad_us[k] = b;
        return true;
    }
    if (strcmp(name, "stall") == 0) {
        int64_t us;
        if (!readout_parse_duration(warn, &us) || bad[0] || us < 1000) {
            snprintf(err, errlen, "stall: expected one duration of at least 1ms, such as 5s");
            return false;
        }
        t->stall_ms = us / 1000;
        return true;
    }
    double *pw, *pb;
    if (strcmp(name, "headroom") == 0) {
        pw = &t->headroom_warn_pct;
        pb = &t->headroom_bad_pct;
    } else if (strcmp(name, "undecodable") == 0) {
        pw = &t->undecodable_warn_pct;
        pb = &t->undecodable_bad_pct;
    } else if (strcmp(name, "dlq_growth") == 0) {
        pw = &t->dlq_warn_per_min;
        pb = &t->dlq_bad_per_min;
    } else {
        snprintf(err, errlen,
                 "unknown threshold %s (commit_to_emit, emit_to_arrival, arrival_to_processed, "
                 "headroom, dlq_growth, undecodable, stall)",
                 name);
        return false;
    }
    double w, b = *pb;
    if (!readout_parse_number(warn, &w) || (bad[0] && !readout_parse_number(bad, &b))) {
        snprintf(err, errlen, "%s: expected numbers, e.g. %s=25,10", name, name);
        return false;
    }
    *pw = w;
    *pb = b;
    return true;
}

int readout_rate_secs(int i)
{
    return i >= 0 && i < READOUT_RATES ? readout_secs[i] : 0;
}

const char *readout_level_name(enum readout_level l)
{
    static const char *const names[LEVEL_COUNT] = {"ok", "warn", "bad"};
    return (unsigned)l < LEVEL_COUNT ? names[l] : "?";
}

const char *readout_freshness_name(enum readout_freshness f)
{
    switch (f) {
    case FRESH_ACTIVE:
        return "active";
    case FRESH_IDLE:
        return "idle";
    default:
        return "none";
    }
}

/* The level of a stage's p99 (microseconds). */
static enum readout_level readout_latency_level(const struct readout_thresholds *th,
                                                enum lat_kind k, int64_t p99_us)
{
    if ((unsigned)k >= LAT_COUNT)
        return LEVEL_OK;
    if (th->latency_bad_us[k] > 0 && p99_us > th->latency_bad_us[k])
        return LEVEL_BAD;
    if (th->latency_warn_us[k] > 0 && p99_us > th->latency_warn_us[k])
        return LEVEL_WARN;
    return LEVEL_OK;
}

enum readout_level readout_headroom_level(const struct readout_thresholds *th, double pct)
{
    if (pct < th->headroom_bad_pct)
        return LEVEL_BAD;
    if (pct < th->headroom_warn_pct)
        return LEVEL_WARN;
    return LEVEL_OK;
}

static void readout_counts(const struct metrics *mt, struct readout *r)
{
    memcpy(r->changes, mt->changes, sizeof r->changes);
    r->total_changes = metrics_total_changes(mt);
    r->records = mt->records;
    r->duplicates = mt->duplicates;
    r->stale = mt->stale;
    r->mix_known = r->total_changes > 0;
    for (int k = 0; k < CDC_KIND_COUNT && r->mix_known; k++)
        r->mix_pct[k] = (int)((mt->changes[k] * 100 + r->total_changes / 2) / r->total_changes);
}

static void readout_latency_now(const struct metrics *mt, enum lat_kind k, int64_t now_ms,
                                struct readout_latency *l)
{
    struct hist *h = &l->dist;
    metrics_latency_window(mt, k, now_ms, h);
    l->has_dist = true;
    l->count = h->count;
    l->negative = h->negative;
    l->known = h->count > 0;
    if (!l->known)
        return;
    l->p50 = hist_quantile(h, 0.50);
    l->p90 = hist_quantile(h, 0.90);
    l->p99 = hist_quantile(h, 0.99);
    l->max = h->max;
}

/* Under the time cursor the window as it was then: the nearest 10-second history sample. */
static void readout_latency_then(const struct metrics *mt, enum lat_kind k, int64_t at_ms,
                                 struct readout_latency *l)
{
    const struct history_sample *s = history_nearest(&mt->history, at_ms);
    if (!s || s->lat[k].count == 0)
        return;
    l->known = true;
    l->count = s->lat[k].count;
    l->negative = s->lat[k].negative;
    l->p50 = s->lat[k].p50;
    l->p90 = s->lat[k].p90;
    l->p99 = s->lat[k].p99;
    l->max = s->lat[k].max;
}

static void readout_size(const struct metrics *mt, const struct readout_thresholds *th,
                         uint64_t limit, struct readout_size *s)
{
    s->limit = limit;
    s->count = mt->size.count;
    s->over_90pct = mt->over_90pct;
    s->known = mt->size.count > 0;
    s->level = LEVEL_OK;
    if (!s->known)
        return;
    s->max = mt->size.max > 0 ? (uint64_t)mt->size.max : 0;
    int64_t p50 = hist_quantile(&mt->size, 0.50), p99 = hist_quantile(&mt->size, 0.99);
    s->p50 = p50 > 0 ? (uint64_t)p50 : 0;
    s->p99 = p99 > 0 ? (uint64_t)p99 : 0;
    s->headroom_known = limit > 0;
    if (!s->headroom_known)
        return;
    s->headroom_pct = 100.0 * ((double)limit - (double)s->max) / (double)limit;
    s->level = readout_headroom_level(th, s->headroom_pct);
}

static void readout_freshness(const struct metrics *mt, const struct readout_thresholds *th,
                              struct readout *r)
{
    r->last_change_ms = mt->last_change_ms;
    if (mt->last_change_ms == CDC_TIME_NONE) {
        r->freshness = FRESH_NONE;
        r->idle_for_ms = 0;
        return;
    }
    r->idle_for_ms = r->now_ms > mt->last_change_ms ? r->now_ms - mt->last_change_ms : 0;
    r->freshness = r->idle_for_ms > th->idle_ms ? FRESH_IDLE : FRESH_ACTIVE;
}

/* Changes per second over the secs complete seconds before end_ms, counting only the seconds
 * from start_ms on. */
static bool readout_rate(const struct metrics *mt, int64_t end_ms, int64_t start_ms, int secs,
                         double *rate)
{
    int64_t end_sec = end_ms / 1000 - (end_ms % 1000 < 0), covered = secs;
    if (start_ms != CDC_TIME_NONE) {
        int64_t start_sec = start_ms / 1000 - (start_ms % 1000 < 0);
        if (end_sec - start_sec < covered)
            covered = end_sec - start_sec;
    }
    if (covered <= 0) {
        *rate = 0;
        return false;
    }
    *rate = metrics_rate(mt, end_ms, (int)covered);
    return true;
}

void readout_fill(const struct metrics *mt, const struct readout_thresholds *th, uint64_t limit,
                  int64_t window_ms, int64_t now_ms, struct readout_span span, int64_t cursor_ms,
                  struct readout *out)
{
    struct readout_thresholds defaults;
    if (!th) {
        readout_thresholds_default(&defaults);
        th = &defaults;
    }
    memset(out, 0, sizeof *out);
    out->now_ms = now_ms;
    out->historical = cursor_ms != 0;
    /* the cursor names a second; rates end where that second ends */
    out->at_ms = out->historical ? cursor_ms + 1000 : span.end_ms;
    out->window_ms = window_ms;
    for (int i = 0; i < READOUT_RATES; i++)
        out->rate_known[i] =
            readout_rate(mt, out->at_ms, span.start_ms, readout_secs[i], &out->rate[i]);
    readout_counts(mt, out);
    for (int k = 0; k < LAT_COUNT; k++) {
        if (out->historical)
            readout_latency_then(mt, (enum lat_kind)k, out->at_ms, &out->lat[k]);
        else
            readout_latency_now(mt, (enum lat_kind)k, now_ms, &out->lat[k]);
        out->lat[k].level = out->lat[k].known
                                ? readout_latency_level(th, (enum lat_kind)k, out->lat[k].p99)
                                : LEVEL_OK;
    }
    readout_size(mt, th, limit, &out->size);
    readout_freshness(mt, th, out);
}

/* A reader more than 10 s behind the tip is late; more than 5 minutes, far behind. */
#define READOUT_BEHIND_WARN_MS 10000
#define READOUT_BEHIND_BAD_MS  300000

static enum readout_level readout_state_level(enum shard_state s)
{
    switch (s) {
    case SHARD_ERROR:
    case SHARD_STALLED:
        return LEVEL_BAD;
    case SHARD_BACKOFF:
        return LEVEL_WARN;
    default:
        return LEVEL_OK;
    }
}

void readout_shard(const struct shard *s, int64_t now_ms, struct readout_shard *out)
{
    memset(out, 0, sizeof *out);
    out->state = shard_state_shown(s, &out->since_ms);
    out->level = readout_state_level(out->state);
    out->calls_per_s = series_rate(&s->calls_per_s, now_ms, 10);
    out->read_per_s = series_rate(&s->rec_per_s, now_ms, 1);
    out->bytes_per_s = series_rate(&s->bytes_per_s, now_ms, 1);
    out->behind_ms = model_shard_behind(s, now_ms, &out->behind_exact);
    out->behind_level = out->behind_ms >= READOUT_BEHIND_BAD_MS    ? LEVEL_BAD
                        : out->behind_ms >= READOUT_BEHIND_WARN_MS ? LEVEL_WARN
                                                                   : LEVEL_OK;
    out->pending_ms = s->call_since_ms ? now_ms - s->call_since_ms : 0;
}

/*
 * What any view shows of one table (or of all tables together) at one moment, computed once.
 * The Overview, Table detail, the text snapshot, the HTML report, the JSON and headless output
 * render a struct readout and compute nothing themselves, so they can never disagree. The
 * levels (ok / warn / bad) that colour a figure are decided here, against thresholds defined
 * once (struct readout_thresholds).
 */
#ifndef CDCTOP_READOUT_H
#define CDCTOP_READOUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "change.h"
#include "metrics.h"
#include "shard.h"

enum readout_level { LEVEL_OK, LEVEL_WARN, LEVEL_BAD, LEVEL_COUNT };

/* Whether a table has changed lately: "active", quiet for a while ("idle"), or never. */
enum readout_freshness { FRESH_NONE, FRESH_ACTIVE, FRESH_IDLE };

#define READOUT_RATES 3 /* over 1, 10 and 60 seconds */

/* Where a figure turns amber (warn) and red (bad); --threshold and the config file set them. */
struct readout_thresholds {
    double headroom_warn_pct; /* the largest record leaves less than this under the limit */
    double headroom_bad_pct;
    int64_t latency_warn_us[LAT_COUNT]; /* p99 of a stage above this */
    int64_t latency_bad_us[LAT_COUNT];
    double dlq_warn_per_min; /* the DLQ grows faster than this (0: any growth) */
    double dlq_bad_per_min;
    double undecodable_warn_pct; /* of the last minute's records (0: any) */
    double undecodable_bad_pct;
    int64_t stall_ms; /* a call pending longer than this (or 10x its usual time): stalled */
    int64_t idle_ms;  /* no change for this long: idle */
};

/* Sets one threshold from "NAME=WARN[,BAD]" (names: commit_to_emit, emit_to_arrival,
 * arrival_to_processed and stall take durations such as 500ms, 2s, 1m; headroom and undecodable
 * percentages; dlq_growth messages per minute). False with a reason in err. */
bool readout_threshold_parse(struct readout_thresholds *t, const char *spec, char *err,
                             size_t errlen);

void readout_thresholds_default(struct readout_thresholds *t);

struct readout_latency {
    bool known; /* samples in the window (the percentiles mean something) */
    uint64_t count;
    uint64_t negative;          /* samples below zero: clock skew between the hops */
    int64_t p50, p90, p99, max; /* microseconds, signed */
    enum readout_level level;
    bool has_dist;    /* dist holds the window's distribution (now only; the history keeps none) */
    struct hist dist; /* for histogram strips */
};

struct readout_size {
    bool known; /* at least one record */
    uint64_t count;
    uint64_t max, p50, p99; /* bytes, since the start */
    uint64_t limit;         /* the stream's maximum record size; 0 when unknown */
    bool headroom_known;    /* known and limit > 0 */
    double headroom_pct;    /* (limit - max) / limit, in percent; negative when over */
    uint64_t over_90pct;    /* records above 90 % of the limit */
    enum readout_level level;
};

struct readout {
    int64_t now_ms;    /* the present */
    int64_t at_ms;     /* the moment shown: now_ms, or the end of the second under the cursor */
    bool historical;   /* at_ms is in the past (the time cursor) */
    int64_t window_ms; /* the latency window */
    double rate[READOUT_RATES];     /* changes per second over 1, 10, 60 s before at_ms (over fewer
                                     * when the timeline is shorter: never diluted by no data) */
    bool rate_known[READOUT_RATES]; /* at least one second of data in that window */
    uint64_t changes[CDC_KIND_COUNT];
    uint64_t total_changes;
    bool mix_known;              /* total_changes > 0 */
    int mix_pct[CDC_KIND_COUNT]; /* share of each kind, rounded */
    uint64_t records, duplicates, stale;
    struct readout_latency lat[LAT_COUNT];
    struct readout_size size;
    enum readout_freshness freshness;
    int64_t last_change_ms; /* CDC_TIME_NONE before the first change */
    int64_t idle_for_ms;    /* now - last change; 0 before the first */
};

/* The readout of one set of metrics (a table's, or the model's all-tables metrics) at cursor_ms
 * (0: now). limit is the stream's maximum record size, window_ms the latency window; rates end
 * at timeline_end_ms (see model_timeline_end), the seconds after it being not yet complete. */
/* The part of the timeline with data: from where reading began to where every reader has read
 * (model_timeline_start and model_timeline_end); rates count only seconds inside it. */
struct readout_span {
    int64_t start_ms; /* CDC_TIME_NONE: unknown (no limit) */
    int64_t end_ms;
};

void readout_fill(const struct metrics *mt, const struct readout_thresholds *th, uint64_t limit,
                  int64_t window_ms, int64_t now_ms, struct readout_span span, int64_t cursor_ms,
                  struct readout *out);

/* One shard's reader at one moment: what the Shards screen, the Overview and the JSON show. */
struct readout_shard {
    enum shard_state state; /* as shown: "stalled" while a call hangs */
    int64_t since_ms;       /* when that state began (0 unknown) */
    enum readout_level level;
    double calls_per_s; /* GetRecords calls, over 10 s (the read budget) */
    double read_per_s;  /* records read per second, over 1 s: reader throughput */
    double bytes_per_s; /* over 1 s */
    int64_t behind_ms;  /* how far behind the tip; -1 never known */
    bool behind_exact;  /* false: a lower bound (the reader is not answering) */
    enum readout_level behind_level;
    int64_t pending_ms; /* the call in flight has waited this long (0 none) */
};
void readout_shard(const struct shard *s, int64_t now_ms, struct readout_shard *out);

/* The rate seconds: 1, 10, 60. */
int readout_rate_secs(int i);
const char *readout_level_name(enum readout_level l); /* "ok", "warn", "bad" */
/* The level of a headroom percentage (a single record's, or a table's largest). */
enum readout_level readout_headroom_level(const struct readout_thresholds *th, double pct);
const char *readout_freshness_name(enum readout_freshness f); /* "active", "idle", "none" */

#endif

/* Change, latency and size metrics for one table (and the same structure for the totals). */
#ifndef CDCTOP_METRICS_H
#define CDCTOP_METRICS_H

#include <stdbool.h>
#include <stdint.h>

#include "change.h"
#include "hist.h"
#include "history.h"
#include "series.h"

enum lat_kind { LAT_COMMIT_TO_EMIT, LAT_EMIT_TO_ARRIVAL, LAT_ARRIVAL_TO_PROCESSED, LAT_COUNT };

#define METRICS_LARGEST 8
#define METRICS_KEY_MAX 95

/* One of the largest recent records. */
struct big_record {
    uint64_t bytes;
    int64_t seen_ms;
    char key[METRICS_KEY_MAX + 1]; /* raw key text, truncated; escape on display */
};

struct metrics {
    uint64_t changes[CDC_KIND_COUNT]; /* distinct changes; redeliveries not counted again */
    uint64_t records;                 /* decoded records, duplicates included */
    uint64_t duplicates;
    uint64_t stale;
    struct series per_kind[CDC_KIND_COUNT];
    struct whist latency[LAT_COUNT];            /* microseconds, signed */
    struct hist size;                           /* bytes, since start */
    uint64_t over_90pct;                        /* records above 90 % of the size limit */
    struct big_record largest[METRICS_LARGEST]; /* biggest first */
    int64_t last_change_ms;                     /* CDC_TIME_NONE before the first */
    int64_t first_event_ms;      /* the earliest event time counted (CDC_TIME_NONE before) */
    struct history_ring history; /* latency percentiles every 10 s */
};

void metrics_init(struct metrics *m, int64_t latency_window_ms);
/* Counts one decoded record, seen at now_ms, in the per-second series at event_ms (when it
 * arrived in the stream or was committed: the timeline's basis). kind is ignored when duplicate
 * is true. */
void metrics_record(struct metrics *m, int64_t now_ms, int64_t event_ms, enum cdc_kind kind,
                    bool duplicate, bool stale);
/* Adds one latency sample in microseconds. */
void metrics_latency(struct metrics *m, enum lat_kind k, int64_t now_ms, int64_t micros);
/* Adds a record size; limit is the stream's maximum record size in bytes. */
void metrics_size(struct metrics *m, int64_t now_ms, uint64_t bytes, uint64_t limit,
                  const char *key, size_t key_len);

/* Periodic work (about once a second): samples the latency windows into the history. */
void metrics_tick(struct metrics *m, int64_t now_ms);

uint64_t metrics_total_changes(const struct metrics *m);
/* Changes per second over the last secs complete seconds (all kinds). */
double metrics_rate(const struct metrics *m, int64_t now_ms, int secs);
/* Changes in one second (all kinds), for sparklines. */
uint32_t metrics_at(const struct metrics *m, int64_t sec);
void metrics_latency_window(const struct metrics *m, enum lat_kind k, int64_t now_ms,
                            struct hist *out);
const char *lat_kind_name(enum lat_kind k); /* "commit_to_emit", ... */

#endif

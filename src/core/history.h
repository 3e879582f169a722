/*
 * Latency percentiles over time. The latency histograms only cover a sliding window ending now,
 * so every HISTORY_STEP_MS what that window showed is kept as a sample, for HISTORY_SLOTS steps
 * (15 minutes): enough to show the percentiles as they were at an earlier moment and to chart
 * them in a report.
 */
#ifndef CDCTOP_HISTORY_H
#define CDCTOP_HISTORY_H

#include <stdbool.h>
#include <stdint.h>

#define HISTORY_STEP_MS 10000
#define HISTORY_SLOTS   90 /* 15 minutes */
#define HISTORY_LATS    3  /* one per enum lat_kind */

/* One latency's window at the moment of the sample; microseconds, signed. */
struct history_lat {
    uint64_t count; /* 0: no samples in the window (the percentiles are meaningless) */
    uint64_t negative;
    int64_t p50, p90, p99, max;
};

struct history_sample {
    int64_t at_ms;
    struct history_lat lat[HISTORY_LATS];
};

struct history_ring {
    struct history_sample ring[HISTORY_SLOTS];
    unsigned len;      /* samples held */
    unsigned next;     /* ring slot written next */
    int64_t last_step; /* step (at_ms / HISTORY_STEP_MS) of the newest sample; INT64_MIN: none */
};

void history_init(struct history_ring *h);
/* Whether a sample taken at now_ms would start a new step (at most one sample per step). */
bool history_due(const struct history_ring *h, int64_t now_ms);
/* Adds a sample; ignored unless it starts a new step. */
void history_push(struct history_ring *h, const struct history_sample *s);
unsigned history_len(const struct history_ring *h);
/* Sample i, oldest first (i < history_len). */
const struct history_sample *history_get(const struct history_ring *h, unsigned i);
/* The sample nearest to at_ms, or NULL when there is none. */
const struct history_sample *history_nearest(const struct history_ring *h, int64_t at_ms);

#endif

/*
 * Signed log-bucketed histograms: exact below 16, then 8 sub-buckets per power of two (relative
 * error under 12.5 %), negatives mirrored so skewed clocks show up instead of being dropped.
 * A windowed histogram keeps HIST_WINDOW_SLOTS slots and merges the ones inside the window.
 */
#ifndef CDCTOP_HIST_H
#define CDCTOP_HIST_H

#include <stdint.h>

#define HIST_MAX_EXP      40 /* values beyond 2^41 land in the last bucket; max stays exact */
#define HIST_HALF         (16 + (HIST_MAX_EXP - 3) * 8)
#define HIST_BUCKETS      (2 * HIST_HALF)
#define HIST_WINDOW_SLOTS 7

struct hist {
    uint32_t bucket[HIST_BUCKETS];
    uint64_t count;
    uint64_t negative; /* values below zero */
    int64_t min;
    int64_t max;
};

struct whist {
    struct hist slot[HIST_WINDOW_SLOTS];
    int64_t slot_start[HIST_WINDOW_SLOTS]; /* ms; INT64_MIN when unused */
    int64_t slot_ms;                       /* window / (HIST_WINDOW_SLOTS - 1) */
};

void hist_init(struct hist *h);
void hist_add(struct hist *h, int64_t v);
void hist_merge(struct hist *dst, const struct hist *src);
/* The value at quantile q in [0,1] (bucket midpoint, clamped to [min, max]); 0 when empty. */
int64_t hist_quantile(const struct hist *h, double q);

void whist_init(struct whist *w, int64_t window_ms);
void whist_add(struct whist *w, int64_t now_ms, int64_t v);
/* Merges the slots that overlap (now - window, now] into *out. */
void whist_window(const struct whist *w, int64_t now_ms, struct hist *out);

#endif

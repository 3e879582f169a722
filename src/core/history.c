/* Latency percentiles over time: a ring of periodic samples. */
#include "config.h"

#include "history.h"

#include <string.h>

/* floor(ms / HISTORY_STEP_MS), also before 1970. */
static int64_t history_step(int64_t ms)
{
    int64_t s = ms / HISTORY_STEP_MS;

    if (ms % HISTORY_STEP_MS != 0 && ms < 0)
        s--;
    return s;
}

void history_init(struct history_ring *h)
{
    memset(h, 0, sizeof *h);
    h->last_step = INT64_MIN;
}

bool history_due(const struct history_ring *h, int64_t now_ms)
{
    return h->last_step == INT64_MIN || history_step(now_ms) > h->last_step;
}

void history_push(struct history_ring *h, const struct history_sample *s)
{
    if (!history_due(h, s->at_ms))
        return;
    h->ring[h->next] = *s;
    h->next = (h->next + 1) % HISTORY_SLOTS;
    if (h->len < HISTORY_SLOTS)
        h->len++;
    h->last_step = history_step(s->at_ms);
}

unsigned history_len(const struct history_ring *h)
{
    return h->len;
}

const struct history_sample *history_get(const struct history_ring *h, unsigned i)
{
    if (i >= h->len)
        return NULL;
    return &h->ring[(h->next + HISTORY_SLOTS - h->len + i) % HISTORY_SLOTS];
}

const struct history_sample *history_nearest(const struct history_ring *h, int64_t at_ms)
{
    const struct history_sample *best = NULL;
    uint64_t best_gap = UINT64_MAX;

    for (unsigned i = 0; i < h->len; i++) {
        const struct history_sample *s = history_get(h, i);
        /* unsigned distance: cannot overflow whatever the two times are */
        uint64_t gap = s->at_ms > at_ms ? (uint64_t)s->at_ms - (uint64_t)at_ms
                                        : (uint64_t)at_ms - (uint64_t)s->at_ms;
        if (gap < best_gap) {
            best_gap = gap;
            best = s;
        }
    }
    return best;
}

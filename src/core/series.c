/*
 * Per-second counters in a ring of SERIES_SECS seconds. Second `sec` lives at
 * sec mod SERIES_SECS (a power of two, so negative seconds map consistently too); the ring
 * holds the seconds (last_sec - SERIES_SECS, last_sec].
 */
#include "config.h"

#include "series.h"

#include <string.h>

_Static_assert((SERIES_SECS & (SERIES_SECS - 1)) == 0, "SERIES_SECS must be a power of two");

static inline unsigned series_slot(int64_t sec)
{
    return (unsigned)((uint64_t)sec & (SERIES_SECS - 1));
}

/* floor(ms / 1000), also for times before 1970. */
static inline int64_t series_sec(int64_t ms)
{
    int64_t s = ms / 1000;

    if (ms % 1000 != 0 && ms < 0)
        s--;
    return s;
}

void series_init(struct series *s)
{
    memset(s->count, 0, sizeof(s->count));
    s->last_sec = INT64_MIN;
}

void series_add(struct series *s, int64_t now_ms, uint32_t n)
{
    int64_t sec = series_sec(now_ms);
    uint32_t *c, sum;

    if (s->last_sec == INT64_MIN) {
        s->last_sec = sec;
    } else if (sec > s->last_sec) {
        /* Unsigned difference: cannot overflow however far apart the two seconds are. */
        uint64_t gap = (uint64_t)sec - (uint64_t)s->last_sec;

        if (gap >= SERIES_SECS) {
            memset(s->count, 0, sizeof(s->count));
        } else {
            int64_t t;

            /* The seconds skipped, and `sec` itself, still hold counts from a lap ago. */
            for (t = s->last_sec + 1; t <= sec; t++)
                s->count[series_slot(t)] = 0;
        }
        s->last_sec = sec;
    } else if ((uint64_t)s->last_sec - (uint64_t)sec >= SERIES_SECS) {
        return; /* older than the ring */
    }
    c = &s->count[series_slot(sec)];
    sum = *c + n;
    *c = sum >= n ? sum : UINT32_MAX; /* saturate rather than wrap */
}

uint32_t series_at(const struct series *s, int64_t sec)
{
    if (s->last_sec == INT64_MIN || sec > s->last_sec ||
        (uint64_t)s->last_sec - (uint64_t)sec >= SERIES_SECS)
        return 0;
    return s->count[series_slot(sec)];
}

uint64_t series_sum(const struct series *s, int64_t now_ms, int secs)
{
    int64_t cur, lo, hi, oldest, t;
    uint64_t sum = 0;

    if (secs <= 0 || s->last_sec == INT64_MIN)
        return 0;
    if (secs > SERIES_SECS)
        secs = SERIES_SECS;
    /* The complete seconds [cur - secs, cur - 1], limited to the ones the ring holds. Seconds
     * come from milliseconds / 1000, so none of this can overflow. */
    cur = series_sec(now_ms);
    hi = cur - 1;
    lo = cur - secs;
    if (hi > s->last_sec)
        hi = s->last_sec;
    oldest = s->last_sec - (SERIES_SECS - 1);
    if (lo < oldest)
        lo = oldest;
    for (t = lo; t <= hi; t++)
        sum += s->count[series_slot(t)];
    return sum;
}

double series_rate(const struct series *s, int64_t now_ms, int secs)
{
    if (secs <= 0)
        return 0.0;
    if (secs > SERIES_SECS)
        secs = SERIES_SECS;
    return (double)series_sum(s, now_ms, secs) / secs;
}

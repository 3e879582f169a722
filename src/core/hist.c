/*
 * Signed log histograms.
 *
 * A magnitude m = |v| has a magnitude index: m itself below 16, otherwise
 * 16 + (e - 4) * 8 + sub with e = floor(log2 m) and sub the three bits below the leading one,
 * clamped to HIST_HALF - 1. Each power of two is split in eight equal sub-buckets, so a bucket's
 * width is an eighth of its lower bound and its midpoint is within 6.25 % of any value in it.
 *
 * Buckets are laid out in value order: zero and the positive magnitudes from HIST_HALF upwards,
 * the negative magnitudes mirrored below HIST_HALF (-1 at HIST_HALF - 1, the most negative at 1;
 * bucket 0 stays empty). A quantile is then a single walk from the most negative bucket up.
 */
#include "config.h"

#include "hist.h"

#include <math.h>
#include <string.h>

_Static_assert(16 + (HIST_MAX_EXP - 4) * 8 + 7 == HIST_HALF - 1, "last bucket is e = HIST_MAX_EXP");

static inline unsigned hist_mag_index(uint64_t m)
{
    unsigned e;

    if (m < 16)
        return (unsigned)m;
    e = 63u - (unsigned)__builtin_clzll(m);
    if (e > HIST_MAX_EXP)
        return HIST_HALF - 1;
    return 16u + (e - 4u) * 8u + (unsigned)((m >> (e - 3u)) & 7u);
}

/* The smallest and largest magnitude of a magnitude index. */
static void hist_mag_range(unsigned i, uint64_t *lo, uint64_t *hi)
{
    unsigned e, sub;

    if (i < 16) {
        *lo = *hi = i;
        return;
    }
    e = 4u + (i - 16u) / 8u;
    sub = (i - 16u) % 8u;
    *lo = (uint64_t)(8u + sub) << (e - 3u);
    *hi = *lo + ((uint64_t)1 << (e - 3u)) - 1u;
}

/* The value standing for bucket b: the midpoint of its value range. */
static int64_t hist_bucket_value(unsigned b)
{
    uint64_t lo, hi, mid;

    if (b >= HIST_HALF) {
        hist_mag_range(b - HIST_HALF, &lo, &hi);
        mid = lo + (hi - lo) / 2;
        return (int64_t)mid;
    }
    hist_mag_range(HIST_HALF - b, &lo, &hi);
    mid = lo + (hi - lo) / 2;
    return -(int64_t)mid;
}

static inline void hist_bump(uint32_t *c, uint32_t n)
{
    uint32_t s = *c + n;

    *c = s >= *c ? s : UINT32_MAX; /* saturate rather than wrap */
}

void hist_init(struct hist *h)
{
    memset(h, 0, sizeof(*h));
}

void hist_add(struct hist *h, int64_t v)
{
    unsigned b;

    if (v < 0) {
        /* Negated in unsigned arithmetic: INT64_MIN becomes 2^63, which clamps to the last bucket.
         */
        b = HIST_HALF - hist_mag_index((uint64_t)0 - (uint64_t)v);
        h->negative++;
    } else {
        b = HIST_HALF + hist_mag_index((uint64_t)v);
    }
    hist_bump(&h->bucket[b], 1);
    if (h->count == 0) {
        h->min = h->max = v;
    } else {
        if (v < h->min)
            h->min = v;
        if (v > h->max)
            h->max = v;
    }
    h->count++;
}

void hist_merge(struct hist *dst, const struct hist *src)
{
    unsigned i;

    if (src->count == 0)
        return;
    for (i = 0; i < HIST_BUCKETS; i++)
        if (src->bucket[i] != 0)
            hist_bump(&dst->bucket[i], src->bucket[i]);
    if (dst->count == 0) {
        dst->min = src->min;
        dst->max = src->max;
    } else {
        if (src->min < dst->min)
            dst->min = src->min;
        if (src->max > dst->max)
            dst->max = src->max;
    }
    dst->count += src->count;
    dst->negative += src->negative;
}

int64_t hist_quantile(const struct hist *h, double q)
{
    uint64_t rank, seen = 0;
    double r;
    unsigned b;

    if (h->count == 0)
        return 0;
    if (!(q > 0.0)) /* also NaN */
        q = 0.0;
    else if (q > 1.0)
        q = 1.0;
    r = ceil(q * (double)h->count);
    if (r < 1.0)
        rank = 1;
    else if (r >= (double)h->count)
        rank = h->count;
    else
        rank = (uint64_t)r;
    /* The lowest and highest ranks are known exactly. */
    if (rank == 1)
        return h->min;
    if (rank == h->count)
        return h->max;
    for (b = 0; b < HIST_BUCKETS; b++) {
        seen += h->bucket[b];
        if (seen >= rank) {
            int64_t v = hist_bucket_value(b);

            if (v < h->min)
                return h->min;
            if (v > h->max)
                return h->max;
            return v;
        }
    }
    return h->max; /* only reached when saturated buckets undercount */
}

/* floor(a / d) for d > 0. */
static inline int64_t floor_div(int64_t a, int64_t d)
{
    int64_t q = a / d;

    if (a % d != 0 && a < 0)
        q--;
    return q;
}

/* Times far outside any clock are pulled in so slot arithmetic cannot overflow. */
static inline int64_t hist_clamp_time(int64_t t)
{
    const int64_t lim = (int64_t)1 << 60;

    return t < -lim ? -lim : t > lim ? lim : t;
}

void whist_init(struct whist *w, int64_t window_ms)
{
    unsigned i;

    if (window_ms <= 0)
        window_ms = 60000;
    if (window_ms > ((int64_t)1 << 50))
        window_ms = (int64_t)1 << 50;
    w->slot_ms = window_ms / (HIST_WINDOW_SLOTS - 1);
    if (w->slot_ms < 1)
        w->slot_ms = 1;
    for (i = 0; i < HIST_WINDOW_SLOTS; i++) {
        hist_init(&w->slot[i]);
        w->slot_start[i] = INT64_MIN;
    }
}

void whist_add(struct whist *w, int64_t now_ms, int64_t v)
{
    int64_t n = floor_div(hist_clamp_time(now_ms), w->slot_ms);
    int64_t start = n * w->slot_ms;
    unsigned i = (unsigned)(((n % HIST_WINDOW_SLOTS) + HIST_WINDOW_SLOTS) % HIST_WINDOW_SLOTS);

    if (w->slot_start[i] != start) {
        /* The slot held an older period (or, after the clock went back, a later one). */
        hist_init(&w->slot[i]);
        w->slot_start[i] = start;
    }
    hist_add(&w->slot[i], v);
}

void whist_window(const struct whist *w, int64_t now_ms, struct hist *out)
{
    int64_t window = w->slot_ms * (HIST_WINDOW_SLOTS - 1);
    unsigned i;

    now_ms = hist_clamp_time(now_ms);
    hist_init(out);
    for (i = 0; i < HIST_WINDOW_SLOTS; i++) {
        int64_t s = w->slot_start[i];

        if (s == INT64_MIN || s > now_ms)
            continue;
        /* Slot [s, s + slot_ms) holds whole milliseconds up to s + slot_ms - 1; keep it when
         * that is inside (now - window, now]. */
        if (now_ms - s < window + w->slot_ms - 1)
            hist_merge(out, &w->slot[i]);
    }
}

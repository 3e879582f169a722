/* Change, latency and size metrics for one table or for the totals. */
#include "config.h"

#include "metrics.h"

#include <string.h>

/* A largest-record entry older than this is replaced before any newer one. */
#define METRICS_RECENT_MS (15 * 60 * 1000)

static const char *const lat_kind_names[LAT_COUNT] = {
    [LAT_COMMIT_TO_EMIT] = "commit_to_emit",
    [LAT_EMIT_TO_ARRIVAL] = "emit_to_arrival",
    [LAT_ARRIVAL_TO_PROCESSED] = "arrival_to_processed",
};

static void big_record_clear(struct big_record *r)
{
    r->bytes = 0;
    r->seen_ms = CDC_TIME_NONE;
    r->key[0] = '\0';
}

void metrics_init(struct metrics *m, int64_t latency_window_ms)
{
    unsigned i;

    memset(m->changes, 0, sizeof(m->changes));
    m->records = 0;
    m->duplicates = 0;
    m->stale = 0;
    for (i = 0; i < CDC_KIND_COUNT; i++)
        series_init(&m->per_kind[i]);
    for (i = 0; i < LAT_COUNT; i++)
        whist_init(&m->latency[i], latency_window_ms);
    hist_init(&m->size);
    m->over_90pct = 0;
    for (i = 0; i < METRICS_LARGEST; i++)
        big_record_clear(&m->largest[i]);
    m->last_change_ms = CDC_TIME_NONE;
    m->first_event_ms = CDC_TIME_NONE;
    history_init(&m->history);
}

void metrics_record(struct metrics *m, int64_t now_ms, int64_t event_ms, enum cdc_kind kind,
                    bool duplicate, bool stale)
{
    m->records++;
    if (duplicate) {
        m->duplicates++;
        return;
    }
    if ((unsigned)kind >= CDC_KIND_COUNT)
        kind = CDC_UPSERT;
    m->changes[kind]++;
    series_add(&m->per_kind[kind], event_ms, 1);
    if (m->first_event_ms == CDC_TIME_NONE || event_ms < m->first_event_ms)
        m->first_event_ms = event_ms;
    m->last_change_ms = now_ms;
    if (stale)
        m->stale++;
}

void metrics_latency(struct metrics *m, enum lat_kind k, int64_t now_ms, int64_t micros)
{
    if ((unsigned)k >= LAT_COUNT)
        return;
    whist_add(&m->latency[k], now_ms, micros);
}

/* bytes * 10 > limit * 9 without overflow: bytes > floor(limit * 9 / 10). */
static bool metrics_over_90pct(uint64_t bytes, uint64_t limit)
{
    uint64_t tenth_up = limit / 10 + (limit % 10 != 0);

    return bytes > limit - tenth_up;
}

/* Copies at most METRICS_KEY_MAX bytes, never ending inside a UTF-8 sequence. */
static void metrics_copy_key(char *dst, const char *key, size_t key_len)
{
    size_t n = key_len;

    if (key == NULL)
        n = 0;
    if (n > METRICS_KEY_MAX) {
        size_t back = 0;

        n = METRICS_KEY_MAX;
        /* key[n] is the first byte left out: if it continues a sequence, cut before that
         * sequence's lead byte (at most three continuation bytes follow a lead byte). */
        while (back < 3 && n > 0 && ((unsigned char)key[n] & 0xc0) == 0x80) {
            n--;
            back++;
        }
        if (((unsigned char)key[n] & 0xc0) == 0x80)
            n = METRICS_KEY_MAX; /* not UTF-8 anyway: keep the bytes */
    }
    if (n != 0)
        memcpy(dst, key, n);
    dst[n] = '\0';
}

static void metrics_largest(struct metrics *m, int64_t now_ms, uint64_t bytes, const char *key,
                            size_t key_len)
{
    struct big_record *big = m->largest;
    int victim = -1;
    int i;

    /* An empty or expired entry is replaced first: the smallest such, scanning from the end. */
    for (i = METRICS_LARGEST - 1; i >= 0; i--) {
        if (big[i].seen_ms == CDC_TIME_NONE || (now_ms > INT64_MIN + METRICS_RECENT_MS &&
                                                big[i].seen_ms < now_ms - METRICS_RECENT_MS)) {
            victim = i;
            break;
        }
    }
    if (victim < 0) {
        if (bytes <= big[METRICS_LARGEST - 1].bytes)
            return;
        victim = METRICS_LARGEST - 1;
    }
    /* Take the victim out, then open a gap where the new record sorts (biggest first; ties go
     * after the entries already there). */
    memmove(&big[victim], &big[victim + 1],
            (size_t)(METRICS_LARGEST - 1 - victim) * sizeof(big[0]));
    for (i = 0; i < METRICS_LARGEST - 1; i++)
        if (big[i].seen_ms == CDC_TIME_NONE || big[i].bytes < bytes)
            break;
    memmove(&big[i + 1], &big[i], (size_t)(METRICS_LARGEST - 1 - i) * sizeof(big[0]));
    big[i].bytes = bytes;
    big[i].seen_ms = now_ms;
    metrics_copy_key(big[i].key, key, key_len);
}

void metrics_size(struct metrics *m, int64_t now_ms, uint64_t bytes, uint64_t limit,
                  const char *key, size_t key_len)
{
    hist_add(&m->size, bytes > (uint64_t)INT64_MAX ? INT64_MAX : (int64_t)bytes);
    if (limit != 0 && metrics_over_90pct(bytes, limit))
        m->over_90pct++;
    metrics_largest(m, now_ms, bytes, key, key_len);
}

_Static_assert(LAT_COUNT == HISTORY_LATS, "one history series per latency");

void metrics_tick(struct metrics *m, int64_t now_ms)
{
    struct history_sample s = {.at_ms = now_ms};
    struct hist h;
    unsigned k;

    if (!history_due(&m->history, now_ms))
        return;
    for (k = 0; k < LAT_COUNT; k++) {
        whist_window(&m->latency[k], now_ms, &h);
        s.lat[k].count = h.count;
        s.lat[k].negative = h.negative;
        if (h.count == 0)
            continue;
        s.lat[k].p50 = hist_quantile(&h, 0.50);
        s.lat[k].p90 = hist_quantile(&h, 0.90);
        s.lat[k].p99 = hist_quantile(&h, 0.99);
        s.lat[k].max = h.max;
    }
    history_push(&m->history, &s);
}

uint64_t metrics_total_changes(const struct metrics *m)
{
    uint64_t sum = 0;
    unsigned i;

    for (i = 0; i < CDC_KIND_COUNT; i++)
        sum += m->changes[i];
    return sum;
}

double metrics_rate(const struct metrics *m, int64_t now_ms, int secs)
{
    uint64_t sum = 0;
    unsigned i;

    if (secs <= 0)
        return 0.0;
    if (secs > SERIES_SECS)
        secs = SERIES_SECS;
    for (i = 0; i < CDC_KIND_COUNT; i++)
        sum += series_sum(&m->per_kind[i], now_ms, secs);
    return (double)sum / secs;
}

uint32_t metrics_at(const struct metrics *m, int64_t sec)
{
    uint64_t sum = 0;
    unsigned i;

    for (i = 0; i < CDC_KIND_COUNT; i++)
        sum += series_at(&m->per_kind[i], sec);
    return sum > UINT32_MAX ? UINT32_MAX : (uint32_t)sum;
}

void metrics_latency_window(const struct metrics *m, enum lat_kind k, int64_t now_ms,
                            struct hist *out)
{
    if ((unsigned)k >= LAT_COUNT) {
        hist_init(out);
        return;
    }
    whist_window(&m->latency[k], now_ms, out);
}

const char *lat_kind_name(enum lat_kind k)
{
    if ((unsigned)k >= LAT_COUNT)
        return "?";
    return lat_kind_names[k];
}

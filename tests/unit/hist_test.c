/* Unit tests for hist.c (histograms, windowed histograms), series.c and metrics.c. */
#include "config.h"

#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "hist.h"
#include "metrics.h"
#include "series.h"
#include "shard.h"

/* --- hist ------------------------------------------------------------------ */

static void test_hist_empty(void **state)
{
    struct hist h;

    (void)state;
    hist_init(&h);
    assert_int_equal(h.count, 0);
    assert_int_equal(h.negative, 0);
    assert_int_equal(hist_quantile(&h, 0.0), 0);
    assert_int_equal(hist_quantile(&h, 0.5), 0);
    assert_int_equal(hist_quantile(&h, 1.0), 0);
}

static void test_hist_small_exact(void **state)
{
    struct hist h;
    int64_t v;

    (void)state;
    hist_init(&h);
    for (v = 0; v < 16; v++)
        hist_add(&h, v);
    assert_int_equal(h.count, 16);
    assert_int_equal(h.min, 0);
    assert_int_equal(h.max, 15);
    /* Rank ceil(q * 16) is value rank - 1, exactly. */
    for (v = 0; v < 16; v++)
        assert_int_equal(hist_quantile(&h, (double)(v + 1) / 16.0), v);
    assert_int_equal(hist_quantile(&h, 0.0), 0);
    assert_int_equal(hist_quantile(&h, 0.5), 7);
    assert_int_equal(hist_quantile(&h, 0.51), 8);
}

/* The median of {v_low, v, v_high} is v's bucket value; the outer values keep min/max clamping
 * out of the way, so this measures the bucket itself. */
static int64_t middle_of_three(int64_t v)
{
    struct hist h;

    hist_init(&h);
    hist_add(&h, v < 0 ? INT64_MIN : 0);
    hist_add(&h, v);
    hist_add(&h, v < 0 ? 0 : INT64_MAX);
    return hist_quantile(&h, 0.5);
}

static void check_rel_error(int64_t v)
{
    int64_t got = middle_of_three(v);
    double err = ((double)got - (double)v) / (double)v;

    if (err < 0)
        err = -err;
    if (!(err < 0.125))
        fail_msg("value %lld reported as %lld (error %.4f)", (long long)v, (long long)got, err);
}

static void test_hist_relative_error(void **state)
{
    uint64_t x = 88172645463325252ull;
    int k, j;

    (void)state;
    for (k = 0; k <= 40; k++) {
        int64_t p = (int64_t)1 << k;

        check_rel_error(p);
        check_rel_error(-p);
        if (p > 1) {
            check_rel_error(p - 1);
            check_rel_error(p + 1);
            check_rel_error(-(p - 1));
        }
        /* Each sub-bucket boundary of this power of two, and its neighbours. */
        for (j = 1; j < 8 && k >= 3; j++) {
            int64_t b = p + j * (p >> 3);

            check_rel_error(b);
            check_rel_error(b - 1);
            check_rel_error(-b);
        }
    }
    for (k = 0; k < 20000; k++) {
        int64_t v;

        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        v = (int64_t)(x % ((uint64_t)1 << (1 + x % 41))) + 1;
        check_rel_error(v);
    }
    /* Below 16 every value has its own bucket. */
    for (k = 1; k < 16; k++) {
        assert_int_equal(middle_of_three(k), k);
        assert_int_equal(middle_of_three(-k), -k);
    }
    /* From 16 on buckets are 1/8 of their power of two wide: [16, 17], [18, 19], ... */
    assert_int_equal(middle_of_three(16), 16);
    assert_int_equal(middle_of_three(17), 16);
    assert_int_equal(middle_of_three(18), 18);
    assert_int_equal(middle_of_three(31), 30);
    assert_int_equal(middle_of_three(32), 33); /* [32, 35] */
}

static void test_hist_monotonic(void **state)
{
    int64_t prev = INT64_MIN, v;

    (void)state;
    /* Bucket order follows value order on both sides of zero. */
    for (v = -5000; v <= 5000; v++) {
        int64_t got = middle_of_three(v);

        assert_true(got >= prev);
        prev = got;
    }
}

static void test_hist_negative(void **state)
{
    struct hist h;

    (void)state;
    hist_init(&h);
    hist_add(&h, -1000);
    hist_add(&h, -10);
    hist_add(&h, -3);
    hist_add(&h, 0);
    hist_add(&h, 5);
    hist_add(&h, 100);
    hist_add(&h, 4000);
    assert_int_equal(h.count, 7);
    assert_int_equal(h.negative, 3);
    assert_int_equal(h.min, -1000);
    assert_int_equal(h.max, 4000);
    assert_int_equal(hist_quantile(&h, 0.0), -1000);
    assert_int_equal(hist_quantile(&h, 1.5 / 7), -10);
    assert_int_equal(hist_quantile(&h, 2.5 / 7), -3);
    assert_int_equal(hist_quantile(&h, 0.5), 0);
    assert_int_equal(hist_quantile(&h, 4.5 / 7), 5);
    assert_in_range(hist_quantile(&h, 5.5 / 7), 94, 106);
    assert_int_equal(hist_quantile(&h, 1.0), 4000);

    /* All negative: the median stays negative, -1 and -2 are exact. */
    hist_init(&h);
    hist_add(&h, -1);
    hist_add(&h, -2);
    hist_add(&h, -300000);
    assert_int_equal(hist_quantile(&h, 0.0), -300000);
    assert_int_equal(hist_quantile(&h, 0.5), -2);
    assert_int_equal(hist_quantile(&h, 1.0), -1);
}

static void test_hist_min_max_exact(void **state)
{
    struct hist h;

    (void)state;
    hist_init(&h);
    hist_add(&h, 1001);
    hist_add(&h, 1003);
    assert_int_equal(h.min, 1001);
    assert_int_equal(h.max, 1003);
    /* Both share a bucket whose midpoint lies outside [1001, 1003]: clamped. */
    assert_int_equal(hist_quantile(&h, 0.0), 1001);
    assert_in_range(hist_quantile(&h, 0.5), 1001, 1003);
    assert_int_equal(hist_quantile(&h, 1.0), 1003);

    hist_init(&h);
    hist_add(&h, 123456789);
    assert_int_equal(hist_quantile(&h, 0.5), 123456789);
    assert_int_equal(hist_quantile(&h, 0.99), 123456789);
}

static void test_hist_extremes(void **state)
{
    struct hist h;

    (void)state;
    hist_init(&h);
    hist_add(&h, INT64_MIN);
    assert_int_equal(h.count, 1);
    assert_int_equal(h.negative, 1);
    assert_true(h.min == INT64_MIN);
    assert_true(hist_quantile(&h, 0.5) == INT64_MIN);

    hist_add(&h, INT64_MAX);
    hist_add(&h, 0);
    assert_true(h.min == INT64_MIN);
    assert_true(h.max == INT64_MAX);
    assert_true(hist_quantile(&h, 0.0) == INT64_MIN);
    assert_int_equal(hist_quantile(&h, 0.5), 0);
    assert_true(hist_quantile(&h, 1.0) == INT64_MAX);

    /* Values past 2^41 share the last bucket; its value is clamped to max. */
    hist_init(&h);
    hist_add(&h, (int64_t)1 << 50);
    hist_add(&h, ((int64_t)1 << 50) + 7);
    assert_true(hist_quantile(&h, 0.5) >= ((int64_t)1 << 41));
    assert_true(hist_quantile(&h, 0.5) <= ((int64_t)1 << 50) + 7);
    assert_true(hist_quantile(&h, 1.0) == ((int64_t)1 << 50) + 7);
}

static void test_hist_q_clamped(void **state)
{
    struct hist h;
    int64_t v;

    (void)state;
    hist_init(&h);
    for (v = 1; v <= 10; v++)
        hist_add(&h, v);
    assert_int_equal(hist_quantile(&h, -1.0), 1);
    assert_int_equal(hist_quantile(&h, 7.5), 10);
    assert_int_equal(hist_quantile(&h, NAN), 1);
    assert_int_equal(hist_quantile(&h, 0.05), 1); /* rank is at least 1 */
    assert_int_equal(hist_quantile(&h, 0.11), 2);
}

static void test_hist_merge(void **state)
{
    struct hist a, b, all, empty;
    int64_t v;

    (void)state;
    hist_init(&a);
    hist_init(&b);
    hist_init(&all);
    hist_init(&empty);
    for (v = -500; v < 3000; v += 7) {
        hist_add(v % 2 ? &a : &b, v * 13);
        hist_add(&all, v * 13);
    }
    hist_merge(&a, &b);
    assert_memory_equal(a.bucket, all.bucket, sizeof(a.bucket));
    assert_int_equal(a.count, all.count);
    assert_int_equal(a.negative, all.negative);
    assert_int_equal(a.min, all.min);
    assert_int_equal(a.max, all.max);
    assert_int_equal(hist_quantile(&a, 0.9), hist_quantile(&all, 0.9));

    /* Merging an empty histogram changes nothing; merging into one copies min and max. */
    hist_merge(&a, &empty);
    assert_int_equal(a.count, all.count);
    assert_int_equal(a.min, all.min);
    hist_merge(&empty, &b);
    assert_int_equal(empty.count, b.count);
    assert_int_equal(empty.min, b.min);
    assert_int_equal(empty.max, b.max);
}

/* --- whist ----------------------------------------------------------------- */

static void test_whist_ages_out(void **state)
{
    struct whist w;
    struct hist out;

    (void)state;
    whist_init(&w, 6000);
    assert_int_equal(w.slot_ms, 1000);
    whist_add(&w, 10500, 42);
    whist_add(&w, 12200, 7);

    whist_window(&w, 10500, &out);
    assert_int_equal(out.count, 1);
    assert_int_equal(out.max, 42);
    whist_window(&w, 13000, &out);
    assert_int_equal(out.count, 2);
    /* (10998, 16998] still holds 10999, the last millisecond of the first slot. */
    whist_window(&w, 16998, &out);
    assert_int_equal(out.count, 2);
    /* (10999, 16999] holds nothing of [10000, 11000). */
    whist_window(&w, 16999, &out);
    assert_int_equal(out.count, 1);
    assert_int_equal(out.min, 7);
    whist_window(&w, 18999, &out);
    assert_int_equal(out.count, 0);
    /* A slot in the future of `now` is not part of the window either. */
    whist_window(&w, 9000, &out);
    assert_int_equal(out.count, 0);
}

static void test_whist_slot_reuse(void **state)
{
    struct whist w;
    struct hist out;
    int i;

    (void)state;
    whist_init(&w, 6000);
    whist_add(&w, 0, 1);
    whist_add(&w, 999, 2);
    whist_add(&w, 7000, 3); /* same ring slot as [0, 1000), a new period */
    whist_window(&w, 7000, &out);
    assert_int_equal(out.count, 1);
    assert_int_equal(out.min, 3);
    whist_window(&w, 500, &out);
    assert_int_equal(out.count, 0);

    /* A steady stream: the window always holds six or seven seconds' worth. */
    whist_init(&w, 6000);
    for (i = 0; i < 100000; i += 100) {
        whist_add(&w, i, i);
        whist_window(&w, i, &out);
        if (i >= 7000) {
            assert_in_range(out.count, 60, 70);
            assert_true(out.min > i - 7000);
            assert_int_equal(out.max, i);
        }
    }
}

static void test_whist_window_defaults(void **state)
{
    struct whist w;
    struct hist out;

    (void)state;
    whist_init(&w, 0);
    assert_int_equal(w.slot_ms, 10000);
    whist_init(&w, -5);
    assert_int_equal(w.slot_ms, 10000);
    whist_init(&w, 3);
    assert_int_equal(w.slot_ms, 1);

    /* Times before the epoch floor into their slot. */
    whist_init(&w, 6000);
    whist_add(&w, -1500, -9);
    assert_int_equal(w.slot_start[5], -2000); /* floor(-1.5) = -2, -2 mod 7 = 5 */
    whist_window(&w, -1000, &out);
    assert_int_equal(out.count, 1);
    assert_int_equal(out.negative, 1);
    assert_int_equal(hist_quantile(&out, 0.5), -9);
}

/* --- series ---------------------------------------------------------------- */

static void test_series_rates(void **state)
{
    struct series s;
    int64_t sec;

    (void)state;
    series_init(&s);
    assert_int_equal(series_sum(&s, 5000, 10), 0);
    for (sec = 100; sec < 170; sec++) {
        series_add(&s, sec * 1000 + 10, 2);
        series_add(&s, sec * 1000 + 990, 3);
    }
    series_add(&s, 170 * 1000 + 5, 100); /* the current, incomplete second */
    assert_int_equal(series_at(&s, 169), 5);
    assert_int_equal(series_at(&s, 170), 100);
    assert_int_equal(series_at(&s, 171), 0);
    assert_int_equal(series_sum(&s, 170500, 1), 5);
    assert_int_equal(series_sum(&s, 170500, 10), 50);
    assert_int_equal(series_sum(&s, 170500, 60), 300);
    assert_true(series_rate(&s, 170500, 1) == 5.0);
    assert_true(series_rate(&s, 170500, 10) == 5.0);
    assert_true(series_rate(&s, 170500, 60) == 5.0);
    /* 100 seconds back reaches before the first count. */
    assert_true(series_rate(&s, 170500, 100) == 3.5);
    /* A second later the 100 is complete and counted. */
    assert_int_equal(series_sum(&s, 171000, 1), 100);
    assert_true(series_rate(&s, 171000, 10) == 14.5);
    /* Nothing for 30 s: the last minute holds half the counts. */
    assert_true(series_rate(&s, 200000, 60) == (30 * 5 + 100) / 60.0);
    assert_true(series_rate(&s, 200000, 0) == 0.0);
    assert_int_equal(series_sum(&s, 170500, -3), 0);
}

static void test_series_gaps(void **state)
{
    struct series s;
    int64_t sec;

    (void)state;
    series_init(&s);
    series_add(&s, 10000, 7);
    series_add(&s, 15000, 1);
    for (sec = 11; sec < 15; sec++)
        assert_int_equal(series_at(&s, sec), 0);
    assert_int_equal(series_at(&s, 10), 7);

    /* A full lap, then a gap: the skipped seconds must not show last lap's counts. */
    series_init(&s);
    for (sec = 0; sec < SERIES_SECS; sec++)
        series_add(&s, sec * 1000, 1);
    series_add(&s, (SERIES_SECS + 6) * 1000, 9);
    for (sec = SERIES_SECS; sec < SERIES_SECS + 6; sec++)
        assert_int_equal(series_at(&s, sec), 0);
    assert_int_equal(series_at(&s, SERIES_SECS + 6), 9);
    assert_int_equal(series_at(&s, 6), 0);
    assert_int_equal(series_at(&s, 7), 1);
    assert_int_equal(series_sum(&s, (SERIES_SECS + 6) * 1000, 10), 4);
}

static void test_series_jump(void **state)
{
    struct series s;

    (void)state;
    series_init(&s);
    series_add(&s, 5000, 3);
    series_add(&s, 6000, 4);
    series_add(&s, (5 + 5000) * 1000, 1);
    assert_int_equal(series_at(&s, 5), 0);
    assert_int_equal(series_at(&s, 5 + SERIES_SECS * 4), 0); /* same ring slot as second 5 */
    assert_int_equal(series_at(&s, 6 + SERIES_SECS * 4), 0);
    assert_int_equal(series_at(&s, 5005), 1);
    assert_int_equal(series_sum(&s, 5006 * 1000, SERIES_SECS), 1);
    /* Exactly one lap ahead also clears everything. */
    series_add(&s, (5005 + SERIES_SECS) * 1000, 2);
    assert_int_equal(series_at(&s, 5005 + SERIES_SECS), 2);
    assert_int_equal(series_sum(&s, (5006 + SERIES_SECS) * 1000, SERIES_SECS), 2);
}

static void test_series_older(void **state)
{
    struct series s;

    (void)state;
    series_init(&s);
    series_add(&s, 100000, 1);
    series_add(&s, 90500, 5); /* older, still in the ring */
    assert_int_equal(series_at(&s, 90), 5);
    assert_int_equal(series_at(&s, 100), 1);
    assert_int_equal(s.last_sec, 100);
    series_add(&s, (100 - SERIES_SECS + 1) * 1000, 2); /* the oldest second kept */
    assert_int_equal(series_at(&s, 100 - SERIES_SECS + 1), 2);
    series_add(&s, (100 - SERIES_SECS) * 1000, 8); /* just out of the ring: dropped */
    assert_int_equal(series_at(&s, 100 - SERIES_SECS), 0);
    assert_int_equal(series_at(&s, 100), 1);
    assert_int_equal(series_sum(&s, 101000, SERIES_SECS), 8);

    /* Before 1970 the second is floored. */
    series_init(&s);
    series_add(&s, -1, 1);
    series_add(&s, -1000, 1);
    series_add(&s, -1001, 1);
    assert_int_equal(series_at(&s, -1), 2);
    assert_int_equal(series_at(&s, -2), 1);
    assert_int_equal(series_at(&s, 0), 0);
}

/* --- metrics --------------------------------------------------------------- */

static void test_metrics_changes(void **state)
{
    static struct metrics m;
    struct hist out;

    (void)state;
    metrics_init(&m, 60000);
    assert_true(m.last_change_ms == CDC_TIME_NONE);
    metrics_record(&m, 1000, 1000, CDC_INSERT, true, false);
    assert_int_equal(m.records, 1);
    assert_int_equal(m.duplicates, 1);
    assert_int_equal(metrics_total_changes(&m), 0);
    assert_true(m.last_change_ms == CDC_TIME_NONE);
    assert_int_equal(metrics_at(&m, 1), 0);

    metrics_record(&m, 1500, 1500, CDC_UPDATE, false, true);
    assert_int_equal(m.stale, 1);
    assert_int_equal(m.changes[CDC_UPDATE], 1);
    assert_int_equal(m.last_change_ms, 1500);

    metrics_record(&m, 1600, 1600, CDC_INSERT, false, false);
    metrics_record(&m, 1700, 1700, CDC_DELETE, false, false);
    metrics_record(&m, 2100, 2100, CDC_UPSERT, false, false);
    assert_int_equal(m.records, 5);
    assert_int_equal(metrics_total_changes(&m), 4);
    assert_int_equal(metrics_at(&m, 1), 3);
    assert_int_equal(metrics_at(&m, 2), 1);
    assert_true(metrics_rate(&m, 3000, 2) == 2.0);
    assert_true(metrics_rate(&m, 3000, 1) == 1.0);
    assert_int_equal(m.last_change_ms, 2100);

    metrics_latency(&m, LAT_EMIT_TO_ARRIVAL, 2000, 250000);
    metrics_latency(&m, LAT_EMIT_TO_ARRIVAL, 2000, -40);
    metrics_latency_window(&m, LAT_EMIT_TO_ARRIVAL, 2500, &out);
    assert_int_equal(out.count, 2);
    assert_int_equal(out.negative, 1);
    assert_int_equal(out.max, 250000);
    metrics_latency_window(&m, LAT_COMMIT_TO_EMIT, 2500, &out);
    assert_int_equal(out.count, 0);
    metrics_latency_window(&m, LAT_EMIT_TO_ARRIVAL, 2000 + 80000, &out);
    assert_int_equal(out.count, 0);

    assert_string_equal(lat_kind_name(LAT_COMMIT_TO_EMIT), "commit_to_emit");
    assert_string_equal(lat_kind_name(LAT_EMIT_TO_ARRIVAL), "emit_to_arrival");
    assert_string_equal(lat_kind_name(LAT_ARRIVAL_TO_PROCESSED), "arrival_to_processed");
    assert_string_equal(cdc_kind_name(CDC_UPSERT), "upsert");
    assert_string_equal(cdc_kind_name(CDC_DELETE), "delete");
    assert_string_equal(cdc_format_name(CDC_FMT_DSQL), "dsql");
    assert_string_equal(shard_state_name(SHARD_BACKOFF), "backoff");
    assert_string_equal(shard_state_name(SHARD_ERROR), "error");
}

static void test_metrics_over_90pct(void **state)
{
    static struct metrics m;

    (void)state;
    metrics_init(&m, 60000);
    metrics_size(&m, 0, 900, 1000, "a", 1);
    assert_int_equal(m.over_90pct, 0);
    metrics_size(&m, 0, 901, 1000, "a", 1);
    metrics_size(&m, 0, 1000, 1000, "a", 1);
    assert_int_equal(m.over_90pct, 2);
    metrics_size(&m, 0, 14, 15, "a", 1); /* 140 > 135 */
    metrics_size(&m, 0, 13, 15, "a", 1); /* 130 < 135 */
    assert_int_equal(m.over_90pct, 3);
    metrics_size(&m, 0, UINT64_MAX, UINT64_MAX, "a", 1); /* no overflow */
    metrics_size(&m, 0, UINT64_MAX / 2, UINT64_MAX, "a", 1);
    assert_int_equal(m.over_90pct, 4);
    metrics_size(&m, 0, 5, 0, "a", 1); /* limit unknown */
    assert_int_equal(m.over_90pct, 4);
    assert_int_equal(m.size.count, 8);
    assert_true(m.size.max == INT64_MAX);
}

static void test_metrics_largest(void **state)
{
    static struct metrics m;
    static const uint64_t order[] = {5,  17, 3,  20, 1,  9,  14, 12, 19, 2,
                                     16, 8,  13, 4,  11, 18, 7,  15, 10, 6};
    char key[16];
    unsigned i;

    (void)state;
    metrics_init(&m, 60000);
    assert_int_equal(m.largest[0].bytes, 0);
    assert_true(m.largest[0].seen_ms == CDC_TIME_NONE);
    assert_string_equal(m.largest[0].key, "");
    metrics_size(&m, 1000, 3, 100, "k3", 2);
    assert_int_equal(m.largest[0].bytes, 3);
    assert_int_equal(m.largest[1].bytes, 0);

    metrics_init(&m, 60000);
    for (i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
        int n = snprintf(key, sizeof(key), "k%u", (unsigned)order[i]);

        metrics_size(&m, 1000 + i, order[i], 100, key, (size_t)n);
    }
    for (i = 0; i < METRICS_LARGEST; i++) {
        snprintf(key, sizeof(key), "k%u", 20 - i);
        assert_int_equal(m.largest[i].bytes, 20 - i);
        assert_string_equal(m.largest[i].key, key);
    }
    /* Not bigger than the smallest kept: ignored. */
    metrics_size(&m, 2000, 13, 100, "x", 1);
    assert_int_equal(m.largest[METRICS_LARGEST - 1].bytes, 13);
    assert_string_equal(m.largest[METRICS_LARGEST - 1].key, "k13");
    /* Bigger: the smallest goes. */
    metrics_size(&m, 2000, 50, 100, "big", 3);
    assert_int_equal(m.largest[0].bytes, 50);
    assert_int_equal(m.largest[0].seen_ms, 2000);
    assert_int_equal(m.largest[METRICS_LARGEST - 1].bytes, 14);

    /* 15 minutes on, everything but "big" has expired (seen at 1000..1019): small new records
     * take the place of the smallest expired ones, and stay sorted. */
    metrics_size(&m, 1020 + 900000, 1, 100, "new1", 4);
    assert_int_equal(m.largest[METRICS_LARGEST - 1].bytes, 1);
    assert_string_equal(m.largest[METRICS_LARGEST - 1].key, "new1");
    assert_int_equal(m.largest[METRICS_LARGEST - 2].bytes, 15);
    metrics_size(&m, 1020 + 900000, 2, 100, "new2", 4);
    assert_int_equal(m.largest[METRICS_LARGEST - 2].bytes, 2);
    assert_int_equal(m.largest[METRICS_LARGEST - 3].bytes, 16);
    assert_int_equal(m.largest[0].bytes, 50);
    /* Once "big" has expired too, it is replaced like the rest. */
    for (i = 0; i < METRICS_LARGEST; i++)
        metrics_size(&m, 3000 + 900000, 100 + i, 1000, "late", 4);
    for (i = 0; i < METRICS_LARGEST; i++) {
        assert_int_equal(m.largest[i].bytes, 100 + METRICS_LARGEST - 1 - i);
        assert_int_equal(m.largest[i].seen_ms, 3000 + 900000);
    }
}

static void test_metrics_key_truncation(void **state)
{
    static struct metrics m;
    char key[200];

    (void)state;
    metrics_init(&m, 60000);
    /* 94 ASCII bytes and a 2-byte é: the é would be split at 95, so it is left out. */
    memset(key, 'a', 94);
    memcpy(key + 94, "\xc3\xa9zz", 4);
    metrics_size(&m, 0, 10, 100, key, 98);
    assert_int_equal(strlen(m.largest[0].key), 94);

    /* A 3-byte 日 at 93..95: cut before it. */
    memset(key, 'b', 93);
    memcpy(key + 93, "\xe6\x97\xa5", 3);
    metrics_size(&m, 0, 20, 100, key, 96);
    assert_int_equal(strlen(m.largest[0].key), 93);

    /* Plain ASCII: exactly METRICS_KEY_MAX bytes. */
    memset(key, 'c', sizeof(key));
    metrics_size(&m, 0, 30, 100, key, sizeof(key));
    assert_int_equal(strlen(m.largest[0].key), METRICS_KEY_MAX);

    /* A complete sequence ending at the limit is kept. */
    memset(key, 'd', 93);
    memcpy(key + 93, "\xc3\xa9", 2);
    metrics_size(&m, 0, 40, 100, key, 95);
    assert_int_equal(strlen(m.largest[0].key), 95);
    assert_memory_equal(m.largest[0].key + 93, "\xc3\xa9", 3);

    /* No key at all. */
    metrics_size(&m, 0, 50, 100, NULL, 0);
    assert_string_equal(m.largest[0].key, "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hist_empty),          cmocka_unit_test(test_hist_small_exact),
        cmocka_unit_test(test_hist_relative_error), cmocka_unit_test(test_hist_monotonic),
        cmocka_unit_test(test_hist_negative),       cmocka_unit_test(test_hist_min_max_exact),
        cmocka_unit_test(test_hist_extremes),       cmocka_unit_test(test_hist_q_clamped),
        cmocka_unit_test(test_hist_merge),          cmocka_unit_test(test_whist_ages_out),
        cmocka_unit_test(test_whist_slot_reuse),    cmocka_unit_test(test_whist_window_defaults),
        cmocka_unit_test(test_series_rates),        cmocka_unit_test(test_series_gaps),
        cmocka_unit_test(test_series_jump),         cmocka_unit_test(test_series_older),
        cmocka_unit_test(test_metrics_changes),     cmocka_unit_test(test_metrics_over_90pct),
        cmocka_unit_test(test_metrics_largest),     cmocka_unit_test(test_metrics_key_truncation),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* Unit tests for readout.c: the figures every view and artefact renders, and their levels. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "metrics.h"
#include "readout.h"

#define WINDOW_MS 60000
#define T0        INT64_C(1800000000000) /* a whole minute, so seconds line up */

static struct metrics mt;

static void fill(struct readout *r, uint64_t limit, int64_t now, int64_t cursor)
{
    readout_fill(&mt, NULL, limit, WINDOW_MS, now, (struct readout_span){CDC_TIME_NONE, now},
                 cursor, r);
}

static int setup(void **state)
{
    (void)state;
    metrics_init(&mt, WINDOW_MS);
    return 0;
}

static void test_empty(void **state)
{
    struct readout r;

    (void)state;
    fill(&r, 1024, T0, 0);
    assert_false(r.mix_known);
    assert_false(r.size.known);
    assert_false(r.size.headroom_known);
    assert_int_equal(r.size.level, LEVEL_OK);
    assert_int_equal(r.freshness, FRESH_NONE);
    for (int k = 0; k < LAT_COUNT; k++)
        assert_false(r.lat[k].known);
    for (int i = 0; i < READOUT_RATES; i++)
        assert_true(r.rate[i] == 0.0);
}

/* The thresholds, defined once: below 10 % of the limit left is bad, below 25 % is warn. */
static void test_headroom_levels(void **state)
{
    static const struct {
        uint64_t max, limit;
        enum readout_level level;
        double pct;
    } cases[] = {
        {100, 1000, LEVEL_OK, 90.0},   {750, 1000, LEVEL_OK, 25.0},
        {751, 1000, LEVEL_WARN, 24.9}, {870, 1000, LEVEL_WARN, 13.0},
        {900, 1000, LEVEL_WARN, 10.0}, {901, 1000, LEVEL_BAD, 9.9},
        {1000, 1000, LEVEL_BAD, 0.0},  {1500, 1000, LEVEL_BAD, -50.0},
    };
    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct readout r;
        metrics_init(&mt, WINDOW_MS);
        metrics_size(&mt, T0, 10, cases[i].limit, "[1]", 3);
        metrics_size(&mt, T0, cases[i].max, cases[i].limit, "[2]", 3);
        fill(&r, cases[i].limit, T0, 0);
        assert_true(r.size.known);
        assert_true(r.size.headroom_known);
        assert_int_equal(r.size.max, cases[i].max);
        if (r.size.level != cases[i].level)
            fail_msg("max %llu of %llu: level %s", (unsigned long long)cases[i].max,
                     (unsigned long long)cases[i].limit, readout_level_name(r.size.level));
        assert_true(r.size.headroom_pct > cases[i].pct - 0.05 &&
                    r.size.headroom_pct < cases[i].pct + 0.05);
    }
}

/* An unknown limit never divides by zero: the size is known, the headroom is not. */
static void test_zero_limit(void **state)
{
    struct readout r;

    (void)state;
    metrics_size(&mt, T0, 5000, 0, "[1]", 3);
    fill(&r, 0, T0, 0);
    assert_true(r.size.known);
    assert_int_equal(r.size.max, 5000);
    assert_false(r.size.headroom_known);
    assert_int_equal(r.size.level, LEVEL_OK);
}

static void test_mix_rates_and_cursor(void **state)
{
    struct readout r;

    (void)state;
    /* 10 inserts a second for 30 s, then 2 updates a second for 30 s */
    for (int s = 0; s < 60; s++)
        for (int i = 0; i < (s < 30 ? 10 : 2); i++)
            metrics_record(&mt, T0 + s * 1000 + i, T0 + s * 1000 + i,
                           s < 30 ? CDC_INSERT : CDC_UPDATE, false, false);
    metrics_record(&mt, T0 + 59000, T0 + 59000, CDC_INSERT, true,
                   false); /* a duplicate: not a change */
    fill(&r, 1024, T0 + 60000, 0);
    assert_int_equal(r.total_changes, 360);
    assert_int_equal(r.duplicates, 1);
    assert_int_equal(r.records, 361);
    assert_true(r.mix_known);
    assert_int_equal(r.mix_pct[CDC_INSERT], 83);
    assert_int_equal(r.mix_pct[CDC_UPDATE], 17);
    assert_true(r.rate[0] == 2.0);
    assert_true(r.rate[1] == 2.0);
    assert_true(r.rate[2] == 6.0);
    /* the cursor on second 20: the rates as they were when that second ended */
    fill(&r, 1024, T0 + 60000, T0 + 20000);
    assert_true(r.historical);
    assert_int_equal(r.at_ms, T0 + 21000);
    assert_true(r.rate[0] == 10.0);
    assert_true(r.rate[1] == 10.0);
}

/* Seconds before the timeline began or after its end are no data: rates are over the seconds
 * with data only, never diluted to look like a slowdown. */
static void test_rates_over_the_timeline_only(void **state)
{
    struct readout r;

    (void)state;
    for (int s = 0; s < 2; s++) /* two seconds of 50 changes each */
        for (int i = 0; i < 50; i++)
            metrics_record(&mt, T0 + 100000, T0 + s * 1000 + i, CDC_INSERT, false, false);
    readout_fill(&mt, NULL, 1024, WINDOW_MS, T0 + 100000, (struct readout_span){T0, T0 + 2000}, 0,
                 &r);
    assert_true(r.rate[0] == 50.0);
    assert_true(r.rate[1] == 50.0); /* over 2 s, not 10 */
    assert_true(r.rate[2] == 50.0);
    assert_true(r.rate_known[1]);
    /* the same counts read with no known start: over the whole 10 s */
    readout_fill(&mt, NULL, 1024, WINDOW_MS, T0 + 100000,
                 (struct readout_span){CDC_TIME_NONE, T0 + 2000}, 0, &r);
    assert_true(r.rate[1] == 10.0);
    /* an empty timeline: nothing known */
    readout_fill(&mt, NULL, 1024, WINDOW_MS, T0 + 100000, (struct readout_span){T0, T0}, 0, &r);
    assert_false(r.rate_known[0]);
}

static void test_latency_now_and_then(void **state)
{
    struct readout r;

    (void)state;
    for (int i = 0; i < 100; i++)
        metrics_latency(&mt, LAT_COMMIT_TO_EMIT, T0 + 5000, 40000); /* 40 ms */
    metrics_latency(&mt, LAT_COMMIT_TO_EMIT, T0 + 5000, -2000);     /* skewed clocks */
    metrics_tick(&mt, T0 + 10000);                                  /* history sample at 10 s */
    for (int i = 0; i < 100; i++)
        metrics_latency(&mt, LAT_COMMIT_TO_EMIT, T0 + 55000, 3000000); /* 3 s */
    fill(&r, 1024, T0 + 60000, 0);
    assert_true(r.lat[LAT_COMMIT_TO_EMIT].known);
    assert_int_equal(r.lat[LAT_COMMIT_TO_EMIT].count, 201);
    assert_int_equal(r.lat[LAT_COMMIT_TO_EMIT].negative, 1);
    assert_true(r.lat[LAT_COMMIT_TO_EMIT].p99 > 2500000);
    assert_false(r.lat[LAT_EMIT_TO_ARRIVAL].known);
    /* at the 10-second mark only the 40 ms samples had been seen */
    fill(&r, 1024, T0 + 60000, T0 + 9000);
    assert_true(r.lat[LAT_COMMIT_TO_EMIT].known);
    assert_int_equal(r.lat[LAT_COMMIT_TO_EMIT].count, 101);
    assert_true(r.lat[LAT_COMMIT_TO_EMIT].p99 < 50000);
}

static void test_freshness(void **state)
{
    struct readout r;
    struct readout_thresholds th;

    (void)state;
    readout_thresholds_default(&th);
    metrics_record(&mt, T0, T0, CDC_INSERT, false, false);
    readout_fill(&mt, &th, 1024, WINDOW_MS, T0 + th.idle_ms,
                 (struct readout_span){CDC_TIME_NONE, T0 + th.idle_ms}, 0, &r);
    assert_int_equal(r.freshness, FRESH_ACTIVE);
    assert_int_equal(r.idle_for_ms, th.idle_ms);
    readout_fill(&mt, &th, 1024, WINDOW_MS, T0 + th.idle_ms + 1,
                 (struct readout_span){CDC_TIME_NONE, T0 + th.idle_ms + 1}, 0, &r);
    assert_int_equal(r.freshness, FRESH_IDLE);
    assert_string_equal(readout_freshness_name(r.freshness), "idle");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_empty, setup),
        cmocka_unit_test_setup(test_headroom_levels, setup),
        cmocka_unit_test_setup(test_zero_limit, setup),
        cmocka_unit_test_setup(test_mix_rates_and_cursor, setup),
        cmocka_unit_test_setup(test_rates_over_the_timeline_only, setup),
        cmocka_unit_test_setup(test_latency_now_and_then, setup),
        cmocka_unit_test_setup(test_freshness, setup),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* Unit tests for fmt.c: the formatters every view and artefact shares, and the time parsers. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "change.h"
#include "fmt.h"

#define T_2026_11_23_031200 INT64_C(1795403520000) /* 2026-11-23T03:12:00Z in ms */

static void test_counts_and_rates(void **state)
{
    char a[FMT_LEN];

    (void)state;
    assert_string_equal(fmt_count(a, sizeof a, 0), "0");
    assert_string_equal(fmt_count(a, sizeof a, 99999), "99999");
    assert_string_equal(fmt_count(a, sizeof a, 123456), "123.5k");
    assert_string_equal(fmt_count(a, sizeof a, 12345678), "12.3M");
    assert_string_equal(fmt_count(a, sizeof a, UINT64_C(4200000000)), "4.2G");
    assert_string_equal(fmt_rate(a, sizeof a, -3), "0.0");
    assert_string_equal(fmt_rate(a, sizeof a, 0.0 / 0.0), "0.0"); /* NaN never prints */
    assert_string_equal(fmt_rate(a, sizeof a, 0.55), "0.6");
    assert_string_equal(fmt_rate(a, sizeof a, 99.94), "99.9");
    assert_string_equal(fmt_rate(a, sizeof a, 1234), "1234");
    assert_string_equal(fmt_rate(a, sizeof a, 12345), "12.3k");
    assert_string_equal(fmt_rate(a, sizeof a, 2.5e6), "2.5M");
}

static void test_sizes(void **state)
{
    char a[FMT_LEN];

    (void)state;
    assert_string_equal(fmt_bytes(a, sizeof a, 0), "0 B");
    assert_string_equal(fmt_bytes(a, sizeof a, 1023), "1023 B");
    /* one spelling for 2 KiB everywhere: the report once printed "2 KiB", the screen "2.0 KiB" */
    assert_string_equal(fmt_bytes(a, sizeof a, 2048), "2.0 KiB");
    assert_string_equal(fmt_bytes(a, sizeof a, 1536), "1.5 KiB");
    assert_string_equal(fmt_bytes(a, sizeof a, 1048576), "1.0 MiB");
    assert_string_equal(fmt_bytes(a, sizeof a, 10485760), "10.0 MiB");
    assert_string_equal(fmt_bytes(a, sizeof a, UINT64_C(3) << 30), "3.0 GiB");
    assert_string_equal(fmt_size(a, sizeof a, 512), "512B");
    assert_string_equal(fmt_size(a, sizeof a, 1536), "1.5K");
    assert_string_equal(fmt_size(a, sizeof a, 12 * 1024), "12K");
    assert_string_equal(fmt_size(a, sizeof a, 1048576), "1.0M");
    assert_string_equal(fmt_size(a, sizeof a, 20 * 1048576), "20M");
    assert_string_equal(fmt_pct(a, sizeof a, 12.34), "12.3%");
    assert_string_equal(fmt_pct(a, sizeof a, 99.96), "100%");
    assert_string_equal(fmt_pct(a, sizeof a, -3.25), "-3.2%");
}

static void test_durations(void **state)
{
    char a[FMT_LEN];

    (void)state;
    assert_string_equal(fmt_ms(a, sizeof a, 1234), "1.23");
    assert_string_equal(fmt_ms(a, sizeof a, -1250), "-1.25");
    assert_string_equal(fmt_ms(a, sizeof a, 45000), "45.0");
    assert_string_equal(fmt_ms(a, sizeof a, 3300000), "3300");
    assert_string_equal(fmt_duration(a, sizeof a, 850), "0.85ms");
    assert_string_equal(fmt_duration(a, sizeof a, 45000), "45ms");
    assert_string_equal(fmt_duration(a, sizeof a, 3300000), "3.3s");
    assert_string_equal(fmt_duration(a, sizeof a, 1000000), "1s");
    assert_string_equal(fmt_duration(a, sizeof a, 1040000), "1.04s");
    assert_string_equal(fmt_duration(a, sizeof a, 17840000), "17.8s");
    assert_string_equal(fmt_duration(a, sizeof a, -3300000), "-3.3s");
    assert_string_equal(fmt_duration(a, sizeof a, 125000000), "2m05s");
    assert_string_equal(fmt_age(a, sizeof a, -5), "0s");
    assert_string_equal(fmt_age(a, sizeof a, 59999), "59s");
    assert_string_equal(fmt_age(a, sizeof a, 245000), "4m05s");
    assert_string_equal(fmt_age(a, sizeof a, 11040000), "3h04m");
    assert_string_equal(fmt_age(a, sizeof a, 183600000), "2d03h");
}

static void test_times(void **state)
{
    char a[FMT_LEN];
    int64_t t = T_2026_11_23_031200 + 45 * 1000 + 7;

    (void)state;
    assert_string_equal(fmt_time_ms(a, sizeof a, t, FMT_CLOCK), "03:12:45");
    assert_string_equal(fmt_time_ms(a, sizeof a, t, FMT_CLOCK_MS), "03:12:45.007");
    assert_string_equal(fmt_time_ms(a, sizeof a, t, FMT_DATETIME), "2026-11-23 03:12:45");
    assert_string_equal(fmt_time_ms(a, sizeof a, t, FMT_DATETIME_MS), "2026-11-23 03:12:45.007");
    assert_string_equal(fmt_time_ms(a, sizeof a, t, FMT_ISO8601), "2026-11-23T03:12:45Z");
    assert_string_equal(fmt_time_ms(a, sizeof a, t, FMT_ISO8601_MS), "2026-11-23T03:12:45.007Z");
    assert_string_equal(fmt_time_ms(a, sizeof a, t, FMT_COMPACT), "20261123T031245Z");
    assert_string_equal(fmt_time_ms(a, sizeof a, CDC_TIME_NONE, FMT_CLOCK), "-");
    /* before the epoch the millisecond part still counts forward from the whole second */
    assert_string_equal(fmt_time_ms(a, sizeof a, -1, FMT_ISO8601_MS), "1969-12-31T23:59:59.999Z");
    assert_string_equal(fmt_time_ns(a, sizeof a, t * 1000000 + 999999, FMT_CLOCK_MS),
                        "03:12:45.007");
    assert_string_equal(fmt_time_ns(a, sizeof a, -1, FMT_CLOCK_MS), "23:59:59.999");
    assert_string_equal(fmt_time_ns(a, sizeof a, CDC_TIME_NONE, FMT_CLOCK_MS), "-");
}

static void test_parse_iso8601(void **state)
{
    int64_t ms;

    (void)state;
    assert_true(fmt_parse_iso8601("2026-11-23T03:12:00Z", &ms));
    assert_int_equal(ms, T_2026_11_23_031200);
    assert_true(fmt_parse_iso8601("2026-11-23t03:12:00.5z", &ms));
    assert_int_equal(ms, T_2026_11_23_031200 + 500);
    assert_true(fmt_parse_iso8601("2026-11-23 03:12:00.123456Z", &ms));
    assert_int_equal(ms, T_2026_11_23_031200 + 123);
    assert_true(fmt_parse_iso8601("2026-11-23T04:12:00+01:00", &ms));
    assert_int_equal(ms, T_2026_11_23_031200);
    assert_true(fmt_parse_iso8601("2026-11-22T22:42:00-0430", &ms));
    assert_int_equal(ms, T_2026_11_23_031200);
    assert_true(fmt_parse_iso8601("1969-12-31T23:59:59Z", &ms));
    assert_int_equal(ms, -1000);
    /* the forms credential expirations come in (STS, IMDS, container, credential_process) */
    assert_true(fmt_parse_iso8601("1970-01-01T00:00:00Z", &ms));
    assert_int_equal(ms, 0);
    assert_true(fmt_parse_iso8601("2019-11-09T13:34:41.250Z", &ms));
    assert_int_equal(ms, INT64_C(1573306481250));
    assert_true(fmt_parse_iso8601("2019-11-09T08:34:41-0500", &ms));
    assert_int_equal(ms, INT64_C(1573306481000));
    assert_true(fmt_parse_iso8601("2024-02-29T00:00:00Z", &ms));
    assert_int_equal(ms, INT64_C(1709164800000));
    /* round trip with the formatter */
    char a[FMT_LEN];
    assert_true(fmt_parse_iso8601(fmt_time_ms(a, sizeof a, 1733612345678, FMT_ISO8601_MS), &ms));
    assert_int_equal(ms, 1733612345678);

    static const char *const bad[] = {
        "",
        "2026-11-23",
        "2026-11-23T03:12:00",
        "2026-13-01T00:00:00Z",
        "2026-11-32T00:00:00Z",
        "2026-11-23T24:00:00Z",
        "2026-11-23T03:60:00Z",
        "2026-11-23T03:12:00.Z",
        "2026-11-23T03:12:00+25:00",
        "2026-11-23T03:12:00Zjunk",
        "2026-11-23X03:12:00Z",
        "20261123T031200Z",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        if (fmt_parse_iso8601(bad[i], &ms))
            fail_msg("accepted \"%s\"", bad[i]);
    assert_false(fmt_parse_iso8601(NULL, &ms));
}

static void test_parse_moment(void **state)
{
    int64_t now = T_2026_11_23_031200 + 30000, ms; /* 03:12:30 */

    (void)state;
    assert_true(fmt_parse_moment("-15m", now, &ms));
    assert_int_equal(ms, now - 15 * 60000);
    assert_true(fmt_parse_moment("-30s", now, &ms));
    assert_int_equal(ms, now - 30000);
    assert_true(fmt_parse_moment("-1.5h", now, &ms));
    assert_int_equal(ms, now - 5400000);
    assert_true(fmt_parse_moment("-1d", now, &ms));
    assert_int_equal(ms, now - 86400000);
    assert_true(fmt_parse_moment("1795403520", now, &ms));
    assert_int_equal(ms, T_2026_11_23_031200);
    assert_true(fmt_parse_moment("2026-11-23T03:12:00Z", now, &ms));
    assert_int_equal(ms, T_2026_11_23_031200);
    /* a clock time is today's, unless that is still to come: then yesterday's */
    assert_true(fmt_parse_moment("03:12", now, &ms));
    assert_int_equal(ms, T_2026_11_23_031200);
    assert_true(fmt_parse_moment("03:12:29", now, &ms));
    assert_int_equal(ms, T_2026_11_23_031200 + 29000);
    assert_true(fmt_parse_moment("22:04", now, &ms));
    assert_int_equal(ms, T_2026_11_23_031200 - (3 * 3600 + 12 * 60) * 1000 - 86400000 +
                             (22 * 3600 + 4 * 60) * 1000);

    static const char *const bad[] = {"",      "-",    "-5",      "-5x", "5m",     "+5m",  "24:00",
                                      "22:60", "2:04", "22:04:5", "abc", "-1e99d", "1e300"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        if (fmt_parse_moment(bad[i], now, &ms))
            fail_msg("accepted \"%s\"", bad[i]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_counts_and_rates), cmocka_unit_test(test_sizes),
        cmocka_unit_test(test_durations),        cmocka_unit_test(test_times),
        cmocka_unit_test(test_parse_iso8601),    cmocka_unit_test(test_parse_moment),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}

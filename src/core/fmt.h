/*
 * Every number, size, duration, age and time that cdctop shows is formatted here, once: the
 * screens, the text snapshot, the HTML report and headless output all call these, so the same
 * figure reads the same everywhere. Each formatter writes into out (at most len bytes, always
 * terminated) and returns out. Times are UTC.
 */
#ifndef CDCTOP_FMT_H
#define CDCTOP_FMT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FMT_LEN 48 /* enough for any single formatted value */

char *fmt_count(char *out, size_t len, uint64_t n);     /* 1234, 123.4k, 12.3M, 1.2G */
char *fmt_rate(char *out, size_t len, double per_s);    /* 0.5, 123.4, 1234, 12.3k */
char *fmt_bytes(char *out, size_t len, uint64_t bytes); /* 512 B, 1.5 KiB, 1.0 MiB */
char *fmt_size(char *out, size_t len, uint64_t bytes);  /* compact: 512B, 1.5K, 12K, 1.0M */
char *fmt_ms(char *out, size_t len, int64_t micros);    /* signed milliseconds: -1.25, 45.0, 1200 */
char *fmt_duration(char *out, size_t len,
                   int64_t micros); /* with a unit: 0.85ms, 45ms, 1s, 1.04s, 3.3s, 2m05s */
char *fmt_age(char *out, size_t len, int64_t ms); /* 12s, 4m05s, 3h04m, 2d03h */
char *fmt_pct(char *out, size_t len, double pct); /* 99.5%, 100% */

enum fmt_time_style {
    FMT_CLOCK,       /* 22:04:05 */
    FMT_CLOCK_MS,    /* 22:04:05.123 */
    FMT_DATETIME,    /* 2026-12-07 22:04:05 */
    FMT_DATETIME_MS, /* 2026-12-07 22:04:05.123 */
    FMT_ISO8601,     /* 2026-12-07T22:04:05Z */
    FMT_ISO8601_MS,  /* 2026-12-07T22:04:05.123Z (the JSON snapshot's form) */
    FMT_COMPACT      /* 20261207T220405Z (file names) */
};

/* A time in milliseconds (or nanoseconds) since the epoch; "-" for CDC_TIME_NONE. */
char *fmt_time_ms(char *out, size_t len, int64_t ms, enum fmt_time_style style);
char *fmt_time_ns(char *out, size_t len, int64_t ns, enum fmt_time_style style);

/* Parses an ISO-8601 / RFC 3339 time: "2026-11-23T03:12:00Z", with 'T', 't' or ' ' between date
 * and time, optional fractional seconds, and "Z", "+hh:mm", "-hh:mm" or "+hhmm". */
bool fmt_parse_iso8601(const char *s, int64_t *ms);

/* Parses a moment as operators write it: "-15m"/"-2h"/"-30s"/"-1d" before now, epoch seconds,
 * an ISO-8601 time, or a UTC clock time "22:04" / "22:04:05" (today, or yesterday when that
 * would be in the future). */
bool fmt_parse_moment(const char *s, int64_t now_ms, int64_t *ms);

#endif

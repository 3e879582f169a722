/* The formatters and time parsers every view and artefact shares (see fmt.h). */
#include "config.h"

#include "fmt.h"

#include <ctype.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "change.h"

char *fmt_count(char *out, size_t len, uint64_t n)
{
    if (n < 100000)
        snprintf(out, len, "%" PRIu64, n);
    else if (n < UINT64_C(1000000))
        snprintf(out, len, "%.1fk", (double)n / 1e3);
    else if (n < UINT64_C(1000000000))
        snprintf(out, len, "%.1fM", (double)n / 1e6);
    else
        snprintf(out, len, "%.1fG", (double)n / 1e9);
    return out;
}

char *fmt_rate(char *out, size_t len, double per_s)
{
    if (!(per_s > 0))
        per_s = 0;
    if (per_s < 100)
        snprintf(out, len, "%.1f", per_s);
    else if (per_s < 10000)
        snprintf(out, len, "%.0f", per_s);
    else if (per_s < 1e6)
        snprintf(out, len, "%.1fk", per_s / 1e3);
    else
        snprintf(out, len, "%.1fM", per_s / 1e6);
    return out;
}

char *fmt_bytes(char *out, size_t len, uint64_t bytes)
{
    double b = (double)bytes;
    if (bytes < 1024)
        snprintf(out, len, "%" PRIu64 " B", bytes);
    else if (b < 1024.0 * 1024)
        snprintf(out, len, "%.1f KiB", b / 1024);
    else if (b < 1024.0 * 1024 * 1024)
        snprintf(out, len, "%.1f MiB", b / (1024.0 * 1024));
    else
        snprintf(out, len, "%.1f GiB", b / (1024.0 * 1024 * 1024));
    return out;
}

char *fmt_size(char *out, size_t len, uint64_t bytes)
{
    double k = (double)bytes / 1024, m = k / 1024;
    if (bytes < 1024)
        snprintf(out, len, "%" PRIu64 "B", bytes);
    else if (k < 10)
        snprintf(out, len, "%.1fK", k);
    else if (k < 1024)
        snprintf(out, len, "%.0fK", k);
    else if (m < 10)
        snprintf(out, len, "%.1fM", m);
    else if (m < 1024)
        snprintf(out, len, "%.0fM", m);
    else
        snprintf(out, len, "%.1fG", m / 1024);
    return out;
}

char *fmt_ms(char *out, size_t len, int64_t micros)
{
    double ms = (double)micros / 1000.0;
    double mag = fabs(ms);
    if (mag < 10)
        snprintf(out, len, "%.2f", ms);
    else if (mag < 1000)
        snprintf(out, len, "%.1f", ms);
    else
        snprintf(out, len, "%.0f", ms);
    return out;
}

char *fmt_duration(char *out, size_t len, int64_t micros)
{
    const char *sign = micros < 0 ? "-" : "";
    double us = fabs((double)micros);
    if (us < 10000) { /* below 10 ms: two decimals keep sub-millisecond stages readable */
        snprintf(out, len, "%s%.2fms", sign, us / 1e3);
    } else if (us < 1e6) {
        snprintf(out, len, "%s%.0fms", sign, us / 1e3);
    } else if (us < 60e6) {
        /* whole seconds plain; else up to two decimals below 10 s, one above, zeros dropped */
        char num[32];
        snprintf(num, sizeof num, "%.*f", us < 10e6 ? 2 : 1, us / 1e6);
        char *end = num + strlen(num);
        while (end > num && end[-1] == '0')
            *--end = '\0';
        if (end > num && end[-1] == '.')
            *--end = '\0';
        snprintf(out, len, "%s%ss", sign, num);
    } else {
        char age[FMT_LEN];
        snprintf(out, len, "%s%s", sign, fmt_age(age, sizeof age, (int64_t)(us / 1e3)));
    }
    return out;
}

char *fmt_age(char *out, size_t len, int64_t ms)
{
    int64_t s = ms > 0 ? ms / 1000 : 0;
    if (s < 60)
        snprintf(out, len, "%" PRId64 "s", s);
    else if (s < 3600)
        snprintf(out, len, "%" PRId64 "m%02" PRId64 "s", s / 60, s % 60);
    else if (s < 86400)
        snprintf(out, len, "%" PRId64 "h%02" PRId64 "m", s / 3600, s % 3600 / 60);
    else
        snprintf(out, len, "%" PRId64 "d%02" PRId64 "h", s / 86400, s % 86400 / 3600);
    return out;
}

char *fmt_pct(char *out, size_t len, double pct)
{
    if (fabs(pct) < 99.95) /* what would round to 100.0 gets no decimal */
        snprintf(out, len, "%.1f%%", pct);
    else
        snprintf(out, len, "%.0f%%", pct);
    return out;
}

/* --- times --------------------------------------------------------------------------------- */

/* Splits a time into whole seconds (floor, so times before the epoch work) and milliseconds. */
static void fmt_split_ms(int64_t ms, time_t *secs, int *millis)
{
    int64_t s = ms / 1000, r = ms % 1000;
    if (r < 0) {
        s--;
        r += 1000;
    }
    *secs = (time_t)s;
    *millis = (int)r;
}

char *fmt_time_ms(char *out, size_t len, int64_t ms, enum fmt_time_style style)
{
    time_t secs;
    int millis;
    struct tm tm;

    if (ms == CDC_TIME_NONE) {
        snprintf(out, len, "-");
        return out;
    }
    fmt_split_ms(ms, &secs, &millis);
    if (!gmtime_r(&secs, &tm)) {
        snprintf(out, len, "?");
        return out;
    }
    int y = tm.tm_year + 1900, mo = tm.tm_mon + 1, d = tm.tm_mday;
    int h = tm.tm_hour, mi = tm.tm_min, s = tm.tm_sec;
    switch (style) {
    case FMT_CLOCK:
        snprintf(out, len, "%02d:%02d:%02d", h, mi, s);
        break;
    case FMT_CLOCK_MS:
        snprintf(out, len, "%02d:%02d:%02d.%03d", h, mi, s, millis);
        break;
    case FMT_DATETIME:
        snprintf(out, len, "%04d-%02d-%02d %02d:%02d:%02d", y, mo, d, h, mi, s);
        break;
    case FMT_DATETIME_MS:
        snprintf(out, len, "%04d-%02d-%02d %02d:%02d:%02d.%03d", y, mo, d, h, mi, s, millis);
        break;
    case FMT_ISO8601:
        snprintf(out, len, "%04d-%02d-%02dT%02d:%02d:%02dZ", y, mo, d, h, mi, s);
        break;
    case FMT_ISO8601_MS:
        snprintf(out, len, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", y, mo, d, h, mi, s, millis);
        break;
    case FMT_COMPACT:
        snprintf(out, len, "%04d%02d%02dT%02d%02d%02dZ", y, mo, d, h, mi, s);
        break;
    }
    return out;
}

char *fmt_time_ns(char *out, size_t len, int64_t ns, enum fmt_time_style style)
{
    if (ns == CDC_TIME_NONE)
        return fmt_time_ms(out, len, CDC_TIME_NONE, style);
    int64_t ms = ns / 1000000;
    if (ns % 1000000 < 0)
        ms--; /* floor */
    return fmt_time_ms(out, len, ms, style);
}

/* Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil,
 * http://howardhinnant.github.io/date_algorithms.html). */
static int64_t fmt_days_from_civil(int64_t y, int64_t m, int64_t d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

/* Exactly n decimal digits. */
static bool fmt_digits(const char *s, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return true;
}

/* "Z", "+hh:mm", "-hh:mm", "+hhmm" or "-hhmm" ending the string: minutes east of UTC. */
static bool fmt_zone(const char *p, int *offset_min)
{
    int hh, mm;
    if ((p[0] == 'Z' || p[0] == 'z') && p[1] == '\0') {
        *offset_min = 0;
        return true;
    }
    if ((p[0] != '+' && p[0] != '-') || !fmt_digits(p + 1, 2, &hh))
        return false;
    if (!(p[3] == ':' && fmt_digits(p + 4, 2, &mm) && p[6] == '\0') &&
        !(fmt_digits(p + 3, 2, &mm) && p[5] == '\0'))
        return false;
    if (hh > 23 || mm > 59)
        return false;
    *offset_min = (p[0] == '-' ? -1 : 1) * (hh * 60 + mm);
    return true;
}

bool fmt_parse_iso8601(const char *s, int64_t *ms)
{
    int y, mo, d, h, mi, sec, off;
    int64_t frac_ms = 0;

    if (!s || strnlen(s, 20) < 20)
        return false;
    if (!fmt_digits(s, 4, &y) || s[4] != '-' || !fmt_digits(s + 5, 2, &mo) || s[7] != '-' ||
        !fmt_digits(s + 8, 2, &d) || (s[10] != 'T' && s[10] != 't' && s[10] != ' ') ||
        !fmt_digits(s + 11, 2, &h) || s[13] != ':' || !fmt_digits(s + 14, 2, &mi) || s[16] != ':' ||
        !fmt_digits(s + 17, 2, &sec))
        return false;
    if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60)
        return false;
    const char *p = s + 19;
    if (*p == '.') {
        int scale = 100;
        if (!isdigit((unsigned char)*++p))
            return false;
        for (; isdigit((unsigned char)*p); p++) {
            frac_ms += (*p - '0') * scale;
            scale /= 10;
        }
    }
    if (!fmt_zone(p, &off))
        return false;
    *ms = ((fmt_days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec) - (int64_t)off * 60) *
              1000 +
          frac_ms;
    return true;
}

/* "-15m", "-2h", "-30s", "-1d", "-1.5h": an offset before now. */
static bool fmt_parse_ago(const char *s, int64_t now_ms, int64_t *ms)
{
    char *end;
    double unit;
    if (s[0] != '-' || !isdigit((unsigned char)s[1]))
        return false;
    double v = strtod(s + 1, &end);
    switch (*end) {
    case 's':
        unit = 1e3;
        break;
    case 'm':
        unit = 60e3;
        break;
    case 'h':
        unit = 3600e3;
        break;
    case 'd':
        unit = 86400e3;
        break;
    default:
        return false;
    }
    if (end[1] || !isfinite(v) || v * unit > 1e15)
        return false;
    *ms = now_ms - (int64_t)(v * unit);
    return true;
}

/* Seconds since the epoch, with an optional fraction. */
static bool fmt_parse_epoch(const char *s, int64_t *ms)
{
    char *end;
    if (!isdigit((unsigned char)s[0]))
        return false;
    double v = strtod(s, &end);
    if (*end || !isfinite(v) || v > 1e13)
        return false;
    *ms = (int64_t)(v * 1000);
    return true;
}

/* "22:04" or "22:04:05" (UTC): the latest such moment not after now. */
static bool fmt_parse_clock(const char *s, int64_t now_ms, int64_t *ms)
{
    int h, m, sec = 0;
    size_t n = strlen(s);
    if (n != 5 && n != 8)
        return false;
    if (!fmt_digits(s, 2, &h) || s[2] != ':' || !fmt_digits(s + 3, 2, &m))
        return false;
    if (n == 8 && (s[5] != ':' || !fmt_digits(s + 6, 2, &sec)))
        return false;
    if (h > 23 || m > 59 || sec > 59)
        return false;
    int64_t day = now_ms >= 0 ? now_ms / 86400000 : (now_ms - 86399999) / 86400000;
    int64_t at = day * 86400000 + ((int64_t)h * 3600 + m * 60 + sec) * 1000;
    if (at > now_ms)
        at -= 86400000;
    *ms = at;
    return true;
}

bool fmt_parse_moment(const char *s, int64_t now_ms, int64_t *ms)
{
    if (!s || !*s)
        return false;
    return fmt_parse_ago(s, now_ms, ms) || fmt_parse_clock(s, now_ms, ms) ||
           fmt_parse_epoch(s, ms) || fmt_parse_iso8601(s, ms);
}

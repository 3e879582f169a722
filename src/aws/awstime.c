/* ISO-8601 timestamps and the credential refresh schedule (see awstime.h). */
#include "config.h"

#include "awstime.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#define AWSTIME_MAX_LEAD_MS (5 * 60 * 1000)
#define AWSTIME_MIN_LEAD_MS (30 * 1000)

int64_t awstime_now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's civil algorithm). */
static int64_t awstime_days(int64_t y, int64_t m, int64_t d)
{
    int64_t era, yoe, doy, doe;

    y -= m <= 2;
    era = (y >= 0 ? y : y - 399) / 400;
    yoe = y - era * 400;
    doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static bool awstime_digits(const char *s, int n, int *out)
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

/* Parses the "Z" or "+hh:mm" suffix into an offset east of UTC, in minutes. */
static bool awstime_zone(const char *p, int *offset_min)
{
    int hh, mm;

    if ((p[0] == 'Z' || p[0] == 'z') && p[1] == '\0') {
        *offset_min = 0;
        return true;
    }
    if ((p[0] != '+' && p[0] != '-') || !awstime_digits(p + 1, 2, &hh))
        return false;
    if (p[3] == ':' && awstime_digits(p + 4, 2, &mm) && p[6] == '\0') {
    } else if (awstime_digits(p + 3, 2, &mm) && p[5] == '\0') {
    } else {
        return false;
    }
    if (hh > 23 || mm > 59)
        return false;
    *offset_min = (p[0] == '-' ? -1 : 1) * (hh * 60 + mm);
    return true;
}

bool awstime_parse(const char *s, int64_t *ms)
{
    int y, mo, d, h, mi, sec, frac_ms = 0, off;
    const char *p;

    if (!s || strlen(s) < 20)
        return false;
    if (!awstime_digits(s, 4, &y) || s[4] != '-' || !awstime_digits(s + 5, 2, &mo) || s[7] != '-' ||
        !awstime_digits(s + 8, 2, &d) || (s[10] != 'T' && s[10] != 't') ||
        !awstime_digits(s + 11, 2, &h) || s[13] != ':' || !awstime_digits(s + 14, 2, &mi) ||
        s[16] != ':' || !awstime_digits(s + 17, 2, &sec))
        return false;
    if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60)
        return false;
    p = s + 19;
    if (*p == '.') {
        int scale = 100;

        p++;
        if (*p < '0' || *p > '9')
            return false;
        for (; *p >= '0' && *p <= '9'; p++) {
            frac_ms += (*p - '0') * scale;
            scale /= 10;
        }
    }
    if (!awstime_zone(p, &off))
        return false;
    *ms = ((awstime_days(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec) - (int64_t)off * 60) * 1000 +
          frac_ms;
    return true;
}

int64_t awstime_refresh_lead_ms(int64_t lifetime_ms)
{
    int64_t lead = lifetime_ms / 10;

    if (lifetime_ms <= 0)
        return 0;
    if (lead > AWSTIME_MAX_LEAD_MS)
        lead = AWSTIME_MAX_LEAD_MS;
    if (lead < AWSTIME_MIN_LEAD_MS)
        lead = AWSTIME_MIN_LEAD_MS;
    /* Very short-lived credentials would otherwise be refreshed the moment they arrive. */
    if (lead > lifetime_ms / 2)
        lead = lifetime_ms / 2;
    return lead;
}

int64_t awstime_refresh_at_ms(int64_t obtained_ms, int64_t expires_ms)
{
    if (expires_ms == 0)
        return INT64_MAX;
    return expires_ms - awstime_refresh_lead_ms(expires_ms - obtained_ms);
}

/* The wall clock and the credential refresh schedule (see awstime.h). */
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

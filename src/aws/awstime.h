/* Wall-clock times of AWS credentials: now, and when to refresh (expirations are parsed by
 * fmt_parse_iso8601, the one ISO-8601 parser). */
#ifndef CDCTOP_AWSTIME_H
#define CDCTOP_AWSTIME_H

#include <stdbool.h>
#include <stdint.h>

/* Milliseconds since the epoch, from the real-time clock (credential expiry is wall time). */
int64_t awstime_now_ms(void);
/* How long before expiry to refresh credentials that live lifetime_ms: 10 % of the lifetime,
 * at most 5 minutes, at least 30 s, but never more than half the lifetime. */
int64_t awstime_refresh_lead_ms(int64_t lifetime_ms);
/* When credentials obtained at obtained_ms and expiring at expires_ms (0 = never) should be
 * refreshed; INT64_MAX for credentials that do not expire. */
int64_t awstime_refresh_at_ms(int64_t obtained_ms, int64_t expires_ms);

#endif

/* Wall-clock times of AWS credentials: ISO-8601 parsing and when to refresh. */
#ifndef CDCTOP_AWSTIME_H
#define CDCTOP_AWSTIME_H

#include <stdbool.h>
#include <stdint.h>

/* Milliseconds since the epoch, from the real-time clock (credential expiry is wall time). */
int64_t awstime_now_ms(void);
/* Parses "2019-11-09T13:34:41Z", with optional fractional seconds and a "+hh:mm"/"-hh:mm"
 * offset instead of Z (as credential_process helpers write). */
bool awstime_parse(const char *s, int64_t *ms);
/* How long before expiry to refresh credentials that live lifetime_ms: 10 % of the lifetime,
 * at most 5 minutes, at least 30 s, but never more than half the lifetime. */
int64_t awstime_refresh_lead_ms(int64_t lifetime_ms);
/* When credentials obtained at obtained_ms and expiring at expires_ms (0 = never) should be
 * refreshed; INT64_MAX for credentials that do not expire. */
int64_t awstime_refresh_at_ms(int64_t obtained_ms, int64_t expires_ms);

#endif

/* Per-second counters kept for SERIES_SECS seconds (over 15 minutes) for rates and sparklines. */
#ifndef CDCTOP_SERIES_H
#define CDCTOP_SERIES_H

#include <stdint.h>

#define SERIES_SECS 1024

struct series {
    uint32_t count[SERIES_SECS];
    int64_t last_sec; /* the newest second written; INT64_MIN when empty */
};

void series_init(struct series *s);
void series_add(struct series *s, int64_t now_ms, uint32_t n);
/* Count for one second (0 when outside the kept range). */
uint32_t series_at(const struct series *s, int64_t sec);
/* Sum over the `secs` complete seconds before the one holding now_ms. */
uint64_t series_sum(const struct series *s, int64_t now_ms, int secs);
/* Average per second over the `secs` complete seconds before now. */
double series_rate(const struct series *s, int64_t now_ms, int secs);

#endif

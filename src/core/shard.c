/* Names of the shard states, as shown in the UI and written to reports. */
#include "config.h"

#include "shard.h"

#include <stdio.h>
#include <string.h>

#define HASH_SUFFIX 17 /* "~" and 16 hex digits */

static const char *const shard_state_names[SHARD_STATE_COUNT] = {
    [SHARD_PENDING] = "pending", [SHARD_READING] = "reading", [SHARD_LATEST] = "latest",
    [SHARD_BACKOFF] = "backoff", [SHARD_CLOSED] = "closed",   [SHARD_ERROR] = "error",
    [SHARD_STALLED] = "stalled",
};

const char *shard_state_name(enum shard_state s)
{
    if ((unsigned)s >= SHARD_STATE_COUNT)
        return "?";
    return shard_state_names[s];
}

enum shard_state shard_state_shown(const struct shard *s, int64_t *since_ms)
{
    if (s->stalled) {
        *since_ms = s->stalled_since_ms;
        return SHARD_STALLED;
    }
    if (s->failing_since_ms && (s->state == SHARD_ERROR || s->state == SHARD_BACKOFF)) {
        *since_ms = s->failing_since_ms;
        return s->state;
    }
    *since_ms = s->state_since_ms;
    return s->state;
}

/* FNV-1a: the suffix must be the same in every run, so that a recording made of a replay, or
 * two replays, name the shard alike; nothing is indexed by it. */
static uint64_t shard_id_hash(const char *id, size_t n)
{
    uint64_t h = 0xcbf29ce484222325ull;
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)id[i]) * 0x100000001b3ull;
    return h;
}

void shard_id_fit(const char *id, char out[SHARD_ID_MAX + 1])
{
    size_t n = strlen(id);
    if (n <= SHARD_ID_MAX) {
        memcpy(out, id, n + 1);
        return;
    }
    size_t keep = SHARD_ID_MAX - HASH_SUFFIX;
    /* id[keep] is the first byte left out: never keep half of a UTF-8 sequence (at most three
     * continuation bytes follow a lead byte). */
    for (int back = 0; back < 3 && keep > 0 && ((unsigned char)id[keep] & 0xc0) == 0x80; back++)
        keep--;
    memcpy(out, id, keep);
    snprintf(out + keep, SHARD_ID_MAX + 1 - keep, "~%016llx",
             (unsigned long long)shard_id_hash(id, n));
}

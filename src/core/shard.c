/* Names of the shard states, as shown in the UI and written to reports. */
#include "config.h"

#include "shard.h"

static const char *const shard_state_names[SHARD_STATE_COUNT] = {
    [SHARD_PENDING] = "pending", [SHARD_READING] = "reading", [SHARD_LATEST] = "latest",
    [SHARD_BACKOFF] = "backoff", [SHARD_CLOSED] = "closed",   [SHARD_ERROR] = "error",
};

const char *shard_state_name(enum shard_state s)
{
    if ((unsigned)s >= SHARD_STATE_COUNT)
        return "?";
    return shard_state_names[s];
}

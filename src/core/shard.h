/* The shard model shared by every source: Kinesis shards, DynamoDB Streams shards, the demo's. */
#ifndef CDCTOP_SHARD_H
#define CDCTOP_SHARD_H

#include <stdint.h>

#include "change.h"
#include "series.h"

#define SHARD_ID_MAX 79

enum shard_state {
    SHARD_PENDING, /* known, not read yet (e.g. a child waiting for its parents) */
    SHARD_READING, /* reading, behind the tip */
    SHARD_LATEST,  /* reading, caught up (millis behind = 0) */
    SHARD_BACKOFF, /* waiting after a throttle or an error */
    SHARD_CLOSED,  /* closed and fully drained */
    SHARD_ERROR,   /* failing; retrying */
    SHARD_STATE_COUNT
};

struct shard {
    char id[SHARD_ID_MAX + 1];
    char parent[SHARD_ID_MAX + 1]; /* "" when none */
    char adjacent_parent[SHARD_ID_MAX + 1];
    enum shard_state state;
    uint64_t records;
    uint64_t bytes;
    uint64_t calls;
    uint64_t throttles;
    uint64_t errors;
    char last_seq[CDC_SEQ_MAX + 1];
    int64_t millis_behind;   /* -1 when unknown */
    int64_t last_arrival_ms; /* CDC_TIME_NONE before the first record */
    struct series rec_per_s;
    struct series bytes_per_s;
    struct series calls_per_s;
    char last_error[160]; /* "" when the last call succeeded */
    int64_t started_ms;   /* when reading began; 0 before */
    int64_t closed_ms;    /* when it was found closed and drained; 0 before */
};

const char *shard_state_name(enum shard_state s); /* "pending", "reading", ... */

#endif

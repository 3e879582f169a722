/* The shard model shared by every source: Kinesis shards, DynamoDB Streams shards, the demo's. */
#ifndef CDCTOP_SHARD_H
#define CDCTOP_SHARD_H

#include <stdbool.h>
#include <stdint.h>

#include "change.h"
#include "series.h"

/* The longest ShardId Kinesis allows (1-128 characters of [a-zA-Z0-9_.-], see
 * https://docs.aws.amazon.com/kinesis/latest/APIReference/API_Shard.html). A recording or another
 * source may carry longer ids: shard_id_fit() gives them a stored form that keeps them apart. */
#define SHARD_ID_MAX 128

enum shard_state {
    SHARD_PENDING, /* known, not read yet (e.g. a child waiting for its parents) */
    SHARD_READING, /* reading, behind the tip */
    SHARD_LATEST,  /* reading, caught up (millis behind = 0) */
    SHARD_BACKOFF, /* waiting after a throttle or an error */
    SHARD_CLOSED,  /* closed and fully drained */
    SHARD_ERROR,   /* failing; retrying */
    SHARD_STALLED, /* a call pending far longer than usual (shown; the reader's own state stays) */
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
    /* What the reader is doing, for stall and outage truth (model_shard_* keep these) */
    int64_t state_since_ms;   /* when state last changed */
    int64_t call_since_ms;    /* when the call in flight was sent; 0 when none */
    char call_op[32];         /* its operation, e.g. "GetRecords" */
    int64_t call_avg_ms;      /* how long its calls usually take (exponential average) */
    int64_t behind_at_ms;     /* when millis_behind was last known; 0 never */
    int64_t failing_since_ms; /* first failure of the current run of failures; 0 when fine */
    bool stalled;             /* a call pending far longer than usual (model_tick decides) */
    int64_t stalled_since_ms; /* when the stalled call was sent */
    unsigned index;           /* its place in the model's shard table */
    /* The "(other shards)" bucket: records of every shard id beyond the cap (model.h) */
    bool other;
    uint64_t folded;   /* bucket: distinct shard ids counted into it */
    bool folded_exact; /* false once too many to tell apart: `folded` is then a lower bound */
};

const char *shard_state_name(enum shard_state s); /* "pending", "reading", ... */
/* The state to show: "stalled" while a call hangs, else the reader's own; *since_ms is when it
 * began (for errors, the first failure of the run of them). */
enum shard_state shard_state_shown(const struct shard *s, int64_t *since_ms);

/* The form in which an id is stored and compared: the id itself when it fits SHARD_ID_MAX bytes;
 * otherwise its first bytes (cut between UTF-8 sequences), "~" and 16 hex digits of a hash of the
 * whole id, so distinct long ids stay distinct and one id always maps to the same shard. */
void shard_id_fit(const char *id, char out[SHARD_ID_MAX + 1]);

#endif

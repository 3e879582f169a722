/*
 * The embedded demo's generator: a synthetic Aurora DSQL database writing its changes to a
 * Kinesis stream, and the stream's dead-letter queue.
 *
 * Given a seed, a shard count, the stream's maximum record size and a base time (the wall-clock
 * time at simulated time 0), it yields the stream's records one by one in arrival order: the data
 * bytes exactly as DSQL writes them, the shard, partition key, sequence number and arrival time.
 * Everything runs on a simulated clock, so the same options give the same records (byte for
 * byte) and the same DLQ samples on every run; only the base shifts the times written.
 *
 * The records show what real pipelines do: multi-row transactions, at-least-once delivery,
 * reordering across shards, deletes with key-only `before` images, updates written as `c`,
 * unknown ops, clock skew, latency spikes, records near the size limit, a change split into
 * fragments (arriving out of order, one of them twice), hostile bytes in a value, and now and
 * then a record cut short.
 */
#ifndef CDCTOP_DEMO_GEN_H
#define CDCTOP_DEMO_GEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DEMO_GEN_NOMINAL_RATE    200 /* records per simulated second, roughly */
#define DEMO_GEN_DEFAULT_SHARDS  4
#define DEMO_GEN_MAX_SHARDS      1024
#define DEMO_GEN_SHARD_ID_LEN    20  /* "shardId-000000000000" */
#define DEMO_GEN_HOSTILE_NOTE_ID 301 /* public.notes row whose body holds terminal escapes */

struct demo_gen_opts {
    uint64_t seed;
    unsigned shards;            /* 0 means DEMO_GEN_DEFAULT_SHARDS; at most DEMO_GEN_MAX_SHARDS */
    uint64_t record_size_limit; /* the stream's maximum record size in bytes; 0: 1 MiB */
    int64_t base_ns;            /* wall-clock time (ns since the epoch) at simulated time 0 */
};

/* One record as the stream delivers it. The pointers stay valid until the next call to
 * demo_gen_next or demo_gen_free. */
struct demo_gen_record {
    const char *data;
    size_t len;
    unsigned shard;     /* 0 .. demo_gen_shards() - 1 */
    const char *pkey;   /* partition key */
    const char *seq;    /* sequence number: 56 decimal digits, increasing per shard */
    int64_t sim_ns;     /* simulated arrival time */
    int64_t arrival_ms; /* wall-clock arrival time: base + sim_ns */
    bool truncated;     /* cut short on purpose: not valid JSON */
    bool repeat;        /* the same bytes were delivered before (at-least-once delivery) */
};

/* The DLQ's figures at one moment. */
struct demo_gen_dlq {
    int64_t visible, in_flight, delayed;
};

struct demo_gen;

struct demo_gen *demo_gen_new(const struct demo_gen_opts *opts);
void demo_gen_free(struct demo_gen *g);

unsigned demo_gen_shards(const struct demo_gen *g);
/* Shard i's id, as Kinesis names shards; out holds DEMO_GEN_SHARD_ID_LEN + 1 bytes. */
void demo_gen_shard_id(unsigned i, char out[DEMO_GEN_SHARD_ID_LEN + 1]);

/* The simulated arrival time of the next record (generating as far as needed to know it). */
int64_t demo_gen_peek_ns(struct demo_gen *g);
/* The next record in arrival order; the stream never ends. */
void demo_gen_next(struct demo_gen *g, struct demo_gen_record *out);
/* How many records demo_gen_next has returned. */
uint64_t demo_gen_delivered(const struct demo_gen *g);

/* The DLQ as it is now: before the first step, its state when the demo starts. */
void demo_gen_dlq_now(const struct demo_gen *g, struct demo_gen_dlq *out);
/* The DLQ follows the simulated time of the records returned so far, one sample every five
 * simulated seconds: true with the next sample in *out while one is due, false once caught up. */
bool demo_gen_dlq_next(struct demo_gen *g, struct demo_gen_dlq *out);

/* The figures a Kinesis reader shows per shard, drawn from their own stream so that how often
 * they are asked for (a wall-clock matter) never changes the records. */
int64_t
demo_gen_tip_lag_ms(struct demo_gen *g); /* millis behind at the tip: 0 about half the time */
int64_t demo_gen_poll_gap_ms(struct demo_gen *g); /* time until a reader's next GetRecords call */

#endif

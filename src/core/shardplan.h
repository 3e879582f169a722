/*
 * Which shards of a stream to read, in what order, from where, and which records are new: the
 * logic of a stream reader that needs no network. The Kinesis source keeps the calls, timers and
 * iterators; this module keeps the lineage and the progress.
 *
 * Parents before children. A shard is read only once every parent it names is closed and
 * drained, so that an older change for a key is never read after a newer one merely because the
 * key's records moved to another shard on a reshard. A parent this plan does not know (past the
 * retention period) counts as closed once a complete listing has shown its child without it; a
 * child known only from a closing GetRecords (ChildShards) waits for an unknown parent, which may
 * be a shard created since the last listing.
 *
 * Exactly once. A record is new when its sequence number is above the last one accepted from its
 * shard; every path that re-reads (an iterator resumed AFTER_SEQUENCE_NUMBER, a retried call, a
 * reader restarted) then neither repeats nor skips a record. Sequence numbers are decimal
 * strings of up to 128 digits and compare as numbers, not as text.
 *
 * See "Resharding a stream" in the Amazon Kinesis Data Streams developer guide
 * (https://docs.aws.amazon.com/streams/latest/dev/kinesis-using-sdk-java-after-resharding.html).
 */
#ifndef CDCTOP_SHARDPLAN_H
#define CDCTOP_SHARDPLAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum shardplan_start { SP_START_LATEST, SP_START_TRIM_HORIZON, SP_START_AT_TIMESTAMP };

/* Where reading starts (--from). */
struct shardplan_from {
    enum shardplan_start kind;
    int64_t at_ms; /* SP_START_AT_TIMESTAMP */
};

/* "latest" (also empty or NULL), "trim-horizon", or a moment fmt_parse_moment() reads
 * ("-15m", epoch seconds, ISO-8601, "22:04"). */
bool shardplan_parse_from(const char *text, int64_t now_ms, struct shardplan_from *out);

enum shardplan_phase {
    SP_WAIT,   /* known; waiting for its parents */
    SP_ACTIVE, /* being read */
    SP_DONE    /* closed and drained, or closed before a LATEST start (nothing to read) */
};

/* What shardplan_next() asks of the reader. */
enum shardplan_step {
    SP_NOTHING,    /* no waiting shard may start now */
    SP_START,      /* start reading shard *i from *start */
    SP_SKIP_CLOSED /* shard *i was closed before a LATEST start: it is done, unread */
};

struct shardplan;

struct shardplan *shardplan_new(const struct shardplan_from *from);
void shardplan_free(struct shardplan *p);

/* Finds a shard by id, or adds it (waiting). initial: in the listing made when reading began.
 * *added (may be NULL) tells whether it is new. Ids are kept whole. */
unsigned shardplan_add(struct shardplan *p, const char *id, bool initial, bool *added);
/* The shard's index, or -1. */
long shardplan_find(const struct shardplan *p, const char *id);
unsigned shardplan_count(const struct shardplan *p);
const char *shardplan_id(const struct shardplan *p, unsigned i);

/* Parents as a listing or a closing GetRecords named them; kept from the first report. */
void shardplan_set_parents(struct shardplan *p, unsigned i, const char *parent,
                           const char *adjacent);
const char *shardplan_parent(const struct shardplan *p, unsigned i, int which); /* 0 or 1; "" */
/* A complete listing showed the shard (closed: with an EndingSequenceNumber; it may still hold
 * records). A parent such a listing did not show has expired. */
void shardplan_set_listed(struct shardplan *p, unsigned i, bool closed);
bool shardplan_listed_closed(const struct shardplan *p, unsigned i);

enum shardplan_phase shardplan_phase(const struct shardplan *p, unsigned i);
/* The start decided when the shard started (SP_START_*). */
enum shardplan_start shardplan_start_of(const struct shardplan *p, unsigned i);

/* The next waiting shard that may start, in the order shards were added. Call until it says
 * SP_NOTHING (a skipped shard may free its children). */
enum shardplan_step shardplan_next(struct shardplan *p, unsigned *i, enum shardplan_start *start);

/* The shard was read to its end (drained) or can no longer be read (not drained). */
void shardplan_closed(struct shardplan *p, unsigned i, bool drained);
bool shardplan_drained(const struct shardplan *p, unsigned i);

enum shardplan_seq {
    SP_SEQ_NEW,    /* above the last accepted: feed it (it is now the last accepted) */
    SP_SEQ_SEEN,   /* at or below the last accepted: read before, not fed again */
    SP_SEQ_INVALID /* not a decimal sequence number of at most SHARDPLAN_SEQ_MAX digits */
};

#define SHARDPLAN_ID_MAX  128 /* Kinesis: a ShardId is 1 to 128 characters */
#define SHARDPLAN_SEQ_MAX 129 /* Kinesis: "0|([1-9]\d{0,128})" */

/* Exactly once: whether a record with sequence number seq from shard i is new. */
enum shardplan_seq shardplan_accept(struct shardplan *p, unsigned i, const char *seq,
                                    size_t seq_len);
/* The last accepted sequence number of shard i ("" before the first): the resume point. */
const char *shardplan_last_seq(const struct shardplan *p, unsigned i);

/* Compares decimal sequence numbers as integers (leading zeros ignored): <0, 0, >0. */
int shardplan_seq_cmp(const char *a, size_t alen, const char *b, size_t blen);

#endif

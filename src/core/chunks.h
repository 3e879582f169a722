/*
 * Reassembly of split DSQL changes: a "chunked" head record plus "fragment" records that may
 * arrive in any order, on any shard, more than once. Bounded in bytes and in time.
 *
 * Everything a pending change holds counts against the byte cap: the head's copy, each
 * fragment's data, the bookkeeping around them and the index that finds them. When a new part
 * does not fit, the oldest pending changes are dropped to make room (counted by chunks_evicted),
 * never the part that just arrived; a change too big for the whole buffer is dropped itself.
 */
#ifndef CDCTOP_CHUNKS_H
#define CDCTOP_CHUNKS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hashidx.h"
#include "jscan.h"

#define CHUNK_ID_MAX 127

/*
 * The most fragments one image may be split into. A DSQL row is at most 2 MiB (Aurora DSQL
 * quotas, https://docs.aws.amazon.com/aurora-dsql/latest/userguide/CHAP_quotas.html) and its JSON
 * takes at most 6 bytes per byte (a \u00XX escape), so an image is at most about 12 MiB of text;
 * DSQL splits it into records of up to the stream's 10 MiB maximum, which makes 2 fragments (13 of
 * 1 MiB). 1024 leaves room for fragments as small as 12 KiB, and stops an index like 4000000000
 * from passing as plausible.
 */
#define CHUNK_MAX_FRAGMENTS 1024u

struct chunks;

/* One image (before or after) of a head record that lives in fragments. */
struct chunk_ref {
    char id[CHUNK_ID_MAX + 1];
    unsigned total;
    uint32_t crc;
};

enum chunks_result {
    CHUNKS_STORED,    /* kept; the change is not complete yet */
    CHUNKS_COMPLETE,  /* every part is here: chunks_take() gives the change */
    CHUNKS_DUPLICATE, /* a head seen before: its change is pending or was completed */
    CHUNKS_REPEAT,    /* a fragment seen before, or a part of a change that failed */
    CHUNKS_FULL,      /* its change alone is larger than the byte cap: dropped, with the change */
    CHUNKS_INVALID    /* inconsistent with what is buffered (e.g. index out of range) */
};

/* A completed change: the head record's bytes and the reassembled images. */
struct chunks_done {
    char *head;
    size_t head_len;
    char *image[2]; /* [0] before, [1] after; NULL when not chunked */
    size_t image_len[2];
    bool crc_ok[2];
    size_t record_bytes; /* the largest Kinesis record among head and fragments */
};

/* max_bytes 0: no cap. key: hashes chunk ids (see hashidx.h). */
struct chunks *chunks_new(size_t max_bytes, const struct hashidx_key *key);
void chunks_free(struct chunks *c);

/* A head record referencing up to two fragmented images (ref NULL when that image is inline). */
enum chunks_result chunks_add_head(struct chunks *c, const char *head, size_t len,
                                   const struct chunk_ref *before, const struct chunk_ref *after,
                                   size_t record_bytes, int64_t now_ms, const char **completed_id);
enum chunks_result chunks_add_fragment(struct chunks *c, const char *id, unsigned index,
                                       const char *data, size_t len, size_t record_bytes,
                                       int64_t now_ms, const char **completed_id);
/* Removes a completed change and hands it over; free with chunks_done_free. Its images' ids are
 * remembered (the last 1024 ids), so redelivered parts are recognised as such. */
bool chunks_take(struct chunks *c, const char *id, struct chunks_done *out);
/* Notes that a change taken under id did not decode: its redelivered head is not a duplicate
 * of a change, only a repeat. */
void chunks_mark_failed(struct chunks *c, const char *id);
void chunks_done_free(struct chunks_done *d);
/* Drops incomplete changes first seen before deadline_ms; returns how many. */
unsigned chunks_expire(struct chunks *c, int64_t deadline_ms);
unsigned chunks_pending(const struct chunks *c);
/* Bytes held for pending changes, everything included (what the cap bounds). */
size_t chunks_bytes(const struct chunks *c);
/* Pending changes dropped so far to make room for newer parts. */
uint64_t chunks_evicted(const struct chunks *c);

#endif

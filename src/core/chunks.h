/*
 * Reassembly of split DSQL changes: a "chunked" head record plus "fragment" records that may
 * arrive in any order, on any shard, more than once. Bounded in bytes and in time.
 */
#ifndef CDCTOP_CHUNKS_H
#define CDCTOP_CHUNKS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "jscan.h"

#define CHUNK_ID_MAX 127

struct chunks;

/* One image (before or after) of a head record that lives in fragments. */
struct chunk_ref {
    char id[CHUNK_ID_MAX + 1];
    unsigned total;
    uint32_t crc;
};

enum chunks_result {
    CHUNKS_STORED,   /* kept; the change is not complete yet */
    CHUNKS_COMPLETE, /* every part is here: chunks_take() gives the change */
    CHUNKS_REPEAT,   /* a part seen before, or of a change already completed */
    CHUNKS_FULL,     /* over the byte cap: dropped */
    CHUNKS_INVALID   /* inconsistent with what is buffered (e.g. index out of range) */
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

struct chunks *chunks_new(size_t max_bytes);
void chunks_free(struct chunks *c);

/* A head record referencing up to two fragmented images (ref NULL when that image is inline). */
enum chunks_result chunks_add_head(struct chunks *c, const char *head, size_t len,
                                   const struct chunk_ref *before, const struct chunk_ref *after,
                                   size_t record_bytes, int64_t now_ms, const char **completed_id);
enum chunks_result chunks_add_fragment(struct chunks *c, const char *id, unsigned index,
                                       const char *data, size_t len, size_t record_bytes,
                                       int64_t now_ms, const char **completed_id);
/* Removes a completed change and hands it over; free with chunks_done_free. */
bool chunks_take(struct chunks *c, const char *id, struct chunks_done *out);
void chunks_done_free(struct chunks_done *d);
/* Drops incomplete changes first seen before deadline_ms; returns how many. */
unsigned chunks_expire(struct chunks *c, int64_t deadline_ms);
unsigned chunks_pending(const struct chunks *c);
size_t chunks_bytes(const struct chunks *c);

#endif

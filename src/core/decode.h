/*
 * Record decoding: detects the shape of each record and turns it into a struct cdc_change.
 * Split DSQL changes (type "chunked" plus "fragment" records) are reassembled here, in any
 * order and across shards, in a bounded buffer with a timeout.
 *
 * Nothing here is fatal: a record that cannot be decoded is counted under a reason, and the
 * most recent example of each reason is kept for display.
 */
#ifndef CDCTOP_DECODE_H
#define CDCTOP_DECODE_H

#include <stdbool.h>
#include <stdint.h>

#include "change.h"
#include "hashidx.h"

enum decode_reason {
    DERR_EMPTY,             /* zero-length record */
    DERR_NOT_JSON,          /* not valid JSON (or not UTF-8) */
    DERR_NOT_OBJECT,        /* valid JSON but not an object */
    DERR_UNKNOWN_FORMAT,    /* an object of no shape we know */
    DERR_BAD_TYPE,          /* DSQL "type" not full/chunked/fragment */
    DERR_BAD_SOURCE,        /* "source" missing or not an object */
    DERR_BAD_NAME,          /* schema/table missing, not a string or too long */
    DERR_BAD_TIMESTAMP,     /* ts_ns/ts_ms present but not an int64 */
    DERR_BAD_IMAGE,         /* before/after neither object nor null, or no image for the op */
    DERR_BAD_FRAGMENT,      /* fragment or chunk descriptor malformed */
    DERR_CRC_MISMATCH,      /* reassembled text fails its CRC32C */
    DERR_REASSEMBLED_JSON,  /* reassembled text is not a JSON object */
    DERR_FRAGMENT_TIMEOUT,  /* a split change did not complete in time */
    DERR_FRAGMENT_OVERFLOW, /* a split change larger than the whole reassembly buffer */
    DERR_FRAGMENT_EVICTED,  /* a pending split change dropped to make room for newer parts */
    DERR_COUNT
};

enum decode_status {
    DECODE_CHANGE,    /* *out holds a change */
    DECODE_PENDING,   /* part of a split change was buffered; nothing to apply yet */
    DECODE_DUPLICATE, /* a redelivered head of a split change, pending or completed: *out holds
                         its envelope (names, op, times) without images; a duplicate change */
    DECODE_REPEAT,    /* a redelivered fragment (or a part of a split change that failed) */
    DECODE_ERROR      /* counted under a reason */
};

#define DECODE_SAMPLE_MAX 160

/* The latest record that failed for one reason. */
struct decode_sample {
    int64_t at_ms;
    unsigned shard;
    char seq[CDC_SEQ_MAX + 1];
    char detail[96];               /* e.g. "unterminated string at byte 37" */
    char bytes[DECODE_SAMPLE_MAX]; /* first bytes of the record, raw (escape on display!) */
    size_t bytes_len;
};

struct decode_stats {
    uint64_t errors[DERR_COUNT];
    struct decode_sample sample[DERR_COUNT];
    uint64_t fragments_buffered; /* fragment records accepted */
    uint64_t fragment_repeats;   /* redelivered fragments ignored (a redelivered head is a
                                    duplicate, unless its change failed to decode) */
    uint64_t chunks_completed;
    unsigned chunks_pending; /* split changes waiting for parts now */
    size_t pending_bytes;    /* everything they hold (what --fragment-buffer bounds) */
};

struct decoder_limits {
    size_t max_pending_bytes;    /* reassembly buffer cap (default 64 MiB) */
    int64_t fragment_timeout_ms; /* a split change must complete within this (default 120 s) */
    bool no_sample_bytes;        /* keep only reasons and details, never record bytes (redaction) */
    struct hashidx_key hash_key; /* for the index of pending chunk ids (hashidx.h) */
};

struct decoder;

struct decoder *decoder_new(const struct decoder_limits *limits);
void decoder_free(struct decoder *d);

/* Decodes one record. With DECODE_CHANGE, the spans in *out stay valid until the next call. */
enum decode_status decoder_feed(struct decoder *d, const struct cdc_raw *raw, int64_t now_ms,
                                struct cdc_change *out);
/* Expires split changes older than the timeout (counted as DERR_FRAGMENT_TIMEOUT). */
void decoder_tick(struct decoder *d, int64_t now_ms);
const struct decode_stats *decoder_stats(const struct decoder *d);

const char *decode_reason_name(enum decode_reason r); /* short id, e.g. "not_json" */
const char *decode_reason_text(enum decode_reason r); /* one line for operators */

#endif

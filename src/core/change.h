/* What a source hands to the core (a raw record with its shard metadata) and what a decoder
 * makes of it (a typed row change). */
#ifndef CDCTOP_CHANGE_H
#define CDCTOP_CHANGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "jscan.h"

#define CDC_NAME_MAX  127 /* schema and table names; PostgreSQL allows 63 bytes */
#define CDC_TXID_MAX  63
#define CDC_SEQ_MAX   129 /* Kinesis sequence numbers are up to 129 decimal digits */
#define CDC_TIME_NONE INT64_MIN

/* One record as read from a shard, before decoding. Pointers are borrowed for the call. */
struct cdc_raw {
    const char *data; /* the record's data bytes (after base64 decoding) */
    size_t len;
    unsigned shard;  /* index into the model's shard table */
    const char *seq; /* sequence number, decimal text (may be NULL) */
    size_t seq_len;
    const char *pkey; /* partition key (may be NULL) */
    size_t pkey_len;
    int64_t arrival_ms; /* ApproximateArrivalTimestamp, or CDC_TIME_NONE */
};

/* The record shapes the decoders recognise. */
enum cdc_format { CDC_FMT_DSQL, CDC_FMT_COUNT };

/* The op as written in the record. Anything unrecognised is an upsert of `after`. */
enum cdc_op { CDC_OP_CREATE, CDC_OP_UPDATE, CDC_OP_DELETE, CDC_OP_OTHER };

/* How a change is counted once the row store has placed it. */
enum cdc_kind { CDC_INSERT, CDC_UPDATE, CDC_DELETE, CDC_UPSERT, CDC_KIND_COUNT };

struct cdc_change {
    enum cdc_format format;
    enum cdc_op op;
    char op_text[16]; /* the op as written, truncated (escape on display) */
    char schema[CDC_NAME_MAX + 1];
    char table[CDC_NAME_MAX + 1];
    char txid[CDC_TXID_MAX + 1];
    int64_t commit_ns;   /* source.ts_ns (or ts_ms * 1e6); CDC_TIME_NONE if absent */
    int64_t emit_ns;     /* root ts_ns (or ts_ms * 1e6); CDC_TIME_NONE if absent */
    struct jspan before; /* raw image text; p == NULL when null or absent */
    struct jspan after;
    size_t record_bytes; /* data + partition key bytes (largest part if split) */
    bool reassembled;    /* built from a chunked record and its fragments */
};

const char *cdc_kind_name(enum cdc_kind k); /* "insert", "update", "delete", "upsert" */
const char *cdc_format_name(enum cdc_format f);

#endif

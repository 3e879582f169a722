/*
 * The reconstructed rows: per table and key, the current row by last write wins on the commit
 * time (ties broken by txId), idempotent under redelivery and reordering. Deletes leave
 * tombstones with their commit time, so a late older upsert cannot resurrect a row.
 *
 * The result for each key equals
 *   SELECT ... WHERE rn = 1 AND op <> 'd' FROM (ROW_NUMBER() OVER
 *     (PARTITION BY key ORDER BY commit_ts DESC, txid DESC) AS rn)
 * over all distinct changes seen, whatever their arrival order.
 *
 * Version history is kept in one bounded log shared by all keys (rowstore_limits.history), each
 * entry chained to the previous version of its key; a key shows its last `versions` entries
 * while they are still in the log. Memory is capped: past max_bytes the least recently changed
 * keys are evicted (counted).
 */
#ifndef CDCTOP_ROWSTORE_H
#define CDCTOP_ROWSTORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "change.h"
#include "jscan.h"
#include "pk.h"

struct rowstore_limits {
    size_t
        max_bytes; /* cap on rows, keys, index and what is reserved (default 256 MiB); 0 = no cap */
    unsigned versions; /* versions shown per key (default 8) */
    unsigned history;  /* entries in the shared version log (default 65536) */
};

enum rs_outcome { RS_APPLIED, RS_DUPLICATE, RS_STALE };

struct rs_change {
    struct jspan key; /* canonical key text (pk_key) */
    enum cdc_op op;
    int64_t commit_ns;
    const char *txid;
    struct jspan image; /* `after` for create/update/other; ignored for delete */
    unsigned shard;
    const char *seq;
    size_t seq_len;
    int64_t arrival_ms;
};

struct rs_result {
    enum rs_outcome outcome;
    enum cdc_kind kind; /* how the change counts (meaningless for RS_DUPLICATE) */
};

struct rs_version {
    int64_t commit_ns;
    int64_t arrival_ms;
    int64_t seen_ms; /* when cdctop processed it */
    enum cdc_op op;
    enum rs_outcome mark;
    unsigned shard;
    char txid[CDC_TXID_MAX + 1];
    char seq[CDC_SEQ_MAX + 1];
};

struct rowstore_stats {
    uint64_t keys; /* tracked keys, live + tombstones */
    uint64_t live;
    uint64_t tombstones;
    uint64_t evicted; /* keys dropped by the memory cap */
    size_t bytes;     /* memory held for keys, rows and index */
    size_t row_bytes; /* of which the rows' own image bytes */
};

struct rowstore;
struct rs_table;
struct rs_row;

struct rowstore *rowstore_new(const struct rowstore_limits *limits);
void rowstore_free(struct rowstore *rs);
struct rs_table *rowstore_table_new(struct rowstore *rs);
/* What an empty table costs in stats.bytes. */
size_t rowstore_table_cost(void);
/* Memory held outside the row store that its cap covers too (the model's tables and shards):
 * from now on rows are evicted, least recently changed first, to keep stats.bytes plus this under
 * max_bytes (at least the most recently changed row stays). */
void rowstore_reserve(struct rowstore *rs, size_t bytes);
const struct rowstore_stats *rowstore_stats(const struct rowstore *rs);
const struct rowstore_limits *rowstore_limits(const struct rowstore *rs);

struct rs_result rowstore_apply(struct rowstore *rs, struct rs_table *t, const struct rs_change *c,
                                int64_t now_ms);
/* Rebuilds a table's index under a new key definition; rows whose new keys collide are merged
 * by last write wins. Rows whose image lacks a key column keep their old key. */
void rowstore_rekey(struct rowstore *rs, struct rs_table *t, const struct pk_def *def);

/* Rows of a table, most recently changed first. */
const struct rs_row *rs_table_newest(const struct rs_table *t);
const struct rs_row *rs_row_older(const struct rs_row *r);
const struct rs_row *rs_table_find(const struct rs_table *t, struct jspan key);
uint64_t rs_table_live(const struct rs_table *t);
uint64_t rs_table_tombstones(const struct rs_table *t);

struct jspan rs_row_key(const struct rs_row *r);
struct jspan rs_row_image(const struct rs_row *r); /* p == NULL for a tombstone */
bool rs_row_live(const struct rs_row *r);
int64_t rs_row_commit_ns(const struct rs_row *r);
const char *rs_row_txid(const struct rs_row *r);
int64_t rs_row_changed_ms(const struct rs_row *r);
/* Distinct changes seen for the key (applied and stale; redeliveries not counted). */
uint64_t rs_row_changes(const struct rs_row *r);
/* Newest first; returns how many were written (at most max and the configured `versions`). */
unsigned rs_row_versions(const struct rowstore *rs, const struct rs_row *r, struct rs_version *out,
                         unsigned max);

#endif

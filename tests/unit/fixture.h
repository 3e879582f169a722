/*
 * What the unit tests and the benchmark share: DSQL CDC records built from their parts, split
 * changes, raw records as a source hands them over, spans of C strings, the allocator's own
 * count, and checks that fail at the caller's line.
 *
 * The record format is the one on
 * https://docs.aws.amazon.com/aurora-dsql/latest/userguide/cdc-record-format.html
 *
 * fixture.c needs nothing but libcdccore.a, so the benchmark links it without cmocka; the
 * FX_ASSERT_* checks at the end expand to cmocka calls, so a test includes <cmocka.h> first.
 */
#ifndef CDCTOP_TEST_FIXTURE_H
#define CDCTOP_TEST_FIXTURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "change.h"
#include "decode.h"
#include "jscan.h"
#include "model.h"
#include "rowstore.h"

/* The cluster, commit time and txId of the documented example INSERT. */
#define FX_CLUSTER   "kmabugltfmjdaj2siqr2qbxgju"
#define FX_COMMIT_NS INT64_C(1705318200000000000)
#define FX_TXID      "ffthunp5stx6ffs2vyfqoatmfu"
/* A Kinesis sequence number: decimal text, longer than any integer type holds. */
#define FX_SEQ "49590338271490256608559692538361571095921575989136588898"

/* One row change as a DSQL record states it. */
struct fx_change {
    const char *op;     /* "c", "u", "d", or any other op text */
    const char *before; /* the image as JSON text; NULL writes null */
    const char *after;
    int64_t commit_ns; /* source.ts_ns; source.ts_ms is derived */
    int64_t emit_ns;   /* the root ts_ns, when the pipeline emitted it; ts_ms is derived */
    const char *txid;
    const char *schema;
    const char *table;
};

/* Writes the change into b (emptied first) as one "full" record, in the documented field order,
 * with db "postgres" and cluster FX_CLUSTER. */
void fx_record(struct buf *b, const struct fx_change *c);

/* A "fragment" record carrying n bytes of data for chunk_id at index. The caller frees it. */
char *fx_fragment(const char *chunk_id, unsigned index, const char *data, size_t n);

/* CRC-32C of a C string: what a split change's head announces for its image. */
uint32_t fx_crc(const char *s);

#define FX_SPLIT_MAX 8

/* A change split as DSQL splits one: a "chunked" head naming its after image, then the
 * fragments that carry it, in index order. */
struct fx_split {
    char *part[FX_SPLIT_MAX]; /* [0] the head, [1 + i] fragment i */
    size_t nparts;
    size_t cut[FX_SPLIT_MAX]; /* fragment i carries after[cut[i] .. cut[i + 1]) */
    const char *after;
};

/* Splits c's after image into nfragments (at most FX_SPLIT_MAX - 1) at the offsets cut[0] = 0 <
 * ... < cut[nfragments] = strlen(c->after). With crc_ok false the head announces a CRC-32C one
 * off the image's. */
void fx_split(struct fx_split *s, const struct fx_change *c, const char *chunk_id,
              const size_t *cut, unsigned nfragments, bool crc_ok);
void fx_split_free(struct fx_split *s);

/* 26 characters of the base32 alphabet drawn by splitmix64 from *state: a txId as DSQL writes
 * them. */
void fx_txid(uint64_t *state, char out[27]);

/* A record as a source hands it to the core, without shard metadata: shard 0, no sequence
 * number, no partition key, no arrival time. */
struct cdc_raw fx_raw(const char *data, size_t len);
/* Hands the text to the model as such a record. */
void fx_ingest(struct model *m, const char *text, int64_t now_ms);
/* Hands the change to the model as such a record, written by fx_record. */
void fx_ingest_change(struct model *m, const struct fx_change *c, int64_t now_ms);

/* Records the decoder could not decode, over all reasons. */
uint64_t fx_decode_errors(const struct decoder *d);

/* The span of a C string, as it is. */
struct jspan fx_span(const char *s);
/* The JSON value in a C string the test wrote; stops the test program if it is not JSON. */
struct jspan fx_json(const char *s);

/* The row of key (its key text), or NULL. */
const struct rs_row *fx_row(const struct rs_table *t, const char *key);

/* Bytes the allocator holds (heap chunks and mapped blocks), or SIZE_MAX where it cannot say:
 * glibc's mallinfo2(), or AddressSanitizer's count under ASan, which replaces the allocator. */
size_t fx_heap_in_use(void);

/* What the checks below compare: NULL when they agree, else what differs (a static buffer). */
const char *fx_span_mismatch(struct jspan v, const char *want);
/* image NULL: a tombstone is wanted. */
const char *fx_row_mismatch(const struct rs_table *t, const char *key, const char *image);

/* Fails the test at the caller's line with the text, when there is one. */
#define FX_FAIL_IF(mismatch)                                                                       \
    do {                                                                                           \
        const char *fx_mismatch_ = (mismatch);                                                     \
        if (fx_mismatch_)                                                                          \
            fail_msg("%s", fx_mismatch_);                                                          \
    } while (0)

/* The span holds exactly the text want. */
#define FX_ASSERT_SPAN(v, want) FX_FAIL_IF(fx_span_mismatch((v), (want)))
/* The row of key is live with exactly image, or (image NULL) a tombstone without one. */
#define FX_ASSERT_ROW(t, key, image) FX_FAIL_IF(fx_row_mismatch((t), (key), (image)))

#endif

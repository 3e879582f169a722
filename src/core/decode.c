/*
 * Record decoding. Today every record is tried as an Aurora DSQL CDC record (the record format:
 * https://docs.aws.amazon.com/aurora-dsql/latest/userguide/cdc-record-format.html); the shape
 * detection in looks_dsql() is where Debezium, DMS and DynamoDB shapes slot in.
 */
#include "decode.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chunks.h"
#include "xalloc.h"

#define DEFAULT_PENDING_BYTES       (64u * 1024u * 1024u)
#define DEFAULT_FRAGMENT_TIMEOUT_MS 120000

struct decoder {
    struct decoder_limits limits;
    struct decode_stats stats;
    struct chunks *chunks;
    struct chunks_done done; /* the last reassembled change, alive until the next feed */
    uint64_t evictions_seen; /* chunks_evicted() already counted */
};

static const struct {
    const char *name;
    const char *text;
} reasons[DERR_COUNT] = {
    [DERR_EMPTY] = {"empty", "empty record"},
    [DERR_NOT_JSON] = {"not_json", "not valid JSON or not UTF-8"},
    [DERR_NOT_OBJECT] = {"not_object", "JSON but not an object"},
    [DERR_UNKNOWN_FORMAT] = {"unknown_format", "object of an unknown shape"},
    [DERR_BAD_TYPE] = {"bad_type", "unknown DSQL record type"},
    [DERR_BAD_SOURCE] = {"bad_source", "source block missing or malformed"},
    [DERR_BAD_NAME] = {"bad_name", "schema or table missing, not text, or too long"},
    [DERR_BAD_TIMESTAMP] = {"bad_timestamp", "timestamp missing or not an int64"},
    [DERR_BAD_IMAGE] = {"bad_image", "before/after image malformed for the op"},
    [DERR_BAD_FRAGMENT] = {"bad_fragment", "fragment or chunk descriptor malformed"},
    [DERR_CRC_MISMATCH] = {"crc_mismatch", "reassembled change fails its CRC32C"},
    [DERR_REASSEMBLED_JSON] = {"reassembled_json", "reassembled image is not a JSON object"},
    [DERR_FRAGMENT_TIMEOUT] = {"fragment_timeout", "split change incomplete before timeout"},
    [DERR_FRAGMENT_OVERFLOW] = {"fragment_overflow",
                                "split change larger than the reassembly buffer"},
    [DERR_FRAGMENT_EVICTED] =
        {"fragment_evicted",
         "split change dropped, oldest first, for room in the reassembly buffer"},
};

const char *decode_reason_name(enum decode_reason r)
{
    return (unsigned)r < DERR_COUNT ? reasons[r].name : "unknown";
}

const char *decode_reason_text(enum decode_reason r)
{
    return (unsigned)r < DERR_COUNT ? reasons[r].text : "unknown";
}

struct decoder *decoder_new(const struct decoder_limits *limits)
{
    struct decoder *d = xcalloc(1, sizeof *d);
    if (limits)
        d->limits = *limits;
    if (!d->limits.max_pending_bytes)
        d->limits.max_pending_bytes = DEFAULT_PENDING_BYTES;
    if (d->limits.fragment_timeout_ms <= 0)
        d->limits.fragment_timeout_ms = DEFAULT_FRAGMENT_TIMEOUT_MS;
    d->chunks = chunks_new(d->limits.max_pending_bytes, &d->limits.hash_key);
    return d;
}

void decoder_free(struct decoder *d)
{
    if (!d)
        return;
    chunks_done_free(&d->done);
    chunks_free(d->chunks);
    free(d);
}

const struct decode_stats *decoder_stats(const struct decoder *d)
{
    return &d->stats;
}

/* Counts the split changes the buffer dropped for room since the last call, as one sample. */
static void count_evictions(struct decoder *d, int64_t now_ms)
{
    uint64_t n = chunks_evicted(d->chunks) - d->evictions_seen;
    if (!n)
        return;
    d->evictions_seen += n;
    d->stats.errors[DERR_FRAGMENT_EVICTED] += n;
    struct decode_sample *s = &d->stats.sample[DERR_FRAGMENT_EVICTED];
    memset(s, 0, sizeof *s);
    s->at_ms = now_ms;
    snprintf(s->detail, sizeof s->detail, "%llu split change(s) dropped for newer parts (%llu KiB)",
             (unsigned long long)n, (unsigned long long)(d->limits.max_pending_bytes / 1024));
}

static void update_pending(struct decoder *d, int64_t now_ms)
{
    count_evictions(d, now_ms);
    d->stats.chunks_pending = chunks_pending(d->chunks);
    d->stats.pending_bytes = chunks_bytes(d->chunks);
}

static enum decode_status fail(struct decoder *d, const struct cdc_raw *raw, int64_t now_ms,
                               enum decode_reason r, const char *detail)
{
    struct decode_sample *s = &d->stats.sample[r];
    d->stats.errors[r]++;
    s->at_ms = now_ms;
    s->shard = raw ? raw->shard : 0;
    s->seq[0] = '\0';
    if (raw && raw->seq) {
        size_t n = raw->seq_len < CDC_SEQ_MAX ? raw->seq_len : CDC_SEQ_MAX;
        memcpy(s->seq, raw->seq, n);
        s->seq[n] = '\0';
    }
    snprintf(s->detail, sizeof s->detail, "%s", detail ? detail : reasons[r].text);
    s->bytes_len = 0;
    if (raw && raw->data && !d->limits.no_sample_bytes) {
        s->bytes_len = raw->len < DECODE_SAMPLE_MAX ? raw->len : DECODE_SAMPLE_MAX;
        memcpy(s->bytes, raw->data, s->bytes_len);
    }
    return DECODE_ERROR;
}

/* Reads a timestamp pair (ts_ns preferred, ts_ms scaled) from an object.
 * Returns false only when a present value is malformed; *ns is CDC_TIME_NONE when absent. */
static bool read_time(struct jspan obj, const char *ns_key, const char *ms_key, int64_t *ns)
{
    struct jspan v;
    int64_t x;
    *ns = CDC_TIME_NONE;
    if (jscan_get(obj, ns_key, &v) && !jscan_is_null(v)) {
        if (!jscan_int64(v, &x))
            return false;
        *ns = x;
        return true;
    }
    if (jscan_get(obj, ms_key, &v) && !jscan_is_null(v)) {
        if (!jscan_int64(v, &x) || x > INT64_MAX / 1000000 || x < INT64_MIN / 1000000)
            return false;
        *ns = x * 1000000;
    }
    return true;
}

static bool read_name(struct jspan obj, const char *key, char *out, size_t cap)
{
    struct jspan v;
    size_t len;
    if (!jscan_get(obj, key, &v) || !jscan_string(v, out, cap, &len))
        return false;
    return len > 0 && memchr(out, '\0', len) == NULL;
}

/* txId is a base32 string in DSQL and an integer in Debezium: keep either as text. */
static void read_txid(struct jspan src, char *out, size_t cap)
{
    struct jspan v;
    out[0] = '\0';
    if (!jscan_get(src, "txId", &v))
        return;
    if (jscan_type(v) == JT_STRING) {
        if (!jscan_string(v, out, cap, NULL))
            out[0] = '\0';
    } else if (jscan_type(v) == JT_NUMBER && v.n < cap) {
        memcpy(out, v.p, v.n);
        out[v.n] = '\0';
    }
}

static enum cdc_op parse_op(struct jspan v, char *text, size_t cap)
{
    size_t len = 0;
    text[0] = '\0';
    if (!jscan_string(v, text, cap, &len))
        return CDC_OP_OTHER;
    if (len == 1 && text[0] == 'c')
        return CDC_OP_CREATE;
    if (len == 1 && text[0] == 'u')
        return CDC_OP_UPDATE;
    if (len == 1 && text[0] == 'd')
        return CDC_OP_DELETE;
    return CDC_OP_OTHER;
}

static bool image_span(struct jspan obj, const char *key, struct jspan *out)
{
    struct jspan v;
    out->p = NULL;
    out->n = 0;
    if (!jscan_get(obj, key, &v) || jscan_is_null(v))
        return true;
    if (jscan_type(v) != JT_OBJECT)
        return false;
    *out = v;
    return true;
}

/* Decodes the DSQL envelope of a full record (or of a chunked head, with images added later). */
static enum decode_status decode_envelope(struct decoder *d, const struct cdc_raw *raw,
                                          int64_t now_ms, struct jspan rec, bool images_inline,
                                          struct cdc_change *out)
{
    struct jspan v, src;
    memset(out, 0, offsetof(struct cdc_change, before));
    out->format = CDC_FMT_DSQL;
    out->before.p = out->after.p = NULL;
    out->before.n = out->after.n = 0;
    out->reassembled = false;
    out->op =
        jscan_get(rec, "op", &v) ? parse_op(v, out->op_text, sizeof out->op_text) : CDC_OP_OTHER;
    if (!jscan_get(rec, "source", &src) || jscan_type(src) != JT_OBJECT)
        return fail(d, raw, now_ms, DERR_BAD_SOURCE, NULL);
    if (!read_name(src, "schema", out->schema, sizeof out->schema) ||
        !read_name(src, "table", out->table, sizeof out->table))
        return fail(d, raw, now_ms, DERR_BAD_NAME, NULL);
    read_txid(src, out->txid, sizeof out->txid);
    if (!read_time(src, "ts_ns", "ts_ms", &out->commit_ns))
        return fail(d, raw, now_ms, DERR_BAD_TIMESTAMP, "source.ts_ns/ts_ms is not an int64");
    if (out->commit_ns == CDC_TIME_NONE)
        return fail(d, raw, now_ms, DERR_BAD_TIMESTAMP, "no commit time (source.ts_ns)");
    if (!read_time(rec, "ts_ns", "ts_ms", &out->emit_ns))
        return fail(d, raw, now_ms, DERR_BAD_TIMESTAMP, "ts_ns/ts_ms is not an int64");
    if (!images_inline)
        return DECODE_CHANGE;
    if (!image_span(rec, "before", &out->before) || !image_span(rec, "after", &out->after))
        return fail(d, raw, now_ms, DERR_BAD_IMAGE, "before/after is neither object nor null");
    if (out->op != CDC_OP_DELETE && !out->after.p)
        return fail(d, raw, now_ms, DERR_BAD_IMAGE, "no after image for a non-delete op");
    return DECODE_CHANGE;
}

static bool read_chunk_ref(struct jspan desc, struct chunk_ref *ref)
{
    struct jspan v;
    int64_t n;
    size_t len;
    if (jscan_type(desc) != JT_OBJECT)
        return false;
    if (!jscan_get(desc, "chunk_id", &v) || !jscan_string(v, ref->id, sizeof ref->id, &len) ||
        len == 0)
        return false;
    if (!jscan_get(desc, "total_fragments", &v) || !jscan_int64(v, &n) || n < 1 ||
        n > CHUNK_MAX_FRAGMENTS)
        return false;
    ref->total = (unsigned)n;
    /* The CRC is documented as a decimal string; accept a bare number as well. */
    if (!jscan_get(desc, "crc32c", &v))
        return false;
    char tmp[16];
    if (jscan_type(v) == JT_STRING) {
        if (!jscan_string(v, tmp, sizeof tmp, &len))
            return false;
        v.p = tmp;
        v.n = len;
    }
    if (!jscan_int64(v, &n) || n < 0 || n > UINT32_MAX)
        return false;
    ref->crc = (uint32_t)n;
    return true;
}

static enum decode_status finish_reassembled(struct decoder *d, const struct cdc_raw *raw,
                                             int64_t now_ms, const char *id,
                                             struct cdc_change *out);

static enum decode_status chunk_result(struct decoder *d, const struct cdc_raw *raw, int64_t now_ms,
                                       enum chunks_result r, const char *id, struct cdc_change *out)
{
    update_pending(d, now_ms);
    switch (r) {
    case CHUNKS_STORED:
        return DECODE_PENDING;
    case CHUNKS_DUPLICATE:
        out->record_bytes = raw->len + raw->pkey_len;
        return DECODE_DUPLICATE;
    case CHUNKS_REPEAT:
        d->stats.fragment_repeats++;
        return DECODE_REPEAT;
    case CHUNKS_FULL:
        return fail(d, raw, now_ms, DERR_FRAGMENT_OVERFLOW, NULL);
    case CHUNKS_INVALID:
        return fail(d, raw, now_ms, DERR_BAD_FRAGMENT, "fragment inconsistent with its change");
    case CHUNKS_COMPLETE:
        break;
    }
    return finish_reassembled(d, raw, now_ms, id, out);
}

static enum decode_status decode_head(struct decoder *d, const struct cdc_raw *raw, int64_t now_ms,
                                      struct jspan rec, struct cdc_change *out)
{
    struct jspan desc, v;
    struct chunk_ref before, after;
    bool has_before = false, has_after = false;
    /* Check the envelope now, so a bad head is reported when it arrives. */
    enum decode_status st = decode_envelope(d, raw, now_ms, rec, false, out);
    if (st != DECODE_CHANGE)
        return st;
    if (!jscan_get(rec, "chunked", &desc) || jscan_type(desc) != JT_OBJECT)
        return fail(d, raw, now_ms, DERR_BAD_FRAGMENT, "chunked record without a chunked block");
    if (jscan_get(desc, "before", &v) && !jscan_is_null(v)) {
        if (!read_chunk_ref(v, &before))
            return fail(d, raw, now_ms, DERR_BAD_FRAGMENT, "malformed chunked.before");
        has_before = true;
    }
    if (jscan_get(desc, "after", &v) && !jscan_is_null(v)) {
        if (!read_chunk_ref(v, &after))
            return fail(d, raw, now_ms, DERR_BAD_FRAGMENT, "malformed chunked.after");
        has_after = true;
    }
    if (!has_before && !has_after)
        return fail(d, raw, now_ms, DERR_BAD_FRAGMENT, "chunked block names no image");
    const char *id = NULL;
    enum chunks_result r =
        chunks_add_head(d->chunks, raw->data, raw->len, has_before ? &before : NULL,
                        has_after ? &after : NULL, raw->len + raw->pkey_len, now_ms, &id);
    return chunk_result(d, raw, now_ms, r, id, out);
}

static enum decode_status decode_fragment(struct decoder *d, const struct cdc_raw *raw,
                                          int64_t now_ms, struct jspan rec, struct cdc_change *out)
{
    struct jspan v, data;
    char id[CHUNK_ID_MAX + 1];
    int64_t index;
    size_t len;
    if (!jscan_get(rec, "chunk_id", &v) || !jscan_string(v, id, sizeof id, &len) || len == 0)
        return fail(d, raw, now_ms, DERR_BAD_FRAGMENT, "fragment without a chunk_id");
    if (!jscan_get(rec, "index", &v) || !jscan_int64(v, &index) || index < 0 ||
        index >= CHUNK_MAX_FRAGMENTS)
        return fail(d, raw, now_ms, DERR_BAD_FRAGMENT, "fragment index missing or out of range");
    if (!jscan_get(rec, "data", &data) || jscan_type(data) != JT_STRING)
        return fail(d, raw, now_ms, DERR_BAD_FRAGMENT, "fragment without data");
    size_t n = jscan_string_len(data);
    char *text = xmalloc(n + 1);
    jscan_string(data, text, n + 1, &len);
    d->stats.fragments_buffered++;
    const char *done_id = NULL;
    enum chunks_result r = chunks_add_fragment(d->chunks, id, (unsigned)index, text, len,
                                               raw->len + raw->pkey_len, now_ms, &done_id);
    free(text);
    return chunk_result(d, raw, now_ms, r, done_id, out);
}

/* Decodes the change chunks_take() handed over in d->done. */
static enum decode_status decode_done(struct decoder *d, const struct cdc_raw *raw, int64_t now_ms,
                                      struct cdc_change *out)
{
    struct jspan rec, img[2] = {{NULL, 0}, {NULL, 0}};
    struct jscan_error err = {0, NULL}; /* msg stays NULL when the text is JSON but no object */
    if (!jscan_validate(d->done.head, d->done.head_len, &rec, &err))
        return fail(d, raw, now_ms, DERR_BAD_FRAGMENT, "chunked head is not JSON");
    for (int i = 0; i < 2; i++) {
        if (!d->done.image[i])
            continue;
        if (!d->done.crc_ok[i])
            return fail(d, raw, now_ms, DERR_CRC_MISMATCH, i ? "after image" : "before image");
        if (!jscan_validate(d->done.image[i], d->done.image_len[i], &img[i], &err) ||
            jscan_type(img[i]) != JT_OBJECT)
            return fail(d, raw, now_ms, DERR_REASSEMBLED_JSON, err.msg);
    }
    enum decode_status st = decode_envelope(d, raw, now_ms, rec, false, out);
    if (st != DECODE_CHANGE)
        return st;
    /* An image not split travels inline in the head; a split one is null there. */
    if (!image_span(rec, "before", &out->before) || !image_span(rec, "after", &out->after))
        return fail(d, raw, now_ms, DERR_BAD_IMAGE, "before/after is neither object nor null");
    if (img[0].p)
        out->before = img[0];
    if (img[1].p)
        out->after = img[1];
    if (out->op != CDC_OP_DELETE && !out->after.p)
        return fail(d, raw, now_ms, DERR_BAD_IMAGE, "no after image for a non-delete op");
    out->record_bytes = d->done.record_bytes;
    out->reassembled = true;
    return DECODE_CHANGE;
}

static enum decode_status finish_reassembled(struct decoder *d, const struct cdc_raw *raw,
                                             int64_t now_ms, const char *id, struct cdc_change *out)
{
    char key[CHUNK_ID_MAX + 1];
    snprintf(key, sizeof key, "%s", id); /* id lives in the buffer chunks_take() empties */
    chunks_done_free(&d->done);
    if (!chunks_take(d->chunks, key, &d->done))
        return fail(d, raw, now_ms, DERR_BAD_FRAGMENT, "reassembly lost its parts");
    update_pending(d, now_ms);
    d->stats.chunks_completed++;
    enum decode_status st = decode_done(d, raw, now_ms, out);
    if (st != DECODE_CHANGE)
        chunks_mark_failed(d->chunks, key);
    return st;
}

/* The shapes we recognise; more formats are detected here. */
static bool looks_dsql(struct jspan rec, struct jspan *type)
{
    struct jspan v;
    type->p = NULL;
    type->n = 0;
    if (jscan_get(rec, "type", type))
        return true;
    return jscan_get(rec, "op", &v) && jscan_get(rec, "source", &v);
}

enum decode_status decoder_feed(struct decoder *d, const struct cdc_raw *raw, int64_t now_ms,
                                struct cdc_change *out)
{
    struct jspan rec, type;
    struct jscan_error err;
    char detail[96];
    if (!raw->data || raw->len == 0)
        return fail(d, raw, now_ms, DERR_EMPTY, NULL);
    if (!jscan_validate(raw->data, raw->len, &rec, &err)) {
        snprintf(detail, sizeof detail, "%s at byte %zu", err.msg, err.offset);
        return fail(d, raw, now_ms, DERR_NOT_JSON, detail);
    }
    if (jscan_type(rec) != JT_OBJECT) {
        snprintf(detail, sizeof detail, "top-level value is %s", jscan_type_name(jscan_type(rec)));
        return fail(d, raw, now_ms, DERR_NOT_OBJECT, detail);
    }
    if (!looks_dsql(rec, &type))
        return fail(d, raw, now_ms, DERR_UNKNOWN_FORMAT, NULL);
    enum decode_status st;
    if (!type.p || jscan_key_eq(type, "full")) {
        st = decode_envelope(d, raw, now_ms, rec, true, out);
        if (st == DECODE_CHANGE)
            out->record_bytes = raw->len + raw->pkey_len;
        return st;
    }
    if (jscan_key_eq(type, "chunked"))
        return decode_head(d, raw, now_ms, rec, out);
    if (jscan_key_eq(type, "fragment"))
        return decode_fragment(d, raw, now_ms, rec, out);
    return fail(d, raw, now_ms, DERR_BAD_TYPE, NULL);
}

void decoder_tick(struct decoder *d, int64_t now_ms)
{
    unsigned dropped = chunks_expire(d->chunks, now_ms - d->limits.fragment_timeout_ms);
    if (dropped) {
        d->stats.errors[DERR_FRAGMENT_TIMEOUT] += dropped;
        struct decode_sample *s = &d->stats.sample[DERR_FRAGMENT_TIMEOUT];
        memset(s, 0, sizeof *s);
        s->at_ms = now_ms;
        snprintf(s->detail, sizeof s->detail, "%u split change(s) expired after %lld s", dropped,
                 (long long)(d->limits.fragment_timeout_ms / 1000));
    }
    update_pending(d, now_ms);
}

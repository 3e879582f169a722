/* What the unit tests and the benchmark share (see fixture.h). */
#include "config.h"

#include "fixture.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crc32c.h"
#include "rng.h"

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define FX_UNDER_ASAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__)
#define FX_UNDER_ASAN 1
#endif

#if defined(FX_UNDER_ASAN)
/* From the sanitizer runtime (sanitizer/allocator_interface.h, which GCC does not install). */
size_t __sanitizer_get_current_allocated_bytes(void);
#elif defined(__GLIBC__)
#include <malloc.h>
#endif

static void put_image(struct buf *b, const char *image)
{
    buf_puts(b, image ? image : "null");
}

/* The envelope around the images: source, then the emit time. `type` is "full" or "chunked";
 * a chunked record's images are written as null and `chunked` (JSON text) names its fragments. */
static void put_record(struct buf *b, const char *type, const struct fx_change *c,
                       const char *chunked)
{
    buf_printf(b, "{\"type\":\"%s\",\"op\":\"%s\",\"before\":", type, c->op);
    put_image(b, chunked ? NULL : c->before);
    buf_puts(b, ",\"after\":");
    put_image(b, chunked ? NULL : c->after);
    buf_printf(b,
               ",\"source\":{\"version\":\"1.0\",\"ts_ms\":%" PRId64 ",\"ts_ns\":%" PRId64
               ",\"txId\":\"%s\",\"schema\":\"%s\",\"table\":\"%s\",\"db\":\"postgres\","
               "\"cluster\":\"" FX_CLUSTER "\"}",
               c->commit_ns / 1000000, c->commit_ns, c->txid, c->schema, c->table);
    if (chunked)
        buf_printf(b, ",\"chunked\":%s", chunked);
    buf_printf(b, ",\"ts_ms\":%" PRId64 ",\"ts_ns\":%" PRId64 "}", c->emit_ns / 1000000,
               c->emit_ns);
}

void fx_record(struct buf *b, const struct fx_change *c)
{
    buf_reset(b);
    put_record(b, "full", c, NULL);
}

char *fx_fragment(const char *chunk_id, unsigned index, const char *data, size_t n)
{
    struct buf b;
    buf_init(&b);
    buf_puts(&b, "{\"type\":\"fragment\",\"chunk_id\":");
    buf_json_string(&b, chunk_id, strlen(chunk_id));
    buf_printf(&b, ",\"index\":%u,\"data\":", index);
    buf_json_string(&b, data, n);
    buf_putc(&b, '}');
    return buf_steal(&b);
}

uint32_t fx_crc(const char *s)
{
    return crc32c(0, s, strlen(s));
}

void fx_split(struct fx_split *s, const struct fx_change *c, const char *chunk_id,
              const size_t *cut, unsigned nfragments, bool crc_ok)
{
    struct buf chunked, head;

    if (nfragments + 1 > FX_SPLIT_MAX) {
        fprintf(stderr, "fx_split: %u fragments, at most %d\n", nfragments, FX_SPLIT_MAX - 1);
        abort();
    }
    memset(s, 0, sizeof *s);
    s->after = c->after;
    buf_init(&chunked);
    buf_puts(&chunked, "{\"after\":{\"chunk_id\":");
    buf_json_string(&chunked, chunk_id, strlen(chunk_id));
    buf_printf(&chunked, ",\"total_fragments\":%u,\"crc32c\":\"%" PRIu32 "\"}}", nfragments,
               fx_crc(c->after) + (crc_ok ? 0 : 1));
    buf_init(&head);
    put_record(&head, "chunked", c, chunked.data);
    buf_free(&chunked);
    s->part[0] = buf_steal(&head);
    for (unsigned i = 0; i < nfragments; i++) {
        s->part[1 + i] = fx_fragment(chunk_id, i, c->after + cut[i], cut[i + 1] - cut[i]);
        s->cut[i] = cut[i];
    }
    s->cut[nfragments] = cut[nfragments];
    s->nparts = 1 + nfragments;
}

void fx_split_free(struct fx_split *s)
{
    for (size_t i = 0; i < s->nparts; i++)
        free(s->part[i]);
    s->nparts = 0;
}

void fx_txid(uint64_t *state, char out[27])
{
    static const char base32[] = "abcdefghijklmnopqrstuvwxyz234567";
    for (int i = 0; i < 26; i++)
        out[i] = base32[rng_splitmix64(state) % 32];
    out[26] = '\0';
}

struct cdc_raw fx_raw(const char *data, size_t len)
{
    struct cdc_raw raw = {
        .data = data,
        .len = len,
        .shard = 0,
        .seq = NULL,
        .seq_len = 0,
        .pkey = NULL,
        .pkey_len = 0,
        .arrival_ms = CDC_TIME_NONE,
    };
    return raw;
}

void fx_ingest(struct model *m, const char *text, int64_t now_ms)
{
    struct cdc_raw raw = fx_raw(text, strlen(text));
    model_ingest(m, &raw, now_ms);
}

void fx_ingest_change(struct model *m, const struct fx_change *c, int64_t now_ms)
{
    struct buf b;
    buf_init(&b);
    fx_record(&b, c);
    fx_ingest(m, b.data, now_ms);
    buf_free(&b);
}

uint64_t fx_decode_errors(const struct decoder *d)
{
    const struct decode_stats *st = decoder_stats(d);
    uint64_t n = 0;
    for (int i = 0; i < DERR_COUNT; i++)
        n += st->errors[i];
    return n;
}

struct jspan fx_span(const char *s)
{
    struct jspan v = {s, strlen(s)};
    return v;
}

/* A test's own text that is not JSON is a mistake in the test, not a finding: say so and stop. */
struct jspan fx_json(const char *s)
{
    struct jspan v;
    struct jscan_error err = {0, NULL};
    if (!jscan_validate(s, strlen(s), &v, &err)) {
        fprintf(stderr, "fx_json: not JSON (%s at byte %zu): %s\n", err.msg, err.offset, s);
        abort();
    }
    return v;
}

const struct rs_row *fx_row(const struct rs_table *t, const char *key)
{
    return rs_table_find(t, fx_span(key));
}

size_t fx_heap_in_use(void)
{
#if defined(FX_UNDER_ASAN)
    return __sanitizer_get_current_allocated_bytes();
#elif defined(__GLIBC__) && (__GLIBC__ > 2 || __GLIBC_MINOR__ >= 33)
    struct mallinfo2 mi = mallinfo2();
    return mi.uordblks + mi.hblkhd;
#else
    return SIZE_MAX;
#endif
}

static char mismatch[4096];

const char *fx_span_mismatch(struct jspan v, const char *want)
{
    if (!v.p) {
        snprintf(mismatch, sizeof mismatch, "no span, want <%s>", want);
        return mismatch;
    }
    if (v.n == strlen(want) && memcmp(v.p, want, v.n) == 0)
        return NULL;
    snprintf(mismatch, sizeof mismatch, "span <%.*s> != <%s>", (int)v.n, v.p, want);
    return mismatch;
}

const char *fx_row_mismatch(const struct rs_table *t, const char *key, const char *image)
{
    const struct rs_row *r = fx_row(t, key);
    struct jspan im;

    if (!r) {
        snprintf(mismatch, sizeof mismatch, "no row %s", key);
        return mismatch;
    }
    im = rs_row_image(r);
    if (!image) {
        if (!rs_row_live(r) && !im.p)
            return NULL;
        snprintf(mismatch, sizeof mismatch, "row %s is %s <%.*s>, want a tombstone", key,
                 rs_row_live(r) ? "live" : "a tombstone with an image", (int)im.n,
                 im.p ? im.p : "");
        return mismatch;
    }
    if (!rs_row_live(r) || !im.p) {
        snprintf(mismatch, sizeof mismatch, "row %s is %s, want <%s>", key,
                 rs_row_live(r) ? "live without an image" : "a tombstone", image);
        return mismatch;
    }
    if (im.n == strlen(image) && memcmp(im.p, image, im.n) == 0)
        return NULL;
    snprintf(mismatch, sizeof mismatch, "row %s is <%.*s>, want <%s>", key, (int)im.n, im.p, image);
    return mismatch;
}

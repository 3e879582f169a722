/* Unit tests for decode.c, chunks.c and crc32c.c: the DSQL CDC record format
 * (https://docs.aws.amazon.com/aurora-dsql/latest/userguide/cdc-record-format.html), split-change
 * reassembly, and the handling of malformed records. */
#include "config.h"

#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "buf.h"
#include "change.h"
#include "chunks.h"
#include "crc32c.h"
#include "decode.h"
#include "fixture.h"
#include "jscan.h"

#define PKEY  "7f3a5c1e-partition"
#define SHARD 3u

/* The record format page's example INSERT and DELETE, byte for byte, and the UPDATE it describes
 * (the INSERT's shape with op "u"). */
static const char doc_insert[] =
    "{\"type\":\"full\",\"op\":\"c\",\"before\":null,\n"
    " \"after\":{\"order_id\":1001,\"item_id\":42,\"quantity\":5,\"price\":\"29.99\"},\n"
    " \"source\":{\"version\":\"1.0\",\"ts_ms\":1705318200000,\"ts_ns\":1705318200000000000,\n"
    "   \"txId\":\"ffthunp5stx6ffs2vyfqoatmfu\",\"schema\":\"public\",\"table\":\"order_items\",\n"
    "   \"db\":\"postgres\",\"cluster\":\"kmabugltfmjdaj2siqr2qbxgju\"},\n"
    " \"ts_ms\":1705318200125,\"ts_ns\":1705318200125483291}";

static const char doc_update[] =
    "{\"type\":\"full\",\"op\":\"u\",\"before\":null,\n"
    " \"after\":{\"order_id\":1001,\"item_id\":42,\"quantity\":5,\"price\":\"29.99\"},\n"
    " \"source\":{\"version\":\"1.0\",\"ts_ms\":1705318200000,\"ts_ns\":1705318200000000000,\n"
    "   \"txId\":\"ffthunp5stx6ffs2vyfqoatmfu\",\"schema\":\"public\",\"table\":\"order_items\",\n"
    "   \"db\":\"postgres\",\"cluster\":\"kmabugltfmjdaj2siqr2qbxgju\"},\n"
    " \"ts_ms\":1705318200125,\"ts_ns\":1705318200125483291}";

static const char doc_delete[] =
    "{\"type\":\"full\",\"op\":\"d\",\"before\":{\"order_id\":1001,\"item_id\":42},\"after\":null,"
    "\n"
    " \"source\":{\"version\":\"1.0\",\"ts_ms\":1705318400000,\"ts_ns\":1705318400000000000,\n"
    "   \"txId\":\"xyzabc123def456ghi789jklmno\",\"schema\":\"public\",\"table\":\"order_items\",\n"
    "   \"db\":\"postgres\",\"cluster\":\"kmabugltfmjdaj2siqr2qbxgju\"},\n"
    " \"ts_ms\":1705318400125,\"ts_ns\":1705318400125483291}";

/* The update event in the documentation of Debezium's PostgreSQL connector, whose envelope DSQL
 * follows (an integer txId here):
 * https://debezium.io/documentation/reference/stable/connectors/postgresql.html */
static const char doc_debezium[] =
    "{\"before\":{\"id\":1},\n"
    " \"after\":{\"id\":1,\"first_name\":\"Anne "
    "Marie\",\"last_name\":\"Kretchmar\",\"email\":\"annek@noanswer.org\"},\n"
    " \"source\":{\"version\":\"2.7.4.Final\",\"connector\":\"postgresql\",\"name\":"
    "\"PostgreSQL_server\",\n"
    "   \"ts_ms\":1559033904863,\"snapshot\":\"false\",\"db\":\"postgres\",\n"
    "   \"sequence\":\"[\\\"24023119\\\",\\\"24023128\\\"]\",\"schema\":\"public\","
    "\"table\":\"customers\",\n"
    "   \"txId\":556,\"lsn\":24023128,\"xmin\":null},\n"
    " \"op\":\"u\",\"ts_ms\":1465584025523,\n"
    " \"transaction\":{\"id\":\"571:53195832\",\"total_order\":\"1\","
    "\"data_collection_order\":\"1\"}}";

/* The example INSERT's source and emit time, for records written out here; fx_record writes the
 * same for the same change. */
#define SRC                                                                                        \
    "\"source\":{\"version\":\"1.0\",\"ts_ms\":1705318200000,\"ts_ns\":1705318200000000000,"       \
    "\"txId\":\"" FX_TXID "\",\"schema\":\"public\",\"table\":\"order_items\","                    \
    "\"db\":\"postgres\",\"cluster\":\"" FX_CLUSTER "\"}"
#define EMIT    "\"ts_ms\":1705318200125,\"ts_ns\":1705318200125483291"
#define EMIT_NS INT64_C(1705318200125483291)

/* Every record here comes from one shard, with a sequence number and a partition key: errors
 * keep the first two, and the key counts in a record's size. */
static struct cdc_raw raw_of(const char *data, size_t len)
{
    struct cdc_raw raw = fx_raw(data, len);
    raw.shard = SHARD;
    raw.seq = FX_SEQ;
    raw.seq_len = strlen(FX_SEQ);
    raw.pkey = PKEY;
    raw.pkey_len = strlen(PKEY);
    return raw;
}

static enum decode_status feed_n(struct decoder *d, const char *data, size_t len, int64_t now,
                                 struct cdc_change *out)
{
    struct cdc_raw raw = raw_of(data, len);
    return decoder_feed(d, &raw, now, out);
}

static enum decode_status feed(struct decoder *d, const char *text, struct cdc_change *out)
{
    return feed_n(d, text, strlen(text), 1000, out);
}

/* --- CRC32C --- */

static void test_crc32c_vectors(void **state)
{
    unsigned char block[32];

    (void)state;
    assert_int_equal(crc32c(0, "123456789", 9), 0xE3069283u);
    assert_int_equal(crc32c(0, "", 0), 0);
    assert_int_equal(crc32c(crc32c(0, "1234", 4), "56789", 5), 0xE3069283u);
    /* RFC 3720 (iSCSI) appendix B.4 vectors. */
    memset(block, 0, sizeof block);
    assert_int_equal(crc32c(0, block, sizeof block), 0x8A9136AAu);
    memset(block, 0xff, sizeof block);
    assert_int_equal(crc32c(0, block, sizeof block), 0x62A8AB43u);
    for (unsigned i = 0; i < 32; i++)
        block[i] = (unsigned char)i;
    assert_int_equal(crc32c(0, block, sizeof block), 0x46DD794Eu);
    for (unsigned i = 0; i < 32; i++)
        block[i] = (unsigned char)(31 - i);
    assert_int_equal(crc32c(0, block, sizeof block), 0x113FDB5Cu);
}

/* --- the documented examples --- */

static void test_doc_insert(void **state)
{
    struct decoder *d = decoder_new(NULL);
    struct cdc_change c;

    (void)state;
    assert_int_equal(feed(d, doc_insert, &c), DECODE_CHANGE);
    assert_int_equal(c.format, CDC_FMT_DSQL);
    assert_int_equal(c.op, CDC_OP_CREATE);
    assert_string_equal(c.op_text, "c");
    assert_string_equal(c.schema, "public");
    assert_string_equal(c.table, "order_items");
    assert_string_equal(c.txid, "ffthunp5stx6ffs2vyfqoatmfu");
    assert_true(c.commit_ns == INT64_C(1705318200000000000));
    assert_true(c.emit_ns == INT64_C(1705318200125483291));
    assert_null(c.before.p);
    FX_ASSERT_SPAN(c.after,
                   "{\"order_id\":1001,\"item_id\":42,\"quantity\":5,\"price\":\"29.99\"}");
    assert_int_equal(c.record_bytes, strlen(doc_insert) + strlen(PKEY));
    assert_false(c.reassembled);
    /* The span points into the record itself: nothing is copied or re-serialised. */
    assert_true(c.after.p > doc_insert && c.after.p < doc_insert + sizeof doc_insert);
    assert_int_equal(fx_decode_errors(d), 0);
    decoder_free(d);
}

static void test_doc_update(void **state)
{
    struct decoder *d = decoder_new(NULL);
    struct cdc_change c;

    (void)state;
    assert_int_equal(feed(d, doc_update, &c), DECODE_CHANGE);
    assert_int_equal(c.op, CDC_OP_UPDATE);
    assert_string_equal(c.op_text, "u");
    assert_string_equal(c.table, "order_items");
    assert_null(c.before.p); /* DSQL sends no old image for updates */
    FX_ASSERT_SPAN(c.after,
                   "{\"order_id\":1001,\"item_id\":42,\"quantity\":5,\"price\":\"29.99\"}");
    assert_true(c.commit_ns == INT64_C(1705318200000000000));
    assert_true(c.emit_ns == INT64_C(1705318200125483291));
    decoder_free(d);
}

static void test_doc_delete(void **state)
{
    struct decoder *d = decoder_new(NULL);
    struct cdc_change c;

    (void)state;
    assert_int_equal(feed(d, doc_delete, &c), DECODE_CHANGE);
    assert_int_equal(c.op, CDC_OP_DELETE);
    assert_string_equal(c.op_text, "d");
    assert_string_equal(c.schema, "public");
    assert_string_equal(c.table, "order_items");
    assert_string_equal(c.txid, "xyzabc123def456ghi789jklmno");
    FX_ASSERT_SPAN(c.before, "{\"order_id\":1001,\"item_id\":42}"); /* the PK columns only */
    assert_null(c.after.p);
    assert_true(c.commit_ns == INT64_C(1705318400000000000));
    assert_true(c.emit_ns == INT64_C(1705318400125483291));
    assert_int_equal(c.record_bytes, strlen(doc_delete) + strlen(PKEY));
    decoder_free(d);
}

static void test_doc_debezium_integer_txid(void **state)
{
    struct decoder *d = decoder_new(NULL);
    struct cdc_change c;

    (void)state;
    assert_int_equal(feed(d, doc_debezium, &c), DECODE_CHANGE);
    assert_int_equal(c.op, CDC_OP_UPDATE);
    assert_string_equal(c.schema, "public");
    assert_string_equal(c.table, "customers");
    assert_string_equal(c.txid, "556");
    assert_true(c.commit_ns == INT64_C(1559033904863000000));
    /* The processing time is earlier than the commit here: kept as it is, not clamped. */
    assert_true(c.emit_ns == INT64_C(1465584025523000000));
    FX_ASSERT_SPAN(c.before, "{\"id\":1}");
    FX_ASSERT_SPAN(c.after, "{\"id\":1,\"first_name\":\"Anne Marie\",\"last_name\":\"Kretchmar\","
                            "\"email\":\"annek@noanswer.org\"}");
    decoder_free(d);
}

/* --- envelope details --- */

static void test_timestamps(void **state)
{
    struct decoder *d = decoder_new(NULL);
    struct cdc_change c;

    (void)state;
    /* ts_ns above 2^53, exact to the nanosecond. */
    assert_int_equal(feed(d,
                          "{\"type\":\"full\",\"op\":\"c\",\"after\":{\"id\":1},\"source\":{"
                          "\"ts_ns\":9007199254740993,\"schema\":\"s\",\"table\":\"t\"},"
                          "\"ts_ns\":9223372036854775807}",
                          &c),
                     DECODE_CHANGE);
    assert_true(c.commit_ns == INT64_C(9007199254740993));
    assert_true(c.emit_ns == INT64_MAX);

    /* ts_ms only: scaled to nanoseconds; ts_ns null counts as absent. */
    assert_int_equal(
        feed(d,
             "{\"op\":\"c\",\"after\":{\"id\":1},\"source\":{\"ts_ms\":1705318200123,"
             "\"ts_ns\":null,\"schema\":\"s\",\"table\":\"t\"},\"ts_ms\":1705318200456}",
             &c),
        DECODE_CHANGE);
    assert_true(c.commit_ns == INT64_C(1705318200123000000));
    assert_true(c.emit_ns == INT64_C(1705318200456000000));

    /* ts_ns wins over ts_ms when both are there, whatever their order. */
    assert_int_equal(feed(d,
                          "{\"op\":\"c\",\"after\":{\"id\":1},\"source\":{\"ts_ms\":1,"
                          "\"ts_ns\":1705318200000000007,\"schema\":\"s\",\"table\":\"t\"},"
                          "\"ts_ms\":2,\"ts_ns\":1705318200000000009}",
                          &c),
                     DECODE_CHANGE);
    assert_true(c.commit_ns == INT64_C(1705318200000000007));
    assert_true(c.emit_ns == INT64_C(1705318200000000009));

    /* No processing time at all: allowed, marked as absent. */
    assert_int_equal(feed(d,
                          "{\"op\":\"c\",\"after\":{\"id\":1},\"source\":{"
                          "\"ts_ns\":1705318200000000000,\"schema\":\"s\",\"table\":\"t\"}}",
                          &c),
                     DECODE_CHANGE);
    assert_true(c.emit_ns == CDC_TIME_NONE);

    /* Emitted 4 ms before the commit (clock skew in a published capture): kept signed. */
    assert_int_equal(feed(d,
                          "{\"type\":\"full\",\"op\":\"u\",\"before\":null,\"after\":{\"id\":1},"
                          "\"source\":{\"ts_ms\":1705318200125,\"ts_ns\":1705318200125000001,"
                          "\"schema\":\"s\",\"table\":\"t\"},\"ts_ms\":1705318200121,"
                          "\"ts_ns\":1705318200121000001}",
                          &c),
                     DECODE_CHANGE);
    assert_true(c.commit_ns == INT64_C(1705318200125000001));
    assert_true(c.emit_ns == INT64_C(1705318200121000001));
    assert_true(c.emit_ns - c.commit_ns == -INT64_C(4000000));
    assert_int_equal(fx_decode_errors(d), 0);
    decoder_free(d);
}

static void test_ops(void **state)
{
    static const struct {
        const char *op_json;
        enum cdc_op op;
        const char *text;
    } cases[] = {
        {"\"c\"", CDC_OP_CREATE, "c"},
        {"\"u\"", CDC_OP_UPDATE, "u"},
        {"\"d\"", CDC_OP_DELETE, "d"},
        {"\"r\"", CDC_OP_OTHER, "r"},
        {"\"x\"", CDC_OP_OTHER, "x"},
        {"\"\"", CDC_OP_OTHER, ""},
        {"\"t\"", CDC_OP_OTHER, "t"},
        {"\"C\"", CDC_OP_OTHER, "C"},
        {"\"cc\"", CDC_OP_OTHER, "cc"},
        {"\"\\u0063\"", CDC_OP_CREATE, "c"},
        {"\"\\u001b\"", CDC_OP_OTHER, "\x1b"},
        {"7", CDC_OP_OTHER, ""},
        {"null", CDC_OP_OTHER, ""},
    };
    struct decoder *d = decoder_new(NULL);
    char doc[512];
    struct cdc_change c;

    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *img = cases[i].op == CDC_OP_DELETE ? "\"before\":{\"id\":1},\"after\":null"
                                                       : "\"before\":null,\"after\":{\"id\":1}";
        snprintf(doc, sizeof doc, "{\"type\":\"full\",\"op\":%s,%s," SRC "," EMIT "}",
                 cases[i].op_json, img);
        if (feed(d, doc, &c) != DECODE_CHANGE)
            fail_msg("op %s not decoded", cases[i].op_json);
        assert_int_equal(c.op, cases[i].op);
        assert_string_equal(c.op_text, cases[i].text);
        if (cases[i].op != CDC_OP_DELETE)
            FX_ASSERT_SPAN(c.after, "{\"id\":1}");
    }
    /* An unknown op is an upsert of after: it needs one. */
    assert_int_equal(
        feed(d, "{\"type\":\"full\",\"op\":\"r\",\"before\":null,\"after\":null," SRC "," EMIT "}",
             &c),
        DECODE_ERROR);
    assert_int_equal(decoder_stats(d)->errors[DERR_BAD_IMAGE], 1);
    decoder_free(d);
}

static void test_txid_forms(void **state)
{
    struct decoder *d = decoder_new(NULL);
    struct cdc_change c;

    (void)state;
    assert_int_equal(
        feed(d,
             "{\"op\":\"c\",\"after\":{\"id\":1},\"source\":{\"ts_ns\":5,"
             "\"txId\":\"ffthunp5stx6ffs2vyfqoatmfu\",\"schema\":\"s\",\"table\":\"t\"}}",
             &c),
        DECODE_CHANGE);
    assert_string_equal(c.txid, "ffthunp5stx6ffs2vyfqoatmfu");
    assert_int_equal(feed(d,
                          "{\"op\":\"c\",\"after\":{\"id\":1},\"source\":{\"ts_ns\":5,"
                          "\"txId\":556,\"schema\":\"s\",\"table\":\"t\"}}",
                          &c),
                     DECODE_CHANGE);
    assert_string_equal(c.txid, "556");
    assert_int_equal(feed(d,
                          "{\"op\":\"c\",\"after\":{\"id\":1},\"source\":{\"ts_ns\":5,"
                          "\"txId\":18446744073709551617,\"schema\":\"s\",\"table\":\"t\"}}",
                          &c),
                     DECODE_CHANGE);
    assert_string_equal(c.txid, "18446744073709551617"); /* kept as text, beyond uint64 */
    assert_int_equal(feed(d,
                          "{\"op\":\"c\",\"after\":{\"id\":1},\"source\":{\"ts_ns\":5,"
                          "\"txId\":\"\\u0061bc\",\"schema\":\"s\",\"table\":\"t\"}}",
                          &c),
                     DECODE_CHANGE);
    assert_string_equal(c.txid, "abc");
    assert_int_equal(feed(d,
                          "{\"op\":\"c\",\"after\":{\"id\":1},\"source\":{\"ts_ns\":5,"
                          "\"schema\":\"s\",\"table\":\"t\"}}",
                          &c),
                     DECODE_CHANGE);
    assert_string_equal(c.txid, "");
    decoder_free(d);
}

static void test_names(void **state)
{
    struct decoder *d = decoder_new(NULL);
    struct cdc_change c;
    char name[CDC_NAME_MAX + 2];
    char doc[1024];

    (void)state;
    /* Escaped and non-ASCII names are decoded. */
    assert_int_equal(feed(d,
                          "{\"op\":\"c\",\"after\":{\"id\":1},\"source\":{\"ts_ns\":5,"
                          "\"schema\":\"Sales \\\"EU\\\"\",\"table\":\"caf\\u00e9\"}}",
                          &c),
                     DECODE_CHANGE);
    assert_string_equal(c.schema, "Sales \"EU\"");
    assert_string_equal(c.table, "caf\xc3\xa9");

    /* CDC_NAME_MAX bytes fit; one more does not. */
    memset(name, 'n', CDC_NAME_MAX);
    name[CDC_NAME_MAX] = '\0';
    snprintf(doc, sizeof doc,
             "{\"op\":\"c\",\"after\":{\"id\":1},\"source\":{\"ts_ns\":5,\"schema\":\"s\","
             "\"table\":\"%s\"}}",
             name);
    assert_int_equal(feed(d, doc, &c), DECODE_CHANGE);
    assert_string_equal(c.table, name);
    memset(name, 'n', CDC_NAME_MAX + 1);
    name[CDC_NAME_MAX + 1] = '\0';
    snprintf(doc, sizeof doc,
             "{\"op\":\"c\",\"after\":{\"id\":1},\"source\":{\"ts_ns\":5,\"schema\":\"s\","
             "\"table\":\"%s\"}}",
             name);
    assert_int_equal(feed(d, doc, &c), DECODE_ERROR);
    assert_int_equal(decoder_stats(d)->errors[DERR_BAD_NAME], 1);
    snprintf(doc, sizeof doc,
             "{\"op\":\"c\",\"after\":{\"id\":1},\"source\":{\"ts_ns\":5,\"table\":\"t\","
             "\"schema\":\"%s\"}}",
             name);
    assert_int_equal(feed(d, doc, &c), DECODE_ERROR);
    assert_int_equal(decoder_stats(d)->errors[DERR_BAD_NAME], 2);
    decoder_free(d);
}

/* Values are kept as their original bytes: no number normalisation, no re-serialisation. */
static void test_values_lossless(void **state)
{
    static const char after[] =
        "{ \"id\" : 123456789012345678901234567890 ,\"price\":1.50,\"neg\":-0,\"huge\":1e400,"
        "\"tiny\":-1.0E-400,\"nul\":\"a\\u0000b\",\"big\":9223372036854775808,"
        "\"esc\":\"\\ud83d\\ude00 \\\"q\\\" \\\\\",\"utf8\":\"caf\xc3\xa9\",\"nan\":\"NaN\","
        "\"arr\":[],\"obj\":{},\"t\":true,\"n\":null,"
        /* the documented column encodings: µs timestamps and their infinities, days, base64,
         * uuid, numeric as text, oidvector */
        "\"ts\":1710510600123456,\"ts_inf\":9223372036825200000,"
        "\"ts_ninf\":-9223372036832400000,\"day\":19797,\"bytes\":\"3q2+7w==\","
        "\"uuid\":\"a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11\",\"num\":\"123.45\","
        "\"dbl_inf\":\"-Infinity\",\"oids\":[],\"chr\":\"ab\"}";
    struct decoder *d = decoder_new(NULL);
    struct cdc_change c;
    struct buf doc, inner, nested;

    (void)state;
    buf_init(&doc);
    buf_printf(&doc,
               "{\"type\":\"full\",\"op\":\"c\",\"before\":null,\"after\":%s," SRC "," EMIT "}",
               after);
    assert_int_equal(feed_n(d, doc.data, doc.len, 1, &c), DECODE_CHANGE);
    FX_ASSERT_SPAN(c.after, after);

    /* A json column holds JSON text in a string: a big, deeply nested one (deeper than the
     * scanner's container limit, which does not apply inside a string) comes through intact. */
    buf_init(&nested);
    for (int i = 0; i < 5000; i++)
        buf_printf(&nested, "{\"k%d\":[\"v\\n%d\",", i, i);
    buf_puts(&nested, "null");
    for (int i = 0; i < 5000; i++)
        buf_puts(&nested, "]}");
    buf_init(&inner);
    buf_puts(&inner, "{\"id\":7,\"doc\":");
    buf_json_string(&inner, nested.data, nested.len);
    buf_putc(&inner, '}');
    buf_reset(&doc);
    buf_printf(&doc,
               "{\"type\":\"full\",\"op\":\"u\",\"before\":null,\"after\":%s," SRC "," EMIT "}",
               inner.data);
    assert_true(doc.len > 100000);
    assert_int_equal(feed_n(d, doc.data, doc.len, 1, &c), DECODE_CHANGE);
    assert_int_equal(c.after.n, inner.len);
    assert_memory_equal(c.after.p, inner.data, inner.len);
    {
        /* And the string decodes back to the original JSON text. */
        struct jspan v;
        char *text = malloc(nested.len + 1);
        size_t len;
        assert_non_null(text);
        assert_true(jscan_get(c.after, "doc", &v));
        assert_true(jscan_string(v, text, nested.len + 1, &len));
        assert_int_equal(len, nested.len);
        assert_memory_equal(text, nested.data, len);
        free(text);
    }
    buf_free(&nested);
    buf_free(&inner);
    buf_free(&doc);
    decoder_free(d);
}

/* --- split changes --- */

#define HEX80 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

static const char split_after[] =
    "{\"order_id\":1001,\"item_id\":42,\"quantity\":5,\"price\":\"29.99\","
    "\"note\":\"a \\\"quoted\\\" note, with caf\xc3\xa9 and \\u00e9\",\"blob\":\"" HEX80 HEX80 HEX80
        HEX80 HEX80 HEX80 "\",\"tail\":[1,2,3,{\"x\":null}]}";

/* The largest record of s, partition key included: the size a reassembled change counts. */
static size_t max_record(const struct fx_split *s)
{
    size_t max = 0;
    for (size_t i = 0; i < s->nparts; i++) {
        size_t r = strlen(s->part[i]) + strlen(PKEY);
        if (r > max)
            max = r;
    }
    return max;
}

/* The example INSERT with split_after as its image, split into three fragments at ASCII
 * positions; the middle one is the largest record. */
static void split_make(struct fx_split *s, const char *id, const char *op, bool crc_ok)
{
    size_t n = strlen(split_after), cut[4] = {0, 20, n - 15, n};
    struct fx_change c = {
        op, NULL, split_after, FX_COMMIT_NS, EMIT_NS, FX_TXID, "public", "order_items",
    };

    fx_split(s, &c, id, cut, 3, crc_ok);
    assert_int_equal(max_record(s), strlen(s->part[2]) + strlen(PKEY));
}

/* The data a part brings to the reassembly buffer: the head's record, a fragment's data (the
 * buffer also counts the bookkeeping around it). */
static size_t part_bytes(const struct fx_split *s, size_t i)
{
    return i == 0 ? strlen(s->part[0]) : s->cut[i] - s->cut[i - 1];
}

static void check_reassembled(const struct cdc_change *c, const struct fx_split *s)
{
    assert_int_equal(c->op, CDC_OP_CREATE);
    assert_string_equal(c->schema, "public");
    assert_string_equal(c->table, "order_items");
    assert_string_equal(c->txid, "ffthunp5stx6ffs2vyfqoatmfu");
    assert_true(c->commit_ns == INT64_C(1705318200000000000));
    assert_true(c->emit_ns == INT64_C(1705318200125483291));
    assert_null(c->before.p);
    FX_ASSERT_SPAN(c->after, s->after);
    assert_true(c->reassembled);
    assert_int_equal(c->record_bytes, max_record(s));
}

static void test_split_all_orders(void **state)
{
    struct fx_split s;
    unsigned order[4] = {0, 1, 2, 3};
    unsigned perms = 0;

    (void)state;
    split_make(&s, "ck-7f3a", "c", true);
    /* Every permutation of head + 3 fragments. */
    for (unsigned a = 0; a < 4; a++)
        for (unsigned b = 0; b < 4; b++)
            for (unsigned c2 = 0; c2 < 4; c2++)
                for (unsigned e = 0; e < 4; e++) {
                    if (a == b || a == c2 || a == e || b == c2 || b == e || c2 == e)
                        continue;
                    order[0] = a, order[1] = b, order[2] = c2, order[3] = e;
                    struct decoder *d = decoder_new(NULL);
                    struct cdc_change c;
                    size_t pending = 0, held = 0;
                    perms++;
                    for (unsigned k = 0; k < 4; k++) {
                        const char *p = s.part[order[k]];
                        enum decode_status st = feed_n(d, p, strlen(p), 100 + k, &c);
                        const struct decode_stats *ds = decoder_stats(d);
                        if (k < 3) {
                            if (st != DECODE_PENDING)
                                fail_msg("order %u%u%u%u step %u: status %d", a, b, c2, e, k, st);
                            pending += part_bytes(&s, order[k]);
                            assert_int_equal(ds->chunks_pending, 1);
                            /* the data and more: every part also costs its bookkeeping */
                            assert_true(ds->pending_bytes > pending);
                            assert_true(ds->pending_bytes > held + part_bytes(&s, order[k]));
                            held = ds->pending_bytes;
                        } else {
                            if (st != DECODE_CHANGE)
                                fail_msg("order %u%u%u%u: final status %d", a, b, c2, e, st);
                            check_reassembled(&c, &s);
                            assert_int_equal(ds->chunks_pending, 0);
                            assert_int_equal(ds->pending_bytes, 0);
                            assert_int_equal(ds->chunks_completed, 1);
                            assert_int_equal(ds->fragments_buffered, 3);
                        }
                    }
                    assert_int_equal(fx_decode_errors(d), 0);
                    decoder_free(d);
                }
    assert_int_equal(perms, 24);
    fx_split_free(&s);
}

/* The documented shapes of a split change: the chunked head and a fragment exactly as the
 * record format page shows them. */
static void test_doc_split_example(void **state)
{
    static const char fragment0[] = "{\"type\":\"fragment\",\"chunk_id\":\"<id>\",\"index\":0,"
                                    "\"data\":\"<partial JSON text>\"}";
    char head[1024];
    struct decoder *d = decoder_new(NULL);
    struct cdc_change c;
    char *f1, *f2;

    (void)state;
    /* The documented fragment is accepted and buffered. */
    assert_int_equal(feed(d, fragment0, &c), DECODE_PENDING);
    assert_int_equal(decoder_stats(d)->chunks_pending, 1);
    /* Completed with the head's CRC over the concatenation, the text is still not JSON. */
    f1 = fx_fragment("<id>", 1, " more", 5);
    f2 = fx_fragment("<id>", 2, " text", 5);
    snprintf(head, sizeof head,
             "{\"type\":\"chunked\",\"op\":\"c\",\"before\":null,\"after\":null," SRC
             ",\n \"chunked\":{\"after\":{\"chunk_id\":\"<id>\",\"total_fragments\":3,"
             "\"crc32c\":\"%" PRIu32 "\"}},\n " EMIT "}",
             fx_crc("<partial JSON text> more text"));
    assert_int_equal(feed(d, head, &c), DECODE_PENDING);
    assert_int_equal(feed(d, f2, &c), DECODE_PENDING);
    assert_int_equal(feed(d, f1, &c), DECODE_ERROR);
    assert_int_equal(decoder_stats(d)->errors[DERR_REASSEMBLED_JSON], 1);
    assert_int_equal(fx_decode_errors(d), 1);
    assert_int_equal(decoder_stats(d)->chunks_pending, 0);
    assert_int_equal(decoder_stats(d)->pending_bytes, 0);
    free(f1);
    free(f2);
    decoder_free(d);
}

static void test_split_repeats(void **state)
{
    struct fx_split s;
    struct decoder *d = decoder_new(NULL);
    struct cdc_change c;
    unsigned changes = 0;

    (void)state;
    split_make(&s, "ck-dup", "c", true);
    assert_int_equal(feed(d, s.part[1], &c), DECODE_PENDING);
    assert_int_equal(feed(d, s.part[1], &c), DECODE_REPEAT); /* same fragment again */
    assert_int_equal(feed(d, s.part[0], &c), DECODE_PENDING);
    size_t held = decoder_stats(d)->pending_bytes;
    /* the same head again: a duplicate of the change, with its table, and nothing buffered */
    memset(&c, 0, sizeof c);
    assert_int_equal(feed(d, s.part[0], &c), DECODE_DUPLICATE);
    assert_string_equal(c.schema, "public");
    assert_string_equal(c.table, "order_items");
    assert_string_equal(c.txid, "ffthunp5stx6ffs2vyfqoatmfu");
    assert_int_equal(decoder_stats(d)->pending_bytes, held);
    assert_int_equal(feed(d, s.part[3], &c), DECODE_PENDING);
    assert_true(decoder_stats(d)->pending_bytes >
                part_bytes(&s, 0) + part_bytes(&s, 1) + part_bytes(&s, 3));
    assert_int_equal(feed(d, s.part[2], &c), DECODE_CHANGE);
    check_reassembled(&c, &s);
    /* Redeliveries after completion: never a second change, nothing buffered; the head is a
     * duplicate each time, the fragments are repeats. */
    for (int round = 0; round < 3; round++)
        for (size_t i = 0; i < s.nparts; i++) {
            enum decode_status st = feed(d, s.part[i], &c);
            if (st == DECODE_CHANGE)
                changes++;
            assert_int_equal(st, i == 0 ? DECODE_DUPLICATE : DECODE_REPEAT);
        }
    assert_int_equal(changes, 0);
    assert_int_equal(decoder_stats(d)->fragment_repeats, 1 + 3 * 3);
    assert_int_equal(decoder_stats(d)->chunks_completed, 1);
    assert_int_equal(decoder_stats(d)->chunks_pending, 0);
    assert_int_equal(decoder_stats(d)->pending_bytes, 0);
    assert_int_equal(fx_decode_errors(d), 0);
    fx_split_free(&s);
    decoder_free(d);
}

static void test_split_crc_mismatch(void **state)
{
    struct fx_split s;
    struct decoder *d = decoder_new(NULL);
    struct cdc_change c;

    (void)state;
    split_make(&s, "ck-crc", "c", false);
    for (size_t i = 0; i < 3; i++)
        assert_int_equal(feed(d, s.part[i], &c), DECODE_PENDING);
    assert_int_equal(feed(d, s.part[3], &c), DECODE_ERROR);
    assert_int_equal(decoder_stats(d)->errors[DERR_CRC_MISMATCH], 1);
    assert_int_equal(fx_decode_errors(d), 1);
    assert_true(strlen(decoder_stats(d)->sample[DERR_CRC_MISMATCH].detail) > 0);
    assert_int_equal(decoder_stats(d)->chunks_pending, 0);
    assert_int_equal(decoder_stats(d)->pending_bytes, 0);
    fx_split_free(&s);
    decoder_free(d);
}

static void test_split_crc_as_number(void **state)
{
    char head[1024];
    struct decoder *d = decoder_new(NULL);
    struct cdc_change c;
    char *f0 = fx_fragment("n1", 0, "{\"id\":", 6), *f1 = fx_fragment("n1", 1, "5}", 2);

    (void)state;
    snprintf(head, sizeof head,
             "{\"type\":\"chunked\",\"op\":\"c\",\"before\":null,\"after\":null," SRC
             ",\"chunked\":{\"after\":{\"chunk_id\":\"n1\",\"total_fragments\":2,"
             "\"crc32c\":%" PRIu32 "}}," EMIT "}",
             fx_crc("{\"id\":5}"));
    assert_int_equal(feed(d, f1, &c), DECODE_PENDING);
    assert_int_equal(feed(d, head, &c), DECODE_PENDING);
    assert_int_equal(feed(d, f0, &c), DECODE_CHANGE);
    FX_ASSERT_SPAN(c.after, "{\"id\":5}");
    free(f0);
    free(f1);
    decoder_free(d);
}

static void test_split_not_object(void **state)
{
    char head[1024];
    struct decoder *d = decoder_new(NULL);
    struct cdc_change c;
    char *f0 = fx_fragment("arr", 0, "[1,", 3), *f1 = fx_fragment("arr", 1, "2]", 2);

    (void)state;
    snprintf(head, sizeof head,
             "{\"type\":\"chunked\",\"op\":\"c\",\"before\":null,\"after\":null," SRC
             ",\"chunked\":{\"after\":{\"chunk_id\":\"arr\",\"total_fragments\":2,"
             "\"crc32c\":\"%" PRIu32 "\"}}," EMIT "}",
             fx_crc("[1,2]"));
    assert_int_equal(feed(d, head, &c), DECODE_PENDING);
    assert_int_equal(feed(d, f0, &c), DECODE_PENDING);
    assert_int_equal(feed(d, f1, &c), DECODE_ERROR);
    assert_int_equal(decoder_stats(d)->errors[DERR_REASSEMBLED_JSON], 1);
    assert_true(strlen(decoder_stats(d)->sample[DERR_REASSEMBLED_JSON].detail) > 0);
    assert_int_equal(fx_decode_errors(d), 1);
    free(f0);
    free(f1);
    decoder_free(d);
}

static void test_split_before_and_after(void **state)
{
    static const char before[] = "{\"order_id\":1001,\"item_id\":42,\"note\":\"old \\\"one\\\"\"}";
    static const char after[] = "{\"order_id\":1001,\"item_id\":42,\"note\":\"new\",\"qty\":6}";
    char head[1024];
    char *part[6];
    struct decoder *d = decoder_new(NULL);
    struct cdc_change c;
    size_t nb = strlen(before), na = strlen(after);

    (void)state;
    snprintf(head, sizeof head,
             "{\"type\":\"chunked\",\"op\":\"u\",\"before\":null,\"after\":null," SRC
             ",\"chunked\":{\"before\":{\"chunk_id\":\"b-1\",\"total_fragments\":2,"
             "\"crc32c\":\"%" PRIu32 "\"},\"after\":{\"chunk_id\":\"a-1\","
             "\"total_fragments\":3,\"crc32c\":\"%" PRIu32 "\"}}," EMIT "}",
             fx_crc(before), fx_crc(after));
    part[0] = strdup(head);
    part[1] = fx_fragment("a-1", 2, after + 30, na - 30);
    part[2] = fx_fragment("b-1", 1, before + 10, nb - 10);
    part[3] = fx_fragment("a-1", 0, after, 12);
    part[4] = fx_fragment("b-1", 0, before, 10);
    part[5] = fx_fragment("a-1", 1, after + 12, 18);
    for (int i = 0; i < 5; i++)
        assert_int_equal(feed(d, part[i], &c), DECODE_PENDING);
    assert_int_equal(decoder_stats(d)->chunks_pending, 1);
    assert_int_equal(feed(d, part[5], &c), DECODE_CHANGE);
    assert_int_equal(c.op, CDC_OP_UPDATE);
    FX_ASSERT_SPAN(c.before, before);
    FX_ASSERT_SPAN(c.after, after);
    assert_true(c.reassembled);
    for (int i = 0; i < 6; i++) {
        assert_int_equal(feed(d, part[i], &c), i == 0 ? DECODE_DUPLICATE : DECODE_REPEAT);
        free(part[i]);
    }
    assert_int_equal(decoder_stats(d)->chunks_pending, 0);
    assert_int_equal(decoder_stats(d)->pending_bytes, 0);
    assert_int_equal(fx_decode_errors(d), 0);
    decoder_free(d);
}

/* Only the after image is split; the before image travels inline in the head. */
static void test_split_inline_before(void **state)
{
    char head[1024];
    struct decoder *d = decoder_new(NULL);
    struct cdc_change c;
    char *f0 = fx_fragment("il", 0, "{\"id\":9,\"v\":\"x\"}", 16);

    (void)state;
    snprintf(head, sizeof head,
             "{\"type\":\"chunked\",\"op\":\"u\",\"before\":{\"id\":9},\"after\":null," SRC
             ",\"chunked\":{\"before\":null,\"after\":{\"chunk_id\":\"il\",\"total_fragments\":1,"
             "\"crc32c\":\"%" PRIu32 "\"}}," EMIT "}",
             fx_crc("{\"id\":9,\"v\":\"x\"}"));
    assert_int_equal(feed(d, head, &c), DECODE_PENDING);
    assert_int_equal(feed(d, f0, &c), DECODE_CHANGE);
    FX_ASSERT_SPAN(c.before, "{\"id\":9}");
    FX_ASSERT_SPAN(c.after, "{\"id\":9,\"v\":\"x\"}");
    free(f0);
    decoder_free(d);
}

static void test_split_malformed(void **state)
{
    static const char *const bad[] = {
        /* fragments */
        "{\"type\":\"fragment\",\"index\":0,\"data\":\"x\"}",
        "{\"type\":\"fragment\",\"chunk_id\":\"\",\"index\":0,\"data\":\"x\"}",
        "{\"type\":\"fragment\",\"chunk_id\":7,\"index\":0,\"data\":\"x\"}",
        "{\"type\":\"fragment\",\"chunk_id\":\"f\",\"data\":\"x\"}",
        "{\"type\":\"fragment\",\"chunk_id\":\"f\",\"index\":-1,\"data\":\"x\"}",
        "{\"type\":\"fragment\",\"chunk_id\":\"f\",\"index\":65536,\"data\":\"x\"}",
        "{\"type\":\"fragment\",\"chunk_id\":\"f\",\"index\":1024,\"data\":\"x\"}",
        "{\"type\":\"fragment\",\"chunk_id\":\"f\",\"index\":4000000000,\"data\":\"x\"}",
        "{\"type\":\"fragment\",\"chunk_id\":\"f\",\"index\":1.0,\"data\":\"x\"}",
        "{\"type\":\"fragment\",\"chunk_id\":\"f\",\"index\":\"0\",\"data\":\"x\"}",
        "{\"type\":\"fragment\",\"chunk_id\":\"f\",\"index\":0}",
        "{\"type\":\"fragment\",\"chunk_id\":\"f\",\"index\":0,\"data\":{\"a\":1}}",
        /* heads */
        "{\"type\":\"chunked\",\"op\":\"c\"," SRC "," EMIT "}",
        "{\"type\":\"chunked\",\"op\":\"c\"," SRC ",\"chunked\":{}," EMIT "}",
        "{\"type\":\"chunked\",\"op\":\"c\"," SRC ",\"chunked\":[]," EMIT "}",
        "{\"type\":\"chunked\",\"op\":\"c\"," SRC
        ",\"chunked\":{\"after\":{\"total_fragments\":3,\"crc32c\":\"1\"}}," EMIT "}",
        "{\"type\":\"chunked\",\"op\":\"c\"," SRC
        ",\"chunked\":{\"after\":{\"chunk_id\":\"h\",\"total_fragments\":0,\"crc32c\":\"1\"}}," EMIT
        "}",
        "{\"type\":\"chunked\",\"op\":\"c\"," SRC
        ",\"chunked\":{\"after\":{\"chunk_id\":\"h\",\"total_fragments\":1025,\"crc32c\":\"1\"}}"
        "," EMIT "}",
        "{\"type\":\"chunked\",\"op\":\"c\"," SRC
        ",\"chunked\":{\"after\":{\"chunk_id\":\"h\",\"total_fragments\":3}}," EMIT "}",
        "{\"type\":\"chunked\",\"op\":\"c\"," SRC
        ",\"chunked\":{\"after\":{\"chunk_id\":\"h\",\"total_fragments\":3,\"crc32c\":\"x\"}}," EMIT
        "}",
        "{\"type\":\"chunked\",\"op\":\"c\"," SRC
        ",\"chunked\":{\"after\":{\"chunk_id\":\"h\",\"total_fragments\":3,"
        "\"crc32c\":\"4294967296\"}}," EMIT "}",
        "{\"type\":\"chunked\",\"op\":\"c\"," SRC ",\"chunked\":{\"after\":\"h\"}," EMIT "}",
    };
    struct decoder *d = decoder_new(NULL);
    struct cdc_change c;

    (void)state;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        if (feed(d, bad[i], &c) != DECODE_ERROR)
            fail_msg("accepted %s", bad[i]);
        assert_int_equal(decoder_stats(d)->errors[DERR_BAD_FRAGMENT], i + 1);
        assert_true(strlen(decoder_stats(d)->sample[DERR_BAD_FRAGMENT].detail) > 0);
    }
    assert_int_equal(fx_decode_errors(d), sizeof bad / sizeof bad[0]);
    assert_int_equal(decoder_stats(d)->chunks_pending, 0);
    decoder_free(d);
}

static void test_split_index_out_of_range(void **state)
{
    struct fx_split s;
    struct decoder *d = decoder_new(NULL);
    struct cdc_change c;
    char *f3 = fx_fragment("ck-range", 3, "x", 1);

    (void)state;
    split_make(&s, "ck-range", "c", true);
    assert_int_equal(feed(d, s.part[0], &c), DECODE_PENDING);
    assert_int_equal(feed(d, f3, &c), DECODE_ERROR); /* total_fragments is 3: 0..2 */
    assert_int_equal(decoder_stats(d)->errors[DERR_BAD_FRAGMENT], 1);
    /* The change itself is unharmed. */
    assert_int_equal(feed(d, s.part[1], &c), DECODE_PENDING);
    assert_int_equal(feed(d, s.part[2], &c), DECODE_PENDING);
    assert_int_equal(feed(d, s.part[3], &c), DECODE_CHANGE);
    check_reassembled(&c, &s);

    /* A fragment beyond the count that arrived before its head makes the head inconsistent. */
    {
        struct fx_split s2;
        char *far = fx_fragment("ck-far", 7, "x", 1);
        split_make(&s2, "ck-far", "c", true);
        assert_int_equal(feed(d, far, &c), DECODE_PENDING);
        assert_int_equal(feed(d, s2.part[0], &c), DECODE_ERROR);
        assert_int_equal(decoder_stats(d)->errors[DERR_BAD_FRAGMENT], 2);
        free(far);
        fx_split_free(&s2);
    }
    free(f3);
    fx_split_free(&s);
    decoder_free(d);
}

/* Feeds part i of s at time t, expecting it to be buffered. */
static void feed_pending(struct decoder *d, const struct fx_split *s, size_t i, int64_t t)
{
    struct cdc_change c;
    assert_int_equal(feed_n(d, s->part[i], strlen(s->part[i]), t, &c), DECODE_PENDING);
}

static void test_split_timeout(void **state)
{
    struct decoder_limits lim = {.max_pending_bytes = 0, .fragment_timeout_ms = 1000};
    struct decoder *d;
    const struct decode_stats *st;
    struct fx_split a, b, e;
    struct cdc_change c;

    (void)state;
    split_make(&a, "ck-a", "c", true);
    split_make(&b, "ck-b", "c", true);
    split_make(&e, "ck-e", "c", true);

    /* A head and one of its fragments: one split change, one timeout. */
    d = decoder_new(&lim);
    st = decoder_stats(d);
    feed_pending(d, &a, 0, 0);
    feed_pending(d, &a, 1, 0);
    decoder_tick(d, 1000); /* not older than the timeout yet */
    assert_int_equal(st->errors[DERR_FRAGMENT_TIMEOUT], 0);
    assert_int_equal(st->chunks_pending, 1);
    decoder_tick(d, 1001);
    assert_int_equal(st->errors[DERR_FRAGMENT_TIMEOUT], 1);
    assert_non_null(strstr(st->sample[DERR_FRAGMENT_TIMEOUT].detail, "expired"));
    assert_int_equal(st->chunks_pending, 0);
    assert_int_equal(st->pending_bytes, 0);
    assert_int_equal(fx_decode_errors(d), 1);
    decoder_free(d);

    /* Fragments without a head: one timeout for the image. */
    d = decoder_new(&lim);
    st = decoder_stats(d);
    feed_pending(d, &b, 1, 100);
    feed_pending(d, &b, 3, 100);
    assert_int_equal(st->chunks_pending, 1);
    decoder_tick(d, 1101);
    assert_int_equal(st->errors[DERR_FRAGMENT_TIMEOUT], 1);
    assert_int_equal(st->chunks_pending, 0);
    assert_int_equal(st->pending_bytes, 0);
    decoder_free(d);

    /* A fragment long before its head: the change counts from its first part. */
    d = decoder_new(&lim);
    st = decoder_stats(d);
    feed_pending(d, &e, 2, 0);
    feed_pending(d, &e, 0, 900);
    decoder_tick(d, 1001);
    assert_int_equal(st->errors[DERR_FRAGMENT_TIMEOUT], 1);
    assert_int_equal(st->chunks_pending, 0);
    assert_int_equal(st->pending_bytes, 0);
    decoder_free(d);

    /* All three together, expiring at different times; the decoder keeps working. */
    d = decoder_new(&lim);
    st = decoder_stats(d);
    feed_pending(d, &a, 0, 0);
    feed_pending(d, &a, 1, 0);
    feed_pending(d, &b, 1, 100);
    feed_pending(d, &b, 3, 100);
    feed_pending(d, &e, 2, 0);
    feed_pending(d, &e, 0, 900);
    assert_int_equal(st->chunks_pending, 3);
    decoder_tick(d, 1001);
    assert_int_equal(st->errors[DERR_FRAGMENT_TIMEOUT], 2);
    assert_int_equal(st->chunks_pending, 1);
    decoder_tick(d, 1101);
    assert_int_equal(st->errors[DERR_FRAGMENT_TIMEOUT], 3);
    assert_int_equal(st->chunks_pending, 0);
    assert_int_equal(st->pending_bytes, 0);
    for (size_t i = 0; i < 3; i++)
        feed_pending(d, &a, i, 2000);
    assert_int_equal(feed_n(d, a.part[3], strlen(a.part[3]), 2000, &c), DECODE_CHANGE);
    check_reassembled(&c, &a);
    assert_int_equal(fx_decode_errors(d), 3);
    decoder_free(d);

    fx_split_free(&a);
    fx_split_free(&b);
    fx_split_free(&e);
}

/* What a decoder without a cap holds after these parts of s. */
static size_t held_after(const struct fx_split *s, const size_t *parts, size_t n)
{
    struct decoder *d = decoder_new(NULL);
    struct cdc_change c;
    for (size_t i = 0; i < n; i++)
        assert_int_equal(feed(d, s->part[parts[i]], &c), DECODE_PENDING);
    size_t held = decoder_stats(d)->pending_bytes;
    decoder_free(d);
    return held;
}

static void test_split_byte_cap(void **state)
{
    static const size_t three[] = {0, 1, 2}, head[] = {0};
    struct fx_split s, t;
    struct decoder_limits lim = {.max_pending_bytes = 0};
    struct decoder *d;
    const struct decode_stats *st;
    struct cdc_change c;

    (void)state;
    split_make(&s, "ck-cap1", "c", true);
    split_make(&t, "ck-cap2", "c", true);
    size_t s_three = held_after(&s, three, 3), s_head = held_after(&s, head, 1);
    size_t t_head = held_after(&t, head, 1);
    d = decoder_new(NULL);
    for (size_t i = 0; i < 3; i++)
        assert_int_equal(feed(d, s.part[i], &c), DECODE_PENDING);
    assert_int_equal(feed(d, t.part[0], &c), DECODE_PENDING);
    size_t both = decoder_stats(d)->pending_bytes;
    decoder_free(d);

    /* Room for one split change at a time: a newer one takes the place of the oldest. */
    lim.max_pending_bytes = both - 1;
    lim.fragment_timeout_ms = 0;
    d = decoder_new(&lim);
    st = decoder_stats(d);
    for (size_t i = 0; i < 3; i++)
        assert_int_equal(feed(d, s.part[i], &c), DECODE_PENDING);
    assert_int_equal(st->pending_bytes, s_three);
    assert_int_equal(feed(d, t.part[0], &c), DECODE_PENDING); /* the new head is kept */
    assert_int_equal(st->errors[DERR_FRAGMENT_EVICTED], 1);   /* the older change is dropped */
    assert_non_null(strstr(st->sample[DERR_FRAGMENT_EVICTED].detail, "1 split change"));
    assert_int_equal(st->errors[DERR_FRAGMENT_OVERFLOW], 0);
    assert_int_equal(st->chunks_pending, 1);
    assert_int_equal(st->pending_bytes, t_head);
    for (size_t i = 1; i < 3; i++)
        assert_int_equal(feed(d, t.part[i], &c), DECODE_PENDING);
    assert_int_equal(feed(d, t.part[3], &c), DECODE_CHANGE);
    check_reassembled(&c, &t);
    assert_int_equal(st->chunks_pending, 0);
    assert_int_equal(st->pending_bytes, 0);
    /* The dropped change's last fragment is an orphan now; it waits for a head like any. */
    assert_int_equal(feed(d, s.part[3], &c), DECODE_PENDING);
    assert_int_equal(st->chunks_pending, 1);
    assert_int_equal(fx_decode_errors(d), 1);
    decoder_free(d);

    /* A cap below one change: the change is dropped as a whole when it outgrows the cap. */
    lim.max_pending_bytes = s_head;
    d = decoder_new(&lim);
    st = decoder_stats(d);
    assert_int_equal(feed(d, s.part[0], &c), DECODE_PENDING);
    assert_int_equal(st->pending_bytes, s_head);
    assert_int_equal(feed(d, s.part[2], &c), DECODE_ERROR);
    assert_int_equal(st->errors[DERR_FRAGMENT_OVERFLOW], 1);
    assert_true(strlen(st->sample[DERR_FRAGMENT_OVERFLOW].detail) > 0);
    assert_int_equal(st->errors[DERR_FRAGMENT_EVICTED], 0);
    assert_int_equal(st->chunks_pending, 0);
    assert_int_equal(st->pending_bytes, 0);
    /* Whatever arrives next, the cap holds. */
    for (size_t i = 0; i < s.nparts; i++) {
        feed(d, s.part[i], &c);
        assert_true(st->pending_bytes <= lim.max_pending_bytes);
    }
    decoder_free(d);
    fx_split_free(&s);
    fx_split_free(&t);
}

/* Both images' fragments before their head, the after image's first: the two waiting images
 * become one change when the head names them, which counts from the older of them. */
static void test_split_both_images_first(void **state)
{
    static const char before[] = "{\"order_id\":1001,\"item_id\":42}";
    static const char after[] = "{\"order_id\":1001,\"item_id\":42,\"qty\":6}";
    struct decoder_limits lim = {.fragment_timeout_ms = 1000};
    char head[1024];
    struct decoder *d = decoder_new(&lim);
    const struct decode_stats *st = decoder_stats(d);
    struct cdc_change c;
    char *a0 = fx_fragment("a-2", 0, after, 10), *a1 = fx_fragment("a-2", 1, after + 10, 28);
    char *b0 = fx_fragment("b-2", 0, before, 30);

    (void)state;
    snprintf(head, sizeof head,
             "{\"type\":\"chunked\",\"op\":\"u\",\"before\":null,\"after\":null," SRC
             ",\"chunked\":{\"before\":{\"chunk_id\":\"b-2\",\"total_fragments\":1,"
             "\"crc32c\":\"%" PRIu32 "\"},\"after\":{\"chunk_id\":\"a-2\","
             "\"total_fragments\":2,\"crc32c\":\"%" PRIu32 "\"}}," EMIT "}",
             fx_crc(before), fx_crc(after));
    assert_int_equal(strlen(after), 38);
    assert_int_equal(feed_n(d, a0, strlen(a0), 0, &c), DECODE_PENDING);
    assert_int_equal(feed_n(d, b0, strlen(b0), 500, &c), DECODE_PENDING);
    assert_int_equal(st->chunks_pending, 2);
    assert_int_equal(feed_n(d, head, strlen(head), 600, &c), DECODE_PENDING);
    assert_int_equal(st->chunks_pending, 1);
    /* It expires with its oldest part... */
    decoder_tick(d, 1001);
    assert_int_equal(st->errors[DERR_FRAGMENT_TIMEOUT], 1);
    assert_int_equal(st->chunks_pending, 0);
    assert_int_equal(st->pending_bytes, 0);
    /* ...and, delivered again in time, completes with both images. */
    assert_int_equal(feed_n(d, b0, strlen(b0), 2000, &c), DECODE_PENDING);
    assert_int_equal(feed_n(d, a1, strlen(a1), 2000, &c), DECODE_PENDING);
    assert_int_equal(feed_n(d, head, strlen(head), 2000, &c), DECODE_PENDING);
    assert_int_equal(feed_n(d, a0, strlen(a0), 2000, &c), DECODE_CHANGE);
    FX_ASSERT_SPAN(c.before, before);
    FX_ASSERT_SPAN(c.after, after);
    assert_int_equal(st->chunks_pending, 0);
    assert_int_equal(st->pending_bytes, 0);
    /* A head naming one chunk id for both images is malformed. */
    snprintf(head, sizeof head,
             "{\"type\":\"chunked\",\"op\":\"u\",\"before\":null,\"after\":null," SRC
             ",\"chunked\":{\"before\":{\"chunk_id\":\"s-2\",\"total_fragments\":1,"
             "\"crc32c\":\"1\"},\"after\":{\"chunk_id\":\"s-2\",\"total_fragments\":1,"
             "\"crc32c\":\"1\"}}," EMIT "}");
    assert_int_equal(feed(d, head, &c), DECODE_ERROR);
    assert_int_equal(st->errors[DERR_BAD_FRAGMENT], 1);
    free(a0);
    free(a1);
    free(b0);
    decoder_free(d);
}

/* A change whose reassembly failed: its redelivered head is no duplicate of a change. */
static void test_split_failed_head_repeat(void **state)
{
    struct fx_split s;
    struct decoder *d = decoder_new(NULL);
    struct cdc_change c;

    (void)state;
    split_make(&s, "ck-bad", "c", false);
    for (size_t i = 0; i < 3; i++)
        assert_int_equal(feed(d, s.part[i], &c), DECODE_PENDING);
    assert_int_equal(feed(d, s.part[3], &c), DECODE_ERROR);
    assert_int_equal(decoder_stats(d)->errors[DERR_CRC_MISMATCH], 1);
    for (size_t i = 0; i < s.nparts; i++)
        assert_int_equal(feed(d, s.part[i], &c), DECODE_REPEAT);
    assert_int_equal(decoder_stats(d)->fragment_repeats, 4);
    assert_int_equal(fx_decode_errors(d), 1);
    assert_int_equal(decoder_stats(d)->chunks_pending, 0);
    fx_split_free(&s);
    decoder_free(d);
}

/* Fragments are kept as they come, not in an array as long as their index: the last index
 * allowed costs what the first does, and one past it is refused. */
static void test_fragment_index_sparse(void **state)
{
    char head[1024];
    struct decoder *lo = decoder_new(NULL), *hi = decoder_new(NULL);
    struct cdc_change c;
    char *f0 = fx_fragment("sp", 0, "{\"id\":", 6);
    char *top = fx_fragment("sp", CHUNK_MAX_FRAGMENTS - 1, "{\"id\":", 6);
    char *over = fx_fragment("sp", CHUNK_MAX_FRAGMENTS, "{\"id\":", 6);

    (void)state;
    assert_int_equal(feed(lo, f0, &c), DECODE_PENDING);
    assert_int_equal(feed(hi, top, &c), DECODE_PENDING);
    assert_int_equal(decoder_stats(hi)->pending_bytes, decoder_stats(lo)->pending_bytes);
    assert_int_equal(feed(hi, over, &c), DECODE_ERROR);
    assert_int_equal(decoder_stats(hi)->errors[DERR_BAD_FRAGMENT], 1);
    /* A head announcing fewer fragments than the index that came first is inconsistent. */
    snprintf(head, sizeof head,
             "{\"type\":\"chunked\",\"op\":\"c\",\"before\":null,\"after\":null," SRC
             ",\"chunked\":{\"after\":{\"chunk_id\":\"sp\",\"total_fragments\":2,"
             "\"crc32c\":\"%" PRIu32 "\"}}," EMIT "}",
             fx_crc("{\"id\":5}"));
    assert_int_equal(feed(hi, head, &c), DECODE_ERROR);
    assert_int_equal(decoder_stats(hi)->errors[DERR_BAD_FRAGMENT], 2);
    /* The same head completes the change that started at index 0. */
    assert_int_equal(feed(lo, head, &c), DECODE_PENDING);
    free(f0);
    f0 = fx_fragment("sp", 1, "5}", 2);
    assert_int_equal(feed(lo, f0, &c), DECODE_CHANGE);
    FX_ASSERT_SPAN(c.after, "{\"id\":5}");
    free(f0);
    free(top);
    free(over);
    decoder_free(lo);
    decoder_free(hi);
}

/* A hostile fragment: a chunk id never seen before, an index near the top, about 75 bytes. */
static char *hostile_fragment(unsigned n)
{
    char id[16];
    snprintf(id, sizeof id, "b%08x", n);
    return fx_fragment(id, CHUNK_MAX_FRAGMENTS - 1 - n % 16, "0123456789abcdef", 16);
}

#define BOMB_BUDGET (1u << 20)
/* What the heap may hold beyond the buffer's own count: the last reassembled change (kept until
 * the next record), the test's own split change, and the page rounding of a mapped index. */
#define BOMB_HEAP_SLACK (16u << 10)

/* n hostile fragments into a 1 MiB buffer, with a legitimate split change fed one part every
 * 100 of them: the buffer stays within its budget, by its own count and by the allocator's,
 * drops the oldest pending changes (each counted once), and the legitimate changes complete. */
static void check_bomb(unsigned n)
{
    struct decoder_limits lim = {.max_pending_bytes = BOMB_BUDGET};
    struct decoder *d = decoder_new(&lim);
    const struct decode_stats *st = decoder_stats(d);
    size_t heap0 = fx_heap_in_use(), worst_heap = 0, worst_held = 0;
    unsigned started = 0, completed = 0;
    size_t next = 0;
    struct fx_split s;
    struct cdc_change c;

    for (unsigned i = 0; i < n; i++) {
        char *f = hostile_fragment(i);
        assert_int_equal(feed(d, f, &c), DECODE_PENDING); /* the newest part is always kept */
        free(f);
        if (i % 100 == 50) {
            if (next == 0) {
                char id[32];
                snprintf(id, sizeof id, "legit-%u", started++);
                split_make(&s, id, "c", true);
            }
            enum decode_status r = feed(d, s.part[next], &c);
            if (++next < s.nparts) {
                assert_int_equal(r, DECODE_PENDING);
            } else {
                assert_int_equal(r, DECODE_CHANGE);
                check_reassembled(&c, &s);
                completed++;
                fx_split_free(&s);
                next = 0;
            }
        }
        if (st->pending_bytes > worst_held)
            worst_held = st->pending_bytes;
        if (heap0 != SIZE_MAX && (i % 64 == 0 || i + 1 == n)) {
            size_t heap = fx_heap_in_use() - heap0;
            if (heap > worst_heap)
                worst_heap = heap;
        }
    }
    assert_true(worst_held <= BOMB_BUDGET);
    if (heap0 != SIZE_MAX) {
        if (worst_heap > BOMB_BUDGET + BOMB_HEAP_SLACK)
            fail_msg("%u fragments: the heap grew by %zu bytes for a %u-byte buffer", n, worst_heap,
                     BOMB_BUDGET);
    } else {
        print_message("heap use unknown here: only the buffer's own count was checked\n");
    }
    assert_true(completed > 0);
    assert_int_equal(completed, started - (next ? 1 : 0));
    /* Every change that is neither pending nor completed was dropped for room, and counted. */
    assert_int_equal(st->errors[DERR_FRAGMENT_EVICTED] + st->chunks_pending + completed,
                     n + started);
    assert_int_equal(st->errors[DERR_FRAGMENT_OVERFLOW], 0);
    assert_int_equal(st->errors[DERR_BAD_FRAGMENT], 0);
    if (next)
        fx_split_free(&s);
    decoder_free(d);
}

static void test_fragment_bomb_2000(void **state)
{
    (void)state;
    check_bomb(2000);
}

static void test_fragment_bomb_100000(void **state)
{
    (void)state;
    check_bomb(100000);
}

/* Two hundred thousand fragments of the same few changes, redelivered: found by their ids in one
 * step each, whatever else is pending. */
static void test_fragment_repeats_amid_pending(void **state)
{
    struct decoder *d = decoder_new(NULL);
    struct cdc_change c;
    char *f;

    (void)state;
    for (unsigned i = 0; i < 20000; i++) {
        f = hostile_fragment(i);
        assert_int_equal(feed(d, f, &c), DECODE_PENDING);
        free(f);
    }
    for (unsigned i = 0; i < 200000; i++) {
        f = hostile_fragment(i % 20000);
        assert_int_equal(feed(d, f, &c), DECODE_REPEAT);
        free(f);
    }
    assert_int_equal(decoder_stats(d)->chunks_pending, 20000);
    assert_int_equal(decoder_stats(d)->fragment_repeats, 200000);
    decoder_free(d);
}

/* A split change survives any amount of garbage between its parts. */
static void test_split_amid_garbage(void **state)
{
    struct fx_split s;
    struct decoder *d = decoder_new(NULL);
    struct cdc_change c;

    (void)state;
    split_make(&s, "ck-g", "c", true);
    for (size_t i = 0; i < 3; i++) {
        assert_int_equal(feed(d, s.part[i], &c), DECODE_PENDING);
        for (int k = 0; k < 50; k++) {
            assert_int_equal(feed(d, "{\"type\":\"fragment\"", &c), DECODE_ERROR);
            assert_int_equal(feed(d, "[]", &c), DECODE_ERROR);
            assert_int_equal(feed(d, "{\"type\":\"fragment\",\"chunk_id\":\"ck-g\"}", &c),
                             DECODE_ERROR);
        }
    }
    assert_int_equal(feed(d, s.part[3], &c), DECODE_CHANGE);
    check_reassembled(&c, &s);
    assert_int_equal(fx_decode_errors(d), 3 * 50 * 3);
    fx_split_free(&s);
    decoder_free(d);
}

/* --- malformed records --- */

struct bad_record {
    const char *text;
    enum decode_reason reason;
    const char *detail; /* expected detail, or NULL for "any non-empty" */
};

static void check_bad(struct decoder *d, const struct bad_record *b, int64_t now)
{
    const struct decode_stats *st = decoder_stats(d);
    uint64_t before[DERR_COUNT];
    struct cdc_change c;
    size_t len = strlen(b->text);
    char *copy = malloc(len ? len : 1);

    assert_non_null(copy);
    memcpy(copy, b->text, len);
    memcpy(before, st->errors, sizeof before);
    if (feed_n(d, len ? copy : NULL, len, now, &c) != DECODE_ERROR)
        fail_msg("accepted <%s>", b->text);
    for (int r = 0; r < DERR_COUNT; r++) {
        uint64_t want = before[r] + (r == (int)b->reason ? 1 : 0);
        if (st->errors[r] != want)
            fail_msg("<%s>: reason %s counted %" PRIu64 ", want %" PRIu64 " (expected %s)", b->text,
                     decode_reason_name((enum decode_reason)r), st->errors[r], want,
                     decode_reason_name(b->reason));
    }
    const struct decode_sample *s = &st->sample[b->reason];
    assert_true(strlen(s->detail) > 0);
    if (b->detail)
        assert_string_equal(s->detail, b->detail);
    assert_true(s->at_ms == now);
    assert_int_equal(s->shard, SHARD);
    assert_string_equal(s->seq, FX_SEQ);
    assert_int_equal(s->bytes_len, len < DECODE_SAMPLE_MAX ? len : DECODE_SAMPLE_MAX);
    assert_memory_equal(s->bytes, b->text, s->bytes_len);
    free(copy);
}

static void test_malformed_records(void **state)
{
    static const struct bad_record cases[] = {
        {"", DERR_EMPTY, NULL},
        {"{\"type\":\"full\"", DERR_NOT_JSON, "unexpected end of input at byte 14"},
        {"{\"a\":1,}", DERR_NOT_JSON, NULL},
        {"\xff\xfe{}", DERR_NOT_JSON, NULL},
        {"{\"op\":\"c\",\"t\":\"\xc0\xaf\"}", DERR_NOT_JSON, NULL},
        {"[{\"op\":\"c\"}]", DERR_NOT_OBJECT, "top-level value is array"},
        {"1705318200125483291", DERR_NOT_OBJECT, "top-level value is number"},
        {"\"{\\\"op\\\":\\\"c\\\"}\"", DERR_NOT_OBJECT, "top-level value is string"},
        {"null", DERR_NOT_OBJECT, "top-level value is null"},
        {"true", DERR_NOT_OBJECT, NULL},
        {"{}", DERR_UNKNOWN_FORMAT, NULL},
        {"{\"foo\":1,\"bar\":[2]}", DERR_UNKNOWN_FORMAT, NULL},
        {"{\"op\":\"c\",\"after\":{\"id\":1}}", DERR_UNKNOWN_FORMAT, NULL},
        {"{\"source\":{\"schema\":\"s\",\"table\":\"t\",\"ts_ns\":1}}", DERR_UNKNOWN_FORMAT, NULL},
        {"{\"type\":\"partial\"," SRC "}", DERR_BAD_TYPE, NULL},
        {"{\"type\":5," SRC "}", DERR_BAD_TYPE, NULL},
        {"{\"type\":\"full\",\"op\":\"c\",\"after\":{\"id\":1}," EMIT "}", DERR_BAD_SOURCE, NULL},
        {"{\"type\":\"full\",\"op\":\"c\",\"after\":{\"id\":1},\"source\":\"public.t\"}",
         DERR_BAD_SOURCE, NULL},
        {"{\"op\":\"c\",\"after\":{\"id\":1},\"source\":null}", DERR_BAD_SOURCE, NULL},
        {"{\"op\":\"c\",\"after\":{\"id\":1},\"source\":{\"schema\":\"s\",\"ts_ns\":1}}",
         DERR_BAD_NAME, NULL},
        {"{\"op\":\"c\",\"after\":{\"id\":1},\"source\":{\"table\":\"t\",\"ts_ns\":1}}",
         DERR_BAD_NAME, NULL},
        {"{\"op\":\"c\",\"after\":{\"id\":1},\"source\":{\"schema\":1,\"table\":\"t\","
         "\"ts_ns\":1}}",
         DERR_BAD_NAME, NULL},
        {"{\"op\":\"c\",\"after\":{\"id\":1},\"source\":{\"schema\":\"s\",\"table\":[\"t\"],"
         "\"ts_ns\":1}}",
         DERR_BAD_NAME, NULL},
        {"{\"op\":\"c\",\"after\":{\"id\":1},\"source\":{\"schema\":\"s\",\"table\":\"\","
         "\"ts_ns\":1}}",
         DERR_BAD_NAME, NULL},
        {"{\"op\":\"c\",\"after\":{\"id\":1},\"source\":{\"schema\":\"s\",\"table\":\"t\\u0000x\","
         "\"ts_ns\":1}}",
         DERR_BAD_NAME, NULL},
        {"{\"op\":\"c\",\"after\":{\"id\":1},\"source\":{\"schema\":\"s\",\"table\":\"t\","
         "\"ts_ns\":\"1705318200000000000\"}}",
         DERR_BAD_TIMESTAMP, NULL},
        {"{\"op\":\"c\",\"after\":{\"id\":1},\"source\":{\"schema\":\"s\",\"table\":\"t\","
         "\"ts_ns\":1705318200000000000.5}}",
         DERR_BAD_TIMESTAMP, NULL},
        {"{\"op\":\"c\",\"after\":{\"id\":1},\"source\":{\"schema\":\"s\",\"table\":\"t\","
         "\"ts_ns\":1.7053182e18}}",
         DERR_BAD_TIMESTAMP, NULL},
        {"{\"op\":\"c\",\"after\":{\"id\":1},\"source\":{\"schema\":\"s\",\"table\":\"t\","
         "\"ts_ns\":9223372036854775808}}",
         DERR_BAD_TIMESTAMP, NULL},
        {"{\"op\":\"c\",\"after\":{\"id\":1},\"source\":{\"schema\":\"s\",\"table\":\"t\","
         "\"ts_ms\":\"1705318200000\"}}",
         DERR_BAD_TIMESTAMP, NULL},
        {"{\"op\":\"c\",\"after\":{\"id\":1},\"source\":{\"schema\":\"s\",\"table\":\"t\","
         "\"ts_ms\":9223372036854775}}",
         DERR_BAD_TIMESTAMP, NULL},
        {"{\"op\":\"c\",\"after\":{\"id\":1},\"source\":{\"schema\":\"s\",\"table\":\"t\"}}",
         DERR_BAD_TIMESTAMP, "no commit time (source.ts_ns)"},
        {"{\"op\":\"c\",\"after\":{\"id\":1},\"source\":{\"schema\":\"s\",\"table\":\"t\","
         "\"ts_ns\":1},\"ts_ns\":\"2\"}",
         DERR_BAD_TIMESTAMP, NULL},
        {"{\"op\":\"c\",\"after\":{\"id\":1},\"source\":{\"schema\":\"s\",\"table\":\"t\","
         "\"ts_ns\":1},\"ts_ms\":2.5}",
         DERR_BAD_TIMESTAMP, NULL},
        {"{\"type\":\"full\",\"op\":\"c\",\"before\":null,\"after\":[1001,42]," SRC "}",
         DERR_BAD_IMAGE, NULL},
        {"{\"type\":\"full\",\"op\":\"c\",\"before\":null,\"after\":\"{}\"," SRC "}",
         DERR_BAD_IMAGE, NULL},
        {"{\"type\":\"full\",\"op\":\"c\",\"before\":null,\"after\":null," SRC "}", DERR_BAD_IMAGE,
         NULL},
        {"{\"type\":\"full\",\"op\":\"c\"," SRC "}", DERR_BAD_IMAGE, NULL},
        {"{\"type\":\"full\",\"op\":\"u\",\"before\":null,\"after\":true," SRC "}", DERR_BAD_IMAGE,
         NULL},
        {"{\"type\":\"full\",\"op\":\"d\",\"before\":5,\"after\":null," SRC "}", DERR_BAD_IMAGE,
         NULL},
    };
    struct decoder *d = decoder_new(NULL);
    struct cdc_change c;

    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        check_bad(d, &cases[i], 5000 + (int64_t)i);
    /* A record after all of these still decodes. */
    assert_int_equal(feed(d, doc_insert, &c), DECODE_CHANGE);
    assert_string_equal(c.table, "order_items");
    assert_true(c.emit_ns == INT64_C(1705318200125483291));
    decoder_free(d);
}

static void test_sample_keeps_first_bytes(void **state)
{
    struct decoder *d = decoder_new(NULL);
    struct cdc_change c;
    const struct decode_sample *s;
    char big[600];

    (void)state;
    memset(big, 'x', sizeof big);
    memcpy(big, "{\"op\":\"c\",\"oops\"", 16); /* invalid JSON, longer than a sample */
    assert_int_equal(feed_n(d, big, sizeof big, 42, &c), DECODE_ERROR);
    s = &decoder_stats(d)->sample[DERR_NOT_JSON];
    assert_int_equal(s->bytes_len, DECODE_SAMPLE_MAX);
    assert_memory_equal(s->bytes, big, DECODE_SAMPLE_MAX);
    assert_string_equal(s->detail, "expected ':' at byte 16");
    /* The latest record of a reason replaces the previous sample. */
    assert_int_equal(feed(d, "{\"a\":", &c), DECODE_ERROR);
    assert_int_equal(s->bytes_len, 5);
    assert_memory_equal(s->bytes, "{\"a\":", 5);
    assert_int_equal(decoder_stats(d)->errors[DERR_NOT_JSON], 2);
    /* Records without sequence numbers. */
    {
        struct cdc_raw raw = raw_of("[]", 2);
        raw.seq = NULL;
        raw.seq_len = 0;
        assert_int_equal(decoder_feed(d, &raw, 7, &c), DECODE_ERROR);
        assert_string_equal(decoder_stats(d)->sample[DERR_NOT_OBJECT].seq, "");
    }
    decoder_free(d);
}

/* Truncation at every byte: always an error, never a crash or an over-read. */
static void check_prefixes(struct decoder *d, const char *doc)
{
    size_t n = strlen(doc);
    uint64_t errors = fx_decode_errors(d);
    struct cdc_change c;

    for (size_t len = 0; len < n; len++) {
        char *copy = malloc(len ? len : 1);
        assert_non_null(copy);
        memcpy(copy, doc, len);
        if (feed_n(d, len ? copy : NULL, len, 1, &c) != DECODE_ERROR)
            fail_msg("prefix of %zu bytes accepted", len);
        free(copy);
        assert_int_equal(fx_decode_errors(d), errors + len + 1);
    }
}

static void test_every_prefix(void **state)
{
    struct decoder *d = decoder_new(NULL);
    struct cdc_change c;
    struct fx_split s;
    const struct decode_stats *st = decoder_stats(d);

    (void)state;
    check_prefixes(d, doc_insert);
    check_prefixes(d, doc_delete);
    check_prefixes(d, doc_debezium);
    split_make(&s, "ck-prefix", "c", true);
    for (size_t i = 0; i < s.nparts; i++)
        check_prefixes(d, s.part[i]);
    assert_int_equal(st->errors[DERR_EMPTY], 3 + s.nparts);
    assert_int_equal(st->chunks_pending, 0);
    /* Nothing lost: every one of these still decodes afterwards. */
    assert_int_equal(feed(d, doc_insert, &c), DECODE_CHANGE);
    assert_int_equal(c.op, CDC_OP_CREATE);
    assert_int_equal(feed(d, doc_delete, &c), DECODE_CHANGE);
    FX_ASSERT_SPAN(c.before, "{\"order_id\":1001,\"item_id\":42}");
    assert_int_equal(feed(d, doc_debezium, &c), DECODE_CHANGE);
    assert_string_equal(c.txid, "556");
    for (size_t i = 0; i < 3; i++)
        assert_int_equal(feed(d, s.part[i], &c), DECODE_PENDING);
    assert_int_equal(feed(d, s.part[3], &c), DECODE_CHANGE);
    check_reassembled(&c, &s);
    fx_split_free(&s);
    decoder_free(d);
}

static void test_reason_names(void **state)
{
    (void)state;
    for (int i = 0; i < DERR_COUNT; i++) {
        const char *name = decode_reason_name((enum decode_reason)i);
        assert_non_null(name);
        assert_true(strlen(name) > 0);
        assert_string_not_equal(name, "unknown");
        assert_true(strlen(decode_reason_text((enum decode_reason)i)) > 0);
        for (int j = 0; j < i; j++)
            assert_string_not_equal(name, decode_reason_name((enum decode_reason)j));
        /* Names are used as JSON keys and metric labels. */
        for (const char *p = name; *p; p++)
            assert_true((*p >= 'a' && *p <= 'z') || *p == '_');
    }
    assert_string_equal(decode_reason_name(DERR_CRC_MISMATCH), "crc_mismatch");
    assert_string_equal(decode_reason_name(DERR_COUNT), "unknown");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_crc32c_vectors),
        cmocka_unit_test(test_doc_insert),
        cmocka_unit_test(test_doc_update),
        cmocka_unit_test(test_doc_delete),
        cmocka_unit_test(test_doc_debezium_integer_txid),
        cmocka_unit_test(test_timestamps),
        cmocka_unit_test(test_ops),
        cmocka_unit_test(test_txid_forms),
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_values_lossless),
        cmocka_unit_test(test_split_all_orders),
        cmocka_unit_test(test_doc_split_example),
        cmocka_unit_test(test_split_repeats),
        cmocka_unit_test(test_split_crc_mismatch),
        cmocka_unit_test(test_split_crc_as_number),
        cmocka_unit_test(test_split_not_object),
        cmocka_unit_test(test_split_before_and_after),
        cmocka_unit_test(test_split_inline_before),
        cmocka_unit_test(test_split_malformed),
        cmocka_unit_test(test_split_index_out_of_range),
        cmocka_unit_test(test_split_timeout),
        cmocka_unit_test(test_split_byte_cap),
        cmocka_unit_test(test_split_amid_garbage),
        cmocka_unit_test(test_split_failed_head_repeat),
        cmocka_unit_test(test_split_both_images_first),
        cmocka_unit_test(test_fragment_index_sparse),
        cmocka_unit_test(test_fragment_bomb_2000),
        cmocka_unit_test(test_fragment_bomb_100000),
        cmocka_unit_test(test_fragment_repeats_amid_pending),
        cmocka_unit_test(test_malformed_records),
        cmocka_unit_test(test_sample_keeps_first_bytes),
        cmocka_unit_test(test_every_prefix),
        cmocka_unit_test(test_reason_names),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* Tests of redact.c (SHA-256, HMAC-SHA-256, which columns, the rewritten images) and of redaction
 * at ingestion in model.c: rows, keys, versions and the JSON never hold a redacted value. */
#include "config.h"

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
#include "fixture.h"
#include "jscan.h"
#include "model.h"
#include "pk.h"
#include "redact.h"
#include "report.h"
#include "rowstore.h"

#define BASE_NS FX_COMMIT_NS

static const unsigned char test_key[REDACT_KEY_BYTES] = "0123456789abcdef0123456789abcde";

static void hex(const unsigned char *p, size_t n, char *out)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[p[i] >> 4];
        out[2 * i + 1] = digits[p[i] & 15];
    }
    out[2 * n] = '\0';
}

/* The JSON text of a redacted image, as a C string (a static buffer). */
static const char *redacted(const struct redact *r, const char *schema, const char *table,
                            const struct pk_def *pk, const char *image)
{
    static char text[4096];
    struct buf out;
    buf_init(&out);
    if (redact_image(r, schema, table, pk, fx_json(image), &out))
        snprintf(text, sizeof text, "%s", out.data);
    else
        snprintf(text, sizeof text, "%s", image);
    buf_free(&out);
    return text;
}

/* The value of member `name` of a JSON object text, as a C string (a static buffer). */
static const char *member(const char *object, const char *name)
{
    static char text[256];
    struct jspan v;
    assert_true(jscan_get(fx_json(object), name, &v));
    snprintf(text, sizeof text, "%.*s", (int)v.n, v.p);
    return text;
}

static bool is_hash(const char *json)
{
    size_t n = strlen(json);
    if (n != REDACT_TEXT_LEN || strncmp(json, "\"" REDACT_PREFIX, 4) != 0 || json[n - 1] != '"')
        return false;
    for (size_t i = 4; i < n - 1; i++)
        if (!strchr("0123456789abcdef", json[i]))
            return false;
    return true;
}

static void test_sha256_vectors(void **state)
{
    unsigned char md[32];
    char text[65];
    (void)state;

    redact_sha256("", 0, md);
    hex(md, 32, text);
    assert_string_equal(text, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    redact_sha256("abc", 3, md);
    hex(md, 32, text);
    assert_string_equal(text, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    const char *two = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    redact_sha256(two, strlen(two), md);
    hex(md, 32, text);
    assert_string_equal(text, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    /* a million 'a's, fed across block boundaries */
    char *million = malloc(1000000);
    memset(million, 'a', 1000000);
    redact_sha256(million, 1000000, md);
    free(million);
    hex(md, 32, text);
    assert_string_equal(text, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

/* RFC 4231 test cases 1, 2 and 6 (a key longer than a block). */
static void test_hmac_vectors(void **state)
{
    unsigned char md[32], key[131];
    char text[65];
    (void)state;

    memset(key, 0x0b, 20);
    redact_hmac_sha256(key, 20, "Hi There", 8, md);
    hex(md, 32, text);
    assert_string_equal(text, "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
    redact_hmac_sha256((const unsigned char *)"Jefe", 4, "what do ya want for nothing?", 28, md);
    hex(md, 32, text);
    assert_string_equal(text, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
    memset(key, 0xaa, sizeof key);
    const char *msg = "Test Using Larger Than Block-Size Key - Hash Key First";
    redact_hmac_sha256(key, sizeof key, msg, strlen(msg), md);
    hex(md, 32, text);
    assert_string_equal(text, "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
}

/* Equal values hash equally whatever their spelling; anything else differs, and another key
 * gives other hashes. */
static void test_value_hash_stable(void **state)
{
    unsigned char other_key[REDACT_KEY_BYTES] = {1};
    struct redact *r = redact_new(test_key), *o = redact_new(other_key);
    char a[REDACT_TEXT_LEN + 1], b[REDACT_TEXT_LEN + 1];
    (void)state;

    redact_value(r, fx_json("\"alice@example.com\""), a);
    assert_true(is_hash(a));
    redact_value(r, fx_json("\"alice@example.com\""), b);
    assert_string_equal(a, b);
    redact_value(r, fx_json("\"alice\\u0040example.com\""), b); /* the same string, escaped */
    assert_string_equal(a, b);
    redact_value(r, fx_json("\"bob@example.com\""), b);
    assert_string_not_equal(a, b);
    redact_value(r, fx_json("1"), a);
    redact_value(r, fx_json("\"1\""), b); /* the number and the string differ */
    assert_string_not_equal(a, b);
    redact_value(r, fx_json("\"alice@example.com\""), a);
    redact_value(o, fx_json("\"alice@example.com\""), b);
    assert_string_not_equal(a, b);
    redact_free(r);
    redact_free(o);
}

static void test_only_named_columns(void **state)
{
    struct redact *r = redact_new(test_key);
    struct pk_def pk = {.ncols = 1, .cols = {"id"}, .source = PK_LEARNED};
    const char *err = NULL;
    (void)state;

    assert_true(redact_add(r, "email, public.notes.body", &err));
    assert_true(redact_enabled(r));
    assert_int_equal(redact_count(r), 2);
    assert_string_equal(redact_entry(r, 1), "public.notes.body");

    const char *img = "{\"id\":7, \"email\":\"a@b.c\",\"name\":\"Ann\",\"body\":\"secret\"}";
    const char *out = redacted(r, "public", "customers", &pk, img);
    assert_string_equal(member(out, "id"), "7");
    assert_string_equal(member(out, "name"), "\"Ann\"");
    assert_true(is_hash(member(out, "email")));
    assert_string_equal(member(out, "body"), "\"secret\""); /* body only in public.notes */
    out = redacted(r, "public", "notes", &pk, img);
    assert_true(is_hash(member(out, "body")));
    assert_true(is_hash(member(out, "email")));
    assert_string_equal(member(out, "name"), "\"Ann\"");
    out = redacted(r, "other", "notes", &pk, img);
    assert_string_equal(member(out, "body"), "\"secret\"");

    /* nothing to redact: the original bytes stay as they are */
    struct buf b;
    buf_init(&b);
    assert_false(redact_image(r, "public", "orders", &pk, fx_json("{\"id\":1,  \"x\":2}"), &b));
    /* null stays null */
    assert_false(redact_image(r, "public", "t", &pk, fx_json("{\"id\":1,\"email\":null}"), &b));
    buf_free(&b);
    redact_free(r);
}

static void test_table_column_form(void **state)
{
    struct redact *r = redact_new(test_key);
    struct pk_def pk = {.ncols = 1, .cols = {"id"}, .source = PK_LEARNED};
    const char *err = NULL;
    (void)state;

    assert_true(redact_add(r, "orders.total", &err)); /* schema public */
    const char *img = "{\"id\":1,\"total\":\"29.99\"}";
    assert_true(is_hash(member(redacted(r, "public", "orders", &pk, img), "total")));
    assert_string_equal(member(redacted(r, "sales", "orders", &pk, img), "total"), "\"29.99\"");
    assert_string_equal(member(redacted(r, "public", "items", &pk, img), "total"), "\"29.99\"");

    assert_false(redact_add(r, "a..b", &err));
    assert_non_null(err);
    assert_false(redact_add(r, "a.b.c.d", &err));
    assert_false(redact_add(r, "ok,", &err));
    assert_int_equal(redact_count(r), 1); /* a bad list adds nothing */
    redact_free(r);
}

static void test_all_values_keep_keys(void **state)
{
    struct redact *r = redact_new(test_key);
    struct pk_def pk = {.ncols = 2, .cols = {"order_id", "item_id"}, .source = PK_LEARNED};
    (void)state;

    redact_set_all_values(r, true);
    assert_true(redact_enabled(r));
    const char *out = redacted(r, "public", "order_items", &pk,
                               "{\"order_id\":10,\"item_id\":2,\"qty\":3,\"price\":\"1.50\","
                               "\"meta\":{\"a\":[1,2]},\"gone\":null}");
    assert_string_equal(member(out, "order_id"), "10");
    assert_string_equal(member(out, "item_id"), "2");
    assert_true(is_hash(member(out, "qty")));
    assert_true(is_hash(member(out, "price")));
    assert_true(is_hash(member(out, "meta")));
    assert_string_equal(member(out, "gone"), "null");
    redact_free(r);
}

/* Images with escapes, unicode and nesting come out as valid JSON objects. */
static void test_output_is_json(void **state)
{
    struct redact *r = redact_new(test_key);
    struct pk_def pk = {.ncols = 1, .cols = {"k\"ey"}, .source = PK_CONFIGURED};
    const char *err;
    (void)state;

    assert_true(redact_add(r, "v", &err));
    redact_set_all_values(r, true);
    const char *in = "{ \"k\\\"ey\" : \"x\\u0000y\" , \"v\" : \"\\u001b[2J caf\\u00e9 日本\" ,"
                     "\"w\":[true,false,null,{\"z\":-1.5e3}] }";
    const char *out = redacted(r, "s", "t", &pk, in);
    struct jspan v;
    assert_true(jscan_validate(out, strlen(out), &v, NULL));
    assert_int_equal(jscan_type(v), JT_OBJECT);
    assert_string_equal(member(out, "k\"ey"), "\"x\\u0000y\""); /* the key column is kept */
    assert_true(is_hash(member(out, "v")));
    assert_true(is_hash(member(out, "w")));
    assert_null(strstr(out, "2J"));
    redact_free(r);
}

/* A change to public.<table>, emitted as it commits, handed to the model. */
static void ingest(struct model *m, const char *op, const char *before, const char *after,
                   int64_t commit_ns, const char *txid, const char *table, int64_t now)
{
    fx_ingest_change(
        m, &(struct fx_change){op, before, after, commit_ns, commit_ns, txid, "public", table},
        now);
}

/* A redacted key column: rows stay distinct, a delete finds its row, and no original value is
 * anywhere in the snapshot; the same value in another table gets the same hash. */
static void test_model_redacts_at_ingestion(void **state)
{
    struct model *m = model_new(NULL, 1000);
    struct redact *r = redact_new(test_key);
    const char *err;
    struct buf json;
    (void)state;

    assert_true(model_configure_pk(m, "public.customers=email", &err));
    assert_true(redact_add(r, "email", &err));
    model_set_redaction(m, r);
    assert_true(model_redacting(m));
    ingest(m, "c", "null", "{\"email\":\"ann@corp.example\",\"name\":\"Ann\"}", BASE_NS, "t1",
           "customers", 1000);
    ingest(m, "c", "null", "{\"email\":\"bob@corp.example\",\"name\":\"Bob\"}", BASE_NS + 1, "t2",
           "customers", 1000);
    ingest(m, "u", "null", "{\"email\":\"ann@corp.example\",\"name\":\"Ann B\"}", BASE_NS + 2, "t3",
           "customers", 1000);
    ingest(m, "d", "{\"email\":\"bob@corp.example\"}", "null", BASE_NS + 3, "t4", "customers",
           1000);
    ingest(m, "c", "null", "{\"id\":1,\"email\":\"ann@corp.example\"}", BASE_NS + 4, "t5", "orders",
           1000);

    const struct model_table *t = model_table_find(m, "public", "customers");
    assert_non_null(t);
    assert_int_equal(rs_table_live(t->rows), 1);
    assert_int_equal(rs_table_tombstones(t->rows), 1);

    buf_init(&json);
    struct report_opts ro = {.max_rows = REPORT_ROWS_ALL, .program_version = "cdctop test"};
    report_json(m, &ro, 2000, &json);
    assert_null(strstr(json.data, "corp.example"));
    assert_non_null(strstr(json.data, "\"redaction\":{\"columns\":[\"email\"]"));
    struct jspan doc;
    assert_true(jscan_validate(json.data, json.len, &doc, NULL));

    /* the customer's key and the order's email: one value, one hash */
    const struct rs_row *row = rs_table_newest(t->rows); /* Bob's tombstone, then Ann */
    assert_false(rs_row_live(row));
    row = rs_row_older(row);
    assert_true(rs_row_live(row));
    struct jspan key = rs_row_key(row), img = rs_row_image(row);
    char text[256], order_email[256];
    snprintf(text, sizeof text, "%.*s", (int)key.n, key.p);
    assert_int_equal(strlen(text), REDACT_TEXT_LEN + 2);
    const struct model_table *o = model_table_find(m, "public", "orders");
    struct jspan oimg = rs_row_image(rs_table_newest(o->rows)), v;
    assert_true(jscan_get(oimg, "email", &v));
    snprintf(order_email, sizeof order_email, "[%.*s]", (int)v.n, v.p);
    assert_string_equal(text, order_email);
    assert_true(jscan_get(img, "name", &v));
    assert_int_equal(v.n, strlen("\"Ann B\""));
    buf_free(&json);
    model_free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sha256_vectors),    cmocka_unit_test(test_hmac_vectors),
        cmocka_unit_test(test_value_hash_stable), cmocka_unit_test(test_only_named_columns),
        cmocka_unit_test(test_table_column_form), cmocka_unit_test(test_all_values_keep_keys),
        cmocka_unit_test(test_output_is_json),    cmocka_unit_test(test_model_redacts_at_ingestion),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

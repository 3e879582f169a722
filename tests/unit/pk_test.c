/* Unit tests for pk.c: key guessing, learning, canonical key text and --pk specs. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "buf.h"
#include "fixture.h"
#include "jscan.h"
#include "pk.h"

/* Checks def against a comma-separated column list. */
static void assert_cols(const struct pk_def *def, const char *want)
{
    char list[512] = "";
    size_t o = 0;
    for (unsigned i = 0; i < def->ncols; i++)
        o += (size_t)snprintf(list + o, sizeof list - o, "%s%s", i ? "," : "", def->cols[i]);
    assert_string_equal(list, want);
}

static void check_guess(const char *after, const char *want)
{
    struct pk_def def;
    if (!pk_guess(&def, fx_json(after)))
        fail_msg("no guess for %s", after);
    assert_int_equal(def.source, PK_GUESSED);
    assert_cols(&def, want);
}

static void test_guess_rules(void **state)
{
    (void)state;
    /* The documented order_items example: the leading *_id run is the composite key. */
    check_guess("{\"order_id\":1001,\"item_id\":42,\"quantity\":5,\"price\":\"29.99\"}",
                "order_id,item_id");
    check_guess("{\"id\":7,\"name\":\"x\"}", "id");
    check_guess("{\"customer_uuid\":\"9f1c\",\"region_key\":\"eu\",\"name\":\"x\"}",
                "customer_uuid,region_key");
    check_guess("{\"tenant_id\":1,\"id\":2,\"note\":\"x\",\"other_id\":3}", "tenant_id,id");
    check_guess("{\"_id\":\"abc\",\"v\":1}", "_id");
    /* The run stops at the first other column; later *_id columns are not part of it. */
    check_guess("{\"order_id\":1,\"qty\":2,\"item_id\":3}", "order_id");
    /* No leading id-like column: the first column. */
    check_guess("{\"name\":\"x\",\"id\":1}", "name");
    check_guess("{\"tenant\":\"acme\",\"sku\":\"A-1\",\"qty\":5}", "tenant");
    /* Names that merely contain or resemble the suffixes are not id-like. */
    check_guess("{\"valid\":true,\"id\":1}", "valid");
    check_guess("{\"uuid\":\"x\",\"id\":1}", "uuid");
    check_guess("{\"idx\":1,\"id\":2}", "idx");
    check_guess("{\"keys\":1,\"id\":2}", "keys");
    check_guess("{\"order_ids\":[1],\"id\":2}", "order_ids");
    check_guess("{\"ID\":1,\"id\":2}", "ID");
    /* Escaped names are decoded. */
    check_guess("{\"\\u0069d\":1,\"v\":2}", "id");
    check_guess("{\"caf\\u00e9_id\":1,\"v\":2}", "caf\xc3\xa9_id");
    /* Whitespace does not matter. */
    check_guess("{ \"a_id\" : 1 ,\n \"b_key\" :\t2 , \"c\" : 3 }", "a_id,b_key");
}

static void test_guess_limits(void **state)
{
    struct pk_def def;
    char doc[2048];
    size_t o = 0;

    (void)state;
    assert_false(pk_guess(&def, fx_json("{}")));
    assert_false(pk_guess(&def, fx_json("[\"id\"]")));
    assert_false(pk_guess(&def, fx_json("null")));
    /* More id-like columns than a key can hold: the first PK_MAX_COLS. */
    o += (size_t)snprintf(doc + o, sizeof doc - o, "{");
    for (int i = 0; i < PK_MAX_COLS + 4; i++)
        o += (size_t)snprintf(doc + o, sizeof doc - o, "%s\"c%d_id\":%d", i ? "," : "", i, i);
    snprintf(doc + o, sizeof doc - o, "}");
    assert_true(pk_guess(&def, fx_json(doc)));
    assert_int_equal(def.ncols, PK_MAX_COLS);
    assert_string_equal(def.cols[0], "c0_id");
    assert_string_equal(def.cols[PK_MAX_COLS - 1], "c15_id");
}

static void test_learn(void **state)
{
    struct pk_def def, guessed;

    (void)state;
    /* A DSQL delete's before image holds exactly the key columns. */
    assert_true(pk_learn(&def, fx_json("{\"order_id\":1001,\"item_id\":42}")));
    assert_int_equal(def.source, PK_LEARNED);
    assert_cols(&def, "order_id,item_id");
    /* Whatever their names. */
    assert_true(pk_learn(&def, fx_json("{\"tenant\":\"acme\",\"sku\":\"A-1\"}")));
    assert_cols(&def, "tenant,sku");
    assert_true(pk_learn(&def, fx_json("{\"k\\u00e9y\":1}")));
    assert_cols(&def, "k\xc3\xa9y");
    /* Same columns as a guess: equal definitions, whatever the source. */
    assert_true(pk_learn(&def, fx_json("{\"order_id\":1,\"item_id\":2}")));
    assert_true(pk_guess(&guessed, fx_json("{\"order_id\":1,\"item_id\":2,\"qty\":3}")));
    assert_true(pk_def_equal(&def, &guessed));
    assert_true(pk_learn(&def, fx_json("{\"item_id\":2,\"order_id\":1}")));
    assert_false(pk_def_equal(&def, &guessed)); /* column order is part of the key */
    assert_true(pk_learn(&def, fx_json("{\"order_id\":1}")));
    assert_false(pk_def_equal(&def, &guessed));
    /* Nothing to learn from. */
    assert_false(pk_learn(&def, fx_json("{}")));
    assert_false(pk_learn(&def, fx_json("null")));
    assert_false(pk_learn(&def, fx_json("[1,2]")));
    assert_false(pk_learn(&def, fx_json("{\"\":1}")));
}

static void check_key(const struct pk_def *def, const char *image, const char *want)
{
    struct buf b;
    buf_init(&b);
    if (!pk_key(def, fx_json(image), &b))
        fail_msg("no key in %s", image);
    assert_non_null(b.data);
    assert_string_equal(b.data, want);
    assert_int_equal(b.len, strlen(want));
    /* The key text is itself a JSON array. */
    assert_true(jscan_validate(b.data, b.len, NULL, NULL));
    buf_free(&b);
}

static void test_key_text(void **state)
{
    struct pk_def def;
    const char *err = NULL;
    char schema[CDC_NAME_MAX + 1], table[CDC_NAME_MAX + 1];
    struct buf b;

    (void)state;
    assert_true(pk_learn(&def, fx_json("{\"order_id\":1001,\"item_id\":42}")));
    /* Key-column order, whatever the column order in the image. */
    check_key(&def, "{\"order_id\":1001,\"item_id\":42,\"quantity\":5,\"price\":\"29.99\"}",
              "[1001,42]");
    check_key(&def, "{\"quantity\":5,\"item_id\":42,\"price\":\"29.99\",\"order_id\":1001}",
              "[1001,42]");
    check_key(&def, "{ \"item_id\" : 42 ,\n \"order_id\" :\t1001 }", "[1001,42]");
    check_key(&def, "{\"order_id\":1001,\"item_id\":42}", "[1001,42]");
    /* Raw values, kept as written: big integers, strings, nulls. */
    check_key(&def, "{\"order_id\":123456789012345678901234567890,\"item_id\":\"x\\\"y\"}",
              "[123456789012345678901234567890,\"x\\\"y\"]");
    check_key(&def, "{\"order_id\":null,\"item_id\":{\"a\":[1, 2]}}", "[null,{\"a\":[1, 2]}]");

    assert_true(pk_parse_spec("public.accounts = account_id", schema, table, &def, &err));
    check_key(&def, "{\"region\":\"eu\",\"account_id\":\"9f1c-77\"}", "[\"9f1c-77\"]");

    /* A missing key column is no key. */
    assert_true(pk_learn(&def, fx_json("{\"order_id\":1001,\"item_id\":42}")));
    buf_init(&b);
    assert_false(pk_key(&def, fx_json("{\"order_id\":1001,\"quantity\":5}"), &b));
    buf_reset(&b);
    assert_false(pk_key(&def, fx_json("{\"item_id\":42}"), &b));
    buf_reset(&b);
    assert_false(pk_key(&def, fx_json("{}"), &b));
    buf_reset(&b);
    assert_false(pk_key(&def, fx_json("[1001,42]"), &b));
    buf_reset(&b);
    /* Names match exactly: no case folding, escapes decoded. */
    assert_false(pk_key(&def, fx_json("{\"Order_id\":1001,\"item_id\":42}"), &b));
    buf_reset(&b);
    assert_true(pk_key(&def, fx_json("{\"order\\u005fid\":1001,\"item_id\":42}"), &b));
    assert_string_equal(b.data, "[1001,42]");
    buf_reset(&b);
    /* An empty definition gives no key. */
    memset(&def, 0, sizeof def);
    assert_false(pk_key(&def, fx_json("{\"id\":1}"), &b));
    buf_free(&b);
}

struct spec_case {
    const char *spec;
    const char *schema;
    const char *table;
    const char *cols;
};

static void test_parse_spec_valid(void **state)
{
    static const struct spec_case cases[] = {
        {"public.order_items=order_id,item_id", "public", "order_items", "order_id,item_id"},
        {"order_items=order_id,item_id", "public", "order_items", "order_id,item_id"},
        {"sales.accounts=account_id", "sales", "accounts", "account_id"},
        {" sales . accounts = account_id , region ", "sales", "accounts", "account_id,region"},
        {"\tt\t=\ta\t", "public", "t", "a"},
        {"s.t=a,b,c,d,e,f,g,h,i,j,k,l,m,n,o,p", "s", "t", "a,b,c,d,e,f,g,h,i,j,k,l,m,n,o,p"},
        {"s.t=caf\xc3\xa9_id", "s", "t", "caf\xc3\xa9_id"},
    };
    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char schema[CDC_NAME_MAX + 1] = "?", table[CDC_NAME_MAX + 1] = "?";
        struct pk_def def;
        const char *err = NULL;
        if (!pk_parse_spec(cases[i].spec, schema, table, &def, &err))
            fail_msg("rejected \"%s\": %s", cases[i].spec, err);
        assert_string_equal(schema, cases[i].schema);
        assert_string_equal(table, cases[i].table);
        assert_cols(&def, cases[i].cols);
        assert_int_equal(def.source, PK_CONFIGURED);
    }
}

static void test_parse_spec_invalid(void **state)
{
    static const char *const bad[] = {
        "",
        "orders", /* no '=' */
        "public.orders",
        "orders=", /* no columns */
        "orders=  ",
        "=id", /* no table */
        " =id",
        ".orders=id",  /* empty schema */
        "public.=id",  /* empty table */
        "orders=a,,b", /* empty column */
        "orders=,a",
        "orders=a,",
        "orders=a, ",
        "s.t=a,b,c,d,e,f,g,h,i,j,k,l,m,n,o,p,q", /* 17 columns */
    };
    char longname[PK_COL_MAX + 40];
    char spec[PK_COL_MAX + 64];
    (void)state;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char schema[CDC_NAME_MAX + 1], table[CDC_NAME_MAX + 1];
        struct pk_def def;
        const char *err = NULL;
        if (pk_parse_spec(bad[i], schema, table, &def, &err))
            fail_msg("accepted \"%s\"", bad[i]);
        assert_non_null(err);
        assert_true(strlen(err) > 0);
    }
    /* Too many columns says so. */
    {
        char schema[CDC_NAME_MAX + 1], table[CDC_NAME_MAX + 1];
        struct pk_def def;
        const char *err = NULL;
        assert_false(
            pk_parse_spec("s.t=a,b,c,d,e,f,g,h,i,j,k,l,m,n,o,p,q", schema, table, &def, &err));
        assert_non_null(strstr(err, "too many"));
        /* Over-long names are refused rather than truncated. */
        memset(longname, 'c', PK_COL_MAX + 1);
        longname[PK_COL_MAX + 1] = '\0';
        snprintf(spec, sizeof spec, "t=%s", longname);
        assert_false(pk_parse_spec(spec, schema, table, &def, &err));
        longname[PK_COL_MAX] = '\0';
        snprintf(spec, sizeof spec, "t=%s", longname);
        assert_true(pk_parse_spec(spec, schema, table, &def, &err));
        assert_string_equal(def.cols[0], longname);
        memset(longname, 't', CDC_NAME_MAX + 1);
        longname[CDC_NAME_MAX + 1] = '\0';
        snprintf(spec, sizeof spec, "%s=id", longname);
        assert_false(pk_parse_spec(spec, schema, table, &def, &err));
    }
}

static void test_source_names(void **state)
{
    (void)state;
    assert_string_equal(pk_source_name(PK_NONE), "none");
    assert_string_equal(pk_source_name(PK_GUESSED), "guessed");
    assert_string_equal(pk_source_name(PK_LEARNED), "learned");
    assert_string_equal(pk_source_name(PK_CONFIGURED), "configured");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_guess_rules),
        cmocka_unit_test(test_guess_limits),
        cmocka_unit_test(test_learn),
        cmocka_unit_test(test_key_text),
        cmocka_unit_test(test_parse_spec_valid),
        cmocka_unit_test(test_parse_spec_invalid),
        cmocka_unit_test(test_source_names),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}

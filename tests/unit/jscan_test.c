/* Unit tests for jscan.c: validation, spans, exact integers, string decoding, lookup, iteration. */
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

#include "fixture.h"
#include "jscan.h"
#include "rng.h"

/* The outcome of validating a document held in a buffer of exactly its size (so that any read
 * past the end is caught by the address sanitizer). */
struct vres {
    bool ok;
    size_t value_off; /* where the value starts, on success */
    size_t value_len;
    size_t err_off; /* on failure */
    const char *msg;
};

static struct vres validate_n(const char *p, size_t n)
{
    struct vres r = {false, 0, 0, 0, NULL};
    char *copy = malloc(n ? n : 1);
    struct jspan v = {NULL, 0};
    struct jscan_error err = {(size_t)-1, NULL};

    assert_non_null(copy);
    memcpy(copy, p, n);
    r.ok = jscan_validate(copy, n, &v, &err);
    if (r.ok) {
        assert_true(v.p >= copy && v.p + v.n <= copy + n);
        r.value_off = (size_t)(v.p - copy);
        r.value_len = v.n;
    } else {
        r.err_off = err.offset;
        r.msg = err.msg;
    }
    free(copy);
    return r;
}

static struct vres validate_s(const char *s)
{
    return validate_n(s, strlen(s));
}

/* --- validation --- */

static void test_validate_accepts(void **state)
{
    static const char *const docs[] = {
        "{}",
        "[]",
        "0",
        "-0",
        "-0.0e+5",
        "1E-2",
        "123456789012345678901234567890",
        "1e400",
        "\"\"",
        "\"x\"",
        "true",
        "false",
        "null",
        "{\"a\":[1,2.5,\"s\",null,true,false,{\"b\":{}}]}",
        "\"\\u00e9\\ud83d\\ude00\\u0000\\\"\\\\\\/\\b\\f\\n\\r\\t\"",
        "\"caf\xc3\xa9 \xf0\x9f\x98\x80\"",  /* é and U+1F600 as raw UTF-8 */
        "\"\x7f\"",                          /* DEL is not a control character in JSON */
        "\"\xed\x9f\xbf \xee\x80\x80\"",     /* U+D7FF and U+E000, either side of surrogates */
        "\"\xef\xbf\xbf \xf4\x8f\xbf\xbf\"", /* U+FFFF and U+10FFFF */
        "\"\xc2\x80 \xe0\xa0\x80 \xf0\x90\x80\x80\"", /* smallest 2-, 3- and 4-byte forms */
        "\"\\ud800\"", /* a lone surrogate escape is valid JSON syntax */
        "[[[[]]]]",
        "{\"a\":{\"b\":{\"c\":[{\"d\":null}]}}}",
    };
    (void)state;
    for (size_t i = 0; i < sizeof docs / sizeof docs[0]; i++) {
        struct vres r = validate_s(docs[i]);
        if (!r.ok)
            fail_msg("rejected #%zu <%s>: %s at %zu", i, docs[i], r.msg, r.err_off);
        assert_int_equal(r.value_off, 0);
        assert_int_equal(r.value_len, strlen(docs[i]));
    }
}

static void test_validate_value_span_excludes_whitespace(void **state)
{
    const char *doc = " \t\r\n {\"a\" : 1 } \n\t ";
    struct jspan v;
    struct vres r;

    (void)state;
    assert_true(jscan_validate(doc, strlen(doc), &v, NULL));
    FX_ASSERT_SPAN(v, "{\"a\" : 1 }");
    assert_ptr_equal(v.p, doc + 5);
    r = validate_s("  42  ");
    assert_true(r.ok);
    assert_int_equal(r.value_off, 2);
    assert_int_equal(r.value_len, 2);
    /* Only one value is validated, not a NUL-terminated string: the length is what counts. */
    assert_true(jscan_validate("[1]xyz", 3, &v, NULL));
    FX_ASSERT_SPAN(v, "[1]");
}

struct bad_doc {
    const char *text;
    size_t len; /* 0: strlen */
    size_t offset;
};

static void check_rejects(const struct bad_doc *cases, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        size_t len = cases[i].len ? cases[i].len : strlen(cases[i].text);
        struct vres r = validate_n(cases[i].text, len);
        if (r.ok)
            fail_msg("accepted bad document #%zu <%s>", i, cases[i].text);
        assert_non_null(r.msg);
        assert_true(strlen(r.msg) > 0);
        if (r.err_off != cases[i].offset)
            fail_msg("#%zu <%s>: error \"%s\" at %zu, want %zu", i, cases[i].text, r.msg, r.err_off,
                     cases[i].offset);
    }
}

static void test_validate_rejects_structure(void **state)
{
    static const struct bad_doc cases[] = {
        {"", 0, 0},
        {"   ", 0, 3},
        {"[1,]", 0, 3},       /* trailing comma in an array */
        {"{\"a\":1,}", 0, 7}, /* trailing comma in an object */
        {"[1,2", 0, 4},       /* unterminated array */
        {"{\"a\":1", 0, 6},   /* unterminated object */
        {"{\"a\":", 0, 5},
        {"{\"a\"", 0, 4},
        {"{", 0, 1},
        {"[", 0, 1},
        {"{\"a\" 1}", 0, 5}, /* missing colon */
        {"{1:2}", 0, 1},     /* non-string key */
        {"{'a':1}", 0, 1},   /* single quotes */
        {"[1 2]", 0, 3},     /* missing comma */
        {"{\"a\":1 \"b\":2}", 0, 7},
        {"[,1]", 0, 1},
        {"{,}", 0, 1},
        {"]", 0, 0},
        {"{}}", 0, 2},
        {"{} x", 0, 3}, /* trailing garbage */
        {"{}{}", 0, 2},
        {"1 2", 0, 2},
        {"\"a\" \"b\"", 0, 4},
        {"[1]\n,", 0, 4},
        {"\xef\xbb\xbf{}", 0, 0}, /* a byte order mark is not JSON */
        {"tru", 0, 0},
        {"nul", 0, 0},
        {"True", 0, 0},
        {"[truex]", 0, 5},
    };
    (void)state;
    check_rejects(cases, sizeof cases / sizeof cases[0]);
}

static void test_validate_rejects_strings(void **state)
{
    static const struct bad_doc cases[] = {
        {"\"abc", 0, 4},                            /* unterminated string */
        {"[\"abc]", 0, 6},         {"{\"ab", 0, 4}, /* unterminated key */
        {"\"abc\\", 0, 4},                          /* backslash at the very end */
        {"\"\\x\"", 0, 1},                          /* bad escapes */
        {"\"ab\\a\"", 0, 3},       {"\"\\'\"", 0, 1},   {"\"\\U0041\"", 0, 1},
        {"\"\\u12G4\"", 0, 1},     {"\"\\u12\"", 0, 1}, {"\"\\u\"", 0, 1},
        {"\"a\\u004", 0, 2},       {"\"a\tb\"", 0, 2}, /* control characters must be escaped */
        {"\"a\nb\"", 0, 2},        {"\"\x01\"", 0, 1},  {"\"\x1f\"", 0, 1},
        {"[\"ok\",\"\r\"]", 0, 7}, {"\"a\0b\"", 5, 2}, /* an embedded NUL byte */
    };
    (void)state;
    check_rejects(cases, sizeof cases / sizeof cases[0]);
}

static void test_validate_rejects_bad_utf8(void **state)
{
    static const struct bad_doc cases[] = {
        {"\"\xc0\xaf\"", 0, 1},         /* overlong 2-byte '/' */
        {"\"\xc1\xbf\"", 0, 1},         /* overlong 2-byte */
        {"\"\xe0\x80\xaf\"", 0, 1},     /* overlong 3-byte */
        {"\"\xe0\x9f\xbf\"", 0, 1},     /* overlong 3-byte, just below U+0800 */
        {"\"\xf0\x80\x80\xaf\"", 0, 1}, /* overlong 4-byte */
        {"\"\xf0\x8f\xbf\xbf\"", 0, 1}, /* overlong 4-byte, just below U+10000 */
        {"\"ab\xed\xa0\x80\"", 0, 3},   /* UTF-8 encoded surrogate U+D800 */
        {"\"\xed\xbf\xbf\"", 0, 1},     /* U+DFFF */
        {"\"\xf4\x90\x80\x80\"", 0, 1}, /* U+110000 */
        {"\"\xf5\x80\x80\x80\"", 0, 1},
        {"\"\xf7\xbf\xbf\xbf\"", 0, 1},
        {"\"\xe2\x82\"", 0, 1}, /* truncated sequence before the quote */
        {"\"\xe2\x82", 0, 1},   /* truncated sequence at the end of input */
        {"\"\xf0\x9f\x98", 0, 1},
        {"\"\xc3", 0, 1},
        {"\"x\x80\"", 0, 2}, /* lone continuation byte */
        {"\"\xbf\"", 0, 1},
        {"\"\xff\"", 0, 1},
        {"\"\xfe\"", 0, 1},
        {"\"\xc3\x28\"", 0, 1}, /* bad continuation byte */
        {"\"\xe2\x28\xa1\"", 0, 1},
        {"{\"k\xc3\":1}", 0, 3}, /* in a key */
    };
    (void)state;
    check_rejects(cases, sizeof cases / sizeof cases[0]);
}

static void test_validate_rejects_numbers(void **state)
{
    static const struct bad_doc cases[] = {
        {"01", 0, 1}, /* leading zeros */
        {"-01", 0, 2},         {"[00]", 0, 2},
        {"{\"a\":007}", 0, 6}, {"-", 0, 1}, /* lone minus */
        {"[-]", 0, 2},         {"- 1", 0, 1},
        {"+1", 0, 0},          {".5", 0, 0},
        {"1.", 0, 2},          {"1.e3", 0, 2},
        {"1e", 0, 2},          {"1e+", 0, 3},
        {"[1E-]", 0, 4},       {"0x10", 0, 1},
        {"NaN", 0, 0}, /* bare words are not numbers */
        {"Infinity", 0, 0},    {"-Infinity", 0, 1},
        {"[NaN]", 0, 1},       {"{\"a\":Infinity}", 0, 5},
        {"nan", 0, 0},         {"inf", 0, 0},
    };
    (void)state;
    check_rejects(cases, sizeof cases / sizeof cases[0]);
}

/* "[" + three siblings of "[" + m nested objects + "]" + "]": depth 2 + m. */
static size_t nest_siblings(char *out, size_t cap, int m)
{
    size_t o = 0;
    out[o++] = '[';
    for (int k = 0; k < 3; k++) {
        o += (size_t)snprintf(out + o, cap - o, k ? ",[" : "[");
        for (int i = 0; i < m; i++)
            o += (size_t)snprintf(out + o, cap - o, "{\"a\":");
        out[o++] = '1';
        for (int i = 0; i < m; i++)
            out[o++] = '}';
        out[o++] = ']';
    }
    out[o++] = ']';
    assert_true(o < cap);
    return o;
}

static void test_validate_depth_limit(void **state)
{
    char doc[2 * (JSCAN_MAX_DEPTH + 1)];
    char big[4096];
    size_t n = 0;
    struct vres r;

    (void)state;
    /* Exactly JSCAN_MAX_DEPTH levels are fine. */
    for (int i = 0; i < JSCAN_MAX_DEPTH; i++)
        doc[n++] = '[';
    for (int i = 0; i < JSCAN_MAX_DEPTH; i++)
        doc[n++] = ']';
    r = validate_n(doc, n);
    assert_true(r.ok);
    assert_int_equal(r.value_len, 2 * JSCAN_MAX_DEPTH);

    /* One more level is rejected, at the bracket that goes too deep. */
    n = 0;
    for (int i = 0; i <= JSCAN_MAX_DEPTH; i++)
        doc[n++] = '[';
    for (int i = 0; i <= JSCAN_MAX_DEPTH; i++)
        doc[n++] = ']';
    r = validate_n(doc, n);
    assert_false(r.ok);
    assert_int_equal(r.err_off, JSCAN_MAX_DEPTH);
    assert_non_null(strstr(r.msg, "deep"));

    /* Objects count as levels too, and depth is not cumulative across siblings. */
    n = nest_siblings(big, sizeof big, JSCAN_MAX_DEPTH - 2);
    r = validate_n(big, n);
    assert_true(r.ok);
    n = nest_siblings(big, sizeof big, JSCAN_MAX_DEPTH - 1);
    r = validate_n(big, n);
    assert_false(r.ok);
    assert_non_null(strstr(r.msg, "deep"));
    /* The first object that goes too deep: "[[" then 63 times {"a": (5 bytes each). */
    assert_int_equal(r.err_off, 2 + 5 * (JSCAN_MAX_DEPTH - 2));
}

/* Deeply nested input far beyond the limit must fail cleanly, not exhaust the stack. */
static void test_validate_very_deep(void **state)
{
    size_t n = 200000;
    char *doc = malloc(n);
    struct vres r;

    (void)state;
    assert_non_null(doc);
    memset(doc, '[', n);
    r = validate_n(doc, n);
    assert_false(r.ok);
    assert_int_equal(r.err_off, JSCAN_MAX_DEPTH);
    free(doc);
}

/* --- integers --- */

static void test_int64_exact(void **state)
{
    int64_t x = 0;

    (void)state;
    assert_true(jscan_int64(fx_span("1705318200125483291"), &x));
    assert_true(x == INT64_C(1705318200125483291));
    assert_true(jscan_int64(fx_span("9223372036854775807"), &x));
    assert_true(x == INT64_MAX);
    assert_true(jscan_int64(fx_span("-9223372036854775808"), &x));
    assert_true(x == INT64_MIN);
    assert_true(jscan_int64(fx_span("-9223372036854775807"), &x));
    assert_true(x == -INT64_MAX);
    assert_true(jscan_int64(fx_span("0"), &x));
    assert_true(x == 0);
    assert_true(jscan_int64(fx_span("-0"), &x));
    assert_true(x == 0);
    assert_true(jscan_int64(fx_span("-1"), &x));
    assert_true(x == -1);
    /* 2^53 + 1: not representable as a double. */
    assert_true(jscan_int64(fx_span("9007199254740993"), &x));
    assert_true(x == INT64_C(9007199254740993));
}

static void test_int64_rejects(void **state)
{
    static const char *const bad[] = {
        "9223372036854775808",
        "-9223372036854775809",
        "18446744073709551616",
        "99999999999999999999",
        "123456789012345678901234567890",
        "1.5",
        "1e3",
        "1E3",
        "-0.0",
        "1.0",
        "\"123\"",
        "null",
        "true",
        "-",
        "",
        "[1]",
    };
    (void)state;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int64_t x = 77;
        if (jscan_int64(fx_span(bad[i]), &x))
            fail_msg("accepted <%s> as %" PRId64, bad[i], x);
        assert_true(x == 77); /* untouched on failure */
    }
    {
        int64_t x = 0;
        struct jspan none = {NULL, 0};
        assert_false(jscan_int64(none, &x));
    }
}

static void test_int64_roundtrip(void **state)
{
    uint64_t seed = 12345;
    char text[32];

    (void)state;
    for (int i = 0; i < 20000; i++) {
        uint64_t u = rng_splitmix64(&seed);
        int64_t want = (int64_t)(u >> (u & 63)) * ((u & 64) ? -1 : 1), got = 0;
        snprintf(text, sizeof text, "%" PRId64, want);
        assert_true(jscan_int64(fx_span(text), &got));
        assert_true(got == want);
    }
}

static void test_double(void **state)
{
    double d = 0;

    (void)state;
    assert_true(jscan_double(fx_span("1.5"), &d));
    assert_true(d == 1.5);
    assert_true(jscan_double(fx_span("-2e3"), &d));
    assert_true(d == -2000.0);
    assert_true(jscan_double(fx_span("1779000000.25"), &d));
    assert_true(d == 1779000000.25);
    assert_false(jscan_double(fx_span("\"1.5\""), &d));
    assert_false(jscan_double(fx_span("null"), &d));
}

/* --- strings --- */

static void check_string(const char *json, const char *want, size_t want_len)
{
    char buf[64];
    size_t len = 999;
    struct jspan v = fx_span(json);

    assert_true(jscan_validate(v.p, v.n, NULL, NULL));
    if (!jscan_string(v, buf, sizeof buf, &len))
        fail_msg("could not decode %s", json);
    assert_int_equal(len, want_len);
    assert_memory_equal(buf, want, want_len);
    assert_int_equal(buf[len], '\0');
    assert_int_equal(jscan_string_len(v), want_len);
}

static void test_string_unescape(void **state)
{
    (void)state;
    check_string("\"plain\"", "plain", 5);
    check_string("\"\"", "", 0);
    check_string("\"a\\nb\"", "a\nb", 3);
    check_string("\"\\\"\\\\\\/\\b\\f\\n\\r\\t\"", "\"\\/\b\f\n\r\t", 8);
    check_string("\"caf\\u00e9\"", "caf\xc3\xa9", 5);
    check_string("\"caf\\u00E9\"", "caf\xc3\xa9", 5);
    check_string("\"\\u20ac\"", "\xe2\x82\xac", 3);
    check_string("\"\\ud83d\\ude00\"", "\xf0\x9f\x98\x80", 4);
    check_string("\"\\uD83D\\uDE00!\"", "\xf0\x9f\x98\x80!", 5);
    check_string("\"\\udbff\\udfff\"", "\xf4\x8f\xbf\xbf", 4);
    check_string("\"\\u0000x\"", "\0x", 2);
    check_string("\"\\u0041\"", "A", 1);
    check_string("\"raw \xc3\xa9\"", "raw \xc3\xa9", 6);
    /* A lone surrogate cannot be UTF-8: it becomes U+FFFD. */
    check_string("\"\\ud800x\"", "\xef\xbf\xbdx", 4);
    check_string("\"\\ude00\"", "\xef\xbf\xbd", 3);
    check_string("\"\\ud83d\\u0041\"",
                 "\xef\xbf\xbd"
                 "A",
                 4);
}

static void test_string_buffer_too_small(void **state)
{
    char buf[16];
    size_t len = 0;

    (void)state;
    /* Five bytes need a buffer of six for the NUL. */
    assert_false(jscan_string(fx_span("\"hello\""), buf, 5, &len));
    assert_true(jscan_string(fx_span("\"hello\""), buf, 6, &len));
    assert_int_equal(len, 5);
    assert_string_equal(buf, "hello");
    /* An escape expands: \u00e9 needs two bytes plus the NUL. */
    assert_false(jscan_string(fx_span("\"\\u00e9\""), buf, 2, &len));
    assert_true(jscan_string(fx_span("\"\\u00e9\""), buf, 3, &len));
    assert_int_equal(len, 2);
    assert_false(jscan_string(fx_span("\"\\ud83d\\ude00\""), buf, 4, &len));
    assert_true(jscan_string(fx_span("\"\\ud83d\\ude00\""), buf, 5, &len));
    assert_false(jscan_string(fx_span("\"x\""), buf, 0, &len));
    assert_true(jscan_string(fx_span("\"\""), buf, 1, &len));
    assert_int_equal(len, 0);
    /* Not a string. */
    assert_false(jscan_string(fx_span("42"), buf, sizeof buf, &len));
    assert_false(jscan_string(fx_span("null"), buf, sizeof buf, &len));
    assert_false(jscan_string(fx_span("{\"a\":1}"), buf, sizeof buf, &len));
    assert_true(jscan_string_len(fx_span("42")) == (size_t)-1);
    assert_true(jscan_string_len(fx_span("[\"a\"]")) == (size_t)-1);
}

/* --- lookup and iteration --- */

static void test_get_escaped_keys(void **state)
{
    const char *doc = "{\"a\\u0062c\":1,\"x\\\"y\":2,\"tab\\tkey\":3,\"\\u00e9t\\u00e9\":4,"
                      "\"plain\":5,\"a\\\\b\":6,\"\\ud83d\\ude00\":7}";
    struct jspan obj, v;

    (void)state;
    assert_true(jscan_validate(doc, strlen(doc), &obj, NULL));
    assert_true(jscan_get(obj, "abc", &v));
    FX_ASSERT_SPAN(v, "1");
    assert_true(jscan_get(obj, "x\"y", &v));
    FX_ASSERT_SPAN(v, "2");
    assert_true(jscan_get(obj, "tab\tkey", &v));
    FX_ASSERT_SPAN(v, "3");
    assert_true(jscan_get(obj, "\xc3\xa9t\xc3\xa9", &v));
    FX_ASSERT_SPAN(v, "4");
    assert_true(jscan_get(obj, "plain", &v));
    FX_ASSERT_SPAN(v, "5");
    /* The key "a\\b" in JSON is the three characters a, backslash, b. */
    assert_true(jscan_get(obj, "a\\b", &v));
    FX_ASSERT_SPAN(v, "6");
    assert_false(jscan_get(obj, "a\\\\b", &v));
    assert_true(jscan_get(obj, "\xf0\x9f\x98\x80", &v));
    FX_ASSERT_SPAN(v, "7");
    /* Near misses. */
    assert_false(jscan_get(obj, "ab", &v));
    assert_false(jscan_get(obj, "abcd", &v));
    assert_false(jscan_get(obj, "a\\u0062c", &v));
    assert_false(jscan_get(obj, "Plain", &v));
    assert_false(jscan_get(obj, "", &v));
}

static void test_get_top_level_only(void **state)
{
    const char *doc = "{\"s\":\"\\\"target\\\":9\",\"outer\":{\"target\":1},"
                      "\"list\":[{\"target\":3}],\"target\" : 2 }";
    const char *nested = "{\"outer\":{\"target\":1}}";
    struct jspan obj, v, inner;

    (void)state;
    assert_true(jscan_validate(doc, strlen(doc), &obj, NULL));
    assert_true(jscan_get(obj, "target", &v));
    FX_ASSERT_SPAN(v, "2");
    assert_true(jscan_get(obj, "outer", &inner));
    assert_true(jscan_get(inner, "target", &v));
    FX_ASSERT_SPAN(v, "1");
    assert_true(jscan_validate(nested, strlen(nested), &obj, NULL));
    assert_false(jscan_get(obj, "target", &v));
    /* Not an object. */
    assert_false(jscan_get(fx_span("[\"target\",1]"), "target", &v));
    assert_false(jscan_get(fx_span("\"target\""), "target", &v));
    /* Duplicate names: the first one. */
    assert_true(jscan_get(fx_span("{\"k\":1,\"k\":2}"), "k", &v));
    FX_ASSERT_SPAN(v, "1");
    /* Empty object. */
    assert_false(jscan_get(fx_span("{}"), "k", &v));
    assert_false(jscan_get(fx_span("{ }"), "k", &v));
}

static void test_key_eq(void **state)
{
    (void)state;
    assert_true(jscan_key_eq(fx_span("\"id\""), "id"));
    assert_false(jscan_key_eq(fx_span("\"id\""), "i"));
    assert_false(jscan_key_eq(fx_span("\"id\""), "idx"));
    assert_true(jscan_key_eq(fx_span("\"\\u0069d\""), "id"));
    assert_true(jscan_key_eq(fx_span("\"\""), ""));
    assert_false(jscan_key_eq(fx_span("\"a\\\\b\""), "a\\\\b"));
    assert_true(jscan_key_eq(fx_span("\"a\\\\b\""), "a\\b"));
    assert_false(jscan_key_eq(fx_span("\"a\\/b\""), "a\\/b"));
    assert_true(jscan_key_eq(fx_span("\"a\\/b\""), "a/b"));
    assert_false(jscan_key_eq(fx_span("null"), "null"));
    assert_false(jscan_key_eq(fx_span("1"), ""));
}

static void test_iterate_whitespace_heavy(void **state)
{
    const char *doc = " \n{ \"a\" :\t[ 1 , { \"b\" : \"}]\\\"\" } ] ,\r\n \"c\" : -1.5e3 ,"
                      "\"d\":\"x\\\"y,:\" , \"e\" : { } , \"f\":[ ] ,\n\"g\" : true , \"h\":null"
                      ",\"i\":\"\"}\n";
    static const char *const keys[] = {"\"a\"", "\"c\"", "\"d\"", "\"e\"",
                                       "\"f\"", "\"g\"", "\"h\"", "\"i\""};
    static const char *const vals[] = {"[ 1 , { \"b\" : \"}]\\\"\" } ]",
                                       "-1.5e3",
                                       "\"x\\\"y,:\"",
                                       "{ }",
                                       "[ ]",
                                       "true",
                                       "null",
                                       "\"\""};
    struct jspan obj, k, v, a = {NULL, 0};
    struct jscan_iter it;
    size_t n = 0;

    (void)state;
    assert_true(jscan_validate(doc, strlen(doc), &obj, NULL));
    assert_int_equal(jscan_type(obj), JT_OBJECT);
    jscan_iter_init(&it, obj);
    while (jscan_iter_next(&it, &k, &v)) {
        assert_true(n < 8);
        FX_ASSERT_SPAN(k, keys[n]);
        FX_ASSERT_SPAN(v, vals[n]);
        if (n == 0)
            a = v;
        n++;
    }
    assert_int_equal(n, 8);
    assert_false(jscan_iter_next(&it, &k, &v)); /* stays finished */

    /* The nested array: elements only, key untouched. */
    {
        struct jspan sentinel = {"unchanged", 9}, e, b;
        struct jscan_iter ai, oi;
        n = 0;
        k = sentinel;
        jscan_iter_init(&ai, a);
        assert_true(jscan_iter_next(&ai, &k, &e));
        FX_ASSERT_SPAN(e, "1");
        assert_true(k.p == sentinel.p && k.n == sentinel.n);
        assert_true(jscan_iter_next(&ai, &k, &e));
        FX_ASSERT_SPAN(e, "{ \"b\" : \"}]\\\"\" }");
        assert_false(jscan_iter_next(&ai, &k, &v));
        jscan_iter_init(&oi, e);
        assert_true(jscan_iter_next(&oi, &k, &b));
        FX_ASSERT_SPAN(k, "\"b\"");
        FX_ASSERT_SPAN(b, "\"}]\\\"\"");
        assert_false(jscan_iter_next(&oi, &k, &b));
    }
}

static void test_iterate_arrays_and_empty(void **state)
{
    const char *doc = "[\"a:b\" , \"c,d\",\":\",[],{},[[1,[2]],3],-0,1e400,\"\\\\\"]";
    static const char *const want[] = {"\"a:b\"",     "\"c,d\"", "\":\"", "[]",      "{}",
                                       "[[1,[2]],3]", "-0",      "1e400", "\"\\\\\""};
    struct jspan arr, v;
    struct jscan_iter it;
    size_t n = 0;

    (void)state;
    assert_true(jscan_validate(doc, strlen(doc), &arr, NULL));
    assert_int_equal(jscan_type(arr), JT_ARRAY);
    jscan_iter_init(&it, arr);
    while (jscan_iter_next(&it, NULL, &v)) {
        assert_true(n < 9);
        FX_ASSERT_SPAN(v, want[n]);
        n++;
    }
    assert_int_equal(n, 9);

    /* Empty containers, with and without whitespace. */
    static const char *const empty[] = {"{}", "[]", "{ \n }", "[\t]"};
    for (size_t i = 0; i < 4; i++) {
        jscan_iter_init(&it, fx_span(empty[i]));
        assert_false(jscan_iter_next(&it, NULL, &v));
    }
    /* Scalars and NULL spans cannot be iterated. */
    jscan_iter_init(&it, fx_span("42"));
    assert_false(jscan_iter_next(&it, NULL, &v));
    {
        struct jspan none = {NULL, 0};
        jscan_iter_init(&it, none);
        assert_false(jscan_iter_next(&it, NULL, &v));
    }
}

static void test_types(void **state)
{
    struct jspan none = {NULL, 0};

    (void)state;
    assert_int_equal(jscan_type(fx_span("{}")), JT_OBJECT);
    assert_int_equal(jscan_type(fx_span("[]")), JT_ARRAY);
    assert_int_equal(jscan_type(fx_span("\"\"")), JT_STRING);
    assert_int_equal(jscan_type(fx_span("-1")), JT_NUMBER);
    assert_int_equal(jscan_type(fx_span("7")), JT_NUMBER);
    assert_int_equal(jscan_type(fx_span("true")), JT_TRUE);
    assert_int_equal(jscan_type(fx_span("false")), JT_FALSE);
    assert_int_equal(jscan_type(fx_span("null")), JT_NULL);
    assert_int_equal(jscan_type(none), JT_INVALID);
    assert_string_equal(jscan_type_name(JT_OBJECT), "object");
    assert_string_equal(jscan_type_name(JT_ARRAY), "array");
    assert_string_equal(jscan_type_name(JT_NUMBER), "number");
    assert_string_equal(jscan_type_name(JT_STRING), "string");
    assert_string_equal(jscan_type_name((enum jtype)99), "invalid");
    assert_true(jscan_is_null(none));
    assert_true(jscan_is_null(fx_span("null")));
    assert_false(jscan_is_null(fx_span("0")));
    assert_false(jscan_is_null(fx_span("\"null\"")));
}

/* Random byte strings: the validator never reads out of bounds, and whatever it accepts can be
 * walked by the iterator down to the leaves. */
static void walk(struct jspan v, int depth)
{
    struct jscan_iter it;
    struct jspan k, e;
    assert_true(depth <= JSCAN_MAX_DEPTH);
    if (jscan_type(v) != JT_OBJECT && jscan_type(v) != JT_ARRAY)
        return;
    jscan_iter_init(&it, v);
    while (jscan_iter_next(&it, &k, &e)) {
        assert_true(jscan_validate(e.p, e.n, NULL, NULL));
        walk(e, depth + 1);
    }
}

static void test_random_mutations(void **state)
{
    const char *seed_doc =
        "{\"a\":[1,-2.5e3,\"x\\u00e9\\n\",{\"b\":null}],\"c\":true,\"d\":\"\xc3\xa9\"}";
    size_t n = strlen(seed_doc);
    uint64_t seed = 99;
    static const char alphabet[] = "{}[]\",:\\0123456789-+.eEtrufalsn \xc3\xa9\x80\xff";

    (void)state;
    for (int round = 0; round < 20000; round++) {
        char work[128];
        struct jspan v;
        assert_true(n <= sizeof work);
        memcpy(work, seed_doc, n);
        int edits = 1 + (int)(rng_splitmix64(&seed) % 3);
        for (int e = 0; e < edits; e++)
            work[rng_splitmix64(&seed) % n] =
                alphabet[rng_splitmix64(&seed) % (sizeof alphabet - 1)];
        size_t len = (size_t)(rng_splitmix64(&seed) % (n + 1));
        char *doc = malloc(len ? len : 1);
        assert_non_null(doc);
        memcpy(doc, work, len);
        if (jscan_validate(doc, len, &v, NULL))
            walk(v, 0);
        free(doc);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_validate_accepts),
        cmocka_unit_test(test_validate_value_span_excludes_whitespace),
        cmocka_unit_test(test_validate_rejects_structure),
        cmocka_unit_test(test_validate_rejects_strings),
        cmocka_unit_test(test_validate_rejects_bad_utf8),
        cmocka_unit_test(test_validate_rejects_numbers),
        cmocka_unit_test(test_validate_depth_limit),
        cmocka_unit_test(test_validate_very_deep),
        cmocka_unit_test(test_int64_exact),
        cmocka_unit_test(test_int64_rejects),
        cmocka_unit_test(test_int64_roundtrip),
        cmocka_unit_test(test_double),
        cmocka_unit_test(test_string_unescape),
        cmocka_unit_test(test_string_buffer_too_small),
        cmocka_unit_test(test_get_escaped_keys),
        cmocka_unit_test(test_get_top_level_only),
        cmocka_unit_test(test_key_eq),
        cmocka_unit_test(test_iterate_whitespace_heavy),
        cmocka_unit_test(test_iterate_arrays_and_empty),
        cmocka_unit_test(test_types),
        cmocka_unit_test(test_random_mutations),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}

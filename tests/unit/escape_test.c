/* Unit tests for escape.c (and the buf.c it writes into). */
#include "config.h"

#include <setjmp.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "buf.h"
#include "escape.h"

/* Escapes n bytes of p and checks the result against want. */
static void check(const char *p, size_t n, const char *want)
{
    struct buf b;
    char small[256];
    size_t w;

    buf_init(&b);
    escape_append(&b, p, n);
    assert_non_null(b.data);
    assert_string_equal(b.data, want);
    assert_int_equal(b.len, strlen(want));
    buf_free(&b);

    w = escape_into(small, sizeof(small), p, n);
    assert_string_equal(small, want);
    assert_int_equal(w, strlen(want));
}

#define CHECK(lit, want) check(lit, sizeof(lit) - 1, want)

static void test_escape_terminal_sequences(void **state)
{
    (void)state;
    CHECK("\x1b[2J", "\\e[2J");
    CHECK("\x1b]0;owned\x07", "\\e]0;owned\\x07");
    CHECK("ding\a", "ding\\x07");
    CHECK("a\r\nb\tc", "a\\r\\nb\\tc");
    CHECK("del\x7f", "del\\x7f");
    CHECK("nul\0x", "nul\\x00x");
    CHECK("\x01\x1f", "\\x01\\x1f");
    CHECK("back\\slash", "back\\\\slash");
    CHECK("plain text: {\"a\": 1} ~", "plain text: {\"a\": 1} ~");
    CHECK("", "");
}

static void test_escape_c1_and_format(void **state)
{
    (void)state;
    CHECK("\xc2\x9b"
          "2J",
          "\\u{009b}2J"); /* U+009B CSI */
    CHECK("\xc2\x80\xc2\x9f", "\\u{0080}\\u{009f}");
    CHECK("\xc2\x85", "\\u{0085}"); /* NEL */
    CHECK("\xc2\xa0", "\xc2\xa0");  /* U+00A0 is printable: kept */
    CHECK("abc\xe2\x80\xae"
          "cba",
          "abc\\u{202e}cba"); /* RLO */
    CHECK("\xe2\x80\xaa\xe2\x80\xad", "\\u{202a}\\u{202d}");
    CHECK("\xe2\x81\xa6x\xe2\x81\xa9", "\\u{2066}x\\u{2069}"); /* LRI, PDI */
    CHECK("\xe2\x80\x8b\xe2\x80\x8f", "\\u{200b}\\u{200f}");   /* ZWSP, RLM */
    CHECK("\xef\xbb\xbfid", "\\u{feff}id");                    /* BOM */
    CHECK("\xd8\x9c", "\\u{061c}");                            /* ALM */
    CHECK("\xe2\x80\xa8", "\\u{2028}");
    CHECK("\xf3\xa0\x81\x81", "\\u{e0041}"); /* TAG LATIN CAPITAL A */
    CHECK("\xe2\x80\xaf", "\xe2\x80\xaf");   /* U+202F is visible: kept */
}

static void test_escape_valid_utf8(void **state)
{
    (void)state;
    CHECK("caf\xc3\xa9", "caf\xc3\xa9");
    CHECK("\xe6\x97\xa5\xe6\x9c\xac", "\xe6\x97\xa5\xe6\x9c\xac");
    CHECK("\xf0\x9f\x98\x80!", "\xf0\x9f\x98\x80!");
    CHECK("\xf4\x8f\xbf\xbf", "\xf4\x8f\xbf\xbf"); /* U+10FFFF */
    CHECK("\xed\x9f\xbf", "\xed\x9f\xbf");         /* U+D7FF */
    CHECK("\xee\x80\x80", "\xee\x80\x80");         /* U+E000 */
}

static void test_escape_invalid_utf8(void **state)
{
    (void)state;
    CHECK("\xff", "\\xff");
    CHECK("\xfe\xfe", "\\xfe\\xfe");
    CHECK("\xc0\xaf", "\\xc0\\xaf"); /* overlong '/' */
    CHECK("\xc1\xbf", "\\xc1\\xbf");
    CHECK("\xe0\x80\xaf", "\\xe0\\x80\\xaf");          /* overlong 3-byte */
    CHECK("\xf0\x80\x80\xaf", "\\xf0\\x80\\x80\\xaf"); /* overlong 4-byte */
    CHECK("\xe6\x97", "\\xe6\\x97");                   /* truncated at the end */
    CHECK("\xe6\x97"
          "A",
          "\\xe6\\x97A");                              /* truncated by ASCII */
    CHECK("\xe6\xe6\x97\xa5", "\\xe6\xe6\x97\xa5");    /* truncated by a new sequence */
    CHECK("\xed\xa0\x80", "\\xed\\xa0\\x80");          /* surrogate U+D800 */
    CHECK("\xf4\x90\x80\x80", "\\xf4\\x90\\x80\\x80"); /* U+110000 */
    CHECK("\xf5\x80\x80\x80", "\\xf5\\x80\\x80\\x80");
    CHECK("\x80", "\\x80"); /* lone continuation */
    CHECK("\xc2", "\\xc2");
    CHECK("\xc2\x1b[m", "\\xc2\\e[m");
}

/* Every output length that ends on a unit boundary of the escape of p. */
static void boundaries(const char *p, size_t n, const char *full, bool *ok, size_t ok_len)
{
    struct buf b;
    size_t k;

    memset(ok, 0, ok_len);
    buf_init(&b);
    for (k = 0; k <= n; k++) {
        buf_reset(&b);
        escape_append(&b, p, k);
        /* A prefix of the input that cuts a character escapes differently: not a boundary. */
        if (b.len < ok_len && strncmp(b.data, full, b.len) == 0)
            ok[b.len] = true;
    }
    buf_free(&b);
}

static void check_truncation(const char *p, size_t n)
{
    struct buf full;
    bool ok[512];
    char out[520];
    size_t cap, w, best;

    buf_init(&full);
    escape_append(&full, p, n);
    assert_true(full.len < sizeof(ok));
    boundaries(p, n, full.data, ok, sizeof(ok));

    for (cap = 0; cap <= full.len + 2; cap++) {
        memset(out, '#', sizeof(out));
        w = escape_into(out, cap, p, n);
        if (cap == 0) {
            assert_int_equal(w, 0);
            assert_int_equal(out[0], '#');
            continue;
        }
        assert_true(w < cap);
        assert_int_equal(out[w], '\0');
        assert_int_equal(out[cap], '#'); /* nothing written past cap */
        assert_memory_equal(out, full.data, w);
        assert_true(ok[w]);
        /* And as much as fits: the longest boundary below cap. */
        for (best = cap - 1 < full.len ? cap - 1 : full.len; !ok[best]; best--)
            ;
        assert_int_equal(w, best);
    }
    buf_free(&full);
}

static void test_escape_into_truncation(void **state)
{
    static const char mixed[] = "ab\x1b[2Jc\xc3\xa9\xe6\x97\xa5\xc2\x9b\xff\\\n\xe2\x80\xaezz"
                                "\xf0\x9f\x98\x80\x7f"
                                "end";
    char out[16];

    (void)state;
    /* "\e" is two bytes and never split. */
    assert_int_equal(escape_into(out, 1, "\x1b[2J", 4), 0);
    assert_string_equal(out, "");
    assert_int_equal(escape_into(out, 2, "\x1b[2J", 4), 0);
    assert_string_equal(out, "");
    assert_int_equal(escape_into(out, 3, "\x1b[2J", 4), 2);
    assert_string_equal(out, "\\e");
    assert_int_equal(escape_into(out, 4, "\x1b[2J", 4), 3);
    assert_string_equal(out, "\\e[");
    /* A character is all or nothing. */
    assert_int_equal(escape_into(out, 6, "\xe6\x97\xa5\xe6\x9c\xac", 6), 3);
    assert_string_equal(out, "\xe6\x97\xa5");
    assert_int_equal(escape_into(out, 3, "\xe6\x97\xa5", 3), 0);
    /* \u{009b} is eight bytes. */
    assert_int_equal(escape_into(out, 8, "\xc2\x9b", 2), 0);
    assert_int_equal(escape_into(out, 9, "\xc2\x9b", 2), 8);
    assert_string_equal(out, "\\u{009b}");
    /* Plain text is cut anywhere. */
    assert_int_equal(escape_into(out, 4, "abcdef", 6), 3);
    assert_string_equal(out, "abc");

    check_truncation(mixed, sizeof(mixed) - 1);
    check_truncation("\x1b\x1b\x1b", 3);
    check_truncation("\xe6\x97", 2);
    check_truncation("", 0);
}

/* Whatever the input, the output holds no control byte, no C1 control and no bidi control. */
static void test_escape_random_bytes(void **state)
{
    static const unsigned char pick[] = {0x00, 0x07, 0x0a, 0x1b, 0x5c, 0x7f, 0x80, 0x9b, 0xa9,
                                         0xae, 0xbf, 0xc0, 0xc2, 0xc3, 0xe2, 0xe6, 0xed, 0xef,
                                         0xf0, 0xf4, 0xf5, 0xff, 'a',  '[',  0x80, 0x81};
    uint64_t x = 0x9e3779b97f4a7c15ull;
    unsigned char in[48];
    struct buf b;
    int round;
    size_t i;

    (void)state;
    buf_init(&b);
    for (round = 0; round < 20000; round++) {
        for (i = 0; i < sizeof(in); i++) {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            in[i] = (x >> 60) & 1 ? (unsigned char)(x >> 8) : pick[(x >> 16) % sizeof(pick)];
        }
        buf_reset(&b);
        escape_append(&b, (const char *)in, sizeof(in));
        for (i = 0; i < b.len; i++) {
            unsigned char c = (unsigned char)b.data[i];

            assert_true(c >= 0x20 && c != 0x7f);
            if (c == 0xc2 && i + 1 < b.len)
                assert_false((unsigned char)b.data[i + 1] <= 0x9f);
            if (c == 0xe2 && i + 2 < b.len && (unsigned char)b.data[i + 1] == 0x80)
                assert_false((unsigned char)b.data[i + 2] >= 0xaa &&
                             (unsigned char)b.data[i + 2] <= 0xae);
        }
    }
    buf_free(&b);
}

static void test_escape_append_grows(void **state)
{
    struct buf b;
    char in[3000];
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(in); i++)
        in[i] = (i % 3 == 0) ? '\x1b' : 'x';
    buf_init(&b);
    buf_puts(&b, ">");
    escape_append(&b, in, sizeof(in));
    assert_int_equal(b.len, 1 + 1000 * 2 + 2000);
    assert_int_equal(b.data[b.len], '\0');
    assert_memory_equal(b.data, ">\\exx\\exx", 9);
    buf_free(&b);
}

static void test_buf(void **state)
{
    struct buf b;
    char *s;
    int i;

    (void)state;
    buf_init(&b);
    s = buf_steal(&b);
    assert_string_equal(s, "");
    free(s);

    buf_putc(&b, 'x');
    buf_printf(&b, "%d-%s", 42, "y");
    assert_string_equal(b.data, "x42-y");
    for (i = 0; i < 1000; i++)
        buf_printf(&b, "%04d", i);
    assert_int_equal(b.len, 5 + 4000);
    assert_memory_equal(b.data + 5 + 4 * 999, "0999", 5);
    assert_true(b.cap >= b.len + 1);
    assert_int_equal(b.cap & (b.cap - 1), 0); /* doubled from a power of two */

    buf_reset(&b);
    assert_int_equal(b.len, 0);
    assert_string_equal(b.data, "");
    buf_printf(&b, "%s", "");
    buf_append(&b, "ab", 2);
    buf_puts(&b, "cd");
    assert_string_equal(b.data, "abcd");
    s = buf_steal(&b);
    assert_null(b.data);
    assert_int_equal(b.len, 0);
    assert_string_equal(s, "abcd");
    free(s);
    buf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_escape_terminal_sequences),
        cmocka_unit_test(test_escape_c1_and_format),
        cmocka_unit_test(test_escape_valid_utf8),
        cmocka_unit_test(test_escape_invalid_utf8),
        cmocka_unit_test(test_escape_into_truncation),
        cmocka_unit_test(test_escape_random_bytes),
        cmocka_unit_test(test_escape_append_grows),
        cmocka_unit_test(test_buf),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}

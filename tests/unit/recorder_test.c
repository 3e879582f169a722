/* Unit tests for the recording line format: recorder.c writes, src-replay.c reads. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "buf.h"
#include "change.h"
#include "recorder.h"
#include "src-replay.h"

/* Writes a record line and reads it back; every field must come back exactly. */
static void round_trip(const char *shard, const char *seq, size_t seq_len, const char *pkey,
                       size_t pkey_len, const char *data, size_t len, int64_t arrival, int64_t now)
{
    struct buf line;
    struct src_replay_line l;
    struct cdc_raw raw = {
        .data = data,
        .len = len,
        .seq = seq,
        .seq_len = seq_len,
        .pkey = pkey,
        .pkey_len = pkey_len,
        .arrival_ms = arrival,
    };

    buf_init(&line);
    src_replay_line_init(&l);
    recorder_format_record(&line, shard, &raw, now);
    assert_true(line.len > 0 && line.data[line.len - 1] == '\n');
    assert_null(memchr(line.data, '\n', line.len - 1)); /* one line, whatever the bytes */
    assert_int_equal(src_replay_parse_line(&l, line.data, line.len - 1), SRC_REPLAY_RECORD);
    assert_int_equal(l.shard.len, strlen(shard));
    assert_memory_equal(l.shard.data, shard, l.shard.len);
    assert_int_equal(l.has_seq, seq != NULL);
    if (seq) {
        assert_int_equal(l.seq.len, seq_len);
        if (seq_len)
            assert_memory_equal(l.seq.data, seq, seq_len);
    }
    assert_int_equal(l.has_pkey, pkey != NULL);
    if (pkey) {
        assert_int_equal(l.pkey.len, pkey_len);
        if (pkey_len)
            assert_memory_equal(l.pkey.data, pkey, pkey_len);
    }
    assert_int_equal(l.data.len, len);
    if (len)
        assert_memory_equal(l.data.data, data, len);
    assert_true(l.arrival_ms == arrival);
    assert_true(l.now_ms == now);
    src_replay_line_free(&l);
    buf_free(&line);
}

static void test_hostile_metadata(void **state)
{
    static const char pkey[] = "\"quoted\" \\ back\nslash\t\x01\x1f\x7f \xc3\xa9 \xf0\x9d\x84\x9e "
                               "\xe2\x80\xa8 nul\0end";
    static const char seq[] = "4959\"},\"data\":\"AAAA\"}\n{\"type\":\"record";
    (void)state;
    round_trip("shardId-000000000001", seq, sizeof seq - 1, pkey, sizeof pkey - 1, "{}", 2,
               1700000000123, 1700000000456);
    round_trip("odd \"shard\" \\ \t", "1", 1, "", 0, "", 0, CDC_TIME_NONE, 1700000000000);
    round_trip("s", NULL, 0, NULL, 0, "x", 1, CDC_TIME_NONE, CDC_TIME_NONE);
    round_trip("s", "", 0, "k", 1, "x", 1, -5, INT64_MAX);
}

static void test_not_utf8_goes_base64(void **state)
{
    static const char bad[] = "\xc3\x28 \xff\xfe \xed\xa0\x80 \xc0\xaf \xf4\x90\x80\x80";
    struct buf line;
    struct cdc_raw raw = {.data = "d",
                          .len = 1,
                          .pkey = bad,
                          .pkey_len = sizeof bad - 1,
                          .seq = bad,
                          .seq_len = 2,
                          .arrival_ms = CDC_TIME_NONE};
    (void)state;
    buf_init(&line);
    recorder_format_record(&line, "bad\xffshard", &raw, 1);
    assert_non_null(strstr(line.data, "\"shard_b64\":\""));
    assert_non_null(strstr(line.data, "\"seq_b64\":\""));
    assert_non_null(strstr(line.data, "\"pkey_b64\":\""));
    assert_non_null(strstr(line.data, "\"arrival_ms\":null"));
    buf_free(&line);
    /* overlong forms, surrogates and code points past U+10FFFF are not UTF-8 either */
    round_trip("bad\xffshard", bad, 2, bad, sizeof bad - 1, "d", 1, CDC_TIME_NONE, 1);
    round_trip("s", "\xed\xa0\x80", 3, "\xc0\xaf", 2, "d", 1, 1, 1);
    round_trip("s", "\xf4\x90\x80\x80", 4, "\xe2\x82", 2, "d", 1, 1, 1);
}

static void test_data_bytes_exact(void **state)
{
    char data[1024];
    uint32_t x = 12345;
    (void)state;
    for (size_t i = 0; i < sizeof data; i++) {
        x = x * 1103515245u + 12345u;
        data[i] = (char)(x >> 16);
    }
    /* every length around the base64 padding cases, NUL bytes and invalid UTF-8 included */
    for (size_t len = 0; len < 300; len++)
        round_trip("s", "1", 1, "k", 1, data, len, 1, 2);
    round_trip("s", "1", 1, "k", 1, data, sizeof data, 1, 2);
    memset(data, 0, 64);
    round_trip("s", "1", 1, "k", 1, data, 64, 1, 2);
}

/* A line cut anywhere (a crash, a partial write) never reads as a record. */
static void test_truncated_lines_are_bad(void **state)
{
    struct buf line;
    struct src_replay_line l;
    struct cdc_raw raw = {.data = "{\"a\":1}",
                          .len = 7,
                          .seq = "42",
                          .seq_len = 2,
                          .pkey = "k",
                          .pkey_len = 1,
                          .arrival_ms = 1};
    (void)state;
    buf_init(&line);
    src_replay_line_init(&l);
    recorder_format_record(&line, "shardId-000000000000", &raw, 2);
    for (size_t n = 0; n + 1 < line.len; n++)
        assert_int_equal(src_replay_parse_line(&l, line.data, n), SRC_REPLAY_BAD);
    assert_int_equal(src_replay_parse_line(&l, line.data, line.len - 1), SRC_REPLAY_RECORD);
    src_replay_line_free(&l);
    buf_free(&line);
}

static void test_reader_checks(void **state)
{
    struct src_replay_line l;
    (void)state;
    src_replay_line_init(&l);
#define PARSE(text) src_replay_parse_line(&l, text, strlen(text))
    assert_int_equal(PARSE("{\"type\":\"record\",\"shard\":\"s\",\"data\":\"QUJD\"}"),
                     SRC_REPLAY_RECORD);
    assert_memory_equal(l.data.data, "ABC", 3);
    assert_false(l.has_seq);
    assert_true(l.now_ms == CDC_TIME_NONE);
    /* unpadded base64 is read too */
    assert_int_equal(PARSE("{\"type\":\"record\",\"shard\":\"s\",\"data\":\"QUI\"}"),
                     SRC_REPLAY_RECORD);
    assert_int_equal(l.data.len, 2);
    assert_int_equal(PARSE("{\"type\":\"record\",\"shard\":\"s\",\"data\":\"QU I=\"}"),
                     SRC_REPLAY_BAD);
    assert_int_equal(PARSE("{\"type\":\"record\",\"shard\":\"s\",\"data\":\"QUJD\",\"len\":4}"),
                     SRC_REPLAY_BAD);
    assert_int_equal(PARSE("{\"type\":\"record\",\"data\":\"QUJD\"}"), SRC_REPLAY_BAD);
    assert_int_equal(PARSE("{\"type\":\"record\",\"shard\":\"s\",\"data\":\"\",\"now_ms\":\"1\"}"),
                     SRC_REPLAY_BAD);
    assert_int_equal(PARSE("{\"type\":\"record\",\"shard\":\"s\",\"shard\":\"t\",\"data\":\"\"}"),
                     SRC_REPLAY_BAD);
    assert_int_equal(PARSE("{\"type\":\"comment\",\"text\":\"later versions\"}"), SRC_REPLAY_OTHER);
    assert_int_equal(PARSE("[1]"), SRC_REPLAY_BAD);
    assert_int_equal(PARSE(""), SRC_REPLAY_BAD);
    assert_int_equal(PARSE("{\"type\":\"header\",\"format\":\"cdctop-recording\",\"version\":1,"
                           "\"record_size_limit\":2048,\"shards\":[\"a\",\"b\",7]}"),
                     SRC_REPLAY_HEADER);
    assert_int_equal(l.version, 1);
    assert_int_equal(l.record_limit, 2048);
    assert_int_equal(l.nshards, 2);
    assert_string_equal(l.shards.data, "a");
    assert_int_equal(PARSE("{\"type\":\"header\",\"format\":\"other\",\"version\":1}"),
                     SRC_REPLAY_BAD);
    assert_int_equal(PARSE("{\"type\":\"end\",\"records\":12,\"lost\":3}"), SRC_REPLAY_END);
    assert_int_equal(l.records, 12);
    assert_int_equal(l.lost, 3);
#undef PARSE
    src_replay_line_free(&l);
}

static void test_file_names_and_speed(void **state)
{
    char path[64];
    double speed = -1;
    (void)state;
    recorder_file_path(path, sizeof path, "incident.rec", 0);
    assert_string_equal(path, "incident.rec");
    recorder_file_path(path, sizeof path, "incident.rec", 12);
    assert_string_equal(path, "incident.rec.12");
    assert_true(src_replay_parse_speed("max", &speed) && speed == 0);
    assert_true(src_replay_parse_speed("10", &speed) && speed == 10);
    assert_true(src_replay_parse_speed("0.5x", &speed) && speed == 0.5);
    assert_false(src_replay_parse_speed("0", &speed));
    assert_false(src_replay_parse_speed("-2", &speed));
    assert_false(src_replay_parse_speed("fast", &speed));
    assert_false(src_replay_parse_speed("nan", &speed));
    assert_false(src_replay_parse_speed("", &speed));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hostile_metadata), cmocka_unit_test(test_not_utf8_goes_base64),
        cmocka_unit_test(test_data_bytes_exact), cmocka_unit_test(test_truncated_lines_are_bad),
        cmocka_unit_test(test_reader_checks),    cmocka_unit_test(test_file_names_and_speed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* Tests of the HTML report (report-html.c): a well-formed, self-contained page whose charts are
 * drawn, and in which nothing from the data can become markup or a control character. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cmocka.h>

#include "buf.h"
#include "fixture.h"
#include "model.h"
#include "report-html.h"

#define BASE_MS INT64_C(1705318200000)

/* A change to public.<table>, emitted 40 ms after its commit, arriving 20 ms before `now`. */
static void ingest(struct model *m, const char *table, const char *op, const char *before,
                   const char *after, int64_t commit_ms, const char *txid, int64_t now)
{
    struct buf b;
    int64_t ns = commit_ms * 1000000;
    buf_init(&b);
    fx_record(&b, &(struct fx_change){op, before, after, ns, ns + 40000000, txid, "public", table});
    struct cdc_raw raw = fx_raw(b.data, b.len);
    raw.seq = "1";
    raw.seq_len = 1;
    raw.pkey = "pk";
    raw.pkey_len = 2;
    raw.arrival_ms = now - 20;
    model_ingest(m, &raw, now);
    buf_free(&b);
}

static size_t count(const char *hay, const char *needle)
{
    size_t n = 0;
    for (const char *p = strstr(hay, needle); p; p = strstr(p + 1, needle))
        n++;
    return n;
}

/* Whether word occurs with no letter on either side (a number printed as nan or inf). */
static bool has_word(const char *hay, const char *word)
{
    size_t n = strlen(word);
    for (const char *p = strstr(hay, word); p; p = strstr(p + 1, word)) {
        bool before = p > hay && ((p[-1] | 32) >= 'a' && (p[-1] | 32) <= 'z');
        bool after = (p[n] | 32) >= 'a' && (p[n] | 32) <= 'z';
        if (!before && !after)
            return true;
    }
    return false;
}

static bool contains_nocase(const char *hay, const char *needle)
{
    size_t n = strlen(needle);
    for (const char *p = hay; *p; p++)
        if (strncasecmp(p, needle, n) == 0)
            return true;
    return false;
}

/* Ten minutes of changes to two tables (one of them hostile), a DLQ and a tick a second. */
static struct model *busy_model(int64_t *now_out)
{
    struct model *m = model_new(NULL, BASE_MS);
    int64_t now = BASE_MS;
    char after[256], txid[32];

    model_set_source(m, "test <source> & \"more\"");
    model_shard(m, "shardId-000000000000");
    model_dlq_configure(m, "dlq");
    for (int s = 0; s < 600; s++, now += 1000) {
        for (int i = 0; i < 1 + s % 5; i++) {
            snprintf(after, sizeof after, "{\"id\":%d,\"v\":%d}", s * 10 + i, i);
            snprintf(txid, sizeof txid, "tx%d-%d", s, i);
            ingest(m, "orders", "c", "null", after, now - 100 - i, txid, now);
        }
        if (s % 7 == 0) {
            snprintf(after, sizeof after,
                     "{\"note_id\":%d,\"body\":\"<script>alert(1)</script> \\u001b[2J & "
                     "</td></table>\"}",
                     s);
            snprintf(txid, sizeof txid, "n%d", s);
            ingest(m, "notes<b>", "c", "null", after, now - 300, txid, now);
        }
        if (s % 5 == 0)
            model_dlq_update(m, now, s / 5, 1, 0);
        model_tick(m, now);
    }
    model_set_status(m, ALERT_WARN, now, "GetRecords: <img src=x onerror=alert(1)>",
                     "hint with 'quotes'");
    *now_out = now;
    return m;
}

static void test_structure_and_charts(void **state)
{
    int64_t now;
    struct model *m = busy_model(&now);
    struct report_html_opts opts = {.max_rows = 50, .program_version = "cdctop 9.9"};
    struct buf out;
    (void)state;

    buf_init(&out);
    report_html(m, &opts, now, &out);
    const char *h = out.data;
    assert_non_null(h);
    assert_int_equal(strncmp(h, "<!DOCTYPE html>", 15), 0);
    assert_non_null(strstr(h, "</html>\n"));
    assert_int_equal(strlen(h), out.len);
    assert_int_equal(count(h, "<svg"), count(h, "</svg>"));
    assert_int_equal(count(h, "<table"), count(h, "</table>"));
    assert_int_equal(count(h, "<tr>"), count(h, "</tr>"));
    assert_int_equal(count(h, "<h2"), count(h, "</h2>"));
    /* rates, three latencies, sizes and the DLQ: six charts, each with drawn data */
    assert_int_equal(count(h, "<svg"), 6);
    assert_true(count(h, "<polyline") >= 3 + 2 * 3);
    assert_true(count(h, "<rect") >= 1);
    assert_non_null(strstr(h, "<path fill=\"none\""));
    assert_null(strstr(h, "points=\"\""));
    assert_false(has_word(h, "nan"));
    assert_false(has_word(h, "inf"));
    /* self-contained */
    assert_null(strstr(h, "http://"));
    assert_null(strstr(h, "https://"));
    assert_null(strstr(h, "src=\""));
    assert_null(strstr(h, "href=\"h"));
    assert_non_null(strstr(h, "default-src 'none'"));
    buf_free(&out);
    model_free(m);
}

static void test_hostile_values_escaped(void **state)
{
    int64_t now;
    struct model *m = busy_model(&now);
    struct report_html_opts opts = {.max_rows = 1000, .program_version = "cdctop <9>"};
    struct buf out;
    (void)state;

    buf_init(&out);
    report_html(m, &opts, now, &out);
    const char *h = out.data;
    assert_false(contains_nocase(h, "<script"));
    assert_false(contains_nocase(h, "<img"));
    assert_null(strstr(h, "notes<b>"));
    assert_null(strchr(h, '\x1b'));
    assert_non_null(strstr(h, "&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert_non_null(strstr(h, "public.notes&lt;b&gt;"));
    assert_non_null(strstr(h, "test &lt;source&gt; &amp; &quot;more&quot;"));
    assert_non_null(strstr(h, "&lt;img src=x onerror=alert(1)&gt;"));
    assert_non_null(strstr(h, "hint with &#39;quotes&#39;"));
    assert_non_null(strstr(h, "cdctop &lt;9&gt;"));
    /* the hostile value's closing tags did not close the report's table early */
    assert_int_equal(count(h, "<table"), count(h, "</table>"));
    /* every tag the page opens is one of ours */
    static const char *const tags[] = {
        "!DOCTYPE", "html", "head", "meta", "title", "style", "body",     "h1",     "h2",   "h3",
        "p",        "a",    "span", "b",    "br",    "table", "tr",       "th",     "td",   "code",
        "div",      "ul",   "li",   "svg",  "line",  "text",  "polyline", "circle", "rect", "path"};
    for (const char *p = strchr(h, '<'); p; p = strchr(p + 1, '<')) {
        const char *name = p[1] == '/' ? p + 2 : p + 1;
        size_t n = strcspn(name, " >\n/");
        bool known = false;
        for (size_t i = 0; i < sizeof tags / sizeof tags[0] && !known; i++)
            known = strlen(tags[i]) == n && strncmp(tags[i], name, n) == 0;
        if (!known)
            fail_msg("unexpected tag at: %.40s", p);
    }
    buf_free(&out);
    model_free(m);
}

static void test_empty_model(void **state)
{
    struct model *m = model_new(NULL, BASE_MS);
    struct buf out;
    (void)state;

    buf_init(&out);
    report_html(m, NULL, BASE_MS, &out);
    assert_non_null(strstr(out.data, "</html>"));
    assert_int_equal(count(out.data, "<svg"), count(out.data, "</svg>"));
    assert_non_null(strstr(out.data, "no changes yet"));
    assert_non_null(strstr(out.data, "No dead-letter queue is watched."));
    assert_false(has_word(out.data, "nan"));
    buf_free(&out);
    model_free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_structure_and_charts),
        cmocka_unit_test(test_hostile_values_escaped),
        cmocka_unit_test(test_empty_model),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

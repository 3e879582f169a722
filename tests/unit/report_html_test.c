/* Tests of the HTML report (report-html.c): a well-formed, self-contained page whose charts are
 * drawn, in which nothing from the data can become markup or a control character, that opens
 * with the verdict and the event log, draws each table's latency against the thresholds, scales
 * its axes to the data rather than to a spike, and leaves gaps where there is no data. */
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
#include "verdict.h"

#define BASE_MS INT64_C(1705318200000)

/* A change to public.<table>, emitted emit_after_ms after its commit, arriving 20 ms before
 * `now`. */
static void ingest_late(struct model *m, const char *table, const char *op, const char *before,
                        const char *after, int64_t commit_ms, int64_t emit_after_ms,
                        const char *txid, int64_t now)
{
    struct buf b;
    int64_t ns = commit_ms * 1000000;
    buf_init(&b);
    fx_record(&b, &(struct fx_change){op, before, after, ns, ns + emit_after_ms * 1000000, txid,
                                      "public", table});
    struct cdc_raw raw = fx_raw(b.data, b.len);
    raw.seq = "1";
    raw.seq_len = 1;
    raw.pkey = "pk";
    raw.pkey_len = 2;
    raw.arrival_ms = now - 20;
    model_ingest(m, &raw, now);
    buf_free(&b);
}

/* The same, emitted 40 ms after its commit. */
static void ingest(struct model *m, const char *table, const char *op, const char *before,
                   const char *after, int64_t commit_ms, const char *txid, int64_t now)
{
    ingest_late(m, table, op, before, after, commit_ms, 40, txid, now);
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

/* The part of hay from the first `from` to the next `to` after it (or the end), as a new string. */
static char *part(const char *hay, const char *from, const char *to)
{
    const char *a = strstr(hay, from);
    if (!a)
        fail_msg("no %s in the page", from);
    const char *b = strstr(a + strlen(from), to);
    size_t n = b ? (size_t)(b - a) : strlen(a);
    char *out = malloc(n + 1);
    assert_non_null(out);
    memcpy(out, a, n);
    out[n] = '\0';
    return out;
}

/* The largest number labelling a chart's y axis (the labels right-aligned left of the plot). */
static double axis_top(const char *svg)
{
    static const char label[] = "text-anchor=\"end\">";
    double top = -1e300;
    for (const char *p = strstr(svg, label); p; p = strstr(p + 1, label)) {
        double v = strtod(p + strlen(label), NULL);
        if (p[strlen(label)] >= '0' && p[strlen(label)] <= '9' && v > top)
            top = v;
    }
    return top;
}

/* The x coordinate of the first point of every polyline in svg; the smallest of them. */
static double first_point_min_x(const char *svg)
{
    double min = 1e300;
    for (const char *p = strstr(svg, "points=\""); p; p = strstr(p + 1, "points=\"")) {
        double x = strtod(p + 8, NULL);
        if (x < min)
            min = x;
    }
    return min;
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

static void test_opens_with_verdict_and_events(void **state)
{
    int64_t now;
    struct model *m = busy_model(&now);
    struct verdict v;
    struct buf out;
    char word[64];
    (void)state;

    verdict_compute(m, now, &v);
    assert_true(v.n > 0);
    buf_init(&out);
    report_html(m, NULL, now, &out);
    const char *h = out.data;
    const char *verdict = strstr(h, "<div class=\"verdict\"");
    const char *h2 = strstr(h, "<h2");
    assert_non_null(verdict);
    assert_non_null(h2);
    assert_true(verdict < h2);
    /* the word, coloured by its level, then one line per finding */
    snprintf(word, sizeof word, "<p class=\"word %s\">%s</p>",
             v.level == LEVEL_BAD ? "bad" : "warn", verdict_word(v.level));
    assert_true(strstr(h, word) == strstr(verdict, word));
    char *findings = part(verdict, "<ul class=\"findings\">", "</ul>");
    assert_int_equal(count(findings, "<li>"), v.n);
    assert_non_null(strstr(findings, "DLQ"));
    free(findings);
    /* then the event log, the first section */
    assert_int_equal(strncmp(h2, "<h2 id=\"events\">", 16), 0);
    /* every section once */
    static const char *const ids[] = {"events", "summary", "rates",       "latency", "sizes",
                                      "dlq",    "tables",  "undecodable", "rows"};
    for (size_t i = 0; i < sizeof ids / sizeof ids[0]; i++) {
        char h2id[48];
        snprintf(h2id, sizeof h2id, "<h2 id=\"%s\">", ids[i]);
        assert_int_equal(count(h, h2id), 1);
    }
    assert_int_equal(count(h, "<div class=\"verdict\""), 1);
    buf_free(&out);
    model_free(m);
}

static void test_events_newest_first_bounded(void **state)
{
    struct model *m = model_new(NULL, BASE_MS);
    struct buf out;
    char text[32];
    (void)state;

    for (int i = 0; i < REPORT_HTML_EVENTS + 60; i++) {
        snprintf(text, sizeof text, "note #%03d.", i);
        model_note(m, BASE_MS + i * 1000, i % 2 ? EV_WARN : EV_INFO, EVK_NOTE, "s<1>", text);
    }
    buf_init(&out);
    report_html(m, NULL, BASE_MS + 300000, &out);
    char *ev = part(out.data, "<h2 id=\"events\">", "<h2");
    /* the header and the newest REPORT_HTML_EVENTS */
    assert_int_equal(count(ev, "<tr>"), REPORT_HTML_EVENTS + 1);
    const char *newest = strstr(ev, "note #259.");
    const char *next = strstr(ev, "note #258.");
    assert_non_null(newest);
    assert_non_null(next);
    assert_true(newest < next);
    assert_non_null(strstr(ev, "note #060."));
    assert_null(strstr(ev, "note #059."));
    assert_non_null(strstr(ev, "60 older events are not listed here"));
    assert_non_null(strstr(ev, "<td>s&lt;1&gt;</td>"));
    assert_non_null(strstr(ev, "<td class=\"warn\">warn</td><td>note</td>"));
    free(ev);
    buf_free(&out);
    model_free(m);
}

/* Ten minutes of three tables with their own commit->emit latencies: steady, slow (past the
 * warn threshold of 1 s) and one that only changes at the start and at the end. */
static struct model *latency_model(int64_t *now_out)
{
    struct model *m = model_new(NULL, BASE_MS);
    int64_t now = BASE_MS;
    char after[64], txid[32];

    model_shard(m, "shardId-000000000000");
    for (int s = 0; s < 600; s++, now += 1000) {
        if (s < 60 || s >= 540) {
            snprintf(after, sizeof after, "{\"id\":%d}", s);
            snprintf(txid, sizeof txid, "b%d", s);
            ingest_late(m, "bursty", "c", "null", after, now - 500, 200, txid, now);
        }
        snprintf(after, sizeof after, "{\"id\":%d}", s);
        snprintf(txid, sizeof txid, "s%d", s);
        ingest_late(m, "steady", "c", "null", after, now - 300, 80, txid, now);
        snprintf(txid, sizeof txid, "l%d", s);
        ingest_late(m, "slow", "c", "null", after, now - 4000, 3000, txid, now);
        model_tick(m, now);
    }
    *now_out = now;
    return m;
}

static void test_latency_per_table(void **state)
{
    int64_t now;
    struct model *m = latency_model(&now);
    struct buf out;
    (void)state;

    buf_init(&out);
    report_html(m, NULL, now, &out);
    char *stages[3] = {part(out.data, "<h3>commit &rarr; emit", "<h3"),
                       part(out.data, "<h3>emit &rarr; arrival", "<h3"),
                       part(out.data, "<h3>arrival &rarr; processed", "<h2")};
    for (int k = 0; k < 3; k++) {
        /* one chart per stage, a line per table, every table in its legend */
        assert_int_equal(count(stages[k], "<svg"), 1);
        char *legend = part(stages[k], "<ul class=\"legend\">", "</ul>");
        assert_non_null(strstr(legend, "public.bursty"));
        assert_non_null(strstr(legend, "public.steady"));
        assert_non_null(strstr(legend, "public.slow"));
        free(legend);
    }
    /* commit->emit: the slow table's 3 s p99 is drawn, with both thresholds on the chart */
    char *svg = part(stages[0], "<svg", "</svg>");
    assert_non_null(strstr(svg, "warn 1s</text>"));
    assert_non_null(strstr(svg, "bad 10s</text>"));
    assert_true(axis_top(svg) >= 3000);
    /* the bursty table (the first, in the first colour) has no samples in between: two lines */
    assert_int_equal(count(svg, "<polyline fill=\"none\" stroke=\"#1f77b4\""), 2);
    free(svg);
    /* emit->arrival reaches 980 ms: the warn threshold close above is drawn, the bad one (10 s)
     * would flatten the lines and is named off the chart */
    svg = part(stages[1], "<svg", "</svg>");
    assert_non_null(strstr(svg, "warn 1s</text>"));
    assert_null(strstr(svg, "bad 10s</text>"));
    free(svg);
    assert_non_null(strstr(stages[1], "bad 10s (above the chart)"));
    /* arrival->processed is 20 ms: the axis stays there, with both thresholds off the chart */
    svg = part(stages[2], "<svg", "</svg>");
    assert_true(axis_top(svg) >= 20);
    assert_true(axis_top(svg) < 100);
    assert_null(strstr(svg, "warn 5s</text>"));
    free(svg);
    assert_non_null(strstr(stages[2], "warn 5s (above the chart)"));
    assert_non_null(strstr(stages[2], "bad 1m00s (above the chart)"));
    for (int k = 0; k < 3; k++)
        free(stages[k]);
    buf_free(&out);
    model_free(m);
}

static void test_spike_is_clipped_and_marked(void **state)
{
    struct model *m = model_new(NULL, BASE_MS);
    int64_t now = BASE_MS;
    char after[64], txid[32];
    int id = 0;
    (void)state;

    model_shard(m, "shardId-000000000000");
    for (int s = 0; s < 300; s++, now += 1000) {
        int n = s == 200 ? 2000 : 5;
        for (int i = 0; i < n; i++, id++) {
            snprintf(after, sizeof after, "{\"id\":%d}", id);
            snprintf(txid, sizeof txid, "t%d", id);
            ingest(m, "spiky", "c", "null", after, now - 100, txid, now);
        }
        model_tick(m, now);
    }
    struct buf out;
    buf_init(&out);
    report_html(m, NULL, now, &out);
    char *rates = part(out.data, "<h2 id=\"rates\">", "</svg>");
    /* scaled to the steady 5 changes/s, not to the spike of 2000 */
    assert_true(axis_top(rates) >= 5);
    assert_true(axis_top(rates) < 20);
    /* the spike is on the top edge, and marked with its true value */
    assert_non_null(strstr(rates, ",14.0"));
    assert_non_null(strstr(rates, "<title>public.spiky: 2000 changes/s at "));
    assert_non_null(strstr(rates, "<title>all tables: 2000 changes/s at "));
    assert_int_equal(count(rates, "<title>"), 2);
    free(rates);
    buf_free(&out);
    model_free(m);
}

static void test_no_data_is_a_gap(void **state)
{
    struct model *m = model_new(NULL, BASE_MS);
    int64_t now = BASE_MS;
    char after[64], txid[32];
    (void)state;

    /* 20 seconds of changes: the chart covers its shortest span, 60 s, and the 40 s before the
     * first change have no data */
    model_shard(m, "shardId-000000000000");
    for (int s = 0; s < 20; s++, now += 1000) {
        snprintf(after, sizeof after, "{\"id\":%d}", s);
        snprintf(txid, sizeof txid, "t%d", s);
        ingest(m, "orders", "c", "null", after, now - 100, txid, now);
        model_tick(m, now);
    }
    struct buf out;
    buf_init(&out);
    report_html(m, NULL, now, &out);
    char *rates = part(out.data, "<h2 id=\"rates\">", "</svg>");
    /* every line starts where the data does, about two thirds across, not at the left edge */
    assert_true(first_point_min_x(rates) > 70 + 0.6 * (960 - 70 - 20));
    free(rates);
    assert_non_null(strstr(out.data, "leave a gap in the lines; they are not zero"));
    buf_free(&out);
    model_free(m);
}

static void test_rows_only_when_asked(void **state)
{
    int64_t now;
    struct model *m = busy_model(&now);
    struct report_html_opts opts = {.max_rows = 0, .program_version = "cdctop 9.9"};
    struct buf out;
    (void)state;

    buf_init(&out);
    report_html(m, &opts, now, &out);
    assert_null(strstr(out.data, "<td class=\"img\">"));
    assert_non_null(strstr(out.data, "--report-rows N adds"));
    buf_reset(&out);
    opts.max_rows = 3;
    report_html(m, &opts, now, &out);
    /* three rows of each of the two tables, each key in a cell that keeps it on one line */
    assert_int_equal(count(out.data, "<td class=\"img\">"), 6);
    assert_int_equal(count(out.data, "<tr><td class=\"key\"><code>["), 6);
    assert_non_null(strstr(out.data, "td.key,td.key code,td.t{white-space:nowrap;"));
    /* the largest records' keys too */
    char *largest = part(out.data, "<h3>Largest records</h3>", "</table>");
    assert_true(count(largest, "<td class=\"key\"><code>[") >= 2);
    free(largest);
    buf_free(&out);
    model_free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_structure_and_charts),
        cmocka_unit_test(test_hostile_values_escaped),
        cmocka_unit_test(test_empty_model),
        cmocka_unit_test(test_opens_with_verdict_and_events),
        cmocka_unit_test(test_events_newest_first_bounded),
        cmocka_unit_test(test_latency_per_table),
        cmocka_unit_test(test_spike_is_clipped_and_marked),
        cmocka_unit_test(test_no_data_is_a_gap),
        cmocka_unit_test(test_rows_only_when_asked),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

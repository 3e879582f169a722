/*
 * The HTML report. Everything untrusted (names, keys, row images, server messages) is first made
 * visible with escape.h, then HTML-escaped, so neither markup nor control characters from the data
 * reach the page. The page loads nothing: its Content-Security-Policy forbids every fetch, the
 * styles are inline and the charts are SVG drawn here.
 */
#include "config.h"

#include "report-html.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "decode.h"
#include "escape.h"
#include "fmt.h"
#include "hist.h"
#include "redact.h"
#include "rowstore.h"

#define CHART_W     960
#define CHART_H     240
#define CHART_LEFT  70
#define CHART_RIGHT 20
#define CHART_TOP   14
#define CHART_BOT   34
#define CHART_MIN_S 60 /* the shortest time span a chart covers */

static const char *const html_palette[] = {"#1f77b4", "#d62728", "#2ca02c", "#9467bd",
                                           "#ff7f0e", "#8c564b", "#e377c2", "#17becf"};
#define PALETTE_N (sizeof html_palette / sizeof html_palette[0])

static const char html_style[] =
    "body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;margin:24px;"
    "color:#1d2329;background:#fff;max-width:1200px}"
    "h1{font-size:1.5em;margin:0 0 4px}h2{font-size:1.2em;margin:28px 0 8px;"
    "border-bottom:1px solid #d0d7de;padding-bottom:4px}h3{font-size:1em;margin:18px 0 6px}"
    "table{border-collapse:collapse;font-size:13px;margin:4px 0 8px}"
    "th,td{border:1px solid #d0d7de;padding:3px 7px;text-align:left;vertical-align:top}"
    "th{background:#f3f5f7}td.n{text-align:right;font-variant-numeric:tabular-nums}"
    "table.kv th{width:190px}div.wide{overflow-x:auto}"
    "code{font-family:ui-monospace,'SFMono-Regular',Menlo,Consolas,monospace;font-size:12px;"
    "white-space:pre-wrap;word-break:break-all}"
    ".dim{color:#6e7781}.bad{color:#b42318;font-weight:600}.warn{color:#9a6700;font-weight:600}"
    ".good{color:#1a7f37}.note{background:#fff8c5;border:1px solid #d4a72c;padding:6px 10px}"
    "svg.chart{display:block;width:100%;max-width:960px;height:auto;background:#fbfcfd;"
    "border:1px solid #e1e4e8}"
    "svg text{font-family:system-ui,sans-serif;font-size:11px;fill:#57606a}"
    "ul.legend{list-style:none;padding:0;margin:4px 0;font-size:13px}"
    "ul.legend li{display:inline-block;margin-right:16px}"
    "ul.legend span{display:inline-block;width:12px;height:12px;margin-right:5px;"
    "vertical-align:-1px}";

/* --- text ------------------------------------------------------------------------------------ */

/* Trusted text (ours), HTML-escaped. */
static void html_put(struct buf *b, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        switch (s[i]) {
        case '&':
            buf_puts(b, "&amp;");
            break;
        case '<':
            buf_puts(b, "&lt;");
            break;
        case '>':
            buf_puts(b, "&gt;");
            break;
        case '"':
            buf_puts(b, "&quot;");
            break;
        case '\'':
            buf_puts(b, "&#39;");
            break;
        default:
            buf_putc(b, s[i]);
        }
    }
}

static void html_puts(struct buf *b, const char *s)
{
    html_put(b, s, strlen(s));
}

/* Untrusted bytes: control characters and invalid UTF-8 made visible, then HTML-escaped. */
static void html_untrusted(struct buf *b, const char *p, size_t n)
{
    struct buf esc;

    buf_init(&esc);
    escape_append(&esc, p, n);
    html_put(b, esc.data ? esc.data : "", esc.len);
    buf_free(&esc);
}

static void html_untrusted_str(struct buf *b, const char *s, size_t cap)
{
    html_untrusted(b, s, strnlen(s, cap));
}

/* JSON text (a key or a row image): its backslashes are JSON escapes and are kept as such; what
 * lies between them is escaped like any untrusted text. At most max bytes, cut on a character
 * boundary. */
static void html_json(struct buf *b, const char *p, size_t n, size_t max)
{
    struct buf esc;
    size_t shown = n;

    if (shown > max) {
        shown = max;
        while (shown > 0 && ((unsigned char)p[shown] & 0xc0) == 0x80)
            shown--;
    }
    buf_init(&esc);
    for (size_t i = 0; i < shown;) {
        const char *slash = memchr(p + i, '\\', shown - i);
        size_t run = slash ? (size_t)(slash - (p + i)) : shown - i;
        escape_append(&esc, p + i, run);
        i += run;
        if (slash) {
            buf_putc(&esc, '\\');
            i++;
        }
    }
    html_put(b, esc.data ? esc.data : "", esc.len);
    buf_free(&esc);
    if (shown < n)
        buf_printf(b, "<span class=\"dim\"> &hellip; (%zu bytes in all; the JSON has them)</span>",
                   n);
}

static void html_table_name(struct buf *b, const struct model_table *t)
{
    if (t->other) {
        buf_printf(b, "%s: %s%" PRIu64 " names", MODEL_OTHER_TABLES, t->folded_exact ? "" : "&ge;",
                   t->folded);
        return;
    }
    html_untrusted_str(b, t->schema, sizeof t->schema);
    buf_putc(b, '.');
    html_untrusted_str(b, t->table, sizeof t->table);
}

/* A level's CSS class: the report's colours for ok, warn and bad. */
static const char *html_level_class(enum readout_level level)
{
    return level == LEVEL_BAD ? "bad" : level == LEVEL_WARN ? "warn" : "";
}

/* --- numbers and times ----------------------------------------------------------------------- */

/* A step of 1, 2 or 5 times a power of ten giving about `ticks` intervals over range. */
static double nice_step(double range, int ticks)
{
    if (!(range > 0))
        return 1;
    double raw = range / ticks;
    double mag = pow(10, floor(log10(raw)));
    double f = raw / mag;
    return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * mag;
}

static void fmt_tick(char *out, size_t len, double v, double step)
{
    int decimals = step >= 1 ? 0 : (int)ceil(-log10(step));
    if (fabs(v) < step / 1e6)
        v = 0;
    if (fabs(v) >= 10000 && step >= 1000)
        snprintf(out, len, "%.*fk", step >= 10000 ? 0 : 1, v / 1000);
    else
        snprintf(out, len, "%.*f", decimals > 6 ? 6 : decimals, v);
}

/* --- charts ---------------------------------------------------------------------------------- */

struct chart {
    double x0, x1, y0, y1; /* data domain */
};

static double chart_x(const struct chart *c, double x)
{
    double w = CHART_W - CHART_LEFT - CHART_RIGHT;
    return CHART_LEFT + (x - c->x0) / (c->x1 - c->x0) * w;
}

static double chart_y(const struct chart *c, double y)
{
    double h = CHART_H - CHART_TOP - CHART_BOT;
    return CHART_H - CHART_BOT - (y - c->y0) / (c->y1 - c->y0) * h;
}

static void chart_begin(struct buf *b, const char *label)
{
    buf_printf(b,
               "<svg class=\"chart\" viewBox=\"0 0 %d %d\" width=\"%d\" height=\"%d\" "
               "role=\"img\" aria-label=\"",
               CHART_W, CHART_H, CHART_W, CHART_H);
    html_puts(b, label);
    buf_puts(b, "\">\n");
}

static void chart_end(struct buf *b)
{
    buf_puts(b, "</svg>\n");
}

/* A chart with nothing to draw says so in its middle. */
static void chart_empty(struct buf *b, const char *label, const char *text)
{
    chart_begin(b, label);
    buf_printf(b, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">", CHART_W / 2, CHART_H / 2);
    html_puts(b, text);
    buf_puts(b, "</text>\n");
    chart_end(b);
}

/* Rounds the y domain out to whole steps and draws its grid lines and labels. */
static void chart_y_axis(struct buf *b, struct chart *c, const char *unit)
{
    double step = nice_step(c->y1 - c->y0, 4);
    char label[48];

    c->y0 = floor(c->y0 / step) * step;
    c->y1 = ceil(c->y1 / step) * step;
    if (c->y1 <= c->y0)
        c->y1 = c->y0 + step;
    for (double v = c->y0; v <= c->y1 + step / 2; v += step) {
        double y = chart_y(c, v);
        buf_printf(b,
                   "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"%s\" "
                   "stroke-width=\"1\"/>",
                   CHART_LEFT, y, CHART_W - CHART_RIGHT, y,
                   fabs(v) < step / 1e6 ? "#8c959f" : "#e6e9ec");
        fmt_tick(label, sizeof label, v, step);
        buf_printf(b, "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%s</text>\n", CHART_LEFT - 6,
                   y + 4, label);
    }
    buf_printf(b, "<text x=\"12\" y=\"%d\" transform=\"rotate(-90 12 %d)\" text-anchor=\"middle\">",
               CHART_TOP + (CHART_H - CHART_TOP - CHART_BOT) / 2,
               CHART_TOP + (CHART_H - CHART_TOP - CHART_BOT) / 2);
    html_puts(b, unit);
    buf_puts(b, "</text>\n");
}

/* x is seconds relative to now_ms; ticks on whole minutes of UTC. */
static void chart_time_axis(struct buf *b, const struct chart *c, int64_t now_ms)
{
    int64_t now_s = now_ms / 1000;
    static const int64_t steps[] = {10, 15, 30, 60, 120, 180, 300, 600};
    int64_t span = (int64_t)(c->x1 - c->x0), step = steps[0];
    int64_t first = now_s + (int64_t)c->x0;
    char label[32];

    for (size_t i = 0; i < sizeof steps / sizeof steps[0] && span / steps[i] > 6; i++)
        step = i + 1 < sizeof steps / sizeof steps[0] ? steps[i + 1] : steps[i];
    first = (first / step + 1) * step;
    for (int64_t t = first; t <= now_s + (int64_t)c->x1; t += step) {
        double x = chart_x(c, (double)(t - now_s));
        fmt_time_ms(label, sizeof label, (int64_t)t * 1000, FMT_CLOCK);
        buf_printf(b,
                   "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#e6e9ec\"/>"
                   "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%s</text>\n",
                   x, CHART_TOP, x, CHART_H - CHART_BOT, x, CHART_H - CHART_BOT + 16, label);
    }
    buf_printf(b, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">UTC</text>\n", CHART_W - CHART_RIGHT,
               CHART_H - 4);
}

static void chart_polyline(struct buf *b, const struct chart *c, const double *xs, const double *ys,
                           size_t n, const char *colour, bool dashed)
{
    if (n == 0)
        return;
    buf_printf(b, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"1.6\"%s points=\"", colour,
               dashed ? " stroke-dasharray=\"5 3\"" : "");
    for (size_t i = 0; i < n; i++)
        buf_printf(b, "%s%.1f,%.1f", i ? " " : "", chart_x(c, xs[i]), chart_y(c, ys[i]));
    buf_puts(b, "\"/>\n");
    if (n == 1) /* a single point draws no line */
        buf_printf(b, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" fill=\"%s\"/>\n", chart_x(c, xs[0]),
                   chart_y(c, ys[0]), colour);
}

static void legend_item(struct buf *b, const char *colour, bool dashed)
{
    buf_printf(b, "<li><span style=\"background:%s%s\"></span>", colour,
               dashed ? ";opacity:.55" : "");
}

/* Seconds the time charts cover: since the start, at least CHART_MIN_S, at most 15 minutes. */
static double chart_span(const struct model *m, int64_t now_ms)
{
    int64_t span = (now_ms - m->started_ms) / 1000 + 1;
    if (span < CHART_MIN_S)
        span = CHART_MIN_S;
    return (double)(span > REPORT_HTML_SPAN_S ? REPORT_HTML_SPAN_S : span);
}

/* --- sections -------------------------------------------------------------------------------- */

static void kv_row(struct buf *b, const char *name)
{
    buf_puts(b, "<tr><th>");
    html_puts(b, name);
    buf_puts(b, "</th><td>");
}

static const char *alert_class(enum model_alert a)
{
    return a == ALERT_ERROR ? "bad" : a == ALERT_WARN ? "warn" : "dim";
}

static void section_summary(struct buf *b, const struct model *m, int64_t now_ms)
{
    char when[64], a[64];
    const struct rowstore_stats *rs = rowstore_stats(m->rs);
    const struct decode_stats *ds = decoder_stats(m->dec);

    buf_puts(b, "<h2 id=\"summary\">Pipeline</h2>\n<table class=\"kv\">\n");
    kv_row(b, "source");
    html_untrusted_str(b, m->source, sizeof m->source);
    buf_puts(b, "</td></tr>\n");
    if (m->endpoint[0]) {
        kv_row(b, "endpoint");
        html_untrusted_str(b, m->endpoint, sizeof m->endpoint);
        buf_puts(b, "</td></tr>\n");
        kv_row(b, "credentials from");
        html_untrusted_str(b, m->creds_source[0] ? m->creds_source : "(not resolved yet)",
                           sizeof m->creds_source);
        buf_puts(b, "</td></tr>\n");
    }
    kv_row(b, "status");
    if (m->status.level == ALERT_NONE) {
        buf_puts(b, "<span class=\"good\">no problem reported</span>");
    } else {
        buf_printf(b, "<span class=\"%s\">", alert_class(m->status.level));
        html_untrusted_str(b, m->status.text, sizeof m->status.text);
        buf_puts(b, "</span>");
        if (m->status.hint[0]) {
            buf_puts(b, "<br>hint: ");
            html_untrusted_str(b, m->status.hint, sizeof m->status.hint);
        }
        fmt_time_ms(when, sizeof when, m->status.at_ms, FMT_DATETIME);
        buf_printf(b, " <span class=\"dim\">(since %s UTC)</span>", when);
    }
    buf_puts(b, "</td></tr>\n");
    fmt_time_ms(when, sizeof when, m->started_ms, FMT_DATETIME);
    fmt_age(a, sizeof a, now_ms - m->started_ms);
    kv_row(b, "running since");
    buf_printf(b, "%s UTC (%s)</td></tr>\n", when, a);
    fmt_bytes(a, sizeof a, (uint64_t)(m->record_size_limit));
    kv_row(b, "record size limit");
    buf_printf(b, "%s (%" PRIu64 " bytes)</td></tr>\n", a, m->record_size_limit);
    kv_row(b, "records");
    buf_printf(b,
               "%" PRIu64 " received, %" PRIu64 " decoded, <span class=\"%s\">%" PRIu64
               " undecodable</span>, %" PRIu64 " duplicates, %" PRIu64 " stale, %" PRIu64
               " unkeyed; %.1f records/s over the last 10 s</td></tr>\n",
               m->totals.records, m->totals.decoded, m->totals.undecodable ? "bad" : "good",
               m->totals.undecodable, m->totals.duplicates, m->totals.stale, m->totals.unkeyed,
               series_rate(&m->records_per_s, now_ms, 10));
    fmt_bytes(a, sizeof a, (uint64_t)(m->totals.bytes));
    kv_row(b, "data");
    buf_printf(b,
               "%s; %" PRIu64 " keys tracked (%" PRIu64 " live, %" PRIu64 " deleted), %" PRIu64
               " evicted by the memory cap; %" PRIu64 " split changes reassembled, %u pending"
               "</td></tr>\n",
               a, rs->keys, rs->live, rs->tombstones, rs->evicted, ds->chunks_completed,
               ds->chunks_pending);
    kv_row(b, "dead-letter queue");
    if (!m->dlq.configured) {
        buf_puts(b, "<span class=\"dim\">none watched</span>");
    } else {
        html_untrusted_str(b, m->dlq.name, sizeof m->dlq.name);
        if (m->dlq.known)
            buf_printf(b,
                       ": <span class=\"%s\">%" PRId64 " visible</span>, %" PRId64
                       " in flight, %" PRId64 " delayed",
                       m->dlq.visible > 0 ? "warn" : "good", m->dlq.visible, m->dlq.in_flight,
                       m->dlq.delayed);
        else
            buf_puts(b, ": not polled yet");
        if (m->dlq.error[0]) {
            buf_puts(b, " <span class=\"bad\">");
            html_untrusted_str(b, m->dlq.error, sizeof m->dlq.error);
            buf_puts(b, "</span>");
        }
    }
    buf_puts(b, "</td></tr>\n</table>\n");
}

static void redaction_note(struct buf *b, const struct model *m)
{
    if (!model_redacting(m))
        return;
    buf_puts(b, "<p class=\"note\">Redacted: ");
    for (unsigned i = 0; i < redact_count(m->redact); i++) {
        if (i)
            buf_puts(b, ", ");
        buf_puts(b, "<code>");
        html_untrusted(b, redact_entry(m->redact, i), strlen(redact_entry(m->redact, i)));
        buf_puts(b, "</code>");
    }
    if (redact_all_values(m->redact))
        buf_printf(b, "%severy column outside the key", redact_count(m->redact) ? "; " : "");
    buf_puts(b, ". Their values are replaced by keyed hashes (<code>" REDACT_PREFIX
                "&hellip;</code>): equal values have equal hashes within this run only. "
                "Undecodable records' bytes are not shown.</p>\n");
}

/* Change rate per table, per second, over the last 15 minutes. */
static void section_rates(struct buf *b, const struct model *m, int64_t now_ms)
{
    double xs[REPORT_HTML_SPAN_S], ys[REPORT_HTML_SPAN_S];
    int64_t last = now_ms / 1000 - 1; /* the newest complete second */
    int64_t first = last - (REPORT_HTML_SPAN_S - 1);
    int64_t started = m->started_ms / 1000;
    struct chart c = {.x0 = -chart_span(m, now_ms), .x1 = 0, .y0 = 0, .y1 = 1};

    if (first < started)
        first = started;
    buf_puts(b, "<h2 id=\"rates\">Changes per second, per table (last 15 minutes at most)</h2>\n");
    if (first > last || m->ntables == 0) {
        chart_empty(b, "changes per second", "no changes yet");
        return;
    }
    for (int64_t s = first; s <= last; s++)
        if (metrics_at(&m->all, s) > c.y1)
            c.y1 = metrics_at(&m->all, s);
    c.y1 *= 1.05;
    chart_begin(b, "changes per second per table over the last 15 minutes");
    chart_y_axis(b, &c, "changes/s");
    chart_time_axis(b, &c, now_ms);
    for (unsigned t = 0; t <= m->ntables; t++) {
        /* the tables, then all of them together */
        const struct metrics *mt = t < m->ntables ? &m->tables[t]->m : &m->all;
        size_t n = 0;
        for (int64_t s = first; s <= last; s++, n++) {
            xs[n] = (double)(s + 1 - now_ms / 1000);
            ys[n] = metrics_at(mt, s);
        }
        chart_polyline(b, &c, xs, ys, n, t < m->ntables ? html_palette[t % PALETTE_N] : "#57606a",
                       t == m->ntables);
    }
    chart_end(b);
    buf_puts(b, "<ul class=\"legend\">");
    for (unsigned t = 0; t < m->ntables; t++) {
        legend_item(b, html_palette[t % PALETTE_N], false);
        html_table_name(b, m->tables[t]);
        buf_puts(b, "</li>");
    }
    legend_item(b, "#57606a", true);
    buf_puts(b, "all tables (dashed)</li></ul>\n");
}

static const char *lat_title(enum lat_kind k)
{
    switch (k) {
    case LAT_COMMIT_TO_EMIT:
        return "commit &rarr; emit (the CDC pipeline's delay after commit)";
    case LAT_EMIT_TO_ARRIVAL:
        return "emit &rarr; arrival (into the stream)";
    default:
        return "arrival &rarr; processed (how far behind the reader is)";
    }
}

/* p50 and p99 of one latency for all tables, from the 10-second history. */
static void latency_chart(struct buf *b, const struct model *m, enum lat_kind k, int64_t now_ms)
{
    const struct history_ring *h = &m->all.history;
    double xs[HISTORY_SLOTS], p50[HISTORY_SLOTS], p99[HISTORY_SLOTS];
    size_t n = 0;
    struct chart c = {.x0 = -chart_span(m, now_ms), .x1 = 0, .y0 = 0, .y1 = 1};

    buf_printf(b, "<h3>%s</h3>\n", lat_title(k));
    for (unsigned i = 0; i < history_len(h); i++) {
        const struct history_sample *s = history_get(h, i);
        double x = (double)(s->at_ms - now_ms) / 1000.0;
        if (s->lat[k].count == 0 || x < c.x0 || x > c.x1)
            continue;
        xs[n] = x;
        p50[n] = (double)s->lat[k].p50 / 1000.0;
        p99[n] = (double)s->lat[k].p99 / 1000.0;
        if (p99[n] > c.y1)
            c.y1 = p99[n];
        if (p50[n] < c.y0)
            c.y0 = p50[n];
        if (p99[n] < c.y0)
            c.y0 = p99[n];
        n++;
    }
    if (n == 0) {
        chart_empty(b, lat_kind_name(k), "no latency samples yet");
        return;
    }
    c.y1 += (c.y1 - c.y0) * 0.05;
    chart_begin(b, lat_kind_name(k));
    chart_y_axis(b, &c, "ms");
    chart_time_axis(b, &c, now_ms);
    chart_polyline(b, &c, xs, p50, n, html_palette[0], false);
    chart_polyline(b, &c, xs, p99, n, html_palette[1], false);
    chart_end(b);
}

static void section_latency(struct buf *b, const struct model *m, int64_t now_ms)
{
    buf_printf(b,
               "<h2 id=\"latency\">Latency percentiles over time, all tables</h2>\n"
               "<p class=\"dim\">Every 10 s, the percentiles over the preceding %llds "
               "(--latency-window), in ms; negative values are clock skew.</p>\n",
               (long long)(m->cfg.latency_window_ms / 1000));
    for (int k = 0; k < LAT_COUNT; k++)
        latency_chart(b, m, (enum lat_kind)k, now_ms);
    buf_puts(b, "<ul class=\"legend\">");
    legend_item(b, html_palette[0], false);
    buf_puts(b, "p50</li>");
    legend_item(b, html_palette[1], false);
    buf_puts(b, "p99</li></ul>\n");
}

/* The value range of a positive size bucket: hist.c's layout, exact below 16, then eight
 * sub-buckets per power of two. */
static void size_bucket_range(unsigned mag, double *lo, double *hi)
{
    if (mag < 16) {
        *lo = mag;
        *hi = mag + 1;
        return;
    }
    unsigned e = 4 + (mag - 16) / 8, sub = (mag - 16) % 8;
    *lo = ldexp(8.0 + sub, (int)e - 3);
    *hi = *lo + ldexp(1.0, (int)e - 3);
}

/* A vertical line at bytes, labelled on its right (or, when dashed, lower down on its left). */
static void size_marker(struct buf *b, const struct chart *c, double bytes, const char *colour,
                        bool dashed, const char *label)
{
    double x = chart_x(c, log2(bytes));
    buf_printf(b,
               "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"%s\" "
               "stroke-width=\"2\"%s/><text x=\"%.1f\" y=\"%d\" text-anchor=\"%s\" "
               "style=\"fill:%s\">",
               x, CHART_TOP, x, CHART_H - CHART_BOT, colour,
               dashed ? " stroke-dasharray=\"4 3\"" : "", dashed ? x - 4 : x + 4,
               CHART_TOP + (dashed ? 28 : 12), dashed ? "end" : "start", colour);
    html_puts(b, label);
    buf_puts(b, "</text>\n");
}

/* Record sizes of all tables as log-scale bars, against the stream's limit. */
static void section_sizes(struct buf *b, const struct model *m, int64_t now_ms)
{
    const struct hist *h = &m->all.size;
    struct readout r;
    double limit = m->record_size_limit ? (double)m->record_size_limit : 1;
    unsigned lo_mag = HIST_HALF, hi_mag = 0;
    uint32_t most = 0;
    char a[48], label[96];

    buf_puts(b, "<h2 id=\"sizes\">Record sizes against the limit, all tables, since the start"
                "</h2>\n");
    for (unsigned i = HIST_HALF; i < HIST_BUCKETS; i++) {
        if (!h->bucket[i])
            continue;
        if (i - HIST_HALF < lo_mag)
            lo_mag = i - HIST_HALF;
        hi_mag = i - HIST_HALF;
        if (h->bucket[i] > most)
            most = h->bucket[i];
    }
    if (h->count == 0 || most == 0) {
        chart_empty(b, "record sizes", "no records yet");
        return;
    }
    double blo, bhi, top = limit;
    size_bucket_range(lo_mag, &blo, &bhi);
    if ((double)h->max > top)
        top = (double)h->max;
    struct chart c = {.x0 = floor(log2(blo > 1 ? blo : 1)), .x1 = ceil(log2(top * 1.2)), .y0 = 0};
    c.y1 = floor(log10(most)) + 2; /* bar height: 1 + log10(count) */
    chart_begin(b, "record size distribution against the record size limit");
    for (double v = 0; v <= c.y1 - 1; v++) {
        double y = chart_y(&c, v + 1);
        buf_printf(b,
                   "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#e6e9ec\"/>"
                   "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%.0f</text>\n",
                   CHART_LEFT, y, CHART_W - CHART_RIGHT, y, CHART_LEFT - 6, y + 4, pow(10, v));
    }
    buf_printf(b,
               "<text x=\"12\" y=\"%d\" transform=\"rotate(-90 12 %d)\" text-anchor=\"middle\">"
               "records (log)</text>\n",
               CHART_H / 2, CHART_H / 2);
    for (double e = c.x0; e <= c.x1; e += c.x1 - c.x0 > 16 ? 4 : 2) {
        double x = chart_x(&c, e);
        fmt_bytes(a, sizeof a, (uint64_t)(ldexp(1.0, (int)e)));
        buf_printf(b, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%s</text>\n", x,
                   CHART_H - CHART_BOT + 16, a);
    }
    for (unsigned mag = lo_mag; mag <= hi_mag; mag++) {
        uint32_t n = h->bucket[HIST_HALF + mag];
        if (!n)
            continue;
        size_bucket_range(mag, &blo, &bhi);
        double x0 = chart_x(&c, log2(blo > 0.5 ? blo : 0.5)), x1 = chart_x(&c, log2(bhi));
        double y = chart_y(&c, 1 + log10(n));
        double base = chart_y(&c, 0);
        const char *fill = blo >= limit ? "#b42318" : bhi > limit * 0.9 ? "#d4a72c" : "#4c8dd6";
        buf_printf(b,
                   "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\">"
                   "<title>",
                   x0, y, x1 - x0 > 1.5 ? x1 - x0 - 0.5 : 1.0, base - y, fill);
        fmt_bytes(a, sizeof a, (uint64_t)(blo));
        buf_printf(b, "%s and up: %" PRIu32 " records</title></rect>\n", a, n);
    }
    fmt_bytes(a, sizeof a, (uint64_t)(limit));
    snprintf(label, sizeof label, "limit %s", a);
    size_marker(b, &c, limit, "#b42318", false, label);
    size_marker(b, &c, limit * 0.9, "#9a6700", true, "90%");
    chart_end(b);
    model_readout(m, &m->all, now_ms, 0, &r);
    fmt_bytes(a, sizeof a, r.size.max);
    buf_printf(b, "<p>max %s, ", a);
    fmt_bytes(a, sizeof a, r.size.p99);
    buf_printf(b, "p99 %s, <span class=\"%s\">%" PRIu64 " records above 90 %% of the limit</span>",
               a, r.size.over_90pct ? "warn" : "good", r.size.over_90pct);
    if (r.size.headroom_known) {
        fmt_pct(a, sizeof a, r.size.headroom_pct);
        buf_printf(b, ", headroom <span class=\"%s\">%s</span>", html_level_class(r.size.level), a);
    }
    buf_puts(b, "</p>\n");
}

/* The DLQ's visible messages at each poll over the last 15 minutes. */
static void section_dlq(struct buf *b, const struct model *m, int64_t now_ms)
{
    const struct dlq_state *d = &m->dlq;
    struct chart c = {.x0 = -chart_span(m, now_ms), .x1 = 0, .y0 = 0, .y1 = 1};
    unsigned oldest = (d->history_next + MODEL_DLQ_HISTORY - d->history_len) % MODEL_DLQ_HISTORY;
    bool first = true;

    buf_puts(b, "<h2 id=\"dlq\">Dead-letter queue depth (last 15 minutes at most)</h2>\n");
    if (!d->configured) {
        buf_puts(b, "<p class=\"dim\">No dead-letter queue is watched.</p>\n");
        return;
    }
    for (unsigned i = 0; i < d->history_len; i++) {
        const struct dlq_sample *s = &d->history[(oldest + i) % MODEL_DLQ_HISTORY];
        if ((double)s->visible > c.y1)
            c.y1 = (double)s->visible;
    }
    if (d->history_len == 0) {
        chart_empty(b, "DLQ depth", "not polled yet");
        return;
    }
    c.y1 *= 1.1;
    chart_begin(b, "dead-letter queue depth over the last 15 minutes");
    chart_y_axis(b, &c, "visible messages");
    chart_time_axis(b, &c, now_ms);
    /* a step line: the depth holds from one poll to the next */
    buf_puts(b, "<path fill=\"none\" stroke=\"#9a6700\" stroke-width=\"1.8\" d=\"");
    double prev_y = 0;
    for (unsigned i = 0; i < d->history_len; i++) {
        const struct dlq_sample *s = &d->history[(oldest + i) % MODEL_DLQ_HISTORY];
        double x = (double)(s->at_ms - now_ms) / 1000.0;
        if (x < c.x0 || x > c.x1)
            continue;
        double px = chart_x(&c, x), py = chart_y(&c, (double)s->visible);
        if (first)
            buf_printf(b, "M%.1f %.1f", px, py);
        else
            buf_printf(b, " L%.1f %.1f L%.1f %.1f", px, prev_y, px, py);
        first = false;
        prev_y = py;
    }
    if (!first)
        buf_printf(b, " L%.1f %.1f", chart_x(&c, 0), prev_y);
    else /* every poll is older than the chart: the last one still holds */
        buf_printf(b, "M%.1f %.1f L%.1f %.1f", chart_x(&c, c.x0), chart_y(&c, (double)d->visible),
                   chart_x(&c, 0), chart_y(&c, (double)d->visible));
    buf_puts(b, "\"/>\n");
    chart_end(b);
}

static void lat_cells(struct buf *b, const struct readout_latency *l)
{
    char a[FMT_LEN];

    if (!l->known) {
        buf_puts(b, "<td class=\"n dim\">-</td><td class=\"n dim\">-</td>");
        return;
    }
    buf_printf(b, "<td class=\"n\">%s</td>", fmt_ms(a, sizeof a, l->p50));
    buf_printf(b, "<td class=\"n %s\">%s</td>", html_level_class(l->level),
               fmt_ms(a, sizeof a, l->p99));
}

static void table_line(struct buf *b, const struct model *m, const struct model_table *t,
                       const struct metrics *mt, int64_t now_ms)
{
    char a[FMT_LEN];
    struct readout r;

    model_readout(m, mt, now_ms, 0, &r);
    buf_puts(b, "<tr><td>");
    if (t) {
        html_table_name(b, t);
        buf_puts(b, "</td><td>");
        for (unsigned i = 0; i < t->pk.ncols && i < PK_MAX_COLS; i++) {
            if (i)
                buf_puts(b, ", ");
            html_untrusted_str(b, t->pk.cols[i], sizeof t->pk.cols[i]);
        }
        buf_printf(b,
                   " <span class=\"dim\">(%s)</span></td><td class=\"n\">%" PRIu64
                   "</td><td class=\"n\">%" PRIu64 "</td>",
                   t->other                  ? "each table's own"
                   : t->pk.source == PK_NONE ? "none yet"
                                             : pk_source_name(t->pk.source),
                   rs_table_live(t->rows), rs_table_tombstones(t->rows));
    } else {
        buf_puts(b, "<b>all tables</b></td><td></td><td></td><td></td>");
    }
    buf_printf(b,
               "<td class=\"n\">%" PRIu64 " / %" PRIu64 " / %" PRIu64 " / %" PRIu64
               "</td><td class=\"n\">%" PRIu64 "</td><td class=\"n\">%" PRIu64 "</td>",
               r.changes[CDC_INSERT], r.changes[CDC_UPDATE], r.changes[CDC_DELETE],
               r.changes[CDC_UPSERT], r.duplicates, r.stale);
    buf_printf(b, "<td class=\"n\">%s</td>", fmt_rate(a, sizeof a, r.rate[1]));
    buf_printf(b, "<td class=\"n\">%s</td>", fmt_rate(a, sizeof a, r.rate[2]));
    lat_cells(b, &r.lat[LAT_COMMIT_TO_EMIT]);
    lat_cells(b, &r.lat[LAT_ARRIVAL_TO_PROCESSED]);
    if (r.size.known && r.size.headroom_known) {
        buf_printf(b, "<td class=\"n\">%s</td>", fmt_bytes(a, sizeof a, r.size.max));
        buf_printf(b, "<td class=\"n %s\">%s</td>", html_level_class(r.size.level),
                   fmt_pct(a, sizeof a, r.size.headroom_pct));
    } else if (r.size.known) {
        buf_printf(b, "<td class=\"n\">%s</td><td class=\"n dim\">-</td>",
                   fmt_bytes(a, sizeof a, r.size.max));
    } else {
        buf_puts(b, "<td class=\"n dim\">-</td><td class=\"n dim\">-</td>");
    }
    if (r.freshness == FRESH_NONE)
        snprintf(a, sizeof a, "-");
    else
        fmt_age(a, sizeof a, r.idle_for_ms);
    buf_printf(b, "<td class=\"n\">%s</td></tr>\n", a);
}

static void section_tables(struct buf *b, const struct model *m, int64_t now_ms)
{
    buf_puts(b, "<h2 id=\"tables\">Tables</h2>\n");
    if (m->ntables == 0) {
        buf_puts(b, "<p class=\"dim\">No tables yet.</p>\n");
        return;
    }
    buf_puts(b, "<div class=\"wide\"><table><tr><th>table</th><th>key</th><th>rows live</th>"
                "<th>deleted</th><th title=\"insert / update / delete / upsert\">I / U / D / X"
                "</th><th>dup</th><th>stale</th><th>changes/s 10 s</th><th>60 s</th>"
                "<th>commit&rarr;emit p50 ms</th><th>p99</th><th>arrival&rarr;processed p50 ms"
                "</th><th>p99</th><th>largest record</th><th>headroom</th><th>last change</th>"
                "</tr>\n");
    for (unsigned i = 0; i < m->ntables; i++)
        table_line(b, m, m->tables[i], &m->tables[i]->m, now_ms);
    table_line(b, m, NULL, &m->all, now_ms);
    buf_puts(b, "</table></div>\n");
}

static void section_shards(struct buf *b, const struct model *m, int64_t now_ms)
{
    buf_puts(b, "<h2 id=\"shards\">Shards</h2>\n");
    if (m->nshards == 0) {
        buf_puts(b, "<p class=\"dim\">No shards yet.</p>\n");
        return;
    }
    buf_puts(b, "<table><tr><th>shard</th><th>parent</th><th>state</th><th>records</th>"
                "<th>records/s</th><th>behind ms</th><th>calls</th><th>throttles</th>"
                "<th>errors</th><th>last error</th></tr>\n");
    for (unsigned i = 0; i < m->nshards; i++) {
        const struct shard *s = m->shards[i];
        buf_puts(b, "<tr><td><code>");
        html_untrusted_str(b, s->id, sizeof s->id);
        if (s->other)
            buf_printf(b, ": %s%" PRIu64 " ids", s->folded_exact ? "" : "&ge;", s->folded);
        buf_puts(b, "</code></td><td><code>");
        html_untrusted_str(b, s->parent, sizeof s->parent);
        buf_printf(b, "</code></td><td>%s</td><td class=\"n\">%" PRIu64 "</td>",
                   shard_state_name(s->state), s->records);
        buf_printf(b, "<td class=\"n\">%.1f</td>", series_rate(&s->rec_per_s, now_ms, 10));
        if (s->millis_behind >= 0)
            buf_printf(b, "<td class=\"n\">%" PRId64 "</td>", s->millis_behind);
        else
            buf_puts(b, "<td class=\"n dim\">-</td>");
        buf_printf(b,
                   "<td class=\"n\">%" PRIu64 "</td><td class=\"n\">%" PRIu64
                   "</td><td class=\"n\">%" PRIu64 "</td><td>",
                   s->calls, s->throttles, s->errors);
        html_untrusted_str(b, s->last_error, sizeof s->last_error);
        buf_puts(b, "</td></tr>\n");
    }
    buf_puts(b, "</table>\n");
}

static void section_undecodable(struct buf *b, const struct model *m)
{
    const struct decode_stats *ds = decoder_stats(m->dec);
    char when[64];

    buf_printf(b, "<h2 id=\"undecodable\">Undecodable records: %" PRIu64 "</h2>\n",
               m->totals.undecodable);
    if (m->totals.undecodable == 0) {
        buf_puts(b, "<p class=\"good\">None.</p>\n");
        return;
    }
    buf_puts(b, "<table><tr><th>reason</th><th>records</th><th>meaning</th><th>latest</th>"
                "<th>detail</th></tr>\n");
    for (int r = 0; r < DERR_COUNT; r++) {
        if (!ds->errors[r])
            continue;
        fmt_time_ms(when, sizeof when, ds->sample[r].at_ms, FMT_DATETIME);
        buf_printf(b, "<tr><td><code>%s</code></td><td class=\"n\">%" PRIu64 "</td><td>",
                   decode_reason_name((enum decode_reason)r), ds->errors[r]);
        html_puts(b, decode_reason_text((enum decode_reason)r));
        buf_printf(b, "</td><td>%s UTC</td><td>", when);
        html_untrusted_str(b, ds->sample[r].detail, sizeof ds->sample[r].detail);
        buf_puts(b, "</td></tr>\n");
    }
    buf_puts(b, "</table>\n");
}

static void row_line(struct buf *b, const struct rs_row *r)
{
    char when[64];
    struct jspan key = rs_row_key(r), img = rs_row_image(r);
    int64_t ns = rs_row_commit_ns(r);
    const char *txid = rs_row_txid(r);

    buf_puts(b, "<tr><td><code>");
    html_json(b, key.p, key.n, REPORT_HTML_IMAGE_MAX);
    buf_printf(b, "</code></td><td class=\"%s\">%s</td>", rs_row_live(r) ? "" : "dim",
               rs_row_live(r) ? "live" : "deleted");
    fmt_time_ns(when, sizeof when, ns, FMT_DATETIME_MS);
    buf_printf(b, "<td>%s</td><td><code>", when);
    if (txid)
        html_untrusted(b, txid, strlen(txid));
    buf_printf(b, "</code></td><td class=\"n\">%" PRIu64 "</td><td>", rs_row_changes(r));
    if (img.p) {
        buf_puts(b, "<code>");
        html_json(b, img.p, img.n, REPORT_HTML_IMAGE_MAX);
        buf_puts(b, "</code>");
    } else {
        buf_puts(b, "<span class=\"dim\">(deleted: tombstone)</span>");
    }
    buf_puts(b, "</td></tr>\n");
}

static void section_rows(struct buf *b, const struct model *m, uint64_t max_rows)
{
    buf_printf(b,
               "<h2 id=\"rows\">Rows</h2>\n<p class=\"dim\">Reconstructed rows, most recently "
               "changed first, at most %" PRIu64 " per table; images longer than %d bytes are "
               "cut here (the JSON snapshot has them whole).</p>\n",
               max_rows, REPORT_HTML_IMAGE_MAX);
    for (unsigned i = 0; i < m->ntables; i++) {
        const struct model_table *t = m->tables[i];
        uint64_t n = 0;
        buf_puts(b, "<h3>");
        html_table_name(b, t);
        buf_printf(b, " <span class=\"dim\">(%" PRIu64 " live, %" PRIu64 " deleted)</span></h3>\n",
                   rs_table_live(t->rows), rs_table_tombstones(t->rows));
        if (!rs_table_newest(t->rows) || max_rows == 0) {
            buf_puts(b, "<p class=\"dim\">No rows.</p>\n");
            continue;
        }
        buf_puts(b, "<div class=\"wide\"><table><tr><th>key</th><th>state</th>"
                    "<th>commit (UTC)</th><th>txid</th><th>versions</th><th>row</th></tr>\n");
        for (const struct rs_row *r = rs_table_newest(t->rows); r && n < max_rows;
             r = rs_row_older(r), n++)
            row_line(b, r);
        buf_puts(b, "</table></div>\n");
    }
}

void report_html(const struct model *m, const struct report_html_opts *opts, int64_t now_ms,
                 struct buf *out)
{
    const char *version = opts && opts->program_version ? opts->program_version : "cdctop";
    uint64_t max_rows = opts ? opts->max_rows : UINT64_MAX;
    char when[64];

    fmt_time_ms(when, sizeof when, now_ms, FMT_DATETIME);
    buf_puts(out, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
                  "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
                  "style-src 'unsafe-inline'\">\n"
                  "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
                  "<title>");
    html_puts(out, version);
    buf_printf(out, " snapshot %s UTC</title>\n<style>%s</style>\n</head>\n<body>\n<h1>", when,
               html_style);
    html_puts(out, version);
    buf_printf(out, " snapshot, %s UTC</h1>\n<p class=\"dim\">", when);
    html_untrusted_str(out, m->source, sizeof m->source);
    buf_puts(out, " &middot; <a href=\"#rates\">rates</a> &middot; <a href=\"#latency\">latency</a>"
                  " &middot; <a href=\"#sizes\">sizes</a> &middot; <a href=\"#dlq\">DLQ</a>"
                  " &middot; <a href=\"#tables\">tables</a> &middot; <a href=\"#shards\">shards</a>"
                  " &middot; <a href=\"#undecodable\">undecodable</a> &middot; "
                  "<a href=\"#rows\">rows</a></p>\n");
    redaction_note(out, m);
    section_summary(out, m, now_ms);
    section_rates(out, m, now_ms);
    section_latency(out, m, now_ms);
    section_sizes(out, m, now_ms);
    section_dlq(out, m, now_ms);
    section_tables(out, m, now_ms);
    section_shards(out, m, now_ms);
    section_undecodable(out, m);
    section_rows(out, m, max_rows);
    buf_puts(out, "</body>\n</html>\n");
}

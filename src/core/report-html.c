/*
 * The HTML report. Everything untrusted (names, keys, row images, server messages) is first made
 * visible with escape.h, then HTML-escaped, so neither markup nor control characters from the data
 * reach the page. The page loads nothing: its Content-Security-Policy forbids every fetch, the
 * styles are inline and the charts are SVG drawn here.
 *
 * It is meant to be attached to a ticket, so it stays small: it opens with the verdict and the
 * event log, the charts cover at most 15 minutes, and rows are only included when asked for
 * (the JSON snapshot has them).
 */
#include "config.h"

#include "report-html.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "decode.h"
#include "escape.h"
#include "events.h"
#include "fmt.h"
#include "hist.h"
#include "redact.h"
#include "rowstore.h"
#include "verdict.h"
#include "xalloc.h"

#define CHART_W     960
#define CHART_H     240
#define CHART_LEFT  70
#define CHART_RIGHT 20
#define CHART_TOP   14
#define CHART_BOT   34
#define CHART_MIN_S 60 /* the shortest time span a chart covers */
/* The y axis goes up to the 95th percentile of what a chart plots times this (never past the
 * largest value), so that one spike does not flatten every other line; points above are clipped
 * and marked. */
#define CHART_ROBUST_Q      0.95
#define CHART_ROBUST_FACTOR 1.3
/* A threshold up to this many times the data's top widens the axis to show it; one further above
 * would flatten the data into the bottom of the chart, and is named in the caption instead. */
#define CHART_THRESHOLD_REACH 4.0
#define CHART_TABLES_MAX      8  /* lines per chart; the busiest or slowest tables beyond */
#define REPORT_HTML_LARGEST   10 /* the largest records listed, all tables together */

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
    "th{background:#f3f5f7}td.n{text-align:right;font-variant-numeric:tabular-nums;white-space:"
    "nowrap}"
    "table.kv th{width:190px}div.wide{overflow-x:auto}"
    "code{font-family:ui-monospace,'SFMono-Regular',Menlo,Consolas,monospace;font-size:12px;"
    "white-space:pre-wrap;word-break:break-all}"
    /* a key stays on one line (its table scrolls sideways): wrapped, 1001 and 42 of [1001,42]
     * could be read as two keys */
    "td.key,td.key code,td.t{white-space:nowrap;word-break:normal}td.img{min-width:24em}"
    "div.verdict{margin:12px 0 4px}p.word{font-size:1.6em;font-weight:700;margin:0 0 4px}"
    "ul.findings{margin:0;padding-left:20px}ul.findings li{margin:2px 0}"
    "span.lvl{display:inline-block;min-width:3em;font-size:12px}"
    "p.caption{font-size:13px;color:#57606a;margin:4px 0 8px;max-width:960px}"
    ".dim{color:#6e7781}.bad{color:#b42318;font-weight:600}.warn{color:#9a6700;font-weight:600}"
    ".good{color:#1a7f37}.note{background:#fff8c5;border:1px solid #d4a72c;padding:6px 10px}"
    "svg.chart{display:block;width:100%;max-width:960px;height:auto;background:#fbfcfd;"
    "border:1px solid #e1e4e8}"
    "svg text{font-family:system-ui,sans-serif;font-size:11px;fill:#57606a}"
    "ul.legend{list-style:none;padding:0;margin:4px 0;font-size:13px}"
    "ul.legend li{display:inline-block;margin-right:16px}"
    "ul.legend span{display:inline-block;width:12px;height:12px;margin-right:5px;"
    "vertical-align:-1px}"
    "ul.legend span.dash{height:0;width:16px;border-top:2px dashed;vertical-align:3px}";

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
    double x0, x1, y0, y1; /* data domain; x in seconds from ref_ms */
    int64_t ref_ms;
    char *(*fmt)(char *out, size_t len, double v); /* a value as the report prints it */
};

/* How one line is drawn; label is its name, already HTML-escaped, for the clipped points' marks. */
struct chart_style {
    const char *colour;
    bool dashed;
    const char *label;
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

/* Where a value is drawn: on the chart's edge when it lies beyond the y range. */
static double chart_y_clipped(const struct chart *c, double y)
{
    return chart_y(c, y > c->y1 ? c->y1 : y < c->y0 ? c->y0 : y);
}

/* 1 above the y range, -1 below, 0 inside (or no data). */
static int chart_clip_side(const struct chart *c, double y)
{
    return isnan(y) ? 0 : y > c->y1 ? 1 : y < c->y0 ? -1 : 0;
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

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/*
 * Sets the y range to show the bulk of the n values (NAN: no data): from zero (or a little below,
 * for negative values such as clock skew) up to the 95th percentile times CHART_ROBUST_FACTOR,
 * never past the largest value; the same below zero with the 5th percentile. False when there is no
 * value at all.
 */
static bool chart_fit(struct chart *c, const double *v, size_t n)
{
    double *s = xmalloc((n ? n : 1) * sizeof *s);
    size_t k = 0;

    for (size_t i = 0; i < n; i++)
        if (!isnan(v[i]))
            s[k++] = v[i];
    if (k == 0) {
        free(s);
        return false;
    }
    qsort(s, k, sizeof *s, cmp_double);
    double lo = s[0], hi = s[k - 1];
    double top = s[(size_t)ceil(CHART_ROBUST_Q * (double)k) - 1] * CHART_ROBUST_FACTOR;
    double bottom = s[(size_t)floor((1 - CHART_ROBUST_Q) * (double)(k - 1))] * CHART_ROBUST_FACTOR;
    free(s);
    if (top > 0 && top < hi)
        hi = top;
    c->y0 = 0;
    if (lo < 0) {
        /* at least a band of a tenth of the height below zero, so a few milliseconds of skew
         * show without a mark; a deep negative spike is clipped like a high one */
        double band = -0.1 * (hi > 0 ? hi : 1);
        double want = bottom < band ? bottom : band;
        c->y0 = lo > want ? lo : want;
    }
    c->y1 = hi > c->y0 ? hi : c->y0 + 1;
    return true;
}

/* Widens the y range to a threshold close above the data's top (as chart_fit set it); false
 * when the threshold stays off the chart (it is then named in the legend). */
static bool chart_reach(struct chart *c, double v, double top)
{
    if (v >= c->y0 && v <= c->y1)
        return true;
    if (v < c->y0 || v > (top > 0 ? top : 1) * CHART_THRESHOLD_REACH)
        return false;
    c->y1 = v;
    return true;
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

/* x is seconds relative to c->ref_ms; ticks on whole minutes (or tens of seconds) of UTC. */
static void chart_time_axis(struct buf *b, const struct chart *c)
{
    int64_t ref_s = c->ref_ms / 1000;
    static const int64_t steps[] = {10, 15, 30, 60, 120, 180, 300, 600};
    int64_t span = (int64_t)(c->x1 - c->x0), step = steps[0];
    int64_t first = ref_s + (int64_t)floor(c->x0);
    char label[32];

    for (size_t i = 0; i < sizeof steps / sizeof steps[0] && span / steps[i] > 6; i++)
        step = i + 1 < sizeof steps / sizeof steps[0] ? steps[i + 1] : steps[i];
    first = (first / step + 1) * step;
    for (int64_t t = first; t <= ref_s + (int64_t)c->x1; t += step) {
        double x = chart_x(c, (double)(t - ref_s) - (double)(c->ref_ms % 1000) / 1000.0);
        fmt_time_ms(label, sizeof label, (int64_t)t * 1000, FMT_CLOCK);
        buf_printf(b,
                   "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#e6e9ec\"/>"
                   "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%s</text>\n",
                   x, CHART_TOP, x, CHART_H - CHART_BOT, x, CHART_H - CHART_BOT + 16, label);
    }
    buf_printf(b, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">UTC</text>\n", CHART_W - CHART_RIGHT,
               CHART_H - 4);
}

/* One unbroken run of points. A point between two at the same height adds nothing to the line
 * and is left out: flat stretches (a quiet table's zeros) cost two points, not hundreds. */
static void chart_segment(struct buf *b, const struct chart *c, const double *xs, const double *ys,
                          size_t n, const struct chart_style *st)
{
    bool first = true;

    buf_printf(b, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"1.6\"%s points=\"",
               st->colour, st->dashed ? " stroke-dasharray=\"5 3\"" : "");
    for (size_t i = 0; i < n; i++) {
        double y = chart_y_clipped(c, ys[i]);
        if (i > 0 && i + 1 < n && fabs(chart_y_clipped(c, ys[i - 1]) - y) < 0.05 &&
            fabs(chart_y_clipped(c, ys[i + 1]) - y) < 0.05)
            continue;
        buf_printf(b, "%s%.1f,%.1f", first ? "" : " ", chart_x(c, xs[i]), y);
        first = false;
    }
    buf_puts(b, "\"/>\n");
    if (n == 1) /* a single point draws no line */
        buf_printf(b, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" fill=\"%s\"/>\n", chart_x(c, xs[0]),
                   chart_y_clipped(c, ys[0]), st->colour);
}

/* A small triangle on the edge where a point was clipped, its title the true value and time. */
static void chart_clip_mark(struct buf *b, const struct chart *c, double x, double y, int side,
                            const struct chart_style *st)
{
    char value[FMT_LEN], when[32];
    double px = chart_x(c, x);

    c->fmt(value, sizeof value, y);
    fmt_time_ms(when, sizeof when, c->ref_ms + (int64_t)llround(x * 1000), FMT_CLOCK);
    if (side > 0)
        buf_printf(b, "<path d=\"M%.1f %dl-4.5 8h9z\" fill=\"%s\"><title>", px, CHART_TOP,
                   st->colour);
    else
        buf_printf(b, "<path d=\"M%.1f %dl-4.5 -8h9z\" fill=\"%s\"><title>", px,
                   CHART_H - CHART_BOT, st->colour);
    buf_printf(b, "%s: %s at %s UTC (%s the axis)</title></path>\n", st->label, value, when,
               side > 0 ? "above" : "below");
}

/* A line through the n points (NAN: no data there, and a gap in the line, not a zero). Points
 * beyond the y range are drawn on its edge, each run of them marked once, at its extreme. */
static void chart_line(struct buf *b, const struct chart *c, const double *xs, const double *ys,
                       size_t n, const struct chart_style *st)
{
    for (size_t i = 0; i < n;) {
        if (isnan(ys[i])) {
            i++;
            continue;
        }
        size_t j = i;
        while (j < n && !isnan(ys[j]))
            j++;
        chart_segment(b, c, xs + i, ys + i, j - i, st);
        i = j;
    }
    for (size_t i = 0; i < n;) {
        int side = chart_clip_side(c, ys[i]);
        if (!side) {
            i++;
            continue;
        }
        size_t peak = i, j = i;
        for (; j < n && chart_clip_side(c, ys[j]) == side; j++)
            if (side > 0 ? ys[j] > ys[peak] : ys[j] < ys[peak])
                peak = j;
        chart_clip_mark(b, c, xs[peak], ys[peak], side, st);
        i = j;
    }
}

/* A threshold as a dashed horizontal line, labelled at its right end; nothing when off the chart.
 */
static void chart_threshold(struct buf *b, const struct chart *c, double v, const char *colour,
                            const char *label)
{
    if (v < c->y0 || v > c->y1)
        return;
    double y = chart_y(c, v);
    buf_printf(b,
               "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"%s\" "
               "stroke-width=\"1.2\" stroke-dasharray=\"6 4\"/><text x=\"%d\" y=\"%.1f\" "
               "text-anchor=\"end\" style=\"fill:%s\">",
               CHART_LEFT, y, CHART_W - CHART_RIGHT, y, colour, CHART_W - CHART_RIGHT - 4, y - 4,
               colour);
    html_puts(b, label);
    buf_puts(b, "</text>\n");
}

static void legend_item(struct buf *b, const char *colour, bool dashed)
{
    buf_printf(b, "<li><span style=\"background:%s%s\"></span>", colour,
               dashed ? ";opacity:.55" : "");
}

static void legend_dash(struct buf *b, const char *colour)
{
    buf_printf(b, "<li><span class=\"dash\" style=\"border-color:%s\"></span>", colour);
}

/* Seconds the time charts cover: since the start, at least CHART_MIN_S, at most 15 minutes. */
static double chart_span(const struct model *m, int64_t now_ms)
{
    int64_t span = (now_ms - m->started_ms) / 1000 + 1;
    if (span < CHART_MIN_S)
        span = CHART_MIN_S;
    return (double)(span > REPORT_HTML_SPAN_S ? REPORT_HTML_SPAN_S : span);
}

/*
 * Which of n tables a chart draws: all of them when they fit, else the CHART_TABLES_MAX with the
 * highest scores (the busiest, or the slowest: the ones an incident is about). Fills pick in
 * table order, so that a table keeps its colour from chart to chart while they fit; returns how
 * many.
 */
static unsigned chart_pick(const double *score, unsigned n, unsigned *pick)
{
    if (n <= CHART_TABLES_MAX) {
        for (unsigned i = 0; i < n; i++)
            pick[i] = i;
        return n;
    }
    bool *taken = xcalloc(n, sizeof *taken);
    for (unsigned k = 0; k < CHART_TABLES_MAX; k++) {
        unsigned best = n;
        for (unsigned i = 0; i < n; i++)
            if (!taken[i] && (best == n || score[i] > score[best]))
                best = i;
        taken[best] = true;
    }
    unsigned k = 0;
    for (unsigned i = 0; i < n; i++)
        if (taken[i])
            pick[k++] = i;
    free(taken);
    return k;
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
               " unkeyed; %.1f records read per second over the last 10 s</td></tr>\n",
               m->totals.records, m->totals.decoded, m->totals.undecodable ? "bad" : "good",
               m->totals.undecodable, m->totals.duplicates, m->totals.stale, m->totals.unkeyed,
               model_read_rate(m, now_ms, 10));
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

/* Values as the charts' marks print them: changes per second, milliseconds. */
static char *chart_fmt_rate(char *out, size_t len, double v)
{
    char rate[FMT_LEN];
    snprintf(out, len, "%s changes/s", fmt_rate(rate, sizeof rate, v));
    return out;
}

static char *chart_fmt_ms(char *out, size_t len, double v)
{
    return fmt_duration(out, len, (int64_t)llround(v * 1000));
}

/* Legend lines for the tables a chart drew (in their colours) and a note for those it left out. */
static void legend_tables(struct buf *b, const struct model *m, const unsigned *pick, unsigned n,
                          const bool *nodata, const char *nodata_text)
{
    buf_puts(b, "<ul class=\"legend\">");
    for (unsigned i = 0; i < n; i++) {
        legend_item(b, html_palette[i % PALETTE_N], false);
        html_table_name(b, m->tables[pick[i]]);
        if (nodata && nodata[i])
            buf_printf(b, " <span class=\"dim\">(%s)</span>", nodata_text);
        buf_puts(b, "</li>");
    }
    buf_puts(b, "</ul>\n");
    if (n < m->ntables)
        buf_printf(b,
                   "<p class=\"caption\">%u more tables are not drawn; the Tables section has "
                   "each one's figures.</p>\n",
                   m->ntables - n);
}

/*
 * Changes per second per table on the timeline: each change in the second it arrived in the
 * stream (or was committed: --time-basis), up to where every reader has read, over at most the
 * last 15 minutes. Seconds before reading began or after the end have no data and leave gaps.
 */
static void section_rates(struct buf *b, const struct model *m, int64_t now_ms)
{
    int64_t start_ms = model_timeline_start(m), end_ms = model_timeline_end(m, now_ms);
    int64_t last = end_ms / 1000 - 1; /* the newest complete second */
    char from[32], to[32];

    buf_puts(b, "<h2 id=\"rates\">Changes per second, per table (last 15 minutes at most)</h2>\n");
    if (start_ms == CDC_TIME_NONE || m->ntables == 0 || last < start_ms / 1000) {
        chart_empty(b, "changes per second", "no changes yet");
        return;
    }
    int64_t first_data = start_ms / 1000;
    int64_t span = last - first_data + 1;
    span = span < CHART_MIN_S ? CHART_MIN_S : span > REPORT_HTML_SPAN_S ? REPORT_HTML_SPAN_S : span;
    int64_t first = last - span + 1;
    size_t npts = (size_t)span;
    unsigned *pick = xmalloc(m->ntables * sizeof *pick);
    double *score = xcalloc(m->ntables, sizeof *score);
    double *xs = xmalloc(npts * sizeof *xs);

    for (unsigned t = 0; t < m->ntables; t++)
        for (int64_t s = first > first_data ? first : first_data; s <= last; s++)
            score[t] += metrics_at(&m->tables[t]->m, s);
    unsigned n = chart_pick(score, m->ntables, pick);
    /* the picked tables' lines, then all tables together */
    double *ys = xmalloc((n + 1) * npts * sizeof *ys);
    for (size_t i = 0; i < npts; i++) {
        int64_t s = first + (int64_t)i;
        xs[i] = (double)(s - last);
        for (unsigned l = 0; l <= n; l++) {
            const struct metrics *mt = l < n ? &m->tables[pick[l]]->m : &m->all;
            ys[l * npts + i] = s < first_data ? NAN : (double)metrics_at(mt, s);
        }
    }
    struct chart c = {.x0 = xs[0], .x1 = 0, .ref_ms = (last + 1) * 1000, .fmt = chart_fmt_rate};
    chart_fit(&c, ys, (n + 1) * npts);
    chart_begin(b, "changes per second per table over the last 15 minutes");
    chart_y_axis(b, &c, "changes/s");
    chart_time_axis(b, &c);
    for (unsigned l = 0; l <= n; l++) {
        struct buf label;
        buf_init(&label);
        if (l < n)
            html_table_name(&label, m->tables[pick[l]]);
        else
            buf_puts(&label, "all tables");
        struct chart_style st = {.colour = l < n ? html_palette[l % PALETTE_N] : "#57606a",
                                 .dashed = l == n,
                                 .label = label.data};
        chart_line(b, &c, xs, ys + l * npts, npts, &st);
        buf_free(&label);
    }
    chart_end(b);
    legend_tables(b, m, pick, n, NULL, NULL);
    buf_puts(b, "<ul class=\"legend\">");
    legend_item(b, "#57606a", true);
    buf_puts(b, "all tables (dashed)</li></ul>\n");
    fmt_time_ms(from, sizeof from, (first > first_data ? first : first_data) * 1000, FMT_CLOCK);
    fmt_time_ms(to, sizeof to, (last + 1) * 1000, FMT_CLOCK);
    buf_printf(
        b,
        "<p class=\"caption\">Each change counts in the second it %s, from %s to %s UTC: "
        "as far as every reader has read. Seconds before reading began or beyond what was "
        "read have no data and leave a gap in the lines; they are not zero. The axis goes "
        "up to %.1f times the 95th percentile of the plotted seconds; a busier stretch is "
        "drawn on the top edge and marked &#9650; (its title gives the busiest second).</p>\n",
        m->cfg.basis == BASIS_COMMIT ? "was committed" : "arrived in the stream", from, to,
        CHART_ROBUST_FACTOR);
    free(ys);
    free(xs);
    free(score);
    free(pick);
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

/* One table's p99 of stage k from its 10-second history, as points relative to now_ms: a gap
 * where no sample was taken or the window held no latency. Returns the number of points; *worst
 * gets the highest p99 drawn (-INFINITY when none). */
static size_t latency_points(const struct model_table *t, enum lat_kind k, const struct chart *c,
                             int64_t now_ms, double *xs, double *ys, double *worst)
{
    const struct history_ring *h = &t->m.history;
    size_t n = 0;
    int64_t prev_ms = 0;

    *worst = -INFINITY;
    for (unsigned i = 0; i < history_len(h); i++) {
        const struct history_sample *s = history_get(h, i);
        double x = (double)(s->at_ms - now_ms) / 1000.0;
        if (x < c->x0 || x > c->x1)
            continue;
        if (n > 0 && s->at_ms - prev_ms > 2 * HISTORY_STEP_MS) { /* samples missing: a gap */
            xs[n] = x;
            ys[n++] = NAN;
        }
        prev_ms = s->at_ms;
        xs[n] = x;
        ys[n] = s->lat[k].count ? (double)s->lat[k].p99 / 1000.0 : NAN;
        if (!isnan(ys[n]) && ys[n] > *worst)
            *worst = ys[n];
        n++;
    }
    return n;
}

/* One stage: a line per table (its p99 over time), the stage's thresholds as dashed lines. */
static void latency_chart(struct buf *b, const struct model *m, enum lat_kind k, int64_t now_ms)
{
    const size_t cap = 2 * HISTORY_SLOTS; /* samples and the gaps between them */
    unsigned nt = m->ntables;
    struct chart c = {.x0 = -chart_span(m, now_ms), .x1 = 0, .ref_ms = now_ms, .fmt = chart_fmt_ms};
    double warn = (double)m->cfg.thresholds.latency_warn_us[k] / 1000.0;
    double bad = (double)m->cfg.thresholds.latency_bad_us[k] / 1000.0;
    char a[FMT_LEN], label[FMT_LEN + 8];

    buf_printf(b, "<h3>%s</h3>\n", lat_title(k));
    if (nt == 0) {
        chart_empty(b, lat_kind_name(k), "no latency samples yet");
        return;
    }
    double *xs = xmalloc(nt * cap * sizeof *xs), *ys = xmalloc(nt * cap * sizeof *ys);
    double *worst = xmalloc(nt * sizeof *worst);
    size_t *len = xmalloc(nt * sizeof *len);
    unsigned *pick = xmalloc(nt * sizeof *pick);
    bool *nodata = xcalloc(nt, sizeof *nodata);
    for (unsigned t = 0; t < nt; t++)
        len[t] = latency_points(m->tables[t], k, &c, now_ms, xs + t * cap, ys + t * cap, &worst[t]);
    unsigned n = chart_pick(worst, nt, pick);
    /* what the picked tables plot decides the axis */
    double *plotted = xmalloc(n * cap * sizeof *plotted);
    size_t np = 0;
    for (unsigned i = 0; i < n; i++) {
        memcpy(plotted + np, ys + pick[i] * cap, len[pick[i]] * sizeof *plotted);
        np += len[pick[i]];
        nodata[i] = isinf(worst[pick[i]]);
    }
    bool any = chart_fit(&c, plotted, np);
    free(plotted);
    if (!any) {
        chart_empty(b, lat_kind_name(k), "no latency samples yet");
    } else {
        double top = c.y1;
        bool warn_on = chart_reach(&c, warn, top), bad_on = chart_reach(&c, bad, top);
        chart_begin(b, lat_kind_name(k));
        chart_y_axis(b, &c, "p99, ms");
        chart_time_axis(b, &c);
        snprintf(label, sizeof label, "warn %s", fmt_duration(a, sizeof a, (int64_t)(warn * 1000)));
        chart_threshold(b, &c, warn, "#9a6700", label);
        snprintf(label, sizeof label, "bad %s", fmt_duration(a, sizeof a, (int64_t)(bad * 1000)));
        chart_threshold(b, &c, bad, "#b42318", label);
        for (unsigned i = 0; i < n; i++) {
            struct buf name;
            buf_init(&name);
            html_table_name(&name, m->tables[pick[i]]);
            struct chart_style st = {.colour = html_palette[i % PALETTE_N], .label = name.data};
            chart_line(b, &c, xs + pick[i] * cap, ys + pick[i] * cap, len[pick[i]], &st);
            buf_free(&name);
        }
        chart_end(b);
        legend_tables(b, m, pick, n, nodata, "no samples");
        buf_puts(b, "<ul class=\"legend\">");
        legend_dash(b, "#9a6700");
        buf_printf(b, "warn %s%s</li>", fmt_duration(a, sizeof a, (int64_t)(warn * 1000)),
                   warn_on ? "" : " (above the chart)");
        legend_dash(b, "#b42318");
        buf_printf(b, "bad %s%s</li></ul>\n", fmt_duration(a, sizeof a, (int64_t)(bad * 1000)),
                   bad_on ? "" : " (above the chart)");
    }
    free(nodata);
    free(pick);
    free(len);
    free(worst);
    free(ys);
    free(xs);
}

static void section_latency(struct buf *b, const struct model *m, int64_t now_ms)
{
    buf_printf(b,
               "<h2 id=\"latency\">Latency per table over time (p99)</h2>\n"
               "<p class=\"caption\">Every 10 s, each table's 99th percentile over the preceding "
               "%llds (--latency-window); negative values are clock skew. Dashed: the stage's warn "
               "and bad thresholds (--threshold). The axis goes up to %.1f times the 95th "
               "percentile of the plotted values (or to a threshold close above them); higher "
               "values are drawn on the top edge and marked &#9650; (its title gives the value)."
               "</p>\n",
               (long long)(m->cfg.latency_window_ms / 1000), CHART_ROBUST_FACTOR);
    for (int k = 0; k < LAT_COUNT; k++)
        latency_chart(b, m, (enum lat_kind)k, now_ms);
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

/* The largest records of all tables together, biggest first, with their keys. */
static void section_largest(struct buf *b, const struct model *m)
{
    struct {
        const struct model_table *t;
        const struct big_record *r;
    } top[REPORT_HTML_LARGEST];
    unsigned n = 0;
    char a[FMT_LEN], when[64];

    for (unsigned i = 0; i < m->ntables; i++) {
        for (unsigned j = 0; j < METRICS_LARGEST; j++) {
            const struct big_record *r = &m->tables[i]->m.largest[j];
            if (r->bytes == 0)
                break;
            unsigned at = n < REPORT_HTML_LARGEST ? n : REPORT_HTML_LARGEST - 1;
            if (n == REPORT_HTML_LARGEST && r->bytes <= top[at].r->bytes)
                continue;
            for (; at > 0 && top[at - 1].r->bytes < r->bytes; at--)
                top[at] = top[at - 1];
            top[at].t = m->tables[i];
            top[at].r = r;
            if (n < REPORT_HTML_LARGEST)
                n++;
        }
    }
    buf_puts(b, "<h3>Largest records</h3>\n");
    if (n == 0) {
        buf_puts(b, "<p class=\"dim\">None yet.</p>\n");
        return;
    }
    buf_puts(b, "<div class=\"wide\"><table><tr><th>size</th><th>headroom</th><th>seen (UTC)</th>"
                "<th>table</th><th>key</th></tr>\n");
    for (unsigned i = 0; i < n; i++) {
        const struct big_record *r = top[i].r;
        double limit = (double)m->record_size_limit;
        buf_printf(b, "<tr><td class=\"n\">%s</td>", fmt_bytes(a, sizeof a, r->bytes));
        if (limit > 0) {
            double pct = (limit - (double)r->bytes) / limit * 100;
            buf_printf(b, "<td class=\"n %s\">%s</td>",
                       html_level_class(readout_headroom_level(&m->cfg.thresholds, pct)),
                       fmt_pct(a, sizeof a, pct));
        } else {
            buf_puts(b, "<td class=\"n dim\">-</td>");
        }
        fmt_time_ms(when, sizeof when, r->seen_ms, FMT_DATETIME);
        buf_printf(b, "<td class=\"t\">%s</td><td class=\"t\">", when);
        html_table_name(b, top[i].t);
        buf_puts(b, "</td><td class=\"key\"><code>");
        html_json(b, r->key, strnlen(r->key, sizeof r->key), sizeof r->key);
        buf_puts(b, "</code></td></tr>\n");
    }
    buf_puts(b, "</table></div>\n");
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
    section_largest(b, m);
}

/* The DLQ's visible messages at each poll over the last 15 minutes. */
static void section_dlq(struct buf *b, const struct model *m, int64_t now_ms)
{
    const struct dlq_state *d = &m->dlq;
    struct chart c = {.x0 = -chart_span(m, now_ms), .x1 = 0, .y0 = 0, .y1 = 1, .ref_ms = now_ms};
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
    chart_time_axis(b, &c);
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

    buf_puts(b, "<tr><td class=\"key\"><code>");
    html_json(b, key.p, key.n, REPORT_HTML_IMAGE_MAX);
    buf_printf(b, "</code></td><td class=\"%s\">%s</td>", rs_row_live(r) ? "" : "dim",
               rs_row_live(r) ? "live" : "deleted");
    fmt_time_ns(when, sizeof when, ns, FMT_DATETIME_MS);
    buf_printf(b, "<td class=\"t\">%s</td><td class=\"key\"><code>", when);
    if (txid)
        html_untrusted(b, txid, strlen(txid));
    buf_printf(b, "</code></td><td class=\"n\">%" PRIu64 "</td><td class=\"img\">",
               rs_row_changes(r));
    if (img.p) {
        buf_puts(b, "<code>");
        html_json(b, img.p, img.n, REPORT_HTML_IMAGE_MAX);
        buf_puts(b, "</code>");
    } else {
        buf_puts(b, "<span class=\"dim\">(deleted: tombstone)</span>");
    }
    buf_puts(b, "</td></tr>\n");
}

/* Rows only when asked for (--report-rows): they are most of a report's weight, and the JSON
 * snapshot has them. */
static void section_rows(struct buf *b, const struct model *m, uint64_t max_rows)
{
    buf_puts(b, "<h2 id=\"rows\">Rows</h2>\n");
    if (max_rows == 0) {
        buf_puts(b, "<p class=\"dim\">Not in this report: --report-rows N adds the N most "
                    "recently changed rows of each table. The JSON snapshot of the same set has "
                    "them (--snapshot-rows).</p>\n");
        return;
    }
    buf_printf(b,
               "<p class=\"dim\">Reconstructed rows, most recently changed first, at most "
               "%" PRIu64 " per table; images longer than %d bytes are cut here (the JSON "
               "snapshot has them whole).</p>\n",
               max_rows, REPORT_HTML_IMAGE_MAX);
    for (unsigned i = 0; i < m->ntables; i++) {
        const struct model_table *t = m->tables[i];
        uint64_t n = 0;
        buf_puts(b, "<h3>");
        html_table_name(b, t);
        buf_printf(b, " <span class=\"dim\">(%" PRIu64 " live, %" PRIu64 " deleted)</span></h3>\n",
                   rs_table_live(t->rows), rs_table_tombstones(t->rows));
        if (!rs_table_newest(t->rows)) {
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

static const char *verdict_class(enum readout_level level)
{
    return level == LEVEL_OK ? "good" : html_level_class(level);
}

/* What is wrong, worst first: the word in its level's colour, then each finding on its line. It
 * comes before every section, so a ticket's reader sees it first. */
static void section_verdict(struct buf *b, const struct verdict *v)
{
    buf_printf(b, "<div class=\"verdict\" id=\"verdict\">\n<p class=\"word %s\">%s</p>\n",
               verdict_class(v->level), verdict_word(v->level));
    if (v->n == 0) {
        buf_puts(b, "<p class=\"dim\">No figure is past its warn threshold.</p>\n</div>\n");
        return;
    }
    buf_puts(b, "<ul class=\"findings\">\n");
    for (unsigned i = 0; i < v->n; i++) {
        const struct finding *f = &v->f[i];
        buf_printf(b, "<li><span class=\"lvl %s\">%s</span> ", verdict_class(f->level),
                   readout_level_name(f->level));
        html_untrusted_str(b, f->text, sizeof f->text);
        buf_puts(b, "</li>\n");
    }
    buf_puts(b, "</ul>\n");
    if (v->more)
        buf_printf(b, "<p class=\"dim\">and %u more findings</p>\n", v->more);
    buf_puts(b, "</div>\n");
}

static const char *event_class(enum event_level level)
{
    switch (level) {
    case EV_BAD:
        return "bad";
    case EV_WARN:
        return "warn";
    case EV_GOOD:
        return "good";
    default:
        return "";
    }
}

/* The event log, newest first, the newest REPORT_HTML_EVENTS of it. */
static void section_events(struct buf *b, const struct model *m)
{
    const struct events *ev = &m->events;
    unsigned n = events_len(ev), shown = n < REPORT_HTML_EVENTS ? n : REPORT_HTML_EVENTS;
    char when[64];

    buf_puts(b, "<h2 id=\"events\">Events, newest first</h2>\n");
    if (n == 0) {
        buf_puts(b, "<p class=\"dim\">No events.</p>\n");
        return;
    }
    buf_puts(b, "<div class=\"wide\"><table><tr><th>time (UTC)</th><th>level</th><th>kind</th>"
                "<th>subject</th><th>text</th></tr>\n");
    for (unsigned i = 0; i < shown; i++) {
        const struct event *e = events_get(ev, n - 1 - i);
        fmt_time_ms(when, sizeof when, e->at_ms, FMT_DATETIME);
        buf_printf(b, "<tr><td class=\"t\">%s</td><td class=\"%s\">%s</td><td>%s</td><td>", when,
                   event_class(e->level), event_level_name(e->level), event_kind_name(e->kind));
        html_untrusted_str(b, e->subject, sizeof e->subject);
        buf_puts(b, "</td><td>");
        html_untrusted_str(b, e->text, sizeof e->text);
        buf_puts(b, "</td></tr>\n");
    }
    buf_puts(b, "</table></div>\n");
    if (shown < n)
        buf_printf(b,
                   "<p class=\"dim\">%u older events are not listed here; the JSON snapshot has "
                   "all %u kept.</p>\n",
                   n - shown, n);
    if (ev->dropped)
        buf_printf(b, "<p class=\"dim\">%llu events older still were dropped from the log.</p>\n",
                   (unsigned long long)ev->dropped);
}

void report_html(const struct model *m, const struct report_html_opts *opts, int64_t now_ms,
                 struct buf *out)
{
    const char *version = opts && opts->program_version ? opts->program_version : "cdctop";
    uint64_t max_rows = opts ? opts->max_rows : 0;
    char when[64];
    struct verdict v;

    verdict_compute(m, now_ms, &v);
    fmt_time_ms(when, sizeof when, now_ms, FMT_DATETIME);
    buf_puts(out, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
                  "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
                  "style-src 'unsafe-inline'\">\n"
                  "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
                  "<title>");
    html_puts(out, version);
    buf_printf(out, " snapshot %s UTC: %s</title>\n<style>%s</style>\n</head>\n<body>\n<h1>", when,
               verdict_word(v.level), html_style);
    html_puts(out, version);
    buf_printf(out, " snapshot, %s UTC</h1>\n<p class=\"dim\">", when);
    html_untrusted_str(out, m->source, sizeof m->source);
    buf_puts(out, " &middot; <a href=\"#events\">events</a> &middot; <a href=\"#summary\">"
                  "pipeline</a> &middot; <a href=\"#rates\">rates</a> &middot; "
                  "<a href=\"#latency\">latency</a> &middot; <a href=\"#sizes\">sizes</a> "
                  "&middot; <a href=\"#dlq\">DLQ</a> &middot; <a href=\"#tables\">tables</a> "
                  "&middot; <a href=\"#shards\">shards</a> &middot; <a href=\"#undecodable\">"
                  "undecodable</a> &middot; <a href=\"#rows\">rows</a></p>\n");
    section_verdict(out, &v);
    redaction_note(out, m);
    section_events(out, m);
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

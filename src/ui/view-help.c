/* Help: every key (from the key table), what each screen's columns mean, and what each screen
 * shows, wrapped to the terminal's width. */
#include "config.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ui-draw.h"
#include "ui-keys.h"
#include "ui-theme.h"
#include "view.h"
#include "xalloc.h"

#define HELP_KEY_WIDTH 18 /* the key column; the text starts there */
#define HELP_MIN_TEXT  20

struct help {
    int top;
    int page;
};

/* One item of the text below the keys: a heading ("=Title"), a term and what it means, or (term
 * NULL) a paragraph. */
struct help_item {
    const char *term;
    const char *text;
};

static const struct help_item help_after_keys[] = {
    {"=Columns", NULL},
    {"-Overview", NULL},
    {"1s/s", "changes per second in the newest complete second on the timeline"},
    {"10s/s", "changes per second over the last 10 seconds"},
    {"vs now", "while the time cursor shows the past: how the 10 s rate differs now from then "
               "(now - then)"},
    {"I/U/D/X%", "share of inserts, updates, deletes and upserts among the table's changes"},
    {"last Ns", "changes per second over the last N seconds; a dot: no data (before reading "
                "began, or not read by every reader yet); the time cursor's second is marked"},
    {"p50ms p99ms", "commit-to-emit latency, median and 99th percentile over the latency window, "
                    "in ms (negative: the clocks disagree)"},
    {"max", "the table's largest record"},
    {"head", "headroom: how far that record is under the stream's maximum record size"},
    {"last", "time since the table's last change"},
    {"table N/M", "the selected table's place in the list"},
    {"DLQ trend", "(large terminals) the DLQ's depth over its samples, from and to"},
    {"-Shards", NULL},
    {"STATE", "pending, reading, latest (caught up), backoff (waiting after a throttle or "
              "error), error (failing, retried), closed (drained), stalled (a call unanswered "
              "far longer than usual)"},
    {"calls/s", "GetRecords calls per second over 10 s, against the read budget"},
    {"rec/s B/s", "records and bytes read per second: cdctop's own throughput"},
    {"behind", "how far behind the stream's tip; >=N is a lower bound while the reader is not "
               "answering"},
    {"last sequence", "the sequence number of the last record read"},
    {"thr/err", "throttled calls / failed calls"},
    {"last error", "the last call's error, empty once a call succeeds"},
    {"-Table detail", NULL},
    {"p50 p90 p99 max", "latency percentiles and maximum in ms over the window: commit to emit, "
                        "emit to arrival in the stream, arrival to processed by cdctop"},
    {"count neg", "samples in the window, and those below zero (clock skew)"},
    {"-Rows", NULL},
    {"KEY STATE", "the primary key's values; live, or deleted (a tombstone)"},
    {"COMMIT TXID", "commit time and transaction of the version the row holds"},
    {"ROW", "the row image (Left and Right scroll it)"},
    {"-Version history", NULL},
    {"COMMIT OP TXID", "each change seen for the key, newest first, as the record carried it"},
    {"SHARD SEQUENCE", "where it was read"},
    {"ARRIVED", "when it reached the stream (wide terminals)"},
    {"MARK", "applied (became the row), duplicate (a redelivery), stale (older than the row "
             "it met, ignored)"},
    {"-Events", NULL},
    {"UTC LEVEL KIND", "when, how bad (info, warn, bad, good) and what kind of event"},
    {"SUBJECT", "the shard or table it concerns, then what happened"},
    {"", NULL},
    {"=Screens", NULL},
    {"Overview", "source, shards, records/s (1 s and 10 s), DLQ depth and trend, record-size "
                 "limit, totals, the verdict; one line per table; on a large terminal (40 rows "
                 "or 150 columns) the DLQ's trend and the shards below the tables"},
    {"Shards", "state, throughput and lag of each shard's reader, children indented under "
               "their parent; the selected shard in full at the bottom"},
    {"Events", "what happened, newest first: readers stalled and back, errors, throttling, "
               "reshards, the DLQ, undecodable records, snapshots, the verdict"},
    {"Table detail", "key columns and where they came from (configured, learned from a delete, "
                     "or guessed), changes per kind, rates over 1/10/60 s, latency "
                     "distributions, record sizes and the largest records, undecodable records "
                     "by reason with the latest sample"},
    {"Rows", "rows rebuilt per key (last write wins on commit time), most recently changed "
             "first; deleted rows are dimmed"},
    {"Version history", "each change seen for the key; versions keep their times, op, txid, "
                        "shard, sequence and mark, not row images: only the row's current "
                        "image is kept"},
    {"", NULL},
    {NULL, "Text from records is shown escaped: control characters appear as \\e, \\n, \\xHH "
           "and never reach the terminal."},
};

static void *help_init(void)
{
    return xcalloc(1, sizeof(struct help));
}

static void help_free(void *data)
{
    free(data);
}

/* The names of the screens in mask, "Overview, Table detail"; "" for every screen. */
static void help_scope(unsigned mask, char *out, size_t len)
{
    static const struct view_ops *const screens[VIEW_COUNT] = {
        [VIEW_OVERVIEW] = &view_overview_ops, [VIEW_SHARDS] = &view_shards_ops,
        [VIEW_DETAIL] = &view_detail_ops,     [VIEW_ROWS] = &view_rows_ops,
        [VIEW_EVENTS] = &view_events_ops,     [VIEW_HELP] = &view_help_ops,
    };
    size_t n = 0;
    out[0] = '\0';
    if ((mask & UI_ON_ALL) == UI_ON_ALL)
        return;
    for (int v = 0; v < VIEW_COUNT; v++) {
        if (!(mask & UI_ON(v)))
            continue;
        int w = snprintf(out + n, len - n, "%s%s", n ? ", " : "", screens[v]->name);
        if (w < 0 || (size_t)w >= len - n)
            return;
        n += (size_t)w;
    }
}

/* Emits text wrapped at blanks into lines of at most width columns from column x; draws those
 * inside the window. */
static void help_wrapped(WINDOW *w, struct ui_scroll *s, int x, const char *text, attr_t attr)
{
    int width = getmaxx(w) - x;
    if (width < HELP_MIN_TEXT)
        width = HELP_MIN_TEXT;
    do {
        const char *p = text, *cut = NULL; /* cut: the last blank that fits */
        int used = 0;
        while (*p) {
            char one[8];
            size_t k = 1;
            while (((unsigned char)p[k] & 0xc0) == 0x80 && k < sizeof one - 1)
                k++;
            memcpy(one, p, k);
            one[k] = '\0';
            if (used + ui_width(one) > width)
                break;
            if (*p == ' ')
                cut = p;
            used += ui_width(one);
            p += k;
        }
        const char *end = *p && cut ? cut : p;
        int y = ui_scroll_line(s);
        if (y >= 0) {
            char line[512];
            size_t n =
                (size_t)(end - text) < sizeof line - 1 ? (size_t)(end - text) : sizeof line - 1;
            memcpy(line, text, n);
            line[n] = '\0';
            ui_put(w, y, x, getmaxx(w) - x, attr, line);
        }
        text = end;
        while (*text == ' ')
            text++;
    } while (*text);
}

/* A term in the key column and what it means beside it; a term too wide for the column takes a
 * line of its own. */
static void help_term(WINDOW *w, struct ui_scroll *s, const char *term, const char *text)
{
    if (ui_width(term) > HELP_KEY_WIDTH - 3) {
        int y = ui_scroll_line(s);
        if (y >= 0)
            ui_put(w, y, 2, getmaxx(w) - 2, ui_attr(UI_KEY), term);
        help_wrapped(w, s, HELP_KEY_WIDTH, text, A_NORMAL);
        return;
    }
    int first = s->n; /* the line the text begins on gets the term */
    help_wrapped(w, s, HELP_KEY_WIDTH, text, A_NORMAL);
    if (first >= s->top && first < s->top + s->height)
        ui_put(w, s->first + first - s->top, 2, HELP_KEY_WIDTH - 3, ui_attr(UI_KEY), term);
}

static void help_heading(WINDOW *w, struct ui_scroll *s, const char *title, bool sub)
{
    int y = ui_scroll_line(s);
    if (y >= 0)
        ui_put(w, y, sub ? 2 : 0, getmaxx(w), ui_attr(sub ? UI_LABEL : UI_TITLE), title);
}

/* Every entry of the key table, with the screens it is limited to. */
static void help_keys(WINDOW *w, struct ui_scroll *s)
{
    char names[96], scope[128], text[1024];

    help_heading(w, s, "Keys", false);
    for (unsigned i = 0; i < ui_keys_count(); i++) {
        const struct ui_keys_entry *e = ui_keys_get(i);
        ui_keys_names(e, names, sizeof names);
        help_scope(e->screens, scope, sizeof scope);
        snprintf(text, sizeof text, "%s%s%s%s", e->help, scope[0] ? " (" : "", scope,
                 scope[0] ? ")" : "");
        help_term(w, s, names, text);
    }
}

static void help_rest(WINDOW *w, struct ui_scroll *s)
{
    for (size_t i = 0; i < sizeof help_after_keys / sizeof help_after_keys[0]; i++) {
        const struct help_item *it = &help_after_keys[i];
        if (it->term && (it->term[0] == '=' || it->term[0] == '-'))
            help_heading(w, s, it->term + 1, it->term[0] == '-');
        else if (!it->text)
            ui_scroll_line(s); /* a blank line */
        else if (it->term)
            help_term(w, s, it->term, it->text);
        else
            help_wrapped(w, s, 0, it->text, ui_attr(UI_DIM));
    }
}

static void help_draw(void *data, struct view_env *env, WINDOW *w)
{
    struct help *h = data;
    struct ui_scroll s;

    (void)env;
    h->page = getmaxy(w) - 1;
    ui_put(w, 0, 0, getmaxx(w), ui_attr(UI_HEADER), "cdctop help");
    ui_putf(w, 0, 13, getmaxx(w) - 13, ui_attr(UI_DIM), "  theme: %s", ui_theme_origin());
    /* two passes when the scroll position is past the end (the text's length depends on the
     * width) */
    for (int pass = 0; pass < 2; pass++) {
        ui_scroll_begin(&s, h->top, 1, h->page);
        help_keys(w, &s);
        ui_scroll_line(&s);
        help_rest(w, &s);
        int top = ui_scroll_end(&s);
        if (top == h->top)
            break;
        h->top = top;
        werase(w);
        ui_put(w, 0, 0, getmaxx(w), ui_attr(UI_HEADER), "cdctop help");
        ui_putf(w, 0, 13, getmaxx(w) - 13, ui_attr(UI_DIM), "  theme: %s", ui_theme_origin());
    }
}

static enum view_result help_act(void *data, struct view_env *env, enum view_action action)
{
    struct help *h = data;
    int delta = view_nav_delta(action, h->page - 1);

    (void)env;
    if (delta == 0)
        return VIEW_IGNORED;
    h->top = view_move(h->top, delta, INT_MAX / 2);
    if (delta == INT_MAX)
        h->top = INT_MAX / 2; /* clamped to the text by the next draw */
    return VIEW_HANDLED;
}

const struct view_ops view_help_ops = {
    .name = "Help",
    .init = help_init,
    .free = help_free,
    .draw = help_draw,
    .act = help_act,
};

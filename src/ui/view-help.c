/* Help: every key and what each screen shows. */
#include "config.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "ui-draw.h"
#include "ui-theme.h"
#include "view.h"
#include "xalloc.h"

struct help {
    int top;
    int page;
};

/* "=Heading", "KEYS|TEXT" (split at the bar) or plain text. */
static const char *const help_lines[] = {
    "=Keys",
    "Tab  Shift-Tab|next / previous screen: Overview, Shards, Rows",
    "1 2 3 4|Overview, Shards, Table detail, Rows",
    "Up Down  j k|move the selection, or scroll",
    "PgUp PgDn|one page up / down (also Ctrl-B Ctrl-F, Space)",
    "Home End  g G|first / last",
    "Enter|open: Overview > Table detail > Rows > version history",
    "r|Rows of the selected table (Overview, Table detail)",
    "Esc  q|back; q on Overview, Shards or Rows quits",
    "p|pause: the screen stops updating (PAUSED) while data keeps",
    "|flowing into the model; keys still work; p again resumes",
    "s|snapshot set: BASE.json, BASE.txt (every screen as text) and",
    "|BASE.html (a report with charts) in the snapshot directory;",
    "|the path, or why it failed, shows on the status line",
    "[ ]|time cursor (Overview, Table detail): one second back /",
    "|forward through the last 15 minutes; rates, sparkline marker,",
    "|latency percentiles and DLQ depth as they were then",
    "{ }|time cursor ten seconds back / forward",
    "End|back to now, while the time cursor shows the past",
    "?|this help",
    "Ctrl-L|redraw the whole terminal",
    "",
    "=Rows and Table detail",
    "/|filter rows by key text; Enter keeps the filter, Esc cancels",
    "Esc|clears the filter, or leaves the version history",
    "Left Right  h l|scroll the row image sideways",
    "< >|previous / next table",
    "",
    "=Screens",
    "Overview|source, shards, records/s (1 s and 10 s), DLQ depth and",
    "|trend, record-size limit, totals; one line per table: changes/s",
    "|now (1s/s) and over 10 s, op mix in % (insert/update/delete/",
    "|upsert), a sparkline of changes per second, commit-to-emit",
    "|latency p50/p99 in ms (negative = clock skew), largest record",
    "|and its headroom under the limit, time since the last change",
    "Shards|state, records/s, bytes/s, how far behind the tip, last",
    "|sequence (tail), throttles/errors, last error; children are",
    "|indented under their parent; details of the selected shard",
    "Table detail|key columns and where they came from (configured,",
    "|learned from a delete, or guessed), changes per kind,",
    "|duplicates, stale and unkeyed changes, rates over 1/10/60 s,",
    "|latency quantiles for commit-to-emit, emit-to-arrival and",
    "|arrival-to-processed, record sizes and the largest records,",
    "|undecodable records by reason with the latest sample",
    "Rows|rows rebuilt per key (last write wins on commit time),",
    "|most recently changed first; deleted rows are dimmed",
    "Version history|each change seen for the key: commit time, op, txid,",
    "|shard, sequence, and whether it was applied, a duplicate",
    "|redelivery, or stale (older than the row it met)",
    "",
    "Text from records is shown escaped: control characters appear as",
    "\\e, \\n, \\xHH and never reach the terminal.",
};

#define HELP_KEY_WIDTH 18

static void *help_init(void)
{
    return xcalloc(1, sizeof(struct help));
}

static void help_free(void *data)
{
    free(data);
}

static void help_line(WINDOW *w, int y, const char *line)
{
    const char *bar = strchr(line, '|');
    if (line[0] == '=') {
        ui_put(w, y, 0, getmaxx(w), ui_attr(UI_TITLE), line + 1);
        return;
    }
    if (!bar) {
        ui_put(w, y, 0, getmaxx(w), A_NORMAL, line);
        return;
    }
    char keys[64];
    size_t n = (size_t)(bar - line) < sizeof keys - 1 ? (size_t)(bar - line) : sizeof keys - 1;
    memcpy(keys, line, n);
    keys[n] = '\0';
    ui_put(w, y, 2, HELP_KEY_WIDTH - 3, ui_attr(UI_KEY), keys);
    ui_put(w, y, HELP_KEY_WIDTH, getmaxx(w) - HELP_KEY_WIDTH, A_NORMAL, bar + 1);
}

static void help_draw(void *data, struct view_env *env, WINDOW *w)
{
    struct help *h = data;
    struct ui_scroll s;
    int n = (int)(sizeof help_lines / sizeof help_lines[0]);

    (void)env;
    h->page = getmaxy(w) - 1;
    ui_put(w, 0, 0, getmaxx(w), ui_attr(UI_HEADER), "cdctop help");
    ui_putf(w, 0, 13, getmaxx(w) - 13, ui_attr(UI_DIM), "  theme: %s", ui_theme_origin());
    /* clamp before drawing: the help has a fixed length */
    if (h->top > n - h->page)
        h->top = n - h->page > 0 ? n - h->page : 0;
    ui_scroll_begin(&s, h->top, 1, h->page);
    for (int i = 0; i < n; i++) {
        int y = ui_scroll_line(&s);
        if (y >= 0)
            help_line(w, y, help_lines[i]);
    }
}

static enum view_result help_key(void *data, struct view_env *env, int key)
{
    struct help *h = data;
    int delta = view_nav_delta(key, h->page - 1);

    (void)env;
    if (delta == 0)
        return VIEW_IGNORED;
    h->top = view_move(h->top, delta, INT_MAX / 2);
    if (delta == INT_MAX)
        h->top = INT_MAX / 2;
    return VIEW_HANDLED;
}

const struct view_ops view_help_ops = {
    .name = "Help",
    .hints = "j/k:scroll Esc/q:back",
    .init = help_init,
    .free = help_free,
    .draw = help_draw,
    .key = help_key,
    .prompt = NULL,
};

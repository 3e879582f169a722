/* Overview: pipeline totals on top, then one line per table with rates, a sparkline, latency,
 * record sizes and freshness; on a large terminal, the DLQ's trend and the shards below. */
#include "config.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fmt.h"
#include "model.h"
#include "rowstore.h"
#include "src-replay.h"
#include "verdict.h"
#include "ui-draw.h"
#include "ui-theme.h"
#include "view.h"
#include "xalloc.h"

#define OVERVIEW_HEADER_LINES 5 /* fixed header lines; live sources add up to three */
#define OVERVIEW_DLQ_TREND_MS 60000
/* A large terminal (40 rows, or 150 columns) also shows the DLQ's trend and the shards below the
 * tables, in the room the tables leave. */
#define OVERVIEW_BIG_ROWS  40
#define OVERVIEW_BIG_COLS  150
#define OVERVIEW_SHARD_GAP 3 /* blanks between two shards on one line */

struct overview {
    int top;  /* first table shown */
    int page; /* table lines that fit, from the last frame */
};

enum overview_col {
    OC_NAME,
    OC_RATE1,
    OC_RATE10,
    OC_DELTA,
    OC_MIX,
    OC_SPARK,
    OC_P50,
    OC_P99,
    OC_MAXSIZE,
    OC_HEADROOM,
    OC_AGE,
    OC_COUNT
};

/* "vs now" is there while the time cursor shows the past; otherwise it goes first (overview_draw),
 * so the drop ranks of the others start at 2. */
static const struct ui_col overview_cols[OC_COUNT] = {
    [OC_NAME] = {.title = "TABLE", .min = 12},
    [OC_RATE1] = {.title = "1s/s", .min = 5, .right = true},
    [OC_RATE10] = {.title = "10s/s", .min = 5, .right = true},
    [OC_DELTA] = {.title = "vs now", .min = 6, .right = true},
    [OC_MIX] = {.title = "I/U/D/X%", .min = 10, .drop = 3},
    [OC_SPARK] = {.title = "last", .min = 6, .flex = true, .drop = 5},
    [OC_P50] = {.title = "p50ms", .min = 6, .right = true, .drop = 6},
    [OC_P99] = {.title = "p99ms", .min = 6, .right = true, .drop = 7},
    [OC_MAXSIZE] = {.title = "max", .min = 5, .right = true, .drop = 2},
    [OC_HEADROOM] = {.title = "head", .min = 5, .right = true, .drop = 4},
    [OC_AGE] = {.title = "last", .min = 5, .right = true, .drop = 8},
};

static void *overview_init(void)
{
    return xcalloc(1, sizeof(struct overview));
}

static void overview_free(void *data)
{
    free(data);
}

/* How many DLQ samples are newer than `until` (0 for now: none). */
static unsigned overview_dlq_skip(const struct dlq_state *d, int64_t until)
{
    unsigned skip = 0;
    if (!until)
        return 0;
    while (skip < d->history_len) {
        unsigned i = (d->history_next + 2 * MODEL_DLQ_HISTORY - 1 - skip) % MODEL_DLQ_HISTORY;
        if (d->history[i].at_ms <= until)
            break;
        skip++;
    }
    return skip;
}

/* +1 when the DLQ grew over the minute before its newest sample (skipping the `skip` newest),
 * -1 when it shrank, 0 otherwise. */
static int overview_dlq_trend(const struct dlq_state *d, unsigned skip)
{
    if (d->history_len < skip + 2)
        return 0;
    unsigned newest = (d->history_next + 2 * MODEL_DLQ_HISTORY - 1 - skip) % MODEL_DLQ_HISTORY;
    const struct dlq_sample *now = &d->history[newest], *then = now;
    for (unsigned i = 1; i < d->history_len - skip; i++) {
        then = &d->history[(newest + MODEL_DLQ_HISTORY - i) % MODEL_DLQ_HISTORY];
        if (now->at_ms - then->at_ms >= OVERVIEW_DLQ_TREND_MS)
            break;
    }
    return (now->visible > then->visible) - (now->visible < then->visible);
}

static int overview_dlq(WINDOW *w, int y, int x, const struct model *m, int64_t at)
{
    const struct dlq_state *d = &m->dlq;
    unsigned skip = overview_dlq_skip(d, at);
    struct buf name;
    char value[160];

    buf_init(&name);
    if (!d->configured) {
        x = ui_put_pair(w, y, x, "DLQ", "no DLQ", ui_attr(UI_DIM));
    } else if (!d->known) {
        ui_escaped(&name, d->error, strnlen(d->error, sizeof d->error));
        snprintf(value, sizeof value, "? %s", name.len ? name.data : "(not polled yet)");
        x = ui_put_pair(w, y, x, "DLQ", value, ui_attr(name.len ? UI_BAD : UI_DIM));
    } else if (skip >= d->history_len) {
        x = ui_put_pair(w, y, x, "DLQ", "? (not polled yet then)", ui_attr(UI_DIM));
    } else {
        unsigned i = (d->history_next + 2 * MODEL_DLQ_HISTORY - 1 - skip) % MODEL_DLQ_HISTORY;
        int64_t visible = at ? d->history[i].visible : d->visible;
        ui_escaped(&name, d->name, strnlen(d->name, sizeof d->name));
        snprintf(value, sizeof value, "%lld %s", (long long)visible,
                 ui_arrow(overview_dlq_trend(d, skip)));
        x = ui_put_pair(w, y, x, "DLQ", value, ui_attr(visible > 0 ? UI_WARN : UI_GOOD));
        x = ui_put(w, y, x, 40, ui_attr(UI_DIM), name.data) + x + 2;
        if (d->error[0]) {
            ui_escaped(&name, d->error, strnlen(d->error, sizeof d->error));
            x += ui_put(w, y, x, INT_MAX, ui_attr(UI_BAD), name.data);
        }
    }
    buf_free(&name);
    return x;
}

/* Live sources: where from and with whose credentials; then the source's latest problem and
 * what to do about it. Returns the next free line. */
static int overview_source_lines(WINDOW *w, int y, const struct model *m)
{
    int x;
    if (m->endpoint[0]) {
        x = ui_put(w, y, 0, INT_MAX, ui_attr(UI_LABEL), "endpoint ");
        x += ui_put_raw(w, y, x, getmaxx(w) / 2, ui_attr(UI_HEADER), m->endpoint,
                        strnlen(m->endpoint, sizeof m->endpoint));
        x += ui_put(w, y, x, INT_MAX, ui_attr(UI_LABEL), "  credentials ");
        ui_put_raw(w, y, x, getmaxx(w) - x, ui_attr(UI_HEADER),
                   m->creds_source[0] ? m->creds_source : "(resolving)",
                   m->creds_source[0] ? strnlen(m->creds_source, sizeof m->creds_source) : 11);
        y++;
    }
    if (m->status.level >= ALERT_WARN) {
        attr_t a = ui_attr(m->status.level == ALERT_ERROR ? UI_ERROR : UI_WARN);
        x = ui_put_raw(w, y, 0, getmaxx(w), a, m->status.text,
                       strnlen(m->status.text, sizeof m->status.text));
        y++;
        if (m->status.hint[0]) {
            x = ui_put(w, y, 0, INT_MAX, ui_attr(UI_LABEL), "  hint: ");
            ui_put_raw(w, y, x, getmaxx(w) - x, ui_attr(UI_MESSAGE), m->status.hint,
                       strnlen(m->status.hint, sizeof m->status.hint));
            y++;
        }
    }
    return y;
}

/* What is wrong, worst first: the verdict and its worst finding on one line, and on a tall
 * terminal the next findings below it. Returns the next free line. */
static int overview_verdict(WINDOW *w, int y, const struct model *m, int64_t now)
{
    struct verdict v;
    unsigned extra = getmaxy(w) >= 30 ? 3 : 0, shown; /* room on a tall terminal */
    verdict_compute(m, now, &v);
    attr_t a = v.level == LEVEL_OK ? ui_attr(UI_GOOD) : ui_level_attr(v.level) | A_BOLD;
    int x = ui_put(w, y, 0, getmaxx(w), a, verdict_word(v.level));
    if (v.n > 0) {
        x += ui_put(w, y, x, getmaxx(w) - x, a, ": ");
        ui_put(w, y, x, getmaxx(w) - x, ui_level_attr(v.f[0].level), v.f[0].text);
    }
    y++;
    for (shown = 1; shown < v.n && shown <= extra; shown++, y++) {
        x = ui_put(w, y, 0, getmaxx(w), ui_attr(UI_DIM), "  ");
        ui_put(w, y, x, getmaxx(w) - x, ui_level_attr(v.f[shown].level), v.f[shown].text);
    }
    if (extra && v.n + v.more > shown) {
        char more[48];
        snprintf(more, sizeof more, "  ... and %u more (Events, snapshot)", v.n + v.more - shown);
        ui_put(w, y++, 0, getmaxx(w), ui_attr(UI_DIM), more);
    }
    return y;
}

/* Draws the header and returns how many lines it took. Rates and the DLQ are at the time cursor
 * (now when it is not in the past); totals are always current. The selected table's position
 * goes under the uptime when the line has room for it. */
static int overview_header(WINDOW *w, const struct model *m, const struct view_env *env)
{
    int64_t now = env->now_ms, at = env->at_ms;
    bool done = env->source_done;
    int64_t rate_now = at ? at + 1000 : now;
    char a[FMT_LEN], b[FMT_LEN], value[2 * FMT_LEN];
    const struct rowstore_stats *rs = rowstore_stats(m->rs);
    int x;

    x = ui_put(w, 0, 0, INT_MAX, ui_attr(UI_LABEL), "source ");
    x += ui_put_raw(w, 0, x, getmaxx(w) - x - 26, ui_attr(UI_HEADER), m->source,
                    strnlen(m->source, sizeof m->source));
    if (done)
        ui_put(w, 0, x + 1, 10, ui_attr(UI_WARN), "(finished)");
    fmt_age(a, sizeof a, now - m->started_ms);
    snprintf(value, sizeof value, "up %s", a);
    ui_put_right(w, 0, getmaxx(w) - 13, 13, ui_attr(UI_DIM), value);

    x = ui_put_pair(w, 1, 0, "shards", fmt_count(a, sizeof a, m->nshards), ui_attr(UI_HEADER));
    snprintf(value, sizeof value, "%s (1s) %s (10s)",
             fmt_rate(a, sizeof a, model_read_rate(m, rate_now, 1)),
             fmt_rate(b, sizeof b, model_read_rate(m, rate_now, 10)));
    /* what cdctop read per second: its throughput, not the producers' rate (the tables' lines) */
    x = ui_put_pair(w, 1, x, "read/s", value, ui_attr(UI_HEADER));
    x = ui_put_pair(w, 1, x, "record limit", fmt_bytes(a, sizeof a, m->record_size_limit),
                    ui_attr(UI_HEADER));
    view_put_position(w, env, 1, x - 2, "table", (int)env->table, (int)m->ntables);

    overview_dlq(w, 2, 0, m, at);

    const struct model_totals *t = &m->totals;
    x = ui_put_pair(w, 3, 0, "records", fmt_count(a, sizeof a, t->records), A_NORMAL);
    x = ui_put_pair(w, 3, x, "decoded", fmt_count(a, sizeof a, t->decoded), A_NORMAL);
    x = ui_put_pair(w, 3, x, "undecodable", fmt_count(a, sizeof a, t->undecodable),
                    ui_attr(t->undecodable ? UI_BAD : UI_GOOD));
    ui_put_pair(w, 3, x, "bytes", fmt_bytes(a, sizeof a, t->bytes), A_NORMAL);
    x = ui_put_pair(w, 4, 0, "duplicates", fmt_count(a, sizeof a, t->duplicates), A_NORMAL);
    x = ui_put_pair(w, 4, x, "stale", fmt_count(a, sizeof a, t->stale),
                    ui_attr(t->stale ? UI_WARN : UI_NORMAL));
    x = ui_put_pair(w, 4, x, "unkeyed", fmt_count(a, sizeof a, t->unkeyed),
                    ui_attr(t->unkeyed ? UI_BAD : UI_NORMAL));
    x = ui_put_pair(w, 4, x, "evicted", fmt_count(a, sizeof a, rs->evicted),
                    ui_attr(rs->evicted ? UI_WARN : UI_NORMAL));
    ui_put_pair(w, 4, x, "keys", fmt_count(a, sizeof a, rs->keys), ui_attr(UI_DIM));
    int y = overview_source_lines(w, OVERVIEW_HEADER_LINES, m);
    if (!at)
        y = overview_verdict(w, y, m, now);
    if (m->progress.active) { /* a replay: how far, at what recorded time, how long to go */
        src_replay_progress_text(&m->progress, value, sizeof value);
        ui_put(w, y++, 0, getmaxx(w), ui_attr(m->progress.finished ? UI_WARN : UI_HEADER), value);
    }
    return y;
}

/* Percentages of each change kind, "40/55/5/0", or "-" before the first change. */
static void overview_mix(const struct readout *r, char *out, size_t len)
{
    if (!r->mix_known)
        snprintf(out, len, "-");
    else
        snprintf(out, len, "%d/%d/%d/%d", r->mix_pct[CDC_INSERT], r->mix_pct[CDC_UPDATE],
                 r->mix_pct[CDC_DELETE], r->mix_pct[CDC_UPSERT]);
}

/* The seconds up to the newest complete one; with the time cursor on an older second, the window
 * moves back to show it and that second is marked. */
static void overview_spark(WINDOW *w, int y, const struct ui_col *col, const struct metrics *mt,
                           const struct view_env *env, attr_t attr)
{
    uint32_t values[512];
    int n = col->width < 512 ? col->width : 512;
    int64_t end = model_timeline_end(env->m, env->now_ms), begin = model_timeline_start(env->m);
    int64_t last = end / 1000 - 1; /* the newest complete second on the timeline */
    int64_t mark = env->at_ms / 1000;
    int64_t first = begin == CDC_TIME_NONE ? INT64_MAX : begin / 1000;

    if (col->x < 0 || n <= 0)
        return;
    if (env->at_ms && mark < last - (n - 1))
        last = mark + n / 4;
    for (int i = 0; i < n; i++) {
        int64_t sec = last - (n - 1) + i;
        /* before reading began, or beyond what every reader has read: no data, not zero */
        values[i] = sec < first || sec > end / 1000 - 1 ? UI_SPARK_NODATA : metrics_at(mt, sec);
    }
    ui_spark(w, y, col->x, values, n, attr);
    if (env->at_ms && mark <= last && mark > last - n)
        mvwchgat(w, y, col->x + (int)(mark - (last - (n - 1))), 1, (attr | A_REVERSE) & ~A_COLOR,
                 (short)PAIR_NUMBER(attr), NULL);
}

static void overview_latency(WINDOW *w, int y, const struct ui_col *cols, const struct readout *r,
                             attr_t attr)
{
    const struct readout_latency *l = &r->lat[LAT_COMMIT_TO_EMIT];
    char a[FMT_LEN];

    ui_col_put(w, y, &cols[OC_P50], attr, l->known ? fmt_ms(a, sizeof a, l->p50) : "-");
    ui_col_put(w, y, &cols[OC_P99], attr, l->known ? fmt_ms(a, sizeof a, l->p99) : "-");
}

static void overview_size(WINDOW *w, int y, const struct ui_col *cols, const struct readout *r,
                          bool selected)
{
    char a[FMT_LEN];
    attr_t plain = selected ? ui_attr(UI_SELECTED) : A_NORMAL;

    if (!r->size.known) {
        ui_col_put(w, y, &cols[OC_MAXSIZE], plain, "-");
        ui_col_put(w, y, &cols[OC_HEADROOM], plain, "-");
        return;
    }
    ui_col_put(w, y, &cols[OC_MAXSIZE], plain, fmt_size(a, sizeof a, r->size.max));
    if (!r->size.headroom_known)
        return;
    ui_col_put(w, y, &cols[OC_HEADROOM], selected ? plain : ui_level_attr(r->size.level),
               fmt_pct(a, sizeof a, r->size.headroom_pct));
}

/* With the time cursor in the past: how the 10 s rate differs now from then (now - then), so a
 * rate that fell or rose since the moment shown stands out. "-" when neither moment has data. */
static void overview_delta(WINDOW *w, int y, const struct ui_col *col, const struct metrics *mt,
                           const struct view_env *env, const struct readout *then, bool selected)
{
    char a[FMT_LEN], value[FMT_LEN + 1];
    struct readout now;

    if (col->x < 0 || !env->at_ms)
        return;
    model_readout(env->m, mt, env->now_ms, 0, &now);
    double d = now.rate[1] - then->rate[1];
    if (!now.rate_known[1] && !then->rate_known[1])
        snprintf(value, sizeof value, "-");
    else if (d > -0.05 && d < 0.05)
        snprintf(value, sizeof value, "0");
    else
        snprintf(value, sizeof value, "%c%s", d > 0 ? '+' : '-',
                 fmt_rate(a, sizeof a, d > 0 ? d : -d));
    ui_col_put(w, y, col, selected ? ui_attr(UI_SELECTED) : ui_attr(UI_PAUSED), value);
}

/* One table line; name is already escaped. */
static void overview_line(WINDOW *w, int y, const struct ui_col *cols, const char *name,
                          const struct metrics *mt, const struct model *m,
                          const struct view_env *env, bool selected)
{
    char a[FMT_LEN];
    struct readout r;
    attr_t sel = ui_attr(UI_SELECTED);
    attr_t plain = selected ? sel : A_NORMAL;

    model_readout(m, mt, env->now_ms, env->at_ms, &r);
    if (selected)
        ui_fill(w, y, 0, getmaxx(w), sel);
    ui_col_put(w, y, &cols[OC_NAME], selected ? sel : ui_attr(UI_TABLE_NAME), name);
    ui_col_put(w, y, &cols[OC_RATE1], plain, fmt_rate(a, sizeof a, r.rate[0]));
    ui_col_put(w, y, &cols[OC_RATE10], plain, fmt_rate(a, sizeof a, r.rate[1]));
    overview_delta(w, y, &cols[OC_DELTA], mt, env, &r, selected);
    overview_mix(&r, a, sizeof a);
    ui_col_put(w, y, &cols[OC_MIX], plain, a);
    overview_spark(w, y, &cols[OC_SPARK], mt, env, selected ? sel : ui_attr(UI_SPARK));
    overview_latency(w, y, cols, &r, plain);
    overview_size(w, y, cols, &r, selected);
    if (r.freshness == FRESH_NONE)
        snprintf(a, sizeof a, "-");
    else
        fmt_age(a, sizeof a, r.idle_for_ms);
    ui_col_put(w, y, &cols[OC_AGE],
               selected ? sel : ui_attr(r.freshness == FRESH_ACTIVE ? UI_GOOD : UI_DIM), a);
}

/* The widest table name, so the name column is no wider than it needs to be. */
static int overview_name_width(const struct model *m)
{
    int widest = 0;
    char name[1100];
    for (unsigned i = 0; i < m->ntables; i++) {
        view_table_name(m->tables[i], name, sizeof name);
        int wd = ui_width(name);
        if (wd > widest)
            widest = wd;
    }
    return widest;
}

/* The DLQ's depth over the samples kept (up to the time cursor): a sparkline, and where it went
 * from and to over how long. */
static void overview_dlq_line(WINDOW *w, int y, const struct model *m, int64_t at)
{
    const struct dlq_state *d = &m->dlq;
    uint32_t values[MODEL_DLQ_HISTORY];
    char a[FMT_LEN], text[160];
    int x = ui_put(w, y, 0, getmaxx(w), ui_attr(UI_TITLE), "DLQ trend") + 2;
    unsigned skip = overview_dlq_skip(d, at);

    if (!d->configured || !d->known || skip >= d->history_len) {
        ui_put(w, y, x, getmaxx(w) - x, ui_attr(UI_DIM),
               !d->configured ? "no DLQ watched" : "no samples yet");
        return;
    }
    unsigned avail = d->history_len - skip;
    int room = getmaxx(w) - x - 44;
    unsigned n = room < 8 ? 8 : (unsigned)room;
    if (n > avail)
        n = avail;
    unsigned newest = (d->history_next + 2 * MODEL_DLQ_HISTORY - 1 - skip) % MODEL_DLQ_HISTORY;
    const struct dlq_sample *first = NULL, *last = &d->history[newest];
    for (unsigned i = 0; i < n; i++) {
        const struct dlq_sample *smp =
            &d->history[(newest + MODEL_DLQ_HISTORY - (n - 1 - i)) % MODEL_DLQ_HISTORY];
        if (!first)
            first = smp;
        values[i] = smp->visible > (int64_t)UINT32_MAX ? UINT32_MAX : (uint32_t)smp->visible;
    }
    ui_spark(w, y, x, values, (int)n, ui_attr(last->visible > 0 ? UI_WARN : UI_SPARK));
    x += (int)n + 2;
    fmt_age(a, sizeof a, last->at_ms - first->at_ms);
    snprintf(text, sizeof text, "%lld %s %lld over %s (%u samples)", (long long)first->visible,
             ui_arrow((last->visible > first->visible) - (last->visible < first->visible)),
             (long long)last->visible, a, n);
    ui_put(w, y, x, getmaxx(w) - x, ui_attr(UI_HEADER), text);
}

/* The shards, compact (id, state, behind, read/s), as many side by side as the width allows, in
 * the lines from y to the bottom. Their state is always the present one. */
static void overview_shards(WINDOW *w, int y, const struct model *m, const struct view_env *env)
{
    char title[64];
    int per_line = (getmaxx(w) + OVERVIEW_SHARD_GAP) / (VIEW_SHARDS_COMPACT + OVERVIEW_SHARD_GAP);
    int lines = getmaxy(w) - y - 1;

    if (per_line < 1)
        per_line = 1;
    snprintf(title, sizeof title, "Shards%s  %u", env->at_ms ? " (now)" : "", m->nshards);
    ui_put(w, y++, 0, getmaxx(w), ui_attr(UI_TITLE), title);
    if (m->nshards == 0) {
        ui_put(w, y, 0, getmaxx(w), ui_attr(UI_DIM), "no shards yet");
        return;
    }
    int fit = lines * per_line;
    bool all = (int)m->nshards <= fit;
    if (!all)
        fit -= 1; /* the last place says how many more */
    for (int i = 0; i < fit && i < (int)m->nshards; i++)
        view_shards_compact(w, y + i / per_line,
                            (i % per_line) * (VIEW_SHARDS_COMPACT + OVERVIEW_SHARD_GAP),
                            m->shards[i], env->now_ms);
    if (!all) {
        snprintf(title, sizeof title, "... %u more: Shards (2)", m->nshards - (unsigned)fit);
        ui_put(w, y + fit / per_line, (fit % per_line) * (VIEW_SHARDS_COMPACT + OVERVIEW_SHARD_GAP),
               VIEW_SHARDS_COMPACT, ui_attr(UI_DIM), title);
    }
}

/* On a large terminal, below the tables when they leave room: the DLQ's trend, then the shards. */
static void overview_below(WINDOW *w, int y, const struct model *m, const struct view_env *env)
{
    /* the terminal's rows: the window, the status line, and the AT line above it in the past */
    int rows = getmaxy(w) + 1 + (env->at_ms ? 1 : 0);
    if (!env->console || (rows < OVERVIEW_BIG_ROWS && getmaxx(w) < OVERVIEW_BIG_COLS))
        return;
    if (getmaxy(w) - y < 4) /* a blank line, the trend, the shards' title and one line of them */
        return;
    overview_dlq_line(w, y + 1, m, env->at_ms);
    overview_shards(w, y + 2, m, env);
}

static void overview_draw(void *data, struct view_env *env, WINDOW *w)
{
    struct overview *o = data;
    const struct model *m = env->m;
    struct ui_col cols[OC_COUNT];
    char name[1100];
    int rows = getmaxy(w);

    view_table(env);
    int head_y = overview_header(w, m, env);
    int list_y = head_y + 1;

    memcpy(cols, overview_cols, sizeof cols);
    if (!env->at_ms) { /* no past to compare with: the first column to go, whatever the width */
        cols[OC_DELTA].min = INT_MAX / 4;
        cols[OC_DELTA].drop = 1;
    }
    int widest = overview_name_width(m);
    cols[OC_NAME].min = widest < 12 ? 12 : widest > 18 ? 18 : widest;
    cols[OC_NAME].want = widest > 40 ? 40 : widest;
    ui_cols_fit(cols, OC_COUNT, getmaxx(w));
    char spark_title[32];
    snprintf(spark_title, sizeof spark_title, cols[OC_SPARK].width >= 9 ? "last %ds" : "%ds",
             cols[OC_SPARK].width);
    cols[OC_SPARK].title = spark_title;
    ui_cols_head(w, head_y, cols, OC_COUNT, ui_attr(UI_COLUMN));

    /* the last line sums every table */
    o->page = rows - list_y - 1;
    if (o->page < 1)
        o->page = 1;
    if (m->ntables == 0) {
        ui_put(w, list_y, 0, INT_MAX, ui_attr(UI_DIM), "no tables yet: waiting for changes");
        overview_below(w, list_y + 1, m, env);
        return;
    }
    if ((int)env->table < o->top)
        o->top = (int)env->table;
    if ((int)env->table >= o->top + o->page)
        o->top = (int)env->table - o->page + 1;
    for (int i = 0; i < o->page && o->top + i < (int)m->ntables; i++) {
        const struct model_table *t = m->tables[o->top + i];
        view_table_name(t, name, sizeof name);
        overview_line(w, list_y + i, cols, name, &t->m, m, env,
                      (unsigned)(o->top + i) == env->table);
    }
    int y = list_y + (m->ntables < (unsigned)o->page ? (int)m->ntables : o->page);
    overview_line(w, y, cols, "(all tables)", &m->all, m, env, false);
    overview_below(w, y + 1, m, env);
}

static enum view_result overview_act(void *data, struct view_env *env, enum view_action action)
{
    struct overview *o = data;
    int delta = view_nav_delta(action, o->page);

    if (delta != 0) {
        env->table = (unsigned)view_move((int)env->table, delta, (int)env->m->ntables);
        return VIEW_HANDLED;
    }
    if (action == VA_OPEN && env->m->ntables > 0)
        return VIEW_OPEN_DETAIL;
    if (action == VA_ROWS && env->m->ntables > 0)
        return VIEW_OPEN_ROWS;
    return VIEW_IGNORED;
}

const struct view_ops view_overview_ops = {
    .name = "Overview",
    .init = overview_init,
    .free = overview_free,
    .draw = overview_draw,
    .act = overview_act,
};

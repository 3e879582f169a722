/* Shards: one line per shard, children indented under their parent, and the selected shard's
 * full details at the bottom. */
#include "config.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fmt.h"
#include "model.h"
#include "shard.h"
#include "ui-draw.h"
#include "ui-theme.h"
#include "view.h"
#include "xalloc.h"

#define SHARDS_HEADER_LINES 1 /* summary line above the column headings */
#define SHARDS_PANEL_LINES  5 /* details of the selected shard at the bottom */

struct shards {
    int cursor; /* position in display order */
    int top;
    int page;
};

/* Shards in display order: every shard after its parent, with its depth in the tree. */
struct shard_order {
    unsigned *index;
    unsigned *depth;
    unsigned n;
};

enum shards_col {
    SC_ID,
    SC_STATE,
    SC_CALLS,
    SC_RATE,
    SC_BYTES,
    SC_BEHIND,
    SC_SEQ,
    SC_THROTTLES,
    SC_ERROR,
    SC_COUNT
};

static const struct ui_col shards_cols[SC_COUNT] = {
    [SC_ID] = {.title = "SHARD", .min = 20, .want = 26},
    [SC_STATE] = {.title = "STATE", .min = 7},
    [SC_CALLS] = {.title = "calls/s", .min = 7, .right = true, .drop = 4},
    [SC_RATE] = {.title = "rec/s", .min = 6, .right = true},
    [SC_BYTES] = {.title = "B/s", .min = 6, .right = true},
    [SC_BEHIND] = {.title = "behind", .min = 7, .right = true},
    [SC_SEQ] = {.title = "last sequence", .min = 12, .want = 30, .flex = true, .drop = 3},
    [SC_THROTTLES] = {.title = "thr/err", .min = 7, .right = true, .drop = 2},
    [SC_ERROR] = {.title = "last error", .min = 12, .flex = true, .drop = 1},
};

static void *shards_init(void)
{
    return xcalloc(1, sizeof(struct shards));
}

static void shards_free(void *data)
{
    free(data);
}

static int shards_find(const struct model *m, const char *id)
{
    if (!id[0])
        return -1;
    for (unsigned i = 0; i < m->nshards; i++)
        if (strcmp(m->shards[i]->id, id) == 0)
            return (int)i;
    return -1;
}

static void shards_visit(const struct model *m, struct shard_order *o, bool *seen, unsigned i,
                         unsigned depth)
{
    seen[i] = true;
    o->index[o->n] = i;
    o->depth[o->n++] = depth;
    for (unsigned c = 0; c < m->nshards; c++)
        if (!seen[c] && shards_find(m, m->shards[c]->parent) == (int)i)
            shards_visit(m, o, seen, c, depth + 1);
}

static void shards_order(const struct model *m, struct shard_order *o)
{
    bool *seen = xcalloc(m->nshards + 1, sizeof *seen);
    o->index = xcalloc(m->nshards + 1, sizeof *o->index);
    o->depth = xcalloc(m->nshards + 1, sizeof *o->depth);
    o->n = 0;
    for (unsigned i = 0; i < m->nshards; i++)
        if (!seen[i] && shards_find(m, m->shards[i]->parent) < 0)
            shards_visit(m, o, seen, i, 0);
    for (unsigned i = 0; i < m->nshards; i++) /* parent cycles: list them anyway */
        if (!seen[i])
            shards_visit(m, o, seen, i, 0);
    free(seen);
}

static void shards_order_free(struct shard_order *o)
{
    free(o->index);
    free(o->depth);
}

static attr_t shards_state_attr(enum shard_state s, enum readout_level level)
{
    if (s == SHARD_LATEST)
        return ui_attr(UI_GOOD);
    if (s == SHARD_PENDING || s == SHARD_CLOSED)
        return ui_attr(UI_DIM);
    return ui_level_attr(level);
}

/* "250ms", "2m05s"; a lower bound when the reader is not answering: ">=25s". */
static char *shards_behind(char *out, size_t len, const struct readout_shard *r)
{
    char a[24];
    if (r->behind_ms < 0)
        snprintf(a, sizeof a, "?");
    else if (r->behind_ms < 1000)
        snprintf(a, sizeof a, "%lldms", (long long)r->behind_ms);
    else
        fmt_age(a, sizeof a, r->behind_ms);
    snprintf(out, len, "%s%s", r->behind_exact || r->behind_ms < 0 ? "" : ">=", a);
    return out;
}

static attr_t shards_behind_attr(const struct readout_shard *r)
{
    if (r->behind_ms < 0)
        return ui_attr(UI_DIM);
    if (r->behind_exact && r->behind_ms == 0)
        return ui_attr(UI_GOOD);
    return ui_level_attr(r->behind_exact ? r->behind_level : LEVEL_WARN);
}

static void shards_line(WINDOW *w, int y, const struct ui_col *cols, const struct shard *s,
                        unsigned depth, int64_t now, bool selected)
{
    char a[FMT_LEN];
    attr_t sel = ui_attr(UI_SELECTED);
    attr_t plain = selected ? sel : A_NORMAL;
    struct readout_shard r;

    readout_shard(s, now, &r);
    if (selected)
        ui_fill(w, y, 0, getmaxx(w), sel);
    if (cols[SC_ID].x >= 0) {
        int indent = depth > 4 ? 8 : (int)depth * 2;
        int x = cols[SC_ID].x;
        if (depth > 0)
            ui_put(w, y, x + indent - 2, 2, selected ? sel : ui_attr(UI_DIM),
                   ui_draw_utf8() ? "└ " : "` ");
        ui_put_raw_tail(w, y, x + indent, cols[SC_ID].width - indent, plain, s->id,
                        strnlen(s->id, sizeof s->id));
    }
    ui_col_put(w, y, &cols[SC_STATE], selected ? sel : shards_state_attr(r.state, r.level),
               shard_state_name(r.state));
    /* Read calls against the shard's budget, averaged: at 1 call/s a 1 s window only flickers. */
    snprintf(a, sizeof a, "%.1f", r.calls_per_s);
    ui_col_put(w, y, &cols[SC_CALLS], plain, a);
    ui_col_put(w, y, &cols[SC_RATE], plain, fmt_rate(a, sizeof a, r.read_per_s));
    ui_col_put(w, y, &cols[SC_BYTES], plain, fmt_size(a, sizeof a, (uint64_t)r.bytes_per_s));
    ui_col_put(w, y, &cols[SC_BEHIND], selected ? sel : shards_behind_attr(&r),
               shards_behind(a, sizeof a, &r));
    if (cols[SC_SEQ].x >= 0)
        ui_put_raw_tail(w, y, cols[SC_SEQ].x, cols[SC_SEQ].width, selected ? sel : ui_attr(UI_DIM),
                        s->last_seq, strnlen(s->last_seq, sizeof s->last_seq));
    snprintf(a, sizeof a, "%llu/%llu", (unsigned long long)s->throttles,
             (unsigned long long)s->errors);
    ui_col_put(w, y, &cols[SC_THROTTLES],
               selected ? sel
                        : ui_attr(s->errors      ? UI_BAD
                                  : s->throttles ? UI_WARN
                                                 : UI_NORMAL),
               a);
    if (cols[SC_ERROR].x >= 0)
        ui_put_raw(w, y, cols[SC_ERROR].x, cols[SC_ERROR].width, selected ? sel : ui_attr(UI_BAD),
                   s->last_error, strnlen(s->last_error, sizeof s->last_error));
}

/* One shard in VIEW_SHARDS_COMPACT columns: id (its end when too long), state, behind, read/s. */
void view_shards_compact(WINDOW *w, int y, int x, const struct shard *s, int64_t now_ms)
{
    char a[FMT_LEN], rate[FMT_LEN + 2];
    struct readout_shard r;

    readout_shard(s, now_ms, &r);
    ui_put_raw_tail(w, y, x, 20, A_NORMAL, s->id, strnlen(s->id, sizeof s->id));
    ui_put(w, y, x + 21, 7, shards_state_attr(r.state, r.level), shard_state_name(r.state));
    ui_put_right(w, y, x + 29, 7, shards_behind_attr(&r), shards_behind(a, sizeof a, &r));
    snprintf(rate, sizeof rate, "%s/s", fmt_rate(a, sizeof a, r.read_per_s));
    ui_put_right(w, y, x + 37, 7, A_NORMAL, rate);
}

/* Returns the column after what it drew. */
static int shards_summary(WINDOW *w, const struct model *m, int64_t now)
{
    unsigned count[SHARD_STATE_COUNT] = {0};
    enum readout_level level[SHARD_STATE_COUNT] = {LEVEL_OK};
    double rate = 0;
    char a[FMT_LEN];

    for (unsigned i = 0; i < m->nshards; i++) {
        struct readout_shard r;
        readout_shard(m->shards[i], now, &r);
        if ((unsigned)r.state < SHARD_STATE_COUNT) {
            count[r.state]++;
            level[r.state] = r.level;
        }
        rate += r.read_per_s;
    }
    int x = ui_put_pair(w, 0, 0, "shards", fmt_count(a, sizeof a, m->nshards), ui_attr(UI_HEADER));
    for (int s = 0; s < SHARD_STATE_COUNT; s++)
        if (count[s])
            x = ui_put_pair(w, 0, x, shard_state_name((enum shard_state)s),
                            fmt_count(a, sizeof a, count[s]),
                            shards_state_attr((enum shard_state)s, level[s]));
    /* what cdctop itself read: its throughput, not the producers' rate */
    return ui_put_pair(w, 0, x, "read/s", fmt_rate(a, sizeof a, rate), ui_attr(UI_HEADER)) - 2;
}

/* The selected shard in full: ids, parents, counters, whole sequence and error. */
static void shards_panel(WINDOW *w, int y, const struct shard *s, int64_t now)
{
    char a[FMT_LEN];
    int x, width = getmaxx(w);

    ui_fill(w, y, 0, width, ui_attr(UI_COLUMN));
    x = ui_put(w, y, 0, width, ui_attr(UI_COLUMN), "shard ");
    x += ui_put_raw(w, y, x, width - x, ui_attr(UI_COLUMN), s->id, strnlen(s->id, sizeof s->id));
    if (s->other) {
        snprintf(a, sizeof a, ": %s%llu ids",
                 s->folded_exact ? "" : ">=", (unsigned long long)s->folded);
        x += ui_put(w, y, x, width - x, ui_attr(UI_COLUMN), a);
    }
    x += ui_put(w, y, x, width - x, ui_attr(UI_COLUMN), "  parent ");
    x += ui_put_raw(w, y, x, width - x, ui_attr(UI_COLUMN), s->parent[0] ? s->parent : "-",
                    s->parent[0] ? strnlen(s->parent, sizeof s->parent) : 1);
    if (s->adjacent_parent[0]) {
        x += ui_put(w, y, x, width - x, ui_attr(UI_COLUMN), "  adjacent ");
        ui_put_raw(w, y, x, width - x, ui_attr(UI_COLUMN), s->adjacent_parent,
                   strnlen(s->adjacent_parent, sizeof s->adjacent_parent));
    }
    x = ui_put_pair(w, y + 1, 0, "records", fmt_count(a, sizeof a, s->records), A_NORMAL);
    x = ui_put_pair(w, y + 1, x, "bytes", fmt_bytes(a, sizeof a, s->bytes), A_NORMAL);
    x = ui_put_pair(w, y + 1, x, "calls", fmt_count(a, sizeof a, s->calls), A_NORMAL);
    x = ui_put_pair(w, y + 1, x, "throttles", fmt_count(a, sizeof a, s->throttles),
                    ui_attr(s->throttles ? UI_WARN : UI_NORMAL));
    ui_put_pair(w, y + 1, x, "errors", fmt_count(a, sizeof a, s->errors),
                ui_attr(s->errors ? UI_BAD : UI_NORMAL));
    if (s->last_arrival_ms == CDC_TIME_NONE)
        snprintf(a, sizeof a, "never");
    else
        strcat(fmt_age(a, sizeof a, now - s->last_arrival_ms), " ago");
    x = ui_put_pair(w, y + 2, 0, "last record", a, A_NORMAL);
    x += ui_put(w, y + 2, x, width - x, ui_attr(UI_LABEL), "sequence ");
    ui_put_raw_tail(w, y + 2, x, width - x, A_NORMAL, s->last_seq[0] ? s->last_seq : "-",
                    s->last_seq[0] ? strnlen(s->last_seq, sizeof s->last_seq) : 1);
    struct readout_shard r;
    readout_shard(s, now, &r);
    x = 0;
    if (r.since_ms) {
        char when[FMT_LEN], since[FMT_LEN + 8];
        snprintf(since, sizeof since, "since %s",
                 fmt_time_ms(when, sizeof when, r.since_ms, FMT_CLOCK));
        x = ui_put_pair(w, y + 3, 0, shard_state_name(r.state), since,
                        shards_state_attr(r.state, r.level));
    }
    x += ui_put(w, y + 3, x, width, ui_attr(UI_LABEL), "last error ");
    if (s->last_error[0])
        ui_put_raw(w, y + 3, x, width - x, ui_attr(UI_BAD), s->last_error,
                   strnlen(s->last_error, sizeof s->last_error));
    else
        ui_put(w, y + 3, x, width - x, ui_attr(UI_GOOD), "none");
}

static void shards_draw(void *data, struct view_env *env, WINDOW *w)
{
    struct shards *v = data;
    const struct model *m = env->m;
    struct ui_col cols[SC_COUNT];
    struct shard_order order;
    int list_y = SHARDS_HEADER_LINES + 1;

    int used = shards_summary(w, m, env->now_ms);
    memcpy(cols, shards_cols, sizeof cols);
    ui_cols_fit(cols, SC_COUNT, getmaxx(w));
    ui_cols_head(w, SHARDS_HEADER_LINES, cols, SC_COUNT, ui_attr(UI_COLUMN));
    v->page = getmaxy(w) - list_y - SHARDS_PANEL_LINES;
    if (v->page < 1)
        v->page = 1;
    if (m->nshards == 0) {
        ui_put(w, list_y, 0, INT_MAX, ui_attr(UI_DIM), "no shards yet");
        return;
    }
    shards_order(m, &order);
    v->cursor = view_move(v->cursor, 0, (int)order.n);
    view_put_position(w, env, 0, used, "shard", v->cursor, (int)order.n);
    if (v->cursor < v->top)
        v->top = v->cursor;
    if (v->cursor >= v->top + v->page)
        v->top = v->cursor - v->page + 1;
    for (int i = 0; i < v->page && v->top + i < (int)order.n; i++) {
        unsigned k = (unsigned)(v->top + i);
        shards_line(w, list_y + i, cols, m->shards[order.index[k]], order.depth[k], env->now_ms,
                    (int)k == v->cursor);
    }
    shards_panel(w, getmaxy(w) - SHARDS_PANEL_LINES + 1, m->shards[order.index[v->cursor]],
                 env->now_ms);
    shards_order_free(&order);
}

static enum view_result shards_act(void *data, struct view_env *env, enum view_action action)
{
    struct shards *v = data;
    int delta = view_nav_delta(action, v->page);

    if (delta == 0)
        return VIEW_IGNORED;
    v->cursor = view_move(v->cursor, delta, (int)env->m->nshards);
    return VIEW_HANDLED;
}

const struct view_ops view_shards_ops = {
    .name = "Shards",
    .init = shards_init,
    .free = shards_free,
    .draw = shards_draw,
    .act = shards_act,
};

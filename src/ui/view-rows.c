/*
 * Rows: the reconstructed rows of the selected table, most recently changed first, with a key
 * filter typed after `/`, and the version history of one key (Enter).
 *
 * Rows move while they are watched (every change puts its row first), so the selection is kept
 * by key rather than by position, except in follow mode where it stays on the newest row.
 */
#include "config.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jscan.h"
#include "fmt.h"
#include "model.h"
#include "rowstore.h"
#include "ui-draw.h"
#include "ui-theme.h"
#include "view.h"
#include "xalloc.h"

#define ROWS_QUERY_MAX    64
#define ROWS_HSCROLL_STEP 16
#define ROWS_WIDE         110 /* from this width the commit time shows its date */

struct rows {
    unsigned table; /* the table this state belongs to */
    bool bound;     /* table is set */
    /* the list */
    int cursor;         /* selected position in the filtered list */
    int top;            /* first position shown */
    int page;           /* list lines that fit */
    int total;          /* rows in the filtered list at the last frame */
    bool follow;        /* stay on the newest row */
    bool moved;         /* the cursor was moved by a key: trust its position, not sel_key */
    struct buf sel_key; /* key of the selected row */
    int hscroll;        /* columns of the row image scrolled away */
    /* the key filter */
    bool prompting;
    char query[ROWS_QUERY_MAX];  /* being typed */
    char filter[ROWS_QUERY_MAX]; /* applied */
    char saved[ROWS_QUERY_MAX];  /* applied before the prompt opened, for Esc */
    char prompt_text[ROWS_QUERY_MAX + 32];
    /* the version history of sel_key */
    bool history;
    int hist_top;
    int hist_page;
};

enum rows_col { RC_KEY, RC_STATE, RC_COMMIT, RC_TXID, RC_IMAGE, RC_COUNT };

static const struct ui_col rows_cols[RC_COUNT] = {
    [RC_KEY] = {.title = "KEY", .min = 10, .want = 20},
    [RC_STATE] = {.title = "STATE", .min = 7},
    [RC_COMMIT] = {.title = "COMMIT (UTC)", .min = 12},
    [RC_TXID] = {.title = "TXID", .min = 8, .want = 12, .drop = 1},
    [RC_IMAGE] = {.title = "ROW", .min = 10, .flex = true},
};

enum hist_col { HC_COMMIT, HC_OP, HC_TXID, HC_SHARD, HC_SEQ, HC_ARRIVED, HC_MARK, HC_COUNT };

static const struct ui_col hist_cols[HC_COUNT] = {
    [HC_COMMIT] = {.title = "COMMIT (UTC)", .min = 23},
    [HC_OP] = {.title = "OP", .min = 6},
    [HC_TXID] = {.title = "TXID", .min = 8, .want = 16},
    [HC_SHARD] = {.title = "SHARD", .min = 12, .want = 20, .drop = 2},
    [HC_SEQ] = {.title = "SEQUENCE", .min = 10, .flex = true},
    [HC_ARRIVED] = {.title = "ARRIVED", .min = 12, .drop = 1},
    [HC_MARK] = {.title = "MARK", .min = 9},
};

static void *rows_init(void)
{
    struct rows *v = xcalloc(1, sizeof *v);
    buf_init(&v->sel_key);
    v->follow = true;
    return v;
}

static void rows_free(void *data)
{
    struct rows *v = data;
    buf_free(&v->sel_key);
    free(v);
}

/* A different table starts from the top with no filter. */
static void rows_bind(struct rows *v, unsigned table)
{
    if (v->bound && v->table == table)
        return;
    v->bound = true;
    v->table = table;
    v->cursor = v->top = v->hscroll = 0;
    v->follow = true;
    v->moved = false;
    v->history = v->prompting = false;
    v->filter[0] = v->query[0] = '\0';
    buf_reset(&v->sel_key);
}

static const char *rows_active_filter(const struct rows *v)
{
    return v->prompting ? v->query : v->filter;
}

static unsigned char rows_fold(char c)
{
    return (unsigned char)(c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c);
}

/* Case-insensitive (ASCII) substring test on the raw key text. */
static bool rows_match(struct jspan key, const char *needle)
{
    size_t n = strlen(needle);
    for (size_t i = 0; i + n <= key.n; i++) {
        size_t j = 0;
        while (j < n && rows_fold(key.p[i + j]) == rows_fold(needle[j]))
            j++;
        if (j == n)
            return true;
    }
    return n == 0;
}

static bool rows_key_is(struct jspan key, const struct buf *b)
{
    return b->len > 0 && key.n == b->len && memcmp(key.p, b->data, b->len) == 0;
}

static const struct rs_row *rows_next(const struct rs_row *r, const char *filter)
{
    while (r && !rows_match(rs_row_key(r), filter))
        r = rs_row_older(r);
    return r;
}

/* Counts the filtered rows and finds the selected key's position (-1 when gone or not needed).
 * Without a filter the count is known and the walk stops at the key: tables can be large. */
static int rows_locate(const struct rows *v, const struct rs_table *t, int *total)
{
    const char *filter = rows_active_filter(v);
    bool want_key = !v->follow && !v->moved && v->sel_key.len > 0;
    int found = -1, n = 0;

    if (!filter[0]) {
        uint64_t all = rs_table_live(t) + rs_table_tombstones(t);
        *total = all > INT_MAX ? INT_MAX : (int)all;
        if (!want_key)
            return -1;
    }
    for (const struct rs_row *r = rows_next(rs_table_newest(t), filter); r;
         r = rows_next(rs_row_older(r), filter), n++) {
        if (want_key && found < 0 && rows_key_is(rs_row_key(r), &v->sel_key)) {
            found = n;
            if (!filter[0])
                break;
        }
    }
    if (filter[0])
        *total = n;
    return found;
}

static void rows_place_cursor(struct rows *v, const struct rs_table *t)
{
    int total = 0;
    int found = rows_locate(v, t, &total);

    if (v->follow)
        v->cursor = 0;
    else if (!v->moved && found >= 0)
        v->cursor = found;
    v->moved = false;
    v->total = total;
    v->cursor = view_move(v->cursor, 0, total);
    if (v->cursor < v->top)
        v->top = v->cursor;
    if (v->cursor >= v->top + v->page)
        v->top = v->cursor - v->page + 1;
    if (v->top > 0 && v->top > total - v->page)
        v->top = total - v->page > 0 ? total - v->page : 0;
}

static void rows_set_key(struct buf *b, struct jspan key)
{
    buf_reset(b);
    buf_append(b, key.p, key.n);
}

/* The row image from column hscroll on, escaped. */
static void rows_image(WINDOW *w, int y, const struct ui_col *col, const struct rs_row *r,
                       int hscroll, attr_t attr)
{
    struct jspan img = rs_row_image(r);
    struct buf esc;
    size_t skip = 0;

    if (!img.p) {
        ui_put(w, y, col->x, col->width, attr, "(deleted)");
        return;
    }
    buf_init(&esc);
    ui_json_text(&esc, img.p, img.n);
    if (hscroll > 0)
        ui_clip(NULL, esc.data, esc.len, hscroll, &skip);
    ui_put(w, y, col->x, col->width, attr, esc.data + skip);
    buf_free(&esc);
}

static void rows_line(WINDOW *w, int y, const struct ui_col *cols, const struct rs_row *r,
                      const struct rows *v, bool wide, bool selected)
{
    bool live = rs_row_live(r);
    attr_t base = selected ? ui_attr(UI_SELECTED) : live ? A_NORMAL : ui_attr(UI_TOMBSTONE);
    struct jspan key = rs_row_key(r);
    char when[FMT_LEN];
    const char *txid = rs_row_txid(r);

    if (selected)
        ui_fill(w, y, 0, getmaxx(w), base);
    ui_put_json(w, y, cols[RC_KEY].x, cols[RC_KEY].width,
                selected || !live ? base : ui_attr(UI_KEY), key.p, key.n);
    ui_col_put(w, y, &cols[RC_STATE], selected || !live ? base : ui_attr(UI_GOOD),
               live ? "live" : "deleted");
    ui_col_put(
        w, y, &cols[RC_COMMIT], base,
        fmt_time_ns(when, sizeof when, rs_row_commit_ns(r), wide ? FMT_DATETIME_MS : FMT_CLOCK_MS));
    if (cols[RC_TXID].x >= 0 && txid)
        ui_put_raw(w, y, cols[RC_TXID].x, cols[RC_TXID].width, base, txid, strlen(txid));
    rows_image(w, y, &cols[RC_IMAGE], r, v->hscroll, base);
}

/* Returns the column after what it drew. */
static int rows_header(WINDOW *w, const struct model_table *t, const struct rows *v)
{
    char name[1100], a[FMT_LEN], b[FMT_LEN], value[160];
    int x;

    view_table_name(t, name, sizeof name);
    x = ui_put(w, 0, 0, getmaxx(w), ui_attr(UI_TABLE_NAME), name) + 2;
    snprintf(value, sizeof value, "%s live, %s deleted",
             fmt_count(a, sizeof a, rs_table_live(t->rows)),
             fmt_count(b, sizeof b, rs_table_tombstones(t->rows)));
    x = ui_put_pair(w, 0, x, "rows", value, A_NORMAL);
    const char *filter = rows_active_filter(v);
    if (filter[0]) {
        struct buf esc;
        buf_init(&esc);
        ui_escaped(&esc, filter, strlen(filter));
        snprintf(value, sizeof value, "\"%s\" (%d match%s)", esc.data, v->total,
                 v->total == 1 ? "" : "es");
        x = ui_put_pair(w, 0, x, "key filter", value, ui_attr(UI_WARN)) - 2;
        buf_free(&esc);
        return x;
    }
    return x + ui_put(w, 0, x, getmaxx(w) - x, ui_attr(UI_DIM), "newest change first");
}

static void rows_draw_list(struct rows *v, const struct view_env *env, WINDOW *w,
                           const struct model_table *t)
{
    struct ui_col cols[RC_COUNT];
    bool wide = getmaxx(w) >= ROWS_WIDE;
    int list_y = 2;

    memcpy(cols, rows_cols, sizeof cols);
    if (wide)
        cols[RC_COMMIT].min = 23;
    ui_cols_fit(cols, RC_COUNT, getmaxx(w));
    v->page = getmaxy(w) - list_y;
    if (v->page < 1)
        v->page = 1;
    rows_place_cursor(v, t->rows);
    view_put_position(w, env, 0, rows_header(w, t, v), "row", v->cursor, v->total);
    ui_cols_head(w, 1, cols, RC_COUNT, ui_attr(UI_COLUMN));
    if (v->total == 0) {
        ui_put(w, list_y, 0, getmaxx(w), ui_attr(UI_DIM),
               rows_active_filter(v)[0] ? "no key matches the filter" : "no rows yet");
        return;
    }
    const char *filter = rows_active_filter(v);
    const struct rs_row *r = rows_next(rs_table_newest(t->rows), filter);
    for (int i = 0; r && i < v->top + v->page; i++, r = rows_next(rs_row_older(r), filter)) {
        if (i < v->top)
            continue;
        if (i == v->cursor)
            rows_set_key(&v->sel_key, rs_row_key(r));
        rows_line(w, list_y + i - v->top, cols, r, v, wide, i == v->cursor);
    }
}

static const char *rows_op_name(enum cdc_op op)
{
    switch (op) {
    case CDC_OP_CREATE:
        return "insert";
    case CDC_OP_UPDATE:
        return "update";
    case CDC_OP_DELETE:
        return "delete";
    default:
        return "upsert";
    }
}

static enum ui_elem rows_mark_elem(enum rs_outcome mark, const char **name)
{
    switch (mark) {
    case RS_APPLIED:
        *name = "applied";
        return UI_APPLIED;
    case RS_DUPLICATE:
        *name = "duplicate";
        return UI_DUPLICATE;
    default:
        *name = "stale";
        return UI_STALE;
    }
}

/* Whether a version is the one the row holds now (its commit time and txId). */
static bool rows_is_current(const struct rs_version *ver, const struct rs_row *r)
{
    const char *txid = rs_row_txid(r);
    return ver->mark == RS_APPLIED && ver->commit_ns == rs_row_commit_ns(r) &&
           strncmp(ver->txid, txid ? txid : "", sizeof ver->txid - 1) == 0;
}

/* One version; the one the row holds now has its commit time in bold. */
static void rows_version_line(WINDOW *w, int y, const struct ui_col *cols,
                              const struct rs_version *ver, const struct model *m, bool current)
{
    char when[FMT_LEN];
    const char *mark;
    enum ui_elem e = rows_mark_elem(ver->mark, &mark);

    ui_col_put(w, y, &cols[HC_COMMIT], current ? ui_attr(UI_HEADER) | A_BOLD : A_NORMAL,
               fmt_time_ns(when, sizeof when, ver->commit_ns, FMT_DATETIME_MS));
    ui_col_put(w, y, &cols[HC_OP], A_NORMAL, rows_op_name(ver->op));
    ui_put_raw(w, y, cols[HC_TXID].x, cols[HC_TXID].width, A_NORMAL, ver->txid,
               strnlen(ver->txid, sizeof ver->txid));
    if (cols[HC_SHARD].x >= 0 && ver->shard < m->nshards)
        ui_put_raw_tail(w, y, cols[HC_SHARD].x, cols[HC_SHARD].width, A_NORMAL,
                        m->shards[ver->shard]->id,
                        strnlen(m->shards[ver->shard]->id, SHARD_ID_MAX + 1));
    else
        ui_col_put(w, y, &cols[HC_SHARD], ui_attr(UI_DIM), "?");
    ui_put_raw_tail(w, y, cols[HC_SEQ].x, cols[HC_SEQ].width, ui_attr(UI_DIM), ver->seq,
                    strnlen(ver->seq, sizeof ver->seq));
    ui_col_put(w, y, &cols[HC_ARRIVED], ui_attr(UI_DIM),
               fmt_time_ms(when, sizeof when, ver->arrival_ms, FMT_CLOCK_MS));
    ui_col_put(w, y, &cols[HC_MARK], ui_attr(e), mark);
}

/* The current image, escaped and wrapped over the lines left. */
static int rows_wrap_image(WINDOW *w, int y, const struct rs_row *r)
{
    struct jspan img = rs_row_image(r);
    struct buf esc;
    size_t off = 0;
    int width = getmaxx(w) - 2;

    if (!img.p) {
        ui_put(w, y, 2, width, ui_attr(UI_TOMBSTONE),
               "(deleted: a tombstone keeps no image, not even the last live one)");
        return y + 1;
    }
    buf_init(&esc);
    ui_json_text(&esc, img.p, img.n);
    while (off < esc.len && y < getmaxy(w)) {
        size_t used = 0;
        ui_clip(NULL, esc.data + off, esc.len - off, width, &used);
        if (used == 0)
            break;
        char saved = esc.data[off + used];
        esc.data[off + used] = '\0';
        ui_put(w, y++, 2, width, A_NORMAL, esc.data + off);
        esc.data[off + used] = saved;
        off += used;
    }
    buf_free(&esc);
    return y;
}

/* "Current image (commit 23:46:38.783, txid ...)": which version the image below is. */
static void rows_image_title(WINDOW *w, int y, const struct rs_row *r)
{
    char when[FMT_LEN];
    const char *txid = rs_row_txid(r);
    int x = ui_put(w, y, 0, getmaxx(w), ui_attr(UI_TITLE),
                   rs_row_live(r) ? "Current image" : "Deleted");
    fmt_time_ns(when, sizeof when, rs_row_commit_ns(r), FMT_CLOCK_MS);
    x += ui_putf(w, y, x, getmaxx(w) - x, ui_attr(UI_DIM), " (commit %s, txid ", when);
    x += ui_put_raw(w, y, x, getmaxx(w) - x - 1, ui_attr(UI_DIM), txid ? txid : "",
                    txid ? strlen(txid) : 0);
    ui_put(w, y, x, getmaxx(w) - x, ui_attr(UI_DIM), ")");
}

static void rows_history_header(WINDOW *w, const struct model_table *t, const struct rs_row *r)
{
    char name[1100], a[FMT_LEN];
    struct jspan key = rs_row_key(r);
    int x;

    x = ui_put(w, 0, 0, getmaxx(w), ui_attr(UI_TITLE), "History of ");
    x += ui_put_json(w, 0, x, getmaxx(w) / 2, ui_attr(UI_KEY), key.p, key.n);
    x += ui_put(w, 0, x, getmaxx(w) - x, ui_attr(UI_TITLE), " in ");
    view_table_name(t, name, sizeof name);
    x += ui_put(w, 0, x, getmaxx(w) - x, ui_attr(UI_TABLE_NAME), name) + 2;
    x = ui_put_pair(w, 0, x, "now", rs_row_live(r) ? "live" : "deleted",
                    ui_attr(rs_row_live(r) ? UI_GOOD : UI_TOMBSTONE));
    ui_put_pair(w, 0, x, "changes seen", fmt_count(a, sizeof a, rs_row_changes(r)), A_NORMAL);
}

static void rows_draw_history(struct rows *v, struct view_env *env, WINDOW *w,
                              const struct model_table *t)
{
    const struct model *m = env->m;
    struct jspan key = {v->sel_key.data, v->sel_key.len};
    const struct rs_row *r = v->sel_key.len ? rs_table_find(t->rows, key) : NULL;
    struct ui_col cols[HC_COUNT];

    if (!r) {
        ui_put(w, 0, 0, getmaxx(w), ui_attr(UI_WARN),
               "This key is no longer tracked (evicted by the memory cap). Esc: back");
        return;
    }
    rows_history_header(w, t, r);
    memcpy(cols, hist_cols, sizeof cols);
    ui_cols_fit(cols, HC_COUNT, getmaxx(w));
    ui_cols_head(w, 1, cols, HC_COUNT, ui_attr(UI_COLUMN));

    unsigned max = rowstore_limits(m->rs)->versions;
    max = max == 0 ? 1 : max > 1024 ? 1024 : max;
    struct rs_version *vers = xcalloc(max, sizeof *vers);
    unsigned n = rs_row_versions(m->rs, r, vers, max);
    /* the version list gets up to half the screen, the image the rest */
    v->hist_page = (getmaxy(w) - 2) / 2;
    if (v->hist_page < 3)
        v->hist_page = 3;
    v->hist_top = view_move(v->hist_top, 0, (int)n - v->hist_page + 1);
    int y = 2;
    for (unsigned i = (unsigned)v->hist_top; i < n && y < 2 + v->hist_page; i++)
        rows_version_line(w, y++, cols, &vers[i], m, rows_is_current(&vers[i], r));
    if (n == 0)
        ui_put(w, y++, 0, getmaxx(w), ui_attr(UI_DIM), "no versions left in the history log");
    free(vers);
    ui_put(w, y++, 0, getmaxx(w), ui_attr(UI_DIM),
           "applied: became the row  duplicate: redelivered  stale: older, ignored");
    /* The shared version log keeps these fields per change, never an image: images would make
     * it grow with the rows' size (rowstore.h). */
    ui_put(w, y++, 0, getmaxx(w), ui_attr(UI_DIM),
           "versions keep no row image: only the row's current one (bold above) is kept");
    rows_image_title(w, ++y, r);
    rows_wrap_image(w, y + 1, r);
}

static void rows_draw(void *data, struct view_env *env, WINDOW *w)
{
    struct rows *v = data;
    const struct model_table *t = view_table(env);

    if (!t) {
        ui_put(w, 0, 0, getmaxx(w), ui_attr(UI_DIM), "no tables yet: waiting for changes");
        return;
    }
    rows_bind(v, env->table);
    if (v->history)
        rows_draw_history(v, env, w, t);
    else
        rows_draw_list(v, env, w, t);
}

static void rows_prompt_update(struct rows *v)
{
    snprintf(v->prompt_text, sizeof v->prompt_text, "key contains: %s", v->query);
}

/* Appends a typed character to the query as UTF-8. */
static void rows_query_add(struct rows *v, int ch)
{
    char enc[4];
    size_t n = jscan_put_utf8(enc, (unsigned long)ch);
    size_t len = strlen(v->query);
    if (len + n < sizeof v->query) {
        memcpy(v->query + len, enc, n);
        v->query[len + n] = '\0';
    }
}

static void rows_query_backspace(struct rows *v)
{
    size_t len = strlen(v->query);
    while (len > 0 && ((unsigned char)v->query[len - 1] & 0xc0) == 0x80)
        len--;
    if (len > 0)
        len--;
    v->query[len] = '\0';
}

static enum view_result rows_prompt_key(struct rows *v, int key)
{
    if (view_key_is_enter(key)) {
        memcpy(v->filter, v->query, sizeof v->filter);
        v->prompting = false;
    } else if (key == VIEW_KEY_ESC || key == VIEW_KEY_CTRL('c') || key == VIEW_KEY_CTRL('g')) {
        memcpy(v->filter, v->saved, sizeof v->filter);
        v->prompting = false;
    } else if (view_key_is_backspace(key)) {
        rows_query_backspace(v);
    } else if (key == VIEW_KEY_CTRL('u')) {
        v->query[0] = '\0';
    } else if (key >= 0x20 && key != 0x7f && key < 0x110000) {
        rows_query_add(v, key);
    } else {
        return VIEW_HANDLED; /* other keys do nothing while typing */
    }
    /* the best match of a new filter is the newest row */
    v->follow = true;
    v->top = 0;
    rows_prompt_update(v);
    return VIEW_HANDLED;
}

static enum view_result rows_history_act(struct rows *v, enum view_action action)
{
    int delta = view_nav_delta(action, v->hist_page);
    if (delta != 0) {
        v->hist_top = view_move(v->hist_top, delta, INT_MAX / 2);
        return VIEW_HANDLED;
    }
    if (action == VA_BACK || action == VA_CLOSE || action == VA_LEFT) {
        v->history = false;
        return VIEW_HANDLED;
    }
    return VIEW_IGNORED;
}

/* Keys can arrive faster than frames: the row under a cursor that was moved but not drawn yet
 * is looked up by position. */
static void rows_select_at_cursor(struct rows *v, const struct model_table *t)
{
    const char *filter = rows_active_filter(v);
    const struct rs_row *r = t ? rows_next(rs_table_newest(t->rows), filter) : NULL;

    for (int i = 0; r && i < v->cursor; i++)
        r = rows_next(rs_row_older(r), filter);
    if (r)
        rows_set_key(&v->sel_key, rs_row_key(r));
}

static enum view_result rows_list_act(struct rows *v, struct view_env *env, enum view_action action)
{
    int delta = view_nav_delta(action, v->page);

    if (delta != 0) {
        v->cursor = view_move(v->cursor, delta, v->total);
        v->follow = delta == INT_MIN || (v->cursor == 0 && delta < 0);
        v->moved = true;
        return VIEW_HANDLED;
    }
    switch (action) {
    case VA_FIND:
        memcpy(v->saved, v->filter, sizeof v->saved);
        memcpy(v->query, v->filter, sizeof v->query);
        v->prompting = true;
        rows_prompt_update(v);
        return VIEW_HANDLED;
    case VA_BACK:
        if (!v->filter[0])
            return VIEW_IGNORED;
        v->filter[0] = '\0';
        return VIEW_HANDLED;
    case VA_LEFT:
        v->hscroll = v->hscroll > ROWS_HSCROLL_STEP ? v->hscroll - ROWS_HSCROLL_STEP : 0;
        return VIEW_HANDLED;
    case VA_RIGHT:
        v->hscroll += ROWS_HSCROLL_STEP;
        return VIEW_HANDLED;
    case VA_PREV_TABLE:
    case VA_NEXT_TABLE:
        if (env->m->ntables > 0)
            env->table = (unsigned)view_move((int)env->table, action == VA_PREV_TABLE ? -1 : 1,
                                             (int)env->m->ntables);
        return VIEW_HANDLED;
    case VA_OPEN:
        if (v->moved)
            rows_select_at_cursor(v, view_table(env));
        if (v->total > 0 && v->sel_key.len > 0) {
            v->history = true;
            v->hist_top = 0;
            return VIEW_HANDLED;
        }
        return VIEW_IGNORED;
    default:
        return VIEW_IGNORED;
    }
}

static enum view_result rows_act(void *data, struct view_env *env, enum view_action action)
{
    struct rows *v = data;

    if (env->m->ntables == 0)
        return VIEW_IGNORED;
    if (v->history)
        return rows_history_act(v, action);
    return rows_list_act(v, env, action);
}

static enum view_result rows_type(void *data, struct view_env *env, int key)
{
    (void)env;
    return rows_prompt_key(data, key);
}

static const char *rows_prompt(const void *data)
{
    const struct rows *v = data;
    return v->prompting ? v->prompt_text : NULL;
}

const struct view_ops view_rows_ops = {
    .name = "Rows",
    .init = rows_init,
    .free = rows_free,
    .draw = rows_draw,
    .act = rows_act,
    .prompt = rows_prompt,
    .type = rows_type,
};

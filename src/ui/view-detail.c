/* Table detail: key definition, change counters, rates, latency and size distributions, the
 * largest records, and the decoder's undecodable records with their latest samples. */
#include "config.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decode.h"
#include "escape.h"
#include "fmt.h"
#include "model.h"
#include "ui-draw.h"
#include "ui-theme.h"
#include "view.h"
#include "xalloc.h"

#define DETAIL_LAT_COLS 7 /* p50 p90 p99 max count negative + label */

struct detail {
    int top;  /* first content line shown */
    int page; /* content lines that fit */
};

/* Draw position inside the scrolled content. */
struct detail_pen {
    WINDOW *w;
    struct ui_scroll s;
    int width;
    int64_t now;
    int64_t at; /* the time cursor (0: now) */
};

static void *detail_init(void)
{
    return xcalloc(1, sizeof(struct detail));
}

static void detail_free(void *data)
{
    free(data);
}

static const char *detail_lat_label(enum lat_kind k)
{
    bool u = ui_draw_utf8();
    switch (k) {
    case LAT_COMMIT_TO_EMIT:
        return u ? "commit→emit" : "commit->emit";
    case LAT_EMIT_TO_ARRIVAL:
        return u ? "emit→arrival" : "emit->arrival";
    case LAT_ARRIVAL_TO_PROCESSED:
        return u ? "arrival→processed" : "arrival->processed";
    default:
        return lat_kind_name(k);
    }
}

static void detail_title(struct detail_pen *p, const char *text)
{
    int y = ui_scroll_line(&p->s);
    if (y >= 0)
        ui_put(p->w, y, 0, p->width, ui_attr(UI_TITLE), text);
}

static void detail_blank(struct detail_pen *p)
{
    ui_scroll_line(&p->s);
}

static void detail_key_line(struct detail_pen *p, const struct model_table *t)
{
    char name[1100];
    struct buf cols;
    int y = ui_scroll_line(&p->s), x;

    if (y < 0)
        return;
    view_table_name(t, name, sizeof name);
    x = ui_put(p->w, y, 0, p->width, ui_attr(UI_TABLE_NAME), name) + 2;
    buf_init(&cols);
    buf_putc(&cols, '(');
    for (unsigned i = 0; i < t->pk.ncols && i < PK_MAX_COLS; i++) {
        if (i)
            buf_putc(&cols, ',');
        escape_append(&cols, t->pk.cols[i], strnlen(t->pk.cols[i], sizeof t->pk.cols[i]));
    }
    buf_putc(&cols, ')');
    if (t->other) { /* each folded table's key, from each change (model.h) */
        ui_put_pair(p->w, y, x, "key", "each table's own, from each change", ui_attr(UI_KEY));
        buf_free(&cols);
        return;
    }
    x = ui_put_pair(p->w, y, x, "key", t->pk.ncols ? cols.data : "(none yet)", ui_attr(UI_KEY));
    enum ui_elem e = t->pk.source == PK_CONFIGURED ? UI_GOOD
                     : t->pk.source == PK_LEARNED  ? UI_GOOD
                                                   : UI_WARN;
    ui_put_pair(p->w, y, x, "source", pk_source_name(t->pk.source), ui_attr(e));
    buf_free(&cols);
}

static void detail_counts(struct detail_pen *p, const struct model_table *t,
                          const struct readout *r)
{
    char a[FMT_LEN];
    int y = ui_scroll_line(&p->s), x = 0;

    if (y >= 0) {
        for (int k = 0; k < CDC_KIND_COUNT; k++)
            x = ui_put_pair(p->w, y, x, cdc_kind_name((enum cdc_kind)k),
                            fmt_count(a, sizeof a, r->changes[k]), A_NORMAL);
        ui_put_pair(p->w, y, x, "total", fmt_count(a, sizeof a, r->total_changes),
                    ui_attr(UI_HEADER));
    }
    if ((y = ui_scroll_line(&p->s)) >= 0) {
        x = ui_put_pair(p->w, y, 0, "records", fmt_count(a, sizeof a, r->records), A_NORMAL);
        x = ui_put_pair(p->w, y, x, "duplicates", fmt_count(a, sizeof a, r->duplicates), A_NORMAL);
        x = ui_put_pair(p->w, y, x, "stale", fmt_count(a, sizeof a, r->stale),
                        ui_attr(r->stale ? UI_WARN : UI_NORMAL));
        ui_put_pair(p->w, y, x, "unkeyed", fmt_count(a, sizeof a, t->unkeyed),
                    ui_attr(t->unkeyed ? UI_BAD : UI_NORMAL));
    }
    if ((y = ui_scroll_line(&p->s)) >= 0) {
        x = ui_put_pair(p->w, y, 0, "rows live", fmt_count(a, sizeof a, rs_table_live(t->rows)),
                        A_NORMAL);
        x = ui_put_pair(p->w, y, x, "deleted", fmt_count(a, sizeof a, rs_table_tombstones(t->rows)),
                        A_NORMAL);
        for (int i = 0; i < READOUT_RATES; i++) {
            char label[24];
            snprintf(label, sizeof label, "rate %ds", readout_rate_secs(i));
            x = ui_put_pair(p->w, y, x, label, fmt_rate(a, sizeof a, r->rate[i]), A_NORMAL);
        }
    }
}

/* Bucket counts of a histogram from its lowest to its highest used bucket, squeezed into width
 * cells: buckets are ordered by value and log-sized, so this is a log-scale histogram. */
static void detail_hist_strip(WINDOW *w, int y, int x, int width, const struct hist *h)
{
    uint32_t cells[256];
    int first = -1, last = -1;

    if (width <= 0 || h->count == 0)
        return;
    if (width > 256)
        width = 256;
    for (int i = 0; i < HIST_BUCKETS; i++) {
        if (!h->bucket[i])
            continue;
        if (first < 0)
            first = i;
        last = i;
    }
    if (first < 0)
        return;
    int span = last - first + 1;
    int n = span < width ? span : width;
    memset(cells, 0, sizeof cells);
    for (int i = first; i <= last; i++)
        cells[(long)(i - first) * n / span] += h->bucket[i];
    ui_spark(w, y, x, cells, n, ui_attr(UI_BAR));
}

/* One stage's percentiles, count and clock-skewed samples, then its distribution when known. */
static void detail_latency_cells(struct detail_pen *p, int y, int x, const int *widths,
                                 const struct readout_latency *l)
{
    char cells[DETAIL_LAT_COLS - 1][FMT_LEN];

    if (!l->known) {
        ui_put_right(p->w, y, x, widths[1], ui_attr(UI_DIM), "-");
        ui_put(p->w, y, x + widths[1] + 2, p->width, ui_attr(UI_DIM), "no samples");
        return;
    }
    fmt_ms(cells[0], FMT_LEN, l->p50);
    fmt_ms(cells[1], FMT_LEN, l->p90);
    fmt_ms(cells[2], FMT_LEN, l->p99);
    fmt_ms(cells[3], FMT_LEN, l->max);
    fmt_count(cells[4], FMT_LEN, l->count);
    fmt_count(cells[5], FMT_LEN, l->negative);
    for (int c = 1; c < DETAIL_LAT_COLS; c++) {
        attr_t a = c == 3 ? ui_level_attr(l->level) : A_NORMAL; /* p99 carries the level */
        if (c == DETAIL_LAT_COLS - 1 && l->negative)
            a = ui_attr(UI_WARN);
        ui_put_right(p->w, y, x, widths[c], a, cells[c - 1]);
        x += widths[c];
    }
    if (l->has_dist)
        detail_hist_strip(p->w, y, x + 2, p->width - x - 2, &l->dist);
}

static void detail_latency(struct detail_pen *p, const struct model_table *t,
                           const struct readout *r)
{
    static const char *const heads[DETAIL_LAT_COLS] = {"",    "p50",   "p90", "p99",
                                                       "max", "count", "neg"};
    static const int widths[DETAIL_LAT_COLS] = {20, 8, 8, 8, 8, 8, 6};
    char title[128];
    int y, x;

    const struct history_sample *then =
        r->historical ? history_nearest(&t->m.history, r->at_ms) : NULL;
    if (then) {
        char when[FMT_LEN];
        fmt_time_ms(when, sizeof when, then->at_ms, FMT_CLOCK);
        snprintf(title, sizeof title, "Latency over the %llds before %s (10-s history), ms",
                 (long long)(r->window_ms / 1000), when);
    } else {
        snprintf(title, sizeof title, "Latency over the last %llds, ms (negative: clock skew)",
                 (long long)(r->window_ms / 1000));
    }
    detail_title(p, title);
    if ((y = ui_scroll_line(&p->s)) >= 0) {
        x = 0;
        ui_fill(p->w, y, 0, p->width, ui_attr(UI_COLUMN));
        for (int c = 0; c < DETAIL_LAT_COLS; c++) {
            ui_put_right(p->w, y, x, c ? widths[c] : 0, ui_attr(UI_COLUMN), heads[c]);
            x += widths[c];
        }
        ui_put(p->w, y, x + 1, p->width - x - 1, ui_attr(UI_COLUMN), "histogram (log)");
    }
    for (int k = 0; k < LAT_COUNT; k++) {
        if ((y = ui_scroll_line(&p->s)) < 0)
            continue;
        ui_put(p->w, y, 1, widths[0] - 1, ui_attr(UI_LABEL), detail_lat_label((enum lat_kind)k));
        detail_latency_cells(p, y, widths[0], widths, &r->lat[k]);
    }
}

static void detail_size(struct detail_pen *p, const struct readout *r)
{
    const struct readout_size *z = &r->size;
    char a[FMT_LEN];
    int y, x;

    detail_title(p, "Record size (since start)");
    if ((y = ui_scroll_line(&p->s)) < 0)
        return;
    if (!z->known) {
        ui_put(p->w, y, 2, p->width, ui_attr(UI_DIM), "no records yet");
        return;
    }
    x = ui_put_pair(p->w, y, 2, "max", fmt_bytes(a, sizeof a, z->max), A_NORMAL);
    x = ui_put_pair(p->w, y, x, "p99", fmt_bytes(a, sizeof a, z->p99), A_NORMAL);
    x = ui_put_pair(p->w, y, x, ">90% of limit", fmt_count(a, sizeof a, z->over_90pct),
                    ui_attr(z->over_90pct ? UI_WARN : UI_GOOD));
    if (z->headroom_known)
        x = ui_put_pair(p->w, y, x, "headroom", fmt_pct(a, sizeof a, z->headroom_pct),
                        ui_level_attr(z->level));
    ui_put_pair(p->w, y, x, "limit", z->limit ? fmt_bytes(a, sizeof a, z->limit) : "unknown",
                ui_attr(UI_DIM));
}

static void detail_largest(struct detail_pen *p, const struct model_table *t)
{
    char a[FMT_LEN];
    int y;

    detail_title(p, "Largest records");
    for (int i = 0; i < METRICS_LARGEST; i++) {
        const struct big_record *r = &t->m.largest[i];
        if (r->bytes == 0)
            break;
        if ((y = ui_scroll_line(&p->s)) < 0)
            continue;
        ui_put_right(p->w, y, 2, 10, A_NORMAL, fmt_bytes(a, sizeof a, r->bytes));
        ui_put_right(p->w, y, 13, 8, ui_attr(UI_DIM), fmt_age(a, sizeof a, p->now - r->seen_ms));
        ui_put(p->w, y, 22, 4, ui_attr(UI_DIM), "ago");
        ui_put_json(p->w, y, 27, p->width - 27, ui_attr(UI_KEY), r->key,
                    strnlen(r->key, sizeof r->key));
    }
    if (t->m.largest[0].bytes == 0 && (y = ui_scroll_line(&p->s)) >= 0)
        ui_put(p->w, y, 2, p->width, ui_attr(UI_DIM), "none yet");
}

static void detail_sample(struct detail_pen *p, const struct model *m,
                          const struct decode_sample *s)
{
    char a[FMT_LEN];
    int y, x;

    if ((y = ui_scroll_line(&p->s)) >= 0) {
        strcat(fmt_age(a, sizeof a, p->now - s->at_ms), " ago");
        x = ui_put_pair(p->w, y, 4, "latest", a, A_NORMAL);
        x += ui_put(p->w, y, x, p->width - x, ui_attr(UI_LABEL), "shard ");
        if (s->shard < m->nshards)
            x += ui_put_raw_tail(p->w, y, x, 24, A_NORMAL, m->shards[s->shard]->id,
                                 strnlen(m->shards[s->shard]->id, SHARD_ID_MAX + 1));
        else
            x += ui_put(p->w, y, x, 2, A_NORMAL, "?");
        x += ui_put(p->w, y, x, p->width - x, ui_attr(UI_LABEL), "  seq ");
        ui_put_raw_tail(p->w, y, x, p->width - x, ui_attr(UI_DIM), s->seq,
                        strnlen(s->seq, sizeof s->seq));
    }
    if (s->detail[0] && (y = ui_scroll_line(&p->s)) >= 0) {
        x = ui_put(p->w, y, 4, p->width, ui_attr(UI_LABEL), "detail ");
        ui_put_raw(p->w, y, 4 + x, p->width - 4 - x, A_NORMAL, s->detail,
                   strnlen(s->detail, sizeof s->detail));
    }
    if ((y = ui_scroll_line(&p->s)) >= 0) {
        size_t n = s->bytes_len < sizeof s->bytes ? s->bytes_len : sizeof s->bytes;
        x = ui_put(p->w, y, 4, p->width, ui_attr(UI_LABEL), "bytes ");
        if (model_redacting(m)) /* they may hold values that are redacted everywhere else */
            ui_put(p->w, y, 4 + x, p->width - 4 - x, ui_attr(UI_DIM), "(hidden: --redact)");
        else
            ui_put_raw(p->w, y, 4 + x, p->width - 4 - x, ui_attr(UI_BAD), s->bytes, n);
    }
}

static void detail_decoder(struct detail_pen *p, const struct model *m)
{
    const struct decode_stats *ds = decoder_stats(m->dec);
    char a[FMT_LEN], title[96];
    uint64_t total = 0;
    int y;

    for (int r = 0; r < DERR_COUNT; r++)
        total += ds->errors[r];
    snprintf(title, sizeof title, "Undecodable records, all tables: %llu",
             (unsigned long long)total);
    detail_title(p, title);
    if (total == 0 && (y = ui_scroll_line(&p->s)) >= 0)
        ui_put(p->w, y, 2, p->width, ui_attr(UI_GOOD), "none");
    for (int r = 0; r < DERR_COUNT; r++) {
        if (ds->errors[r] == 0)
            continue;
        if ((y = ui_scroll_line(&p->s)) >= 0) {
            ui_put_right(p->w, y, 2, 8, ui_attr(UI_BAD), fmt_count(a, sizeof a, ds->errors[r]));
            int x = 11 + ui_put(p->w, y, 11, 24, ui_attr(UI_HEADER),
                                decode_reason_name((enum decode_reason)r));
            ui_put(p->w, y, x + 2, p->width - x - 2, A_NORMAL,
                   decode_reason_text((enum decode_reason)r));
        }
        detail_sample(p, m, &ds->sample[r]);
    }
    if ((y = ui_scroll_line(&p->s)) >= 0) {
        int x = ui_put_pair(p->w, y, 2, "split changes completed",
                            fmt_count(a, sizeof a, ds->chunks_completed), ui_attr(UI_DIM));
        x = ui_put_pair(p->w, y, x, "pending", fmt_count(a, sizeof a, ds->chunks_pending),
                        ui_attr(UI_DIM));
        ui_put_pair(p->w, y, x, "repeats", fmt_count(a, sizeof a, ds->fragment_repeats),
                    ui_attr(UI_DIM));
    }
}

static void detail_content(struct detail_pen *p, struct view_env *env)
{
    const struct model_table *t = view_table(env);

    if (env->detail_part == VIEW_DETAIL_DECODER) {
        detail_decoder(p, env->m);
        return;
    }
    if (!t) {
        detail_title(p, "No table yet: waiting for changes");
    } else {
        struct readout r;
        model_readout(env->m, &t->m, env->now_ms, env->at_ms, &r);
        detail_key_line(p, t);
        detail_counts(p, t, &r);
        detail_blank(p);
        detail_latency(p, t, &r);
        detail_blank(p);
        detail_size(p, &r);
        detail_blank(p);
        detail_largest(p, t);
    }
    if (env->detail_part == VIEW_DETAIL_TABLE)
        return;
    detail_blank(p);
    detail_decoder(p, env->m);
}

static void detail_draw(void *data, struct view_env *env, WINDOW *w)
{
    struct detail *d = data;
    struct detail_pen pen = {.w = w, .width = getmaxx(w), .now = env->now_ms, .at = env->at_ms};

    d->page = getmaxy(w);
    /* a second pass when the content shrank below the scroll position */
    for (int pass = 0; pass < 2; pass++) {
        werase(w);
        ui_scroll_begin(&pen.s, d->top, 0, d->page);
        detail_content(&pen, env);
        int top = ui_scroll_end(&pen.s);
        if (top == d->top)
            break;
        d->top = top;
    }
}

static enum view_result detail_act(void *data, struct view_env *env, enum view_action action)
{
    struct detail *d = data;
    int delta = view_nav_delta(action, d->page - 1);

    if (delta != 0) {
        d->top = view_move(d->top, delta, INT_MAX / 2);
        if (delta == INT_MAX)
            d->top = INT_MAX / 2; /* clamped to the content by the next draw */
        return VIEW_HANDLED;
    }
    if ((action == VA_PREV_TABLE || action == VA_NEXT_TABLE) && env->m->ntables > 0) {
        env->table = (unsigned)view_move((int)env->table, action == VA_PREV_TABLE ? -1 : 1,
                                         (int)env->m->ntables);
        d->top = 0;
        return VIEW_HANDLED;
    }
    if (action == VA_OPEN || action == VA_ROWS)
        return env->m->ntables > 0 ? VIEW_OPEN_ROWS : VIEW_HANDLED;
    return VIEW_IGNORED;
}

const struct view_ops view_detail_ops = {
    .name = "Table detail",
    .init = detail_init,
    .free = detail_free,
    .draw = detail_draw,
    .act = detail_act,
};

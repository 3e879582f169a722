/*
 * Snapshot sets: report_json for scripts, report_html for a ticket, and a text rendering of every
 * screen for people reading an incident afterwards. The screens are drawn by the views' own draw
 * functions into pads that never reach a terminal, so the text is what the console shows.
 *
 * Pads need a curses screen. The console has one; a headless run gets a private one on
 * /dev/null, with a fixed terminal type and the environment ignored, made on first use.
 */
#include "config.h"

#include <langinfo.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "escape.h"
#include "fmt.h"
#include "model.h"
#include "redact.h"
#include "report-html.h"
#include "report.h"
#include "rowstore.h"
#include "snapfile.h"
#include "ui-curses.h"
#include "ui-draw.h"
#include "ui-snapshot.h"
#include "view.h"
#include "xalloc.h"

#define SNAP_MIN_ROWS       16
#define SNAP_DETAIL_ROWS    160 /* Table detail is scrollable: room for all of it */
#define SNAP_ROW_LINES      30  /* rows listed per table */
#define SNAP_EVENT_LINES    200 /* the newest events in the text */
#define SNAP_IMAGE_LINES    4   /* lines of a row image in the full images */
#define SNAP_IMAGE_INDENT   4
#define SNAP_MAX_ROWS       4000
#define SNAP_OFFSCREEN_TERM "xterm"

/* The private screen of offscreen snapshots. */
static SCREEN *snap_screen;
static FILE *snap_out, *snap_in;
static bool snap_screen_failed;

/* curses catches these when they are at their defaults; a headless run wants its own handling. */
static const int snap_signals[] = {SIGINT, SIGQUIT, SIGTERM, SIGTSTP, SIGWINCH};
#define SNAP_NSIGNALS (sizeof snap_signals / sizeof snap_signals[0])

static bool snap_locale_utf8(void)
{
    const char *codeset = nl_langinfo(CODESET);
    return codeset && (strcmp(codeset, "UTF-8") == 0 || strcmp(codeset, "utf8") == 0);
}

static bool snap_offscreen_begin(const struct ui_snapshot_req *req)
{
    struct sigaction saved[SNAP_NSIGNALS];

    if (snap_screen) {
        set_term(snap_screen);
        return true;
    }
    if (snap_screen_failed)
        return false;
    /* Close-on-exec like every descriptor cdctop keeps: a credential_process inherits none. */
    snap_out = fopen("/dev/null", "we");
    snap_in = fopen("/dev/null", "re");
    if (snap_out && snap_in) {
        for (size_t i = 0; i < SNAP_NSIGNALS; i++)
            sigaction(snap_signals[i], NULL, &saved[i]);
        use_env(FALSE); /* neither LINES nor COLUMNS: pads have their own size */
        snap_screen = newterm(SNAP_OFFSCREEN_TERM, snap_out, snap_in);
        if (!snap_screen)
            snap_screen = newterm("vt100", snap_out, snap_in);
        for (size_t i = 0; i < SNAP_NSIGNALS; i++)
            sigaction(snap_signals[i], &saved[i], NULL);
    }
    if (!snap_screen) {
        if (snap_out)
            fclose(snap_out);
        if (snap_in)
            fclose(snap_in);
        snap_out = snap_in = NULL;
        snap_screen_failed = true;
        return false;
    }
    ui_draw_set_utf8(snap_locale_utf8() && !req->ascii);
    return true;
}

void ui_snapshot_release(void)
{
    if (!snap_screen)
        return;
    set_term(snap_screen);
    endwin();
    delscreen(snap_screen);
    snap_screen = NULL;
    fclose(snap_out);
    fclose(snap_in);
    snap_out = snap_in = NULL;
    ui_draw_release();
}

/* Appends the pad's lines without trailing blanks, with runs of empty lines (the room a screen
 * leaves above its bottom panel) squeezed to one, and without trailing empty lines. */
static void snap_read_back(struct buf *out, WINDOW *pad, int rows, int cols)
{
    size_t cap = (size_t)cols * 8 + 1; /* a cell can hold several bytes of UTF-8 */
    char *line = xmalloc(cap);
    size_t keep = out->len;
    bool blank = false;

    for (int y = 0; y < rows; y++) {
        int n = mvwinnstr(pad, y, 0, line, (int)cap - 1);
        size_t len = n > 0 ? strlen(line) : 0;
        while (len > 0 && line[len - 1] == ' ')
            len--;
        if (len == 0 && blank)
            continue;
        blank = len == 0;
        buf_append(out, line, len);
        buf_putc(out, '\n');
        if (len > 0)
            keep = out->len;
    }
    out->len = keep; /* drop the empty lines at the bottom */
    buf_putc(out, '\n');
    free(line);
}

static void snap_screen_text(struct buf *out, const struct ui_snapshot_req *req,
                             const struct view_ops *ops, unsigned table, enum view_detail_part part,
                             int rows, const char *heading)
{
    struct view_env env = {.m = req->m,
                           .now_ms = req->now_ms,
                           .table = table,
                           .source_done = req->source_done,
                           .detail_part = part};
    WINDOW *pad;

    if (rows < SNAP_MIN_ROWS)
        rows = SNAP_MIN_ROWS;
    if (rows > SNAP_MAX_ROWS)
        rows = SNAP_MAX_ROWS;
    buf_printf(out, "==== %s ====\n", heading);
    pad = newpad(rows, UI_SNAPSHOT_COLS);
    if (!pad) {
        buf_puts(out, "(could not render)\n\n");
        return;
    }
    void *data = ops->init();
    ops->draw(data, &env, pad);
    snap_read_back(out, pad, rows, UI_SNAPSHOT_COLS);
    ops->free(data);
    delwin(pad);
}

/* One line of at most width columns from text + *off, never ending in a blank (blanks move to the
 * next line, so wrapping loses nothing and leaves no trailing blank). */
static void snap_wrap_line(struct buf *out, const char *text, size_t len, size_t *off, int width)
{
    size_t used = 0;

    ui_clip(NULL, text + *off, len - *off, width, &used);
    if (used == 0) /* a character wider than the line */
        used = 1;
    size_t fit = used;
    while (fit > 0 && text[*off + fit - 1] == ' ')
        fit--;
    if (fit == 0) { /* nothing but blanks: drop them */
        *off += used;
        return;
    }
    ui_clip(out, text + *off, fit, width, NULL);
    *off += fit;
}

/* The rows the Rows screen lists, with their whole key and image wrapped (the screen cuts them at
 * its right edge), in the same escaped display form. */
static void snap_row_images(struct buf *out, const struct model_table *t, const char *name)
{
    struct buf esc;
    const int width = UI_SNAPSHOT_COLS - SNAP_IMAGE_INDENT;
    unsigned n = 0;

    buf_printf(out, "==== Rows: %s, whole images ====\n", name);
    buf_init(&esc);
    for (const struct rs_row *r = rs_table_newest(t->rows); r && n < SNAP_ROW_LINES;
         r = rs_row_older(r), n++) {
        struct jspan key = rs_row_key(r), img = rs_row_image(r);
        size_t off = 0;
        ui_json_text(&esc, key.p, key.n);
        while (off < esc.len) {
            snap_wrap_line(out, esc.data, esc.len, &off, UI_SNAPSHOT_COLS);
            buf_putc(out, '\n');
        }
        if (!img.p) {
            buf_printf(out, "%*s(deleted)\n", SNAP_IMAGE_INDENT, "");
            continue;
        }
        ui_json_text(&esc, img.p, img.n);
        off = 0;
        for (int line = 0; off < esc.len && line < SNAP_IMAGE_LINES; line++) {
            buf_printf(out, "%*s", SNAP_IMAGE_INDENT, "");
            snap_wrap_line(out, esc.data, esc.len, &off, width);
            buf_putc(out, '\n');
        }
        if (off < esc.len)
            buf_printf(out, "%*s... (%zu bytes in all; the JSON has them)\n", SNAP_IMAGE_INDENT, "",
                       img.n);
    }
    if (n == 0)
        buf_puts(out, "no rows yet\n");
    buf_putc(out, '\n');
    buf_free(&esc);
}

static void snap_screens(struct buf *out, const struct ui_snapshot_req *req)
{
    const struct model *m = req->m;
    char name[1100], heading[1200];
    int ntables = (int)(m->ntables < 1000 ? m->ntables : 1000);
    int nshards = (int)(m->nshards < 1000 ? m->nshards : 1000);

    /* tall enough for every table and shard line, plus headers and the shard panel */
    snap_screen_text(out, req, &view_overview_ops, 0, VIEW_DETAIL_ALL, ntables + 14, "Overview");
    snap_screen_text(out, req, &view_shards_ops, 0, VIEW_DETAIL_ALL, nshards + 8, "Shards");
    unsigned nevents = events_len(&req->m->events);
    snap_screen_text(out, req, &view_events_ops, 0, VIEW_DETAIL_ALL,
                     (nevents < SNAP_EVENT_LINES ? (int)nevents : SNAP_EVENT_LINES) + 3, "Events");
    /* each table's own part of Table detail; the undecodable records, which the screen shows
     * under every table, once after them */
    for (unsigned i = 0; i < m->ntables; i++) {
        view_table_name(m->tables[i], name, sizeof name);
        snprintf(heading, sizeof heading, "Table detail: %s", name);
        snap_screen_text(out, req, &view_detail_ops, i, VIEW_DETAIL_TABLE, SNAP_DETAIL_ROWS,
                         heading);
    }
    if (m->ntables == 0)
        snap_screen_text(out, req, &view_detail_ops, 0, VIEW_DETAIL_TABLE, SNAP_DETAIL_ROWS,
                         "Table detail");
    snap_screen_text(out, req, &view_detail_ops, 0, VIEW_DETAIL_DECODER, SNAP_DETAIL_ROWS,
                     "Undecodable records");
    for (unsigned i = 0; i < m->ntables; i++) {
        view_table_name(m->tables[i], name, sizeof name);
        snprintf(heading, sizeof heading, "Rows: %s", name);
        snap_screen_text(out, req, &view_rows_ops, i, VIEW_DETAIL_ALL, SNAP_ROW_LINES + 2, heading);
        snap_row_images(out, m->tables[i], name);
    }
}

static void snap_redaction_note(struct buf *out, const struct model *m)
{
    if (!model_redacting(m))
        return;
    buf_puts(out, "Redacted (keyed hashes " REDACT_PREFIX "..., comparable within this run only):");
    for (unsigned i = 0; i < redact_count(m->redact); i++) {
        const char *entry = redact_entry(m->redact, i);
        buf_puts(out, i ? ", " : " ");
        escape_append(out, entry, strlen(entry));
    }
    if (redact_all_values(m->redact))
        buf_puts(out, redact_count(m->redact) ? ", every non-key column" : " every non-key column");
    buf_puts(out, ".\n");
}

void ui_snapshot_text(const struct ui_snapshot_req *req, struct buf *out)
{
    char when[64];

    fmt_time_ns(when, sizeof when, req->now_ms * 1000000, FMT_DATETIME_MS);
    buf_printf(out,
               "%s snapshot, %s UTC\nScreens rendered %d columns wide; Rows lists the %d most "
               "recently changed rows of each table,\nthen shows their whole keys and images.\n",
               req->version ? req->version : "cdctop", when, UI_SNAPSHOT_COLS, SNAP_ROW_LINES);
    snap_redaction_note(out, req->m);
    buf_putc(out, '\n');
    if (req->offscreen && !snap_offscreen_begin(req)) {
        buf_puts(out, "(the screens could not be rendered: no terminal description for "
                      "\"" SNAP_OFFSCREEN_TERM "\" or \"vt100\")\n");
        return;
    }
    snap_screens(out, req);
}

static bool snap_file(const char *dir, const char *base, const char *ext, const struct buf *b,
                      char *path, size_t pathlen, char *err, size_t errlen)
{
    snprintf(path, pathlen, "%s/%s.%s", dir, base, ext);
    return snapfile_write(path, b->data ? b->data : "", b->len, err, errlen);
}

/* The timestamped base name, with -2, -3, ... when a set of that name exists (two snapshots in
 * the same millisecond, e.g. the last periodic one and the final one of a headless run). */
static void snap_base(const char *dir, char *base, size_t len, int64_t now_ms)
{
    char stamp[96], path[4096];

    snapfile_base(stamp, sizeof stamp, now_ms);
    snprintf(base, len, "%s", stamp);
    for (int n = 2; n < 100; n++) {
        snprintf(path, sizeof path, "%s/%s.json", dir, base);
        if (access(path, F_OK) != 0)
            return;
        snprintf(base, len, "%s-%d", stamp, n);
    }
}

bool ui_snapshot_write(const struct ui_snapshot_req *req, char *msg, size_t msglen)
{
    const char *dir = req->dir && *req->dir ? req->dir : ".";
    char base[128], path[4096], err[512];
    struct report_opts ropts = {.max_rows = req->max_rows, .program_version = req->version};
    struct report_html_opts hopts = {.max_rows = req->html_rows, .program_version = req->version};
    struct buf json, text, html;
    bool ok;

    if (!snapfile_dir(dir, true, err, sizeof err)) {
        snprintf(msg, msglen, "snapshot failed: %s", err);
        return false;
    }
    snap_base(dir, base, sizeof base, req->now_ms);
    buf_init(&json);
    buf_init(&text);
    buf_init(&html);
    report_json(req->m, &ropts, req->now_ms, &json);
    ui_snapshot_text(req, &text);
    report_html(req->m, &hopts, req->now_ms, &html);
    /* the JSON first: when the disk fills up, the most useful part is there */
    const struct buf *parts[] = {&json, &text, &html};
    static const char *const exts[] = {"json", "txt", "html"};
    int written = 0;
    while (written < 3 &&
           snap_file(dir, base, exts[written], parts[written], path, sizeof path, err, sizeof err))
        written++;
    ok = written == 3;
    if (ok)
        snprintf(msg, msglen, "snapshot written: %s/%s.json + .txt + .html", dir, base);
    else if (written > 0)
        snprintf(msg, msglen, "snapshot failed: %s (%s.json%s kept)", err, base,
                 written > 1 ? " and .txt" : "");
    else
        snprintf(msg, msglen, "snapshot failed: %s", err);
    buf_free(&json);
    buf_free(&text);
    buf_free(&html);
    return ok;
}

/* Snapshots: report_json for scripts, and a text rendering of every screen for people reading
 * an incident afterwards. Screens are drawn into pads that never reach the terminal. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"
#include "report.h"
#include "snapfile.h"
#include "ui-draw.h"
#include "ui-snapshot.h"
#include "xalloc.h"

#define SNAP_MIN_ROWS 16
#define SNAP_MIN_COLS 60

/* Appends the pad's lines without trailing blanks, and without trailing empty lines. */
static void snap_read_back(struct buf *out, WINDOW *pad, int rows, int cols)
{
    size_t cap = (size_t)cols * 8 + 1; /* a cell can hold several bytes of UTF-8 */
    char *line = xmalloc(cap);
    size_t keep = out->len;

    for (int y = 0; y < rows; y++) {
        int n = mvwinnstr(pad, y, 0, line, (int)cap - 1);
        size_t len = n > 0 ? strlen(line) : 0;
        while (len > 0 && line[len - 1] == ' ')
            len--;
        buf_append(out, line, len);
        buf_putc(out, '\n');
        if (len > 0)
            keep = out->len;
    }
    out->len = keep; /* drop the empty lines at the bottom */
    buf_putc(out, '\n');
    free(line);
}

static int snap_rows(const struct ui_snapshot_req *req)
{
    return req->rows < SNAP_MIN_ROWS ? SNAP_MIN_ROWS : req->rows;
}

static int snap_cols(const struct ui_snapshot_req *req)
{
    return req->cols < SNAP_MIN_COLS ? SNAP_MIN_COLS : req->cols;
}

static void snap_screen(struct buf *out, const struct ui_snapshot_req *req,
                        const struct view_ops *ops, unsigned table, const char *heading)
{
    struct view_env env = {.m = req->m, .now_ms = req->now_ms, .table = table};
    int rows = snap_rows(req), cols = snap_cols(req);
    WINDOW *pad = newpad(rows, cols);

    buf_printf(out, "==== %s ====\n", heading);
    if (!pad) {
        buf_puts(out, "(could not render)\n\n");
        return;
    }
    void *data = ops->init();
    ops->draw(data, &env, pad);
    snap_read_back(out, pad, rows, cols);
    ops->free(data);
    delwin(pad);
}

static void snap_text(struct buf *out, const struct ui_snapshot_req *req)
{
    const struct model *m = req->m;
    char name[1100], heading[1200], when[64];

    ui_fmt_utc_ns(when, sizeof when, req->now_ms * 1000000, true);
    buf_printf(out, "%s snapshot, %s UTC, screens rendered at %dx%d\n\n",
               req->version ? req->version : "cdctop", when, snap_cols(req), snap_rows(req));
    snap_screen(out, req, req->views[VIEW_OVERVIEW], 0, "Overview");
    snap_screen(out, req, req->views[VIEW_SHARDS], 0, "Shards");
    for (unsigned i = 0; i < m->ntables; i++) {
        view_table_name(m->tables[i], name, sizeof name);
        snprintf(heading, sizeof heading, "Table detail: %s", name);
        snap_screen(out, req, req->views[VIEW_DETAIL], i, heading);
    }
    if (m->ntables == 0)
        snap_screen(out, req, req->views[VIEW_DETAIL], 0, "Table detail");
    for (unsigned i = 0; i < m->ntables; i++) {
        view_table_name(m->tables[i], name, sizeof name);
        snprintf(heading, sizeof heading, "Rows: %s", name);
        snap_screen(out, req, req->views[VIEW_ROWS], i, heading);
    }
}

static bool snap_file(const char *dir, const char *base, const char *ext, const struct buf *b,
                      char *path, size_t pathlen, char *err, size_t errlen)
{
    snprintf(path, pathlen, "%s/%s.%s", dir, base, ext);
    return snapfile_write(path, b->data ? b->data : "", b->len, err, errlen);
}

bool ui_snapshot_write(const struct ui_snapshot_req *req, char *msg, size_t msglen)
{
    const char *dir = req->dir && *req->dir ? req->dir : ".";
    char base[128], path[4096], err[512];
    struct report_opts ropts = {.max_rows = req->max_rows, .program_version = req->version};
    struct buf json, text;
    bool ok;

    if (!snapfile_dir(dir, true, err, sizeof err)) {
        snprintf(msg, msglen, "snapshot failed: %s", err);
        return false;
    }
    snapfile_base(base, sizeof base, req->now_ms);
    buf_init(&json);
    buf_init(&text);
    report_json(req->m, &ropts, req->now_ms, &json);
    snap_text(&text, req);
    ok = snap_file(dir, base, "json", &json, path, sizeof path, err, sizeof err) &&
         snap_file(dir, base, "txt", &text, path, sizeof path, err, sizeof err);
    if (ok)
        snprintf(msg, msglen, "snapshot written: %s/%s.json + .txt", dir, base);
    else
        snprintf(msg, msglen, "snapshot failed: %s", err);
    buf_free(&json);
    buf_free(&text);
    return ok;
}

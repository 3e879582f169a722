/*
 * Snapshot sets, for the `s` key, --snapshot-every and the end of a headless run: the JSON report,
 * every screen rendered as plain text, and the HTML report, side by side under one base name.
 */
#ifndef CDCTOP_UI_SNAPSHOT_H
#define CDCTOP_UI_SNAPSHOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"

struct model;

#define UI_SNAPSHOT_COLS 120 /* width of the text rendering */

struct ui_snapshot_req {
    const struct model *m;
    int64_t now_ms;
    const char *dir;     /* created (0700) when missing */
    uint64_t max_rows;   /* rows per table in the JSON */
    uint64_t html_rows;  /* rows per table in the HTML report (0: none) */
    const char *version; /* program version for the reports */
    bool source_done;    /* the source will deliver nothing more (shown on the Overview) */
    bool offscreen;      /* no terminal (headless): render on a private curses screen */
    bool ascii;          /* offscreen: ASCII drawing even in a UTF-8 locale */
};

/* Writes DIR/BASE.json, DIR/BASE.txt and DIR/BASE.html (mode 0600, each written atomically).
 * msg gets "snapshot written: DIR/BASE.json + .txt + .html" or "snapshot failed: <why>". */
bool ui_snapshot_write(const struct ui_snapshot_req *req, char *msg, size_t msglen);
/* Appends the text rendering of every screen to out. */
void ui_snapshot_text(const struct ui_snapshot_req *req, struct buf *out);
/* Frees the private screen of offscreen snapshots (at exit). */
void ui_snapshot_release(void);

#endif

/*
 * Drawing helpers shared by the views: text clipped by display width (untrusted text escaped
 * first), sparklines, bars, and compact number, size, duration and time formatting.
 */
#ifndef CDCTOP_UI_DRAW_H
#define CDCTOP_UI_DRAW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "ui-curses.h"

/* Whether block elements, arrows and ellipses may be drawn (UTF-8 locale and not --ascii). */
void ui_draw_set_utf8(bool utf8);
bool ui_draw_utf8(void);
/* Frees the scratch buffers when the UI ends. */
void ui_draw_release(void);

/* Display width of trusted text (unprintable characters count as one column). */
int ui_width(const char *s);
/* Appends the longest prefix of s that fits in maxw columns to out (NULL: only measure) as
 * printable text, replacing anything the terminal cannot show by '?'; never splits a character.
 * Returns the columns used; *consumed (optional) gets the bytes of s taken. */
int ui_clip(struct buf *out, const char *s, size_t n, int maxw, size_t *consumed);

/* Draws trusted text at (y, x), at most maxw columns and never past the right edge.
 * Returns the columns drawn. */
int ui_put(WINDOW *w, int y, int x, int maxw, attr_t attr, const char *s);
int ui_putf(WINDOW *w, int y, int x, int maxw, attr_t attr, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));
/* Right-aligned in a field of width columns (clipped on the left when too wide). */
int ui_put_right(WINDOW *w, int y, int x, int width, attr_t attr, const char *s);
/* Untrusted bytes (record values, names, keys): escaped, then clipped. */
int ui_put_raw(WINDOW *w, int y, int x, int maxw, attr_t attr, const char *p, size_t n);
/* Untrusted bytes keeping the end when too wide ("…4567"), for sequence numbers and ids. */
int ui_put_raw_tail(WINDOW *w, int y, int x, int maxw, attr_t attr, const char *p, size_t n);
/* Escapes untrusted bytes into out (replacing its contents); returns out->data. */
const char *ui_escaped(struct buf *out, const char *p, size_t n);
/* The display form of JSON text (a row image or a key): string contents are unescaped first and
 * then escaped for the terminal, so "\u001b[2J" in a value shows as \e[2J like any other text.
 * Replaces out's contents; returns out->data. */
const char *ui_json_text(struct buf *out, const char *p, size_t n);
/* Untrusted JSON text in its display form, clipped. */
int ui_put_json(WINDOW *w, int y, int x, int maxw, attr_t attr, const char *p, size_t n);

/* Paints width columns of blanks in attr (the background of a selected line). */
void ui_fill(WINDOW *w, int y, int x, int width, attr_t attr);
/* A sparkline of n values scaled to their maximum; zero is blank. */
/* A sparkline value that means no data (drawn as a dim dot), unlike 0 (blank). */
#define UI_SPARK_NODATA UINT32_MAX
void ui_spark(WINDOW *w, int y, int x, const uint32_t *values, int n, attr_t attr);
/* The trend arrow for a change: up, down or flat. */
const char *ui_arrow(int direction);

/* "label value", the label in the label style, two spaces after; returns the next column. */
int ui_put_pair(WINDOW *w, int y, int x, const char *label, const char *value, attr_t attr);

/* Columns of a list that adapt to the terminal width. */
struct ui_col {
    const char *title;
    int min;    /* columns it needs */
    int want;   /* columns it would like (0: min); spare room goes here first */
    int drop;   /* 0: always shown; otherwise narrow terminals drop 1 first, then 2, ... */
    bool right; /* right-aligned (numbers) */
    bool flex;  /* takes whatever room is left at the end */
    int x;      /* out: first column, -1 when dropped */
    int width;  /* out: columns given */
};

/* Lays out n columns (one blank between them) in width columns. */
void ui_cols_fit(struct ui_col *cols, int n, int width);
void ui_cols_head(WINDOW *w, int y, const struct ui_col *cols, int n, attr_t attr);
/* Draws trusted text in a column, aligned and clipped; nothing when the column is dropped. */
void ui_col_put(WINDOW *w, int y, const struct ui_col *col, attr_t attr, const char *s);

/* Lines of a scrollable view: counts every line, draws only those inside the window. */
struct ui_scroll {
    int top;    /* first line shown (in), adjusted to the content (out) */
    int first;  /* window row of the first line shown */
    int height; /* rows available */
    int n;      /* lines emitted so far */
};

void ui_scroll_begin(struct ui_scroll *s, int top, int first_row, int height);
/* The window row for the next line, or -1 when it is off-screen. */
int ui_scroll_line(struct ui_scroll *s);
/* Clamps top to the content, so a view can store it for the next frame. */
int ui_scroll_end(const struct ui_scroll *s);

#endif

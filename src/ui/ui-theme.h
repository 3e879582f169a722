/*
 * Themes: a semantic element enum mapped to curses attributes by hand-editable .theme files.
 *
 *   # comment
 *   color ELEMENT FG BG [ATTR...]   FG/BG: default, black..white, bright-black..bright-white,
 *                                   or 0-255; ATTR: bold dim reverse underline standout
 *                                   italic blink normal
 *   attr ELEMENT ATTR...            attributes only (what the mono theme uses)
 *
 * Views ask for ui_attr(UI_BAD) and never name a colour.
 */
#ifndef CDCTOP_UI_THEME_H
#define CDCTOP_UI_THEME_H

#include <stdbool.h>
#include <stddef.h>

#include "readout.h"

#include "ui-curses.h"

/* X-macro: enum suffix and the name used in theme files. */
#define UI_ELEMENTS(_)                                                                             \
    _(NORMAL, "normal")               /* plain text */                                             \
    _(HEADER, "header")               /* the header lines above a screen's list */                 \
    _(TITLE, "title")                 /* section titles */                                         \
    _(LABEL, "label")                 /* "records", "p99": names next to values */                 \
    _(COLUMN, "column")               /* column headings of a list */                              \
    _(TABLE_NAME, "table_name")       /* schema.table */                                           \
    _(KEY, "key")                     /* primary-key text */                                       \
    _(SELECTED, "selected")           /* the cursor line */                                        \
    _(DIM, "dim")                     /* secondary or idle information */                          \
    _(GOOD, "good")                   /* healthy values */                                         \
    _(WARN, "warn")                   /* worth a look */                                           \
    _(BAD, "bad")                     /* needs action */                                           \
    _(SPARK, "spark")                 /* sparklines */                                             \
    _(BAR, "bar")                     /* histogram bars */                                         \
    _(STATUS, "status")               /* the bottom status line */                                 \
    _(STATUS_SCREEN, "status_screen") /* screen name in the status line */                         \
    _(PAUSED, "paused")               /* the PAUSED marker */                                      \
    _(MESSAGE, "message")             /* status-line messages */                                   \
    _(ERROR, "error")                 /* status-line errors */                                     \
    _(PROMPT, "prompt")               /* the search prompt */                                      \
    _(TOMBSTONE, "tombstone")         /* deleted rows */                                           \
    _(APPLIED, "applied")             /* version marks */                                          \
    _(DUPLICATE, "duplicate")                                                                      \
    _(STALE, "stale")

enum ui_elem {
#define UI_ELEM_ENUM(e, name) UI_##e,
    UI_ELEMENTS(UI_ELEM_ENUM)
#undef UI_ELEM_ENUM
        UI_ELEM_COUNT
};

/* The shipped themes, compiled in (generated from themes/NAME.theme). */
extern const char ui_theme_builtin_default[];
extern const char ui_theme_builtin_mono[];

struct ui_theme_opts {
    const char *name; /* NAME, or a path when it contains '/'; NULL = "default" */
    const char *dir;  /* searched first for NAME.theme; may be NULL */
    bool colour;      /* false: no colour pairs (NO_COLOR, or a terminal without colours) */
};

/* Loads a theme after curses started (allocates colour pairs). Problems never fail: the first
 * one is written to warn ("file:line: message"), "" when none. */
void ui_theme_load(const struct ui_theme_opts *opts, char *warn, size_t warnlen);
attr_t ui_attr(enum ui_elem e);
/* A figure's level (readout.h) in the theme's colours: ok plain, warn and bad as the theme says;
 * every screen colours levels through here. */
attr_t ui_level_attr(enum readout_level level);
/* The theme's name or path as loaded, for the help screen. */
const char *ui_theme_origin(void);

#endif

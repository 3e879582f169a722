/*
 * Screens. Each view-X.c exports one `const struct view_ops view_X_ops`; ui.c registers them in
 * an explicit table. A view keeps its own state (cursor, scroll, prompt) behind a void pointer,
 * reads the model through struct view_env and never changes it.
 */
#ifndef CDCTOP_VIEW_H
#define CDCTOP_VIEW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ui-curses.h"

struct model;
struct model_table;

/* Keys reach views as one int: characters as their Unicode value, curses function keys moved
 * past the Unicode range so the two never collide. */
#define VIEW_KEY_FN(k)   (0x200000 + (k))
#define VIEW_KEY_ESC     27
#define VIEW_KEY_CTRL(c) ((c)&0x1f)

static inline bool view_key_is_enter(int key)
{
    return key == '\n' || key == '\r' || key == VIEW_KEY_FN(KEY_ENTER);
}

static inline bool view_key_is_backspace(int key)
{
    return key == VIEW_KEY_FN(KEY_BACKSPACE) || key == 127 || key == 8;
}

enum view_id {
    VIEW_OVERVIEW,
    VIEW_SHARDS,
    VIEW_DETAIL,
    VIEW_ROWS,
    VIEW_EVENTS,
    VIEW_HELP,
    VIEW_COUNT
};

/* What a key did, so the caller can switch screens. */
enum view_result {
    VIEW_IGNORED,     /* not a key of this view: the global keys get it */
    VIEW_HANDLED,     /* consumed; the view wants a redraw */
    VIEW_OPEN_DETAIL, /* open Table detail of env->table */
    VIEW_OPEN_ROWS,   /* open Rows of env->table */
};

/* The parts of Table detail drawn: all of it on screen; the text snapshot draws each table's own
 * part, and the undecodable records, which belong to no one table, once on their own. */
enum view_detail_part { VIEW_DETAIL_ALL, VIEW_DETAIL_TABLE, VIEW_DETAIL_DECODER };

/* What a view may see while drawing or handling a key. */
struct view_env {
    const struct model *m;
    int64_t now_ms;   /* time of this frame (wall clock, ms) */
    unsigned table;   /* selected table, index into m->tables; views may move it */
    bool paused;      /* the display is frozen; views may say so */
    bool source_done; /* the source will deliver nothing more */
    int64_t at_ms;    /* time cursor: the second shown starts here; 0 shows now (Overview and
                       * Table detail: rates, sparklines, latencies and the DLQ as they were) */
    enum view_detail_part detail_part;
};

struct view_ops {
    /* Screen name for the status line and snapshot headings. */
    const char *name;
    /* Key hints shown in the status line. */
    const char *hints;
    /* Allocates the view's state; views start at the top of their content. */
    void *(*init)(void);
    /* Frees what init returned. */
    void (*free)(void *data);
    /* Draws the whole window (already erased) from the model. */
    void (*draw)(void *data, struct view_env *env, WINDOW *win);
    /* Handles one key (see VIEW_KEY_FN); navigation only, never the model. */
    enum view_result (*key)(void *data, struct view_env *env, int key);
    /* Optional: the text of an input prompt the view is reading on the bottom line, or NULL.
     * While it returns non-NULL, every key goes to the view first. */
    const char *(*prompt)(const void *data);
};

extern const struct view_ops view_overview_ops;
extern const struct view_ops view_shards_ops;
extern const struct view_ops view_detail_ops;
extern const struct view_ops view_rows_ops;
extern const struct view_ops view_events_ops;
extern const struct view_ops view_help_ops;

/* The selected table, or NULL when there is none yet (index clamped to the tables). */
const struct model_table *view_table(struct view_env *env);
/* Moves a cursor by delta within [0, count) (page keys pass the page size). */
int view_move(int cursor, int delta, int count);
/* The cursor movement a navigation key asks for, given the page height; 0 when none.
 * Home and End are returned as INT_MIN and INT_MAX. */
int view_nav_delta(int key, int page);
/* Writes "schema.table", escaped, into out. */
void view_table_name(const struct model_table *t, char *out, size_t len);

#endif

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
struct shard;

/* Keys arrive as one int: characters as their Unicode value, curses function keys moved past
 * the Unicode range so the two never collide. The key table (ui-keys.h) turns them into actions;
 * only a prompt being typed sees them as they are. */
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

/* What a key asks for, as the key table (ui-keys.c) says. A screen gets each action first; what
 * it ignores, the console does (screens, pause, snapshots, the time cursor, help, back, quit). */
enum view_action {
    VA_NONE,
    /* moving through a list or a page */
    VA_UP,
    VA_DOWN,
    VA_PAGE_UP,
    VA_PAGE_DOWN,
    VA_FIRST,
    VA_LAST,
    VA_LEFT,
    VA_RIGHT,
    /* screens */
    VA_OPEN,       /* Enter: what the selection leads to */
    VA_ROWS,       /* Rows of the selected table */
    VA_FIND,       /* type a key filter */
    VA_PREV_TABLE, /* < > */
    VA_NEXT_TABLE,
    VA_BACK,  /* Esc */
    VA_CLOSE, /* q: back, or quit from a screen not opened from another */
    VA_NEXT_SCREEN,
    VA_PREV_SCREEN,
    VA_GO_OVERVIEW,
    VA_GO_SHARDS,
    VA_GO_DETAIL,
    VA_GO_ROWS,
    VA_GO_EVENTS,
    VA_HELP,
    /* the console */
    VA_PAUSE,
    VA_SNAPSHOT,
    VA_RETRY,
    VA_REDRAW,
    /* the time cursor */
    VA_TIME_BACK,
    VA_TIME_FORWARD,
    VA_TIME_BACK_10,
    VA_TIME_FORWARD_10,
    VA_TIME_NOW,
    VA_TIME_GOTO,
    VA_COUNT
};

/* What an action did, so the caller can switch screens. */
enum view_result {
    VIEW_IGNORED,     /* not an action of this view: the console gets it */
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
    bool console; /* drawn on the console, where a cursor moves (a snapshot's text is not):
                   * lists show their position, a large Overview the shards */
};

struct view_ops {
    /* Screen name for the status line, Help and snapshot headings. */
    const char *name;
    /* Allocates the view's state; views start at the top of their content. */
    void *(*init)(void);
    /* Frees what init returned. */
    void (*free)(void *data);
    /* Draws the whole window (already erased) from the model. */
    void (*draw)(void *data, struct view_env *env, WINDOW *win);
    /* Handles one action of the key table; navigation only, never the model. */
    enum view_result (*act)(void *data, struct view_env *env, enum view_action action);
    /* Optional: the text of an input prompt the view is reading on the bottom line, or NULL.
     * While it returns non-NULL, every key goes to type() as it was pressed. */
    const char *(*prompt)(const void *data);
    enum view_result (*type)(void *data, struct view_env *env, int key);
};

extern const struct view_ops view_overview_ops;
extern const struct view_ops view_shards_ops;
extern const struct view_ops view_detail_ops;
extern const struct view_ops view_rows_ops;
extern const struct view_ops view_events_ops;
extern const struct view_ops view_help_ops;

/* Columns of view_shards_compact. */
#define VIEW_SHARDS_COMPACT 44
/* One shard at (y, x) in VIEW_SHARDS_COMPACT columns: id, state, how far behind, read/s, as the
 * Shards screen shows them (the Overview of a large terminal lists the shards so). */
void view_shards_compact(WINDOW *w, int y, int x, const struct shard *s, int64_t now_ms);

/* The selected table, or NULL when there is none yet (index clamped to the tables). */
const struct model_table *view_table(struct view_env *env);
/* Moves a cursor by delta within [0, count) (page keys pass the page size). */
int view_move(int cursor, int delta, int count);
/* The cursor movement a navigation action asks for, given the page height; 0 when none.
 * First and last are returned as INT_MIN and INT_MAX. */
int view_nav_delta(enum view_action action, int page);
/* "12/1207": the position of a cursor (0-based) in a list of n, "0/0" when empty. */
char *view_position(char *out, size_t len, int cursor, int n);
/* On the console: "label 12/1207" dim at the right end of line y, when the line has room after
 * column used_to. */
void view_put_position(WINDOW *w, const struct view_env *env, int y, int used_to, const char *label,
                       int cursor, int n);
/* Writes "schema.table", escaped, into out. */
void view_table_name(const struct model_table *t, char *out, size_t len);

#endif

/* Events (evlist_*, apart from the core's events_*): what happened, newest first, with its time:
 * readers stalled and back, errors and their end, throttling storms, reshards, the DLQ growing,
 * undecodable records, snapshots. */
#include "config.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "events.h"
#include "fmt.h"
#include "model.h"
#include "ui-draw.h"
#include "ui-theme.h"
#include "view.h"
#include "xalloc.h"

#define EVLIST_X_TIME  0
#define EVLIST_X_LEVEL 9
#define EVLIST_X_KIND  15
#define EVLIST_X_WHAT  32

struct evlist {
    int cursor; /* 0 = newest */
    int top;
    int page;
};

static void *evlist_init(void)
{
    return xcalloc(1, sizeof(struct evlist));
}

static void evlist_free(void *data)
{
    free(data);
}

static attr_t evlist_level_attr(enum event_level l)
{
    switch (l) {
    case EV_BAD:
        return ui_attr(UI_BAD);
    case EV_WARN:
        return ui_attr(UI_WARN);
    case EV_GOOD:
        return ui_attr(UI_GOOD);
    default:
        return A_NORMAL;
    }
}

/* One event: time, level, kind, subject, text (subject and text come from outside: escaped). */
static void evlist_line(WINDOW *w, int y, const struct event *e, bool selected)
{
    char when[FMT_LEN];
    attr_t sel = ui_attr(UI_SELECTED);
    int width = getmaxx(w), x;

    if (selected)
        ui_fill(w, y, 0, width, sel);
    fmt_time_ms(when, sizeof when, e->at_ms, FMT_CLOCK);
    ui_put(w, y, EVLIST_X_TIME, width, selected ? sel : ui_attr(UI_DIM), when);
    ui_put(w, y, EVLIST_X_LEVEL, width - EVLIST_X_LEVEL,
           selected ? sel : evlist_level_attr(e->level), event_level_name(e->level));
    ui_put(w, y, EVLIST_X_KIND, width - EVLIST_X_KIND, selected ? sel : ui_attr(UI_LABEL),
           event_kind_name(e->kind));
    x = EVLIST_X_WHAT;
    if (e->subject[0]) {
        x += ui_put_raw(w, y, x, width / 3, selected ? sel : ui_attr(UI_HEADER), e->subject,
                        strnlen(e->subject, sizeof e->subject));
        x += ui_put(w, y, x, width - x, selected ? sel : A_NORMAL, "  ");
    }
    ui_put_raw(w, y, x, width - x, selected ? sel : A_NORMAL, e->text,
               strnlen(e->text, sizeof e->text));
}

static void evlist_draw(void *data, struct view_env *env, WINDOW *w)
{
    struct evlist *v = data;
    const struct events *ev = &env->m->events;
    int n = (int)events_len(ev);
    char title[96];

    v->page = getmaxy(w) - 2;
    if (v->page < 1)
        v->page = 1;
    v->cursor = view_move(v->cursor, 0, n);
    snprintf(title, sizeof title, "Events, newest first  %d/%d", n ? v->cursor + 1 : 0, n);
    if (ev->dropped)
        snprintf(title + strlen(title), sizeof title - strlen(title), "  (%llu older dropped)",
                 (unsigned long long)ev->dropped);
    ui_put(w, 0, 0, getmaxx(w), ui_attr(UI_TITLE), title);
    ui_fill(w, 1, 0, getmaxx(w), ui_attr(UI_COLUMN));
    ui_put(w, 1, EVLIST_X_TIME, getmaxx(w), ui_attr(UI_COLUMN), "UTC");
    ui_put(w, 1, EVLIST_X_LEVEL, getmaxx(w) - EVLIST_X_LEVEL, ui_attr(UI_COLUMN), "LEVEL");
    ui_put(w, 1, EVLIST_X_KIND, getmaxx(w) - EVLIST_X_KIND, ui_attr(UI_COLUMN), "KIND");
    ui_put(w, 1, EVLIST_X_WHAT, getmaxx(w) - EVLIST_X_WHAT, ui_attr(UI_COLUMN),
           "SUBJECT  WHAT HAPPENED");
    if (n == 0) {
        ui_put(w, 2, 0, getmaxx(w), ui_attr(UI_DIM), "nothing has happened yet");
        return;
    }
    if (v->cursor < v->top)
        v->top = v->cursor;
    if (v->cursor >= v->top + v->page)
        v->top = v->cursor - v->page + 1;
    for (int i = 0; i < v->page && v->top + i < n; i++) {
        int k = v->top + i;
        evlist_line(w, 2 + i, events_get(ev, (unsigned)(n - 1 - k)), k == v->cursor);
    }
}

static enum view_result evlist_act(void *data, struct view_env *env, enum view_action action)
{
    struct evlist *v = data;
    int delta = view_nav_delta(action, v->page);

    if (delta == 0)
        return VIEW_IGNORED;
    v->cursor = view_move(v->cursor, delta, (int)events_len(&env->m->events));
    return VIEW_HANDLED;
}

const struct view_ops view_events_ops = {
    .name = "Events",
    .init = evlist_init,
    .free = evlist_free,
    .draw = evlist_draw,
    .act = evlist_act,
};

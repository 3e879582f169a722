/* The key table (ui-keys.h): data, and the lookups the console, its status line and Help make. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "ui-keys.h"

#define ON_OVERVIEW UI_ON(VIEW_OVERVIEW)
#define ON_SHARDS   UI_ON(VIEW_SHARDS)
#define ON_DETAIL   UI_ON(VIEW_DETAIL)
#define ON_ROWS     UI_ON(VIEW_ROWS)
#define ON_EVENTS   UI_ON(VIEW_EVENTS)
#define ON_HELP     UI_ON(VIEW_HELP)
#define ON_TIME     (ON_OVERVIEW | ON_DETAIL) /* the screens that follow the time cursor */
#define ON_LISTS    (ON_OVERVIEW | ON_SHARDS | ON_EVENTS)

static const struct ui_keys_entry ui_keys_table[] = {
    {.keys = {{VIEW_KEY_FN(KEY_UP), "Up", VA_UP},
              {VIEW_KEY_FN(KEY_DOWN), "Down", VA_DOWN},
              {'j', "j", VA_DOWN},
              {'k', "k", VA_UP}},
     .screens = UI_ON_ALL,
     .hinted = UI_ON_ALL,
     .hint = "j/k:move",
     .help = "move the selection, or scroll"},
    {.keys = {{VIEW_KEY_FN(KEY_PPAGE), "PgUp", VA_PAGE_UP},
              {VIEW_KEY_FN(KEY_NPAGE), "PgDn", VA_PAGE_DOWN},
              {VIEW_KEY_CTRL('b'), "Ctrl-B", VA_PAGE_UP},
              {VIEW_KEY_CTRL('f'), "Ctrl-F", VA_PAGE_DOWN},
              {' ', "Space", VA_PAGE_DOWN}},
     .screens = UI_ON_ALL,
     .help = "one page up / down"},
    {.keys = {{VIEW_KEY_FN(KEY_HOME), "Home", VA_FIRST},
              {VIEW_KEY_FN(KEY_END), "End", VA_LAST},
              {'g', "g", VA_FIRST},
              {'G', "G", VA_LAST}},
     .screens = UI_ON_ALL,
     .help = "first / last"},
    {.keys = {{'\n', "Enter", VA_OPEN},
              {'\r', "Enter", VA_OPEN},
              {VIEW_KEY_FN(KEY_ENTER), "Enter", VA_OPEN}},
     .screens = ON_OVERVIEW | ON_DETAIL | ON_ROWS,
     .hinted = ON_OVERVIEW | ON_DETAIL | ON_ROWS,
     .hint = "Enter:open",
     .help = "open what is selected: Overview > Table detail > Rows > a row's version history"},
    {.keys = {{'r', "r", VA_ROWS}},
     .screens = ON_OVERVIEW | ON_DETAIL,
     .help = "Rows of the selected table"},
    {.keys = {{'/', "/", VA_FIND}},
     .screens = ON_ROWS,
     .hinted = ON_ROWS,
     .hint = "/:filter",
     .help = "filter the rows by key text; Enter keeps the filter, Esc cancels"},
    {.keys = {{VIEW_KEY_FN(KEY_LEFT), "Left", VA_LEFT},
              {VIEW_KEY_FN(KEY_RIGHT), "Right", VA_RIGHT},
              {'h', "h", VA_LEFT},
              {'l', "l", VA_RIGHT}},
     .screens = ON_ROWS,
     .hinted = ON_ROWS,
     .hint = "h/l:scroll",
     .help = "scroll the row images sideways; Left and h also leave a version history"},
    {.keys = {{'<', "<", VA_PREV_TABLE}, {'>', ">", VA_NEXT_TABLE}},
     .screens = ON_DETAIL | ON_ROWS,
     .hinted = ON_DETAIL | ON_ROWS,
     .hint = "</>:table",
     .help = "previous / next table"},
    {.keys = {{'\t', "Tab", VA_NEXT_SCREEN}, {VIEW_KEY_FN(KEY_BTAB), "Shift-Tab", VA_PREV_SCREEN}},
     .screens = UI_ON_ALL,
     .hinted = ON_SHARDS | ON_EVENTS,
     .hint = "Tab:screen",
     .help = "next / previous screen: Overview, Shards, Events, Rows"},
    {.keys = {{'1', "1", VA_GO_OVERVIEW},
              {'2', "2", VA_GO_SHARDS},
              {'3', "3", VA_GO_DETAIL},
              {'4', "4", VA_GO_ROWS},
              {'5', "5", VA_GO_EVENTS}},
     .screens = UI_ON_ALL,
     .help = "Overview, Shards, Table detail, Rows, Events"},
    {.keys = {{'e', "e", VA_GO_EVENTS}}, .screens = UI_ON_ALL, .help = "Events"},
    {.keys = {{'[', "[", VA_TIME_BACK}, {']', "]", VA_TIME_FORWARD}},
     .screens = ON_TIME,
     .hinted = ON_TIME,
     .hint = "[/]:time",
     .help = "time cursor one second back / forward, over everything on the timeline (what "
             "--from read included) up to 15 minutes back: rates, the sparkline's marked "
             "second, latency percentiles and DLQ depth as they were then, and on the Overview "
             "how each table's rate changed since (vs now)"},
    {.keys = {{'{', "{", VA_TIME_BACK_10}, {'}', "}", VA_TIME_FORWARD_10}},
     .screens = ON_TIME,
     .help = "time cursor ten seconds back / forward"},
    {.keys = {{VIEW_KEY_FN(KEY_END), "End", VA_TIME_NOW}},
     .screens = ON_TIME,
     .first = true,
     .help = "back to now, while the time cursor shows the past"},
    {.keys = {{'t', "t", VA_TIME_GOTO}},
     .screens = ON_TIME,
     .hinted = ON_OVERVIEW,
     .hint = "t:goto",
     .help = "go to a time: -5m (before now), 22:04 or 22:04:30 (UTC, the last such time), "
             "2026-12-07T22:04:00Z or epoch seconds; Enter goes there, Esc cancels"},
    {.keys = {{'p', "p", VA_PAUSE}},
     .screens = UI_ON_ALL,
     .hinted = ON_LISTS,
     .hint = "p:pause",
     .help = "pause: the screen stops updating (PAUSED) while data keeps flowing into the "
             "model; keys still work; p again resumes"},
    {.keys = {{'s', "s", VA_SNAPSHOT}},
     .screens = UI_ON_ALL,
     .hinted = ON_LISTS | ON_DETAIL,
     .hint = "s:snapshot",
     .help = "snapshot set: BASE.json, BASE.txt (every screen as text) and BASE.html (a "
             "report with charts) in the snapshot directory; the path, or why it failed, "
             "shows on the status line and in Events"},
    {.keys = {{'R', "R", VA_RETRY}},
     .screens = UI_ON_ALL,
     .hinted = ON_SHARDS,
     .hint = "R:retry",
     .help = "retry now: readers waiting after an error (backoff, error) and a shard listing "
             "waiting to be retried call again at once, within the read budget; the status "
             "line says what was retried"},
    {.keys = {{'?', "?", VA_HELP}, {VIEW_KEY_FN(KEY_F(1)), "F1", VA_HELP}},
     .screens = UI_ON_ALL,
     .hinted = UI_ON_ALL & ~ON_HELP,
     .hint = "?:help",
     .help = "this help; again: back"},
    {.keys = {{VIEW_KEY_ESC, "Esc", VA_BACK}},
     .screens = UI_ON_ALL,
     .hinted = ON_DETAIL | ON_ROWS | ON_HELP,
     .hint = "Esc:back",
     .help = "back: leaves a version history, clears a key filter, closes a screen opened "
             "from another (Table detail, Rows from Enter or r, Help)"},
    {.keys = {{'q', "q", VA_CLOSE}},
     .screens = UI_ON_ALL,
     .hinted = ON_LISTS,
     .hint = "q:quit",
     .help = "back like Esc; on a screen not opened from another, quits"},
    {.keys = {{VIEW_KEY_CTRL('l'), "Ctrl-L", VA_REDRAW}},
     .screens = UI_ON_ALL,
     .help = "redraw the whole terminal"},
};

#define UI_KEYS_N (sizeof ui_keys_table / sizeof ui_keys_table[0])

unsigned ui_keys_count(void)
{
    return UI_KEYS_N;
}

const struct ui_keys_entry *ui_keys_get(unsigned i)
{
    return i < UI_KEYS_N ? &ui_keys_table[i] : NULL;
}

void ui_keys_names(const struct ui_keys_entry *e, char *out, size_t len)
{
    size_t n = 0;
    out[0] = '\0';
    for (int i = 0; i < UI_KEYS_PER_ENTRY && e->keys[i].name; i++) {
        if (i > 0 && strcmp(e->keys[i].name, e->keys[i - 1].name) == 0)
            continue; /* Enter as \n, \r and the keypad's Enter */
        int w = snprintf(out + n, len - n, "%s%s", n ? " " : "", e->keys[i].name);
        if (w < 0 || (size_t)w >= len - n)
            return;
        n += (size_t)w;
    }
}

/* Appends the actions of the entries whose `first` is as asked. */
static unsigned ui_keys_collect(enum view_id screen, int key, bool first, enum view_action *out,
                                unsigned n, unsigned max)
{
    for (unsigned i = 0; i < UI_KEYS_N && n < max; i++) {
        const struct ui_keys_entry *e = &ui_keys_table[i];
        if (e->first != first || !(e->screens & UI_ON(screen)))
            continue;
        for (int k = 0; k < UI_KEYS_PER_ENTRY && e->keys[k].name && n < max; k++)
            if (e->keys[k].code == key)
                out[n++] = e->keys[k].action;
    }
    return n;
}

unsigned ui_keys_actions(enum view_id screen, int key, enum view_action *out, unsigned max)
{
    unsigned n = ui_keys_collect(screen, key, true, out, 0, max);
    return ui_keys_collect(screen, key, false, out, n, max);
}

void ui_keys_hints(enum view_id screen, char *out, size_t len)
{
    size_t n = 0;
    out[0] = '\0';
    for (unsigned i = 0; i < UI_KEYS_N; i++) {
        const struct ui_keys_entry *e = &ui_keys_table[i];
        if (!e->hint || !(e->hinted & UI_ON(screen)))
            continue;
        int w = snprintf(out + n, len - n, "%s%s", n ? " " : "", e->hint);
        if (w < 0 || (size_t)w >= len - n)
            return;
        n += (size_t)w;
    }
}

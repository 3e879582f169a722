/*
 * The key table: every key of the console, the screens it works on, the action it asks for, its
 * hint on the status line and what Help says of it. It drives the key handling (ui.c), the hint
 * line of each screen and Help's list of keys; docs/cdctop.1 lists the same entries under KEYS
 * (tests/unit/keys_test.c holds them to it).
 */
#ifndef CDCTOP_UI_KEYS_H
#define CDCTOP_UI_KEYS_H

#include <stdbool.h>
#include <stddef.h>

#include "view.h"

#define UI_KEYS_PER_ENTRY 6
#define UI_ON(view)       (1u << (view))
#define UI_ON_ALL         ((1u << VIEW_COUNT) - 1)

struct ui_key {
    int code;         /* as keys arrive (view.h): a character, or VIEW_KEY_FN(curses key) */
    const char *name; /* as Help and cdctop(1) write it: "Up", "j", "Shift-Tab", "Ctrl-L" */
    enum view_action action;
};

struct ui_keys_entry {
    struct ui_key keys[UI_KEYS_PER_ENTRY]; /* up to the first without a name */
    unsigned screens;                      /* UI_ON() of each screen the keys work on */
    bool first;       /* takes its keys before their other meanings on a screen, when it applies
                       * (End leaves the past before it goes to the end of a list) */
    unsigned hinted;  /* UI_ON() of each screen whose status line shows the hint */
    const char *hint; /* "j/k:move" */
    const char *help; /* what Help says */
};

/* The entries, in the order Help shows them. */
unsigned ui_keys_count(void);
const struct ui_keys_entry *ui_keys_get(unsigned i);
/* The names of an entry's keys as Help writes them, each once: "Up Down j k". */
void ui_keys_names(const struct ui_keys_entry *e, char *out, size_t len);
/* The actions key asks for on screen, in the order they are tried (at most max). */
unsigned ui_keys_actions(enum view_id screen, int key, enum view_action *out, unsigned max);
/* The key hints of a screen's status line, in table order: "j/k:move Enter:open ...". */
void ui_keys_hints(enum view_id screen, char *out, size_t len);

#endif

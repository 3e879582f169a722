/*
 * Whether the console can draw on the terminal, asked before curses takes it over. A terminal
 * type without a terminfo entry would make newterm fail only after the source started, and one
 * that cannot address the cursor (TERM=dumb, a printing terminal, an emacs shell buffer) would
 * get every screen as a stream of garbage.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include "ui-curses.h"
#include "ui.h"

/* Only here: term.h defines macros named like every capability (lines, columns, ...). */
#include <term.h>

static bool ui_term_has_str(const char *cap)
{
    const char *s = tigetstr(cap);
    return s != NULL && s != (const char *)-1 && *s != '\0';
}

bool ui_term_usable(int fd, char *why, size_t len)
{
    const char *term = getenv("TERM");
    int err = 0;

    if (term == NULL || *term == '\0') {
        snprintf(why, len,
                 "TERM is not set, so the console cannot tell how to draw on this terminal; set "
                 "it to the terminal's type (e.g. xterm-256color), or use --headless");
        return false;
    }
    if (setupterm(term, fd, &err) != OK) {
        if (err == 1)
            snprintf(why, len,
                     "the terminal \"%.64s\" (TERM) is a printing terminal: the console cannot "
                     "draw on it; use --headless",
                     term);
        else if (err == 0)
            snprintf(why, len,
                     "the terminal type \"%.64s\" (TERM) is not known here (no terminfo entry, "
                     "or too generic to draw on): set TERM to the terminal's type (e.g. "
                     "xterm-256color), or use --headless",
                     term);
        else
            snprintf(why, len,
                     "no terminfo database to describe the terminal \"%.64s\" (TERM): install "
                     "ncurses-base, or use --headless",
                     term);
        return false;
    }
    bool usable = ui_term_has_str("cup") && tigetflag("hc") <= 0;
    del_curterm(cur_term);
    if (!usable)
        snprintf(why, len,
                 "the terminal \"%.64s\" (TERM) cannot move the cursor, so the console cannot "
                 "draw on it: use --headless, or set TERM to the terminal's real type (e.g. "
                 "xterm-256color)",
                 term);
    return usable;
}

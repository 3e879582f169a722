/* The terminal UI: ncursesw driven by the libev loop. Views only draw the model. */
#ifndef CDCTOP_UI_H
#define CDCTOP_UI_H

#include <stdbool.h>
#include <stdint.h>

struct session;

struct ui_opts {
    const char *theme;     /* theme name ("default", "mono") or a path to a .theme file */
    const char *theme_dir; /* extra directory searched for NAME.theme; may be NULL */
    bool ascii;            /* ASCII sparklines and borders instead of UTF-8 */
    double refresh_s;      /* minimum seconds between redraws (default 0.25) */
};

/* The console as the session's front end (session.h: where snapshots go, how often): runs the
 * session until the user quits, SIGINT, SIGTERM or SIGHUP. Returns the exit status. */
int ui_run(struct session *s, const struct ui_opts *opts);

/*
 * Whether the console can draw on the terminal that TERM names (fd is the terminal): it has a
 * terminfo entry and can move the cursor. When not, why says so, naming TERM (as set: unescaped)
 * and suggesting --headless. Ask before ui_run, before anything else starts.
 */
bool ui_term_usable(int fd, char *why, size_t len);

#endif

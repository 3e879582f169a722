/* The one place that includes curses: wide-character ncursesw whatever the include path. */
#ifndef CDCTOP_UI_CURSES_H
#define CDCTOP_UI_CURSES_H

#ifndef NCURSES_WIDECHAR
#define NCURSES_WIDECHAR 1
#endif

#include <curses.h>

#endif

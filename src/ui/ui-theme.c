/* Theme loading: finds NAME.theme, parses it line by line and turns it into curses attributes. */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ui-theme.h"

#include "linereader.h"
#include "xalloc.h"

#ifndef CDCTOP_DATADIR
#define CDCTOP_DATADIR "/usr/local/share/cdctop"
#endif

#define THEME_MAX_WORDS 12
#define THEME_NO_COLOUR (-2) /* a colour word that did not parse */

static const char *const theme_elem_names[UI_ELEM_COUNT] = {
#define UI_ELEM_NAME(e, name) [UI_##e] = name,
    UI_ELEMENTS(UI_ELEM_NAME)
#undef UI_ELEM_NAME
};

static attr_t theme_attrs[UI_ELEM_COUNT];
static char theme_origin[1024] = "built-in";

/* Where parse problems go: the first one is kept, the rest only counted. */
struct theme_diag {
    char *out;
    size_t outlen;
    unsigned count;
};

/* How colours can be used on this terminal. */
struct theme_caps {
    bool colour;
    bool default_bg; /* use_default_colors() worked, so -1 is allowed */
    int colours;     /* COLORS */
};

struct theme_parse {
    const char *file; /* for messages */
    unsigned line;
    struct theme_caps caps;
    struct theme_diag *diag;
};

static void theme_warn(struct theme_parse *p, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void theme_warn(struct theme_parse *p, const char *fmt, ...)
{
    struct theme_diag *d = p->diag;
    va_list ap;

    d->count++;
    if (d->count > 1 || d->outlen == 0)
        return;
    char msg[160];
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (p->line > 0)
        snprintf(d->out, d->outlen, "%s:%u: %s", p->file, p->line, msg);
    else
        snprintf(d->out, d->outlen, "%s: %s", p->file, msg);
}

static int theme_elem_find(const char *word)
{
    for (int i = 0; i < UI_ELEM_COUNT; i++)
        if (strcmp(theme_elem_names[i], word) == 0)
            return i;
    return -1;
}

static bool theme_attr_word(const char *word, attr_t *attr)
{
    static const struct {
        const char *name;
        attr_t attr;
    } names[] = {
        {"normal", A_NORMAL},     {"none", A_NORMAL},     {"bold", A_BOLD},
        {"dim", A_DIM},           {"reverse", A_REVERSE}, {"underline", A_UNDERLINE},
        {"standout", A_STANDOUT}, {"blink", A_BLINK},     {"italic", A_ITALIC},
    };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        if (strcmp(names[i].name, word) == 0) {
            *attr |= names[i].attr;
            return true;
        }
    }
    return false;
}

/* -1 for default, 0-255, or THEME_NO_COLOUR. */
static int theme_colour_word(const char *word)
{
    static const char *const basic[] = {"black", "red",     "green", "yellow",
                                        "blue",  "magenta", "cyan",  "white"};
    if (strcmp(word, "default") == 0 || strcmp(word, "-1") == 0)
        return -1;
    int bright = 0;
    if (strncmp(word, "bright-", 7) == 0) {
        bright = 8;
        word += 7;
    } else if (strncmp(word, "bright", 6) == 0) {
        bright = 8;
        word += 6;
    }
    for (int i = 0; i < 8; i++)
        if (strcmp(basic[i], word) == 0)
            return i + bright;
    if (bright || !isdigit((unsigned char)word[0]))
        return THEME_NO_COLOUR;
    char *end;
    errno = 0;
    long n = strtol(word, &end, 10);
    if (errno || *end || n > 255)
        return THEME_NO_COLOUR;
    return (int)n;
}

/* Maps a 256-colour index onto the 8 basic colours (bit 0 red, 1 green, 2 blue). */
static int theme_colour_to8(int c)
{
    if (c < 16)
        return c & 7;
    if (c >= 232) /* grey ramp */
        return c < 244 ? COLOR_BLACK : COLOR_WHITE;
    int v = c - 16, r = v / 36, g = (v / 6) % 6, b = v % 6;
    return (r >= 3 ? 1 : 0) | (g >= 3 ? 2 : 0) | (b >= 3 ? 4 : 0);
}

/* Fits a colour to the terminal; a bright foreground on 8 colours becomes bold. */
static int theme_colour_fit(const struct theme_caps *caps, int c, bool fg, attr_t *attr)
{
    if (c < 0)
        return caps->default_bg ? -1 : (fg ? COLOR_WHITE : COLOR_BLACK);
    if (c < caps->colours)
        return c;
    if (fg && c >= 8 && c < 16)
        *attr |= A_BOLD;
    return theme_colour_to8(c);
}

static void theme_set_colour(struct theme_parse *p, int elem, int fg, int bg, attr_t attr)
{
    if (!p->caps.colour || (fg == -1 && bg == -1)) {
        theme_attrs[elem] = attr;
        return;
    }
    fg = theme_colour_fit(&p->caps, fg, true, &attr);
    bg = theme_colour_fit(&p->caps, bg, false, &attr);
    short pair = (short)(elem + 1);
    if (pair >= COLOR_PAIRS || init_pair(pair, (short)fg, (short)bg) == ERR) {
        theme_attrs[elem] = attr;
        return;
    }
    theme_attrs[elem] = attr | COLOR_PAIR(pair);
}

static bool theme_attr_words(struct theme_parse *p, char **words, int n, attr_t *attr)
{
    for (int i = 0; i < n; i++) {
        if (!theme_attr_word(words[i], attr)) {
            theme_warn(p, "unknown attribute '%s'", words[i]);
            return false;
        }
    }
    return true;
}

/* One directive, already split into words. */
static void theme_directive(struct theme_parse *p, char **w, int n)
{
    bool is_colour = strcmp(w[0], "color") == 0 || strcmp(w[0], "colour") == 0;
    if (!is_colour && strcmp(w[0], "attr") != 0) {
        theme_warn(p, "unknown directive '%s' (want color or attr)", w[0]);
        return;
    }
    if (n < 2 || (is_colour && n < 4)) {
        theme_warn(p, "%s",
                   is_colour ? "usage: color ELEMENT FG BG [ATTR...]"
                             : "usage: attr ELEMENT ATTR...");
        return;
    }
    int elem = theme_elem_find(w[1]);
    if (elem < 0) {
        theme_warn(p, "unknown element '%s'", w[1]);
        return;
    }
    attr_t attr = A_NORMAL;
    if (!is_colour) {
        if (theme_attr_words(p, w + 2, n - 2, &attr))
            theme_attrs[elem] = attr;
        return;
    }
    int fg = theme_colour_word(w[2]), bg = theme_colour_word(w[3]);
    if (fg == THEME_NO_COLOUR || bg == THEME_NO_COLOUR) {
        theme_warn(p, "unknown colour '%s'", fg == THEME_NO_COLOUR ? w[2] : w[3]);
        return;
    }
    if (theme_attr_words(p, w + 4, n - 4, &attr))
        theme_set_colour(p, elem, fg, bg, attr);
}

static void theme_line(struct theme_parse *p, char *line)
{
    char *hash = strchr(line, '#');
    if (hash)
        *hash = '\0';
    char *words[THEME_MAX_WORDS];
    int n = 0;
    for (char *tok = strtok(line, " \t\r\n"); tok; tok = strtok(NULL, " \t\r\n")) {
        if (n == THEME_MAX_WORDS) {
            theme_warn(p, "%s", "too many words");
            return;
        }
        words[n++] = tok;
    }
    if (n > 0)
        theme_directive(p, words, n);
}

static void theme_parse_text(struct theme_parse *p, const char *text)
{
    char line[512];
    while (*text) {
        size_t len = strcspn(text, "\n");
        p->line++;
        if (len >= sizeof line) {
            theme_warn(p, "%s", "line too long");
        } else {
            memcpy(line, text, len);
            line[len] = '\0';
            theme_line(p, line);
        }
        text += len + (text[len] == '\n');
    }
}

/* Lines as long as the built-in themes allow; a theme file is a few KiB (a bigger "file", such
 * as /dev/zero, is not one: reading stops). */
#define THEME_MAX_LINE 511
#define THEME_MAX_FILE ((uint64_t)1 << 20)

static void theme_parse_file(struct theme_parse *p, FILE *f)
{
    struct linereader *lr = xmalloc(sizeof *lr);
    enum linereader_status st;
    linereader_init(lr, f, THEME_MAX_LINE, THEME_MAX_FILE);
    while ((st = linereader_next(lr)) == LINEREADER_LINE || st == LINEREADER_TOO_LONG) {
        p->line++;
        if (st == LINEREADER_TOO_LONG)
            theme_warn(p, "%s", "line too long");
        else
            theme_line(p, lr->line.data);
    }
    if (st == LINEREADER_TOO_LARGE) {
        p->line = 0;
        theme_warn(p, "%s", "goes on past 1 MiB: not a theme file");
    }
    linereader_free(lr);
    free(lr);
}

/* Opens the first NAME.theme found along the lookup path; path gets its name. */
static FILE *theme_open(const struct ui_theme_opts *o, const char *name, char *path, size_t len)
{
    if (strchr(name, '/')) {
        snprintf(path, len, "%s", name);
        return fopen(path, "r");
    }
    const char *xdg = getenv("XDG_CONFIG_HOME");
    const char *home = getenv("HOME");
    char xdgdir[512] = "";
    if (xdg && *xdg)
        snprintf(xdgdir, sizeof xdgdir, "%s/cdctop/themes", xdg);
    else if (home && *home)
        snprintf(xdgdir, sizeof xdgdir, "%s/.config/cdctop/themes", home);
    const char *dirs[] = {o->dir, xdgdir, CDCTOP_DATADIR};
    for (size_t i = 0; i < sizeof dirs / sizeof dirs[0]; i++) {
        if (!dirs[i] || !*dirs[i])
            continue;
        snprintf(path, len, "%s/%s.theme", dirs[i], name);
        FILE *f = fopen(path, "r");
        if (f)
            return f;
    }
    return NULL;
}

static const char *theme_builtin(const char *name)
{
    if (strcmp(name, "default") == 0)
        return ui_theme_builtin_default;
    if (strcmp(name, "mono") == 0)
        return ui_theme_builtin_mono;
    return NULL;
}

static void theme_caps_probe(struct theme_caps *caps, bool want_colour)
{
    caps->colour = false;
    caps->default_bg = false;
    caps->colours = 0;
    if (!want_colour || !has_colors() || start_color() == ERR || COLORS < 8)
        return;
    caps->colour = true;
    caps->default_bg = use_default_colors() != ERR;
    caps->colours = COLORS;
}

/* The compiled-in copy of a shipped theme; an unknown name falls back to the default. */
static void theme_load_builtin(struct theme_parse *p, const char *name)
{
    const char *text = theme_builtin(name);
    if (!text) {
        p->file = name;
        theme_warn(p, "%s", "theme not found; using the built-in default");
        name = p->caps.colour ? "default" : "mono";
        text = theme_builtin(name);
    }
    snprintf(theme_origin, sizeof theme_origin, "built-in %s", name);
    p->file = theme_origin;
    p->line = 0;
    theme_parse_text(p, text);
}

void ui_theme_load(const struct ui_theme_opts *opts, char *warn, size_t warnlen)
{
    struct theme_diag diag = {warn, warnlen, 0};
    struct theme_parse p = {.file = "built-in mono", .diag = &diag};
    const char *name = opts->name && *opts->name ? opts->name : "default";

    if (warnlen)
        warn[0] = '\0';
    theme_caps_probe(&p.caps, opts->colour);
    if (!p.caps.colour)
        name = "mono";

    /* The mono theme is the base, so a partial theme file still gives every element a look. */
    struct theme_caps caps = p.caps;
    p.caps.colour = false;
    theme_parse_text(&p, ui_theme_builtin_mono);
    p.caps = caps;

    char path[sizeof theme_origin];
    FILE *f = theme_open(opts, name, path, sizeof path);
    p.line = 0;
    if (f) {
        p.file = path;
        snprintf(theme_origin, sizeof theme_origin, "%s", path);
        theme_parse_file(&p, f);
        fclose(f);
    } else {
        theme_load_builtin(&p, name);
    }
    if (diag.count > 1 && warnlen) {
        size_t used = strlen(warn);
        snprintf(warn + used, warnlen - used, " (+%u more)", diag.count - 1);
    }
}

attr_t ui_attr(enum ui_elem e)
{
    return (unsigned)e < UI_ELEM_COUNT ? theme_attrs[e] : A_NORMAL;
}

attr_t ui_level_attr(enum readout_level level)
{
    switch (level) {
    case LEVEL_WARN:
        return ui_attr(UI_WARN);
    case LEVEL_BAD:
        return ui_attr(UI_BAD);
    default:
        return A_NORMAL;
    }
}

const char *ui_theme_origin(void)
{
    return theme_origin;
}

/* Shell-style word splitting without a shell (see shellwords.h). */
#include "config.h"

#include "shellwords.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "xalloc.h"

struct shellwords {
    char **argv;
    size_t argc, cap;
};

static void shellwords_push(struct shellwords *w, struct buf *word)
{
    if (w->argc + 1 >= w->cap) {
        w->cap = w->cap != 0 ? w->cap * 2 : 8;
        w->argv = xrealloc(w->argv, w->cap * sizeof *w->argv);
    }
    w->argv[w->argc++] = buf_steal(word);
    w->argv[w->argc] = NULL;
}

static bool shellwords_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* Inside double quotes a backslash only escapes '"' and '\'; elsewhere it stays literal. */
static const char *shellwords_double(const char *p, struct buf *word, const char **err)
{
    for (; *p; p++) {
        if (*p == '"')
            return p + 1;
        if (*p == '\\' && (p[1] == '"' || p[1] == '\\'))
            p++;
        buf_putc(word, *p);
    }
    *err = "no closing quotation";
    return NULL;
}

static const char *shellwords_single(const char *p, struct buf *word, const char **err)
{
    const char *close = strchr(p, '\'');

    if (!close) {
        *err = "no closing quotation";
        return NULL;
    }
    buf_append(word, p, (size_t)(close - p));
    return close + 1;
}

char **shellwords_split(const char *s, size_t *argc, const char **err)
{
    struct shellwords w = {NULL, 0, 0};
    struct buf word;
    bool in_word = false;
    const char *p = s ? s : "";

    *err = NULL;
    buf_init(&word);
    while (p && *p) {
        if (shellwords_blank(*p)) {
            if (in_word)
                shellwords_push(&w, &word);
            in_word = false;
            p++;
            continue;
        }
        in_word = true;
        buf_puts(&word, ""); /* a quoted empty word ('') is still a word */
        if (*p == '\'') {
            p = shellwords_single(p + 1, &word, err);
        } else if (*p == '"') {
            p = shellwords_double(p + 1, &word, err);
        } else if (*p == '\\') {
            if (p[1] == '\0') {
                *err = "no escaped character";
                p = NULL;
            } else {
                buf_putc(&word, p[1]);
                p += 2;
            }
        } else {
            buf_putc(&word, *p++);
        }
    }
    if (!*err && in_word)
        shellwords_push(&w, &word);
    buf_free(&word);
    if (!*err && w.argc == 0)
        *err = "empty command";
    if (*err) {
        if (w.argv)
            shellwords_free(w.argv);
        return NULL;
    }
    if (argc)
        *argc = w.argc;
    return w.argv;
}

void shellwords_free(char **argv)
{
    if (!argv)
        return;
    for (char **a = argv; *a; a++)
        free(*a);
    free(argv);
}

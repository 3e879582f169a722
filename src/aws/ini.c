/* A small reader for the AWS config and credentials files (see ini.h for the accepted syntax). */
#include "config.h"

#include "ini.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "xalloc.h"

#define INI_MAX_FILE ((size_t)4 << 20) /* config files are tiny; refuse anything absurd */

struct ini_entry {
    char *section;
    char *key;
    char *value;
};

struct ini {
    struct ini_entry *e;
    size_t n, cap;
};

static bool ini_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v';
}

/* A copy of s[0..n) without surrounding whitespace and with inner runs collapsed to one space. */
static char *ini_normalised(const char *s, size_t n)
{
    char *out = xmalloc(n + 1);
    size_t o = 0;
    bool space = false;

    for (size_t i = 0; i < n; i++) {
        if (ini_space(s[i])) {
            space = o > 0;
            continue;
        }
        if (space)
            out[o++] = ' ';
        space = false;
        out[o++] = s[i];
    }
    out[o] = '\0';
    return out;
}

static char *ini_trimmed(const char *s, size_t n)
{
    while (n > 0 && ini_space(*s)) {
        s++;
        n--;
    }
    while (n > 0 && ini_space(s[n - 1]))
        n--;
    return xstrndup(s, n);
}

static void ini_set(struct ini *ini, const char *section, char *key, char *value)
{
    for (size_t i = 0; i < ini->n; i++) {
        if (strcmp(ini->e[i].section, section) == 0 && strcmp(ini->e[i].key, key) == 0) {
            /* A repeated key: the later line wins. */
            free(ini->e[i].value);
            ini->e[i].value = value;
            free(key);
            return;
        }
    }
    if (ini->n == ini->cap) {
        ini->cap = ini->cap != 0 ? ini->cap * 2 : 16;
        ini->e = xrealloc(ini->e, ini->cap * sizeof *ini->e);
    }
    ini->e[ini->n].section = xstrdup(section);
    ini->e[ini->n].key = key;
    ini->e[ini->n].value = value;
    ini->n++;
}

/* Records a section header even when it has no keys, so ini_has_section sees it. */
static void ini_add_section(struct ini *ini, const char *section)
{
    ini_set(ini, section, xstrdup(""), xstrdup(""));
}

/* Where the parser is: the current section, and the key that opened a nested sub-section. */
struct ini_state {
    char *section;
    char *parent; /* "sts" after "sts =" with nothing after it; NULL otherwise */
};

/* "key = value" (or "key: value") into a lowercase key and a value; false when not one. */
static bool ini_pair(const char *line, size_t n, char **key, char **value)
{
    size_t i = 0;

    while (i < n && line[i] != '=' && line[i] != ':')
        i++;
    if (i == n)
        return false;
    *key = ini_trimmed(line, i);
    *value = ini_trimmed(line + i + 1, n - i - 1);
    if (!(*key)[0]) {
        free(*key);
        free(*value);
        return false;
    }
    for (char *p = *key; *p; p++)
        if (*p >= 'A' && *p <= 'Z')
            *p = (char)(*p - 'A' + 'a');
    return true;
}

/* An indented line: a setting of the open sub-section, stored as "parent.key"; else ignored. */
static void ini_nested_line(struct ini *ini, const char *line, size_t n, struct ini_state *st)
{
    char *key, *value;
    struct buf full;

    while (n > 0 && ini_space(*line)) {
        line++;
        n--;
    }
    if (n == 0 || !st->section || !st->parent || line[0] == '#' || line[0] == ';')
        return;
    if (!ini_pair(line, n, &key, &value))
        return;
    buf_init(&full);
    buf_printf(&full, "%s.%s", st->parent, key);
    free(key);
    ini_set(ini, st->section, buf_steal(&full), value);
}

static void ini_line(struct ini *ini, const char *line, size_t n, struct ini_state *st)
{
    char *key, *value;

    if (n == 0)
        return;
    if (ini_space(line[0])) {
        ini_nested_line(ini, line, n, st);
        return;
    }
    if (line[0] == '#' || line[0] == ';')
        return;
    free(st->parent);
    st->parent = NULL;
    if (line[0] == '[') {
        const char *close = memchr(line, ']', n);

        if (!close)
            return;
        free(st->section);
        st->section = ini_normalised(line + 1, (size_t)(close - line - 1));
        ini_add_section(ini, st->section);
        return;
    }
    if (!st->section || !ini_pair(line, n, &key, &value))
        return; /* keys before any section belong to nothing */
    if (!value[0])
        st->parent = xstrdup(key);
    ini_set(ini, st->section, key, value);
}

struct ini *ini_parse(const char *text, size_t len)
{
    struct ini *ini = xcalloc(1, sizeof *ini);
    struct ini_state st = {NULL, NULL};
    size_t i = 0;

    /* A UTF-8 byte order mark, as some editors write, is not part of the first line. */
    if (len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0)
        i = 3;
    while (i < len) {
        const char *nl = memchr(text + i, '\n', len - i);
        size_t end = nl ? (size_t)(nl - text) : len;
        size_t n = end - i;

        if (n > 0 && text[i + n - 1] == '\r')
            n--;
        ini_line(ini, text + i, n, &st);
        i = end + 1;
    }
    free(st.section);
    free(st.parent);
    return ini;
}

struct ini *ini_load(const char *path, int *err)
{
    FILE *f = fopen(path, "rbe");
    struct buf b;
    char chunk[4096];
    size_t n;
    struct ini *ini;

    if (!f) {
        *err = errno;
        return NULL;
    }
    buf_init(&b);
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
        if (b.len + n > INI_MAX_FILE) {
            fclose(f);
            buf_free(&b);
            *err = EFBIG;
            return NULL;
        }
        buf_append(&b, chunk, n);
    }
    if (ferror(f)) {
        *err = errno != 0 ? errno : EIO;
        fclose(f);
        buf_free(&b);
        return NULL;
    }
    fclose(f);
    ini = ini_parse(b.data ? b.data : "", b.len);
    buf_free(&b);
    *err = 0;
    return ini;
}

void ini_free(struct ini *ini)
{
    if (!ini)
        return;
    for (size_t i = 0; i < ini->n; i++) {
        free(ini->e[i].section);
        free(ini->e[i].key);
        free(ini->e[i].value);
    }
    free(ini->e);
    free(ini);
}

const char *ini_get(const struct ini *ini, const char *section, const char *key)
{
    if (!ini || !key[0])
        return NULL;
    for (size_t i = 0; i < ini->n; i++)
        if (strcmp(ini->e[i].section, section) == 0 && strcasecmp(ini->e[i].key, key) == 0)
            return ini->e[i].value;
    return NULL;
}

bool ini_has_section(const struct ini *ini, const char *section)
{
    if (!ini)
        return false;
    for (size_t i = 0; i < ini->n; i++)
        if (strcmp(ini->e[i].section, section) == 0)
            return true;
    return false;
}

/* Primary-key identity: configured, learned from deletes, or guessed. */
#include "pk.h"

#include <stdio.h>
#include <string.h>

const char *pk_source_name(enum pk_source s)
{
    switch (s) {
    case PK_GUESSED:
        return "guessed";
    case PK_LEARNED:
        return "learned";
    case PK_CONFIGURED:
        return "configured";
    case PK_NONE:
        break;
    }
    return "none";
}

bool pk_def_equal(const struct pk_def *a, const struct pk_def *b)
{
    if (a->ncols != b->ncols)
        return false;
    for (unsigned i = 0; i < a->ncols; i++)
        if (strcmp(a->cols[i], b->cols[i]) != 0)
            return false;
    return true;
}

static bool add_col(struct pk_def *def, struct jspan key)
{
    if (def->ncols >= PK_MAX_COLS)
        return false;
    size_t len;
    if (!jscan_string(key, def->cols[def->ncols], sizeof def->cols[0], &len) || len == 0)
        return false;
    def->ncols++;
    return true;
}

static bool ends_with(const char *s, size_t len, const char *suffix)
{
    size_t n = strlen(suffix);
    return len >= n && strcmp(s + len - n, suffix) == 0;
}

static bool id_like(const char *name)
{
    size_t len = strlen(name);
    return strcmp(name, "id") == 0 || ends_with(name, len, "_id") ||
           ends_with(name, len, "_uuid") || ends_with(name, len, "_key");
}

bool pk_guess(struct pk_def *out, struct jspan after)
{
    struct jscan_iter it;
    struct jspan k, v, first = {NULL, 0};
    memset(out, 0, sizeof *out);
    if (jscan_type(after) != JT_OBJECT)
        return false;
    jscan_iter_init(&it, after);
    while (jscan_iter_next(&it, &k, &v)) {
        if (!first.p)
            first = k;
        char name[PK_COL_MAX + 1];
        if (!jscan_string(k, name, sizeof name, NULL) || !id_like(name))
            break;
        if (!add_col(out, k))
            break;
    }
    if (out->ncols == 0 && (!first.p || !add_col(out, first)))
        return false;
    out->source = PK_GUESSED;
    return true;
}

bool pk_learn(struct pk_def *out, struct jspan before)
{
    struct jscan_iter it;
    struct jspan k, v;
    memset(out, 0, sizeof *out);
    if (jscan_type(before) != JT_OBJECT)
        return false;
    jscan_iter_init(&it, before);
    while (jscan_iter_next(&it, &k, &v))
        if (!add_col(out, k))
            return false;
    if (out->ncols == 0)
        return false;
    out->source = PK_LEARNED;
    return true;
}

bool pk_key(const struct pk_def *def, struct jspan image, struct buf *out)
{
    struct jspan v;
    if (def->ncols == 0 || jscan_type(image) != JT_OBJECT)
        return false;
    buf_putc(out, '[');
    for (unsigned i = 0; i < def->ncols; i++) {
        if (!jscan_get(image, def->cols[i], &v))
            return false;
        if (i)
            buf_putc(out, ',');
        buf_append(out, v.p, v.n);
    }
    buf_putc(out, ']');
    return true;
}

static bool copy_part(char *dst, size_t cap, const char *from, size_t len)
{
    while (len && (*from == ' ' || *from == '\t')) {
        from++;
        len--;
    }
    while (len && (from[len - 1] == ' ' || from[len - 1] == '\t'))
        len--;
    if (len == 0 || len >= cap)
        return false;
    memcpy(dst, from, len);
    dst[len] = '\0';
    return true;
}

bool pk_parse_spec(const char *spec, char schema[CDC_NAME_MAX + 1], char table[CDC_NAME_MAX + 1],
                   struct pk_def *out, const char **err)
{
    const char *eq = strchr(spec, '=');
    memset(out, 0, sizeof *out);
    if (!eq) {
        *err = "expected schema.table=column[,column...]";
        return false;
    }
    const char *dot = memchr(spec, '.', (size_t)(eq - spec));
    if (dot) {
        if (!copy_part(schema, CDC_NAME_MAX + 1, spec, (size_t)(dot - spec))) {
            *err = "empty or overlong schema name";
            return false;
        }
    } else {
        snprintf(schema, CDC_NAME_MAX + 1, "public");
    }
    const char *tstart = dot ? dot + 1 : spec;
    if (!copy_part(table, CDC_NAME_MAX + 1, tstart, (size_t)(eq - tstart))) {
        *err = "empty or overlong table name";
        return false;
    }
    const char *p = eq + 1;
    while (*p) {
        const char *comma = strchr(p, ',');
        size_t len = comma ? (size_t)(comma - p) : strlen(p);
        if (out->ncols >= PK_MAX_COLS) {
            *err = "too many key columns (at most 16)";
            return false;
        }
        if (!copy_part(out->cols[out->ncols], PK_COL_MAX + 1, p, len)) {
            *err = "empty or overlong column name";
            return false;
        }
        out->ncols++;
        p += len + (comma ? 1 : 0);
        if (comma && !*p) {
            *err = "empty column name";
            return false;
        }
    }
    if (out->ncols == 0) {
        *err = "no key columns";
        return false;
    }
    out->source = PK_CONFIGURED;
    return true;
}

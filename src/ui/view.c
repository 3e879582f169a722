/* Helpers shared by the views: table selection, cursor movement, names. */
#include "config.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "escape.h"
#include "model.h"
#include "ui-draw.h"
#include "ui-theme.h"
#include "view.h"

const struct model_table *view_table(struct view_env *env)
{
    const struct model *m = env->m;
    if (m->ntables == 0)
        return NULL;
    if (env->table >= m->ntables)
        env->table = m->ntables - 1;
    return m->tables[env->table];
}

int view_move(int cursor, int delta, int count)
{
    if (count <= 0)
        return 0;
    long next = delta == INT_MIN ? 0 : delta == INT_MAX ? count - 1 : (long)cursor + delta;
    if (next < 0)
        next = 0;
    if (next >= count)
        next = count - 1;
    return (int)next;
}

int view_nav_delta(enum view_action action, int page)
{
    if (page < 1)
        page = 1;
    switch (action) {
    case VA_UP:
        return -1;
    case VA_DOWN:
        return 1;
    case VA_PAGE_UP:
        return -page;
    case VA_PAGE_DOWN:
        return page;
    case VA_FIRST:
        return INT_MIN;
    case VA_LAST:
        return INT_MAX;
    default:
        return 0;
    }
}

char *view_position(char *out, size_t len, int cursor, int n)
{
    snprintf(out, len, "%d/%d", n > 0 ? cursor + 1 : 0, n > 0 ? n : 0);
    return out;
}

void view_put_position(WINDOW *w, const struct view_env *env, int y, int used_to, const char *label,
                       int cursor, int n)
{
    char count[48], text[96];
    if (!env->console)
        return;
    snprintf(text, sizeof text, "%s%s%s", label, label[0] ? " " : "",
             view_position(count, sizeof count, cursor, n));
    int width = ui_width(text);
    if (used_to + 2 + width <= getmaxx(w))
        ui_put(w, y, getmaxx(w) - width, width, ui_attr(UI_DIM), text);
}

void view_table_name(const struct model_table *t, char *out, size_t len)
{
    /* an escape takes at most 4 bytes per input byte (\xHH) */
    char schema[4 * CDC_NAME_MAX + 1], table[4 * CDC_NAME_MAX + 1];
    if (t->other) {
        snprintf(out, len, "%s: %s%llu names", MODEL_OTHER_TABLES,
                 t->folded_exact ? "" : ">=", (unsigned long long)t->folded);
        return;
    }
    escape_into(schema, sizeof schema, t->schema, strnlen(t->schema, sizeof t->schema));
    escape_into(table, sizeof table, t->table, strnlen(t->table, sizeof t->table));
    snprintf(out, len, "%s.%s", schema, table);
}

/* Helpers shared by the views: table selection, cursor movement, names. */
#include "config.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "escape.h"
#include "model.h"
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

int view_nav_delta(int key, int page)
{
    if (page < 1)
        page = 1;
    switch (key) {
    case VIEW_KEY_FN(KEY_UP):
    case 'k':
        return -1;
    case VIEW_KEY_FN(KEY_DOWN):
    case 'j':
        return 1;
    case VIEW_KEY_FN(KEY_PPAGE):
    case VIEW_KEY_CTRL('b'):
        return -page;
    case VIEW_KEY_FN(KEY_NPAGE):
    case VIEW_KEY_CTRL('f'):
    case ' ':
        return page;
    case VIEW_KEY_FN(KEY_HOME):
    case 'g':
        return INT_MIN;
    case VIEW_KEY_FN(KEY_END):
    case 'G':
        return INT_MAX;
    default:
        return 0;
    }
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

/*
 * The key table (src/ui/ui-keys.c) against what users read: every entry is one KEYS entry of
 * docs/cdctop.1 with the same keys in the same order, and every KEYS entry is one of the table's;
 * each screen's hints name keys that work there and fit an 80-column status line; no key means
 * two things on one screen unless the table says which comes first; End leaves the past before
 * it goes to the last line.
 *
 * The man page is found through $srcdir (set by make check), else the SRCDIR the test was
 * compiled with.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ui-keys.h"

#define MAX_MAN_ENTRIES 64
#define STATUS_COLS     80

/* The screens' names as the status line shows them (view_*_ops.name). */
static const char *const screen_names[VIEW_COUNT] = {
    [VIEW_OVERVIEW] = "Overview", [VIEW_SHARDS] = "Shards", [VIEW_DETAIL] = "Table detail",
    [VIEW_ROWS] = "Rows",         [VIEW_EVENTS] = "Events", [VIEW_HELP] = "Help",
};

static char *man_text(void)
{
    const char *top = getenv("srcdir");
    char path[4096];
#ifdef SRCDIR
    if (!top || !top[0])
        top = SRCDIR;
#endif
    snprintf(path, sizeof path, "%s/docs/cdctop.1", top && top[0] ? top : ".");
    FILE *f = fopen(path, "r");
    if (!f)
        fail_msg("cannot read %s", path);
    static char text[1 << 20];
    size_t n = fread(text, 1, sizeof text - 1, f);
    fclose(f);
    text[n] = '\0';
    return text;
}

/* The names of a tag line (".BR Up \", \" Down", ".B Enter") joined by blanks, as
 * ui_keys_names writes them: the quoted ", " separators dropped, \- read as -. */
static void tag_names(const char *line, char *out, size_t len)
{
    const char *p = strchr(line, ' ');
    size_t n = 0;
    out[0] = '\0';
    while (p && *p) {
        while (*p == ' ')
            p++;
        if (!*p)
            break;
        char word[64];
        size_t w = 0;
        if (*p == '"') { /* a quoted separator */
            const char *end = strchr(p + 1, '"');
            p = end ? end + 1 : p + strlen(p);
            continue;
        }
        while (*p && *p != ' ' && *p != '"' && w < sizeof word - 1) {
            if (p[0] == '\\' && p[1] == '-')
                p++;
            word[w++] = *p++;
        }
        word[w] = '\0';
        n += (size_t)snprintf(out + n, len - n, "%s%s", n ? " " : "", word);
    }
}

/* The tags of the KEYS section, in order. */
static unsigned man_keys(char tags[][128], unsigned max)
{
    char *text = man_text();
    char *sec = strstr(text, "\n.SH KEYS\n");
    assert_non_null(sec);
    char *end = strstr(sec + 1, "\n.SH ");
    assert_non_null(end);
    *end = '\0';
    unsigned n = 0;
    for (char *tp = strstr(sec, "\n.TP\n"); tp && n < max; tp = strstr(tp + 1, "\n.TP\n")) {
        char line[256];
        char *tag = tp + 5, *nl = strchr(tag, '\n');
        size_t l = nl ? (size_t)(nl - tag) : strlen(tag);
        if (l >= sizeof line)
            l = sizeof line - 1;
        memcpy(line, tag, l);
        line[l] = '\0';
        tag_names(line, tags[n++], sizeof tags[0]);
    }
    return n;
}

static void test_table_and_man_page_agree(void **state)
{
    char tags[MAX_MAN_ENTRIES][128], names[128];
    bool used[MAX_MAN_ENTRIES] = {false};
    (void)state;
    unsigned n = man_keys(tags, MAX_MAN_ENTRIES);

    assert_true(n > 10);
    for (unsigned i = 0; i < ui_keys_count(); i++) {
        ui_keys_names(ui_keys_get(i), names, sizeof names);
        bool found = false;
        for (unsigned k = 0; k < n && !found; k++)
            if (!used[k] && strcmp(tags[k], names) == 0)
                found = used[k] = true;
        if (!found)
            fail_msg("the man page's KEYS lacks \"%s\"", names);
    }
    for (unsigned k = 0; k < n; k++)
        if (!used[k])
            fail_msg("the man page's KEYS has \"%s\", which the key table lacks", tags[k]);
}

/* Whether name is one of the entry's keys. */
static bool entry_has(const struct ui_keys_entry *e, const char *name, size_t len)
{
    for (int k = 0; k < UI_KEYS_PER_ENTRY && e->keys[k].name; k++)
        if (strlen(e->keys[k].name) == len && strncmp(e->keys[k].name, name, len) == 0)
            return true;
    return false;
}

static void test_hints_name_their_keys(void **state)
{
    (void)state;
    for (unsigned i = 0; i < ui_keys_count(); i++) {
        const struct ui_keys_entry *e = ui_keys_get(i);
        if (!e->hint) {
            assert_int_equal(e->hinted, 0);
            continue;
        }
        /* hinted only where the keys work */
        assert_int_equal(e->hinted & ~e->screens, 0);
        const char *colon = strrchr(e->hint, ':');
        assert_non_null(colon);
        size_t len = (size_t)(colon - e->hint);
        if (entry_has(e, e->hint, len)) /* "/:filter", "Tab:screen" */
            continue;
        for (const char *p = e->hint; p < colon;) { /* "j/k", "[/]", "</>" */
            const char *slash = memchr(p, '/', (size_t)(colon - p));
            const char *end = slash ? slash : colon;
            if (!entry_has(e, p, (size_t)(end - p)))
                fail_msg("hint \"%s\" names a key its entry lacks", e->hint);
            p = end + 1;
        }
    }
}

static void test_hints_fit_the_status_line(void **state)
{
    char hints[512];
    (void)state;
    for (int v = 0; v < VIEW_COUNT; v++) {
        ui_keys_hints((enum view_id)v, hints, sizeof hints);
        assert_true(strlen(hints) > 0);
        /* " Name " then a blank, as ui.c draws it */
        size_t width = strlen(screen_names[v]) + 3 + strlen(hints);
        if (width > STATUS_COLS)
            fail_msg("%s: the hints take %zu columns: \"%s\"", screen_names[v], width, hints);
    }
}

static void test_one_meaning_per_key_and_screen(void **state)
{
    (void)state;
    for (int v = 0; v < VIEW_COUNT; v++) {
        for (unsigned i = 0; i < ui_keys_count(); i++) {
            const struct ui_keys_entry *a = ui_keys_get(i);
            for (unsigned j = i + 1; j < ui_keys_count(); j++) {
                const struct ui_keys_entry *b = ui_keys_get(j);
                if (!(a->screens & b->screens & UI_ON(v)) || a->first != b->first)
                    continue;
                for (int x = 0; x < UI_KEYS_PER_ENTRY && a->keys[x].name; x++)
                    for (int y = 0; y < UI_KEYS_PER_ENTRY && b->keys[y].name; y++)
                        if (a->keys[x].code == b->keys[y].code)
                            fail_msg("%s: %s means two things", screen_names[v], a->keys[x].name);
            }
        }
    }
}

static void test_end_leaves_the_past_first(void **state)
{
    enum view_action a[4];
    (void)state;
    unsigned n = ui_keys_actions(VIEW_OVERVIEW, VIEW_KEY_FN(KEY_END), a, 4);
    assert_int_equal(n, 2);
    assert_int_equal(a[0], VA_TIME_NOW);
    assert_int_equal(a[1], VA_LAST);
    n = ui_keys_actions(VIEW_SHARDS, VIEW_KEY_FN(KEY_END), a, 4);
    assert_int_equal(n, 1);
    assert_int_equal(a[0], VA_LAST);
    /* a key of another screen does nothing here */
    assert_int_equal(ui_keys_actions(VIEW_SHARDS, '/', a, 4), 0);
    assert_int_equal(ui_keys_actions(VIEW_ROWS, '/', a, 4), 1);
    assert_int_equal(a[0], VA_FIND);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table_and_man_page_agree),
        cmocka_unit_test(test_hints_name_their_keys),
        cmocka_unit_test(test_hints_fit_the_status_line),
        cmocka_unit_test(test_one_meaning_per_key_and_screen),
        cmocka_unit_test(test_end_leaves_the_past_first),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

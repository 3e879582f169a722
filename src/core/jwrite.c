/* Small JSON objects into a buffer (jwrite.h). */
#include "config.h"

#include "jwrite.h"

#include <inttypes.h>
#include <string.h>

void jw_object(struct jwrite *w, struct buf *b)
{
    w->b = b;
    w->first = true;
    buf_putc(b, '{');
}

static void jw_key(struct jwrite *w, const char *key)
{
    if (!w->first)
        buf_putc(w->b, ',');
    w->first = false;
    buf_json_string(w->b, key, strlen(key));
    buf_putc(w->b, ':');
}

static void jw_string_n(struct jwrite *w, const char *key, const char *value, size_t n)
{
    jw_key(w, key);
    buf_json_string(w->b, value, n);
}

void jw_string(struct jwrite *w, const char *key, const char *value)
{
    jw_string_n(w, key, value ? value : "", value ? strlen(value) : 0);
}

void jw_int(struct jwrite *w, const char *key, int64_t value)
{
    jw_key(w, key);
    buf_printf(w->b, "%" PRId64, value);
}

void jw_seconds(struct jwrite *w, const char *key, int64_t ms)
{
    int64_t s = ms / 1000, r = ms % 1000;
    if (r < 0) {
        s--;
        r += 1000;
    }
    jw_key(w, key);
    buf_printf(w->b, "%" PRId64 ".%03" PRId64, s, r);
}

void jw_strings(struct jwrite *w, const char *key, const char *const *values, size_t n)
{
    jw_key(w, key);
    buf_putc(w->b, '[');
    for (size_t i = 0; i < n; i++) {
        if (i)
            buf_putc(w->b, ',');
        buf_json_string(w->b, values[i], strlen(values[i]));
    }
    buf_putc(w->b, ']');
}

void jw_end(struct jwrite *w)
{
    buf_putc(w->b, '}');
}

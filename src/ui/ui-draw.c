/* Shared drawing helpers: width-aware clipping, escaping of untrusted text, sparklines, bars and
 * number formatting. */
#include "config.h"

#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <wchar.h>

#include "change.h"
#include "escape.h"
#include "jscan.h"
#include "ui-draw.h"
#include "ui-theme.h"

static bool draw_utf8_ok;
/* Scratch buffers reused by every call: the UI is single-threaded and draws one item at a time. */
static struct buf draw_clip_buf;
static struct buf draw_esc_buf;

void ui_draw_set_utf8(bool utf8)
{
    draw_utf8_ok = utf8;
}

bool ui_draw_utf8(void)
{
    return draw_utf8_ok;
}

void ui_draw_release(void)
{
    buf_free(&draw_clip_buf);
    buf_free(&draw_esc_buf);
}

/* Measures one character at s: returns its bytes and sets *cols (-1 when the terminal cannot
 * show it, in which case one byte is consumed). */
static size_t draw_char(const char *s, size_t n, mbstate_t *st, int *cols)
{
    unsigned char c = (unsigned char)s[0];
    if (c < 0x80) {
        *cols = (c >= 0x20 && c != 0x7f) ? 1 : -1;
        return 1;
    }
    wchar_t wc;
    size_t k = mbrtowc(&wc, s, n, st);
    if (k == (size_t)-1 || k == (size_t)-2 || k == 0) {
        memset(st, 0, sizeof *st);
        *cols = -1;
        return 1;
    }
    *cols = wcwidth(wc);
    return k;
}

int ui_clip(struct buf *out, const char *s, size_t n, int maxw, size_t *consumed)
{
    mbstate_t st;
    int used = 0;
    size_t i = 0;

    memset(&st, 0, sizeof st);
    while (i < n && used < maxw) {
        int cols;
        size_t k = draw_char(s + i, n - i, &st, &cols);
        if (cols < 0) {
            if (out)
                buf_putc(out, '?');
            used++;
        } else if (used + cols > maxw) {
            break;
        } else {
            if (out)
                buf_append(out, s + i, k);
            used += cols;
        }
        i += k;
    }
    if (consumed)
        *consumed = i;
    return used;
}

int ui_width(const char *s)
{
    mbstate_t st;
    size_t n = strlen(s);
    int width = 0;

    memset(&st, 0, sizeof st);
    for (size_t i = 0; i < n;) {
        int cols;
        i += draw_char(s + i, n - i, &st, &cols);
        width += cols < 0 ? 1 : cols;
    }
    return width;
}

/* Limits maxw to what is left of the line; false when (y, x) is outside the window. */
static bool draw_fit(WINDOW *w, int y, int x, int *maxw)
{
    int rows, cols;
    getmaxyx(w, rows, cols);
    if (y < 0 || y >= rows || x < 0 || x >= cols || *maxw <= 0)
        return false;
    if (*maxw > cols - x)
        *maxw = cols - x;
    return true;
}

static int draw_bytes(WINDOW *w, int y, int x, int maxw, attr_t attr, const char *s, size_t n)
{
    if (!draw_fit(w, y, x, &maxw))
        return 0;
    buf_reset(&draw_clip_buf);
    int used = ui_clip(&draw_clip_buf, s, n, maxw, NULL);
    if (draw_clip_buf.len == 0)
        return 0;
    wattrset(w, attr);
    mvwaddnstr(w, y, x, draw_clip_buf.data, (int)draw_clip_buf.len);
    wattrset(w, A_NORMAL);
    return used;
}

int ui_put(WINDOW *w, int y, int x, int maxw, attr_t attr, const char *s)
{
    return draw_bytes(w, y, x, maxw, attr, s, strlen(s));
}

int ui_putf(WINDOW *w, int y, int x, int maxw, attr_t attr, const char *fmt, ...)
{
    char text[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    return ui_put(w, y, x, maxw, attr, text);
}

/* Byte offset where the last `keep` columns of s begin. */
static size_t draw_tail_start(const char *s, size_t n, int width, int keep)
{
    mbstate_t st;
    size_t i = 0;
    int dropped = 0;

    memset(&st, 0, sizeof st);
    while (i < n && width - dropped > keep) {
        int cols;
        i += draw_char(s + i, n - i, &st, &cols);
        dropped += cols < 0 ? 1 : cols;
    }
    return i;
}

int ui_put_right(WINDOW *w, int y, int x, int width, attr_t attr, const char *s)
{
    int sw = ui_width(s);
    if (sw <= width)
        return ui_put(w, y, x + width - sw, sw, attr, s);
    size_t start = draw_tail_start(s, strlen(s), sw, width);
    return draw_bytes(w, y, x, width, attr, s + start, strlen(s + start));
}

const char *ui_escaped(struct buf *out, const char *p, size_t n)
{
    buf_reset(out);
    if (p && n)
        escape_append(out, p, n);
    buf_putc(out, '\0'); /* so data is allocated and terminated even for empty text */
    out->len--;
    return out->data;
}

/* Appends a decoded string value for display: escaped for the terminal, and a quote inside the
 * value shown as \" so the value does not look cut short. */
static void draw_string_value(struct buf *out, const char *p, size_t n)
{
    size_t from = 0;
    for (size_t i = 0; i < n; i++) {
        if (p[i] != '"')
            continue;
        escape_append(out, p + from, i - from);
        buf_puts(out, "\\\"");
        from = i + 1;
    }
    escape_append(out, p + from, n - from);
}

/* The end of the string token starting at p[i] (a quote): one past its closing quote, or n. */
static size_t draw_string_end(const char *p, size_t i, size_t n)
{
    for (i++; i < n && p[i] != '"'; i++)
        if (p[i] == '\\')
            i++;
    return i < n ? i + 1 : n;
}

const char *ui_json_text(struct buf *out, const char *p, size_t n)
{
    struct buf value;
    size_t i = 0;

    buf_init(&value);
    ui_escaped(out, "", 0);
    while (i < n) {
        size_t j = i;
        if (p[i] != '"') {
            while (j < n && p[j] != '"')
                j++;
            escape_append(out, p + i, j - i);
            i = j;
            continue;
        }
        j = draw_string_end(p, i, n);
        struct jspan token = {p + i, j - i};
        size_t len = jscan_string_len(token);
        if (len == (size_t)-1 || p[j - 1] != '"' || j - i < 2) {
            escape_append(out, p + i, j - i); /* cut short: show it as it is */
        } else {
            buf_reset(&value);
            buf_reserve(&value, len + 1);
            jscan_string(token, value.data, len + 1, &value.len);
            buf_putc(out, '"');
            draw_string_value(out, value.data, value.len);
            buf_putc(out, '"');
        }
        i = j;
    }
    buf_free(&value);
    return out->data;
}

int ui_put_json(WINDOW *w, int y, int x, int maxw, attr_t attr, const char *p, size_t n)
{
    const char *text = ui_json_text(&draw_esc_buf, p, n);
    return draw_bytes(w, y, x, maxw, attr, text, draw_esc_buf.len);
}

int ui_put_raw(WINDOW *w, int y, int x, int maxw, attr_t attr, const char *p, size_t n)
{
    const char *text = ui_escaped(&draw_esc_buf, p, n);
    return draw_bytes(w, y, x, maxw, attr, text, draw_esc_buf.len);
}

int ui_put_raw_tail(WINDOW *w, int y, int x, int maxw, attr_t attr, const char *p, size_t n)
{
    const char *text = ui_escaped(&draw_esc_buf, p, n);
    int width = ui_width(text);
    if (width <= maxw || maxw < 2)
        return draw_bytes(w, y, x, maxw, attr, text, draw_esc_buf.len);
    size_t start = draw_tail_start(text, draw_esc_buf.len, width, maxw - 1);
    int used = ui_put(w, y, x, 1, attr, draw_utf8_ok ? "…" : "<");
    return used +
           draw_bytes(w, y, x + used, maxw - used, attr, text + start, draw_esc_buf.len - start);
}

void ui_fill(WINDOW *w, int y, int x, int width, attr_t attr)
{
    if (!draw_fit(w, y, x, &width))
        return;
    wattrset(w, attr);
    mvwhline(w, y, x, ' ', width);
    wattrset(w, A_NORMAL);
}

void ui_spark(WINDOW *w, int y, int x, const uint32_t *values, int n, attr_t attr)
{
    static const char *const blocks[] = {"▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"};
    static const char ascii[] = " .:-=+*#";
    uint32_t max = 0;
    char cell[2] = {0, 0};

    for (int i = 0; i < n; i++)
        if (values[i] > max && values[i] != UI_SPARK_NODATA)
            max = values[i];
    for (int i = 0; i < n; i++) {
        const char *glyph = " ";
        if (values[i] == UI_SPARK_NODATA) {
            ui_put(w, y, x + i, 1, (attr & ~A_COLOR) | A_DIM, draw_utf8_ok ? "·" : ".");
            continue;
        }
        if (values[i] > 0 && draw_utf8_ok) {
            glyph = blocks[((uint64_t)values[i] * 8 + max - 1) / max - 1];
        } else if (values[i] > 0) {
            cell[0] = ascii[((uint64_t)values[i] * 7 + max - 1) / max];
            glyph = cell;
        }
        ui_put(w, y, x + i, 1, attr, glyph);
    }
}

const char *ui_arrow(int direction)
{
    if (direction > 0)
        return draw_utf8_ok ? "↑" : "^";
    if (direction < 0)
        return draw_utf8_ok ? "↓" : "v";
    return draw_utf8_ok ? "→" : "=";
}

int ui_put_pair(WINDOW *w, int y, int x, const char *label, const char *value, attr_t attr)
{
    x += ui_put(w, y, x, INT_MAX, ui_attr(UI_LABEL), label);
    x += ui_put(w, y, x, 1, A_NORMAL, " ");
    x += ui_put(w, y, x, INT_MAX, attr, value);
    return x + 2;
}

static int cols_needed(const struct ui_col *cols, int n)
{
    int need = 0, shown = 0;
    for (int i = 0; i < n; i++) {
        if (cols[i].x < 0)
            continue;
        need += cols[i].min;
        shown++;
    }
    return need + (shown > 0 ? shown - 1 : 0);
}

/* Drops the shown column with the lowest non-zero drop rank; false when none is left. */
static bool cols_drop_one(struct ui_col *cols, int n)
{
    int victim = -1;
    for (int i = 0; i < n; i++)
        if (cols[i].x >= 0 && cols[i].drop > 0 && (victim < 0 || cols[i].drop <= cols[victim].drop))
            victim = i;
    if (victim < 0)
        return false;
    cols[victim].x = -1;
    return true;
}

void ui_cols_fit(struct ui_col *cols, int n, int width)
{
    int flex = 0;
    for (int i = 0; i < n; i++) {
        cols[i].x = 0;
        cols[i].width = cols[i].min;
    }
    while (cols_needed(cols, n) > width && cols_drop_one(cols, n))
        ;
    int spare = width - cols_needed(cols, n);
    for (int i = 0; i < n && spare > 0; i++) {
        if (cols[i].x < 0 || cols[i].want <= cols[i].min)
            continue;
        int grow = cols[i].want - cols[i].min < spare ? cols[i].want - cols[i].min : spare;
        cols[i].width += grow;
        spare -= grow;
    }
    for (int i = 0; i < n; i++)
        flex += cols[i].x >= 0 && cols[i].flex;
    for (int i = 0; i < n && spare > 0 && flex > 0; i++) {
        if (cols[i].x < 0 || !cols[i].flex)
            continue;
        int grow = spare / flex--;
        cols[i].width += grow;
        spare -= grow;
    }
    int x = 0;
    for (int i = 0; i < n; i++) {
        if (cols[i].x < 0)
            continue;
        cols[i].x = x;
        x += cols[i].width + 1;
    }
}

void ui_col_put(WINDOW *w, int y, const struct ui_col *col, attr_t attr, const char *s)
{
    if (col->x < 0)
        return;
    if (col->right)
        ui_put_right(w, y, col->x, col->width, attr, s);
    else
        ui_put(w, y, col->x, col->width, attr, s);
}

void ui_cols_head(WINDOW *w, int y, const struct ui_col *cols, int n, attr_t attr)
{
    ui_fill(w, y, 0, getmaxx(w), attr);
    for (int i = 0; i < n; i++)
        ui_col_put(w, y, &cols[i], attr, cols[i].title);
}

void ui_scroll_begin(struct ui_scroll *s, int top, int first_row, int height)
{
    s->top = top > 0 ? top : 0;
    s->first = first_row;
    s->height = height > 0 ? height : 0;
    s->n = 0;
}

int ui_scroll_line(struct ui_scroll *s)
{
    int line = s->n++;
    if (line < s->top || line >= s->top + s->height)
        return -1;
    return s->first + line - s->top;
}

int ui_scroll_end(const struct ui_scroll *s)
{
    int max_top = s->n - s->height;
    if (max_top < 0)
        max_top = 0;
    return s->top < max_top ? s->top : max_top;
}

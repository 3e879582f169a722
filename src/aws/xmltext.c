/* Element text from small XML documents (see xmltext.h). */
#include "config.h"

#include "xmltext.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"

static bool xmltext_name_char(char c)
{
    return c != '\0' && c != '>' && c != '/' && c != ' ' && c != '\t' && c != '\r' && c != '\n' &&
           c != '=';
}

/* The local name of the tag starting at p (after '<' or '</'): skips a "prefix:". */
static bool xmltext_tag_is(const char *p, const char *end, const char *name, const char **after)
{
    const char *s = p, *colon = NULL;
    size_t n = strlen(name);

    while (p < end && xmltext_name_char(*p)) {
        if (*p == ':')
            colon = p;
        p++;
    }
    if (colon)
        s = colon + 1;
    *after = p;
    return (size_t)(p - s) == n && memcmp(s, name, n) == 0;
}

static void xmltext_utf8(struct buf *b, unsigned long cp)
{
    if (cp == 0 || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
        cp = 0xFFFD;
    if (cp < 0x80) {
        buf_putc(b, (char)cp);
    } else if (cp < 0x800) {
        buf_putc(b, (char)(0xC0 | (cp >> 6)));
        buf_putc(b, (char)(0x80 | (cp & 0x3F)));
    } else if (cp < 0x10000) {
        buf_putc(b, (char)(0xE0 | (cp >> 12)));
        buf_putc(b, (char)(0x80 | ((cp >> 6) & 0x3F)));
        buf_putc(b, (char)(0x80 | (cp & 0x3F)));
    } else {
        buf_putc(b, (char)(0xF0 | (cp >> 18)));
        buf_putc(b, (char)(0x80 | ((cp >> 12) & 0x3F)));
        buf_putc(b, (char)(0x80 | ((cp >> 6) & 0x3F)));
        buf_putc(b, (char)(0x80 | (cp & 0x3F)));
    }
}

/* Decodes one entity at p ('&'); returns the bytes consumed, 0 when it is not one. */
static size_t xmltext_entity(const char *p, const char *end, struct buf *b)
{
    static const struct {
        const char *name;
        char c;
    } named[] = {{"amp;", '&'}, {"lt;", '<'}, {"gt;", '>'}, {"quot;", '"'}, {"apos;", '\''}};
    const char *semi = memchr(p, ';', (size_t)(end - p));

    if (!semi || semi - p > 12)
        return 0;
    for (size_t i = 0; i < sizeof named / sizeof named[0]; i++) {
        size_t n = strlen(named[i].name);

        if ((size_t)(end - p - 1) >= n && memcmp(p + 1, named[i].name, n) == 0) {
            buf_putc(b, named[i].c);
            return n + 1;
        }
    }
    if (p[1] == '#') {
        char tmp[16];
        char *stop;
        unsigned long cp;
        bool hex = p[2] == 'x' || p[2] == 'X';
        size_t n = (size_t)(semi - p) - (hex ? 3 : 2);

        if (n == 0 || n >= sizeof tmp)
            return 0;
        memcpy(tmp, p + (hex ? 3 : 2), n);
        tmp[n] = '\0';
        cp = strtoul(tmp, &stop, hex ? 16 : 10);
        if (*stop)
            return 0;
        xmltext_utf8(b, cp);
        return (size_t)(semi - p) + 1;
    }
    return 0;
}

static bool xmltext_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Decodes the element text between s and e into b, trimmed. */
static void xmltext_decode(const char *s, const char *e, struct buf *b)
{
    while (s < e && xmltext_space(*s))
        s++;
    while (e > s && xmltext_space(e[-1]))
        e--;
    while (s < e) {
        size_t used = *s == '&' ? xmltext_entity(s, e, b) : 0;

        if (used == 0)
            buf_putc(b, *s++);
        else
            s += used;
    }
}

long xmltext_find(const char *xml, size_t len, const char *name, char *out, size_t outsz)
{
    const char *p = xml, *end = xml + len;
    struct buf b;
    long n;

    if (outsz > 0)
        out[0] = '\0';
    while (p < end && (p = memchr(p, '<', (size_t)(end - p)))) {
        const char *after, *gt, *close;

        p++;
        if (p >= end || !xmltext_tag_is(p, end, name, &after))
            continue;
        gt = memchr(after, '>', (size_t)(end - after));
        if (!gt)
            return -1;
        buf_init(&b);
        buf_puts(&b, "");
        if (gt[-1] != '/') {
            /* The text runs to the next closing tag: these elements hold no child elements. */
            close = gt + 1;
            while ((close = memchr(close, '<', (size_t)(end - close)))) {
                const char *cafter;

                if (close + 1 < end && close[1] == '/' &&
                    xmltext_tag_is(close + 2, end, name, &cafter))
                    break;
                close++;
            }
            if (!close) {
                buf_free(&b);
                return -1;
            }
            xmltext_decode(gt + 1, close, &b);
        }
        n = b.len > (size_t)INT32_MAX ? INT32_MAX : (long)b.len;
        if (outsz > 0) {
            size_t copy = b.len < outsz - 1 ? b.len : outsz - 1;

            memcpy(out, b.data, copy);
            out[copy] = '\0';
        }
        buf_free(&b);
        return n;
    }
    return -1;
}

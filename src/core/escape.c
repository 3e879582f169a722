/*
 * Escaping of untrusted text.
 *
 * The input is cut into units: a run of printable ASCII, a valid UTF-8 sequence, or one byte
 * that needs an escape. Units are emitted whole, so a truncated result never ends in half an
 * escape or half a character.
 *
 *   \n \r \t \e \\        newline, carriage return, tab, ESC, backslash
 *   \xHH                  other C0 controls, DEL, and every byte of invalid UTF-8 (overlong
 *                         forms, surrogates, code points above U+10FFFF, truncated sequences,
 *                         stray continuation bytes)
 *   \u{HHHH}              valid UTF-8 for a code point a terminal would act on or that is
 *                         invisible: C1 controls (U+0080-U+009F, U+009B is a CSI), bidi
 *                         embeddings, overrides, isolates and marks (U+061C, U+200E, U+200F,
 *                         U+202A-U+202E, U+2066-U+2069), zero-width and other invisible format
 *                         characters (U+180E, U+200B-U+200D, U+2060-U+2064, U+206A-U+206F,
 *                         U+FEFF, U+FFF9-U+FFFB, tags U+E0000-U+E007F) and the line and paragraph
 *                         separators U+2028, U+2029
 *
 * Hex digits are lowercase. Everything else is copied as is.
 */
#include "config.h"

#include "escape.h"

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

/* Longest escape: "\u{e007f}". */
#define ESCAPE_UNIT_MAX 10

static const char escape_hex[] = "0123456789abcdef";

/* A unit to emit: either bytes of the input or an escape in `tmp`. */
struct escape_unit {
    const char *p;
    size_t len;      /* bytes to emit */
    size_t consumed; /* input bytes it stands for */
    char tmp[ESCAPE_UNIT_MAX];
};

static inline bool escape_plain(unsigned char c)
{
    return c >= 0x20 && c < 0x7f && c != '\\';
}

/* The length of a valid UTF-8 sequence at p (lead byte >= 0x80), 0 when invalid. */
static size_t escape_utf8_len(const unsigned char *p, size_t n, uint32_t *cp)
{
    unsigned char c = p[0];
    unsigned char lo = 0x80, hi = 0xbf;
    size_t len, i;
    uint32_t v;

    if (c >= 0xc2 && c <= 0xdf) {
        len = 2;
        v = c & 0x1f;
    } else if (c >= 0xe0 && c <= 0xef) {
        len = 3;
        v = c & 0x0f;
        if (c == 0xe0)
            lo = 0xa0; /* overlong below U+0800 */
        else if (c == 0xed)
            hi = 0x9f; /* surrogates U+D800-U+DFFF */
    } else if (c >= 0xf0 && c <= 0xf4) {
        len = 4;
        v = c & 0x07;
        if (c == 0xf0)
            lo = 0x90; /* overlong below U+10000 */
        else if (c == 0xf4)
            hi = 0x8f; /* above U+10FFFF */
    } else {
        return 0; /* continuation byte, overlong lead 0xc0/0xc1, or 0xf5-0xff */
    }
    if (n < len || p[1] < lo || p[1] > hi)
        return 0;
    v = (v << 6) | (p[1] & 0x3f);
    for (i = 2; i < len; i++) {
        if ((p[i] & 0xc0) != 0x80)
            return 0;
        v = (v << 6) | (p[i] & 0x3f);
    }
    *cp = v;
    return len;
}

/* Valid code points that are shown as \u{...} rather than passed to the terminal. */
static bool escape_hidden(uint32_t cp)
{
    if (cp < 0x0600)
        return cp <= 0x9f; /* C1 controls (U+0080-U+009F) */
    if (cp < 0x2000)
        return cp == 0x061c || cp == 0x180e;
    if (cp < 0x2100)
        return (cp >= 0x200b && cp <= 0x200f) || (cp >= 0x2028 && cp <= 0x202e) ||
               (cp >= 0x2060 && cp <= 0x206f);
    if (cp < 0xe0000)
        return cp == 0xfeff || (cp >= 0xfff9 && cp <= 0xfffb);
    return cp <= 0xe007f;
}

static size_t escape_hex_byte(char *t, unsigned char c)
{
    t[0] = '\\';
    t[1] = 'x';
    t[2] = escape_hex[c >> 4];
    t[3] = escape_hex[c & 0xf];
    return 4;
}

static size_t escape_codepoint(char *t, uint32_t cp)
{
    int digits = cp > 0xffff ? 5 : 4; /* only code points up to U+E007F get here */
    size_t k = 0;
    int d;

    t[k++] = '\\';
    t[k++] = 'u';
    t[k++] = '{';
    for (d = digits - 1; d >= 0; d--)
        t[k++] = escape_hex[(cp >> (4 * d)) & 0xf];
    t[k++] = '}';
    return k;
}

/* Fills *u with the unit starting at p (n > 0). */
static void escape_next(struct escape_unit *u, const unsigned char *p, size_t n)
{
    unsigned char c = p[0];
    uint32_t cp;
    size_t len;

    if (escape_plain(c)) {
        len = 1;
        while (len < n && escape_plain(p[len]))
            len++;
        u->p = (const char *)p;
        u->len = u->consumed = len;
        return;
    }
    u->p = u->tmp;
    u->consumed = 1;
    if (c < 0x80) {
        char e = 0;

        switch (c) {
        case '\n':
            e = 'n';
            break;
        case '\r':
            e = 'r';
            break;
        case '\t':
            e = 't';
            break;
        case 0x1b:
            e = 'e';
            break;
        case '\\':
            e = '\\';
            break;
        default:
            break;
        }
        if (e != 0) {
            u->tmp[0] = '\\';
            u->tmp[1] = e;
            u->len = 2;
        } else {
            u->len = escape_hex_byte(u->tmp, c);
        }
        return;
    }
    len = escape_utf8_len(p, n, &cp);
    if (len == 0) {
        u->len = escape_hex_byte(u->tmp, c);
        return;
    }
    u->consumed = len;
    if (escape_hidden(cp)) {
        u->len = escape_codepoint(u->tmp, cp);
    } else {
        u->p = (const char *)p;
        u->len = len;
    }
}

void escape_append(struct buf *out, const char *p, size_t n)
{
    const unsigned char *s = (const unsigned char *)p;
    struct escape_unit u;

    buf_reserve(out, n); /* also NUL-terminates an empty result */
    while (n > 0) {
        escape_next(&u, s, n);
        buf_append(out, u.p, u.len);
        s += u.consumed;
        n -= u.consumed;
    }
}

size_t escape_into(char *out, size_t cap, const char *p, size_t n)
{
    const unsigned char *s = (const unsigned char *)p;
    struct escape_unit u;
    size_t w = 0;

    if (cap == 0)
        return 0;
    while (n > 0) {
        size_t room = cap - 1 - w;

        escape_next(&u, s, n);
        if (u.len > room) {
            /* A run of plain ASCII can be cut anywhere; anything else is all or nothing. */
            if (u.p == (const char *)s && u.len == u.consumed && escape_plain(s[0])) {
                memcpy(out + w, u.p, room);
                w += room;
            }
            break;
        }
        memcpy(out + w, u.p, u.len);
        w += u.len;
        s += u.consumed;
        n -= u.consumed;
    }
    out[w] = '\0';
    return w;
}

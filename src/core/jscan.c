/* Validating JSON span scanner: see jscan.h for why the decoders use it. */
#include "jscan.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct scanner {
    const char *p;
    const char *end;
    const char *start;
    const char *msg;
    int depth;
};

static bool fail(struct scanner *s, const char *msg)
{
    if (!s->msg)
        s->msg = msg;
    return false;
}

static void skip_ws(struct scanner *s)
{
    while (s->p < s->end && (*s->p == ' ' || *s->p == '\n' || *s->p == '\r' || *s->p == '\t'))
        s->p++;
}

static int hexval(unsigned char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

static bool read_hex4(const char *p, const char *end, unsigned *out)
{
    unsigned v = 0;
    if (end - p < 4)
        return false;
    for (int i = 0; i < 4; i++) {
        int h = hexval((unsigned char)p[i]);
        if (h < 0)
            return false;
        v = v << 4 | (unsigned)h;
    }
    *out = v;
    return true;
}

/* Length of the valid UTF-8 sequence at p (2-4), or 0 when invalid (RFC 3629: no overlongs,
 * no surrogates, nothing above U+10FFFF). */
static int utf8_seq_len(const unsigned char *p, const unsigned char *end)
{
    unsigned char c = p[0];
    int n;
    unsigned cp;
    if (c >= 0xc2 && c <= 0xdf) {
        n = 2;
        cp = c & 0x1f;
    } else if (c >= 0xe0 && c <= 0xef) {
        n = 3;
        cp = c & 0x0f;
    } else if (c >= 0xf0 && c <= 0xf4) {
        n = 4;
        cp = c & 0x07;
    } else {
        return 0;
    }
    if (end - p < n)
        return 0;
    for (int i = 1; i < n; i++) {
        if ((p[i] & 0xc0) != 0x80)
            return 0;
        cp = cp << 6 | (p[i] & 0x3f);
    }
    if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10ffff)))
        return 0;
    if (cp >= 0xd800 && cp <= 0xdfff)
        return 0;
    return n;
}

bool jscan_utf8_valid(const char *p, size_t n)
{
    const unsigned char *u = (const unsigned char *)p, *end = u + n;
    while (u < end) {
        if (*u < 0x80) {
            u++;
            continue;
        }
        int len = utf8_seq_len(u, end);
        if (len == 0)
            return false;
        u += len;
    }
    return true;
}

static bool scan_string(struct scanner *s)
{
    s->p++; /* opening quote */
    while (s->p < s->end) {
        unsigned char c = (unsigned char)*s->p;
        if (c == '"') {
            s->p++;
            return true;
        }
        if (c < 0x20)
            return fail(s, "control character in string");
        if (c == '\\') {
            if (s->end - s->p < 2)
                return fail(s, "unterminated string");
            char e = s->p[1];
            if (e == 'u') {
                unsigned cp;
                if (!read_hex4(s->p + 2, s->end, &cp))
                    return fail(s, "bad \\u escape");
                s->p += 6;
            } else if (strchr("\"\\/bfnrt", e) && e) {
                s->p += 2;
            } else {
                return fail(s, "bad escape in string");
            }
            continue;
        }
        if (c < 0x80) {
            s->p++;
            continue;
        }
        int n = utf8_seq_len((const unsigned char *)s->p, (const unsigned char *)s->end);
        if (n == 0)
            return fail(s, "invalid UTF-8 in string");
        s->p += n;
    }
    return fail(s, "unterminated string");
}

static bool scan_digits(struct scanner *s)
{
    const char *from = s->p;
    while (s->p < s->end && *s->p >= '0' && *s->p <= '9')
        s->p++;
    return s->p > from;
}

static bool scan_number(struct scanner *s)
{
    if (*s->p == '-')
        s->p++;
    if (s->p < s->end && *s->p == '0') {
        s->p++;
    } else if (!scan_digits(s)) {
        return fail(s, "bad number");
    }
    if (s->p < s->end && *s->p == '.') {
        s->p++;
        if (!scan_digits(s))
            return fail(s, "bad number fraction");
    }
    if (s->p < s->end && (*s->p == 'e' || *s->p == 'E')) {
        s->p++;
        if (s->p < s->end && (*s->p == '+' || *s->p == '-'))
            s->p++;
        if (!scan_digits(s))
            return fail(s, "bad number exponent");
    }
    return true;
}

static bool scan_literal(struct scanner *s, const char *word)
{
    size_t n = strlen(word);
    if ((size_t)(s->end - s->p) < n || memcmp(s->p, word, n) != 0)
        return fail(s, "unexpected character");
    s->p += n;
    return true;
}

static bool scan_value(struct scanner *s);

static bool scan_container(struct scanner *s, char close, bool object)
{
    if (++s->depth > JSCAN_MAX_DEPTH)
        return fail(s, "nesting too deep");
    s->p++;
    skip_ws(s);
    if (s->p < s->end && *s->p == close) {
        s->p++;
        s->depth--;
        return true;
    }
    for (;;) {
        skip_ws(s);
        if (object) {
            if (s->p >= s->end || *s->p != '"')
                return fail(s, s->p >= s->end ? "unexpected end of input" : "expected a key");
            if (!scan_string(s))
                return false;
            skip_ws(s);
            if (s->p >= s->end || *s->p != ':')
                return fail(s, "expected ':'");
            s->p++;
        }
        if (!scan_value(s))
            return false;
        skip_ws(s);
        if (s->p >= s->end)
            return fail(s, "unexpected end of input");
        if (*s->p == ',') {
            s->p++;
            continue;
        }
        if (*s->p == close) {
            s->p++;
            s->depth--;
            return true;
        }
        return fail(s, object ? "expected ',' or '}'" : "expected ',' or ']'");
    }
}

static bool scan_value(struct scanner *s)
{
    skip_ws(s);
    if (s->p >= s->end)
        return fail(s, "unexpected end of input");
    switch (*s->p) {
    case '{':
        return scan_container(s, '}', true);
    case '[':
        return scan_container(s, ']', false);
    case '"':
        return scan_string(s);
    case 't':
        return scan_literal(s, "true");
    case 'f':
        return scan_literal(s, "false");
    case 'n':
        return scan_literal(s, "null");
    default:
        if (*s->p == '-' || (*s->p >= '0' && *s->p <= '9'))
            return scan_number(s);
        return fail(s, "unexpected character");
    }
}

bool jscan_validate(const char *p, size_t n, struct jspan *value, struct jscan_error *err)
{
    struct scanner s = {.p = p, .end = p + n, .start = p};
    skip_ws(&s);
    const char *from = s.p;
    bool ok = scan_value(&s);
    const char *to = s.p;
    if (ok) {
        skip_ws(&s);
        if (s.p != s.end)
            ok = fail(&s, "trailing data after the value");
    }
    if (!ok) {
        if (err) {
            err->offset = (size_t)(s.p - p);
            err->msg = s.msg;
        }
        return false;
    }
    if (value) {
        value->p = from;
        value->n = (size_t)(to - from);
    }
    return true;
}

enum jtype jscan_type(struct jspan v)
{
    if (!v.p || v.n == 0)
        return JT_INVALID;
    switch (v.p[0]) {
    case '{':
        return JT_OBJECT;
    case '[':
        return JT_ARRAY;
    case '"':
        return JT_STRING;
    case 't':
        return JT_TRUE;
    case 'f':
        return JT_FALSE;
    case 'n':
        return JT_NULL;
    default:
        return JT_NUMBER;
    }
}

const char *jscan_type_name(enum jtype t)
{
    static const char *const names[] = {"invalid", "null",   "false", "true",
                                        "number",  "string", "array", "object"};
    return (unsigned)t < sizeof names / sizeof names[0] ? names[t] : "invalid";
}

/* Skips a value that is already known to be valid: no checks, just structure. */
static const char *skip_valid(const char *p, const char *end)
{
    while (p < end && (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t'))
        p++;
    if (p >= end)
        return end;
    if (*p == '"') {
        for (p++; p < end; p++) {
            if (*p == '\\')
                p++;
            else if (*p == '"')
                return p + 1;
        }
        return end;
    }
    if (*p == '{' || *p == '[') {
        int depth = 0;
        for (; p < end; p++) {
            char c = *p;
            if (c == '"') {
                for (p++; p < end && *p != '"'; p++)
                    if (*p == '\\')
                        p++;
            } else if (c == '{' || c == '[') {
                depth++;
            } else if (c == '}' || c == ']') {
                if (--depth == 0)
                    return p + 1;
            }
        }
        return end;
    }
    while (p < end && *p != ',' && *p != '}' && *p != ']' && *p != ' ' && *p != '\n' &&
           *p != '\r' && *p != '\t')
        p++;
    return p;
}

void jscan_iter_init(struct jscan_iter *it, struct jspan container)
{
    if (!container.p || container.n < 2 || (container.p[0] != '{' && container.p[0] != '[')) {
        it->p = it->end = NULL;
        return;
    }
    it->p = container.p + 1;
    it->end = container.p + container.n - 1;
}

static const char *skip_ws_ptr(const char *p, const char *end)
{
    while (p < end && (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t' || *p == ','))
        p++;
    return p;
}

bool jscan_iter_next(struct jscan_iter *it, struct jspan *key, struct jspan *value)
{
    if (!it->p)
        return false;
    const char *p = skip_ws_ptr(it->p, it->end);
    if (p >= it->end)
        return false;
    /* Containers were validated, so a '"' followed by ':' is a key. */
    const char *after = skip_valid(p, it->end);
    const char *q = after;
    while (q < it->end && (*q == ' ' || *q == '\n' || *q == '\r' || *q == '\t'))
        q++;
    if (q < it->end && *q == ':') {
        if (key) {
            key->p = p;
            key->n = (size_t)(after - p);
        }
        p = q + 1;
        while (p < it->end && (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t'))
            p++;
        after = skip_valid(p, it->end);
    }
    if (value) {
        value->p = p;
        value->n = (size_t)(after - p);
    }
    it->p = after;
    return true;
}

bool jscan_key_eq(struct jspan key, const char *s)
{
    size_t n = strlen(s);
    if (key.n < 2)
        return false;
    /* Fast path: no escapes in the key token, so its bytes are the name. */
    if (!memchr(key.p, '\\', key.n))
        return key.n == n + 2 && memcmp(key.p + 1, s, n) == 0;
    char tmp[256];
    size_t len;
    if (!jscan_string(key, tmp, sizeof tmp, &len))
        return false;
    return len == n && memcmp(tmp, s, n) == 0;
}

bool jscan_get(struct jspan object, const char *key, struct jspan *value)
{
    struct jscan_iter it;
    struct jspan k, v;
    if (jscan_type(object) != JT_OBJECT)
        return false;
    jscan_iter_init(&it, object);
    while (jscan_iter_next(&it, &k, &v)) {
        if (jscan_key_eq(k, key)) {
            *value = v;
            return true;
        }
    }
    return false;
}

bool jscan_int64(struct jspan v, int64_t *out)
{
    if (!v.p || v.n == 0 || v.n > 20)
        return false;
    size_t i = 0;
    bool neg = false;
    if (v.p[0] == '-') {
        neg = true;
        i = 1;
    }
    if (i >= v.n)
        return false;
    uint64_t acc = 0;
    const uint64_t limit = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
    for (; i < v.n; i++) {
        char c = v.p[i];
        if (c < '0' || c > '9')
            return false;
        unsigned d = (unsigned)(c - '0');
        if (acc > (limit - d) / 10)
            return false;
        acc = acc * 10 + d;
    }
    if (neg)
        *out = acc == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)acc;
    else
        *out = (int64_t)acc;
    return true;
}

bool jscan_double(struct jspan v, double *out)
{
    char tmp[64];
    if (jscan_type(v) != JT_NUMBER || v.n >= sizeof tmp)
        return false;
    memcpy(tmp, v.p, v.n);
    tmp[v.n] = '\0';
    char *endp;
    errno = 0;
    double d = strtod(tmp, &endp);
    if (endp != tmp + v.n)
        return false;
    *out = d;
    return true;
}

size_t jscan_put_utf8(char *dst, unsigned long cp)
{
    if (cp < 0x80) {
        dst[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        dst[0] = (char)(0xc0 | cp >> 6);
        dst[1] = (char)(0x80 | (cp & 0x3f));
        return 2;
    }
    if (cp < 0x10000) {
        dst[0] = (char)(0xe0 | cp >> 12);
        dst[1] = (char)(0x80 | (cp >> 6 & 0x3f));
        dst[2] = (char)(0x80 | (cp & 0x3f));
        return 3;
    }
    dst[0] = (char)(0xf0 | cp >> 18);
    dst[1] = (char)(0x80 | (cp >> 12 & 0x3f));
    dst[2] = (char)(0x80 | (cp >> 6 & 0x3f));
    dst[3] = (char)(0x80 | (cp & 0x3f));
    return 4;
}

/* Decodes one escape at p (pointing at the backslash) into dst; returns bytes consumed. */
static size_t decode_escape(const char *p, const char *end, char *dst, size_t *written)
{
    static const char from[] = "\"\\/bfnrt";
    static const char to[] = "\"\\/\b\f\n\r\t";
    if (p[1] != 'u') {
        const char *hit = strchr(from, p[1]);
        *dst = hit ? to[hit - from] : p[1];
        *written = 1;
        return 2;
    }
    unsigned cp = 0, lo;
    read_hex4(p + 2, end, &cp);
    size_t used = 6;
    if (cp >= 0xd800 && cp <= 0xdbff && end - p >= 12 && p[6] == '\\' && p[7] == 'u' &&
        read_hex4(p + 8, end, &lo) && lo >= 0xdc00 && lo <= 0xdfff) {
        cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
        used = 12;
    } else if (cp >= 0xd800 && cp <= 0xdfff) {
        cp = 0xfffd; /* a lone surrogate cannot be represented in UTF-8 */
    }
    *written = jscan_put_utf8(dst, cp);
    return used;
}

bool jscan_string(struct jspan v, char *buf, size_t cap, size_t *len)
{
    if (jscan_type(v) != JT_STRING || v.n < 2 || cap == 0)
        return false;
    const char *p = v.p + 1, *end = v.p + v.n - 1;
    size_t o = 0;
    while (p < end) {
        char tmp[4];
        size_t w;
        if (*p == '\\') {
            p += decode_escape(p, end, tmp, &w);
        } else {
            tmp[0] = *p++;
            w = 1;
        }
        if (o + w >= cap)
            return false;
        memcpy(buf + o, tmp, w);
        o += w;
    }
    buf[o] = '\0';
    if (len)
        *len = o;
    return true;
}

size_t jscan_string_len(struct jspan v)
{
    if (jscan_type(v) != JT_STRING || v.n < 2)
        return (size_t)-1;
    const char *p = v.p + 1, *end = v.p + v.n - 1;
    size_t o = 0;
    while (p < end) {
        if (*p == '\\') {
            char tmp[4];
            size_t w;
            p += decode_escape(p, end, tmp, &w);
            o += w;
        } else {
            p++;
            o++;
        }
    }
    return o;
}

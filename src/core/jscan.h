/*
 * A validating JSON scanner that works on spans of the original bytes.
 *
 * The change decoders use it instead of a tree parser for three reasons: values are kept
 * losslessly as their original text (a tree parser normalises numbers, and jansson rejects a
 * whole document over one integer beyond int64), int64 timestamps are read exactly without
 * passing through doubles, and the row store keeps the original bytes of an image without
 * re-serialising it. It never allocates.
 */
#ifndef CDCTOP_JSCAN_H
#define CDCTOP_JSCAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A slice of JSON text: one complete value (or, for keys, one string token with its quotes). */
struct jspan {
    const char *p;
    size_t n;
};

enum jtype { JT_INVALID, JT_NULL, JT_FALSE, JT_TRUE, JT_NUMBER, JT_STRING, JT_ARRAY, JT_OBJECT };

#define JSCAN_MAX_DEPTH 64

struct jscan_error {
    size_t offset;   /* byte offset where the problem was found */
    const char *msg; /* static text, e.g. "unterminated string" */
};

/* Checks that [p, p+n) is exactly one JSON value (RFC 8259, UTF-8, depth <= JSCAN_MAX_DEPTH),
 * optionally surrounded by whitespace. On success *value spans the value without whitespace. */
bool jscan_validate(const char *p, size_t n, struct jspan *value, struct jscan_error *err);

/* The type of a validated value, from its first byte. */
enum jtype jscan_type(struct jspan v);
const char *jscan_type_name(enum jtype t);

/* Iterates the members of a validated object, or the elements of a validated array (key is then
 * left untouched). */
struct jscan_iter {
    const char *p;
    const char *end;
};
void jscan_iter_init(struct jscan_iter *it, struct jspan container);
bool jscan_iter_next(struct jscan_iter *it, struct jspan *key, struct jspan *value);

/* Compares a key token (with quotes, possibly escaped) with a plain NUL-terminated string. */
bool jscan_key_eq(struct jspan key, const char *s);
/* Finds the member named key in a validated object. */
bool jscan_get(struct jspan object, const char *key, struct jspan *value);

/* Reads an integer value exactly. Fails on fractions, exponents and overflow. */
bool jscan_int64(struct jspan v, int64_t *out);
/* Reads a number as a double (for epoch-seconds timestamps and sizes). */
bool jscan_double(struct jspan v, double *out);
/* Decodes a string value (quotes and escapes removed) into buf (NUL-terminated).
 * Fails when v is not a string or the text does not fit in cap-1 bytes. */
bool jscan_string(struct jspan v, char *buf, size_t cap, size_t *len);
/* Length the decoded string would need (without NUL), or (size_t)-1 when v is not a string. */
size_t jscan_string_len(struct jspan v);

/* True when [p, p+n) is strict UTF-8 (no overlongs, no surrogates, nothing above U+10FFFF), the
 * same rule the validator applies inside strings. */
bool jscan_utf8_valid(const char *p, size_t n);

/* Encodes one code point (at most U+10FFFF) as UTF-8 into dst, which has room for 4 bytes;
 * returns the number of bytes written. */
size_t jscan_put_utf8(char *dst, unsigned long cp);

static inline bool jscan_is_null(struct jspan v)
{
    return v.p == NULL || (v.n == 4 && v.p[0] == 'n');
}

#endif

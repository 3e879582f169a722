/*
 * Column redaction: which columns, and the keyed hash that replaces their values. SHA-256 is
 * implemented here so the core stays free of third-party libraries (the fuzzer and the unit
 * tests link only the core).
 */
#include "config.h"

#include "redact.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "change.h"
#include "xalloc.h"

#define SHA256_BLOCK 64

/* One --redact entry. An empty schema or table matches any. */
struct redact_rule {
    char *text; /* as given, for reports */
    char *schema;
    char *table;
    char *column;
};

struct redact {
    unsigned char key[REDACT_KEY_BYTES];
    struct redact_rule *rules;
    unsigned nrules;
    bool all_values;
};

/* --- SHA-256 --------------------------------------------------------------------------------- */

struct sha256 {
    uint32_t h[8];
    uint64_t len; /* bytes hashed so far */
    unsigned char block[SHA256_BLOCK];
    size_t used;
};

static const uint32_t sha256_k[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

static uint32_t sha256_rotr(uint32_t x, unsigned n)
{
    return (x >> n) | (x << (32 - n));
}

static void sha256_init(struct sha256 *s)
{
    static const uint32_t iv[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                                   0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
    memcpy(s->h, iv, sizeof iv);
    s->len = 0;
    s->used = 0;
}

static void sha256_compress(struct sha256 *s, const unsigned char *p)
{
    uint32_t w[64], a, b, c, d, e, f, g, h;

    for (int i = 0; i < 16; i++)
        w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 |
               (uint32_t)p[4 * i + 2] << 8 | (uint32_t)p[4 * i + 3];
    for (int i = 16; i < 64; i++) {
        uint32_t s0 = sha256_rotr(w[i - 15], 7) ^ sha256_rotr(w[i - 15], 18) ^ (w[i - 15] >> 3);
        uint32_t s1 = sha256_rotr(w[i - 2], 17) ^ sha256_rotr(w[i - 2], 19) ^ (w[i - 2] >> 10);
        w[i] = w[i - 16] + s0 + w[i - 7] + s1;
    }
    a = s->h[0], b = s->h[1], c = s->h[2], d = s->h[3];
    e = s->h[4], f = s->h[5], g = s->h[6], h = s->h[7];
    for (int i = 0; i < 64; i++) {
        uint32_t t1 = h + (sha256_rotr(e, 6) ^ sha256_rotr(e, 11) ^ sha256_rotr(e, 25)) +
                      ((e & f) ^ (~e & g)) + sha256_k[i] + w[i];
        uint32_t t2 = (sha256_rotr(a, 2) ^ sha256_rotr(a, 13) ^ sha256_rotr(a, 22)) +
                      ((a & b) ^ (a & c) ^ (b & c));
        h = g;
        g = f;
        f = e;
        e = d + t1;
        d = c;
        c = b;
        b = a;
        a = t1 + t2;
    }
    s->h[0] += a, s->h[1] += b, s->h[2] += c, s->h[3] += d;
    s->h[4] += e, s->h[5] += f, s->h[6] += g, s->h[7] += h;
}

static void sha256_update(struct sha256 *s, const void *data, size_t n)
{
    const unsigned char *p = data;

    s->len += n;
    if (s->used > 0) {
        size_t take = SHA256_BLOCK - s->used < n ? SHA256_BLOCK - s->used : n;
        memcpy(s->block + s->used, p, take);
        s->used += take;
        p += take;
        n -= take;
        if (s->used < SHA256_BLOCK)
            return;
        sha256_compress(s, s->block);
        s->used = 0;
    }
    for (; n >= SHA256_BLOCK; p += SHA256_BLOCK, n -= SHA256_BLOCK)
        sha256_compress(s, p);
    if (n > 0) {
        memcpy(s->block, p, n);
        s->used = n;
    }
}

static void sha256_final(struct sha256 *s, unsigned char out[32])
{
    uint64_t bits = s->len * 8;
    unsigned char pad[SHA256_BLOCK + 8] = {0x80};
    size_t padlen = s->used < 56 ? 56 - s->used : SHA256_BLOCK + 56 - s->used;

    for (int i = 0; i < 8; i++)
        pad[padlen + (size_t)i] = (unsigned char)(bits >> (56 - 8 * i));
    sha256_update(s, pad, padlen + 8);
    for (int i = 0; i < 8; i++) {
        out[4 * i] = (unsigned char)(s->h[i] >> 24);
        out[4 * i + 1] = (unsigned char)(s->h[i] >> 16);
        out[4 * i + 2] = (unsigned char)(s->h[i] >> 8);
        out[4 * i + 3] = (unsigned char)s->h[i];
    }
}

void redact_sha256(const void *p, size_t n, unsigned char out[32])
{
    struct sha256 s;
    sha256_init(&s);
    sha256_update(&s, p, n);
    sha256_final(&s, out);
}

/* HMAC over the concatenation of two parts (a type tag and the value), without copying. */
static void redact_hmac2(const unsigned char *key, size_t keylen, const void *a, size_t an,
                         const void *b, size_t bn, unsigned char out[32])
{
    unsigned char k[SHA256_BLOCK] = {0}, pad[SHA256_BLOCK], inner[32];
    struct sha256 s;

    if (keylen > SHA256_BLOCK)
        redact_sha256(key, keylen, k);
    else if (keylen > 0)
        memcpy(k, key, keylen);
    for (int i = 0; i < SHA256_BLOCK; i++)
        pad[i] = k[i] ^ 0x36;
    sha256_init(&s);
    sha256_update(&s, pad, sizeof pad);
    sha256_update(&s, a, an);
    sha256_update(&s, b, bn);
    sha256_final(&s, inner);
    for (int i = 0; i < SHA256_BLOCK; i++)
        pad[i] = k[i] ^ 0x5c;
    sha256_init(&s);
    sha256_update(&s, pad, sizeof pad);
    sha256_update(&s, inner, sizeof inner);
    sha256_final(&s, out);
}

void redact_hmac_sha256(const unsigned char *key, size_t keylen, const void *p, size_t n,
                        unsigned char out[32])
{
    redact_hmac2(key, keylen, p, n, "", 0, out);
}

/* --- rules ---------------------------------------------------------------------------------- */

struct redact *redact_new(const unsigned char key[REDACT_KEY_BYTES])
{
    struct redact *r = xcalloc(1, sizeof *r);
    memcpy(r->key, key, REDACT_KEY_BYTES);
    return r;
}

void redact_free(struct redact *r)
{
    if (!r)
        return;
    for (unsigned i = 0; i < r->nrules; i++) {
        free(r->rules[i].text);
        free(r->rules[i].schema);
        free(r->rules[i].table);
        free(r->rules[i].column);
    }
    free(r->rules);
    memset(r->key, 0, sizeof r->key);
    free(r);
}

/* Splits one entry at its dots into a rule. */
static bool redact_parse_entry(const char *p, size_t n, struct redact_rule *out, const char **err)
{
    const char *part[3];
    size_t len[3];
    unsigned nparts = 0;
    size_t start = 0;

    for (size_t i = 0; i <= n; i++) {
        if (i < n && p[i] != '.')
            continue;
        if (nparts == 3) {
            *err = "expected COLUMN, TABLE.COLUMN or SCHEMA.TABLE.COLUMN";
            return false;
        }
        part[nparts] = p + start;
        len[nparts++] = i - start;
        start = i + 1;
    }
    for (unsigned i = 0; i < nparts; i++) {
        if (len[i] == 0) {
            *err = "empty name (expected COLUMN, TABLE.COLUMN or SCHEMA.TABLE.COLUMN)";
            return false;
        }
        if (len[i] > CDC_NAME_MAX) {
            *err = "name too long";
            return false;
        }
    }
    out->text = xstrndup(p, n);
    out->column = xstrndup(part[nparts - 1], len[nparts - 1]);
    out->table = nparts >= 2 ? xstrndup(part[nparts - 2], len[nparts - 2]) : xstrdup("");
    out->schema = nparts == 3 ? xstrndup(part[0], len[0]) : xstrdup(nparts == 2 ? "public" : "");
    return true;
}

static bool redact_is_space(char c)
{
    return c == ' ' || c == '\t';
}

bool redact_add(struct redact *r, const char *list, const char **err)
{
    struct redact_rule *added = NULL;
    unsigned nadded = 0;
    const char *p = list;

    while (true) {
        const char *comma = strchr(p, ',');
        size_t n = comma ? (size_t)(comma - p) : strlen(p);
        while (n > 0 && redact_is_space(*p))
            p++, n--;
        while (n > 0 && redact_is_space(p[n - 1]))
            n--;
        added = xrealloc(added, (nadded + 1) * sizeof *added);
        if (!redact_parse_entry(p, n, &added[nadded], err)) {
            for (unsigned i = 0; i < nadded; i++) {
                free(added[i].text);
                free(added[i].schema);
                free(added[i].table);
                free(added[i].column);
            }
            free(added);
            return false;
        }
        nadded++;
        if (!comma)
            break;
        p = comma + 1;
    }
    r->rules = xrealloc(r->rules, (r->nrules + nadded) * sizeof *r->rules);
    memcpy(r->rules + r->nrules, added, nadded * sizeof *added);
    r->nrules += nadded;
    free(added);
    return true;
}

void redact_set_all_values(struct redact *r, bool on)
{
    r->all_values = on;
}

bool redact_enabled(const struct redact *r)
{
    return r && (r->all_values || r->nrules > 0);
}

bool redact_all_values(const struct redact *r)
{
    return r && r->all_values;
}

unsigned redact_count(const struct redact *r)
{
    return r ? r->nrules : 0;
}

const char *redact_entry(const struct redact *r, unsigned i)
{
    return r && i < r->nrules ? r->rules[i].text : "";
}

static bool redact_is_kept(const struct pk_def *keep, struct jspan name)
{
    for (unsigned i = 0; keep && i < keep->ncols && i < PK_MAX_COLS; i++)
        if (jscan_key_eq(name, keep->cols[i]))
            return true;
    return false;
}

/* Whether column `name` (a key token with its quotes) of schema.table is redacted; `keep` (may be
 * NULL) lists the key columns that --redact-values leaves readable. The caller must pass the same
 * `keep` for every image of a table, or a column would be hashed in some rows and not others. */
static bool redact_column(const struct redact *r, const char *schema, const char *table,
                          const struct pk_def *keep, struct jspan name)
{
    if (!r)
        return false;
    for (unsigned i = 0; i < r->nrules; i++) {
        const struct redact_rule *rule = &r->rules[i];
        if (rule->schema[0] && strcmp(rule->schema, schema) != 0)
            continue;
        if (rule->table[0] && strcmp(rule->table, table) != 0)
            continue;
        if (jscan_key_eq(name, rule->column))
            return true;
    }
    return r->all_values && !redact_is_kept(keep, name);
}

/* --- values --------------------------------------------------------------------------------- */

void redact_value(const struct redact *r, struct jspan value, char out[REDACT_TEXT_LEN + 1])
{
    static const char hex[] = "0123456789abcdef";
    unsigned char mac[32];
    /* The type goes into the hash, so the string "1" and the number 1 differ. */
    char tag = (char)('0' + (int)jscan_type(value));
    size_t len = jscan_string_len(value);
    char small[256], *text = small;

    if (len != (size_t)-1 && len >= sizeof small)
        text = xmalloc(len + 1);
    if (len != (size_t)-1 && jscan_string(value, text, len + 1, &len))
        redact_hmac2(r->key, sizeof r->key, &tag, 1, text, len, mac);
    else
        redact_hmac2(r->key, sizeof r->key, &tag, 1, value.p, value.n, mac);
    if (text != small)
        free(text);
    char *o = out;
    *o++ = '"';
    memcpy(o, REDACT_PREFIX, sizeof REDACT_PREFIX - 1);
    o += sizeof REDACT_PREFIX - 1;
    for (int i = 0; i < REDACT_HEX / 2; i++) {
        *o++ = hex[mac[i] >> 4];
        *o++ = hex[mac[i] & 15];
    }
    *o++ = '"';
    *o = '\0';
}

bool redact_image(const struct redact *r, const char *schema, const char *table,
                  const struct pk_def *keep, struct jspan image, struct buf *out)
{
    struct jscan_iter it;
    struct jspan name, value;
    bool any = false, first = true;
    char hashed[REDACT_TEXT_LEN + 1];

    if (!redact_enabled(r) || !image.p || jscan_type(image) != JT_OBJECT)
        return false;
    jscan_iter_init(&it, image);
    while (!any && jscan_iter_next(&it, &name, &value))
        any = !jscan_is_null(value) && redact_column(r, schema, table, keep, name);
    if (!any)
        return false;
    buf_reset(out);
    buf_putc(out, '{');
    jscan_iter_init(&it, image);
    while (jscan_iter_next(&it, &name, &value)) {
        if (!first)
            buf_putc(out, ',');
        first = false;
        buf_append(out, name.p, name.n);
        buf_putc(out, ':');
        if (!jscan_is_null(value) && redact_column(r, schema, table, keep, name)) {
            redact_value(r, value, hashed);
            buf_puts(out, hashed);
        } else {
            buf_append(out, value.p, value.n);
        }
    }
    buf_putc(out, '}');
    return true;
}

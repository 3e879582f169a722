/*
 * AWS Signature Version 4: canonical request, string to sign, signing key and Authorization
 * header, following the published test suite for non-S3 services (dot segments removed, duplicate
 * slashes collapsed, each path segment URI-encoded).
 */
#include "config.h"

#include "sigv4.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "buf.h"
#include "xalloc.h"

#define SIGV4_ALGORITHM "AWS4-HMAC-SHA256"
#define SIGV4_DIGEST    32

/* One header after canonicalisation: lowercase name, values joined with ',' in input order. */
struct sigv4_canon_header {
    char *name;
    struct buf value;
};

/* One query parameter, decoded and re-encoded. */
struct sigv4_param {
    char *name;
    char *value;
};

static const char sigv4_hexdigits[] = "0123456789abcdef";

static void sigv4_hex(const unsigned char *p, size_t n, char *out)
{
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = sigv4_hexdigits[p[i] >> 4];
        out[2 * i + 1] = sigv4_hexdigits[p[i] & 0xf];
    }
    out[2 * n] = '\0';
}

void sigv4_sha256_hex(const void *data, size_t len, char out[65])
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;

    if (EVP_Digest(data ? data : "", len, md, &mdlen, EVP_sha256(), NULL) != 1 ||
        mdlen != SIGV4_DIGEST) {
        /* Only reachable if the crypto library itself is broken; an empty hash never verifies. */
        out[0] = '\0';
        return;
    }
    sigv4_hex(md, SIGV4_DIGEST, out);
}

static void sigv4_hmac(const void *key, size_t key_len, const char *msg, size_t msg_len,
                       unsigned char out[SIGV4_DIGEST])
{
    unsigned int n = 0;

    if (HMAC(EVP_sha256(), key, (int)key_len, (const unsigned char *)msg, msg_len, out, &n) ==
            NULL ||
        n != SIGV4_DIGEST)
        memset(out, 0, SIGV4_DIGEST);
}

void sigv4_amz_date(time_t t, char out[17])
{
    struct tm tm;

    gmtime_r(&t, &tm);
    if (strftime(out, 17, "%Y%m%dT%H%M%SZ", &tm) != 16)
        out[0] = '\0';
}

static int sigv4_unreserved(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_' || c == '.' || c == '~';
}

/* UriEncode from the specification: everything but the unreserved set, uppercase hex. */
static void sigv4_uri_encode(struct buf *b, const char *s, size_t n)
{
    static const char upper[] = "0123456789ABCDEF";

    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];

        if (sigv4_unreserved(c)) {
            buf_putc(b, (char)c);
        } else {
            buf_putc(b, '%');
            buf_putc(b, upper[c >> 4]);
            buf_putc(b, upper[c & 0xf]);
        }
    }
}

static int sigv4_hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Decodes %XX escapes (a malformed escape stays literal); '+' is kept as it is. The result
 * may hold NUL bytes (from %00): its length is *len. */
static char *sigv4_pct_decode(const char *s, size_t n, size_t *len)
{
    char *out = xmalloc(n + 1);
    size_t o = 0;

    for (size_t i = 0; i < n; i++) {
        int hi, lo;

        if (s[i] == '%' && i + 2 < n && (hi = sigv4_hexval(s[i + 1])) >= 0 &&
            (lo = sigv4_hexval(s[i + 2])) >= 0) {
            out[o++] = (char)(hi * 16 + lo);
            i += 2;
        } else {
            out[o++] = s[i];
        }
    }
    out[o] = '\0';
    *len = o;
    return out;
}

/*
 * Removes "." and ".." segments and empty segments (from duplicate slashes), as the suite
 * expects for every service but S3, then encodes each remaining segment. The result ends with a
 * slash when the path did, or when its last segment was "." or "..".
 */
static void sigv4_canonical_uri(struct buf *out, const char *path)
{
    size_t len = path ? strlen(path) : 0;
    const char **seg = xcalloc(len / 2 + 2, sizeof *seg);
    size_t *seglen = xcalloc(len / 2 + 2, sizeof *seglen);
    size_t nseg = 0;
    int trailing = 0;
    size_t i = 0;

    while (i < len) {
        size_t start, n;

        while (i < len && path[i] == '/')
            i++;
        start = i;
        while (i < len && path[i] != '/')
            i++;
        n = i - start;
        trailing = 0;
        if (n == 0) {
            trailing = 1;
        } else if (n == 1 && path[start] == '.') {
            trailing = 1;
        } else if (n == 2 && path[start] == '.' && path[start + 1] == '.') {
            if (nseg > 0)
                nseg--;
            trailing = 1;
        } else {
            seg[nseg] = path + start;
            seglen[nseg++] = n;
            trailing = i < len; /* a slash follows */
        }
    }
    buf_putc(out, '/');
    for (size_t k = 0; k < nseg; k++) {
        if (k > 0)
            buf_putc(out, '/');
        sigv4_uri_encode(out, seg[k], seglen[k]);
    }
    if (nseg > 0 && trailing)
        buf_putc(out, '/');
    free(seg);
    free(seglen);
}

/* A query name or value as sent, decoded and encoded again in the canonical way. */
static char *sigv4_reencode(const char *s, size_t n)
{
    size_t dlen;
    char *decoded = sigv4_pct_decode(s, n, &dlen);
    struct buf b;

    buf_init(&b);
    sigv4_uri_encode(&b, decoded, dlen);
    free(decoded);
    return buf_steal(&b);
}

static int sigv4_param_cmp(const void *a, const void *b)
{
    const struct sigv4_param *x = a, *y = b;
    int c = strcmp(x->name, y->name);

    return c != 0 ? c : strcmp(x->value, y->value);
}

/* Splits on '&', decodes then re-encodes names and values, sorts by name then value. */
static void sigv4_canonical_query(struct buf *out, const char *query)
{
    size_t len = query ? strlen(query) : 0;
    struct sigv4_param *p = xcalloc(len / 2 + 1, sizeof *p);
    size_t n = 0;
    size_t i = 0;

    while (i < len) {
        size_t start = i, eq;

        while (i < len && query[i] != '&')
            i++;
        if (i == start) {
            i++;
            continue;
        }
        eq = start;
        while (eq < i && query[eq] != '=')
            eq++;
        p[n].name = sigv4_reencode(query + start, eq - start);
        p[n].value = eq < i ? sigv4_reencode(query + eq + 1, i - eq - 1) : xstrdup("");
        n++;
        if (i < len)
            i++;
    }
    qsort(p, n, sizeof *p, sigv4_param_cmp);
    for (size_t k = 0; k < n; k++) {
        if (k > 0)
            buf_putc(out, '&');
        buf_printf(out, "%s=%s", p[k].name, p[k].value);
        free(p[k].name);
        free(p[k].value);
    }
    free(p);
}

static int sigv4_is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

/* Trims the value and collapses each run of whitespace inside it to one space. */
static void sigv4_header_value(struct buf *out, const char *v)
{
    int pending_space = 0;

    while (*v && sigv4_is_space(*v))
        v++;
    for (; *v; v++) {
        if (sigv4_is_space(*v)) {
            pending_space = 1;
            continue;
        }
        if (pending_space)
            buf_putc(out, ' ');
        pending_space = 0;
        buf_putc(out, *v);
    }
}

static char *sigv4_lower_trimmed(const char *s)
{
    size_t n;
    char *out;

    while (*s && sigv4_is_space(*s))
        s++;
    n = strlen(s);
    while (n > 0 && sigv4_is_space(s[n - 1]))
        n--;
    out = xstrndup(s, n);
    for (char *p = out; *p; p++)
        if (*p >= 'A' && *p <= 'Z')
            *p = (char)(*p - 'A' + 'a');
    return out;
}

/* Room for every value of the headers called name, joined. */
static size_t sigv4_value_room(const struct sigv4_input *in, const char *name)
{
    size_t room = 1;

    for (size_t i = 0; i < in->nheaders; i++)
        if (strcasecmp(in->headers[i].name, name) == 0 && in->headers[i].value)
            room += strlen(in->headers[i].value) + 1;
    return room;
}

static int sigv4_canon_header_cmp(const void *a, const void *b)
{
    const struct sigv4_canon_header *x = a, *y = b;

    return strcmp(x->name, y->name);
}

/* Buffers that hold a secret are sized up front (so no reallocation leaves a copy behind) and
 * wiped before they are released. */
static void sigv4_wipe_buf(struct buf *b)
{
    if (b->data)
        OPENSSL_cleanse(b->data, b->len);
    buf_free(b);
}

static void sigv4_wipe_free(char *s)
{
    if (s) {
        OPENSSL_cleanse(s, strlen(s));
        free(s);
    }
}

/* Groups headers by lowercase name (values joined with ',' in input order), sorted by name. */
static size_t sigv4_canon_headers(const struct sigv4_input *in, struct sigv4_canon_header **out)
{
    struct sigv4_canon_header *h = xcalloc(in->nheaders + 1, sizeof *h);
    size_t n = 0;

    for (size_t i = 0; i < in->nheaders; i++) {
        char *name = sigv4_lower_trimmed(in->headers[i].name);
        size_t k;

        for (k = 0; k < n; k++)
            if (strcmp(h[k].name, name) == 0)
                break;
        if (k == n) {
            h[n].name = name;
            buf_init(&h[n].value);
            buf_reserve(&h[n].value, sigv4_value_room(in, name));
            buf_puts(&h[n].value, "");
            n++;
        } else {
            free(name);
            buf_putc(&h[k].value, ',');
        }
        sigv4_header_value(&h[k].value, in->headers[i].value ? in->headers[i].value : "");
    }
    qsort(h, n, sizeof *h, sigv4_canon_header_cmp);
    *out = h;
    return n;
}

/* Header values include X-Amz-Security-Token: wiped before release. */
static void sigv4_canon_headers_free(struct sigv4_canon_header *h, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(h[i].name);
        sigv4_wipe_buf(&h[i].value);
    }
    free(h);
}

/* An upper bound of the canonical request's length (escaping at most triples a byte). */
static size_t sigv4_canonical_room(const struct sigv4_input *in, const struct sigv4_canon_header *h,
                                   size_t n)
{
    size_t room = strlen(in->method) + 3 * (in->path ? strlen(in->path) : 0) +
                  3 * (in->query ? strlen(in->query) : 0) + 128;

    for (size_t i = 0; i < n; i++)
        room += 2 * strlen(h[i].name) + h[i].value.len + 3;
    return room;
}

static char *sigv4_canonical_request(const struct sigv4_input *in, char **signed_headers)
{
    struct sigv4_canon_header *h;
    size_t n = sigv4_canon_headers(in, &h);
    struct buf b, sh;
    char payload_hash[65];

    buf_init(&b);
    buf_init(&sh);
    buf_reserve(&b, sigv4_canonical_room(in, h, n));
    buf_printf(&b, "%s\n", in->method);
    sigv4_canonical_uri(&b, in->path);
    buf_putc(&b, '\n');
    sigv4_canonical_query(&b, in->query);
    buf_putc(&b, '\n');
    for (size_t i = 0; i < n; i++) {
        buf_printf(&b, "%s:%s\n", h[i].name, h[i].value.data);
        if (i > 0)
            buf_putc(&sh, ';');
        buf_puts(&sh, h[i].name);
    }
    buf_putc(&b, '\n');
    buf_printf(&b, "%s\n", sh.data ? sh.data : "");
    sigv4_sha256_hex(in->payload, in->payload_len, payload_hash);
    buf_puts(&b, payload_hash);
    sigv4_canon_headers_free(h, n);
    *signed_headers = buf_steal(&sh);
    return buf_steal(&b);
}

static bool sigv4_input_ok(const struct sigv4_input *in)
{
    if (!in->method || !in->method[0] || !in->region || !in->region[0] || !in->service ||
        !in->service[0] || !in->access_key || !in->secret_key || !in->amz_date)
        return false;
    if (strlen(in->amz_date) != 16 || in->amz_date[8] != 'T' || in->amz_date[15] != 'Z')
        return false;
    if (in->nheaders > 0 && !in->headers)
        return false;
    for (size_t i = 0; i < in->nheaders; i++)
        if (!in->headers[i].name)
            return false;
    return in->payload || in->payload_len == 0;
}

/* kSigning = HMAC chain over date, region, service and "aws4_request". */
static void sigv4_signing_key(const struct sigv4_input *in, const char *date,
                              unsigned char key[SIGV4_DIGEST])
{
    struct buf secret;

    buf_init(&secret);
    buf_reserve(&secret, strlen(in->secret_key) + 5);
    buf_printf(&secret, "AWS4%s", in->secret_key);
    sigv4_hmac(secret.data, secret.len, date, strlen(date), key);
    /* The secret is wiped from the heap copy before it is released. */
    OPENSSL_cleanse(secret.data, secret.len);
    buf_free(&secret);
    sigv4_hmac(key, SIGV4_DIGEST, in->region, strlen(in->region), key);
    sigv4_hmac(key, SIGV4_DIGEST, in->service, strlen(in->service), key);
    sigv4_hmac(key, SIGV4_DIGEST, "aws4_request", strlen("aws4_request"), key);
}

bool sigv4_sign(const struct sigv4_input *in, struct sigv4_output *out)
{
    char date[9], creq_hash[65];
    unsigned char key[SIGV4_DIGEST], sig[SIGV4_DIGEST];
    struct buf b;

    memset(out, 0, sizeof *out);
    if (!sigv4_input_ok(in))
        return false;
    memcpy(date, in->amz_date, 8);
    date[8] = '\0';

    out->canonical_request = sigv4_canonical_request(in, &out->signed_headers);
    sigv4_sha256_hex(out->canonical_request, strlen(out->canonical_request), creq_hash);

    buf_init(&b);
    buf_printf(&b, SIGV4_ALGORITHM "\n%s\n%s/%s/%s/aws4_request\n%s", in->amz_date, date,
               in->region, in->service, creq_hash);
    out->string_to_sign = buf_steal(&b);

    sigv4_signing_key(in, date, key);
    sigv4_hmac(key, SIGV4_DIGEST, out->string_to_sign, strlen(out->string_to_sign), sig);
    OPENSSL_cleanse(key, sizeof key);
    out->signature = xmalloc(2 * SIGV4_DIGEST + 1);
    sigv4_hex(sig, SIGV4_DIGEST, out->signature);
    OPENSSL_cleanse(sig, sizeof sig);

    buf_printf(&b,
               SIGV4_ALGORITHM " Credential=%s/%s/%s/%s/aws4_request, SignedHeaders=%s, "
                               "Signature=%s",
               in->access_key, date, in->region, in->service, out->signed_headers, out->signature);
    out->authorization = buf_steal(&b);
    return true;
}

void sigv4_output_free(struct sigv4_output *out)
{
    sigv4_wipe_free(out->canonical_request);
    sigv4_wipe_free(out->string_to_sign);
    free(out->signed_headers);
    sigv4_wipe_free(out->signature);
    sigv4_wipe_free(out->authorization);
    memset(out, 0, sizeof *out);
}

/* URL splitting and request signing for AWS calls (see aws-sign.h). */
#include "config.h"

#include "aws-sign.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/crypto.h>

#include "buf.h"
#include "sigv4.h"
#include "xalloc.h"

static bool aws_sign_port_ok(const char *p, size_t n, long *port)
{
    long v = 0;

    if (n == 0 || n > 5)
        return false;
    for (size_t i = 0; i < n; i++) {
        if (p[i] < '0' || p[i] > '9')
            return false;
        v = v * 10 + (p[i] - '0');
    }
    *port = v;
    return v > 0 && v <= 65535;
}

/* Splits "host", "host:port", "[v6]" or "[v6]:port". */
static bool aws_sign_authority(const char *a, size_t n, struct aws_url *u, long *port)
{
    size_t hn = n;

    *port = -1;
    if (n == 0 || memchr(a, '@', n))
        return false;
    if (a[0] == '[') {
        const char *close = memchr(a, ']', n);

        if (!close)
            return false;
        hn = (size_t)(close - a) + 1;
        if (hn < n && (a[hn] != ':' || !aws_sign_port_ok(a + hn + 1, n - hn - 1, port)))
            return false;
    } else {
        const char *colon = memchr(a, ':', n);

        if (colon) {
            hn = (size_t)(colon - a);
            if (!aws_sign_port_ok(colon + 1, n - hn - 1, port))
                return false;
        }
    }
    if (hn == 0)
        return false;
    u->host = xstrndup(a, hn);
    return true;
}

bool aws_sign_parse_url(const char *url, struct aws_url *u)
{
    const char *rest, *auth_end, *q, *frag;
    size_t alen;
    long port;
    struct buf b;

    memset(u, 0, sizeof *u);
    if (!url)
        return false;
    if (strncasecmp(url, "https://", 8) == 0) {
        u->https = true;
        rest = url + 8;
    } else if (strncasecmp(url, "http://", 7) == 0) {
        rest = url + 7;
    } else {
        return false;
    }
    if (strpbrk(url, " \t\r\n"))
        return false;
    auth_end = rest + strcspn(rest, "/?#");
    alen = (size_t)(auth_end - rest);
    if (!aws_sign_authority(rest, alen, u, &port))
        return false;
    buf_init(&b);
    if (port > 0 && port != (u->https ? 443 : 80))
        buf_printf(&b, "%s:%ld", u->host, port);
    else
        buf_puts(&b, u->host);
    u->host_header = buf_steal(&b);
    u->base = xstrndup(url, (size_t)(auth_end - url));
    frag = auth_end + strcspn(auth_end, "#");
    q = memchr(auth_end, '?', (size_t)(frag - auth_end));
    if (!q)
        q = frag;
    u->path = q > auth_end ? xstrndup(auth_end, (size_t)(q - auth_end)) : xstrdup("/");
    u->query = *q == '?' ? xstrndup(q + 1, (size_t)(frag - q - 1)) : xstrdup("");
    return true;
}

void aws_sign_url_free(struct aws_url *u)
{
    free(u->base);
    free(u->host);
    free(u->host_header);
    free(u->path);
    free(u->query);
    memset(u, 0, sizeof *u);
}

static void aws_sign_add(struct aws_signed *out, const char *name, const char *value)
{
    if (out->n < AWS_SIGN_MAX_HEADERS) {
        out->h[out->n].name = name;
        out->h[out->n].value = value;
        out->n++;
    }
}

bool aws_sign_request(const char *method, const struct aws_url *u, const struct http_header *extra,
                      size_t nextra, const void *body, size_t body_len, const char *region,
                      const char *service, const struct aws_creds *creds, time_t now,
                      struct aws_signed *out)
{
    struct sigv4_header sh[AWS_SIGN_MAX_HEADERS];
    struct sigv4_output so;
    struct sigv4_input in;

    memset(out, 0, sizeof *out);
    if (nextra + 4 > AWS_SIGN_MAX_HEADERS)
        return false;
    sigv4_amz_date(now, out->amz_date);
    for (size_t i = 0; i < nextra; i++)
        aws_sign_add(out, extra[i].name, extra[i].value);
    /* Sent explicitly so that the signed value is exactly the one on the wire. */
    aws_sign_add(out, "Host", u->host_header);
    aws_sign_add(out, "X-Amz-Date", out->amz_date);
    if (creds->session_token[0])
        aws_sign_add(out, "X-Amz-Security-Token", creds->session_token);
    for (size_t i = 0; i < out->n; i++) {
        sh[i].name = out->h[i].name;
        sh[i].value = out->h[i].value;
    }
    in = (struct sigv4_input){
        .method = method,
        .path = u->path,
        .query = u->query,
        .headers = sh,
        .nheaders = out->n,
        .payload = body,
        .payload_len = body_len,
        .region = region,
        .service = service,
        .amz_date = out->amz_date,
        .access_key = creds->access_key,
        .secret_key = creds->secret_key,
    };
    if (!sigv4_sign(&in, &so))
        return false;
    out->authorization = so.authorization;
    so.authorization = NULL;
    sigv4_output_free(&so);
    aws_sign_add(out, "Authorization", out->authorization);
    return true;
}

void aws_sign_free(struct aws_signed *out)
{
    if (out->authorization) {
        OPENSSL_cleanse(out->authorization, strlen(out->authorization));
        free(out->authorization);
    }
    memset(out, 0, sizeof *out);
}

static void aws_sign_form_encode(struct buf *b, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";

    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;

        if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
            c == '-' || c == '_' || c == '.' || c == '~') {
            buf_putc(b, (char)c);
        } else {
            buf_putc(b, '%');
            buf_putc(b, hex[c >> 4]);
            buf_putc(b, hex[c & 0xf]);
        }
    }
}

char *aws_sign_form_append(char *form, const char *key, const char *value)
{
    struct buf b;

    buf_init(&b);
    /* Sized once, the old copy wiped: a value may be a web identity token. */
    buf_reserve(&b, (form ? strlen(form) : 0) + 3 * (strlen(key) + strlen(value)) + 2);
    if (form && form[0]) {
        buf_puts(&b, form);
        buf_putc(&b, '&');
    }
    if (form)
        OPENSSL_cleanse(form, strlen(form));
    free(form);
    aws_sign_form_encode(&b, key);
    buf_putc(&b, '=');
    aws_sign_form_encode(&b, value);
    return buf_steal(&b);
}

/*
 * Container credentials (ECS task roles, EKS Pod Identity): a GET of
 * http://169.254.170.2$AWS_CONTAINER_CREDENTIALS_RELATIVE_URI, or of
 * $AWS_CONTAINER_CREDENTIALS_FULL_URI when that is https or a known local address, with an
 * Authorization header from AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE or _TOKEN
 * (https://docs.aws.amazon.com/sdkref/latest/guide/feature-container-credentials.html).
 */
#include "config.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/crypto.h>

#include "aws-error.h"
#include "aws-sign.h"
#include "buf.h"
#include "creds-json.h"
#include "creds-op.h"
#include "creds-util.h"
#include "http.h"
#include "xalloc.h"

#define CONTAINER_HOST       "http://169.254.170.2"
#define CONTAINER_TIMEOUT_MS 2000L
#define CONTAINER_ATTEMPTS   3
#define CONTAINER_MAX_TOKEN  16384

struct container_op {
    struct creds_op base;
    struct http *h;
    struct http_call *call;
    char *url;
    char *auth; /* Authorization value, or NULL */
    int attempts;
    creds_op_fn done;
    void *ctx;
};

bool creds_container_configured(void)
{
    const char *rel = getenv("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI");
    const char *full = getenv("AWS_CONTAINER_CREDENTIALS_FULL_URI");

    return (rel && rel[0]) || (full && full[0]);
}

/* Plain http is only trusted on loopback and the ECS/EKS link-local agents. */
static bool container_host_allowed(const char *host)
{
    static const char *const allowed[] = {"169.254.170.2", "169.254.170.23", "[fd00:ec2::23]",
                                          "localhost", "[::1]"};
    struct in_addr a4;

    for (size_t i = 0; i < sizeof allowed / sizeof allowed[0]; i++)
        if (strcasecmp(host, allowed[i]) == 0)
            return true;
    return inet_pton(AF_INET, host, &a4) == 1 && (ntohl(a4.s_addr) >> 24) == 127;
}

static bool container_url(char **out, char *err, size_t errsz)
{
    const char *rel = getenv("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI");
    const char *full = getenv("AWS_CONTAINER_CREDENTIALS_FULL_URI");
    struct aws_url u;
    struct buf b;

    if (rel && rel[0]) {
        if (rel[0] != '/' || strpbrk(rel, " \t\r\n")) {
            snprintf(err, errsz, "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI must start with '/'");
            return false;
        }
        buf_init(&b);
        buf_printf(&b, CONTAINER_HOST "%s", rel);
        *out = buf_steal(&b);
        return true;
    }
    if (!aws_sign_parse_url(full, &u)) {
        snprintf(err, errsz, "AWS_CONTAINER_CREDENTIALS_FULL_URI is not an http(s) URL");
        return false;
    }
    if (!u.https && !container_host_allowed(u.host)) {
        snprintf(err, errsz,
                 "AWS_CONTAINER_CREDENTIALS_FULL_URI must use https, a loopback address, "
                 "169.254.170.2, 169.254.170.23 or fd00:ec2::23 (got host %.100s)",
                 u.host);
        aws_sign_url_free(&u);
        return false;
    }
    aws_sign_url_free(&u);
    *out = xstrdup(full);
    return true;
}

/* The Authorization value: the token file wins over the variable; CR or LF is refused. */
static bool container_auth(char **out, char *err, size_t errsz)
{
    const char *file = getenv("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE");
    const char *tok = getenv("AWS_CONTAINER_AUTHORIZATION_TOKEN");

    *out = NULL;
    if (file && file[0]) {
        char why[256];

        *out = creds_util_read_small_file(file, CONTAINER_MAX_TOKEN, why, sizeof why);
        if (!*out) {
            snprintf(err, errsz, "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE: %s", why);
            return false;
        }
    } else if (tok && tok[0]) {
        *out = xstrdup(tok);
    }
    if (*out && strpbrk(*out, "\r\n")) {
        snprintf(err, errsz, "the container authorization token holds a line break");
        OPENSSL_cleanse(*out, strlen(*out));
        free(*out);
        *out = NULL;
        return false;
    }
    return true;
}

static void container_free(struct container_op *op)
{
    if (op->call)
        http_cancel(op->h, op->call);
    free(op->url);
    if (op->auth) {
        OPENSSL_cleanse(op->auth, strlen(op->auth));
        free(op->auth);
    }
    free(op);
}

static void container_cancel(struct creds_op *base)
{
    container_free((struct container_op *)(void *)base);
}

static void container_response(void *ctx, const struct http_response *r);

static void container_send(struct container_op *op)
{
    struct http_header hd[1];
    struct http_request req = {0};

    if (op->auth) {
        hd[0] = (struct http_header){"Authorization", op->auth};
        req.nheaders = 1;
    }
    req.method = "GET";
    req.url = op->url;
    req.headers = hd;
    req.secret = true; /* an authorization token goes out, credentials come back */
    req.direct = true; /* the container agent is never reached through a proxy */
    req.timeout_ms = CONTAINER_TIMEOUT_MS;
    req.connect_timeout_ms = CONTAINER_TIMEOUT_MS;
    op->attempts++;
    op->call = http_send(op->h, &req, container_response, op);
}

static bool container_parse(const struct http_response *r, struct aws_creds *c, char *err,
                            size_t errsz)
{
    char why[300];

    if (r->status != 200) {
        char code[96], msg[300];

        aws_error_parse(r->body, r->body_len, NULL, NULL, code, sizeof code, msg, sizeof msg);
        snprintf(err, errsz, "HTTP %ld%s%s", r->status, msg[0] ? ": " : "", msg);
        memset(c, 0, sizeof *c);
        return false;
    }
    if (!creds_json_parse(CREDS_JSON_CONTAINER, r->body, r->body_len, c, why, sizeof why)) {
        snprintf(err, errsz, "the reply: %s", why);
        return false;
    }
    snprintf(c->source, sizeof c->source, "container credentials");
    return true;
}

/* The message for a failed fetch, without the authorization token or anything like a secret. */
static void container_error(struct container_op *op, const char *msg, char *out, size_t outsz)
{
    const char *known[] = {op->auth};

    snprintf(out, outsz, "%s", msg);
    aws_error_scrub(out, outsz, known, 1);
}

static void container_response(void *ctx, const struct http_response *r)
{
    struct container_op *op = ctx;
    struct aws_creds c;
    char err[512], why[512];

    op->call = NULL;
    if ((r->status == 0 || r->status >= 500) && op->attempts < CONTAINER_ATTEMPTS) {
        container_send(op);
        return;
    }
    if (r->status == 0) {
        container_error(op, r->error, err, sizeof err);
        op->done(op->ctx, NULL, err);
    } else if (!container_parse(r, &c, why, sizeof why)) {
        container_error(op, why, err, sizeof err);
        op->done(op->ctx, NULL, err);
    } else {
        op->done(op->ctx, &c, NULL);
        creds_util_wipe(&c);
    }
    container_free(op);
}

struct creds_op *creds_container_fetch(struct http *h, creds_op_fn done, void *ctx, char *err,
                                       size_t errsz)
{
    struct container_op *op;
    char *url, *auth;

    if (!container_url(&url, err, errsz))
        return NULL;
    if (!container_auth(&auth, err, errsz)) {
        free(url);
        return NULL;
    }
    op = xcalloc(1, sizeof *op);
    op->base.cancel = container_cancel;
    op->h = h;
    op->url = url;
    op->auth = auth;
    op->done = done;
    op->ctx = ctx;
    container_send(op);
    return &op->base;
}

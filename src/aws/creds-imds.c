/*
 * EC2 instance metadata (IMDSv2): a session token from PUT /latest/api/token, then GETs that
 * carry it. Used for the instance role's credentials and for the region. Like the AWS CLI, a
 * token request answered 403/404/405 falls back to IMDSv1 unless AWS_EC2_METADATA_V1_DISABLED
 * (https://docs.aws.amazon.com/sdkref/latest/guide/feature-imds-credentials.html).
 */
#include "config.h"

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

#define IMDS_DEFAULT_ENDPOINT "http://169.254.169.254"
#define IMDS_IPV6_ENDPOINT    "http://[fd00:ec2::254]"
#define IMDS_TOKEN_TTL        "21600"
#define IMDS_DEFAULT_TIMEOUT  1000L
#define IMDS_ROLES_PATH       "/latest/meta-data/iam/security-credentials/"
#define IMDS_REGION_PATH      "/latest/meta-data/placement/region"

enum imds_step { IMDS_TOKEN, IMDS_ROLE, IMDS_CREDS, IMDS_REGION };

struct imds_op {
    struct creds_op base;
    struct http *h;
    struct http_call *call;
    char *endpoint;
    long timeout_ms;
    enum imds_step step;
    bool want_region;
    char token[256]; /* "" for IMDSv1 */
    char role[128];
    creds_op_fn done;
    creds_text_fn text_done;
    void *ctx;
};

static bool imds_env_true(const char *name)
{
    const char *v = getenv(name);

    return v && strcasecmp(v, "true") == 0;
}

bool creds_imds_disabled(void)
{
    return imds_env_true("AWS_EC2_METADATA_DISABLED");
}

static long imds_timeout_ms(void)
{
    const char *v = getenv("AWS_METADATA_SERVICE_TIMEOUT");
    char *end;
    double s;

    if (!v || !v[0])
        return IMDS_DEFAULT_TIMEOUT;
    s = strtod(v, &end);
    if (*end || !(s > 0) || s > 300)
        return IMDS_DEFAULT_TIMEOUT;
    return (long)(s * 1000.0);
}

/* The endpoint without a trailing slash; false when the override is not an http(s) URL. */
static bool imds_endpoint(char **out, char *err, size_t errsz)
{
    const char *v = getenv("AWS_EC2_METADATA_SERVICE_ENDPOINT");
    const char *mode = getenv("AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE");
    struct aws_url u;

    if (!v || !v[0]) {
        *out = xstrdup(mode && strcasecmp(mode, "IPv6") == 0 ? IMDS_IPV6_ENDPOINT
                                                             : IMDS_DEFAULT_ENDPOINT);
        return true;
    }
    if (!aws_sign_parse_url(v, &u)) {
        snprintf(err, errsz, "AWS_EC2_METADATA_SERVICE_ENDPOINT is not an http(s) URL");
        return false;
    }
    *out = xstrdup(u.base);
    aws_sign_url_free(&u);
    return true;
}

static void imds_free(struct imds_op *op)
{
    if (op->call)
        http_cancel(op->h, op->call);
    free(op->endpoint);
    OPENSSL_cleanse(op->token, sizeof op->token);
    free(op);
}

static void imds_cancel(struct creds_op *base)
{
    imds_free((struct imds_op *)(void *)base);
}

static void imds_fail(struct imds_op *op, const char *msg)
{
    const char *known[] = {op->token};
    char text[512];

    snprintf(text, sizeof text, "%s", msg);
    aws_error_scrub(text, sizeof text, known, 1);
    if (op->want_region)
        op->text_done(op->ctx, NULL, text);
    else
        op->done(op->ctx, NULL, text);
    imds_free(op);
}

static void imds_response(void *ctx, const struct http_response *r);

static void imds_request(struct imds_op *op, const char *method, const char *path)
{
    struct http_header hd[1];
    struct http_request req = {0};
    struct buf url;

    buf_init(&url);
    buf_printf(&url, "%s%s", op->endpoint, path);
    if (op->step == IMDS_TOKEN) {
        hd[0] = (struct http_header){"x-aws-ec2-metadata-token-ttl-seconds", IMDS_TOKEN_TTL};
        req.nheaders = 1;
    } else if (op->token[0]) {
        hd[0] = (struct http_header){"x-aws-ec2-metadata-token", op->token};
        req.nheaders = 1;
    }
    req.method = method;
    req.url = url.data;
    req.headers = hd;
    req.secret = true; /* the session token goes out, the role's credentials come back */
    req.direct = true; /* the metadata service is never reached through a proxy */
    req.timeout_ms = op->timeout_ms;
    req.connect_timeout_ms = op->timeout_ms;
    op->call = http_send(op->h, &req, imds_response, op);
    buf_free(&url);
}

static void imds_after_token(struct imds_op *op)
{
    op->step = op->want_region ? IMDS_REGION : IMDS_ROLE;
    imds_request(op, "GET", op->want_region ? IMDS_REGION_PATH : IMDS_ROLES_PATH);
}

/* A role name goes into a URL path: only the characters IAM allows in one. */
static bool imds_role_ok(const char *s)
{
    if (!s[0])
        return false;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
              strchr("+=,.@_-", *s)))
            return false;
    return true;
}

/* The first line of a text reply, trimmed. */
static void imds_first_line(const char *body, char *out, size_t outsz)
{
    size_t n = strcspn(body, "\r\n");

    while (n > 0 && (body[n - 1] == ' ' || body[n - 1] == '\t'))
        n--;
    while (n > 0 && (*body == ' ' || *body == '\t')) {
        body++;
        n--;
    }
    if (n >= outsz)
        n = outsz - 1;
    memcpy(out, body, n);
    out[n] = '\0';
}

/* The role's credentials document; a 200 whose Code is not Success is an error. */
static bool imds_parse_creds(struct imds_op *op, const char *body, size_t len, struct aws_creds *c,
                             char *err, size_t errsz)
{
    char why[300];

    if (!creds_json_parse(CREDS_JSON_IMDS, body, len, c, why, sizeof why)) {
        snprintf(err, errsz, "role %s credentials: %s", op->role, why);
        return false;
    }
    snprintf(c->source, sizeof c->source, "imds role %s", op->role);
    return true;
}

static void imds_token_reply(struct imds_op *op, const struct http_response *r)
{
    if (r->status == 200) {
        imds_first_line(r->body, op->token, sizeof op->token);
        imds_after_token(op);
    } else if ((r->status == 403 || r->status == 404 || r->status == 405) &&
               !imds_env_true("AWS_EC2_METADATA_V1_DISABLED")) {
        op->token[0] = '\0'; /* IMDSv1 */
        imds_after_token(op);
    } else if (r->status == 0) {
        imds_fail(op, r->error);
    } else {
        char st[64];

        snprintf(st, sizeof st, "token request answered HTTP %ld", r->status);
        imds_fail(op, st);
    }
}

static void imds_role_reply(struct imds_op *op, const struct http_response *r)
{
    imds_first_line(r->body, op->role, sizeof op->role);
    if (!imds_role_ok(op->role)) {
        imds_fail(op, "no IAM role is attached to this instance");
        return;
    }
    op->step = IMDS_CREDS;
    {
        struct buf path;

        buf_init(&path);
        buf_printf(&path, IMDS_ROLES_PATH "%s", op->role);
        imds_request(op, "GET", path.data);
        buf_free(&path);
    }
}

static void imds_creds_reply(struct imds_op *op, const struct http_response *r)
{
    struct aws_creds c;
    char err[512];

    if (!imds_parse_creds(op, r->body, r->body_len, &c, err, sizeof err)) {
        imds_fail(op, err);
        return;
    }
    op->done(op->ctx, &c, NULL);
    creds_util_wipe(&c);
    imds_free(op);
}

static void imds_region_reply(struct imds_op *op, const struct http_response *r)
{
    char region[64];

    imds_first_line(r->body, region, sizeof region);
    if (!region[0]) {
        imds_fail(op, "empty region");
        return;
    }
    op->text_done(op->ctx, region, NULL);
    imds_free(op);
}

static void imds_response(void *ctx, const struct http_response *r)
{
    struct imds_op *op = ctx;

    op->call = NULL;
    if (op->step == IMDS_TOKEN) {
        imds_token_reply(op, r);
        return;
    }
    if (r->status == 0) {
        imds_fail(op, r->error);
        return;
    }
    if (r->status == 404 && op->step == IMDS_ROLE) {
        imds_fail(op, "no IAM role is attached to this instance");
        return;
    }
    if (r->status != 200) {
        char st[96];

        snprintf(st, sizeof st, "HTTP %ld for %s", r->status,
                 op->step == IMDS_REGION ? "the region" : "the role credentials");
        imds_fail(op, st);
        return;
    }
    if (op->step == IMDS_ROLE)
        imds_role_reply(op, r);
    else if (op->step == IMDS_CREDS)
        imds_creds_reply(op, r);
    else
        imds_region_reply(op, r);
}

static struct creds_op *imds_start(struct http *h, bool want_region, creds_op_fn done,
                                   creds_text_fn text_done, void *ctx, char *err, size_t errsz)
{
    struct imds_op *op;
    char *endpoint;

    if (!imds_endpoint(&endpoint, err, errsz))
        return NULL;
    op = xcalloc(1, sizeof *op);
    op->base.cancel = imds_cancel;
    op->h = h;
    op->endpoint = endpoint;
    op->timeout_ms = imds_timeout_ms();
    op->want_region = want_region;
    op->done = done;
    op->text_done = text_done;
    op->ctx = ctx;
    op->step = IMDS_TOKEN;
    imds_request(op, "PUT", "/latest/api/token");
    return &op->base;
}

struct creds_op *creds_imds_credentials(struct http *h, creds_op_fn done, void *ctx, char *err,
                                        size_t errsz)
{
    return imds_start(h, false, done, NULL, ctx, err, errsz);
}

struct creds_op *creds_imds_region(struct http *h, creds_text_fn done, void *ctx, char *err,
                                   size_t errsz)
{
    return imds_start(h, true, NULL, done, ctx, err, errsz);
}

/*
 * STS over its query protocol: AssumeRole (signed with the source credentials, service "sts";
 * https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRole.html) and
 * AssumeRoleWithWebIdentity (unsigned;
 * https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRoleWithWebIdentity.html). Both
 * POST a form and get XML back, whose few fields are picked out with xmltext.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>

#include "awstime.h"
#include "fmt.h"
#include "aws-error.h"
#include "aws-sign.h"
#include "creds-op.h"
#include "creds-util.h"
#include "http.h"
#include "xalloc.h"
#include "xmltext.h"

#define STS_VERSION      "2011-06-15"
#define STS_CONTENT_TYPE "application/x-www-form-urlencoded; charset=utf-8"
#define STS_TIMEOUT_MS   15000L
#define STS_MAX_TOKEN    ((size_t)64 << 10)

/* The secrets a request carries, kept only to scrub them from the reply's error text. */
enum { STS_SECRET_KEY, STS_SESSION_TOKEN, STS_WEB_TOKEN, STS_NSECRETS };

struct sts_op {
    struct creds_op base;
    struct http *h;
    struct http_call *call;
    char *role_arn;
    bool web;
    char *secrets[STS_NSECRETS]; /* NULL when the request does not carry it */
    creds_op_fn done;
    void *ctx;
};

static void sts_wipe_free(char *s)
{
    if (s) {
        OPENSSL_cleanse(s, strlen(s));
        free(s);
    }
}

static void sts_free(struct sts_op *op)
{
    if (op->call)
        http_cancel(op->h, op->call);
    free(op->role_arn);
    for (size_t i = 0; i < STS_NSECRETS; i++)
        sts_wipe_free(op->secrets[i]);
    free(op);
}

static void sts_cancel(struct creds_op *base)
{
    sts_free((struct sts_op *)(void *)base);
}

/* Copies one element's text into dst; false when missing or too long. */
static bool sts_field(const char *body, size_t len, const char *name, char *dst, size_t dstsz)
{
    long n = xmltext_find(body, len, name, dst, dstsz);

    return n >= 0 && (size_t)n < dstsz;
}

bool creds_sts_parse(long status, const char *body, size_t len, struct aws_creds *out, char *err,
                     size_t errsz)
{
    char exp[64];

    memset(out, 0, sizeof *out);
    if (status != 200) {
        char code[96], msg[400];

        aws_error_parse(body, len, NULL, NULL, code, sizeof code, msg, sizeof msg);
        snprintf(err, errsz, "HTTP %ld%s%s%s%s", status, code[0] ? " " : "", code,
                 msg[0] ? ": " : "", msg);
        return false;
    }
    if (!sts_field(body, len, "AccessKeyId", out->access_key, sizeof out->access_key) ||
        !sts_field(body, len, "SecretAccessKey", out->secret_key, sizeof out->secret_key) ||
        !sts_field(body, len, "SessionToken", out->session_token, sizeof out->session_token) ||
        !out->access_key[0] || !out->secret_key[0]) {
        creds_util_wipe(out);
        snprintf(err, errsz, "the STS reply lacks the credentials");
        return false;
    }
    if (sts_field(body, len, "Expiration", exp, sizeof exp) &&
        !fmt_parse_iso8601(exp, &out->expires_ms)) {
        creds_util_wipe(out);
        snprintf(err, errsz, "the STS reply's Expiration is not an ISO-8601 time");
        return false;
    }
    return true;
}

/* Reports a failure: the server's text (an endpoint may echo the request, token and all) is
 * scrubbed of the request's secrets and of anything that looks like one. */
static void sts_fail(struct sts_op *op, const char *why)
{
    char err[512];

    creds_util_fmt(err, sizeof err, "%s %s: %s",
                   op->web ? "AssumeRoleWithWebIdentity" : "AssumeRole", op->role_arn, why);
    aws_error_scrub(err, sizeof err, (const char *const *)op->secrets, STS_NSECRETS);
    op->done(op->ctx, NULL, err);
}

static void sts_response(void *ctx, const struct http_response *r)
{
    struct sts_op *op = ctx;
    struct aws_creds c;
    char why[480];

    op->call = NULL;
    if (r->status == 0) {
        sts_fail(op, r->error);
    } else if (!creds_sts_parse(r->status, r->body, r->body_len, &c, why, sizeof why)) {
        sts_fail(op, why);
    } else {
        creds_util_fmt(c.source, sizeof c.source, "%s %s", op->web ? "web identity" : "assume-role",
                       op->role_arn);
        op->done(op->ctx, &c, NULL);
        creds_util_wipe(&c);
    }
    sts_free(op);
}

/* The common form fields of both calls. */
static char *sts_form(const char *action, const struct creds_sts_params *p)
{
    char *form = NULL;
    char dur[16];

    form = aws_sign_form_append(form, "Action", action);
    form = aws_sign_form_append(form, "Version", STS_VERSION);
    form = aws_sign_form_append(form, "RoleArn", p->role_arn);
    form = aws_sign_form_append(form, "RoleSessionName", p->session_name);
    if (p->duration_s > 0) {
        snprintf(dur, sizeof dur, "%d", p->duration_s);
        form = aws_sign_form_append(form, "DurationSeconds", dur);
    }
    if (p->external_id && p->external_id[0])
        form = aws_sign_form_append(form, "ExternalId", p->external_id);
    return form;
}

static char *sts_dup_secret(const char *s)
{
    return s && s[0] ? xstrdup(s) : NULL;
}

static struct sts_op *sts_op_new(struct http *h, const struct creds_sts_params *p, bool web,
                                 creds_op_fn done, void *ctx)
{
    struct sts_op *op = xcalloc(1, sizeof *op);

    op->base.cancel = sts_cancel;
    op->h = h;
    op->role_arn = xstrdup(p->role_arn);
    op->web = web;
    op->done = done;
    op->ctx = ctx;
    return op;
}

struct creds_op *creds_sts_assume_role(struct http *h, const struct creds_sts_params *p,
                                       const struct aws_creds *source, creds_op_fn done, void *ctx,
                                       char *err, size_t errsz)
{
    struct http_header ct = {"Content-Type", STS_CONTENT_TYPE};
    struct http_request req = {0};
    struct aws_signed sig;
    struct aws_url u;
    struct sts_op *op;
    char *form;

    if (!aws_sign_parse_url(p->endpoint, &u)) {
        snprintf(err, errsz, "the STS endpoint is not an http(s) URL");
        return NULL;
    }
    form = sts_form("AssumeRole", p);
    if (!aws_sign_request("POST", &u, &ct, 1, form, strlen(form), p->region, "sts", source,
                          time(NULL), &sig)) {
        snprintf(err, errsz, "cannot sign the AssumeRole request");
        aws_sign_url_free(&u);
        free(form);
        return NULL;
    }
    op = sts_op_new(h, p, false, done, ctx);
    op->secrets[STS_SECRET_KEY] = sts_dup_secret(source->secret_key);
    op->secrets[STS_SESSION_TOKEN] = sts_dup_secret(source->session_token);
    req.method = "POST";
    req.url = p->endpoint;
    req.headers = sig.h;
    req.nheaders = sig.n;
    req.body = form;
    req.body_len = strlen(form);
    req.secret = true; /* signed with the source credentials; credentials come back */
    req.timeout_ms = STS_TIMEOUT_MS;
    op->call = http_send(h, &req, sts_response, op);
    aws_sign_free(&sig);
    aws_sign_url_free(&u);
    free(form);
    return &op->base;
}

struct creds_op *creds_sts_web_identity(struct http *h, const struct creds_sts_params *p,
                                        creds_op_fn done, void *ctx, char *err, size_t errsz)
{
    struct http_header hd[1] = {{"Content-Type", STS_CONTENT_TYPE}};
    struct http_request req = {0};
    struct sts_op *op;
    char why[256];
    char *token, *form;

    token = creds_util_read_small_file(p->token_file, STS_MAX_TOKEN, why, sizeof why);
    if (!token) {
        snprintf(err, errsz, "web identity token file: %s", why);
        return NULL;
    }
    form = sts_form("AssumeRoleWithWebIdentity", p);
    form = aws_sign_form_append(form, "WebIdentityToken", token);
    op = sts_op_new(h, p, true, done, ctx);
    op->secrets[STS_WEB_TOKEN] = token;
    req.method = "POST";
    req.url = p->endpoint;
    req.headers = hd;
    req.nheaders = 1;
    req.body = form;
    req.body_len = strlen(form);
    req.secret = true; /* the web identity token goes out, credentials come back */
    req.timeout_ms = STS_TIMEOUT_MS;
    op->call = http_send(h, &req, sts_response, op);
    sts_wipe_free(form);
    return &op->base;
}

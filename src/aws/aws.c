/*
 * One AWS JSON-protocol call: wait for credentials (creds_get), sign, POST, classify the reply.
 * An ExpiredToken-style reply makes the call forget the credentials and try once more with
 * fresh ones. Every outcome is reported exactly once, from the loop, never from inside
 * aws_call itself.
 */
#include "config.h"

#include "aws.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <ev.h>
#include <openssl/crypto.h>

#include "aws-error.h"
#include "aws-sign.h"
#include "creds.h"
#include "http.h"
#include "xalloc.h"

#define AWS_DEFAULT_REGION  "us-east-1"
#define AWS_CALL_TIMEOUT_MS 30000L

const struct aws_service aws_kinesis = {"kinesis", "kinesis", "Kinesis_20131202",
                                        "application/x-amz-json-1.1"};
const struct aws_service aws_sqs = {"sqs", "sqs", "AmazonSQS", "application/x-amz-json-1.0"};

struct aws_client {
    struct http *http;
    struct creds *creds;
    struct aws_service svc;
    char *region;
    char *url;      /* where requests go */
    char *endpoint; /* for display: the URL without a trailing slash */
    struct aws_url u;
    bool url_ok;
    struct aws_call *calls; /* every call not yet reported */
    ev_timer later;         /* reports failures that happened inside aws_call */
    int depth;              /* > 0 while aws_later_cb reports */
    bool free_pending;      /* aws_client_free was called from one of those reports */
};

struct aws_call {
    struct aws_client *cl;
    char *operation;
    char *body;
    size_t body_len;
    aws_done_fn done;
    void *ctx;
    struct http_call *hcall;
    bool waiting_creds;
    bool starting;  /* inside aws_call: a failure must wait for the loop */
    bool deferred;  /* a failure is stored, reported from the loop */
    bool retried;   /* already retried after expired credentials */
    bool reporting; /* its callback runs */
    struct aws_result deferred_result;
    char secret[128]; /* to scrub server messages; wiped when the call ends */
    char token[4096];
    char hint[256];
    struct aws_call *prev, *next;
};

const char *aws_outcome_name(enum aws_outcome o)
{
    static const char *const names[] = {
        [AWS_OK] = "AWS_OK",
        [AWS_THROTTLED] = "AWS_THROTTLED",
        [AWS_EXPIRED_ITERATOR] = "AWS_EXPIRED_ITERATOR",
        [AWS_EXPIRED_CREDS] = "AWS_EXPIRED_CREDS",
        [AWS_BAD_CREDS] = "AWS_BAD_CREDS",
        [AWS_BAD_SIGNATURE] = "AWS_BAD_SIGNATURE",
        [AWS_ACCESS_DENIED] = "AWS_ACCESS_DENIED",
        [AWS_NOT_FOUND] = "AWS_NOT_FOUND",
        [AWS_NO_CREDS] = "AWS_NO_CREDS",
        [AWS_NETWORK] = "AWS_NETWORK",
        [AWS_SERVER] = "AWS_SERVER",
        [AWS_CLIENT] = "AWS_CLIENT",
    };

    if ((unsigned)o < sizeof names / sizeof names[0] && names[o])
        return names[o];
    return "AWS_UNKNOWN";
}

const char *aws_outcome_text(enum aws_outcome o)
{
    switch (o) {
    case AWS_OK:
        return "ok";
    case AWS_THROTTLED:
        return "throttled";
    case AWS_EXPIRED_ITERATOR:
        return "iterator expired";
    case AWS_EXPIRED_CREDS:
        return "credentials expired";
    case AWS_BAD_CREDS:
        return "unknown access key";
    case AWS_BAD_SIGNATURE:
        return "signature rejected";
    case AWS_ACCESS_DENIED:
        return "access denied";
    case AWS_NOT_FOUND:
        return "not found";
    case AWS_NO_CREDS:
        return "no credentials";
    case AWS_NETWORK:
        return "network error";
    case AWS_SERVER:
        return "server error";
    case AWS_CLIENT:
        break;
    }
    return "request rejected";
}

/* --- calls ---------------------------------------------------------------------------------- */

static void aws_call_link(struct aws_client *cl, struct aws_call *call)
{
    call->prev = NULL;
    call->next = cl->calls;
    if (cl->calls)
        cl->calls->prev = call;
    cl->calls = call;
}

static void aws_call_unlink(struct aws_client *cl, struct aws_call *call)
{
    if (call->prev)
        call->prev->next = call->next;
    else
        cl->calls = call->next;
    if (call->next)
        call->next->prev = call->prev;
    call->prev = call->next = NULL;
}

static void aws_call_free(struct aws_call *call)
{
    OPENSSL_cleanse(call->secret, sizeof call->secret);
    OPENSSL_cleanse(call->token, sizeof call->token);
    free(call->operation);
    free(call->body);
    free(call);
}

/* Reports the outcome and ends the call; the callback may cancel others or free the client. */
static void aws_call_report(struct aws_call *call, struct aws_result *r)
{
    aws_call_unlink(call->cl, call);
    call->reporting = true;
    if (!r->hint)
        r->hint = "";
    call->done(call->ctx, r);
    aws_call_free(call);
}

static void aws_client_destroy(struct aws_client *c);

static void aws_later_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
    struct aws_client *cl = w->data;
    struct aws_call *call;

    (void)loop;
    (void)revents;
    /* One at a time from the head, since each report may change the list or free the client. */
    cl->depth++;
    while (!cl->free_pending) {
        for (call = cl->calls; call && !call->deferred; call = call->next)
            ;
        if (!call)
            break;
        call->deferred = false;
        aws_call_report(call, &call->deferred_result);
    }
    if (--cl->depth == 0 && cl->free_pending)
        aws_client_destroy(cl);
}

/* Server and transport text is shown and kept: never with the call's secrets or anything like
 * one in it. */
static void aws_call_scrub(const struct aws_call *call, char *text, size_t textsz)
{
    const char *known[] = {call->secret, call->token};

    aws_error_scrub(text, textsz, known, 2);
}

/* Ends a call that never got a reply; from inside aws_call the report waits for the loop. */
static void aws_call_fail(struct aws_call *call, enum aws_outcome outcome, const char *message)
{
    struct aws_result *r = &call->deferred_result;

    memset(r, 0, sizeof *r);
    r->outcome = outcome;
    r->body = "";
    snprintf(r->message, sizeof r->message, "%s", message);
    aws_call_scrub(call, r->message, sizeof r->message);
    aws_error_hint(outcome, r->message, call->cl->region, call->cl->u.host, message, call->hint,
                   sizeof call->hint);
    aws_call_scrub(call, call->hint, sizeof call->hint);
    r->hint = call->hint;
    if (call->starting) {
        call->deferred = true;
        if (!ev_is_active(&call->cl->later))
            ev_timer_start(http_loop(call->cl->http), &call->cl->later);
        return;
    }
    aws_call_report(call, r);
}

static void aws_call_creds(void *ctx, const struct aws_creds *cr, const char *error);

/* The reply as a validated JSON object, or nothing. */
static void aws_call_reply(struct aws_result *r)
{
    struct jscan_error err;
    struct jspan v;

    r->reply.p = NULL;
    r->reply.n = 0;
    if (r->body && r->body_len > 0 && jscan_validate(r->body, r->body_len, &v, &err) &&
        jscan_type(v) == JT_OBJECT)
        r->reply = v;
}

static void aws_call_response(void *ctx, const struct http_response *resp)
{
    struct aws_call *call = ctx;
    struct aws_client *cl = call->cl;
    struct aws_result r;

    call->hcall = NULL;
    memset(&r, 0, sizeof r);
    r.status = resp->status;
    r.body = resp->body;
    r.body_len = resp->body_len;
    if (resp->status == 0) {
        snprintf(r.message, sizeof r.message, "%s", resp->error);
    } else if (resp->status < 200 || resp->status >= 300) {
        aws_error_parse(resp->body, resp->body_len, http_response_header(resp, "X-Amzn-Errortype"),
                        http_response_header(resp, "x-amzn-query-error"), r.code, sizeof r.code,
                        r.message, sizeof r.message);
        if (!r.message[0])
            snprintf(r.message, sizeof r.message, "HTTP %ld", resp->status);
    }
    aws_call_scrub(call, r.message, sizeof r.message);
    aws_call_scrub(call, r.code, sizeof r.code);
    r.outcome = aws_error_classify(resp->status, r.code);
    if (r.outcome == AWS_EXPIRED_CREDS && !call->retried) {
        /* Fresh credentials and a fresh signature date, once. */
        call->retried = true;
        creds_invalidate(cl->creds);
        call->waiting_creds = true;
        creds_get(cl->creds, aws_call_creds, call);
        return;
    }
    aws_error_hint(r.outcome, r.message, cl->region, cl->u.host, resp->error, call->hint,
                   sizeof call->hint);
    aws_call_scrub(call, call->hint, sizeof call->hint); /* it may quote the transport error */
    r.hint = call->hint;
    if (r.outcome == AWS_OK)
        aws_call_reply(&r);
    aws_call_report(call, &r);
}

static void aws_call_send(struct aws_call *call, const struct aws_creds *cr)
{
    struct aws_client *cl = call->cl;
    char target[256];
    struct http_header extra[3];
    struct http_request req = {0};
    struct aws_signed sig;

    snprintf(target, sizeof target, "%s.%s", cl->svc.target_prefix, call->operation);
    extra[0] = (struct http_header){"Content-Type", cl->svc.content_type};
    extra[1] = (struct http_header){"X-Amz-Target", target};
    if (!aws_sign_request("POST", &cl->u, extra, 2, call->body, call->body_len, cl->region,
                          cl->svc.signing_name, cr, time(NULL), &sig)) {
        aws_call_fail(call, AWS_CLIENT, "the request could not be signed");
        return;
    }
    /* Kept only to scrub them from server messages. */
    snprintf(call->secret, sizeof call->secret, "%s", cr->secret_key);
    snprintf(call->token, sizeof call->token, "%s", cr->session_token);
    req.method = "POST";
    req.url = cl->url;
    req.headers = sig.h;
    req.nheaders = sig.n;
    req.body = call->body;
    req.body_len = call->body_len;
    req.timeout_ms = AWS_CALL_TIMEOUT_MS;
    call->hcall = http_send(cl->http, &req, aws_call_response, call);
    aws_sign_free(&sig);
}

static void aws_call_creds(void *ctx, const struct aws_creds *cr, const char *error)
{
    struct aws_call *call = ctx;

    call->waiting_creds = false;
    if (!cr)
        aws_call_fail(call, AWS_NO_CREDS, error ? error : "no credentials");
    else
        aws_call_send(call, cr);
}

struct aws_call *aws_call(struct aws_client *c, const char *operation, const char *json_body,
                          aws_done_fn done, void *ctx)
{
    struct aws_call *call = xcalloc(1, sizeof *call);
    const char *body = json_body ? json_body : "{}";

    call->cl = c;
    call->operation = xstrdup(operation);
    call->body = xstrdup(body);
    call->body_len = strlen(body);
    call->done = done;
    call->ctx = ctx;
    aws_call_link(c, call);
    call->starting = true;
    if (!c->url_ok) {
        aws_call_fail(call, AWS_CLIENT, "the endpoint URL is not an http(s) URL");
    } else {
        call->waiting_creds = true;
        creds_get(c->creds, aws_call_creds, call);
    }
    call->starting = false;
    return call;
}

void aws_cancel(struct aws_client *c, struct aws_call *call)
{
    if (!call || call->reporting)
        return;
    if (call->hcall)
        http_cancel(c->http, call->hcall);
    if (call->waiting_creds)
        creds_cancel(c->creds, call);
    aws_call_unlink(c, call);
    aws_call_free(call);
}

/* --- clients -------------------------------------------------------------------------------- */

static char *aws_default_url(const struct aws_service *svc, const char *region)
{
    char url[256];

    /* The China partition has its own domain. */
    snprintf(url, sizeof url, "https://%s.%s.amazonaws.com%s/", svc->endpoint_host, region,
             strncmp(region, "cn-", 3) == 0 ? ".cn" : "");
    return xstrdup(url);
}

struct aws_client *aws_client_new(struct http *http, struct creds *creds,
                                  const struct aws_client_config *cfg)
{
    struct aws_client *c = xcalloc(1, sizeof *c);
    size_t n;

    c->http = http;
    c->creds = creds;
    c->svc = *cfg->service;
    /* A local endpoint may come without a region; any region signs, us-east-1 is customary. */
    c->region = xstrdup(cfg->region && cfg->region[0] ? cfg->region : AWS_DEFAULT_REGION);
    if (cfg->endpoint_url && cfg->endpoint_url[0])
        c->url = xstrdup(cfg->endpoint_url);
    else
        c->url = aws_default_url(cfg->service, c->region);
    c->url_ok = aws_sign_parse_url(c->url, &c->u);
    c->endpoint = xstrdup(c->url);
    n = strlen(c->endpoint);
    while (n > 0 && c->endpoint[n - 1] == '/')
        c->endpoint[--n] = '\0';
    ev_timer_init(&c->later, aws_later_cb, 0., 0.);
    c->later.data = c;
    return c;
}

static void aws_client_destroy(struct aws_client *c)
{
    ev_timer_stop(http_loop(c->http), &c->later);
    aws_sign_url_free(&c->u);
    free(c->region);
    free(c->url);
    free(c->endpoint);
    free(c);
}

void aws_client_free(struct aws_client *c)
{
    if (!c)
        return;
    /* A call whose callback is running is unlinked already; the rest go silently. */
    while (c->calls)
        aws_cancel(c, c->calls);
    if (c->depth > 0) {
        c->free_pending = true; /* freed when aws_later_cb's report returns */
        return;
    }
    aws_client_destroy(c);
}

const char *aws_client_endpoint(const struct aws_client *c)
{
    return c->endpoint;
}

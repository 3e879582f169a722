/*
 * The dead-letter queue watcher: GetQueueUrl once when given a name, then GetQueueAttributes
 * every interval. Requests always go to the SQS client's endpoint; the queue URL is only a
 * request parameter, so a URL whose host does not resolve (emulators, VPC endpoints) still works.
 * One call at a time: the next poll is scheduled when the previous one has answered.
 */
#include "config.h"

#include "dlq.h"

#include <ev.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws.h"
#include "clock.h"
#include "model.h"
#include "xalloc.h"

#define DLQ_MIN_INTERVAL_S 0.2
#define DLQ_SLOW_RETRY_S   15.0 /* credentials and permissions: an operator has to act */

struct dlq {
    struct model *m;
    struct aws_client *sqs;
    struct ev_loop *loop;
    char *url; /* NULL until GetQueueUrl answered */
    char name[128];
    double interval_s;
    bool running;
    ev_timer timer;
    struct aws_call *call;
    bool pending;          /* a call was issued and has not called back */
    bool failing;          /* the last poll failed */
    char status_text[256]; /* what this watcher last put on the status line */
    void (*changed)(void *ctx);
    void *changed_ctx;
};

static bool looks_like_url(const char *s)
{
    return strncmp(s, "https://", 8) == 0 || strncmp(s, "http://", 7) == 0;
}

/* The queue name is the URL's last path segment. */
static void name_from_url(char *out, size_t len, const char *url)
{
    const char *end = url + strlen(url);
    while (end > url && end[-1] == '/')
        end--;
    const char *start = end;
    while (start > url && start[-1] != '/')
        start--;
    snprintf(out, len, "%.*s", (int)(end - start), start);
}

static void notify(struct dlq *d)
{
    if (d->changed)
        d->changed(d->changed_ctx);
}

static void schedule(struct dlq *d, double delay_s)
{
    if (!d->running)
        return;
    ev_timer_stop(d->loop, &d->timer);
    ev_timer_set(&d->timer, delay_s, 0);
    ev_timer_start(d->loop, &d->timer);
}

static bool slow_outcome(enum aws_outcome o)
{
    return o == AWS_BAD_CREDS || o == AWS_BAD_SIGNATURE || o == AWS_ACCESS_DENIED ||
           o == AWS_NO_CREDS || o == AWS_NOT_FOUND;
}

static void failed(struct dlq *d, const char *op, const struct aws_result *r)
{
    char text[256];
    const char *what = r->code[0] ? r->code : aws_outcome_text(r->outcome);
    int64_t now = clock_now_ms(d->loop);
    bool slow = slow_outcome(r->outcome);
    /* A long server message is cut to fit: the operation and the error name come first. */
    if (snprintf(text, sizeof text, "%s %s: %s%s%s", op, d->name, what, r->message[0] ? ": " : "",
                 r->message) >= (int)sizeof text)
        memcpy(text + sizeof text - 4, "...", 4);
    model_dlq_error(d->m, now, text);
    model_set_status(d->m, slow || r->outcome == AWS_CLIENT ? ALERT_ERROR : ALERT_WARN, now, text,
                     r->hint);
    snprintf(d->status_text, sizeof d->status_text, "%s", text);
    d->failing = true;
    notify(d);
    schedule(d, slow && d->interval_s < DLQ_SLOW_RETRY_S ? DLQ_SLOW_RETRY_S : d->interval_s);
}

/* A poll worked after a failure: the status line says so, unless something else took it over. */
static void recovered(struct dlq *d)
{
    if (!d->failing)
        return;
    d->failing = false;
    if (strcmp(d->m->status.text, d->status_text) != 0)
        return;
    char text[256];
    snprintf(text, sizeof text, "%.200s (recovered)", d->status_text);
    model_set_status(d->m, ALERT_INFO, clock_now_ms(d->loop), text, "");
    snprintf(d->status_text, sizeof d->status_text, "%s", text);
}

static void malformed(struct dlq *d, const char *op)
{
    struct aws_result r;
    memset(&r, 0, sizeof r);
    r.outcome = AWS_SERVER;
    snprintf(r.code, sizeof r.code, "malformed response");
    r.hint = "the endpoint answered with something other than the SQS API's JSON";
    failed(d, op, &r);
}

static json_t *parse_body(const struct aws_result *r)
{
    json_error_t err;
    json_t *j = r->body && r->body_len ? json_loadb(r->body, r->body_len, 0, &err) : NULL;
    if (j && !json_is_object(j)) {
        json_decref(j);
        return NULL;
    }
    return j;
}

/* The counts are strings in the API ("3"); a number is accepted too. -1 when absent. */
static int64_t count_attr(json_t *attrs, const char *name)
{
    json_t *v = json_object_get(attrs, name);
    if (json_is_integer(v))
        return json_integer_value(v);
    const char *s = json_string_value(v);
    if (!s || !*s)
        return -1;
    char *end;
    long long n = strtoll(s, &end, 10);
    return *end ? -1 : n;
}

static void send_call(struct dlq *d, const char *op, json_t *body, aws_done_fn done)
{
    char *text = json_dumps(body, JSON_COMPACT);
    json_decref(body);
    d->pending = true;
    struct aws_call *c = aws_call(d->sqs, op, text ? text : "{}", done, d);
    free(text);
    d->call = d->pending ? c : NULL;
}

static void attributes_done(void *ctx, const struct aws_result *r)
{
    struct dlq *d = ctx;
    d->call = NULL;
    d->pending = false;
    if (r->outcome != AWS_OK) {
        failed(d, "GetQueueAttributes", r);
        return;
    }
    json_t *j = parse_body(r);
    json_t *attrs = j ? json_object_get(j, "Attributes") : NULL;
    int64_t visible = count_attr(attrs, "ApproximateNumberOfMessages");
    if (!json_is_object(attrs) || visible < 0) {
        json_decref(j);
        malformed(d, "GetQueueAttributes");
        return;
    }
    int64_t in_flight = count_attr(attrs, "ApproximateNumberOfMessagesNotVisible");
    int64_t delayed = count_attr(attrs, "ApproximateNumberOfMessagesDelayed");
    json_decref(j);
    model_dlq_update(d->m, clock_now_ms(d->loop), visible, in_flight < 0 ? 0 : in_flight,
                     delayed < 0 ? 0 : delayed);
    recovered(d);
    notify(d);
    schedule(d, d->interval_s);
}

static void poll_attributes(struct dlq *d)
{
    json_t *body = json_object();
    json_t *names = json_array();
    json_array_append_new(names, json_string("ApproximateNumberOfMessages"));
    json_array_append_new(names, json_string("ApproximateNumberOfMessagesNotVisible"));
    json_array_append_new(names, json_string("ApproximateNumberOfMessagesDelayed"));
    json_object_set_new(body, "QueueUrl", json_string(d->url));
    json_object_set_new(body, "AttributeNames", names);
    send_call(d, "GetQueueAttributes", body, attributes_done);
}

static void url_done(void *ctx, const struct aws_result *r)
{
    struct dlq *d = ctx;
    d->call = NULL;
    d->pending = false;
    if (r->outcome != AWS_OK) {
        failed(d, "GetQueueUrl", r);
        return;
    }
    json_t *j = parse_body(r);
    const char *url = j ? json_string_value(json_object_get(j, "QueueUrl")) : NULL;
    if (!url || !*url) {
        json_decref(j);
        malformed(d, "GetQueueUrl");
        return;
    }
    d->url = xstrdup(url);
    json_decref(j);
    if (d->running)
        poll_attributes(d);
}

static void poll_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
    struct dlq *d = w->data;
    (void)loop;
    (void)revents;
    if (!d->running || d->pending)
        return;
    if (d->url) {
        poll_attributes(d);
        return;
    }
    json_t *body = json_object();
    json_object_set_new(body, "QueueName", json_string(d->name));
    send_call(d, "GetQueueUrl", body, url_done);
}

struct dlq *dlq_new(struct model *m, struct aws_client *sqs, const char *name_or_url,
                    double interval_s)
{
    struct dlq *d = xcalloc(1, sizeof *d);
    d->m = m;
    d->sqs = sqs;
    d->interval_s = interval_s < DLQ_MIN_INTERVAL_S ? DLQ_MIN_INTERVAL_S : interval_s;
    if (looks_like_url(name_or_url)) {
        d->url = xstrdup(name_or_url);
        name_from_url(d->name, sizeof d->name, name_or_url);
    } else {
        snprintf(d->name, sizeof d->name, "%s", name_or_url);
    }
    ev_init(&d->timer, poll_cb);
    d->timer.data = d;
    model_dlq_configure(m, d->name);
    return d;
}

void dlq_start(struct dlq *d, struct ev_loop *loop)
{
    d->loop = loop;
    d->running = true;
    schedule(d, 0);
}

void dlq_stop(struct dlq *d)
{
    if (!d || !d->loop)
        return;
    d->running = false;
    if (d->pending && d->call)
        aws_cancel(d->sqs, d->call);
    d->call = NULL;
    d->pending = false;
    ev_timer_stop(d->loop, &d->timer);
}

void dlq_free(struct dlq *d)
{
    if (!d)
        return;
    dlq_stop(d);
    free(d->url);
    free(d);
}

void dlq_set_changed(struct dlq *d, void (*changed)(void *ctx), void *ctx)
{
    d->changed = changed;
    d->changed_ctx = ctx;
}

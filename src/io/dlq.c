/*
 * The dead-letter queue watcher: GetQueueUrl once when given a name, then GetQueueAttributes
 * every interval. Requests always go to the SQS client's endpoint; the queue URL is only a
 * request parameter, so a URL whose host does not resolve (emulators, VPC endpoints) still works.
 * One call at a time: the next poll is scheduled when the previous one has answered.
 */
#include "config.h"

#include "dlq.h"

#include <ev.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws.h"
#include "buf.h"
#include "clock.h"
#include "jwrite.h"
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

/* The counts are strings in the API ("3"); a number is accepted too. -1 when absent. */
static int64_t count_attr(struct jspan attrs, const char *name)
{
    struct jspan v;
    char text[24];
    int64_t n;
    if (!jscan_get(attrs, name, &v))
        return -1;
    if (jscan_type(v) == JT_STRING) {
        size_t len;
        if (!jscan_string(v, text, sizeof text, &len))
            return -1;
        v.p = text;
        v.n = len;
    }
    return jscan_int64(v, &n) && n >= 0 ? n : -1;
}

/* One call at a time; aws_call never reports before it returns, so the handle is current. */
static void send_call(struct dlq *d, const char *op, struct buf *body, aws_done_fn done)
{
    d->pending = true;
    d->call = aws_call(d->sqs, op, body->data, done, d);
    buf_free(body);
}

static void attributes_done(void *ctx, const struct aws_result *r)
{
    struct dlq *d = ctx;
    struct jspan attrs = {NULL, 0};
    d->call = NULL;
    d->pending = false;
    if (r->outcome != AWS_OK) {
        failed(d, "GetQueueAttributes", r);
        return;
    }
    int64_t visible = -1;
    if (r->reply.p && jscan_get(r->reply, "Attributes", &attrs) && jscan_type(attrs) == JT_OBJECT)
        visible = count_attr(attrs, "ApproximateNumberOfMessages");
    if (visible < 0) {
        malformed(d, "GetQueueAttributes");
        return;
    }
    int64_t in_flight = count_attr(attrs, "ApproximateNumberOfMessagesNotVisible");
    int64_t delayed = count_attr(attrs, "ApproximateNumberOfMessagesDelayed");
    model_dlq_update(d->m, clock_now_ms(d->loop), visible, in_flight < 0 ? 0 : in_flight,
                     delayed < 0 ? 0 : delayed);
    recovered(d);
    notify(d);
    schedule(d, d->interval_s);
}

static void poll_attributes(struct dlq *d)
{
    static const char *const names[] = {"ApproximateNumberOfMessages",
                                        "ApproximateNumberOfMessagesNotVisible",
                                        "ApproximateNumberOfMessagesDelayed"};
    struct buf body;
    struct jwrite w;
    buf_init(&body);
    jw_object(&w, &body);
    jw_string(&w, "QueueUrl", d->url);
    jw_strings(&w, "AttributeNames", names, sizeof names / sizeof names[0]);
    jw_end(&w);
    send_call(d, "GetQueueAttributes", &body, attributes_done);
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
    struct jspan v;
    size_t n = 0;
    if (!r->reply.p || !jscan_get(r->reply, "QueueUrl", &v) ||
        (n = jscan_string_len(v)) == (size_t)-1 || n == 0) {
        malformed(d, "GetQueueUrl");
        return;
    }
    d->url = xmalloc(n + 1);
    jscan_string(v, d->url, n + 1, NULL);
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
    struct buf body;
    struct jwrite jw;
    buf_init(&body);
    jw_object(&jw, &body);
    jw_string(&jw, "QueueName", d->name);
    jw_end(&jw);
    send_call(d, "GetQueueUrl", &body, url_done);
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

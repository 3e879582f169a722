/*
 * The live pipeline. Resolving the region may take a while (profile files, instance metadata),
 * so the source starts at once, shows what it is waiting for, and builds the AWS clients, the
 * Kinesis reader and the DLQ watcher when the region arrives. A region that cannot be resolved is
 * shown on the status line and retried; it never ends the program.
 */
#include "config.h"

#include "live.h"

#include <ev.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws.h"
#include "clock.h"
#include "creds.h"
#include "dlq.h"
#include "http.h"
#include "model.h"
#include "src-kinesis.h"
#include "xalloc.h"

#define REGION_RETRY_S 10.0
#define SYNC_S         1.0 /* how often the credentials' source is copied to the header */
#define NO_REGION      "no AWS region"
#define NO_CREDS       "no AWS credentials"
#define CLEARTEXT_HINT "use an https:// endpoint (plain http is only safe on loopback)"
#define CA_HINT        "fix AWS_CA_BUNDLE or the profile's ca_bundle"
/* A quiet status line shows the unencrypted-credentials warning again after this long. */
#define REMIND_AFTER_MS 10000

struct live {
    struct source base;
    struct ev_loop *loop;
    bool running;
    /* options, owned */
    char *stream, *dlq_name, *region_opt, *profile, *endpoint_url, *from, *user_agent;
    double read_rate, relist_s, dlq_interval_s;
    unsigned read_limit;
    /* built on start */
    struct http *http;
    struct creds *creds;
    char region[64];
    struct aws_client *kinesis;
    struct aws_client *sqs;
    struct source *reader;
    struct dlq *dlq;
    ev_timer region_retry;
    ev_timer sync;
    char endpoint_shown[200];
    char creds_shown[160];
    char status_text[256];     /* what this module last put on the status line */
    char cleartext[256];       /* the last unencrypted-credentials warning, "" when none */
    char cleartext_hosts[120]; /* every host credentials went to unencrypted, for the header */
    FILE *warn;
};

static char *dup_or_null(const char *s)
{
    return s && *s ? xstrdup(s) : NULL;
}

/* "<what>: <error>", unless the error already starts with what it is about. */
static void prefixed(char *out, size_t len, const char *what, const char *error)
{
    if (!error || !*error)
        error = "none found";
    if (strncmp(error, what, strlen(what)) == 0)
        snprintf(out, len, "%s", error);
    else
        snprintf(out, len, "%s: %s", what, error);
}

static void show_status(struct live *l, enum model_alert level, const char *text, const char *hint)
{
    model_set_status(l->base.model, level, clock_now_ms(l->loop), text, hint);
    snprintf(l->status_text, sizeof l->status_text, "%s", text);
    source_changed(&l->base);
}

/* The problem this module showed, starting with `what`, is over: say so, unless another problem
 * took the status line since. */
static void status_recovered(struct live *l, const char *what)
{
    char text[256];
    if (strncmp(l->status_text, what, strlen(what)) != 0 ||
        strcmp(l->base.model->status.text, l->status_text) != 0)
        return;
    snprintf(text, sizeof text, "%.200s (recovered)", l->status_text);
    show_status(l, ALERT_INFO, text, "");
    l->status_text[0] = '\0';
}

/* The header's "<region> <endpoint>" and the credentials' source, when either changed; hosts
 * that got credentials unencrypted stay named there for the rest of the run. */
static void show_endpoint(struct live *l)
{
    char endpoint[200];
    int n;
    const char *source = l->creds ? creds_source(l->creds) : "";
    if (l->kinesis)
        n = snprintf(endpoint, sizeof endpoint, "%s %s", l->region,
                     aws_client_endpoint(l->kinesis));
    else
        n = snprintf(endpoint, sizeof endpoint, "(region not known yet)%s%s",
                     l->endpoint_url ? " " : "", l->endpoint_url ? l->endpoint_url : "");
    if (l->cleartext_hosts[0] && n >= 0 && (size_t)n < sizeof endpoint)
        snprintf(endpoint + n, sizeof endpoint - (size_t)n, " [unencrypted: %s]",
                 l->cleartext_hosts);
    if (strcmp(endpoint, l->endpoint_shown) == 0 && strcmp(source, l->creds_shown) == 0)
        return;
    snprintf(l->endpoint_shown, sizeof l->endpoint_shown, "%s", endpoint);
    snprintf(l->creds_shown, sizeof l->creds_shown, "%s", source);
    model_set_endpoint(l->base.model, endpoint, source);
    if (*source)
        status_recovered(l, NO_CREDS);
    source_changed(&l->base);
}

static void say(struct live *l, const char *text)
{
    if (l->warn)
        fprintf(l->warn, "cdctop: %s\n", text);
}

/* Credentials crossed (or are about to cross) the network unencrypted: on the status line, on
 * stderr in headless mode, and so in the snapshot. */
static void cleartext_cb(void *ctx, const char *host, const char *text)
{
    struct live *l = ctx;
    size_t n = strlen(l->cleartext_hosts);
    snprintf(l->cleartext, sizeof l->cleartext, "%s", text);
    snprintf(l->cleartext_hosts + n, sizeof l->cleartext_hosts - n, "%s%s", n ? ", " : "", host);
    say(l, text);
    show_status(l, ALERT_WARN, text, CLEARTEXT_HINT);
    show_endpoint(l);
}

/* Errors take the status line over; once it is quiet again, the warning comes back, so that a
 * later snapshot still carries it. */
static void cleartext_remind(struct live *l)
{
    const struct model_status *st = &l->base.model->status;
    if (!l->cleartext[0] || st->level >= ALERT_WARN)
        return;
    if (st->level == ALERT_INFO && clock_now_ms(l->loop) - st->at_ms < REMIND_AFTER_MS)
        return;
    show_status(l, ALERT_WARN, l->cleartext, CLEARTEXT_HINT);
}

/* A credential helper's own error line: stderr only, never the model or an artefact. */
static void creds_note_cb(void *ctx, const char *text)
{
    say(ctx, text);
}

static void sync_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
    (void)loop;
    (void)revents;
    show_endpoint(w->data);
    cleartext_remind(w->data);
}

/* AWS_CA_BUNDLE or the profile's ca_bundle; a bundle that cannot be read is an error shown at
 * once (and every https call then fails with it rather than trusting other CAs). */
static void use_ca_bundle(struct live *l)
{
    char path[1024], origin[200], err[1400];
    if (!creds_ca_bundle(l->creds, path, sizeof path, origin, sizeof origin))
        return;
    if (!http_set_ca_bundle(l->http, path, origin, err, sizeof err)) {
        say(l, err);
        show_status(l, ALERT_ERROR, err, CA_HINT);
    }
}

static void reader_changed(void *ctx)
{
    struct live *l = ctx;
    l->base.last_record_ms = l->reader->last_record_ms;
    source_changed(&l->base);
}

static void dlq_changed(void *ctx)
{
    struct live *l = ctx;
    source_changed(&l->base);
}

static struct aws_client *client_for(struct live *l, const struct aws_service *service)
{
    struct aws_client_config cfg = {
        .service = service,
        .region = l->region,
        .endpoint_url = l->endpoint_url,
    };
    return aws_client_new(l->http, l->creds, &cfg);
}

static void start_reading(struct live *l)
{
    char err[256];
    struct kinesis_opts ko = {
        .stream = l->stream,
        .from = l->from,
        .reads_per_s = l->read_rate,
        .limit = l->read_limit,
        .relist_s = l->relist_s,
    };
    l->kinesis = client_for(l, &aws_kinesis);
    l->reader = src_kinesis_new(l->base.model, l->kinesis, &ko);
    l->reader->changed = reader_changed;
    l->reader->changed_ctx = l;
    /* A recorder taps the source it was given: this one. */
    l->reader->tap = l->base.tap;
    l->reader->tap_ctx = l->base.tap_ctx;
    show_endpoint(l);
    if (l->reader->ops->start(l->reader, l->loop, err, sizeof err) != 0)
        show_status(l, ALERT_ERROR, err, "");
    if (l->dlq_name) {
        l->sqs = client_for(l, &aws_sqs);
        l->dlq = dlq_new(l->base.model, l->sqs, l->dlq_name, l->dlq_interval_s);
        dlq_set_changed(l->dlq, dlq_changed, l);
        dlq_start(l->dlq, l->loop);
    }
}

static void region_cb(void *ctx, const char *region, const char *error)
{
    struct live *l = ctx;
    if (!l->running || l->reader)
        return;
    if (!region || !*region) {
        char text[256];
        prefixed(text, sizeof text, NO_REGION, error);
        show_status(l, ALERT_ERROR, text, "give --region or set AWS_REGION");
        ev_timer_set(&l->region_retry, REGION_RETRY_S, 0);
        ev_timer_start(l->loop, &l->region_retry);
        return;
    }
    snprintf(l->region, sizeof l->region, "%s", region);
    status_recovered(l, NO_REGION);
    start_reading(l);
}

static void region_retry_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
    struct live *l = w->data;
    (void)loop;
    (void)revents;
    if (l->running && !l->reader)
        creds_region(l->creds, region_cb, l);
}

/* Resolves the credentials once up front, so the header names their source early and a missing
 * one is explained before the first call fails. */
static void creds_cb(void *ctx, const struct aws_creds *c, const char *error)
{
    struct live *l = ctx;
    (void)c;
    if (!l->running)
        return;
    if (error && *error) {
        char text[256];
        prefixed(text, sizeof text, NO_CREDS, error);
        show_status(l, ALERT_ERROR, text,
                    "set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or give --profile");
    }
    show_endpoint(l);
}

static int live_start(struct source *src, struct ev_loop *loop, char *err, size_t errlen)
{
    struct live *l = (struct live *)src;
    char ua[96];
    (void)err;
    (void)errlen;
    l->loop = loop;
    l->running = true;
    snprintf(ua, sizeof ua, "%s", l->user_agent ? l->user_agent : "cdctop");
    l->http = http_new(loop, ua);
    http_set_warn(l->http, cleartext_cb, l);
    /* --endpoint-url is for Kinesis and SQS only: STS finds its own endpoint (creds.h). */
    struct creds_config cc = {
        .profile = l->profile,
        .region = l->region_opt,
        .note = creds_note_cb,
        .note_ctx = l,
    };
    l->creds = creds_new(loop, l->http, &cc);
    use_ca_bundle(l);
    ev_timer_init(&l->region_retry, region_retry_cb, REGION_RETRY_S, 0);
    l->region_retry.data = l;
    ev_timer_init(&l->sync, sync_cb, SYNC_S, SYNC_S);
    l->sync.data = l;
    ev_timer_start(loop, &l->sync);
    show_endpoint(l);
    creds_get(l->creds, creds_cb, l);
    creds_region(l->creds, region_cb, l);
    return 0;
}

static void live_stop(struct source *src)
{
    struct live *l = (struct live *)src;
    if (!l->loop)
        return;
    l->running = false;
    if (l->reader)
        l->reader->ops->stop(l->reader);
    dlq_stop(l->dlq);
    if (l->creds)
        creds_cancel(l->creds, l);
    ev_timer_stop(l->loop, &l->region_retry);
    ev_timer_stop(l->loop, &l->sync);
}

static void live_free(struct source *src)
{
    struct live *l = (struct live *)src;
    if (!l)
        return;
    live_stop(src);
    if (l->reader)
        l->reader->ops->free(l->reader);
    dlq_free(l->dlq);
    if (l->kinesis)
        aws_client_free(l->kinesis);
    if (l->sqs)
        aws_client_free(l->sqs);
    if (l->creds)
        creds_free(l->creds);
    if (l->http)
        http_free(l->http);
    free(l->stream);
    free(l->dlq_name);
    free(l->region_opt);
    free(l->profile);
    free(l->endpoint_url);
    free(l->from);
    free(l->user_agent);
    free(l);
}

/* A live tail never finishes. */
static bool live_finished(const struct source *src)
{
    (void)src;
    return false;
}

/* The reader's own retry, or, while the region is still unknown, its lookup now. */
static unsigned live_retry(struct source *src, char *what, size_t len)
{
    struct live *l = (struct live *)src;
    what[0] = '\0';
    if (!l->running)
        return 0;
    if (l->reader)
        return l->reader->ops->retry ? l->reader->ops->retry(l->reader, what, len) : 0;
    if (!ev_is_active(&l->region_retry))
        return 0;
    ev_timer_stop(l->loop, &l->region_retry);
    creds_region(l->creds, region_cb, l);
    snprintf(what, len, "the region lookup");
    return 1;
}

static const struct source_ops live_ops = {
    .name = "kinesis",
    .start = live_start,
    .stop = live_stop,
    .free = live_free,
    .finished = live_finished,
    .retry = live_retry,
};

struct source *live_new(struct model *m, const struct live_opts *o)
{
    struct live *l = xcalloc(1, sizeof *l);
    char what[256];
    l->base.ops = &live_ops;
    l->base.model = m;
    l->stream = xstrdup(o->stream);
    l->dlq_name = dup_or_null(o->dlq);
    l->region_opt = dup_or_null(o->region);
    l->profile = dup_or_null(o->profile);
    l->endpoint_url = dup_or_null(o->endpoint_url);
    l->from = xstrdup(o->from && *o->from ? o->from : "latest");
    l->user_agent = dup_or_null(o->user_agent);
    l->warn = o->warn;
    l->read_rate = o->read_rate;
    l->read_limit = o->read_limit;
    l->relist_s = o->relist_s;
    l->dlq_interval_s = o->dlq_interval_s;
    snprintf(what, sizeof what, "kinesis stream %s", src_kinesis_stream_name(o->stream));
    model_set_source(m, what);
    return &l->base;
}

/*
 * A small driver of creds.h and aws.h for tests/aws/creds.sh: resolves credentials and the
 * region on the loop and prints where they came from (never the secrets), optionally makes
 * signed calls, and can keep asking for a while to show background refreshes.
 *
 *   creds-probe [--profile P] [--region R] [--endpoint-url URL] [--call kinesis|sqs]
 *               [--watch SECONDS] [--interval SECONDS] [--show-sts]
 *
 * It also prints whether the process may dump core before and after the first credentials
 * ("dumpable=1 ... dumpable=0"), where STS calls would go (--show-sts), the credential helper's
 * side notes ("note: ...") and unencrypted-credential warnings ("warning: ..."), and uses the
 * CA bundle the way cdctop does.
 *
 * Run without arguments (as make check does), it checks that a refused connection comes
 * back as status 0 with an error text, through http.c and through aws.c.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>

#include <ev.h>

#include "aws.h"
#include "awstime.h"
#include "creds-op.h"
#include "creds.h"
#include "http.h"
#include "sigv4.h"

struct probe {
    struct ev_loop *loop;
    struct http *http;
    struct creds *creds;
    struct aws_client *client;
    const char *endpoint_url;
    const char *call; /* "kinesis", "sqs" or NULL */
    double watch_s, interval_s;
    ev_timer tick, stop;
    char last_key[17];
    int refreshes, calls, failed, creds_errors;
    int outstanding;
    bool ended;
    bool dumpable_shown;
    int rc;
};

/* A short fingerprint of the access key id: shows it changed without printing it. */
static void probe_key_id(const struct aws_creds *c, char out[17])
{
    char hex[65];

    sigv4_sha256_hex(c->access_key, strlen(c->access_key), hex);
    memcpy(out, hex, 16);
    out[16] = '\0';
}

static void probe_print_creds(const char *what, const struct aws_creds *c)
{
    char key[17];
    int64_t now = awstime_now_ms();

    probe_key_id(c, key);
    if (c->expires_ms != 0)
        printf("%s source=%s key=%s token=%s expires_in=%.1f\n", what, c->source, key,
               c->session_token[0] != '\0' ? "yes" : "no", (double)(c->expires_ms - now) / 1000.0);
    else
        printf("%s source=%s key=%s token=%s expires_in=never\n", what, c->source, key,
               c->session_token[0] != '\0' ? "yes" : "no");
    fflush(stdout);
}

static void probe_end(struct probe *p)
{
    if (p->ended)
        return;
    p->ended = true;
    ev_timer_stop(p->loop, &p->tick);
    ev_timer_stop(p->loop, &p->stop);
    ev_break(p->loop, EVBREAK_ALL);
}

static void probe_call_done(void *ctx, const struct aws_result *r)
{
    struct probe *p = ctx;

    p->outstanding--;
    p->calls++;
    if (r->outcome != AWS_OK)
        p->failed++;
    if (r->outcome != AWS_OK || p->watch_s <= 0)
        printf("call outcome=%s status=%ld code=%s hint=%s message=%s\n",
               aws_outcome_name(r->outcome), r->status, r->code, r->hint, r->message);
    fflush(stdout);
    if (p->watch_s <= 0)
        probe_end(p);
}

static void probe_make_call(struct probe *p)
{
    const char *op = strcmp(p->call, "sqs") == 0 ? "ListQueues" : "ListStreams";

    p->outstanding++;
    aws_call(p->client, op, "{}", probe_call_done, p);
}

static void probe_creds_done(void *ctx, const struct aws_creds *c, const char *error)
{
    struct probe *p = ctx;
    char key[17];

    if (c == NULL) {
        printf("error=%s\n", error);
        fflush(stdout);
        p->creds_errors++;
        if (p->watch_s <= 0) {
            p->rc = 1;
            probe_end(p);
        }
        return;
    }
    probe_key_id(c, key);
    if (!p->dumpable_shown) {
        printf("after-creds dumpable=%d\n", prctl(PR_GET_DUMPABLE, 0, 0, 0, 0));
        p->dumpable_shown = true;
    }
    if (p->last_key[0] == '\0') {
        probe_print_creds("creds", c);
    } else if (strcmp(key, p->last_key) != 0) {
        p->refreshes++;
        probe_print_creds("refresh", c);
    }
    memcpy(p->last_key, key, sizeof(key));
    if (p->call != NULL && (p->watch_s > 0 || p->calls + p->outstanding == 0))
        probe_make_call(p);
    else if (p->watch_s <= 0)
        probe_end(p);
}

static void probe_tick_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
    struct probe *p = w->data;

    (void)loop;
    (void)revents;
    creds_get(p->creds, probe_creds_done, p);
}

static void probe_stop_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
    (void)loop;
    (void)revents;
    probe_end(w->data);
}

static void probe_region_done(void *ctx, const char *region, const char *error)
{
    struct probe *p = ctx;
    struct aws_client_config cfg = {0};

    if (region != NULL)
        printf("region=%s\n", region);
    else
        printf("region-error=%s\n", error);
    fflush(stdout);
    if (p->call != NULL) {
        cfg.service = strcmp(p->call, "sqs") == 0 ? &aws_sqs : &aws_kinesis;
        cfg.region = region;
        cfg.endpoint_url = p->endpoint_url;
        p->client = aws_client_new(p->http, p->creds, &cfg);
        printf("endpoint=%s\n", aws_client_endpoint(p->client));
    }
    if (p->watch_s > 0) {
        ev_timer_init(&p->tick, probe_tick_cb, 0., p->interval_s);
        p->tick.data = p;
        ev_timer_start(p->loop, &p->tick);
        ev_timer_init(&p->stop, probe_stop_cb, p->watch_s, 0.);
        p->stop.data = p;
        ev_timer_start(p->loop, &p->stop);
    } else {
        creds_get(p->creds, probe_creds_done, p);
    }
}

/* --- self-test ------------------------------------------------------------------------------ */

struct selftest {
    struct ev_loop *loop;
    int pending, failures;
};

static void selftest_http_done(void *ctx, const struct http_response *r)
{
    struct selftest *t = ctx;

    if (r->status != 0 || r->error[0] == '\0') {
        printf("FAIL: refused connection: status %ld, error '%s'\n", r->status, r->error);
        t->failures++;
    } else {
        printf("ok: refused connection gives status 0 and '%s'\n", r->error);
    }
    if (--t->pending == 0)
        ev_break(t->loop, EVBREAK_ALL);
}

static void selftest_aws_done(void *ctx, const struct aws_result *r)
{
    struct selftest *t = ctx;

    if (r->outcome != AWS_NETWORK || r->status != 0 || strstr(r->hint, "127.0.0.1") == NULL) {
        printf("FAIL: aws_call to a refused port: %s status %ld hint '%s'\n",
               aws_outcome_name(r->outcome), r->status, r->hint);
        t->failures++;
    } else {
        printf("ok: aws_call to a refused port: %s, hint '%s'\n", aws_outcome_name(r->outcome),
               r->hint);
    }
    if (--t->pending == 0)
        ev_break(t->loop, EVBREAK_ALL);
}

/* Port 1 on loopback: nothing listens there in a test environment. */
static int selftest(void)
{
    struct selftest t = {0};
    struct http_request req = {.method = "GET", .url = "http://127.0.0.1:1/", .timeout_ms = 5000};
    struct creds_config ccfg = {0};
    struct aws_client_config acfg = {&aws_kinesis, "us-east-1", "http://127.0.0.1:1"};
    struct http *h;
    struct creds *c;
    struct aws_client *cl;

    t.loop = EV_DEFAULT;
    setenv("AWS_ACCESS_KEY_ID", "AKIDSELFTEST", 1);
    setenv("AWS_SECRET_ACCESS_KEY", "selftest-secret", 1);
    h = http_new(t.loop, NULL);
    c = creds_new(t.loop, h, &ccfg);
    cl = aws_client_new(h, c, &acfg);
    t.pending = 2;
    http_send(h, &req, selftest_http_done, &t);
    aws_call(cl, "ListStreams", "{}", selftest_aws_done, &t);
    ev_run(t.loop, 0);
    aws_client_free(cl);
    creds_free(c);
    http_free(h);
    return t.failures == 0 ? 0 : 1;
}

/* --- main ----------------------------------------------------------------------------------- */

static void probe_note(void *ctx, const char *text)
{
    (void)ctx;
    printf("note: %s\n", text);
    fflush(stdout);
}

static void probe_warn(void *ctx, const char *host, const char *text)
{
    (void)ctx;
    (void)host;
    printf("warning: %s\n", text);
    fflush(stdout);
}

static void probe_ca_bundle(struct probe *p)
{
    char path[1024], origin[200], err[1400];

    if (creds_ca_bundle(p->creds, path, sizeof(path), origin, sizeof(origin)) &&
        !http_set_ca_bundle(p->http, path, origin, err, sizeof(err)))
        printf("ca-error=%s\n", err);
}

static void probe_show_sts(const struct creds_config *cfg)
{
    struct creds_chain_cfg cc = {cfg->profile, cfg->region};
    char url[512], origin[128];

    creds_chain_sts_endpoint(&cc, url, sizeof(url), origin, sizeof(origin));
    printf("sts-endpoint=%s from=%s\n", url, origin);
}

static const char *probe_arg(int argc, char **argv, int *i)
{
    if (*i + 1 >= argc) {
        fprintf(stderr, "creds-probe: %s needs a value\n", argv[*i]);
        exit(2);
    }
    return argv[++*i];
}

int main(int argc, char **argv)
{
    struct creds_config cfg = {.note = probe_note};
    struct probe p = {0};
    bool show_sts = false;

    if (argc == 1)
        return selftest();
    p.interval_s = 0.25;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--profile") == 0)
            cfg.profile = probe_arg(argc, argv, &i);
        else if (strcmp(argv[i], "--region") == 0)
            cfg.region = probe_arg(argc, argv, &i);
        else if (strcmp(argv[i], "--show-sts") == 0)
            show_sts = true;
        else if (strcmp(argv[i], "--endpoint-url") == 0)
            p.endpoint_url = probe_arg(argc, argv, &i);
        else if (strcmp(argv[i], "--call") == 0)
            p.call = probe_arg(argc, argv, &i);
        else if (strcmp(argv[i], "--watch") == 0)
            p.watch_s = atof(probe_arg(argc, argv, &i));
        else if (strcmp(argv[i], "--interval") == 0)
            p.interval_s = atof(probe_arg(argc, argv, &i));
        else if (strcmp(argv[i], "--resolve") != 0) {
            fprintf(stderr, "creds-probe: unknown option %s\n", argv[i]);
            return 2;
        }
    }
    if (show_sts)
        probe_show_sts(&cfg);
    printf("before-creds dumpable=%d\n", prctl(PR_GET_DUMPABLE, 0, 0, 0, 0));
    p.loop = EV_DEFAULT;
    p.http = http_new(p.loop, NULL);
    http_set_warn(p.http, probe_warn, NULL);
    p.creds = creds_new(p.loop, p.http, &cfg);
    probe_ca_bundle(&p);
    creds_region(p.creds, probe_region_done, &p);
    if (!p.ended)
        ev_run(p.loop, 0);
    if (p.watch_s > 0)
        printf("summary refreshes=%d calls=%d failed=%d creds_errors=%d\n", p.refreshes, p.calls,
               p.failed, p.creds_errors);
    if (p.call != NULL && p.calls == 0 && p.rc == 0)
        p.rc = 1;
    aws_client_free(p.client);
    creds_free(p.creds);
    http_free(p.http);
    ev_loop_destroy(p.loop);
    return p.rc;
}

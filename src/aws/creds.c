/*
 * Credentials and region for every AWS call: the chain is planned by creds-chain.c and carried
 * out here, one resolution at a time, by the asynchronous fetches of creds-*.c. Callers asking
 * while a resolution runs wait in a queue and are all answered when it ends. Temporary
 * credentials are re-resolved in the background shortly before they expire (awstime.h), and
 * callers keep getting the cached ones until the new ones arrive.
 */
#include "config.h"

#include "creds.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifdef HAVE_SYS_PRCTL_H
#include <sys/prctl.h>
#endif

#include "aws-error.h"
#include "awstime.h"
#include "buf.h"
#include "creds-op.h"
#include "creds-util.h"
#include "xalloc.h"

/* Credentials this close to expiry are not handed out: a request signed now would arrive late. */
#define CREDS_USABLE_MARGIN_MS 2000
#define CREDS_RETRY_MIN_MS     1000
#define CREDS_RETRY_MAX_MS     30000
#define CREDS_ERROR_SIZE       2048

struct creds_waiter {
    creds_fn done;
    region_fn region_done;
    void *ctx;
    struct creds_waiter *next;
};

struct creds_queue {
    struct creds_waiter *head, *tail;
};

/* One run through the chain. */
struct creds_job {
    struct creds *c;
    struct creds_plan plan;
    struct buf tried;
    struct creds_op *op; /* the fetch in flight, if any */
    struct aws_creds cur;
    size_t hops_left; /* assume-role hops still to apply, last first */
    bool background;  /* a refresh while the cached credentials are still good */
};

struct creds {
    struct ev_loop *loop;
    struct http *http;
    char *profile, *region_opt;
    struct creds_chain_cfg cfg;
    creds_note_fn note;
    void *note_ctx;

    bool have;
    struct aws_creds cur;
    int64_t refresh_at_ms;
    int64_t retry_at_ms; /* no background refresh before this, after one failed */
    char source[sizeof(((struct aws_creds *)0)->source)];
    struct creds_job *job;
    struct creds_queue waiters;

    bool have_region;
    char region[64];
    struct creds_op *region_op;
    struct creds_queue region_waiters;

    int depth;         /* > 0 while callbacks run */
    bool free_pending; /* creds_free was called from a callback */
};

/* --- waiters -------------------------------------------------------------------------------- */

static void creds_enqueue(struct creds_queue *q, creds_fn done, region_fn region_done, void *ctx)
{
    struct creds_waiter *w = xcalloc(1, sizeof *w);

    w->done = done;
    w->region_done = region_done;
    w->ctx = ctx;
    if (q->tail)
        q->tail->next = w;
    else
        q->head = w;
    q->tail = w;
}

static struct creds_waiter *creds_detach(struct creds_queue *q)
{
    struct creds_waiter *w = q->head;

    q->head = q->tail = NULL;
    return w;
}

static void creds_free_waiters(struct creds_waiter *w)
{
    while (w) {
        struct creds_waiter *next = w->next;

        free(w);
        w = next;
    }
}

static void creds_destroy(struct creds *c);

/* Ends a stretch of callbacks: a creds_free made inside one takes effect now. */
static bool creds_leave(struct creds *c)
{
    c->depth--;
    if (c->depth == 0 && c->free_pending) {
        creds_destroy(c);
        return false;
    }
    return true;
}

/* Answers a detached list; stops (dropping the rest) if a callback freed c. */
static void creds_answer(struct creds *c, struct creds_waiter *w, const struct aws_creds *cr,
                         const char *region, const char *error)
{
    c->depth++;
    while (w) {
        struct creds_waiter *next = w->next;

        if (!c->free_pending) {
            if (w->done)
                w->done(w->ctx, cr, cr ? NULL : error);
            else
                w->region_done(w->ctx, region, region ? NULL : error);
        }
        free(w);
        w = next;
    }
    creds_leave(c);
}

/* --- the cache ------------------------------------------------------------------------------ */

static bool creds_usable(const struct creds *c, int64_t now)
{
    return c->have && (c->cur.expires_ms == 0 || now + CREDS_USABLE_MARGIN_MS < c->cur.expires_ms);
}

static int64_t creds_retry_delay(const struct creds *c, int64_t now)
{
    int64_t d = c->cur.expires_ms != 0 ? (c->cur.expires_ms - now) / 4 : CREDS_RETRY_MAX_MS;

    if (d < CREDS_RETRY_MIN_MS)
        d = CREDS_RETRY_MIN_MS;
    if (d > CREDS_RETRY_MAX_MS)
        d = CREDS_RETRY_MAX_MS;
    return d;
}

static void creds_store(struct creds *c, const struct aws_creds *cr, int64_t now)
{
    c->cur = *cr;
    c->have = true;
    c->refresh_at_ms = awstime_refresh_at_ms(now, cr->expires_ms);
    /* A source that hands out credentials already due for refresh is not asked again at once. */
    c->retry_at_ms = c->refresh_at_ms <= now ? now + creds_retry_delay(c, now) : 0;
    snprintf(c->source, sizeof c->source, "%s", cr->source);
}

/* --- a resolution --------------------------------------------------------------------------- */

static void creds_job_free(struct creds_job *job)
{
    creds_op_cancel(job->op);
    creds_chain_plan_free(&job->plan);
    buf_free(&job->tried);
    creds_util_wipe(&job->cur);
    free(job);
}

static void creds_job_finish(struct creds_job *job, const struct aws_creds *cr, const char *error)
{
    struct creds *c = job->c;
    int64_t now = awstime_now_ms();
    char msg[CREDS_ERROR_SIZE];
    struct aws_creds snapshot;
    bool ok = false;

    c->job = NULL;
    msg[0] = '\0';
    if (cr && cr->expires_ms != 0 && cr->expires_ms <= now + CREDS_USABLE_MARGIN_MS) {
        snprintf(msg, sizeof msg, "the credentials from %s have expired", cr->source);
    } else if (cr) {
        creds_store(c, cr, now);
        ok = true;
    } else {
        const char *known[] = {job->cur.secret_key, job->cur.session_token,
                               job->plan.creds.secret_key, job->plan.creds.session_token};

        snprintf(msg, sizeof msg, "%s", error ? error : "credentials not resolved");
        aws_error_scrub(msg, sizeof msg, known, sizeof known / sizeof known[0]);
    }
    if (!ok && job->background && creds_usable(c, now)) {
        /* Keep serving the cached credentials; try again a little later. */
        c->retry_at_ms = now + creds_retry_delay(c, now);
        ok = true;
    }
    if (ok)
        snapshot = c->cur;
    creds_job_free(job);
    creds_answer(c, creds_detach(&c->waiters), ok ? &snapshot : NULL, NULL, msg);
    creds_util_wipe(&snapshot);
}

static void creds_job_next_hop(struct creds_job *job);

static void creds_job_hop_done(void *ctx, const struct aws_creds *cr, const char *error)
{
    struct creds_job *job = ctx;
    const struct creds_hop *hop = &job->plan.hops[job->hops_left];

    job->op = NULL;
    if (!cr) {
        creds_job_finish(job, NULL, error);
        return;
    }
    job->cur = *cr;
    snprintf(job->cur.source, sizeof job->cur.source, "assume-role %.100s via %.40s", hop->role_arn,
             job->plan.label ? job->plan.label : "?");
    creds_job_next_hop(job);
}

static void creds_job_next_hop(struct creds_job *job)
{
    struct creds_sts_params p = {0};
    const struct creds_hop *hop;
    char err[512];

    if (job->hops_left == 0) {
        creds_job_finish(job, &job->cur, NULL);
        return;
    }
    hop = &job->plan.hops[--job->hops_left];
    p.endpoint = job->plan.sts_endpoint;
    p.region = job->plan.sts_region;
    p.role_arn = hop->role_arn;
    p.session_name = hop->session_name;
    p.external_id = hop->external_id;
    p.duration_s = hop->duration_s;
    job->op = creds_sts_assume_role(job->c->http, &p, &job->cur, creds_job_hop_done, job, err,
                                    sizeof err);
    if (!job->op)
        creds_job_finish(job, NULL, err);
}

static void creds_job_have_base(struct creds_job *job, const struct aws_creds *cr)
{
    job->cur = *cr;
    job->hops_left = job->plan.nhops;
    creds_job_next_hop(job);
}

static void creds_job_base_failed(struct creds_job *job, const char *error)
{
    char msg[CREDS_ERROR_SIZE];

    if (job->plan.soft)
        snprintf(msg, sizeof msg, "no AWS credentials found; tried: %s, IMDS (%s)",
                 job->tried.data ? job->tried.data : "", error);
    else if (job->plan.base == CREDS_BASE_IMDS)
        snprintf(msg, sizeof msg, "instance metadata: %s", error);
    else if (job->plan.base == CREDS_BASE_CONTAINER)
        snprintf(msg, sizeof msg, "container credentials: %s", error);
    else
        snprintf(msg, sizeof msg, "%s", error);
    creds_job_finish(job, NULL, msg);
}

static void creds_job_base_done(void *ctx, const struct aws_creds *cr, const char *error)
{
    struct creds_job *job = ctx;

    job->op = NULL;
    if (!cr)
        creds_job_base_failed(job, error);
    else
        creds_job_have_base(job, cr);
}

static void creds_job_run_base(struct creds_job *job)
{
    struct creds_plan *p = &job->plan;
    struct http *h = job->c->http;
    char err[1024];
    struct creds_sts_params web = {0};

    err[0] = '\0';
    switch (p->base) {
    case CREDS_BASE_STATIC:
        creds_job_have_base(job, &p->creds);
        return;
    case CREDS_BASE_PROCESS:
        job->op = creds_process_run(job->c->loop, p->process, p->label, job->c->note,
                                    job->c->note_ctx, creds_job_base_done, job, err, sizeof err);
        break;
    case CREDS_BASE_CONTAINER:
        job->op = creds_container_fetch(h, creds_job_base_done, job, err, sizeof err);
        break;
    case CREDS_BASE_IMDS:
        job->op = creds_imds_credentials(h, creds_job_base_done, job, err, sizeof err);
        break;
    case CREDS_BASE_WEB_IDENTITY:
        web.endpoint = p->sts_endpoint;
        web.region = p->sts_region;
        web.role_arn = p->web_role_arn;
        web.session_name = p->web_session_name;
        web.token_file = p->web_token_file;
        job->op = creds_sts_web_identity(h, &web, creds_job_base_done, job, err, sizeof err);
        break;
    }
    if (!job->op)
        creds_job_base_failed(job, err[0] ? err : "cannot start");
}

/*
 * A core dump would hold the secret key and copies of the session token: from the first time
 * credentials are looked for, the process is not dumpable (no core file, no ptrace by other
 * processes of the same user, /proc/PID/mem closed to them). It stays so until it exits.
 */
static void creds_protect_process(void)
{
#ifdef HAVE_SYS_PRCTL_H
    static bool done;

    if (!done && prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) == 0)
        done = true;
#endif
}

/* Starts a resolution; it may finish (and answer the queue) before this returns. */
static void creds_job_start(struct creds *c, bool background)
{
    struct creds_job *job = xcalloc(1, sizeof *job);
    char err[CREDS_ERROR_SIZE];

    creds_protect_process();
    job->c = c;
    job->background = background;
    buf_init(&job->tried);
    buf_puts(&job->tried, "");
    c->job = job;
    if (!creds_chain_plan(&c->cfg, &job->plan, &job->tried, err, sizeof err)) {
        creds_job_finish(job, NULL, err);
        return;
    }
    creds_job_run_base(job);
}

/* --- public --------------------------------------------------------------------------------- */

static char *creds_dup_opt(const char *s)
{
    return s && s[0] ? xstrdup(s) : NULL;
}

struct creds *creds_new(struct ev_loop *loop, struct http *http, const struct creds_config *cfg)
{
    struct creds *c = xcalloc(1, sizeof *c);

    c->loop = loop;
    c->http = http;
    c->profile = creds_dup_opt(cfg ? cfg->profile : NULL);
    c->region_opt = creds_dup_opt(cfg ? cfg->region : NULL);
    c->cfg.profile = c->profile;
    c->cfg.region = c->region_opt;
    c->note = cfg ? cfg->note : NULL;
    c->note_ctx = cfg ? cfg->note_ctx : NULL;
    return c;
}

static void creds_destroy(struct creds *c)
{
    if (c->job)
        creds_job_free(c->job);
    creds_op_cancel(c->region_op);
    creds_free_waiters(creds_detach(&c->waiters));
    creds_free_waiters(creds_detach(&c->region_waiters));
    creds_util_wipe(&c->cur);
    free(c->profile);
    free(c->region_opt);
    free(c);
}

void creds_free(struct creds *c)
{
    if (!c)
        return;
    if (c->depth > 0) {
        c->free_pending = true; /* the running callback returns first */
        return;
    }
    creds_destroy(c);
}

void creds_get(struct creds *c, creds_fn done, void *ctx)
{
    int64_t now = awstime_now_ms();
    struct aws_creds snapshot;

    if (creds_usable(c, now)) {
        if (now >= c->refresh_at_ms && now >= c->retry_at_ms && !c->job) {
            c->depth++;
            creds_job_start(c, true);
            if (!creds_leave(c))
                return;
        }
        if (creds_usable(c, awstime_now_ms())) {
            snapshot = c->cur;
            c->depth++;
            done(ctx, &snapshot, NULL);
            creds_util_wipe(&snapshot);
            creds_leave(c);
            return;
        }
    }
    creds_enqueue(&c->waiters, done, NULL, ctx);
    if (!c->job)
        creds_job_start(c, false);
}

void creds_invalidate(struct creds *c)
{
    c->have = false;
    creds_util_wipe(&c->cur);
    c->retry_at_ms = 0;
}

const char *creds_source(const struct creds *c)
{
    return c->source;
}

bool creds_ca_bundle(const struct creds *c, char *path, size_t pathsz, char *origin,
                     size_t originsz)
{
    return creds_chain_ca_bundle(&c->cfg, path, pathsz, origin, originsz);
}

static void creds_cancel_queue(struct creds_queue *q, void *ctx)
{
    struct creds_waiter **pp = &q->head, *last = NULL;

    while (*pp) {
        struct creds_waiter *w = *pp;

        if (w->ctx == ctx) {
            *pp = w->next;
            free(w);
        } else {
            last = w;
            pp = &w->next;
        }
    }
    q->tail = last;
}

void creds_cancel(struct creds *c, void *ctx)
{
    creds_cancel_queue(&c->waiters, ctx);
    creds_cancel_queue(&c->region_waiters, ctx);
}

/* --- region --------------------------------------------------------------------------------- */

static bool creds_region_ok(const char *r)
{
    if (!r[0] || strlen(r) > 40)
        return false;
    for (; *r; r++)
        if (!((*r >= 'a' && *r <= 'z') || (*r >= '0' && *r <= '9') || *r == '-'))
            return false;
    return true;
}

static void creds_region_done(void *ctx, const char *text, const char *error)
{
    struct creds *c = ctx;
    char msg[1024], where[256], unused[64];

    c->region_op = NULL;
    /* Only for the message: which settings were looked at before IMDS. */
    creds_chain_region(&c->cfg, unused, sizeof unused, where, sizeof where);
    if (text && creds_region_ok(text)) {
        snprintf(c->region, sizeof c->region, "%s", text);
        c->have_region = true;
        creds_answer(c, creds_detach(&c->region_waiters), NULL, c->region, NULL);
        return;
    }
    snprintf(msg, sizeof msg, "no AWS region: give --region or set AWS_REGION (%s; IMDS: %s)",
             where, text ? "not a region name" : error);
    creds_answer(c, creds_detach(&c->region_waiters), NULL, NULL, msg);
}

void creds_region(struct creds *c, region_fn done, void *ctx)
{
    char where[256], msg[512], err[512];
    int found;

    if (c->have_region) {
        c->depth++;
        done(ctx, c->region, NULL);
        creds_leave(c);
        return;
    }
    found = creds_chain_region(&c->cfg, c->region, sizeof c->region, where, sizeof where);
    if (found != 0) {
        c->have_region = found > 0;
        snprintf(msg, sizeof msg, "invalid AWS region: %s", where);
        c->depth++;
        done(ctx, found > 0 ? c->region : NULL, found > 0 ? NULL : msg);
        creds_leave(c);
        return;
    }
    if (creds_imds_disabled()) {
        snprintf(msg, sizeof msg,
                 "no AWS region: give --region or set AWS_REGION (%s; IMDS disabled)", where);
        c->depth++;
        done(ctx, NULL, msg);
        creds_leave(c);
        return;
    }
    creds_enqueue(&c->region_waiters, NULL, done, ctx);
    if (!c->region_op) {
        c->region_op = creds_imds_region(c->http, creds_region_done, c, err, sizeof err);
        if (!c->region_op)
            creds_region_done(c, NULL, err);
    }
}

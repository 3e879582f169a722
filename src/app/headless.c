/* Headless mode: the same pipeline, no terminal, one JSON snapshot when it ends. */
#include "config.h"

#include "headless.h"

#include <ev.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "clock.h"
#include "errmsg.h"
#include "exitcode.h"
#include "model.h"
#include "options.h"
#include "report.h"
#include "snapfile.h"
#include "source.h"
#include "ui-snapshot.h"
#include "verdict.h"
#include "src-replay.h"

#define CHECK_INTERVAL_S    0.1
#define PROGRESS_INTERVAL_S 0.25

struct headless {
    struct ev_loop *loop;
    struct model *m;
    struct source *src;
    const struct options *o;
    const char *version;
    int64_t started_ms;
    const char *stop_reason;
    ev_timer check;
    ev_timer tick;
    ev_signal sigint;
    ev_signal sigterm;
    ev_signal sigusr1;
    ev_timer progress; /* a replay's progress line, when stderr is a terminal */
    ev_timer every;    /* --snapshot-every */
};

/* One line on the terminal, rewritten in place; the last one is kept. */
static void show_progress(struct headless *h, bool last)
{
    char text[256];
    src_replay_progress_text(&h->m->progress, text, sizeof text);
    fprintf(stderr, "\r%s\033[K%s", text, last ? "\n" : "");
}

static void progress_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
    (void)loop;
    (void)revents;
    show_progress(w->data, false);
}

static void stop(struct headless *h, const char *why)
{
    if (h->stop_reason)
        return;
    h->stop_reason = why;
    h->src->ops->stop(h->src);
    ev_timer_stop(h->loop, &h->check);
    ev_timer_stop(h->loop, &h->tick);
    ev_signal_stop(h->loop, &h->sigint);
    ev_signal_stop(h->loop, &h->sigterm);
    ev_signal_stop(h->loop, &h->sigusr1);
    ev_timer_stop(h->loop, &h->every);
    if (ev_is_active(&h->progress)) {
        ev_timer_stop(h->loop, &h->progress);
        show_progress(h, true);
    }
    ev_break(h->loop, EVBREAK_ALL);
}

/* Decides whether the run is over: duration reached, idle long enough, or source finished. */
static void check_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
    struct headless *h = w->data;
    int64_t now = clock_now_ms(loop);
    (void)revents;
    if (h->o->duration > 0 && now - h->started_ms >= (int64_t)(h->o->duration * 1000))
        stop(h, "duration reached");
    else if (h->o->until_idle > 0) {
        int64_t last = h->src->last_record_ms ? h->src->last_record_ms : h->started_ms;
        if (now - last >= (int64_t)(h->o->until_idle * 1000))
            stop(h, "idle");
    }
    if (!h->stop_reason && h->src->ops->finished && h->src->ops->finished(h->src))
        stop(h, "source finished");
}

static void tick_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
    struct headless *h = w->data;
    (void)revents;
    model_tick(h->m, clock_now_ms(loop));
}

static void signal_cb(struct ev_loop *loop, ev_signal *w, int revents)
{
    struct headless *h = w->data;
    (void)loop;
    (void)revents;
    stop(h, w->signum == SIGINT ? "interrupted" : "terminated");
}

static bool write_all(int fd, const char *p, size_t n)
{
    while (n) {
        ssize_t w = write(fd, p, n);
        if (w < 0)
            return false;
        p += w;
        n -= (size_t)w;
    }
    return true;
}

/* A snapshot set (JSON, text, HTML) into --snapshot-dir; a failure is reported, never fatal. */
static int write_set(struct headless *h, const char *version)
{
    char msg[4800];
    struct ui_snapshot_req req = {
        .m = h->m,
        .now_ms = clock_now_ms(h->loop),
        .dir = h->o->snapshot_dir,
        .max_rows = h->o->snapshot_rows,
        .html_rows = h->o->report_rows,
        .version = version,
        .source_done = h->src->ops->finished && h->src->ops->finished(h->src),
        .offscreen = true,
        .ascii = h->o->ascii,
    };
    bool ok = ui_snapshot_write(&req, msg, sizeof msg);
    errmsg("%s", msg);
    return ok ? EXITCODE_OK : EXITCODE_OUTPUT;
}

static void every_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
    struct headless *h = w->data;
    (void)revents;
    model_tick(h->m, clock_now_ms(loop));
    write_set(h, h->version);
    /* the next one a whole interval after this one ended, so slow snapshots never starve the
     * source of the loop */
    ev_now_update(loop);
    ev_timer_again(loop, w);
}

static int write_snapshot(struct headless *h, const char *version)
{
    if (!h->o->snapshot) /* no path given: the whole set into --snapshot-dir */
        return write_set(h, version);
    struct buf out;
    struct report_opts ro = {.max_rows = h->o->snapshot_rows, .program_version = version};
    char err[512], path[4096];
    int status = EXITCODE_OK;
    buf_init(&out);
    report_json(h->m, &ro, clock_now_ms(h->loop), &out);
    if (h->o->snapshot && strcmp(h->o->snapshot, "-") == 0) {
        if (!write_all(STDOUT_FILENO, out.data, out.len)) {
            perror("cdctop: writing the snapshot to standard output");
            status = EXITCODE_OUTPUT;
        }
    } else {
        snprintf(path, sizeof path, "%s", h->o->snapshot);
        if (!snapfile_write(path, out.data, out.len, err, sizeof err)) {
            errmsg("%s", err);
            status = EXITCODE_OUTPUT;
        } else {
            errmsg("snapshot written to %s", path);
        }
    }
    buf_free(&out);
    return status;
}

/* Whether the source ever worked: a record arrived, or a shard was read, as on a healthy stream
 * that has nothing new (a successful read tells how far behind the shard is). */
static bool source_ever_read(const struct model *m)
{
    if (m->totals.records > 0)
        return true;
    for (unsigned i = 0; i < m->nshards; i++) {
        const struct shard *s = m->shards[i];
        if (s->millis_behind >= 0 || s->state == SHARD_LATEST || s->state == SHARD_CLOSED)
            return true;
    }
    return false;
}

/* The status line's problem at the end of the run, so that a run without a terminal (a cron
 * job) shows it too. */
static void show_status(const struct model *m)
{
    errmsg("%s: %s", m->status.level >= ALERT_ERROR ? "error" : "warning", m->status.text);
    if (m->status.hint[0])
        errmsg("hint: %s", m->status.hint);
}

/* SIGUSR1: the snapshot as it is now, and the run goes on (the final one overwrites it). */
static void usr1_cb(struct ev_loop *loop, ev_signal *w, int revents)
{
    struct headless *h = w->data;
    (void)revents;
    model_tick(h->m, clock_now_ms(loop));
    write_snapshot(h, h->version);
}

/* --fail-on: the worst verdict of the run reached the level given. */
static bool verdict_failed(const struct model *m, const char *fail_on)
{
    if (!fail_on || strcmp(fail_on, "never") == 0)
        return false;
    enum readout_level at = strcmp(fail_on, "bad") == 0 ? LEVEL_BAD : LEVEL_WARN;
    return m->verdict_worst >= at;
}

int headless_run(struct ev_loop *loop, struct model *m, struct source *src, const struct options *o,
                 const char *version)
{
    struct headless h = {.loop = loop, .m = m, .src = src, .o = o, .version = version};
    char err[256];
    h.started_ms = clock_now_ms(loop);
    ev_timer_init(&h.check, check_cb, CHECK_INTERVAL_S, CHECK_INTERVAL_S);
    ev_timer_init(&h.tick, tick_cb, 1.0, 1.0);
    ev_signal_init(&h.sigint, signal_cb, SIGINT);
    ev_signal_init(&h.sigterm, signal_cb, SIGTERM);
    ev_signal_init(&h.sigusr1, usr1_cb, SIGUSR1);
    ev_timer_init(&h.progress, progress_cb, PROGRESS_INTERVAL_S, PROGRESS_INTERVAL_S);
    h.check.data = h.tick.data = h.sigint.data = h.sigterm.data = h.sigusr1.data = &h;
    h.progress.data = &h;
    ev_timer_init(&h.every, every_cb, o->snapshot_every, o->snapshot_every);
    h.every.data = &h;
    if (o->snapshot_every > 0)
        ev_timer_start(loop, &h.every);
    if (m->progress.active && isatty(STDERR_FILENO))
        ev_timer_start(loop, &h.progress);
    ev_timer_start(loop, &h.check);
    ev_timer_start(loop, &h.tick);
    ev_signal_start(loop, &h.sigint);
    ev_signal_start(loop, &h.sigterm);
    ev_signal_start(loop, &h.sigusr1);
    if (src->ops->start(src, loop, err, sizeof err) != 0) {
        errmsg("%s", err);
        stop(&h, "source failed");
        return EXITCODE_USAGE;
    }
    ev_run(loop, 0);
    if (!h.stop_reason)
        stop(&h, "source ended");
    model_tick(m, clock_now_ms(loop));
    int status = write_snapshot(&h, version);
    ui_snapshot_release();
    if (!source_ever_read(m) && m->status.level >= ALERT_WARN) {
        show_status(m);
        errmsg("nothing was read from the source (exit status %d)", EXITCODE_SOURCE);
        status = EXITCODE_SOURCE;
    } else if (m->status.level >= ALERT_ERROR) {
        show_status(m);
    }
    if (verdict_failed(m, o->fail_on)) {
        char line[512];
        struct verdict v;
        verdict_compute(m, clock_now_ms(loop), &v);
        errmsg("verdict %s during the run; at the end: %s", verdict_word(m->verdict_worst),
               verdict_line(&v, line, sizeof line));
        errmsg("--fail-on %s (exit status %d)", o->fail_on, EXITCODE_VERDICT);
        if (status < EXITCODE_VERDICT)
            status = EXITCODE_VERDICT;
    }
    return status;
}

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
#include "session.h"
#include "snapfile.h"
#include "source.h"
#include "ui-snapshot.h"
#include "verdict.h"
#include "src-replay.h"

#define CHECK_INTERVAL_S    0.1
#define PROGRESS_INTERVAL_S 0.25

struct headless {
    struct session *s;
    struct ev_loop *loop;
    struct model *m;
    struct source *src;
    const struct options *o;
    const char *version;
    int64_t started_ms;
    ev_timer check;
    ev_signal sigusr1;
    ev_timer progress; /* a replay's progress line, when stderr is a terminal */
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

/* The session stops: so do the watchers of headless mode. */
static void on_stop(void *ctx, const char *why)
{
    struct headless *h = ctx;
    (void)why;
    ev_timer_stop(h->loop, &h->check);
    ev_signal_stop(h->loop, &h->sigusr1);
    if (ev_is_active(&h->progress)) {
        ev_timer_stop(h->loop, &h->progress);
        show_progress(h, true);
    }
}

/* Every snapshot set, automatic or the final one, says on stderr where it went or why not. */
static void on_snapshot_result(void *ctx, bool ok, bool automatic, const char *msg)
{
    (void)ctx;
    (void)ok;
    (void)automatic;
    errmsg("%s", msg);
}

/* Decides whether the run is over: duration reached, idle long enough, or source finished. */
static void check_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
    struct headless *h = w->data;
    int64_t now = clock_now_ms(loop);
    (void)revents;
    if (h->o->duration > 0 && now - h->started_ms >= (int64_t)(h->o->duration * 1000))
        session_stop(h->s, "duration reached");
    else if (h->o->until_idle > 0) {
        int64_t last = h->src->last_record_ms ? h->src->last_record_ms : h->started_ms;
        if (now - last >= (int64_t)(h->o->until_idle * 1000))
            session_stop(h->s, "idle");
    }
    if (!session_stopped(h->s) && session_source_done(h->s))
        session_stop(h->s, "source finished");
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
static int write_set(struct headless *h)
{
    return session_snapshot(h->s, false, NULL, 0) ? EXITCODE_OK : EXITCODE_OUTPUT;
}

static int write_snapshot(struct headless *h, const char *version)
{
    if (!h->o->snapshot) /* no path given: the whole set into --snapshot-dir */
        return write_set(h);
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

static const struct session_front headless_front = {
    .on_snapshot_result = on_snapshot_result,
    .on_stop = on_stop,
};

int headless_run(struct session *s, const struct options *o, const char *version)
{
    struct headless h = {
        .s = s,
        .loop = session_loop(s),
        .m = session_model(s),
        .src = session_source(s),
        .o = o,
        .version = version,
    };
    struct ev_loop *loop = h.loop;
    struct model *m = h.m;
    h.started_ms = clock_now_ms(loop);
    session_attach(s, &headless_front, &h);
    ev_timer_init(&h.check, check_cb, CHECK_INTERVAL_S, CHECK_INTERVAL_S);
    ev_signal_init(&h.sigusr1, usr1_cb, SIGUSR1);
    ev_timer_init(&h.progress, progress_cb, PROGRESS_INTERVAL_S, PROGRESS_INTERVAL_S);
    h.check.data = h.sigusr1.data = h.progress.data = &h;
    if (m->progress.active && isatty(STDERR_FILENO))
        ev_timer_start(loop, &h.progress);
    ev_timer_start(loop, &h.check);
    ev_signal_start(loop, &h.sigusr1);
    if (!session_start(s)) {
        session_stop(s, "source failed");
        return EXITCODE_USAGE;
    }
    session_run(s);
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

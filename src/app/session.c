/*
 * The session loop shared by the console and headless mode, in the manner of tmux's proc.c: the
 * session owns the source's start-up, the stop signals, the one-second tick and the automatic
 * snapshots; each front end adds only its own watchers and says what to do on each event.
 */
#include "config.h"

#include "session.h"

#include <ev.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "errmsg.h"
#include "events.h"
#include "model.h"
#include "source.h"
#include "ui-snapshot.h"
#include "xalloc.h"

#define SESSION_MSG_MAX 4800 /* a snapshot's message: its path, or why it failed */

struct session {
    struct session_config cfg;
    const struct session_front *front;
    void *ctx;
    const char *stopped; /* why, once stopped */
    bool started;
    char every_failure[SESSION_MSG_MAX]; /* how automatic sets fail, "" while they are written */
    ev_signal sig_int, sig_term, sig_hup;
    ev_timer tick;  /* 1 s: model_tick */
    ev_timer every; /* --snapshot-every */
    /* the source's change notification before the session took it */
    void (*saved_changed)(void *ctx);
    void *saved_changed_ctx;
};

static const struct session_front session_no_front;

struct session *session_new(const struct session_config *cfg)
{
    struct session *s = xcalloc(1, sizeof *s);
    s->cfg = *cfg;
    s->front = &session_no_front;
    return s;
}

void session_attach(struct session *s, const struct session_front *front, void *ctx)
{
    s->front = front ? front : &session_no_front;
    s->ctx = ctx;
}

struct ev_loop *session_loop(const struct session *s)
{
    return s->cfg.loop;
}

struct model *session_model(const struct session *s)
{
    return s->cfg.m;
}

struct source *session_source(const struct session *s)
{
    return s->cfg.src;
}

int64_t session_now_ms(const struct session *s)
{
    return clock_now_ms(s->cfg.loop);
}

bool session_source_done(const struct session *s)
{
    const struct source *src = s->cfg.src;
    return src && src->ops->finished && src->ops->finished(src);
}

const char *session_stopped(const struct session *s)
{
    return s->stopped;
}

bool session_snapshot(struct session *s, bool automatic, char *msg, size_t msglen)
{
    char text[SESSION_MSG_MAX];
    int64_t now = session_now_ms(s);
    model_tick(s->cfg.m, now);
    struct ui_snapshot_req req = {
        .m = s->cfg.m,
        .now_ms = now,
        .dir = s->cfg.snapshot_dir,
        .max_rows = s->cfg.snapshot_rows,
        .html_rows = s->cfg.report_rows,
        .version = s->cfg.version,
        .source_done = session_source_done(s),
        .offscreen = s->cfg.offscreen,
        .ascii = s->cfg.ascii,
    };
    bool ok = ui_snapshot_write(&req, text, sizeof text);
    /* After the set, so that it holds what was there when it was asked for. Automatic sets that
     * keep failing the same way are logged once, not every interval over the other events. */
    bool again = automatic && !ok && strcmp(text, s->every_failure) == 0;
    if (!again)
        model_note(s->cfg.m, now, ok ? EV_INFO : EV_WARN, EVK_SNAPSHOT, "", text);
    if (automatic)
        snprintf(s->every_failure, sizeof s->every_failure, "%s", ok ? "" : text);
    if (msg && msglen)
        snprintf(msg, msglen, "%s", text);
    if (s->front->on_snapshot_result)
        s->front->on_snapshot_result(s->ctx, ok, automatic, text);
    return ok;
}

unsigned session_retry(struct session *s, char *msg, size_t msglen)
{
    struct source *src = s->cfg.src;
    char what[256] = "";
    if (!src || !src->ops->retry) {
        snprintf(msg, msglen, "nothing to retry: the %s source does not wait after errors",
                 src ? src->ops->name : "(no)");
        return 0;
    }
    unsigned n = src->ops->retry(src, what, sizeof what);
    if (n)
        snprintf(msg, msglen, "retrying now: %s", what);
    else
        snprintf(msg, msglen, "nothing to retry: no reader is waiting after an error");
    return n;
}

static void session_stop_watchers(struct session *s)
{
    struct ev_loop *loop = s->cfg.loop;
    ev_signal_stop(loop, &s->sig_int);
    ev_signal_stop(loop, &s->sig_term);
    ev_signal_stop(loop, &s->sig_hup);
    ev_timer_stop(loop, &s->tick);
    ev_timer_stop(loop, &s->every);
}

void session_stop(struct session *s, const char *why)
{
    if (s->stopped)
        return;
    s->stopped = why ? why : "stopped";
    session_stop_watchers(s);
    if (s->cfg.src && s->cfg.src->ops->stop)
        s->cfg.src->ops->stop(s->cfg.src);
    if (s->front->on_stop)
        s->front->on_stop(s->ctx, s->stopped);
    ev_break(s->cfg.loop, EVBREAK_ALL);
}

static void session_signal_cb(struct ev_loop *loop, ev_signal *w, int revents)
{
    (void)loop;
    (void)revents;
    session_stop(w->data, w->signum == SIGINT   ? "interrupted"
                          : w->signum == SIGHUP ? "hangup"
                                                : "terminated");
}

static void session_tick_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
    struct session *s = w->data;
    (void)revents;
    int64_t now = clock_now_ms(loop);
    model_tick(s->cfg.m, now);
    if (s->front->on_tick)
        s->front->on_tick(s->ctx, now);
}

static void session_every_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
    (void)revents;
    session_snapshot(w->data, true, NULL, 0);
    /* the next one a whole interval after this one ended, so slow snapshots never starve the
     * source of the loop */
    ev_now_update(loop);
    ev_timer_again(loop, w);
}

static void session_source_changed(void *ctx)
{
    struct session *s = ctx;
    if (s->front->on_changed)
        s->front->on_changed(s->ctx);
}

/* Hooks the source's change notification and starts it; a failure is said on stderr. */
static bool session_source_start(struct session *s)
{
    struct source *src = s->cfg.src;
    char err[512] = "";

    if (!src)
        return true;
    s->saved_changed = src->changed;
    s->saved_changed_ctx = src->changed_ctx;
    src->changed = session_source_changed;
    src->changed_ctx = s;
    if (src->ops->start && src->ops->start(src, s->cfg.loop, err, sizeof err) != 0) {
        errmsg("%s", err[0] ? err : "cannot start the source");
        return false;
    }
    return true;
}

bool session_start(struct session *s)
{
    struct ev_loop *loop = s->cfg.loop;

    ev_signal_init(&s->sig_int, session_signal_cb, SIGINT);
    ev_signal_init(&s->sig_term, session_signal_cb, SIGTERM);
    ev_signal_init(&s->sig_hup, session_signal_cb, SIGHUP);
    ev_timer_init(&s->tick, session_tick_cb, 1., 1.);
    ev_timer_init(&s->every, session_every_cb, s->cfg.snapshot_every, s->cfg.snapshot_every);
    s->sig_int.data = s->sig_term.data = s->sig_hup.data = s;
    s->tick.data = s->every.data = s;
    ev_signal_start(loop, &s->sig_int);
    ev_signal_start(loop, &s->sig_term);
    if (s->front->stop_on_hangup)
        ev_signal_start(loop, &s->sig_hup);
    s->started = true;
    if (!session_source_start(s))
        return false;
    ev_timer_start(loop, &s->tick);
    if (s->cfg.snapshot_every > 0)
        ev_timer_start(loop, &s->every);
    return true;
}

void session_run(struct session *s)
{
    if (!s->stopped)
        ev_run(s->cfg.loop, 0);
    session_stop(s, "source ended"); /* also when the loop ended by itself */
}

void session_free(struct session *s)
{
    if (!s)
        return;
    if (s->started)
        session_stop_watchers(s);
    if (s->cfg.src && s->cfg.src->changed == session_source_changed) {
        s->cfg.src->changed = s->saved_changed;
        s->cfg.src->changed_ctx = s->saved_changed_ctx;
    }
    free(s);
}

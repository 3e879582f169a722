/* Headless mode: the same pipeline, no terminal, one JSON snapshot when it ends. */
#include "config.h"

#include "headless.h"

#include <ev.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "clock.h"
#include "model.h"
#include "options.h"
#include "report.h"
#include "snapfile.h"
#include "source.h"

#define CHECK_INTERVAL_S 0.1

struct headless {
    struct ev_loop *loop;
    struct model *m;
    struct source *src;
    const struct options *o;
    int64_t started_ms;
    const char *stop_reason;
    ev_timer check;
    ev_timer tick;
    ev_signal sigint;
    ev_signal sigterm;
};

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

static int write_snapshot(struct headless *h, const char *version)
{
    struct buf out;
    struct report_opts ro = {.max_rows = h->o->snapshot_rows, .program_version = version};
    char err[512], path[4096];
    int status = 0;
    buf_init(&out);
    report_json(h->m, &ro, clock_now_ms(h->loop), &out);
    if (h->o->snapshot && strcmp(h->o->snapshot, "-") == 0) {
        if (!write_all(STDOUT_FILENO, out.data, out.len)) {
            perror("cdctop: writing the snapshot to standard output");
            status = 1;
        }
    } else {
        if (h->o->snapshot) {
            snprintf(path, sizeof path, "%s", h->o->snapshot);
        } else {
            char base[64];
            if (!snapfile_dir(h->o->snapshot_dir, true, err, sizeof err)) {
                fprintf(stderr, "cdctop: %s\n", err);
                buf_free(&out);
                return 1;
            }
            snapfile_base(base, sizeof base, clock_now_ms(h->loop));
            snprintf(path, sizeof path, "%s/%s.json", h->o->snapshot_dir, base);
        }
        if (!snapfile_write(path, out.data, out.len, err, sizeof err)) {
            fprintf(stderr, "cdctop: %s\n", err);
            status = 1;
        } else {
            fprintf(stderr, "cdctop: snapshot written to %s\n", path);
        }
    }
    buf_free(&out);
    return status;
}

int headless_run(struct ev_loop *loop, struct model *m, struct source *src,
                 const struct options *o, const char *version)
{
    struct headless h = {.loop = loop, .m = m, .src = src, .o = o};
    char err[256];
    h.started_ms = clock_now_ms(loop);
    ev_timer_init(&h.check, check_cb, CHECK_INTERVAL_S, CHECK_INTERVAL_S);
    ev_timer_init(&h.tick, tick_cb, 1.0, 1.0);
    ev_signal_init(&h.sigint, signal_cb, SIGINT);
    ev_signal_init(&h.sigterm, signal_cb, SIGTERM);
    h.check.data = h.tick.data = h.sigint.data = h.sigterm.data = &h;
    ev_timer_start(loop, &h.check);
    ev_timer_start(loop, &h.tick);
    ev_signal_start(loop, &h.sigint);
    ev_signal_start(loop, &h.sigterm);
    if (src->ops->start(src, loop, err, sizeof err) != 0) {
        fprintf(stderr, "cdctop: %s\n", err);
        stop(&h, "source failed");
        return 1;
    }
    ev_run(loop, 0);
    if (!h.stop_reason)
        stop(&h, "source ended");
    model_tick(m, clock_now_ms(loop));
    return write_snapshot(&h, version);
}

/*
 * One run of cdctop: the loop, the model and the source, with what every front end shares, so the
 * console and headless mode run the same way. The session starts the source, ticks the model
 * once a second, writes --snapshot-every sets, stops on SIGINT and SIGTERM (and SIGHUP when the
 * front end asks), and logs every snapshot set in the event log. A front end (ui.c, headless.c)
 * plugs in through struct session_front and asks the session to stop, snapshot or retry.
 */
#ifndef CDCTOP_SESSION_H
#define CDCTOP_SESSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct ev_loop;
struct model;
struct source;

struct session_config {
    struct ev_loop *loop;
    struct model *m;
    struct source *src;
    const char *snapshot_dir; /* where snapshot sets go */
    uint64_t snapshot_rows;   /* rows[] bound in a snapshot's JSON */
    uint64_t report_rows;     /* rows per table in a snapshot's HTML report (0: none) */
    double snapshot_every;    /* seconds between automatic snapshot sets, 0 = none */
    const char *version;      /* program version for the reports */
    bool offscreen;           /* no terminal: snapshots render the screens on a private one */
    bool ascii;               /* offscreen: ASCII drawing even in a UTF-8 locale */
};

/* What a front end does when the session calls. Any callback may be NULL; ctx is passed back. */
struct session_front {
    /* Once a second, after model_tick. */
    void (*on_tick)(void *ctx, int64_t now_ms);
    /* The source changed the model. */
    void (*on_changed)(void *ctx);
    /* A snapshot set was written, or could not be: msg says which ("snapshot written: PATH" or
     * "snapshot failed: why"); automatic for --snapshot-every. */
    void (*on_snapshot_result)(void *ctx, bool ok, bool automatic, const char *msg);
    /* The session stops (once): the front end stops its own watchers. why: "interrupted",
     * "terminated", "hangup", "source ended", or what the front end passed to session_stop. */
    void (*on_stop)(void *ctx, const char *why);
    /* SIGHUP ends the run too (the console: its terminal is gone). Headless runs leave SIGHUP
     * alone, so that nohup keeps them going. */
    bool stop_on_hangup;
};

struct session;

struct session *session_new(const struct session_config *cfg);
void session_free(struct session *s);
/* Plugs the front end in; call before session_start. */
void session_attach(struct session *s, const struct session_front *front, void *ctx);

/* Watches the stop signals, starts the source, then the tick and --snapshot-every. When the
 * source cannot start, says why on standard error and returns false (exit status 2). */
bool session_start(struct session *s);
/* Runs the loop until the session stops (or the loop has nothing left to do). */
void session_run(struct session *s);
/* Stops the source and every watcher of the session, tells the front end, ends the loop; a
 * second call does nothing. */
void session_stop(struct session *s, const char *why);
/* Why the session stopped, or NULL while it runs. */
const char *session_stopped(const struct session *s);

/* Writes a snapshot set now (the model ticked first), logs it in the event log and tells the
 * front end; msg (optional) gets the same text. False when it could not be written. */
bool session_snapshot(struct session *s, bool automatic, char *msg, size_t msglen);
/* Asks the source to retry at once whatever waits after an error; msg gets what was done.
 * Returns how many calls were retried (0: nothing waited, or the source cannot retry). */
unsigned session_retry(struct session *s, char *msg, size_t msglen);

struct ev_loop *session_loop(const struct session *s);
struct model *session_model(const struct session *s);
struct source *session_source(const struct session *s);
/* The time now as the model sees it (a replay's recorded time). */
int64_t session_now_ms(const struct session *s);
/* The source will deliver nothing more (a demo limit reached, a replay ended). */
bool session_source_done(const struct session *s);

#endif

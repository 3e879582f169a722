/*
 * credential_process
 * (https://docs.aws.amazon.com/cli/latest/userguide/cli-configure-sourcing-external.html): the
 * profile's command, split shell-style and started directly (never through a shell) with stdin from
 * /dev/null and stdout/stderr on pipes that the loop reads, so a slow helper (an SSO login, a
 * hardware token) never blocks the screen. Its exit is seen with ev_child on the default loop
 * (which reaps every child itself) or by polling waitpid on any other loop. The helper's exit, not
 * the end of its output, ends the wait: a descendant it left behind holding the pipes (a `sleep &`,
 * an agent) does not keep cdctop waiting, and is killed with the rest of the helper's process
 * group. The helper inherits no descriptor but the three standard ones. stdout carries secrets and
 * stderr may: no message quotes either.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <ev.h>
#include <openssl/crypto.h>

#include "aws-error.h"
#include "buf.h"
#include "creds-json.h"
#include "creds-op.h"
#include "creds-util.h"
#include "shellwords.h"
#include "xalloc.h"

#define PROCESS_TIMEOUT_S   60.0
#define PROCESS_POLL_S      0.02
#define PROCESS_MAX_STDOUT  ((size_t)64 << 10)
#define PROCESS_MAX_STDERR  ((size_t)4 << 10)
#define PROCESS_NOTE_MAX    160                 /* bytes of the helper's stderr line in a note */
#define PROCESS_READ_BUDGET ((size_t)64 << 10)  /* per wake-up of the loop */
#define PROCESS_DRAIN_MAX   ((size_t)256 << 10) /* after the helper exited */

extern char **environ;

struct process_op {
    struct creds_op base;
    struct ev_loop *loop;
    pid_t pid;
    bool reaped;
    int status;
    ev_io out_w, err_w;
    bool out_open, err_open;
    ev_child child_w;
    ev_timer poll_w; /* waitpid polling, on loops other than the default one */
    ev_timer timeout_w;
    struct buf out, err;
    char *label;
    creds_note_fn note;
    void *note_ctx;
    creds_op_fn done;
    void *ctx;
};

static void process_drain(struct process_op *op, ev_io *w, bool *open, struct buf *b, size_t cap);

static void process_close_pipe(struct process_op *op, ev_io *w, bool *open)
{
    if (!*open)
        return;
    ev_io_stop(op->loop, w);
    close(w->fd);
    *open = false;
}

static void process_wipe_buf(struct buf *b)
{
    if (b->data)
        OPENSSL_cleanse(b->data, b->len);
    buf_free(b);
}

/* Stops every watcher, kills the helper's whole process group (the helper if it still runs,
 * and whatever it left behind), reaps the helper, and frees everything. */
static void process_free(struct process_op *op)
{
    process_close_pipe(op, &op->out_w, &op->out_open);
    process_close_pipe(op, &op->err_w, &op->err_open);
    ev_child_stop(op->loop, &op->child_w);
    ev_timer_stop(op->loop, &op->poll_w);
    ev_timer_stop(op->loop, &op->timeout_w);
    if (op->pid > 0)
        kill(-op->pid, SIGKILL); /* the group the helper leads (setpgid at spawn) */
    if (!op->reaped && op->pid > 0) {
        /* Quick after SIGKILL; ECHILD when the loop's own reaper got there first. */
        while (waitpid(op->pid, NULL, 0) < 0 && errno == EINTR)
            ;
    }
    process_wipe_buf(&op->out);
    process_wipe_buf(&op->err);
    free(op->label);
    free(op);
}

static void process_cancel(struct creds_op *base)
{
    process_free((struct process_op *)(void *)base);
}

/* The first non-empty line of the helper's stderr, short and scrubbed, for a side note only. */
static void process_stderr_line(const struct process_op *op, char *out, size_t outsz)
{
    const char *p = op->err.data ? op->err.data : "";
    size_t n;

    while (*p == '\n' || *p == '\r' || *p == ' ' || *p == '\t')
        p++;
    n = strcspn(p, "\r\n");
    if (n >= outsz)
        n = outsz - 1;
    memcpy(out, p, n);
    out[n] = '\0';
    aws_error_scrub(out, outsz, NULL, 0);
}

/* The helper's own words stay out of every message: they may hold anything, a token included.
 * Only the note (stderr in headless mode) gets a short, scrubbed line. */
static void process_note_stderr(const struct process_op *op)
{
    char line[PROCESS_NOTE_MAX], note[PROCESS_NOTE_MAX + 200];

    if (!op->note)
        return;
    process_stderr_line(op, line, sizeof line);
    if (!line[0])
        return;
    snprintf(note, sizeof note, "credential_process (%s) said: %s", op->label, line);
    op->note(op->note_ctx, note);
}

static void process_failed(struct process_op *op, const char *msg)
{
    process_note_stderr(op);
    op->done(op->ctx, NULL, msg);
    process_free(op);
}

/* Called once the helper itself has exited: what it wrote is in the pipes by now, so nothing
 * waits for a descendant that still holds them open (which process_free then kills). */
static void process_finish(struct process_op *op)
{
    char msg[512], why[200];
    struct aws_creds c;

    process_drain(op, &op->out_w, &op->out_open, &op->out, PROCESS_MAX_STDOUT);
    process_drain(op, &op->err_w, &op->err_open, &op->err, PROCESS_MAX_STDERR);
    ev_timer_stop(op->loop, &op->timeout_w);
    if (!WIFEXITED(op->status)) {
        snprintf(msg, sizeof msg,
                 "credential_process (%s) was killed by signal %d; run it by hand to see its "
                 "message",
                 op->label, WIFSIGNALED(op->status) ? WTERMSIG(op->status) : 0);
        process_failed(op, msg);
        return;
    }
    if (WEXITSTATUS(op->status) != 0) {
        snprintf(msg, sizeof msg,
                 "credential_process (%s) failed (exit %d); run it by hand to see its message",
                 op->label, WEXITSTATUS(op->status));
        process_failed(op, msg);
        return;
    }
    if (!creds_json_parse(CREDS_JSON_PROCESS, op->out.data ? op->out.data : "", op->out.len, &c,
                          why, sizeof why)) {
        snprintf(msg, sizeof msg, "credential_process (%s) output: %s", op->label, why);
        process_failed(op, msg);
        return;
    }
    snprintf(c.source, sizeof c.source, "credential_process (%s)", op->label);
    op->done(op->ctx, &c, NULL);
    creds_util_wipe(&c);
    process_free(op);
}

/* Reads what is available now, up to budget bytes; false when the pipe is closed (EOF or an
 * error). The budget keeps a helper (or its leftovers) that writes without end from holding
 * the loop. */
static bool process_read_some(struct process_op *op, ev_io *w, bool *open, struct buf *b,
                              size_t cap, size_t budget)
{
    char chunk[4096];
    size_t got = 0;

    while (got < budget) {
        ssize_t n = read(w->fd, chunk, sizeof chunk);

        if (n > 0) {
            got += (size_t)n;
            /* Beyond the cap the output is drained and dropped, so the helper never blocks. */
            if (b->len < cap)
                buf_append(b, chunk, (size_t)n < cap - b->len ? (size_t)n : cap - b->len);
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        OPENSSL_cleanse(chunk, sizeof chunk);
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return true;
        process_close_pipe(op, w, open);
        return false;
    }
    OPENSSL_cleanse(chunk, sizeof chunk);
    return true;
}

/* After the helper exited: takes what is left in the pipe (all it wrote fits in the pipe's
 * buffer, or it would still be blocked writing) and closes it. */
static void process_drain(struct process_op *op, ev_io *w, bool *open, struct buf *b, size_t cap)
{
    if (*open && process_read_some(op, w, open, b, cap, PROCESS_DRAIN_MAX))
        process_close_pipe(op, w, open);
}

static void process_out_cb(struct ev_loop *loop, ev_io *w, int revents)
{
    struct process_op *op = w->data;

    (void)loop;
    (void)revents;
    process_read_some(op, w, &op->out_open, &op->out, PROCESS_MAX_STDOUT, PROCESS_READ_BUDGET);
}

static void process_err_cb(struct ev_loop *loop, ev_io *w, int revents)
{
    struct process_op *op = w->data;

    (void)loop;
    (void)revents;
    process_read_some(op, w, &op->err_open, &op->err, PROCESS_MAX_STDERR, PROCESS_READ_BUDGET);
}

static void process_child_cb(struct ev_loop *loop, ev_child *w, int revents)
{
    struct process_op *op = w->data;

    (void)revents;
    ev_child_stop(loop, w);
    op->reaped = true;
    op->status = w->rstatus;
    process_finish(op);
}

static void process_poll_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
    struct process_op *op = w->data;
    int status;
    pid_t r;

    (void)revents;
    r = waitpid(op->pid, &status, WNOHANG);
    if (r == 0 || (r < 0 && errno == EINTR))
        return;
    ev_timer_stop(loop, w);
    op->reaped = true;
    op->status = r == op->pid ? status : 0;
    process_finish(op);
}

static void process_timeout_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
    struct process_op *op = w->data;
    char msg[256];

    (void)loop;
    (void)revents;
    snprintf(msg, sizeof msg, "credential_process (%s) did not finish within %.0f s", op->label,
             PROCESS_TIMEOUT_S);
    process_failed(op, msg);
}

/* Starts argv in a process group of its own, with stdin from /dev/null, stdout/stderr into the
 * two pipes, default signal handling, and no other descriptor of ours (sockets of libraries
 * that do not mark theirs close-on-exec included). */
static int process_spawn(char **argv, int out_w, int err_w, pid_t *pid)
{
    static const int defaults[] = {SIGPIPE, SIGINT,  SIGTERM, SIGHUP,  SIGQUIT,
                                   SIGCHLD, SIGUSR1, SIGUSR2, SIGWINCH};
    posix_spawn_file_actions_t fa;
    posix_spawnattr_t attr;
    sigset_t none, def;
    int rc;

    if (posix_spawn_file_actions_init(&fa) != 0)
        return ENOMEM;
    if (posix_spawnattr_init(&attr) != 0) {
        posix_spawn_file_actions_destroy(&fa);
        return ENOMEM;
    }
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&fa, out_w, 1);
    posix_spawn_file_actions_adddup2(&fa, err_w, 2);
#ifdef HAVE_POSIX_SPAWN_FILE_ACTIONS_ADDCLOSEFROM_NP
    posix_spawn_file_actions_addclosefrom_np(&fa, 3);
#endif
    /* The loop blocks the signals it watches; the helper starts with none blocked. */
    sigemptyset(&none);
    sigemptyset(&def);
    for (size_t i = 0; i < sizeof defaults / sizeof defaults[0]; i++)
        sigaddset(&def, defaults[i]);
    posix_spawnattr_setsigmask(&attr, &none);
    posix_spawnattr_setsigdefault(&attr, &def);
    posix_spawnattr_setpgroup(&attr, 0);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK |
                                        POSIX_SPAWN_SETSIGDEF);
    rc = posix_spawnp(pid, argv[0], &fa, &attr, argv, environ);
    posix_spawnattr_destroy(&attr);
    posix_spawn_file_actions_destroy(&fa);
    return rc;
}

static void process_watch(struct process_op *op, int out_r, int err_r)
{
    fcntl(out_r, F_SETFL, fcntl(out_r, F_GETFL) | O_NONBLOCK);
    fcntl(err_r, F_SETFL, fcntl(err_r, F_GETFL) | O_NONBLOCK);
    ev_io_init(&op->out_w, process_out_cb, out_r, EV_READ);
    ev_io_init(&op->err_w, process_err_cb, err_r, EV_READ);
    op->out_w.data = op->err_w.data = op;
    op->out_open = op->err_open = true;
    ev_io_start(op->loop, &op->out_w);
    ev_io_start(op->loop, &op->err_w);
    ev_child_init(&op->child_w, process_child_cb, op->pid, 0);
    op->child_w.data = op;
    ev_timer_init(&op->poll_w, process_poll_cb, PROCESS_POLL_S, PROCESS_POLL_S);
    op->poll_w.data = op;
    if (ev_is_default_loop(op->loop))
        ev_child_start(op->loop, &op->child_w);
    else
        ev_timer_start(op->loop, &op->poll_w);
    ev_timer_init(&op->timeout_w, process_timeout_cb, PROCESS_TIMEOUT_S, 0.);
    op->timeout_w.data = op;
    ev_timer_start(op->loop, &op->timeout_w);
}

struct creds_op *creds_process_run(struct ev_loop *loop, const char *command, const char *label,
                                   creds_note_fn note, void *note_ctx, creds_op_fn done, void *ctx,
                                   char *err, size_t errsz)
{
    const char *why = NULL;
    char **argv = shellwords_split(command, NULL, &why);
    int out[2], errp[2], rc;
    struct process_op *op;

    if (!argv) {
        snprintf(err, errsz, "credential_process (%s): %s", label, why);
        return NULL;
    }
    if (pipe2(out, O_CLOEXEC) != 0) {
        snprintf(err, errsz, "credential_process (%s): %s", label, strerror(errno));
        shellwords_free(argv);
        return NULL;
    }
    if (pipe2(errp, O_CLOEXEC) != 0) {
        snprintf(err, errsz, "credential_process (%s): %s", label, strerror(errno));
        close(out[0]);
        close(out[1]);
        shellwords_free(argv);
        return NULL;
    }
    op = xcalloc(1, sizeof *op);
    rc = process_spawn(argv, out[1], errp[1], &op->pid);
    close(out[1]);
    close(errp[1]);
    if (rc != 0) {
        snprintf(err, errsz, "credential_process (%s): cannot run %.100s: %s", label, argv[0],
                 strerror(rc));
        close(out[0]);
        close(errp[0]);
        shellwords_free(argv);
        free(op);
        return NULL;
    }
    shellwords_free(argv);
    op->base.cancel = process_cancel;
    op->loop = loop;
    op->label = xstrdup(label);
    op->note = note;
    op->note_ctx = note_ctx;
    op->done = done;
    op->ctx = ctx;
    buf_init(&op->out);
    buf_init(&op->err);
    /* All the room stdout may take, at once: growing would leave copies of the secrets behind. */
    buf_reserve(&op->out, PROCESS_MAX_STDOUT);
    process_watch(op, out[0], errp[0]);
    return &op->base;
}

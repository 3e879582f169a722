/*
 * credential_process: the profile's command, split shell-style and started directly (never
 * through a shell) with stdin from /dev/null and stdout/stderr on pipes that the loop reads, so
 * a slow helper (an SSO login, a hardware token) never blocks the screen. Its exit is seen
 * with ev_child on the default loop (which reaps every child itself) or by polling waitpid
 * on any other loop. stdout carries secrets: no message ever quotes it.
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
#include <jansson.h>

#include "awstime.h"
#include "buf.h"
#include "creds-op.h"
#include "shellwords.h"
#include "xalloc.h"

#define PROCESS_TIMEOUT_S  60.0
#define PROCESS_POLL_S     0.02
#define PROCESS_MAX_STDOUT ((size_t)64 << 10)
#define PROCESS_MAX_STDERR ((size_t)4 << 10)

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
    creds_op_fn done;
    void *ctx;
};

static void process_close_pipe(struct process_op *op, ev_io *w, bool *open)
{
    if (!*open)
        return;
    ev_io_stop(op->loop, w);
    close(w->fd);
    *open = false;
}

/* Stops every watcher, kills the child if it still runs, reaps it, and frees everything. */
static void process_free(struct process_op *op)
{
    process_close_pipe(op, &op->out_w, &op->out_open);
    process_close_pipe(op, &op->err_w, &op->err_open);
    ev_child_stop(op->loop, &op->child_w);
    ev_timer_stop(op->loop, &op->poll_w);
    ev_timer_stop(op->loop, &op->timeout_w);
    if (!op->reaped && op->pid > 0) {
        kill(op->pid, SIGKILL);
        /* Quick after SIGKILL; ECHILD when the loop's own reaper got there first. */
        while (waitpid(op->pid, NULL, 0) < 0 && errno == EINTR)
            ;
    }
    if (op->out.data != NULL)
        explicit_bzero(op->out.data, op->out.len);
    buf_free(&op->out);
    buf_free(&op->err);
    free(op->label);
    free(op);
}

static void process_cancel(struct creds_op *base)
{
    process_free((struct process_op *)(void *)base);
}

static const char *process_json_str(json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);

    return json_is_string(v) ? json_string_value(v) : NULL;
}

bool creds_process_parse(const char *json, size_t len, struct aws_creds *out, char *err,
                         size_t errsz)
{
    json_t *root = json_loadb(json, len, 0, NULL);
    json_t *version;
    const char *akid, *secret, *token, *exp;
    bool ok = false;

    memset(out, 0, sizeof(*out));
    if (!json_is_object(root)) {
        snprintf(err, errsz, "its output is not a JSON object");
        json_decref(root);
        return false;
    }
    version = json_object_get(root, "Version");
    akid = process_json_str(root, "AccessKeyId");
    secret = process_json_str(root, "SecretAccessKey");
    token = process_json_str(root, "SessionToken");
    exp = process_json_str(root, "Expiration");
    if (!json_is_integer(version) || json_integer_value(version) != 1)
        snprintf(err, errsz, "its output lacks \"Version\": 1");
    else if (akid == NULL || akid[0] == '\0' || secret == NULL || secret[0] == '\0')
        snprintf(err, errsz, "its output lacks AccessKeyId or SecretAccessKey");
    else if (!creds_copy(out->access_key, sizeof(out->access_key), akid) ||
             !creds_copy(out->secret_key, sizeof(out->secret_key), secret) ||
             !creds_copy(out->session_token, sizeof(out->session_token),
                         token != NULL ? token : ""))
        snprintf(err, errsz, "a credential in its output is longer than supported");
    else if (exp != NULL && !awstime_parse(exp, &out->expires_ms))
        snprintf(err, errsz, "its Expiration is not an ISO-8601 time");
    else
        ok = true;
    json_decref(root);
    if (!ok)
        creds_wipe(out);
    return ok;
}

/* The first non-empty line of the helper's stderr, for the error message. */
static void process_stderr_line(const struct process_op *op, char *out, size_t outsz)
{
    const char *p = op->err.data != NULL ? op->err.data : "";
    size_t n;

    while (*p == '\n' || *p == '\r' || *p == ' ' || *p == '\t')
        p++;
    n = strcspn(p, "\r\n");
    if (n >= outsz)
        n = outsz - 1;
    memcpy(out, p, n);
    out[n] = '\0';
    for (char *c = out; *c != '\0'; c++)
        if ((unsigned char)*c < 0x20)
            *c = ' ';
}

static void process_finish(struct process_op *op)
{
    char msg[512], line[256], why[200];
    struct aws_creds c;

    if (op->out_open || op->err_open || !op->reaped)
        return;
    ev_timer_stop(op->loop, &op->timeout_w);
    process_stderr_line(op, line, sizeof(line));
    if (WIFEXITED(op->status) && WEXITSTATUS(op->status) == 0) {
        if (creds_process_parse(op->out.data != NULL ? op->out.data : "", op->out.len, &c, why,
                                sizeof(why))) {
            snprintf(c.source, sizeof(c.source), "credential_process (%s)", op->label);
            op->done(op->ctx, &c, NULL);
            creds_wipe(&c);
            process_free(op);
            return;
        }
        snprintf(msg, sizeof(msg), "credential_process (%s): %s", op->label, why);
    } else if (WIFEXITED(op->status)) {
        snprintf(msg, sizeof(msg), "credential_process (%s) exited with status %d%s%s", op->label,
                 WEXITSTATUS(op->status), line[0] != '\0' ? ": " : "", line);
    } else {
        snprintf(msg, sizeof(msg), "credential_process (%s) was killed by signal %d%s%s", op->label,
                 WIFSIGNALED(op->status) ? WTERMSIG(op->status) : 0, line[0] != '\0' ? ": " : "",
                 line);
    }
    op->done(op->ctx, NULL, msg);
    process_free(op);
}

static void process_read(struct process_op *op, ev_io *w, bool *open, struct buf *b, size_t cap)
{
    char chunk[4096];

    for (;;) {
        ssize_t n = read(w->fd, chunk, sizeof(chunk));

        if (n > 0) {
            /* Beyond the cap the output is drained and dropped, so the helper never blocks. */
            if (b->len < cap)
                buf_append(b, chunk, (size_t)n < cap - b->len ? (size_t)n : cap - b->len);
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return;
        process_close_pipe(op, w, open);
        process_finish(op);
        return;
    }
}

static void process_out_cb(struct ev_loop *loop, ev_io *w, int revents)
{
    struct process_op *op = w->data;

    (void)loop;
    (void)revents;
    process_read(op, w, &op->out_open, &op->out, PROCESS_MAX_STDOUT);
}

static void process_err_cb(struct ev_loop *loop, ev_io *w, int revents)
{
    struct process_op *op = w->data;

    (void)loop;
    (void)revents;
    process_read(op, w, &op->err_open, &op->err, PROCESS_MAX_STDERR);
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
    snprintf(msg, sizeof(msg), "credential_process (%s) did not finish within %.0f s", op->label,
             PROCESS_TIMEOUT_S);
    op->done(op->ctx, NULL, msg);
    process_free(op);
}

/* Starts argv with stdin from /dev/null and stdout/stderr into the two pipes. */
static int process_spawn(char **argv, int out_w, int err_w, pid_t *pid)
{
    posix_spawn_file_actions_t fa;
    int rc;

    if (posix_spawn_file_actions_init(&fa) != 0)
        return ENOMEM;
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&fa, out_w, 1);
    posix_spawn_file_actions_adddup2(&fa, err_w, 2);
    rc = posix_spawnp(pid, argv[0], &fa, NULL, argv, environ);
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
                                   creds_op_fn done, void *ctx, char *err, size_t errsz)
{
    const char *why = NULL;
    char **argv = shellwords_split(command, NULL, &why);
    int out[2], errp[2], rc;
    struct process_op *op;

    if (argv == NULL) {
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
    op = xcalloc(1, sizeof(*op));
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
    op->done = done;
    op->ctx = ctx;
    buf_init(&op->out);
    buf_init(&op->err);
    process_watch(op, out[0], errp[0]);
    return &op->base;
}

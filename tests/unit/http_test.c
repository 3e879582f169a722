/*
 * The memory budget for response bodies in http.c: all calls together hold at most the budget,
 * a call that would pass it fails like a network error (status 0, so every caller retries it),
 * the calls within it are untouched, and the memory comes back when a call ends, so a retry
 * then succeeds. Against a small HTTP server inside this process on 127.0.0.1 that can hold a
 * reply half sent.
 */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>
#include <ev.h>

#include "aws-error.h"
#include "buf.h"
#include "http.h"
#include "xalloc.h"

#define BUDGET    10240
#define MAX_CONNS 8

/* --- the server ------------------------------------------------------------------------------ */

/*
 * GET /N replies with a body of N bytes at once. GET /hold/N/M sends the headers for N bytes and
 * only the first M, then holds the connection until server_release.
 */
struct conn {
    ev_io io;
    struct server *s;
    struct buf in;
    size_t total, sent;
    bool held;
};

struct server {
    struct ev_loop *loop;
    int fd;
    int port;
    ev_io accept_w;
    struct conn *conns[MAX_CONNS];
    size_t nconns;
};

/* Byte i of every body, so a reply can be checked whole. */
static char body_byte(size_t i)
{
    return (char)('a' + i % 26);
}

static void write_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);

        assert_true(w > 0);
        p += w;
        n -= (size_t)w;
    }
}

static void send_body(struct conn *c, size_t upto)
{
    char chunk[1024];

    while (c->sent < upto) {
        size_t n = upto - c->sent < sizeof chunk ? upto - c->sent : sizeof chunk;

        for (size_t i = 0; i < n; i++)
            chunk[i] = body_byte(c->sent + i);
        write_all(c->io.fd, chunk, n);
        c->sent += n;
    }
}

static void conn_close(struct conn *c)
{
    ev_io_stop(c->s->loop, &c->io);
    close(c->io.fd);
    buf_free(&c->in);
    c->io.fd = -1;
}

static void conn_cb(struct ev_loop *loop, ev_io *w, int revents)
{
    struct conn *c = w->data;
    char chunk[4096], head[160];
    ssize_t n = read(w->fd, chunk, sizeof chunk);
    size_t total = 0, first = 0;

    (void)loop;
    (void)revents;
    if (n <= 0) {
        conn_close(c);
        return;
    }
    buf_append(&c->in, chunk, (size_t)n);
    if (strstr(c->in.data, "\r\n\r\n") == NULL)
        return;
    ev_io_stop(c->s->loop, &c->io);
    if (sscanf(c->in.data, "GET /hold/%zu/%zu ", &total, &first) == 2) {
        c->held = true;
    } else {
        assert_int_equal(sscanf(c->in.data, "GET /%zu ", &total), 1);
        first = total;
    }
    c->total = total;
    snprintf(head, sizeof head,
             "HTTP/1.1 200 OK\r\nContent-Length: %zu\r\nConnection: close\r\n\r\n", total);
    write_all(w->fd, head, strlen(head));
    send_body(c, first);
    if (!c->held)
        conn_close(c);
}

static void accept_cb(struct ev_loop *loop, ev_io *w, int revents)
{
    struct server *s = w->data;
    int fd = accept(s->fd, NULL, NULL);
    struct conn *c;

    (void)revents;
    assert_true(fd >= 0);
    assert_true(s->nconns < MAX_CONNS);
    c = xcalloc(1, sizeof *c);
    c->s = s;
    buf_init(&c->in);
    s->conns[s->nconns++] = c;
    ev_io_init(&c->io, conn_cb, fd, EV_READ);
    c->io.data = c;
    ev_io_start(loop, &c->io);
}

static void server_start(struct server *s, struct ev_loop *loop)
{
    struct sockaddr_in a = {0};
    socklen_t len = sizeof a;

    memset(s, 0, sizeof *s);
    s->loop = loop;
    s->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    assert_true(s->fd >= 0);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(bind(s->fd, (struct sockaddr *)&a, sizeof a), 0);
    assert_int_equal(listen(s->fd, 16), 0);
    assert_int_equal(getsockname(s->fd, (struct sockaddr *)&a, &len), 0);
    s->port = ntohs(a.sin_port);
    ev_io_init(&s->accept_w, accept_cb, s->fd, EV_READ);
    s->accept_w.data = s;
    ev_io_start(loop, &s->accept_w);
}

/* Sends the rest of every held reply and closes its connection. */
static void server_release(struct server *s)
{
    for (size_t i = 0; i < s->nconns; i++) {
        struct conn *c = s->conns[i];

        if (c->held && c->io.fd >= 0) {
            send_body(c, c->total);
            conn_close(c);
        }
    }
}

static void server_stop(struct server *s)
{
    ev_io_stop(s->loop, &s->accept_w);
    close(s->fd);
    for (size_t i = 0; i < s->nconns; i++) {
        if (s->conns[i]->io.fd >= 0)
            conn_close(s->conns[i]);
        free(s->conns[i]);
    }
}

/* --- calls ----------------------------------------------------------------------------------- */

struct result {
    bool done;
    long status;
    size_t body_len;
    bool body_ok; /* the bytes are the server's */
    char error[512];
};

static void on_done(void *ctx, const struct http_response *r)
{
    struct result *res = ctx;

    res->done = true;
    res->status = r->status;
    res->body_len = r->body_len;
    res->body_ok = true;
    for (size_t i = 0; i < r->body_len; i++)
        if (r->body[i] != body_byte(i))
            res->body_ok = false;
    snprintf(res->error, sizeof res->error, "%s", r->error);
}

static void get(struct http *h, const struct server *s, const char *path, struct result *res)
{
    char url[128];
    struct http_request req = {.method = "GET", .url = url, .timeout_ms = 10000};

    memset(res, 0, sizeof *res);
    snprintf(url, sizeof url, "http://127.0.0.1:%d%s", s->port, path);
    http_send(h, &req, on_done, res);
}

static void timeout_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
    (void)revents;
    *(bool *)w->data = true;
    ev_break(loop, EVBREAK_ONE);
}

/* Runs the loop until *done, or fails the test after 10 s. */
static void run_until_done(struct ev_loop *loop, const bool *done)
{
    bool expired = false;
    ev_timer t;

    ev_timer_init(&t, timeout_cb, 10., 0.);
    t.data = &expired;
    ev_timer_start(loop, &t);
    while (!*done && !expired)
        ev_run(loop, EVRUN_ONCE);
    ev_timer_stop(loop, &t);
    assert_false(expired);
}

/* Runs the loop until http holds exactly `bytes` of response bodies, or fails after 10 s. */
static void run_until_held(struct ev_loop *loop, struct http *h, size_t bytes)
{
    bool expired = false;
    ev_timer t;

    ev_timer_init(&t, timeout_cb, 10., 0.);
    t.data = &expired;
    ev_timer_start(loop, &t);
    while (http_body_bytes(h) != bytes && !expired)
        ev_run(loop, EVRUN_ONCE);
    ev_timer_stop(loop, &t);
    assert_false(expired);
}

/* --- tests ----------------------------------------------------------------------------------- */

static void test_budget_across_calls(void **state)
{
    struct ev_loop *loop = ev_loop_new(EVFLAG_AUTO);
    struct http *h = http_new(loop, NULL);
    struct server s;
    struct result held, over, retry;

    (void)state;
    server_start(&s, loop);
    http_set_body_budget(h, BUDGET);

    /* 4 KiB of a 6 KiB reply arrive and stay: held against the budget */
    get(h, &s, "/hold/6144/4096", &held);
    run_until_held(loop, h, 4096);

    /* 7 KiB more would pass 10 KiB: this call fails, the held one goes on */
    get(h, &s, "/7168", &over);
    run_until_done(loop, &over.done);
    assert_int_equal(over.status, 0);
    assert_non_null(strstr(over.error, "memory budget"));
    assert_non_null(strstr(over.error, "10 KiB"));
    assert_int_equal(aws_error_classify(over.status, ""), AWS_NETWORK); /* retried by callers */
    assert_false(held.done);
    assert_int_equal(http_body_bytes(h), 4096);

    /* the held reply completes whole */
    server_release(&s);
    run_until_done(loop, &held.done);
    assert_int_equal(held.status, 200);
    assert_int_equal(held.body_len, 6144);
    assert_true(held.body_ok);
    assert_int_equal(http_body_bytes(h), 0); /* given back once its callback returned */

    /* the same call again fits now */
    get(h, &s, "/7168", &retry);
    run_until_done(loop, &retry.done);
    assert_int_equal(retry.status, 200);
    assert_int_equal(retry.body_len, 7168);
    assert_true(retry.body_ok);
    assert_int_equal(http_body_bytes(h), 0);

    http_free(h);
    server_stop(&s);
    ev_loop_destroy(loop);
}

static void test_budget_one_call_and_cancel(void **state)
{
    struct ev_loop *loop = ev_loop_new(EVFLAG_AUTO);
    struct http *h = http_new(loop, NULL);
    struct server s;
    struct result alone, held, after;
    struct http_call *c;
    char url[128];

    (void)state;
    server_start(&s, loop);
    http_set_body_budget(h, BUDGET);

    /* a body larger than the whole budget fails even alone */
    get(h, &s, "/12288", &alone);
    run_until_done(loop, &alone.done);
    assert_int_equal(alone.status, 0);
    assert_non_null(strstr(alone.error, "memory budget"));
    assert_int_equal(http_body_bytes(h), 0);

    /* a cancelled call gives its bytes back too */
    snprintf(url, sizeof url, "http://127.0.0.1:%d/hold/9000/8192", s.port);
    {
        struct http_request req = {.method = "GET", .url = url, .timeout_ms = 10000};

        memset(&held, 0, sizeof held);
        c = http_send(h, &req, on_done, &held);
    }
    run_until_held(loop, h, 8192);
    http_cancel(h, c);
    assert_int_equal(http_body_bytes(h), 0);
    get(h, &s, "/9000", &after);
    run_until_done(loop, &after.done);
    assert_int_equal(after.status, 200);
    assert_true(after.body_ok);
    assert_false(held.done);

    http_free(h);
    server_stop(&s);
    ev_loop_destroy(loop);
}

static void test_default_budget_is_large(void **state)
{
    struct ev_loop *loop = ev_loop_new(EVFLAG_AUTO);
    struct http *h = http_new(loop, NULL);
    struct server s;
    struct result big;

    (void)state;
    server_start(&s, loop);
    /* well past the small budgets above, far within the default */
    get(h, &s, "/60000", &big);
    run_until_done(loop, &big.done);
    assert_int_equal(big.status, 200);
    assert_int_equal(big.body_len, 60000);
    assert_true(big.body_ok);

    http_free(h);
    server_stop(&s);
    ev_loop_destroy(loop);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_budget_across_calls),
        cmocka_unit_test(test_budget_one_call_and_cancel),
        cmocka_unit_test(test_default_budget_is_large),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}

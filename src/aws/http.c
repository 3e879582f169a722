/*
 * libcurl's multi-socket interface on libev. curl tells us which sockets to watch (socket
 * callback, one ev_io per socket attached with curl_multi_assign) and when to wake it (timer
 * callback, one ev_timer); our watchers hand the events back with curl_multi_socket_action.
 *
 * Finished transfers are first collected from curl_multi_info_read into a queue and only then
 * called back, outside any curl callback, so a callback may freely start or cancel calls (or
 * free the whole http) without corrupting what is being iterated.
 */
#include "config.h"

#include "http.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <ev.h>
#include <openssl/crypto.h>

#include "buf.h"
#include "xalloc.h"

#define HTTP_DEFAULT_TIMEOUT_MS 30000L
#define HTTP_DEFAULT_CONNECT_MS 10000L
#define HTTP_MAX_BODY           ((size_t)64 << 20) /* 64 MiB: a GetRecords reply is at most 10 MiB */
#define HTTP_MAX_HEADER_BYTES   ((size_t)256 << 10)
#define HTTP_MAX_CONNECTS       64L

/* Response bodies held at once by all calls together: one GetRecords reply per shard in flight
 * could otherwise hold 64 MiB each. */
#define HTTP_BODY_BUDGET ((size_t)256 << 20)

enum http_state {
    HTTP_RUNNING,  /* added to the multi handle */
    HTTP_FINISHED, /* in the done queue, not yet called back */
    HTTP_CALLING,  /* its callback is running */
};

struct http_call {
    struct http *h;
    CURL *easy;
    struct curl_slist *headers;
    char *body;
    size_t body_len;
    struct buf resp;      /* response body */
    struct buf resp_hdrs; /* "name\0value\0" pairs of the last response */
    bool too_big;         /* the body exceeded HTTP_MAX_BODY */
    bool over_budget;     /* the bodies in flight would have exceeded h->body_budget */
    char errbuf[CURL_ERROR_SIZE];
    char error[CURL_ERROR_SIZE + 64];
    CURLcode result;
    long status;
    int64_t started_ms;
    int64_t elapsed_ms;
    enum http_state state;
    bool secret; /* wipe the body and the reply when done */
    http_done_fn done;
    void *ctx;
    struct http_call *prev, *next; /* in h->running or h->finished */
};

/* Per socket: the watcher curl asked for, found again through curl_multi_assign. */
struct http_sock {
    ev_io io;
    curl_socket_t fd;
    struct http *h;
    struct http_sock *prev, *next; /* in h->socks, so none outlives the http */
};

struct http {
    struct ev_loop *loop;
    CURLM *multi;
    ev_timer timer; /* curl's timeout */
    ev_timer later; /* calls back calls that failed before reaching curl */
    char *user_agent;
    struct http_call *running;
    struct http_sock *socks;
    struct http_call *finished_head, *finished_tail;
    unsigned in_flight;
    int dispatching;   /* > 0 while callbacks run */
    bool free_pending; /* http_free was called from a callback */
    /* proxies from the environment, NULL when unset */
    char *http_proxy, *https_proxy, *no_proxy;
    char *ca_bundle;   /* CURLOPT_CAINFO, or NULL for the system's CAs */
    char *ca_error;    /* set: the configured bundle cannot be used, https calls fail with this */
    struct buf warned; /* "\nhost\n" for every host already warned about */
    http_warn_fn warn;
    void *warn_ctx;

    /* response body bytes held by all calls, and at most how many */
    size_t body_bytes;
    size_t body_budget;
};

static int64_t http_now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* --- lists ---------------------------------------------------------------------------------- */

static void http_running_add(struct http *h, struct http_call *c)
{
    c->prev = NULL;
    c->next = h->running;
    if (h->running)
        h->running->prev = c;
    h->running = c;
}

static void http_running_remove(struct http *h, struct http_call *c)
{
    if (c->prev)
        c->prev->next = c->next;
    else
        h->running = c->next;
    if (c->next)
        c->next->prev = c->prev;
    c->prev = c->next = NULL;
}

static void http_finished_push(struct http *h, struct http_call *c)
{
    c->state = HTTP_FINISHED;
    c->next = NULL;
    c->prev = h->finished_tail;
    if (h->finished_tail)
        h->finished_tail->next = c;
    else
        h->finished_head = c;
    h->finished_tail = c;
}

static void http_finished_remove(struct http *h, struct http_call *c)
{
    if (c->prev)
        c->prev->next = c->next;
    else
        h->finished_head = c->next;
    if (c->next)
        c->next->prev = c->prev;
    else
        h->finished_tail = c->prev;
    c->prev = c->next = NULL;
}

static void http_wipe_buf(struct buf *b)
{
    if (b->data)
        OPENSSL_cleanse(b->data, b->len);
}

/* Header lists carry Authorization and X-Amz-Security-Token: always wiped. */
static void http_call_free(struct http_call *c)
{
    c->h->body_bytes -= c->resp.len;
    if (c->easy)
        curl_easy_cleanup(c->easy);
    for (struct curl_slist *l = c->headers; l; l = l->next)
        OPENSSL_cleanse(l->data, strlen(l->data));
    curl_slist_free_all(c->headers);
    if (c->secret) {
        OPENSSL_cleanse(c->body, c->body_len);
        http_wipe_buf(&c->resp);
        http_wipe_buf(&c->resp_hdrs);
    }
    free(c->body);
    buf_free(&c->resp);
    buf_free(&c->resp_hdrs);
    free(c);
}

/* --- completion ----------------------------------------------------------------------------- */

static void http_call_set_error(struct http_call *c)
{
    long os_errno = 0;

    if (c->too_big) {
        snprintf(c->error, sizeof c->error, "response body larger than %zu MiB",
                 HTTP_MAX_BODY >> 20);
        return;
    }
    if (c->over_budget) {
        size_t budget = c->h->body_budget;
        bool mib = budget >= ((size_t)1 << 20) && budget % ((size_t)1 << 20) == 0;

        snprintf(c->error, sizeof c->error,
                 "response dropped: the responses being received together would hold more than "
                 "%zu %s (the memory budget for responses)",
                 mib ? budget >> 20 : budget >> 10, mib ? "MiB" : "KiB");
        return;
    }
    if (!c->errbuf[0])
        snprintf(c->errbuf, sizeof c->errbuf, "%s", curl_easy_strerror(c->result));
    curl_easy_getinfo(c->easy, CURLINFO_OS_ERRNO, &os_errno);
    if (c->result == CURLE_COULDNT_CONNECT && os_errno != 0) {
        /* "connection refused (Failed to connect to ...)": the cause first, then curl's detail. */
        char *generic = strstr(c->errbuf, ": Couldn't connect to server");

        if (generic)
            *generic = '\0';
        snprintf(c->error, sizeof c->error, "%s (%s)", strerror((int)os_errno), c->errbuf);
        if (c->error[0] >= 'A' && c->error[0] <= 'Z')
            c->error[0] = (char)(c->error[0] - 'A' + 'a');
        return;
    }
    snprintf(c->error, sizeof c->error, "%s", c->errbuf);
}

/* Moves a transfer curl reported done from the running list to the done queue. */
static void http_call_finish(struct http *h, struct http_call *c, CURLcode result)
{
    c->result = result;
    c->elapsed_ms = http_now_ms() - c->started_ms;
    if (result == CURLE_OK && !c->too_big && !c->over_budget) {
        curl_easy_getinfo(c->easy, CURLINFO_RESPONSE_CODE, &c->status);
    } else {
        c->status = 0;
        http_call_set_error(c);
    }
    curl_multi_remove_handle(h->multi, c->easy);
    http_running_remove(h, c);
    http_finished_push(h, c);
}

/* Drains curl's messages; every CURLMSG_DONE transfer goes to the done queue. */
static void http_collect(struct http *h)
{
    CURLMsg *msg;
    int left;

    while ((msg = curl_multi_info_read(h->multi, &left))) {
        char *priv = NULL;

        if (msg->msg != CURLMSG_DONE)
            continue;
        curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, &priv);
        if (priv)
            http_call_finish(h, (struct http_call *)(void *)priv, msg->data.result);
    }
}

static void http_destroy(struct http *h);

/* Calls back every queued call, one at a time, each removed from the queue first. */
static void http_dispatch(struct http *h)
{
    struct http_call *c;

    h->dispatching++;
    while (!h->free_pending && (c = h->finished_head)) {
        struct http_response r;

        http_finished_remove(h, c);
        c->state = HTTP_CALLING;
        r.status = c->status;
        r.body = c->resp.data ? c->resp.data : "";
        r.body_len = c->resp.len;
        r.error = c->status != 0 ? "" : c->error;
        r.elapsed_ms = c->elapsed_ms;
        r.priv = c;
        h->in_flight--;
        c->done(c->ctx, &r);
        http_call_free(c);
    }
    h->dispatching--;
    if (h->dispatching == 0 && h->free_pending)
        http_destroy(h);
}

/* --- curl callbacks ------------------------------------------------------------------------- */

static void http_sock_cb(struct ev_loop *loop, ev_io *w, int revents)
{
    struct http_sock *s = w->data;
    struct http *h = s->h;
    int action = 0, running = 0;

    (void)loop;
    if (revents & EV_READ)
        action |= CURL_CSELECT_IN;
    if (revents & EV_WRITE)
        action |= CURL_CSELECT_OUT;
    /* curl may close this socket inside the call and free s: do not touch it afterwards. */
    curl_multi_socket_action(h->multi, s->fd, action, &running);
    http_collect(h);
    if (running <= 0)
        ev_timer_stop(h->loop, &h->timer);
    http_dispatch(h);
}

static void http_timer_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
    struct http *h = w->data;
    int running = 0;

    (void)loop;
    (void)revents;
    curl_multi_socket_action(h->multi, CURL_SOCKET_TIMEOUT, 0, &running);
    http_collect(h);
    http_dispatch(h);
}

/* CURLMOPT_TIMERFUNCTION: only (re)arms our timer; curl must not be called from here. */
static int http_multi_timer(CURLM *multi, long timeout_ms, void *userp)
{
    struct http *h = userp;

    (void)multi;
    ev_timer_stop(h->loop, &h->timer);
    if (timeout_ms >= 0) {
        ev_timer_set(&h->timer, (double)timeout_ms / 1000.0, 0.);
        ev_timer_start(h->loop, &h->timer);
    }
    return 0;
}

static struct http_sock *http_sock_new(struct http *h, curl_socket_t fd)
{
    struct http_sock *s = xcalloc(1, sizeof *s);

    s->fd = fd;
    s->h = h;
    ev_init(&s->io, http_sock_cb);
    s->io.data = s;
    s->next = h->socks;
    if (h->socks)
        h->socks->prev = s;
    h->socks = s;
    return s;
}

static void http_sock_free(struct http *h, struct http_sock *s)
{
    ev_io_stop(h->loop, &s->io);
    if (s->prev)
        s->prev->next = s->next;
    else
        h->socks = s->next;
    if (s->next)
        s->next->prev = s->prev;
    free(s);
}

/* CURLMOPT_SOCKETFUNCTION: keeps one ev_io per socket in step with what curl waits for. */
static int http_multi_socket(CURL *easy, curl_socket_t fd, int what, void *userp, void *sockp)
{
    struct http *h = userp;
    struct http_sock *s = sockp;
    int events = 0;

    (void)easy;
    if (what == CURL_POLL_REMOVE) {
        if (s) {
            curl_multi_assign(h->multi, fd, NULL);
            http_sock_free(h, s);
        }
        return 0;
    }
    if (!s) {
        s = http_sock_new(h, fd);
        curl_multi_assign(h->multi, fd, s);
    }
    if (what & CURL_POLL_IN)
        events |= EV_READ;
    if (what & CURL_POLL_OUT)
        events |= EV_WRITE;
    /* libev forbids changing an active watcher. */
    ev_io_stop(h->loop, &s->io);
    ev_io_set(&s->io, fd, events);
    ev_io_start(h->loop, &s->io);
    return 0;
}

static size_t http_write_cb(char *data, size_t size, size_t n, void *userp)
{
    struct http_call *c = userp;
    size_t len = size * n;

    if (len > HTTP_MAX_BODY - c->resp.len) {
        c->too_big = true;
        return 0; /* aborts the transfer with CURLE_WRITE_ERROR */
    }
    if (c->h->body_bytes > c->h->body_budget || len > c->h->body_budget - c->h->body_bytes) {
        c->over_budget = true;
        return 0;
    }
    buf_append(&c->resp, data, len);
    c->h->body_bytes += len;
    return len;
}

static bool http_is_space(char ch)
{
    return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n';
}

/* Keeps the header lines of the last response (a 100 Continue or a redirect starts anew). */
static size_t http_header_cb(char *data, size_t size, size_t n, void *userp)
{
    struct http_call *c = userp;
    size_t len = size * n, nl, vs, ve;
    const char *colon;

    if (len >= 5 && strncmp(data, "HTTP/", 5) == 0) {
        buf_reset(&c->resp_hdrs);
        return len;
    }
    colon = memchr(data, ':', len);
    if (!colon || c->resp_hdrs.len + len > HTTP_MAX_HEADER_BYTES)
        return len;
    nl = (size_t)(colon - data);
    while (nl > 0 && http_is_space(data[nl - 1]))
        nl--;
    vs = (size_t)(colon - data) + 1;
    ve = len;
    while (vs < ve && http_is_space(data[vs]))
        vs++;
    while (ve > vs && http_is_space(data[ve - 1]))
        ve--;
    buf_append(&c->resp_hdrs, data, nl);
    buf_putc(&c->resp_hdrs, '\0');
    buf_append(&c->resp_hdrs, data + vs, ve - vs);
    buf_putc(&c->resp_hdrs, '\0');
    return len;
}

/* CURLOPT_OPENSOCKETFUNCTION: every connection close-on-exec, so no credential_process helper
 * (or anything else cdctop starts) inherits one. */
static curl_socket_t http_open_socket(void *clientp, curlsocktype purpose, struct curl_sockaddr *a)
{
    (void)clientp;
    (void)purpose;
    return socket(a->family, a->socktype | SOCK_CLOEXEC, a->protocol);
}

/* --- setting up a call ---------------------------------------------------------------------- */

static bool http_header_ok(const struct http_header *hd)
{
    if (!hd->name || !hd->name[0] || !hd->value)
        return false;
    if (strpbrk(hd->name, "\r\n: \t") || strpbrk(hd->value, "\r\n"))
        return false;
    return true;
}

/* Builds the header list; false when a header is malformed (never sent). */
static bool http_build_headers(struct http_call *c, const struct http_request *req)
{
    bool has_content_type = false;

    for (size_t i = 0; i < req->nheaders; i++) {
        const struct http_header *hd = &req->headers[i];
        struct buf line;

        if (!http_header_ok(hd))
            return false;
        if (strcasecmp(hd->name, "Content-Type") == 0)
            has_content_type = true;
        buf_init(&line);
        /* Sized once and wiped: the line may be Authorization or X-Amz-Security-Token. */
        buf_reserve(&line, strlen(hd->name) + strlen(hd->value) + 3);
        /* "Name;" is curl's way to send a header with an empty value. */
        if (!hd->value[0])
            buf_printf(&line, "%s;", hd->name);
        else
            buf_printf(&line, "%s: %s", hd->name, hd->value);
        c->headers = curl_slist_append(c->headers, line.data);
        http_wipe_buf(&line);
        buf_free(&line);
    }
    /* Servers that never answer 100-continue would stall large bodies for a second. */
    c->headers = curl_slist_append(c->headers, "Expect:");
    /* Without this, curl labels every body as a form. */
    if (!has_content_type)
        c->headers = curl_slist_append(c->headers, "Content-Type:");
    return true;
}

static void http_set_method(struct http_call *c, const char *method)
{
    if (!method || strcmp(method, "GET") == 0) {
        curl_easy_setopt(c->easy, CURLOPT_HTTPGET, 1L);
        return;
    }
    if (strcmp(method, "HEAD") == 0) {
        curl_easy_setopt(c->easy, CURLOPT_NOBODY, 1L);
        return;
    }
    /* POST and PUT (the IMDS token) both send the copied body; PUT renames the method. */
    curl_easy_setopt(c->easy, CURLOPT_POST, 1L);
    curl_easy_setopt(c->easy, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)c->body_len);
    curl_easy_setopt(c->easy, CURLOPT_POSTFIELDS, c->body);
    if (strcmp(method, "POST") != 0)
        curl_easy_setopt(c->easy, CURLOPT_CUSTOMREQUEST, method);
}

/*
 * The AWS CLI's proxy rules
 * (https://docs.aws.amazon.com/cli/latest/userguide/cli-configure-proxy.html): HTTPS_PROXY for
 * https URLs, HTTP_PROXY for http URLs, NO_PROXY lists hosts reached directly. Set explicitly on
 * every call, so libcurl's own reading of the environment (which ignores HTTP_PROXY in upper case)
 * never decides. Calls marked direct never use a proxy.
 */
static void http_set_proxy(const struct http *h, CURL *e, const struct http_request *req,
                           bool https)
{
    const char *proxy = req->direct ? NULL : https ? h->https_proxy : h->http_proxy;

    curl_easy_setopt(e, CURLOPT_PROXY, proxy ? proxy : "");
    curl_easy_setopt(e, CURLOPT_NOPROXY, h->no_proxy ? h->no_proxy : "");
}

static void http_set_options(struct http *h, struct http_call *c, const struct http_request *req,
                             bool https)
{
    CURL *e = c->easy;
    long timeout = req->timeout_ms > 0 ? req->timeout_ms : HTTP_DEFAULT_TIMEOUT_MS;
    long connect = req->connect_timeout_ms > 0 ? req->connect_timeout_ms : HTTP_DEFAULT_CONNECT_MS;

    curl_easy_setopt(e, CURLOPT_URL, req->url);
    curl_easy_setopt(e, CURLOPT_PRIVATE, (char *)(void *)c);
    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, c->errbuf);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, timeout);
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, connect < timeout ? connect : timeout);
    curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, "");
    curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L);
    curl_easy_setopt(e, CURLOPT_USERAGENT, h->user_agent);
#if LIBCURL_VERSION_NUM >= 0x075500
    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(e, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
#else
    curl_easy_setopt(e, CURLOPT_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
    curl_easy_setopt(e, CURLOPT_REDIR_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
    curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 2L);
    if (h->ca_bundle)
        curl_easy_setopt(e, CURLOPT_CAINFO, h->ca_bundle);
    curl_easy_setopt(e, CURLOPT_OPENSOCKETFUNCTION, http_open_socket);
    http_set_proxy(h, e, req, https);
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, c->headers);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, http_write_cb);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, c);
    curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, http_header_cb);
    curl_easy_setopt(e, CURLOPT_HEADERDATA, c);
    http_set_method(c, req->method);
}

/* --- where a call goes ----------------------------------------------------------------------- */

struct http_target {
    bool ok;
    bool https;
    char authority[300]; /* host[:port], IPv6 in brackets */
    char host[270];
};

static void http_target_parse(const char *url, struct http_target *t)
{
    CURLU *u = curl_url();
    char *scheme = NULL, *host = NULL, *port = NULL;

    memset(t, 0, sizeof *t);
    if (!u || !url || curl_url_set(u, CURLUPART_URL, url, CURLU_NON_SUPPORT_SCHEME) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK) {
        curl_url_cleanup(u);
        return;
    }
    curl_url_get(u, CURLUPART_PORT, &port, 0);
    t->ok = true;
    t->https = strcasecmp(scheme, "https") == 0;
    snprintf(t->host, sizeof t->host, "%s", host);
    snprintf(t->authority, sizeof t->authority, "%s%s%s", host, port ? ":" : "", port ? port : "");
    curl_free(scheme);
    curl_free(host);
    curl_free(port);
    curl_url_cleanup(u);
}

/* Loopback, and the link-local agents (instance metadata, ECS and EKS Pod Identity), which
 * are plain http by design and never leave the machine's link. */
static bool http_host_local(const char *host)
{
    static const char *const agents6[] = {"fd00:ec2::254", "fd00:ec2::23"};
    char addr[64];
    size_t n = strlen(host);
    struct in_addr a4;
    struct in6_addr a6, agent;

    if (strcasecmp(host, "localhost") == 0 ||
        (n > 10 && strcasecmp(host + n - 10, ".localhost") == 0))
        return true;
    if (inet_pton(AF_INET, host, &a4) == 1)
        return (ntohl(a4.s_addr) >> 24) == 127 || (ntohl(a4.s_addr) >> 16) == 0xa9fe;
    if (n < 3 || host[0] != '[' || host[n - 1] != ']' || n - 2 >= sizeof addr)
        return false;
    memcpy(addr, host + 1, n - 2);
    addr[n - 2] = '\0';
    if (inet_pton(AF_INET6, addr, &a6) != 1)
        return false;
    if (IN6_IS_ADDR_LOOPBACK(&a6) || IN6_IS_ADDR_LINKLOCAL(&a6))
        return true;
    for (size_t i = 0; i < sizeof agents6 / sizeof agents6[0]; i++)
        if (inet_pton(AF_INET6, agents6[i], &agent) == 1 && memcmp(&a6, &agent, sizeof a6) == 0)
            return true;
    return false;
}

static bool http_carries_credential(const struct http_request *req)
{
    static const char *const names[] = {"Authorization", "X-Amz-Security-Token",
                                        "x-aws-ec2-metadata-token"};

    if (req->secret)
        return true;
    for (size_t i = 0; i < req->nheaders; i++)
        for (size_t k = 0; k < sizeof names / sizeof names[0]; k++)
            if (req->headers[i].name && strcasecmp(req->headers[i].name, names[k]) == 0)
                return true;
    return false;
}

/* A credential about to cross the network in clear: said once per host, never refused (an
 * emulator on another machine is a legitimate, if unwise, setup). */
static void http_check_cleartext(struct http *h, const struct http_request *req,
                                 const struct http_target *t)
{
    struct buf key;
    char text[400];
    bool seen;

    if (!h->warn || !t->ok || t->https || http_host_local(t->host) || !http_carries_credential(req))
        return;
    buf_init(&key);
    buf_printf(&key, "\n%s\n", t->authority);
    seen = h->warned.data && strstr(h->warned.data, key.data);
    if (!seen) {
        buf_append(&h->warned, key.data + (h->warned.len > 0 ? 1 : 0),
                   key.len - (h->warned.len > 0 ? 1 : 0));
        snprintf(text, sizeof text, "credentials sent unencrypted to %s (http://)", t->authority);
        h->warn(h->warn_ctx, t->authority, text);
    }
    buf_free(&key);
}

/* A call that cannot start is still called back from the loop, never from http_send. */
static void http_fail_later(struct http *h, struct http_call *c, const char *why)
{
    c->status = 0;
    snprintf(c->error, sizeof c->error, "%s", why);
    c->elapsed_ms = 0;
    http_finished_push(h, c);
    if (!ev_is_active(&h->later)) {
        ev_timer_set(&h->later, 0., 0.);
        ev_timer_start(h->loop, &h->later);
    }
}

static void http_later_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
    (void)loop;
    (void)revents;
    http_dispatch(w->data);
}

struct http_call *http_send(struct http *h, const struct http_request *req, http_done_fn done,
                            void *ctx)
{
    struct http_call *c = xcalloc(1, sizeof *c);
    struct http_target t;

    c->h = h;
    c->secret = req->secret;
    c->done = done;
    c->ctx = ctx;
    c->started_ms = http_now_ms();
    buf_init(&c->resp);
    buf_init(&c->resp_hdrs);
    c->body_len = req->body ? req->body_len : 0;
    c->body = xmalloc(c->body_len + 1);
    if (c->body_len > 0)
        memcpy(c->body, req->body, c->body_len);
    c->body[c->body_len] = '\0';
    h->in_flight++;

    if (!req->url || !http_build_headers(c, req)) {
        http_fail_later(h, c, "invalid request: malformed URL or header");
        return c;
    }
    http_target_parse(req->url, &t);
    if (t.https && h->ca_error) {
        http_fail_later(h, c, h->ca_error);
        return c;
    }
    http_check_cleartext(h, req, &t);
    c->easy = curl_easy_init();
    if (!c->easy) {
        http_fail_later(h, c, "cannot create a transfer");
        return c;
    }
    http_set_options(h, c, req, t.https);
    c->state = HTTP_RUNNING;
    http_running_add(h, c);
    if (curl_multi_add_handle(h->multi, c->easy) != CURLM_OK) {
        http_running_remove(h, c);
        http_fail_later(h, c, "cannot start a transfer");
    }
    return c;
}

void http_cancel(struct http *h, struct http_call *c)
{
    if (!c)
        return;
    switch (c->state) {
    case HTTP_RUNNING:
        curl_multi_remove_handle(h->multi, c->easy);
        http_running_remove(h, c);
        break;
    case HTTP_FINISHED:
        http_finished_remove(h, c);
        break;
    case HTTP_CALLING:
        return; /* its own callback is running; it is freed right after */
    }
    h->in_flight--;
    http_call_free(c);
}

const char *http_response_header(const struct http_response *r, const char *name)
{
    const struct http_call *c = r->priv;
    const char *p, *end;

    if (!c || !c->resp_hdrs.data)
        return NULL;
    p = c->resp_hdrs.data;
    end = p + c->resp_hdrs.len;
    while (p < end) {
        const char *value = p + strlen(p) + 1;

        if (strcasecmp(p, name) == 0)
            return value;
        p = value + strlen(value) + 1;
    }
    return NULL;
}

unsigned http_in_flight(const struct http *h)
{
    return h->in_flight;
}

void http_set_body_budget(struct http *h, size_t bytes)
{
    h->body_budget = bytes;
}

size_t http_body_bytes(const struct http *h)
{
    return h->body_bytes;
}

struct ev_loop *http_loop(const struct http *h)
{
    return h->loop;
}

void http_set_warn(struct http *h, http_warn_fn warn, void *ctx)
{
    h->warn = warn;
    h->warn_ctx = ctx;
}

/* A readable, non-empty regular file; else false with errno-style text in why. */
static bool http_file_readable(const char *path, char *why, size_t whysz)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat st;
    char byte;
    ssize_t n;

    if (fd < 0) {
        snprintf(why, whysz, "%s", strerror(errno));
        return false;
    }
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        snprintf(why, whysz, "not a regular file");
        close(fd);
        return false;
    }
    n = read(fd, &byte, 1);
    if (n != 1)
        snprintf(why, whysz, "%s", n == 0 ? "the file is empty" : strerror(errno));
    close(fd);
    return n == 1;
}

bool http_set_ca_bundle(struct http *h, const char *path, const char *origin, char *err,
                        size_t errsz)
{
    char why[128];
    struct buf msg;

    free(h->ca_bundle);
    free(h->ca_error);
    h->ca_bundle = xstrdup(path);
    h->ca_error = NULL;
    if (http_file_readable(path, why, sizeof why))
        return true;
    buf_init(&msg);
    buf_printf(&msg, "the CA bundle %s (%s) cannot be used: %s", path, origin, why);
    h->ca_error = buf_steal(&msg);
    snprintf(err, errsz, "%s", h->ca_error);
    return false;
}

/* HTTPS_PROXY or https_proxy: the lower-case spelling wins when both are set, as in the AWS
 * CLI's Python; an empty value means none. */
static char *http_env_proxy(const char *lower, const char *upper)
{
    const char *v = getenv(lower);

    if (!v)
        v = getenv(upper);
    return v && v[0] ? xstrdup(v) : NULL;
}

struct http *http_new(struct ev_loop *loop, const char *user_agent)
{
    struct http *h;

    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
        return NULL;
    h = xcalloc(1, sizeof *h);
    h->loop = loop;
    h->body_budget = HTTP_BODY_BUDGET;
    h->user_agent = xstrdup(user_agent ? user_agent : "cdctop/" PACKAGE_VERSION);
    h->multi = curl_multi_init();
    if (!h->multi) {
        free(h->user_agent);
        free(h);
        curl_global_cleanup();
        return NULL;
    }
    ev_timer_init(&h->timer, http_timer_cb, 0., 0.);
    h->timer.data = h;
    ev_timer_init(&h->later, http_later_cb, 0., 0.);
    h->later.data = h;
    h->http_proxy = http_env_proxy("http_proxy", "HTTP_PROXY");
    h->https_proxy = http_env_proxy("https_proxy", "HTTPS_PROXY");
    h->no_proxy = http_env_proxy("no_proxy", "NO_PROXY");
    buf_init(&h->warned);
    curl_multi_setopt(h->multi, CURLMOPT_SOCKETFUNCTION, http_multi_socket);
    curl_multi_setopt(h->multi, CURLMOPT_SOCKETDATA, h);
    curl_multi_setopt(h->multi, CURLMOPT_TIMERFUNCTION, http_multi_timer);
    curl_multi_setopt(h->multi, CURLMOPT_TIMERDATA, h);
    curl_multi_setopt(h->multi, CURLMOPT_MAXCONNECTS, HTTP_MAX_CONNECTS);
    return h;
}

static void http_destroy(struct http *h)
{
    while (h->running)
        http_cancel(h, h->running);
    while (h->finished_head)
        http_cancel(h, h->finished_head);
    ev_timer_stop(h->loop, &h->timer);
    ev_timer_stop(h->loop, &h->later);
    /* Closes the cached connections; their sockets come back as CURL_POLL_REMOVE. */
    curl_multi_cleanup(h->multi);
    while (h->socks)
        http_sock_free(h, h->socks);
    free(h->user_agent);
    free(h->http_proxy);
    free(h->https_proxy);
    free(h->no_proxy);
    free(h->ca_bundle);
    free(h->ca_error);
    buf_free(&h->warned);
    free(h);
    curl_global_cleanup();
}

void http_free(struct http *h)
{
    if (!h)
        return;
    if (h->dispatching > 0) {
        h->free_pending = true; /* finished when the running callback returns */
        return;
    }
    http_destroy(h);
}

/*
 * HTTP on the one libev loop: libcurl's multi interface driven by curl_multi_socket_action from
 * ev_io and ev_timer watchers. Keep-alive and connection reuse come from the shared multi handle;
 * TLS verification is always on for https (against the system's CAs, or a CA bundle). Proxies
 * follow the AWS CLI: HTTPS_PROXY for https, HTTP_PROXY for http (either spelling, lowercase
 * first), NO_PROXY honoured, and never for calls marked direct. Sockets are close-on-exec.
 * CURL never leaves this module.
 */
#ifndef CDCTOP_HTTP_H
#define CDCTOP_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct ev_loop;
struct http;
struct http_call;

struct http_header {
    const char *name;
    const char *value;
};

struct http_request {
    const char *method; /* "GET", "POST", "PUT" */
    const char *url;
    const struct http_header *headers;
    size_t nheaders;
    const void *body;
    size_t body_len;
    long timeout_ms;         /* whole call; 0 = 30 s */
    long connect_timeout_ms; /* 0 = 10 s */
    bool secret; /* the body or the reply carries a credential or token: both are wiped when the
                    call ends (header lists always are) */
    bool direct; /* never through a proxy (instance metadata, container agent) */
};

struct http_response {
    long status;      /* 0 when no response arrived */
    const char *body; /* NUL-terminated; "" when none */
    size_t body_len;
    const char *error; /* transport error ("connection refused ..."), "" when a response arrived */
    int64_t elapsed_ms;
    const void *priv; /* for http_response_header */
};

typedef void (*http_done_fn)(void *ctx, const struct http_response *resp);
/* Told once per host when a credential or token is about to travel unencrypted: a request that
 * is secret, or carries Authorization, X-Amz-Security-Token or an IMDS token, to an http:// URL
 * whose host is neither loopback nor link-local. host is "name[:port]", text a sentence saying
 * so. Called from inside http_send. */
typedef void (*http_warn_fn)(void *ctx, const char *host, const char *text);

/* user_agent NULL means "cdctop/<version>". NULL only when libcurl cannot initialise. */
struct http *http_new(struct ev_loop *loop, const char *user_agent);
void http_free(struct http *h); /* cancels calls in flight without calling them back */
/* Starts a call; everything in req is copied. done runs later from the loop, exactly once,
 * unless the call is cancelled first. */
struct http_call *http_send(struct http *h, const struct http_request *req, http_done_fn done,
                            void *ctx);
void http_cancel(struct http *h, struct http_call *c);
/* A response header's value (case-insensitive name), or NULL. Valid during the callback. */
const char *http_response_header(const struct http_response *r, const char *name);
unsigned http_in_flight(const struct http *h);
void http_set_warn(struct http *h, http_warn_fn warn, void *ctx);
/* Verifies https peers against the CA certificates in path (PEM) instead of the system's;
 * origin names the setting for messages. When the file cannot be read, false with a message,
 * and every https call fails with that message until a readable bundle is set: verification is
 * never weakened or silently left to the system's CAs. */
bool http_set_ca_bundle(struct http *h, const char *path, const char *origin, char *err,
                        size_t errsz);
/* Response bodies are held in memory until their callback returns; all calls together hold at
 * most this many bytes (256 MiB by default). A call whose body would pass it fails like a
 * network error (status 0, a message saying why), so callers retry it later. */
void http_set_body_budget(struct http *h, size_t bytes);
size_t http_body_bytes(const struct http *h); /* held now */
/* The loop the calls run on (for modules that must defer work to it). */
struct ev_loop *http_loop(const struct http *h);

#endif

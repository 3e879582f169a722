/*
 * Signing an HTTP request for AWS: splits the endpoint URL into what SigV4 needs (the Host
 * header value as it is sent, the path and query) and produces the full header list, signed.
 * Shared by aws.c (JSON APIs) and the STS calls of the credential chain.
 */
#ifndef CDCTOP_AWS_SIGN_H
#define CDCTOP_AWS_SIGN_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "creds.h"
#include "http.h"

struct aws_url {
    char *base; /* scheme://authority, no trailing slash ("https://kinesis.x.amazonaws.com") */
    char *host; /* host as written, IPv6 in brackets */
    char *host_header; /* host, plus ":port" when the port is not the scheme's default */
    char *path;        /* "/" when empty */
    char *query;       /* after '?', "" when none */
    bool https;
};

/* Accepts http:// and https:// URLs without user info; false (and nothing to free) otherwise. */
bool aws_sign_parse_url(const char *url, struct aws_url *u);
void aws_sign_url_free(struct aws_url *u);

#define AWS_SIGN_MAX_HEADERS 16

struct aws_signed {
    struct http_header h[AWS_SIGN_MAX_HEADERS];
    size_t n;
    char amz_date[17];
    char *authorization;
};

/* Adds Host, X-Amz-Date and (with a session token) X-Amz-Security-Token to extra, signs them
 * all with creds, and appends Authorization. The header values point into extra, u and creds,
 * which must outlive out until the request is sent. */
bool aws_sign_request(const char *method, const struct aws_url *u, const struct http_header *extra,
                      size_t nextra, const void *body, size_t body_len, const char *region,
                      const char *service, const struct aws_creds *creds, time_t now,
                      struct aws_signed *out);
void aws_sign_free(struct aws_signed *out);
/* Appends s form-urlencoded (the SigV4 UriEncode set) to a NUL-terminated heap string. */
char *aws_sign_form_append(char *form, const char *key, const char *value);

#endif

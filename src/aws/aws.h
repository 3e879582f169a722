/*
 * One AWS JSON-protocol call (Kinesis JSON 1.1, SQS JSON 1.0): sign with the current
 * credentials, POST, and classify the outcome with a hint an operator can act on. Used by every
 * source and poller: they write request bodies with jwrite.h and read a successful reply as spans
 * of the response (jscan.h), so no JSON tree is built per call.
 */
#ifndef CDCTOP_AWS_H
#define CDCTOP_AWS_H

#include <stdbool.h>
#include <stddef.h>

#include "jscan.h"

struct http;
struct creds;
struct aws_client;
struct aws_call;

struct aws_service {
    const char *signing_name;  /* "kinesis", "sqs" */
    const char *endpoint_host; /* "kinesis" → https://kinesis.<region>.amazonaws.com */
    const char *target_prefix; /* "Kinesis_20131202", "AmazonSQS" */
    const char *content_type;  /* "application/x-amz-json-1.1" or "...-1.0" */
};

extern const struct aws_service aws_kinesis;
extern const struct aws_service aws_sqs;

enum aws_outcome {
    AWS_OK,
    AWS_THROTTLED,        /* ProvisionedThroughputExceeded, LimitExceeded, Throttling: back off */
    AWS_EXPIRED_ITERATOR, /* ExpiredIteratorException */
    AWS_EXPIRED_CREDS,    /* ExpiredToken(Exception), RequestExpired: refresh and retry */
    AWS_BAD_CREDS,        /* UnrecognizedClient, InvalidClientTokenId: unknown key */
    AWS_BAD_SIGNATURE,    /* SignatureDoesNotMatch, InvalidSignatureException: wrong secret/clock */
    AWS_ACCESS_DENIED,    /* AccessDenied(Exception): names the missing action */
    AWS_NOT_FOUND,        /* ResourceNotFoundException, QueueDoesNotExist */
    AWS_NO_CREDS,         /* no credentials could be resolved */
    AWS_NETWORK,          /* no response: refused, reset, DNS, TLS, timeout */
    AWS_SERVER,           /* 5xx, InternalFailure */
    AWS_CLIENT            /* any other 4xx */
};

struct aws_result {
    enum aws_outcome outcome;
    long status;      /* HTTP status, 0 without a response */
    const char *body; /* response body, NUL-terminated */
    size_t body_len;
    char code[96];     /* sanitised error name, "" on success */
    char message[512]; /* server or transport message, secrets never included */
    const char *hint;  /* one line for operators, "" when none */
    /* AWS_OK: the reply's top-level JSON object, validated; p is NULL when the body is not a
     * JSON object (the caller reports a malformed response) */
    struct jspan reply;
};

typedef void (*aws_done_fn)(void *ctx, const struct aws_result *r);

struct aws_client_config {
    const struct aws_service *service;
    const char *region;
    const char *endpoint_url; /* --endpoint-url, or NULL for the regional AWS endpoint */
};

struct aws_client *aws_client_new(struct http *http, struct creds *creds,
                                  const struct aws_client_config *cfg);
void aws_client_free(struct aws_client *c);
/* POSTs operation with a JSON body. done runs exactly once unless cancelled. */
struct aws_call *aws_call(struct aws_client *c, const char *operation, const char *json_body,
                          aws_done_fn done, void *ctx);
void aws_cancel(struct aws_client *c, struct aws_call *call);
/* The endpoint in use, for the header ("https://kinesis.eu-west-1.amazonaws.com"). */
const char *aws_client_endpoint(const struct aws_client *c);
const char *aws_outcome_name(enum aws_outcome o); /* "AWS_THROTTLED", for tests and logs */
/* In words, for status lines when the answer names no error: "throttled", "network error". */
const char *aws_outcome_text(enum aws_outcome o);

#endif

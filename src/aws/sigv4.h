/* AWS Signature Version 4 (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv.html),
 * with OpenSSL's SHA-256 and HMAC. */
#ifndef CDCTOP_SIGV4_H
#define CDCTOP_SIGV4_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

struct sigv4_header {
    const char *name;
    const char *value;
};

struct sigv4_input {
    const char *method;                 /* "POST" */
    const char *path;                   /* as sent, e.g. "/" (normalised and encoded here) */
    const char *query;                  /* after '?', as sent; "" or NULL when none */
    const struct sigv4_header *headers; /* every header to sign; must include host and x-amz-date */
    size_t nheaders;
    const void *payload;
    size_t payload_len;
    const char *region;
    const char *service;  /* signing name: kinesis, sqs, sts, dynamodb, dsql */
    const char *amz_date; /* YYYYMMDDTHHMMSSZ, equal to the x-amz-date header */
    const char *access_key;
    const char *secret_key;
};

struct sigv4_output {
    char *canonical_request;
    char *string_to_sign;
    char *signed_headers;
    char *signature;     /* lowercase hex */
    char *authorization; /* the Authorization header's value */
};

/* Signs; every output string is allocated. False only for malformed input (e.g. no date). */
bool sigv4_sign(const struct sigv4_input *in, struct sigv4_output *out);
void sigv4_output_free(struct sigv4_output *out);
/* Formats t (UTC) as YYYYMMDDTHHMMSSZ. */
void sigv4_amz_date(time_t t, char out[17]);
/* Lowercase hex SHA-256 of data, into out (65 bytes). */
void sigv4_sha256_hex(const void *data, size_t len, char out[65]);

#endif

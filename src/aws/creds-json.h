/*
 * The one reader of the JSON credential documents: a credential_process helper's output, the
 * instance metadata service's role credentials and the container endpoint's reply. They share
 * AccessKeyId, SecretAccessKey and Expiration, and differ in the token's name and in one check
 * each. The strings are decoded straight into struct aws_creds, so no other copy of a secret is
 * made on the way. Needs no loop and no network: it can be fed any bytes.
 */
#ifndef CDCTOP_CREDS_JSON_H
#define CDCTOP_CREDS_JSON_H

#include <stdbool.h>
#include <stddef.h>

#include "creds.h"

enum creds_json_kind {
    CREDS_JSON_PROCESS,   /* {"Version": 1, ..., "SessionToken"?, "Expiration"?} */
    CREDS_JSON_IMDS,      /* {"Code": "Success", ..., "Token", "Expiration"} */
    CREDS_JSON_CONTAINER, /* {..., "Token", "Expiration"} */
};

/* Fills out (source left empty) from a document of that kind; false with a message that says
 * what is wrong ("not a JSON object", "no AccessKeyId or SecretAccessKey", ...) and never quotes
 * a value, except an IMDS error's Code and Message (scrubbed). The token may be named "Token" or
 * "SessionToken" in any kind. */
bool creds_json_parse(enum creds_json_kind kind, const char *json, size_t len,
                      struct aws_creds *out, char *err, size_t errsz);

#endif

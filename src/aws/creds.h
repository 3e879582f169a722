/*
 * AWS credentials, resolved in the order the AWS CLI uses
 * (https://docs.aws.amazon.com/sdkref/latest/guide/standardized-credentials.html), refreshed
 * before they expire without interrupting callers, and the region
 * (https://docs.aws.amazon.com/sdkref/latest/guide/feature-region.html). Secrets never appear in
 * any message this module produces; `source` says where credentials came from, never what they
 * are.
 *
 * Calls between the credential files run one way, never back up:
 *
 *   1. creds.c         the cache, the callers waiting, refresh before expiry (this header)
 *   2. creds-chain.c   which source applies, as a plan (creds-op.h)
 *      creds-imds.c, creds-container.c, creds-process.c, creds-sts.c
 *                      the asynchronous fetches (creds-op.h)
 *   3. creds-json.c    the JSON credential documents (creds-json.h)
 *      creds-util.c    messages cut to size, wiping, token files (creds-util.h)
 *
 * A file calls only files on the levels below it; within level 2, creds-chain.c only asks
 * creds-imds.c and creds-container.c whether they are configured. Under all three: http.c,
 * aws-sign.c, aws-error.c, awstime.c, ini.c, shellwords.c and xmltext.c, which call no creds*.c
 * file (aws-sign.h takes only struct aws_creds from this header). Above: aws.c, the one caller
 * of creds.c inside src/aws.
 */
#ifndef CDCTOP_CREDS_H
#define CDCTOP_CREDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct ev_loop;
struct http;
struct creds;

struct aws_creds {
    char access_key[128];
    char secret_key[128];
    char session_token[4096]; /* "" when none */
    int64_t expires_ms;       /* 0 = does not expire */
    char source[160];         /* e.g. "environment", "profile dev (~/.aws/credentials)",
                                 "assume-role arn:aws:iam::1:role/r via profile base", "imds role r" */
};

/* A side note that must reach neither the screen nor any artefact: a credential_process's own
 * error line, already shortened and scrubbed. Headless mode prints it on stderr. */
typedef void (*creds_note_fn)(void *ctx, const char *text);

/* STS calls (assume-role, web identity) go where the AWS CLI sends them: AWS_ENDPOINT_URL_STS,
 * AWS_ENDPOINT_URL, the profile's services section or endpoint_url, else the regional endpoint.
 * No data-service endpoint is ever used for them. */
struct creds_config {
    const char *profile; /* --profile; NULL = AWS_PROFILE / AWS_DEFAULT_PROFILE / default */
    const char *region;  /* --region; NULL = resolve */
    creds_note_fn note;  /* NULL: such notes are dropped */
    void *note_ctx;
};

typedef void (*creds_fn)(void *ctx, const struct aws_creds *c, const char *error);
typedef void (*region_fn)(void *ctx, const char *region, const char *error);

struct creds *creds_new(struct ev_loop *loop, struct http *http, const struct creds_config *cfg);
void creds_free(struct creds *c);
/* Calls back with valid credentials (at once when cached and fresh), or with an error that names
 * every source tried. Never blocks the loop. */
void creds_get(struct creds *c, creds_fn done, void *ctx);
/* Forgets every pending creds_get/creds_region callback registered with ctx (for callers that
 * go away while waiting); the others are still answered. */
void creds_cancel(struct creds *c, void *ctx);
/* Forgets cached credentials (e.g. after ExpiredToken) so the next creds_get resolves again. */
void creds_invalidate(struct creds *c);
/* The region: --region, AWS_REGION, AWS_DEFAULT_REGION, the profile's region, then IMDS. */
void creds_region(struct creds *c, region_fn done, void *ctx);
/* Where the current credentials came from, or "" before the first resolution. */
const char *creds_source(const struct creds *c);
/* The CA bundle to verify TLS with: AWS_CA_BUNDLE, else the profile's ca_bundle ("~/" expanded).
 * False when neither is set; origin names the setting for messages. */
bool creds_ca_bundle(const struct creds *c, char *path, size_t pathsz, char *origin,
                     size_t originsz);

#endif

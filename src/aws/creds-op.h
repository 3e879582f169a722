/*
 * Inside the credential chain (creds*.c only): what creds.c calls, the plan a resolution follows
 * (creds-chain.c) and the asynchronous fetches it is made of (creds-imds.c, creds-container.c,
 * creds-process.c, creds-sts.c); the layering is in creds.h. A fetch either fails at once (NULL,
 * with a message) or calls back exactly once, later, from the loop, unless it is cancelled
 * first. No message ever holds a secret.
 */
#ifndef CDCTOP_CREDS_OP_H
#define CDCTOP_CREDS_OP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "creds.h"

struct ev_loop;
struct http;

/* --- asynchronous fetches ------------------------------------------------------------------- */

struct creds_op {
    void (*cancel)(struct creds_op *op); /* stops it and frees it, without calling back */
};

typedef void (*creds_op_fn)(void *ctx, const struct aws_creds *c, const char *error);
typedef void (*creds_text_fn)(void *ctx, const char *text, const char *error);

static inline void creds_op_cancel(struct creds_op *op)
{
    if (op)
        op->cancel(op);
}

/* IMDSv2: session token, role name, then the role's credentials. */
struct creds_op *creds_imds_credentials(struct http *h, creds_op_fn done, void *ctx, char *err,
                                        size_t errsz);
/* IMDSv2: the instance's region (/latest/meta-data/placement/region). */
struct creds_op *creds_imds_region(struct http *h, creds_text_fn done, void *ctx, char *err,
                                   size_t errsz);
/* True when AWS_EC2_METADATA_DISABLED turns IMDS off. */
bool creds_imds_disabled(void);

/* ECS/EKS container credentials (AWS_CONTAINER_CREDENTIALS_RELATIVE_URI or _FULL_URI). */
struct creds_op *creds_container_fetch(struct http *h, creds_op_fn done, void *ctx, char *err,
                                       size_t errsz);
/* True when one of the container variables is set. */
bool creds_container_configured(void);

/* credential_process: runs command (split shell-style, no shell) without blocking the loop.
 * When it fails, the message says so without quoting it; note (if not NULL) gets a short,
 * scrubbed line of its stderr. */
struct creds_op *creds_process_run(struct ev_loop *loop, const char *command, const char *label,
                                   creds_note_fn note, void *note_ctx, creds_op_fn done, void *ctx,
                                   char *err, size_t errsz);

struct creds_sts_params {
    const char *endpoint; /* URL of STS */
    const char *region;   /* signing region */
    const char *role_arn;
    const char *session_name;
    const char *external_id; /* NULL when none */
    int duration_s;          /* 0 = STS default */
    const char *token_file;  /* web identity only */
};

/* STS AssumeRole (query protocol, signed with source). */
struct creds_op *creds_sts_assume_role(struct http *h, const struct creds_sts_params *p,
                                       const struct aws_creds *source, creds_op_fn done, void *ctx,
                                       char *err, size_t errsz);
/* STS AssumeRoleWithWebIdentity (unsigned; the token is read from p->token_file). */
struct creds_op *creds_sts_web_identity(struct http *h, const struct creds_sts_params *p,
                                        creds_op_fn done, void *ctx, char *err, size_t errsz);
/* Parses an STS reply: the credentials on 200, else "Code: Message". */
bool creds_sts_parse(long status, const char *body, size_t len, struct aws_creds *out, char *err,
                     size_t errsz);

/* --- the plan ------------------------------------------------------------------------------- */

enum creds_base {
    CREDS_BASE_STATIC,       /* keys known now: environment or a profile */
    CREDS_BASE_PROCESS,      /* credential_process */
    CREDS_BASE_CONTAINER,    /* container endpoint */
    CREDS_BASE_IMDS,         /* instance metadata */
    CREDS_BASE_WEB_IDENTITY, /* AssumeRoleWithWebIdentity */
};

struct creds_hop {
    char *role_arn;
    char *session_name;
    char *external_id;
    int duration_s;
};

#define CREDS_MAX_HOPS 8

struct creds_plan {
    enum creds_base base;
    struct aws_creds creds; /* CREDS_BASE_STATIC: the keys */
    char *process;          /* CREDS_BASE_PROCESS: the command */
    char *label;            /* where the base comes from ("profile dev", "environment") */
    char *web_token_file;   /* CREDS_BASE_WEB_IDENTITY */
    char *web_role_arn;
    char *web_session_name;
    struct creds_hop
        hops[CREDS_MAX_HOPS]; /* assume-role hops, applied from the last to the first */
    size_t nhops;
    bool soft; /* IMDS at the end of the chain: failing means "nothing found" */
    char *sts_endpoint;
    char *sts_region;
};

struct creds_chain_cfg {
    const char *profile; /* --profile, or NULL */
    const char *region;  /* --region, or NULL */
};

/* Walks the chain up to the first source that is configured and fills plan; false with a
 * message (naming every source tried) when none is, or when the configuration is wrong.
 * tried receives the notes of the sources passed over. */
bool creds_chain_plan(const struct creds_chain_cfg *cfg, struct creds_plan *plan, struct buf *tried,
                      char *err, size_t errsz);
void creds_chain_plan_free(struct creds_plan *plan);
/* The region from --region, AWS_REGION, AWS_DEFAULT_REGION or the profile: 1 when found
 * (where names the setting), 0 when none is set (then IMDS is asked), -1 when the value is not
 * a region name (where says which). */
int creds_chain_region(const struct creds_chain_cfg *cfg, char *out, size_t outsz, char *where,
                       size_t wheresz);
/* The URL STS calls go to, and which setting chose it ("AWS_ENDPOINT_URL_STS", "the regional
 * endpoint", ...). */
void creds_chain_sts_endpoint(const struct creds_chain_cfg *cfg, char *url, size_t urlsz,
                              char *origin, size_t originsz);
/* The CA bundle setting (see creds_ca_bundle). */
bool creds_chain_ca_bundle(const struct creds_chain_cfg *cfg, char *path, size_t pathsz,
                           char *origin, size_t originsz);

#endif

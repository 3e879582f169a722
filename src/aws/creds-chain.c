/*
 * Which credential source applies, decided without any I/O beyond reading the two profile
 * files, in the AWS CLI's order
 * (https://docs.aws.amazon.com/sdkref/latest/guide/standardized-credentials.html): environment,
 * assume-role from the profile, web identity, (SSO: not supported, said so), ~/.aws/credentials,
 * credential_process, ~/.aws/config, container, instance metadata. Each source passed over
 * leaves a note so that "nothing found" can say what was tried.
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "awstime.h"
#include "fmt.h"
#include "buf.h"
#include "creds-op.h"
#include "creds-util.h"
#include "ini.h"
#include "xalloc.h"

struct chain_files {
    struct ini *cred, *conf;
    char cred_path[256], conf_path[256]; /* for messages, with ~ */
    int cred_err, conf_err;
};

struct chain {
    const struct creds_chain_cfg *cfg;
    struct chain_files f;
    const char *profile;
    bool profile_named; /* given by --profile or AWS_PROFILE: it must exist */
    struct creds_plan *plan;
    struct buf *tried;
    char *err;
    size_t errsz;
};

/* --- the profile files ---------------------------------------------------------------------- */

/* A path from a setting, with a leading "~/" meaning $HOME. */
static void chain_expand_home(const char *v, struct buf *out)
{
    const char *home = getenv("HOME");

    if (v[0] == '~' && v[1] == '/' && home)
        buf_printf(out, "%s%s", home, v + 1);
    else
        buf_puts(out, v);
}

static void chain_file_path(const char *env, const char *rel, struct buf *out)
{
    const char *v = getenv(env);
    const char *home = getenv("HOME");

    if (v && v[0])
        chain_expand_home(v, out);
    else
        buf_printf(out, "%s/%s", home ? home : "", rel);
}

/* A path for messages: $HOME replaced by "~". */
static void chain_display_path(const char *path, char *out, size_t outsz)
{
    const char *home = getenv("HOME");
    size_t hn = home ? strlen(home) : 0;

    if (hn > 1 && strncmp(path, home, hn) == 0 && path[hn] == '/')
        snprintf(out, outsz, "~%s", path + hn);
    else
        snprintf(out, outsz, "%s", path);
}

static void chain_files_load(struct chain_files *f)
{
    struct buf p;

    buf_init(&p);
    chain_file_path("AWS_SHARED_CREDENTIALS_FILE", ".aws/credentials", &p);
    f->cred = ini_load(p.data, &f->cred_err);
    chain_display_path(p.data, f->cred_path, sizeof f->cred_path);
    buf_reset(&p);
    chain_file_path("AWS_CONFIG_FILE", ".aws/config", &p);
    f->conf = ini_load(p.data, &f->conf_err);
    chain_display_path(p.data, f->conf_path, sizeof f->conf_path);
    buf_free(&p);
}

static void chain_files_free(struct chain_files *f)
{
    ini_free(f->cred);
    ini_free(f->conf);
}

/* The config file names a profile "[profile NAME]", except the default, which may be either. */
static const char *chain_conf_get(const struct chain_files *f, const char *profile, const char *key)
{
    struct buf s;
    const char *v;

    buf_init(&s);
    buf_printf(&s, "profile %s", profile);
    v = ini_get(f->conf, s.data, key);
    buf_free(&s);
    if (!v && strcmp(profile, "default") == 0)
        v = ini_get(f->conf, "default", key);
    return v;
}

static bool chain_conf_has(const struct chain_files *f, const char *profile)
{
    struct buf s;
    bool has;

    buf_init(&s);
    buf_printf(&s, "profile %s", profile);
    has = ini_has_section(f->conf, s.data);
    buf_free(&s);
    return has || (strcmp(profile, "default") == 0 && ini_has_section(f->conf, "default"));
}

static bool chain_profile_exists(const struct chain_files *f, const char *profile)
{
    return ini_has_section(f->cred, profile) || chain_conf_has(f, profile);
}

/* A setting of the profile: the credentials file wins over the config file, as in the CLI. */
static const char *chain_get(const struct chain_files *f, const char *profile, const char *key)
{
    const char *v = ini_get(f->cred, profile, key);

    if (!v || !v[0])
        v = chain_conf_get(f, profile, key);
    return v && v[0] ? v : NULL;
}

static const char *chain_env(const char *name)
{
    const char *v = getenv(name);

    return v && v[0] ? v : NULL;
}

/* --- notes and errors ----------------------------------------------------------------------- */

static void chain_note(struct chain *ch, const char *what)
{
    if (ch->tried->len > 0)
        buf_puts(ch->tried, ", ");
    buf_puts(ch->tried, what);
}

static bool chain_fail(struct chain *ch, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static bool chain_fail(struct chain *ch, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(ch->err, ch->errsz, fmt, ap);
    va_end(ap);
    return false;
}

/* --- static keys ---------------------------------------------------------------------------- */

/* Copies src into dst (size dstsz); false when it does not fit. */
static bool chain_copy(char *dst, size_t dstsz, const char *src)
{
    size_t n = strlen(src);

    if (n >= dstsz) {
        dst[0] = '\0';
        return false;
    }
    memcpy(dst, src, n + 1);
    return true;
}

enum chain_keys { KEYS_NONE, KEYS_FOUND, KEYS_ERROR };

/* Fills c from three values; an access key without a secret is an error, as in the CLI. */
static enum chain_keys chain_keys(struct chain *ch, const char *akid, const char *secret,
                                  const char *token, const char *where, struct aws_creds *c)
{
    if (!akid || !akid[0])
        return KEYS_NONE;
    if (!secret || !secret[0]) {
        chain_fail(ch, "%s has an access key id but no secret access key", where);
        return KEYS_ERROR;
    }
    memset(c, 0, sizeof *c);
    if (!chain_copy(c->access_key, sizeof c->access_key, akid) ||
        !chain_copy(c->secret_key, sizeof c->secret_key, secret) ||
        !chain_copy(c->session_token, sizeof c->session_token, token ? token : "")) {
        creds_util_wipe(c);
        chain_fail(ch, "%s: a credential is longer than supported", where);
        return KEYS_ERROR;
    }
    return KEYS_FOUND;
}

/* Keys of profile in one of the two files (the config file's section is "[profile NAME]"). */
static enum chain_keys chain_file_keys(struct chain *ch, const char *profile, bool config_file,
                                       struct aws_creds *c)
{
    const struct chain_files *f = &ch->f;
    const char *path = config_file ? f->conf_path : f->cred_path;
    const char *akid, *secret, *token;
    char where[400];
    enum chain_keys k;

    if (config_file) {
        akid = chain_conf_get(f, profile, "aws_access_key_id");
        secret = chain_conf_get(f, profile, "aws_secret_access_key");
        token = chain_conf_get(f, profile, "aws_session_token");
        if (!token)
            token = chain_conf_get(f, profile, "aws_security_token");
    } else {
        akid = ini_get(f->cred, profile, "aws_access_key_id");
        secret = ini_get(f->cred, profile, "aws_secret_access_key");
        token = ini_get(f->cred, profile, "aws_session_token");
        if (!token)
            token = ini_get(f->cred, profile, "aws_security_token");
    }
    snprintf(where, sizeof where, "profile %s in %s", profile, path);
    k = chain_keys(ch, akid, secret, token, where, c);
    if (k == KEYS_FOUND)
        creds_util_fmt(c->source, sizeof c->source, "profile %s (%s)", profile, path);
    return k;
}

/* Keys of a profile from the credentials file, else from the config file. */
static enum chain_keys chain_profile_keys(struct chain *ch, const char *profile,
                                          struct aws_creds *c)
{
    enum chain_keys k = chain_file_keys(ch, profile, false, c);

    return k == KEYS_NONE ? chain_file_keys(ch, profile, true, c) : k;
}

static enum chain_keys chain_env_keys(struct chain *ch, struct aws_creds *c)
{
    const char *token = chain_env("AWS_SESSION_TOKEN");
    const char *exp = chain_env("AWS_CREDENTIAL_EXPIRATION");
    enum chain_keys k;

    if (!token)
        token = chain_env("AWS_SECURITY_TOKEN");
    k = chain_keys(ch, chain_env("AWS_ACCESS_KEY_ID"), chain_env("AWS_SECRET_ACCESS_KEY"), token,
                   "the environment", c);
    if (k != KEYS_FOUND)
        return k;
    if (exp && !fmt_parse_iso8601(exp, &c->expires_ms)) {
        creds_util_wipe(c);
        chain_fail(ch, "AWS_CREDENTIAL_EXPIRATION is not an ISO-8601 time");
        return KEYS_ERROR;
    }
    snprintf(c->source, sizeof c->source, "environment");
    return KEYS_FOUND;
}

/* --- plans ---------------------------------------------------------------------------------- */

/* The label is prefix followed by name ("profile " + "dev", or "environment" + ""). */
static void chain_plan_label(struct creds_plan *p, const char *prefix, const char *name)
{
    struct buf b;

    buf_init(&b);
    buf_printf(&b, "%s%s", prefix, name);
    free(p->label);
    p->label = buf_steal(&b);
}

static void chain_session_name(char *out, size_t outsz)
{
    snprintf(out, outsz, "cdctop-%lld", (long long)time(NULL));
}

static bool chain_add_hop(struct chain *ch, const char *profile)
{
    struct creds_plan *p = ch->plan;
    struct creds_hop *h;
    const char *dur = chain_get(&ch->f, profile, "duration_seconds");
    const char *name = chain_get(&ch->f, profile, "role_session_name");
    char def[64];

    if (p->nhops == CREDS_MAX_HOPS)
        return chain_fail(ch, "profile %s: more than %d chained roles", profile, CREDS_MAX_HOPS);
    if (chain_get(&ch->f, profile, "mfa_serial"))
        return chain_fail(ch,
                          "profile %s needs an MFA code (mfa_serial), which cdctop cannot ask "
                          "for: export temporary credentials into the environment instead",
                          profile);
    h = &p->hops[p->nhops++];
    memset(h, 0, sizeof *h);
    h->role_arn = xstrdup(chain_get(&ch->f, profile, "role_arn"));
    chain_session_name(def, sizeof def);
    h->session_name = xstrdup(name ? name : def);
    if (chain_get(&ch->f, profile, "external_id"))
        h->external_id = xstrdup(chain_get(&ch->f, profile, "external_id"));
    if (dur) {
        char *end;
        long v = strtol(dur, &end, 10);

        if (*end || v < 900 || v > 43200)
            return chain_fail(ch, "profile %s: duration_seconds must be 900..43200", profile);
        h->duration_s = (int)v;
    }
    return true;
}

static bool chain_credential_source(struct chain *ch, const char *profile, const char *src)
{
    struct creds_plan *p = ch->plan;

    if (strcmp(src, "Environment") == 0) {
        enum chain_keys k = chain_env_keys(ch, &p->creds);

        if (k == KEYS_ERROR)
            return false;
        if (k == KEYS_NONE)
            return chain_fail(ch,
                              "profile %s: credential_source Environment, but "
                              "AWS_ACCESS_KEY_ID is unset",
                              profile);
        p->base = CREDS_BASE_STATIC;
        chain_plan_label(p, "environment", "");
    } else if (strcmp(src, "Ec2InstanceMetadata") == 0) {
        p->base = CREDS_BASE_IMDS;
        chain_plan_label(p, "instance metadata", "");
    } else if (strcmp(src, "EcsContainer") == 0) {
        p->base = CREDS_BASE_CONTAINER;
        chain_plan_label(p, "container credentials", "");
    } else {
        return chain_fail(ch,
                          "profile %s: unknown credential_source %.64s (expected Environment, "
                          "Ec2InstanceMetadata or EcsContainer)",
                          profile, src);
    }
    return true;
}

static bool chain_has_role(struct chain *ch, const char *profile)
{
    return chain_get(&ch->f, profile, "role_arn") &&
           !chain_get(&ch->f, profile, "web_identity_token_file");
}

/* The credentials a source_profile provides when it assumes no role itself. */
static bool chain_source_base(struct chain *ch, const char *src)
{
    struct creds_plan *p = ch->plan;
    enum chain_keys k = chain_profile_keys(ch, src, &p->creds);
    const char *proc;

    if (k == KEYS_ERROR)
        return false;
    chain_plan_label(p, "profile ", src);
    if (k == KEYS_FOUND) {
        p->base = CREDS_BASE_STATIC;
        return true;
    }
    if ((proc = chain_get(&ch->f, src, "credential_process"))) {
        p->base = CREDS_BASE_PROCESS;
        p->process = xstrdup(proc);
        return true;
    }
    return chain_fail(ch,
                      "source profile %s has no credentials (no keys, credential_process or "
                      "role_arn)",
                      src);
}

/*
 * Follows role_arn/source_profile links from profile down to a profile with credentials of its
 * own (or a credential_source), one hop per role. A profile may name itself as its source (its
 * own keys then assume its role); any other repeat is a cycle.
 */
static bool chain_assume_role(struct chain *ch, const char *profile)
{
    const char *visited[CREDS_MAX_HOPS + 1];
    size_t nvisited = 0;
    struct buf path;
    bool ok = false;

    buf_init(&path);
    buf_puts(&path, profile);
    visited[nvisited++] = profile;
    for (;;) {
        const char *sp = chain_get(&ch->f, profile, "source_profile");
        const char *cs = chain_get(&ch->f, profile, "credential_source");

        if (!chain_add_hop(ch, profile))
            break;
        if (sp && cs) {
            chain_fail(ch, "profile %s has both source_profile and credential_source", profile);
            break;
        }
        if (!sp && !cs) {
            chain_fail(ch,
                       "profile %s has role_arn but neither source_profile nor "
                       "credential_source",
                       profile);
            break;
        }
        if (cs) {
            ok = chain_credential_source(ch, profile, cs);
            break;
        }
        if (!chain_profile_exists(&ch->f, sp)) {
            chain_fail(ch, "profile %s: source_profile %s not found", profile, sp);
            break;
        }
        buf_printf(&path, " -> %s", sp);
        if (strcmp(sp, profile) == 0) {
            ok = chain_source_base(ch, sp);
            break;
        }
        for (size_t i = 0; i < nvisited; i++) {
            if (strcmp(visited[i], sp) == 0) {
                chain_fail(ch, "source_profile cycle: %s", path.data);
                goto out;
            }
        }
        if (!chain_has_role(ch, sp)) {
            ok = chain_source_base(ch, sp);
            break;
        }
        visited[nvisited++] = sp;
        profile = sp;
    }
out:
    buf_free(&path);
    return ok;
}

static bool chain_web_identity(struct chain *ch, bool *found)
{
    struct creds_plan *p = ch->plan;
    const char *file = chain_env("AWS_WEB_IDENTITY_TOKEN_FILE");
    const char *role = chain_env("AWS_ROLE_ARN");
    const char *name = chain_env("AWS_ROLE_SESSION_NAME");
    char def[64];

    if (!file)
        file = chain_get(&ch->f, ch->profile, "web_identity_token_file");
    if (!role && file)
        role = chain_get(&ch->f, ch->profile, "role_arn");
    if (!name)
        name = chain_get(&ch->f, ch->profile, "role_session_name");
    *found = false;
    if (!file) {
        chain_note(ch, "web identity (AWS_WEB_IDENTITY_TOKEN_FILE unset)");
        return true;
    }
    if (!role)
        return chain_fail(ch, "a web identity token file is set but no role ARN "
                              "(AWS_ROLE_ARN or role_arn)");
    chain_session_name(def, sizeof def);
    p->base = CREDS_BASE_WEB_IDENTITY;
    p->web_token_file = xstrdup(file);
    p->web_role_arn = xstrdup(role);
    p->web_session_name = xstrdup(name ? name : def);
    chain_plan_label(p, "web identity", "");
    *found = true;
    return true;
}

static bool chain_sso(struct chain *ch)
{
    static const char *const keys[] = {"sso_session", "sso_start_url", "sso_account_id"};

    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
        if (chain_get(&ch->f, ch->profile, keys[i]))
            return chain_fail(ch,
                              "profile %s uses IAM Identity Center (SSO), which cdctop does not "
                              "support: run `aws configure export-credentials --profile %s "
                              "--format env` and use the environment",
                              ch->profile, ch->profile);
    return true;
}

/* Static keys, credential_process, config keys: the profile sources after assume-role. */
static bool chain_profile_sources(struct chain *ch, bool *found)
{
    struct creds_plan *p = ch->plan;
    const char *proc;
    enum chain_keys k;
    char note[700];

    *found = true;
    k = chain_file_keys(ch, ch->profile, false, &p->creds);
    if (k == KEYS_ERROR)
        return false;
    if (k == KEYS_FOUND) {
        p->base = CREDS_BASE_STATIC;
        return true;
    }
    if ((proc = chain_get(&ch->f, ch->profile, "credential_process"))) {
        p->base = CREDS_BASE_PROCESS;
        p->process = xstrdup(proc);
        chain_plan_label(p, "profile ", ch->profile);
        return true;
    }
    k = chain_file_keys(ch, ch->profile, true, &p->creds);
    if (k == KEYS_ERROR)
        return false;
    if (k == KEYS_FOUND) {
        p->base = CREDS_BASE_STATIC;
        return true;
    }
    *found = false;
    if (!ch->f.cred && !ch->f.conf)
        snprintf(note, sizeof note, "profile %s (no %s, no %s)", ch->profile, ch->f.cred_path,
                 ch->f.conf_path);
    else if (!chain_profile_exists(&ch->f, ch->profile))
        snprintf(note, sizeof note, "profile %s (not in %s or %s)", ch->profile, ch->f.cred_path,
                 ch->f.conf_path);
    else
        snprintf(note, sizeof note, "profile %s (no keys, role_arn or credential_process)",
                 ch->profile);
    chain_note(ch, note);
    return true;
}

static bool chain_true(const char *v)
{
    return v && strcasecmp(v, "true") == 0;
}

/* An endpoint setting of the profile: its services section's "sts" sub-section, then its own
 * endpoint_url (config file only, as the AWS CLI reads them). */
static const char *chain_conf_endpoint(const struct chain_files *f, const char *profile,
                                       const char *service, const char **origin)
{
    const char *services = chain_conf_get(f, profile, "services");
    const char *v = NULL;

    if (services && services[0]) {
        struct buf section, key;

        buf_init(&section);
        buf_init(&key);
        buf_printf(&section, "services %s", services);
        buf_printf(&key, "%s.endpoint_url", service);
        v = ini_get(f->conf, section.data, key.data);
        buf_free(&section);
        buf_free(&key);
        *origin = "the profile's services section";
    }
    if (!v || !v[0]) {
        v = chain_conf_get(f, profile, "endpoint_url");
        *origin = "the profile's endpoint_url";
    }
    return v && v[0] ? v : NULL;
}

/*
 * The STS endpoint, chosen as the AWS CLI chooses a service's endpoint (AWS SDKs and Tools
 * Reference Guide, "Service-specific endpoints":
 * https://docs.aws.amazon.com/sdkref/latest/guide/feature-ss-endpoints.html): AWS_ENDPOINT_URL_STS,
 * AWS_ENDPOINT_URL, the profile's services section, the profile's endpoint_url, else the regional
 * endpoint. AWS_IGNORE_CONFIGURED_ENDPOINT_URLS (or the profile's
 * ignore_configured_endpoint_urls) = true leaves only the regional one. --endpoint-url never
 * applies: it names the data services' endpoint, and STS calls carry a web identity token or
 * are signed with the source credentials.
 */
static void chain_sts_url(const struct chain_files *f, const char *profile, const char *region,
                          struct buf *url, const char **origin)
{
    const char *v = NULL;

    if (!chain_true(chain_env("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS")) &&
        !chain_true(chain_conf_get(f, profile, "ignore_configured_endpoint_urls"))) {
        if ((v = chain_env("AWS_ENDPOINT_URL_STS")))
            *origin = "AWS_ENDPOINT_URL_STS";
        else if ((v = chain_env("AWS_ENDPOINT_URL")))
            *origin = "AWS_ENDPOINT_URL";
        else
            v = chain_conf_endpoint(f, profile, "sts", origin);
    }
    if (v) {
        buf_puts(url, v);
        return;
    }
    *origin = "the regional endpoint";
    if (!region[0]) {
        buf_puts(url, "https://sts.amazonaws.com/"); /* the global endpoint signs as us-east-1 */
        return;
    }
    /* The China partition has its own domain. */
    buf_printf(url, "https://sts.%s.amazonaws.com%s/", region,
               strncmp(region, "cn-", 3) == 0 ? ".cn" : "");
}

static void chain_sts(struct chain *ch)
{
    char region[64], where[128];
    const char *origin = NULL;
    struct buf b;

    if (creds_chain_region(ch->cfg, region, sizeof region, where, sizeof where) != 1)
        region[0] = '\0';
    ch->plan->sts_region = xstrdup(region[0] ? region : "us-east-1");
    buf_init(&b);
    chain_sts_url(&ch->f, ch->profile, region, &b, &origin);
    ch->plan->sts_endpoint = buf_steal(&b);
}

/* The profile in use: --profile, AWS_PROFILE, AWS_DEFAULT_PROFILE, else "default". */
static const char *chain_profile_name(const struct creds_chain_cfg *cfg)
{
    const char *p = cfg->profile;

    if (!p || !p[0])
        p = chain_env("AWS_PROFILE");
    if (!p)
        p = chain_env("AWS_DEFAULT_PROFILE");
    return p ? p : "default";
}

void creds_chain_sts_endpoint(const struct creds_chain_cfg *cfg, char *url, size_t urlsz,
                              char *origin, size_t originsz)
{
    struct chain_files f = {0};
    char region[64], where[128];
    const char *from = NULL;
    struct buf b;

    if (creds_chain_region(cfg, region, sizeof region, where, sizeof where) != 1)
        region[0] = '\0';
    chain_files_load(&f);
    buf_init(&b);
    chain_sts_url(&f, chain_profile_name(cfg), region, &b, &from);
    snprintf(url, urlsz, "%s", b.data);
    snprintf(origin, originsz, "%s", from);
    buf_free(&b);
    chain_files_free(&f);
}

/* The sources after the environment, in order; *found when one applies. */
static bool chain_sources(struct chain *ch, bool *found)
{
    *found = false;
    if (ch->profile_named && !chain_profile_exists(&ch->f, ch->profile))
        return chain_fail(ch, "profile %s not found in %s or %s", ch->profile, ch->f.cred_path,
                          ch->f.conf_path);
    if (chain_has_role(ch, ch->profile)) {
        *found = true;
        return chain_assume_role(ch, ch->profile);
    }
    if (!chain_web_identity(ch, found))
        return false;
    if (*found)
        return true;
    if (!chain_sso(ch) || !chain_profile_sources(ch, found))
        return false;
    if (*found)
        return true;
    if (creds_container_configured()) {
        ch->plan->base = CREDS_BASE_CONTAINER;
        chain_plan_label(ch->plan, "container credentials", "");
        *found = true;
        return true;
    }
    chain_note(ch, "container (AWS_CONTAINER_CREDENTIALS_RELATIVE_URI/_FULL_URI unset)");
    if (creds_imds_disabled()) {
        chain_note(ch, "IMDS (disabled by AWS_EC2_METADATA_DISABLED)");
        return true;
    }
    ch->plan->base = CREDS_BASE_IMDS;
    ch->plan->soft = true;
    chain_plan_label(ch->plan, "instance metadata", "");
    *found = true;
    return true;
}

bool creds_chain_plan(const struct creds_chain_cfg *cfg, struct creds_plan *plan, struct buf *tried,
                      char *err, size_t errsz)
{
    struct chain ch = {.cfg = cfg, .plan = plan, .tried = tried, .err = err, .errsz = errsz};
    bool found = false, ok = true;

    memset(plan, 0, sizeof *plan);
    err[0] = '\0';
    ch.profile = chain_profile_name(cfg);
    ch.profile_named = strcmp(ch.profile, "default") != 0;
    if (cfg->profile && cfg->profile[0]) {
        chain_note(&ch, "environment (skipped: --profile given)");
    } else {
        enum chain_keys k = chain_env_keys(&ch, &plan->creds);

        if (k == KEYS_ERROR)
            return false;
        if (k == KEYS_FOUND)
            return true;
        chain_note(&ch, "environment (AWS_ACCESS_KEY_ID unset)");
    }
    chain_files_load(&ch.f);
    ok = chain_sources(&ch, &found);
    if (ok && found && (plan->nhops > 0 || plan->base == CREDS_BASE_WEB_IDENTITY))
        chain_sts(&ch);
    chain_files_free(&ch.f);
    if (!ok)
        return false;
    if (!found) {
        snprintf(err, errsz, "no AWS credentials found; tried: %s", tried->data);
        return false;
    }
    return true;
}

void creds_chain_plan_free(struct creds_plan *plan)
{
    creds_util_wipe(&plan->creds);
    free(plan->process);
    free(plan->label);
    free(plan->web_token_file);
    free(plan->web_role_arn);
    free(plan->web_session_name);
    for (size_t i = 0; i < plan->nhops; i++) {
        free(plan->hops[i].role_arn);
        free(plan->hops[i].session_name);
        free(plan->hops[i].external_id);
    }
    free(plan->sts_endpoint);
    free(plan->sts_region);
    memset(plan, 0, sizeof *plan);
}

bool creds_chain_ca_bundle(const struct creds_chain_cfg *cfg, char *path, size_t pathsz,
                           char *origin, size_t originsz)
{
    struct chain_files f = {0};
    const char *profile = chain_profile_name(cfg);
    const char *v = chain_env("AWS_CA_BUNDLE");
    struct buf b;

    if (v) {
        snprintf(origin, originsz, "AWS_CA_BUNDLE");
    } else {
        chain_files_load(&f);
        v = chain_conf_get(&f, profile, "ca_bundle");
        snprintf(origin, originsz, "the ca_bundle of profile %s", profile);
    }
    buf_init(&b);
    if (v && v[0])
        chain_expand_home(v, &b);
    snprintf(path, pathsz, "%s", b.data ? b.data : "");
    buf_free(&b);
    chain_files_free(&f);
    return path[0] != '\0';
}

/* Region names go into host names: lowercase letters, digits and dashes only. */
static bool chain_region_ok(const char *r)
{
    if (!r || !r[0] || strlen(r) > 40)
        return false;
    for (; *r; r++)
        if (!((*r >= 'a' && *r <= 'z') || (*r >= '0' && *r <= '9') || *r == '-'))
            return false;
    return true;
}

int creds_chain_region(const struct creds_chain_cfg *cfg, char *out, size_t outsz, char *where,
                       size_t wheresz)
{
    struct chain_files f = {0};
    const char *v = NULL, *src = NULL;
    const char *profile = chain_profile_name(cfg);
    int found = 0;

    if (cfg->region && cfg->region[0]) {
        v = cfg->region;
        src = "--region";
    } else if ((v = chain_env("AWS_REGION"))) {
        src = "AWS_REGION";
    } else if ((v = chain_env("AWS_DEFAULT_REGION"))) {
        src = "AWS_DEFAULT_REGION";
    } else {
        chain_files_load(&f);
        v = chain_get(&f, profile, "region");
        src = "profile";
    }
    if (!v) {
        snprintf(where, wheresz,
                 "no region in --region, AWS_REGION, AWS_DEFAULT_REGION or profile %s", profile);
    } else if (!chain_region_ok(v) || strlen(v) >= outsz) {
        snprintf(where, wheresz, "the region from %s%s%s is not a region name", src,
                 strcmp(src, "profile") == 0 ? " " : "",
                 strcmp(src, "profile") == 0 ? profile : "");
        found = -1;
    } else {
        snprintf(out, outsz, "%s", v);
        snprintf(where, wheresz, "%s%s%s", src, strcmp(src, "profile") == 0 ? " " : "",
                 strcmp(src, "profile") == 0 ? profile : "");
        found = 1;
    }
    chain_files_free(&f);
    return found;
}

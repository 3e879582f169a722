/* The JSON credential documents (see creds-json.h), read with the span scanner. */
#include "config.h"

#include "creds-json.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>

#include "aws-error.h"
#include "awstime.h"
#include "fmt.h"
#include "jscan.h"

/* One member, decoded into dst: 1 when present, 0 when absent or null, -1 when it is not a
 * string or does not fit. */
static int creds_json_field(struct jspan obj, const char *key, char *dst, size_t dstsz)
{
    struct jspan v;

    dst[0] = '\0';
    if (!jscan_get(obj, key, &v) || jscan_is_null(v))
        return 0;
    if (!jscan_string(v, dst, dstsz, NULL)) {
        OPENSSL_cleanse(dst, dstsz);
        return -1;
    }
    return 1;
}

/* A credential_process document must say "Version": 1. */
static bool creds_json_version(struct jspan obj, char *err, size_t errsz)
{
    struct jspan v;
    int64_t version;

    if (!jscan_get(obj, "Version", &v) || !jscan_int64(v, &version) || version != 1) {
        snprintf(err, errsz, "no \"Version\": 1");
        return false;
    }
    return true;
}

/* IMDS answers 200 with a Code other than Success when it cannot hand out credentials. */
static bool creds_json_code(struct jspan obj, char *err, size_t errsz)
{
    char code[64], message[200];

    if (creds_json_field(obj, "Code", code, sizeof code) != 1 || strcmp(code, "Success") == 0)
        return true;
    if (creds_json_field(obj, "Message", message, sizeof message) != 1)
        message[0] = '\0';
    snprintf(err, errsz, "%s%s%s", code, message[0] ? ": " : "", message);
    aws_error_scrub(err, errsz, NULL, 0);
    return false;
}

static bool creds_json_keys(struct jspan obj, struct aws_creds *out, char *err, size_t errsz)
{
    int akid = creds_json_field(obj, "AccessKeyId", out->access_key, sizeof out->access_key);
    int secret = creds_json_field(obj, "SecretAccessKey", out->secret_key, sizeof out->secret_key);
    int token = creds_json_field(obj, "Token", out->session_token, sizeof out->session_token);

    if (token == 0)
        token =
            creds_json_field(obj, "SessionToken", out->session_token, sizeof out->session_token);
    if (akid < 0 || secret < 0 || token < 0) {
        snprintf(err, errsz, "a credential is not a string or is longer than supported");
        return false;
    }
    if (akid == 0 || secret == 0 || !out->access_key[0] || !out->secret_key[0]) {
        snprintf(err, errsz, "no AccessKeyId or SecretAccessKey");
        return false;
    }
    return true;
}

static bool creds_json_expiration(struct jspan obj, struct aws_creds *out, char *err, size_t errsz)
{
    char exp[64];
    int r = creds_json_field(obj, "Expiration", exp, sizeof exp);

    if (r == 0)
        return true;
    if (r < 0 || !fmt_parse_iso8601(exp, &out->expires_ms)) {
        snprintf(err, errsz, "Expiration is not an ISO-8601 time");
        return false;
    }
    return true;
}

bool creds_json_parse(enum creds_json_kind kind, const char *json, size_t len,
                      struct aws_creds *out, char *err, size_t errsz)
{
    struct jspan obj;
    bool ok;

    memset(out, 0, sizeof *out);
    if (!json || !jscan_validate(json, len, &obj, NULL) || jscan_type(obj) != JT_OBJECT) {
        snprintf(err, errsz, "not a JSON object");
        return false;
    }
    ok = (kind != CREDS_JSON_PROCESS || creds_json_version(obj, err, errsz)) &&
         (kind != CREDS_JSON_IMDS || creds_json_code(obj, err, errsz)) &&
         creds_json_keys(obj, out, err, errsz) && creds_json_expiration(obj, out, err, errsz);
    if (!ok)
        OPENSSL_cleanse(out, sizeof *out);
    return ok;
}

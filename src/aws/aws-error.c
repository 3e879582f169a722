/* Error names, classes and hints for AWS replies (see aws-error.h). */
#include "config.h"

#include "aws-error.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "xalloc.h"
#include "xmltext.h"

/* Shorter runs are left alone: an AWS secret access key is 40 characters. */
#define AWS_ERROR_SECRET_MIN_RUN 20

struct aws_error_class {
    const char *name;
    enum aws_outcome outcome;
};

/* Names from the Kinesis, SQS, DynamoDB Streams, STS models and the common AWS errors. */
static const struct aws_error_class aws_error_classes[] = {
    {"ProvisionedThroughputExceededException", AWS_THROTTLED},
    {"LimitExceededException", AWS_THROTTLED},
    {"ThrottlingException", AWS_THROTTLED},
    {"Throttling", AWS_THROTTLED},
    {"ThrottledException", AWS_THROTTLED},
    {"RequestThrottled", AWS_THROTTLED},
    {"RequestThrottledException", AWS_THROTTLED},
    {"TooManyRequestsException", AWS_THROTTLED},
    {"RequestLimitExceeded", AWS_THROTTLED},
    {"KMSThrottlingException", AWS_THROTTLED},
    {"SlowDown", AWS_THROTTLED},
    {"ExpiredIteratorException", AWS_EXPIRED_ITERATOR},
    {"ExpiredToken", AWS_EXPIRED_CREDS},
    {"ExpiredTokenException", AWS_EXPIRED_CREDS},
    {"RequestExpired", AWS_EXPIRED_CREDS},
    {"UnrecognizedClient", AWS_BAD_CREDS},
    {"UnrecognizedClientException", AWS_BAD_CREDS},
    {"InvalidClientTokenId", AWS_BAD_CREDS},
    {"InvalidAccessKeyId", AWS_BAD_CREDS},
    {"SignatureDoesNotMatch", AWS_BAD_SIGNATURE},
    {"InvalidSignatureException", AWS_BAD_SIGNATURE},
    {"IncompleteSignature", AWS_BAD_SIGNATURE},
    {"IncompleteSignatureException", AWS_BAD_SIGNATURE},
    {"AccessDenied", AWS_ACCESS_DENIED},
    {"AccessDeniedException", AWS_ACCESS_DENIED},
    {"KMSAccessDeniedException", AWS_ACCESS_DENIED},
    {"AuthorizationError", AWS_ACCESS_DENIED},
    {"ResourceNotFoundException", AWS_NOT_FOUND},
    {"QueueDoesNotExist", AWS_NOT_FOUND},
    {"NonExistentQueue", AWS_NOT_FOUND},
    {"AWS.SimpleQueueService.NonExistentQueue", AWS_NOT_FOUND},
    {"InternalFailure", AWS_SERVER},
    {"InternalFailureException", AWS_SERVER},
    {"InternalServerError", AWS_SERVER},
    {"InternalServerException", AWS_SERVER},
    {"InternalError", AWS_SERVER},
    {"ServiceUnavailable", AWS_SERVER},
    {"ServiceUnavailableException", AWS_SERVER},
};

static void aws_error_copy(char *out, size_t outsz, const char *s, size_t n)
{
    if (outsz == 0)
        return;
    if (n >= outsz)
        n = outsz - 1;
    memcpy(out, s, n);
    out[n] = '\0';
}

void aws_error_sanitise(const char *raw, char *out, size_t outsz)
{
    const char *s = raw ? raw : "";
    const char *colon = strchr(s, ':');
    size_t n = colon ? (size_t)(colon - s) : strlen(s);
    const char *hash = NULL;

    for (size_t i = 0; i < n; i++)
        if (s[i] == '#')
            hash = s + i;
    if (hash) {
        n -= (size_t)(hash + 1 - s);
        s = hash + 1;
    }
    while (n > 0 && (*s == ' ' || *s == '\t')) {
        s++;
        n--;
    }
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
        n--;
    aws_error_copy(out, outsz, s, n);
}

static const char *aws_error_json_string(json_t *root, const char *const *keys)
{
    for (; *keys; keys++) {
        json_t *v = json_object_get(root, *keys);

        if (json_is_string(v))
            return json_string_value(v);
    }
    return NULL;
}

static void aws_error_parse_json(const char *body, size_t len, char *code, size_t codesz,
                                 char *message, size_t messagesz)
{
    static const char *const code_keys[] = {"__type", "code", "Code", NULL};
    static const char *const msg_keys[] = {"message", "Message", "errorMessage", NULL};
    json_t *root = json_loadb(body, len, JSON_DISABLE_EOF_CHECK, NULL);
    const char *s;

    if (!json_is_object(root)) {
        json_decref(root);
        return;
    }
    if (!code[0] && (s = aws_error_json_string(root, code_keys)))
        aws_error_sanitise(s, code, codesz);
    if (!message[0] && (s = aws_error_json_string(root, msg_keys)))
        aws_error_copy(message, messagesz, s, strlen(s));
    json_decref(root);
}

static void aws_error_parse_xml(const char *body, size_t len, char *code, size_t codesz,
                                char *message, size_t messagesz)
{
    char tmp[256];

    if (!code[0] && xmltext_find(body, len, "Code", tmp, sizeof tmp) >= 0)
        aws_error_sanitise(tmp, code, codesz);
    if (!message[0])
        xmltext_find(body, len, "Message", message, messagesz);
}

void aws_error_parse(const char *body, size_t len, const char *errortype_hdr,
                     const char *query_error_hdr, char *code, size_t codesz, char *message,
                     size_t messagesz)
{
    size_t i = 0;

    if (codesz > 0)
        code[0] = '\0';
    if (messagesz > 0)
        message[0] = '\0';
    if (query_error_hdr && query_error_hdr[0]) {
        const char *semi = strchr(query_error_hdr, ';');

        aws_error_copy(code, codesz, query_error_hdr,
                       semi ? (size_t)(semi - query_error_hdr) : strlen(query_error_hdr));
    }
    if (!code[0] && errortype_hdr && errortype_hdr[0])
        aws_error_sanitise(errortype_hdr, code, codesz);
    if (!body)
        return;
    while (i < len && (body[i] == ' ' || body[i] == '\t' || body[i] == '\r' || body[i] == '\n'))
        i++;
    if (i < len && body[i] == '{')
        aws_error_parse_json(body + i, len - i, code, codesz, message, messagesz);
    else if (i < len && body[i] == '<')
        aws_error_parse_xml(body + i, len - i, code, codesz, message, messagesz);
}

enum aws_outcome aws_error_classify(long status, const char *code)
{
    if (status == 0)
        return AWS_NETWORK;
    if (status >= 200 && status < 300)
        return AWS_OK;
    if (code && code[0]) {
        for (size_t i = 0; i < sizeof aws_error_classes / sizeof aws_error_classes[0]; i++)
            if (strcmp(code, aws_error_classes[i].name) == 0)
                return aws_error_classes[i].outcome;
    }
    if (status == 429)
        return AWS_THROTTLED;
    if (status >= 500)
        return AWS_SERVER;
    return AWS_CLIENT;
}

static bool aws_error_lower_or_digit(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
}

static bool aws_error_action_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '*';
}

/* Finds an IAM action ("kinesis:GetRecords") in message: a lowercase service, ':', and an
 * action starting with an uppercase letter (so "arn:aws:..." is not one). */
static bool aws_error_find_action(const char *message, char *out, size_t outsz)
{
    const char *m = message ? message : "";

    for (const char *p = m; *p; p++) {
        const char *s = p, *a;

        if (*p != ':' || p == m)
            continue;
        while (s > m && aws_error_lower_or_digit(s[-1]))
            s--;
        if (s == p || (s > m && aws_error_action_char(s[-1])) || p[1] < 'A' || p[1] > 'Z')
            continue;
        a = p + 1;
        while (aws_error_action_char(*a))
            a++;
        aws_error_copy(out, outsz, s, (size_t)(a - s));
        return true;
    }
    return false;
}

void aws_error_hint(enum aws_outcome o, const char *message, const char *region, const char *host,
                    const char *transport_error, char *out, size_t outsz)
{
    char action[128];

    switch (o) {
    case AWS_THROTTLED:
        snprintf(out, outsz,
                 "read budget exceeded: backing off (the production consumer "
                 "shares 5 reads/s per shard)");
        break;
    case AWS_BAD_SIGNATURE:
        snprintf(out, outsz,
                 "signature rejected: check the secret key and this machine's clock "
                 "(must be within 5 minutes)");
        break;
    case AWS_BAD_CREDS:
        snprintf(out, outsz,
                 "the access key is not known to AWS: check the profile or environment");
        break;
    case AWS_EXPIRED_CREDS:
        snprintf(out, outsz, "credentials expired: refreshing");
        break;
    case AWS_ACCESS_DENIED:
        if (aws_error_find_action(message, action, sizeof action))
            snprintf(out, outsz, "the credentials lack %s", action);
        else
            snprintf(out, outsz, "the credentials lack a permission");
        break;
    case AWS_NOT_FOUND:
        snprintf(out, outsz, "stream or queue not found in %s: check the name and region",
                 region && region[0] ? region : "this region");
        break;
    case AWS_NETWORK:
        snprintf(out, outsz, "endpoint unreachable: %s (%s)", host ? host : "?",
                 transport_error && transport_error[0] ? transport_error : "no response");
        break;
    case AWS_SERVER:
        snprintf(out, outsz, "AWS server error: retrying");
        break;
    case AWS_EXPIRED_ITERATOR:
        snprintf(out, outsz, "shard iterator expired: getting a new one");
        break;
    case AWS_NO_CREDS:
        snprintf(out, outsz, "no usable AWS credentials: see the message for what was tried");
        break;
    case AWS_OK:
    case AWS_CLIENT:
    default:
        if (outsz > 0)
            out[0] = '\0';
        break;
    }
}

static const char aws_error_mark[] = "<redacted>";

/* Replaces the n bytes at p with the mark, keeping text NUL-terminated within textsz; returns
 * where the text after the mark starts. */
static char *aws_error_splice(char *text, size_t textsz, char *p, size_t n)
{
    size_t tail = strlen(p + n);
    size_t room = textsz - (size_t)(p - text) - 1; /* bytes available from p */
    size_t mlen = sizeof aws_error_mark - 1 < room ? sizeof aws_error_mark - 1 : room;

    if (mlen + tail > room)
        tail = room - mlen;
    memmove(p + mlen, p + n, tail);
    memcpy(p, aws_error_mark, mlen);
    p[mlen + tail] = '\0';
    return p + mlen;
}

static void aws_error_scrub_value(char *text, size_t textsz, const char *secret)
{
    size_t slen = secret ? strlen(secret) : 0;
    char *from = text, *p;

    /* The search resumes after each mark, so a secret that is part of the mark cannot loop. */
    while (slen >= 4 && (p = strstr(from, secret)))
        from = aws_error_splice(text, textsz, p, slen);
}

/* The form-urlencoded spelling of s (as a web identity token travels in a request body), or
 * NULL when it is the same as s. */
static char *aws_error_form_encoded(const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t n = strlen(s), o = 0;
    char *out = xmalloc(3 * n + 1);
    bool differs = false;

    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;

        if (isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
            out[o++] = (char)c;
        } else {
            out[o++] = '%';
            out[o++] = hex[c >> 4];
            out[o++] = hex[c & 0xf];
            differs = true;
        }
    }
    out[o] = '\0';
    if (!differs) {
        free(out);
        return NULL;
    }
    return out;
}

/* Characters of base64, base64url, JWTs and their form-urlencoded spellings. */
static bool aws_error_run_char(char c)
{
    return isalnum((unsigned char)c) || c == '+' || c == '/' || c == '=' || c == '_' || c == '%' ||
           c == '.' || c == '-';
}

static int aws_error_char_class(char c)
{
    if (c >= 'A' && c <= 'Z')
        return 0;
    if (c >= 'a' && c <= 'z')
        return 1;
    if (c >= '0' && c <= '9')
        return 2;
    return 3;
}

/*
 * Secret keys, session tokens and web identity tokens are long runs of random base64, which mix
 * upper case, lower case and digits and switch between them at about three letters or digits
 * in five. Names a person wrote (paths, role ARNs, "assumed-role/CdcReader/cdctop-1712345678",
 * error names) switch far less often once punctuation is set aside, access key ids have no lower
 * case, and request ids have no upper case.
 */
static bool aws_error_secret_like(const char *p, size_t n)
{
    bool seen[4] = {false, false, false, false};
    size_t changes = 0, alnum = 0;
    int prev = -1;

    if (n < AWS_ERROR_SECRET_MIN_RUN)
        return false;
    for (size_t i = 0; i < n; i++) {
        int k = aws_error_char_class(p[i]);

        seen[k] = true;
        if (k == 3)
            continue;
        if (prev >= 0 && k != prev)
            changes++;
        prev = k;
        alnum++;
    }
    return seen[0] && seen[1] && seen[2] && alnum > 1 && changes * 10 >= (alnum - 1) * 4;
}

static void aws_error_scrub_runs(char *text, size_t textsz)
{
    char *p = text;

    while (*p) {
        size_t n = 0;

        while (aws_error_run_char(p[n]))
            n++;
        if (n == 0)
            p++;
        else if (aws_error_secret_like(p, n))
            p = aws_error_splice(text, textsz, p, n);
        else
            p += n;
    }
}

void aws_error_scrub(char *text, size_t textsz, const char *const *secrets, size_t nsecrets)
{
    if (!text || textsz == 0)
        return;
    text[textsz - 1] = '\0';
    for (size_t i = 0; i < nsecrets; i++) {
        char *encoded;

        if (!secrets[i] || strlen(secrets[i]) < 4)
            continue;
        aws_error_scrub_value(text, textsz, secrets[i]);
        encoded = aws_error_form_encoded(secrets[i]);
        if (encoded) {
            aws_error_scrub_value(text, textsz, encoded);
            free(encoded);
        }
    }
    aws_error_scrub_runs(text, textsz);
    for (char *p = text; *p; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7f)
            *p = ' ';
}

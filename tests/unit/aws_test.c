/*
 * Unit tests for the AWS plumbing: error names, classes and hints for real error replies
 * (the error lists of the Kinesis, SQS and STS API references), secret scrubbing, the profile file
 * reader (nested sub-sections included), shell-style splitting for credential_process, STS XML
 * extraction, the JSON credential documents, the refresh schedule, URL splitting, where STS calls
 * go, and http.c/aws.c end to end (proxies, CA bundles, the unencrypted-credentials warning)
 * against tiny HTTP servers that run inside this process on 127.0.0.1.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <ev.h>

#include "aws-error.h"
#include "aws-sign.h"
#include "aws.h"
#include "awstime.h"
#include "buf.h"
#include "creds-json.h"
#include "creds-op.h"
#include "creds-util.h"
#include "creds.h"
#include "http.h"
#include "ini.h"
#include "shellwords.h"
#include "sigv4.h"
#include "xalloc.h"
#include "xmltext.h"

#define SECRET "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
#define TOKEN  "FwoGZXIvYXdzEBYaDEXAMPLETOKENvalue"

/* --- error names and classes ---------------------------------------------------------------- */

static void check_sanitise(const char *raw, const char *want)
{
    char out[96];

    aws_error_sanitise(raw, out, sizeof(out));
    assert_string_equal(out, want);
}

static void test_sanitise(void **state)
{
    (void)state;
    check_sanitise("com.amazonaws.sqs#QueueDoesNotExist", "QueueDoesNotExist");
    check_sanitise("ResourceNotFoundException:http://internal.amazon.com/coral/com.amazon.kinesis/",
                   "ResourceNotFoundException");
    check_sanitise("aws.protocoltests.restjson#FooError:http://internal.amazon.com/", "FooError");
    check_sanitise("ProvisionedThroughputExceededException",
                   "ProvisionedThroughputExceededException");
    check_sanitise(" Throttling ", "Throttling");
    check_sanitise("", "");
    check_sanitise(NULL, "");
}

struct reply {
    long status;
    const char *body;
    const char *errortype; /* X-Amzn-Errortype */
    const char *query;     /* x-amzn-query-error */
    enum aws_outcome want;
    const char *want_code;
    const char *want_message; /* substring, or NULL */
};

static void check_reply(const struct reply *r)
{
    char code[96], msg[512];
    enum aws_outcome o;

    aws_error_parse(r->body, r->body != NULL ? strlen(r->body) : 0, r->errortype, r->query, code,
                    sizeof(code), msg, sizeof(msg));
    o = aws_error_classify(r->status, code);
    if (o != r->want || strcmp(code, r->want_code) != 0)
        fail_msg("status %ld body %s: got %s/%s, want %s/%s", r->status,
                 r->body != NULL ? r->body : "(none)", aws_outcome_name(o), code,
                 aws_outcome_name(r->want), r->want_code);
    if (r->want_message != NULL && strstr(msg, r->want_message) == NULL)
        fail_msg("message '%s' lacks '%s'", msg, r->want_message);
}

static void test_classify_real_replies(void **state)
{
    static const struct reply replies[] = {
        {400,
         "{\"__type\":\"ProvisionedThroughputExceededException\",\"message\":\"Rate exceeded "
         "for shard shardId-000000000001 in stream cdc under account 111122223333.\"}",
         NULL, NULL, AWS_THROTTLED, "ProvisionedThroughputExceededException", "Rate exceeded"},
        {400, "{\"__type\":\"LimitExceededException\",\"message\":\"Rate exceeded\"}", NULL, NULL,
         AWS_THROTTLED, "LimitExceededException", NULL},
        {400, "{\"__type\":\"ThrottlingException\",\"message\":\"Rate exceeded\"}", NULL, NULL,
         AWS_THROTTLED, "ThrottlingException", NULL},
        {400,
         "{\"__type\":\"ExpiredIteratorException\",\"message\":\"Iterator expired. The iterator "
         "was created at time ...\"}",
         NULL, NULL, AWS_EXPIRED_ITERATOR, "ExpiredIteratorException", "Iterator expired"},
        {400,
         "{\"__type\":\"ExpiredTokenException\",\"message\":\"The security token included in "
         "the request is expired\"}",
         NULL, NULL, AWS_EXPIRED_CREDS, "ExpiredTokenException", "expired"},
        {400,
         "{\"__type\":\"UnrecognizedClientException\",\"message\":\"The security token "
         "included in the request is invalid.\"}",
         NULL, NULL, AWS_BAD_CREDS, "UnrecognizedClientException", "invalid"},
        {400,
         "{\"__type\":\"InvalidSignatureException\",\"message\":\"The request signature we "
         "calculated does not match the signature you provided.\"}",
         NULL, NULL, AWS_BAD_SIGNATURE, "InvalidSignatureException", "signature"},
        {400,
         "{\"__type\":\"AccessDeniedException\",\"Message\":\"User: "
         "arn:aws:iam::123456789012:user/bob is not authorized to perform: kinesis:GetRecords "
         "on resource: arn:aws:kinesis:us-east-1:123456789012:stream/cdc\"}",
         NULL, NULL, AWS_ACCESS_DENIED, "AccessDeniedException", "kinesis:GetRecords"},
        {400,
         "{\"__type\":\"ResourceNotFoundException\",\"message\":\"Stream cdc under account "
         "111122223333 not found.\"}",
         NULL, NULL, AWS_NOT_FOUND, "ResourceNotFoundException", "not found"},
        /* SQS's JSON protocol: the query-compatible code of the header wins, as in the SDKs. */
        {400,
         "{\"__type\":\"com.amazonaws.sqs#QueueDoesNotExist\",\"message\":\"The specified queue "
         "does not exist.\"}",
         NULL, "AWS.SimpleQueueService.NonExistentQueue;Sender", AWS_NOT_FOUND,
         "AWS.SimpleQueueService.NonExistentQueue", "does not exist"},
        {400,
         "{\"__type\":\"com.amazonaws.sqs#QueueDoesNotExist\",\"message\":\"The specified queue "
         "does not exist.\"}",
         NULL, NULL, AWS_NOT_FOUND, "QueueDoesNotExist", NULL},
        {400, "{\"__type\":\"com.amazonaws.sqs#RequestThrottled\",\"message\":\"slow down\"}", NULL,
         NULL, AWS_THROTTLED, "RequestThrottled", NULL},
        /* The name only in a header. */
        {400, "", "ResourceNotFoundException:http://internal.amazon.com/coral/com.amazon.kinesis/",
         NULL, AWS_NOT_FOUND, "ResourceNotFoundException", NULL},
        {400, "{\"code\":\"ExpiredIteratorException\",\"Message\":\"too old\"}", NULL, NULL,
         AWS_EXPIRED_ITERATOR, "ExpiredIteratorException", "too old"},
        /* XML bodies (query protocol, STS, and generic auth failures). */
        {403,
         "<?xml version=\"1.0\"?>\n<ErrorResponse "
         "xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">\n  <Error>\n    "
         "<Type>Sender</Type>\n    <Code>SignatureDoesNotMatch</Code>\n    <Message>The request "
         "signature we calculated does not match the signature you provided.</Message>\n  "
         "</Error>\n  <RequestId>7a62c49f</RequestId>\n</ErrorResponse>",
         NULL, NULL, AWS_BAD_SIGNATURE, "SignatureDoesNotMatch", "does not match"},
        {403,
         "<ErrorResponse><Error><Code>InvalidClientTokenId</Code><Message>The security token "
         "included in the request is invalid.</Message></Error></ErrorResponse>",
         NULL, NULL, AWS_BAD_CREDS, "InvalidClientTokenId", "invalid"},
        {403,
         "<ErrorResponse><Error><Code>AccessDenied</Code><Message>User: "
         "arn:aws:iam::123456789012:user/bob is not authorized to perform: sts:AssumeRole on "
         "resource: arn:aws:iam::123456789012:role/r</Message></Error></ErrorResponse>",
         NULL, NULL, AWS_ACCESS_DENIED, "AccessDenied", "sts:AssumeRole"},
        {400, "<Response><Errors><Error><Code>RequestExpired</Code></Error></Errors></Response>",
         NULL, NULL, AWS_EXPIRED_CREDS, "RequestExpired", NULL},
        {500, "{\"__type\":\"InternalFailure\",\"message\":\"\"}", NULL, NULL, AWS_SERVER,
         "InternalFailure", NULL},
        {500, "{\"__type\":\"InternalFailureException\"}", NULL, NULL, AWS_SERVER,
         "InternalFailureException", NULL},
        {503, "", NULL, NULL, AWS_SERVER, "", NULL},
        {503, "{\"__type\":\"ThrottlingException\"}", NULL, NULL, AWS_THROTTLED,
         "ThrottlingException", NULL},
        {429, "", NULL, NULL, AWS_THROTTLED, "", NULL},
        {400, "{\"__type\":\"InvalidArgumentException\",\"message\":\"bad\"}", NULL, NULL,
         AWS_CLIENT, "InvalidArgumentException", "bad"},
        {404, "not json at all", NULL, NULL, AWS_CLIENT, "", NULL},
        {400, "{\"__type\":", NULL, NULL, AWS_CLIENT, "", NULL},
        {200, "{\"StreamNames\":[]}", NULL, NULL, AWS_OK, "", NULL},
        {0, NULL, NULL, NULL, AWS_NETWORK, "", NULL},
    };

    (void)state;
    for (size_t i = 0; i < sizeof(replies) / sizeof(replies[0]); i++)
        check_reply(&replies[i]);
}

static void check_hint(enum aws_outcome o, const char *message, const char *want)
{
    char hint[256];

    aws_error_hint(o, message, "eu-west-1", "kinesis.eu-west-1.amazonaws.com",
                   "connection refused (Failed to connect)", hint, sizeof(hint));
    if (strstr(hint, want) == NULL)
        fail_msg("%s: hint '%s' lacks '%s'", aws_outcome_name(o), hint, want);
    assert_null(strchr(hint, '\n'));
}

static void test_hints(void **state)
{
    (void)state;
    check_hint(AWS_THROTTLED, "",
               "read budget exceeded: backing off (the production consumer "
               "shares 5 reads/s per shard)");
    check_hint(AWS_BAD_SIGNATURE, "",
               "signature rejected: check the secret key and this "
               "machine's clock (must be within 5 minutes)");
    check_hint(AWS_BAD_CREDS, "",
               "the access key is not known to AWS: check the profile or "
               "environment");
    check_hint(AWS_EXPIRED_CREDS, "", "credentials expired: refreshing");
    check_hint(AWS_ACCESS_DENIED,
               "User: arn:aws:iam::123456789012:user/bob is not authorized to perform: "
               "kinesis:GetRecords on resource: arn:aws:kinesis:us-east-1:1:stream/cdc",
               "the credentials lack kinesis:GetRecords");
    check_hint(AWS_ACCESS_DENIED,
               "not authorized to perform sqs:GetQueueAttributes because no identity-based "
               "policy allows the sqs:GetQueueAttributes action",
               "the credentials lack sqs:GetQueueAttributes");
    check_hint(AWS_ACCESS_DENIED, "User: arn:aws:iam::1:user/x is not authorized",
               "the credentials lack a permission");
    check_hint(AWS_ACCESS_DENIED, "", "the credentials lack a permission");
    check_hint(AWS_NOT_FOUND, "",
               "stream or queue not found in eu-west-1: check the name and "
               "region");
    check_hint(AWS_NETWORK, "",
               "endpoint unreachable: kinesis.eu-west-1.amazonaws.com "
               "(connection refused (Failed to connect))");
    check_hint(AWS_SERVER, "", "AWS server error: retrying");
    check_hint(AWS_OK, "", "");
}

static void scrub_one(char *text, size_t textsz, const char *secret)
{
    const char *known[] = {secret};

    aws_error_scrub(text, textsz, known, 1);
}

/* Text that must come through the scrubber unchanged: what operators need to read. */
static void check_kept(const char *text)
{
    char buf[512];

    snprintf(buf, sizeof(buf), "%s", text);
    aws_error_scrub(buf, sizeof(buf), NULL, 0);
    assert_string_equal(buf, text);
}

static void check_scrubbed(const char *text, const char *want)
{
    char buf[512];

    snprintf(buf, sizeof(buf), "%s", text);
    aws_error_scrub(buf, sizeof(buf), NULL, 0);
    assert_string_equal(buf, want);
}

static void test_scrub(void **state)
{
    const char *both[] = {SECRET, NULL, TOKEN};
    char text[128];
    char small[24];

    (void)state;
    snprintf(text, sizeof(text), "bad key " SECRET " and\ttoken " TOKEN "\n");
    aws_error_scrub(text, sizeof(text), both, 3);
    assert_string_equal(text, "bad key <redacted> and token <redacted> ");
    /* A secret that is part of the mark cannot loop; short "secrets" are ignored. */
    snprintf(text, sizeof(text), "dact dact");
    scrub_one(text, sizeof(text), "dact");
    assert_string_equal(text, "<redacted> <redacted>");
    snprintf(text, sizeof(text), "abc");
    scrub_one(text, sizeof(text), "ab");
    assert_string_equal(text, "abc");
    scrub_one(text, sizeof(text), NULL);
    assert_string_equal(text, "abc");
    /* Replacing near the end of a small buffer stays inside it. */
    snprintf(small, sizeof(small), "0123456789abXYZW");
    scrub_one(small, sizeof(small), "XYZW");
    assert_string_equal(small, "0123456789ab<redacted>");
    assert_true(strlen(small) < sizeof(small));
    /* A known value is also found in its form-urlencoded spelling (a request body echoed). */
    snprintf(text, sizeof(text), "Action=X&WebIdentityToken=ab%%2Fcd%%2Bef%%3D&Version=1");
    scrub_one(text, sizeof(text), "ab/cd+ef=");
    assert_string_equal(text, "Action=X&WebIdentityToken=<redacted>&Version=1");

    /* Unknown values that look like secrets: a secret key, a session token, a JWT. */
    check_scrubbed("secret q3Lw9XbT2mVz8KcRf1NpYd5GhJs7UoAe4WiBn0Ct in the reply",
                   "secret <redacted> in the reply");
    check_scrubbed("X-Amz-Security-Token: IQoJb3JpZ2luX2VjEHUaCXVzLWVhc3QtMSJHMEUCIQD6dN0x"
                   "kQ+9ZpL2wB7vG3r/Tj8s==, Host: sts",
                   "X-Amz-Security-Token: <redacted>, Host: sts");
    check_scrubbed("token=eyJhbGciOiJSUzI1NiIsImtpZCI6IjEyMyJ9.eyJzdWIiOiJzeXN0ZW06c2VydmljZSJ9."
                   "c2lnbmF0dXJlX3ZhbHVlXzEyMw",
                   "<redacted>");
    /* What an operator needs stays: ARNs with role and session names, actions, access key ids,
     * error names, request ids, shard ids, targets, hosts. */
    check_kept("User: arn:aws:sts::123456789012:assumed-role/CdcReader/cdctop-1712345678 is not "
               "authorized to perform: kinesis:GetRecords on resource: "
               "arn:aws:kinesis:us-east-1:123456789012:stream/cdc-events");
    check_kept("The security token included in the request is invalid: AKIAIOSFODNN7EXAMPLE");
    check_kept("ProvisionedThroughputExceededException RequestId "
               "c6104cbe-af31-11e0-8154-cbc7ccf896c7 shardId-000000000001");
    check_kept("Kinesis_20131202.GetShardIterator at https://kinesis.eu-west-1.amazonaws.com/");
    check_kept("role/CdcTopReaderRoleForProduction2024 Credential=AKIAIOSFODNN7EXAMPLE/20150830/"
               "us-east-1/sts/aws4_request");
}

static void test_outcome_names(void **state)
{
    (void)state;
    assert_string_equal(aws_outcome_name(AWS_OK), "AWS_OK");
    assert_string_equal(aws_outcome_name(AWS_BAD_SIGNATURE), "AWS_BAD_SIGNATURE");
    assert_string_equal(aws_outcome_name(AWS_CLIENT), "AWS_CLIENT");
    assert_string_equal(aws_outcome_name((enum aws_outcome)99), "AWS_UNKNOWN");
    assert_string_equal(aws_kinesis.target_prefix, "Kinesis_20131202");
    assert_string_equal(aws_sqs.content_type, "application/x-amz-json-1.0");
}

/* --- profile files -------------------------------------------------------------------------- */

static void test_ini(void **state)
{
    static const char text[] = "\xef\xbb\xbf# a comment\r\n"
                               "orphan = ignored\n"
                               "[default]\r\n"
                               "aws_access_key_id = AKIDDEFAULT\r\n"
                               "Region=eu-west-1\n"
                               "; another comment\n"
                               "[profile   dev ]\n"
                               "role_arn = arn:aws:iam::123456789012:role/reader\n"
                               "source_profile: base\n"
                               "s3 =\n"
                               "    max_concurrent_requests = 20\n"
                               "    region = nested-ignored\n"
                               "credential_process = /bin/helper --opt a=b\n"
                               "dup = 1\n"
                               "dup = 2\n"
                               "empty =\n"
                               "[sso-session corp]\n"
                               "sso_region = us-east-1\n"
                               "[services local]\n"
                               "sts =\n"
                               "  endpoint_url = http://127.0.0.1:5000\n"
                               "  # a comment inside\n"
                               "\tRegion: eu-west-2\n"
                               "kinesis=\n"
                               "    endpoint_url = http://127.0.0.1:4567\n"
                               "top = level\n"
                               "    stray = not nested under a key with a value\n"
                               "[broken\n"
                               "=novalue\n"
                               "[empty-section]\n";
    struct ini *ini = ini_parse(text, sizeof(text) - 1);

    (void)state;
    assert_string_equal(ini_get(ini, "default", "aws_access_key_id"), "AKIDDEFAULT");
    assert_string_equal(ini_get(ini, "default", "region"), "eu-west-1");
    assert_string_equal(ini_get(ini, "default", "REGION"), "eu-west-1");
    assert_string_equal(ini_get(ini, "profile dev", "role_arn"),
                        "arn:aws:iam::123456789012:role/reader");
    assert_string_equal(ini_get(ini, "profile dev", "source_profile"), "base");
    assert_null(ini_get(ini, "profile dev", "max_concurrent_requests"));
    assert_null(ini_get(ini, "profile dev", "region"));
    assert_string_equal(ini_get(ini, "profile dev", "credential_process"), "/bin/helper --opt a=b");
    assert_string_equal(ini_get(ini, "profile dev", "dup"), "2");
    assert_string_equal(ini_get(ini, "profile dev", "empty"), "");
    assert_string_equal(ini_get(ini, "sso-session corp", "sso_region"), "us-east-1");
    /* Nested sub-sections are kept under "parent.key" and never leak to the top level. */
    assert_string_equal(ini_get(ini, "profile dev", "s3.region"), "nested-ignored");
    assert_string_equal(ini_get(ini, "profile dev", "s3.max_concurrent_requests"), "20");
    assert_string_equal(ini_get(ini, "services local", "sts.endpoint_url"),
                        "http://127.0.0.1:5000");
    assert_string_equal(ini_get(ini, "services local", "sts.region"), "eu-west-2");
    assert_string_equal(ini_get(ini, "services local", "kinesis.endpoint_url"),
                        "http://127.0.0.1:4567");
    assert_null(ini_get(ini, "services local", "endpoint_url"));
    assert_null(ini_get(ini, "services local", "stray"));
    assert_null(ini_get(ini, "services local", "top.stray"));
    assert_string_equal(ini_get(ini, "services local", "top"), "level");
    assert_null(ini_get(ini, "default", "orphan"));
    assert_null(ini_get(ini, "nosuch", "region"));
    assert_true(ini_has_section(ini, "empty-section"));
    assert_true(ini_has_section(ini, "profile dev"));
    assert_false(ini_has_section(ini, "dev"));
    ini_free(ini);

    {
        int err = 0;

        assert_null(ini_load("/nonexistent/aws/config", &err));
        assert_int_equal(err, ENOENT);
    }
}

/* --- credential_process ---------------------------------------------------------------------- */

static void check_split(const char *cmd, const char *const *want, size_t n)
{
    const char *err = NULL;
    size_t argc = 0;
    char **argv = shellwords_split(cmd, &argc, &err);

    if (argv == NULL)
        fail_msg("'%s': %s", cmd, err);
    assert_int_equal(argc, n);
    for (size_t i = 0; i < n; i++)
        assert_string_equal(argv[i], want[i]);
    assert_null(argv[n]);
    shellwords_free(argv);
}

static void check_split_error(const char *cmd, const char *want)
{
    const char *err = NULL;

    assert_null(shellwords_split(cmd, NULL, &err));
    assert_string_equal(err, want);
}

static void test_shellwords(void **state)
{
    static const char *const w1[] = {
        "/usr/bin/helper", "--profile", "my profile", "it's", "back slash",
        "say \"hi\"",      "",          "a\\b",       "$HOME"};
    static const char *const w2[] = {"aws", "configure", "export-credentials"};
    static const char *const w3[] = {"python3", "-c", "print(1)"};
    static const char *const w4[] = {"ab", "cd"};

    (void)state;
    check_split("/usr/bin/helper --profile \"my profile\" it\\'s back\\ slash "
                "\"say \\\"hi\\\"\" '' 'a\\b' '$HOME'",
                w1, 9);
    check_split("  aws\tconfigure   export-credentials  ", w2, 3);
    check_split("python3 -c 'print(1)'", w3, 3);
    check_split("a'b'\"\" c\"d\"", w4, 2);
    check_split_error("helper 'unterminated", "no closing quotation");
    check_split_error("helper \"unterminated", "no closing quotation");
    check_split_error("helper trailing\\", "no escaped character");
    check_split_error("   ", "empty command");
    check_split_error("", "empty command");
}

static bool from_json(enum creds_json_kind kind, const char *json, struct aws_creds *c, char *err,
                      size_t errsz)
{
    return creds_json_parse(kind, json, strlen(json), c, err, errsz);
}

/* The three JSON credential documents through the one reader. */
static void test_creds_from_json(void **state)
{
    struct aws_creds c;
    char err[200];

    (void)state;
    assert_true(from_json(CREDS_JSON_PROCESS,
                          "{\"Version\": 1, \"AccessKeyId\": \"AKIDPROC\", \"SecretAccessKey\": "
                          "\"" SECRET "\", \"SessionToken\": \"" TOKEN "\", \"Expiration\": "
                          "\"2030-01-01T00:00:00Z\"}",
                          &c, err, sizeof(err)));
    assert_string_equal(c.access_key, "AKIDPROC");
    assert_string_equal(c.secret_key, SECRET);
    assert_string_equal(c.session_token, TOKEN);
    assert_int_equal(c.expires_ms, INT64_C(1893456000000));
    assert_string_equal(c.source, "");
    /* IMDS and the container agent call the token "Token"; escapes are decoded. */
    assert_true(from_json(CREDS_JSON_IMDS,
                          "{\"Code\":\"Success\",\"Type\":\"AWS-HMAC\",\"AccessKeyId\":\"ASIA1\","
                          "\"SecretAccessKey\":\"s\\/1\",\"Token\":\"t\\u00e9\","
                          "\"Expiration\":\"2030-01-01T00:00:00Z\"}",
                          &c, err, sizeof(err)));
    assert_string_equal(c.secret_key, "s/1");
    assert_string_equal(c.session_token, "t\xc3\xa9");
    assert_true(from_json(CREDS_JSON_CONTAINER,
                          "{\"AccessKeyId\":\"ASIA2\",\"SecretAccessKey\":\"s2\",\"Token\":null}",
                          &c, err, sizeof(err)));
    assert_string_equal(c.access_key, "ASIA2");
    assert_string_equal(c.session_token, "");
    assert_int_equal(c.expires_ms, 0);

#define BAD(kind, json, want)                                                                      \
    do {                                                                                           \
        assert_false(from_json(kind, json, &c, err, sizeof(err)));                                 \
        if (strstr(err, want) == NULL)                                                             \
            fail_msg("'%s' gave '%s', not '%s'", json, err, want);                                 \
        assert_null(strstr(err, SECRET));                                                          \
        assert_string_equal(c.secret_key, "");                                                     \
    } while (0)
    BAD(CREDS_JSON_PROCESS,
        "{\"Version\":2,\"AccessKeyId\":\"A\",\"SecretAccessKey\":\"" SECRET "\"}", "Version");
    BAD(CREDS_JSON_PROCESS, "{\"AccessKeyId\":\"A\",\"SecretAccessKey\":\"" SECRET "\"}",
        "Version");
    BAD(CREDS_JSON_PROCESS, "{\"Version\":1,\"AccessKeyId\":\"A\"}", "SecretAccessKey");
    BAD(CREDS_JSON_CONTAINER, "{\"AccessKeyId\":\"\",\"SecretAccessKey\":\"" SECRET "\"}",
        "no AccessKeyId or SecretAccessKey");
    BAD(CREDS_JSON_PROCESS,
        "{\"Version\":1,\"AccessKeyId\":\"A\",\"SecretAccessKey\":\"" SECRET "\","
        "\"Expiration\":\"tomorrow\"}",
        "Expiration");
    BAD(CREDS_JSON_IMDS, "{\"AccessKeyId\":\"A\",\"SecretAccessKey\":\"" SECRET "\",\"Token\":7}",
        "not a string");
    BAD(CREDS_JSON_PROCESS, "Version=1 " SECRET, "not a JSON object");
    BAD(CREDS_JSON_PROCESS, "[1]", "not a JSON object");
    BAD(CREDS_JSON_IMDS, "{\"AccessKeyId\":\"A\", \"SecretAccessKey\":\"" SECRET "\"",
        "not a JSON object");
    /* IMDS: a 200 with a Code other than Success is an error that says why, scrubbed. */
    BAD(CREDS_JSON_IMDS,
        "{\"Code\":\"AssumeRoleUnauthorizedAccess\",\"Message\":\"EC2 cannot assume the role "
        "q3Lw9XbT2mVz8KcRf1NpYd5GhJs7UoAe4WiBn0Ct\"}",
        "AssumeRoleUnauthorizedAccess: EC2 cannot assume the role <redacted>");
    /* A credential longer than the struct holds is refused, not cut. */
    {
        struct buf b;

        buf_init(&b);
        buf_puts(&b, "{\"AccessKeyId\":\"A\",\"SecretAccessKey\":\"");
        for (int i = 0; i < 200; i++)
            buf_putc(&b, 'x');
        buf_puts(&b, "\"}");
        assert_false(from_json(CREDS_JSON_CONTAINER, b.data, &c, err, sizeof(err)));
        assert_non_null(strstr(err, "longer than supported"));
        buf_free(&b);
    }
#undef BAD
    creds_util_wipe(&c);
}

/* --- STS XML -------------------------------------------------------------------------------- */

static const char assume_role_reply[] =
    "<AssumeRoleResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">\n"
    "  <AssumeRoleResult>\n"
    "    <SourceIdentity>Alice</SourceIdentity>\n"
    "    <AssumedRoleUser>\n"
    "      <Arn>arn:aws:sts::123456789012:assumed-role/demo/TestAR</Arn>\n"
    "      <AssumedRoleId>ARO123EXAMPLE123:TestAR</AssumedRoleId>\n"
    "    </AssumedRoleUser>\n"
    "    <Credentials>\n"
    "      <AccessKeyId>ASIAIOSFODNN7EXAMPLE</AccessKeyId>\n"
    "      <SecretAccessKey>wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY</SecretAccessKey>\n"
    "      <SessionToken>\n"
    "       AQoDYXdzEPT//////////wEXAMPLEtc764bNrC9SAPBSM22wDOk4x4HIZ8j4FZTwdQWLWsKWHGBuFqwAeMi\n"
    "      </SessionToken>\n"
    "      <Expiration>2019-11-09T13:34:41Z</Expiration>\n"
    "    </Credentials>\n"
    "    <PackedPolicySize>6</PackedPolicySize>\n"
    "  </AssumeRoleResult>\n"
    "  <ResponseMetadata>\n"
    "    <RequestId>c6104cbe-af31-11e0-8154-cbc7ccf896c7</RequestId>\n"
    "  </ResponseMetadata>\n"
    "</AssumeRoleResponse>\n";

static void test_xmltext(void **state)
{
    static const char ns[] = "<a:Root xmlns:a=\"x\"><a:Code attr='1'>Access&amp;Denied</a:Code>"
                             "<Message>&lt;b&gt; &#65;&#x42; &quot;q&quot; &apos;s&apos; &bogus; "
                             "&#xZZ;</Message><Empty/><Blank></Blank></a:Root>";
    char out[64];

    (void)state;
    assert_int_equal(xmltext_find(assume_role_reply, sizeof(assume_role_reply) - 1, "AccessKeyId",
                                  out, sizeof(out)),
                     20);
    assert_string_equal(out, "ASIAIOSFODNN7EXAMPLE");
    assert_true(xmltext_find(assume_role_reply, sizeof(assume_role_reply) - 1, "Arn", out,
                             sizeof(out)) > 0);
    assert_string_equal(out, "arn:aws:sts::123456789012:assumed-role/demo/TestAR");
    /* Truncated output still reports the full length. */
    assert_int_equal(
        xmltext_find(assume_role_reply, sizeof(assume_role_reply) - 1, "RequestId", out, 8), 36);
    assert_string_equal(out, "c6104cb");
    assert_int_equal(
        xmltext_find(assume_role_reply, sizeof(assume_role_reply) - 1, "Nope", out, sizeof(out)),
        -1);
    assert_true(xmltext_find(ns, sizeof(ns) - 1, "Code", out, sizeof(out)) > 0);
    assert_string_equal(out, "Access&Denied");
    assert_true(xmltext_find(ns, sizeof(ns) - 1, "Message", out, sizeof(out)) > 0);
    assert_string_equal(out, "<b> AB \"q\" 's' &bogus; &#xZZ;");
    assert_int_equal(xmltext_find(ns, sizeof(ns) - 1, "Empty", out, sizeof(out)), 0);
    assert_int_equal(xmltext_find(ns, sizeof(ns) - 1, "Blank", out, sizeof(out)), 0);
    assert_int_equal(xmltext_find("<Open>never closed", 18, "Open", out, sizeof(out)), -1);
}

static void test_sts_parse(void **state)
{
    static const char denied[] =
        "<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">"
        "<Error><Type>Sender</Type><Code>AccessDenied</Code>"
        "<Message>User: arn:aws:iam::123456789012:user/x is not "
        "authorized to perform: sts:AssumeRole</Message></Error>"
        "</ErrorResponse>";
    struct aws_creds c;
    char err[300];

    (void)state;
    assert_true(creds_sts_parse(200, assume_role_reply, sizeof(assume_role_reply) - 1, &c, err,
                                sizeof(err)));
    assert_string_equal(c.access_key, "ASIAIOSFODNN7EXAMPLE");
    assert_string_equal(c.secret_key, "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY");
    assert_string_equal(c.session_token, "AQoDYXdzEPT//////////wEXAMPLEtc764bNrC9SAPBSM22wDOk4x4H"
                                         "IZ8j4FZTwdQWLWsKWHGBuFqwAeMi");
    assert_int_equal(c.expires_ms, INT64_C(1573306481000));
    assert_false(creds_sts_parse(403, denied, sizeof(denied) - 1, &c, err, sizeof(err)));
    assert_non_null(strstr(err, "HTTP 403 AccessDenied: User: "));
    assert_non_null(strstr(err, "sts:AssumeRole"));
    assert_false(creds_sts_parse(200, "<AssumeRoleResponse/>", 21, &c, err, sizeof(err)));
    assert_string_equal(err, "the STS reply lacks the credentials");
    creds_util_wipe(&c);
}

/* --- times ---------------------------------------------------------------------------------- */

static void test_refresh_schedule(void **state)
{
    const int64_t min = 60 * 1000;

    (void)state;
    /* 10 % of the lifetime, at most 5 minutes, at least 30 s, never above half the lifetime. */
    assert_int_equal(awstime_refresh_lead_ms(60 * min), 5 * min); /* IMDS, 6 h tokens: 5 min */
    assert_int_equal(awstime_refresh_lead_ms(6 * 60 * min), 5 * min);
    assert_int_equal(awstime_refresh_lead_ms(15 * min), 90 * 1000);  /* shortest STS session */
    assert_int_equal(awstime_refresh_lead_ms(2 * min), 30 * 1000);   /* the 30 s floor */
    assert_int_equal(awstime_refresh_lead_ms(40 * 1000), 20 * 1000); /* half of a short life */
    assert_int_equal(awstime_refresh_lead_ms(6 * 1000), 3 * 1000);
    assert_int_equal(awstime_refresh_lead_ms(0), 0);
    assert_int_equal(awstime_refresh_lead_ms(-5), 0);
    assert_int_equal(awstime_refresh_at_ms(1000, 0), INT64_MAX);
    assert_int_equal(awstime_refresh_at_ms(0, 60 * min), 55 * min);
    assert_int_equal(awstime_refresh_at_ms(10 * 1000, 16 * 1000), 13 * 1000);
    /* Already expired credentials are due at once. */
    assert_true(awstime_refresh_at_ms(10 * 1000, 5 * 1000) <= 10 * 1000);
}

/* --- URLs ----------------------------------------------------------------------------------- */

static void check_url(const char *url, const char *host_header, const char *path, const char *query,
                      const char *base)
{
    struct aws_url u;

    if (!aws_sign_parse_url(url, &u))
        fail_msg("%s rejected", url);
    assert_string_equal(u.host_header, host_header);
    assert_string_equal(u.path, path);
    assert_string_equal(u.query, query);
    assert_string_equal(u.base, base);
    aws_sign_url_free(&u);
}

static void test_urls(void **state)
{
    struct aws_url u;

    (void)state;
    check_url("https://kinesis.eu-west-1.amazonaws.com/", "kinesis.eu-west-1.amazonaws.com", "/",
              "", "https://kinesis.eu-west-1.amazonaws.com");
    check_url("http://127.0.0.1:4567", "127.0.0.1:4567", "/", "", "http://127.0.0.1:4567");
    check_url("https://x.example:443/a/b?c=d#frag", "x.example", "/a/b", "c=d",
              "https://x.example:443");
    check_url("http://x.example:80", "x.example", "/", "", "http://x.example:80");
    check_url("http://[::1]:8080/p?q", "[::1]:8080", "/p", "q", "http://[::1]:8080");
    check_url("HTTP://[fd00:ec2::254]", "[fd00:ec2::254]", "/", "", "HTTP://[fd00:ec2::254]");
    assert_false(aws_sign_parse_url("ftp://x/", &u));
    assert_false(aws_sign_parse_url("http://user:pw@x/", &u));
    assert_false(aws_sign_parse_url("http://x:99999/", &u));
    assert_false(aws_sign_parse_url("http://x:/", &u));
    assert_false(aws_sign_parse_url("http:///path", &u));
    assert_false(aws_sign_parse_url("http://x y/", &u));
    assert_false(aws_sign_parse_url(NULL, &u));
}

/* --- a tiny HTTP server on 127.0.0.1, inside the test's own loop ----------------------------- */

#define STUB_MAX 16

struct stub_conn {
    ev_io io;
    struct stub *s;
    struct buf in;
};

struct stub {
    struct ev_loop *loop;
    int fd;
    int port;
    ev_io accept_w;
    char *replies[STUB_MAX]; /* raw HTTP replies, used in order; the last one repeats */
    size_t nreplies, next;
    char *requests[STUB_MAX]; /* raw requests received */
    size_t nrequests;
};

/* A request is complete after its headers and Content-Length bytes of body. */
static bool stub_complete(const struct buf *b)
{
    const char *end = b->data != NULL ? strstr(b->data, "\r\n\r\n") : NULL;
    const char *cl;
    size_t body = 0;

    if (end == NULL)
        return false;
    cl = strcasestr(b->data, "\r\ncontent-length:");
    if (cl != NULL && cl < end)
        body = (size_t)strtoul(cl + 17, NULL, 10);
    return b->len >= (size_t)(end + 4 - b->data) + body;
}

static void stub_conn_cb(struct ev_loop *loop, ev_io *w, int revents)
{
    struct stub_conn *c = w->data;
    struct stub *s = c->s;
    char chunk[4096];
    ssize_t n = read(w->fd, chunk, sizeof(chunk));

    (void)revents;
    if (n > 0)
        buf_append(&c->in, chunk, (size_t)n);
    if (n > 0 && !stub_complete(&c->in))
        return;
    if (n > 0) {
        const char *reply = s->replies[s->next < s->nreplies ? s->next : s->nreplies - 1];
        size_t len = strlen(reply), off = 0;

        s->next++;
        if (s->nrequests < STUB_MAX)
            s->requests[s->nrequests++] = buf_steal(&c->in);
        while (off < len) {
            ssize_t wr = write(w->fd, reply + off, len - off);

            if (wr <= 0)
                break;
            off += (size_t)wr;
        }
    }
    ev_io_stop(loop, w);
    close(w->fd);
    buf_free(&c->in);
    free(c);
}

static void stub_accept_cb(struct ev_loop *loop, ev_io *w, int revents)
{
    struct stub *s = w->data;
    int fd = accept(s->fd, NULL, NULL);
    struct stub_conn *c;

    (void)revents;
    if (fd < 0)
        return;
    c = xcalloc(1, sizeof(*c));
    c->s = s;
    buf_init(&c->in);
    ev_io_init(&c->io, stub_conn_cb, fd, EV_READ);
    c->io.data = c;
    ev_io_start(loop, &c->io);
}

static void stub_start(struct stub *s, struct ev_loop *loop)
{
    struct sockaddr_in a = {0};
    socklen_t len = sizeof(a);

    memset(s, 0, sizeof(*s));
    s->loop = loop;
    s->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    assert_true(s->fd >= 0);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(bind(s->fd, (struct sockaddr *)&a, sizeof(a)), 0);
    assert_int_equal(listen(s->fd, 16), 0);
    assert_int_equal(getsockname(s->fd, (struct sockaddr *)&a, &len), 0);
    s->port = ntohs(a.sin_port);
    ev_io_init(&s->accept_w, stub_accept_cb, s->fd, EV_READ);
    s->accept_w.data = s;
    ev_io_start(loop, &s->accept_w);
}

/* Queues "HTTP/1.1 <head>" with a Content-Length for body; head may add header lines. */
static void stub_reply(struct stub *s, const char *head, const char *body)
{
    struct buf b;

    assert_true(s->nreplies < STUB_MAX);
    buf_init(&b);
    buf_printf(&b, "HTTP/1.1 %s\r\nContent-Length: %zu\r\nConnection: close\r\n\r\n%s", head,
               strlen(body), body);
    s->replies[s->nreplies++] = buf_steal(&b);
}

static void stub_stop(struct stub *s)
{
    ev_io_stop(s->loop, &s->accept_w);
    close(s->fd);
    for (size_t i = 0; i < s->nrequests; i++)
        free(s->requests[i]);
    for (size_t i = 0; i < s->nreplies; i++)
        free(s->replies[i]);
}

static void stub_url(const struct stub *s, char *out, size_t outsz, const char *path)
{
    snprintf(out, outsz, "http://127.0.0.1:%d%s", s->port, path);
}

/* The value of a header in a raw request (case-insensitive), copied into out; false if absent. */
static bool req_header(const char *req, const char *name, char *out, size_t outsz)
{
    size_t n = strlen(name);
    const char *p = strstr(req, "\r\n");

    while (p != NULL && p[2] != '\r') {
        const char *line = p + 2, *eol = strstr(line, "\r\n");

        if (strncasecmp(line, name, n) == 0 && line[n] == ':') {
            const char *v = line + n + 1;
            size_t len;

            while (*v == ' ')
                v++;
            len = (size_t)(eol - v);
            snprintf(out, outsz, "%.*s", (int)len, v);
            return true;
        }
        p = eol;
    }
    return false;
}

/* --- http.c end to end ---------------------------------------------------------------------- */

struct got {
    struct ev_loop *loop;
    int calls;
    long status;
    char error[512];
    char body[256];
    char header[128];
    char errortype[128];
    struct http *h;
    struct http_call *other; /* cancelled from inside a callback */
    bool free_http;          /* http_free from inside a callback */
};

static void got_http(void *ctx, const struct http_response *r)
{
    struct got *g = ctx;
    const char *v = http_response_header(r, "x-custom");
    const char *t = http_response_header(r, "X-AMZN-ERRORTYPE");

    g->calls++;
    g->status = r->status;
    snprintf(g->error, sizeof(g->error), "%s", r->error);
    snprintf(g->body, sizeof(g->body), "%s", r->body);
    snprintf(g->header, sizeof(g->header), "%s", v != NULL ? v : "(none)");
    snprintf(g->errortype, sizeof(g->errortype), "%s", t != NULL ? t : "(none)");
    assert_int_equal(strlen(r->body), r->body_len);
    if (g->other != NULL) {
        http_cancel(g->h, g->other);
        g->other = NULL;
    }
    if (g->free_http) {
        http_free(g->h);
        g->h = NULL;
    }
    ev_break(g->loop, EVBREAK_ALL);
}

static void test_http_get_put_headers(void **state)
{
    struct ev_loop *loop = ev_loop_new(EVFLAG_AUTO);
    struct stub s;
    struct got g = {0};
    struct http *h = http_new(loop, "cdctop-test/1");
    struct http_header hd[] = {{"X-Test", "one"}, {"X-Empty", ""}};
    char url[128], v[256];

    (void)state;
    stub_start(&s, loop);
    stub_reply(&s, "200 OK\r\nX-Custom:  hello ", "hello");
    stub_reply(&s, "400 Bad Request\r\nX-Amzn-Errortype: ResourceNotFoundException:http://x/",
               "{}");
    g.loop = loop;
    stub_url(&s, url, sizeof(url), "/latest/api/token");

    {
        struct http_request req = {.method = "GET", .url = url, .headers = hd, .nheaders = 2};

        http_send(h, &req, got_http, &g);
        assert_int_equal(http_in_flight(h), 1);
        ev_run(loop, 0);
    }
    assert_int_equal(g.calls, 1);
    assert_int_equal(g.status, 200);
    assert_string_equal(g.error, "");
    assert_string_equal(g.body, "hello");
    assert_string_equal(g.header, "hello");
    assert_int_equal(http_in_flight(h), 0);
    assert_int_equal(s.nrequests, 1);
    assert_true(strncmp(s.requests[0], "GET /latest/api/token HTTP/1.1\r\n", 32) == 0);
    assert_true(req_header(s.requests[0], "X-Test", v, sizeof(v)));
    assert_string_equal(v, "one");
    assert_true(req_header(s.requests[0], "X-Empty", v, sizeof(v)));
    assert_string_equal(v, "");
    assert_true(req_header(s.requests[0], "User-Agent", v, sizeof(v)));
    assert_string_equal(v, "cdctop-test/1");
    assert_false(req_header(s.requests[0], "Expect", v, sizeof(v)));

    {
        struct http_header th[] = {{"x-aws-ec2-metadata-token-ttl-seconds", "21600"}};
        struct http_request req = {.method = "PUT",
                                   .url = url,
                                   .headers = th,
                                   .nheaders = 1,
                                   .body = "abc",
                                   .body_len = 3};

        http_send(h, &req, got_http, &g);
        ev_run(loop, 0);
    }
    assert_int_equal(g.status, 400);
    assert_string_equal(g.errortype, "ResourceNotFoundException:http://x/");
    assert_string_equal(g.header, "(none)");
    assert_true(strncmp(s.requests[1], "PUT /latest/api/token HTTP/1.1\r\n", 32) == 0);
    assert_true(req_header(s.requests[1], "x-aws-ec2-metadata-token-ttl-seconds", v, sizeof(v)));
    assert_string_equal(v, "21600");
    assert_true(req_header(s.requests[1], "Content-Length", v, sizeof(v)));
    assert_string_equal(v, "3");
    assert_false(req_header(s.requests[1], "Expect", v, sizeof(v)));
    assert_false(req_header(s.requests[1], "Content-Type", v, sizeof(v)));
    assert_non_null(strstr(s.requests[1], "\r\n\r\nabc"));

    http_free(h);
    stub_stop(&s);
    ev_loop_destroy(loop);
}

static void test_http_refused_and_bad_input(void **state)
{
    struct ev_loop *loop = ev_loop_new(EVFLAG_AUTO);
    struct got g = {0};
    struct http *h = http_new(loop, NULL);
    struct http_header bad[] = {{"X-Evil", "a\r\nInjected: yes"}};
    struct http_request refused = {.method = "GET", .url = "http://127.0.0.1:1/"};
    struct http_request injected = {
        .method = "GET", .url = "http://127.0.0.1:1/", .headers = bad, .nheaders = 1};

    (void)state;
    g.loop = loop;
    http_send(h, &refused, got_http, &g);
    ev_run(loop, 0);
    assert_int_equal(g.status, 0);
    assert_non_null(strstr(g.error, "refused"));
    assert_string_equal(g.body, "");

    /* A header with a line break is never sent; the call still ends from the loop. */
    http_send(h, &injected, got_http, &g);
    assert_int_equal(g.calls, 1);
    ev_run(loop, 0);
    assert_int_equal(g.calls, 2);
    assert_int_equal(g.status, 0);
    assert_non_null(strstr(g.error, "invalid request"));
    http_free(h);
    ev_loop_destroy(loop);
}

static void never_called(void *ctx, const struct http_response *r)
{
    (void)ctx;
    (void)r;
    fail_msg("a cancelled call was called back");
}

/* A loopback listener that never accepts: connections succeed, replies never come. */
static int silent_listener(int *port)
{
    struct sockaddr_in a = {0};
    socklen_t len = sizeof(a);
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

    assert_true(fd >= 0);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
    assert_int_equal(listen(fd, 16), 0);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &len), 0);
    *port = ntohs(a.sin_port);
    return fd;
}

/* A callback may cancel another call and free the whole http; nothing else is called back. */
static void test_http_reentrancy(void **state)
{
    struct ev_loop *loop = ev_loop_new(EVFLAG_AUTO);
    struct got g = {0};
    struct http_request refused = {.method = "GET", .url = "http://127.0.0.1:1/"};
    char url[64];
    struct http_request hang = {
        .method = "POST", .url = url, .body = "x", .body_len = 1, .timeout_ms = 60000};
    int port, fd = silent_listener(&port);

    (void)state;
    snprintf(url, sizeof(url), "http://127.0.0.1:%d/", port);
    g.loop = loop;
    g.h = http_new(loop, NULL);
    g.other = http_send(g.h, &hang, never_called, NULL);
    http_send(g.h, &refused, got_http, &g);
    ev_run(loop, 0);
    assert_int_equal(g.calls, 1);
    assert_null(g.other);
    assert_int_equal(http_in_flight(g.h), 0);

    /* Freed from a callback with two calls still waiting for replies: neither is called. */
    http_send(g.h, &hang, never_called, NULL);
    http_send(g.h, &hang, never_called, NULL);
    http_cancel(g.h, http_send(g.h, &hang, never_called, NULL));
    assert_int_equal(http_in_flight(g.h), 2);
    g.free_http = true;
    http_send(g.h, &refused, got_http, &g);
    ev_run(loop, 0);
    assert_int_equal(g.calls, 2);
    assert_null(g.h);
    close(fd);
    ev_loop_destroy(loop);
}

/* --- aws.c end to end ----------------------------------------------------------------------- */

struct aws_got {
    struct ev_loop *loop;
    int calls;
    enum aws_outcome outcome;
    long status;
    char code[96], message[512], hint[256];
    bool in_call; /* set while aws_call runs: a report then would be too early */
};

static void aws_got_done(void *ctx, const struct aws_result *r)
{
    struct aws_got *g = ctx;

    assert_false(g->in_call);
    g->calls++;
    g->outcome = r->outcome;
    g->status = r->status;
    snprintf(g->code, sizeof(g->code), "%s", r->code);
    snprintf(g->message, sizeof(g->message), "%s", r->message);
    snprintf(g->hint, sizeof(g->hint), "%s", r->hint);
    ev_break(g->loop, EVBREAK_ALL);
}

static void clear_aws_env(void)
{
    static const char *const vars[] = {"AWS_ACCESS_KEY_ID",
                                       "AWS_SECRET_ACCESS_KEY",
                                       "AWS_SESSION_TOKEN",
                                       "AWS_SECURITY_TOKEN",
                                       "AWS_PROFILE",
                                       "AWS_DEFAULT_PROFILE",
                                       "AWS_REGION",
                                       "AWS_DEFAULT_REGION",
                                       "AWS_CONFIG_FILE",
                                       "AWS_SHARED_CREDENTIALS_FILE",
                                       "AWS_CREDENTIAL_EXPIRATION",
                                       "AWS_WEB_IDENTITY_TOKEN_FILE",
                                       "AWS_ROLE_ARN",
                                       "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
                                       "AWS_CONTAINER_CREDENTIALS_FULL_URI",
                                       "AWS_EC2_METADATA_SERVICE_ENDPOINT",
                                       "AWS_EC2_METADATA_DISABLED",
                                       "AWS_ENDPOINT_URL",
                                       "AWS_ENDPOINT_URL_STS",
                                       "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS",
                                       "AWS_CA_BUNDLE",
                                       "http_proxy",
                                       "HTTP_PROXY",
                                       "https_proxy",
                                       "HTTPS_PROXY",
                                       "no_proxy",
                                       "NO_PROXY"};

    for (size_t i = 0; i < sizeof(vars) / sizeof(vars[0]); i++)
        unsetenv(vars[i]);
}

/* Recomputes the signature of a raw request the stub received, with the known secret. */
static void check_signature(const char *raw, const char *secret)
{
    char auth[512], date[32], ctype[64], target[128], host[64], token[256], sig_hdrs[256];
    struct sigv4_header h[5];
    size_t n = 0;
    struct sigv4_input in = {0};
    struct sigv4_output out;
    const char *body = strstr(raw, "\r\n\r\n") + 4;
    const char *sh, *want;

    assert_true(req_header(raw, "Authorization", auth, sizeof(auth)));
    assert_true(req_header(raw, "X-Amz-Date", date, sizeof(date)));
    assert_true(req_header(raw, "Content-Type", ctype, sizeof(ctype)));
    assert_true(req_header(raw, "X-Amz-Target", target, sizeof(target)));
    assert_true(req_header(raw, "Host", host, sizeof(host)));
    sh = strstr(auth, "SignedHeaders=");
    assert_non_null(sh);
    snprintf(sig_hdrs, sizeof(sig_hdrs), "%.*s", (int)strcspn(sh + 14, ","), sh + 14);
    h[n++] = (struct sigv4_header){"content-type", ctype};
    h[n++] = (struct sigv4_header){"host", host};
    h[n++] = (struct sigv4_header){"x-amz-date", date};
    h[n++] = (struct sigv4_header){"x-amz-target", target};
    if (req_header(raw, "X-Amz-Security-Token", token, sizeof(token))) {
        h[n++] = (struct sigv4_header){"x-amz-security-token", token};
        assert_string_equal(sig_hdrs,
                            "content-type;host;x-amz-date;x-amz-security-token;x-amz-target");
    } else {
        assert_string_equal(sig_hdrs, "content-type;host;x-amz-date;x-amz-target");
    }
    in.method = "POST";
    in.path = "/";
    in.headers = h;
    in.nheaders = n;
    in.payload = body;
    in.payload_len = strlen(body);
    in.region = "eu-west-1";
    in.service = "kinesis";
    in.amz_date = date;
    in.access_key = "AKIDTEST";
    in.secret_key = secret;
    assert_true(sigv4_sign(&in, &out));
    want = strstr(auth, "Signature=");
    assert_non_null(want);
    assert_string_equal(want + 10, out.signature);
    sigv4_output_free(&out);
}

static void test_aws_call_signed_and_classified(void **state)
{
    struct ev_loop *loop = ev_loop_new(EVFLAG_AUTO);
    struct stub s;
    struct aws_got g = {0};
    struct http *h = http_new(loop, NULL);
    struct creds_config ccfg = {0};
    struct creds *c;
    struct aws_client *cl;
    struct aws_client_config acfg = {&aws_kinesis, "eu-west-1", NULL};
    char url[128], v[256];

    (void)state;
    clear_aws_env();
    setenv("AWS_ACCESS_KEY_ID", "AKIDTEST", 1);
    setenv("AWS_SECRET_ACCESS_KEY", SECRET, 1);
    setenv("AWS_SESSION_TOKEN", TOKEN, 1);
    stub_start(&s, loop);
    stub_reply(&s, "200 OK", "{\"StreamNames\":[]}");
    stub_reply(&s, "400 Bad Request\r\nx-amzn-ErrorType: AccessDeniedException:http://x/",
               "{\"message\":\"User: arn:aws:iam::1:user/x is not authorized to perform: "
               "kinesis:ListShards " SECRET "\"}");
    stub_url(&s, url, sizeof(url), "/");
    acfg.endpoint_url = url;
    c = creds_new(loop, h, &ccfg);
    cl = aws_client_new(h, c, &acfg);
    g.loop = loop;
    snprintf(v, sizeof(v), "http://127.0.0.1:%d", s.port);
    assert_string_equal(aws_client_endpoint(cl), v);

    g.in_call = true;
    aws_call(cl, "ListStreams", NULL, aws_got_done, &g);
    g.in_call = false;
    ev_run(loop, 0);
    assert_int_equal(g.outcome, AWS_OK);
    assert_int_equal(g.status, 200);
    assert_string_equal(g.hint, "");
    assert_string_equal(creds_source(c), "environment");
    assert_true(req_header(s.requests[0], "X-Amz-Target", v, sizeof(v)));
    assert_string_equal(v, "Kinesis_20131202.ListStreams");
    assert_true(req_header(s.requests[0], "Content-Type", v, sizeof(v)));
    assert_string_equal(v, "application/x-amz-json-1.1");
    assert_true(req_header(s.requests[0], "Host", v, sizeof(v)));
    snprintf(url, sizeof(url), "127.0.0.1:%d", s.port);
    assert_string_equal(v, url);
    assert_true(req_header(s.requests[0], "X-Amz-Security-Token", v, sizeof(v)));
    assert_string_equal(v, TOKEN);
    assert_true(req_header(s.requests[0], "User-Agent", v, sizeof(v)));
    assert_true(strncmp(v, "cdctop/", 7) == 0);
    assert_non_null(strstr(s.requests[0], "\r\n\r\n{}"));
    check_signature(s.requests[0], SECRET);

    aws_call(cl, "ListShards", "{\"StreamName\":\"cdc\"}", aws_got_done, &g);
    ev_run(loop, 0);
    assert_int_equal(g.outcome, AWS_ACCESS_DENIED);
    assert_string_equal(g.code, "AccessDeniedException");
    assert_string_equal(g.hint, "the credentials lack kinesis:ListShards");
    assert_null(strstr(g.message, SECRET));
    assert_non_null(strstr(g.message, "<redacted>"));
    check_signature(s.requests[1], SECRET);

    aws_client_free(cl);
    creds_free(c);
    http_free(h);
    stub_stop(&s);
    ev_loop_destroy(loop);
    clear_aws_env();
}

/* ExpiredToken: the credentials are forgotten and the call is retried once. */
static void test_aws_call_expired_retry(void **state)
{
    struct ev_loop *loop = ev_loop_new(EVFLAG_AUTO);
    struct stub s;
    struct aws_got g = {0};
    struct http *h = http_new(loop, NULL);
    struct creds_config ccfg = {0};
    struct creds *c;
    struct aws_client *cl;
    struct aws_client_config acfg = {&aws_sqs, NULL, NULL};
    char url[128];

    (void)state;
    clear_aws_env();
    setenv("AWS_ACCESS_KEY_ID", "AKIDTEST", 1);
    setenv("AWS_SECRET_ACCESS_KEY", SECRET, 1);
    stub_start(&s, loop);
    stub_reply(&s, "400 Bad Request",
               "{\"__type\":\"ExpiredTokenException\",\"message\":\"expired now\"}");
    stub_reply(&s, "400 Bad Request",
               "{\"__type\":\"ExpiredTokenException\",\"message\":\"expired now\"}");
    stub_reply(&s, "200 OK", "{}");
    stub_url(&s, url, sizeof(url), "/");
    acfg.endpoint_url = url;
    c = creds_new(loop, h, &ccfg);
    cl = aws_client_new(h, c, &acfg);
    g.loop = loop;

    aws_call(cl, "ListQueues", "{}", aws_got_done, &g);
    ev_run(loop, 0);
    /* Retried once, then reported. */
    assert_int_equal(g.outcome, AWS_EXPIRED_CREDS);
    assert_int_equal(s.nrequests, 2);
    assert_string_equal(g.hint, "credentials expired: refreshing");
    aws_call(cl, "ListQueues", "{}", aws_got_done, &g);
    ev_run(loop, 0);
    assert_int_equal(g.outcome, AWS_OK);
    assert_int_equal(s.nrequests, 3);
    {
        char v[128];

        assert_true(req_header(s.requests[0], "X-Amz-Target", v, sizeof(v)));
        assert_string_equal(v, "AmazonSQS.ListQueues");
        assert_true(req_header(s.requests[0], "Authorization", v, sizeof(v)));
        assert_non_null(strstr(v, "/us-east-1/sqs/aws4_request"));
    }
    aws_client_free(cl);
    creds_free(c);
    http_free(h);
    stub_stop(&s);
    ev_loop_destroy(loop);
    clear_aws_env();
}

static void aws_never_called(void *ctx, const struct aws_result *r)
{
    (void)ctx;
    (void)r;
    fail_msg("a cancelled aws call was reported");
}

/* Nothing configured: AWS_NO_CREDS, reported from the loop, naming every source tried. */
static void test_aws_call_no_creds(void **state)
{
    struct ev_loop *loop = ev_loop_new(EVFLAG_AUTO);
    struct aws_got g = {0};
    struct http *h = http_new(loop, NULL);
    struct creds_config ccfg = {0};
    struct creds *c;
    struct aws_client *cl;
    struct aws_client_config acfg = {&aws_kinesis, "eu-west-1", NULL};
    struct aws_call *doomed;

    (void)state;
    clear_aws_env();
    setenv("HOME", "/nonexistent-home-for-test", 1);
    setenv("AWS_EC2_METADATA_DISABLED", "true", 1);
    c = creds_new(loop, h, &ccfg);
    cl = aws_client_new(h, c, &acfg);
    assert_string_equal(aws_client_endpoint(cl), "https://kinesis.eu-west-1.amazonaws.com");
    g.loop = loop;
    g.in_call = true;
    aws_call(cl, "ListStreams", "{}", aws_got_done, &g);
    doomed = aws_call(cl, "ListStreams", "{}", aws_never_called, NULL);
    g.in_call = false;
    aws_cancel(cl, doomed);
    ev_run(loop, 0);
    assert_int_equal(g.calls, 1);
    assert_int_equal(g.outcome, AWS_NO_CREDS);
    assert_int_equal(g.status, 0);
    assert_non_null(strstr(g.message, "no AWS credentials found; tried: environment "
                                      "(AWS_ACCESS_KEY_ID unset)"));
    assert_non_null(strstr(g.message, "profile default (no ~/.aws/credentials, no "
                                      "~/.aws/config)"));
    assert_non_null(strstr(g.message, "IMDS (disabled by AWS_EC2_METADATA_DISABLED)"));
    assert_non_null(strstr(g.message, "container ("));
    assert_non_null(strstr(g.message, "web identity ("));
    aws_client_free(cl);
    creds_free(c);
    http_free(h);
    ev_loop_destroy(loop);
    clear_aws_env();
}

struct creds_got {
    int calls;
    char source[200];
    char error[1024];
};

static void creds_got_done(void *ctx, const struct aws_creds *c, const char *error)
{
    struct creds_got *g = ctx;

    g->calls++;
    snprintf(g->source, sizeof(g->source), "%s", c != NULL ? c->source : "");
    snprintf(g->error, sizeof(g->error), "%s", error != NULL ? error : "");
    if (c != NULL)
        assert_null(strstr(c->source, c->secret_key));
}

static void region_got_done(void *ctx, const char *region, const char *error)
{
    struct creds_got *g = ctx;

    g->calls++;
    snprintf(g->source, sizeof(g->source), "%s", region != NULL ? region : "");
    snprintf(g->error, sizeof(g->error), "%s", error != NULL ? error : "");
}

/* Environment, partial environment, an unknown profile, and the region order. */
static void test_creds_chain_basics(void **state)
{
    struct ev_loop *loop = ev_loop_new(EVFLAG_AUTO);
    struct http *h = http_new(loop, NULL);
    struct creds_config ccfg = {0};
    struct creds_got g = {0};
    struct creds *c;

    (void)state;
    clear_aws_env();
    setenv("HOME", "/nonexistent-home-for-test", 1);
    setenv("AWS_EC2_METADATA_DISABLED", "true", 1);

    setenv("AWS_ACCESS_KEY_ID", "AKIDENV", 1);
    setenv("AWS_SECRET_ACCESS_KEY", SECRET, 1);
    setenv("AWS_CREDENTIAL_EXPIRATION", "2999-01-01T00:00:00Z", 1);
    c = creds_new(loop, h, &ccfg);
    assert_string_equal(creds_source(c), "");
    creds_get(c, creds_got_done, &g); /* at once: nothing to wait for */
    assert_int_equal(g.calls, 1);
    assert_string_equal(g.source, "environment");
    assert_string_equal(creds_source(c), "environment");
    creds_free(c);

    /* An access key without its secret is an error, not a fall-through. */
    unsetenv("AWS_SECRET_ACCESS_KEY");
    c = creds_new(loop, h, &ccfg);
    creds_get(c, creds_got_done, &g);
    assert_int_equal(g.calls, 2);
    assert_string_equal(g.error, "the environment has an access key id but no secret access key");
    creds_free(c);

    /* --profile removes the environment and must name an existing profile. */
    setenv("AWS_SECRET_ACCESS_KEY", SECRET, 1);
    ccfg.profile = "nosuch";
    c = creds_new(loop, h, &ccfg);
    creds_get(c, creds_got_done, &g);
    assert_int_equal(g.calls, 3);
    assert_string_equal(g.error, "profile nosuch not found in ~/.aws/credentials or ~/.aws/config");
    creds_free(c);
    ccfg.profile = NULL;

    /* Region: --region, then AWS_REGION, then AWS_DEFAULT_REGION; bad names refused. */
    setenv("AWS_DEFAULT_REGION", "ap-south-1", 1);
    setenv("AWS_REGION", "eu-north-1", 1);
    ccfg.region = "us-west-2";
    c = creds_new(loop, h, &ccfg);
    creds_region(c, region_got_done, &g);
    assert_string_equal(g.source, "us-west-2");
    creds_free(c);
    ccfg.region = NULL;
    c = creds_new(loop, h, &ccfg);
    creds_region(c, region_got_done, &g);
    assert_string_equal(g.source, "eu-north-1");
    creds_free(c);
    unsetenv("AWS_REGION");
    c = creds_new(loop, h, &ccfg);
    creds_region(c, region_got_done, &g);
    assert_string_equal(g.source, "ap-south-1");
    creds_free(c);
    setenv("AWS_DEFAULT_REGION", "evil.example.com/", 1);
    c = creds_new(loop, h, &ccfg);
    creds_region(c, region_got_done, &g);
    assert_string_equal(g.source, "");
    assert_non_null(strstr(g.error, "not a region name"));
    creds_free(c);
    unsetenv("AWS_DEFAULT_REGION");
    c = creds_new(loop, h, &ccfg);
    creds_region(c, region_got_done, &g);
    assert_non_null(strstr(g.error, "no AWS region"));
    assert_non_null(strstr(g.error, "IMDS disabled"));
    creds_free(c);

    http_free(h);
    ev_loop_destroy(loop);
    clear_aws_env();
}

/* An IMDS credentials document for key akid, expiring in_s seconds from now. */
static char *imds_doc(const char *akid, int in_s)
{
    char exp[32];
    struct buf b;
    struct tm tm;
    time_t t = time(NULL) + in_s;

    gmtime_r(&t, &tm);
    strftime(exp, sizeof(exp), "%Y-%m-%dT%H:%M:%SZ", &tm);
    buf_init(&b);
    buf_printf(&b,
               "{\"Code\":\"Success\",\"Type\":\"AWS-HMAC\",\"AccessKeyId\":\"%s\","
               "\"SecretAccessKey\":\"" SECRET "\",\"Token\":\"" TOKEN "\",\"Expiration\":\"%s\"}",
               akid, exp);
    return buf_steal(&b);
}

struct keys_got {
    int calls;
    char key[8][128];
};

static void keys_got_done(void *ctx, const struct aws_creds *c, const char *error)
{
    struct keys_got *g = ctx;

    if (c == NULL)
        fail_msg("no credentials: %s", error);
    if (g->calls < 8)
        snprintf(g->key[g->calls], sizeof(g->key[0]), "%s", c->access_key);
    g->calls++;
}

static void stop_loop_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
    (void)w;
    (void)revents;
    ev_break(loop, EVBREAK_ALL);
}

/* Runs the loop for s seconds. */
static void run_for(struct ev_loop *loop, double s)
{
    ev_timer t;

    ev_timer_init(&t, stop_loop_cb, s, 0.);
    ev_timer_start(loop, &t);
    ev_run(loop, 0);
    ev_timer_stop(loop, &t);
}

/*
 * Callers that ask while a resolution runs are queued and all answered by it; credentials in
 * their refresh window are still handed out at once while new ones are fetched behind them.
 */
static void test_creds_queue_and_background_refresh(void **state)
{
    struct ev_loop *loop = ev_loop_new(EVFLAG_AUTO);
    struct http *h = http_new(loop, NULL);
    struct creds_config ccfg = {0};
    struct keys_got g = {0};
    struct creds *c;
    struct stub s;
    char url[64], *doc1, *doc2;

    (void)state;
    clear_aws_env();
    setenv("HOME", "/nonexistent-home-for-test", 1);
    stub_start(&s, loop);
    snprintf(url, sizeof(url), "http://127.0.0.1:%d", s.port);
    setenv("AWS_EC2_METADATA_SERVICE_ENDPOINT", url, 1);
    /*
     * Credentials for 7 s (6 to 7 s, as Expiration has whole seconds): due for refresh after
     * half their life (3 to 3.5 s), no longer handed out 2 s before expiry (from 4 s on).
     */
    doc1 = imds_doc("ASIAFIRST", 7);
    doc2 = imds_doc("ASIASECOND", 3600);
    stub_reply(&s, "200 OK", "token-1");
    stub_reply(&s, "200 OK", "role-a\n");
    stub_reply(&s, "200 OK", doc1);
    stub_reply(&s, "200 OK", "token-2");
    stub_reply(&s, "200 OK", "role-a");
    stub_reply(&s, "200 OK", doc2);
    c = creds_new(loop, h, &ccfg);

    creds_get(c, keys_got_done, &g);
    creds_get(c, keys_got_done, &g);
    creds_get(c, keys_got_done, &g);
    assert_int_equal(g.calls, 0); /* nothing cached: all three wait */
    run_for(loop, 0.8);
    assert_int_equal(g.calls, 3);
    assert_string_equal(g.key[0], "ASIAFIRST");
    assert_string_equal(g.key[2], "ASIAFIRST");
    assert_int_equal(s.nrequests, 3); /* one resolution: token, role, credentials */
    assert_string_equal(creds_source(c), "imds role role-a");
    assert_non_null(
        strstr(s.requests[2], "GET /latest/meta-data/iam/security-credentials/role-a "));

    creds_get(c, keys_got_done, &g); /* fresh: at once, nothing fetched */
    assert_int_equal(g.calls, 4);
    assert_int_equal(s.nrequests, 3);

    run_for(loop, 2.9); /* 3.7 s: inside the refresh window, still valid */
    creds_get(c, keys_got_done, &g);
    assert_int_equal(g.calls, 5);
    assert_string_equal(g.key[4], "ASIAFIRST"); /* the cached ones, at once */
    run_for(loop, 0.8);
    assert_int_equal(s.nrequests, 6); /* the background refresh ran */
    creds_get(c, keys_got_done, &g);
    assert_int_equal(g.calls, 6);
    assert_string_equal(g.key[5], "ASIASECOND");

    creds_free(c);
    http_free(h);
    stub_stop(&s);
    free(doc1);
    free(doc2);
    ev_loop_destroy(loop);
    clear_aws_env();
}

/* A caller that goes away while waiting is forgotten; creds_free drops the rest silently. */
static void test_creds_cancel_and_free_while_waiting(void **state)
{
    struct ev_loop *loop = ev_loop_new(EVFLAG_AUTO);
    struct http *h = http_new(loop, NULL);
    struct creds_config ccfg = {0};
    struct keys_got g = {0}, gone = {0};
    struct creds *c;
    char url[64];
    int port, fd = silent_listener(&port);

    (void)state;
    clear_aws_env();
    setenv("HOME", "/nonexistent-home-for-test", 1);
    snprintf(url, sizeof(url), "http://127.0.0.1:%d", port);
    setenv("AWS_EC2_METADATA_SERVICE_ENDPOINT", url, 1);
    c = creds_new(loop, h, &ccfg);
    creds_get(c, keys_got_done, &gone);
    creds_get(c, keys_got_done, &g);
    creds_cancel(c, &gone);
    run_for(loop, 0.2);
    assert_int_equal(g.calls + gone.calls, 0);
    creds_free(c); /* the IMDS request in flight is cancelled, nobody is called */
    run_for(loop, 0.1);
    assert_int_equal(g.calls + gone.calls, 0);
    assert_int_equal(http_in_flight(h), 0);
    http_free(h);
    close(fd);
    ev_loop_destroy(loop);
    clear_aws_env();
}

static void test_aws_bad_endpoint(void **state)
{
    struct ev_loop *loop = ev_loop_new(EVFLAG_AUTO);
    struct http *h = http_new(loop, NULL);
    struct creds_config ccfg = {0};
    struct creds *c = creds_new(loop, h, &ccfg);
    struct aws_client_config acfg = {&aws_kinesis, "eu-west-1", "ftp://example/"};
    struct aws_client *cl = aws_client_new(h, c, &acfg);
    struct aws_got g = {0};

    (void)state;
    g.loop = loop;
    g.in_call = true;
    aws_call(cl, "ListStreams", "{}", aws_got_done, &g);
    g.in_call = false;
    ev_run(loop, 0);
    assert_int_equal(g.outcome, AWS_CLIENT);
    assert_string_equal(g.message, "the endpoint URL is not an http(s) URL");
    aws_client_free(cl);
    creds_free(c);
    http_free(h);
    ev_loop_destroy(loop);
}

struct free_in_cb {
    struct ev_loop *loop;
    struct aws_client *cl;
    int calls;
};

static void free_client_done(void *ctx, const struct aws_result *r)
{
    struct free_in_cb *f = ctx;

    (void)r;
    f->calls++;
    aws_client_free(f->cl);
    ev_break(f->loop, EVBREAK_ALL);
}

/* Two failures reported from the loop: the first callback frees the client, the second is
 * never reported and nothing is touched after the free. */
static void test_aws_free_client_in_callback(void **state)
{
    struct ev_loop *loop = ev_loop_new(EVFLAG_AUTO);
    struct http *h = http_new(loop, NULL);
    struct creds_config ccfg = {0};
    struct creds *c = creds_new(loop, h, &ccfg);
    struct aws_client_config acfg = {&aws_kinesis, "eu-west-1", "not a url"};
    struct free_in_cb f = {0};

    (void)state;
    f.loop = loop;
    f.cl = aws_client_new(h, c, &acfg);
    aws_call(f.cl, "ListStreams", "{}", free_client_done, &f);
    aws_call(f.cl, "ListStreams", "{}", free_client_done, &f);
    ev_run(loop, 0);
    assert_int_equal(f.calls, 1);
    creds_free(c);
    http_free(h);
    ev_loop_destroy(loop);
}

/* --- where STS calls go ---------------------------------------------------------------------- */

static void check_sts(const char *profile, const char *region, const char *want_url,
                      const char *want_origin)
{
    struct creds_chain_cfg cfg = {profile, region};
    char url[256], origin[128];

    creds_chain_sts_endpoint(&cfg, url, sizeof(url), origin, sizeof(origin));
    assert_string_equal(url, want_url);
    assert_string_equal(origin, want_origin);
}

static char *write_temp(const char *text)
{
    char *path = xstrdup("/tmp/cdctop-aws-test.XXXXXX");
    int fd = mkstemp(path);

    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    return path;
}

/* The AWS CLI's order for a service endpoint; --endpoint-url (the data services') never counts. */
static void test_sts_endpoint(void **state)
{
    char *conf = write_temp("[default]\n"
                            "region = eu-west-1\n"
                            "[profile svc]\n"
                            "services = local\n"
                            "endpoint_url = http://127.0.0.1:7000\n"
                            "[profile global]\n"
                            "endpoint_url = http://127.0.0.1:7001\n"
                            "[profile ignore]\n"
                            "endpoint_url = http://127.0.0.1:7002\n"
                            "ignore_configured_endpoint_urls = true\n"
                            "[profile kinesisonly]\n"
                            "services = kin\n"
                            "[services local]\n"
                            "sts =\n"
                            "  endpoint_url = http://127.0.0.1:7003\n"
                            "[services kin]\n"
                            "kinesis =\n"
                            "  endpoint_url = http://127.0.0.1:7004\n");

    (void)state;
    clear_aws_env();
    setenv("HOME", "/nonexistent-home-for-test", 1);
    setenv("AWS_CONFIG_FILE", conf, 1);
    setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent-home-for-test/credentials", 1);
    check_sts(NULL, NULL, "https://sts.eu-west-1.amazonaws.com/", "the regional endpoint");
    check_sts(NULL, "cn-north-1", "https://sts.cn-north-1.amazonaws.com.cn/",
              "the regional endpoint");
    check_sts("svc", "us-east-2", "http://127.0.0.1:7003", "the profile's services section");
    check_sts("global", "us-east-2", "http://127.0.0.1:7001", "the profile's endpoint_url");
    check_sts("kinesisonly", "us-east-2", "https://sts.us-east-2.amazonaws.com/",
              "the regional endpoint");
    check_sts("ignore", "us-east-2", "https://sts.us-east-2.amazonaws.com/",
              "the regional endpoint");
    setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:7005", 1);
    check_sts("svc", "us-east-2", "http://127.0.0.1:7005", "AWS_ENDPOINT_URL");
    setenv("AWS_ENDPOINT_URL_STS", "http://127.0.0.1:7006", 1);
    check_sts("svc", "us-east-2", "http://127.0.0.1:7006", "AWS_ENDPOINT_URL_STS");
    check_sts("ignore", "us-east-2", "https://sts.us-east-2.amazonaws.com/",
              "the regional endpoint");
    setenv("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "true", 1);
    check_sts("svc", "us-east-2", "https://sts.us-east-2.amazonaws.com/", "the regional endpoint");
    clear_aws_env();
    unlink(conf);
    free(conf);
}

/* --- proxies, unencrypted credentials, CA bundles --------------------------------------------- */

struct warned {
    int count;
    char last[256];
};

static void warned_cb(void *ctx, const char *host, const char *text)
{
    struct warned *w = ctx;

    assert_non_null(strstr(text, host));
    w->count++;
    snprintf(w->last, sizeof(w->last), "%s", text);
}

/* Sends one request and runs the loop until it is answered. */
static void send_and_wait(struct http *h, struct got *g, const char *url,
                          const struct http_header *hd, size_t n, bool secret, bool direct)
{
    struct http_request req = {.method = "GET",
                               .url = url,
                               .headers = hd,
                               .nheaders = n,
                               .secret = secret,
                               .direct = direct,
                               .timeout_ms = 5000};
    int before = g->calls;

    http_send(h, &req, got_http, g);
    ev_run(g->loop, 0);
    assert_int_equal(g->calls, before + 1);
}

static void test_http_proxy_and_cleartext(void **state)
{
    struct ev_loop *loop = ev_loop_new(EVFLAG_AUTO);
    struct stub proxy, direct;
    struct got g = {0};
    struct warned w = {0};
    struct http_header auth[] = {{"Authorization", "AWS4-HMAC-SHA256 Credential=x"}};
    struct http_header plain[] = {{"X-Test", "1"}};
    struct http *h;
    char proxy_url[64], direct_url[128];

    (void)state;
    clear_aws_env();
    stub_start(&proxy, loop);
    stub_start(&direct, loop);
    stub_reply(&proxy, "200 OK", "via proxy"); /* the last reply repeats */
    stub_reply(&direct, "200 OK", "direct");
    g.loop = loop;
    snprintf(proxy_url, sizeof(proxy_url), "http://127.0.0.1:%d", proxy.port);
    stub_url(&direct, direct_url, sizeof(direct_url), "/latest/api/token");

    /* HTTP_PROXY in upper case (which libcurl alone would ignore) carries http calls; the host
     * named in the URL is only ever seen by the proxy. */
    setenv("HTTP_PROXY", proxy_url, 1);
    setenv("HTTPS_PROXY", "http://127.0.0.1:1", 1);
    h = http_new(loop, NULL);
    http_set_warn(h, warned_cb, &w);
    send_and_wait(h, &g, "http://kinesis.cdctop.test/", auth, 1, false, false);
    assert_string_equal(g.body, "via proxy");
    assert_int_equal(proxy.nrequests, 1);
    assert_true(strncmp(proxy.requests[0], "GET http://kinesis.cdctop.test/ HTTP/1.1\r\n", 42) ==
                0);
    /* A signed request to a host that is not local: one warning naming it. */
    assert_int_equal(w.count, 1);
    assert_string_equal(w.last, "credentials sent unencrypted to kinesis.cdctop.test (http://)");
    /* Once per host: again for the same host, nothing; a secret body to another host, once. */
    send_and_wait(h, &g, "http://kinesis.cdctop.test/", auth, 1, false, false);
    assert_int_equal(w.count, 1);
    send_and_wait(h, &g, "http://sts.cdctop.test:8080/", NULL, 0, true, false);
    assert_int_equal(w.count, 2);
    assert_string_equal(w.last, "credentials sent unencrypted to sts.cdctop.test:8080 (http://)");
    /* No credential, no warning; nor for loopback hosts, however they are spelled. */
    send_and_wait(h, &g, "http://other.cdctop.test/", plain, 1, false, false);
    send_and_wait(h, &g, "http://[::1]:1/", auth, 1, true, false);
    send_and_wait(h, &g, "http://localhost:1/", auth, 1, true, false);
    send_and_wait(h, &g, "http://127.0.0.2:1/", auth, 1, true, false);
    assert_int_equal(w.count, 2);
    /* Calls marked direct (instance metadata) never go through the proxy; loopback and
     * link-local targets are not warned about. */
    send_and_wait(h, &g, direct_url, auth, 1, true, true);
    assert_string_equal(g.body, "direct");
    assert_int_equal(direct.nrequests, 1);
    assert_int_equal(proxy.nrequests, 7);
    assert_int_equal(w.count, 2);
    http_free(h);

    /* The lower-case spelling wins; NO_PROXY sends a host direct. */
    setenv("http_proxy", "http://127.0.0.1:1", 1);
    setenv("NO_PROXY", "127.0.0.1", 1);
    stub_reply(&direct, "200 OK", "direct again");
    h = http_new(loop, NULL);
    send_and_wait(h, &g, direct_url, plain, 1, false, false);
    assert_string_equal(g.body, "direct again");
    send_and_wait(h, &g, "http://kinesis.cdctop.test/", plain, 1, false, false);
    assert_int_equal(g.status, 0); /* through the dead lower-case proxy */
    assert_int_equal(proxy.nrequests, 7);
    http_free(h);

    /* HTTPS_PROXY alone does not carry http calls. */
    unsetenv("http_proxy");
    unsetenv("HTTP_PROXY");
    unsetenv("NO_PROXY");
    stub_reply(&direct, "200 OK", "direct, https proxy unused");
    h = http_new(loop, NULL);
    send_and_wait(h, &g, direct_url, plain, 1, false, false);
    assert_string_equal(g.body, "direct, https proxy unused");
    http_free(h);

    stub_stop(&proxy);
    stub_stop(&direct);
    ev_loop_destroy(loop);
    clear_aws_env();
}

/* A CA bundle that cannot be read is an error for every https call, never a silent fallback to
 * the system's CAs; http calls are unaffected. */
static void test_http_ca_bundle(void **state)
{
    struct ev_loop *loop = ev_loop_new(EVFLAG_AUTO);
    struct http *h = http_new(loop, NULL);
    struct got g = {0};
    struct stub s;
    char err[512], url[128];
    char *empty = write_temp("");

    (void)state;
    clear_aws_env();
    g.loop = loop;
    stub_start(&s, loop);
    stub_reply(&s, "200 OK", "plain");
    stub_url(&s, url, sizeof(url), "/");
    assert_false(http_set_ca_bundle(h, "/nonexistent/ca.pem", "AWS_CA_BUNDLE", err, sizeof(err)));
    assert_string_equal(err, "the CA bundle /nonexistent/ca.pem (AWS_CA_BUNDLE) cannot be used: "
                             "No such file or directory");
    send_and_wait(h, &g, "https://127.0.0.1:1/", NULL, 0, false, false);
    assert_int_equal(g.status, 0);
    assert_string_equal(g.error, err);
    send_and_wait(h, &g, url, NULL, 0, false, false);
    assert_string_equal(g.body, "plain");
    assert_false(http_set_ca_bundle(h, empty, "the ca_bundle of profile p", err, sizeof(err)));
    assert_non_null(strstr(err, "cannot be used: the file is empty"));
    assert_false(http_set_ca_bundle(h, "/tmp", "AWS_CA_BUNDLE", err, sizeof(err)));
    assert_non_null(strstr(err, "not a regular file"));
    assert_true(http_set_ca_bundle(h, "/etc/hostname", "AWS_CA_BUNDLE", err, sizeof(err)) ||
                access("/etc/hostname", R_OK) != 0);
    http_free(h);
    stub_stop(&s);
    unlink(empty);
    free(empty);
    ev_loop_destroy(loop);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sanitise),
        cmocka_unit_test(test_classify_real_replies),
        cmocka_unit_test(test_hints),
        cmocka_unit_test(test_scrub),
        cmocka_unit_test(test_outcome_names),
        cmocka_unit_test(test_ini),
        cmocka_unit_test(test_shellwords),
        cmocka_unit_test(test_creds_from_json),
        cmocka_unit_test(test_xmltext),
        cmocka_unit_test(test_sts_parse),
        cmocka_unit_test(test_refresh_schedule),
        cmocka_unit_test(test_urls),
        cmocka_unit_test(test_http_get_put_headers),
        cmocka_unit_test(test_http_refused_and_bad_input),
        cmocka_unit_test(test_http_reentrancy),
        cmocka_unit_test(test_sts_endpoint),
        cmocka_unit_test(test_http_proxy_and_cleartext),
        cmocka_unit_test(test_http_ca_bundle),
        cmocka_unit_test(test_aws_call_signed_and_classified),
        cmocka_unit_test(test_aws_call_expired_retry),
        cmocka_unit_test(test_aws_call_no_creds),
        cmocka_unit_test(test_creds_chain_basics),
        cmocka_unit_test(test_creds_queue_and_background_refresh),
        cmocka_unit_test(test_creds_cancel_and_free_while_waiting),
        cmocka_unit_test(test_aws_bad_endpoint),
        cmocka_unit_test(test_aws_free_client_in_callback),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}

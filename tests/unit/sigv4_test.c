/*
 * Unit tests for sigv4.c: every case of the published SigV4 test suite in tests/data/sigv4
 * (canonical request, string to sign and Authorization compared byte for byte), plus the path
 * normalisation cases the vendored copy lacks and the helpers.
 *
 * The suite is found through $SIGV4_SUITE_DIR, else $srcdir/tests/data/sigv4 (set by make check),
 * else the SRCDIR the test was compiled with.
 */
#include "config.h"

#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "buf.h"
#include "sigv4.h"
#include "xalloc.h"

#define SUITE_KEY_ID  "AKIDEXAMPLE"
#define SUITE_SECRET  "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
#define SUITE_REGION  "us-east-1"
#define SUITE_SERVICE "service"
#define SUITE_DATE    "20150830T123600Z"
#define SUITE_CASES   28
#define MAX_HEADERS   64

/* A request parsed from a .req (or .sreq) file. */
struct req {
    char *method;
    char *path;
    char *query;
    struct sigv4_header headers[MAX_HEADERS];
    char *names[MAX_HEADERS];
    char *values[MAX_HEADERS];
    size_t nheaders;
    char *body;
    size_t body_len;
};

static char *suite_dir(void)
{
    const char *env = getenv("SIGV4_SUITE_DIR");
    const char *top = getenv("srcdir");
    struct buf b;

    if (env != NULL && env[0] != '\0')
        return xstrdup(env);
    buf_init(&b);
#ifdef SRCDIR
    if (top == NULL || top[0] == '\0')
        top = SRCDIR;
#endif
    buf_printf(&b, "%s/tests/data/sigv4", top != NULL ? top : ".");
    return buf_steal(&b);
}

/* Reads a whole file; NULL when it does not exist. */
static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    struct buf b;
    char chunk[4096];
    size_t n;

    if (f == NULL)
        return NULL;
    buf_init(&b);
    buf_puts(&b, "");
    while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
        buf_append(&b, chunk, n);
    fclose(f);
    if (len != NULL)
        *len = b.len;
    return buf_steal(&b);
}

static char *case_file(const char *dir, const char *name, const char *ext, size_t *len)
{
    struct buf b;
    char *data;

    buf_init(&b);
    buf_printf(&b, "%s/%s/%s.%s", dir, name, name, ext);
    data = slurp(b.data, len);
    buf_free(&b);
    return data;
}

/* Next line of text starting at *p (without its "\n" or "\r\n"); NULL at the end. */
static char *next_line(const char **p, const char *end)
{
    const char *s = *p, *e;
    size_t n;

    if (s >= end)
        return NULL;
    e = memchr(s, '\n', (size_t)(end - s));
    if (e == NULL)
        e = end;
    n = (size_t)(e - s);
    if (n > 0 && s[n - 1] == '\r')
        n--;
    *p = e < end ? e + 1 : end;
    return xstrndup(s, n);
}

static void add_header(struct req *r, const char *name, const char *value)
{
    assert_true(r->nheaders < MAX_HEADERS);
    r->names[r->nheaders] = xstrdup(name);
    r->values[r->nheaders] = xstrdup(value);
    r->nheaders++;
}

/*
 * Parses "METHOD URI HTTP/1.1", header lines and the body after the blank line. The URI may hold
 * spaces (the version is after the last space); a value may hold ':' (only the first one splits);
 * a line that starts with whitespace continues the previous header.
 */
static void parse_request(const char *text, size_t len, struct req *r)
{
    const char *p = text, *end = text + len;
    char *line = next_line(&p, end);
    char *sp1, *sp2, *q;

    memset(r, 0, sizeof(*r));
    assert_non_null(line);
    sp1 = strchr(line, ' ');
    sp2 = strrchr(line, ' ');
    assert_true(sp1 != NULL && sp2 != NULL && sp2 > sp1);
    r->method = xstrndup(line, (size_t)(sp1 - line));
    *sp2 = '\0';
    q = strchr(sp1 + 1, '?');
    r->path = xstrndup(sp1 + 1, q != NULL ? (size_t)(q - sp1 - 1) : strlen(sp1 + 1));
    r->query = xstrdup(q != NULL ? q + 1 : "");
    free(line);

    while ((line = next_line(&p, end)) != NULL) {
        char *colon;

        if (line[0] == '\0') {
            free(line);
            break;
        }
        if ((line[0] == ' ' || line[0] == '\t') && r->nheaders > 0) {
            /* Continuation (obsolete line folding): appended as another comma-joined value. */
            struct buf v;
            const char *s = line;

            while (*s == ' ' || *s == '\t')
                s++;
            buf_init(&v);
            buf_printf(&v, "%s,%s", r->values[r->nheaders - 1], s);
            free(r->values[r->nheaders - 1]);
            r->values[r->nheaders - 1] = buf_steal(&v);
            free(line);
            continue;
        }
        colon = strchr(line, ':');
        assert_non_null(colon);
        *colon = '\0';
        add_header(r, line, colon + 1);
        free(line);
    }
    r->body_len = (size_t)(end - p);
    r->body = xstrndup(p, r->body_len);
}

static void drop_header(struct req *r, const char *name)
{
    for (size_t i = 0; i < r->nheaders; i++) {
        if (strcasecmp(r->names[i], name) == 0) {
            free(r->names[i]);
            free(r->values[i]);
            memmove(&r->names[i], &r->names[i + 1], (r->nheaders - i - 1) * sizeof(char *));
            memmove(&r->values[i], &r->values[i + 1], (r->nheaders - i - 1) * sizeof(char *));
            r->nheaders--;
            i--;
        }
    }
}

static void set_header(struct req *r, const char *name, const char *value)
{
    drop_header(r, name);
    add_header(r, name, value);
}

static void free_request(struct req *r)
{
    for (size_t i = 0; i < r->nheaders; i++) {
        free(r->names[i]);
        free(r->values[i]);
    }
    free(r->method);
    free(r->path);
    free(r->query);
    free(r->body);
}

static bool sign_request(struct req *r, struct sigv4_output *out)
{
    struct sigv4_input in = {
        .method = r->method,
        .path = r->path,
        .query = r->query,
        .headers = r->headers,
        .nheaders = r->nheaders,
        .payload = r->body,
        .payload_len = r->body_len,
        .region = SUITE_REGION,
        .service = SUITE_SERVICE,
        .amz_date = SUITE_DATE,
        .access_key = SUITE_KEY_ID,
        .secret_key = SUITE_SECRET,
    };

    for (size_t i = 0; i < r->nheaders; i++) {
        r->headers[i].name = r->names[i];
        r->headers[i].value = r->values[i];
    }
    return sigv4_sign(&in, out);
}

/* Compares with the expected file (a trailing newline in the file is not part of the value). */
static bool same(const char *what, const char *name, const char *got, const char *want)
{
    size_t n = strlen(want);

    while (n > 0 && (want[n - 1] == '\n' || want[n - 1] == '\r'))
        n--;
    if (strlen(got) == n && memcmp(got, want, n) == 0)
        return true;
    print_error("%s: %s differs\n--- expected\n%.*s\n--- got\n%s\n", name, what, (int)n, want, got);
    return false;
}

/*
 * The two form-urlencoded cases of the published suite contradict themselves: their .req (and
 * .creq) carry a Content-Length header, but their .sts and .authz were computed from the older
 * request shown in .sreq, without Content-Length, and for -parameters with the content type
 * "...; charset=utf8" (the .sreq now says utf-8), while that .authz lists content-length among
 * SignedHeaders. Other signers skip both cases. Here the .creq is checked from the .req as for
 * every case, and the .sts and signature are checked against the request they were computed from.
 */
static bool is_legacy_form_case(const char *name)
{
    return strcmp(name, "post-x-www-form-urlencoded") == 0 ||
           strcmp(name, "post-x-www-form-urlencoded-parameters") == 0;
}

static bool check_legacy_signature(const char *dir, const char *name, const char *sts,
                                   const char *authz)
{
    const char *want_sig = strstr(authz, "Signature=");
    struct sigv4_output out;
    struct req r;
    size_t len = 0;
    char *req = case_file(dir, name, "req", &len);
    bool ok;

    assert_non_null(want_sig);
    assert_non_null(req);
    parse_request(req, len, &r);
    free(req);
    /* The headers the published signature covered. */
    drop_header(&r, "Content-Length");
    if (strcmp(name, "post-x-www-form-urlencoded-parameters") == 0)
        set_header(&r, "Content-Type", "application/x-www-form-urlencoded; charset=utf8");
    assert_true(sign_request(&r, &out));
    ok = same("string to sign", name, out.string_to_sign, sts);
    ok = same("signature", name, out.signature, want_sig + strlen("Signature=")) && ok;
    sigv4_output_free(&out);
    free_request(&r);
    return ok;
}

static bool run_case(const char *dir, const char *name)
{
    size_t len = 0;
    char *req = case_file(dir, name, "req", &len);
    char *creq = case_file(dir, name, "creq", NULL);
    char *sts = case_file(dir, name, "sts", NULL);
    char *authz = case_file(dir, name, "authz", NULL);
    struct sigv4_output out;
    struct req r;
    bool ok;

    assert_non_null(req);
    assert_non_null(creq);
    assert_non_null(sts);
    assert_non_null(authz);
    parse_request(req, len, &r);
    assert_true(sign_request(&r, &out));
    ok = same("canonical request", name, out.canonical_request, creq);
    if (is_legacy_form_case(name)) {
        ok = check_legacy_signature(dir, name, sts, authz) && ok;
    } else {
        ok = same("string to sign", name, out.string_to_sign, sts) && ok;
        ok = same("authorization", name, out.authorization, authz) && ok;
    }
    sigv4_output_free(&out);
    free_request(&r);
    free(req);
    free(creq);
    free(sts);
    free(authz);
    return ok;
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void test_suite_all_cases(void **state)
{
    char *dir = suite_dir();
    DIR *d = opendir(dir);
    struct dirent *e;
    char *names[256];
    size_t n = 0, passed = 0;

    (void)state;
    if (d == NULL)
        fail_msg("cannot open the test suite at %s", dir);
    while ((e = readdir(d)) != NULL && n < 256) {
        struct buf p;
        char *probe;

        if (e->d_name[0] == '.')
            continue;
        buf_init(&p);
        buf_printf(&p, "%s/%s/%s.req", dir, e->d_name, e->d_name);
        probe = slurp(p.data, NULL);
        buf_free(&p);
        if (probe == NULL)
            continue; /* README and other files */
        free(probe);
        names[n++] = xstrdup(e->d_name);
    }
    closedir(d);
    qsort(names, n, sizeof(*names), cmp_names);
    for (size_t i = 0; i < n; i++) {
        if (run_case(dir, names[i]))
            passed++;
        free(names[i]);
    }
    print_message("sigv4 suite: %zu of %zu cases passed\n", passed, n);
    free(dir);
    assert_int_equal(n, SUITE_CASES);
    assert_int_equal(passed, n);
}

/* Signs a GET of path?query with only host and x-amz-date; returns the canonical request. */
static char *creq_for(const char *path, const char *query)
{
    struct sigv4_header h[] = {{"Host", "example.amazonaws.com"}, {"X-Amz-Date", SUITE_DATE}};
    struct sigv4_input in = {
        .method = "GET",
        .path = path,
        .query = query,
        .headers = h,
        .nheaders = 2,
        .region = SUITE_REGION,
        .service = SUITE_SERVICE,
        .amz_date = SUITE_DATE,
        .access_key = SUITE_KEY_ID,
        .secret_key = SUITE_SECRET,
    };
    struct sigv4_output out;
    char *creq;

    assert_true(sigv4_sign(&in, &out));
    creq = xstrdup(out.canonical_request);
    sigv4_output_free(&out);
    return creq;
}

/* The second line of a canonical request (the URI) and the third (the query). */
static void check_uri(const char *path, const char *query, const char *want_uri,
                      const char *want_query)
{
    char *creq = creq_for(path, query);
    char *uri = strchr(creq, '\n') + 1;
    char *q = strchr(uri, '\n');
    char *qend;

    *q++ = '\0';
    qend = strchr(q, '\n');
    *qend = '\0';
    assert_string_equal(uri, want_uri);
    assert_string_equal(q, want_query);
    free(creq);
}

/* The suite's normalize-path cases that are not vendored, and some edge cases. */
static void test_uri_normalisation(void **state)
{
    (void)state;
    check_uri("/example space/", "", "/example%20space/", ""); /* get-space */
    check_uri("/\xe1\x88\xb4", "", "/%E1%88%B4", "");          /* get-utf8 */
    check_uri("/example/..", "", "/", "");                     /* get-relative */
    check_uri("/example1/example2/../..", "", "/", "");        /* get-relative-relative */
    check_uri("//example//", "", "/example/", "");             /* get-slashes */
    check_uri("/./example", "", "/example", "");               /* get-slash-pointless-dot */
    check_uri("", NULL, "/", "");
    check_uri("/a/b/../c/./d", "", "/a/c/d", "");
    check_uri("/a/.", "", "/a/", "");
    check_uri("/../../a", "", "/a", "");
    /* An already-encoded path is encoded again: non-S3 services expect double encoding. */
    check_uri("/%E1%88%B4", "", "/%25E1%2588%25B4", "");
    check_uri("/a:b@c+d", "", "/a%3Ab%40c%2Bd", "");
}

static void test_query_canonicalisation(void **state)
{
    (void)state;
    check_uri("/", "b=2&a=1", "/", "a=1&b=2");
    check_uri("/", "a=2&a=1&a=10", "/", "a=1&a=10&a=2");
    check_uri("/", "key", "/", "key=");
    check_uri("/", "key=", "/", "key=");
    check_uri("/", "&&x=1&", "/", "x=1");
    check_uri("/", "p=a%20b&q=a+b", "/", "p=a%20b&q=a%2Bb");
    check_uri("/", "%E1%88%b4=x%2fy", "/", "%E1%88%B4=x%2Fy");
    check_uri("/", "e=%zz", "/", "e=%25zz");
    check_uri("/", "nul=a%00b", "/", "nul=a%00b");
    check_uri("/", "Z=1&a=1", "/", "Z=1&a=1"); /* byte order: uppercase sorts first */
}

static void test_headers_and_session_token(void **state)
{
    struct sigv4_header h[] = {
        {"X-Amz-Target", "Kinesis_20131202.ListStreams"},
        {"Content-Type", "application/x-amz-json-1.1"},
        {"Host", "127.0.0.1:4567"},
        {"X-Amz-Date", SUITE_DATE},
        {"X-Amz-Security-Token", "TOKEN"},
        {"My-Header", "  a \t b  "},
        {"my-header", "c"},
    };
    struct sigv4_input in = {
        .method = "POST",
        .path = "/",
        .headers = h,
        .nheaders = sizeof(h) / sizeof(h[0]),
        .payload = "{}",
        .payload_len = 2,
        .region = "us-east-1",
        .service = "kinesis",
        .amz_date = SUITE_DATE,
        .access_key = "AKIDEXAMPLE",
        .secret_key = SUITE_SECRET,
    };
    struct sigv4_output out;
    char body_hash[65];

    (void)state;
    assert_true(sigv4_sign(&in, &out));
    assert_string_equal(out.signed_headers,
                        "content-type;host;my-header;x-amz-date;x-amz-security-token;"
                        "x-amz-target");
    assert_non_null(strstr(out.canonical_request, "\nhost:127.0.0.1:4567\n"));
    assert_non_null(strstr(out.canonical_request, "\nmy-header:a b,c\n"));
    sigv4_sha256_hex("{}", 2, body_hash);
    assert_non_null(strstr(out.canonical_request, body_hash));
    assert_non_null(strstr(out.string_to_sign, "\n20150830/us-east-1/kinesis/aws4_request\n"));
    assert_true(strncmp(out.authorization,
                        "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/kinesis/"
                        "aws4_request, SignedHeaders=content-type;",
                        108) == 0);
    assert_int_equal(strlen(out.signature), 64);
    /* The secret never appears in any output. */
    assert_null(strstr(out.canonical_request, SUITE_SECRET));
    assert_null(strstr(out.authorization, SUITE_SECRET));
    assert_null(strstr(out.authorization, "TOKEN"));
    sigv4_output_free(&out);
}

static void test_malformed_input(void **state)
{
    struct sigv4_header h[] = {{"Host", "example.amazonaws.com"}};
    struct sigv4_input in = {
        .method = "GET",
        .path = "/",
        .headers = h,
        .nheaders = 1,
        .region = "us-east-1",
        .service = "service",
        .amz_date = "2015-08-30",
        .access_key = "AKID",
        .secret_key = "s",
    };
    struct sigv4_output out;

    (void)state;
    assert_false(sigv4_sign(&in, &out));
    assert_null(out.authorization);
    in.amz_date = NULL;
    assert_false(sigv4_sign(&in, &out));
    in.amz_date = SUITE_DATE;
    in.region = NULL;
    assert_false(sigv4_sign(&in, &out));
    in.region = "us-east-1";
    in.payload_len = 3; /* length without data */
    assert_false(sigv4_sign(&in, &out));
    in.payload_len = 0;
    assert_true(sigv4_sign(&in, &out));
    sigv4_output_free(&out);
}

static void test_helpers(void **state)
{
    char date[17], hex[65];

    (void)state;
    sigv4_amz_date(1440938160, date);
    assert_string_equal(date, SUITE_DATE);
    sigv4_amz_date(0, date);
    assert_string_equal(date, "19700101T000000Z");
    sigv4_sha256_hex("", 0, hex);
    assert_string_equal(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    sigv4_sha256_hex("Param1=value1", 13, hex);
    assert_string_equal(hex, "9095672bbd1f56dfc5b65f3e153adc8731a4a654192329106275f4c7b24d0b6e");
}

/* The parser handles the suite's multi-line header form (not in the vendored copy). */
static void test_request_parser(void **state)
{
    static const char text[] = "GET /a b/?x=1 HTTP/1.1\r\n"
                               "Host:example.amazonaws.com\r\n"
                               "My-Header1:value1\r\n"
                               "  value2\r\n"
                               "Url:http://x:80/\r\n"
                               "\r\n"
                               "body:with\ncolons";
    struct req r;

    (void)state;
    parse_request(text, sizeof(text) - 1, &r);
    assert_string_equal(r.method, "GET");
    assert_string_equal(r.path, "/a b/");
    assert_string_equal(r.query, "x=1");
    assert_int_equal(r.nheaders, 3);
    assert_string_equal(r.values[1], "value1,value2");
    assert_string_equal(r.names[2], "Url");
    assert_string_equal(r.values[2], "http://x:80/");
    assert_string_equal(r.body, "body:with\ncolons");
    free_request(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_suite_all_cases),
        cmocka_unit_test(test_uri_normalisation),
        cmocka_unit_test(test_query_canonicalisation),
        cmocka_unit_test(test_headers_and_session_token),
        cmocka_unit_test(test_malformed_input),
        cmocka_unit_test(test_helpers),
        cmocka_unit_test(test_request_parser),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}

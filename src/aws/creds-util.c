/*
 * The few helpers the credential code shares (creds-util.h): messages cut to size, wiping, and
 * small token files. They call nothing else in creds*.c.
 */
#include "config.h"

#include "creds-util.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>

#include "buf.h"

void creds_util_fmt(char *dst, size_t dstsz, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(dst, dstsz, fmt, ap);
    va_end(ap);
}

void creds_util_wipe(struct aws_creds *c)
{
    OPENSSL_cleanse(c, sizeof *c);
}

char *creds_util_read_small_file(const char *path, size_t max, char *err, size_t errsz)
{
    FILE *f = fopen(path, "rbe");
    struct buf b;
    char chunk[1024];
    size_t n;

    if (!f) {
        snprintf(err, errsz, "cannot read %.200s: %s", path, strerror(errno));
        return NULL;
    }
    buf_init(&b);
    buf_puts(&b, "");
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0 && b.len <= max)
        buf_append(&b, chunk, n);
    fclose(f);
    OPENSSL_cleanse(chunk, sizeof chunk);
    if (b.len > max) {
        OPENSSL_cleanse(b.data, b.len);
        buf_free(&b);
        snprintf(err, errsz, "%.200s is larger than %zu bytes", path, max);
        return NULL;
    }
    while (b.len > 0 && (b.data[b.len - 1] == '\n' || b.data[b.len - 1] == '\r'))
        b.data[--b.len] = '\0';
    return buf_steal(&b);
}

/*
 * Helpers shared by the credential sources (creds-*.c) and by creds.c: the bottom layer of the
 * credential code, calling no other creds*.c file (see creds.h). No message ever holds a secret.
 */
#ifndef CDCTOP_CREDS_UTIL_H
#define CDCTOP_CREDS_UTIL_H

#include <stddef.h>

#include "creds.h"

/* snprintf for messages, where cutting a long name short is fine. */
void creds_util_fmt(char *dst, size_t dstsz, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Wipes a credential set before its memory is reused or released. */
void creds_util_wipe(struct aws_creds *c);
/* Reads a small file (a token); NULL with a message. Trailing newlines are removed. */
char *creds_util_read_small_file(const char *path, size_t max, char *err, size_t errsz);

#endif

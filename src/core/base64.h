/* Standard base64 (RFC 4648 §4): Kinesis record data on the wire and in recordings. */
#ifndef CDCTOP_BASE64_H
#define CDCTOP_BASE64_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"

/* Appends the padded encoding of n bytes, without line breaks. */
void base64_append(struct buf *out, const void *data, size_t n);
/* Replaces out's contents with the decoded bytes (NUL-terminated). Accepts padded or unpadded
 * input; false on a byte outside the alphabet, a dangling digit or non-zero leftover bits. */
bool base64_decode(const char *in, size_t n, struct buf *out);

#endif

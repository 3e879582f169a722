/*
 * Untrusted text (row values, table names, keys, partition keys) is made visible before it goes
 * anywhere near a terminal or a text artefact: control characters, DEL, C1 controls and invalid
 * UTF-8 are written as escapes, so an escape sequence in the data can never reach the terminal.
 */
#ifndef CDCTOP_ESCAPE_H
#define CDCTOP_ESCAPE_H

#include <stddef.h>

#include "buf.h"

/* \n \r \t \e as such, other controls and invalid bytes as \xHH, backslash as \\; C1
 * controls, bidi overrides and invisible format characters as \u{HHHH}; printable ASCII and
 * valid printable UTF-8 are kept. */
void escape_append(struct buf *out, const char *p, size_t n);
/* Same into a fixed buffer, always NUL-terminated, truncated on a character boundary. */
size_t escape_into(char *out, size_t cap, const char *p, size_t n);

#endif

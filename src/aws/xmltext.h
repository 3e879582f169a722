/*
 * Text of one element of a small, fixed-shape XML document (STS responses and error bodies):
 * enough XML for "<Credentials><AccessKeyId>...</AccessKeyId>...", not a general parser.
 */
#ifndef CDCTOP_XMLTEXT_H
#define CDCTOP_XMLTEXT_H

#include <stddef.h>

/* Finds the first element whose local name is name (any namespace prefix, any attributes),
 * decodes the five named entities and numeric references and trims surrounding whitespace,
 * then copies it into out (always NUL-terminated when outsz > 0). Returns the full length of
 * the text, which may exceed outsz - 1 (truncated), or -1 when there is no such element. */
long xmltext_find(const char *xml, size_t len, const char *name, char *out, size_t outsz);

#endif

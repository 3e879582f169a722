/*
 * Splits a command line into words the way a POSIX shell (and Python's shlex.split, which the
 * AWS CLI uses for credential_process) does: whitespace separates words, '...' is literal,
 * "..." allows \" and \\ escapes, a backslash outside quotes escapes any character. No
 * expansion of any kind, and no shell is ever run.
 */
#ifndef CDCTOP_SHELLWORDS_H
#define CDCTOP_SHELLWORDS_H

#include <stddef.h>

/* A NULL-terminated argv (free with shellwords_free), or NULL with *err set to a static
 * message ("no closing quotation", "no escaped character", "empty command"). */
char **shellwords_split(const char *s, size_t *argc, const char **err);
void shellwords_free(char **argv);

#endif

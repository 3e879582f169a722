/* Writes artefact files: mode 0600, atomically (temporary file, fsync, rename). */
#ifndef CDCTOP_SNAPFILE_H
#define CDCTOP_SNAPFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Writes len bytes to path. On failure returns false with a message naming the path in err.
 * Refuses a directory others could change: another user's (not root's), or one writable by
 * group or others without the sticky bit. */
bool snapfile_write(const char *path, const void *data, size_t len, char *err, size_t errlen);
/* Makes sure dir exists, creating it and any missing parent (0700) only when create is true.
 * Refuses, with a message in err, a directory that is not the user's own or that group or others
 * can write to, and one inside a directory others could change (as snapfile_write). */
bool snapfile_dir(const char *dir, bool create, char *err, size_t errlen);
/* "cdctop-20261123T031200.123Z" style base name for the given wall-clock time (UTC). */
void snapfile_base(char *out, size_t outlen, int64_t now_ms);

#endif

/*
 * Artefact files (snapshots, exports). A reader must never see a half-written file, and the
 * files may hold row images, so they are private to the user whatever the umask says: write a
 * temporary file beside the target, fsync it, then rename it over the target.
 */
#include "config.h"

#include <stdint.h> /* snapfile.h uses int64_t without including it */

#include "snapfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include "xalloc.h"

#define SNAPFILE_MODE 0600
#define SNAPDIR_MODE  0700

static void set_error(char *err, size_t errlen, const char *what, const char *path, int errnum)
{
    if (err != NULL && errlen > 0)
        snprintf(err, errlen, "%s %s: %s", what, path, strerror(errnum));
}

static bool write_all(int fd, const char *p, size_t len)
{
    while (len > 0) {
        ssize_t n = write(fd, p, len);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return false;
        }
        if (n == 0) {
            /* write(2) only returns 0 for a zero-length request; treat it as a full disk */
            errno = ENOSPC;
            return false;
        }
        p += n;
        len -= (size_t)n;
    }
    return true;
}

/* Makes the file's contents durable and its mode exactly SNAPFILE_MODE, then closes it. */
static bool finish_file(int fd, const void *data, size_t len)
{
    if (fchmod(fd, SNAPFILE_MODE) != 0 || !write_all(fd, data, len) || fsync(fd) != 0) {
        int saved = errno;
        close(fd);
        errno = saved;
        return false;
    }
    /* close can report a deferred write error (NFS, some FUSE file systems) */
    return close(fd) == 0;
}

/* Best effort: makes the rename itself durable. A failure here loses nothing already written. */
static void sync_parent_dir(const char *path)
{
    const char *slash = strrchr(path, '/');
    char *dir =
        slash == NULL ? xstrdup(".") : xstrndup(path, slash == path ? 1 : (size_t)(slash - path));
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
        (void)fsync(fd);
        close(fd);
    }
    free(dir);
}

bool snapfile_write(const char *path, const void *data, size_t len, char *err, size_t errlen)
{
    struct stat st;
    /* Renaming over a device or a directory would replace it (think /dev/null as root). */
    if (lstat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
        snprintf(err, errlen, "cannot write %s: not a regular file", path);
        return false;
    }
    size_t tmp_size = strlen(path) + 32;
    char *tmp = xmalloc(tmp_size);
    snprintf(tmp, tmp_size, "%s.tmp.%ld", path, (long)getpid());

    int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, SNAPFILE_MODE);
    if (fd < 0) {
        set_error(err, errlen, "cannot write", path, errno);
        free(tmp);
        return false;
    }
    if (!finish_file(fd, data, len) || rename(tmp, path) != 0) {
        int saved = errno;
        unlink(tmp);
        set_error(err, errlen, "cannot write", path, saved);
        free(tmp);
        return false;
    }
    free(tmp);
    sync_parent_dir(path);
    return true;
}

bool snapfile_dir(const char *dir, bool create, char *err, size_t errlen)
{
    struct stat st;
    if (stat(dir, &st) == 0) {
        if (S_ISDIR(st.st_mode))
            return true;
        set_error(err, errlen, "snapshot directory", dir, ENOTDIR);
        return false;
    }
    if (errno != ENOENT || !create) {
        set_error(err, errlen, "snapshot directory", dir, errno);
        return false;
    }
    if (mkdir(dir, SNAPDIR_MODE) == 0)
        return true;
    int saved = errno;
    /* another process may have created it in the meantime */
    if (saved == EEXIST && stat(dir, &st) == 0 && S_ISDIR(st.st_mode))
        return true;
    set_error(err, errlen, "snapshot directory", dir, saved);
    return false;
}

void snapfile_base(char *out, size_t outlen, int64_t now_ms)
{
    /* floor division, so times before 1970 still get a millisecond part in 0..999 */
    int64_t secs = now_ms / 1000;
    int64_t millis = now_ms % 1000;
    if (millis < 0) {
        millis += 1000;
        secs -= 1;
    }
    time_t t = (time_t)secs;
    struct tm tm;
    if (gmtime_r(&t, &tm) == NULL) {
        snprintf(out, outlen, "cdctop-%lld", (long long)now_ms);
        return;
    }
    snprintf(out, outlen, "cdctop-%04d%02d%02dT%02d%02d%02d.%03dZ", tm.tm_year + 1900,
             tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (int)millis);
}

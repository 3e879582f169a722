/*
 * Artefact files (snapshots, exports). A reader must never see a half-written file, and the
 * files may hold row images, so they are private to the user whatever the umask says: write a
 * temporary file beside the target, fsync it, then rename it over the target.
 *
 * Private files are not enough when someone else controls the directory: another local user
 * who pre-created /tmp/incident world-writable could replace the HTML after it is written. As
 * ssh does for its files, a directory written into must be the user's own and writable by
 * nobody else (the snapshot directory), or at least unchangeable by others (the directory of a
 * single file: root's or the user's, group- or world-writable only with the sticky bit, like
 * /tmp, where nobody can rename another's files).
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

/* The directory part of path ("." when none). */
static char *dir_of(const char *path)
{
    const char *slash = strrchr(path, '/');
    if (slash == NULL)
        return xstrdup(".");
    return xstrndup(path, slash == path ? 1 : (size_t)(slash - path));
}

/* Best effort: makes the rename itself durable. A failure here loses nothing already written. */
static void sync_parent_dir(const char *path)
{
    char *dir = dir_of(path);
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
        (void)fsync(fd);
        close(fd);
    }
    free(dir);
}

/* Whether others cannot change what is in the directory (st): owned by the user or root, and
 * writable by group or others only with the sticky bit. Else a message in err. */
static bool dir_is_safe_parent(const char *dir, const struct stat *st, char *err, size_t errlen)
{
    if (st->st_uid != geteuid() && st->st_uid != 0) {
        snprintf(err, errlen,
                 "%s belongs to another user (uid %lu), who could replace what is written in it: "
                 "not writing there",
                 dir, (unsigned long)st->st_uid);
        return false;
    }
    if ((st->st_mode & (S_IWGRP | S_IWOTH)) && !(st->st_mode & S_ISVTX)) {
        snprintf(err, errlen,
                 "%s is writable by %s without the sticky bit (mode %04o), so others could "
                 "replace what is written in it: not writing there",
                 dir, (st->st_mode & S_IWOTH) ? "others" : "its group",
                 (unsigned)(st->st_mode & 07777));
        return false;
    }
    return true;
}

/* dir and every directory above it, as far as "/", are ones others cannot change. A directory
 * that cannot be examined passes: writing in it then fails with its own reason. */
static bool chain_is_safe(const char *dir, char *err, size_t errlen)
{
    struct stat st;
    char *real = realpath(dir, NULL);
    bool ok = true;
    if (real == NULL)
        return true;
    for (;;) {
        if (stat(real, &st) == 0 && !dir_is_safe_parent(real, &st, err, errlen)) {
            ok = false;
            break;
        }
        char *slash = strrchr(real, '/');
        if (slash == NULL || strcmp(real, "/") == 0)
            break;
        slash[slash == real] = '\0'; /* "/tmp" goes on to "/" */
    }
    free(real);
    return ok;
}

/* The directory a path is in. */
static bool parent_chain_is_safe(const char *path, char *err, size_t errlen)
{
    char *dir = dir_of(path);
    bool ok = chain_is_safe(dir, err, errlen);
    free(dir);
    return ok;
}

bool snapfile_write(const char *path, const void *data, size_t len, char *err, size_t errlen)
{
    struct stat st;
    if (!parent_chain_is_safe(path, err, errlen))
        return false;
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

/* mkdir -p, every directory it creates SNAPDIR_MODE. False with errno set. */
static bool make_dirs(const char *dir)
{
    char *p = xstrdup(dir);
    bool ok = true;
    for (char *slash = strchr(p + 1, '/'); ok && slash; slash = strchr(slash + 1, '/')) {
        *slash = '\0';
        ok = mkdir(p, SNAPDIR_MODE) == 0 || errno == EEXIST;
        *slash = '/';
    }
    /* EEXIST too: another process may have created it in the meantime */
    ok = ok && (mkdir(p, SNAPDIR_MODE) == 0 || errno == EEXIST);
    int saved = errno;
    free(p);
    errno = saved;
    return ok;
}

/* The snapshot directory itself: the user's own, writable by nobody else. */
static bool dir_is_private(const char *dir, const struct stat *st, char *err, size_t errlen)
{
    if (st->st_uid != geteuid()) {
        snprintf(err, errlen,
                 "snapshot directory %s belongs to another user (uid %lu), who could replace the "
                 "snapshots written there: not writing there (use a directory of your own)",
                 dir, (unsigned long)st->st_uid);
        return false;
    }
    if (st->st_mode & (S_IWGRP | S_IWOTH)) {
        snprintf(err, errlen,
                 "snapshot directory %s is writable by %s (mode %04o), who could replace the "
                 "snapshots written there: not writing there (chmod go-w %s, or use another)",
                 dir, (st->st_mode & S_IWOTH) ? "others" : "its group",
                 (unsigned)(st->st_mode & 07777), dir);
        return false;
    }
    return true;
}

/* Creates dir and its missing parents, if the directory they go in is safe. */
static bool create_dir(const char *dir, char *err, size_t errlen)
{
    struct stat st;
    char *base = dir_of(dir);
    while (stat(base, &st) != 0 && strcmp(base, ".") != 0 && strcmp(base, "/") != 0) {
        char *up = dir_of(base);
        free(base);
        base = up;
    }
    bool ok = chain_is_safe(base, err, errlen);
    free(base);
    if (ok && !make_dirs(dir)) {
        set_error(err, errlen, "snapshot directory", dir, errno);
        ok = false;
    }
    return ok;
}

bool snapfile_dir(const char *dir, bool create, char *err, size_t errlen)
{
    struct stat st;
    if (lstat(dir, &st) != 0) {
        if (errno != ENOENT || !create) {
            set_error(err, errlen, "snapshot directory", dir, errno);
            return false;
        }
        if (!create_dir(dir, err, errlen))
            return false;
        if (lstat(dir, &st) != 0) {
            set_error(err, errlen, "snapshot directory", dir, errno);
            return false;
        }
    }
    bool link = S_ISLNK(st.st_mode);
    /* a link is followed only when it is the user's (or root's): another user's could be
     * pointed anywhere later */
    if (link) {
        if (st.st_uid != geteuid() && st.st_uid != 0) {
            snprintf(err, errlen,
                     "snapshot directory %s is a symbolic link owned by another user (uid %lu): "
                     "not writing there",
                     dir, (unsigned long)st.st_uid);
            return false;
        }
        if (stat(dir, &st) != 0) {
            set_error(err, errlen, "snapshot directory", dir, errno);
            return false;
        }
    }
    if (!S_ISDIR(st.st_mode)) {
        set_error(err, errlen, "snapshot directory", dir, ENOTDIR);
        return false;
    }
    /* where the name is, and where a link leads */
    return dir_is_private(dir, &st, err, errlen) && parent_chain_is_safe(dir, err, errlen) &&
           (!link || chain_is_safe(dir, err, errlen));
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

/*
 * Recording raw records as JSON Lines: a header line, one line per record, an end line; see
 * docs/recording-format.md.
 *
 * The tap only formats a line into memory. A repeating timer writes the buffer out, and so does
 * a flush queued on the loop once the buffer passes RECORDER_FLUSH_BYTES, so the write(2) calls
 * never happen inside a source's callback. A failed write (a full disk) drops what was
 * buffered, counts the records as lost and says so on the status line; a line cut by a partial
 * write is ended with a newline before the next write, so a reader loses that line only.
 * The header is written when the first record arrives, so it names the shards and the source
 * description the source set up by then.
 */
#include "config.h"

#include "recorder.h"

#include <errno.h>
#include <ev.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base64.h"
#include "clock.h"
#include "jscan.h"
#include "model.h"
#include "source.h"
#include "xalloc.h"

#define RECORDER_MODE        0600
#define RECORDER_FLUSH_S     0.2
#define RECORDER_FLUSH_BYTES (1u << 20)
#define RECORDER_EARLY_MAX   (64u << 10) /* lines from before the first record, kept for it */

struct recorder {
    struct ev_loop *loop;
    struct model *m;
    char *path;
    char *program;
    uint64_t max_bytes;
    uint64_t end_room; /* bytes kept for the end line that names the next file */
    int fd;            /* the current file, -1 when it could not be opened */
    unsigned file;
    char file_path[4096];
    uint64_t file_bytes;   /* taken into the current file: written and buffered */
    uint64_t file_records; /* records taken into the current file */
    bool header_done;
    bool cut_line;      /* a partial write left a line without its newline */
    struct buf pending; /* lines not written yet, all for the current file */
    uint64_t pending_records;
    struct buf line;  /* scratch for one line */
    struct buf early; /* event, DLQ and status lines from before the header: after it */
    ev_timer flush;
    bool flush_queued;
    bool failing; /* the last write failed */
    struct recorder_stats st;
};

/* --- line formatting --- */

/* ,"name":"text" — or ,"name_b64":"..." when the bytes are not UTF-8; ,"name":null for NULL. */
static void put_text(struct buf *b, const char *name, const char *p, size_t n)
{
    buf_printf(b, ",\"%s", name);
    if (p == NULL) {
        buf_puts(b, "\":null");
    } else if (jscan_utf8_valid(p, n)) {
        buf_puts(b, "\":");
        buf_json_string(b, p, n);
    } else {
        buf_puts(b, "_b64\":\"");
        base64_append(b, (const unsigned char *)p, n);
        buf_putc(b, '"');
    }
}

static void put_time_field(struct buf *b, const char *name, int64_t ms)
{
    if (ms == CDC_TIME_NONE)
        buf_printf(b, ",\"%s\":null", name);
    else
        buf_printf(b, ",\"%s\":%" PRId64, name, ms);
}

void recorder_format_record(struct buf *out, const char *shard_id, const struct cdc_raw *raw,
                            int64_t now_ms)
{
    buf_puts(out, "{\"type\":\"record\"");
    put_text(out, "shard", shard_id, shard_id ? strlen(shard_id) : 0);
    put_text(out, "seq", raw->seq, raw->seq_len);
    put_text(out, "pkey", raw->pkey, raw->pkey_len);
    put_time_field(out, "arrival_ms", raw->arrival_ms);
    put_time_field(out, "now_ms", now_ms);
    buf_printf(out, ",\"len\":%zu,\"data\":\"", raw->len);
    base64_append(out, (const unsigned char *)raw->data, raw->len);
    buf_puts(out, "\"}\n");
}

void recorder_file_path(char *out, size_t len, const char *path, unsigned n)
{
    if (n == 0)
        snprintf(out, len, "%s", path);
    else
        snprintf(out, len, "%s.%u", path, n);
}

/* "2026-11-23T03:12:00.123Z" */
static void format_utc(char *out, size_t len, int64_t ms)
{
    time_t secs = (time_t)(ms / 1000);
    struct tm tm;
    if (gmtime_r(&secs, &tm) == NULL) {
        snprintf(out, len, "?");
        return;
    }
    char day[32];
    strftime(day, sizeof day, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(out, len, "%s.%03dZ", day, (int)(ms % 1000));
}

static void format_header(struct recorder *r, struct buf *b)
{
    const struct model *m = r->m;
    int64_t wall = clock_wall_ms(r->loop);
    char when[40];
    format_utc(when, sizeof when, wall);
    buf_printf(b, "{\"type\":\"header\",\"format\":\"%s\",\"version\":%d", RECORDER_FORMAT,
               RECORDER_VERSION);
    put_text(b, "program", r->program, strlen(r->program));
    put_text(b, "source", m->source, strnlen(m->source, sizeof m->source));
    buf_printf(b, ",\"record_size_limit\":%" PRIu64 ",\"started_ms\":%" PRId64,
               m->record_size_limit, wall);
    put_text(b, "started_at", when, strlen(when));
    buf_printf(b, ",\"model_started_ms\":%" PRId64 ",\"file\":%u,\"shards\":[", m->started_ms,
               r->file);
    for (unsigned i = 0; i < m->nshards; i++) {
        const char *id = m->shards[i]->id;
        if (i)
            buf_putc(b, ',');
        /* shard ids in a list: not UTF-8 ones are left out (records still carry them) */
        if (jscan_utf8_valid(id, strlen(id)))
            buf_json_string(b, id, strlen(id));
        else
            buf_puts(b, "null");
    }
    buf_puts(b, "]}\n");
}

static void format_end(struct recorder *r, struct buf *b, const char *next)
{
    buf_printf(b, "{\"type\":\"end\",\"ended_ms\":%" PRId64 ",\"records\":%" PRIu64,
               clock_wall_ms(r->loop), r->file_records);
    buf_printf(b, ",\"lost\":%" PRIu64, r->st.lost);
    if (next)
        put_text(b, "next", next, strlen(next));
    buf_puts(b, "}\n");
}

/* --- files --- */

static int open_file(const char *path, char *err, size_t errlen)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, RECORDER_MODE);
    if (fd < 0) {
        if (errno == EEXIST)
            snprintf(err, errlen, "%s already exists; a recording is never overwritten", path);
        else
            snprintf(err, errlen, "cannot create %s: %s", path, strerror(errno));
        return -1;
    }
    /* private whatever the umask allowed: records may hold row images */
    if (fchmod(fd, RECORDER_MODE) != 0) {
        snprintf(err, errlen, "cannot set the mode of %s: %s", path, strerror(errno));
        close(fd);
        unlink(path);
        return -1;
    }
    return fd;
}

static void show_problem(struct recorder *r, const char *what, int errnum)
{
    char text[256];
    snprintf(text, sizeof text, "recording: %s %.160s: %s (%" PRIu64 " records lost)", what,
             r->file_path, strerror(errnum), r->st.lost);
    model_set_status(r->m, ALERT_ERROR, clock_now_ms(r->loop), text,
                     "free some disk space; the recording goes on and a replay skips the gap");
}

/* Writes all of p, or returns the errno of the failure with *done set to what went out. */
static int write_all(int fd, const char *p, size_t n, size_t *done)
{
    *done = 0;
    while (*done < n) {
        ssize_t w = write(fd, p + *done, n - *done);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return w < 0 ? errno : ENOSPC;
        *done += (size_t)w;
    }
    return 0;
}

/* Writes the buffered lines. False when they could not all be written (they are dropped). */
static bool flush_pending(struct recorder *r)
{
    r->flush_queued = false;
    if (r->pending.len == 0)
        return true;
    if (r->fd < 0) {
        r->st.lost += r->pending_records;
        buf_reset(&r->pending);
        r->pending_records = 0;
        return false;
    }
    size_t done = 0;
    int errnum = 0;
    if (r->cut_line) {
        errnum = write_all(r->fd, "\n", 1, &done);
        if (errnum == 0)
            r->cut_line = false;
    }
    if (errnum == 0) {
        errnum = write_all(r->fd, r->pending.data, r->pending.len, &done);
        r->st.bytes += done;
        if (errnum != 0 && done > 0 && r->pending.data[done - 1] != '\n')
            r->cut_line = true;
    }
    if (errnum == 0) {
        if (r->failing) {
            char text[256];
            snprintf(text, sizeof text,
                     "recording: writing %.160s again (%" PRIu64 " records lost meanwhile)",
                     r->file_path, r->st.lost);
            model_set_status(r->m, ALERT_WARN, clock_now_ms(r->loop), text, "");
        }
        r->failing = false;
    } else {
        /* the records of the lines that went out whole were kept; the rest are lost */
        uint64_t kept = 0;
        for (size_t i = 0; i < done; i++)
            kept += r->pending.data[i] == '\n';
        r->st.lost += r->pending_records > kept ? r->pending_records - kept : 0;
        r->st.write_errors++;
        r->failing = true;
        show_problem(r, "cannot write", errnum);
    }
    buf_reset(&r->pending);
    r->pending_records = 0;
    return errnum == 0;
}

/* Ends the current file with its end line and starts the next one. */
static void next_file(struct recorder *r)
{
    char next[sizeof r->file_path], err[256];
    recorder_file_path(next, sizeof next, r->path, r->file + 1);
    const char *slash = strrchr(next, '/');
    format_end(r, &r->pending, slash ? slash + 1 : next);
    flush_pending(r);
    if (r->fd >= 0) {
        if (fdatasync(r->fd) != 0 && !r->failing)
            show_problem(r, "cannot sync", errno);
        close(r->fd);
    }
    r->file++;
    snprintf(r->file_path, sizeof r->file_path, "%s", next);
    r->fd = open_file(r->file_path, err, sizeof err);
    r->st.files++;
    r->file_bytes = 0;
    r->file_records = 0;
    r->header_done = false;
    r->cut_line = false;
    if (r->fd < 0) {
        char text[300];
        snprintf(text, sizeof text, "recording stopped: %s", err);
        model_set_status(r->m, ALERT_ERROR, clock_now_ms(r->loop), text,
                         "records are no longer recorded; the files so far are complete");
    }
}

static void on_flush(struct ev_loop *loop, ev_timer *w, int revents)
{
    (void)loop;
    (void)revents;
    flush_pending(w->data);
}

/* Takes r->line into the current file (a record, or a line about the record stream). */
static void take_line(struct recorder *r, bool record)
{
    if (r->max_bytes && r->file_records > 0 &&
        r->file_bytes + r->line.len + r->end_room > r->max_bytes)
        next_file(r);
    if (r->fd < 0) {
        if (record)
            r->st.lost++;
        return;
    }
    if (!r->header_done) {
        size_t before = r->pending.len;
        format_header(r, &r->pending);
        buf_append(&r->pending, r->early.data ? r->early.data : "", r->early.len);
        buf_reset(&r->early);
        r->file_bytes += r->pending.len - before;
        r->header_done = true;
    }
    buf_append(&r->pending, r->line.data, r->line.len);
    r->file_bytes += r->line.len;
    if (record) {
        r->file_records++;
        r->pending_records++;
    }
    if (r->pending.len >= RECORDER_FLUSH_BYTES && !r->flush_queued) {
        /* written once the source's callback has returned, in this loop iteration */
        r->flush_queued = true;
        ev_feed_event(r->loop, &r->flush, EV_TIMER);
    }
}

/* A line about the stream rather than a record: kept for after the header until the first record
 * has written it (so the header names the shards as the source set them up). */
static void take_other(struct recorder *r)
{
    if (!r->header_done) {
        if (r->early.len + r->line.len <= RECORDER_EARLY_MAX)
            buf_append(&r->early, r->line.data, r->line.len);
        return;
    }
    take_line(r, false);
}

/* The tap itself: takes one record in (what recorder_attach installs). */
static void recorder_tap(void *ctx, const struct source *src, const struct cdc_raw *raw,
                         int64_t now_ms)
{
    struct recorder *r = ctx;
    const struct model *m = src->model ? src->model : r->m;
    const char *shard = raw->shard < m->nshards ? m->shards[raw->shard]->id : NULL;
    r->st.records++;
    buf_reset(&r->line);
    recorder_format_record(&r->line, shard, raw, now_ms);
    take_line(r, true);
}

/* Events from the readers and pollers (stalls, errors, reshards, snapshots): what the records
 * cannot tell a replay. Events the core derives again from records and samples are left out. */
static void event_tap(void *ctx, const struct event *e)
{
    struct recorder *r = ctx;
    if (e->origin != EV_SOURCE)
        return;
    buf_reset(&r->line);
    buf_printf(&r->line,
               "{\"type\":\"event\",\"now_ms\":%" PRId64 ",\"level\":\"%s\",\"kind\":\"%s\"",
               e->at_ms, event_level_name(e->level), event_kind_name(e->kind));
    put_text(&r->line, "subject", e->subject, strlen(e->subject));
    put_text(&r->line, "text", e->text, strlen(e->text));
    buf_puts(&r->line, "}\n");
    take_other(r);
}

static void dlq_tap(void *ctx, int64_t now_ms, int64_t visible, int64_t in_flight, int64_t delayed)
{
    struct recorder *r = ctx;
    buf_reset(&r->line);
    buf_printf(&r->line,
               "{\"type\":\"dlq\",\"now_ms\":%" PRId64 ",\"visible\":%" PRId64
               ",\"in_flight\":%" PRId64 ",\"delayed\":%" PRId64,
               now_ms, visible, in_flight, delayed);
    put_text(&r->line, "name", r->m->dlq.name, strnlen(r->m->dlq.name, sizeof r->m->dlq.name));
    buf_puts(&r->line, "}\n");
    take_other(r);
}

static void status_tap(void *ctx, int64_t now_ms, enum model_alert level, const char *text,
                       const char *hint)
{
    struct recorder *r = ctx;
    buf_reset(&r->line);
    buf_printf(&r->line, "{\"type\":\"status\",\"now_ms\":%" PRId64 ",\"level\":\"%s\"", now_ms,
               model_alert_name(level));
    put_text(&r->line, "text", text, strlen(text));
    put_text(&r->line, "hint", hint, strlen(hint));
    buf_puts(&r->line, "}\n");
    take_other(r);
}

struct recorder *recorder_new(struct ev_loop *loop, struct model *m, const struct recorder_opts *o,
                              char *err, size_t errlen)
{
    char second[4096];
    struct stat st;
    recorder_file_path(second, sizeof second, o->path, 1);
    if (stat(second, &st) == 0) {
        snprintf(err, errlen,
                 "%s already exists and would be read as part of this recording; remove it or "
                 "choose another name",
                 second);
        return NULL;
    }
    int fd = open_file(o->path, err, errlen);
    if (fd < 0)
        return NULL;
    struct recorder *r = xcalloc(1, sizeof *r);
    r->loop = loop;
    r->m = m;
    r->path = xstrdup(o->path);
    r->program = xstrdup(o->program ? o->program : "cdctop");
    r->max_bytes = o->max_bytes;
    /* the end line: its fixed text, three numbers of up to 20 digits, the next file's name
     * (base64 at worst) */
    const char *base = strrchr(o->path, '/');
    r->end_room = 128 + (strlen(base ? base + 1 : o->path) + 8) * 4 / 3;
    r->fd = fd;
    r->st.files = 1;
    snprintf(r->file_path, sizeof r->file_path, "%s", o->path);
    buf_init(&r->pending);
    buf_init(&r->line);
    buf_init(&r->early);
    ev_timer_init(&r->flush, on_flush, RECORDER_FLUSH_S, RECORDER_FLUSH_S);
    r->flush.data = r;
    ev_timer_start(loop, &r->flush);
    return r;
}

void recorder_attach(struct recorder *r, struct source *src)
{
    src->tap = recorder_tap;
    src->tap_ctx = r;
    r->m->events.tap = event_tap;
    r->m->events.tap_ctx = r;
    r->m->taps.ctx = r;
    r->m->taps.dlq = dlq_tap;
    r->m->taps.status = status_tap;
}

bool recorder_close(struct recorder *r, struct recorder_stats *st, char *err, size_t errlen)
{
    bool ok = true;
    if (r == NULL)
        return true;
    ev_clear_pending(r->loop, &r->flush);
    ev_timer_stop(r->loop, &r->flush);
    if (r->fd >= 0) {
        if (!r->header_done) {
            format_header(r, &r->pending);
            buf_append(&r->pending, r->early.data ? r->early.data : "", r->early.len);
            r->header_done = true;
        }
        format_end(r, &r->pending, NULL);
        flush_pending(r);
        if (fsync(r->fd) != 0) {
            snprintf(err, errlen, "cannot sync %s: %s", r->file_path, strerror(errno));
            ok = false;
        }
        if (close(r->fd) != 0 && ok) {
            snprintf(err, errlen, "cannot close %s: %s", r->file_path, strerror(errno));
            ok = false;
        }
        r->fd = -1;
    }
    if (ok && (r->st.lost > 0 || r->st.write_errors > 0)) {
        snprintf(err, errlen,
                 "the recording is incomplete: %" PRIu64 " records lost to %" PRIu64
                 " write errors",
                 r->st.lost, r->st.write_errors);
        ok = false;
    }
    if (st)
        *st = r->st;
    if (r->m->events.tap_ctx == r) {
        r->m->events.tap = NULL;
        r->m->events.tap_ctx = NULL;
    }
    if (r->m->taps.ctx == r)
        memset(&r->m->taps, 0, sizeof r->m->taps);
    buf_free(&r->pending);
    buf_free(&r->line);
    buf_free(&r->early);
    free(r->path);
    free(r->program);
    free(r);
    return ok;
}

/*
 * Replaying a recording through source_feed, exactly as a live source would hand the records
 * over.
 *
 * Time. Each record line carries the time it was processed live (now_ms). The replay hands every
 * record over at that time, so arrival->processed latency and every other figure computed from
 * the time of processing come out as they were live. The loop's clock is the replay's own clock
 * (clock.h): the recorded time reached. Paced, that clock runs `speed` times as fast as the wall
 * clock from the first record's time, and a record is handed over once the clock reaches it; as
 * fast as possible, it is the time of the latest record handed over. When the recording ends
 * the clock stops at the last record's time, so the views keep showing the data as it was then.
 * Rates, latency windows and fragment expiry all read that clock, so they see the recording's
 * time however long ago it was made.
 *
 * Damage. A line that is not valid (a partial write, an edited file) is counted, reported and
 * skipped; so is a last line cut short by a crash, and a line longer than any record line can
 * be (REPLAY_MAX_LINE), which is never held in memory whole. None of them stops the replay.
 */
#include "config.h"

#include "src-replay.h"

#include <errno.h>
#include <ev.h>
#include <inttypes.h>
#include <jansson.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base64.h"
#include "clock.h"
#include "escape.h"
#include "linereader.h"
#include "recorder.h"
#include "xalloc.h"

#define REPLAY_FAST_BATCH  500   /* records per loop iteration, as fast as possible */
#define REPLAY_PACED_BATCH 5000  /* records per tick, paced; beyond that the clock waits */
#define REPLAY_TICK_MAX_S  0.25  /* paced: the clock and progress move at least this often */
#define REPLAY_TAIL_BYTES  65536 /* read from the end to find the last record's time */
#define REPLAY_WARN_SHOWN  10    /* problems written to the warn stream; later ones counted */
#define REPLAY_MAX_FILES   100000
/* The longest record line: a 10 MiB Kinesis record (the largest MaxRecordSizeInKiB,
 * https://docs.aws.amazon.com/streams/latest/dev/large-records.html) is 13.3 MiB in base64, and
 * its metadata a few KiB more. */
#define REPLAY_MAX_LINE ((size_t)16 << 20)

/* --- parsing lines --- */

/* An integer member (an integral number in any JSON spelling). */
static bool get_int(json_t *obj, const char *name, int64_t *out)
{
    json_t *v = json_object_get(obj, name);
    if (json_is_integer(v)) {
        *out = (int64_t)json_integer_value(v);
        return true;
    }
    if (json_is_real(v)) {
        double d = json_real_value(v);
        if (d == floor(d) && fabs(d) < 9.0e18) {
            *out = (int64_t)d;
            return true;
        }
    }
    return false;
}

/* A time member: an integer, null or absent (CDC_TIME_NONE). False when it is anything else. */
static bool get_time(json_t *obj, const char *name, int64_t *out)
{
    json_t *v = json_object_get(obj, name);
    *out = CDC_TIME_NONE;
    if (v == NULL || json_is_null(v))
        return true;
    return get_int(obj, name, out) && *out != CDC_TIME_NONE;
}

enum text_found { TEXT_ABSENT, TEXT_FOUND, TEXT_BAD };

/* NAME as a JSON string, or NAME_b64 as base64; null and absent are TEXT_ABSENT. */
static enum text_found get_text(json_t *obj, const char *name, struct buf *out)
{
    char b64name[64];
    json_t *v = json_object_get(obj, name);
    buf_reset(out);
    if (json_is_string(v)) {
        buf_append(out, json_string_value(v), json_string_length(v));
        return TEXT_FOUND;
    }
    if (v != NULL && !json_is_null(v))
        return TEXT_BAD;
    snprintf(b64name, sizeof b64name, "%s_b64", name);
    v = json_object_get(obj, b64name);
    if (v == NULL || json_is_null(v))
        return TEXT_ABSENT;
    if (!json_is_string(v) || !base64_decode(json_string_value(v), json_string_length(v), out))
        return TEXT_BAD;
    return TEXT_FOUND;
}

static enum src_replay_kind bad(struct src_replay_line *l, const char *why)
{
    snprintf(l->why, sizeof l->why, "%.120s", why);
    return l->kind = SRC_REPLAY_BAD;
}

static enum src_replay_kind parse_record(struct src_replay_line *l, json_t *root)
{
    int64_t len;
    json_t *data = json_object_get(root, "data");
    if (get_text(root, "shard", &l->shard) != TEXT_FOUND)
        return bad(l, "record without a shard");
    enum text_found seq = get_text(root, "seq", &l->seq);
    enum text_found pkey = get_text(root, "pkey", &l->pkey);
    if (seq == TEXT_BAD || pkey == TEXT_BAD)
        return bad(l, "seq or pkey is neither a string, base64 nor null");
    l->has_seq = seq == TEXT_FOUND;
    l->has_pkey = pkey == TEXT_FOUND;
    if (!get_time(root, "arrival_ms", &l->arrival_ms) || !get_time(root, "now_ms", &l->now_ms))
        return bad(l, "arrival_ms or now_ms is not an integer");
    if (!json_is_string(data))
        return bad(l, "record without data");
    if (!base64_decode(json_string_value(data), json_string_length(data), &l->data))
        return bad(l, "data is not valid base64");
    if (json_object_get(root, "len") &&
        (!get_int(root, "len", &len) || len < 0 || (uint64_t)len != (uint64_t)l->data.len))
        return bad(l, "data does not hold len bytes");
    return l->kind = SRC_REPLAY_RECORD;
}

static enum src_replay_kind parse_header(struct src_replay_line *l, json_t *root)
{
    int64_t v;
    json_t *format = json_object_get(root, "format");
    json_t *shards = json_object_get(root, "shards");
    if (!json_is_string(format) || strcmp(json_string_value(format), RECORDER_FORMAT) != 0)
        return bad(l, "header of another format");
    if (!get_int(root, "version", &v) || v < 1 || v > INT32_MAX)
        return bad(l, "header without a valid version");
    l->version = (int)v;
    if (get_text(root, "source", &l->source) != TEXT_FOUND)
        buf_reset(&l->source);
    l->record_limit = get_int(root, "record_size_limit", &v) && v > 0 ? (uint64_t)v : 0;
    if (!get_int(root, "model_started_ms", &l->model_started_ms))
        l->model_started_ms = CDC_TIME_NONE;
    buf_reset(&l->shards);
    l->nshards = 0;
    size_t i;
    json_t *id;
    json_array_foreach(shards, i, id)
    {
        if (!json_is_string(id))
            continue;
        buf_append(&l->shards, json_string_value(id), strlen(json_string_value(id)) + 1);
        l->nshards++;
    }
    return l->kind = SRC_REPLAY_HEADER;
}

static enum src_replay_kind parse_end(struct src_replay_line *l, json_t *root)
{
    int64_t v;
    l->records = get_int(root, "records", &v) && v > 0 ? (uint64_t)v : 0;
    l->lost = get_int(root, "lost", &v) && v > 0 ? (uint64_t)v : 0;
    return l->kind = SRC_REPLAY_END;
}

/* A short word member ("warn", "reader_stalled") into out; false when absent or too long. */
static bool get_word(json_t *obj, const char *name, char *out, size_t cap)
{
    json_t *v = json_object_get(obj, name);
    if (!json_is_string(v) || json_string_length(v) >= cap)
        return false;
    memcpy(out, json_string_value(v), json_string_length(v) + 1);
    return true;
}

/* Text members of event and status lines: absent or null is empty. */
static bool get_opt_text(json_t *obj, const char *name, struct buf *out)
{
    enum text_found t = get_text(obj, name, out);
    buf_append(out, "", 0);
    if (t == TEXT_ABSENT)
        buf_reset(out);
    return t != TEXT_BAD;
}

static enum src_replay_kind parse_event(struct src_replay_line *l, json_t *root)
{
    if (!get_time(root, "now_ms", &l->now_ms) || l->now_ms == CDC_TIME_NONE)
        return bad(l, "event without a time");
    if (!get_word(root, "level", l->level, sizeof l->level) ||
        !get_word(root, "kind", l->event_kind, sizeof l->event_kind))
        return bad(l, "event without a level or kind");
    if (!get_opt_text(root, "subject", &l->subject) || !get_opt_text(root, "text", &l->text))
        return bad(l, "event subject or text is neither a string, base64 nor null");
    return l->kind = SRC_REPLAY_EVENT;
}

static enum src_replay_kind parse_dlq(struct src_replay_line *l, json_t *root)
{
    if (!get_time(root, "now_ms", &l->now_ms) || l->now_ms == CDC_TIME_NONE ||
        !get_int(root, "visible", &l->visible))
        return bad(l, "DLQ sample without a time or a visible count");
    if (!get_int(root, "in_flight", &l->in_flight))
        l->in_flight = 0;
    if (!get_int(root, "delayed", &l->delayed))
        l->delayed = 0;
    if (!get_opt_text(root, "name", &l->subject))
        buf_reset(&l->subject);
    return l->kind = SRC_REPLAY_DLQ;
}

static enum src_replay_kind parse_status(struct src_replay_line *l, json_t *root)
{
    if (!get_time(root, "now_ms", &l->now_ms) || l->now_ms == CDC_TIME_NONE ||
        !get_word(root, "level", l->level, sizeof l->level))
        return bad(l, "status without a time or a level");
    if (!get_opt_text(root, "text", &l->text) || !get_opt_text(root, "hint", &l->hint))
        return bad(l, "status text or hint is neither a string, base64 nor null");
    return l->kind = SRC_REPLAY_STATUS;
}

void src_replay_line_init(struct src_replay_line *l)
{
    memset(l, 0, sizeof *l);
    buf_init(&l->shard);
    buf_init(&l->seq);
    buf_init(&l->pkey);
    buf_init(&l->data);
    buf_init(&l->source);
    buf_init(&l->shards);
    buf_init(&l->subject);
    buf_init(&l->text);
    buf_init(&l->hint);
}

void src_replay_line_free(struct src_replay_line *l)
{
    buf_free(&l->shard);
    buf_free(&l->seq);
    buf_free(&l->pkey);
    buf_free(&l->data);
    buf_free(&l->source);
    buf_free(&l->shards);
    buf_free(&l->subject);
    buf_free(&l->text);
    buf_free(&l->hint);
}

enum src_replay_kind src_replay_parse_line(struct src_replay_line *l, const char *p, size_t n)
{
    json_error_t jerr;
    l->why[0] = '\0';
    json_t *root = json_loadb(p, n, JSON_ALLOW_NUL | JSON_REJECT_DUPLICATES, &jerr);
    if (root == NULL)
        return bad(l, jerr.text[0] ? jerr.text : "not JSON");
    enum src_replay_kind kind;
    json_t *type = json_object_get(root, "type");
    if (!json_is_object(root) || !json_is_string(type))
        kind = bad(l, "not an object with a type");
    else if (strcmp(json_string_value(type), "record") == 0)
        kind = parse_record(l, root);
    else if (strcmp(json_string_value(type), "header") == 0)
        kind = parse_header(l, root);
    else if (strcmp(json_string_value(type), "end") == 0)
        kind = parse_end(l, root);
    else if (strcmp(json_string_value(type), "event") == 0)
        kind = parse_event(l, root);
    else if (strcmp(json_string_value(type), "dlq") == 0)
        kind = parse_dlq(l, root);
    else if (strcmp(json_string_value(type), "status") == 0)
        kind = parse_status(l, root);
    else
        kind = l->kind = SRC_REPLAY_OTHER;
    json_decref(root);
    return kind;
}

bool src_replay_parse_speed(const char *text, double *speed)
{
    char *end;
    if (text == NULL || strcmp(text, "max") == 0) {
        *speed = 0;
        return text != NULL;
    }
    errno = 0;
    double v = strtod(text, &end);
    if (end == text || errno || !isfinite(v) || v <= 0)
        return false;
    if (*end == 'x' || *end == 'X')
        end++;
    if (*end)
        return false;
    *speed = v;
    return true;
}

/* --- the source --- */

struct replay {
    struct source base;
    struct model *m;
    struct ev_loop *loop;
    char *path;
    double speed;
    FILE *warn;
    /* the file being read */
    FILE *f;
    unsigned file;
    char file_path[4096];
    uint64_t file_line;
    struct linereader lines;
    uint64_t total_bytes, read_bytes;
    /* the next record, read ahead */
    struct src_replay_line next;
    bool has_next;
    /* the clock */
    struct clock_override clock;
    bool clock_installed;
    int64_t clock_ms;   /* the latest recorded time handed over (or where the clock stopped) */
    int64_t anchor_rec; /* paced: recorded time at anchor_wall */
    double anchor_wall;
    double started_wall;
    int64_t last_ms; /* the last record's time, CDC_TIME_NONE when not found */
    bool running, done;
    ev_timer tick;
    ev_idle idle;
    /* what happened */
    uint64_t fed;
    uint64_t bad_lines, truncated, lost_at_recording;
    unsigned problems_shown;
    bool ended; /* the last file had its end line */
    char recorded_from[160];
};

static void report(struct replay *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* A problem with the recording: on the status line, and on the warn stream (headless). */
static void report(struct replay *r, const char *fmt, ...)
{
    char text[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    model_set_status(r->m, ALERT_WARN, clock_now_ms(r->loop), text,
                     "the damaged part is skipped; the rest of the recording replays");
    if (r->warn && r->problems_shown < REPLAY_WARN_SHOWN) {
        /* the text quotes the damaged line (jansson's "near '...'"): never raw to a terminal */
        char shown[1024];
        escape_into(shown, sizeof shown, text, strlen(text));
        /* clear a progress line the terminal may be showing */
        fprintf(r->warn, "%scdctop: %s\n", isatty(fileno(r->warn)) ? "\r\033[K" : "", shown);
        if (++r->problems_shown == REPLAY_WARN_SHOWN)
            fprintf(r->warn, "cdctop: further problems are counted, not shown\n");
    }
}

static bool file_exists(const char *path, uint64_t *size)
{
    struct stat st;
    if (stat(path, &st) != 0 || !S_ISREG(st.st_mode))
        return false;
    if (size)
        *size = (uint64_t)st.st_size;
    return true;
}

static void register_shards(struct replay *r, const struct src_replay_line *h)
{
    const char *id = h->shards.data;
    for (unsigned i = 0; i < h->nshards; i++, id += strlen(id) + 1)
        model_shard(r->m, id);
}

static int64_t record_time(const struct replay *r, const struct src_replay_line *l)
{
    if (l->now_ms != CDC_TIME_NONE)
        return l->now_ms;
    if (l->arrival_ms != CDC_TIME_NONE)
        return l->arrival_ms;
    return r->clock_ms;
}

static bool open_file(struct replay *r, unsigned n)
{
    recorder_file_path(r->file_path, sizeof r->file_path, r->path, n);
    r->f = fopen(r->file_path, "rb");
    r->file = n;
    r->file_line = 0;
    linereader_reset(&r->lines, r->f);
    return r->f != NULL;
}

/* A line longer than any record line: counted and reported, never read into memory whole. */
static void skip_long_line(struct replay *r)
{
    r->bad_lines++;
    report(r,
           "replay: %s:%" PRIu64 ": line of %" PRIu64 " bytes, longer than a record line can be "
           "(%zu MiB); skipped (%" PRIu64 " damaged so far)",
           r->file_path, r->file_line, r->lines.length, REPLAY_MAX_LINE >> 20, r->bad_lines);
}

/* The next line of the recording, across its files, in r->lines; false at the end.
 * r->lines.complete is false for a last line without its newline. */
static bool read_line(struct replay *r)
{
    for (;;) {
        if (r->f == NULL) {
            if (r->file + 1 >= REPLAY_MAX_FILES)
                return false;
            char next[sizeof r->file_path];
            recorder_file_path(next, sizeof next, r->path, r->file + 1);
            if (!file_exists(next, NULL))
                return false;
            if (!open_file(r, r->file + 1)) {
                report(r, "replay: cannot open %s: %s", r->file_path, strerror(errno));
                return false;
            }
        }
        uint64_t before = r->lines.bytes;
        enum linereader_status st = linereader_next(&r->lines);
        r->read_bytes += r->lines.bytes - before;
        if (st == LINEREADER_LINE || st == LINEREADER_TOO_LONG)
            r->file_line++;
        if (st == LINEREADER_LINE)
            return true;
        if (st == LINEREADER_TOO_LONG) {
            skip_long_line(r);
            continue;
        }
        if (st == LINEREADER_ERROR)
            report(r, "replay: cannot read %s: %s", r->file_path, strerror(errno));
        fclose(r->f);
        r->f = NULL;
    }
}

/* Handles the lines up to the next one to feed at its time (a record, or an event, DLQ sample or
 * status of the recorded run), which it leaves in r->next. False at the end. */
static bool read_record(struct replay *r)
{
    while (read_line(r)) {
        size_t len = r->lines.line.len;
        bool complete = r->lines.complete;
        if (len == 0 && complete)
            continue;
        bool first = r->file_line == 1;
        enum src_replay_kind kind = src_replay_parse_line(&r->next, r->lines.line.data, len);
        if (!complete && kind != SRC_REPLAY_RECORD && kind != SRC_REPLAY_END) {
            r->truncated++;
            report(r, "replay: %s ends with a truncated line (%zu bytes; cut short?), skipped",
                   r->file_path, len);
            continue;
        }
        if (first && kind != SRC_REPLAY_HEADER)
            report(r, "replay: %s does not start with a header line", r->file_path);
        r->ended = false;
        switch (kind) {
        case SRC_REPLAY_RECORD:
        case SRC_REPLAY_EVENT:
        case SRC_REPLAY_DLQ:
        case SRC_REPLAY_STATUS:
            return true;
        case SRC_REPLAY_HEADER:
            register_shards(r, &r->next);
            if (r->next.version > RECORDER_VERSION)
                report(r, "replay: %s is format version %d; this cdctop reads version %d",
                       r->file_path, r->next.version, RECORDER_VERSION);
            break;
        case SRC_REPLAY_END:
            r->ended = true;
            if (r->next.lost > r->lost_at_recording) {
                r->lost_at_recording = r->next.lost;
                report(r, "replay: the recording lost %" PRIu64 " records to write errors",
                       r->next.lost);
            }
            break;
        case SRC_REPLAY_OTHER:
            break;
        case SRC_REPLAY_BAD:
            r->bad_lines++;
            report(r, "replay: %s:%" PRIu64 ": %s; line skipped (%" PRIu64 " so far)", r->file_path,
                   r->file_line, r->next.why, r->bad_lines);
            break;
        }
    }
    return false;
}

/* The time of the last record, from the tail of the last file (a clean recording ends with a
 * short end line after it). CDC_TIME_NONE when it is not within the tail. */
static int64_t last_record_time(const char *path)
{
    int64_t found = CDC_TIME_NONE;
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return found;
    struct src_replay_line l;
    src_replay_line_init(&l);
    char *tail = xmalloc(REPLAY_TAIL_BYTES);
    size_t n = 0;
    if (fseeko(f, 0, SEEK_END) == 0) {
        off_t size = ftello(f);
        off_t from = size > REPLAY_TAIL_BYTES ? size - REPLAY_TAIL_BYTES : 0;
        if (size >= 0 && fseeko(f, from, SEEK_SET) == 0)
            n = fread(tail, 1, REPLAY_TAIL_BYTES, f);
    }
    /* complete lines from the last one back; the first may be partial, and is then bad */
    size_t end = n;
    while (end > 0 && found == CDC_TIME_NONE) {
        size_t start = end - 1;
        while (start > 0 && tail[start - 1] != '\n')
            start--;
        if (src_replay_parse_line(&l, tail + start, end - start) == SRC_REPLAY_RECORD)
            found = l.now_ms != CDC_TIME_NONE ? l.now_ms : l.arrival_ms;
        end = start > 0 ? start - 1 : 0;
    }
    free(tail);
    src_replay_line_free(&l);
    fclose(f);
    return found;
}

static int64_t paced_time(const struct replay *r)
{
    return r->anchor_rec + (int64_t)((ev_now(r->loop) - r->anchor_wall) * r->speed * 1000.0);
}

static int64_t replay_clock(void *ctx, struct ev_loop *loop)
{
    const struct replay *r = ctx;
    (void)loop;
    if (r->running && r->speed > 0) {
        int64_t t = paced_time(r);
        if (t > r->clock_ms)
            return t;
    }
    return r->clock_ms;
}

static void update_progress(struct replay *r)
{
    struct model_progress *p = &r->m->progress;
    double elapsed = ev_now(r->loop) - r->started_wall;
    p->active = true;
    p->finished = r->done;
    p->speed = r->speed;
    p->recorded_ms = replay_clock(r, r->loop);
    p->percent = r->total_bytes ? 100.0 * (double)r->read_bytes / (double)r->total_bytes : 100.0;
    if (p->percent > 100.0 || r->done)
        p->percent = 100.0;
    if (r->done)
        p->eta_ms = 0;
    else if (r->speed > 0 && r->last_ms != CDC_TIME_NONE)
        p->eta_ms = r->last_ms > p->recorded_ms
                        ? (int64_t)((double)(r->last_ms - p->recorded_ms) / r->speed)
                        : 0;
    else if (r->read_bytes > 0 && elapsed > 0.5 && r->total_bytes > r->read_bytes)
        p->eta_ms = (int64_t)(elapsed * 1000.0 * (double)(r->total_bytes - r->read_bytes) /
                              (double)r->read_bytes);
    else
        p->eta_ms = -1;
}

/* An event, DLQ sample or status line of the recorded run, at its time. */
static void feed_other(struct replay *r, const struct src_replay_line *l, int64_t now)
{
    if (l->kind == SRC_REPLAY_DLQ) {
        if (!r->m->dlq.configured)
            model_dlq_configure(r->m, l->subject.len ? l->subject.data : "dlq");
        model_dlq_update(r->m, now, l->visible, l->in_flight, l->delayed);
    } else if (l->kind == SRC_REPLAY_STATUS) {
        enum model_alert level = ALERT_INFO;
        model_alert_parse(l->level, &level);
        model_set_status(r->m, level, now, l->text.len ? l->text.data : "",
                         l->hint.len ? l->hint.data : "");
    } else {
        struct event e = {.at_ms = now, .level = EV_INFO, .kind = EVK_NOTE, .origin = EV_SOURCE};
        event_level_parse(l->level, &e.level);
        event_kind_parse(l->event_kind, &e.kind);
        snprintf(e.subject, sizeof e.subject, "%s", l->subject.len ? l->subject.data : "");
        snprintf(e.text, sizeof e.text, "%s", l->text.len ? l->text.data : "");
        model_event_replayed(r->m, &e);
    }
}

static void feed_next(struct replay *r)
{
    const struct src_replay_line *l = &r->next;
    int64_t now = record_time(r, l);
    if (l->kind != SRC_REPLAY_RECORD) {
        if (now > r->clock_ms)
            r->clock_ms = now;
        feed_other(r, l, now);
        r->has_next = read_record(r);
        return;
    }
    unsigned idx = model_shard(r->m, l->shard.data ? l->shard.data : "");
    if (r->m->shards[idx]->state == SHARD_PENDING)
        model_shard_started(r->m, idx, now);
    if (now > r->clock_ms)
        r->clock_ms = now;
    struct cdc_raw raw = {
        .data = l->data.data ? l->data.data : "",
        .len = l->data.len,
        .shard = idx,
        .seq = l->has_seq ? (l->seq.data ? l->seq.data : "") : NULL,
        .seq_len = l->has_seq ? l->seq.len : 0,
        .pkey = l->has_pkey ? (l->pkey.data ? l->pkey.data : "") : NULL,
        .pkey_len = l->has_pkey ? l->pkey.len : 0,
        .arrival_ms = l->arrival_ms,
    };
    source_feed(&r->base, &raw, now);
    r->fed++;
    r->has_next = read_record(r);
}

static void replay_stop(struct source *src)
{
    struct replay *r = (struct replay *)src;
    if (r->running)
        r->clock_ms = replay_clock(r, r->loop); /* the clock stays where it was */
    r->running = false;
    if (r->loop == NULL)
        return;
    ev_timer_stop(r->loop, &r->tick);
    ev_idle_stop(r->loop, &r->idle);
}

static void finish(struct replay *r)
{
    /* the clock stops at the last record, not later: the data stays as it was then */
    r->running = false;
    replay_stop(&r->base);
    r->done = true;
    /* every reader read its shard to the end of the recording, but a reader the recording left
     * stalled or failing stays so: that is how the recorded run ended */
    for (unsigned i = 0; i < r->m->nshards; i++) {
        const struct shard *s = r->m->shards[i];
        if (s->state == SHARD_READING && !s->stalled && !s->failing_since_ms)
            model_shard_ok(r->m, i, r->clock_ms, 0);
    }
    char text[256];
    uint64_t skipped = r->bad_lines + r->truncated;
    int n = snprintf(text, sizeof text, "replay finished: %" PRIu64 " record%s", r->fed,
                     r->fed == 1 ? "" : "s");
    if (skipped)
        n += snprintf(text + n, sizeof text - (size_t)n, ", %" PRIu64 " damaged line%s skipped",
                      skipped, skipped == 1 ? "" : "s");
    if (r->lost_at_recording)
        n += snprintf(text + n, sizeof text - (size_t)n,
                      ", %" PRIu64 " records lost when it was recorded", r->lost_at_recording);
    if (!r->ended)
        snprintf(text + n, sizeof text - (size_t)n, " (no end line: the recording was cut short)");
    model_set_status(r->m, skipped || r->lost_at_recording || !r->ended ? ALERT_WARN : ALERT_INFO,
                     r->clock_ms, text, "the data stays on screen as it was at the last record");
}

static void batch_done(struct replay *r, unsigned n)
{
    (void)n;
    if (!r->has_next)
        finish(r);
    update_progress(r);
    source_changed(&r->base);
}

static void arm(struct replay *r, double delay)
{
    ev_timer_stop(r->loop, &r->tick);
    ev_timer_set(&r->tick, delay, 0.0);
    ev_timer_start(r->loop, &r->tick);
}

/* Paced: hands over the records the clock has reached, then sleeps until the next one is due
 * (at most REPLAY_TICK_MAX_S, so the clock moves on screen through quiet stretches). */
static void on_tick(struct ev_loop *loop, ev_timer *w, int revents)
{
    struct replay *r = w->data;
    (void)revents;
    int64_t t = paced_time(r);
    unsigned n = 0;
    while (r->has_next && record_time(r, &r->next) <= t && n < REPLAY_PACED_BATCH) {
        feed_next(r);
        n++;
    }
    if (r->has_next) {
        int64_t due = record_time(r, &r->next);
        double delay = 0;
        if (due <= t) {
            /* behind: the clock waits for the records rather than run ahead of them */
            r->anchor_rec = r->clock_ms;
            r->anchor_wall = ev_now(loop);
        } else {
            delay = (double)(due - t) / (r->speed * 1000.0);
        }
        arm(r, delay < REPLAY_TICK_MAX_S ? delay : REPLAY_TICK_MAX_S);
    }
    batch_done(r, n);
}

/* As fast as possible: a batch per loop iteration, so keys and redraws still get their turn. */
static void on_idle(struct ev_loop *loop, ev_idle *w, int revents)
{
    struct replay *r = w->data;
    (void)loop;
    (void)revents;
    unsigned n = 0;
    while (r->has_next && n < REPLAY_FAST_BATCH) {
        feed_next(r);
        n++;
    }
    batch_done(r, n);
}

static int replay_start(struct source *src, struct ev_loop *loop, char *err, size_t errlen)
{
    struct replay *r = (struct replay *)src;
    if (loop != r->loop) {
        snprintf(err, errlen, "replay started on another loop than its clock's");
        return -1;
    }
    if (r->running || r->done) {
        snprintf(err, errlen, "replay already started");
        return -1;
    }
    r->running = true;
    r->started_wall = ev_now(loop);
    r->anchor_wall = ev_now(loop);
    r->anchor_rec = r->clock_ms;
    for (unsigned i = 0; i < r->m->nshards; i++)
        if (r->m->shards[i]->state == SHARD_PENDING)
            r->m->shards[i]->state = SHARD_READING;
    if (!r->has_next) {
        finish(r);
    } else if (r->speed > 0) {
        ev_timer_init(&r->tick, on_tick, 0.0, 0.0);
        r->tick.data = r;
        ev_timer_start(loop, &r->tick);
    } else {
        ev_idle_init(&r->idle, on_idle);
        r->idle.data = r;
        ev_idle_start(loop, &r->idle);
    }
    update_progress(r);
    source_changed(&r->base);
    return 0;
}

static bool replay_finished(const struct source *src)
{
    return ((const struct replay *)src)->done;
}

static void replay_free(struct source *src)
{
    struct replay *r = (struct replay *)src;
    if (r == NULL)
        return;
    replay_stop(src);
    if (r->clock_installed && ev_userdata(r->loop) == &r->clock)
        clock_set_override(r->loop, NULL);
    if (r->f)
        fclose(r->f);
    src_replay_line_free(&r->next);
    linereader_free(&r->lines);
    free(r->path);
    free(r);
}

static const struct source_ops replay_ops = {
    .name = "replay",
    .start = replay_start,
    .stop = replay_stop,
    .free = replay_free,
    .finished = replay_finished,
};

/* Reads the first file's header into the model. False with a message in err. */
static bool read_header(struct replay *r, char *err, size_t errlen)
{
    if (!read_line(r)) {
        snprintf(err, errlen, "%s is empty", r->path);
        return false;
    }
    if (src_replay_parse_line(&r->next, r->lines.line.data, r->lines.line.len) !=
        SRC_REPLAY_HEADER) {
        snprintf(err, errlen, "%s is not a cdctop recording (no header line: %s)", r->path,
                 r->next.kind == SRC_REPLAY_BAD ? r->next.why : "another kind of line");
        return false;
    }
    if (r->next.version > RECORDER_VERSION) {
        snprintf(err, errlen, "%s is recording format version %d; this cdctop reads version %d",
                 r->path, r->next.version, RECORDER_VERSION);
        return false;
    }
    snprintf(r->recorded_from, sizeof r->recorded_from, "%s",
             r->next.source.len ? r->next.source.data : "unknown source");
    if (r->next.record_limit)
        model_set_record_limit(r->m, r->next.record_limit);
    if (r->next.model_started_ms != CDC_TIME_NONE)
        r->m->started_ms = r->next.model_started_ms;
    register_shards(r, &r->next);
    return true;
}

struct source *src_replay_new(struct model *m, struct ev_loop *loop, const struct replay_opts *o,
                              char *err, size_t errlen)
{
    struct replay *r = xcalloc(1, sizeof *r);
    r->base.ops = &replay_ops;
    r->base.model = m;
    r->m = m;
    r->loop = loop;
    r->path = xstrdup(o->path);
    r->speed = o->speed > 0 ? o->speed : 0;
    r->warn = o->warn;
    r->clock_ms = m->started_ms;
    r->last_ms = CDC_TIME_NONE;
    src_replay_line_init(&r->next);
    linereader_init(&r->lines, NULL, REPLAY_MAX_LINE, 0);
    char last[4096];
    unsigned files = 0;
    uint64_t size = 0;
    struct stat st;
    const char *why = NULL;
    if (stat(o->path, &st) != 0)
        why = strerror(errno);
    else if (!S_ISREG(st.st_mode))
        why = "not a regular file";
    else if (!open_file(r, 0))
        why = strerror(errno);
    if (why) {
        snprintf(err, errlen, "cannot read %s: %s", o->path, why);
        replay_free(&r->base);
        return NULL;
    }
    for (; files < REPLAY_MAX_FILES; files++) {
        recorder_file_path(last, sizeof last, o->path, files);
        if (!file_exists(last, &size))
            break;
        r->total_bytes += size;
    }
    if (!read_header(r, err, errlen)) {
        replay_free(&r->base);
        return NULL;
    }
    recorder_file_path(last, sizeof last, o->path, files - 1);
    r->last_ms = last_record_time(last);
    r->clock.now_ms = replay_clock;
    r->clock.ctx = r;
    clock_set_override(loop, &r->clock);
    r->clock_installed = true;
    r->has_next = read_record(r);
    if (r->has_next)
        r->clock_ms = record_time(r, &r->next);
    char desc[sizeof m->source];
    snprintf(desc, sizeof desc, "replay %s (recorded from %s)", o->path, r->recorded_from);
    model_set_source(m, desc);
    update_progress(r);
    return &r->base;
}

/* "2026-11-23 03:12:05Z" */
static void format_utc(char *out, size_t len, int64_t ms)
{
    time_t secs = (time_t)(ms / 1000);
    struct tm tm;
    if (ms == CDC_TIME_NONE || gmtime_r(&secs, &tm) == NULL)
        snprintf(out, len, "-");
    else
        strftime(out, len, "%Y-%m-%d %H:%M:%SZ", &tm);
}

static void format_duration(char *out, size_t len, int64_t ms)
{
    int64_t s = (ms + 999) / 1000;
    if (ms < 0)
        snprintf(out, len, "?");
    else if (s < 60)
        snprintf(out, len, "%" PRId64 "s", s);
    else if (s < 3600)
        snprintf(out, len, "%" PRId64 "m%02" PRId64 "s", s / 60, s % 60);
    else
        snprintf(out, len, "%" PRId64 "h%02" PRId64 "m", s / 3600, s / 60 % 60);
}

void src_replay_progress_text(const struct model_progress *p, char *out, size_t len)
{
    char when[40], left[32], speed[32];
    format_utc(when, sizeof when, p->recorded_ms);
    if (p->finished) {
        snprintf(out, len, "replay finished  recorded time %s", when);
        return;
    }
    if (p->speed > 0)
        snprintf(speed, sizeof speed, "%gx", p->speed);
    else
        snprintf(speed, sizeof speed, "max");
    format_duration(left, sizeof left, p->eta_ms);
    snprintf(out, len, "replay %5.1f%%  recorded time %s  speed %s  %s left", p->percent, when,
             speed, left);
}

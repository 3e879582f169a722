/*
 * The replay source: feeds a recording (recorder.h, docs/recording-format.md) through the same
 * pipeline as a live source, paced by the recorded times (N times faster), or as fast as
 * possible. While it runs, the loop's clock (clock.h) is the recorded time the replay has
 * reached, and every record is handed over at its recorded processing time, so latencies,
 * rates and windows come out as they were live.
 */
#ifndef CDCTOP_SRC_REPLAY_H
#define CDCTOP_SRC_REPLAY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "buf.h"
#include "source.h"

struct ev_loop;

struct replay_opts {
    const char *path; /* the first file; path.1, path.2, ... follow when they exist */
    double speed;     /* times real time; 0 = as fast as possible */
    FILE *warn;       /* problems are also written here (headless), or NULL */
};

/* "max" (0), or a number above 0 ("10", "0.5", "10x"). False when it is neither. */
bool src_replay_parse_speed(const char *text, double *speed);
/*
 * Opens the recording and reads its header, then takes the loop's clock over (the recorded time
 * from now on), names the source, sets the record size limit and registers the shards.
 * NULL with a message in err when the file cannot be read or is not a recording.
 */
struct source *src_replay_new(struct model *m, struct ev_loop *loop, const struct replay_opts *o,
                              char *err, size_t errlen);
/* One line of text for a header or a terminal: "replay 42.0%  recorded time ...  2m10s left". */
void src_replay_progress_text(const struct model_progress *p, char *out, size_t len);

/* --- the line reader, shared with the tests --- */

enum src_replay_kind {
    SRC_REPLAY_HEADER,
    SRC_REPLAY_RECORD,
    SRC_REPLAY_END,
    SRC_REPLAY_EVENT,  /* an event of the readers or pollers (a stall, an error, ...) */
    SRC_REPLAY_DLQ,    /* a DLQ depth sample */
    SRC_REPLAY_STATUS, /* the status line changed */
    SRC_REPLAY_OTHER,  /* a line of a type this version does not know: ignored */
    SRC_REPLAY_BAD     /* not a valid line; why says what is wrong */
};

struct src_replay_line {
    enum src_replay_kind kind;
    /* records; the buffers hold exact bytes (and a NUL after them) */
    struct buf shard, seq, pkey, data;
    bool has_seq, has_pkey; /* false when null or absent */
    int64_t arrival_ms;     /* CDC_TIME_NONE when null or absent */
    int64_t now_ms;         /* CDC_TIME_NONE when null or absent */
    /* headers */
    int version;
    struct buf source;
    uint64_t record_limit;    /* 0 when absent */
    int64_t model_started_ms; /* CDC_TIME_NONE when absent */
    struct buf shards;        /* the header's shard ids, each followed by a NUL */
    unsigned nshards;
    /* end lines */
    uint64_t records, lost;
    /* event, dlq and status lines (now_ms above is their time) */
    char level[16], event_kind[32];
    struct buf subject, text, hint; /* each with a NUL after it */
    int64_t visible, in_flight, delayed;
    char why[128];
};

void src_replay_line_init(struct src_replay_line *l);
void src_replay_line_free(struct src_replay_line *l);
/* Parses one line (without its newline) into l, whose buffers are reused. */
enum src_replay_kind src_replay_parse_line(struct src_replay_line *l, const char *p, size_t n);

#endif

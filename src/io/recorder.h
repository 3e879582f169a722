/*
 * The recorder: every raw record a source delivers, with its shard metadata and its exact data
 * bytes, written as JSON Lines (docs/recording-format.md) so that --replay can feed it through
 * the same pipeline later. It is the source's tap (source.h): records are formatted into memory
 * and written from a timer, so a slow or full disk never holds up the tail; write errors are
 * counted and shown on the status line, never fatal.
 */
#ifndef CDCTOP_RECORDER_H
#define CDCTOP_RECORDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "change.h"

struct ev_loop;
struct model;
struct source;
struct recorder;

#define RECORDER_FORMAT  "cdctop-recording"
#define RECORDER_VERSION 1

struct recorder_opts {
    const char *path;
    uint64_t max_bytes;  /* start the next file once a file would exceed this; 0 = one file */
    const char *program; /* "cdctop 0.1.0", written in each header */
};

struct recorder_stats {
    uint64_t records;      /* records taken in */
    uint64_t lost;         /* records lost to write errors (or to a file that could not open) */
    uint64_t write_errors; /* failed writes */
    uint64_t bytes;        /* bytes written, every file together */
    unsigned files;        /* files started */
};

/*
 * Creates the first file (mode 0600). Refuses to overwrite an existing recording: path, or its
 * continuation path.1, already existing is an error. NULL with a message in err.
 */
struct recorder *recorder_new(struct ev_loop *loop, struct model *m, const struct recorder_opts *o,
                              char *err, size_t errlen);
/* Makes the recorder src's tap. */
void recorder_attach(struct recorder *r, struct source *src);
/*
 * Writes what is buffered and the end line, fsyncs and closes, then frees the recorder, leaving
 * its final figures in *st (when not NULL). Returns false, with a message in err, when the
 * recording is incomplete.
 */
bool recorder_close(struct recorder *r, struct recorder_stats *st, char *err, size_t errlen);

/* File n of a recording: path itself for 0, then "path.1", "path.2", ... */
void recorder_file_path(char *out, size_t len, const char *path, unsigned n);
/*
 * Appends one record line (with its newline). shard_id may be NULL when the shard is unknown.
 * Strings that are not valid UTF-8 are written base64-encoded under NAME_b64 instead of NAME.
 */
void recorder_format_record(struct buf *out, const char *shard_id, const struct cdc_raw *raw,
                            int64_t now_ms);

#endif

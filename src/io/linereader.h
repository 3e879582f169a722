/*
 * Reads a text file line by line with bounds, for files whose contents come from elsewhere
 * (recordings, config files): a line longer than the limit is skipped, its length counted,
 * instead of growing a buffer until memory runs out, and a file may be given a total size past
 * which reading stops (a config file that is really /dev/zero).
 */
#ifndef CDCTOP_LINEREADER_H
#define CDCTOP_LINEREADER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "buf.h"

#define LINEREADER_CHUNK 65536

enum linereader_status {
    LINEREADER_LINE,      /* a line: line.data, line.len (without its newline) */
    LINEREADER_TOO_LONG,  /* a line longer than max_line, skipped; length says how long */
    LINEREADER_END,       /* the end of the file */
    LINEREADER_TOO_LARGE, /* the file goes on past max_bytes: nothing more is read */
    LINEREADER_ERROR      /* a read error; errno says which */
};

struct linereader {
    FILE *f;            /* not owned */
    size_t max_line;    /* longest line kept, in bytes without the newline */
    uint64_t max_bytes; /* bytes read at most from the file, 0 = no limit */
    struct buf line;    /* the last line, NUL-terminated */
    uint64_t length;    /* the last line's length, also when it was skipped */
    bool complete;      /* the last line ended with a newline (false at the end of the file) */
    uint64_t bytes;     /* bytes consumed so far, newlines included */
    uint64_t read;      /* bytes read from the file (consumed, and ahead in chunk) */
    char chunk[LINEREADER_CHUNK];
    size_t pos, end; /* the unread part of chunk */
    bool eof, too_large;
};

void linereader_init(struct linereader *lr, FILE *f, size_t max_line, uint64_t max_bytes);
/* Starts on another file (f not owned), keeping the limits and the line buffer. */
void linereader_reset(struct linereader *lr, FILE *f);
enum linereader_status linereader_next(struct linereader *lr);
void linereader_free(struct linereader *lr);

#endif

/*
 * Bounded line reading. The file is read in chunks and scanned for newlines; a line's bytes are
 * kept only while it is within max_line, so an over-long line costs one chunk of memory however
 * long it is.
 */
#include "config.h"

#include "linereader.h"

#include <string.h>

void linereader_init(struct linereader *lr, FILE *f, size_t max_line, uint64_t max_bytes)
{
    memset(lr, 0, sizeof *lr);
    lr->max_line = max_line;
    lr->max_bytes = max_bytes;
    buf_init(&lr->line);
    buf_reserve(&lr->line, 0); /* line.data is never NULL */
    linereader_reset(lr, f);
}

void linereader_reset(struct linereader *lr, FILE *f)
{
    lr->f = f;
    lr->pos = lr->end = 0;
    lr->eof = lr->too_large = false;
    lr->bytes = lr->read = 0;
    lr->length = 0;
    lr->complete = false;
    buf_reset(&lr->line);
}

void linereader_free(struct linereader *lr)
{
    buf_free(&lr->line);
}

/* Refills the chunk. False at the end of the file, on an error (errno set, ferror true), or
 * when the file goes on past max_bytes (too_large set). */
static bool fill(struct linereader *lr)
{
    size_t want = sizeof lr->chunk;
    if (lr->eof || lr->too_large)
        return false;
    if (lr->max_bytes) {
        uint64_t left = lr->max_bytes - lr->read;
        if (left == 0) {
            /* one byte more tells a file of exactly max_bytes from a larger one */
            lr->too_large = fread(lr->chunk, 1, 1, lr->f) == 1;
            lr->eof = !lr->too_large;
            return false;
        }
        if (left < want)
            want = (size_t)left;
    }
    size_t n = fread(lr->chunk, 1, want, lr->f);
    lr->pos = 0;
    lr->end = n;
    lr->read += n;
    if (n == 0)
        lr->eof = true;
    return n > 0;
}

enum linereader_status linereader_next(struct linereader *lr)
{
    buf_reset(&lr->line);
    lr->length = 0;
    lr->complete = false;
    for (;;) {
        if (lr->pos == lr->end && !fill(lr)) {
            if (lr->too_large)
                return LINEREADER_TOO_LARGE;
            if (ferror(lr->f))
                return LINEREADER_ERROR;
            break;
        }
        const char *p = lr->chunk + lr->pos;
        size_t avail = lr->end - lr->pos;
        const char *nl = memchr(p, '\n', avail);
        size_t take = nl ? (size_t)(nl - p) : avail;
        if (lr->length + take <= lr->max_line) {
            buf_append(&lr->line, p, take);
        } else if (lr->line.cap > LINEREADER_CHUNK) {
            /* over the limit: what was kept of it goes, and so does a large buffer */
            buf_free(&lr->line);
            buf_reserve(&lr->line, 0);
        }
        lr->length += take;
        lr->pos += take + (nl != NULL);
        lr->bytes += take + (nl != NULL);
        if (nl) {
            lr->complete = true;
            break;
        }
    }
    if (lr->length > lr->max_line) {
        buf_reset(&lr->line);
        return LINEREADER_TOO_LONG;
    }
    if (!lr->complete && lr->length == 0)
        return LINEREADER_END;
    return LINEREADER_LINE;
}

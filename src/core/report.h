/* The JSON snapshot (docs/snapshot-json.md): the contract scripts and tests rely on. */
#ifndef CDCTOP_REPORT_H
#define CDCTOP_REPORT_H

#include <stdint.h>

#include "buf.h"
#include "model.h"

#define REPORT_JSON_VERSION 1
#define REPORT_ROWS_ALL     UINT64_MAX

struct report_opts {
    uint64_t max_rows; /* rows[] bound; REPORT_ROWS_ALL for all */
    const char *program_version;
};

/* Appends the snapshot of m at now_ms to out, as one JSON document and a newline. */
void report_json(const struct model *m, const struct report_opts *opts, int64_t now_ms,
                 struct buf *out);

#endif

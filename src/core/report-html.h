/*
 * The HTML report of a snapshot: one self-contained page (inline CSS, charts as inline SVG, no
 * script and nothing fetched from anywhere) that can be attached to a ticket and opened offline.
 */
#ifndef CDCTOP_REPORT_HTML_H
#define CDCTOP_REPORT_HTML_H

#include <stdint.h>

#include "buf.h"
#include "model.h"

#define REPORT_HTML_IMAGE_MAX 1024 /* bytes of a row image shown; the JSON has them all */
#define REPORT_HTML_SPAN_S    900  /* the charts cover the last 15 minutes */
#define REPORT_HTML_EVENTS    200  /* the newest events listed; the JSON has every one kept */

struct report_html_opts {
    uint64_t max_rows; /* rows shown per table, newest change first; 0 (the default): none */
    const char *program_version;
};

/* Appends the report of m at now_ms to out. opts may be NULL (no rows). */
void report_html(const struct model *m, const struct report_html_opts *opts, int64_t now_ms,
                 struct buf *out);

#endif

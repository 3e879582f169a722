/*
 * The verdict: one line that says what is wrong, worst first ("DEGRADED: public.order_items p99
 * commit→emit 3.3s > 1s; DLQ +1 per 40s"), from the model and the thresholds, at one moment.
 * Every screen, artefact and the headless exit status (--fail-on) use this one judgement.
 */
#ifndef CDCTOP_VERDICT_H
#define CDCTOP_VERDICT_H

#include <stddef.h>
#include <stdint.h>

#include "model.h"
#include "readout.h"

#define VERDICT_MAX     24
#define FINDING_TEXT    200
#define FINDING_SUBJECT 130

enum finding_kind {
    FIND_READER_STALLED,
    FIND_READER_FAILING,
    FIND_SOURCE,
    FIND_LATENCY,
    FIND_HEADROOM,
    FIND_DLQ,
    FIND_UNDECODABLE,
    FIND_SPLIT_DROPPED,
    FIND_COUNT
};

struct finding {
    enum readout_level level;
    enum finding_kind kind;
    char subject[FINDING_SUBJECT + 1]; /* a table, a shard, "DLQ", "" */
    char text[FINDING_TEXT + 1];       /* "public.orders p99 commit→emit 3.3s > 1s" */
};

struct verdict {
    enum readout_level level; /* the worst finding's, LEVEL_OK when none */
    unsigned n;
    struct finding f[VERDICT_MAX]; /* worst first */
    unsigned more;                 /* findings beyond VERDICT_MAX */
};

void verdict_compute(const struct model *m, int64_t now_ms, struct verdict *out);
/* "OK", "DEGRADED", "FAILING". */
const char *verdict_word(enum readout_level level);
/* "DEGRADED: finding; finding; ..." cut to fit len, or "OK". */
char *verdict_line(const struct verdict *v, char *out, size_t len);
const char *finding_kind_name(enum finding_kind k); /* "reader_stalled", "latency", ... */

#endif

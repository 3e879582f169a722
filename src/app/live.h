/*
 * The live pipeline as one source: HTTP, credentials and the region first, then the Kinesis
 * reader and the DLQ watcher once the region is known. Headless mode and the console run it like
 * any other source.
 */
#ifndef CDCTOP_LIVE_H
#define CDCTOP_LIVE_H

#include <stdio.h>

#include "source.h"

struct live_opts {
    const char *stream;       /* name or ARN */
    const char *dlq;          /* queue name or URL, or NULL */
    const char *region;       /* --region, or NULL to resolve */
    const char *profile;      /* --profile, or NULL */
    const char *endpoint_url; /* Kinesis and SQS endpoint, or NULL for AWS's (never STS's) */
    const char *from;
    double read_rate;
    unsigned read_limit;
    double relist_s;
    double dlq_interval_s;
    const char *user_agent; /* "cdctop/0.1.0" */
    FILE *warn; /* headless: stderr, for warnings and a credential helper's own words; or NULL */
};

struct source *live_new(struct model *m, const struct live_opts *opts);

#endif

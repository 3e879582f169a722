/*
 * The live source: tails every shard of a Kinesis data stream, one reader per shard, all on the
 * one loop, within a polite read budget (the production consumer shares each shard's 5
 * GetRecords calls per second).
 */
#ifndef CDCTOP_SRC_KINESIS_H
#define CDCTOP_SRC_KINESIS_H

#include <stdbool.h>
#include <stddef.h>

#include "source.h"

struct aws_client;

struct kinesis_opts {
    const char *stream; /* stream name or ARN */
    const char *from;   /* "latest" (default), "trim-horizon", an ISO-8601 time, or "-15m" */
    double reads_per_s; /* GetRecords calls per second per shard (default 1) */
    unsigned limit;     /* records per GetRecords call (default 1000) */
    double relist_s;    /* seconds between ListShards to discover new shards (default 30) */
};

struct source *src_kinesis_new(struct model *m, struct aws_client *kinesis,
                               const struct kinesis_opts *opts);

/* Checks a --from value ("latest", "trim-horizon", 2026-11-23T03:12:00Z, epoch seconds, -15m).
 * False with the reason in err when it is none of them. */
bool src_kinesis_check_from(const char *from, char *err, size_t errlen);

/* The stream's name for display: the part after "stream/" in an ARN, else the text itself. */
const char *src_kinesis_stream_name(const char *stream);

#endif

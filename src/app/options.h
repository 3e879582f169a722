/*
 * Every option is declared once, in the table in options.c, which drives the command line, the
 * config file and --help (a test checks that docs/cdctop.1 documents each one).
 */
#ifndef CDCTOP_OPTIONS_H
#define CDCTOP_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define OPTIONS_MAX_PK        64
#define OPTIONS_MAX_THRESHOLD 16

struct options {
    /* source */
    bool demo;
    uint64_t seed;
    double demo_rate;
    uint64_t demo_limit;
    uint64_t demo_shards;
    char *stream; /* Kinesis stream name or ARN */
    char *dlq;    /* SQS dead-letter queue name or URL */
    char *region;
    char *profile;
    char *endpoint_url; /* Kinesis, SQS and STS */
    char *from;         /* latest, trim-horizon, a time, or -15m */
    double read_rate;   /* GetRecords per second per shard */
    uint64_t read_limit;
    double relist;
    double dlq_interval;
    char *replay;              /* a recording to replay */
    char *speed;               /* replay pace: N times the recorded one, or "max"; NULL = 1 */
    char *record;              /* record every raw record to this file */
    uint64_t record_max_bytes; /* start the next file past this size; 0 = one file */
    /* headless and snapshots */
    bool headless;
    double duration;
    double until_idle;
    char *snapshot; /* headless output path, "-" for stdout */
    char *snapshot_dir;
    uint64_t snapshot_rows; /* UINT64_MAX = all */
    uint64_t report_rows;   /* rows per table in the HTML report: 0 = none, UINT64_MAX = all */
    double snapshot_every;  /* seconds between snapshot sets, 0 = none */
    char *redact;           /* COL[,COL...]; repeated options are joined with commas */
    bool redact_values;     /* redact every non-key column */
    /* core */
    char *pk[OPTIONS_MAX_PK];
    unsigned npk;
    char *threshold[OPTIONS_MAX_THRESHOLD]; /* NAME=WARN[,BAD], in the order given */
    unsigned nthreshold;
    char *fail_on;    /* headless: "warn", "bad" or "never" (default) */
    char *time_basis; /* "arrival" (default) or "commit" */
    uint64_t max_memory;
    uint64_t versions;
    uint64_t history;
    double latency_window;
    double fragment_timeout;
    uint64_t fragment_buffer;
    /* display */
    char *theme;
    char *theme_dir;
    bool ascii;
    double refresh;
    /* config */
    char *config;
    bool no_config;
    bool help;
    bool version;
};

void options_defaults(struct options *o);
void options_free(struct options *o);

/*
 * Parses argv over whatever is already in *o. Returns false on a usage error, with the message
 * written to err.
 */
bool options_parse_args(struct options *o, int argc, char **argv, FILE *err);
/*
 * Loads a config file: "name = value" lines named like the long options, '#' comments.
 * A bad line (an over-long one included) is reported as "file:line: message" on err and
 * skipped; the rest still loads. Returns the number of bad lines, or -1, with the reason on err,
 * when the file cannot be read or goes on past 1 MiB (the lines before that still applied).
 */
int options_load_file(struct options *o, const char *path, FILE *err);
/* The config file used when --config is not given: $XDG_CONFIG_HOME/cdctop/config. */
bool options_default_config_path(char *out, size_t len);

void options_usage(FILE *out);

#endif

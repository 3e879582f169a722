/* The option table and its three readers: argv, the config file, and the help texts. */
#include "config.h"

#include "options.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "escape.h"
#include "linereader.h"
#include "readout.h"
#include "xalloc.h"

enum opt_type {
    OPT_FLAG,      /* bool; "--x", or "x = yes|no" in the file */
    OPT_STRING,    /* char * */
    OPT_UINT,      /* uint64_t */
    OPT_SIZE,      /* uint64_t with an optional K/M/G suffix (powers of 1024) */
    OPT_ROWS,      /* uint64_t or "all" */
    OPT_SECS,      /* double seconds */
    OPT_RATE,      /* double above 0 */
    OPT_PK,        /* repeatable --pk spec */
    OPT_THRESHOLD, /* repeatable --threshold NAME=WARN[,BAD] */
    OPT_LIST       /* char *, comma-separated; a repeated option adds to the list */
};

struct option_def {
    const char *name;
    enum opt_type type;
    size_t offset;
    const char *arg;  /* argument name in help, NULL for flags */
    const char *help; /* one line */
    const char *dflt; /* default as shown in help, or NULL */
    bool cli_only;    /* not settable from the config file */
};

#define OFF(field) offsetof(struct options, field)

/* A config line is a name and a value (a path, a list of columns): a few KiB at most, and a
 * config file a few hundred bytes. Past these it is not a config file (think /dev/zero). */
#define OPTIONS_MAX_LINE      8192
#define OPTIONS_MAX_LINE_TEXT "8192"
#define OPTIONS_MAX_FILE      ((uint64_t)1 << 20)

static const struct option_def option_table[] = {
    {"demo", OPT_FLAG, OFF(demo), NULL, "run the embedded demo pipeline", NULL, false},
    {"seed", OPT_UINT, OFF(seed), "N", "demo random seed (same seed, same records)", "1", false},
    {"demo-rate", OPT_SECS, OFF(demo_rate), "R", "demo records per second, 0 = as fast as possible",
     "200", false},
    {"demo-limit", OPT_UINT, OFF(demo_limit), "N", "stop the demo after N records, 0 = never", "0",
     false},
    {"demo-shards", OPT_UINT, OFF(demo_shards), "N", "shards in the demo stream", "4", false},
    {"stream", OPT_STRING, OFF(stream), "NAME|ARN", "tail every shard of this Kinesis data stream",
     NULL, false},
    {"dlq", OPT_STRING, OFF(dlq), "NAME|URL", "with --stream: watch this SQS dead-letter queue",
     NULL, false},
    {"region", OPT_STRING, OFF(region), "REGION", "AWS region",
     "AWS_REGION, AWS_DEFAULT_REGION, the profile's, or the instance's", false},
    {"profile", OPT_STRING, OFF(profile), "NAME", "AWS profile for credentials and region",
     "AWS_PROFILE or default", false},
    {"endpoint-url", OPT_STRING, OFF(endpoint_url), "URL",
     "endpoint for Kinesis and SQS calls (emulators, VPC endpoints); not for STS", NULL, false},
    {"from", OPT_STRING, OFF(from), "POSITION",
     "where to start: latest, trim-horizon, a UTC time (2026-11-23T03:12:00Z), epoch seconds, "
     "or a time ago (-15m, -2h, -30s)",
     "latest", false},
    {"read-rate", OPT_RATE, OFF(read_rate), "N",
     "GetRecords calls per second per shard (the shard allows 5, shared with the consumer)", "1",
     false},
    {"read-limit", OPT_UINT, OFF(read_limit), "N", "records per GetRecords call (1-10000)", "1000",
     false},
    {"relist", OPT_SECS, OFF(relist), "SECS",
     "seconds between shard listings that discover new shards", "30", false},
    {"dlq-interval", OPT_SECS, OFF(dlq_interval), "SECS", "seconds between DLQ depth polls", "5",
     false},
    {"replay", OPT_STRING, OFF(replay), "FILE",
     "replay a recording made with --record (FILE.1, FILE.2, ... follow when they exist)", NULL,
     true},
    {"speed", OPT_STRING, OFF(speed), "N|max",
     "with --replay: N times the recorded pace, or max for as fast as possible", "1", false},
    {"record", OPT_STRING, OFF(record), "FILE",
     "record every raw record to FILE (JSON Lines, mode 0600; never overwrites)", NULL, true},
    {"record-max-bytes", OPT_SIZE, OFF(record_max_bytes), "SIZE",
     "with --record: continue in FILE.1, FILE.2, ... once a file would pass SIZE", "0, one file",
     false},
    {"headless", OPT_FLAG, OFF(headless), NULL,
     "run without a terminal and write a snapshot at the end", NULL, false},
    {"duration", OPT_SECS, OFF(duration), "SECS", "headless: stop after SECS seconds", NULL, false},
    {"until-idle", OPT_SECS, OFF(until_idle), "SECS",
     "headless: stop after SECS seconds without a record", NULL, false},
    {"snapshot", OPT_STRING, OFF(snapshot), "PATH|-",
     "headless: write only the JSON snapshot, to PATH (- for standard output), at the end", NULL,
     false},
    {"snapshot-dir", OPT_STRING, OFF(snapshot_dir), "DIR", "where snapshots are written",
     "./cdctop-snapshots", false},
    {"snapshot-rows", OPT_ROWS, OFF(snapshot_rows), "N|all",
     "at most N reconstructed rows per table in a snapshot's JSON", "100", false},
    {"report-rows", OPT_ROWS, OFF(report_rows), "N|all",
     "at most N reconstructed rows per table in a snapshot set's HTML report", "0, none", false},
    {"snapshot-every", OPT_SECS, OFF(snapshot_every), "SECS",
     "write a snapshot set (JSON, text, HTML) every SECS seconds", "0, never", false},
    {"redact", OPT_LIST, OFF(redact), "COL[,COL...]",
     "show these columns' values as keyed hashes (COLUMN, TABLE.COLUMN or "
     "SCHEMA.TABLE.COLUMN; repeatable)",
     NULL, false},
    {"redact-values", OPT_FLAG, OFF(redact_values), NULL,
     "show every non-key column's values as keyed hashes", NULL, false},
    {"pk", OPT_PK, OFF(pk), "SCHEMA.TABLE=COL[,COL...]",
     "primary key of a table (repeatable; overrides learned and guessed keys)", NULL, false},
    {"max-memory", OPT_SIZE, OFF(max_memory), "SIZE",
     "memory cap for rows, tables and shards; least recently changed keys are evicted, further "
     "tables and shards are counted together",
     "256M", false},
    {"versions", OPT_UINT, OFF(versions), "N", "versions shown per key in its history", "8", false},
    {"history", OPT_UINT, OFF(history), "N", "entries in the shared version log", "65536", false},
    {"latency-window", OPT_SECS, OFF(latency_window), "SECS",
     "sliding window of the latency percentiles", "60", false},
    {"fragment-timeout", OPT_SECS, OFF(fragment_timeout), "SECS",
     "a split (chunked) change must complete within SECS", "120", false},
    {"threshold", OPT_THRESHOLD, OFF(threshold), "NAME=WARN[,BAD]",
     "where a figure turns amber (warn) and red (bad): commit_to_emit, emit_to_arrival, "
     "arrival_to_processed (p99, e.g. 1s,10s), headroom (%), dlq_growth (/min), undecodable (%), "
     "stall (e.g. 5s); repeatable",
     NULL, false},
    {"fail-on", OPT_STRING, OFF(fail_on), "warn|bad|never",
     "headless: exit with status 4 when the verdict reached this level during the run", "never",
     false},
    {"time-basis", OPT_STRING, OFF(time_basis), "arrival|commit",
     "place changes on the timeline (rates, sparklines, charts) by arrival in the stream or by "
     "commit",
     "arrival", false},
    {"fragment-buffer", OPT_SIZE, OFF(fragment_buffer), "SIZE",
     "memory for reassembling split changes; the oldest are dropped to make room", "64M", false},
    {"theme", OPT_STRING, OFF(theme), "NAME|FILE", "colour theme: default, mono, or a file",
     "default", false},
    {"theme-dir", OPT_STRING, OFF(theme_dir), "DIR", "extra directory searched for NAME.theme",
     NULL, false},
    {"ascii", OPT_FLAG, OFF(ascii), NULL, "ASCII sparklines instead of UTF-8 blocks", NULL, false},
    {"refresh", OPT_SECS, OFF(refresh), "SECS", "minimum time between screen redraws", "0.25",
     false},
    {"config", OPT_STRING, OFF(config), "FILE", "read options from FILE",
     "$XDG_CONFIG_HOME/cdctop/config", true},
    {"no-config", OPT_FLAG, OFF(no_config), NULL, "do not read any config file", NULL, true},
    {"help", OPT_FLAG, OFF(help), NULL, "show this help and exit", NULL, true},
    {"version", OPT_FLAG, OFF(version), NULL, "show the version and exit", NULL, true},
};

#define NOPTIONS (sizeof option_table / sizeof option_table[0])

void options_defaults(struct options *o)
{
    memset(o, 0, sizeof *o);
    o->seed = 1;
    o->demo_rate = 200;
    o->demo_shards = 4;
    o->from = xstrdup("latest");
    o->read_rate = 1;
    o->read_limit = 1000;
    o->relist = 30;
    o->dlq_interval = 5;
    o->snapshot_dir = xstrdup("./cdctop-snapshots");
    o->snapshot_rows = 100;
    o->max_memory = 256ull << 20;
    o->versions = 8;
    o->history = 65536;
    o->latency_window = 60;
    o->fragment_timeout = 120;
    o->fragment_buffer = 64ull << 20;
    o->theme = xstrdup("default");
    o->refresh = 0.25;
}

void options_free(struct options *o)
{
    free(o->stream);
    free(o->dlq);
    free(o->region);
    free(o->profile);
    free(o->endpoint_url);
    free(o->from);
    free(o->replay);
    free(o->speed);
    free(o->record);
    free(o->snapshot);
    free(o->snapshot_dir);
    free(o->redact);
    free(o->theme);
    free(o->theme_dir);
    free(o->config);
    for (unsigned i = 0; i < o->npk; i++)
        free(o->pk[i]);
    for (unsigned i = 0; i < o->nthreshold; i++)
        free(o->threshold[i]);
    free(o->fail_on);
    free(o->time_basis);
    memset(o, 0, sizeof *o);
}

static const struct option_def *find_option(const char *name, size_t len)
{
    for (size_t i = 0; i < NOPTIONS; i++)
        if (strlen(option_table[i].name) == len && strncmp(option_table[i].name, name, len) == 0)
            return &option_table[i];
    return NULL;
}

static bool parse_uint(const char *s, uint64_t *out)
{
    char *end;
    if (!*s || *s == '-')
        return false;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || *end)
        return false;
    *out = v;
    return true;
}

static bool parse_size(const char *s, uint64_t *out)
{
    char *end;
    if (!*s || *s == '-')
        return false;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || end == s)
        return false;
    unsigned shift = 0;
    switch (*end) {
    case 'k':
    case 'K':
        shift = 10;
        break;
    case 'm':
    case 'M':
        shift = 20;
        break;
    case 'g':
    case 'G':
        shift = 30;
        break;
    case '\0':
        break;
    default:
        return false;
    }
    if (*end && end[1] && strcasecmp(end + 1, "iB") != 0 && strcasecmp(end + 1, "B") != 0)
        return false;
    if (shift && v > (UINT64_MAX >> shift))
        return false;
    *out = (uint64_t)v << shift;
    return true;
}

static bool parse_secs(const char *s, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || end == s || *end || !isfinite(v) || v < 0)
        return false;
    *out = v;
    return true;
}

static bool parse_bool(const char *s, bool *out)
{
    static const char *const yes[] = {"1", "yes", "true", "on"};
    static const char *const no[] = {"0", "no", "false", "off"};
    for (size_t i = 0; i < 4; i++) {
        if (strcasecmp(s, yes[i]) == 0) {
            *out = true;
            return true;
        }
        if (strcasecmp(s, no[i]) == 0) {
            *out = false;
            return true;
        }
    }
    return false;
}

/* Stores value into the option. Returns NULL, or a message on a bad value. */
static const char *set_option(struct options *o, const struct option_def *def, const char *value)
{
    void *field = (char *)o + def->offset;
    switch (def->type) {
    case OPT_FLAG:
        if (!value) {
            *(bool *)field = true;
            return NULL;
        }
        return parse_bool(value, field) ? NULL : "expected yes or no";
    case OPT_STRING:
        free(*(char **)field);
        *(char **)field = xstrdup(value);
        return NULL;
    case OPT_UINT:
        return parse_uint(value, field) ? NULL : "expected a whole number";
    case OPT_SIZE:
        return parse_size(value, field) ? NULL : "expected a size such as 512K, 64M or 2G";
    case OPT_ROWS:
        if (strcasecmp(value, "all") == 0) {
            *(uint64_t *)field = UINT64_MAX;
            return NULL;
        }
        return parse_uint(value, field) ? NULL : "expected a whole number or \"all\"";
    case OPT_SECS:
        return parse_secs(value, field) ? NULL : "expected a number of seconds";
    case OPT_RATE: {
        double v;
        if (!parse_secs(value, &v) || v <= 0)
            return "expected a number above 0";
        *(double *)field = v;
        return NULL;
    }
    case OPT_LIST: {
        char **list = field;
        if (!*value)
            return "expected a comma-separated list";
        if (!*list) {
            *list = xstrdup(value);
            return NULL;
        }
        size_t n = strlen(*list) + 1 + strlen(value) + 1;
        char *joined = xmalloc(n);
        snprintf(joined, n, "%s,%s", *list, value);
        free(*list);
        *list = joined;
        return NULL;
    }
    case OPT_PK:
        if (o->npk >= OPTIONS_MAX_PK)
            return "too many --pk options";
        if (!strchr(value, '='))
            return "expected SCHEMA.TABLE=COL[,COL...]";
        o->pk[o->npk++] = xstrdup(value);
        return NULL;
    case OPT_THRESHOLD: {
        static char why[160];
        struct readout_thresholds scratch;
        readout_thresholds_default(&scratch);
        if (o->nthreshold >= OPTIONS_MAX_THRESHOLD)
            return "too many --threshold options";
        if (!readout_threshold_parse(&scratch, value, why, sizeof why))
            return why;
        o->threshold[o->nthreshold++] = xstrdup(value);
        return NULL;
    }
    }
    return "unknown option type";
}

/* Text from the command line or the environment, escaped for the terminal (escape.h). */
static const char *shown(char *out, size_t len, const char *p, size_t n)
{
    escape_into(out, len, p, n);
    return out;
}

bool options_parse_args(struct options *o, int argc, char **argv, FILE *err)
{
    char text[1024];
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        if (strcmp(arg, "-h") == 0)
            arg = "--help";
        else if (strcmp(arg, "-V") == 0)
            arg = "--version";
        if (strncmp(arg, "--", 2) != 0) {
            fprintf(err, "cdctop: unexpected argument '%s' (see cdctop --help)\n",
                    shown(text, sizeof text, arg, strlen(arg)));
            return false;
        }
        const char *name = arg + 2;
        const char *eq = strchr(name, '=');
        size_t len = eq ? (size_t)(eq - name) : strlen(name);
        const struct option_def *def = find_option(name, len);
        if (!def) {
            fprintf(err, "cdctop: unknown option '--%s' (see cdctop --help)\n",
                    shown(text, sizeof text, name, len));
            return false;
        }
        const char *value = eq ? eq + 1 : NULL;
        if (def->type != OPT_FLAG && !value) {
            if (i + 1 >= argc) {
                fprintf(err, "cdctop: --%s needs %s\n", def->name, def->arg);
                return false;
            }
            value = argv[++i];
        }
        const char *msg = set_option(o, def, value);
        if (msg) {
            fprintf(err, "cdctop: --%s %s: %s\n", def->name,
                    shown(text, sizeof text, value ? value : "", value ? strlen(value) : 0), msg);
            return false;
        }
    }
    return true;
}

static char *trim(char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    char *end = s + strlen(s);
    while (end > s && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\n' || end[-1] == '\r'))
        *--end = '\0';
    return s;
}

/* Applies one line; returns NULL or the message for a bad line. */
static const char *load_line(struct options *o, char *line)
{
    char *s = trim(line);
    if (!*s || *s == '#')
        return NULL;
    char *eq = strchr(s, '=');
    char *name = s, *value = NULL;
    if (eq) {
        *eq = '\0';
        value = trim(eq + 1);
        name = trim(s);
    }
    const struct option_def *def = find_option(name, strlen(name));
    if (!def)
        return "unknown option";
    if (def->cli_only)
        return "only valid on the command line";
    if (!value && def->type != OPT_FLAG)
        return "expected 'name = value'";
    return set_option(o, def, value);
}

int options_load_file(struct options *o, const char *path, FILE *err)
{
    char text[4200];
    FILE *f = fopen(path, "r");
    if (!f) {
        const char *why = strerror(errno);
        fprintf(err, "cdctop: cannot read config file %s: %s\n",
                shown(text, sizeof text, path, strlen(path)), why);
        return -1;
    }
    struct linereader *lr = xmalloc(sizeof *lr);
    linereader_init(lr, f, OPTIONS_MAX_LINE, OPTIONS_MAX_FILE);
    int bad = 0;
    unsigned lineno = 0;
    enum linereader_status st;
    while ((st = linereader_next(lr)) == LINEREADER_LINE || st == LINEREADER_TOO_LONG) {
        lineno++;
        const char *msg = st == LINEREADER_TOO_LONG ? "line longer than " OPTIONS_MAX_LINE_TEXT
                                                      " bytes; skipped"
                                                    : load_line(o, lr->line.data);
        if (msg) {
            fprintf(err, "%s:%u: %s\n", shown(text, sizeof text, path, strlen(path)), lineno, msg);
            bad++;
        }
    }
    if (st == LINEREADER_TOO_LARGE)
        fprintf(err, "cdctop: config file %s goes on past %llu MiB: not a config file\n",
                shown(text, sizeof text, path, strlen(path)),
                (unsigned long long)(OPTIONS_MAX_FILE >> 20));
    else if (st == LINEREADER_ERROR) {
        const char *why = strerror(errno);
        fprintf(err, "cdctop: cannot read config file %s: %s\n",
                shown(text, sizeof text, path, strlen(path)), why);
    }
    linereader_free(lr);
    free(lr);
    fclose(f);
    return st == LINEREADER_END ? bad : -1;
}

bool options_default_config_path(char *out, size_t len)
{
    const char *xdg = getenv("XDG_CONFIG_HOME");
    const char *home = getenv("HOME");
    int n;
    if (xdg && *xdg)
        n = snprintf(out, len, "%s/cdctop/config", xdg);
    else if (home && *home)
        n = snprintf(out, len, "%s/.config/cdctop/config", home);
    else
        return false;
    return n > 0 && (size_t)n < len;
}

void options_usage(FILE *out)
{
    fprintf(out, "Usage: cdctop --stream NAME|ARN [--dlq NAME|URL] [OPTION...]\n"
                 "       cdctop --demo [OPTION...]\n"
                 "       cdctop --replay FILE [--speed N|max] [OPTION...]\n"
                 "Watch a change-data-capture pipeline: per-table change rates, latencies, record\n"
                 "sizes, the DLQ, and the rows reconstructed from the changes.\n\n"
                 "Options:\n");
    for (size_t i = 0; i < NOPTIONS; i++) {
        const struct option_def *d = &option_table[i];
        char left[64];
        snprintf(left, sizeof left, "--%s%s%s", d->name, d->arg ? " " : "", d->arg ? d->arg : "");
        fprintf(out, "  %-30s %s", left, d->help);
        if (d->dflt)
            fprintf(out, " (default %s)", d->dflt);
        fputc('\n', out);
    }
    fprintf(out, "\nEvery option except --config, --no-config, --help and --version can also be\n"
                 "set in the config file as 'name = value'. See cdctop(1).\n");
}

/*
 * The whole pipeline state, fed by sources and drawn by views: decoder, tables (keys, rows,
 * metrics), shards, totals and the DLQ. Pure: no I/O, no clock (every call takes now_ms).
 * Views read the structures below directly and never modify them.
 */
#ifndef CDCTOP_MODEL_H
#define CDCTOP_MODEL_H

#include <stdbool.h>
#include <stdint.h>

#include "buf.h"
#include "change.h"
#include "decode.h"
#include "events.h"
#include "hashidx.h"
#include "metrics.h"
#include "pk.h"
#include "readout.h"
#include "rowstore.h"
#include "shard.h"

struct redact;

#define MODEL_DEFAULT_RECORD_LIMIT (1024u * 1024u) /* Kinesis default MaxRecordSizeInKiB 1024 */
#define MODEL_DLQ_HISTORY          180             /* DLQ samples kept for the trend */

/*
 * Tables and shards are bounded by --max-memory too (rows.max_bytes): each table's metrics take
 * about 100 KiB and each shard's about 13 KiB, and anyone who can write to the stream can invent
 * table names, as a recording can shard ids. Tables may take a quarter of the cap and shards a
 * sixteenth; beyond that, the changes of further tables are counted together in one
 * "(other tables)" bucket (schema "", other = true) and the records of further shard ids in one
 * "(other shards)" bucket, each with the number of distinct names folded into it. Rows take what
 * tables and shards leave.
 */
#define MODEL_OTHER_TABLES "(other tables)"
#define MODEL_OTHER_SHARDS "(other shards)"
#define MODEL_TABLES_SHARE 4    /* tables take at most 1/4 of the cap */
#define MODEL_SHARDS_SHARE 16   /* shards, 1/16 */
#define MODEL_FOLDED_NAMES 8192 /* distinct folded names told apart; beyond, a lower bound */

struct model_table {
    char schema[CDC_NAME_MAX + 1];
    char table[CDC_NAME_MAX + 1];
    struct pk_def pk;
    struct rs_table *rows;
    struct metrics m;
    uint64_t unkeyed; /* changes whose image lacks a key column (not applied) */
    /* --redact-values: the key columns left readable, fixed at the table's first change (its key
     * if configured or learned by then; none if only guessed, as a guess may take another column
     * for a key), so a column is hashed in every image of the table or in none */
    struct pk_def redact_keep;
    bool redact_decided;
    /* The "(other tables)" bucket. Its rows are keyed ["schema","table",[key values]], each
     * table's key configured (--pk), else learned from the delete or guessed from the image. */
    bool other;
    uint64_t folded;   /* bucket: distinct schema.table names counted into it */
    bool folded_exact; /* false once too many to tell apart: `folded` is then a lower bound */
};

struct dlq_sample {
    int64_t at_ms;
    int64_t visible;
};

struct dlq_state {
    bool configured; /* a DLQ is being watched */
    bool known;      /* at least one successful poll */
    char name[128];
    int64_t visible;
    int64_t in_flight;
    int64_t delayed;
    int64_t updated_ms;
    struct dlq_sample history[MODEL_DLQ_HISTORY]; /* ring, oldest overwritten */
    unsigned history_len;
    unsigned history_next;
    char error[160]; /* last poll error, "" when fine */
    bool growing;    /* the DLQ is growing (model.c logs the start and the end) */
    int64_t last_growth_ms;
};

struct model_totals {
    uint64_t records;     /* records received (fragments included) */
    uint64_t decoded;     /* changes decoded */
    uint64_t undecodable; /* records counted under a decode_reason */
    uint64_t duplicates;
    uint64_t stale;
    uint64_t unkeyed;
    uint64_t bytes;
};

/* The source's own health, shown on the status line: errors come with a hint. */
enum model_alert { ALERT_NONE, ALERT_INFO, ALERT_WARN, ALERT_ERROR };

struct model_status {
    enum model_alert level;
    char text[256]; /* e.g. "GetRecords shardId-000000000001: AccessDeniedException" */
    char hint[200]; /* e.g. "the credentials lack kinesis:GetRecords" */
    int64_t at_ms;
};

/* A replay's progress, set by the replay source for headers and headless progress lines. */
struct model_progress {
    bool active;         /* a replay is feeding the model (or has fed it and finished) */
    bool finished;       /* the whole recording has been fed */
    double percent;      /* of the recording's bytes read, 0-100 */
    int64_t recorded_ms; /* the recorded time reached */
    double speed;        /* times real time; 0 = as fast as possible */
    int64_t eta_ms;      /* wall time left, -1 when unknown */
};

/* What places a change on the timeline (rates, sparklines, charts): when it arrived in the stream
 * (Kinesis ApproximateArrivalTimestamp), or when it was committed. */
enum time_basis { BASIS_ARRIVAL, BASIS_COMMIT };

struct model_config {
    struct decoder_limits decoder;
    struct rowstore_limits rows; /* rows.max_bytes (--max-memory) bounds tables and shards too */
    int64_t latency_window_ms;   /* default 60 s */
    struct hashidx_key hash_key; /* for every index of names from records (hashidx.h) */
    struct readout_thresholds thresholds; /* where figures turn amber and red */
    enum time_basis basis;                /* --time-basis */
};

struct model_names;

/* Observers of what reaches the model from outside the records, so a recording can keep it and a
 * replay tell the same story: the status line and DLQ samples (the event log has its own tap,
 * events.h). Any may be NULL. */
struct model_taps {
    void *ctx;
    void (*status)(void *ctx, int64_t now_ms, enum model_alert level, const char *text,
                   const char *hint);
    void (*dlq)(void *ctx, int64_t now_ms, int64_t visible, int64_t in_flight, int64_t delayed);
};

struct model {
    struct model_config cfg;
    struct model_taps taps;
    struct decoder *dec;
    struct rowstore *rs;
    struct model_table **tables; /* in order of first appearance */
    unsigned ntables;
    unsigned tables_cap;
    struct shard **shards;
    unsigned nshards;
    unsigned shards_cap;
    struct model_totals totals;
    struct metrics all;                  /* every table together */
    struct series records_per_s;         /* raw records received */
    struct series undecodable_per_s;     /* records counted under a decode reason */
    struct events events;                /* what happened, for the Events screen and the reports */
    bool undecodable_logged[DERR_COUNT]; /* the first record of each reason is in the log */
    struct series throttles_per_s;       /* throttled calls, all shards */
    bool throttle_storm;                 /* a throttling storm is on (model-shard.c) */
    int64_t reading_from_ms;             /* the event time reading began at, CDC_TIME_NONE: unknown
                                          * (the source says: --from, or its start for "latest") */
    enum readout_level verdict_level;    /* the verdict at the last tick */
    enum readout_level verdict_worst;    /* the worst verdict since the start (--fail-on) */
    struct dlq_state dlq;
    uint64_t record_size_limit; /* bytes */
    char source[256];           /* what is being read, for headers and snapshots */
    char endpoint[200];         /* region/endpoint read from, "" for the demo */
    char creds_source[160];     /* where the credentials came from (never their value) */
    struct model_status status;
    struct model_progress progress; /* replays only; inactive otherwise */
    int64_t started_ms;
    /* configured keys, applied when their table first appears */
    struct model_pk_spec *pk_specs;
    unsigned npk_specs;
    struct hashidx table_index;        /* tables by schema and name */
    struct hashidx shard_index;        /* shards by stored id */
    unsigned max_tables;               /* the bucket included; 0: no cap */
    unsigned max_shards;               /* likewise */
    struct model_table *other_tables;  /* the bucket, NULL until a table is folded */
    struct shard *other_shards;        /* likewise */
    struct model_names *folded_tables; /* the names folded, to count them */
    struct model_names *folded_shards;
    struct buf scratch;     /* per-record key text, reused to avoid an allocation per record */
    struct redact *redact;  /* column redaction (redact.h), NULL when off */
    struct buf redacted[2]; /* the current change's redacted before and after images */
};

void model_config_defaults(struct model_config *cfg);
struct model *model_new(const struct model_config *cfg, int64_t now_ms);
void model_free(struct model *m);

/* Registers a configured key "schema.table=col[,col]". False with *err set when malformed. */
bool model_configure_pk(struct model *m, const char *spec, const char **err);
void model_set_source(struct model *m, const char *description);
/* Redacts values at ingestion from now on (model_free frees r). */
void model_set_redaction(struct model *m, struct redact *r);
/* Whether values are redacted (views then also hide undecodable records' bytes). */
bool model_redacting(const struct model *m);
void model_set_record_limit(struct model *m, uint64_t bytes);

/* Finds or adds a shard by id (stored as shard_id_fit() gives it); returns its index. Past the
 * shard cap a new id gets the "(other shards)" bucket's index: for ids a record or a recording
 * carries, which may be anything. */
unsigned model_shard(struct model *m, const char *id);
/* The same for the shards a stream lists itself (a source reads each by its id): never folded,
 * though counted against the cap. */
unsigned model_shard_listed(struct model *m, const char *id);
struct model_table *model_table_find(const struct model *m, const char *schema, const char *table);

/* The timeline is complete up to here (event time, ms): every reader has read at least that far.
 * Seconds after it are "no data" (not zero); rates end there. */
int64_t model_timeline_end(const struct model *m, int64_t now_ms);
/* Where the timeline begins (ms): where reading began, or the earliest change read when that is
 * earlier or unknown; CDC_TIME_NONE before either is known. */
int64_t model_timeline_start(const struct model *m);
const char *time_basis_name(enum time_basis b); /* "arrival", "commit" */

/* Records read per second (all shards) over the secs complete seconds before at_ms: the
 * reader's own throughput, by when cdctop read them (the timeline is by event time). */
double model_read_rate(const struct model *m, int64_t at_ms, int secs);

/* What the views show of one set of metrics (a table's, or m->all) at cursor_ms (0: now), with
 * the model's thresholds, record size limit and latency window. */
void model_readout(const struct model *m, const struct metrics *mt, int64_t now_ms,
                   int64_t cursor_ms, struct readout *out);

/* Readers report what they do (model-shard.c): a call sent (op names it), answered well (how far
 * behind, -1 unknown), or failed (throttled, or an error: hard for credentials and permissions),
 * a shard started, waiting for its parents, or closed (drained: read to its end; children names
 * the shards that follow it). The model keeps states with their times and logs the events. */
void model_shard_call_begin(struct model *m, unsigned shard, const char *op, int64_t now_ms);
void model_shard_ok(struct model *m, unsigned shard, int64_t now_ms, int64_t behind_ms);
/* A call answered with nothing to report (e.g. an iterator expired after a pause). */
void model_shard_answered(struct model *m, unsigned shard, int64_t now_ms);
void model_shard_failed(struct model *m, unsigned shard, int64_t now_ms, bool throttled, bool hard,
                        const char *text);
void model_shard_started(struct model *m, unsigned shard, int64_t now_ms);
void model_shard_waiting(struct model *m, unsigned shard, int64_t now_ms);
void model_shard_closed(struct model *m, unsigned shard, int64_t now_ms, bool drained,
                        const char *children);
/* Decides stalls (a call pending longer than the stall threshold or ten times its usual time)
 * and throttling storms; model_tick calls it. */
void model_shard_tick(struct model *m, int64_t now_ms);
/* How far behind the shard is at now_ms: exact while its reader answers, else a lower bound
 * (*exact false); -1 when never known. */
int64_t model_shard_behind(const struct shard *s, int64_t now_ms, bool *exact);

/* Decodes and applies one raw record. Never fails: problems are counted. */
void model_ingest(struct model *m, const struct cdc_raw *raw, int64_t now_ms);
/* Memory the cap (rows.max_bytes) bounds, as accounted: rows, keys, tables and shards. */
size_t model_memory(const struct model *m);

/* Periodic work: fragment expiry. Call about once a second. */
void model_tick(struct model *m, int64_t now_ms);

void model_set_status(struct model *m, enum model_alert level, int64_t now_ms, const char *text,
                      const char *hint);
void model_set_endpoint(struct model *m, const char *endpoint, const char *creds_source);

void model_dlq_configure(struct model *m, const char *name);
void model_dlq_update(struct model *m, int64_t now_ms, int64_t visible, int64_t in_flight,
                      int64_t delayed);
void model_dlq_error(struct model *m, int64_t now_ms, const char *message);
const char *model_alert_name(enum model_alert a); /* "none", "info", "warn", "error" */
bool model_alert_parse(const char *name, enum model_alert *out);
/* An event read back from a recording: logged as it was, and what it says of a reader (stalled,
 * reading again, failing, fine) applied to its shard, so that a replay shows the reader's health
 * as it was. */
void model_event_replayed(struct model *m, const struct event *e);
/* Logs something that happened outside the records (a snapshot written, ...). */
void model_note(struct model *m, int64_t now_ms, enum event_level level, enum event_kind kind,
                const char *subject, const char *text);

#endif

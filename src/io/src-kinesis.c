/*
 * The live Kinesis source.
 *
 * Shards. DescribeStreamSummary and ListShards (paged, repeated every --relist seconds) find the
 * stream's shards; every shard gets a reader, and all readers run at once on the one loop. A
 * reader asks GetShardIterator for its start position, then follows NextShardIterator with
 * GetRecords, at most --read-rate calls per second (the production consumer shares the shard's 5
 * calls per second), feeding each record to the model (source_feed).
 *
 * Resharding. A shard is read only once every parent it has is closed and drained (parents
 * before children), so that an older change for a key is never read after a newer one merely
 * because the key's records moved to another shard. Children come from the closing GetRecords
 * (ChildShards) or from the next listing; a parent this run does not know (expired, or never
 * listed) counts as closed.
 *
 * Exactly once. A record is fed when its sequence number is above the last one fed from its
 * shard, so every path that re-reads (an expired iterator resumed AFTER_SEQUENCE_NUMBER, a
 * retried call, a reader restarted after repeated failures) cannot feed a record twice, and since
 * each resumption starts right after the last record fed, none is skipped.
 *
 * Failures. Throttles, server and network errors back off exponentially with full jitter;
 * credential and permission errors retry slowly; every problem reaches the shard's counters and
 * the status line with the hint the AWS layer gives, and nothing here ever ends the program.
 */
#include "config.h"

#include "src-kinesis.h"

#include <ctype.h>
#include <ev.h>
#include <inttypes.h>
#include <jansson.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "aws.h"
#include "base64.h"
#include "buf.h"
#include "clock.h"
#include "model.h"
#include "xalloc.h"

#define BACKOFF_BASE_S      0.5
#define BACKOFF_CAP_S       30.0
#define BACKOFF_MIN_S       0.05 /* full jitter may draw 0: never spin */
#define SLOW_RETRY_MIN_S    10.0 /* credentials, permissions, missing stream: an operator acts */
#define SLOW_RETRY_SPREAD_S 10.0
#define RESTART_AFTER       4    /* consecutive GetRecords failures before a fresh iterator */
#define ESCALATE_AFTER      3    /* consecutive transient failures before it is an error */
#define LATEST_MARGIN_MS    2000 /* resuming a LATEST start by time tolerates this much skew */
#define LIST_MAX_RESULTS    1000
#define LIST_RESTARTS_MAX   3 /* expired NextToken: restart the listing at most this often */
#define DEFAULT_LIMIT       1000
#define MAX_LIMIT           10000

enum start_kind { START_LATEST, START_TRIM_HORIZON, START_AT_TIMESTAMP };

enum reader_phase {
    PH_WAIT,     /* waiting for its parents */
    PH_ITERATOR, /* needs or awaits GetShardIterator */
    PH_READING,  /* following NextShardIterator */
    PH_DONE      /* closed and drained, or closed before a LATEST start */
};

/* A problem shown on the status line; each reader and each stream-level call owns one. */
struct problem {
    enum model_alert level;
    char text[256];
    char hint[200];
};

struct src_kinesis;

struct reader {
    struct src_kinesis *k;
    unsigned idx; /* model shard index */
    enum reader_phase phase;
    bool initial;       /* in the listing made when the source started */
    bool listed_closed; /* a listing showed an EndingSequenceNumber */
    bool drained;       /* read to its end by this run */
    enum start_kind start;
    char *iterator;
    char last_seq[CDC_SEQ_MAX + 1]; /* the last record fed: resume and dedupe point */
    int64_t asked_ms;               /* when the iterator in flight was asked for */
    int64_t latest_at_ms;           /* when the LATEST iterator was asked for, 0 before */
    struct aws_call *call;
    bool call_pending; /* a call was issued and has not called back */
    ev_timer timer;
    double next_read_at; /* ev_now() seconds before which GetRecords must wait */
    unsigned failures;   /* consecutive failed calls */
    uint64_t skipped;    /* records at or below last_seq, not fed again */
    struct problem problem;
};

/* One shard as a listing reported it. */
struct listed {
    char id[SHARD_ID_MAX + 1];
    char parent[SHARD_ID_MAX + 1];
    char adjacent[SHARD_ID_MAX + 1];
    bool closed;
};

struct src_kinesis {
    struct source base;
    struct aws_client *kinesis;
    struct ev_loop *loop;
    char *stream;
    bool by_arn;
    char *from;
    enum start_kind from_kind;
    double from_at_s; /* START_AT_TIMESTAMP: epoch seconds */
    double read_interval_s;
    unsigned limit;
    double relist_s;
    bool running;
    uint64_t rng;

    struct reader **readers;
    unsigned nreaders;
    unsigned readers_cap;
    /* readers by shard id: open addressing, at most half full (streams keep thousands of closed
     * shards within their retention, and every listing and every close looks shards up) */
    struct reader **index;
    unsigned index_cap;
    bool listed_once;

    /* listing in progress */
    struct aws_call *list_call;
    bool list_pending;
    char *next_token;
    struct listed *page;
    unsigned npage;
    unsigned page_cap;
    unsigned list_restarts;
    unsigned list_failures;
    ev_timer list_retry;
    struct problem list_problem;

    struct aws_call *describe_call;
    bool describe_pending;
    struct problem describe_problem;
    char summary[256]; /* last stream summary shown */

    ev_timer relist;
    struct buf data;       /* decoded record bytes, reused */
    char status_text[256]; /* what this source last put on the status line */
};

/* ---- small helpers ------------------------------------------------------------------------ */

static double now_s(const struct src_kinesis *k)
{
    return ev_now(k->loop);
}

static int64_t now_ms(const struct src_kinesis *k)
{
    return clock_now_ms(k->loop);
}

static struct shard *shard_of(const struct reader *r)
{
    return r->k->base.model->shards[r->idx];
}

/* xorshift64*: jitter only, so any seed will do. */
static double rand_unit(struct src_kinesis *k)
{
    uint64_t x = k->rng;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    k->rng = x;
    return (double)((x * 2685821657736338717ull) >> 11) / 9007199254740992.0;
}

/* Exponential backoff with full jitter: uniform in [0, min(cap, base * 2^n)]. */
static double backoff_s(struct src_kinesis *k, unsigned failures)
{
    double ceiling = BACKOFF_BASE_S * pow(2.0, failures > 16 ? 16 : failures);
    if (ceiling > BACKOFF_CAP_S)
        ceiling = BACKOFF_CAP_S;
    double d = ceiling * rand_unit(k);
    return d < BACKOFF_MIN_S ? BACKOFF_MIN_S : d;
}

static double slow_retry_s(struct src_kinesis *k)
{
    return SLOW_RETRY_MIN_S + SLOW_RETRY_SPREAD_S * rand_unit(k);
}

static void copy_id(char *dst, size_t len, const char *src)
{
    snprintf(dst, len, "%s", src ? src : "");
}

/* Sequence numbers are decimal strings up to 129 digits: compare by length, then by digits. */
static int seq_cmp(const char *a, size_t alen, const char *b, size_t blen)
{
    while (alen > 1 && *a == '0') {
        a++;
        alen--;
    }
    while (blen > 1 && *b == '0') {
        b++;
        blen--;
    }
    if (alen != blen)
        return alen < blen ? -1 : 1;
    int c = memcmp(a, b, alen);
    return c < 0 ? -1 : c > 0;
}

/* ---- --from -------------------------------------------------------------------------------- */

static bool parse_relative(const char *s, double *offset_s)
{
    char *end;
    if (s[0] != '-' || !isdigit((unsigned char)s[1]))
        return false;
    double v = strtod(s + 1, &end);
    double unit;
    switch (*end) {
    case 's':
        unit = 1;
        break;
    case 'm':
        unit = 60;
        break;
    case 'h':
        unit = 3600;
        break;
    case 'd':
        unit = 86400;
        break;
    default:
        return false;
    }
    if (end[1] || !isfinite(v))
        return false;
    *offset_s = -v * unit;
    return true;
}

static bool parse_epoch(const char *s, double *at_s)
{
    char *end;
    if (!isdigit((unsigned char)s[0]))
        return false;
    double v = strtod(s, &end);
    if (*end || !isfinite(v))
        return false;
    *at_s = v;
    return true;
}

/* The zone after an ISO-8601 time: Z, +HH:MM, -HH:MM or +HHMM. */
static bool parse_zone(const char *z, long *offset_s)
{
    int hh, mm, n = 0;
    if ((z[0] == 'Z' || z[0] == 'z') && !z[1]) {
        *offset_s = 0;
        return true;
    }
    if (z[0] != '+' && z[0] != '-')
        return false;
    if (sscanf(z + 1, "%2d:%2d%n", &hh, &mm, &n) != 2 || z[1 + n])
        if (sscanf(z + 1, "%2d%2d%n", &hh, &mm, &n) != 2 || z[1 + n])
            return false;
    if (hh > 23 || mm > 59)
        return false;
    *offset_s = (z[0] == '-' ? -1 : 1) * (hh * 3600L + mm * 60L);
    return true;
}

static bool parse_iso(const char *s, double *at_s)
{
    struct tm tm;
    int n = 0;
    char sep;
    double frac = 0;
    long zone;
    memset(&tm, 0, sizeof tm);
    if (sscanf(s, "%4d-%2d-%2d%c%2d:%2d:%2d%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &sep,
               &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &n) != 7 ||
        (sep != 'T' && sep != 't' && sep != ' '))
        return false;
    const char *p = s + n;
    if (*p == '.') {
        char *end;
        frac = strtod(p, &end);
        p = end;
    }
    if (!parse_zone(p, &zone) || tm.tm_mon < 1 || tm.tm_mon > 12 || tm.tm_mday < 1 ||
        tm.tm_mday > 31 || tm.tm_hour > 23 || tm.tm_min > 59 || tm.tm_sec > 60)
        return false;
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    *at_s = (double)timegm(&tm) + frac - (double)zone;
    return true;
}

static bool parse_from(const char *from, double now, enum start_kind *kind, double *at_s)
{
    double offset;
    if (!from || !*from || strcmp(from, "latest") == 0 || strcmp(from, "LATEST") == 0) {
        *kind = START_LATEST;
        return true;
    }
    if (strcmp(from, "trim-horizon") == 0 || strcmp(from, "TRIM_HORIZON") == 0) {
        *kind = START_TRIM_HORIZON;
        return true;
    }
    *kind = START_AT_TIMESTAMP;
    if (parse_relative(from, &offset)) {
        *at_s = now + offset;
        return true;
    }
    return parse_epoch(from, at_s) || parse_iso(from, at_s);
}

bool src_kinesis_check_from(const char *from, char *err, size_t errlen)
{
    enum start_kind kind;
    double at;
    if (parse_from(from, 0, &kind, &at))
        return true;
    snprintf(err, errlen,
             "expected latest, trim-horizon, a UTC time such as 2026-11-23T03:12:00Z, epoch "
             "seconds, or a time ago such as -15m, -2h or -30s");
    return false;
}

const char *src_kinesis_stream_name(const char *stream)
{
    const char *p = strncmp(stream, "arn:", 4) == 0 ? strstr(stream, ":stream/") : NULL;
    return p ? p + strlen(":stream/") : stream;
}

/* ---- the status line ------------------------------------------------------------------------ */

static void show(struct src_kinesis *k, enum model_alert level, const char *text, const char *hint)
{
    model_set_status(k->base.model, level, now_ms(k), text, hint);
    snprintf(k->status_text, sizeof k->status_text, "%s", text);
    source_changed(&k->base);
}

/* True while the status line still shows what this source last put there. */
static bool status_is_ours(const struct src_kinesis *k)
{
    return k->status_text[0] && strcmp(k->base.model->status.text, k->status_text) == 0;
}

static void raise_problem(struct src_kinesis *k, struct problem *p, enum model_alert level,
                          const char *text, const char *hint)
{
    p->level = level;
    snprintf(p->text, sizeof p->text, "%s", text);
    snprintf(p->hint, sizeof p->hint, "%s", hint ? hint : "");
    show(k, level, p->text, p->hint);
}

static const struct problem *other_problem(const struct src_kinesis *k, const struct problem *skip)
{
    if (k->list_problem.level != ALERT_NONE && &k->list_problem != skip)
        return &k->list_problem;
    if (k->describe_problem.level != ALERT_NONE && &k->describe_problem != skip)
        return &k->describe_problem;
    for (unsigned i = 0; i < k->nreaders; i++)
        if (k->readers[i]->problem.level != ALERT_NONE && &k->readers[i]->problem != skip)
            return &k->readers[i]->problem;
    return NULL;
}

/* The problem is over: the status line moves to another current problem, or says it recovered. */
static void clear_problem(struct src_kinesis *k, struct problem *p)
{
    if (p->level == ALERT_NONE)
        return;
    p->level = ALERT_NONE;
    if (!status_is_ours(k) || strcmp(k->status_text, p->text) != 0)
        return;
    const struct problem *other = other_problem(k, p);
    if (other) {
        show(k, other->level, other->text, other->hint);
        return;
    }
    char text[256];
    snprintf(text, sizeof text, "%.200s (recovered)", p->text);
    show(k, ALERT_INFO, text, "");
}

/* "GetRecords shardId-000000000001: ProvisionedThroughputExceededException: Rate exceeded" */
static void describe_failure(char *out, size_t len, const char *op, const char *subject,
                             const struct aws_result *r)
{
    const char *what = r->code[0] ? r->code : aws_outcome_text(r->outcome);
    /* A long server message is cut to fit: the operation and the error name come first. */
    if (snprintf(out, len, "%s%s%s: %s%s%s", op, subject ? " " : "", subject ? subject : "", what,
                 r->message[0] ? ": " : "", r->message) >= (int)len &&
        len > 4)
        memcpy(out + len - 4, "...", 4);
}

static bool slow_outcome(enum aws_outcome o)
{
    return o == AWS_BAD_CREDS || o == AWS_BAD_SIGNATURE || o == AWS_ACCESS_DENIED ||
           o == AWS_NOT_FOUND || o == AWS_NO_CREDS || o == AWS_CLIENT;
}

/* ---- requests ------------------------------------------------------------------------------ */

static void add_stream(const struct src_kinesis *k, json_t *body)
{
    json_object_set_new(body, k->by_arn ? "StreamARN" : "StreamName", json_string(k->stream));
}

/* Sends op with body (consumed). The callback may in principle run before aws_call returns, so
 * the handle is kept only while *pending says the callback has not run yet. */
static struct aws_call *send_call(struct src_kinesis *k, const char *op, json_t *body,
                                  aws_done_fn done, void *ctx, bool *pending)
{
    char *text = json_dumps(body, JSON_COMPACT);
    json_decref(body);
    *pending = true;
    struct aws_call *c = aws_call(k->kinesis, op, text ? text : "{}", done, ctx);
    free(text);
    return *pending ? c : NULL;
}

static json_t *parse_body(const struct aws_result *r)
{
    json_error_t err;
    if (!r->body || !r->body_len)
        return NULL;
    json_t *j = json_loadb(r->body, r->body_len, 0, &err);
    if (j && !json_is_object(j)) {
        json_decref(j);
        return NULL;
    }
    return j;
}

/* ---- readers ------------------------------------------------------------------------------- */

static void reader_schedule(struct reader *r, double delay_s);
static void reader_get_iterator(struct reader *r);
static void wake_waiting(struct src_kinesis *k);

static uint32_t id_hash(const char *id)
{
    uint32_t h = 2166136261u; /* FNV-1a */
    for (; *id; id++)
        h = (h ^ (unsigned char)*id) * 16777619u;
    return h;
}

/* The slot holding id, or the empty slot where it would go. */
static unsigned index_slot(const struct src_kinesis *k, const char *id)
{
    unsigned i = id_hash(id) & (k->index_cap - 1);
    while (k->index[i] && strcmp(shard_of(k->index[i])->id, id) != 0)
        i = (i + 1) & (k->index_cap - 1);
    return i;
}

static void index_grow(struct src_kinesis *k)
{
    free(k->index);
    k->index_cap = k->index_cap ? k->index_cap * 2 : 64;
    k->index = xcalloc(k->index_cap, sizeof *k->index);
    for (unsigned i = 0; i < k->nreaders; i++)
        k->index[index_slot(k, shard_of(k->readers[i])->id)] = k->readers[i];
}

static struct reader *reader_find(const struct src_kinesis *k, const char *id)
{
    if (!id || !*id || !k->index_cap)
        return NULL;
    return k->index[index_slot(k, id)];
}

static void reader_timer_cb(struct ev_loop *loop, ev_timer *w, int revents);

static struct reader *reader_add(struct src_kinesis *k, const char *id, bool initial)
{
    struct reader *r = reader_find(k, id);
    if (r)
        return r;
    r = xcalloc(1, sizeof *r);
    r->k = k;
    r->idx = model_shard_listed(k->base.model, id);
    r->phase = PH_WAIT;
    r->initial = initial;
    ev_init(&r->timer, reader_timer_cb);
    r->timer.data = r;
    if (k->nreaders == k->readers_cap) {
        k->readers_cap = k->readers_cap ? k->readers_cap * 2 : 8;
        k->readers = xrealloc(k->readers, k->readers_cap * sizeof *k->readers);
    }
    k->readers[k->nreaders++] = r;
    if (k->nreaders * 2 > k->index_cap)
        index_grow(k);
    else
        k->index[index_slot(k, shard_of(r)->id)] = r;
    return r;
}

static void reader_set_parents(struct reader *r, const char *parent, const char *adjacent)
{
    struct shard *s = shard_of(r);
    if (parent && *parent)
        copy_id(s->parent, sizeof s->parent, parent);
    if (adjacent && *adjacent)
        copy_id(s->adjacent_parent, sizeof s->adjacent_parent, adjacent);
}

static bool parent_open(const struct src_kinesis *k, const char *id)
{
    const struct reader *p = reader_find(k, id);
    return p && p->phase != PH_DONE;
}

static bool parent_drained(const struct src_kinesis *k, const char *id)
{
    const struct reader *p = reader_find(k, id);
    return p && p->drained;
}

/* With --from latest, a shard that appeared during the run, or whose parent this run read to
 * its end, holds only records newer than the start: read it from its beginning. */
static enum start_kind reader_start_kind(const struct reader *r)
{
    const struct src_kinesis *k = r->k;
    const struct shard *s = shard_of(r);
    if (k->from_kind != START_LATEST)
        return k->from_kind;
    if (!r->initial || parent_drained(k, s->parent) || parent_drained(k, s->adjacent_parent))
        return START_TRIM_HORIZON;
    return START_LATEST;
}

static void reader_closed(struct reader *r, bool drained)
{
    struct shard *s = shard_of(r);
    r->phase = PH_DONE;
    r->drained = drained;
    free(r->iterator);
    r->iterator = NULL;
    ev_timer_stop(r->k->loop, &r->timer);
    s->state = SHARD_CLOSED;
    s->closed_ms = now_ms(r->k);
    s->millis_behind = 0;
    clear_problem(r->k, &r->problem);
    r->k->base.model->generation++;
    wake_waiting(r->k);
}

/* Starts a waiting reader once none of its parents is still open. */
static void reader_maybe_start(struct reader *r)
{
    struct src_kinesis *k = r->k;
    struct shard *s = shard_of(r);
    if (r->phase != PH_WAIT || !k->running)
        return;
    if (parent_open(k, s->parent) || parent_open(k, s->adjacent_parent)) {
        s->state = SHARD_PENDING;
        return;
    }
    r->start = reader_start_kind(r);
    if (r->start == START_LATEST && r->listed_closed) {
        /* Closed before the start: nothing after LATEST will ever be written to it. */
        reader_closed(r, false);
        return;
    }
    r->phase = PH_ITERATOR;
    s->started_ms = now_ms(k);
    s->state = SHARD_READING;
    k->base.model->generation++;
    reader_get_iterator(r);
}

static void wake_waiting(struct src_kinesis *k)
{
    /* Starting one may close it at once (LATEST on a shard closed before the start), which
     * wakes its children in turn: the recursion is as deep as the shard lineage. */
    for (unsigned i = 0; i < k->nreaders; i++)
        if (k->readers[i]->phase == PH_WAIT)
            reader_maybe_start(k->readers[i]);
}

static void reader_ok(struct reader *r)
{
    r->failures = 0;
    shard_of(r)->last_error[0] = '\0';
    clear_problem(r->k, &r->problem);
}

/* Records a failed call on the shard and the status line; returns the delay before a retry. */
static double reader_failed(struct reader *r, const char *op, const struct aws_result *res)
{
    struct src_kinesis *k = r->k;
    struct shard *s = shard_of(r);
    char text[256];
    enum model_alert level = ALERT_WARN;
    double delay;
    r->failures++;
    describe_failure(s->last_error, sizeof s->last_error, op, NULL, res);
    describe_failure(text, sizeof text, op, s->id, res);
    if (res->outcome == AWS_THROTTLED) {
        s->throttles++;
        s->state = SHARD_BACKOFF;
        delay = backoff_s(k, r->failures);
    } else if (slow_outcome(res->outcome)) {
        s->errors++;
        s->state = SHARD_ERROR;
        level = ALERT_ERROR;
        delay = slow_retry_s(k);
    } else {
        s->errors++;
        s->state = SHARD_BACKOFF;
        delay = backoff_s(k, r->failures);
        if (r->failures >= ESCALATE_AFTER && res->outcome != AWS_EXPIRED_ITERATOR)
            level = ALERT_ERROR;
    }
    raise_problem(k, &r->problem, level, text, res->hint);
    k->base.model->generation++;
    return delay;
}

/* A response that is not what the API promises: counted and shown, then retried. */
static double reader_malformed(struct reader *r, const char *op, const char *why)
{
    struct aws_result fake;
    memset(&fake, 0, sizeof fake);
    fake.outcome = AWS_SERVER;
    snprintf(fake.code, sizeof fake.code, "malformed response");
    snprintf(fake.message, sizeof fake.message, "%s", why);
    fake.hint = "the endpoint answered with something other than the Kinesis API's JSON";
    return reader_failed(r, op, &fake);
}

static json_t *iterator_request(struct reader *r)
{
    struct src_kinesis *k = r->k;
    json_t *body = json_object();
    const char *type;
    add_stream(k, body);
    json_object_set_new(body, "ShardId", json_string(shard_of(r)->id));
    if (r->last_seq[0]) {
        type = "AFTER_SEQUENCE_NUMBER";
        json_object_set_new(body, "StartingSequenceNumber", json_string(r->last_seq));
    } else if (r->start == START_LATEST && r->latest_at_ms) {
        /* Resuming a LATEST start that fed nothing yet: a new LATEST would skip whatever arrived
         * meanwhile, so go back to when the first iterator was taken. */
        type = "AT_TIMESTAMP";
        json_object_set_new(body, "Timestamp",
                            json_real((double)(r->latest_at_ms - LATEST_MARGIN_MS) / 1000.0));
    } else if (r->start == START_LATEST) {
        type = "LATEST";
    } else if (r->start == START_TRIM_HORIZON) {
        type = "TRIM_HORIZON";
    } else {
        type = "AT_TIMESTAMP";
        json_object_set_new(body, "Timestamp", json_real(k->from_at_s));
    }
    json_object_set_new(body, "ShardIteratorType", json_string(type));
    r->asked_ms = now_ms(k);
    return body;
}

static void iterator_done(void *ctx, const struct aws_result *res)
{
    struct reader *r = ctx;
    r->call = NULL;
    r->call_pending = false;
    if (res->outcome == AWS_NOT_FOUND && r->listed_closed) {
        /* A closed shard past the retention period: nothing is left to read, and its children
         * must not wait for it. */
        reader_failed(r, "GetShardIterator", res);
        reader_closed(r, false);
        return;
    }
    if (res->outcome != AWS_OK) {
        reader_schedule(r, reader_failed(r, "GetShardIterator", res));
        return;
    }
    json_t *j = parse_body(res);
    const char *it = j ? json_string_value(json_object_get(j, "ShardIterator")) : NULL;
    if (!it || !*it) {
        json_decref(j);
        reader_schedule(r, reader_malformed(r, "GetShardIterator", "no ShardIterator"));
        return;
    }
    free(r->iterator);
    r->iterator = xstrdup(it);
    json_decref(j);
    if (r->start == START_LATEST && !r->latest_at_ms)
        r->latest_at_ms = r->asked_ms;
    r->phase = PH_READING;
    shard_of(r)->state = SHARD_READING;
    reader_ok(r);
    reader_schedule(r, 0);
}

static void reader_get_iterator(struct reader *r)
{
    r->phase = PH_ITERATOR;
    r->call = send_call(r->k, "GetShardIterator", iterator_request(r), iterator_done, r,
                        &r->call_pending);
}

/* Feeds one record unless it was fed already. False when the record is malformed. */
static bool feed_record(struct reader *r, json_t *rec, int64_t now)
{
    struct src_kinesis *k = r->k;
    const char *seq = json_string_value(json_object_get(rec, "SequenceNumber"));
    json_t *data = json_object_get(rec, "Data");
    json_t *pkey = json_object_get(rec, "PartitionKey");
    json_t *arrival = json_object_get(rec, "ApproximateArrivalTimestamp");
    size_t seq_len = seq ? strlen(seq) : 0;
    if (!seq || !seq_len || !json_is_string(data))
        return false;
    if (r->last_seq[0] && seq_cmp(seq, seq_len, r->last_seq, strlen(r->last_seq)) <= 0) {
        r->skipped++;
        return true;
    }
    if (!base64_decode(json_string_value(data), json_string_length(data), &k->data))
        return false;
    struct cdc_raw raw = {
        .data = k->data.data ? k->data.data : "",
        .len = k->data.len,
        .shard = r->idx,
        .seq = seq,
        .seq_len = seq_len,
        .pkey = json_string_value(pkey),
        .pkey_len = json_is_string(pkey) ? json_string_length(pkey) : 0,
        .arrival_ms =
            json_is_number(arrival) ? llround(json_number_value(arrival) * 1000.0) : CDC_TIME_NONE,
    };
    source_feed(&k->base, &raw, now);
    copy_id(r->last_seq, sizeof r->last_seq, seq);
    return true;
}

/* Children named by the closing GetRecords; they start once all their parents are drained. */
static void learn_children(struct reader *r, json_t *children)
{
    size_t i;
    json_t *c;
    json_array_foreach(children, i, c)
    {
        const char *id = json_string_value(json_object_get(c, "ShardId"));
        json_t *parents = json_object_get(c, "ParentShards");
        if (!id || !*id)
            continue;
        struct reader *child = reader_add(r->k, id, false);
        struct shard *s = shard_of(child);
        if (!s->parent[0] && !s->adjacent_parent[0])
            reader_set_parents(child, json_string_value(json_array_get(parents, 0)),
                               json_string_value(json_array_get(parents, 1)));
    }
}

static void records_feed(struct reader *r, json_t *records, int64_t now)
{
    size_t i;
    json_t *rec;
    unsigned bad = 0;
    json_array_foreach(records, i, rec)
    {
        if (!json_is_object(rec) || !feed_record(r, rec, now))
            bad++;
    }
    if (bad) {
        /* Skipped, not retried: the same bytes would come back on every retry. */
        struct shard *s = shard_of(r);
        s->errors += bad;
        snprintf(s->last_error, sizeof s->last_error,
                 "GetRecords: %u malformed record(s) skipped (no sequence number or bad base64)",
                 bad);
    }
}

static void records_done(void *ctx, const struct aws_result *res)
{
    struct reader *r = ctx;
    struct src_kinesis *k = r->k;
    struct shard *s = shard_of(r);
    int64_t now = now_ms(k);
    r->call = NULL;
    r->call_pending = false;
    if (res->outcome == AWS_EXPIRED_ITERATOR) {
        reader_failed(r, "GetRecords", res);
        reader_get_iterator(r);
        return;
    }
    if (res->outcome != AWS_OK) {
        double delay = reader_failed(r, "GetRecords", res);
        if (r->failures >= RESTART_AFTER && res->outcome != AWS_THROTTLED &&
            res->outcome != AWS_NETWORK) {
            /* The iterator itself may be what the server rejects: resume after the last
             * record fed, which loses and repeats nothing. */
            free(r->iterator);
            r->iterator = NULL;
            r->phase = PH_ITERATOR;
        }
        reader_schedule(r, delay);
        return;
    }
    json_t *j = parse_body(res);
    json_t *records = j ? json_object_get(j, "Records") : NULL;
    json_t *next = j ? json_object_get(j, "NextShardIterator") : NULL;
    json_t *behind = j ? json_object_get(j, "MillisBehindLatest") : NULL;
    if (!json_is_array(records) || (next && !json_is_null(next) && !json_is_string(next))) {
        json_decref(j);
        reader_schedule(r, reader_malformed(r, "GetRecords", "no Records array"));
        return;
    }
    records_feed(r, records, now);
    if (json_is_integer(behind))
        s->millis_behind = json_integer_value(behind);
    reader_ok(r);
    if (json_is_string(next) && json_string_length(next)) {
        free(r->iterator);
        r->iterator = xstrdup(json_string_value(next));
        s->state = s->millis_behind == 0 ? SHARD_LATEST : SHARD_READING;
        json_decref(j);
        reader_schedule(r, 0);
    } else {
        learn_children(r, json_object_get(j, "ChildShards"));
        json_decref(j);
        reader_closed(r, true);
    }
    k->base.model->generation++;
    source_changed(&k->base);
}

static void reader_get_records(struct reader *r)
{
    struct src_kinesis *k = r->k;
    struct shard *s = shard_of(r);
    json_t *body = json_object();
    json_object_set_new(body, "ShardIterator", json_string(r->iterator));
    json_object_set_new(body, "Limit", json_integer(k->limit));
    r->next_read_at = now_s(k) + k->read_interval_s;
    s->calls++;
    series_add(&s->calls_per_s, now_ms(k), 1);
    r->call = send_call(k, "GetRecords", body, records_done, r, &r->call_pending);
}

static void reader_timer_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
    struct reader *r = w->data;
    (void)loop;
    (void)revents;
    if (!r->k->running || r->call_pending)
        return;
    if (r->phase == PH_ITERATOR || (r->phase == PH_READING && !r->iterator))
        reader_get_iterator(r);
    else if (r->phase == PH_READING)
        reader_get_records(r);
}

/* The next call after delay_s, and never sooner than the read budget allows for GetRecords. */
static void reader_schedule(struct reader *r, double delay_s)
{
    struct src_kinesis *k = r->k;
    if (!k->running || r->phase == PH_DONE || r->phase == PH_WAIT)
        return;
    double at = now_s(k) + delay_s;
    if (r->phase == PH_READING && at < r->next_read_at)
        at = r->next_read_at;
    ev_timer_stop(k->loop, &r->timer);
    ev_timer_set(&r->timer, at - now_s(k), 0);
    ev_timer_start(k->loop, &r->timer);
}

static void reader_stop(struct reader *r)
{
    struct src_kinesis *k = r->k;
    if (r->call_pending && r->call)
        aws_cancel(k->kinesis, r->call);
    r->call = NULL;
    r->call_pending = false;
    if (k->loop)
        ev_timer_stop(k->loop, &r->timer);
}

/* ---- listing ------------------------------------------------------------------------------- */

static void list_page(struct src_kinesis *k);

static void page_add(struct src_kinesis *k, json_t *sh)
{
    const char *id = json_string_value(json_object_get(sh, "ShardId"));
    json_t *range = json_object_get(sh, "SequenceNumberRange");
    if (!id || !*id)
        return;
    if (k->npage == k->page_cap) {
        k->page_cap = k->page_cap ? k->page_cap * 2 : 16;
        k->page = xrealloc(k->page, k->page_cap * sizeof *k->page);
    }
    struct listed *l = &k->page[k->npage++];
    copy_id(l->id, sizeof l->id, id);
    copy_id(l->parent, sizeof l->parent, json_string_value(json_object_get(sh, "ParentShardId")));
    copy_id(l->adjacent, sizeof l->adjacent,
            json_string_value(json_object_get(sh, "AdjacentParentShardId")));
    l->closed = json_is_string(json_object_get(range, "EndingSequenceNumber"));
}

/* The listing is complete: register every shard first, so parents are known before any child
 * is considered, then start whatever may start. */
static void list_finish(struct src_kinesis *k)
{
    for (unsigned i = 0; i < k->npage; i++) {
        struct listed *l = &k->page[i];
        struct reader *r = reader_add(k, l->id, !k->listed_once);
        reader_set_parents(r, l->parent, l->adjacent);
        if (l->closed)
            r->listed_closed = true;
    }
    k->npage = 0;
    k->listed_once = true;
    k->list_failures = 0;
    k->list_restarts = 0;
    clear_problem(k, &k->list_problem);
    k->base.model->generation++;
    wake_waiting(k);
    source_changed(&k->base);
}

static void list_failed(struct src_kinesis *k, const struct aws_result *res)
{
    char text[256];
    describe_failure(text, sizeof text, "ListShards", NULL, res);
    k->list_failures++;
    bool slow = slow_outcome(res->outcome);
    raise_problem(k, &k->list_problem,
                  slow || k->list_failures >= ESCALATE_AFTER ? ALERT_ERROR : ALERT_WARN, text,
                  res->hint);
    free(k->next_token);
    k->next_token = NULL;
    k->npage = 0;
    double delay = slow ? slow_retry_s(k) : backoff_s(k, k->list_failures);
    ev_timer_stop(k->loop, &k->list_retry);
    ev_timer_set(&k->list_retry, delay, 0);
    ev_timer_start(k->loop, &k->list_retry);
}

static void list_done(void *ctx, const struct aws_result *res)
{
    struct src_kinesis *k = ctx;
    k->list_call = NULL;
    k->list_pending = false;
    if (res->outcome != AWS_OK) {
        if (strcmp(res->code, "ExpiredNextTokenException") == 0 && k->next_token &&
            k->list_restarts++ < LIST_RESTARTS_MAX) {
            /* A token lives 300 s; start the listing over from the stream. */
            free(k->next_token);
            k->next_token = NULL;
            k->npage = 0;
            list_page(k);
            return;
        }
        list_failed(k, res);
        return;
    }
    json_t *j = parse_body(res);
    json_t *shards = j ? json_object_get(j, "Shards") : NULL;
    if (!json_is_array(shards)) {
        struct aws_result fake;
        memset(&fake, 0, sizeof fake);
        fake.outcome = AWS_SERVER;
        snprintf(fake.code, sizeof fake.code, "malformed response");
        fake.hint = "";
        json_decref(j);
        list_failed(k, &fake);
        return;
    }
    size_t i;
    json_t *sh;
    json_array_foreach(shards, i, sh) page_add(k, sh);
    const char *token = json_string_value(json_object_get(j, "NextToken"));
    free(k->next_token);
    k->next_token = token && *token ? xstrdup(token) : NULL;
    json_decref(j);
    if (k->next_token)
        list_page(k);
    else
        list_finish(k);
}

static void list_page(struct src_kinesis *k)
{
    json_t *body = json_object();
    /* NextToken already names the stream; sending both is an InvalidArgumentException. */
    if (k->next_token)
        json_object_set_new(body, "NextToken", json_string(k->next_token));
    else
        add_stream(k, body);
    json_object_set_new(body, "MaxResults", json_integer(LIST_MAX_RESULTS));
    k->list_call = send_call(k, "ListShards", body, list_done, k, &k->list_pending);
}

static void list_begin(struct src_kinesis *k)
{
    if (k->list_pending || !k->running)
        return;
    ev_timer_stop(k->loop, &k->list_retry);
    k->npage = 0;
    free(k->next_token);
    k->next_token = NULL;
    list_page(k);
}

static void list_retry_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
    (void)loop;
    (void)revents;
    list_begin(w->data);
}

/* ---- the stream summary -------------------------------------------------------------------- */

static void summary_show(struct src_kinesis *k, json_t *d)
{
    json_t *limit = json_object_get(d, "MaxRecordSizeInKiB");
    const char *status = json_string_value(json_object_get(d, "StreamStatus"));
    const char *mode =
        json_string_value(json_object_get(json_object_get(d, "StreamModeDetails"), "StreamMode"));
    json_t *retention = json_object_get(d, "RetentionPeriodHours");
    json_t *open = json_object_get(d, "OpenShardCount");
    uint64_t kib = json_is_integer(limit) && json_integer_value(limit) > 0
                       ? (uint64_t)json_integer_value(limit)
                       : MODEL_DEFAULT_RECORD_LIMIT / 1024;
    if (k->base.model->record_size_limit != kib * 1024)
        model_set_record_limit(k->base.model, kib * 1024);
    char text[256];
    snprintf(text, sizeof text,
             "stream %s: %s, %s, %" JSON_INTEGER_FORMAT
             " open shards, retention %" JSON_INTEGER_FORMAT " h, max record %" PRIu64 " KiB",
             src_kinesis_stream_name(k->stream), status ? status : "?", mode ? mode : "?",
             json_integer_value(open), json_integer_value(retention), kib);
    /* Shown when it changes, and only over information: never hides a problem. */
    if (strcmp(text, k->summary) != 0) {
        snprintf(k->summary, sizeof k->summary, "%s", text);
        if (k->base.model->status.level <= ALERT_INFO)
            show(k, ALERT_INFO, text, "");
    }
}

static void describe_done(void *ctx, const struct aws_result *res)
{
    struct src_kinesis *k = ctx;
    k->describe_call = NULL;
    k->describe_pending = false;
    if (res->outcome != AWS_OK) {
        /* Not needed to read: the listing and the readers go on; retried with the next list. */
        char text[256];
        describe_failure(text, sizeof text, "DescribeStreamSummary", NULL, res);
        raise_problem(k, &k->describe_problem,
                      slow_outcome(res->outcome) ? ALERT_ERROR : ALERT_WARN, text, res->hint);
        return;
    }
    json_t *j = parse_body(res);
    json_t *d = j ? json_object_get(j, "StreamDescriptionSummary") : NULL;
    if (json_is_object(d)) {
        clear_problem(k, &k->describe_problem);
        summary_show(k, d);
    }
    json_decref(j);
}

static void describe_begin(struct src_kinesis *k)
{
    if (k->describe_pending || !k->running)
        return;
    json_t *body = json_object();
    add_stream(k, body);
    k->describe_call =
        send_call(k, "DescribeStreamSummary", body, describe_done, k, &k->describe_pending);
}

static void relist_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
    struct src_kinesis *k = w->data;
    (void)loop;
    (void)revents;
    describe_begin(k);
    list_begin(k);
}

/* ---- source ops ---------------------------------------------------------------------------- */

static int kinesis_start(struct source *src, struct ev_loop *loop, char *err, size_t errlen)
{
    struct src_kinesis *k = (struct src_kinesis *)src;
    k->loop = loop;
    if (!parse_from(k->from, ev_now(loop), &k->from_kind, &k->from_at_s)) {
        src_kinesis_check_from(k->from, err, errlen);
        return -1;
    }
    k->running = true;
    ev_timer_init(&k->list_retry, list_retry_cb, 0, 0);
    k->list_retry.data = k;
    ev_timer_init(&k->relist, relist_cb, k->relist_s, k->relist_s);
    k->relist.data = k;
    if (k->relist_s > 0)
        ev_timer_start(loop, &k->relist);
    describe_begin(k);
    list_begin(k);
    return 0;
}

static void kinesis_stop(struct source *src)
{
    struct src_kinesis *k = (struct src_kinesis *)src;
    if (!k->loop)
        return;
    k->running = false;
    for (unsigned i = 0; i < k->nreaders; i++)
        reader_stop(k->readers[i]);
    if (k->list_pending && k->list_call)
        aws_cancel(k->kinesis, k->list_call);
    if (k->describe_pending && k->describe_call)
        aws_cancel(k->kinesis, k->describe_call);
    k->list_call = k->describe_call = NULL;
    k->list_pending = k->describe_pending = false;
    ev_timer_stop(k->loop, &k->list_retry);
    ev_timer_stop(k->loop, &k->relist);
}

static void kinesis_free(struct source *src)
{
    struct src_kinesis *k = (struct src_kinesis *)src;
    if (!k)
        return;
    kinesis_stop(src);
    for (unsigned i = 0; i < k->nreaders; i++) {
        free(k->readers[i]->iterator);
        free(k->readers[i]);
    }
    free(k->readers);
    free(k->index);
    free(k->page);
    free(k->next_token);
    free(k->stream);
    free(k->from);
    buf_free(&k->data);
    free(k);
}

/* A live tail never finishes. */
static bool kinesis_finished(const struct source *src)
{
    (void)src;
    return false;
}

static const struct source_ops kinesis_ops = {
    .name = "kinesis",
    .start = kinesis_start,
    .stop = kinesis_stop,
    .free = kinesis_free,
    .finished = kinesis_finished,
};

struct source *src_kinesis_new(struct model *m, struct aws_client *kinesis,
                               const struct kinesis_opts *opts)
{
    struct src_kinesis *k = xcalloc(1, sizeof *k);
    k->base.ops = &kinesis_ops;
    k->base.model = m;
    k->kinesis = kinesis;
    k->stream = xstrdup(opts->stream ? opts->stream : "");
    k->by_arn = strncmp(k->stream, "arn:", 4) == 0;
    k->from = xstrdup(opts->from ? opts->from : "latest");
    k->read_interval_s = opts->reads_per_s > 0 ? 1.0 / opts->reads_per_s : 1.0;
    k->limit = opts->limit ? (opts->limit > MAX_LIMIT ? MAX_LIMIT : opts->limit) : DEFAULT_LIMIT;
    k->relist_s = opts->relist_s;
    k->rng = ((uint64_t)time(NULL) << 20) ^ (uint64_t)getpid() ^ 0x9e3779b97f4a7c15ull;
    buf_init(&k->data);
    return &k->base;
}

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
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "aws.h"
#include "backoff.h"
#include "base64.h"
#include "buf.h"
#include "clock.h"
#include "jwrite.h"
#include "model.h"
#include "shardplan.h"
#include "xalloc.h"

#define SLOW_RETRY_MIN_S    10.0 /* credentials, permissions, missing stream: an operator acts */
#define SLOW_RETRY_SPREAD_S 10.0
#define RESTART_AFTER       4    /* consecutive GetRecords failures before a fresh iterator */
#define ESCALATE_AFTER      3    /* consecutive transient failures before it is an error */
#define LATEST_MARGIN_MS    2000 /* resuming a LATEST start by time tolerates this much skew */
#define LIST_MAX_RESULTS    1000
#define LIST_RESTARTS_MAX   3 /* expired NextToken: restart the listing at most this often */
#define DEFAULT_LIMIT       1000
#define MAX_LIMIT           10000

/* Throttles: the ceiling doubles from 1 s up to 30 s, so that production keeps its share. */
static const struct backoff_policy retry_policy = {.base_s = 1.0, .cap_s = 30.0, .min_s = 0.05};
/* Network and server errors: capped low, so that reading resumes within seconds of the
 * endpoint's return. */
static const struct backoff_policy outage_policy = {.base_s = 0.5, .cap_s = 3.0, .min_s = 0.2};

/* What an active reader is doing (shardplan.h says whether it is waiting, active or done). */
enum reader_phase {
    PH_IDLE,     /* not active */
    PH_ITERATOR, /* needs or awaits GetShardIterator */
    PH_READING   /* following NextShardIterator */
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
    unsigned plan; /* index in the shard plan (and in k->readers) */
    unsigned idx;  /* model shard index */
    enum reader_phase phase;
    char *iterator;
    int64_t asked_ms;     /* when the iterator in flight was asked for */
    int64_t latest_at_ms; /* when the LATEST iterator was asked for, 0 before */
    struct aws_call *call;
    bool call_pending; /* a call was issued and has not called back */
    ev_timer timer;
    double next_read_at; /* ev_now() seconds before which GetRecords must wait */
    unsigned failures;   /* consecutive failed calls */
    uint64_t skipped;    /* records read before, not fed again */
    struct problem problem;
};

/* One shard as a listing reported it. */
struct listed {
    char id[SHARDPLAN_ID_MAX + 1];
    char parent[SHARDPLAN_ID_MAX + 1];
    char adjacent[SHARDPLAN_ID_MAX + 1];
    bool closed;
};

struct src_kinesis {
    struct source base;
    struct aws_client *kinesis;
    struct ev_loop *loop;
    char *stream;
    bool by_arn;
    char *from;
    struct shardplan_from plan_from;
    struct shardplan *plan; /* lineage, start positions, exactly once */
    double read_interval_s;
    unsigned limit;
    double relist_s;
    bool running;
    uint64_t rng;

    struct reader **readers; /* one per shard in the plan, same index */
    unsigned nreaders;
    unsigned readers_cap;
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

static double backoff_s(struct src_kinesis *k, const struct backoff_policy *p, unsigned failures)
{
    return backoff_delay(p, failures, rand_unit(k));
}

static double slow_retry_s(struct src_kinesis *k)
{
    return SLOW_RETRY_MIN_S + SLOW_RETRY_SPREAD_S * rand_unit(k);
}

static void copy_id(char *dst, size_t len, const char *src)
{
    snprintf(dst, len, "%s", src ? src : "");
}

bool src_kinesis_check_from(const char *from, char *err, size_t errlen)
{
    struct shardplan_from f;
    if (shardplan_parse_from(from, 0, &f))
        return true;
    snprintf(err, errlen,
             "expected latest, trim-horizon, a UTC time such as 2026-11-23T03:12:00Z or 22:04, "
             "epoch seconds, or a time ago such as -15m, -2h or -30s");
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

/* A request body: {"StreamName": ...} or {"StreamARN": ...}, then the caller's members. */
static void request_begin(const struct src_kinesis *k, struct jwrite *w, struct buf *b)
{
    buf_init(b);
    jw_object(w, b);
    jw_string(w, k->by_arn ? "StreamARN" : "StreamName", k->stream);
}

/* Sends op with the finished body (freed). aws_call never reports before it returns, so the
 * handle stays valid until the callback clears *pending. */
static struct aws_call *send_call(struct src_kinesis *k, const char *op, struct jwrite *w,
                                  struct buf *b, aws_done_fn done, void *ctx, bool *pending)
{
    jw_end(w);
    *pending = true;
    struct aws_call *c = aws_call(k->kinesis, op, b->data, done, ctx);
    buf_free(b);
    return c;
}

/* A string member decoded into out; false when absent, not a string or too long. */
static bool reply_string(struct jspan obj, const char *key, char *out, size_t cap)
{
    struct jspan v;
    size_t len;
    if (!obj.p || !jscan_get(obj, key, &v) || !jscan_string(v, out, cap, &len))
        return false;
    return memchr(out, '\0', len) == NULL;
}

/* A string member as a new string; NULL when absent, not a string or empty. */
static char *reply_strdup(struct jspan obj, const char *key)
{
    struct jspan v;
    size_t n;
    if (!obj.p || !jscan_get(obj, key, &v) || (n = jscan_string_len(v)) == (size_t)-1 || n == 0)
        return NULL;
    char *out = xmalloc(n + 1);
    jscan_string(v, out, n + 1, NULL);
    return out;
}

/* ---- readers ------------------------------------------------------------------------------- */

static void reader_schedule(struct reader *r, double delay_s);
static void reader_get_iterator(struct reader *r);
static void wake_waiting(struct src_kinesis *k);

static void reader_timer_cb(struct ev_loop *loop, ev_timer *w, int revents);

static struct reader *reader_add(struct src_kinesis *k, const char *id, bool initial)
{
    bool added;
    unsigned i = shardplan_add(k->plan, id, initial, &added);
    if (!added)
        return k->readers[i];
    struct reader *r = xcalloc(1, sizeof *r);
    r->k = k;
    r->plan = i;
    r->idx = model_shard_listed(k->base.model, id);
    r->phase = PH_IDLE;
    ev_init(&r->timer, reader_timer_cb);
    r->timer.data = r;
    if (k->nreaders == k->readers_cap) {
        k->readers_cap = k->readers_cap ? k->readers_cap * 2 : 8;
        k->readers = xrealloc(k->readers, k->readers_cap * sizeof *k->readers);
    }
    k->readers[k->nreaders++] = r;
    return r;
}

/* Parents as reported; the model's shard shows them on the Shards screen. */
static void reader_set_parents(struct reader *r, const char *parent, const char *adjacent)
{
    struct shard *s = shard_of(r);
    shardplan_set_parents(r->k->plan, r->plan, parent, adjacent);
    copy_id(s->parent, sizeof s->parent, shardplan_parent(r->k->plan, r->plan, 0));
    copy_id(s->adjacent_parent, sizeof s->adjacent_parent,
            shardplan_parent(r->k->plan, r->plan, 1));
}

/* children: the shards that follow it, named for the event log ("" when none known). */
static void reader_mark_closed(struct reader *r, bool drained, const char *children)
{
    r->phase = PH_IDLE;
    free(r->iterator);
    r->iterator = NULL;
    ev_timer_stop(r->k->loop, &r->timer);
    model_shard_closed(r->k->base.model, r->idx, now_ms(r->k), drained, children);
    clear_problem(r->k, &r->problem);
}

static void reader_closed(struct reader *r, bool drained, const char *children)
{
    shardplan_closed(r->k->plan, r->plan, drained);
    reader_mark_closed(r, drained, children);
    wake_waiting(r->k);
}

static void reader_begin(struct reader *r)
{
    r->phase = PH_ITERATOR;
    model_shard_started(r->k->base.model, r->idx, now_ms(r->k));
    reader_get_iterator(r);
}

/* Starts every waiting reader whose parents are all done (the plan decides). */
static void wake_waiting(struct src_kinesis *k)
{
    unsigned i;
    enum shardplan_start start;
    enum shardplan_step step;
    if (!k->running)
        return;
    while ((step = shardplan_next(k->plan, &i, &start)) != SP_NOTHING) {
        if (step == SP_SKIP_CLOSED)
            reader_mark_closed(k->readers[i], false, "");
        else
            reader_begin(k->readers[i]);
    }
    /* what still waits shows as pending */
    for (i = 0; i < k->nreaders; i++)
        if (shardplan_phase(k->plan, i) == SP_WAIT)
            model_shard_waiting(k->base.model, k->readers[i]->idx, now_ms(k));
}

/* A call answered well; behind_ms is how far behind the tip (-1 when the answer does not say). */
static void reader_ok(struct reader *r, int64_t behind_ms)
{
    r->failures = 0;
    model_shard_ok(r->k->base.model, r->idx, now_ms(r->k), behind_ms);
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
    char shard_text[sizeof s->last_error];
    bool throttled = res->outcome == AWS_THROTTLED, hard = slow_outcome(res->outcome);
    r->failures++;
    describe_failure(shard_text, sizeof shard_text, op, NULL, res);
    describe_failure(text, sizeof text, op, s->id, res);
    if (throttled) {
        delay = backoff_s(k, &retry_policy, r->failures);
    } else if (hard) {
        level = ALERT_ERROR;
        delay = slow_retry_s(k);
    } else {
        /* the endpoint is away or failing: probe again soon, so that reading follows it back
         * within seconds */
        delay = backoff_s(k, &outage_policy, r->failures);
        if (r->failures >= ESCALATE_AFTER && res->outcome != AWS_EXPIRED_ITERATOR)
            level = ALERT_ERROR;
    }
    if (res->outcome == AWS_EXPIRED_ITERATOR) /* routine after a long pause: not a failure */
        model_shard_answered(k->base.model, r->idx, now_ms(k));
    else
        model_shard_failed(k->base.model, r->idx, now_ms(k), throttled, hard, shard_text);
    raise_problem(k, &r->problem, level, text, res->hint);
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

static void iterator_request(struct reader *r, struct jwrite *w, struct buf *b)
{
    struct src_kinesis *k = r->k;
    const char *type;
    const char *last = shardplan_last_seq(k->plan, r->plan);
    enum shardplan_start start = shardplan_start_of(k->plan, r->plan);
    request_begin(k, w, b);
    jw_string(w, "ShardId", shardplan_id(k->plan, r->plan));
    if (last[0]) {
        type = "AFTER_SEQUENCE_NUMBER";
        jw_string(w, "StartingSequenceNumber", last);
    } else if (start == SP_START_LATEST && r->latest_at_ms) {
        /* Resuming a LATEST start that fed nothing yet: a new LATEST would skip whatever arrived
         * meanwhile, so go back to when the first iterator was taken. */
        type = "AT_TIMESTAMP";
        jw_seconds(w, "Timestamp", r->latest_at_ms - LATEST_MARGIN_MS);
    } else if (start == SP_START_LATEST) {
        type = "LATEST";
    } else if (start == SP_START_TRIM_HORIZON) {
        type = "TRIM_HORIZON";
    } else {
        type = "AT_TIMESTAMP";
        jw_seconds(w, "Timestamp", k->plan_from.at_ms);
    }
    jw_string(w, "ShardIteratorType", type);
    r->asked_ms = now_ms(k);
}

static void iterator_done(void *ctx, const struct aws_result *res)
{
    struct reader *r = ctx;
    r->call = NULL;
    r->call_pending = false;
    if (res->outcome == AWS_NOT_FOUND && shardplan_listed_closed(r->k->plan, r->plan)) {
        /* A closed shard past the retention period: nothing is left to read, and its children
         * must not wait for it. */
        reader_failed(r, "GetShardIterator", res);
        reader_closed(r, false, "");
        return;
    }
    if (res->outcome != AWS_OK) {
        reader_schedule(r, reader_failed(r, "GetShardIterator", res));
        return;
    }
    char *it = reply_strdup(res->reply, "ShardIterator");
    if (!it) {
        reader_schedule(r, reader_malformed(r, "GetShardIterator", "no ShardIterator"));
        return;
    }
    free(r->iterator);
    r->iterator = it;
    if (shardplan_start_of(r->k->plan, r->plan) == SP_START_LATEST && !r->latest_at_ms)
        r->latest_at_ms = r->asked_ms;
    r->phase = PH_READING;
    reader_ok(r, -1);
    reader_schedule(r, 0);
}

static void reader_get_iterator(struct reader *r)
{
    r->phase = PH_ITERATOR;
    struct jwrite w;
    struct buf b;
    iterator_request(r, &w, &b);
    model_shard_call_begin(r->k->base.model, r->idx, "GetShardIterator", now_ms(r->k));
    r->call = send_call(r->k, "GetShardIterator", &w, &b, iterator_done, r, &r->call_pending);
}

/* The record's data, base64-decoded into k->data straight from the reply's bytes (base64 needs
 * no JSON unescaping unless an encoder escaped '/' as "\/"). */
static bool record_data(struct src_kinesis *k, struct jspan data)
{
    char small[4096];
    if (jscan_type(data) != JT_STRING || data.n < 2)
        return false;
    if (!memchr(data.p, '\\', data.n))
        return base64_decode(data.p + 1, data.n - 2, &k->data);
    size_t n = jscan_string_len(data);
    char *text = n < sizeof small ? small : xmalloc(n + 1);
    bool ok = jscan_string(data, text, n + 1, &n) && base64_decode(text, n, &k->data);
    if (text != small)
        free(text);
    return ok;
}

/* Feeds one record unless it was fed already. False when the record is malformed. */
static bool feed_record(struct reader *r, struct jspan rec, int64_t now)
{
    struct src_kinesis *k = r->k;
    char seq[SHARDPLAN_SEQ_MAX + 1], pkey[257];
    struct jspan data, arrival;
    size_t seq_len, pkey_len = 0;
    double at;
    if (jscan_type(rec) != JT_OBJECT || !reply_string(rec, "SequenceNumber", seq, sizeof seq) ||
        !jscan_get(rec, "Data", &data))
        return false;
    seq_len = strlen(seq);
    /* decoded first: a record whose data cannot be decoded is skipped without moving the
     * resume point past records that might still be good */
    if (!record_data(k, data))
        return false;
    switch (shardplan_accept(k->plan, r->plan, seq, seq_len)) {
    case SP_SEQ_INVALID:
        return false;
    case SP_SEQ_SEEN:
        r->skipped++;
        return true;
    case SP_SEQ_NEW:
        break;
    }
    if (reply_string(rec, "PartitionKey", pkey, sizeof pkey))
        pkey_len = strlen(pkey);
    struct cdc_raw raw = {
        .data = k->data.data ? k->data.data : "",
        .len = k->data.len,
        .shard = r->idx,
        .seq = seq,
        .seq_len = seq_len,
        .pkey = pkey_len ? pkey : NULL,
        .pkey_len = pkey_len,
        .arrival_ms = jscan_get(rec, "ApproximateArrivalTimestamp", &arrival) &&
                              jscan_double(arrival, &at) && isfinite(at) && fabs(at) < 1e12
                          ? llround(at * 1000.0)
                          : CDC_TIME_NONE,
    };
    source_feed(&k->base, &raw, now);
    return true;
}

/* Children named by the closing GetRecords; they start once all their parents are drained. */
static void learn_children(struct reader *r, struct jspan children, struct buf *names)
{
    struct jscan_iter it;
    struct jspan c, parents, p;
    char id[SHARDPLAN_ID_MAX + 1], parent[2][SHARDPLAN_ID_MAX + 1];
    if (jscan_type(children) != JT_ARRAY)
        return;
    jscan_iter_init(&it, children);
    while (jscan_iter_next(&it, NULL, &c)) {
        if (jscan_type(c) != JT_OBJECT || !reply_string(c, "ShardId", id, sizeof id) || !*id)
            continue;
        parent[0][0] = parent[1][0] = '\0';
        if (jscan_get(c, "ParentShards", &parents) && jscan_type(parents) == JT_ARRAY) {
            struct jscan_iter pi;
            jscan_iter_init(&pi, parents);
            for (int n = 0; n < 2 && jscan_iter_next(&pi, NULL, &p); n++)
                if (!jscan_string(p, parent[n], sizeof parent[n], NULL))
                    parent[n][0] = '\0';
        }
        reader_set_parents(reader_add(r->k, id, false), parent[0], parent[1]);
        buf_printf(names, "%s%s", names->len ? ", " : "", id);
    }
}

static void records_feed(struct reader *r, struct jspan records, int64_t now)
{
    struct jscan_iter it;
    struct jspan rec;
    unsigned bad = 0;
    jscan_iter_init(&it, records);
    while (jscan_iter_next(&it, NULL, &rec))
        if (!feed_record(r, rec, now))
            bad++;
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
    struct jspan records = {NULL, 0}, next = {NULL, 0}, behind, children = {NULL, 0};
    int64_t millis;
    bool has_next =
        res->reply.p && jscan_get(res->reply, "NextShardIterator", &next) && !jscan_is_null(next);
    if (!res->reply.p || !jscan_get(res->reply, "Records", &records) ||
        jscan_type(records) != JT_ARRAY || (has_next && jscan_type(next) != JT_STRING)) {
        reader_schedule(r, reader_malformed(r, "GetRecords", "no Records array"));
        return;
    }
    records_feed(r, records, now);
    if (!jscan_get(res->reply, "MillisBehindLatest", &behind) || !jscan_int64(behind, &millis) ||
        millis < 0)
        millis = -1;
    reader_ok(r, millis);
    char *it = has_next ? reply_strdup(res->reply, "NextShardIterator") : NULL;
    if (it) {
        free(r->iterator);
        r->iterator = it;
        reader_schedule(r, 0);
    } else {
        struct buf names;
        buf_init(&names);
        if (jscan_get(res->reply, "ChildShards", &children))
            learn_children(r, children, &names);
        reader_closed(r, true, names.data ? names.data : "");
        buf_free(&names);
    }
    source_changed(&k->base);
}

static void reader_get_records(struct reader *r)
{
    struct src_kinesis *k = r->k;
    struct jwrite w;
    struct buf b;
    buf_init(&b);
    jw_object(&w, &b);
    jw_string(&w, "ShardIterator", r->iterator);
    jw_int(&w, "Limit", k->limit);
    r->next_read_at = now_s(k) + k->read_interval_s;
    model_shard_call_begin(k->base.model, r->idx, "GetRecords", now_ms(k));
    r->call = send_call(k, "GetRecords", &w, &b, records_done, r, &r->call_pending);
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
    if (!k->running || r->phase == PH_IDLE)
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

static void page_add(struct src_kinesis *k, struct jspan sh)
{
    char id[SHARDPLAN_ID_MAX + 1];
    struct jspan range, end;
    if (jscan_type(sh) != JT_OBJECT || !reply_string(sh, "ShardId", id, sizeof id) || !*id)
        return;
    if (k->npage == k->page_cap) {
        k->page_cap = k->page_cap ? k->page_cap * 2 : 16;
        k->page = xrealloc(k->page, k->page_cap * sizeof *k->page);
    }
    struct listed *l = &k->page[k->npage++];
    copy_id(l->id, sizeof l->id, id);
    if (!reply_string(sh, "ParentShardId", l->parent, sizeof l->parent))
        l->parent[0] = '\0';
    if (!reply_string(sh, "AdjacentParentShardId", l->adjacent, sizeof l->adjacent))
        l->adjacent[0] = '\0';
    l->closed = jscan_get(sh, "SequenceNumberRange", &range) && jscan_type(range) == JT_OBJECT &&
                jscan_get(range, "EndingSequenceNumber", &end) && jscan_type(end) == JT_STRING;
}

/* The listing is complete: register every shard first, so parents are known before any child
 * is considered, then start whatever may start. */
static void list_finish(struct src_kinesis *k)
{
    for (unsigned i = 0; i < k->npage; i++) {
        struct listed *l = &k->page[i];
        struct reader *r = reader_add(k, l->id, !k->listed_once);
        reader_set_parents(r, l->parent, l->adjacent);
        shardplan_set_listed(k->plan, r->plan, l->closed);
    }
    k->npage = 0;
    k->listed_once = true;
    k->list_failures = 0;
    k->list_restarts = 0;
    clear_problem(k, &k->list_problem);
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
    double delay =
        slow ? slow_retry_s(k)
             : backoff_s(k, res->outcome == AWS_THROTTLED ? &retry_policy : &outage_policy,
                         k->list_failures);
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
    struct jspan shards, sh;
    if (!res->reply.p || !jscan_get(res->reply, "Shards", &shards) ||
        jscan_type(shards) != JT_ARRAY) {
        struct aws_result fake;
        memset(&fake, 0, sizeof fake);
        fake.outcome = AWS_SERVER;
        snprintf(fake.code, sizeof fake.code, "malformed response");
        fake.hint = "";
        list_failed(k, &fake);
        return;
    }
    struct jscan_iter it;
    jscan_iter_init(&it, shards);
    while (jscan_iter_next(&it, NULL, &sh))
        page_add(k, sh);
    free(k->next_token);
    k->next_token = reply_strdup(res->reply, "NextToken");
    if (k->next_token)
        list_page(k);
    else
        list_finish(k);
}

static void list_page(struct src_kinesis *k)
{
    struct jwrite w;
    struct buf b;
    /* NextToken already names the stream; sending both is an InvalidArgumentException. */
    if (k->next_token) {
        buf_init(&b);
        jw_object(&w, &b);
        jw_string(&w, "NextToken", k->next_token);
    } else {
        request_begin(k, &w, &b);
    }
    jw_int(&w, "MaxResults", LIST_MAX_RESULTS);
    k->list_call = send_call(k, "ListShards", &w, &b, list_done, k, &k->list_pending);
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

/* An integer member, or def when absent or not an integer. */
static int64_t reply_int(struct jspan obj, const char *key, int64_t def)
{
    struct jspan v;
    int64_t n;
    return jscan_get(obj, key, &v) && jscan_int64(v, &n) ? n : def;
}

static void summary_show(struct src_kinesis *k, struct jspan d)
{
    char status[64], mode[64];
    struct jspan details;
    int64_t kib = reply_int(d, "MaxRecordSizeInKiB", 0);
    if (!reply_string(d, "StreamStatus", status, sizeof status))
        snprintf(status, sizeof status, "?");
    if (!jscan_get(d, "StreamModeDetails", &details) || jscan_type(details) != JT_OBJECT ||
        !reply_string(details, "StreamMode", mode, sizeof mode))
        snprintf(mode, sizeof mode, "?");
    if (kib <= 0 || kib > 1024 * 1024)
        kib = MODEL_DEFAULT_RECORD_LIMIT / 1024;
    if (k->base.model->record_size_limit != (uint64_t)kib * 1024)
        model_set_record_limit(k->base.model, (uint64_t)kib * 1024);
    char text[256];
    snprintf(text, sizeof text,
             "stream %s: %s, %s, %" PRId64 " open shards, retention %" PRId64
             " h, max record %" PRId64 " KiB",
             src_kinesis_stream_name(k->stream), status, mode, reply_int(d, "OpenShardCount", 0),
             reply_int(d, "RetentionPeriodHours", 0), kib);
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
    struct jspan d;
    if (res->reply.p && jscan_get(res->reply, "StreamDescriptionSummary", &d) &&
        jscan_type(d) == JT_OBJECT) {
        clear_problem(k, &k->describe_problem);
        summary_show(k, d);
    }
}

static void describe_begin(struct src_kinesis *k)
{
    if (k->describe_pending || !k->running)
        return;
    struct jwrite w;
    struct buf b;
    request_begin(k, &w, &b);
    k->describe_call =
        send_call(k, "DescribeStreamSummary", &w, &b, describe_done, k, &k->describe_pending);
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
    if (!shardplan_parse_from(k->from, clock_now_ms(loop), &k->plan_from)) {
        src_kinesis_check_from(k->from, err, errlen);
        return -1;
    }
    k->plan = shardplan_new(&k->plan_from);
    /* the timeline begins where reading does: now for "latest", the --from time otherwise
     * (trim-horizon: at the oldest record read) */
    if (k->plan_from.kind == SP_START_LATEST)
        k->base.model->reading_from_ms = clock_now_ms(loop);
    else if (k->plan_from.kind == SP_START_AT_TIMESTAMP)
        k->base.model->reading_from_ms = k->plan_from.at_ms;
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
    shardplan_free(k->plan);
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

/* The operator fixed the cause (a permission, the stream, the network): every reader waiting
 * after a failure calls again now, and a listing waiting to be retried lists now. GetRecords
 * still keeps the read budget (reader_schedule); a call in flight is left to its answer. */
static unsigned kinesis_retry(struct source *src, char *what, size_t len)
{
    struct src_kinesis *k = (struct src_kinesis *)src;
    unsigned readers = 0;
    bool listing = false;

    what[0] = '\0';
    if (!k->running)
        return 0;
    for (unsigned i = 0; i < k->nreaders; i++) {
        struct reader *r = k->readers[i];
        if (!r->failures || r->call_pending || r->phase == PH_IDLE)
            continue;
        reader_schedule(r, 0);
        readers++;
    }
    if (ev_is_active(&k->list_retry) && !k->list_pending) {
        list_begin(k);
        listing = true;
    }
    if (readers && listing)
        snprintf(what, len, "%u reader%s and the shard listing", readers, readers == 1 ? "" : "s");
    else if (readers)
        snprintf(what, len, "%u reader%s", readers, readers == 1 ? "" : "s");
    else if (listing)
        snprintf(what, len, "the shard listing");
    return readers + listing;
}

static const struct source_ops kinesis_ops = {
    .name = "kinesis",
    .start = kinesis_start,
    .stop = kinesis_stop,
    .free = kinesis_free,
    .finished = kinesis_finished,
    .retry = kinesis_retry,
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

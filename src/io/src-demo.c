/*
 * The embedded demo as a source: paces the records of the demo generator (demo-gen.h) on the
 * loop and hands them to source_feed, so demo data takes the same path as live data. It also
 * feeds the generator's DLQ samples and the per-shard reader figures to the model.
 *
 * The generator runs on a simulated clock; for a given seed the record bytes and their shards
 * are the same on every run whatever the rate. Only the base, the wall-clock time at simulated
 * time 0, and so the digits of the timestamps, differ.
 *
 * The rate only paces delivery: each tick delivers the records that have arrived by the paced
 * simulated time, which advances rate / DEMO_GEN_NOMINAL_RATE times as fast as the wall clock.
 * At the nominal rate (the default) the simulated clock keeps step with the wall clock and
 * records are read about DEMO_READ_DELAY_MS after they arrived; at other rates it runs faster or
 * slower, and arrival->processed latency drifts accordingly (the price of a stream independent
 * of the rate). As fast as possible (rate <= 0) with a limit plays a backlog: base is put far
 * enough in the past that the whole run has already arrived, as when a reader catches up.
 */
#include "config.h"

#include <stddef.h> /* source.h uses size_t without including it */

#include "src-demo.h"

#include <ev.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "demo-gen.h"
#include "model.h"
#include "xalloc.h"

#define NS_PER_MS  1000000LL
#define NS_PER_SEC 1000000000LL

#define DEMO_TICK_S           0.1 /* delivery tick when paced */
#define DEMO_FAST_BATCH       500 /* records per loop iteration when unpaced */
#define DEMO_CATCH_UP_S       1.0 /* at most this many seconds' worth of records per tick */
#define DEMO_READ_DELAY_MS    200 /* paced: arrival -> read, as a polling reader sees it */
#define DEMO_BACKLOG_SLACK_MS 2000
#define DEMO_BACKLOG_MAX      100000000ULL /* records; caps how far back a backlog starts */

/* What a Kinesis reader of one shard would show: cosmetic, but it keeps the Shards screen
 * meaningful. */
struct demo_shard {
    unsigned model_index;
    int64_t last_arrival_ms;
    unsigned batch_records;
    int64_t next_poll_ms;
};

struct demo {
    struct source base; /* first: the owner sees a struct source */
    struct model *m;
    struct demo_opts opts;
    struct ev_loop *loop;
    ev_timer tick;
    ev_idle idle;

    struct demo_gen *gen; /* from start on */
    struct demo_shard *shards;
    unsigned nshards;
    int64_t pace_ns; /* paced: simulated time delivered up to */
    double last_tick;
};

/* DLQ samples follow the simulated clock of the records delivered so far. */
static void dlq_follow(struct demo *d, int64_t now_ms)
{
    struct demo_gen_dlq q;
    while (demo_gen_dlq_next(d->gen, &q))
        model_dlq_update(d->m, now_ms, q.visible, q.in_flight, q.delayed);
}

static void deliver_one(struct demo *d, int64_t now_ms)
{
    struct demo_gen_record r;
    demo_gen_next(d->gen, &r);
    struct demo_shard *sh = &d->shards[r.shard];
    struct cdc_raw raw = {
        .data = r.data,
        .len = r.len,
        .shard = sh->model_index,
        .seq = r.seq,
        .seq_len = strlen(r.seq),
        .pkey = r.pkey,
        .pkey_len = strlen(r.pkey),
        .arrival_ms = r.arrival_ms,
    };
    source_feed(&d->base, &raw, now_ms);
    sh->last_arrival_ms = r.arrival_ms;
    sh->batch_records++;
    dlq_follow(d, now_ms);
}

/* The figures a Kinesis reader keeps per shard: GetRecords calls, how far behind the tip it is,
 * and so reading or caught up. */
static void shard_poll(struct demo *d, struct demo_shard *sh, int64_t now_ms, bool behind)
{
    /* unpaced, each batch is one call per shard it read from; paced, calls keep their own beat */
    if (behind ? sh->batch_records == 0 : now_ms < sh->next_poll_ms)
        return;
    int64_t lag;
    if (behind) /* reading a backlog: as far behind as the last record read */
        lag = now_ms > sh->last_arrival_ms ? now_ms - sh->last_arrival_ms : 0;
    else
        lag = demo_gen_tip_lag_ms(d->gen);
    model_shard_call_begin(d->m, sh->model_index, "GetRecords", now_ms);
    model_shard_ok(d->m, sh->model_index, now_ms, lag);
    sh->batch_records = 0;
    sh->next_poll_ms = now_ms + demo_gen_poll_gap_ms(d->gen);
}

static bool demo_finished(const struct source *src)
{
    const struct demo *d = (const struct demo *)src;
    return d->opts.limit > 0 && d->gen && demo_gen_delivered(d->gen) >= d->opts.limit;
}

static void demo_stop(struct source *src)
{
    struct demo *d = (struct demo *)src;
    if (!d->loop)
        return;
    ev_timer_stop(d->loop, &d->tick);
    ev_idle_stop(d->loop, &d->idle);
}

/* Delivers, in arrival order, up to max records that have arrived by simulated time due_ns. */
static uint64_t deliver_due(struct demo *d, uint64_t max, int64_t due_ns, int64_t now_ms)
{
    uint64_t n = 0;
    while (n < max && !demo_finished(&d->base) && demo_gen_peek_ns(d->gen) <= due_ns) {
        deliver_one(d, now_ms);
        n++;
    }
    return n;
}

/* Once the limit is reached the stream has nothing more: every reader is at the tip. */
static void shards_caught_up(struct demo *d, int64_t now_ms)
{
    for (unsigned i = 0; i < d->nshards; i++)
        model_shard_ok(d->m, d->shards[i].model_index, now_ms, 0);
}

/* After each batch: reader figures, then tell the owner. behind: the batch left records due. */
static void batch_done(struct demo *d, uint64_t n, int64_t now_ms, bool behind)
{
    if (n > 0)
        d->base.last_record_ms = now_ms;
    for (unsigned i = 0; i < d->nshards; i++)
        shard_poll(d, &d->shards[i], now_ms, behind);
    if (demo_finished(&d->base)) {
        demo_stop(&d->base);
        shards_caught_up(d, now_ms);
    }
    source_changed(&d->base);
}

/* Paced: the simulated clock advances rate / DEMO_GEN_NOMINAL_RATE times as fast as the wall
 * clock, and each tick delivers what has arrived by then, like a reader polling its shards. */
static void on_tick(struct ev_loop *loop, ev_timer *w, int revents)
{
    (void)revents;
    struct demo *d = w->data;
    double now = ev_now(loop);
    double speed = d->opts.rate / DEMO_GEN_NOMINAL_RATE;
    d->pace_ns += (int64_t)((now - d->last_tick) * speed * (double)NS_PER_SEC);
    d->last_tick = now;
    /* after a stall (a suspended terminal) catch up quickly, but not in a single tick */
    uint64_t cap = (uint64_t)(d->opts.rate * DEMO_CATCH_UP_S);
    if (cap < DEMO_FAST_BATCH)
        cap = DEMO_FAST_BATCH;
    int64_t now_ms = clock_now_ms(loop);
    uint64_t n = deliver_due(d, cap, d->pace_ns, now_ms);
    batch_done(d, n, now_ms, n == cap);
}

/* Unpaced: a batch per loop iteration, so the loop (keys, redraws) keeps running. */
static void on_idle(struct ev_loop *loop, ev_idle *w, int revents)
{
    (void)revents;
    struct demo *d = w->data;
    int64_t now_ms = clock_now_ms(loop);
    uint64_t n = deliver_due(d, DEMO_FAST_BATCH, INT64_MAX, now_ms);
    batch_done(d, n, now_ms, true);
}

/* --- setup --- */

static void shards_register(struct demo *d)
{
    d->nshards = demo_gen_shards(d->gen);
    d->shards = xcalloc(d->nshards, sizeof *d->shards);
    for (unsigned i = 0; i < d->nshards; i++) {
        struct demo_shard *sh = &d->shards[i];
        char id[DEMO_GEN_SHARD_ID_LEN + 1];
        demo_gen_shard_id(i, id);
        sh->model_index = model_shard_listed(d->m, id);
        d->m->shards[sh->model_index]->state = SHARD_READING;
        sh->last_arrival_ms = CDC_TIME_NONE;
    }
}

static void dlq_start(struct demo *d, int64_t now_ms)
{
    struct demo_gen_dlq q;
    demo_gen_dlq_now(d->gen, &q);
    model_dlq_configure(d->m, "demo-dlq");
    model_dlq_update(d->m, now_ms, q.visible, q.in_flight, q.delayed);
}

/* Simulated time 0 on the wall clock. Paced: a moment ago, so that records are read a little
 * after they arrived. Unpaced and bounded: far enough back that the whole run has arrived by the
 * time it is read (a backlog). Unpaced and unbounded: now (the stream then runs ahead). */
static int64_t choose_base_ms(const struct demo *d, int64_t now_ms)
{
    if (d->opts.rate > 0)
        return now_ms - DEMO_READ_DELAY_MS;
    if (d->opts.limit == 0)
        return now_ms;
    uint64_t records = d->opts.limit < DEMO_BACKLOG_MAX ? d->opts.limit : DEMO_BACKLOG_MAX;
    /* a tenth over the nominal duration, for seeds that run a little slower than nominal */
    uint64_t span_ms = records * 1100 / DEMO_GEN_NOMINAL_RATE + DEMO_BACKLOG_SLACK_MS;
    return now_ms - (int64_t)span_ms;
}

static int demo_start(struct source *src, struct ev_loop *loop, char *err, size_t errlen)
{
    struct demo *d = (struct demo *)src;
    if (d->loop) {
        snprintf(err, errlen, "demo source already started");
        return -1;
    }
    d->loop = loop;
    int64_t now_ms = clock_now_ms(loop);
    struct demo_gen_opts go = {
        .seed = d->opts.seed,
        .shards = d->opts.shards,
        .record_size_limit = d->m->record_size_limit,
        .base_ns = choose_base_ms(d, now_ms) * NS_PER_MS,
    };
    d->gen = demo_gen_new(&go);
    char desc[64];
    snprintf(desc, sizeof desc, "demo (seed %" PRIu64 ")", d->opts.seed);
    model_set_source(d->m, desc);
    d->m->reading_from_ms = go.base_ns / NS_PER_MS; /* the simulated stream begins there */
    shards_register(d);
    dlq_start(d, now_ms);
    if (d->opts.rate > 0) {
        d->last_tick = ev_now(loop);
        ev_timer_init(&d->tick, on_tick, DEMO_TICK_S, DEMO_TICK_S);
        d->tick.data = d;
        ev_timer_start(loop, &d->tick);
    } else {
        ev_idle_init(&d->idle, on_idle);
        d->idle.data = d;
        ev_idle_start(loop, &d->idle);
    }
    source_changed(&d->base);
    return 0;
}

static void demo_free(struct source *src)
{
    struct demo *d = (struct demo *)src;
    if (!d)
        return;
    demo_stop(src);
    demo_gen_free(d->gen);
    free(d->shards);
    free(d);
}

static const struct source_ops demo_ops = {
    .name = "demo",
    .start = demo_start,
    .stop = demo_stop,
    .free = demo_free,
    .finished = demo_finished,
};

struct source *src_demo_new(struct model *m, const struct demo_opts *opts)
{
    struct demo *d = xcalloc(1, sizeof *d);
    d->base.ops = &demo_ops;
    d->base.model = m;
    d->m = m;
    d->opts = *opts;
    return &d->base;
}

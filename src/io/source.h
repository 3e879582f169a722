/*
 * A source feeds raw records into the model from its own libev watchers: the embedded demo now;
 * Kinesis, replay and DynamoDB Streams later. All of them use the same shard model
 * (model_shard) and the same entry point (model_ingest).
 */
#ifndef CDCTOP_SOURCE_H
#define CDCTOP_SOURCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model.h"

struct ev_loop;
struct source;

struct source_ops {
    const char *name; /* "demo", "kinesis", "replay", ... */
    /* Starts the source's watchers on loop. Returns 0, or -1 with a message in err. */
    int (*start)(struct source *s, struct ev_loop *loop, char *err, size_t errlen);
    /* Stops every watcher; the loop may then end. */
    void (*stop)(struct source *s);
    void (*free)(struct source *s);
    /* True once the source will deliver nothing more (a demo limit reached, a replay ended). */
    bool (*finished)(const struct source *s);
    /* Optional: retries at once every call that waits after an error (readers in backoff or
     * failing, a listing waiting to be retried), as an operator asks when the cause is fixed.
     * Returns how many were retried and says which in what ("2 readers and the listing"). */
    unsigned (*retry)(struct source *s, char *what, size_t len);
};

struct source {
    const struct source_ops *ops;
    struct model *model;
    /* Optional tap that sees every raw record before the model does (the recorder). */
    void (*tap)(void *ctx, const struct source *s, const struct cdc_raw *raw, int64_t now_ms);
    void *tap_ctx;
    /* Called after the source changed the model, so the owner can mark views dirty. */
    void (*changed)(void *ctx);
    void *changed_ctx;
    int64_t last_record_ms; /* when the source last fed a record (for --until-idle) */
};

/* Every source hands each record over through here, so taps and the model see the same bytes. */
static inline void source_feed(struct source *s, const struct cdc_raw *raw, int64_t now_ms)
{
    if (s->tap)
        s->tap(s->tap_ctx, s, raw, now_ms);
    model_ingest(s->model, raw, now_ms);
    s->last_record_ms = now_ms;
}

/* Helpers for sources: notify the owner. */
static inline void source_changed(struct source *s)
{
    if (s->changed)
        s->changed(s->changed_ctx);
}

#endif

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

struct ev_loop;
struct model;
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
};

struct source {
    const struct source_ops *ops;
    struct model *model;
    /* Called after the source changed the model, so the owner can mark views dirty. */
    void (*changed)(void *ctx);
    void *changed_ctx;
    int64_t last_record_ms; /* when the source last fed a record (for --until-idle) */
};

/* Helpers for sources: notify the owner. */
static inline void source_changed(struct source *s)
{
    if (s->changed)
        s->changed(s->changed_ctx);
}

#endif

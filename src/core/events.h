/*
 * The event log: every change of state that matters in an incident (a reader stalled or back, an
 * error and its end, a throttling storm, a reshard, the DLQ starting or stopping to grow, records
 * undecodable for the first time, a snapshot written), with its time, in a bounded ring. The
 * Events screen, the text, HTML and JSON artefacts show it; a recording keeps the events that
 * come from outside the records (origin EV_SOURCE), so that a replay tells the same story.
 */
#ifndef CDCTOP_EVENTS_H
#define CDCTOP_EVENTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define EVENTS_MAX        1024 /* kept; older ones are dropped (and counted) */
#define EVENT_TEXT_MAX    200
#define EVENT_SUBJECT_MAX 130

enum event_level { EV_INFO, EV_WARN, EV_BAD, EV_GOOD, EV_LEVEL_COUNT };

/* Where an event comes from: the readers and pollers (recorded, replayed), or what the core
 * derives from the records and samples it is given (derived again on a replay). */
enum event_origin { EV_SOURCE, EV_DERIVED };

enum event_kind {
    EVK_READER_STALLED,   /* a call pending far longer than usual */
    EVK_READER_RECOVERED, /* reading again after a stall or errors */
    EVK_ERROR,            /* a call or a source failing */
    EVK_ERROR_END,        /* ... and no longer */
    EVK_THROTTLING,       /* a throttling storm began */
    EVK_THROTTLING_END,
    EVK_RESHARD,     /* a shard closed, children found */
    EVK_DLQ_GROWING, /* the DLQ started to grow */
    EVK_DLQ_STEADY,  /* ... and stopped */
    EVK_UNDECODABLE, /* records undecodable for a reason seen the first time */
    EVK_CREDENTIALS, /* a credential refresh failed */
    EVK_SNAPSHOT,    /* a snapshot set written (or not) */
    EVK_VERDICT,     /* the verdict changed */
    EVK_NOTE,        /* anything else worth a line */
    EVK_COUNT
};

struct event {
    int64_t at_ms;
    enum event_level level;
    enum event_kind kind;
    enum event_origin origin;
    char subject[EVENT_SUBJECT_MAX + 1]; /* "shardId-000000000001", "public.orders", "" */
    char text[EVENT_TEXT_MAX + 1];       /* one line; untrusted parts escaped on display */
};

struct events {
    struct event ring[EVENTS_MAX];
    unsigned len;  /* events held */
    unsigned next; /* slot written next */
    uint64_t total;
    uint64_t dropped; /* older events overwritten */
    /* sees every event added (the recorder); may be NULL */
    void (*tap)(void *ctx, const struct event *e);
    void *tap_ctx;
};

void events_init(struct events *ev);
/* Adds an event; text is cut to fit (never inside a UTF-8 sequence). Returns the stored event. */
const struct event *events_add(struct events *ev, int64_t at_ms, enum event_level level,
                               enum event_kind kind, enum event_origin origin, const char *subject,
                               const char *text);
unsigned events_len(const struct events *ev);
/* Event i, oldest first (i < events_len). */
const struct event *events_get(const struct events *ev, unsigned i);

const char *event_kind_name(enum event_kind k); /* "reader_stalled", ... */
bool event_kind_parse(const char *name, enum event_kind *out);
const char *event_level_name(enum event_level l); /* "info", "warn", "bad", "good" */
bool event_level_parse(const char *name, enum event_level *out);

#endif

/* The event log (events.h). */
#include "config.h"

#include "events.h"

#include <string.h>

static const char *const kind_names[EVK_COUNT] = {
    [EVK_READER_STALLED] = "reader_stalled",
    [EVK_READER_RECOVERED] = "reader_recovered",
    [EVK_ERROR] = "error",
    [EVK_ERROR_END] = "error_end",
    [EVK_THROTTLING] = "throttling",
    [EVK_THROTTLING_END] = "throttling_end",
    [EVK_RESHARD] = "reshard",
    [EVK_DLQ_GROWING] = "dlq_growing",
    [EVK_DLQ_STEADY] = "dlq_steady",
    [EVK_UNDECODABLE] = "undecodable",
    [EVK_CREDENTIALS] = "credentials",
    [EVK_SNAPSHOT] = "snapshot",
    [EVK_VERDICT] = "verdict",
    [EVK_NOTE] = "note",
};

static const char *const level_names[EV_LEVEL_COUNT] = {"info", "warn", "bad", "good"};

void events_init(struct events *ev)
{
    memset(ev, 0, sizeof *ev);
}

/* Copies at most cap-1 bytes, never ending inside a UTF-8 sequence. */
static void events_copy(char *dst, size_t cap, const char *src)
{
    size_t n = src ? strlen(src) : 0;
    if (n >= cap) {
        n = cap - 1;
        while (n > 0 && ((unsigned char)src[n] & 0xc0) == 0x80)
            n--;
    }
    if (n)
        memcpy(dst, src, n);
    dst[n] = '\0';
}

const struct event *events_add(struct events *ev, int64_t at_ms, enum event_level level,
                               enum event_kind kind, enum event_origin origin, const char *subject,
                               const char *text)
{
    struct event *e = &ev->ring[ev->next];
    if (ev->len == EVENTS_MAX)
        ev->dropped++;
    else
        ev->len++;
    ev->next = (ev->next + 1) % EVENTS_MAX;
    ev->total++;
    e->at_ms = at_ms;
    e->level = (unsigned)level < EV_LEVEL_COUNT ? level : EV_INFO;
    e->kind = (unsigned)kind < EVK_COUNT ? kind : EVK_NOTE;
    e->origin = origin;
    events_copy(e->subject, sizeof e->subject, subject);
    events_copy(e->text, sizeof e->text, text);
    if (ev->tap)
        ev->tap(ev->tap_ctx, e);
    return e;
}

unsigned events_len(const struct events *ev)
{
    return ev->len;
}

const struct event *events_get(const struct events *ev, unsigned i)
{
    unsigned oldest = (ev->next + EVENTS_MAX - ev->len) % EVENTS_MAX;
    return &ev->ring[(oldest + i) % EVENTS_MAX];
}

const char *event_kind_name(enum event_kind k)
{
    return (unsigned)k < EVK_COUNT ? kind_names[k] : "note";
}

bool event_kind_parse(const char *name, enum event_kind *out)
{
    for (int k = 0; k < EVK_COUNT; k++) {
        if (strcmp(kind_names[k], name) == 0) {
            *out = (enum event_kind)k;
            return true;
        }
    }
    return false;
}

const char *event_level_name(enum event_level l)
{
    return (unsigned)l < EV_LEVEL_COUNT ? level_names[l] : "info";
}

bool event_level_parse(const char *name, enum event_level *out)
{
    for (int l = 0; l < EV_LEVEL_COUNT; l++) {
        if (strcmp(level_names[l], name) == 0) {
            *out = (enum event_level)l;
            return true;
        }
    }
    return false;
}

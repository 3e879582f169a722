/*
 * What the readers report about their shards, and what the model makes of it: the state and
 * since when, calls in flight and how long they usually take, how far behind, and the events an
 * operator needs (a shard failing and recovering, a reader stalled, a throttling storm, a
 * reshard). Readers call these instead of writing struct shard, so every change of state is seen
 * in one place. Stalls are decided by model_shard_tick(), from the time alone.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "fmt.h"
#include "model.h"

#define CALL_AVG_WEIGHT    8  /* the usual call time follows the last ~8 calls */
#define STALL_USUAL_FACTOR 10 /* or ten times the usual call time, when that is longer */
#define STORM_THROTTLES    5  /* throttles within STORM_WINDOW_S: a storm began */
#define STORM_WINDOW_S     10
#define STORM_QUIET_S      30 /* no throttle for this long: it is over */

static struct shard *shard_at(struct model *m, unsigned i)
{
    return i < m->nshards ? m->shards[i] : NULL;
}

static void log_event(struct model *m, int64_t now_ms, enum event_level level, enum event_kind kind,
                      const char *subject, const char *text)
{
    events_add(&m->events, now_ms, level, kind, EV_SOURCE, subject, text);
}

static void set_state(struct shard *s, enum shard_state state, int64_t now_ms)
{
    if (s->state != state)
        s->state_since_ms = now_ms;
    s->state = state;
}

void model_shard_call_begin(struct model *m, unsigned i, const char *op, int64_t now_ms)
{
    struct shard *s = shard_at(m, i);
    if (!s)
        return;
    s->call_since_ms = now_ms;
    snprintf(s->call_op, sizeof s->call_op, "%s", op ? op : "");
    if (op && strcmp(op, "GetRecords") == 0) {
        s->calls++;
        series_add(&s->calls_per_s, now_ms, 1);
    }
}

/* The call answered (whatever it said): a stalled reader is reading again. */
static void call_end(struct model *m, struct shard *s, int64_t now_ms)
{
    if (s->call_since_ms) {
        int64_t took = now_ms - s->call_since_ms;
        s->call_avg_ms =
            s->call_avg_ms ? s->call_avg_ms + (took - s->call_avg_ms) / CALL_AVG_WEIGHT : took;
    }
    s->call_since_ms = 0;
    if (s->stalled) {
        char text[EVENT_TEXT_MAX + 1], a[FMT_LEN];
        s->stalled = false;
        snprintf(text, sizeof text, "reader answered again after %s",
                 fmt_duration(a, sizeof a, (now_ms - s->stalled_since_ms) * 1000));
        log_event(m, now_ms, EV_GOOD, EVK_READER_RECOVERED, s->id, text);
    }
}

void model_shard_answered(struct model *m, unsigned i, int64_t now_ms)
{
    struct shard *s = shard_at(m, i);
    if (s)
        call_end(m, s, now_ms);
}

void model_shard_ok(struct model *m, unsigned i, int64_t now_ms, int64_t behind_ms)
{
    struct shard *s = shard_at(m, i);
    if (!s)
        return;
    call_end(m, s, now_ms);
    if (behind_ms >= 0) {
        s->millis_behind = behind_ms;
        s->behind_at_ms = now_ms;
    }
    if (s->failing_since_ms) {
        char text[EVENT_TEXT_MAX + 1], a[FMT_LEN];
        snprintf(text, sizeof text, "reading again after %s of errors (last: %.120s)",
                 fmt_duration(a, sizeof a, (now_ms - s->failing_since_ms) * 1000), s->last_error);
        log_event(m, now_ms, EV_GOOD, EVK_ERROR_END, s->id, text);
        s->failing_since_ms = 0;
    }
    s->last_error[0] = '\0';
    set_state(s, s->millis_behind == 0 ? SHARD_LATEST : SHARD_READING, now_ms);
}

void model_shard_failed(struct model *m, unsigned i, int64_t now_ms, bool throttled, bool hard,
                        const char *text)
{
    struct shard *s = shard_at(m, i);
    if (!s)
        return;
    call_end(m, s, now_ms);
    snprintf(s->last_error, sizeof s->last_error, "%s", text ? text : "");
    if (throttled) {
        s->throttles++;
        series_add(&m->throttles_per_s, now_ms, 1);
        set_state(s, SHARD_BACKOFF, now_ms);
    } else {
        s->errors++;
        set_state(s, hard ? SHARD_ERROR : SHARD_BACKOFF, now_ms);
        if (!s->failing_since_ms) {
            s->failing_since_ms = now_ms;
            log_event(m, now_ms, hard ? EV_BAD : EV_WARN, EVK_ERROR, s->id, s->last_error);
        }
    }
}

void model_shard_started(struct model *m, unsigned i, int64_t now_ms)
{
    struct shard *s = shard_at(m, i);
    if (!s)
        return;
    if (!s->started_ms)
        s->started_ms = now_ms;
    set_state(s, SHARD_READING, now_ms);
}

void model_shard_waiting(struct model *m, unsigned i, int64_t now_ms)
{
    struct shard *s = shard_at(m, i);
    if (s && s->state != SHARD_PENDING) {
        set_state(s, SHARD_PENDING, now_ms);
    }
}

void model_shard_closed(struct model *m, unsigned i, int64_t now_ms, bool drained,
                        const char *children)
{
    struct shard *s = shard_at(m, i);
    if (!s)
        return;
    s->call_since_ms = 0;
    s->stalled = false;
    s->failing_since_ms = 0;
    s->millis_behind = 0;
    s->behind_at_ms = now_ms;
    s->closed_ms = now_ms;
    set_state(s, SHARD_CLOSED, now_ms);
    if (drained) {
        char text[EVENT_TEXT_MAX + 1];
        snprintf(text, sizeof text, "shard closed and read to its end%s%.150s",
                 children && *children ? "; children " : "", children ? children : "");
        log_event(m, now_ms, EV_INFO, EVK_RESHARD, s->id, text);
    }
}

/* A call pending far longer than usual: the endpoint hangs, which looks like quiet producers
 * unless it is said. */
static void stalls(struct model *m, int64_t now_ms)
{
    int64_t floor_ms = m->cfg.thresholds.stall_ms;
    for (unsigned i = 0; i < m->nshards; i++) {
        struct shard *s = m->shards[i];
        if (!s->call_since_ms || s->stalled)
            continue;
        int64_t limit = s->call_avg_ms * STALL_USUAL_FACTOR > floor_ms
                            ? s->call_avg_ms * STALL_USUAL_FACTOR
                            : floor_ms;
        if (now_ms - s->call_since_ms <= limit)
            continue;
        char text[EVENT_TEXT_MAX + 1], a[FMT_LEN];
        s->stalled = true;
        s->stalled_since_ms = s->call_since_ms;
        snprintf(text, sizeof text, "%s pending for %s with no answer", s->call_op,
                 fmt_duration(a, sizeof a, (now_ms - s->call_since_ms) * 1000));
        log_event(m, now_ms, EV_BAD, EVK_READER_STALLED, s->id, text);
    }
}

/* Throttles across all shards: a storm begins with STORM_THROTTLES within STORM_WINDOW_S and
 * ends after STORM_QUIET_S without one. */
static void storms(struct model *m, int64_t now_ms)
{
    uint64_t recent = series_sum(&m->throttles_per_s, now_ms + 1000, STORM_WINDOW_S);
    char text[EVENT_TEXT_MAX + 1];
    if (!m->throttle_storm && recent >= STORM_THROTTLES) {
        m->throttle_storm = true;
        snprintf(text, sizeof text, "%llu throttled calls in %d s (ProvisionedThroughputExceeded)",
                 (unsigned long long)recent, STORM_WINDOW_S);
        log_event(m, now_ms, EV_WARN, EVK_THROTTLING, "", text);
    } else if (m->throttle_storm &&
               series_sum(&m->throttles_per_s, now_ms + 1000, STORM_QUIET_S) == 0) {
        m->throttle_storm = false;
        snprintf(text, sizeof text, "no throttled call for %d s", STORM_QUIET_S);
        log_event(m, now_ms, EV_GOOD, EVK_THROTTLING_END, "", text);
    }
}

void model_shard_tick(struct model *m, int64_t now_ms)
{
    stalls(m, now_ms);
    storms(m, now_ms);
}

/* How far behind a shard is now: exact while its reader answers, a lower bound once it does not
 * (the last known lag plus the time since it was known). */
int64_t model_shard_behind(const struct shard *s, int64_t now_ms, bool *exact)
{
    bool fine = !s->stalled && !s->failing_since_ms;
    *exact = fine && s->millis_behind >= 0;
    if (s->millis_behind < 0 || !s->behind_at_ms)
        return -1;
    if (fine)
        return s->millis_behind;
    int64_t since = now_ms - s->behind_at_ms;
    return s->millis_behind + (since > 0 ? since : 0);
}

/* How far the timeline is complete: every shard being read has read, by arrival time, at least
 * this far. A reader at the tip has read up to now; a reader behind by X up to now - X (or, when
 * it does not answer, up to where it was last known to be); a reader that never said (a replay)
 * up to the last record it read. Closed and waiting shards do not hold the timeline back. */
int64_t model_timeline_end(const struct model *m, int64_t now_ms)
{
    int64_t end = now_ms;
    for (unsigned i = 0; i < m->nshards; i++) {
        const struct shard *s = m->shards[i];
        int64_t upto;
        if (s->other || s->state == SHARD_CLOSED || s->state == SHARD_PENDING)
            continue;
        if (s->millis_behind >= 0 && s->behind_at_ms)
            upto = s->behind_at_ms - s->millis_behind;
        else if (s->last_arrival_ms != CDC_TIME_NONE)
            upto = s->last_arrival_ms;
        else
            continue;
        if (!s->stalled && !s->failing_since_ms && s->millis_behind == 0 && s->behind_at_ms)
            upto = now_ms; /* at the tip and answering: nothing more has arrived */
        if (upto < end)
            end = upto;
    }
    if (m->cfg.basis == BASIS_COMMIT) {
        /* commits reach the stream later than they happen: the seconds just before the end may
         * still fill, by about the usual commit→arrival latency */
        struct hist h;
        metrics_latency_window(&m->all, LAT_COMMIT_TO_EMIT, now_ms, &h);
        int64_t lag = h.count ? hist_quantile(&h, 0.99) / 1000 : 0;
        metrics_latency_window(&m->all, LAT_EMIT_TO_ARRIVAL, now_ms, &h);
        lag += h.count ? hist_quantile(&h, 0.99) / 1000 : 0;
        end -= lag > 0 ? lag : 0;
    }
    return end;
}

int64_t model_timeline_start(const struct model *m)
{
    int64_t first = m->all.first_event_ms;
    if (m->reading_from_ms != CDC_TIME_NONE &&
        (first == CDC_TIME_NONE || m->reading_from_ms < first))
        return m->reading_from_ms;
    return first;
}

const char *time_basis_name(enum time_basis b)
{
    return b == BASIS_COMMIT ? "commit" : "arrival";
}

/* The shard an event names, or NULL (its subject is not a shard this model knows). */
static struct shard *event_shard(struct model *m, const struct event *e)
{
    if (!e->subject[0])
        return NULL;
    for (unsigned i = 0; i < m->nshards; i++)
        if (strcmp(m->shards[i]->id, e->subject) == 0)
            return m->shards[i];
    return NULL;
}

void model_event_replayed(struct model *m, const struct event *e)
{
    struct shard *s = event_shard(m, e);
    events_add(&m->events, e->at_ms, e->level, e->kind, EV_SOURCE, e->subject, e->text);
    if (!s)
        return;
    switch (e->kind) {
    case EVK_READER_STALLED: /* "GetRecords pending for 6s with no answer" */
        s->stalled = true;
        s->stalled_since_ms = s->call_since_ms = e->at_ms - m->cfg.thresholds.stall_ms;
        snprintf(s->call_op, sizeof s->call_op, "%.*s", (int)strcspn(e->text, " "), e->text);
        break;
    case EVK_READER_RECOVERED:
        s->stalled = false;
        s->call_since_ms = 0;
        break;
    case EVK_ERROR:
        s->failing_since_ms = e->at_ms;
        snprintf(s->last_error, sizeof s->last_error, "%.159s", e->text);
        set_state(s, e->level == EV_BAD ? SHARD_ERROR : SHARD_BACKOFF, e->at_ms);
        break;
    case EVK_ERROR_END:
        s->failing_since_ms = 0;
        s->last_error[0] = '\0';
        set_state(s, SHARD_READING, e->at_ms);
        break;
    default:
        break;
    }
}

/*
 * The one clock: libev's cached loop time, in wall-clock milliseconds; or, while a replay runs,
 * the recorded time it has reached, so that every reader of the clock (latency windows, rates,
 * fragment expiry, snapshots) sees the recording's time and not the time of the replay.
 */
#ifndef CDCTOP_CLOCK_H
#define CDCTOP_CLOCK_H

#include <ev.h>
#include <stdint.h>

/* A stand-in for the wall clock, attached as the loop's userdata (reserved for it). */
struct clock_override {
    int64_t (*now_ms)(void *ctx, struct ev_loop *loop);
    void *ctx;
};

/* The wall clock itself, for whatever paces real time (timers, replay speed). */
static inline int64_t clock_wall_ms(struct ev_loop *loop)
{
    return (int64_t)(ev_now(loop) * 1000.0);
}

static inline int64_t clock_now_ms(struct ev_loop *loop)
{
    const struct clock_override *o = ev_userdata(loop);
    return o ? o->now_ms(o->ctx, loop) : clock_wall_ms(loop);
}

/* Installs o (NULL removes it); o must outlive the loop's use of the clock. */
static inline void clock_set_override(struct ev_loop *loop, struct clock_override *o)
{
    ev_set_userdata(loop, o);
}

#endif

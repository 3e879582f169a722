/* The one clock: libev's cached loop time, in wall-clock milliseconds. */
#ifndef CDCTOP_CLOCK_H
#define CDCTOP_CLOCK_H

#include <ev.h>
#include <stdint.h>

static inline int64_t clock_now_ms(struct ev_loop *loop)
{
    return (int64_t)(ev_now(loop) * 1000.0);
}

#endif

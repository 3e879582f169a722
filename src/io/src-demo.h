/* The embedded demo: a synthetic DSQL pipeline producing real DSQL JSON records. */
#ifndef CDCTOP_SRC_DEMO_H
#define CDCTOP_SRC_DEMO_H

#include <stdint.h>

#include "source.h"

struct demo_opts {
    uint64_t seed;   /* same seed, same record sequence */
    double rate;     /* records per second; <= 0 means as fast as possible */
    uint64_t limit;  /* stop after this many records; 0 = never */
    unsigned shards; /* at least 1; default 4 */
};

struct source *src_demo_new(struct model *m, const struct demo_opts *opts);

#endif

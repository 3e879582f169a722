/* Runs the pipeline without a terminal and writes one JSON snapshot at the end. */
#ifndef CDCTOP_HEADLESS_H
#define CDCTOP_HEADLESS_H

struct ev_loop;
struct model;
struct source;
struct options;

/* Returns the process exit status: 0, or 1 when the snapshot could not be written. */
int headless_run(struct ev_loop *loop, struct model *m, struct source *src, const struct options *o,
                 const char *version);

#endif

/* Runs the pipeline without a terminal and writes one JSON snapshot at the end. */
#ifndef CDCTOP_HEADLESS_H
#define CDCTOP_HEADLESS_H

struct options;
struct session;

/*
 * The headless front end of the session (session.h): runs it until --duration, --until-idle, the
 * source's end or a signal, then writes the snapshot. Returns the process exit status
 * (exitcode.h): EXITCODE_SOURCE when the source never delivered anything and ends with a problem
 * (shown on stderr with its hint), else EXITCODE_OUTPUT when the snapshot could not be written,
 * else EXITCODE_OK. A problem on the status line at the end is also shown when it is an error.
 */
int headless_run(struct session *s, const struct options *o, const char *version);

#endif

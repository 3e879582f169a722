/* The exit statuses, as cdctop(1) documents them under EXIT STATUS. When more than one applies,
 * the highest is returned. */
#ifndef CDCTOP_EXITCODE_H
#define CDCTOP_EXITCODE_H

enum exitcode {
    EXITCODE_OK = 0,
    /* an artefact is incomplete: the final headless snapshot could not be written, or a
     * recording lost records */
    EXITCODE_OUTPUT = 1,
    /* nothing ran: a usage or config error, a recording that cannot be read or created, a
     * terminal the console cannot draw on */
    EXITCODE_USAGE = 2,
    /* headless: the source never delivered anything and ended with a problem on its status line
     * (no credentials, an unreachable endpoint, a missing stream, ...) */
    EXITCODE_SOURCE = 3,
    /* headless with --fail-on: the verdict reached that level at some moment of the run */
    EXITCODE_VERDICT = 4,
};

#endif

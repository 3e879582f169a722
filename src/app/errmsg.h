/*
 * Messages on standard error, one line each: "cdctop: " and the text. The text may carry
 * untrusted parts (server messages, names and lines from recordings, file names), so all of it
 * is escaped (escape.h) before it reaches a terminal: no control sequence passes.
 */
#ifndef CDCTOP_ERRMSG_H
#define CDCTOP_ERRMSG_H

void errmsg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif

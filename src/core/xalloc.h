/* Allocation that cannot fail: out of memory is the one fatal error. */
#ifndef CDCTOP_XALLOC_H
#define CDCTOP_XALLOC_H

#include <stddef.h>

void *xmalloc(size_t n);
void *xcalloc(size_t count, size_t n);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);

/* Called before the process aborts, so the terminal can be restored first. */
void xalloc_set_fatal_hook(void (*hook)(void));

#endif

/* Allocation that cannot fail: out of memory is the one fatal error. */
#ifndef CDCTOP_XALLOC_H
#define CDCTOP_XALLOC_H

#include <stddef.h>

void *xmalloc(size_t n);
void *xcalloc(size_t count, size_t n);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);

/* What malloc(n) takes from the heap, for memory caps: glibc's chunk for it (n plus an 8-byte
 * header, rounded up to 16 bytes, at least 32); other allocators take about as much. */
size_t xalloc_cost(size_t n);

/* Called before the process aborts, so the terminal can be restored first. */
void xalloc_set_fatal_hook(void (*hook)(void));

#endif

/* Allocation that cannot fail: out of memory restores the terminal, reports and aborts. */
#include "config.h"

#include "xalloc.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void (*fatal_hook)(void);

void xalloc_set_fatal_hook(void (*hook)(void))
{
    fatal_hook = hook;
}

static _Noreturn void xalloc_fatal(void)
{
    void (*hook)(void) = fatal_hook;

    /* Cleared first so a hook that itself runs out of memory cannot recurse. */
    fatal_hook = NULL;
    if (hook != NULL)
        hook();
    fputs("cdctop: out of memory\n", stderr);
    abort();
}

size_t xalloc_cost(size_t n)
{
    size_t chunk = (n + 8 + 15) & ~(size_t)15;
    return chunk < 32 ? 32 : chunk;
}

void *xmalloc(size_t n)
{
    void *p = malloc(n != 0 ? n : 1);

    if (p == NULL)
        xalloc_fatal();
    return p;
}

void *xcalloc(size_t count, size_t n)
{
    void *p;

    if (count == 0 || n == 0)
        count = n = 1;
    p = calloc(count, n); /* calloc checks count * n for overflow */
    if (p == NULL)
        xalloc_fatal();
    return p;
}

void *xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n != 0 ? n : 1);

    if (q == NULL)
        xalloc_fatal();
    return q;
}

char *xstrdup(const char *s)
{
    return xstrndup(s, strlen(s));
}

char *xstrndup(const char *s, size_t n)
{
    size_t len = 0;
    char *p;

    while (len < n && s[len] != '\0')
        len++;
    if (len == SIZE_MAX)
        xalloc_fatal();
    p = xmalloc(len + 1);
    memcpy(p, s, len);
    p[len] = '\0';
    return p;
}

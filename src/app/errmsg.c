#include "config.h"

#include "errmsg.h"

#include <stdarg.h>
#include <stdio.h>

#include "buf.h"
#include "escape.h"

void errmsg(const char *fmt, ...)
{
    struct buf text, shown;
    va_list ap;

    buf_init(&text);
    buf_init(&shown);
    va_start(ap, fmt);
    buf_vprintf(&text, fmt, ap);
    va_end(ap);
    escape_append(&shown, text.data ? text.data : "", text.len);
    fprintf(stderr, "cdctop: %s\n", shown.data ? shown.data : "");
    buf_free(&text);
    buf_free(&shown);
}

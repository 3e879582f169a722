/*
 * Writing small JSON objects (AWS request bodies, report fragments) straight into a struct buf:
 * keys and string values are escaped with buf_json_string, so the text is always valid JSON
 * when the strings are valid UTF-8.
 */
#ifndef CDCTOP_JWRITE_H
#define CDCTOP_JWRITE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"

struct jwrite {
    struct buf *b;
    bool first; /* no member written yet at the current level */
};

/* Starts an object in b (appending). */
void jw_object(struct jwrite *w, struct buf *b);
void jw_string(struct jwrite *w, const char *key, const char *value);
void jw_int(struct jwrite *w, const char *key, int64_t value);
/* A number with up to 3 decimals (epoch seconds with milliseconds). */
void jw_seconds(struct jwrite *w, const char *key, int64_t ms);
/* An array of strings. */
void jw_strings(struct jwrite *w, const char *key, const char *const *values, size_t n);
/* Ends the object. */
void jw_end(struct jwrite *w);

#endif

/*
 * Primary-key identity per table. A key is configured (--pk), learned from the column set of a
 * delete's `before` image (DSQL puts exactly the PK columns there), or guessed (see pk_guess).
 * A row's key is the JSON array of its key columns' raw values, e.g. [1001,42]: canonical for
 * machine-written records, and printable as it is.
 */
#ifndef CDCTOP_PK_H
#define CDCTOP_PK_H

#include <stdbool.h>

#include "buf.h"
#include "change.h"
#include "jscan.h"

#define PK_MAX_COLS 16
#define PK_COL_MAX  127

enum pk_source { PK_NONE, PK_GUESSED, PK_LEARNED, PK_CONFIGURED };

struct pk_def {
    unsigned ncols;
    char cols[PK_MAX_COLS][PK_COL_MAX + 1];
    enum pk_source source;
};

const char *pk_source_name(enum pk_source s); /* "none", "guessed", "learned", "configured" */
bool pk_def_equal(const struct pk_def *a, const struct pk_def *b);

/* The fallback guess from an `after` image: the leading run of columns named "id" or ending in
 * "_id", "_uuid" or "_key"; failing that, the first column. */
bool pk_guess(struct pk_def *out, struct jspan after);
/* The key learned from a delete's `before` image: all of its columns, in order. */
bool pk_learn(struct pk_def *out, struct jspan before);
/* Appends the canonical key of image to out. False when a key column is missing. */
bool pk_key(const struct pk_def *def, struct jspan image, struct buf *out);
/* Parses "schema.table=col[,col...]" (schema defaults to "public" when omitted).
 * On failure returns false and points *err at a static message. */
bool pk_parse_spec(const char *spec, char schema[CDC_NAME_MAX + 1], char table[CDC_NAME_MAX + 1],
                   struct pk_def *out, const char **err);

#endif

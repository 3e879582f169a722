/*
 * Redaction of column values at ingestion. The named columns (of every table, or of one table),
 * or every non-key column, are replaced by a keyed hash before the row store, the metrics or any
 * view sees the image, so no screen and no artefact can show the original value.
 *
 * A redacted value is the JSON string "~h:" followed by 16 hex digits of HMAC-SHA-256 under a key
 * the caller draws once per run. Equal values give equal hashes within the run (rows can still be
 * matched across screens and artefacts, and a redacted key column still identifies its row), but
 * a hash cannot be checked against guessed values without the key, which never leaves the
 * process: hashes of two runs are not comparable. null stays null.
 */
#ifndef CDCTOP_REDACT_H
#define CDCTOP_REDACT_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"
#include "jscan.h"
#include "pk.h"

#define REDACT_KEY_BYTES 32
#define REDACT_PREFIX    "~h:"
#define REDACT_HEX       16
/* The JSON text of a redacted value, quotes included: "~h:0123456789abcdef" */
#define REDACT_TEXT_LEN (2 + 3 + REDACT_HEX)

struct redact;

struct redact *redact_new(const unsigned char key[REDACT_KEY_BYTES]);
void redact_free(struct redact *r);

/* Adds "COL[,COL...]": each COL is COLUMN (in every table), TABLE.COLUMN (schema public) or
 * SCHEMA.TABLE.COLUMN. False with *err set (and nothing added) when an entry is malformed. */
bool redact_add(struct redact *r, const char *list, const char **err);
/* Redacts every column that is not part of the table's key. */
void redact_set_all_values(struct redact *r, bool on);

/* Whether anything is redacted at all. */
bool redact_enabled(const struct redact *r);
bool redact_all_values(const struct redact *r);
/* The entries as given ("email", "public.notes.body"), for reports. */
unsigned redact_count(const struct redact *r);
const char *redact_entry(const struct redact *r, unsigned i);

/* Writes image, a validated JSON object, to out (replacing out's contents) with the redacted
 * columns' values hashed. Returns false, leaving out alone, when no column of image is redacted:
 * the caller then keeps the original bytes. */
bool redact_image(const struct redact *r, const char *schema, const char *table,
                  const struct pk_def *keep, struct jspan image, struct buf *out);
/* The redacted JSON text of one value (a string is hashed by its decoded text, so escapes do not
 * matter), NUL-terminated. */
void redact_value(const struct redact *r, struct jspan value, char out[REDACT_TEXT_LEN + 1]);

/* SHA-256 and HMAC-SHA-256 (RFC 6234, RFC 2104). */
void redact_sha256(const void *p, size_t n, unsigned char out[32]);
void redact_hmac_sha256(const unsigned char *key, size_t keylen, const void *p, size_t n,
                        unsigned char out[32]);

#endif

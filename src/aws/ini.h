/*
 * The AWS shared config and credentials files: "[section]" headers, "key = value" (or
 * "key: value") lines, full-line '#' and ';' comments. A key with an empty value followed by
 * indented "key = value" lines is a nested sub-section ("sts =" then "  endpoint_url = ..." in a
 * [services NAME] section): its settings are stored as "sts.endpoint_url", never as top-level
 * keys. Other indented lines are skipped. Keys are case-insensitive.
 */
#ifndef CDCTOP_INI_H
#define CDCTOP_INI_H

#include <stdbool.h>
#include <stddef.h>

struct ini;

/* Parses text; never fails (lines it cannot read are ignored, as the AWS CLI tolerates them). */
struct ini *ini_parse(const char *text, size_t len);
/* Reads and parses a file; NULL with *err = errno when it cannot be read (ENOENT: missing). */
struct ini *ini_load(const char *path, int *err);
void ini_free(struct ini *ini);
/* The value of key in section (exact section name, whitespace runs collapsed), or NULL. */
const char *ini_get(const struct ini *ini, const char *section, const char *key);
bool ini_has_section(const struct ini *ini, const char *section);

#endif

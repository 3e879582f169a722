/*
 * Turning an AWS reply into an outcome an operator can act on: the error name (from a JSON
 * "__type"/"code", an XML <Code>, or the X-Amzn-Errortype / x-amzn-query-error headers), the
 * message, the enum aws_outcome class and a one-line hint, and the scrubbing of secrets from any
 * text that is shown or kept.
 */
#ifndef CDCTOP_AWS_ERROR_H
#define CDCTOP_AWS_ERROR_H

#include <stddef.h>

#include "aws.h"

/* The error name without namespace or suffix: text before the first ':', after the last '#'
 * ("com.amazonaws.sqs#QueueDoesNotExist" → "QueueDoesNotExist"). */
void aws_error_sanitise(const char *raw, char *out, size_t outsz);
/* Fills code and message from an error reply: body (JSON or XML) and the two headers, any of
 * which may be NULL. The x-amzn-query-error name (before ';') wins when present, as the AWS
 * SDKs do for services that kept their query-protocol error codes (SQS). */
void aws_error_parse(const char *body, size_t len, const char *errortype_hdr,
                     const char *query_error_hdr, char *code, size_t codesz, char *message,
                     size_t messagesz);
/* The class of a reply: status 0 means no response arrived. */
enum aws_outcome aws_error_classify(long status, const char *code);
/* The one-line hint for an outcome; region and host complete some of them, message and
 * transport_error are searched for the missing action and the curl error. */
void aws_error_hint(enum aws_outcome o, const char *message, const char *region, const char *host,
                    const char *transport_error, char *out, size_t outsz);
/*
 * Makes text from a server or a helper safe to show and to keep in artefacts, the one way every
 * such text is cleaned: each known value in secrets (at least 4 bytes long; NULL entries are
 * skipped) and its form-urlencoded spelling, and every run that looks like a secret (20 or more
 * base64/JWT characters mixing upper case, lower case and digits the way random keys and tokens
 * do), become "<redacted>"; control characters become spaces. Access key ids, ARNs, error names
 * and request ids stay. The text stays NUL-terminated within textsz.
 */
void aws_error_scrub(char *text, size_t textsz, const char *const *secrets, size_t nsecrets);

#endif

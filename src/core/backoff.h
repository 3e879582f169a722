/*
 * Retry delays: exponential backoff with full jitter, as the AWS Architecture Blog recommends
 * ("Exponential Backoff And Jitter",
 * https://aws.amazon.com/blogs/architecture/exponential-backoff-and-jitter/). Pure: the caller
 * supplies the random draw.
 */
#ifndef CDCTOP_BACKOFF_H
#define CDCTOP_BACKOFF_H

struct backoff_policy {
    double base_s; /* the ceiling after the first failure */
    double cap_s;  /* the ceiling never grows past this */
    double min_s;  /* full jitter may draw 0: never retry sooner than this */
};

/* The delay before the next try after `failures` consecutive failures (>= 1): uniform in
 * [min_s, min(cap_s, base_s * 2^(failures-1))], placed by unit (a random draw in [0, 1)). */
double backoff_delay(const struct backoff_policy *p, unsigned failures, double unit);

/* The largest delay backoff_delay can give after `failures` failures. */
double backoff_ceiling(const struct backoff_policy *p, unsigned failures);

#endif

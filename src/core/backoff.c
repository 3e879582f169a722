/* Exponential backoff with full jitter (backoff.h). */
#include "config.h"

#include "backoff.h"

#include <math.h>

double backoff_ceiling(const struct backoff_policy *p, unsigned failures)
{
    unsigned doublings = failures > 1 ? failures - 1 : 0;
    double ceiling = p->base_s * pow(2.0, doublings > 30 ? 30 : doublings);
    if (ceiling > p->cap_s)
        ceiling = p->cap_s;
    return ceiling < p->min_s ? p->min_s : ceiling;
}

double backoff_delay(const struct backoff_policy *p, unsigned failures, double unit)
{
    if (!(unit >= 0))
        unit = 0;
    if (unit >= 1)
        unit = 0.999999;
    double d = backoff_ceiling(p, failures) * unit;
    return d < p->min_s ? p->min_s : d;
}

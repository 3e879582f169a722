/* Names of the change kinds and record formats, as shown in the UI and written to reports. */
#include "config.h"

#include "change.h"

static const char *const cdc_kind_names[CDC_KIND_COUNT] = {
    [CDC_INSERT] = "insert",
    [CDC_UPDATE] = "update",
    [CDC_DELETE] = "delete",
    [CDC_UPSERT] = "upsert",
};

static const char *const cdc_format_names[CDC_FMT_COUNT] = {
    [CDC_FMT_DSQL] = "dsql",
};

const char *cdc_kind_name(enum cdc_kind k)
{
    if ((unsigned)k >= CDC_KIND_COUNT)
        return "?";
    return cdc_kind_names[k];
}

const char *cdc_format_name(enum cdc_format f)
{
    if ((unsigned)f >= CDC_FMT_COUNT)
        return "?";
    return cdc_format_names[f];
}

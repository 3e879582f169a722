/* The `s` key: a JSON report plus every screen rendered off-screen as plain text. */
#ifndef CDCTOP_UI_SNAPSHOT_H
#define CDCTOP_UI_SNAPSHOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "view.h"

struct ui_snapshot_req {
    const struct model *m;
    const struct view_ops *const *views; /* indexed by enum view_id */
    int64_t now_ms;
    int rows, cols;      /* size the screens are rendered at */
    const char *dir;     /* created when missing */
    uint64_t max_rows;   /* rows[] bound in the JSON */
    const char *version; /* program version for the JSON */
};

/* Writes DIR/BASE.json and DIR/BASE.txt. msg gets "snapshot written: ..." or the error. */
bool ui_snapshot_write(const struct ui_snapshot_req *req, char *msg, size_t msglen);

#endif

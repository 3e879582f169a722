/*
 * libFuzzer harness for the record decoder and everything behind it (key identity, row store,
 * metrics, JSON snapshot). The input is split on 0x00 bytes into several records so that split
 * changes (chunked head + fragments) and redeliveries are exercised across records.
 *
 *   ./configure CC=clang --enable-fuzzing && make fuzz FUZZ_SECONDS=60
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "buf.h"
#include "jscan.h"
#include "model.h"
#include "report.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct model_config cfg;
    model_config_defaults(&cfg);
    cfg.decoder.max_pending_bytes = 1 << 16;
    cfg.rows.max_bytes = 1 << 18;
    cfg.rows.history = 64;
    struct model *m = model_new(&cfg, 1705318200000);
    unsigned shard = model_shard(m, "shardId-000000000000");
    int64_t now = 1705318200000;
    const char *p = (const char *)data, *end = p + size;
    while (p <= end) {
        const char *nul = memchr(p, '\0', (size_t)(end - p));
        size_t len = nul ? (size_t)(nul - p) : (size_t)(end - p);
        struct cdc_raw raw = {
            .data = p, .len = len, .shard = shard, .seq = "1", .seq_len = 1, .arrival_ms = now};
        model_ingest(m, &raw, now++);
        if (!nul)
            break;
        p = nul + 1;
    }
    model_tick(m, now + 10 * 60 * 1000); /* expire whatever is left half-assembled */
    struct buf out;
    struct report_opts ro = {.max_rows = REPORT_ROWS_ALL, .program_version = "fuzz"};
    buf_init(&out);
    report_json(m, &ro, now, &out);
    /* The snapshot must always be valid JSON, whatever went in. */
    if (!jscan_validate(out.data, out.len, NULL, NULL))
        __builtin_trap();
    buf_free(&out);
    model_free(m);
    return 0;
}

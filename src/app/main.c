/* cdctop: a terminal console for change-data-capture pipelines. */
#include "config.h"

#include <ev.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "clock.h"
#include "errmsg.h"
#include "exitcode.h"
#include "headless.h"
#include "live.h"
#include "model.h"
#include "options.h"
#include "recorder.h"
#include "redact.h"
#include "session.h"
#include "src-demo.h"
#include "src-kinesis.h"
#include "src-replay.h"
#include "ui.h"

/* Reads the config file (unless told not to), then the command line over it. */
static bool load_options(struct options *o, int argc, char **argv)
{
    struct options probe;
    char path[4096];
    options_defaults(&probe);
    if (!options_parse_args(&probe, argc, argv, stderr)) {
        options_free(&probe);
        return false;
    }
    bool skip = probe.no_config || probe.help || probe.version;
    const char *explicit_path = probe.config ? probe.config : NULL;
    if (!skip) {
        if (explicit_path) {
            if (options_load_file(o, explicit_path, stderr) < 0) {
                options_free(&probe);
                return false;
            }
        } else if (options_default_config_path(path, sizeof path) && access(path, F_OK) == 0) {
            options_load_file(o, path, stderr); /* a problem is reported, and the run goes on */
        }
    }
    options_free(&probe);
    return options_parse_args(o, argc, argv, stderr);
}

/* The key of the indexes of names from records: random, so nobody can pick names that collide
 * (without it, the indexes still work, only predictably). */
static void hash_key(struct hashidx_key *key)
{
    if (getentropy(key, sizeof *key) != 0)
        memset(key, 0, sizeof *key);
}

static void model_config_from(struct model_config *cfg, const struct options *o)
{
    model_config_defaults(cfg);
    hash_key(&cfg->hash_key);
    cfg->decoder.max_pending_bytes = o->fragment_buffer;
    cfg->decoder.fragment_timeout_ms = (int64_t)(o->fragment_timeout * 1000);
    /* An undecodable record's bytes may hold the very values being redacted. */
    cfg->decoder.no_sample_bytes = o->redact_values || (o->redact && *o->redact);
    cfg->rows.max_bytes = o->max_memory;
    cfg->rows.versions = (unsigned)(o->versions > 4096 ? 4096 : o->versions);
    cfg->rows.history = (unsigned)(o->history > (1u << 26) ? (1u << 26) : o->history);
    cfg->latency_window_ms = (int64_t)(o->latency_window * 1000);
    /* checked when the options were read: these parse */
    for (unsigned i = 0; i < o->nthreshold; i++) {
        char err[160];
        readout_threshold_parse(&cfg->thresholds, o->threshold[i], err, sizeof err);
    }
    cfg->basis =
        o->time_basis && strcmp(o->time_basis, "commit") == 0 ? BASIS_COMMIT : BASIS_ARRIVAL;
}

static bool configure_keys(struct model *m, const struct options *o)
{
    for (unsigned i = 0; i < o->npk; i++) {
        const char *err;
        if (!model_configure_pk(m, o->pk[i], &err)) {
            errmsg("--pk %s: %s", o->pk[i], err);
            return false;
        }
    }
    return true;
}

static struct source *make_live_source(struct model *m, const struct options *o)
{
    struct live_opts lo = {
        .stream = o->stream,
        .dlq = o->dlq,
        .region = o->region,
        .profile = o->profile,
        .endpoint_url = o->endpoint_url,
        .from = o->from,
        .read_rate = o->read_rate,
        .read_limit = (unsigned)(o->read_limit > 10000 ? 10000 : o->read_limit),
        .relist_s = o->relist,
        .dlq_interval_s = o->dlq_interval,
        .user_agent = "cdctop/" PACKAGE_VERSION,
        .warn = o->headless ? stderr : NULL,
    };
    return live_new(m, &lo);
}

/* NULL, with the reason on stderr, when the recording cannot be read. */
static struct source *make_replay_source(struct ev_loop *loop, struct model *m,
                                         const struct options *o)
{
    char err[512];
    struct replay_opts ro = {.path = o->replay, .warn = o->headless ? stderr : NULL};
    src_replay_parse_speed(o->speed ? o->speed : "1", &ro.speed);
    struct source *src = src_replay_new(m, loop, &ro, err, sizeof err);
    if (!src)
        errmsg("--replay: %s", err);
    return src;
}

static struct source *make_source(struct ev_loop *loop, struct model *m, const struct options *o)
{
    if (o->replay)
        return make_replay_source(loop, m, o);
    if (o->stream)
        return make_live_source(m, o);
    struct demo_opts d = {
        .seed = o->seed,
        .rate = o->demo_rate,
        .limit = o->demo_limit,
        .shards = (unsigned)(o->demo_shards ? (o->demo_shards > 256 ? 256 : o->demo_shards) : 4),
    };
    return src_demo_new(m, &d);
}

static struct recorder *start_recording(struct ev_loop *loop, struct model *m, struct source *src,
                                        const struct options *o)
{
    char err[512];
    struct recorder_opts ro = {
        .path = o->record, .max_bytes = o->record_max_bytes, .program = PACKAGE_STRING};
    struct recorder *rec = recorder_new(loop, m, &ro, err, sizeof err);
    if (!rec) {
        errmsg("--record: %s", err);
        return NULL;
    }
    recorder_attach(rec, src);
    return rec;
}

/* Closes the recording and says what it holds. False when it is incomplete. */
static bool finish_recording(struct recorder *rec, const struct options *o)
{
    char err[512];
    struct recorder_stats st;
    struct buf said;
    bool ok = recorder_close(rec, &st, err, sizeof err);
    buf_init(&said);
    buf_printf(&said, "recorded %llu", (unsigned long long)(st.records - st.lost));
    if (st.lost)
        buf_printf(&said, " of %llu", (unsigned long long)st.records);
    buf_printf(&said, " records to %s", o->record);
    if (st.files > 1)
        buf_printf(&said, " and %s.1 to %s.%u", o->record, o->record, st.files - 1);
    errmsg("%s", said.data);
    buf_free(&said);
    if (!ok)
        errmsg("--record: %s", err);
    return ok;
}

/* The redaction key: random, drawn once per run and never written anywhere. */
static bool redaction_key(unsigned char key[REDACT_KEY_BYTES])
{
    if (getentropy(key, REDACT_KEY_BYTES) == 0)
        return true;
    FILE *f = fopen("/dev/urandom", "rb");
    bool ok = f && fread(key, 1, REDACT_KEY_BYTES, f) == REDACT_KEY_BYTES;
    if (f)
        fclose(f);
    return ok;
}

static bool configure_redaction(struct model *m, const struct options *o)
{
    unsigned char key[REDACT_KEY_BYTES];
    const char *err;

    if (!o->redact && !o->redact_values)
        return true;
    if (!redaction_key(key)) {
        errmsg("--redact: cannot read random bytes for the hash key");
        return false;
    }
    struct redact *r = redact_new(key);
    memset(key, 0, sizeof key);
    if (o->redact && !redact_add(r, o->redact, &err)) {
        errmsg("--redact %s: %s", o->redact, err);
        redact_free(r);
        return false;
    }
    redact_set_all_values(r, o->redact_values);
    model_set_redaction(m, r);
    return true;
}

static int run(const struct options *o)
{
    struct ev_loop *loop = ev_default_loop(EVFLAG_AUTO);
    struct model_config cfg;
    if (!loop) {
        errmsg("cannot initialise the event loop");
        return EXITCODE_USAGE;
    }
    model_config_from(&cfg, o);
    struct model *m = model_new(&cfg, clock_now_ms(loop));
    if (!configure_keys(m, o) || !configure_redaction(m, o)) {
        model_free(m);
        return EXITCODE_USAGE;
    }
    struct source *src = make_source(loop, m, o);
    if (!src) {
        model_free(m);
        ev_loop_destroy(loop);
        return EXITCODE_USAGE;
    }
    struct recorder *rec = NULL;
    if (o->record && !(rec = start_recording(loop, m, src, o))) {
        src->ops->free(src);
        model_free(m);
        ev_loop_destroy(loop);
        return EXITCODE_USAGE;
    }
    struct session_config sc = {
        .loop = loop,
        .m = m,
        .src = src,
        .snapshot_dir = o->snapshot_dir,
        .snapshot_rows = o->snapshot_rows,
        .report_rows = o->report_rows,
        .snapshot_every = o->snapshot_every,
        .version = PACKAGE_STRING,
        .offscreen = o->headless,
        .ascii = o->ascii,
    };
    struct session *session = session_new(&sc);
    int status;
    if (o->headless) {
        status = headless_run(session, o, PACKAGE_STRING);
    } else {
        struct ui_opts uo = {
            .theme = o->theme,
            .theme_dir = o->theme_dir,
            .ascii = o->ascii,
            .refresh_s = o->refresh,
        };
        status = ui_run(session, &uo);
    }
    session_free(session);
    if (rec && !finish_recording(rec, o) && status == EXITCODE_OK)
        status = EXITCODE_OUTPUT;
    src->ops->free(src);
    model_free(m);
    ev_loop_destroy(loop);
    return status;
}

/* Exactly one source, and the live options make sense. Messages go to stderr. */
static bool source_options_ok(const struct options *o)
{
    char err[256];
    double speed;
    if (o->replay && (o->demo || o->stream)) {
        errmsg("--replay reads a recording: give it without --demo or --stream");
        return false;
    }
    if (o->speed && !o->replay) {
        errmsg("--speed needs --replay");
        return false;
    }
    if (o->speed && !src_replay_parse_speed(o->speed, &speed)) {
        errmsg("--speed %s: expected a number above 0 or max", o->speed);
        return false;
    }
    if (o->record && (o->redact || o->redact_values)) {
        errmsg("--record keeps the raw records, values and all: it cannot be "
               "combined with --redact or --redact-values (replay the recording with "
               "them instead)");
        return false;
    }
    if (o->fail_on && strcmp(o->fail_on, "warn") != 0 && strcmp(o->fail_on, "bad") != 0 &&
        strcmp(o->fail_on, "never") != 0) {
        errmsg("--fail-on %s: expected warn, bad or never", o->fail_on);
        return false;
    }
    if (o->time_basis && strcmp(o->time_basis, "arrival") != 0 &&
        strcmp(o->time_basis, "commit") != 0) {
        errmsg("--time-basis %s: expected arrival or commit", o->time_basis);
        return false;
    }
    if (o->record_max_bytes && !o->record) {
        errmsg("--record-max-bytes needs --record");
        return false;
    }
    if (o->demo && o->stream) {
        errmsg("give either --demo or --stream, not both");
        return false;
    }
    if (!o->demo && !o->stream && !o->replay) {
        errmsg("nothing to watch: give --stream NAME, --demo or --replay FILE "
               "(see cdctop --help)");
        return false;
    }
    if (o->dlq && !o->stream) {
        errmsg("--dlq needs --stream (the demo has its own DLQ)");
        return false;
    }
    if (o->stream && !*o->stream) {
        errmsg("--stream needs a stream name or ARN");
        return false;
    }
    if (!src_kinesis_check_from(o->from, err, sizeof err)) {
        errmsg("--from %s: %s", o->from, err);
        return false;
    }
    if (o->read_limit < 1 || o->read_limit > 10000) {
        errmsg("--read-limit must be between 1 and 10000");
        return false;
    }
    return true;
}

int main(int argc, char **argv)
{
    struct options o;
    char why[512];
    setlocale(LC_ALL, "");
    options_defaults(&o);
    if (!load_options(&o, argc, argv)) {
        options_free(&o);
        return EXITCODE_USAGE;
    }
    int status = EXITCODE_OK;
    if (o.help) {
        options_usage(stdout);
    } else if (o.version) {
        printf("%s\n", PACKAGE_STRING);
    } else if (!source_options_ok(&o)) {
        status = EXITCODE_USAGE;
    } else if (!o.headless && (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO))) {
        errmsg("the console needs a terminal; use --headless without one");
        status = EXITCODE_USAGE;
    } else if (!o.headless && !ui_term_usable(STDOUT_FILENO, why, sizeof why)) {
        errmsg("%s", why);
        status = EXITCODE_USAGE;
    } else {
        status = run(&o);
    }
    options_free(&o);
    return status;
}

/* cdctop: a terminal console for change-data-capture pipelines. */
#include "config.h"

#include <ev.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "headless.h"
#include "model.h"
#include "options.h"
#include "src-demo.h"
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
                fprintf(stderr, "cdctop: cannot read config file %s\n", explicit_path);
                options_free(&probe);
                return false;
            }
        } else if (options_default_config_path(path, sizeof path) &&
                   access(path, F_OK) == 0) {
            if (options_load_file(o, path, stderr) < 0)
                fprintf(stderr, "cdctop: cannot read config file %s\n", path);
        }
    }
    options_free(&probe);
    return options_parse_args(o, argc, argv, stderr);
}

static void model_config_from(struct model_config *cfg, const struct options *o)
{
    model_config_defaults(cfg);
    cfg->decoder.max_pending_bytes = o->fragment_buffer;
    cfg->decoder.fragment_timeout_ms = (int64_t)(o->fragment_timeout * 1000);
    cfg->rows.max_bytes = o->max_memory;
    cfg->rows.versions = (unsigned)(o->versions > 4096 ? 4096 : o->versions);
    cfg->rows.history = (unsigned)(o->history > (1u << 26) ? (1u << 26) : o->history);
    cfg->latency_window_ms = (int64_t)(o->latency_window * 1000);
}

static bool configure_keys(struct model *m, const struct options *o)
{
    for (unsigned i = 0; i < o->npk; i++) {
        const char *err;
        if (!model_configure_pk(m, o->pk[i], &err)) {
            fprintf(stderr, "cdctop: --pk %s: %s\n", o->pk[i], err);
            return false;
        }
    }
    return true;
}

static struct source *make_source(struct model *m, const struct options *o)
{
    struct demo_opts d = {
        .seed = o->seed,
        .rate = o->demo_rate,
        .limit = o->demo_limit,
        .shards = (unsigned)(o->demo_shards ? (o->demo_shards > 256 ? 256 : o->demo_shards) : 4),
    };
    return src_demo_new(m, &d);
}

static int run(const struct options *o)
{
    struct ev_loop *loop = ev_default_loop(EVFLAG_AUTO);
    struct model_config cfg;
    if (!loop) {
        fprintf(stderr, "cdctop: cannot initialise the event loop\n");
        return 1;
    }
    model_config_from(&cfg, o);
    struct model *m = model_new(&cfg, clock_now_ms(loop));
    if (!configure_keys(m, o)) {
        model_free(m);
        return 2;
    }
    struct source *src = make_source(m, o);
    int status;
    if (o->headless) {
        status = headless_run(loop, m, src, o, PACKAGE_STRING);
    } else {
        struct ui_opts uo = {
            .theme = o->theme,
            .theme_dir = o->theme_dir,
            .ascii = o->ascii,
            .snapshot_dir = o->snapshot_dir,
            .snapshot_rows = o->snapshot_rows,
            .refresh_s = o->refresh,
            .version = PACKAGE_STRING,
        };
        status = ui_run(loop, m, src, &uo);
    }
    src->ops->free(src);
    model_free(m);
    ev_loop_destroy(loop);
    return status;
}

int main(int argc, char **argv)
{
    struct options o;
    setlocale(LC_ALL, "");
    options_defaults(&o);
    if (!load_options(&o, argc, argv)) {
        options_free(&o);
        return 2;
    }
    int status = 0;
    if (o.help) {
        options_usage(stdout);
    } else if (o.version) {
        printf("%s\n", PACKAGE_STRING);
    } else if (!o.demo) {
        fprintf(stderr, "cdctop: nothing to watch: give --demo (see cdctop --help)\n");
        status = 2;
    } else if (!o.headless && (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO))) {
        fprintf(stderr, "cdctop: the console needs a terminal; use --headless without one\n");
        status = 2;
    } else {
        status = run(&o);
    }
    options_free(&o);
    return status;
}

/*
 * The UI's glue to the event loop. Watchers only record what changed (dirty flags); the single
 * ev_prepare watcher draws, at most every refresh_s seconds for data and at once for keys,
 * with wnoutrefresh on each window and one doupdate.
 */
#include "config.h"

#include <langinfo.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include <ev.h>

#include "clock.h"
#include "fmt.h"
#include "escape.h"
#include "model.h"
#include "source.h"
#include "ui-curses.h"
#include "ui-draw.h"
#include "ui-snapshot.h"
#include "ui-theme.h"
#include "ui.h"
#include "view.h"
#include "xalloc.h"

#define UI_MIN_COLS        60
#define UI_MIN_ROWS        16
#define UI_STACK_MAX       8
#define UI_MESSAGE_SECS    15.0
#define UI_DEFAULT_REFRESH 0.25
#define UI_ESCDELAY_MS     100 /* how long a lone Esc waits for the rest of a key sequence */
#define UI_MAX_EMPTY_READS 1000
#define UI_HISTORY_SECS    900 /* how far back the time cursor goes (the series keep more) */

/* The screens, in the order of enum view_id. */
static const struct view_ops *const ui_views[VIEW_COUNT] = {
    [VIEW_OVERVIEW] = &view_overview_ops, [VIEW_SHARDS] = &view_shards_ops,
    [VIEW_DETAIL] = &view_detail_ops,     [VIEW_ROWS] = &view_rows_ops,
    [VIEW_EVENTS] = &view_events_ops,     [VIEW_HELP] = &view_help_ops,
};

/* Screens that Tab cycles through. */
static const enum view_id ui_cycle[] = {VIEW_OVERVIEW, VIEW_SHARDS, VIEW_EVENTS, VIEW_ROWS};

enum ui_dirty {
    UI_DIRTY_DATA = 1 << 0,   /* the model changed or time moved (ignored while paused) */
    UI_DIRTY_STATUS = 1 << 1, /* the status line changed */
    UI_DIRTY_ALL = 1 << 2,    /* a key or a resize: redraw everything now */
};

struct ui {
    struct ev_loop *loop;
    struct model *m;
    struct source *src;
    const struct ui_opts *opts;
    double refresh_s;

    SCREEN *screen;
    WINDOW *body;   /* everything above the status line */
    WINDOW *status; /* the bottom line */

    void *state[VIEW_COUNT];
    enum view_id stack[UI_STACK_MAX]; /* screens opened on top of each other */
    int depth;
    unsigned table; /* selected table, shared by the views */

    unsigned dirty;       /* enum ui_dirty */
    unsigned empty_reads; /* stdin readable but no key, in a row */
    bool paused;
    bool quit;
    int64_t at_ms;     /* time cursor: start of the second shown, 0 = now */
    bool every_failed; /* the last automatic snapshot failed */
    double last_draw;  /* ev_now of the last body redraw */

    char message[512];
    bool message_error;
    double message_at;

    ev_io input;
    ev_signal sig_winch, sig_int, sig_term, sig_hup;
    ev_timer tick;  /* 1 s: model_tick, and time-based numbers move */
    ev_timer delay; /* one-shot: a redraw that was too soon for refresh_s */
    ev_timer every; /* --snapshot-every */
    ev_prepare prepare;

    void (*saved_changed)(void *ctx);
    void *saved_changed_ctx;
};

/* curses is active: the fatal hook must restore the terminal (it takes no context). */
static bool ui_curses_active;

static void ui_restore_terminal(void)
{
    if (ui_curses_active) {
        endwin();
        ui_curses_active = false;
    }
}

static void ui_mark(struct ui *ui, unsigned what)
{
    ui->dirty |= what;
}

static void ui_message(struct ui *ui, const char *text, bool error)
{
    snprintf(ui->message, sizeof ui->message, "%s", text);
    ui->message_error = error;
    ui->message_at = ev_now(ui->loop);
    ui_mark(ui, UI_DIRTY_STATUS);
}

static enum view_id ui_current(const struct ui *ui)
{
    return ui->stack[ui->depth - 1];
}

/* Screens that follow the time cursor. */
static bool ui_time_view(enum view_id id)
{
    return id == VIEW_OVERVIEW || id == VIEW_DETAIL;
}

/* The oldest second the time cursor may show: 15 minutes back, and not before the start. */
static int64_t ui_time_oldest(const struct ui *ui, int64_t now_ms)
{
    int64_t oldest = now_ms / 1000 - 1 - UI_HISTORY_SECS;
    return ui->m->started_ms / 1000 > oldest ? ui->m->started_ms / 1000 : oldest;
}

/* The time cursor for a frame at now_ms, kept inside the history (0: now). */
static int64_t ui_time_at(const struct ui *ui, int64_t now_ms)
{
    int64_t oldest = ui_time_oldest(ui, now_ms);
    if (!ui->at_ms || !ui_time_view(ui_current(ui)))
        return 0;
    return ui->at_ms / 1000 < oldest ? oldest * 1000 : ui->at_ms;
}

static struct view_env ui_env(const struct ui *ui)
{
    struct view_env env = {
        .m = ui->m,
        .now_ms = clock_now_ms(ui->loop),
        .table = ui->table,
        .paused = ui->paused,
        .source_done = ui->src && ui->src->ops->finished && ui->src->ops->finished(ui->src),
    };
    env.at_ms = ui_time_at(ui, env.now_ms);
    return env;
}

/* Moves the time cursor by delta seconds, within the history; reaching the newest complete
 * second (what "now" shows) returns to now. */
static void ui_time_move(struct ui *ui, int delta)
{
    int64_t now_ms = clock_now_ms(ui->loop);
    int64_t newest = now_ms / 1000 - 1, oldest = ui_time_oldest(ui, now_ms);
    int64_t at = ui_time_at(ui, now_ms);
    int64_t sec = (at ? at / 1000 : newest) + delta;

    if (sec < oldest)
        sec = oldest;
    ui->at_ms = sec >= newest ? 0 : sec * 1000;
}

/* --- screen stack --------------------------------------------------------- */

static void ui_reset_view(struct ui *ui, enum view_id id)
{
    ui_views[id]->free(ui->state[id]);
    ui->state[id] = ui_views[id]->init();
}

static void ui_push(struct ui *ui, enum view_id id, bool fresh)
{
    if (ui_current(ui) == id)
        return;
    if (fresh)
        ui_reset_view(ui, id);
    if (ui->depth < UI_STACK_MAX)
        ui->depth++;
    ui->stack[ui->depth - 1] = id;
}

static void ui_set_root(struct ui *ui, enum view_id id)
{
    ui->depth = 1;
    ui->stack[0] = id;
    if (id == VIEW_DETAIL) { /* detail is opened from the overview, so q goes back there */
        ui->stack[0] = VIEW_OVERVIEW;
        ui_push(ui, VIEW_DETAIL, false);
    }
}

/* Position in the Tab cycle of the screen the current one belongs to (the nearest cycle screen
 * down the stack: Table detail and Help count as what they were opened from). */
static int ui_cycle_position(const struct ui *ui)
{
    int n = (int)(sizeof ui_cycle / sizeof ui_cycle[0]);
    for (int d = ui->depth - 1; d >= 0; d--)
        for (int i = 0; i < n; i++)
            if (ui_cycle[i] == ui->stack[d])
                return i;
    return 0;
}

/* Tab and Shift-Tab: the next or previous top-level screen. */
static void ui_cycle_screens(struct ui *ui, int step)
{
    int n = (int)(sizeof ui_cycle / sizeof ui_cycle[0]);
    ui_set_root(ui, ui_cycle[(ui_cycle_position(ui) + step + n) % n]);
}

/* --- leaving ------------------------------------------------------------------ */

static void ui_stop_watchers(struct ui *ui)
{
    ev_io_stop(ui->loop, &ui->input);
    ev_signal_stop(ui->loop, &ui->sig_winch);
    ev_signal_stop(ui->loop, &ui->sig_int);
    ev_signal_stop(ui->loop, &ui->sig_term);
    ev_signal_stop(ui->loop, &ui->sig_hup);
    ev_timer_stop(ui->loop, &ui->tick);
    ev_timer_stop(ui->loop, &ui->delay);
    ev_timer_stop(ui->loop, &ui->every);
    ev_prepare_stop(ui->loop, &ui->prepare);
}

static void ui_quit(struct ui *ui)
{
    if (ui->quit)
        return;
    ui->quit = true;
    ui_stop_watchers(ui);
    if (ui->src && ui->src->ops && ui->src->ops->stop)
        ui->src->ops->stop(ui->src);
    ev_break(ui->loop, EVBREAK_ALL);
}

/* --- keys ----------------------------------------------------------------- */

/* A snapshot set of the present (whatever the time cursor shows). */
static bool ui_snapshot_set(struct ui *ui, char *msg, size_t msglen)
{
    struct view_env env = ui_env(ui);
    struct ui_snapshot_req req = {
        .m = ui->m,
        .now_ms = env.now_ms,
        .dir = ui->opts->snapshot_dir,
        .max_rows = ui->opts->snapshot_rows,
        .html_rows = ui->opts->report_rows,
        .version = ui->opts->version,
        .source_done = env.source_done,
    };
    return ui_snapshot_write(&req, msg, msglen);
}

static void ui_snapshot(struct ui *ui)
{
    char msg[sizeof ui->message];
    bool ok = ui_snapshot_set(ui, msg, sizeof msg);
    ui_message(ui, msg, !ok);
}

/* --snapshot-every: failures show on the status line (and when they stop); successes do not,
 * or the key hints would never be seen. */
static void ui_every_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
    struct ui *ui = w->data;
    char msg[sizeof ui->message];
    (void)revents;

    model_tick(ui->m, clock_now_ms(loop));
    bool ok = ui_snapshot_set(ui, msg, sizeof msg);
    if (!ok || ui->every_failed)
        ui_message(ui, msg, !ok);
    ui->every_failed = !ok;
    /* the next one a whole interval after this one ended: slow snapshots never starve the loop */
    ev_now_update(loop);
    ev_timer_again(loop, w);
}

/* Keys every screen shares, after the screen declined them. */
static void ui_global_key(struct ui *ui, int key)
{
    switch (key) {
    case 'q':
    case VIEW_KEY_ESC:
        if (ui->depth > 1)
            ui->depth--;
        else if (key == 'q')
            ui_quit(ui);
        break;
    case '\t':
        ui_cycle_screens(ui, 1);
        break;
    case VIEW_KEY_FN(KEY_BTAB):
        ui_cycle_screens(ui, -1);
        break;
    case '1':
    case '2':
    case '3':
    case '4':
    case '5': {
        static const enum view_id jump[] = {VIEW_OVERVIEW, VIEW_SHARDS, VIEW_DETAIL, VIEW_ROWS,
                                            VIEW_EVENTS};
        ui_set_root(ui, jump[key - '1']);
        break;
    }
    case 'e':
        ui_set_root(ui, VIEW_EVENTS);
        break;
    case 'p':
        ui->paused = !ui->paused;
        break;
    case '[':
    case ']':
    case '{':
    case '}':
        if (ui_time_view(ui_current(ui)))
            ui_time_move(ui, key == '[' ? -1 : key == ']' ? 1 : key == '{' ? -10 : 10);
        break;
    case 's':
        ui_snapshot(ui);
        break;
    case '?':
    case VIEW_KEY_FN(KEY_F(1)):
        if (ui_current(ui) == VIEW_HELP)
            ui->depth--;
        else
            ui_push(ui, VIEW_HELP, true);
        break;
    case VIEW_KEY_CTRL('l'):
        clearok(curscr, TRUE);
        break;
    default:
        return;
    }
}

static void ui_key(struct ui *ui, int key)
{
    enum view_id id = ui_current(ui);
    const struct view_ops *ops = ui_views[id];
    struct view_env env = ui_env(ui);
    bool prompting = ops->prompt && ops->prompt(ui->state[id]);

    ui_mark(ui, UI_DIRTY_ALL);
    if (key == VIEW_KEY_FN(KEY_RESIZE))
        return;
    if (!prompting && key == VIEW_KEY_FN(KEY_END) && ui_time_at(ui, env.now_ms)) {
        ui->at_ms = 0; /* End leaves the past first */
        return;
    }
    enum view_result r = ops->key(ui->state[id], &env, key);
    ui->table = env.table;
    if (prompting)
        return;
    switch (r) {
    case VIEW_HANDLED:
        break;
    case VIEW_OPEN_DETAIL:
        ui_push(ui, VIEW_DETAIL, true);
        break;
    case VIEW_OPEN_ROWS:
        ui_push(ui, VIEW_ROWS, true);
        break;
    case VIEW_IGNORED:
        ui_global_key(ui, key);
        break;
    }
}

/* --- drawing -------------------------------------------------------------- */

/* (Re)creates the body and status windows for the current terminal size. */
static void ui_layout(struct ui *ui)
{
    if (ui->body)
        delwin(ui->body);
    if (ui->status)
        delwin(ui->status);
    int body_rows = LINES > 1 ? LINES - 1 : 1;
    ui->body = newwin(body_rows, COLS > 0 ? COLS : 1, 0, 0);
    ui->status = newwin(1, COLS > 0 ? COLS : 1, LINES > 1 ? LINES - 1 : 0, 0);
    if (!ui->body || !ui->status) {
        ui_restore_terminal();
        fprintf(stderr, "cdctop: cannot create curses windows\n");
        abort();
    }
    ui_mark(ui, UI_DIRTY_ALL);
}

static bool ui_too_small(void)
{
    return COLS < UI_MIN_COLS || LINES < UI_MIN_ROWS;
}

/* The size message, wrapped at word boundaries to fit narrow terminals. */
static void ui_draw_too_small(struct ui *ui)
{
    char text[160];
    const char *words[16];
    int nwords = 0, y = 0, x = 0;

    werase(ui->body);
    werase(ui->status);
    snprintf(text, sizeof text, "terminal too small: need %dx%d, have %dx%d (q quits)", UI_MIN_COLS,
             UI_MIN_ROWS, COLS, LINES);
    for (char *tok = strtok(text, " "); tok && nwords < 16; tok = strtok(NULL, " "))
        words[nwords++] = tok;
    for (int i = 0; i < nwords; i++) {
        int len = (int)strlen(words[i]);
        if (x > 0 && x + 1 + len > COLS) {
            y++;
            x = 0;
        }
        x += x > 0 ? 1 : 0;
        x += ui_put(ui->body, y, x, COLS - x, ui_attr(UI_WARN), words[i]);
    }
    wnoutrefresh(ui->body);
    wnoutrefresh(ui->status);
}

/* Screen name, PAUSED, then the prompt, a message or the key hints. A message that does not fit
 * takes the screen name's place, so a snapshot path stays readable at 80 columns. */
static void ui_draw_status(struct ui *ui)
{
    const struct view_ops *ops = ui_views[ui_current(ui)];
    const char *prompt = ops->prompt ? ops->prompt(ui->state[ui_current(ui)]) : NULL;
    int width = getmaxx(ui->status), x = 0;
    struct buf msg;

    buf_init(&msg);
    ui_escaped(&msg, ui->message, strlen(ui->message));
    bool show_msg = !prompt && msg.len > 0;
    int name_width = ui_width(ops->name) + 2, paused_width = ui->paused ? 9 : 0;
    bool show_name = !show_msg || name_width + paused_width + 1 + ui_width(msg.data) <= width;

    werase(ui->status);
    ui_fill(ui->status, 0, 0, width, ui_attr(UI_STATUS));
    if (show_name)
        x = ui_putf(ui->status, 0, 0, width, ui_attr(UI_STATUS_SCREEN), " %s ", ops->name) + 1;
    if (ui->paused)
        x += ui_put(ui->status, 0, x, width - x, ui_attr(UI_PAUSED), " PAUSED ") + 1;
    if (prompt) {
        x += ui_put(ui->status, 0, x, width - x - 1, ui_attr(UI_PROMPT), prompt);
        ui_put(ui->status, 0, x, 1, ui_attr(UI_PROMPT) | A_REVERSE, " "); /* the cursor */
    } else if (show_msg) {
        ui_put(ui->status, 0, x, width - x, ui_attr(ui->message_error ? UI_ERROR : UI_MESSAGE),
               msg.data);
    } else if (ui->m->status.level >= ALERT_WARN) {
        /* The source's latest problem stays in sight on every screen until it clears. */
        buf_reset(&msg);
        ui_escaped(&msg, ui->m->status.text,
                   strnlen(ui->m->status.text, sizeof ui->m->status.text));
        ui_put(ui->status, 0, x, width - x,
               ui_attr(ui->m->status.level == ALERT_ERROR ? UI_ERROR : UI_MESSAGE), msg.data);
    } else {
        ui_put(ui->status, 0, x, width - x, ui_attr(UI_STATUS), ops->hints);
    }
    buf_free(&msg);
    wnoutrefresh(ui->status);
}

/* The line above a screen that shows the past, so it cannot be taken for the present. */
static void ui_draw_time_banner(WINDOW *w, int64_t at_ms, int64_t now_ms)
{
    char when[FMT_LEN], ago[FMT_LEN];
    attr_t attr = ui_attr(UI_PAUSED);

    fmt_time_ns(when, sizeof when, at_ms * 1000000, FMT_CLOCK_MS);
    fmt_age(ago, sizeof ago, (now_ms / 1000 - 1) * 1000 - at_ms);
    ui_fill(w, 0, 0, getmaxx(w), attr);
    ui_putf(w, 0, 0, getmaxx(w), attr,
            " AT %.8s UTC (-%s)  End: back to now  [ ] 1s  { } 10s  (rates, latencies and the "
            "DLQ as they were; totals are current)",
            when, ago);
}

static void ui_draw_body(struct ui *ui)
{
    enum view_id id = ui_current(ui);
    struct view_env env = ui_env(ui);
    WINDOW *below = NULL;

    werase(ui->body);
    if (env.at_ms && getmaxy(ui->body) > 2)
        below = derwin(ui->body, getmaxy(ui->body) - 1, getmaxx(ui->body), 1, 0);
    if (below) {
        ui_views[id]->draw(ui->state[id], &env, below);
        delwin(below);
        ui_draw_time_banner(ui->body, env.at_ms, env.now_ms);
        touchwin(ui->body); /* the changes went through the subwindow */
    } else {
        ui_views[id]->draw(ui->state[id], &env, ui->body);
    }
    ui->table = env.table;
    wnoutrefresh(ui->body);
}

/* Draws the status line, and the body too when with_body; then one doupdate. */
static void ui_render(struct ui *ui, bool with_body)
{
    if (ui_too_small()) {
        ui_draw_too_small(ui);
    } else {
        if (with_body)
            ui_draw_body(ui);
        ui_draw_status(ui);
    }
    doupdate();
    if (with_body) {
        ui->last_draw = ev_now(ui->loop);
        ui->dirty = 0;
    }
    ui->dirty &= ~(unsigned)UI_DIRTY_STATUS; /* data changes while paused wait for the resume */
}

static void ui_prepare_cb(struct ev_loop *loop, ev_prepare *w, int revents)
{
    struct ui *ui = w->data;
    (void)revents;

    if (ui->quit)
        return;
    bool urgent = ui->dirty & UI_DIRTY_ALL;
    bool data = (ui->dirty & UI_DIRTY_DATA) && !ui->paused;
    bool status = ui->dirty & UI_DIRTY_STATUS;
    if (!urgent && data) {
        double wait = ui->last_draw + ui->refresh_s - ev_now(loop);
        if (wait > 0) { /* too soon: come back when refresh_s has passed */
            if (!ev_is_active(&ui->delay)) {
                ev_timer_set(&ui->delay, wait, 0.);
                ev_timer_start(loop, &ui->delay);
            }
            data = false;
        }
    }
    if (urgent || data || status)
        ui_render(ui, urgent || data);
}

/* Only wakes the loop so the prepare watcher runs again. */
static void ui_delay_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
    (void)loop;
    (void)w;
    (void)revents;
}

static void ui_input_cb(struct ev_loop *loop, ev_io *w, int revents)
{
    struct ui *ui = w->data;
    wint_t ch;
    int r;
    (void)loop;
    (void)revents;

    bool any = false;
    while (!ui->quit && (r = get_wch(&ch)) != ERR) {
        any = true;
        ui_key(ui, r == KEY_CODE_YES ? VIEW_KEY_FN((int)ch) : (int)ch);
    }
    /* A terminal that is gone stays readable and yields no keys: leave instead of spinning. */
    ui->empty_reads = any ? 0 : ui->empty_reads + 1;
    if (ui->empty_reads > UI_MAX_EMPTY_READS)
        ui_quit(ui);
}

static void ui_resize(struct ui *ui)
{
    struct winsize ws;
    if ((ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 || ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) == 0) &&
        ws.ws_row > 0 && ws.ws_col > 0)
        resizeterm(ws.ws_row, ws.ws_col);
    /* stdscr was resized and touched; refresh it now so get_wch does not blank the screen */
    wnoutrefresh(stdscr);
    ui_layout(ui);
}

static void ui_signal_cb(struct ev_loop *loop, ev_signal *w, int revents)
{
    struct ui *ui = w->data;
    (void)loop;
    (void)revents;

    if (w->signum == SIGWINCH)
        ui_resize(ui);
    else
        ui_quit(ui);
}

static void ui_tick_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
    struct ui *ui = w->data;
    (void)revents;

    model_tick(ui->m, clock_now_ms(loop));
    ui_mark(ui, UI_DIRTY_DATA);
    if (ui->message[0] && ev_now(loop) - ui->message_at > UI_MESSAGE_SECS) {
        ui->message[0] = '\0';
        ui_mark(ui, UI_DIRTY_STATUS);
    }
}

static void ui_source_changed(void *ctx)
{
    ui_mark(ctx, UI_DIRTY_DATA);
}

static void ui_watch(struct ui *ui)
{
    struct ev_loop *loop = ui->loop;

    ev_io_init(&ui->input, ui_input_cb, STDIN_FILENO, EV_READ);
    ev_signal_init(&ui->sig_winch, ui_signal_cb, SIGWINCH);
    ev_signal_init(&ui->sig_int, ui_signal_cb, SIGINT);
    ev_signal_init(&ui->sig_term, ui_signal_cb, SIGTERM);
    ev_signal_init(&ui->sig_hup, ui_signal_cb, SIGHUP);
    ev_timer_init(&ui->tick, ui_tick_cb, 1., 1.);
    ev_timer_init(&ui->delay, ui_delay_cb, 0., 0.);
    ev_timer_init(&ui->every, ui_every_cb, ui->opts->snapshot_every, ui->opts->snapshot_every);
    ui->every.data = ui;
    ev_prepare_init(&ui->prepare, ui_prepare_cb);
    ui->input.data = ui->sig_winch.data = ui->sig_int.data = ui->sig_term.data = ui;
    ui->sig_hup.data = ui->tick.data = ui->delay.data = ui->prepare.data = ui;
    /* signals first, so curses finds SIGWINCH taken and leaves resizing to us */
    ev_signal_start(loop, &ui->sig_winch);
    ev_signal_start(loop, &ui->sig_int);
    ev_signal_start(loop, &ui->sig_term);
    ev_signal_start(loop, &ui->sig_hup);
}

static void ui_watch_start(struct ui *ui)
{
    ev_io_start(ui->loop, &ui->input);
    ev_timer_start(ui->loop, &ui->tick);
    if (ui->opts->snapshot_every > 0)
        ev_timer_start(ui->loop, &ui->every);
    ev_prepare_start(ui->loop, &ui->prepare);
}

/* --- setup ---------------------------------------------------------------- */

static bool ui_locale_utf8(void)
{
    const char *codeset = nl_langinfo(CODESET);
    return codeset && (strcmp(codeset, "UTF-8") == 0 || strcmp(codeset, "utf8") == 0);
}

static bool ui_curses_start(struct ui *ui)
{
    ui->screen = newterm(NULL, stdout, stdin);
    if (!ui->screen) {
        const char *term = getenv("TERM") ? getenv("TERM") : "unset";
        char shown[256];

        escape_into(shown, sizeof shown, term, strlen(term));
        fprintf(stderr, "cdctop: cannot start the terminal UI (TERM=%s)\n", shown);
        return false;
    }
    if (!getenv("ESCDELAY"))
        set_escdelay(UI_ESCDELAY_MS);
    ui_curses_active = true;
    xalloc_set_fatal_hook(ui_restore_terminal);
    cbreak();
    noecho();
    keypad(stdscr, TRUE);
    nodelay(stdscr, TRUE);
    curs_set(0);
    refresh(); /* clear once; stdscr is never drawn again */

    const char *no_color = getenv("NO_COLOR");
    struct ui_theme_opts topts = {
        .name = ui->opts->theme,
        .dir = ui->opts->theme_dir,
        .colour = !(no_color && *no_color),
    };
    char warn[sizeof ui->message];
    ui_theme_load(&topts, warn, sizeof warn);
    if (warn[0])
        ui_message(ui, warn, true);
    ui_draw_set_utf8(ui_locale_utf8() && !ui->opts->ascii);
    ui_layout(ui);
    return true;
}

/* Hooks the source's change notification and starts it before the terminal is taken over, so a
 * failure can still be reported on stderr. */
static bool ui_source_start(struct ui *ui)
{
    struct source *src = ui->src;
    char err[512] = "";

    if (!src)
        return true;
    ui->saved_changed = src->changed;
    ui->saved_changed_ctx = src->changed_ctx;
    src->changed = ui_source_changed;
    src->changed_ctx = ui;
    if (src->ops->start && src->ops->start(src, ui->loop, err, sizeof err) != 0) {
        char shown[2048];

        escape_into(shown, sizeof shown, err, strlen(err));
        fprintf(stderr, "cdctop: %s\n", shown[0] ? shown : "cannot start the source");
        return false;
    }
    return true;
}

static void ui_curses_end(struct ui *ui)
{
    if (ui->body)
        delwin(ui->body);
    if (ui->status)
        delwin(ui->status);
    ui_restore_terminal();
    xalloc_set_fatal_hook(NULL);
    if (ui->screen)
        delscreen(ui->screen);
    ui_draw_release();
}

int ui_run(struct ev_loop *loop, struct model *m, struct source *src, const struct ui_opts *opts)
{
    struct ui *ui = xcalloc(1, sizeof *ui);

    ui->loop = loop;
    ui->m = m;
    ui->src = src;
    ui->opts = opts;
    ui->refresh_s = opts->refresh_s > 0 ? opts->refresh_s : UI_DEFAULT_REFRESH;
    ui->depth = 1;
    ui->stack[0] = VIEW_OVERVIEW;
    for (int i = 0; i < VIEW_COUNT; i++)
        ui->state[i] = ui_views[i]->init();

    ui_watch(ui);
    int status = 0;
    if (ui_source_start(ui) && ui_curses_start(ui)) {
        ui_watch_start(ui);
        ui_mark(ui, UI_DIRTY_ALL);
        ev_run(loop, 0);
    } else {
        status = 2; /* could not start: cdctop(1), EXIT STATUS */
    }
    ui_quit(ui); /* also when the loop ended by itself */
    if (src) {
        src->changed = ui->saved_changed;
        src->changed_ctx = ui->saved_changed_ctx;
    }
    ui_curses_end(ui);
    for (int i = 0; i < VIEW_COUNT; i++)
        ui_views[i]->free(ui->state[i]);
    free(ui);
    return status;
}

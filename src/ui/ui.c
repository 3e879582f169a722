/*
 * The console: the session's front end on a terminal (session.h starts the source, ticks, writes
 * automatic snapshots and handles the stop signals). Watchers only record what changed (dirty
 * flags); the single ev_prepare watcher draws, at most every refresh_s seconds for data and at
 * once for keys, with wnoutrefresh on each window and one doupdate. Keys become actions through
 * the key table (ui-keys.h): the screen gets each action first, the console what it ignores.
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
#include "session.h"
#include "ui-curses.h"
#include "ui-draw.h"
#include "ui-keys.h"
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
#define UI_CSI_MAX         32  /* bytes of an escape sequence read before giving up on it */
#define UI_GOTO_MAX        40  /* characters of a time typed after t */

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
    struct session *s;
    struct ev_loop *loop;
    struct model *m;
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

    /* t: a time being typed on the status line */
    bool goto_open;
    char goto_text[UI_GOTO_MAX + 1];
    char goto_prompt[UI_GOTO_MAX + 64];

    ev_io input;
    ev_signal sig_winch;
    ev_timer delay; /* one-shot: a redraw that was too soon for refresh_s */
    ev_prepare prepare;
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

/* The oldest second the time cursor may show: where the timeline begins (what --from read
 * included; cdctop's start while that is not known), and at most 15 minutes back. */
static int64_t ui_time_oldest(const struct ui *ui, int64_t now_ms)
{
    int64_t oldest = now_ms / 1000 - 1 - UI_HISTORY_SECS;
    int64_t begin = model_timeline_start(ui->m);
    if (begin == CDC_TIME_NONE)
        begin = ui->m->started_ms;
    return begin / 1000 > oldest ? begin / 1000 : oldest;
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
        .source_done = session_source_done(ui->s),
        .console = true,
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

/* The time cursor on the second holding ms, within the timeline; says where it went when that is
 * not where it was asked to go. */
static void ui_time_goto(struct ui *ui, int64_t ms)
{
    char when[FMT_LEN], text[160];
    int64_t now_ms = clock_now_ms(ui->loop);
    int64_t newest = now_ms / 1000 - 1, oldest = ui_time_oldest(ui, now_ms);
    int64_t sec = ms / 1000;

    if (sec >= newest) {
        ui->at_ms = 0;
        ui_message(ui, "go to time: that is now, or later: showing now", false);
        return;
    }
    if (sec < oldest) {
        fmt_time_ms(when, sizeof when, oldest * 1000, FMT_CLOCK);
        snprintf(text, sizeof text, "go to time: the timeline begins at %s UTC: showing that",
                 when);
        ui_message(ui, text, false);
        sec = oldest;
    }
    ui->at_ms = sec * 1000;
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

static void ui_quit(struct ui *ui)
{
    session_stop(ui->s, "quit");
}

/* The session stops (a key, a signal, the source's end): so do the console's own watchers. */
static void ui_on_stop(void *ctx, const char *why)
{
    struct ui *ui = ctx;
    (void)why;
    ui->quit = true;
    ev_io_stop(ui->loop, &ui->input);
    ev_signal_stop(ui->loop, &ui->sig_winch);
    ev_timer_stop(ui->loop, &ui->delay);
    ev_prepare_stop(ui->loop, &ui->prepare);
}

/* --- keys ----------------------------------------------------------------- */

/* A snapshot set's path or failure on the status line; --snapshot-every shows only failures (and
 * when they stop), or the key hints would never be seen. Events lists every one. */
static void ui_on_snapshot_result(void *ctx, bool ok, bool automatic, const char *msg)
{
    struct ui *ui = ctx;
    if (!automatic || !ok || ui->every_failed)
        ui_message(ui, msg, !ok);
    if (automatic)
        ui->every_failed = !ok;
    ui_mark(ui, UI_DIRTY_DATA);
}

static void ui_retry(struct ui *ui)
{
    char msg[sizeof ui->message];
    session_retry(ui->s, msg, sizeof msg);
    ui_message(ui, msg, false);
}

static void ui_goto_update(struct ui *ui)
{
    snprintf(ui->goto_prompt, sizeof ui->goto_prompt,
             "go to time (-5m, 22:04, 2026-12-07T22:04:00Z): %s", ui->goto_text);
}

static void ui_goto_open(struct ui *ui)
{
    ui->goto_open = true;
    ui->goto_text[0] = '\0';
    ui_goto_update(ui);
}

static void ui_goto_apply(struct ui *ui)
{
    char text[UI_GOTO_MAX + 128];
    const char *t = ui->goto_text;
    int64_t ms;

    ui->goto_open = false;
    while (*t == ' ')
        t++;
    if (!*t)
        return;
    if (!fmt_parse_moment(t, clock_now_ms(ui->loop), &ms)) {
        snprintf(text, sizeof text,
                 "go to time: cannot read \"%s\" (e.g. -5m, 22:04, 22:04:30, "
                 "2026-12-07T22:04:00Z)",
                 t);
        ui_message(ui, text, true);
        return;
    }
    ui_time_goto(ui, ms);
}

/* Keys while a time is typed after t: Enter goes there, Esc cancels. */
static void ui_goto_key(struct ui *ui, int key)
{
    size_t len = strlen(ui->goto_text);

    if (view_key_is_enter(key)) {
        ui_goto_apply(ui);
        return;
    }
    if (key == VIEW_KEY_ESC || key == VIEW_KEY_CTRL('c') || key == VIEW_KEY_CTRL('g')) {
        ui->goto_open = false;
        return;
    }
    if (view_key_is_backspace(key) && len > 0) {
        ui->goto_text[len - 1] = '\0';
    } else if (key == VIEW_KEY_CTRL('u')) {
        ui->goto_text[0] = '\0';
    } else if (key >= 0x20 && key < 0x7f && len < UI_GOTO_MAX) { /* times are ASCII */
        ui->goto_text[len] = (char)key;
        ui->goto_text[len + 1] = '\0';
    }
    ui_goto_update(ui);
}

static void ui_help_toggle(struct ui *ui)
{
    if (ui_current(ui) == VIEW_HELP)
        ui->depth--;
    else
        ui_push(ui, VIEW_HELP, true);
}

/* The time cursor's actions, on the screens that follow it; false elsewhere. */
static bool ui_time_act(struct ui *ui, enum view_action action)
{
    if (!ui_time_view(ui_current(ui)))
        return false;
    switch (action) {
    case VA_TIME_BACK:
        ui_time_move(ui, -1);
        return true;
    case VA_TIME_FORWARD:
        ui_time_move(ui, 1);
        return true;
    case VA_TIME_BACK_10:
        ui_time_move(ui, -10);
        return true;
    case VA_TIME_FORWARD_10:
        ui_time_move(ui, 10);
        return true;
    case VA_TIME_NOW: /* only while the cursor shows the past; otherwise End is the list's */
        if (!ui_time_at(ui, clock_now_ms(ui->loop)))
            return false;
        ui->at_ms = 0;
        return true;
    case VA_TIME_GOTO:
        ui_goto_open(ui);
        return true;
    default:
        return false;
    }
}

/* What the console does with an action the screen ignored; false when it does nothing. */
static bool ui_console_act(struct ui *ui, enum view_action action)
{
    switch (action) {
    case VA_BACK:
        if (ui->depth <= 1)
            return false;
        ui->depth--;
        return true;
    case VA_CLOSE:
        if (ui->depth > 1)
            ui->depth--;
        else
            ui_quit(ui);
        return true;
    case VA_NEXT_SCREEN:
    case VA_PREV_SCREEN:
        ui_cycle_screens(ui, action == VA_NEXT_SCREEN ? 1 : -1);
        return true;
    case VA_GO_OVERVIEW:
        ui_set_root(ui, VIEW_OVERVIEW);
        return true;
    case VA_GO_SHARDS:
        ui_set_root(ui, VIEW_SHARDS);
        return true;
    case VA_GO_DETAIL:
        ui_set_root(ui, VIEW_DETAIL);
        return true;
    case VA_GO_ROWS:
        ui_set_root(ui, VIEW_ROWS);
        return true;
    case VA_GO_EVENTS:
        ui_set_root(ui, VIEW_EVENTS);
        return true;
    case VA_HELP:
        ui_help_toggle(ui);
        return true;
    case VA_PAUSE:
        ui->paused = !ui->paused;
        return true;
    case VA_SNAPSHOT:
        session_snapshot(ui->s, false, NULL, 0);
        return true;
    case VA_RETRY:
        ui_retry(ui);
        return true;
    case VA_REDRAW:
        clearok(curscr, TRUE);
        return true;
    default:
        return ui_time_act(ui, action);
    }
}

/* One action: the screen first, then the console. False when neither did anything. */
static bool ui_act(struct ui *ui, struct view_env *env, enum view_action action)
{
    enum view_id id = ui_current(ui);
    enum view_result r = ui_views[id]->act(ui->state[id], env, action);

    ui->table = env->table;
    switch (r) {
    case VIEW_HANDLED:
        return true;
    case VIEW_OPEN_DETAIL:
        ui_push(ui, VIEW_DETAIL, true);
        return true;
    case VIEW_OPEN_ROWS:
        ui_push(ui, VIEW_ROWS, true);
        return true;
    case VIEW_IGNORED:
        break;
    }
    return ui_console_act(ui, action);
}

/* One key: to a prompt being typed as it is, else through the key table, its actions tried in
 * the table's order until one does something. */
static void ui_key(struct ui *ui, int key)
{
    enum view_id id = ui_current(ui);
    const struct view_ops *ops = ui_views[id];
    struct view_env env = ui_env(ui);
    enum view_action actions[4];

    ui_mark(ui, UI_DIRTY_ALL);
    if (key == VIEW_KEY_FN(KEY_RESIZE))
        return;
    if (ui->goto_open) {
        ui_goto_key(ui, key);
        return;
    }
    if (ops->prompt && ops->prompt(ui->state[id])) {
        ops->type(ui->state[id], &env, key);
        ui->table = env.table;
        return;
    }
    unsigned n = ui_keys_actions(id, key, actions, sizeof actions / sizeof actions[0]);
    for (unsigned i = 0; i < n && !ui->quit; i++)
        if (ui_act(ui, &env, actions[i]))
            break;
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
    char hints[256];
    struct buf msg;

    if (ui->goto_open)
        prompt = ui->goto_prompt;
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
        ui_keys_hints(ui_current(ui), hints, sizeof hints);
        ui_put(ui->status, 0, x, width - x, ui_attr(UI_STATUS), hints);
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
            " AT %.8s UTC (-%s)  End: back to now  [ ] 1s  { } 10s  t: go to  (rates, latencies "
            "and the DLQ as they were, vs now: the change since; totals are current)",
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

/* The next key from curses, or ERR when none is waiting. */
static int ui_next_key(void)
{
    wint_t ch;
    int r = get_wch(&ch);
    if (r == ERR)
        return ERR;
    return r == KEY_CODE_YES ? VIEW_KEY_FN((int)ch) : (int)ch;
}

/* One pass of ui_escape; true when what followed the Esc was another Esc, which starts over. */
static bool ui_escape_once(struct ui *ui)
{
    int key = ui_next_key();

    if (key == ERR) {
        ui_key(ui, VIEW_KEY_ESC);
        return false;
    }
    if (key == VIEW_KEY_ESC) { /* Esc, Esc */
        ui_key(ui, VIEW_KEY_ESC);
        return true;
    }
    if (key == 'O') {
        int final = ui_next_key();
        if (final == ERR) { /* Esc, then O */
            ui_key(ui, VIEW_KEY_ESC);
            ui_key(ui, 'O');
        } else if (final == VIEW_KEY_ESC) {
            return true;
        } else if (final < 0x20 || final > 0x7e) {
            ui_key(ui, final); /* not a sequence: dropped, the key stands */
        }
        return false;
    }
    if (key != '[') {
        ui_key(ui, VIEW_KEY_ESC);
        ui_key(ui, key);
        return false;
    }
    for (int n = 0;; n++) {
        int b = ui_next_key();
        if (b == ERR) {
            if (n == 0) { /* Esc, then [ */
                ui_key(ui, VIEW_KEY_ESC);
                ui_key(ui, '[');
            }
            return false; /* a sequence cut short: dropped */
        }
        if (b >= 0x40 && b <= 0x7e)
            return false; /* the final byte: the whole sequence is swallowed */
        if (b >= 0x20 && b <= 0x3f && n < UI_CSI_MAX)
            continue;
        /* not a sequence after all, or an endless one: dropped; a key that broke it stands */
        if (b == VIEW_KEY_ESC)
            return true;
        if (b < 0x20 || b > 0x7e)
            ui_key(ui, b);
        return false;
    }
}

/*
 * After an Esc: a lone Esc, Esc and a key typed right after it, or a sequence the terminal sent
 * for a key curses does not know, which is swallowed whole instead of being read as Esc, '[',
 * '1', '~' (Esc going back, '[' moving the time cursor...). ECMA-48: a control sequence is ESC [,
 * parameter and intermediate bytes (0x20-0x3f), then one final byte (0x40-0x7e); SS3 is ESC O
 * and one byte. curses hands back the bytes of a sequence it does not know at once, so what
 * follows is already waiting; a lone Esc has nothing after it.
 */
static void ui_escape(struct ui *ui)
{
    while (!ui->quit && ui_escape_once(ui))
        ;
}

static void ui_input_cb(struct ev_loop *loop, ev_io *w, int revents)
{
    struct ui *ui = w->data;
    int key;
    (void)loop;
    (void)revents;

    bool any = false;
    while (!ui->quit && (key = ui_next_key()) != ERR) {
        any = true;
        if (key == VIEW_KEY_ESC)
            ui_escape(ui);
        else
            ui_key(ui, key);
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

static void ui_winch_cb(struct ev_loop *loop, ev_signal *w, int revents)
{
    (void)loop;
    (void)revents;
    ui_resize(w->data);
}

/* Every second (the session ticked the model): time-based figures move, old messages go. */
static void ui_on_tick(void *ctx, int64_t now_ms)
{
    struct ui *ui = ctx;
    (void)now_ms;

    ui_mark(ui, UI_DIRTY_DATA);
    if (ui->message[0] && ev_now(ui->loop) - ui->message_at > UI_MESSAGE_SECS) {
        ui->message[0] = '\0';
        ui_mark(ui, UI_DIRTY_STATUS);
    }
}

static void ui_on_changed(void *ctx)
{
    ui_mark(ctx, UI_DIRTY_DATA);
}

static void ui_watch(struct ui *ui)
{
    ev_io_init(&ui->input, ui_input_cb, STDIN_FILENO, EV_READ);
    ev_signal_init(&ui->sig_winch, ui_winch_cb, SIGWINCH);
    ev_timer_init(&ui->delay, ui_delay_cb, 0., 0.);
    ev_prepare_init(&ui->prepare, ui_prepare_cb);
    ui->input.data = ui->sig_winch.data = ui->delay.data = ui->prepare.data = ui;
    /* before curses starts, so it finds SIGWINCH taken and leaves resizing to us */
    ev_signal_start(ui->loop, &ui->sig_winch);
}

static void ui_watch_start(struct ui *ui)
{
    ev_io_start(ui->loop, &ui->input);
    ev_prepare_start(ui->loop, &ui->prepare);
}

/* --- setup ---------------------------------------------------------------- */

/*
 * What terminals send for Home, End, PgUp, PgDn and the arrows, whatever their terminfo entry
 * says: inside tmux or screen with TERM=xterm-256color, Home arrives as ESC [ 1 ~ while the
 * entry says ESC O H. Only sequences curses does not know yet are added.
 */
static void ui_define_keys(void)
{
    static const struct {
        const char *seq;
        int key;
    } extra[] = {
        {"\033[1~", KEY_HOME},  {"\033[7~", KEY_HOME}, {"\033[H", KEY_HOME},
        {"\033OH", KEY_HOME},   {"\033[4~", KEY_END},  {"\033[8~", KEY_END},
        {"\033[F", KEY_END},    {"\033OF", KEY_END},   {"\033[5~", KEY_PPAGE},
        {"\033[6~", KEY_NPAGE}, {"\033[A", KEY_UP},    {"\033OA", KEY_UP},
        {"\033[B", KEY_DOWN},   {"\033OB", KEY_DOWN},  {"\033[C", KEY_RIGHT},
        {"\033OC", KEY_RIGHT},  {"\033[D", KEY_LEFT},  {"\033OD", KEY_LEFT},
        {"\033[Z", KEY_BTAB},
    };
    for (size_t i = 0; i < sizeof extra / sizeof extra[0]; i++)
        if (key_defined(extra[i].seq) == 0)
            define_key(extra[i].seq, extra[i].key);
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
    ui_define_keys();
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

static const struct session_front ui_front = {
    .on_tick = ui_on_tick,
    .on_changed = ui_on_changed,
    .on_snapshot_result = ui_on_snapshot_result,
    .on_stop = ui_on_stop,
    .stop_on_hangup = true,
};

int ui_run(struct session *s, const struct ui_opts *opts)
{
    struct ui *ui = xcalloc(1, sizeof *ui);

    ui->s = s;
    ui->loop = session_loop(s);
    ui->m = session_model(s);
    ui->opts = opts;
    ui->refresh_s = opts->refresh_s > 0 ? opts->refresh_s : UI_DEFAULT_REFRESH;
    ui->depth = 1;
    ui->stack[0] = VIEW_OVERVIEW;
    for (int i = 0; i < VIEW_COUNT; i++)
        ui->state[i] = ui_views[i]->init();

    session_attach(s, &ui_front, ui);
    ui_watch(ui);
    int status = 0;
    /* the source before the terminal is taken over, so a failure can still be told on stderr */
    if (session_start(s) && ui_curses_start(ui)) {
        ui_watch_start(ui);
        ui_mark(ui, UI_DIRTY_ALL);
        session_run(s);
    } else {
        status = 2; /* could not start: cdctop(1), EXIT STATUS */
    }
    session_stop(s, "quit"); /* also when it could not start */
    session_attach(s, NULL, NULL);
    ui_curses_end(ui);
    for (int i = 0; i < VIEW_COUNT; i++)
        ui_views[i]->free(ui->state[i]);
    free(ui);
    return status;
}

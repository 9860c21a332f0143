#ifndef ANONVIS_CNCURSESW_SHIM_H
#define ANONVIS_CNCURSESW_SHIM_H
#define NCURSES_WIDECHAR 1
#define _XOPEN_SOURCE_EXTENDED 1
#include <locale.h>
#include <signal.h>
#include <ncursesw/curses.h>
#include <ncursesw/term.h>

static inline int cnc_lines(void) { return LINES; }
static inline int cnc_cols(void) { return COLS; }
static inline int cnc_colors(void) { return COLORS; }
static inline WINDOW *cnc_stdscr(void) { return stdscr; }
static inline attr_t cnc_color_pair(int n) { return (attr_t)COLOR_PAIR(n); }
static inline attr_t cnc_a_bold(void) { return A_BOLD; }
static inline attr_t cnc_a_dim(void) { return A_DIM; }
static inline attr_t cnc_a_reverse(void) { return A_REVERSE; }
static inline attr_t cnc_a_underline(void) { return A_UNDERLINE; }
static inline int cnc_key_resize(void) { return KEY_RESIZE; }
static inline int cnc_key_mouse(void) { return KEY_MOUSE; }
/* Asks for presses of the first button and the wheel, reported at once (no click interval). */
static inline void cnc_enable_mouse(void) {
#if NCURSES_MOUSE_VERSION > 1
  mousemask(BUTTON1_PRESSED | BUTTON4_PRESSED | BUTTON5_PRESSED, 0);
#else
  mousemask(BUTTON1_PRESSED | BUTTON4_PRESSED, 0);
#endif
  mouseinterval(0);
}
/* The pending mouse event: 1 a press of the first button, 2 the wheel up, 3 the wheel down,
 * 0 anything else or none; its cell in *x, *y. */
static inline int cnc_get_mouse(int *x, int *y) {
  MEVENT e;
  if (getmouse(&e) != OK) return 0;
  *x = e.x;
  *y = e.y;
  if (e.bstate & BUTTON1_PRESSED) return 1;
  if (e.bstate & BUTTON4_PRESSED) return 2;
#if NCURSES_MOUSE_VERSION > 1
  if (e.bstate & BUTTON5_PRESSED) return 3;
#endif
  return 0;
}
static inline SCREEN *cnc_newterm(const char *type) { return newterm(type, stdout, stdin); }
static inline void cnc_flush_stdout(void) { fflush(stdout); }

/* Signals that end the session: every signal whose default action ends the process (SIGINT,
 * SIGTERM, SIGHUP, SIGQUIT - no backtrace over the screen - SIGPIPE, SIGALRM, SIGUSR1/2, the
 * timers, the resource limits and the real-time signals). The handler only records the signal;
 * the app loop restores the terminal and exits (endwin is not async-signal-safe). */
static volatile sig_atomic_t cnc_pending_signal = 0;
static inline void cnc_on_signal(int sig) { cnc_pending_signal = sig; }
static inline void cnc_install_signal_handlers(void) {
  static const int ending[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGPIPE, SIGALRM, SIGUSR1, SIGUSR2,
                               SIGVTALRM, SIGPROF, SIGXCPU, SIGXFSZ, SIGIO, SIGPWR, SIGSTKFLT};
  struct sigaction sa;
  sa.sa_handler = cnc_on_signal;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = 0;
  /* Whatever started us may have blocked signals; a terminal program needs these delivered. */
  sigset_t unblock;
  sigemptyset(&unblock);
  sigaddset(&unblock, SIGWINCH);
  sigaddset(&unblock, SIGTSTP);
  sigaddset(&unblock, SIGCONT);
  for (unsigned i = 0; i < sizeof ending / sizeof ending[0]; i++) {
    sigaddset(&unblock, ending[i]);
    sigaction(ending[i], &sa, 0);
  }
  for (int sig = SIGRTMIN; sig <= SIGRTMAX; sig++) {
    sigaddset(&unblock, sig);
    sigaction(sig, &sa, 0);
  }
  sigprocmask(SIG_UNBLOCK, &unblock, 0);
}
/* A fatal error (a trap, a bad access, an abort) restores the terminal before the default
 * action runs, so a crash never leaves the user's terminal raw. */
static inline void cnc_on_fatal(int sig) {
  endwin();
  signal(sig, SIG_DFL);
  raise(sig);
}
static inline void cnc_install_fatal_handlers(void) {
  signal(SIGSEGV, cnc_on_fatal);
  signal(SIGBUS, cnc_on_fatal);
  signal(SIGILL, cnc_on_fatal);
  signal(SIGTRAP, cnc_on_fatal);
  signal(SIGABRT, cnc_on_fatal);
  signal(SIGFPE, cnc_on_fatal);
  signal(SIGSYS, cnc_on_fatal);
}
static inline int cnc_take_signal(void) { int s = cnc_pending_signal; cnc_pending_signal = 0; return s; }
#endif

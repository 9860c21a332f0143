// anonvis-conform-exec: the executor of `anonvis conform` (Docs/conformance.md).
//
// It runs a scene's processes as real processes on the machine's kernel. `anonvis conform`
// starts it with pipes on its standard input and output and sends one command a line; it
// answers one line for each ("ok", "ok PID", "err TEXT", "timeout", "died"). The executor is
// the root of the scene's processes: it forks one process for each `spawn`, and a scene
// process forks its own child for `fork`. Each scene process is driven over its own
// SOCK_SEQPACKET socket (fixed-size messages); the socket for a forked child is passed to its
// parent with SCM_RIGHTS before the fork.
//
// Commands (addresses in hex, sizes in pages):
//   spawn ID                     a new process with no scene mapping; answers "ok PID"
//   ID fork NEWID                ID forks; the child is NEWID; answers "ok PID"
//   ID mmap ADDR N FLAGS         private anonymous mapping at ADDR (MAP_FIXED_NOREPLACE,
//                                MADV_NOHUGEPAGE); FLAGS: 1 MAP_GROWSDOWN, 2 MADV_MERGEABLE
//   ID write ADDR N              a write to each page (a value no other write uses)
//   ID read ADDR N               a read of each page
//   ID poke ADDR VALUE           writes VALUE (hex) at ADDR: pages given equal values are
//                                what ksmd merges (every other write is unique)
//   ksm-scan                     runs ksmd until /sys/kernel/mm/ksm/full_scans advanced by 3
//                                (a deadline on progress), then restores every knob it set
//   ID munmap ADDR N
//   ID mprotect ADDR N ro|rw
//   ID mremap ADDR N TO FLAGS    mremap(ADDR, N, N, MREMAP_MAYMOVE|MREMAP_FIXED, TO); FLAGS: 1
//                                MREMAP_DONTUNMAP
//   ID exit                      the process exits; answered once its mm is gone
//   ID crash | ID hang           test hooks: a crash (SIGSEGV) and a step that never ends
//   quit                         kill every scene process, reap them all, exit
//
// Every scene process is killed and reaped on every exit path: on "quit", end of input, a
// step over its time limit, a crashed scene process, SIGTERM/SIGINT/SIGHUP to the executor,
// and the death of `anonvis` (PR_SET_PDEATHSIG sends SIGTERM). The executor is a child
// subreaper, so the children of exited scene processes come back to it to be reaped, and a
// scene process exits as soon as its socket to the executor closes. Every process runs on
// one CPU (the first of the executor's affinity mask), so per-CPU page caches drain where the
// fault runs, as the model's single CPU assumes.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef MREMAP_DONTUNMAP
#define MREMAP_DONTUNMAP 4
#endif
#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000
#endif

enum { MAX_PROCS = 4096, PAGE = 4096, SCENE_FD = 3 };
enum { OP_MMAP = 1, OP_WRITE, OP_READ, OP_FORK, OP_MUNMAP, OP_MPROTECT, OP_EXIT, OP_CRASH, OP_HANG, OP_POKE, OP_MREMAP };

struct msg {
  int op;
  int arg;
  uint64_t addr;
  uint64_t pages;
  uint64_t to;  // OP_MREMAP: the new address
};

struct reply {
  int status;  // 0 or an errno
  int pid;
};

struct slot {
  int fd;   // the executor's end of the socket, -1 when none
  int pid;  // the process, while it is alive (not reaped)
};

static struct slot slots[MAX_PROCS];
static int step_timeout_ms = 30000;
static volatile sig_atomic_t stop_requested = 0;

static void on_signal(int sig) {
  (void)sig;
  stop_requested = 1;
}

// ---- the scene process ------------------------------------------------------------------

static uint64_t write_counter = 0;
// The executor's pid, inherited by every scene process: a poked page carries it beside its value,
// so ksmd never merges pages of two runs that poke the same values (tests run side by side).
static uint64_t run_salt = 0;

static void reap_children_nowait(void) {
  while (waitpid(-1, NULL, WNOHANG) > 0) {
  }
}

// Receives one message and, with it, a file descriptor if one was sent.
static ssize_t recv_msg(int fd, struct msg *m, int *passed) {
  char control[CMSG_SPACE(sizeof(int))];
  struct iovec iov = {.iov_base = m, .iov_len = sizeof *m};
  struct msghdr h = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = control, .msg_controllen = sizeof control};
  *passed = -1;
  ssize_t n;
  do {
    n = recvmsg(fd, &h, 0);
  } while (n < 0 && errno == EINTR);
  struct cmsghdr *c = CMSG_FIRSTHDR(&h);
  if (n > 0 && c && c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
    memcpy(passed, CMSG_DATA(c), sizeof(int));
  }
  return n;
}

static void answer(int status, int pid) {
  struct reply r = {.status = status, .pid = pid};
  ssize_t n;
  do {
    n = send(SCENE_FD, &r, sizeof r, MSG_NOSIGNAL);
  } while (n < 0 && errno == EINTR);
  if (n != (ssize_t)sizeof r) _exit(0);
}

static int do_mmap(const struct msg *m) {
  int flags = MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE | (m->arg & 1 ? MAP_GROWSDOWN : 0);
  void *p = mmap((void *)(uintptr_t)m->addr, m->pages * PAGE, PROT_READ | PROT_WRITE, flags, -1, 0);
  if (p == MAP_FAILED) return errno;
  if (p != (void *)(uintptr_t)m->addr) {
    munmap(p, m->pages * PAGE);
    return EEXIST;
  }
  if (madvise(p, m->pages * PAGE, MADV_NOHUGEPAGE) != 0) return errno;
  if ((m->arg & 2) && madvise(p, m->pages * PAGE, MADV_MERGEABLE) != 0) return errno;
  return 0;
}

// One scene process: answer commands on SCENE_FD until "exit" or the executor goes away.
static void scene_loop(void) {
  for (;;) {
    struct msg m;
    int passed;
    reap_children_nowait();
    ssize_t n = recv_msg(SCENE_FD, &m, &passed);
    if (n != (ssize_t)sizeof m) _exit(0);  // the executor is gone
    volatile unsigned char *base = (volatile unsigned char *)(uintptr_t)m.addr;
    switch (m.op) {
      case OP_MMAP:
        answer(do_mmap(&m), 0);
        break;
      case OP_WRITE:
        for (uint64_t i = 0; i < m.pages; i++) {
          // Distinct content per write (pid and a counter): no two pages are ever equal by accident.
          uint64_t value = ((uint64_t)getpid() << 32) | ++write_counter;
          *(volatile uint64_t *)(base + i * PAGE) = value;
        }
        answer(0, 0);
        break;
      case OP_POKE:
        *(volatile uint64_t *)base = m.pages;
        *(volatile uint64_t *)(base + sizeof(uint64_t)) = run_salt;
        answer(0, 0);
        break;
      case OP_READ: {
        unsigned sum = 0;
        for (uint64_t i = 0; i < m.pages; i++) sum += base[i * PAGE];
        (void)sum;
        answer(0, 0);
        break;
      }
      case OP_FORK: {
        if (passed < 0) {
          answer(EINVAL, 0);
          break;
        }
        pid_t pid = fork();
        if (pid == 0) {
          dup2(passed, SCENE_FD);
          close(passed);
          write_counter = 0;
          answer(0, 0);  // the new process's first answer: it is running
          continue;
        }
        close(passed);
        answer(pid < 0 ? errno : 0, pid < 0 ? 0 : pid);
        break;
      }
      case OP_MUNMAP:
        answer(munmap((void *)(uintptr_t)m.addr, m.pages * PAGE) == 0 ? 0 : errno, 0);
        break;
      case OP_MPROTECT: {
        int prot = m.arg ? PROT_READ | PROT_WRITE : PROT_READ;
        answer(mprotect((void *)(uintptr_t)m.addr, m.pages * PAGE, prot) == 0 ? 0 : errno, 0);
        break;
      }
      case OP_MREMAP: {
        int flags = MREMAP_MAYMOVE | MREMAP_FIXED | (m.arg & 1 ? MREMAP_DONTUNMAP : 0);
        void *to = mremap((void *)(uintptr_t)m.addr, m.pages * PAGE, m.pages * PAGE, flags, (void *)(uintptr_t)m.to);
        answer(to == MAP_FAILED ? errno : (to == (void *)(uintptr_t)m.to ? 0 : EFAULT), 0);
        break;
      }
      case OP_EXIT:
        _exit(0);  // the executor waits for the socket to close: the mm is gone by then
      case OP_CRASH:
        *(volatile int *)(uintptr_t)8 = 1;
        _exit(1);
      case OP_HANG:
        for (;;) pause();
      default:
        answer(EINVAL, 0);
    }
  }
}

// ---- the executor -------------------------------------------------------------------------

// The KSM knobs `ksm-scan` sets, their values before, and whether they are changed now.
static const char *const ksm_knobs[] = {"run", "pages_to_scan", "sleep_millisecs", "smart_scan"};
enum { KSM_KNOBS = 4 };
static char ksm_saved[KSM_KNOBS][32];
static int ksm_changed = 0;
static int ksm_lock_fd = -1;

static int knob_read(const char *name, char *out, size_t size) {
  char path[96];
  snprintf(path, sizeof path, "/sys/kernel/mm/ksm/%s", name);
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  ssize_t n = read(fd, out, size - 1);
  close(fd);
  if (n <= 0) return -1;
  out[n] = 0;
  char *nl = strchr(out, '\n');
  if (nl) *nl = 0;
  return 0;
}

static int knob_write(const char *name, const char *value) {
  char path[96];
  snprintf(path, sizeof path, "/sys/kernel/mm/ksm/%s", name);
  int fd = open(path, O_WRONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  ssize_t n = write(fd, value, strlen(value));
  close(fd);
  return n == (ssize_t)strlen(value) ? 0 : -1;
}

// Puts back every knob ksm-scan changed (run last, so ksmd stops before the rest changes).
static void ksm_restore(void) {
  if (!ksm_changed) return;
  for (int i = KSM_KNOBS - 1; i >= 0; i--) knob_write(ksm_knobs[i], ksm_saved[i]);
  ksm_changed = 0;
}

static long full_scans(void) {
  char text[32];
  return knob_read("full_scans", text, sizeof text) == 0 ? atol(text) : -1;
}

static void kill_all_and_reap(void) {
  ksm_restore();
  for (int i = 0; i < MAX_PROCS; i++) {
    if (slots[i].pid > 0) kill(slots[i].pid, SIGKILL);
    if (slots[i].fd >= 0) close(slots[i].fd);
    slots[i].fd = -1;
  }
  // As a subreaper every descendant ends up a child of the executor: reap until none is left.
  while (wait(NULL) > 0 || errno == EINTR) {
  }
}

static void finish(int code) {
  kill_all_and_reap();
  _exit(code);
}

static void say(const char *text) {
  size_t len = strlen(text);
  while (len > 0) {
    ssize_t n = write(1, text, len);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) finish(1);
    text += n;
    len -= (size_t)n;
  }
}

// Waits for a scene process's answer within the step's time limit. Returns 0 with `r` filled,
// 1 when its socket closed (it exited or crashed), 2 on timeout; a stop request ends everything.
static int await_reply(int id, struct reply *r) {
  struct timespec t0;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  for (;;) {
    if (stop_requested) finish(130);
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    long elapsed = (now.tv_sec - t0.tv_sec) * 1000 + (now.tv_nsec - t0.tv_nsec) / 1000000;
    if (elapsed >= step_timeout_ms) return 2;
    struct pollfd p = {.fd = slots[id].fd, .events = POLLIN};
    int k = poll(&p, 1, (int)(step_timeout_ms - elapsed));
    if (k < 0 && errno == EINTR) continue;
    if (k <= 0) continue;
    ssize_t n = recv(slots[id].fd, r, sizeof *r, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n == (ssize_t)sizeof *r) return 0;
    return 1;
  }
}

static int send_msg(int id, const struct msg *m, int fd) {
  char control[CMSG_SPACE(sizeof(int))];
  struct iovec iov = {.iov_base = (void *)m, .iov_len = sizeof *m};
  struct msghdr h = {.msg_iov = &iov, .msg_iovlen = 1};
  if (fd >= 0) {
    memset(control, 0, sizeof control);
    h.msg_control = control;
    h.msg_controllen = sizeof control;
    struct cmsghdr *c = CMSG_FIRSTHDR(&h);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(c), &fd, sizeof(int));
  }
  ssize_t n;
  do {
    n = sendmsg(slots[id].fd, &h, MSG_NOSIGNAL);
  } while (n < 0 && errno == EINTR);
  return n == (ssize_t)sizeof *m ? 0 : -1;
}

// A scene process that stopped answering: a timeout or an unexpected end ends the run.
static void lost(int id, int why) {
  char line[96];
  snprintf(line, sizeof line, "%s %d\n", why == 2 ? "timeout" : "died", id);
  say(line);
  finish(1);
}

static void do_spawn(int id) {
  int sv[2];
  if (socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv) != 0) {
    say("err socketpair\n");
    return;
  }
  pid_t pid = fork();
  if (pid < 0) {
    close(sv[0]);
    close(sv[1]);
    say("err fork\n");
    return;
  }
  if (pid == 0) {
    // Nothing of the executor's: only the scene socket, and /dev/null for the standard files.
    int null = open("/dev/null", O_RDWR);
    dup2(sv[1], SCENE_FD);
    if (null >= 0) {
      dup2(null, 0);
      dup2(null, 1);
      dup2(null, 2);
    }
    syscall(SYS_close_range, SCENE_FD + 1, ~0U, 0);
    signal(SIGTERM, SIG_DFL);
    signal(SIGINT, SIG_DFL);
    signal(SIGHUP, SIG_DFL);
    struct rlimit nocore = {0, 0};
    setrlimit(RLIMIT_CORE, &nocore);
    scene_loop();
    _exit(0);
  }
  close(sv[1]);
  slots[id].fd = sv[0];
  slots[id].pid = pid;
  char line[64];
  snprintf(line, sizeof line, "ok %d\n", pid);
  say(line);
}

static void do_fork(int id, int child) {
  int sv[2];
  if (socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv) != 0) {
    say("err socketpair\n");
    return;
  }
  struct msg m = {.op = OP_FORK};
  if (send_msg(id, &m, sv[1]) != 0) lost(id, 1);
  close(sv[1]);
  slots[child].fd = sv[0];
  struct reply r;
  int w = await_reply(id, &r);
  if (w != 0) lost(id, w);
  if (r.status != 0) {
    close(sv[0]);
    slots[child].fd = -1;
    say("err fork failed\n");
    return;
  }
  slots[child].pid = r.pid;
  struct reply hello;
  w = await_reply(child, &hello);
  if (w != 0) lost(child, w);
  char line[64];
  snprintf(line, sizeof line, "ok %d\n", r.pid);
  say(line);
}

static void do_exit(int id) {
  struct msg m = {.op = OP_EXIT};
  if (send_msg(id, &m, -1) != 0) lost(id, 1);
  struct reply r;
  // The socket closes in exit_files(), after exit_mm() dropped the mm.
  int w = await_reply(id, &r);
  if (w == 2) lost(id, 2);
  close(slots[id].fd);
  slots[id].fd = -1;
  slots[id].pid = 0;
  while (waitpid(-1, NULL, WNOHANG) > 0) {
  }
  say("ok\n");
}

static void do_move(int id, int op, uint64_t addr, uint64_t pages, int arg, uint64_t to);

static void do_simple(int id, int op, uint64_t addr, uint64_t pages, int arg) {
  do_move(id, op, addr, pages, arg, 0);
}

static void do_move(int id, int op, uint64_t addr, uint64_t pages, int arg, uint64_t to) {
  struct msg m = {.op = op, .arg = arg, .addr = addr, .pages = pages, .to = to};
  if (send_msg(id, &m, -1) != 0) lost(id, 1);
  struct reply r;
  int w = await_reply(id, &r);
  if (w != 0) lost(id, w);
  if (r.status == 0) {
    say("ok\n");
  } else {
    char line[160];
    snprintf(line, sizeof line, "err %s\n", strerror(r.status));
    say(line);
  }
}

// Runs ksmd until full_scans advanced by 3 (one scan to checksum a page, one to find its twin,
// one to spare), with a deadline on progress: each scan must end within the step's limit.
// Only one run at a time drives ksmd (a lock file); other runs wait for it.
static void do_ksm_scan(void) {
  if (ksm_lock_fd < 0) {
    ksm_lock_fd = open("/run/anonvis-conform-ksm.lock", O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (ksm_lock_fd < 0 || flock(ksm_lock_fd, LOCK_EX) != 0) {
      say("err cannot lock /run/anonvis-conform-ksm.lock\n");
      return;
    }
  }
  for (int i = 0; i < KSM_KNOBS; i++) {
    if (knob_read(ksm_knobs[i], ksm_saved[i], sizeof ksm_saved[i]) != 0) {
      say("err cannot read /sys/kernel/mm/ksm\n");
      return;
    }
  }
  ksm_changed = 1;
  if (knob_write("smart_scan", "0") != 0 || knob_write("pages_to_scan", "10000") != 0 ||
      knob_write("sleep_millisecs", "1") != 0 || knob_write("run", "1") != 0) {
    ksm_restore();
    say("err cannot set /sys/kernel/mm/ksm\n");
    return;
  }
  long start = full_scans(), last = start;
  struct timespec t0;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  while (last >= 0 && last < start + 3) {
    if (stop_requested) finish(130);
    struct timespec pause = {0, 2000000};
    nanosleep(&pause, NULL);
    long now = full_scans();
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    if (now != last) {
      last = now;
      t0 = t;
    } else if ((t.tv_sec - t0.tv_sec) * 1000 + (t.tv_nsec - t0.tv_nsec) / 1000000 > step_timeout_ms) {
      ksm_restore();
      say("timeout ksmd\n");
      finish(1);
    }
  }
  ksm_restore();
  say(last < 0 ? "err cannot read full_scans\n" : "ok\n");
}

static int valid_id(long id) { return id >= 0 && id < MAX_PROCS; }

static void command(char *line) {
  char word[32], arg3[8];
  long id, other;
  unsigned long long addr, pages;
  if (strcmp(line, "quit") == 0) finish(0);
  if (strcmp(line, "ksm-scan") == 0) return do_ksm_scan();
  if (sscanf(line, "spawn %ld", &id) == 1 && valid_id(id) && slots[id].fd < 0) return do_spawn((int)id);
  if (sscanf(line, "%ld %31s", &id, word) != 2 || !valid_id(id) || slots[id].fd < 0) {
    say("err bad command\n");
    return;
  }
  const char *rest = strchr(line, ' ') + 1 + strlen(word);
  if (strcmp(word, "fork") == 0 && sscanf(rest, "%ld", &other) == 1 && valid_id(other) && slots[other].fd < 0) {
    return do_fork((int)id, (int)other);
  }
  if (strcmp(word, "exit") == 0) return do_exit((int)id);
  if (strcmp(word, "crash") == 0) return do_simple((int)id, OP_CRASH, 0, 0, 0);
  if (strcmp(word, "hang") == 0) return do_simple((int)id, OP_HANG, 0, 0, 0);
  if (strcmp(word, "poke") == 0 && sscanf(rest, "%llx %llx", &addr, &pages) == 2) {
    return do_simple((int)id, OP_POKE, addr, pages, 0);
  }
  unsigned long long to;
  int flags;
  if (strcmp(word, "mremap") == 0 && sscanf(rest, "%llx %llu %llx %d", &addr, &pages, &to, &flags) == 4 &&
      pages > 0 && pages <= (1ull << 20)) {
    return do_move((int)id, OP_MREMAP, addr, pages, flags, to);
  }
  int n = sscanf(rest, "%llx %llu %7s", &addr, &pages, arg3);
  if (n >= 2 && pages > 0 && pages <= (1ull << 20)) {
    if (strcmp(word, "mmap") == 0 && n == 3) return do_simple((int)id, OP_MMAP, addr, pages, atoi(arg3));
    if (strcmp(word, "write") == 0) return do_simple((int)id, OP_WRITE, addr, pages, 0);
    if (strcmp(word, "read") == 0) return do_simple((int)id, OP_READ, addr, pages, 0);
    if (strcmp(word, "munmap") == 0) return do_simple((int)id, OP_MUNMAP, addr, pages, 0);
    if (strcmp(word, "mprotect") == 0 && n == 3) {
      return do_simple((int)id, OP_MPROTECT, addr, pages, strcmp(arg3, "rw") == 0);
    }
  }
  say("err bad command\n");
}

int main(int argc, char **argv) {
  run_salt = (uint64_t)getpid();
  // argv[1]: the pid of anonvis (to notice if it died before PR_SET_PDEATHSIG took effect);
  // argv[2]: the time limit of one step in milliseconds.
  if (argc != 3) {
    fprintf(stderr, "anonvis-conform-exec: started by `anonvis conform`, not by hand\n");
    return 2;
  }
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_signal;  // no SA_RESTART: a blocked read or poll returns EINTR
  sigaction(SIGTERM, &sa, NULL);
  sigaction(SIGINT, &sa, NULL);
  sigaction(SIGHUP, &sa, NULL);
  signal(SIGPIPE, SIG_IGN);
  sigset_t unblock;
  sigemptyset(&unblock);
  sigaddset(&unblock, SIGTERM);
  sigaddset(&unblock, SIGINT);
  sigaddset(&unblock, SIGHUP);
  sigprocmask(SIG_UNBLOCK, &unblock, NULL);
  prctl(PR_SET_PDEATHSIG, SIGTERM);
  if (getppid() != atoi(argv[1])) return 1;
  prctl(PR_SET_CHILD_SUBREAPER, 1);
  step_timeout_ms = atoi(argv[2]);
  if (step_timeout_ms <= 0) step_timeout_ms = 30000;
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof set, &set) == 0) {
    for (int c = 0; c < CPU_SETSIZE; c++) {
      if (CPU_ISSET(c, &set)) {
        CPU_ZERO(&set);
        CPU_SET(c, &set);
        sched_setaffinity(0, sizeof set, &set);
        break;
      }
    }
  }
  for (int i = 0; i < MAX_PROCS; i++) slots[i].fd = -1;
  char line[512];
  size_t used = 0;
  for (;;) {
    if (stop_requested) finish(130);
    ssize_t n = read(0, line + used, sizeof line - 1 - used);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) finish(0);  // anonvis closed the pipe or went away
    used += (size_t)n;
    char *nl;
    while ((nl = memchr(line, '\n', used)) != NULL) {
      *nl = 0;
      command(line);
      size_t rest = used - (size_t)(nl + 1 - line);
      memmove(line, nl + 1, rest);
      used = rest;
    }
    if (used == sizeof line - 1) finish(1);  // a line longer than any command
  }
}

/* queue-drive: time a QMAILQUEUE program per message, fed as qmail-smtpd
 * feeds it.
 *
 *   queue-drive queue RUNS MESSAGE ENVELOPE [NAME=VALUE...] -- PROG [ARG...]
 *   queue-drive copy RUNS MESSAGE OUTFILE -- PROG [ARG...]
 *
 * queue: each run makes two pipes and starts PROG with exactly the
 * NAME=VALUE environment, the message pipe's read end on descriptor 0 and
 * the envelope pipe's on descriptor 1 (qmail-queue(8)); then writes the
 * bytes of the file MESSAGE into the message pipe (a read and write loop,
 * 64 KiB at a time, from the page cache), closes it, writes the file
 * ENVELOPE into the envelope pipe, closes it, and waits for PROG, which
 * must exit 0. This is qmail-smtpd's order: all of the message, then the
 * envelope.
 *
 * copy: each run is `PROG < MESSAGE > OUTFILE` (PROG is cat): OUTFILE is
 * removed before the run, untimed, and created by the run, timed, as a
 * shell's `>` would.
 *
 * A run is timed from the start of PROG (the pipes' making included) to
 * the return of wait4, on CLOCK_MONOTONIC; its CPU time is PROG's user and
 * system time (of the whole exec chain: one process), from wait4. RUNS / 10
 * warm-up runs come first, not counted. Output, microseconds per message:
 *   median wall <TAB> fastest <TAB> slowest <TAB> median CPU
 */
#define _GNU_SOURCE /* pipe2 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "timing.h"

static char buf[65536];

static void die(const char *what) {
  fprintf(stderr, "queue-drive: %s: %s\n", what, strerror(errno));
  exit(1);
}

static void usage(void) {
  fprintf(stderr,
          "usage: queue-drive queue RUNS MESSAGE ENVELOPE [NAME=VALUE...] -- PROG [ARG...]\n"
          "       queue-drive copy RUNS MESSAGE OUTFILE -- PROG [ARG...]\n");
  exit(2);
}

/* Writes all of `file` (from its start) into `out`. 0, or -1 when the
 * reader went away (EPIPE): the program's exit status tells why. */
static int feed(int file, int out) {
  off_t at = 0;
  for (;;) {
    ssize_t n = pread(file, buf, sizeof buf, at);
    if (n == 0) return 0;
    if (n < 0) {
      if (errno == EINTR) continue;
      die("read the message");
    }
    at += n;
    for (ssize_t done = 0; done < n;) {
      ssize_t w = write(out, buf + done, (size_t)(n - done));
      if (w < 0) {
        if (errno == EINTR) continue;
        if (errno == EPIPE) return -1;
        die("write into the pipe");
      }
      done += w;
    }
  }
}

struct timing {
  double wall_us, cpu_us;
};

/* Waits for `pid`, which must exit 0; returns its CPU time in us. */
static double wait_ok(pid_t pid, const char *prog) {
  int status;
  struct rusage ru;
  while (wait4(pid, &status, 0, &ru) < 0) {
    if (errno != EINTR) die("wait4");
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    if (WIFEXITED(status)) {
      fprintf(stderr, "queue-drive: %s exited %d\n", prog, WEXITSTATUS(status));
    } else {
      fprintf(stderr, "queue-drive: %s killed by signal %d\n", prog, WTERMSIG(status));
    }
    exit(1);
  }
  return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e6 + (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec);
}

static char **prog_argv, **prog_env;

static struct timing run_queue(int message, int envelope) {
  int m[2], e[2];
  pid_t pid;
  double t0 = now_us();
  if (pipe2(m, O_CLOEXEC) != 0 || pipe2(e, O_CLOEXEC) != 0) die("pipe");
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, m[0], 0);
  posix_spawn_file_actions_adddup2(&fa, e[0], 1);
  int err = posix_spawn(&pid, prog_argv[0], &fa, NULL, prog_argv, prog_env);
  posix_spawn_file_actions_destroy(&fa);
  if (err != 0) {
    errno = err;
    die(prog_argv[0]);
  }
  close(m[0]);
  close(e[0]);
  if (feed(message, m[1]) == 0) {
    close(m[1]);
    feed(envelope, e[1]);
  } else {
    close(m[1]);
  }
  close(e[1]);
  double cpu = wait_ok(pid, prog_argv[0]);
  return (struct timing){now_us() - t0, cpu};
}

static struct timing run_copy(int message, const char *outfile) {
  pid_t pid;
  if (unlink(outfile) != 0 && errno != ENOENT) die(outfile);
  double t0 = now_us();
  int out = open(outfile, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (out < 0) die(outfile);
  if (lseek(message, 0, SEEK_SET) != 0) die("lseek");
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, message, 0);
  posix_spawn_file_actions_adddup2(&fa, out, 1);
  int err = posix_spawn(&pid, prog_argv[0], &fa, NULL, prog_argv, prog_env);
  posix_spawn_file_actions_destroy(&fa);
  if (err != 0) {
    errno = err;
    die(prog_argv[0]);
  }
  close(out);
  double cpu = wait_ok(pid, prog_argv[0]);
  return (struct timing){now_us() - t0, cpu};
}

int main(int argc, char **argv) {
  if (argc < 7) usage();
  int copy = strcmp(argv[1], "copy") == 0;
  if (!copy && strcmp(argv[1], "queue") != 0) usage();
  int runs = atoi(argv[2]);
  if (runs < 1) usage();
  int message = open(argv[3], O_RDONLY | O_CLOEXEC);
  if (message < 0) die(argv[3]);
  int envelope = -1;
  if (!copy) {
    envelope = open(argv[4], O_RDONLY | O_CLOEXEC);
    if (envelope < 0) die(argv[4]);
  }
  int i = 5;
  prog_env = calloc((size_t)argc, sizeof *prog_env);
  if (prog_env == NULL) die("calloc");
  int n_env = 0;
  for (; i < argc && strcmp(argv[i], "--") != 0; ++i) {
    if (strchr(argv[i], '=') == NULL) usage();
    prog_env[n_env++] = argv[i];
  }
  if (i + 1 >= argc) usage();
  prog_argv = argv + i + 1;
  /* A program that stops reading early must fail its run, not kill us. */
  signal(SIGPIPE, SIG_IGN);

  int warm = runs / 10;
  double *t = malloc((size_t)runs * sizeof *t);
  double *cpu = malloc((size_t)runs * sizeof *cpu);
  if (t == NULL || cpu == NULL) die("malloc");
  for (int r = -warm; r < runs; ++r) {
    struct timing one = copy ? run_copy(message, argv[4]) : run_queue(message, envelope);
    if (r >= 0) t[r] = one.wall_us, cpu[r] = one.cpu_us;
  }
  if (copy) unlink(argv[4]);
  qsort(t, (size_t)runs, sizeof *t, cmp_double);
  qsort(cpu, (size_t)runs, sizeof *cpu, cmp_double);
  printf("%.1f\t%.1f\t%.1f\t%.1f\n", t[(runs - 1) / 2], t[0], t[runs - 1], cpu[(runs - 1) / 2]);
  return 0;
}

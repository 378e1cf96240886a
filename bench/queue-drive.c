/* queue-drive: time a QMAILQUEUE program per message, fed as qmail-smtpd
 * feeds it.
 *
 *   queue-drive queue RUNS MESSAGE ENVELOPE [NAME=VALUE...] -- PROG [ARG...]
 *                     [:: ENVELOPE [NAME=VALUE...] -- PROG [ARG...]]...
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
 * Several sides of queue, separated by "::" (each its own envelope,
 * environment and program, the same message), are run interleaved: run i
 * of every side, then run i + 1 of every side, the sides' order reversed
 * every other time. So a drift of the machine over the runs (the disk's
 * fsyncs slowing down, another program waking) weighs on every side alike,
 * and sides compared are compared under the same conditions.
 *
 * A run is timed from the start of PROG (the pipes' making included) to
 * the return of wait4, on CLOCK_MONOTONIC; its CPU time is PROG's user and
 * system time (of the whole exec chain: one process), from wait4. RUNS / 10
 * warm-up runs of each side come first, not counted. Output, a line per
 * side in the order given, microseconds per message:
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
          "                         [:: ENVELOPE [NAME=VALUE...] -- PROG [ARG...]]...\n"
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

/* One program timed: its envelope (queue) or output file (copy), its
 * environment and its command line; its runs' times. */
struct side {
  int envelope;
  const char *outfile;
  char **env, **argv;
  double *wall, *cpu;
};

static struct timing run_queue(int message, const struct side *side) {
  char **prog_argv = side->argv, **prog_env = side->env;
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
    feed(side->envelope, e[1]);
  } else {
    close(m[1]);
  }
  close(e[1]);
  double cpu = wait_ok(pid, prog_argv[0]);
  return (struct timing){now_us() - t0, cpu};
}

static struct timing run_copy(int message, const struct side *side) {
  char **prog_argv = side->argv, **prog_env = side->env;
  const char *outfile = side->outfile;
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

/* Reads one side from argv[*i] on: ENVELOPE (queue) or OUTFILE (copy),
 * NAME=VALUE..., "--", PROG [ARG...] up to the next "::" or the end, which
 * is made the end of PROG's arguments. */
static struct side read_side(int argc, char **argv, int *i, int copy, int runs) {
  struct side side = {-1, NULL, NULL, NULL, NULL, NULL};
  if (*i >= argc) usage();
  if (copy) {
    side.outfile = argv[*i];
  } else {
    side.envelope = open(argv[*i], O_RDONLY | O_CLOEXEC);
    if (side.envelope < 0) die(argv[*i]);
  }
  ++*i;
  side.env = calloc((size_t)argc, sizeof *side.env);
  side.wall = malloc((size_t)runs * sizeof *side.wall);
  side.cpu = malloc((size_t)runs * sizeof *side.cpu);
  if (side.env == NULL || side.wall == NULL || side.cpu == NULL) die("malloc");
  int n_env = 0;
  for (; *i < argc && strcmp(argv[*i], "--") != 0; ++*i) {
    if (strchr(argv[*i], '=') == NULL) usage();
    side.env[n_env++] = argv[*i];
  }
  if (*i + 1 >= argc || strcmp(argv[*i + 1], "::") == 0) usage();
  side.argv = argv + *i + 1;
  for (*i += 1; *i < argc && strcmp(argv[*i], "::") != 0; ++*i) {
  }
  if (*i < argc) argv[(*i)++] = NULL; /* the "::" ends PROG's arguments */
  return side;
}

int main(int argc, char **argv) {
  if (argc < 7) usage();
  int copy = strcmp(argv[1], "copy") == 0;
  if (!copy && strcmp(argv[1], "queue") != 0) usage();
  int runs = atoi(argv[2]);
  if (runs < 1) usage();
  int message = open(argv[3], O_RDONLY | O_CLOEXEC);
  if (message < 0) die(argv[3]);
  struct side *sides = calloc((size_t)argc, sizeof *sides);
  if (sides == NULL) die("calloc");
  int n_sides = 0;
  for (int i = 4; i < argc;) {
    sides[n_sides++] = read_side(argc, argv, &i, copy, runs);
    if (copy && i < argc) usage(); /* copy times one program */
  }
  /* A program that stops reading early must fail its run, not kill us. */
  signal(SIGPIPE, SIG_IGN);

  int warm = runs / 10;
  for (int r = -warm; r < runs; ++r) {
    for (int k = 0; k < n_sides; ++k) {
      struct side *side = &sides[r % 2 == 0 ? k : n_sides - 1 - k];
      struct timing one = copy ? run_copy(message, side) : run_queue(message, side);
      if (r >= 0) side->wall[r] = one.wall_us, side->cpu[r] = one.cpu_us;
    }
  }
  for (int k = 0; k < n_sides; ++k) {
    struct side *side = &sides[k];
    if (copy) unlink(side->outfile);
    qsort(side->wall, (size_t)runs, sizeof *side->wall, cmp_double);
    qsort(side->cpu, (size_t)runs, sizeof *side->cpu, cmp_double);
    printf("%.1f\t%.1f\t%.1f\t%.1f\n", side->wall[(runs - 1) / 2], side->wall[0], side->wall[runs - 1],
           side->cpu[(runs - 1) / 2]);
  }
  return 0;
}

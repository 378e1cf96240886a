/* parallel: latency of a program per invocation under concurrent load.
 *
 *   parallel WORKERS RUNS [NAME=VALUE...] -- PROG [ARG...]
 *
 * WORKERS processes each run PROG RUNS times in turn (posix_spawn, wait),
 * with exactly the NAME=VALUE environment and stdin, stdout and stderr on
 * /dev/null; every child must exit 0. Prints, in microseconds per
 * invocation: the median, the 99th percentile, the worst, and the count.
 */
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "timing.h"

/* One worker: RUNS invocations, their latencies written to fd. */
static void worker(long runs, char **argv, char **env, int fd) {
  posix_spawn_file_actions_t actions;
  int null_fd = open("/dev/null", O_RDWR | O_CLOEXEC);
  posix_spawn_file_actions_init(&actions);
  for (int t = 0; t < 3; ++t) posix_spawn_file_actions_adddup2(&actions, null_fd, t);
  for (long n = 0; n < runs; ++n) {
    pid_t pid;
    int status;
    double t0 = now_us();
    if (posix_spawn(&pid, argv[0], &actions, NULL, argv, env) != 0) _exit(1);
    while (waitpid(pid, &status, 0) < 0)
      if (errno != EINTR) _exit(1);
    double took = now_us() - t0;
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) _exit(1);
    if (write(fd, &took, sizeof took) != sizeof took) _exit(1);
  }
  _exit(0);
}

int main(int argc, char **argv) {
  if (argc < 5) {
    fprintf(stderr, "usage: parallel WORKERS RUNS [NAME=VALUE...] -- PROG [ARG...]\n");
    return 2;
  }
  long workers = strtol(argv[1], NULL, 10), runs = strtol(argv[2], NULL, 10);
  int i = 3;
  char **env = calloc((size_t)argc, sizeof *env);
  int nenv = 0;
  for (; i < argc && strcmp(argv[i], "--") != 0; ++i) env[nenv++] = argv[i];
  if (i + 1 >= argc || workers < 1 || runs < 1) return 2;
  char **prog = &argv[i + 1];

  int fds[2];
  if (pipe(fds) != 0) return 1;
  for (long w = 0; w < workers; ++w) {
    pid_t pid = fork();
    if (pid < 0) return 1;
    if (pid == 0) {
      close(fds[0]);
      worker(runs, prog, env, fds[1]);
    }
  }
  close(fds[1]);
  long total = workers * runs, got = 0;
  double *lat = calloc((size_t)total, sizeof *lat);
  while (got < total && read(fds[0], &lat[got], sizeof *lat) == sizeof *lat) ++got;
  int failed = 0, status;
  while (wait(&status) > 0)
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) failed = 1;
  if (failed || got != total) {
    fprintf(stderr, "parallel: %s: %ld of %ld invocations succeeded\n", prog[0], got, total);
    return 1;
  }
  qsort(lat, (size_t)total, sizeof *lat, cmp_double);
  printf("%.1f\t%.1f\t%.1f\t%ld\n", lat[total / 2], lat[(total * 99) / 100], lat[total - 1], total);
  return 0;
}

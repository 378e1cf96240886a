/* spawn: time programs per invocation, side by side.
 *
 *   spawn RUNS ROUNDS [NAME=VALUE...] -- LABEL [NAME=VALUE...] PROG [ARG...] [-- LABEL ...]...
 *
 * Each command runs RUNS times a round with exactly the NAME=VALUE
 * environment (the common one, then the command's own), stdin and stdout on
 * /dev/null, stderr on /dev/null. The
 * commands are interleaved one invocation at a time (the order rotates) so
 * that drift in machine speed hits all of them alike. One warm-up round of
 * RUNS/10 is not counted. Every child must exit 0.
 *
 * Output, one line per command, microseconds per invocation:
 *   LABEL <TAB> median of the rounds' means <TAB> best round <TAB> worst round
 *         <TAB> minor page faults per invocation (of the whole exec chain)
 */
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "timing.h"

struct command {
  const char *label;
  char **argv;
  char **env;
  double *round_us; /* per-invocation mean of each round */
  double total_ns;  /* this round */
  double minflt;    /* all rounds */
};

static double now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static void usage(void) {
  fprintf(stderr, "usage: spawn RUNS ROUNDS [NAME=VALUE...] -- LABEL [NAME=VALUE...] PROG [ARG...] [-- LABEL ...]...\n");
  exit(2);
}

static posix_spawn_file_actions_t actions;
static posix_spawnattr_t attr;
static char **child_env;

static double run_once(struct command *c) {
  pid_t pid;
  double t0 = now_ns();
  int e = posix_spawn(&pid, c->argv[0], &actions, &attr, c->argv, c->env);
  if (e != 0) {
    fprintf(stderr, "spawn: %s: %s\n", c->argv[0], strerror(e));
    exit(1);
  }
  int status;
  struct rusage ru;
  while (wait4(pid, &status, 0, &ru) < 0) {
    if (errno != EINTR) {
      perror("spawn: waitpid");
      exit(1);
    }
  }
  double t1 = now_ns();
  c->minflt += (double)ru.ru_minflt;
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    fprintf(stderr, "spawn: %s (%s) failed: status %#x\n", c->label, c->argv[0], status);
    exit(1);
  }
  return t1 - t0;
}

int main(int argc, char **argv) {
  if (argc < 5) usage();
  long runs = strtol(argv[1], NULL, 10), rounds = strtol(argv[2], NULL, 10);
  if (runs < 1 || rounds < 1) usage();

  int i = 3;
  int nenv = 0;
  child_env = calloc((size_t)argc, sizeof *child_env);
  for (; i < argc && strcmp(argv[i], "--") != 0; ++i) {
    if (strchr(argv[i], '=') == NULL) usage();
    child_env[nenv++] = argv[i];
  }
  child_env[nenv] = NULL;

  struct command *cmds = calloc((size_t)argc, sizeof *cmds);
  int ncmd = 0;
  while (i < argc) {
    /* argv[i] is "--"; cut the list there so each command is NULL-terminated. */
    argv[i++] = NULL;
    if (i + 1 >= argc || strcmp(argv[i], "--") == 0 || strcmp(argv[i + 1], "--") == 0) usage();
    cmds[ncmd].label = argv[i++];
    cmds[ncmd].env = calloc((size_t)(nenv + argc), sizeof(char *));
    memcpy(cmds[ncmd].env, child_env, (size_t)nenv * sizeof(char *));
    int own = nenv;
    for (; i < argc && strcmp(argv[i], "--") != 0 && strchr(argv[i], '=') != NULL; ++i) cmds[ncmd].env[own++] = argv[i];
    if (i >= argc || strcmp(argv[i], "--") == 0) usage();
    cmds[ncmd].argv = &argv[i];
    cmds[ncmd].round_us = calloc((size_t)rounds, sizeof(double));
    ++ncmd;
    while (i < argc && strcmp(argv[i], "--") != 0) ++i;
  }
  if (ncmd == 0) usage();

  int null_fd = open("/dev/null", O_RDWR | O_CLOEXEC);
  if (null_fd < 0) {
    perror("spawn: /dev/null");
    return 1;
  }
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, null_fd, 0);
  posix_spawn_file_actions_adddup2(&actions, null_fd, 1);
  posix_spawn_file_actions_adddup2(&actions, null_fd, 2);
  posix_spawnattr_init(&attr);

  long warm = runs / 10 > 0 ? runs / 10 : 1;
  for (long n = 0; n < warm; ++n)
    for (int k = 0; k < ncmd; ++k) run_once(&cmds[k]);
  for (int k = 0; k < ncmd; ++k) cmds[k].minflt = 0;

  for (long r = 0; r < rounds; ++r) {
    for (int k = 0; k < ncmd; ++k) cmds[k].total_ns = 0;
    for (long n = 0; n < runs; ++n)
      for (int k = 0; k < ncmd; ++k) {
        struct command *c = &cmds[(k + n) % ncmd];
        c->total_ns += run_once(c);
      }
    for (int k = 0; k < ncmd; ++k) cmds[k].round_us[r] = cmds[k].total_ns / (double)runs / 1e3;
  }

  for (int k = 0; k < ncmd; ++k) {
    double *v = cmds[k].round_us;
    qsort(v, (size_t)rounds, sizeof *v, cmp_double);
    double median = rounds % 2 ? v[rounds / 2] : (v[rounds / 2 - 1] + v[rounds / 2]) / 2;
    printf("%s\t%.2f\t%.2f\t%.2f\t%.1f\n", cmds[k].label, median, v[0], v[rounds - 1],
           cmds[k].minflt / (double)(runs * rounds));
  }
  return 0;
}

/* v8like: a stand-in for jgreylist v8's pass path, for benchmarks only.
 *
 * Written from a description of what v8 does per connection, not from its
 * source: read the environment, build "DIR/ip4/AAA/BBB/CCC" with snprintf,
 * stat() it, compare its age with the hold time, update its times with
 * utime(), log one line with fprintf, execvp the rest of the command line.
 * Built the ordinary way (dynamic, gcc -O2), as v8 usually is.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <utime.h>

static int flag(const char *name, int fallback) {
  const char *v = getenv(name);
  return v ? atoi(v) != 0 : fallback;
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: v8like prog [arg...]\n");
    return 111;
  }
  const char *ip = getenv("TCPREMOTEIP");
  const char *dir = getenv("JGREYLIST_DIR");
  const char *hold = getenv("JGREYLIST_HOLDTIME");
  int log = flag("JGREYLIST_LOG", 1);
  int log_pid = flag("JGREYLIST_LOG_PID", 1);
  long holdtime = hold ? atol(hold) : 120;
  char who[32] = "jgreylist";
  if (log_pid) snprintf(who, sizeof who, "jgreylist[%d]", (int)getpid());

  if (getenv("JGREYLIST") != NULL || getenv("RELAYCLIENT") != NULL) goto pass;
  if (ip == NULL || dir == NULL) {
    fprintf(stderr, "%s: configuration error\n", who);
    return 111;
  }
  unsigned a, b, c, d;
  if (sscanf(ip, "%u.%u.%u.%u", &a, &b, &c, &d) != 4 || a > 255 || b > 255 || c > 255 || d > 255) {
    fprintf(stderr, "%s: %s: bad address\n", who, ip);
    return 111;
  }
  char path[4096];
  snprintf(path, sizeof path, "%s/ip4/%03u/%03u/%03u", dir, a, b, c);

  struct stat st;
  if (stat(path, &st) != 0) {
    /* First sight: v8 would create the entry and greylist. Not benchmarked. */
    if (log) fprintf(stderr, "%s: %s: GREY first time\n", who, ip);
    return 0;
  }
  time_t now = time(NULL);
  struct utimbuf times = {.actime = now, .modtime = st.st_mtime};
  if (utime(path, &times) != 0) {
    fprintf(stderr, "%s: %s: utime %s: %s\n", who, ip, path, strerror(errno));
    return 111;
  }
  if (now - st.st_mtime < holdtime) {
    if (log) fprintf(stderr, "%s: %s: GREY too soon\n", who, ip);
    return 0;
  }
  if (log) fprintf(stderr, "%s: %s: OK known\n", who, ip);

pass:
  execvp(argv[1], argv + 1);
  fprintf(stderr, "%s: cannot run %s: %s\n", who, argv[1], strerror(errno));
  return 111;
}

/* floor: the least a pass-path greylister can do, for benchmarks only.
 *
 * Static (gcc -O2 -static). Takes the entry path from the environment with
 * no formatting library, then: stat the entry, set its atime (utimensat),
 * write the log line jgreylist must write (getpid + one write), execve.
 * No error handling worth the name: it is a lower bound, not a program.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

extern char **environ;

static char *put(char *p, const char *s) {
  while (*s) *p++ = *s++;
  return p;
}

static char *put_uint(char *p, unsigned long v, int width) {
  char tmp[24];
  int n = 0;
  do {
    tmp[n++] = (char)('0' + v % 10);
    v /= 10;
  } while (v != 0);
  while (n < width) tmp[n++] = '0';
  while (n > 0) *p++ = tmp[--n];
  return p;
}

int main(int argc, char **argv) {
  if (argc < 2) return 111;
  const char *dir = getenv("JGREYLIST_DIR");
  const char *ip = getenv("TCPREMOTEIP");
  if (dir == NULL || ip == NULL || strlen(dir) > 3900) return 111;

  char path[4096];
  char *p = put(path, dir);
  p = put(p, "/ip4");
  const char *q = ip;
  for (int i = 0; i < 3; ++i) {
    unsigned v = 0;
    while (*q >= '0' && *q <= '9') v = v * 10 + (unsigned)(*q++ - '0');
    if (*q++ != '.' || v > 255) return 111;
    *p++ = '/';
    p = put_uint(p, v, 3);
  }
  *p = '\0';

  struct stat st;
  if (stat(path, &st) != 0) return 111;
  const struct timespec times[2] = {{0, UTIME_NOW}, {0, UTIME_OMIT}};
  if (utimensat(AT_FDCWD, path, times, 0) != 0) return 111;

  const char *log = getenv("JGREYLIST_LOG");
  if (log == NULL || strcmp(log, "0") != 0) {
    char line[128];
    char *l = put(line, "jgreylist[");
    l = put_uint(l, (unsigned long)getpid(), 1);
    l = put(l, "]: ");
    if (strlen(ip) < 64) l = put(l, ip);
    l = put(l, ": OK known\n");
    ssize_t ignored = write(2, line, (size_t)(l - line));
    (void)ignored;
  }
  execve(argv[1], argv + 1, environ);
  return 111;
}

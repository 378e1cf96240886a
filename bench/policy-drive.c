/* policy-drive: a Postfix-like client of an SMTPD access policy service.
 *
 *   policy-drive [--warm N] HOST PORT STREAM [ACTIONS]
 *
 * STREAM holds policy requests, each one name=value lines ended by an
 * empty line. One connection to HOST:PORT (IPv4 or IPv6 text); the
 * requests go one at a time, as Postfix sends them: write a request, read
 * its answer up to the empty line, then the next. Each request is timed
 * from its write to the end of its answer. On success prints one line,
 *
 *   requests=N seconds=S rps=R p50_us=X p99_us=Y max_us=Z
 *     DEFER_IF_PERMIT=a DUNNO=b PREPEND=c REJECT=d other=e
 *
 * (on one line) where seconds runs from before the connect to the last
 * answer and the counts are of the answers' first word after "action=".
 * With ACTIONS, that word, the request's latency in microseconds and the
 * rest of the answer's line (its text, possibly empty) are also written
 * there, one line per request, so that answers can be checked
 * and latencies told apart request by request. --warm N: the first N
 * requests of STREAM go first, on the same connection, untimed and not
 * counted (nor written to ACTIONS): the service's start-up and whatever it
 * keeps in memory between requests are then behind it, and seconds runs
 * from the end of the last of them. Exit 0,
 * or 1 with a message naming what went wrong (no answer within 30 s, the
 * connection closed, an answer that is not "action=...").
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "timing.h"

static const char *const kWords[] = {"DEFER_IF_PERMIT", "DUNNO", "PREPEND", "REJECT"};
enum { kNumWords = 4 };

static void die(const char *what) {
  fprintf(stderr, "policy-drive: %s\n", what);
  exit(1);
}

static void die_sys(const char *what) {
  fprintf(stderr, "policy-drive: %s: %s\n", what, strerror(errno));
  exit(1);
}

static char *read_file(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  struct stat st;
  if (f == NULL || fstat(fileno(f), &st) != 0) die_sys(path);
  char *data = malloc((size_t)st.st_size + 1);
  if (data == NULL) die("out of memory");
  *len = fread(data, 1, (size_t)st.st_size, f);
  if (*len != (size_t)st.st_size) die_sys(path);
  data[*len] = '\0';
  fclose(f);
  return data;
}

static int connect_to(const char *host, const char *port) {
  struct sockaddr_storage ss;
  socklen_t len;
  memset(&ss, 0, sizeof ss);
  struct sockaddr_in *v4 = (struct sockaddr_in *)&ss;
  struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)&ss;
  if (inet_pton(AF_INET, host, &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons((unsigned short)atoi(port));
    len = sizeof *v4;
  } else if (inet_pton(AF_INET6, host, &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons((unsigned short)atoi(port));
    len = sizeof *v6;
  } else {
    die("HOST is not an IPv4 or IPv6 address");
  }
  int fd = socket(ss.ss_family, SOCK_STREAM, 0);
  if (fd < 0) die_sys("socket");
  if (connect(fd, (struct sockaddr *)&ss, len) != 0) die_sys("connect");
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  return fd;
}

static void write_all(int fd, const char *p, size_t n) {
  while (n > 0) {
    ssize_t w = write(fd, p, n);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) die_sys("write");
    p += w;
    n -= (size_t)w;
  }
}

/* Reads one answer, up to and including its empty line, into buf. */
static size_t read_answer(int fd, char *buf, size_t cap, long request) {
  size_t have = 0;
  while (have < 2 || buf[have - 1] != '\n' || buf[have - 2] != '\n') {
    struct pollfd p = {fd, POLLIN, 0};
    int ready = poll(&p, 1, 30000);
    if (ready < 0 && errno == EINTR) continue;
    if (ready == 0) {
      fprintf(stderr, "policy-drive: no answer to request %ld within 30 s\n", request + 1);
      exit(1);
    }
    if (have + 1 >= cap) die("an answer longer than 64 KiB");
    ssize_t r = read(fd, buf + have, cap - 1 - have);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) die_sys("read");
    if (r == 0) {
      fprintf(stderr, "policy-drive: connection closed before the answer to request %ld\n", request + 1);
      exit(1);
    }
    have += (size_t)r;
  }
  buf[have] = '\0';
  return have;
}

int main(int argc, char **argv) {
  long warm = 0;
  if (argc > 2 && strcmp(argv[1], "--warm") == 0) {
    char *end;
    warm = strtol(argv[2], &end, 10);
    if (*argv[2] == '\0' || *end != '\0' || warm < 0) die("--warm takes a count of requests");
    argc -= 2;
    argv += 2;
  }
  if (argc != 4 && argc != 5) {
    fprintf(stderr, "usage: policy-drive [--warm N] HOST PORT STREAM [ACTIONS]\n");
    return 2;
  }
  size_t len;
  char *stream = read_file(argv[3], &len);
  FILE *actions = NULL;
  if (argc == 5 && (actions = fopen(argv[4], "w")) == NULL) die_sys(argv[4]);

  /* Requests: from a non-empty line to the first empty line after it. */
  long n = 0, cap = 1024;
  size_t *start = malloc((size_t)cap * sizeof *start), *end = malloc((size_t)cap * sizeof *end);
  for (size_t i = 0; i < len;) {
    while (i < len && stream[i] == '\n') ++i;
    if (i >= len) break;
    char *blank = strstr(stream + i, "\n\n");
    if (blank == NULL) die("STREAM ends in the middle of a request");
    if (n == cap) {
      cap *= 2;
      start = realloc(start, (size_t)cap * sizeof *start);
      end = realloc(end, (size_t)cap * sizeof *end);
      if (start == NULL || end == NULL) die("out of memory");
    }
    start[n] = i;
    end[n] = (size_t)(blank - stream) + 2;
    i = end[n++];
  }
  if (n <= warm) die("STREAM holds no request (beyond the --warm ones)");

  double *lat = malloc((size_t)n * sizeof *lat);
  long count[kNumWords + 1] = {0};
  static char answer[65536];
  double began = now_us();
  int fd = connect_to(argv[1], argv[2]);
  for (long r = 0; r < warm; ++r) {
    write_all(fd, stream + start[r], end[r] - start[r]);
    read_answer(fd, answer, sizeof answer, r);
  }
  if (warm > 0) began = now_us();
  for (long r = warm; r < n; ++r) {
    double t0 = now_us();
    write_all(fd, stream + start[r], end[r] - start[r]);
    size_t got = read_answer(fd, answer, sizeof answer, r);
    lat[r - warm] = now_us() - t0;
    if (strncmp(answer, "action=", 7) != 0 || strstr(answer, "\n\n") != answer + got - 2) {
      fprintf(stderr, "policy-drive: request %ld: not one answer: %.200s\n", r + 1, answer);
      return 1;
    }
    size_t word_len = strcspn(answer + 7, " \t\n");
    int w = 0;
    while (w < kNumWords && (strlen(kWords[w]) != word_len || strncmp(answer + 7, kWords[w], word_len) != 0)) ++w;
    ++count[w];
    if (actions != NULL) {
      const char *rest = answer + 7 + word_len + strspn(answer + 7 + word_len, " \t");
      fprintf(actions, "%.*s %.1f %.*s\n", (int)word_len, answer + 7, lat[r - warm], (int)strcspn(rest, "\n"), rest);
    }
  }
  double seconds = (now_us() - began) / 1e6;
  close(fd);
  n -= warm;
  if (actions != NULL && fclose(actions) != 0) die_sys(argv[4]);

  qsort(lat, (size_t)n, sizeof *lat, cmp_double);
  long p50 = (n * 50 + 99) / 100 - 1, p99 = (n * 99 + 99) / 100 - 1;
  printf("requests=%ld seconds=%.3f rps=%.0f p50_us=%.1f p99_us=%.1f max_us=%.1f", n, seconds, n / seconds, lat[p50],
         lat[p99], lat[n - 1]);
  for (int w = 0; w < kNumWords; ++w) printf(" %s=%ld", kWords[w], count[w]);
  printf(" other=%ld\n", count[kNumWords]);
  return 0;
}

/* queue-sink: the final queue program of bench/queue-bench, what
 * qmail-queue minimally does: read the message on descriptor 0 and the
 * envelope on descriptor 1, each to its end, and exit 0. It writes nothing
 * anywhere, so that a figure measured through it is the filter's cost alone.
 *
 * SINK_MESSAGE_BYTES and SINK_ENVELOPE_BYTES, when set, are the sizes it
 * must have read, else it exits 1: the bench then knows that the filter
 * handed on all of both.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static char buf[65536];

static long long drain(int fd) {
  long long total = 0;
  for (;;) {
    ssize_t n = read(fd, buf, sizeof buf);
    if (n == 0) return total;
    if (n < 0) {
      if (errno == EINTR) continue;
      return -1;
    }
    total += n;
  }
}

/* 1 when the variable is unset or names `got`. */
static int matches(const char *name, long long got) {
  const char *want = getenv(name);
  if (want == NULL) return 1;
  if (got == atoll(want)) return 1;
  fprintf(stderr, "queue-sink: %s=%s but read %lld bytes\n", name, want, got);
  return 0;
}

int main(void) {
  long long message = drain(0);
  long long envelope = drain(1);
  if (message < 0 || envelope < 0) {
    perror("queue-sink: read");
    return 1;
  }
  return matches("SINK_MESSAGE_BYTES", message) && matches("SINK_ENVELOPE_BYTES", envelope) ? 0 : 1;
}

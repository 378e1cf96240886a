/* queue-sink: the final queue program of bench/queue-bench, what
 * qmail-queue does: read the message on descriptor 0 and the envelope on
 * descriptor 1, each to its end, and exit 0. With SINK_SYNC_DIR set it also
 * writes the message into a file there and fsyncs it before exiting, as
 * qmail-queue writes and syncs queue/mess/N (the file is then removed, so
 * that runs do not fill the disk); unset, it writes nothing anywhere.
 *
 * SINK_MESSAGE_BYTES and SINK_ENVELOPE_BYTES, when set, are the sizes it
 * must have read, else it exits 1: the bench then knows that the filter
 * handed on all of both.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static char buf[65536];

/* Reads fd to its end, copying it to `copy` when that is >= 0. */
static long long drain(int fd, int copy) {
  long long total = 0;
  for (;;) {
    ssize_t n = read(fd, buf, sizeof buf);
    if (n == 0) return total;
    if (n < 0) {
      if (errno == EINTR) continue;
      return -1;
    }
    for (ssize_t done = 0; copy >= 0 && done < n;) {
      ssize_t w = write(copy, buf + done, (size_t)(n - done));
      if (w < 0) return -1;
      done += w;
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
  const char *dir = getenv("SINK_SYNC_DIR");
  char path[4096];
  int copy = -1;
  if (dir != NULL) {
    snprintf(path, sizeof path, "%s/mess.%ld", dir, (long)getpid());
    copy = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
    if (copy < 0) {
      perror("queue-sink: open");
      return 1;
    }
  }
  long long message = drain(0, copy);
  long long envelope = drain(1, -1);
  if (message < 0 || envelope < 0) {
    perror("queue-sink: read");
    return 1;
  }
  if (copy >= 0) {
    if (fsync(copy) != 0 || close(copy) != 0) {
      perror("queue-sink: fsync");
      return 1;
    }
    unlink(path);
  }
  return matches("SINK_MESSAGE_BYTES", message) && matches("SINK_ENVELOPE_BYTES", envelope) ? 0 : 1;
}

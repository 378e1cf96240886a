/* bench/spf-floor.c: the floor of bench/spf-bench's check figure. The DNS
 * questions of SPF evaluations, asked one after the other through c-ares
 * against one server, each answer awaited before the next question, and
 * nothing else: no SPF, no parsing beyond what c-ares does on receiving a
 * reply. An evaluation that asks these questions in this order can take no
 * less time on this machine, with this server and this library.
 *
 *   spf-floor [--at-once] [SERVER] < QUESTIONS
 *
 * SERVER: HOST:PORT as c-ares reads it (default 127.0.0.1:53). QUESTIONS:
 * lines "TYPE NAME" (TXT, A, AAAA, MX, PTR; a PTR's NAME may be the address
 * itself, as `jgreylist-spf check` prints it), a blank line between cases.
 * The channel is set up once, as lib/dns/cares_source.cc sets its own (EDNS
 * 1232, no search list, 3 tries, ARES_FLAG_STAYOPEN: one UDP socket for
 * every question). The loop is the same poll() over ares_getsock and
 * ares_process_fd. --at-once: the questions asked without waiting for
 * answers, 64 unanswered at most as jgreylist-spf walk does (more at once
 * overflow the server's socket buffer: c-ares then sends them again after
 * its timeout): the floor of a walk, which cannot do better, as its
 * questions depend on earlier answers.
 *
 * Prints on stdout "CASES QUESTIONS FOUND NXDOMAIN NODATA FAILED" (answers
 * by c-ares status); exit 1 when a question could not be asked or any
 * answer is a timeout or failure (the figure would not be a floor).
 *
 *   spf-floor --exec QUESTIONS [SERVER]
 *
 * The floor of a QMAILQUEUE filter that checks SPF (bench/queue-bench's
 * relay-dns side): the questions read from the file QUESTIONS (descriptor
 * 0 is the message then, and 1 the envelope, both left alone), asked one
 * after the other as above, then JGREYLIST_QUEUE exec'd as bench/queue-
 * relay.c does; nothing printed. Exit 111 when a question fails.
 */
#include <ares.h>
#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

struct reply {
  int done;
  int status;
};

static long answered;

static void on_answer(void *arg, int status, int timeouts, unsigned char *abuf, int alen) {
  struct reply *r = arg;
  ++answered;
  (void)timeouts;
  (void)abuf;
  (void)alen;
  r->done = 1;
  r->status = status;
}

static void step(ares_channel channel) {
  ares_socket_t socks[ARES_GETSOCK_MAXNUM];
  struct pollfd fds[ARES_GETSOCK_MAXNUM];
  nfds_t count = 0;
  int mask = ares_getsock(channel, socks, ARES_GETSOCK_MAXNUM);
  for (int i = 0; i < ARES_GETSOCK_MAXNUM; ++i) {
    short events = (ARES_GETSOCK_READABLE(mask, i) ? POLLIN : 0) | (ARES_GETSOCK_WRITABLE(mask, i) ? POLLOUT : 0);
    if (events) {
      fds[count].fd = socks[i];
      fds[count].events = events;
      fds[count].revents = 0;
      ++count;
    }
  }
  struct timeval tv, *next = ares_timeout(channel, NULL, &tv);
  int ms = next ? (int)(next->tv_sec * 1000 + (next->tv_usec + 999) / 1000) : 1000;
  int ready = poll(fds, count, ms);
  if (ready <= 0) {
    ares_process_fd(channel, ARES_SOCKET_BAD, ARES_SOCKET_BAD);
    return;
  }
  for (nfds_t i = 0; i < count; ++i) {
    ares_socket_t r = (fds[i].revents & (POLLIN | POLLERR | POLLHUP)) ? fds[i].fd : ARES_SOCKET_BAD;
    ares_socket_t w = (fds[i].revents & POLLOUT) ? fds[i].fd : ARES_SOCKET_BAD;
    if (r != ARES_SOCKET_BAD || w != ARES_SOCKET_BAD) ares_process_fd(channel, r, w);
  }
}

/* The reverse name of an address (a PTR question written as the address). */
static int reverse_name(const char *text, char *out, size_t size) {
  unsigned char b[16];
  size_t n = 0;
  if (inet_pton(AF_INET, text, b) == 1) {
    n = (size_t)snprintf(out, size, "%u.%u.%u.%u.in-addr.arpa", b[3], b[2], b[1], b[0]);
  } else if (inet_pton(AF_INET6, text, b) == 1) {
    for (int i = 15; i >= 0; --i) n += (size_t)snprintf(out + n, size - n, "%x.%x.", b[i] & 15, b[i] >> 4);
    n += (size_t)snprintf(out + n, size - n, "ip6.arpa");
  } else {
    return 0;
  }
  return n < size;
}

struct question {
  int qtype;
  char name[1100];
  char type[8];
  struct reply reply;
};

int main(int argc, char **argv) {
  int at_once = argc > 1 && !strcmp(argv[1], "--at-once");
  if (at_once) {
    --argc;
    ++argv;
  }
  FILE *in = stdin;
  const char *queue = NULL;
  if (argc > 2 && !strcmp(argv[1], "--exec")) {
    queue = getenv("JGREYLIST_QUEUE");
    in = fopen(argv[2], "r");
    if (!queue || !in) {
      fprintf(stderr, "spf-floor: --exec needs JGREYLIST_QUEUE and a readable %s\n", argv[2]);
      return 111;
    }
    argc -= 2;
    argv += 2;
  }
  const char *server = argc > 1 ? argv[1] : "127.0.0.1:53";
  if (ares_library_init(ARES_LIB_INIT_ALL) != ARES_SUCCESS) return 111;
  struct ares_options options;
  memset(&options, 0, sizeof options);
  options.timeout = 666;
  options.tries = 3;
  options.flags = ARES_FLAG_NOSEARCH | ARES_FLAG_EDNS | ARES_FLAG_STAYOPEN;
  options.ednspsz = 1232;
  ares_channel channel;
  if (ares_init_options(&channel, &options, ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES | ARES_OPT_FLAGS | ARES_OPT_EDNSPSZ) !=
          ARES_SUCCESS ||
      ares_set_servers_ports_csv(channel, server) != ARES_SUCCESS) {
    fprintf(stderr, "spf-floor: cannot set up c-ares for %s\n", server);
    return 111;
  }

  /* Every question read first: reading is not the work measured. */
  char line[1200], reversed[160];
  size_t size = 1024, n = 0;
  struct question *qs = malloc(size * sizeof *qs);
  long cases = 0;
  int in_case = 0, bad = 0;
  while (qs && fgets(line, sizeof line, in)) {
    line[strcspn(line, "\r\n")] = '\0';
    char *type = strtok(line, " \t");
    char *name = type ? strtok(NULL, " \t") : NULL;
    if (!type) {
      in_case = 0;
      continue;
    }
    if (!in_case) ++cases;
    in_case = 1;
    int qtype = !strcasecmp(type, "TXT")    ? ns_t_txt
                : !strcasecmp(type, "A")    ? ns_t_a
                : !strcasecmp(type, "AAAA") ? ns_t_aaaa
                : !strcasecmp(type, "MX")   ? ns_t_mx
                : !strcasecmp(type, "PTR")  ? ns_t_ptr
                                            : -1;
    if (qtype < 0 || !name || strlen(name) >= sizeof qs->name) {
      fprintf(stderr, "spf-floor: not a question: %s %s\n", type, name ? name : "");
      bad = 1;
      continue;
    }
    if (qtype == ns_t_ptr && reverse_name(name, reversed, sizeof reversed)) name = reversed;
    if (n == size) qs = realloc(qs, (size *= 2) * sizeof *qs);
    if (!qs) break;
    qs[n].qtype = qtype;
    snprintf(qs[n].name, sizeof qs[n].name, "%s", name);
    snprintf(qs[n].type, sizeof qs[n].type, "%s", type);
    qs[n].reply.done = 0;
    ++n;
  }
  if (!qs) {
    fprintf(stderr, "spf-floor: out of memory\n");
    return 111;
  }

  /* One at a time, each answer awaited; or --at-once, all asked, then
   * every answer awaited (what a walk that asks everything at once, with
   * no question depending on another, would wait for). */
  long window = at_once ? 64 : 1; /* lib/dns/cares_source.h's kMaxInFlight */
  for (size_t i = 0; i < n; ++i) {
    while ((long)i - answered >= window) step(channel);
    ares_query(channel, qs[i].name, ns_c_in, qs[i].qtype, on_answer, &qs[i].reply);
  }
  while (answered < (long)n) step(channel);

  long found = 0, nxdomain = 0, nodata = 0, failed = 0;
  for (size_t i = 0; i < n; ++i) {
    switch (qs[i].reply.status) {
      case ARES_SUCCESS: ++found; break;
      case ARES_ENOTFOUND: ++nxdomain; break;
      case ARES_ENODATA: ++nodata; break;
      default:
        ++failed;
        fprintf(stderr, "spf-floor: %s %s: %s\n", qs[i].type, qs[i].name, ares_strerror(qs[i].reply.status));
    }
  }
  free(qs);
  ares_destroy(channel);
  ares_library_cleanup();
  if (queue) {
    if (bad || failed) return 111;
    char *args[] = {(char *)queue, NULL};
    execv(queue, args);
    return 111;
  }
  printf("%ld %ld %ld %ld %ld %ld\n", cases, (long)n, found, nxdomain, nodata, failed);
  return bad || failed ? 1 : 0;
}

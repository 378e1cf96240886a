/* policy-echo: the floor of a policy exchange on this machine.
 *
 *   tcpserver ... policy-echo
 *
 * Answers every policy request on stdin (name=value lines up to an empty
 * line) with "action=DUNNO" and an empty line on stdout, without looking
 * at it: no store, no parsing beyond the end of the request. A service
 * cannot answer one request at a time faster than this over the same
 * connection: what it measures is the machine's cost of a round trip
 * between two processes (the client's write, the wake-up of the service,
 * its read and write, the wake-up of the client). Exit 0 at end of input,
 * 1 on a read or write error.
 */
#include <string.h>
#include <unistd.h>

int main(void) {
  static const char answer[] = "action=DUNNO\n\n";
  char buf[65536];
  char last = '\0'; /* the byte before buf[0], for an end split across reads */
  for (;;) {
    ssize_t n = read(0, buf, sizeof buf);
    if (n == 0) return 0;
    if (n < 0) return 1;
    for (ssize_t i = 0; i < n; ++i) {
      char before = i > 0 ? buf[i - 1] : last;
      if (buf[i] == '\n' && before == '\n' &&
          write(1, answer, sizeof answer - 1) != (ssize_t)(sizeof answer - 1)) {
        return 1;
      }
    }
    last = buf[n - 1];
  }
}

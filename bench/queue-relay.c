/* queue-relay: the least a QMAILQUEUE filter can do, a static program that
 * execs JGREYLIST_QUEUE with descriptors 0 and 1 untouched (no spool, no
 * decision). bench/queue-bench times it beside jgreylist-queue, to tell the
 * cost of one more exec in the chain from the cost of the filter's work.
 */
#include <stdlib.h>
#include <unistd.h>

int main(void) {
  char *queue = getenv("JGREYLIST_QUEUE");
  if (queue == NULL) return 111;
  char *argv[] = {queue, NULL};
  execv(queue, argv);
  return 111;
}

// jgreylist-policy: greylisting for Postfix, as an SMTPD access policy
// service on stdin and stdout.
//
//   tcpserver -HRl0 127.0.0.1 10023 jgreylist-policy
//   smtpd_recipient_restrictions = ..., check_policy_service inet:127.0.0.1:10023
//
// Postfix sends requests of name=value lines ended by an empty line, as
// many as it likes on one connection; each gets "action=..." and an empty
// line, in order (lib/mail/policy_request.h). The decision is jgreylist's,
// on the same stores and, with JGREYLIST_RULES, the same tcprules cdb that
// tcpserver reads (lib/greylist/policy_service.h). Here: the waiting for
// input, bounded by JGREYLIST_TIMEOUT, and the answers written before each
// wait, so that pipelined requests get theirs together.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include <cerrno>

#include "lib/base/diag.h"
#include "lib/base/exitcode.h"
#include "lib/greylist/policy_service.h"
#include "lib/mail/policy_request.h"

namespace {

using namespace jgl;

bool flush(PolicyService& s) {
  std::size_t done = 0;
  while (done < s.out.size()) {
    ssize_t n = write(1, s.out.data() + done, s.out.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    done += static_cast<std::size_t>(n);
  }
  s.out.clear();
  return true;
}

// Standard input, each wait for it bounded by timeout_ms.
class Input {
 public:
  explicit Input(int timeout_ms) : timeout_ms_(timeout_ms) {}

  // More bytes from fd 0 into the reader, the answers due written first;
  // false at the end of the input, an idle timeout or a write that failed.
  bool read_more(PolicyReader& reader, PolicyService& s) {
    while (true) {
      char* at = reader.space();
      if (!flush(s)) return false;
      if (!kernel_timeout()) {
        pollfd in{0, POLLIN, 0};
        int ready = poll(&in, 1, timeout_ms_);
        if (ready < 0 && errno == EINTR) continue;
        if (ready == 0) {
          timed_out = true;
          return false;
        }
      }
      ssize_t n = read(0, at, reader.space_size());
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) && kernel_timeout_ == 1) {
        timed_out = true;
        return false;
      }
      if (n <= 0) return false;
      reader.received(static_cast<std::size_t>(n));
      return true;
    }
  }

  bool timed_out = false;

 private:
  // Whether the kernel bounds each read of standard input: a blocking
  // socket (tcpserver, systemd's Accept=yes, Postfix's spawn) takes
  // SO_RCVTIMEO once, and a read then waits at most timeout_ms_ and fails
  // with EAGAIN, without a poll() before every request. Anything else (a
  // pipe, a non-blocking socket) is polled. Decided at the first wait.
  bool kernel_timeout() {
    if (kernel_timeout_ < 0) {
      kernel_timeout_ = 0;
      int flags = fcntl(0, F_GETFL);
      timeval tv{timeout_ms_ / 1000, (timeout_ms_ % 1000) * 1000};
      if (flags >= 0 && (flags & O_NONBLOCK) == 0 && setsockopt(0, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv) == 0) {
        kernel_timeout_ = 1;
      }
    }
    return kernel_timeout_ == 1;
  }

  int timeout_ms_;
  int kernel_timeout_ = -1;  // unknown yet, 0 no, 1 yes
};

}  // namespace

int main() {
  set_program("jgreylist-policy");
  signal(SIGPIPE, SIG_IGN);
  // Under Postfix's spawn(8) stderr is the socket too: a log line there
  // would be read as an attribute. Log to syslog (mail) instead.
  struct stat out, err;
  if (fstat(1, &out) == 0 && fstat(2, &err) == 0 && S_ISSOCK(out.st_mode) && out.st_dev == err.st_dev &&
      out.st_ino == err.st_ino) {
    log_to_syslog();
  }
  PolicyService s;
  configure_policy_service(s);
  // Answers wait in s.out while requests are already buffered (pipelined),
  // and are written before any wait for more input.
  Input input(1000 * static_cast<int>(s.base ? s.base->timeout : 60));
  PolicyReader reader;
  do {
    while (const PolicyRequest* r = reader.next()) answer_policy_request(s, *r);
  } while (input.read_more(reader, s));
  // Between requests, the end of input or an idle timeout is the normal end
  // of a connection: nothing to say.
  if (reader.in_request()) {
    ClientLog fresh;
    fresh.set_pid(!s.base || s.base->log_pid);
    fresh.line("ERROR {} in the middle of a request: no answer",
               input.timed_out ? "no input for JGREYLIST_TIMEOUT" : "end of input");
  }
  return flush(s) ? kExitOk : kExitTemporary;
}

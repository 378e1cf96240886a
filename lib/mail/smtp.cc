// mail/smtp.cc: the fake SMTP conversation held with a greylisted or denied
// client, in fixed stack buffers and under one deadline.
#include "lib/mail/smtp.h"

#include <poll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdint>
#include <cstring>
#include <initializer_list>

#include "lib/base/printable.h"

namespace jgl {
namespace {

constexpr std::size_t kReadSize = 4096;
// Enough of a line to tell its verb and to show in the transcript; the rest
// of a longer line is dropped as it arrives.
constexpr std::size_t kHeadSize = 512;
// RFC 5321 4.5.3.1.5: a reply line is at most 512 octets with its CR LF.
constexpr std::size_t kMaxReplyLine = 510;
constexpr std::size_t kMaxTranscript = 100;
// At most PIPE_BUF, so that a write to a pipe found writable never blocks.
constexpr std::size_t kOutSize = 4096;

// Whether the line's first word is `verb` (four lowercase letters), in any
// case: "HELO x" and "MAIL FROM:<a>" are, "HELOX" is not.
bool verb_is(std::string_view line, const char* verb) {
  if (line.size() < 4) return false;
  if (line.size() > 4 && line[4] != ' ' && line[4] != '\t') return false;
  for (std::size_t i = 0; i < 4; ++i) {
    char c = line[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != verb[i]) return false;
  }
  return true;
}

std::int64_t monotonic_ns() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

// Milliseconds for poll() from nanoseconds left, rounded up; 0 once passed.
int to_poll_ms(std::int64_t left) {
  if (left <= 0) return 0;
  std::int64_t ms = (left + 999'999) / 1'000'000;
  return ms > INT_MAX ? INT_MAX : static_cast<int>(ms);
}

class Session {
 public:
  Session(int in_fd, int out_fd, const Conversation& conversation, Transcript* transcript, Filesystem& fs)
      : in_fd_(in_fd),
        out_fd_(out_fd),
        conv_(conversation),
        transcript_(transcript),
        fs_(fs),
        deadline_ns_(monotonic_ns() + static_cast<std::int64_t>(conversation.timeout_ms) * 1'000'000) {
    // Hostname and message come from configuration; a stray CR or LF in
    // them must not become a reply line of its own. Sanitised once here,
    // every reply then only copies them.
    hostname_ = {hostname_buf_, sanitise(conversation.hostname, hostname_buf_, sizeof hostname_buf_)};
    message_ = {message_buf_, sanitise(conversation.message, message_buf_, sizeof message_buf_)};
  }

  ConversationResult run();

 private:
  // Nanoseconds until the deadline; 0 or less once it has passed.
  std::int64_t left_ns() const { return deadline_ns_ - monotonic_ns(); }
  // Milliseconds until the deadline, rounded up; 0 once it has passed.
  int poll_ms() const { return to_poll_ms(left_ns()); }
  bool expired() const { return monotonic_ns() >= deadline_ns_; }

  bool answer_line();
  // Each returns false when the conversation is over, result_.ending set.
  bool reply(std::initializer_list<std::string_view> pieces);
  bool flush();
  bool close_with(Ending ending, std::initializer_list<std::string_view> pieces);
  bool refuse();
  ssize_t send_some(const char* data, std::size_t size);

  int in_fd_;
  int out_fd_;
  const Conversation& conv_;
  Transcript* transcript_;
  Filesystem& fs_;
  std::int64_t deadline_ns_;
  bool out_is_socket_ = true;
  ConversationResult result_;

  char hostname_buf_[kMaxReplyLine + 1];
  char message_buf_[kMaxReplyLine + 1];
  std::string_view hostname_;
  std::string_view message_;

  char head_[kHeadSize];
  std::size_t head_len_ = 0;
  std::size_t line_len_ = 0;

  char out_[kOutSize];
  std::size_t out_len_ = 0;
};

ConversationResult Session::run() {
  if (!reply({"220 ", hostname_, " ESMTP"}) || !flush()) return result_;
  char buf[kReadSize];
  for (;;) {
    // Checked on every turn, not only when poll times out: a client that
    // keeps sending (an endless line, a flood) must not outlive the deadline.
    std::int64_t left = left_ns();
    if (left <= 0) {
      close_with(Ending::timeout, {"421 4.4.2 ", hostname_, " timeout, closing connection"});
      return result_;
    }
    pollfd p{in_fd_, POLLIN, 0};
    int ready = fs_.poll(&p, 1, to_poll_ms(left));
    if (ready < 0 && errno != EINTR) {
      result_.ending = Ending::io_error;
      return result_;
    }
    if (ready <= 0) continue;
    ssize_t n = fs_.read(in_fd_, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK) continue;
      result_.ending = Ending::io_error;
      return result_;
    }
    if (n == 0) {
      result_.ending = Ending::eof;
      return result_;
    }
    for (ssize_t i = 0; i < n; ++i) {
      char c = buf[i];
      if (c != '\n') {
        ++line_len_;
        if (head_len_ < kHeadSize) head_[head_len_++] = c;
        continue;
      }
      if (line_len_ == head_len_ && head_len_ > 0 && head_[head_len_ - 1] == '\r') --head_len_;
      bool go_on = answer_line();
      head_len_ = line_len_ = 0;
      if (!go_on) return result_;
    }
    if (!flush()) return result_;
  }
}

bool Session::answer_line() {
  std::string_view line(head_, head_len_);
  if (transcript_ != nullptr) {
    char shown[kMaxTranscript + 1];
    std::size_t len = sanitise(line.substr(0, kMaxTranscript), shown, sizeof shown);
    transcript_->line('<', std::string_view(shown, len));
  }
  if (result_.commands >= conv_.max_commands)
    return close_with(Ending::command_cap,
                      {"421 4.7.0 ", hostname_, " too many commands, closing connection"});
  ++result_.commands;

  if (verb_is(line, "helo")) return reply({"250 ", hostname_});
  if (verb_is(line, "ehlo"))
    return reply({"250-", hostname_}) && reply({"250-PIPELINING"}) &&
           reply({"250 ENHANCEDSTATUSCODES"});
  if (verb_is(line, "mail")) return reply({"250 2.1.0 Ok"});
  if (verb_is(line, "rset") || verb_is(line, "noop")) return reply({"250 2.0.0 Ok"});
  if (verb_is(line, "quit"))
    return close_with(Ending::quit, {"221 2.0.0 ", hostname_, " closing connection"});
  if (verb_is(line, "rcpt")) {
    ++result_.rcpts;
    if (conv_.rcpt_limit != 0 && result_.rcpts >= conv_.rcpt_limit)
      return close_with(Ending::rcpt_limit,
                        {"421 4.7.0 ", hostname_, " too many recipients, closing connection"});
  }
  return refuse();
}

bool Session::refuse() {
  if (conv_.refusal == Refusal::deny) return reply({"553 5.7.1 ", message_});
  return reply({"450 4.7.1 ", message_});
}

bool Session::reply(std::initializer_list<std::string_view> pieces) {
  if (out_len_ + kMaxReplyLine + 2 > kOutSize && !flush()) return false;
  // Every piece is printable: a literal here, or the hostname or message
  // sanitised by the constructor. The line is cut at kMaxReplyLine.
  char* line = out_ + out_len_;
  std::size_t len = 0;
  for (std::string_view piece : pieces) {
    std::size_t n = std::min(piece.size(), kMaxReplyLine - len);
    std::memcpy(line + len, piece.data(), n);
    len += n;
  }
  if (transcript_ != nullptr) transcript_->line('>', std::string_view(line, len));
  line[len++] = '\r';
  line[len++] = '\n';
  out_len_ += len;
  return true;
}

// The ending stays the reason for closing even if the last reply cannot be
// written: the caller logs it ("HANGUP too many RCPT commands").
bool Session::close_with(Ending ending, std::initializer_list<std::string_view> pieces) {
  if (reply(pieces)) flush();
  result_.ending = ending;
  return false;
}

bool Session::flush() {
  std::size_t done = 0;
  bool full = false;
  while (done < out_len_) {
    // Waiting for room under the deadline: a client that sends commands but
    // never reads the replies would otherwise block us forever. A socket is
    // written at once (MSG_DONTWAIT) and waited for only once it is full, a
    // system call less for every reply; a pipe's write() would block, so
    // there the room is waited for first.
    if (full || !out_is_socket_) {
      pollfd p{out_fd_, POLLOUT, 0};
      int ready = fs_.poll(&p, 1, poll_ms());
      if (ready < 0 && errno != EINTR) {
        result_.ending = Ending::io_error;
        return false;
      }
      if (ready <= 0) {
        if (expired()) {
          result_.ending = Ending::timeout;
          return false;
        }
        continue;
      }
    }
    ssize_t n = send_some(out_ + done, out_len_ - done);
    if (n > 0) {
      done += static_cast<std::size_t>(n);
      full = false;
      continue;
    }
    if (n < 0 && errno == ENOTSOCK) continue;  // now known to be a pipe
    if (n < 0 && errno != EINTR && errno != EAGAIN && errno != EWOULDBLOCK) {
      result_.ending = Ending::io_error;
      return false;
    }
    full = n == 0 || errno != EINTR;
    if (expired()) {
      result_.ending = Ending::timeout;
      return false;
    }
  }
  out_len_ = 0;
  return true;
}

// send() rather than write() on a socket: MSG_NOSIGNAL turns a vanished
// client into EPIPE instead of SIGPIPE, and MSG_DONTWAIT keeps a full buffer
// from blocking past the deadline without touching the fd's flags. A pipe
// (tests, inetd wrappers) gets write(); there the caller decides about
// SIGPIPE. The first send() on a pipe fails with ENOTSOCK: from then on the
// output is known to be a pipe, and the caller waits for room before each
// write().
ssize_t Session::send_some(const char* data, std::size_t size) {
  if (!out_is_socket_) return fs_.write(out_fd_, data, size);
  ssize_t n = fs_.send(out_fd_, data, size, MSG_NOSIGNAL | MSG_DONTWAIT);
  if (n < 0 && errno == ENOTSOCK) out_is_socket_ = false;
  return n;
}

}  // namespace

ConversationResult converse(int in_fd, int out_fd, const Conversation& conversation, Transcript* transcript,
                            Filesystem& fs) {
  Session session(in_fd, out_fd, conversation, transcript, fs);
  return session.run();
}

}  // namespace jgl

// smtp_session.h: one client SMTP connection with a deadline on every wait,
// for the test clients smtp-load and soak-client.
//
// A session connects (optionally from a chosen local address: any address
// of 127.0.0.0/8 is the host's own on Linux, so a test can be many clients
// at once), sends commands and reads replies, multi-line ones included.
// Every wait (connect, send, receive) ends at the session's deadline; past
// it the session has timed_out() and every call fails. The first thing
// that went wrong is kept in problem(), for the reports.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <string>
#include <string_view>

namespace smtp_test {

inline double monotonic_seconds() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

// A numeric IPv4 or IPv6 address and a port, as a socket address.
struct Endpoint {
  sockaddr_storage addr{};
  socklen_t addr_len = 0;

  bool parse(const std::string& host, long port) {
    if (port < 0 || port > 65535) return false;
    auto* in4 = reinterpret_cast<sockaddr_in*>(&addr);
    auto* in6 = reinterpret_cast<sockaddr_in6*>(&addr);
    if (inet_pton(AF_INET, host.c_str(), &in4->sin_addr) == 1) {
      in4->sin_family = AF_INET;
      in4->sin_port = htons(static_cast<uint16_t>(port));
      addr_len = sizeof *in4;
      return true;
    }
    if (inet_pton(AF_INET6, host.c_str(), &in6->sin6_addr) == 1) {
      in6->sin6_family = AF_INET6;
      in6->sin6_port = htons(static_cast<uint16_t>(port));
      addr_len = sizeof *in6;
      return true;
    }
    return false;
  }
};

class Session {
 public:
  explicit Session(double deadline) : deadline_(deadline) {}
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;
  ~Session() {
    if (fd_ >= 0) close(fd_);
  }

  bool timed_out() const { return timed_out_; }
  const std::string& problem() const { return problem_; }
  const std::string& last_line() const { return last_line_; }

  // Connects to `to`, from `from` when given (its port 0: the kernel picks
  // one at connect, IP_BIND_ADDRESS_NO_PORT, so that many connections from
  // one address to different servers do not use up the ephemeral ports).
  bool connect_to(const Endpoint& to, const Endpoint* from = nullptr) {
    fd_ = socket(to.addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd_ < 0) return fail(std::string("socket: ") + strerror(errno));
    if (from != nullptr) {
      int one = 1;
      setsockopt(fd_, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one);
      if (bind(fd_, reinterpret_cast<const sockaddr*>(&from->addr), from->addr_len) != 0)
        return fail(std::string("bind: ") + strerror(errno));
    }
    if (connect(fd_, reinterpret_cast<const sockaddr*>(&to.addr), to.addr_len) != 0) {
      if (errno != EINPROGRESS) return fail(std::string("connect: ") + strerror(errno));
      if (!wait_for(POLLOUT)) return false;
      int err = 0;
      socklen_t len = sizeof err;
      if (getsockopt(fd_, SOL_SOCKET, SO_ERROR, &err, &len) != 0) err = errno;
      if (err != 0) return fail(std::string("connect: ") + strerror(err));
    }
    // Each command is one small write answered before the next: no Nagle wait.
    int one = 1;
    setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    return true;
  }

  bool send(std::string_view text) {
    while (!text.empty()) {
      ssize_t n = ::send(fd_, text.data(), text.size(), MSG_NOSIGNAL);
      if (n > 0) {
        text.remove_prefix(static_cast<std::size_t>(n));
      } else if (n < 0 && errno == EINTR) {
        continue;
      } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
        if (!wait_for(POLLOUT)) return false;
      } else {
        return fail(std::string("send: ") + strerror(errno));
      }
    }
    return true;
  }

  // Reads one reply, multi-line ("250-...", then "250 ..."); its code in
  // *code and its last line in last_line(). False on EOF, error, timeout.
  bool reply(int* code) {
    for (;;) {
      std::string line;
      if (!read_line(&line)) return false;
      if (line.size() < 3 || !std::all_of(line.begin(), line.begin() + 3, [](char c) { return c >= '0' && c <= '9'; }))
        return fail("malformed reply: " + line);
      last_line_ = line;
      if (line.size() == 3 || line[3] == ' ') {
        *code = (line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0');
        return true;
      }
      if (line[3] != '-') return fail("malformed reply: " + line);
    }
  }

  // Sends a command (when not empty) and reads its reply: true when the
  // reply's code is `want`.
  bool step(std::string_view command, int want, int* got) {
    if (!command.empty() && !send(command)) return false;
    if (!reply(got)) return false;
    if (*got != want) {
      std::string shown(command.substr(0, command.find('\r')));
      problem_ = (shown.empty() ? std::string("greeting") : shown) + ": " + last_line_;
    }
    return *got == want;
  }

  bool fail(std::string why) {
    if (problem_.empty()) problem_ = std::move(why);
    return false;
  }

 private:
  bool wait_for(short events) {
    for (;;) {
      double left = deadline_ - monotonic_seconds();
      if (left <= 0) {
        timed_out_ = true;
        return fail("timed out");
      }
      pollfd p{fd_, events, 0};
      int r = poll(&p, 1, static_cast<int>(left * 1000) + 1);
      if (r > 0) return true;
      if (r < 0 && errno != EINTR) return fail(std::string("poll: ") + strerror(errno));
    }
  }

  bool read_line(std::string* line) {
    for (;;) {
      auto nl = buf_.find('\n');
      if (nl != std::string::npos) {
        line->assign(buf_, 0, nl);
        if (!line->empty() && line->back() == '\r') line->pop_back();
        buf_.erase(0, nl + 1);
        return true;
      }
      if (buf_.size() > 4096) return fail("reply line too long");
      char chunk[1024];
      ssize_t n = recv(fd_, chunk, sizeof chunk, 0);
      if (n > 0) {
        buf_.append(chunk, static_cast<std::size_t>(n));
      } else if (n == 0) {
        return fail(buf_.empty() ? "connection closed" : "connection closed mid-line");
      } else if (errno == EINTR) {
        continue;
      } else if (errno == EAGAIN || errno == EWOULDBLOCK) {
        if (!wait_for(POLLIN)) return false;
      } else {
        return fail(std::string("recv: ") + strerror(errno));
      }
    }
  }

  int fd_ = -1;
  double deadline_;
  bool timed_out_ = false;
  std::string buf_;
  std::string last_line_;
  std::string problem_;
};

inline bool parse_long(const char* text, long min, long* out) {
  const char* end = text + strlen(text);
  auto [p, ec] = std::from_chars(text, end, *out);
  return ec == std::errc() && p == end && *out >= min;
}

// LABEL=HOST,PORT with HOST a numeric IPv4 or IPv6 address.
inline bool parse_target(std::string_view s, std::string* label, Endpoint* endpoint) {
  auto eq = s.find('=');
  auto comma = s.rfind(',');
  if (eq == std::string_view::npos || eq == 0 || comma == std::string_view::npos || comma < eq) return false;
  *label = std::string(s.substr(0, eq));
  std::string port_text(s.substr(comma + 1));
  long port = 0;
  if (!parse_long(port_text.c_str(), 1, &port)) return false;
  return endpoint->parse(std::string(s.substr(eq + 1, comma - eq - 1)), port);
}

}  // namespace smtp_test

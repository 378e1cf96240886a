// smtp-load: an SMTP load generator for the integration test and the bench.
//
//   smtp-load [-n SESSIONS] [-p PARALLEL] [-t SECONDS] LABEL=HOST,PORT...
//
// Runs SESSIONS sessions (default 2000), PARALLEL at a time (default 50),
// spread round-robin over the targets: session i goes to target i mod k.
// Each session is one TCP connection doing the whole SMTP dialogue a
// sending MTA would: greeting, EHLO, MAIL, RCPT, DATA with a small message,
// QUIT; it must end within SECONDS (default 20) from the connect, or it is
// counted as a timeout. Every session ends in exactly one class:
//
//   connect    the connection failed (refused, unreachable, ...)
//   delivered  250 after the message's final dot, then 221 to QUIT
//   deferred   450 to RCPT, then 221 to QUIT (a greylisted client)
//   timeout    no complete answer within SECONDS
//   other      anything else: a wrong code, a hang-up, a bad QUIT
//
// Output on stdout, one line per target then a total line, tab-separated:
//   LABEL sessions connect delivered deferred timeout other
// then "elapsed SECONDS", "rate SESSIONS_PER_SECOND", "inflight MAX" (the
// most sessions connected at once), "latency_ms P50 P99 MAX". The first few
// "other", "timeout" and "connect" sessions are described on stderr.
// Exit 0 when the run happened (whatever the classes), 2 on usage errors.
//
// The message's Subject names the label and the session number, so that a
// delivered file can be traced back to its session.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace {

enum Outcome { kConnect, kDelivered, kDeferred, kTimeout, kOther, kOutcomes };
constexpr const char* kOutcomeNames[kOutcomes] = {"connect", "delivered", "deferred", "timeout", "other"};

struct Target {
  std::string label;
  sockaddr_storage addr{};
  socklen_t addr_len = 0;
  std::atomic<long> counts[kOutcomes] = {};
};

double now_seconds() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

// One SMTP connection with a deadline on every wait.
class Session {
 public:
  explicit Session(double deadline) : deadline_(deadline) {}
  ~Session() {
    if (fd_ >= 0) close(fd_);
  }

  bool timed_out() const { return timed_out_; }
  const std::string& problem() const { return problem_; }

  bool connect_to(const Target& t) {
    fd_ = socket(t.addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd_ < 0) return fail(std::string("socket: ") + strerror(errno));
    if (connect(fd_, reinterpret_cast<const sockaddr*>(&t.addr), t.addr_len) == 0) return true;
    if (errno != EINPROGRESS) return fail(std::string("connect: ") + strerror(errno));
    if (!wait_for(POLLOUT)) return false;
    int err = 0;
    socklen_t len = sizeof err;
    if (getsockopt(fd_, SOL_SOCKET, SO_ERROR, &err, &len) != 0) err = errno;
    if (err != 0) return fail(std::string("connect: ") + strerror(err));
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
      double left = deadline_ - now_seconds();
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

Outcome run_session(const Target& t, long number, double timeout, std::string* problem) {
  Session s(now_seconds() + timeout);
  auto end = [&](Outcome o) {
    *problem = s.problem();
    if (o == kOther && s.timed_out()) return kTimeout;
    return o;
  };
  if (!s.connect_to(t)) return end(s.timed_out() ? kTimeout : kConnect);
  int code = 0;
  if (!s.step("", 220, &code)) return end(kOther);
  if (!s.step("EHLO load.example.org\r\n", 250, &code)) return end(kOther);
  if (!s.step("MAIL FROM:<load@example.org>\r\n", 250, &code)) return end(kOther);
  if (!s.step("RCPT TO:<rcpt@example.net>\r\n", 250, &code)) {
    if (code != 450) return end(kOther);
    if (!s.step("QUIT\r\n", 221, &code)) return end(kOther);
    return end(kDeferred);
  }
  if (!s.step("DATA\r\n", 354, &code)) return end(kOther);
  char message[512];
  int len = snprintf(message, sizeof message,
                     "From: <load@example.org>\r\n"
                     "To: <rcpt@example.net>\r\n"
                     "Subject: load %s %ld\r\n"
                     "\r\n"
                     "Session %ld of the load test, to %s.\r\n"
                     ".\r\n",
                     t.label.c_str(), number, number, t.label.c_str());
  if (!s.step(std::string_view(message, static_cast<std::size_t>(len)), 250, &code)) return end(kOther);
  if (!s.step("QUIT\r\n", 221, &code)) return end(kOther);
  return end(kDelivered);
}

bool parse_long(const char* text, long min, long* out) {
  const char* end = text + strlen(text);
  auto [p, ec] = std::from_chars(text, end, *out);
  return ec == std::errc() && p == end && *out >= min;
}

// LABEL=HOST,PORT with HOST a numeric IPv4 or IPv6 address.
bool parse_target(const char* spec, Target* t) {
  std::string_view s(spec);
  auto eq = s.find('=');
  auto comma = s.rfind(',');
  if (eq == std::string_view::npos || eq == 0 || comma == std::string_view::npos || comma < eq) return false;
  t->label = std::string(s.substr(0, eq));
  std::string host(s.substr(eq + 1, comma - eq - 1));
  std::string port_text(s.substr(comma + 1));
  long port = 0;
  if (!parse_long(port_text.c_str(), 1, &port) || port > 65535) return false;
  auto* in4 = reinterpret_cast<sockaddr_in*>(&t->addr);
  auto* in6 = reinterpret_cast<sockaddr_in6*>(&t->addr);
  if (inet_pton(AF_INET, host.c_str(), &in4->sin_addr) == 1) {
    in4->sin_family = AF_INET;
    in4->sin_port = htons(static_cast<uint16_t>(port));
    t->addr_len = sizeof *in4;
  } else if (inet_pton(AF_INET6, host.c_str(), &in6->sin6_addr) == 1) {
    in6->sin6_family = AF_INET6;
    in6->sin6_port = htons(static_cast<uint16_t>(port));
    t->addr_len = sizeof *in6;
  } else {
    return false;
  }
  return true;
}

[[noreturn]] void usage(const char* why) {
  fprintf(stderr, "smtp-load: %s\nusage: smtp-load [-n SESSIONS] [-p PARALLEL] [-t SECONDS] LABEL=HOST,PORT...\n",
          why);
  exit(2);
}

}  // namespace

int main(int argc, char** argv) {
  long sessions = 2000, parallel = 50, timeout = 20;
  int opt;
  while ((opt = getopt(argc, argv, "n:p:t:")) != -1) {
    switch (opt) {
      case 'n':
        if (!parse_long(optarg, 1, &sessions)) usage("-n: not a positive number");
        break;
      case 'p':
        if (!parse_long(optarg, 1, &parallel) || parallel > 1000) usage("-p: not a number from 1 to 1000");
        break;
      case 't':
        if (!parse_long(optarg, 1, &timeout)) usage("-t: not a positive number");
        break;
      default:
        usage("unknown option");
    }
  }
  if (optind >= argc) usage("no target");
  std::vector<Target> targets(static_cast<std::size_t>(argc - optind));
  for (int i = optind; i < argc; ++i) {
    if (!parse_target(argv[i], &targets[static_cast<std::size_t>(i - optind)]))
      usage((std::string("bad target (LABEL=HOST,PORT): ") + argv[i]).c_str());
  }
  signal(SIGPIPE, SIG_IGN);

  std::atomic<long> next{0};
  std::atomic<long> inflight{0}, inflight_max{0};
  std::vector<double> latency(static_cast<std::size_t>(sessions));
  std::mutex report_mutex;
  int reported = 0;

  auto worker = [&] {
    for (;;) {
      long i = next.fetch_add(1);
      if (i >= sessions) return;
      Target& t = targets[static_cast<std::size_t>(i) % targets.size()];
      long in = inflight.fetch_add(1) + 1;
      long seen = inflight_max.load();
      while (in > seen && !inflight_max.compare_exchange_weak(seen, in)) {
      }
      double start = now_seconds();
      std::string problem;
      Outcome o = run_session(t, i, static_cast<double>(timeout), &problem);
      latency[static_cast<std::size_t>(i)] = now_seconds() - start;
      inflight.fetch_sub(1);
      t.counts[o].fetch_add(1);
      if (o != kDelivered && o != kDeferred) {
        std::lock_guard<std::mutex> lock(report_mutex);
        if (reported++ < 10)
          fprintf(stderr, "smtp-load: session %ld to %s: %s: %s\n", i, t.label.c_str(), kOutcomeNames[o],
                  problem.c_str());
      }
    }
  };

  double start = now_seconds();
  std::vector<std::thread> threads;
  for (long i = 0; i < std::min(parallel, sessions); ++i) threads.emplace_back(worker);
  for (auto& th : threads) th.join();
  double elapsed = now_seconds() - start;

  long total[kOutcomes] = {};
  printf("label\tsessions");
  for (const char* name : kOutcomeNames) printf("\t%s", name);
  printf("\n");
  for (const Target& t : targets) {
    long n = 0;
    for (int o = 0; o < kOutcomes; ++o) n += t.counts[o].load();
    printf("%s\t%ld", t.label.c_str(), n);
    for (int o = 0; o < kOutcomes; ++o) {
      printf("\t%ld", t.counts[o].load());
      total[o] += t.counts[o].load();
    }
    printf("\n");
  }
  printf("total\t%ld", sessions);
  for (long c : total) printf("\t%ld", c);
  printf("\n");
  std::sort(latency.begin(), latency.end());
  auto at = [&](double q) { return latency[static_cast<std::size_t>(q * static_cast<double>(sessions - 1))] * 1000; };
  printf("elapsed\t%.3f\n", elapsed);
  printf("rate\t%.1f\n", static_cast<double>(sessions) / elapsed);
  printf("inflight\t%ld\n", inflight_max.load());
  printf("latency_ms\t%.1f\t%.1f\t%.1f\n", at(0.5), at(0.99), at(1.0));
  return 0;
}

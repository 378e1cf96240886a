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
#include <signal.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "smtp_session.h"

namespace {

using smtp_test::Session;
using smtp_test::parse_long;

enum Outcome { kConnect, kDelivered, kDeferred, kTimeout, kOther, kOutcomes };
constexpr const char* kOutcomeNames[kOutcomes] = {"connect", "delivered", "deferred", "timeout", "other"};

struct Target {
  std::string label;
  smtp_test::Endpoint endpoint;
  std::atomic<long> counts[kOutcomes] = {};
};

double now_seconds() { return smtp_test::monotonic_seconds(); }

Outcome run_session(const Target& t, long number, double timeout, std::string* problem) {
  Session s(now_seconds() + timeout);
  auto end = [&](Outcome o) {
    *problem = s.problem();
    if (o == kOther && s.timed_out()) return kTimeout;
    return o;
  };
  if (!s.connect_to(t.endpoint)) return end(s.timed_out() ? kTimeout : kConnect);
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
    Target& t = targets[static_cast<std::size_t>(i - optind)];
    if (!smtp_test::parse_target(argv[i], &t.label, &t.endpoint))
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

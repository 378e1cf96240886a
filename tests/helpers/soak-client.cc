// soak-client: the client of tests/soak/soak.test. Many simulated senders,
// each retrying like an MTA, against two (or more) MX hosts; then the
// figures and the checks, computed from its own records.
//
//   soak-client [-r RATE] [-d SECONDS] [-H HOLDTIME] [-t TIMEOUT]
//               [-e EVENT_FILE] [-m MARGIN] [-o RECORDS] LABEL=HOST,PORT...
//
// It opens RATE connections a second (default 20) for SECONDS (default 30),
// then waits for the connections under way (each ends within TIMEOUT
// seconds, default 10) and stops. Each connection is one attempt of one
// sender: at each tick a sender's retry that is due goes first, else a new
// sender starts. Senders still retrying at the end are counted unfinished.
//
// A sender is one address of 127.0.0.0/8 (Linux takes any of them as the
// host's own: the socket is bound to it before connect), so the servers
// must key on the whole address (JGREYLIST_PREFIX4=32). Sender i is
// 127.(1 + i/32000).(i % 128).(1 + (i/128) % 250): 128 /24s in turn, each
// getting a new sender every 20 s or so at 20 connections a second, so
// that a tree store's directories empty (a cleaner removes them) and are
// made again all along the run. Its attempt k goes to host (i + k) mod
// hosts: a retry goes to the other MX, which must find the entry the first
// one wrote. Every tenth sender tries once and never again (as spam bots
// do), leaving a pending entry behind. The others retry after a 421, a
// 450, a hang-up or a timeout, after 0.40 to 0.55 hold times (from a fixed
// seed), until a message is accepted; then they send one more message 2 s
// later, which must pass at once ("OK known").
//
// One attempt: greeting, EHLO, MAIL, RCPT; after 250, DATA with a small
// message; QUIT. Its outcome:
//
//   ok        250 to RCPT and to the message         (jgreylist passed it on)
//   grey      450 to RCPT                            (jgreylist's conversation)
//   deferred  421 greeting                           (a store error)
//   hung      no complete answer within TIMEOUT
//   other     anything else (refused, a wrong code, a hang-up mid-dialogue)
//
// EVENT_FILE, read at the end, holds the time of the failover (the master's
// SIGKILL) in milliseconds since the epoch; every time here is the real-time
// clock that jgreylist reads too. Then the failover window is [kill - 1 s,
// first OK of a connection opened after the kill + MARGIN] (MARGIN default
// 2 s). The checks, each a count whose goal is 0:
//
//   hung        connections with no complete answer within TIMEOUT
//   other       connections answered with something else than 250/450/421
//   too_early   senders accepted before their hold time (see below)
//   twice       senders greylisted again after their hold time, their
//               entry written outside the failover window
//   deferred_outside   421s on connections opened outside the window
//
// Output on stdout: one "name value" line per figure (see report()), for
// the test to read. Each sender that failed a check is described on stderr
// with its attempts. RECORDS gets every attempt, one tab-separated line:
// sender, attempt, host, start, rcpt reply time, end, outcome, problem.
// Exit 0 when the run happened (whatever the counts), 2 on usage errors.
#include <signal.h>
#include <time.h>

#include <algorithm>
#include <cmath>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <fstream>
#include <mutex>
#include <optional>
#include <queue>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "smtp_session.h"

namespace {

using smtp_test::Endpoint;
using smtp_test::Session;

enum Outcome { kOk, kGrey, kDeferred, kHung, kOther, kOutcomes };
constexpr const char* kOutcomeNames[kOutcomes] = {"ok", "grey", "deferred", "hung", "other"};

// A second attempt at once would only meet the same answer: an MTA waits.
constexpr double kRetryMin = 0.40, kRetryMax = 0.55;  // in hold times
constexpr double kKnownDelay = 2.0;                   // pass to the next message
constexpr int kOneShotEvery = 10;
// The replica gets each write within milliseconds on loopback; a write in
// the last second before the kill may still be lost (Redis replicates
// asynchronously): the window starts one second before the kill.
constexpr double kBeforeKill = 1.0;

double realtime_now() {
  timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

struct Host {
  std::string label;
  Endpoint endpoint;
};

struct Attempt {
  int host = 0;
  double scheduled = 0, start = 0, rcpt = 0, end = 0;  // rcpt: when RCPT's reply came, 0 if none
  int rcpt_code = 0;                                   // 250: jgreylist passed the sender on
  Outcome outcome = kOther;
  std::string problem;
};

struct Sender {
  long index = 0;
  Endpoint from;
  std::string address;
  bool one_shot = false;
  bool busy = false;  // an attempt queued or under way
  std::vector<Attempt> attempts;

  const Attempt* first_ok() const {
    for (const Attempt& a : attempts)
      if (a.outcome == kOk) return &a;
    return nullptr;
  }
  int oks() const {
    return static_cast<int>(std::count_if(attempts.begin(), attempts.end(), [](const Attempt& a) { return a.outcome == kOk; }));
  }
  // Done: accepted twice (the pass and the known message), or a one-shot.
  bool done() const { return oks() >= 2 || (one_shot && !attempts.empty()); }
};

struct Settings {
  double rate = 20, seconds = 30, holdtime = 3, timeout = 10, margin = 2;
  std::string event_file, records_file;
  std::vector<Host> hosts;
};

std::string sender_address(long i) {
  return "127." + std::to_string(1 + i / 32000) + "." + std::to_string(i % 128) + "." + std::to_string(1 + (i / 128) % 250);
}

// One attempt's dialogue; fills start..end, outcome and problem.
void run_attempt(const Settings& s, const Sender& sender, std::size_t number, Attempt* a) {
  Session session(smtp_test::monotonic_seconds() + s.timeout);
  a->start = realtime_now();
  auto finish = [&](Outcome o) {
    a->end = realtime_now();
    a->outcome = session.timed_out() ? kHung : o;
    a->problem = session.problem();
  };
  int code = 0;
  if (!session.connect_to(s.hosts[static_cast<std::size_t>(a->host)].endpoint, &sender.from)) return finish(kOther);
  if (!session.step("", 220, &code)) return finish(code == 421 ? kDeferred : kOther);
  if (!session.step("EHLO soak.example.org\r\n", 250, &code)) return finish(kOther);
  if (!session.step("MAIL FROM:<soak@example.org>\r\n", 250, &code)) return finish(kOther);
  code = 0;
  bool passed = session.step("RCPT TO:<rcpt@example.net>\r\n", 250, &code);
  if (code != 0) {
    a->rcpt = realtime_now();
    a->rcpt_code = code;
  }
  if (!passed) {
    if (code != 450) return finish(kOther);
    if (!session.step("QUIT\r\n", 221, &code)) return finish(kOther);
    return finish(kGrey);
  }
  if (!session.step("DATA\r\n", 354, &code)) return finish(kOther);
  std::string message = "From: <soak@example.org>\r\nTo: <rcpt@example.net>\r\nSubject: soak " + sender.address +
                        " " + std::to_string(number) + "\r\n\r\nA soak test message.\r\n.\r\n";
  if (!session.step(message, 250, &code)) return finish(kOther);
  if (!session.step("QUIT\r\n", 221, &code)) return finish(kOther);
  finish(kOk);
}

// The senders, their retries and the workers that run the attempts.
class Load {
 public:
  explicit Load(const Settings& s) : s_(s), random_(1) {}

  void run() {
    std::size_t workers = static_cast<std::size_t>(std::clamp(s_.rate * s_.timeout, 8.0, 1000.0));
    std::vector<std::thread> threads;
    for (std::size_t i = 0; i < workers; ++i) threads.emplace_back([this] { work(); });
    dispatch();
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stopping_ = true;
    }
    ready_.notify_all();
    for (auto& t : threads) t.join();
  }

  const std::deque<Sender>& senders() const { return senders_; }
  double started() const { return started_; }
  double stopped() const { return stopped_; }

 private:
  struct Job {
    Sender* sender;
    std::size_t attempt;
  };

  void dispatch() {
    double mono0 = smtp_test::monotonic_seconds();
    started_ = realtime_now();
    const double tick = 1 / s_.rate;
    for (long k = 0;; ++k) {
      double offset = static_cast<double>(k) * tick;
      if (offset >= s_.seconds) break;
      double wait = mono0 + offset - smtp_test::monotonic_seconds();
      if (wait > 0) {
        timespec ts{static_cast<time_t>(wait), static_cast<long>((wait - std::floor(wait)) * 1e9)};
        nanosleep(&ts, nullptr);
      }
      std::lock_guard<std::mutex> lock(mutex_);
      double now = realtime_now();
      if (!retries_.empty() && retries_.top().first <= now) {
        Sender* sender = retries_.top().second;
        retries_.pop();
        queue_attempt(sender, now);
      } else {
        queue_attempt(new_sender(), now);
      }
    }
    stopped_ = realtime_now();
  }

  Sender* new_sender() {
    Sender& sender = senders_.emplace_back();
    sender.index = static_cast<long>(senders_.size() - 1);
    sender.address = sender_address(sender.index);
    sender.from.parse(sender.address, 0);
    sender.one_shot = sender.index % kOneShotEvery == kOneShotEvery - 1;
    return &sender;
  }

  // Under mutex_.
  void queue_attempt(Sender* sender, double now) {
    Attempt& a = sender->attempts.emplace_back();
    a.host = static_cast<int>((sender->index + static_cast<long>(sender->attempts.size()) - 1) % static_cast<long>(s_.hosts.size()));
    a.scheduled = now;
    sender->busy = true;
    jobs_.push_back({sender, sender->attempts.size() - 1});
    ready_.notify_one();
  }

  void work() {
    for (;;) {
      Job job;
      Attempt attempt;
      {
        std::unique_lock<std::mutex> lock(mutex_);
        ready_.wait(lock, [this] { return stopping_ || !jobs_.empty(); });
        if (jobs_.empty()) return;
        job = jobs_.front();
        jobs_.pop_front();
        attempt = job.sender->attempts[job.attempt];
      }
      run_attempt(s_, *job.sender, job.attempt, &attempt);
      std::lock_guard<std::mutex> lock(mutex_);
      job.sender->attempts[job.attempt] = attempt;
      job.sender->busy = false;
      if (job.sender->done()) continue;
      double delay = attempt.outcome == kOk ? kKnownDelay
                                            : s_.holdtime * std::uniform_real_distribution<double>(kRetryMin, kRetryMax)(random_);
      retries_.push({attempt.end + delay, job.sender});
    }
  }

  const Settings& s_;
  std::mt19937 random_;
  std::mutex mutex_;
  std::condition_variable ready_;
  std::deque<Sender> senders_;  // a deque: senders never move
  std::deque<Job> jobs_;
  using Due = std::pair<double, Sender*>;
  struct Later {
    bool operator()(const Due& a, const Due& b) const { return a.first > b.first; }
  };
  std::priority_queue<Due, std::vector<Due>, Later> retries_;
  bool stopping_ = false;
  double started_ = 0, stopped_ = 0;
};

// jgreylist compares whole seconds (v8's time_t): it passes a sender when
// floor(now) - floor(first seen) >= HOLDTIME. first seen is at or after the
// sender's first connect, now at or before the 250's arrival, so a 250
// with floor(arrival) - floor(first connect) < HOLDTIME passed too early;
// no slack is needed, except that the tree's times come from the kernel's
// coarse clock, which may lag the real-time clock by a tick (1 to 10 ms):
// first connect is taken 50 ms early. (So a sender may pass up to a second
// short of HOLDTIME in real time, first seen at x.99 and back at x+H.01:
// counted apart, as under_holdtime, a figure and no failure.)
constexpr double kCoarseClock = 0.05;

long whole_seconds_between(double from, double to) { return static_cast<long>(std::floor(to)) - static_cast<long>(std::floor(from)); }

struct Failover {
  double kill = 0;            // 0: none
  double first_answer = 0;    // first 250 or 450 on a connection opened after the kill
  double first_ok = 0;        // first 250 to RCPT on one
  double window_from = 0, window_to = 0;
  bool in_window(double from, double to) const { return kill > 0 && to >= window_from && from <= window_to; }
};

std::optional<double> read_event(const std::string& path) {
  if (path.empty()) return std::nullopt;
  std::ifstream in(path);
  long long ms = 0;
  if (!(in >> ms) || ms <= 0) return std::nullopt;
  return static_cast<double>(ms) / 1000;
}

Failover failover_of(const Settings& s, const std::deque<Sender>& senders) {
  Failover f;
  auto kill = read_event(s.event_file);
  if (!kill) return f;
  f.kill = *kill;
  for (const Sender& sender : senders) {
    for (const Attempt& a : sender.attempts) {
      if (a.start < f.kill || a.rcpt == 0) continue;
      if (a.rcpt_code == 250 && (f.first_ok == 0 || a.rcpt < f.first_ok)) f.first_ok = a.rcpt;
      if ((a.rcpt_code == 250 || a.rcpt_code == 450) && (f.first_answer == 0 || a.rcpt < f.first_answer))
        f.first_answer = a.rcpt;
    }
  }
  f.window_from = f.kill - kBeforeKill;
  f.window_to = f.first_ok > 0 ? f.first_ok + s.margin : 1e18;
  return f;
}

void describe(const char* why, const Sender& sender, double t0) {
  fprintf(stderr, "soak-client: %s: sender %s%s, times from the run's start:\n", why, sender.address.c_str(),
          sender.one_shot ? " (one-shot)" : "");
  for (const Attempt& a : sender.attempts) {
    if (a.start == 0) continue;
    fprintf(stderr, "    host %d at %.3f, rcpt %.3f, end %.3f: %s%s%s\n", a.host, a.start - t0,
            a.rcpt > 0 ? a.rcpt - t0 : 0.0, a.end - t0, kOutcomeNames[a.outcome], a.problem.empty() ? "" : ": ",
            a.problem.c_str());
  }
}

void write_records(const std::string& path, const std::deque<Sender>& senders) {
  if (path.empty()) return;
  FILE* out = fopen(path.c_str(), "w");
  if (out == nullptr) return;
  for (const Sender& sender : senders) {
    for (std::size_t k = 0; k < sender.attempts.size(); ++k) {
      const Attempt& a = sender.attempts[k];
      fprintf(out, "%s\t%zu\t%d\t%.6f\t%.6f\t%.6f\t%s\t%s\n", sender.address.c_str(), k, a.host, a.start, a.rcpt, a.end,
              a.start == 0 ? "not-run" : kOutcomeNames[a.outcome], a.problem.c_str());
    }
  }
  fclose(out);
}

double percentile(std::vector<double> v, double q) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[static_cast<std::size_t>(q * static_cast<double>(v.size() - 1))];
}

void report(const Settings& s, const Load& load) {
  const std::deque<Sender>& senders = load.senders();
  const double t0 = load.started();
  Failover f = failover_of(s, senders);
  long outcomes[kOutcomes] = {}, connections = 0, late = 0, deferred_outside = 0;
  std::vector<std::vector<long>> by_host(s.hosts.size(), std::vector<long>(kOutcomes));
  long passed = 0, one_shots = 0, unfinished = 0, known = 0, too_early = 0, twice = 0, twice_in_window = 0;
  long under_holdtime = 0, seen = 0, seen_uncertain = 0;
  int described = 0;
  std::vector<double> delays;
  for (const Sender& sender : senders) {
    one_shots += sender.one_shot;
    // A sender answered 250 or 450 has an entry in the store, one each:
    // the test compares the store with this. A one-shot sender whose only
    // attempt fell in the failover window may have a lost entry, or one
    // written just before its connection broke (a 421): either way.
    bool answered = std::any_of(sender.attempts.begin(), sender.attempts.end(),
                                [](const Attempt& a) { return a.rcpt_code == 250 || a.rcpt_code == 450; });
    seen += answered;
    if (sender.one_shot && !sender.attempts.empty() && f.in_window(sender.attempts[0].start, sender.attempts[0].end))
      ++seen_uncertain;
    const Attempt* first_grey = nullptr;
    bool early = false, again = false;
    double first_connect = 0;
    for (const Attempt& a : sender.attempts) {
      if (a.start == 0) continue;  // queued, never run (cannot happen: the queue is drained)
      if (first_connect == 0) first_connect = a.start;
      ++connections;
      ++outcomes[a.outcome];
      ++by_host[static_cast<std::size_t>(a.host)][a.outcome];
      if (a.start - a.scheduled > 0.5) ++late;
      if (a.outcome == kDeferred && !f.in_window(a.start, a.start)) ++deferred_outside;
      if (a.rcpt_code == 250 && whole_seconds_between(first_connect - kCoarseClock, a.rcpt) < s.holdtime) early = true;
      // The entry exists from the first 450's arrival on: a 450 on a
      // connection opened a hold time after it means the entry was lost.
      if (a.outcome == kGrey && first_grey != nullptr && whole_seconds_between(first_grey->rcpt, a.start) >= s.holdtime)
        again = true;
      if (a.outcome == kGrey && first_grey == nullptr) first_grey = &a;
    }
    if (const Attempt* ok = sender.first_ok()) {
      ++passed;
      delays.push_back(ok->rcpt - first_connect);
      if (ok->rcpt - first_connect < s.holdtime) ++under_holdtime;
    }
    if (sender.oks() >= 2) ++known;
    if (!sender.done()) ++unfinished;
    if (early) ++too_early;
    bool excused = again && first_grey != nullptr && f.in_window(first_grey->start, first_grey->rcpt);
    if (again && excused) ++twice_in_window;
    if (again && !excused) ++twice;
    if ((early || (again && !excused)) && described++ < 10)
      describe(early ? "accepted before its hold time" : "greylisted again after its hold time", sender, t0);
  }
  write_records(s.records_file, senders);

  double elapsed = load.stopped() - t0;
  printf("seconds %.1f\n", elapsed);
  printf("connections %ld\n", connections);
  printf("rate %.1f\n", elapsed > 0 ? static_cast<double>(connections) / elapsed : 0);
  for (int o = 0; o < kOutcomes; ++o) printf("%s %ld\n", kOutcomeNames[o], outcomes[o]);
  for (std::size_t h = 0; h < s.hosts.size(); ++h) {
    printf("host_%s", s.hosts[h].label.c_str());
    for (int o = 0; o < kOutcomes; ++o) printf(" %s=%ld", kOutcomeNames[o], by_host[h][o]);
    printf("\n");
  }
  printf("late_starts %ld\n", late);
  printf("senders %zu\n", senders.size());
  printf("one_shots %ld\n", one_shots);
  printf("seen %ld\n", seen);
  printf("seen_uncertain %ld\n", seen_uncertain);
  printf("passed %ld\n", passed);
  printf("known %ld\n", known);
  printf("unfinished %ld\n", unfinished);
  printf("delay_min %.2f\n", percentile(delays, 0.0));
  printf("delay_median %.2f\n", percentile(delays, 0.5));
  printf("delay_max %.2f\n", percentile(delays, 1.0));
  printf("too_early %ld\n", too_early);
  printf("under_holdtime %ld\n", under_holdtime);
  printf("twice %ld\n", twice);
  printf("twice_in_window %ld\n", twice_in_window);
  printf("deferred_outside %ld\n", deferred_outside);
  if (f.kill > 0) {
    printf("kill_at %.2f\n", f.kill - t0);
    printf("kill_to_first_answer %.2f\n", f.first_answer > 0 ? f.first_answer - f.kill : -1.0);
    printf("kill_to_first_ok %.2f\n", f.first_ok > 0 ? f.first_ok - f.kill : -1.0);
    printf("window %.2f %.2f\n", f.window_from - t0, f.first_ok > 0 ? f.window_to - t0 : -1.0);
  }
}

[[noreturn]] void usage(const std::string& why) {
  fprintf(stderr,
          "soak-client: %s\nusage: soak-client [-r RATE] [-d SECONDS] [-H HOLDTIME] [-t TIMEOUT] [-e EVENT_FILE] "
          "[-m MARGIN] [-o RECORDS] LABEL=HOST,PORT...\n",
          why.c_str());
  exit(2);
}

double positive(const char* option, const char* text, long max) {
  long n = 0;
  if (!smtp_test::parse_long(text, 1, &n) || n > max) usage(std::string(option) + ": not a number from 1 to " + std::to_string(max));
  return static_cast<double>(n);
}

}  // namespace

int main(int argc, char** argv) {
  Settings s;
  int opt;
  while ((opt = getopt(argc, argv, "r:d:H:t:e:m:o:")) != -1) {
    switch (opt) {
      case 'r': s.rate = positive("-r", optarg, 1000); break;
      case 'd': s.seconds = positive("-d", optarg, 86400); break;
      case 'H': s.holdtime = positive("-H", optarg, 60); break;
      case 't': s.timeout = positive("-t", optarg, 300); break;
      case 'm': s.margin = positive("-m", optarg, 60); break;
      case 'e': s.event_file = optarg; break;
      case 'o': s.records_file = optarg; break;
      default: usage("unknown option");
    }
  }
  if (optind >= argc) usage("no target");
  for (int i = optind; i < argc; ++i) {
    Host& h = s.hosts.emplace_back();
    if (!smtp_test::parse_target(argv[i], &h.label, &h.endpoint)) usage(std::string("bad target (LABEL=HOST,PORT): ") + argv[i]);
  }
  signal(SIGPIPE, SIG_IGN);
  Load load(s);
  load.run();
  report(s, load);
  return 0;
}

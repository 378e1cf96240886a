// report-log-gen: a large, realistic log of jgreylist, jgreylist-queue and
// jgreylist-policy for `jgreylist-admin report`, with the figures the
// report must find (tests/integration/report.test, bench/report-bench).
//
//   report-log-gen [--bytes N[K|M|G]] [--lines N] [--seed S] [--start UNIX]
//                  [--gap-ms MS] [--ipv6 PERCENT]
//                  [--stamp tai64n|iso|svlogd|syslog|none]
//                  [--format jgreylist|postfix] [--counts FILE]
//                  [--postgrey-db FILE]
//
// Writes whole lines to stdout, in time order, until the next would pass
// --bytes or --lines are written (without either, 100M bytes). A new event comes every
// 0..2*MS milliseconds (default 250 ms: a 1 GB log spans about four weeks)
// from --start (default 2026-11-02T00:00:00Z):
//   30%  a new key greylisted, "GREY first time": a jgreylist client's /24
//        or /64 (40%), a jgreylist-queue or jgreylist-policy triplet (30%
//        each). Three in four come back: "OK known" 5 minutes to 8 hours
//        later (a pass), after 0-2 "GREY too soon" retries in the first
//        280 s; the others make 0-2 such retries and never pass.
//   55%  a known client passes, "OK known", of networks and senders no new
//        key uses, so that it ends no followed key;
//   15%  a client is denied, "DENY blacklisted" (jgreylist).
// Every key is distinct (its network, or its sender, numbered), so the
// figures are known exactly: the report's decisions by verdict, its delays
// (count, sum, max: from the first attempt to the pass, in the whole
// seconds of the stamps), the keys that never came back and those still
// waiting at the log's end (by the report's rule: first attempt more than
// the pending age, 1 day, before the last time stamp) and the too-soon
// attempts and keys. They are written as "name value" lines to --counts
// (default: standard error).
//
// --format postfix writes, for the same events, what Postfix logs with
// postgrey as its policy service (the baseline of bench/report-bench): a
// greylisted attempt is smtpd's "NOQUEUE: reject: RCPT from HOST[IP]: 450
// 4.2.0 <R>: Recipient address rejected: Greylisted, ...; from=<S> to=<R>
// proto=ESMTP helo=<HOST>", a pass its "QUEUEID: client=HOST[IP]", a deny
// its 554 reject; syslog stamps. --postgrey-db FILE writes the triplets
// postgrey would hold at the end, "KEY<TAB>FIRST,LAST" (its key by subnet:
// "a.b.c.0/sender/recipient", lowercased, numbers in the sender's local part
// as postgrey substitutes them), for a postgrey.db that postgreyreport
// reads: a pass lasted at least postgrey's delay, the others did not.
//
// Exit 0, 2 on usage errors, 111 when writing fails.
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <queue>
#include <string>
#include <string_view>
#include <vector>

namespace {

constexpr std::int64_t kPendingAge = 86400;  // the report's default

enum class Stamp { tai64n, iso, svlogd, syslog, none };
enum class Format { jgreylist, postfix };
enum class Prog : std::uint8_t { jgreylist, queue, policy };
enum class Kind : std::uint8_t { first, too_soon, pass, known, deny };

struct Options {
  std::uint64_t bytes = 0;  // 0: not given
  std::uint64_t lines = UINT64_MAX;
  std::uint64_t seed = 20261202;
  std::int64_t start = 1793577600;  // 2026-11-02T00:00:00Z
  std::int64_t gap_ms = 250;
  int ipv6 = 10;
  Stamp stamp = Stamp::tai64n;
  Format format = Format::jgreylist;
  const char* counts = nullptr;
  const char* postgrey_db = nullptr;
};

// splitmix64: fast, and the same log for the same seed.
struct Rng {
  std::uint64_t state;
  std::uint64_t next() {
    std::uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  std::uint64_t below(std::uint64_t n) { return next() % n; }
};

// Who one line is about.
struct Client {
  Prog prog = Prog::jgreylist;
  bool v6 = false;
  std::uint32_t net = 0;  // v4: the /24's 24 bits; v6: the /64's low 32 bits
  std::uint8_t host = 1;
  bool known = false;     // of the known clients' space, apart from new keys
  std::uint64_t sender = 0;  // a new key's number, or a known sender's
  std::uint32_t domain = 0;
  bool spam = false;      // a never-returner's domain, from a wide space
  std::uint32_t rcpt = 0;
};

// A line to write later: a retry or a pass of a new key.
struct Event {
  std::int64_t ms;
  std::uint64_t seq;  // ties in creation order
  Kind kind;
  bool counts_key;    // the key's first too-soon retry
  Client client;
  std::int64_t first_s;  // the key's first attempt, whole seconds
  bool operator>(const Event& o) const { return ms != o.ms ? ms > o.ms : seq > o.seq; }
};

struct Counts {
  std::uint64_t lines = 0, bytes = 0, decisions = 0;
  std::uint64_t by_kind[5] = {};
  std::uint64_t by_prog[3] = {};
  std::uint64_t delays = 0, delay_sum = 0, delay_max = 0;
  std::uint64_t never = 0, waiting = 0, too_soon_keys = 0;
  std::int64_t first_s = 0, last_s = 0;
};

class Writer {
 public:
  explicit Writer(int fd) : fd_(fd) { buf_.reserve(kSize + 4096); }
  std::string& buf() { return buf_; }
  void flush_if_full() {
    if (buf_.size() >= kSize) flush();
  }
  void flush() {
    std::size_t at = 0;
    while (at < buf_.size()) {
      ssize_t n = write(fd_, buf_.data() + at, buf_.size() - at);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) {
        std::fprintf(stderr, "report-log-gen: write: %s\n", std::strerror(errno));
        std::exit(111);
      }
      at += static_cast<std::size_t>(n);
    }
    buf_.clear();
  }

 private:
  static constexpr std::size_t kSize = 1 << 20;
  int fd_;
  std::string buf_;
};

void put_u(std::string& s, std::uint64_t v) {
  char tmp[24];
  int n = 0;
  do {
    tmp[n++] = static_cast<char>('0' + v % 10);
    v /= 10;
  } while (v != 0);
  while (n > 0) s += tmp[--n];
}

void put_2(std::string& s, int v) {
  s += static_cast<char>('0' + v / 10);
  s += static_cast<char>('0' + v % 10);
}

void put_hex(std::string& s, std::uint64_t v, int digits) {
  static constexpr char kHex[] = "0123456789abcdef";
  for (int i = digits - 1; i >= 0; --i) s += kHex[(v >> (4 * i)) & 15];
}

void put_hex_short(std::string& s, std::uint32_t v) {  // an IPv6 group, no leading zeros
  bool started = false;
  for (int i = 3; i >= 0; --i) {
    unsigned d = (v >> (4 * i)) & 15;
    if (d == 0 && !started && i != 0) continue;
    started = true;
    s += "0123456789abcdef"[d];
  }
}

// The civil date of a day since 1970-01-01 (Howard Hinnant's algorithm).
void civil(std::int64_t days, int* y, int* m, int* d) {
  days += 719468;
  std::int64_t era = (days >= 0 ? days : days - 146096) / 146097;
  std::int64_t doe = days - era * 146097;
  std::int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  std::int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  std::int64_t mp = (5 * doy + 2) / 153;
  *d = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
  *m = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  *y = static_cast<int>(yoe + era * 400 + (*m <= 2));
}

// The logger's part of a line, cached for the second it is in.
class Stamper {
 public:
  explicit Stamper(Stamp stamp) : stamp_(stamp) {}
  void put(std::string& s, std::int64_t ms) {
    std::int64_t sec = ms / 1000;
    int milli = static_cast<int>(ms % 1000);
    if (sec != cached_) prepare(sec);
    switch (stamp_) {
      case Stamp::tai64n:
        s += head_;
        put_hex(s, static_cast<std::uint64_t>(milli) * 1000000u + 4711u, 8);
        s += ' ';
        break;
      case Stamp::iso:
        s += head_;
        s += '.';
        put_2(s, milli / 10);
        s += static_cast<char>('0' + milli % 10);
        s += "123+00:00 mx ";
        break;
      case Stamp::svlogd:
        s += head_;
        s += '.';
        put_2(s, milli / 10);
        s += static_cast<char>('0' + milli % 10);
        s += "12 ";
        break;
      case Stamp::syslog: s += head_; break;
      case Stamp::none: break;
    }
  }

 private:
  void prepare(std::int64_t sec) {
    cached_ = sec;
    head_.clear();
    int y, mo, d;
    civil(sec / 86400, &y, &mo, &d);
    int hms = static_cast<int>(sec % 86400);
    auto date = [&](char between) {
      put_u(head_, static_cast<std::uint64_t>(y));
      head_ += '-';
      put_2(head_, mo);
      head_ += '-';
      put_2(head_, d);
      head_ += between;
    };
    auto time = [&] {
      put_2(head_, hms / 3600);
      head_ += ':';
      put_2(head_, hms / 60 % 60);
      head_ += ':';
      put_2(head_, hms % 60);
    };
    switch (stamp_) {
      case Stamp::tai64n:
        head_ += '@';
        put_hex(head_, (std::uint64_t{1} << 62) + 10 + static_cast<std::uint64_t>(sec), 16);
        break;
      case Stamp::iso: date('T'); time(); break;
      case Stamp::svlogd: date('_'); time(); break;
      case Stamp::syslog: {
        static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                  "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
        head_ += kMonths[mo - 1];
        head_ += ' ';
        head_ += d < 10 ? ' ' : static_cast<char>('0' + d / 10);
        head_ += static_cast<char>('0' + d % 10);
        head_ += ' ';
        time();
        head_ += " mx ";
        break;
      }
      case Stamp::none: break;
    }
  }

  Stamp stamp_;
  std::int64_t cached_ = -1;
  std::string head_;
};

// --- who a line is about, as text ------------------------------------------------

void put_address(std::string& s, const Client& c) {
  if (c.v6) {
    s += c.known ? "2a00:1450:" : "2001:db8:";
    put_hex_short(s, c.net >> 16);
    s += ':';
    put_hex_short(s, c.net & 0xffff);
    s += "::";
    put_hex_short(s, c.host);
    return;
  }
  // New keys' /24s have first octets 1..126, known clients' 128..223.
  std::uint32_t a = c.known ? 128 + (c.net >> 16) % 96 : 1 + (c.net >> 16) % 126;
  put_u(s, a);
  s += '.';
  put_u(s, (c.net >> 8) & 255);
  s += '.';
  put_u(s, c.net & 255);
  s += '.';
  put_u(s, c.host);
}

// A number in letters ("bcd"): names without digits, so that no host name
// holds its address's last two numbers, which postgrey would take for a
// dial-up pool and key on the whole address.
void put_letters(std::string& s, std::uint64_t v) {
  char tmp[16];
  int n = 0;
  do {
    tmp[n++] = static_cast<char>('a' + v % 26);
    v /= 26;
  } while (v != 0);
  while (n > 0) s += tmp[--n];
}

void put_domain(std::string& s, const Client& c) {
  if (c.spam) {
    s += "spam";
    put_letters(s, c.domain);
    s += ".example.biz";
    return;
  }
  static constexpr const char* kTlds[] = {".example.com", ".example.org", ".example.net", ".example.de"};
  s += "mail";
  put_letters(s, c.domain);
  s += kTlds[c.domain % 4];
}

// The sender's local part, as logged: a new key's is numbered ("u4711x");
// a pass sometimes writes it another way that normalises the same.
void put_sender(std::string& s, const Client& c, int variant) {
  if (c.known) {
    s += "news";
    put_u(s, c.sender % 100);
    s += "x@";
  } else {
    s += variant == 1 ? "U" : "u";
    put_u(s, c.sender);
    s += 'x';
    if (variant == 2) s += "+bounce-4711";
    s += '@';
  }
  put_domain(s, c);
}

void put_recipient(std::string& s, const Client& c) {
  s += "user";
  put_u(s, c.rcpt);
  s += "@mx.example.net";
}

void put_host(std::string& s, const Client& c) {
  s += "mta";
  s += static_cast<char>('a' + c.host % 8);
  s += '.';
  put_domain(s, c);
}

constexpr std::string_view kWords[] = {"GREY first time", "GREY too soon", "OK known", "OK known", "DENY blacklisted"};
constexpr std::string_view kProgNames[] = {"jgreylist", "jgreylist-queue", "jgreylist-policy"};

class Generator {
 public:
  explicit Generator(const Options& o) : o_(o), rng_{o.seed}, stamper_(o.stamp), out_(1) {}

  void run() {
    std::int64_t now = o_.start * 1000;
    for (;;) {
      now += static_cast<std::int64_t>(rng_.below(static_cast<std::uint64_t>(2 * o_.gap_ms) + 1));
      while (!events_.empty() && events_.top().ms <= now) {
        Event e = events_.top();
        if (!emit(e.ms, e.kind, e.client, e.first_s, e.counts_key)) return finish();
        events_.pop();
      }
      if (!fresh(now)) return finish();
    }
  }

 private:
  // A new event at `ms`: false when the log is full.
  bool fresh(std::int64_t ms) {
    std::uint64_t u = rng_.below(100);
    Client c;
    if (u < 30) return new_key(ms);
    c.known = true;
    c.prog = pick_prog();
    c.v6 = static_cast<int>(rng_.below(100)) < o_.ipv6;
    c.net = static_cast<std::uint32_t>(rng_.below(c.v6 ? 0xffffffffu : 96u << 16));
    c.host = static_cast<std::uint8_t>(1 + rng_.below(254));
    c.sender = rng_.below(5000);
    c.domain = static_cast<std::uint32_t>(skewed(20000));
    c.rcpt = static_cast<std::uint32_t>(rng_.below(500));
    if (u < 85) return emit(ms, Kind::known, c, 0, false);
    c.prog = Prog::jgreylist;
    return emit(ms, Kind::deny, c, 0, false);
  }

  bool new_key(std::int64_t ms) {
    Client c;
    std::uint64_t id = keys_++;
    c.prog = pick_prog();
    c.v6 = static_cast<int>(rng_.below(100)) < o_.ipv6;
    if (c.prog == Prog::jgreylist) {
      // Every jgreylist key a network of its own: id * a prime, modulo the
      // 126 * 65536 /24s, is one to one (the prime divides none of 2, 3, 7).
      c.net = c.v6 ? static_cast<std::uint32_t>(id) : static_cast<std::uint32_t>((id * 1000003u) % (126u << 16));
    } else {
      c.net = static_cast<std::uint32_t>(rng_.below(c.v6 ? 0xffffffffu : 126u << 16));
    }
    c.host = static_cast<std::uint8_t>(1 + rng_.below(254));
    c.sender = id;
    c.rcpt = static_cast<std::uint32_t>(rng_.below(500));
    bool returns = rng_.below(4) != 0;
    c.spam = !returns;
    c.domain = static_cast<std::uint32_t>(returns ? skewed(20000) : rng_.below(1000000));
    std::int64_t first_s = ms / 1000;
    if (!emit(ms, Kind::first, c, first_s, false)) return false;
    int retries = static_cast<int>(rng_.below(100));
    retries = retries < 50 ? 0 : retries < 85 ? 1 : 2;
    std::int64_t at = ms;
    for (int i = 0; i < retries; ++i) {
      at += 30000 + static_cast<std::int64_t>(rng_.below(110000));  // at most 280 s after the first
      Client again = c;
      again.host = static_cast<std::uint8_t>(1 + rng_.below(254));
      events_.push(Event{at, seq_++, Kind::too_soon, i == 0, again, first_s});
    }
    if (returns) {
      std::uint64_t v = rng_.below(100);
      std::int64_t delay = v < 60   ? 300 + static_cast<std::int64_t>(rng_.below(600))
                           : v < 85 ? 900 + static_cast<std::int64_t>(rng_.below(2700))
                           : v < 97 ? 3600 + static_cast<std::int64_t>(rng_.below(10800))
                                    : 14400 + static_cast<std::int64_t>(rng_.below(14400));
      Client again = c;
      again.host = static_cast<std::uint8_t>(1 + rng_.below(254));
      events_.push(Event{ms + delay * 1000 + static_cast<std::int64_t>(rng_.below(1000)), seq_++, Kind::pass, false, again,
                         first_s});
    } else {
      never_.push_back(first_s);
    }
    return true;
  }

  Prog pick_prog() {
    std::uint64_t p = rng_.below(10);
    return p < 4 ? Prog::jgreylist : p < 7 ? Prog::queue : Prog::policy;
  }

  // 0..n-1, small numbers far more often (a few big senders, many small).
  std::uint64_t skewed(std::uint64_t n) {
    double u = static_cast<double>(rng_.next() >> 11) / 9007199254740992.0;
    return static_cast<std::uint64_t>(static_cast<double>(n) * u * u * u);
  }

  // Writes one line: false, writing nothing, when it would not fit.
  bool emit(std::int64_t ms, Kind kind, const Client& c, std::int64_t first_s, bool counts_key) {
    if (counts_.lines >= o_.lines) return false;
    std::string& s = out_.buf();
    std::size_t mark = s.size();
    stamper_.put(s, ms);
    if (o_.format == Format::postfix) {
      postfix_line(s, kind, c);
    } else {
      jgreylist_line(s, kind, c);
    }
    s += '\n';
    std::uint64_t n = s.size() - mark;
    if (counts_.bytes + n > o_.bytes) {
      s.resize(mark);
      return false;
    }
    counts_.bytes += n;
    ++counts_.lines;
    ++counts_.decisions;
    ++counts_.by_kind[static_cast<int>(kind)];
    ++counts_.by_prog[static_cast<int>(c.prog)];
    std::int64_t sec = ms / 1000;
    if (counts_.lines == 1) counts_.first_s = sec;
    counts_.last_s = sec;
    if (counts_key) ++counts_.too_soon_keys;
    if (kind == Kind::pass) {
      auto delay = static_cast<std::uint64_t>(sec - first_s);
      ++counts_.delays;
      counts_.delay_sum += delay;
      counts_.delay_max = std::max(counts_.delay_max, delay);
      db_entry(c, first_s, sec);
    }
    if (kind == Kind::first && c.spam) db_entry(c, first_s, first_s);
    // Never-returners more than the pending age old: the report has ended them.
    while (!never_.empty() && never_.front() + kPendingAge < sec) {
      never_.pop_front();
      ++counts_.never;
    }
    out_.flush_if_full();
    return true;
  }

  void jgreylist_line(std::string& s, Kind kind, const Client& c) {
    s += kProgNames[static_cast<int>(c.prog)];
    s += '[';
    put_u(s, 10000 + pid_++ % 50000);
    s += "]: ";
    put_address(s, c);
    s += ": ";
    s += kWords[static_cast<int>(kind)];
    if (c.prog != Prog::jgreylist) {
      s += " <";
      put_sender(s, c, kind == Kind::pass ? static_cast<int>(c.host % 3) : 0);
      s += "> <";
      put_recipient(s, c);
      s += '>';
    }
  }

  void postfix_line(std::string& s, Kind kind, const Client& c) {
    s += "postfix/smtpd[";
    put_u(s, 10000 + pid_++ % 50000);
    s += "]: ";
    if (kind == Kind::pass || kind == Kind::known) {
      put_hex(s, 0x4a000000u + (counts_.lines & 0xffffff), 10);  // the queue id
      s += ": client=";
      put_host(s, c);
      s += '[';
      put_address(s, c);
      s += ']';
      return;
    }
    s += "NOQUEUE: reject: RCPT from ";
    put_host(s, c);
    s += '[';
    put_address(s, c);
    s += "]: ";
    if (kind == Kind::deny) {
      s += "554 5.7.1 <";
      put_host(s, c);
      s += '[';
      put_address(s, c);
      s += "]>: Client host rejected: Access denied; from=<";
    } else {
      s += "450 4.2.0 <";
      put_recipient(s, c);
      s += ">: Recipient address rejected: Greylisted, see https://postgrey.schweikert.ch/help/mx.example.net.html; from=<";
    }
    put_sender(s, c, 0);
    s += "> to=<";
    put_recipient(s, c);
    s += "> proto=ESMTP helo=<";
    put_host(s, c);
    s += '>';
  }

  // postgrey's entry for the key, by subnet (its --lookup-by-subnet).
  void db_entry(const Client& c, std::int64_t first_s, std::int64_t last_s) {
    if (db_ == nullptr || c.v6) return;
    std::string& s = db_line_;
    s.clear();
    Client net = c;
    net.host = 0;
    put_address(s, net);
    s += '/';
    put_sender(s, c, 0);
    s += '/';
    put_recipient(s, c);
    s += '\t';
    put_u(s, static_cast<std::uint64_t>(first_s));
    s += ',';
    put_u(s, static_cast<std::uint64_t>(last_s));
    s += '\n';
    std::fwrite(s.data(), 1, s.size(), db_);
  }

  void finish() {
    out_.flush();
    // Keys whose pass did not come before the end, and never-returners
    // younger than the pending age: ended by the report's last time stamp.
    while (!events_.empty()) {
      const Event& e = events_.top();
      if (e.kind == Kind::pass) {
        if (e.first_s + kPendingAge < counts_.last_s) {
          ++counts_.never;
        } else {
          ++counts_.waiting;
        }
        db_entry(e.client, e.first_s, e.first_s);
      }
      events_.pop();
    }
    for (std::int64_t first : never_) {
      if (first + kPendingAge < counts_.last_s) {
        ++counts_.never;
      } else {
        ++counts_.waiting;
      }
    }
    if (o_.stamp == Stamp::none) {
      // Without times the report knows no delay and ends every key waiting.
      counts_.waiting += counts_.never;
      counts_.never = 0;
    }
  }

 public:
  void write_counts(FILE* f) const {
    const Counts& k = counts_;
    std::fprintf(f,
                 "lines %llu\nbytes %llu\ndecisions %llu\ngrey_first %llu\ngrey_too_soon %llu\nok_known %llu\n"
                 "deny %llu\njgreylist %llu\nqueue %llu\npolicy %llu\ndelays %llu\ndelay_sum %llu\ndelay_max %llu\n"
                 "never %llu\nwaiting %llu\ntoo_soon_keys %llu\nkeys %llu\nfirst %lld\nlast %lld\n",
                 u(k.lines), u(k.bytes), u(k.decisions), u(k.by_kind[0]), u(k.by_kind[1]),
                 u(k.by_kind[2] + k.by_kind[3]), u(k.by_kind[4]), u(k.by_prog[0]), u(k.by_prog[1]), u(k.by_prog[2]),
                 u(k.delays), u(k.delay_sum), u(k.delay_max), u(k.never), u(k.waiting), u(k.too_soon_keys), u(keys_),
                 static_cast<long long>(k.first_s), static_cast<long long>(k.last_s));
  }
  void set_db(FILE* f) { db_ = f; }

 private:
  static unsigned long long u(std::uint64_t v) { return v; }

  const Options& o_;
  Rng rng_;
  Stamper stamper_;
  Writer out_;
  Counts counts_;
  std::priority_queue<Event, std::vector<Event>, std::greater<Event>> events_;
  std::deque<std::int64_t> never_;  // never-returners' first attempts, oldest first
  std::uint64_t seq_ = 0, keys_ = 0, pid_ = 0;
  FILE* db_ = nullptr;
  std::string db_line_;
};

[[noreturn]] void usage(const char* why) {
  std::fprintf(stderr,
               "report-log-gen: %s\nusage: report-log-gen [--bytes N[K|M|G]] [--lines N] [--seed S] [--start UNIX] "
               "[--gap-ms MS] [--ipv6 PERCENT] [--stamp tai64n|iso|svlogd|syslog|none] [--format jgreylist|postfix] "
               "[--counts FILE] [--postgrey-db FILE]\n",
               why);
  std::exit(2);
}

std::uint64_t number(const char* text, bool suffix) {
  char* end = nullptr;
  errno = 0;
  unsigned long long v = std::strtoull(text, &end, 10);
  if (errno != 0 || end == text) usage("not a number");
  if (suffix && *end != '\0' && end[1] == '\0') {
    int shift = *end == 'K' ? 10 : *end == 'M' ? 20 : *end == 'G' ? 30 : -1;
    if (shift < 0) usage("a size takes K, M or G");
    return v << shift;
  }
  if (*end != '\0') usage("not a number");
  return v;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string_view a = argv[i];
    if (i + 1 >= argc) usage("an option without its value");
    const char* v = argv[++i];
    if (a == "--bytes") {
      o.bytes = number(v, true);
    } else if (a == "--lines") {
      o.lines = number(v, false);
    } else if (a == "--seed") {
      o.seed = number(v, false);
    } else if (a == "--start") {
      o.start = static_cast<std::int64_t>(number(v, false));
    } else if (a == "--gap-ms") {
      o.gap_ms = static_cast<std::int64_t>(number(v, false));
    } else if (a == "--ipv6") {
      o.ipv6 = static_cast<int>(number(v, false));
    } else if (a == "--stamp") {
      std::string_view s = v;
      o.stamp = s == "tai64n"   ? Stamp::tai64n
                : s == "iso"    ? Stamp::iso
                : s == "svlogd" ? Stamp::svlogd
                : s == "syslog" ? Stamp::syslog
                : s == "none"   ? Stamp::none
                                : (usage("unknown --stamp"), Stamp::none);
    } else if (a == "--format") {
      std::string_view s = v;
      if (s == "jgreylist") {
        o.format = Format::jgreylist;
      } else if (s == "postfix") {
        o.format = Format::postfix;
      } else {
        usage("unknown --format");
      }
    } else if (a == "--counts") {
      o.counts = v;
    } else if (a == "--postgrey-db") {
      o.postgrey_db = v;
    } else {
      usage("unknown option");
    }
  }
  if (o.bytes == 0) o.bytes = o.lines == UINT64_MAX ? 100ull << 20 : UINT64_MAX;
  Generator g(o);
  FILE* db = nullptr;
  if (o.postgrey_db != nullptr) {
    db = std::fopen(o.postgrey_db, "w");
    if (db == nullptr) {
      std::fprintf(stderr, "report-log-gen: %s: %s\n", o.postgrey_db, std::strerror(errno));
      return 111;
    }
    g.set_db(db);
  }
  g.run();
  if (db != nullptr && std::fclose(db) != 0) {
    std::fprintf(stderr, "report-log-gen: %s: %s\n", o.postgrey_db, std::strerror(errno));
    return 111;
  }
  FILE* counts = o.counts != nullptr ? std::fopen(o.counts, "w") : stderr;
  if (counts == nullptr) {
    std::fprintf(stderr, "report-log-gen: %s: %s\n", o.counts, std::strerror(errno));
    return 111;
  }
  g.write_counts(counts);
  if (counts != stderr && std::fclose(counts) != 0) return 111;
  return 0;
}

// report/report.h: what greylisting cost, from the programs' logs.
//
// Fed the log lines in time order (report/log_line.h), a Report counts the
// decisions by verdict and follows each key that was greylisted: the key a
// program keeps (the client's network alone for jgreylist and
// JGREYLIST_KEY=ip; the triplet of network, normalised sender and
// recipient otherwise, or the SPF domain a line's key= names). A key that
// later passes (OK known, auto-whitelisted, correspondent, whitelisted)
// waited from its first attempt to that pass: a delay. A key not passed
// within the pending age of its first attempt, or greylisted again as a
// first time, never came back. Retries before the hold time ("GREY too
// soon") are counted by key and by network.
//
// Memory does not grow with the log: delays are counted in buckets
// (report/delays.h), names in bounded top lists (report/top.h), and keys
// are followed only while they can still come back (the pending age), at
// most `max_keys` at once: past that, the oldest are let go and counted.
// Without time stamps, decisions are counted but delays are not known.
#pragma once

#include <cstdint>
#include <deque>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "lib/base/error.h"
#include "lib/net/prefix.h"
#include "lib/report/delays.h"
#include "lib/report/log_line.h"
#include "lib/report/top.h"

namespace jgl {

struct ReportSettings {
  int prefix4 = 24;              // the networks the programs key on
  int prefix6 = 64;
  std::int64_t pending_age = 86400;  // JGREYLIST_PENDING_AGE
  std::size_t max_keys = 1000000;    // keys followed at once
  std::size_t names = 1024;          // names kept in each top list
};

// Decisions counted in periods of time, for the plot: the period doubles
// when the log outgrows kMaxPeriods of them.
class Timeline {
 public:
  static constexpr std::size_t kMaxPeriods = 120;
  struct Period {
    std::uint64_t counts[kOutcomeClassCount] = {};
  };
  void add(std::int64_t time, OutcomeClass c);
  std::int64_t start() const { return start_; }
  std::int64_t width() const { return width_; }
  const std::vector<Period>& periods() const { return periods_; }

 private:
  std::int64_t start_ = 0;
  std::int64_t width_ = 60;
  std::vector<Period> periods_;
};

class Report {
 public:
  explicit Report(const ReportSettings& settings);

  void add(const LogLine& line);
  // The log's end: keys still followed are either still waiting (within
  // the pending age of the last time read) or never came back.
  void finish();

  // Lines read.
  std::uint64_t lines = 0, ours = 0, decisions = 0, notes = 0;
  std::uint64_t timed = 0;  // lines with a time stamp
  std::int64_t first_time = 0, last_time = 0;
  std::uint64_t by_outcome[kProgramCount][kOutcomeCount] = {};

  // Keys greylisted, then passed: the delay from the first attempt.
  Delays delays;
  Delays delays_without_sender;         // ip keys: no sender domain
  TopCounts<Delays> delays_by_domain;   // triplets, by the sender's domain
  std::uint64_t passed_first_unseen = 0;  // passed, the first attempt before the log
  std::uint64_t out_of_order = 0;         // a pass timed before its first attempt
  std::uint64_t passed_untimed = 0;       // passed, the attempt or the pass without a time

  // Greylisted, never passed.
  std::uint64_t never_came_back = 0;
  TopCounts<> never_by_network;
  TopCounts<> never_by_domain;
  std::uint64_t still_waiting = 0;  // within the pending age at the log's end
  std::uint64_t let_go = 0;         // over max_keys, no longer followed

  // Attempts before the hold time.
  std::uint64_t too_soon = 0;
  std::uint64_t too_soon_keys = 0;  // keys that had at least one, when they ended
  TopCounts<> too_soon_by_network;

  Timeline timeline;

 private:
  struct Followed {
    std::int64_t first;    // the first attempt, or since when followed
    bool first_seen;       // whether `first` is the first attempt
    bool timed;            // whether `first` is a time read
    std::uint32_t too_soon = 0;
    Prefix network;
    std::string domain;    // the sender's; "<>" for a bounce; empty: an ip key
  };
  enum class Ending { passed, never, waiting, let_go };

  std::uint64_t key_of(const LogLine& line, const Prefix& network);
  void start(std::uint64_t key, const LogLine& line, const Prefix& network, bool first_seen);
  void end(std::unordered_map<std::uint64_t, Followed>::iterator it, Ending how, std::int64_t at, bool at_timed = true);
  void expire(std::int64_t now);

  ReportSettings settings_;
  std::unordered_map<std::uint64_t, Followed> followed_;
  // Keys in the order they were started, with when: the oldest ends first.
  std::deque<std::pair<std::int64_t, std::uint64_t>> started_;
  std::string key_text_;  // reused for every line
};

// Every line of `fd` (named `name` in errors) into `report`, in bounded
// memory: a line longer than 64 KiB is read as its first 64 KiB. A
// compressed log is refused, naming the tool that reads it.
Result<void> read_log(int fd, std::string_view name, LineReader& reader, Report& report);

}  // namespace jgl

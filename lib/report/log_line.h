// report/log_line.h: one line of jgreylist's, jgreylist-queue's or
// jgreylist-policy's log, read back.
//
// The programs write `PROG[PID]: CLIENT: WORDS [<SENDER> <RECIPIENT>]
// [spf=RESULT [(WHY)] key=CLIENT] [(N passes of NETWORK)]` (PROG: without
// [PID] under JGREYLIST_LOG_PID=0; no CLIENT before it is known). What
// stands before PROG is the logger's: these time stamps are read,
//   @4000000069358a2b1c2d3e4f         tai64n (multilog t, svlogd -t)
//   2026-12-07_13:04:42.12345         svlogd -tt (UTC)
//   2026-12-07T13:04:42.123456+00:00  svlogd -ttt, rsyslog's file format,
//                                     journalctl -o short-iso[-precise]
//                                     (a time without a zone is UTC)
//   Dec  7 13:04:42 host              syslog (RFC 3164) and journalctl's
//                                     default, in local time, the year
//                                     guessed (the current one, or the last
//                                     when that would be in the future;
//                                     one more at each December-January)
// and a line without any is read too, without a time. Anything else before
// PROG (a host name, a syslog tag's priority) is skipped, and so is a
// logger's tag naming the program before PROG's own (the journal's, for a
// unit whose stderr goes there: "host jgreylist-policy[812]:
// jgreylist-policy[812]: CLIENT: ..."). Lines of other
// programs are not ours; lines of ours that decide nothing (a SMTP
// transcript, a pass not counted) are notes.
#pragma once

#include <cstdint>
#include <string_view>

namespace jgl {

enum class Program : std::uint8_t { jgreylist, queue, policy };
inline constexpr int kProgramCount = 3;
std::string_view program_name(Program p);

// What a line decided, as its words say.
enum class Outcome : std::uint8_t {
  ok_known,
  ok_whitelisted,
  ok_relayclient,
  ok_awl,
  ok_correspondent,
  ok_spared,
  ok_failopen,
  ok_known_at_connect,
  ok_not_smtp,
  grey_first,
  grey_expired,
  grey_too_soon,
  grey_not_failopen,
  handed_off,
  deny_blacklisted,
  deny_norev,
  deny_rules,
  defer_config,
  defer_store,
  defer_other,
};
inline constexpr int kOutcomeCount = 20;
// The words a report shows for it: the log's own ("OK known").
std::string_view outcome_words(Outcome o);

// What the client made of it, for plots and totals.
enum class OutcomeClass : std::uint8_t { passed, greylisted, denied, deferred };
inline constexpr int kOutcomeClassCount = 4;
OutcomeClass outcome_class(Outcome o);
std::string_view class_name(OutcomeClass c);

enum class LineKind : std::uint8_t { other, note, decision };

// One line, as views into the text it was read from.
struct LogLine {
  LineKind kind = LineKind::other;
  bool has_time = false;
  std::int64_t time = 0;  // seconds since the epoch, UTC
  Program program = Program::jgreylist;
  Outcome outcome = Outcome::ok_known;
  std::string_view client;     // the address as logged; empty when none
  bool has_envelope = false;   // <SENDER> <RECIPIENT> followed the words
  std::string_view sender;     // without its angle brackets ("" for <>)
  std::string_view recipient;
  std::string_view key;        // key=CLIENT of an SPF-aware line; empty without
};

// Reads the time stamps of one log after another: keeps what a syslog
// stamp without a year needs (the year, the last month, an hour's start
// in local time).
class LineReader {
 public:
  // `now`: the clock, for a syslog stamp's year.
  explicit LineReader(std::int64_t now);
  // `line` without its newline.
  LogLine read(std::string_view line);

 private:
  bool syslog_time(std::string_view text, std::int64_t* time);
  std::int64_t local_hour(int year, int month, int day, int hour);

  int year_ = 0;
  int last_month_ = 0;  // 0: no syslog stamp read yet
  std::int64_t now_;
  // The last hour converted from local time, since mktime is slow.
  int cached_[4] = {-1, -1, -1, -1};
  std::int64_t cached_start_ = 0;
};

}  // namespace jgl

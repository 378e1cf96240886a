// log_line_test.cpp: the programs' log lines read back, under every logger.
#include "lib/report/log_line.h"

#include <stdlib.h>
#include <time.h>

#include <catch2/catch.hpp>
#include <string>

using namespace jgl;

namespace {

// 2026-12-07T13:04:42Z
constexpr std::int64_t kTime = 1796648682;

LogLine read(std::string_view text) {
  LineReader reader(kTime + 3600);
  return reader.read(text);
}

}  // namespace

TEST_CASE("a bare line of jgreylist has no time, its client and its words") {
  LogLine l = read("jgreylist[4242]: 192.0.2.7: GREY first time");
  CHECK(l.kind == LineKind::decision);
  CHECK_FALSE(l.has_time);
  CHECK(l.program == Program::jgreylist);
  CHECK(l.client == "192.0.2.7");
  CHECK(l.outcome == Outcome::grey_first);
  CHECK_FALSE(l.has_envelope);
}

TEST_CASE("a tai64n stamp is read as multilog writes it") {
  // 2^62 + 10 + kTime, then nanoseconds.
  std::uint64_t label = (std::uint64_t{1} << 62) + 10 + kTime;
  char stamp[32];
  snprintf(stamp, sizeof stamp, "@%016llx%08x", static_cast<unsigned long long>(label), 0x1234u);
  LogLine l = read(std::string(stamp) + " jgreylist[1]: 192.0.2.7: OK known");
  CHECK(l.has_time);
  CHECK(l.time == kTime);
  CHECK(l.outcome == Outcome::ok_known);
}

TEST_CASE("svlogd's, rsyslog's and journalctl's ISO stamps are read, a missing zone as UTC") {
  CHECK(read("2026-12-07_13:04:42.12345 jgreylist[1]: 192.0.2.7: OK known").time == kTime);
  CHECK(read("2026-12-07T13:04:42.12345 jgreylist[1]: 192.0.2.7: OK known").time == kTime);
  CHECK(read("2026-12-07T14:04:42.123456+01:00 mx1 jgreylist-policy[9]: 192.0.2.7: OK known").time == kTime);
  CHECK(read("2026-12-07T08:04:42-0500 mx1 jgreylist-policy[9]: 192.0.2.7: OK known").time == kTime);
  CHECK(read("2026-12-07T13:04:42Z mx1 jgreylist-policy[9]: 192.0.2.7: OK known").time == kTime);
}

TEST_CASE("a syslog stamp is local time, in the current year") {
  setenv("TZ", "UTC", 1);
  tzset();
  LogLine l = read("Dec  7 13:04:42 mx1 jgreylist-policy[812]: 2001:db8::10: GREY too soon");
  CHECK(l.has_time);
  CHECK(l.time == kTime);
  CHECK(l.program == Program::policy);
  CHECK(l.client == "2001:db8::10");
  CHECK(l.outcome == Outcome::grey_too_soon);
  CHECK(read("Dec 07 13:04:42 mx1 jgreylist-policy[812]: 192.0.2.7: OK known").time == kTime);
  setenv("TZ", "CET-1", 1);
  tzset();
  CHECK(read("Dec  7 14:04:42 mx1 jgreylist-policy[812]: 192.0.2.7: OK known").time == kTime);
  unsetenv("TZ");
  tzset();
}

TEST_CASE("the journal's tag before the program's own head: the inner one is read") {
  // journalctl of a unit whose stderr is the journal (the package's
  // jgreylist-policy@.service): its IDENTIFIER[PID], then the line as written.
  setenv("TZ", "UTC", 1);
  tzset();
  LogLine l = read("Dec 07 13:04:42 mx1 jgreylist-policy[812]: jgreylist-policy[812]: 192.0.2.7: GREY first time "
                   "<a@example.org> <b@example.net>");
  CHECK(l.kind == LineKind::decision);
  CHECK(l.time == kTime);
  CHECK(l.program == Program::policy);
  CHECK(l.client == "192.0.2.7");
  CHECK(l.outcome == Outcome::grey_first);
  CHECK(l.sender == "a@example.org");
  unsetenv("TZ");
  tzset();
  CHECK(read("2026-12-07T13:04:42+0000 mx1 jgreylist-policy[812]: jgreylist-policy: 192.0.2.7: OK known").kind ==
        LineKind::decision);
  // One unit's tag, jgreylist's, over the queue step it runs.
  LogLine q = read("2026-12-07T13:04:42+0000 mx1 jgreylist[77]: jgreylist-queue[78]: 192.0.2.7: OK known");
  CHECK(q.program == Program::queue);
  CHECK(q.outcome == Outcome::ok_known);
  // A head alone, and no client after it, stay as they were.
  CHECK(read("2026-12-07T13:04:42+0000 mx1 jgreylist-policy[812]: jgreylist-policy[812]:").kind == LineKind::note);
}

TEST_CASE("a syslog stamp later than tomorrow is last year's, and the year turns at January") {
  setenv("TZ", "UTC", 1);
  tzset();
  LineReader reader(kTime);
  // 2025-12-31T23:59:59Z: in December 2026 the 31st is still to come.
  CHECK(reader.read("Dec 31 23:59:59 mx jgreylist[1]: 192.0.2.7: OK known").time == 1767225599);
  CHECK(reader.read("Jan  1 00:00:01 mx jgreylist[1]: 192.0.2.7: OK known").time == 1767225601);
  unsetenv("TZ");
  tzset();
}

TEST_CASE("a triplet line gives its envelope, and an SPF line its key") {
  LogLine l = read("jgreylist-queue[4717]: 192.0.2.7: GREY first time <a@example.org> <b@example.net> spf=pass key=spf:example.org");
  CHECK(l.program == Program::queue);
  CHECK(l.has_envelope);
  CHECK(l.sender == "a@example.org");
  CHECK(l.recipient == "b@example.net");
  CHECK(l.key == "spf:example.org");
  l = read("jgreylist-queue[4721]: 192.0.2.7: GREY first time <> <b@example.net> spf=none (empty sender, HELO unknown) key=192.0.2.0/24");
  CHECK(l.sender.empty());
  CHECK(l.key == "192.0.2.0/24");
  l = read("jgreylist-queue[4722]: 192.0.2.7: OK auto-whitelisted <e@example.org> <b@example.net> (5 passes of 192.0.2.0/24)");
  CHECK(l.outcome == Outcome::ok_awl);
  CHECK(l.recipient == "b@example.net");
  CHECK(l.key.empty());
}

TEST_CASE("every verdict's words are told apart, the longer first") {
  struct {
    const char* words;
    Outcome outcome;
  } cases[] = {
      {"OK known at connect time", Outcome::ok_known_at_connect},
      {"OK whitelisted", Outcome::ok_whitelisted},
      {"OK relayclient, 2 correspondents recorded", Outcome::ok_relayclient},
      {"OK relayclient (sasl_username user)", Outcome::ok_relayclient},
      {"OK correspondent <friend@example.org> <user@example.net>", Outcome::ok_correspondent},
      {"OK spared <postmaster@example.net>", Outcome::ok_spared},
      {"OK failopen, store error in /var/qmail/jgreylist: mkdir ip4/192: Permission denied", Outcome::ok_failopen},
      {"GREY first time (expired)", Outcome::grey_expired},
      {"GREY not passed by failopen (a triplet before is greylisted), store error in x", Outcome::grey_not_failopen},
      {"DENY blacklisted", Outcome::deny_blacklisted},
      {"DENY no reverse DNS", Outcome::deny_norev},
      {"DENY by the rules (192.0.2.)", Outcome::deny_rules},
      {"DEFER configuration error: JGREYLIST_DIR is not set or empty", Outcome::defer_config},
      {"DEFER store error in /x: open ip4/1: Permission denied", Outcome::defer_store},
  };
  for (const auto& c : cases) {
    INFO(c.words);
    LogLine l = read(std::string("jgreylist-queue[1]: 192.0.2.7: ") + c.words);
    CHECK(l.kind == LineKind::decision);
    CHECK(l.outcome == c.outcome);
  }
}

TEST_CASE("a line without a client is read, and one that decides nothing is a note") {
  LogLine l = read("jgreylist-queue[7]: OK not from SMTP (no client address)");
  CHECK(l.kind == LineKind::decision);
  CHECK(l.client.empty());
  CHECK(l.outcome == Outcome::ok_not_smtp);
  CHECK(read("jgreylist[7]: DEFER configuration error: no program to run").outcome == Outcome::defer_config);
  CHECK(read("jgreylist[7]: 192.0.2.7: SMTP < EHLO x").kind == LineKind::note);
  CHECK(read("jgreylist[7]: 192.0.2.7: DEFER cannot run qmail-smtpd: No such file").kind == LineKind::note);
  CHECK(read("jgreylist-queue[7]: 192.0.2.7: pass not counted for auto-whitelisting: store error").kind ==
        LineKind::note);
}

TEST_CASE("a client handed on to the queue step is not greylisted by jgreylist") {
  CHECK(read("jgreylist[7]: 192.0.2.7: GREY first time, passed on to the queue step").outcome == Outcome::handed_off);
}

TEST_CASE("JGREYLIST_LOG_PID=0's lines are read too") {
  LogLine l = read("jgreylist: 192.0.2.7: OK known");
  CHECK(l.kind == LineKind::decision);
  CHECK(l.outcome == Outcome::ok_known);
}

TEST_CASE("other programs' lines, and names that only start like ours, are not ours") {
  CHECK(read("tcpserver: status: 1/40").kind == LineKind::other);
  CHECK(read("Dec  7 13:04:42 mx postfix/smtpd[5]: connect from x[192.0.2.7]").kind == LineKind::other);
  CHECK(read("Dec  7 13:04:42 jgreylist-mx postfix/smtpd[5]: jgreylistx[1]: 192.0.2.7: OK known").kind ==
        LineKind::other);
  CHECK(read("").kind == LineKind::other);
  CHECK(read("@400000").kind == LineKind::other);
}

TEST_CASE("a host name like the program's does not hide the program after it") {
  LogLine l = read("Dec  7 13:04:42 jgreylist jgreylist[5]: 192.0.2.7: OK known");
  CHECK(l.kind == LineKind::decision);
  CHECK(l.client == "192.0.2.7");
}

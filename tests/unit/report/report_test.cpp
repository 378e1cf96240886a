// report_test.cpp: what greylisting cost, from logs whose figures are known.
#include "lib/report/report.h"

#include <fcntl.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <fstream>
#include <sstream>
#include <string>

#include "lib/report/render.h"
#include "tests/unit/temp_dir.h"

using namespace jgl;

namespace {

Report reported(const std::string& log, ReportSettings settings = {}) {
  Report r(settings);
  LineReader reader(0);
  std::istringstream in(log);
  for (std::string line; std::getline(in, line);) r.add(reader.read(line));
  r.finish();
  return r;
}

// Every figure below is worked out by hand in the comments.
const std::string kDay =
    "2026-12-01T00:00:00Z mx jgreylist-queue[1]: 192.0.2.7: GREY first time <a@example.org> <u@example.net>\n"   // A
    "2026-12-01T00:00:10Z mx jgreylist-queue[2]: 198.51.100.1: GREY first time <b@example.com> <u@example.net>\n" // B
    "2026-12-01T00:01:00Z mx jgreylist-queue[3]: 192.0.2.7: GREY too soon <a@example.org> <u@example.net>\n"
    // The same /24, the sender as normalisation keys it: A passes after 300 s.
    "2026-12-01T00:05:00Z mx jgreylist-queue[4]: 192.0.2.9: OK known <A+list@Example.ORG> <U@example.net>\n"
    "2026-12-01T00:10:10Z mx jgreylist-queue[5]: 198.51.100.1: OK known <b@example.com> <u@example.net>\n"  // B: 600 s
    "2026-12-01T00:20:00Z mx jgreylist-queue[6]: 203.0.113.5: GREY first time <c@spam.example> <u@example.net>\n"  // C
    "2026-12-01T00:20:01Z mx tcpserver: status: 1/40\n"
    "2026-12-01T00:30:00Z mx jgreylist[7]: 192.0.2.50: GREY first time\n"  // D, the network alone
    "2026-12-01T00:30:01Z mx jgreylist[7]: 192.0.2.50: SMTP < EHLO x\n"
    "2026-12-01T01:30:00Z mx jgreylist[8]: 192.0.2.51: OK known\n"  // D: 3600 s
    "2026-12-01T02:00:00Z mx jgreylist-queue[9]: 192.0.2.7: GREY first time <d@example.org> <v@example.net> spf=pass "
    "key=spf:example.org\n"  // E
    // Another network the domain authorises: E passes after 900 s.
    "2026-12-01T02:15:00Z mx jgreylist-queue[10]: 198.51.100.77: OK known <d@example.org> <v@example.net> spf=pass "
    "key=spf:example.org\n"
    "2026-12-01T03:00:00Z mx jgreylist-queue[11]: 192.0.2.7: OK known <z@example.org> <u@example.net>\n"
    "2026-12-01T03:00:00Z mx jgreylist-queue[12]: 192.0.2.7: GREY too soon <late@example.org> <u@example.net>\n"  // F
    "2026-12-01T03:10:00Z mx jgreylist-queue[13]: 192.0.2.7: OK known <late@example.org> <u@example.net>\n"
    // A day and a second after C: C never came back.
    "2026-12-02T00:20:01Z mx jgreylist-queue[14]: 198.51.100.2: GREY first time <x@example.com> <u@example.net>\n"  // G
    "2026-12-02T00:30:00Z mx jgreylist[15]: 203.0.113.9: DENY blacklisted\n";

}  // namespace

TEST_CASE("decisions are counted by program and verdict, other lines apart") {
  Report r = reported(kDay);
  CHECK(r.lines == 17);
  CHECK(r.ours == 16);
  CHECK(r.notes == 1);
  CHECK(r.decisions == 15);
  auto q = static_cast<int>(Program::queue), j = static_cast<int>(Program::jgreylist);
  CHECK(r.by_outcome[q][static_cast<int>(Outcome::grey_first)] == 5);
  CHECK(r.by_outcome[q][static_cast<int>(Outcome::grey_too_soon)] == 2);
  CHECK(r.by_outcome[q][static_cast<int>(Outcome::ok_known)] == 5);
  CHECK(r.by_outcome[j][static_cast<int>(Outcome::grey_first)] == 1);
  CHECK(r.by_outcome[j][static_cast<int>(Outcome::ok_known)] == 1);
  CHECK(r.by_outcome[j][static_cast<int>(Outcome::deny_blacklisted)] == 1);
  CHECK(r.first_time == 1796083200);  // 2026-12-01T00:00:00Z
  CHECK(r.last_time == 1796083200 + 86400 + 1800);
}

TEST_CASE("a key greylisted then passed waited from its first attempt") {
  Report r = reported(kDay);
  // A 300, B 600, E 900, D 3600.
  CHECK(r.delays.count() == 4);
  CHECK(r.delays.sum() == 5400);
  CHECK(r.delays.quantile(0.5) == 600);
  CHECK(r.delays.quantile(0.9) == 3600);
  CHECK(r.delays.max() == 3600);
  auto domains = r.delays_by_domain.top(10);
  REQUIRE(domains.size() == 2);
  CHECK(domains[0]->name == "example.org");
  CHECK(domains[0]->payload.count() == 2);
  CHECK(domains[0]->payload.quantile(0.5) == 300);
  CHECK(domains[0]->payload.max() == 900);
  CHECK(domains[1]->name == "example.com");
  CHECK(domains[1]->payload.max() == 600);
  CHECK(r.delays_without_sender.count() == 1);
  CHECK(r.delays_without_sender.max() == 3600);
  // F's first attempt is not in the log.
  CHECK(r.passed_first_unseen == 1);
}

TEST_CASE("a key not passed within the pending age never came back; a younger one is still waiting") {
  Report r = reported(kDay);
  CHECK(r.never_came_back == 1);
  auto networks = r.never_by_network.top(10);
  REQUIRE(networks.size() == 1);
  CHECK(networks[0]->name == "203.0.113.0/24");
  auto domains = r.never_by_domain.top(10);
  REQUIRE(domains.size() == 1);
  CHECK(domains[0]->name == "spam.example");
  CHECK(r.still_waiting == 1);  // G
  ReportSettings longer;
  longer.pending_age = 2 * 86400;
  Report patient = reported(kDay, longer);
  CHECK(patient.never_came_back == 0);
  CHECK(patient.still_waiting == 2);
}

TEST_CASE("retries before the hold time are counted by key and network") {
  Report r = reported(kDay);
  CHECK(r.too_soon == 2);
  CHECK(r.too_soon_keys == 2);
  auto networks = r.too_soon_by_network.top(10);
  REQUIRE(networks.size() == 1);
  CHECK(networks[0]->name == "192.0.2.0/24");
  CHECK(networks[0]->count == 2);
}

TEST_CASE("a key greylisted as new again never came back the first time") {
  Report r = reported(
      "2026-12-01T00:00:00Z jgreylist[1]: 192.0.2.7: GREY first time\n"
      "2026-12-01T01:00:00Z jgreylist[1]: 192.0.2.7: GREY first time (expired)\n"
      "2026-12-01T01:10:00Z jgreylist[1]: 192.0.2.7: OK known\n");
  CHECK(r.never_came_back == 1);
  CHECK(r.delays.count() == 1);
  CHECK(r.delays.max() == 600);
}

TEST_CASE("the prefix lengths the programs key on decide which clients are one key") {
  const std::string log =
      "2026-12-01T00:00:00Z jgreylist[1]: 192.0.2.7: GREY first time\n"
      "2026-12-01T00:10:00Z jgreylist[1]: 192.0.2.8: OK known\n";
  CHECK(reported(log).delays.count() == 1);
  ReportSettings by_ip;
  by_ip.prefix4 = 32;
  Report r = reported(log, by_ip);
  CHECK(r.delays.count() == 0);
  CHECK(r.still_waiting == 1);
}

TEST_CASE("without time stamps, decisions are counted and delays are not known") {
  Report r = reported("jgreylist[1]: 192.0.2.7: GREY first time\njgreylist[1]: 192.0.2.7: OK known\n");
  CHECK(r.decisions == 2);
  CHECK(r.timed == 0);
  CHECK(r.delays.count() == 0);
  CHECK(r.passed_untimed == 1);
  CHECK(report_text(r, 10).find("delays: not known, the log has no time stamps") != std::string::npos);
}

TEST_CASE("a key greylisted without a time stamp is not ended by the pending age of stamped lines after it") {
  // A log without stamps, then a stamped one: the first attempt of
  // 192.0.2.0/24 has no time, so no pending age can have run out for it.
  Report r = reported(
      "jgreylist[1]: 192.0.2.7: GREY first time\n"
      "2026-12-01T00:00:00Z jgreylist[2]: 198.51.100.7: GREY first time\n"
      "2026-12-01T00:10:00Z jgreylist[3]: 192.0.2.8: OK known\n");
  CHECK(r.never_came_back == 0);
  CHECK(r.passed_untimed == 1);
  CHECK(r.delays.count() == 0);
  CHECK(r.still_waiting == 1);  // 198.51.100.0/24
}

TEST_CASE("a key greylisted without a time stamp and never passed is still waiting at the end of a stamped log") {
  Report r = reported(
      "jgreylist[1]: 192.0.2.7: GREY first time\n"
      "2026-12-01T00:00:00Z jgreylist[2]: 198.51.100.7: GREY first time\n"
      "2026-12-03T00:00:00Z jgreylist[3]: 203.0.113.7: DENY blacklisted\n");
  CHECK(r.never_came_back == 1);  // 198.51.100.0/24, two days old at the end
  auto networks = r.never_by_network.top(10);
  REQUIRE(networks.size() == 1);
  CHECK(networks[0]->name == "198.51.100.0/24");
  CHECK(r.still_waiting == 1);  // 192.0.2.0/24, of no known age
}

TEST_CASE("keys greylisted without a time stamp are let go first past max_keys") {
  ReportSettings few;
  few.max_keys = 2;
  Report r = reported(
      "jgreylist[1]: 192.0.2.7: GREY first time\n"
      "jgreylist[1]: 192.0.3.7: GREY first time\n"
      "2026-12-01T00:00:00Z jgreylist[1]: 192.0.4.7: GREY first time\n"
      "2026-12-01T00:00:01Z jgreylist[1]: 192.0.5.7: GREY first time\n"
      "2026-12-01T00:10:00Z jgreylist[1]: 192.0.3.8: OK known\n"
      "2026-12-01T00:10:00Z jgreylist[1]: 192.0.5.8: OK known\n",
      few);
  CHECK(r.let_go == 2);  // 192.0.2.0/24, then 192.0.3.0/24
  CHECK(r.passed_untimed == 0);
  CHECK(r.delays.count() == 1);  // 192.0.5.0/24: 599 s
  CHECK(r.delays.max() == 599);
  CHECK(r.still_waiting == 1);   // 192.0.4.0/24
}

TEST_CASE("past max_keys the oldest keys are let go, and counted") {
  ReportSettings few;
  few.max_keys = 2;
  Report r = reported(
      "2026-12-01T00:00:00Z jgreylist[1]: 192.0.2.7: GREY first time\n"
      "2026-12-01T00:00:01Z jgreylist[1]: 192.0.3.7: GREY first time\n"
      "2026-12-01T00:00:02Z jgreylist[1]: 192.0.4.7: GREY first time\n"
      "2026-12-01T00:10:00Z jgreylist[1]: 192.0.2.7: OK known\n"
      "2026-12-01T00:10:00Z jgreylist[1]: 192.0.4.7: OK known\n",
      few);
  CHECK(r.let_go == 1);
  CHECK(r.delays.count() == 1);
  CHECK(r.delays.max() == 598);
  CHECK(r.still_waiting == 1);
}

TEST_CASE("the timeline widens its periods to keep at most its number of them") {
  Timeline t;
  for (std::int64_t m = 0; m < 3 * 24 * 60; ++m) t.add(1796083200 + m * 60, OutcomeClass::passed);
  CHECK(t.periods().size() <= Timeline::kMaxPeriods);
  std::uint64_t sum = 0;
  for (const auto& p : t.periods()) sum += p.counts[0];
  CHECK(sum == 3 * 24 * 60);
  CHECK(t.start() <= 1796083200);
  CHECK(t.start() % t.width() == 0);
}

TEST_CASE("a top list keeps the most frequent names when it is full") {
  TopCounts<> top(2);
  for (int i = 0; i < 5; ++i) top.add("big");
  top.add("a");
  top.add("b");
  top.add("c");
  auto items = top.top(10);
  REQUIRE(items.size() == 2);
  CHECK(items[0]->name == "big");
  CHECK(items[0]->count == 5);
  CHECK(top.approximate());
}

TEST_CASE("read_log reads every line, a last one without its newline, and cuts a very long one") {
  jgl_test::TempDir dir;
  {
    std::ofstream f(dir / "log");
    f << "jgreylist[1]: 192.0.2.7: GREY first time\n";
    f << "jgreylist[1]: 192.0.2.7: OK known" << std::string(200000, 'x') << "\n";
    f << "jgreylist[1]: 192.0.2.8: OK known";
  }
  Report r({});
  LineReader reader(0);
  int fd = open((dir / "log").c_str(), O_RDONLY);
  REQUIRE(fd >= 0);
  REQUIRE(read_log(fd, "log", reader, r));
  close(fd);
  CHECK(r.lines == 3);
  CHECK(r.decisions == 2);  // the long line's words run into its x's
}

TEST_CASE("a compressed log is refused, naming zcat") {
  jgl_test::TempDir dir;
  {
    std::ofstream f(dir / "log.gz");
    f << "\x1f\x8b\x08";
  }
  Report r({});
  LineReader reader(0);
  int fd = open((dir / "log.gz").c_str(), O_RDONLY);
  auto read = read_log(fd, "log.gz", reader, r);
  close(fd);
  REQUIRE_FALSE(read);
  CHECK(read.error().message == "log.gz: compressed (gzip): read it through zcat");
}

TEST_CASE("the Prometheus text has the decisions and a cumulative delay histogram") {
  std::string text = report_prometheus(reported(kDay));
  CHECK(text.find("jgreylist_report_decisions_total{program=\"jgreylist-queue\",verdict=\"GREY first time\"} 5\n") !=
        std::string::npos);
  // 300, 600 <= 600; 900 <= 1200; 3600 <= 3600.
  CHECK(text.find("jgreylist_report_delay_seconds_bucket{le=\"300\"} 1\n") != std::string::npos);
  CHECK(text.find("jgreylist_report_delay_seconds_bucket{le=\"600\"} 2\n") != std::string::npos);
  CHECK(text.find("jgreylist_report_delay_seconds_bucket{le=\"3600\"} 4\n") != std::string::npos);
  CHECK(text.find("jgreylist_report_delay_seconds_bucket{le=\"+Inf\"} 4\n") != std::string::npos);
  CHECK(text.find("jgreylist_report_delay_seconds_sum 5400\n") != std::string::npos);
  CHECK(text.find("jgreylist_report_never_came_back_total 1\n") != std::string::npos);
}

TEST_CASE("bzip2, xz and zstd logs are refused too, each naming its tool") {
  jgl_test::TempDir dir;
  struct {
    std::string head, message;
  } cases[] = {
      {"BZh91AY&SY", "log: compressed (bzip2): read it through bzcat"},
      {std::string("\xfd" "7zXZ\0\0", 8), "log: compressed (xz): read it through xzcat"},
      {"\x28\xb5\x2f\xfd\x04", "log: compressed (zstd): read it through zstdcat"},
      {"\x1f\x9d\x90", "log: compressed (compress): read it through zcat"},
  };
  for (const auto& c : cases) {
    INFO(c.message);
    {
      std::ofstream f(dir / "log", std::ios::binary | std::ios::trunc);
      f << c.head;
    }
    Report r({});
    LineReader reader(0);
    int fd = open((dir / "log").c_str(), O_RDONLY);
    auto read = read_log(fd, "log", reader, r);
    close(fd);
    REQUIRE_FALSE(read);
    CHECK(read.error().message == c.message);
  }
}

TEST_CASE("a log that only starts like bzip2 is read") {
  jgl_test::TempDir dir;
  {
    std::ofstream f(dir / "log");
    f << "BZh is no stamp\njgreylist[1]: 192.0.2.7: OK known\n";
  }
  Report r({});
  LineReader reader(0);
  int fd = open((dir / "log").c_str(), O_RDONLY);
  REQUIRE(read_log(fd, "log", reader, r));
  close(fd);
  CHECK(r.decisions == 1);
}

// whitelist_test.cpp: the walked fragment written, read back, and replaced
// safely: the last good ranges kept, the shrink guard.
#include "lib/spf/whitelist.h"

#include <catch2/catch.hpp>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "tests/unit/temp_dir.h"

namespace {

using jgl::DomainWalk;
using jgl::WhitelistSection;

jgl::Prefix prefix(const char* text) { return *jgl::Prefix::parse(text); }

DomainWalk ok(const char* domain, std::vector<jgl::Prefix> ranges) {
  DomainWalk walk;
  walk.domain = domain;
  walk.ok = true;
  walk.record = "v=spf1 -all";
  walk.ranges = std::move(ranges);
  return walk;
}

DomainWalk failed(const char* domain, const char* reason) {
  DomainWalk walk;
  walk.domain = domain;
  walk.reason = reason;
  walk.temporary = true;
  return walk;
}

std::string contents(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

void write(const std::string& path, const std::string& text) { std::ofstream(path) << text; }

}  // namespace

TEST_CASE("the fragment is a comment per domain then one allow line per range", "[spf][whitelist]") {
  std::vector<WhitelistSection> sections{
      {"example.com", "v=spf1 ip4:192.0.2.0/24 ip6:2001:db8::/32 -all", {prefix("192.0.2.0/24"), prefix("2001:db8::/32")}, ""},
      {"example.org", "v=spf1 a\nfake:deny", {prefix("198.51.100.7/32")}, "TXT example.org: timeout"}};
  std::string text = jgl::format_whitelist(sections);
  CHECK(text.starts_with("# Written by jgreylist-spf walk"));
  CHECK(text.find("\n# domain: example.com\n"
                  "# record: v=spf1 ip4:192.0.2.0/24 ip6:2001:db8::/32 -all\n"
                  "192.0.2.0/24:allow,JGREYLIST=\"\"\n"
                  "2001:db8::/32:allow,JGREYLIST=\"\"\n") != std::string::npos);
  CHECK(text.find("# record: v=spf1 a?fake:deny\n"
                  "# kept: the previous run's ranges; this walk failed: TXT example.org: timeout\n"
                  "198.51.100.7/32:allow,JGREYLIST=\"\"\n") != std::string::npos);
}

TEST_CASE("a fragment reads back as the sections it was written from", "[spf][whitelist]") {
  std::vector<WhitelistSection> sections{
      {"example.com", "v=spf1 -all", {prefix("192.0.2.0/24"), prefix("2001:db8::/32")}, ""},
      {"example.org", "", {}, ""}};
  auto back = jgl::parse_whitelist(jgl::format_whitelist(sections));
  REQUIRE(back);
  REQUIRE(back->size() == 2);
  CHECK((*back)[0].domain == "example.com");
  CHECK((*back)[0].record == "v=spf1 -all");
  CHECK((*back)[0].ranges == sections[0].ranges);
  CHECK((*back)[1].domain == "example.org");
  CHECK((*back)[1].ranges.empty());
}

TEST_CASE("a file that walk did not write is refused with its line", "[spf][whitelist]") {
  auto foreign = jgl::parse_whitelist("# domain: example.com\n192.0.2.1:deny\n");
  REQUIRE_FALSE(foreign);
  CHECK(foreign.error().message == "line 2: not a line jgreylist-spf walk writes: 192.0.2.1:deny");
  auto orphan = jgl::parse_whitelist("192.0.2.0/24:allow,JGREYLIST=\"\"\n");
  REQUIRE_FALSE(orphan);
  CHECK(orphan.error().message.starts_with("line 1: a range before any"));
}

TEST_CASE("no previous file is the first run, with nothing to keep", "[spf][whitelist]") {
  jgl_test::TempDir dir;
  auto sections = jgl::read_whitelist(dir / "big-senders.rules");
  REQUIRE(sections);
  CHECK(sections->empty());
}

TEST_CASE("the fragment is written to its file and read back from it", "[spf][whitelist]") {
  jgl_test::TempDir dir;
  std::string path = dir / "big-senders.rules";
  std::vector<WhitelistSection> sections{{"example.com", "v=spf1 -all", {prefix("192.0.2.0/24")}, ""}};
  REQUIRE(jgl::write_whitelist(path, sections));
  CHECK(contents(path) == jgl::format_whitelist(sections));
  auto back = jgl::read_whitelist(path);
  REQUIRE(back);
  CHECK((*back)[0].ranges == sections[0].ranges);
}

TEST_CASE("a domain whose walk failed keeps its previous ranges", "[spf][whitelist]") {
  std::vector<WhitelistSection> previous{
      {"example.com", "v=spf1 old", {prefix("192.0.2.0/24")}, ""},
      {"example.org", "v=spf1 org", {prefix("198.51.100.0/24"), prefix("2001:db8::/32")}, ""}};
  auto update = jgl::update_whitelist(
      {ok("example.com", {prefix("203.0.113.0/24")}), failed("example.org", "TXT example.org: timeout"),
       failed("example.net", "TXT example.net: timeout")},
      previous, 50);
  REQUIRE(update.sections.size() == 2);
  CHECK(update.sections[0].ranges == std::vector<jgl::Prefix>{prefix("203.0.113.0/24")});
  CHECK(update.sections[1].domain == "example.org");
  CHECK(update.sections[1].record == "v=spf1 org");
  CHECK(update.sections[1].ranges == previous[1].ranges);
  CHECK(update.sections[1].kept_because == "TXT example.org: timeout");
  CHECK(update.kept == std::vector<std::string>{"example.org: TXT example.org: timeout"});
  CHECK(update.missing == std::vector<std::string>{"example.net: TXT example.net: timeout"});
  CHECK(update.ranges == 3);
  CHECK_FALSE(update.refused);
}

TEST_CASE("the shrink guard refuses an update that loses too many ranges", "[spf][whitelist]") {
  std::vector<WhitelistSection> previous{{"example.com",
                                          "",
                                          {prefix("192.0.2.0/24"), prefix("198.51.100.0/24"), prefix("203.0.113.0/24"),
                                           prefix("2001:db8::/32")},
                                          ""}};
  auto one = jgl::update_whitelist({ok("example.com", {prefix("192.0.2.0/24")})}, previous, 50);
  REQUIRE(one.refused);
  CHECK(*one.refused == "1 ranges would replace 4, losing more than 50%");

  auto two = jgl::update_whitelist({ok("example.com", {prefix("192.0.2.0/24"), prefix("2001:db8::/32")})}, previous, 50);
  CHECK_FALSE(two.refused);
  auto default_share = jgl::update_whitelist(
      {ok("example.com", {prefix("192.0.2.0/24"), prefix("198.51.100.0/24"), prefix("2001:db8::/32")})}, previous, 20);
  REQUIRE(default_share.refused);
  CHECK(*default_share.refused == "3 ranges would replace 4, losing more than 20%");
  auto forced = jgl::update_whitelist({ok("example.com", {})}, previous, 100);
  CHECK_FALSE(forced.refused);
  auto first_run = jgl::update_whitelist({ok("example.com", {})}, {}, 50);
  CHECK_FALSE(first_run.refused);
}

TEST_CASE("the domain list takes one domain a line with comments", "[spf][whitelist]") {
  auto domains = jgl::parse_domain_list("# big senders\n\n_spf.Google.com.   # Gmail\n  outlook.com\n");
  REQUIRE(domains);
  CHECK(*domains == std::vector<std::string>{"_spf.google.com", "outlook.com"});
  auto bad = jgl::parse_domain_list("example.com\nnot a domain\n");
  REQUIRE_FALSE(bad);
  CHECK(bad.error().message == "line 2: not a domain name: not a domain");
  CHECK_FALSE(jgl::listed_domain("localhost"));
  CHECK_FALSE(jgl::listed_domain("a%{d}.example.com"));
}

TEST_CASE("a missing domain list is an error naming the file", "[spf][whitelist]") {
  jgl_test::TempDir dir;
  auto missing = jgl::read_domain_list(dir / "nothing");
  REQUIRE_FALSE(missing);
  CHECK(missing.error().message.find("nothing") != std::string::npos);
  write(dir / "list", "example.com\n");
  CHECK(jgl::read_domain_list(dir / "list").value() == std::vector<std::string>{"example.com"});
}

// rules_lint_test.cpp: what tcprules --check finds in a rules text.
#include "lib/rules/lint.h"

#include <catch2/catch.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace {

// The findings as "LINE severity: message" lines.
std::vector<std::string> lint(std::string_view text) {
  std::vector<std::string> out;
  for (const jgl::Finding& f : jgl::lint_rules(text)) {
    out.push_back(std::to_string(f.line) + " " + std::string(jgl::severity_name(f.severity)) + ": " + f.message);
  }
  return out;
}

bool has(const std::vector<std::string>& findings, std::string_view start, std::string_view part) {
  for (const std::string& f : findings) {
    if (f.starts_with(start) && f.find(part) != std::string::npos) return true;
  }
  return false;
}

}  // namespace

TEST_CASE("a clean rules file has no findings") {
  CHECK(lint("# whitelist\n192.0.2.1:allow,JGREYLIST=\"\"\n10.:deny\n2001:db8::/32:allow\n=mx.example.org:allow\n:allow\n")
            .empty());
  CHECK(lint("").empty());
}

TEST_CASE("every bad line is an error with its line, not only the first") {
  auto f = lint("1.2.3.4:allow\ngarbage:\n1.2.3.5:allow,X\n2001:db8:0:10::/60:deny\n");
  REQUIRE(f.size() == 3);
  CHECK(f[0].starts_with("2 error: no ':allow' or ':deny'"));
  CHECK(f[1].starts_with("3 error: a setting without '='"));
  CHECK(f[2].starts_with("4 error: '2001:db8:0:10::/60' cannot be matched exactly"));
}

TEST_CASE("a line without a colon is an error though tcprules only skips it") {
  CHECK(lint("1.2.3.4:allow\n5.6.7.8 allow\n\n   \n# note\n") ==
        std::vector<std::string>{"2 error: no colon: tcprules skips this line"});
}

TEST_CASE("a repeated rule is a duplicate of the first") {
  CHECK(lint("1.2.3.4:allow,X=\"1\"\n1.2.3.4:allow,X=\"1\"\n") ==
        std::vector<std::string>{"2 warning: duplicate of line 1"});
}

TEST_CASE("a later rule for the same address never applies") {
  auto f = lint("1.2.3.4:allow\n1.2.3.4:deny\n");
  REQUIRE(f.size() == 1);
  CHECK(f[0].starts_with("2 warning: never used: line 1 gives '1.2.3.4' first"));
}

TEST_CASE("different spellings of one address are the same rule") {
  auto f = lint("2001:db8::1:allow\n2001:DB8:0:0:0:0:0:1:deny\n");
  CHECK(has(f, "2 note:", "written as 2001:db8::1"));
  CHECK(has(f, "2 warning:", "never used: line 1"));
}

TEST_CASE("a cidr prefix overlapping an earlier key is partly shadowed") {
  auto f = lint("10.1.:deny\n10.0.0.0/15:allow\n");
  REQUIRE(f.size() == 1);
  CHECK(f[0].starts_with("2 warning: 1 of its 2 keys are given first by line 1"));
}

TEST_CASE("a prefix covered by more specific rules never applies") {
  std::string text = "192.0.2.:deny\n";
  for (int i = 0; i < 256; ++i) text += "192.0.2." + std::to_string(i) + ":allow\n";
  auto f = lint(text);
  REQUIRE(f.size() == 1);
  CHECK(f[0] == "1 warning: never applies: more specific rules cover every address under '192.0.2.'");
  // One address fewer and the prefix still catches 192.0.2.255.
  text.erase(text.rfind("192.0.2.255"));
  CHECK(lint(text).empty());
}

TEST_CASE("keys tcpserver never looks up are reported") {
  CHECK(has(lint("010.1.2.3:allow\n"), "1 warning: this rule never matches", "without leading zeros"));
  CHECK(has(lint("300.1.:deny\n"), "1 warning: this rule never matches", "0-255"));
  CHECK(has(lint("10.1:deny\n"), "1 warning: this rule never matches", "'10.1'"));
  CHECK(has(lint("2001:DB8::deny\n"), "1 warning: this rule never matches", "lowercase"));
  CHECK(has(lint("2001:0db8::deny\n"), "1 warning: this rule never matches", "leading zeros"));
  CHECK(has(lint("1.2.3.7-5:allow\n"), "1 warning: the range '1.2.3.7-5' is empty", ""));
  CHECK(has(lint("joe@1.2.3.:allow\n"), "1 warning: this rule never matches", "whole address"));
}

TEST_CASE("settings after deny are reported as unused") {
  CHECK(has(lint("1.2.3.4:deny,X=\"1\"\n"), "1 warning: settings after 'deny'", ""));
  CHECK(has(lint("1.2.3.4:allow,=\"1\"\n"), "1 warning: a setting with an empty variable name", ""));
}

TEST_CASE("respelled ipv6 and mapped ipv4 are notes, not warnings") {
  auto f = lint("2001:DB8::0001:allow\n::ffff:192.0.2.9:deny\n");
  REQUIRE(f.size() == 2);
  CHECK(f[0] == "1 note: '2001:DB8::0001' is written as 2001:db8::1, as tcpserver writes this address");
  CHECK(f[1] ==
        "2 note: '::ffff:192.0.2.9' is the IPv4 address 192.0.2.9: written as 192.0.2.9 and ::ffff:192.0.2.9");
}

TEST_CASE("control bytes of the file are shown as '?' in a finding, which stays one line") {
  // Found by tests/fuzz/lint.cc: tcprules --check wrote the file's bytes
  // as they were into its one-line findings: NUL, CR, and ESC sequences
  // that a terminal obeys ("\x1b[2J" clears the screen).
  using namespace std::string_literals;
  auto f = lint("1.2\x01\0\0\t:allow\n10.0.0.0/8\r\x1b[2J:allow\n1.2.3.4\r:allow\n"s);
  REQUIRE(f.size() == 3);
  CHECK(f[0].starts_with("1 warning: this rule never matches: '1.2\?\?\?\?': "));
  CHECK(f[1] == "2 error: bad CIDR prefix '10.0.0.0/8\?\?[2J': bad prefix length");
  CHECK(f[2].starts_with("3 warning: this rule never matches: '1.2.3.4\?': "));
}

// rules_test.cpp: tcprules lines and their cdb records.
#include "lib/rules/rule.h"

#include <catch2/catch.hpp>
#include <string>
#include <string_view>

namespace {

using jgl::ParsedLine;
using jgl::Rule;

Rule rule(std::string_view line) {
  auto r = jgl::parse_rule(line, 7);
  INFO("parsing " << line);
  REQUIRE(r.has_value());
  REQUIRE(r->kind == ParsedLine::Kind::rule);
  return r->rule;
}

// The kind of a line that parses, "error" for one that does not.
std::string kind_of(std::string_view line) {
  auto r = jgl::parse_rule(line, 1);
  if (!r) return "error";
  switch (r->kind) {
    case ParsedLine::Kind::rule:
      return "rule";
    case ParsedLine::Kind::blank:
      return "blank";
    case ParsedLine::Kind::skipped:
      return "skipped (" + std::string(r->reason) + ")";
  }
  return "unknown";
}

std::string error_of(std::string_view line) {
  auto r = jgl::parse_rule(line, 1);
  if (r) return "no error";
  return r.error().message;
}

}  // namespace

TEST_CASE("an allow rule without settings has an empty record") {
  Rule r = rule("1.2.3.4:allow");
  CHECK(r.address == "1.2.3.4");
  CHECK_FALSE(r.deny);
  CHECK(r.line == 7);
  CHECK(r.data().empty());
}

TEST_CASE("a deny record starts with D and a NUL as the original writes it") {
  CHECK(rule("1.2.3.4:deny").data() == std::string("D\0", 2));
  CHECK(rule("1.2.3.4:deny,X=\"1\"").data() == std::string("D\0+X=1\0", 7));
}

TEST_CASE("settings take any quote character repeated at both ends") {
  Rule r = rule("1.2.3.4:allow,X=\"a\",Y=/b/,Z='c',W=\"a,b\",E=\"\"");
  CHECK(r.data() == std::string("+X=a\0+Y=b\0+Z=c\0+W=a,b\0+E=\0", 26));
}

TEST_CASE("comments empty lines and blank lines give no rule") {
  for (std::string_view line : {"", "# comment", "#1.2.3.4:allow", "   ", "\t", "#no colon"}) {
    INFO("line '" << line << "'");
    CHECK(kind_of(line) == "blank");
  }
}

TEST_CASE("a line without any colon is skipped as the original skips it") {
  for (std::string_view line : {"1.2.3.4", "1.2.3.4 allow", "1.2.3.4 allow \t", "1.2.3.4 allow # trusted",
                                " # an indented comment is no comment", "\r", "1.2.3.4 allow\r"}) {
    INFO("line '" << line << "'");
    CHECK(kind_of(line) == "skipped (no colon)");
  }
}

TEST_CASE("a line with a colon but no instruction is still refused") {
  for (std::string_view line : {"1.2.3.4:maybe", "1.2.3.4 allow # note: see below", " 1.2.3.4 : allow"}) {
    INFO("line '" << line << "'");
    CHECK(error_of(line) == "no ':allow' or ':deny'");
  }
}

TEST_CASE("trailing spaces and tabs are ignored but not a carriage return") {
  CHECK(rule("1.2.3.4:allow,X=\"a\" \t").env.size() == 1);
  CHECK(error_of("1.2.3.4:allow\r").find("carriage return") != std::string::npos);
}

TEST_CASE("the address ends at the first colon followed by allow or deny") {
  CHECK(rule("::1:allow").address == "::1");
  CHECK(rule(":::allow").address == "::");
  CHECK(rule("2001:db8::deny").address == "2001:db8:");
  CHECK(rule(":allow").address.empty());
  CHECK(rule("=host.example:deny").address == "=host.example");
}

TEST_CASE("malformed lines are refused with the problem named") {
  CHECK(error_of("1.2.3.4:maybe") == "no ':allow' or ':deny'");
  CHECK(error_of("1.2.3.4:allowx").find("'x' after the instruction") != std::string::npos);
  CHECK(error_of("1.2.3.4:allow # c").find("' ' after the instruction") != std::string::npos);
  CHECK(error_of("1.2.3.4:allow,X") == "a setting without '='");
  CHECK(error_of("1.2.3.4:allow,X,Y=\"a\"") == "a setting without '='");
  CHECK(error_of("1.2.3.4:allow,X=") == "no value after 'X='");
  CHECK(error_of("1.2.3.4:allow,X=\"a") == "the value of 'X' has no closing \"");
  CHECK(error_of("1.2.3.4:allow,X=\"a\",").find("without '='") != std::string::npos);
}

// duration_test.cpp: durations as administrators write them, and back.
#include "lib/base/duration.h"

#include <catch2/catch.hpp>
#include <string>

using jgl::format_duration;
using jgl::parse_duration;

namespace {

long parsed(const char* text) {
  auto v = parse_duration(text);
  INFO("parse_duration(\"" << text << "\") failed: " << (v ? std::string() : v.error().message));
  REQUIRE(v);
  return *v;
}

bool refused(const std::string& text) { return !parse_duration(text).has_value(); }

}  // namespace

TEST_CASE("plain digits are seconds") {
  CHECK(parsed("90") == 90);
  CHECK(parsed("0") == 0);
  CHECK(parsed("007") == 7);
}

TEST_CASE("each suffix multiplies the number by its unit") {
  CHECK(parsed("90s") == 90);
  CHECK(parsed("15m") == 15 * 60);
  CHECK(parsed("2h") == 2 * 3600);
  CHECK(parsed("35d") == 35 * 86400);
  CHECK(parsed("1w") == 7 * 86400);
  CHECK(parsed("0d") == 0);
}

TEST_CASE("an empty duration is refused") { CHECK(refused("")); }

TEST_CASE("a suffix without a number is refused") {
  for (const char* text : {"s", "m", "h", "d", "w"}) {
    INFO(text);
    CHECK(refused(text));
  }
}

TEST_CASE("letters that are not a unit are refused") {
  for (const char* text : {"x", "3x", "abc", "5D", "5H", "1y", "d5"}) {
    INFO(text);
    CHECK(refused(text));
  }
}

TEST_CASE("a sign is refused") {
  CHECK(refused("-1"));
  CHECK(refused("-1d"));
  CHECK(refused("+1"));
}

TEST_CASE("a fraction is refused") {
  CHECK(refused("1.5h"));
  CHECK(refused("0.5"));
}

TEST_CASE("two units in one duration are refused") {
  CHECK(refused("1d2h"));
  CHECK(refused("1h30m"));
  CHECK(refused("5ss"));
}

TEST_CASE("spaces around a duration are refused") {
  CHECK(refused(" 5"));
  CHECK(refused("5 "));
  CHECK(refused("5 d"));
}

TEST_CASE("a duration beyond a hundred years is refused") {
  constexpr long kMax = 100L * 366 * 86400;
  CHECK(parsed("3162240000") == kMax);
  CHECK(refused("3162240001"));
  CHECK(parsed("36600d") == kMax);
  CHECK(refused("36601d"));
  CHECK(parsed("5228w") == 5228L * 7 * 86400);
  CHECK(refused("5229w"));
  CHECK(refused("99999999999999999999"));
  CHECK(refused("99999999999999999999w"));
  CHECK(refused("9223372036854775807"));
}

TEST_CASE("the error names the text that was refused") {
  auto v = parse_duration("3x");
  REQUIRE_FALSE(v);
  CHECK_THAT(v.error().message, Catch::Contains("'3x'"));
  CHECK(v.error().sys_errno == 0);
}

TEST_CASE("zero seconds is formatted as 0s") { CHECK(format_duration(0) == "0s"); }

TEST_CASE("a duration is formatted in its largest unit") {
  CHECK(format_duration(59) == "59s");
  CHECK(format_duration(60) == "1m");
  CHECK(format_duration(3600) == "1h");
  CHECK(format_duration(86400) == "1d");
  CHECK(format_duration(7 * 86400) == "1w");
  CHECK(format_duration(35 * 86400) == "5w");
}

TEST_CASE("a formatted duration has at most two units") {
  CHECK(format_duration(90) == "1m30s");
  CHECK(format_duration(3661) == "1h1m");
  CHECK(format_duration(8 * 86400) == "1w1d");
  CHECK(format_duration(44 * 86400 + 3 * 3600) == "6w2d");
  CHECK(format_duration(2 * 86400 + 5 * 3600 + 59) == "2d5h");
}

TEST_CASE("a formatted duration never skips over a unit") {
  // "1w3s" would suggest more precision than the two-unit form has.
  CHECK(format_duration(7 * 86400 + 3) == "1w");
  CHECK(format_duration(3600 + 5) == "1h");
}

TEST_CASE("a negative duration is formatted with a minus sign") {
  CHECK(format_duration(-90) == "-1m30s");
  CHECK(format_duration(-1) == "-1s");
}

TEST_CASE("a single unit duration formatted parses back to itself") {
  for (long s : {0L, 59L, 60L, 120L, 3600L, 86400L, 3L * 86400, 2L * 7 * 86400}) {
    INFO(s);
    CHECK(parsed(format_duration(s).c_str()) == s);
  }
}

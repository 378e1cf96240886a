// number_test.cpp: the one strict decimal parser.
#include "lib/base/number.h"

#include <catch2/catch.hpp>
#include <climits>
#include <string>
#include <string_view>

namespace {

// The number parsed, or "error: <message>".
std::string number(std::string_view text, long min, long max) {
  auto n = jgl::parse_number(text, min, max);
  if (!n) return "error: " + n.error().message;
  return std::to_string(*n);
}

}  // namespace

TEST_CASE("parse_number reads plain decimal digits", "[number]") {
  REQUIRE(number("0", 0, 100) == "0");
  REQUIRE(number("7", 0, 100) == "7");
  REQUIRE(number("42", 0, 100) == "42");
  REQUIRE(number("100", 0, 100) == "100");
  REQUIRE(number("5", 5, 300) == "5");
  REQUIRE(number("300", 5, 300) == "300");
}

TEST_CASE("parse_number accepts leading zeros as decimal", "[number]") {
  REQUIRE(number("0042", 0, 100) == "42");
  REQUIRE(number("010", 0, 100) == "10");
  REQUIRE(number("000", 0, 100) == "0");
}

TEST_CASE("parse_number refuses empty text", "[number]") { REQUIRE(number("", 0, 100) == "error: empty, not a number"); }

TEST_CASE("parse_number refuses a sign", "[number]") {
  REQUIRE(number("-1", 0, 100) == "error: not a number");
  REQUIRE(number("+1", 0, 100) == "error: not a number");
  REQUIRE(number("-0", 0, 100) == "error: not a number");
}

TEST_CASE("parse_number refuses white space anywhere", "[number]") {
  for (const char* s : {" 1", "1 ", "1 2", "\t1", "1\n", " ", "\n"}) {
    CAPTURE(s);
    REQUIRE(number(s, 0, 100) == "error: not a number");
  }
}

TEST_CASE("parse_number refuses anything but digits", "[number]") {
  using namespace std::string_view_literals;
  for (std::string_view s : {"12x"sv, "x12"sv, "abc"sv, "0x10"sv, "1e3"sv, "1.5"sv, "1,000"sv, "1_000"sv, "1\0"sv,
                             "\xd9\xa1"sv}) {
    CAPTURE(s);
    REQUIRE(number(s, 0, 10000) == "error: not a number");
  }
}

TEST_CASE("parse_number refuses values above the maximum", "[number]") {
  REQUIRE(number("101", 0, 100) == "error: out of range 0-100");
  REQUIRE(number("301", 5, 300) == "error: out of range 5-300");
  REQUIRE(number("1000", 5, 300) == "error: out of range 5-300");
  REQUIRE(number("33", 0, 32) == "error: out of range 0-32");
  REQUIRE(number("129", 0, 128) == "error: out of range 0-128");
}

TEST_CASE("parse_number refuses a single digit above a maximum below nine", "[number]") {
  REQUIRE(number("7", 0, 5) == "error: out of range 0-5");
  REQUIRE(number("9", 0, 0) == "error: out of range 0-0");
  REQUIRE(number("1", 0, 0) == "error: out of range 0-0");
  REQUIRE(number("0", 0, 0) == "0");
  REQUIRE(number("5", 0, 5) == "5");
  REQUIRE(number("2", 1, 2) == "2");
  REQUIRE(number("3", 1, 2) == "error: out of range 1-2");
}

TEST_CASE("parse_number refuses values below the minimum", "[number]") {
  REQUIRE(number("4", 5, 300) == "error: out of range 5-300");
  REQUIRE(number("0", 1, 10) == "error: out of range 1-10");
  REQUIRE(number("00", 1, 10) == "error: out of range 1-10");
}

TEST_CASE("parse_number detects overflow without wrapping", "[number]") {
  std::string max = std::to_string(LONG_MAX);
  REQUIRE(number(max, 0, LONG_MAX) == max);
  REQUIRE(number("9223372036854775808", 0, LONG_MAX).starts_with("error: out of range"));
  REQUIRE(number("99999999999999999999999999999", 0, LONG_MAX).starts_with("error: out of range"));
  REQUIRE(number("18446744073709551617", 0, LONG_MAX).starts_with("error: out of range"));
  REQUIRE(number("2147483648", 0, 2147483647) == "error: out of range 0-2147483647");
  REQUIRE(number(std::string(10000, '9'), 0, 100) == "error: out of range 0-100");
  REQUIRE(number(std::string(10000, '0') + "7", 0, 100) == "7");
}

// env_test.cpp: strict numbers, and errors that name the variable.
#include "lib/env.h"

#include <catch2/catch.hpp>
#include <climits>
#include <string>
#include <string_view>

#include "tests/unit/scoped_env.h"

namespace {

using jgl_test::ScopedEnv;

constexpr const char* kVar = "JGL_TEST_NUMBER";

// The number parsed, or "error: <message>".
std::string number(std::string_view text, long min, long max) {
  auto n = jgl::parse_number(text, min, max);
  if (!n) return "error: " + n.error().message;
  return std::to_string(*n);
}

std::string env_number(long fallback, long min, long max) {
  auto n = jgl::env_number(kVar, fallback, min, max);
  if (!n) return "error: " + n.error().message;
  return std::to_string(*n);
}

}  // namespace

TEST_CASE("parse_number reads plain decimal digits", "[env]") {
  REQUIRE(number("0", 0, 100) == "0");
  REQUIRE(number("7", 0, 100) == "7");
  REQUIRE(number("42", 0, 100) == "42");
  REQUIRE(number("100", 0, 100) == "100");
  REQUIRE(number("5", 5, 300) == "5");
  REQUIRE(number("300", 5, 300) == "300");
}

TEST_CASE("parse_number accepts leading zeros as decimal", "[env]") {
  REQUIRE(number("0042", 0, 100) == "42");
  REQUIRE(number("010", 0, 100) == "10");
  REQUIRE(number("000", 0, 100) == "0");
}

TEST_CASE("parse_number refuses empty text", "[env]") { REQUIRE(number("", 0, 100) == "error: empty, not a number"); }

TEST_CASE("parse_number refuses a sign", "[env]") {
  REQUIRE(number("-1", 0, 100) == "error: not a number");
  REQUIRE(number("+1", 0, 100) == "error: not a number");
  REQUIRE(number("-0", 0, 100) == "error: not a number");
}

TEST_CASE("parse_number refuses white space anywhere", "[env]") {
  for (const char* s : {" 1", "1 ", "1 2", "\t1", "1\n", " ", "\n"}) {
    CAPTURE(s);
    REQUIRE(number(s, 0, 100) == "error: not a number");
  }
}

TEST_CASE("parse_number refuses anything but digits", "[env]") {
  using namespace std::string_view_literals;
  for (std::string_view s : {"12x"sv, "x12"sv, "abc"sv, "0x10"sv, "1e3"sv, "1.5"sv, "1,000"sv, "1_000"sv, "1\0"sv,
                             "\xd9\xa1"sv}) {
    CAPTURE(s);
    REQUIRE(number(s, 0, 10000) == "error: not a number");
  }
}

TEST_CASE("parse_number refuses values above the maximum", "[env]") {
  REQUIRE(number("101", 0, 100) == "error: out of range 0-100");
  REQUIRE(number("301", 5, 300) == "error: out of range 5-300");
  REQUIRE(number("1000", 5, 300) == "error: out of range 5-300");
  REQUIRE(number("33", 0, 32) == "error: out of range 0-32");
  REQUIRE(number("129", 0, 128) == "error: out of range 0-128");
}

TEST_CASE("parse_number refuses a single digit above a maximum below nine", "[env]") {
  REQUIRE(number("7", 0, 5) == "error: out of range 0-5");
  REQUIRE(number("9", 0, 0) == "error: out of range 0-0");
  REQUIRE(number("1", 0, 0) == "error: out of range 0-0");
  REQUIRE(number("0", 0, 0) == "0");
  REQUIRE(number("5", 0, 5) == "5");
  REQUIRE(number("2", 1, 2) == "2");
  REQUIRE(number("3", 1, 2) == "error: out of range 1-2");
}

TEST_CASE("parse_number refuses values below the minimum", "[env]") {
  REQUIRE(number("4", 5, 300) == "error: out of range 5-300");
  REQUIRE(number("0", 1, 10) == "error: out of range 1-10");
  REQUIRE(number("00", 1, 10) == "error: out of range 1-10");
}

TEST_CASE("parse_number detects overflow without wrapping", "[env]") {
  std::string max = std::to_string(LONG_MAX);
  REQUIRE(number(max, 0, LONG_MAX) == max);
  REQUIRE(number("9223372036854775808", 0, LONG_MAX).starts_with("error: out of range"));
  REQUIRE(number("99999999999999999999999999999", 0, LONG_MAX).starts_with("error: out of range"));
  REQUIRE(number("18446744073709551617", 0, LONG_MAX).starts_with("error: out of range"));
  REQUIRE(number("2147483648", 0, 2147483647) == "error: out of range 0-2147483647");
  REQUIRE(number(std::string(10000, '9'), 0, 100) == "error: out of range 0-100");
  REQUIRE(number(std::string(10000, '0') + "7", 0, 100) == "7");
}

TEST_CASE("env_get returns null when unset and the value when set", "[env]") {
  ScopedEnv env{kVar};
  REQUIRE(jgl::env_get(kVar) == nullptr);
  env.set(kVar, "");
  REQUIRE(jgl::env_get(kVar) != nullptr);
  REQUIRE(std::string(jgl::env_get(kVar)) == "");
  env.set(kVar, "hello");
  REQUIRE(std::string(jgl::env_get(kVar)) == "hello");
}

TEST_CASE("env_number returns the fallback when the variable is unset", "[env]") {
  ScopedEnv env{kVar};
  REQUIRE(env_number(120, 0, 1000) == "120");
  REQUIRE(env_number(0, 0, 1) == "0");
}

TEST_CASE("env_number parses a set variable", "[env]") {
  ScopedEnv env;
  env.set(kVar, "300");
  REQUIRE(env_number(120, 0, 1000) == "300");
  env.set(kVar, "0");
  REQUIRE(env_number(120, 0, 1000) == "0");
}

TEST_CASE("env_number treats an empty variable as an error naming it", "[env]") {
  ScopedEnv env;
  env.set(kVar, "");
  REQUIRE(env_number(120, 0, 1000) == "error: JGL_TEST_NUMBER='': empty, not a number");
}

TEST_CASE("env_number errors name the variable and show its value", "[env]") {
  ScopedEnv env;
  env.set(kVar, "12x");
  REQUIRE(env_number(120, 0, 1000) == "error: JGL_TEST_NUMBER='12x': not a number");
  env.set(kVar, "-1");
  REQUIRE(env_number(120, 0, 1000) == "error: JGL_TEST_NUMBER='-1': not a number");
  env.set(kVar, "1001");
  REQUIRE(env_number(120, 0, 1000) == "error: JGL_TEST_NUMBER='1001': out of range 0-1000");
}

TEST_CASE("env_number errors carry no errno", "[env]") {
  ScopedEnv env;
  env.set(kVar, "abc");
  auto n = jgl::env_number(kVar, 1, 0, 10);
  REQUIRE_FALSE(n.has_value());
  REQUIRE(n.error().sys_errno == 0);
}

TEST_CASE("env_number shows control characters as question marks and cuts long values", "[env]") {
  ScopedEnv env;
  env.set(kVar, "1\n2\x1b[31m");
  REQUIRE(env_number(1, 0, 10) == "error: JGL_TEST_NUMBER='1?2?[31m': not a number");
  env.set(kVar, std::string(100, 'x'));
  REQUIRE(env_number(1, 0, 10) == "error: JGL_TEST_NUMBER='" + std::string(40, 'x') + "...': not a number");
}

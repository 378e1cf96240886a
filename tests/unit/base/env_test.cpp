// env_test.cpp: numbers from the environment, and errors that name the variable.
#include "lib/base/env.h"

#include <catch2/catch.hpp>
#include <climits>
#include <string>
#include <string_view>

#include "tests/unit/scoped_env.h"

namespace {

using jgl_test::ScopedEnv;

constexpr const char* kVar = "JGL_TEST_NUMBER";

std::string env_number(long fallback, long min, long max) {
  auto n = jgl::env_number(kVar, fallback, min, max);
  if (!n) return "error: " + n.error().message;
  return std::to_string(*n);
}

}  // namespace

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

// rules_lookup_test.cpp: tcpserver's lookup order, and which files are
// read as a rules cdb.
#include "lib/rules/lookup.h"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

TEST_CASE("lookup keys follow tcpserver's order") {
  CHECK(jgl::lookup_keys("1.2.3.4", "a.example", "joe") ==
        std::vector<std::string>{"joe@1.2.3.4", "1.2.3.4", "=a.example", "1.2.3.", "1.2.", "1.",
                                 "=.example", "=", ""});
  CHECK(jgl::lookup_keys("::1", nullptr, nullptr) == std::vector<std::string>{"::1", "::", ":", ""});
}

TEST_CASE("a directory is not read as a rules cdb, and that is temporary") {
  auto opened = jgl::open_rules_cdb("/");
  REQUIRE_FALSE(opened.has_value());
  CHECK(opened.error().message == "is a directory");
  CHECK(opened.error().temporary);
}

TEST_CASE("a missing rules cdb is a temporary failure naming the reason") {
  auto opened = jgl::open_rules_cdb("/nonexistent/rules.cdb");
  REQUIRE_FALSE(opened.has_value());
  CHECK(opened.error().message == "No such file or directory");
  CHECK(opened.error().temporary);
}

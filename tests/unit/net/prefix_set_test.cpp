// prefix_set_test.cpp: prefixes made into sorted, disjoint ranges.
#include "lib/net/prefix_set.h"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

namespace {

std::vector<std::string> disjoint(std::vector<const char*> texts) {
  std::vector<jgl::Prefix> prefixes;
  for (const char* t : texts) prefixes.push_back(*jgl::Prefix::parse(t));
  std::vector<std::string> out;
  for (const jgl::Prefix& p : jgl::disjoint_prefixes(prefixes)) out.emplace_back(p.format().view());
  return out;
}

}  // namespace

TEST_CASE("a prefix contains the prefixes inside it and not the other family", "[net][prefix_set]") {
  auto p = [](const char* t) { return *jgl::Prefix::parse(t); };
  CHECK(jgl::prefix_contains(p("192.0.2.0/24"), p("192.0.2.128/25")));
  CHECK(jgl::prefix_contains(p("192.0.2.0/24"), p("192.0.2.0/24")));
  CHECK_FALSE(jgl::prefix_contains(p("192.0.2.128/25"), p("192.0.2.0/24")));
  CHECK_FALSE(jgl::prefix_contains(p("0.0.0.0/0"), p("::/128")));
  CHECK(jgl::prefix_contains(p("2001:db8::/32"), p("2001:db8:ffff::/48")));
}

TEST_CASE("duplicates and contained prefixes go, IPv4 sorts before IPv6", "[net][prefix_set]") {
  CHECK(disjoint({"2001:db8::/32", "198.51.100.0/24", "192.0.2.7", "192.0.2.0/24", "2001:db8:1::/48",
                  "198.51.100.0/24", "10.0.0.0/8", "10.1.0.0/16", "192.0.3.0/24"}) ==
        std::vector<std::string>{"10.0.0.0/8", "192.0.2.0/24", "192.0.3.0/24", "198.51.100.0/24", "2001:db8::/32"});
}

TEST_CASE("adjacent prefixes stay as they were published", "[net][prefix_set]") {
  CHECK(disjoint({"192.0.2.128/25", "192.0.2.0/25"}) == std::vector<std::string>{"192.0.2.0/25", "192.0.2.128/25"});
}

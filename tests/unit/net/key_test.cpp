// key_test.cpp: what an entry is kept under.
#include "lib/net/key.h"

#include <catch2/catch.hpp>
#include <string>

namespace {

jgl::Prefix prefix(const char* text) {
  auto p = jgl::Prefix::parse(text);
  REQUIRE(p.has_value());
  return *p;
}

}  // namespace

TEST_CASE("a prefix key carries its prefix and no envelope", "[key]") {
  jgl::Key k(prefix("192.0.2.0/24"));
  CHECK_FALSE(k.is_triplet());
  CHECK(k.client() == prefix("192.0.2.0/24"));
  CHECK(k.sender().empty());
  CHECK(k.recipient().empty());
}

TEST_CASE("a triplet key carries the client prefix, the sender and the recipient", "[key]") {
  auto k = jgl::Key::triplet(prefix("2001:db8::/64"), "alice@example.org", "bob@example.net");
  CHECK(k.is_triplet());
  CHECK(k.client() == prefix("2001:db8::/64"));
  CHECK(k.sender() == "alice@example.org");
  CHECK(k.recipient() == "bob@example.net");
}

TEST_CASE("a triplet with an empty sender (a bounce) is still a triplet", "[key]") {
  auto k = jgl::Key::triplet(prefix("192.0.2.0/24"), "", "bob@example.net");
  CHECK(k.is_triplet());
  CHECK(k != jgl::Key(prefix("192.0.2.0/24")));
}

TEST_CASE("keys are equal when every part is", "[key]") {
  auto a = jgl::Key::triplet(prefix("192.0.2.0/24"), "a@x", "b@y");
  CHECK(a == jgl::Key::triplet(prefix("192.0.2.0/24"), "a@x", "b@y"));
  CHECK(a != jgl::Key::triplet(prefix("192.0.2.0/24"), "a@x", "c@y"));
  CHECK(a != jgl::Key::triplet(prefix("192.0.3.0/24"), "a@x", "b@y"));
  CHECK(jgl::Key(prefix("192.0.2.0/24")) != jgl::Key(prefix("192.0.2.0/25")));
}

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

TEST_CASE("an SPF-aware triplet stands for its domain, not a network", "[key]") {
  auto k = jgl::Key::spf_triplet("example.org", "alice@example.org", "bob@example.net");
  CHECK(k.is_triplet());
  CHECK(k.spf_domain() == "example.org");
  CHECK(k.client_text() == "spf:example.org");
  CHECK(k != jgl::Key::spf_triplet("example.com", "alice@example.org", "bob@example.net"));
  CHECK(k.digest() != jgl::Key::triplet(prefix("192.0.2.0/24"), "alice@example.org", "bob@example.net").digest());
  CHECK(jgl::Key::triplet(prefix("192.0.2.0/24"), "a@x", "b@y").client_text() == "192.0.2.0/24");
}

TEST_CASE("a triplet comes back from its client part's text", "[key]") {
  auto spf = jgl::Key::triplet_from("spf:example.org", "a@example.org", "b@example.net");
  REQUIRE(spf.has_value());
  CHECK(*spf == jgl::Key::spf_triplet("example.org", "a@example.org", "b@example.net"));
  auto net = jgl::Key::triplet_from("2001:db8::/64", "", "b@example.net");
  REQUIRE(net.has_value());
  CHECK(*net == jgl::Key::triplet(prefix("2001:db8::/64"), "", "b@example.net"));
  CHECK_FALSE(jgl::Key::triplet_from("spf:", "a", "b").has_value());
  CHECK_FALSE(jgl::Key::triplet_from("spf:" + std::string(254, 'a'), "a", "b").has_value());
  CHECK_FALSE(jgl::Key::triplet_from("example.org", "a", "b").has_value());
  CHECK_FALSE(jgl::Key::triplet_from("192.0.2.0/24", std::string(1025, 'a'), "b").has_value());
}

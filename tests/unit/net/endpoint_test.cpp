// endpoint_test.cpp: HOST[:PORT] split, the brackets rule once.
#include "lib/net/endpoint.h"

#include <catch2/catch.hpp>
#include <string>

namespace {

// "host|port" ("host|-" without a port), or "error: ...".
std::string split(std::string_view text, jgl::BareIpv6 bare = jgl::BareIpv6::refused) {
  auto e = jgl::split_endpoint(text, bare);
  if (!e) return "error: " + e.error().message;
  return std::string(e->host) + "|" + (e->port ? std::string(*e->port) : "-");
}

}  // namespace

TEST_CASE("HOST[:PORT] splits at the one ':' or after the brackets", "[net][endpoint]") {
  CHECK(split("192.0.2.1") == "192.0.2.1|-");
  CHECK(split("192.0.2.1:53") == "192.0.2.1|53");
  CHECK(split("redis.example:") == "redis.example|");
  CHECK(split("[::1]") == "[::1]|-");
  CHECK(split("[::1]:5353") == "[::1]|5353");
  CHECK(split("[::1]:") == "[::1]|");
  CHECK(split("") == "|-");
  auto e = jgl::split_endpoint("[2001:db8::1]:53", jgl::BareIpv6::refused);
  REQUIRE(e.has_value());
  CHECK(e->bracketed());
  CHECK(e->bare_host() == "2001:db8::1");
}

TEST_CASE("a bare IPv6 literal is the whole host only when the caller allows it", "[net][endpoint]") {
  CHECK(split("::1") == "error: an IPv6 address must be in brackets");
  CHECK(split("2001:db8::1:6379") == "error: an IPv6 address must be in brackets");
  CHECK(split("::1", jgl::BareIpv6::allowed) == "::1|-");
  CHECK(split("2001:db8::1:53", jgl::BareIpv6::allowed) == "2001:db8::1:53|-");
}

TEST_CASE("brackets must close, and only a port may follow them", "[net][endpoint]") {
  CHECK(split("[::1") == "error: '[' without ']'");
  CHECK(split("[::1]6379") == "error: junk after ']'");
  CHECK(split("[::1]x:1", jgl::BareIpv6::allowed) == "error: junk after ']'");
}

// settings_test.cpp: JGREYLIST_DNS and JGREYLIST_DNS_TIMEOUT.
#include "lib/dns/settings.h"

#include <catch2/catch.hpp>
#include <string>

#include "tests/unit/scoped_env.h"

namespace {

std::string server(const char* spec) {
  auto s = jgl::parse_dns_server(spec);
  return s ? *s : "error: " + s.error().message;
}

}  // namespace

TEST_CASE("a DNS server is an address with an optional port", "[dns][settings]") {
  CHECK(server("192.0.2.53") == "192.0.2.53:53");
  CHECK(server("127.0.0.1:5353") == "127.0.0.1:5353");
  CHECK(server("[::1]:5353") == "[::1]:5353");
  CHECK(server("[2001:DB8::1]") == "[2001:db8::1]:53");
  CHECK(server("::1") == "[::1]:53");
}

TEST_CASE("a DNS server that is not an address and port is refused", "[dns][settings]") {
  for (const char* bad : {"", "dns.example.com", "127.0.0.1:", "127.0.0.1:0", "127.0.0.1:65536", "[::1", "[::1]x",
                          "[192.0.2.1]:53", "300.0.0.1", "::1:53x"}) {
    INFO(bad);
    CHECK(server(bad).starts_with("error: "));
  }
}

TEST_CASE("the DNS settings come from the environment, strictly", "[dns][settings]") {
  jgl_test::ScopedEnv env({"JGREYLIST_DNS", "JGREYLIST_DNS_TIMEOUT"});
  auto defaults = jgl::dns_settings_from_env();
  REQUIRE(defaults.has_value());
  CHECK(defaults->server.empty());
  CHECK(defaults->timeout_ms == 2000);
  env.set("JGREYLIST_DNS", "[::1]:5353");
  env.set("JGREYLIST_DNS_TIMEOUT", "500");
  auto set = jgl::dns_settings_from_env();
  REQUIRE(set.has_value());
  CHECK(set->server == "[::1]:5353");
  CHECK(set->timeout_ms == 500);
  env.set("JGREYLIST_DNS_TIMEOUT", "60001");
  auto too_long = jgl::dns_settings_from_env();
  REQUIRE_FALSE(too_long.has_value());
  CHECK(too_long.error().message.find("JGREYLIST_DNS_TIMEOUT") != std::string::npos);
  env.set("JGREYLIST_DNS_TIMEOUT", "1000");
  env.set("JGREYLIST_DNS", "resolver.example.com");
  auto bad = jgl::dns_settings_from_env();
  REQUIRE_FALSE(bad.has_value());
  CHECK(bad.error().message.starts_with("JGREYLIST_DNS: "));
}

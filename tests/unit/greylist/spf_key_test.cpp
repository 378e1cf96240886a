// spf_key_test.cpp: the SPF-aware triplet: which identity is asked, which
// key a result gives, what the log says, and which settings refuse it.
#include "lib/greylist/spf_key.h"

#include <catch2/catch.hpp>
#include <chrono>
#include <optional>
#include <string>

#include "tests/unit/dns_server.h"
#include "tests/unit/memory_dns.h"

namespace {

using jgl::SpfResult;
using jgl_test::MemoryDns;

jgl::Address addr(const char* text) { return *jgl::Address::parse(text); }
jgl::Prefix network() { return jgl::Prefix(addr("192.0.2.0"), 24); }

MemoryDns example_org() {
  MemoryDns dns;
  dns.txt_record("example.org", "v=spf1 ip4:192.0.2.0/24 ip6:2001:db8:1::/48 ~all");
  return dns;
}

jgl::Key key_of(const jgl::SpfKeying& spf) {
  return jgl::spf_aware_triplet(spf, network(), "a@example.org", "b@example.net");
}

}  // namespace

TEST_CASE("the identity is the sender, or postmaster@HELO for a bounce", "[greylist][spf]") {
  CHECK(jgl::spf_identity("a@example.org", "mx.example.com") == "a@example.org");
  CHECK(jgl::spf_identity("", "mx.example.com") == "postmaster@mx.example.com");
  CHECK(jgl::spf_identity("", "") == "");
}

TEST_CASE("a pass keys the triplet on the sender's domain, lowercase, without a trailing dot", "[greylist][spf]") {
  MemoryDns dns = example_org();
  auto spf = jgl::evaluate_spf(dns, addr("192.0.2.25"), "a@Example.ORG.", "");
  CHECK(spf.result == SpfResult::pass);
  CHECK(spf.domain == "example.org");
  auto key = key_of(spf);
  CHECK(key.client_text() == "spf:example.org");
  CHECK(key.sender() == "a@example.org");
  CHECK(key.recipient() == "b@example.net");
  CHECK(jgl::spf_log_words(spf, key) == " spf=pass key=spf:example.org");
}

TEST_CASE("two networks the domain authorises give one key", "[greylist][spf]") {
  MemoryDns dns = example_org();
  auto v4 = jgl::evaluate_spf(dns, addr("192.0.2.25"), "a@example.org", "");
  auto v6 = jgl::evaluate_spf(dns, addr("2001:db8:1::25"), "a@example.org", "");
  CHECK(key_of(v4) == key_of(v6));
}

TEST_CASE("any other result keeps the network's key", "[greylist][spf]") {
  MemoryDns dns = example_org();
  auto softfail = jgl::evaluate_spf(dns, addr("198.51.100.25"), "a@example.org", "");
  CHECK(softfail.result == SpfResult::softfail);
  CHECK(key_of(softfail) == jgl::Key::triplet(network(), "a@example.org", "b@example.net"));
  CHECK(jgl::spf_log_words(softfail, key_of(softfail)) == " spf=softfail key=192.0.2.0/24");
  auto none = jgl::evaluate_spf(dns, addr("192.0.2.25"), "a@nothing.example", "");
  CHECK(none.result == SpfResult::none);
  CHECK(key_of(none).client_text() == "192.0.2.0/24");
}

TEST_CASE("a DNS timeout is a temperror that keeps the network's key and says why", "[greylist][spf]") {
  MemoryDns dns;
  dns.timeouts.insert("example.org");
  auto spf = jgl::evaluate_spf(dns, addr("192.0.2.25"), "a@example.org", "");
  CHECK(spf.result == SpfResult::temperror);
  CHECK(key_of(spf).client_text() == "192.0.2.0/24");
  std::string words = jgl::spf_log_words(spf, key_of(spf));
  CHECK(words.starts_with(" spf=temperror (example.org: TXT lookup timeout"));
  CHECK(words.ends_with(") key=192.0.2.0/24"));
}

TEST_CASE("a bounce is checked as postmaster@HELO, keyed on the HELO domain", "[greylist][spf]") {
  MemoryDns dns;
  dns.txt_record("mx.example.org", "v=spf1 ip4:192.0.2.0/24 -all");
  auto spf = jgl::evaluate_spf(dns, addr("192.0.2.25"), "", "mx.example.org");
  CHECK(spf.result == SpfResult::pass);
  CHECK(jgl::spf_aware_triplet(spf, network(), "", "b@example.net").client_text() == "spf:mx.example.org");
}

TEST_CASE("a bounce without HELO asks nothing and keeps the network's key", "[greylist][spf]") {
  MemoryDns dns = example_org();
  auto spf = jgl::evaluate_spf(dns, addr("192.0.2.25"), "", "");
  CHECK(dns.questions == 0);
  CHECK(spf.result == SpfResult::none);
  auto key = jgl::spf_aware_triplet(spf, network(), "", "b@example.net");
  CHECK(jgl::spf_log_words(spf, key) == " spf=none (empty sender, HELO unknown) key=192.0.2.0/24");
}

TEST_CASE("JGREYLIST_SPF with the ip key is a configuration error naming both", "[greylist][spf]") {
  CHECK(jgl::check_spf_key_kind(true, jgl::KeyKind::triplet));
  CHECK(jgl::check_spf_key_kind(false, jgl::KeyKind::ip));
  auto refused = jgl::check_spf_key_kind(true, jgl::KeyKind::ip);
  REQUIRE_FALSE(refused);
  CHECK(refused.error().message.find("JGREYLIST_SPF=1 with JGREYLIST_KEY=ip") != std::string::npos);
}

namespace {

constexpr const char* kKeyerZone = R"(
example.org. 60 IN TXT "v=spf1 ip4:192.0.2.0/24 -all"
servfail.example.org. 60 IN TXT "v=spf1 +all"
)";

jgl::DnsSettings settings_for(const jgl_test::DnsServer& server) {
  jgl::DnsSettings settings;
  settings.server = server.address();
  settings.timeout_ms = 1000;
  return settings;
}

}  // namespace

TEST_CASE("the keyer asks DNS once, then answers from its cache", "[greylist][spf]") {
  jgl::SpfCache cache(16, std::chrono::seconds(300));
  std::optional<jgl::SpfKeyer> keyer;
  {
    jgl_test::DnsServer server(kKeyerZone);
    keyer.emplace(settings_for(server), &cache);
    auto first = keyer->evaluate(addr("192.0.2.25"), "a@example.org", "");
    CHECK(first.result == SpfResult::pass);
    CHECK(first.detail == "");
  }
  // The server is gone: only the cache can say pass.
  auto again = keyer->evaluate(addr("192.0.2.25"), "a@example.org", "");
  CHECK(again.result == SpfResult::pass);
  CHECK(again.domain == "example.org");
  CHECK(again.detail == "cached");
}

TEST_CASE("the keyer asks again after a temperror", "[greylist][spf]") {
  jgl_test::DnsServer server(kKeyerZone);
  jgl::SpfCache cache(16, std::chrono::seconds(300));
  jgl::SpfKeyer keyer(settings_for(server), &cache);
  for (int i = 0; i < 2; ++i) {
    auto spf = keyer.evaluate(addr("192.0.2.25"), "a@servfail.example.org", "");
    CHECK(spf.result == SpfResult::temperror);
    CHECK(spf.detail != "cached");
  }
  CHECK(cache.size() == 0);
}

TEST_CASE("the keyer without a cache asks every time", "[greylist][spf]") {
  std::optional<jgl::SpfKeyer> keyer;
  {
    jgl_test::DnsServer server(kKeyerZone);
    jgl::DnsSettings settings = settings_for(server);
    settings.timeout_ms = 300;
    keyer.emplace(settings, nullptr);
    CHECK(keyer->evaluate(addr("192.0.2.25"), "a@example.org", "").result == SpfResult::pass);
  }
  CHECK(keyer->evaluate(addr("192.0.2.25"), "a@example.org", "").result == SpfResult::temperror);
}

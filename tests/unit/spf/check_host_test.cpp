// check_host_test.cpp: RFC 7208 check_host() over DNS answered from memory.
#include "lib/spf/check_host.h"

#include <catch2/catch.hpp>
#include <string>

#include "tests/unit/memory_dns.h"

namespace {

using jgl::SpfResult;
using jgl_test::MemoryDns;

jgl::SpfVerdict evaluate(MemoryDns& dns, const char* client, const char* sender = "user@example.com",
                         const char* helo = "mx.example.org") {
  return jgl::check_sender(dns, *jgl::Address::parse(client), sender, helo);
}

SpfResult result(MemoryDns& dns, const char* client, const char* sender = "user@example.com") {
  auto verdict = evaluate(dns, client, sender);
  std::string why;
  for (const auto& r : verdict.reasons) why += r + "; ";
  INFO("result " << jgl::result_name(verdict.result) << ": " << why);
  return verdict.result;
}

MemoryDns with_record(const char* record) {
  MemoryDns dns;
  dns.txt_record("example.com", record);
  return dns;
}

}  // namespace

TEST_CASE("a domain without an SPF record is none", "[spf][check_host]") {
  MemoryDns dns;
  CHECK(result(dns, "192.0.2.1") == SpfResult::none);
  dns.txt_record("example.com", "google-site-verification=x");
  CHECK(result(dns, "192.0.2.1") == SpfResult::none);
}

TEST_CASE("two SPF records are a permerror", "[spf][check_host]") {
  MemoryDns dns = with_record("v=spf1 +all");
  dns.txt_record("example.com", "v=spf1 -all");
  CHECK(result(dns, "192.0.2.1") == SpfResult::permerror);
}

TEST_CASE("the qualifier of the first matching mechanism is the result", "[spf][check_host]") {
  MemoryDns dns = with_record("v=spf1 ip4:192.0.2.0/24 ~ip4:198.51.100.0/24 ?ip6:2001:db8::/32 -all");
  CHECK(result(dns, "192.0.2.9") == SpfResult::pass);
  CHECK(result(dns, "198.51.100.1") == SpfResult::softfail);
  CHECK(result(dns, "2001:db8::1") == SpfResult::neutral);
  CHECK(result(dns, "203.0.113.1") == SpfResult::fail);
  CHECK(result(dns, "::ffff:192.0.2.9") == SpfResult::pass);
}

TEST_CASE("no match and no all is neutral", "[spf][check_host]") {
  MemoryDns dns = with_record("v=spf1 ip4:192.0.2.0/24");
  CHECK(result(dns, "203.0.113.1") == SpfResult::neutral);
}

TEST_CASE("a matches the domain's addresses within its CIDR lengths", "[spf][check_host]") {
  MemoryDns dns = with_record("v=spf1 a/24//64 a:other.example.net -all");
  dns.a_record("example.com", "192.0.2.10");
  dns.a_record("example.com", "2001:db8:1::1");
  dns.a_record("other.example.net", "198.51.100.5");
  CHECK(result(dns, "192.0.2.200") == SpfResult::pass);
  CHECK(result(dns, "2001:db8:1::ffff") == SpfResult::pass);
  CHECK(result(dns, "198.51.100.5") == SpfResult::pass);
  CHECK(result(dns, "198.51.100.6") == SpfResult::fail);
  CHECK(result(dns, "2001:db8:2::1") == SpfResult::fail);
}

TEST_CASE("mx matches the addresses of the domain's MX hosts", "[spf][check_host]") {
  MemoryDns dns = with_record("v=spf1 mx -all");
  dns.mx_record("example.com", 10, "mx1.example.com");
  dns.mx_record("example.com", 20, "mx2.example.com");
  dns.a_record("mx2.example.com", "192.0.2.20");
  CHECK(result(dns, "192.0.2.20") == SpfResult::pass);
  CHECK(result(dns, "192.0.2.21") == SpfResult::fail);
}

TEST_CASE("more than 10 MX names is a permerror", "[spf][check_host]") {
  MemoryDns dns = with_record("v=spf1 mx -all");
  for (int i = 0; i < 11; ++i) dns.mx_record("example.com", i, "mx" + std::to_string(i) + ".example.com");
  CHECK(result(dns, "192.0.2.20") == SpfResult::permerror);
}

TEST_CASE("ptr matches a validated name under the domain", "[spf][check_host]") {
  MemoryDns dns = with_record("v=spf1 ptr -all");
  dns.ptr_record("192.0.2.3", "mail.example.com");
  dns.a_record("mail.example.com", "192.0.2.3");
  dns.ptr_record("192.0.2.4", "forged.example.com");  // its A record says otherwise
  dns.a_record("forged.example.com", "192.0.2.99");
  CHECK(result(dns, "192.0.2.3") == SpfResult::pass);
  CHECK(result(dns, "192.0.2.4") == SpfResult::fail);
  CHECK(result(dns, "192.0.2.5") == SpfResult::fail);
}

TEST_CASE("exists matches when the name has an A record", "[spf][check_host]") {
  MemoryDns dns = with_record("v=spf1 exists:%{ir}.%{l}._spf.%{d} -all");
  dns.a_record("1.2.0.192.user._spf.example.com", "127.0.0.2");
  CHECK(result(dns, "192.0.2.1") == SpfResult::pass);
  CHECK(result(dns, "192.0.2.2") == SpfResult::fail);
}

TEST_CASE("include matches on pass only", "[spf][check_host]") {
  MemoryDns dns = with_record("v=spf1 include:_spf.example.net -all");
  dns.txt_record("_spf.example.net", "v=spf1 ip4:192.0.2.0/24 -ip4:198.51.100.1 ?all");
  CHECK(result(dns, "192.0.2.1") == SpfResult::pass);
  CHECK(result(dns, "198.51.100.1") == SpfResult::fail);  // the include's fail is no match
  CHECK(result(dns, "203.0.113.1") == SpfResult::fail);
}

TEST_CASE("include of a domain without SPF is a permerror", "[spf][check_host]") {
  MemoryDns dns = with_record("v=spf1 include:nothing.example.net -all");
  CHECK(result(dns, "192.0.2.1") == SpfResult::permerror);
}

TEST_CASE("a temperror inside an include propagates", "[spf][check_host]") {
  MemoryDns dns = with_record("v=spf1 include:_spf.example.net -all");
  dns.timeouts.insert("_spf.example.net");
  CHECK(result(dns, "192.0.2.1") == SpfResult::temperror);
}

TEST_CASE("a DNS failure during a mechanism is a temperror", "[spf][check_host]") {
  MemoryDns dns = with_record("v=spf1 a:down.example.net -all");
  dns.failures.insert("down.example.net");
  CHECK(result(dns, "192.0.2.1") == SpfResult::temperror);
  MemoryDns timing_out;
  timing_out.timeouts.insert("example.com");
  CHECK(result(timing_out, "192.0.2.1") == SpfResult::temperror);
}

TEST_CASE("redirect gives the other domain's result", "[spf][check_host]") {
  MemoryDns dns = with_record("v=spf1 ip4:198.51.100.1 redirect=_spf.example.net");
  dns.txt_record("_spf.example.net", "v=spf1 ip4:192.0.2.0/24 -all");
  CHECK(result(dns, "192.0.2.1") == SpfResult::pass);
  CHECK(result(dns, "203.0.113.1") == SpfResult::fail);
}

TEST_CASE("redirect to a domain without SPF is a permerror", "[spf][check_host]") {
  MemoryDns dns = with_record("v=spf1 redirect=nothing.example.net");
  CHECK(result(dns, "192.0.2.1") == SpfResult::permerror);
}

TEST_CASE("redirect is ignored when the record has all", "[spf][check_host]") {
  MemoryDns dns = with_record("v=spf1 ?all redirect=_spf.example.net");
  dns.txt_record("_spf.example.net", "v=spf1 -all");
  CHECK(result(dns, "192.0.2.1") == SpfResult::neutral);
  CHECK(dns.questions == 1);
}

TEST_CASE("the eleventh DNS-querying term is a permerror", "[spf][check_host]") {
  MemoryDns dns = with_record("v=spf1 a:a1.example.com a:a2.example.com include:i.example.com -all");
  dns.txt_record("i.example.com", "v=spf1 mx:m.example.com a:e1.example.com redirect=r.example.com");
  dns.txt_record("r.example.com", "v=spf1 a:a1.example.com a:a1.example.com a:a1.example.com a:a1.example.com ip4:192.0.2.1");
  for (const char* name : {"a1.example.com", "a2.example.com", "e1.example.com"}) dns.a_record(name, "203.0.113.9");
  dns.mx_record("m.example.com", 0, "a1.example.com");
  // a, a, include, mx, a, redirect, a x 4: 10 terms, then ip4 (not counted) matches.
  CHECK(result(dns, "192.0.2.1") == SpfResult::pass);
  dns.txts["r.example.com"] = {"v=spf1 a:a1.example.com a:a1.example.com a:a1.example.com a:a1.example.com ptr"};
  CHECK(result(dns, "192.0.2.1") == SpfResult::permerror);
}

TEST_CASE("an include loop ends at the lookup limit", "[spf][check_host]") {
  MemoryDns dns = with_record("v=spf1 include:example.com -all");
  CHECK(result(dns, "192.0.2.1") == SpfResult::permerror);
}

TEST_CASE("a third void lookup is a permerror", "[spf][check_host]") {
  MemoryDns dns = with_record("v=spf1 a:n1.example.com a:n2.example.com ip4:192.0.2.1 -all");
  CHECK(result(dns, "192.0.2.1") == SpfResult::pass);
  dns.txts["example.com"] = {"v=spf1 a:n1.example.com a:n2.example.com mx:n3.example.com ip4:192.0.2.1 -all"};
  CHECK(result(dns, "192.0.2.1") == SpfResult::permerror);
}

TEST_CASE("a syntax error anywhere is a permerror before any match", "[spf][check_host]") {
  MemoryDns dns = with_record("v=spf1 +all foo:bar");
  CHECK(result(dns, "192.0.2.1") == SpfResult::permerror);
}

TEST_CASE("an empty sender is checked as postmaster at the HELO name", "[spf][check_host]") {
  MemoryDns dns;
  dns.txt_record("mx.example.org", "v=spf1 exists:%{l}.%{d} -all");
  dns.a_record("postmaster.mx.example.org", "127.0.0.2");
  CHECK(result(dns, "192.0.2.1", "") == SpfResult::pass);
}

TEST_CASE("a sender without a local part is postmaster", "[spf][check_host]") {
  MemoryDns dns = with_record("v=spf1 exists:%{l}.%{d} -all");
  dns.a_record("postmaster.example.com", "127.0.0.2");
  CHECK(result(dns, "192.0.2.1", "@example.com") == SpfResult::pass);
}

TEST_CASE("a malformed or single-label domain is none without asking DNS", "[spf][check_host]") {
  MemoryDns dns;
  CHECK(result(dns, "192.0.2.1", "user@localhost") == SpfResult::none);
  CHECK(result(dns, "192.0.2.1", "user@a..example.com") == SpfResult::none);
  CHECK(result(dns, "192.0.2.1", ("user@" + std::string(64, 'x') + ".example.com").c_str()) == SpfResult::none);
  CHECK(dns.questions == 0);
}

TEST_CASE("the trace names the matching mechanism and every lookup", "[spf][check_host]") {
  MemoryDns dns = with_record("v=spf1 a:gone.example.com include:_spf.example.net -all");
  dns.txt_record("_spf.example.net", "v=spf1 ip4:192.0.2.0/24 -all");
  auto verdict = evaluate(dns, "192.0.2.1");
  CHECK(verdict.result == SpfResult::pass);
  REQUIRE(verdict.reasons.size() == 2);
  CHECK(verdict.reasons[0] == "example.com: include:_spf.example.net");
  CHECK(verdict.reasons[1] == "_spf.example.net: ip4:192.0.2.0/24");
  REQUIRE(verdict.lookups.size() == 3);
  CHECK(verdict.lookups[0].type == "TXT");
  CHECK(verdict.lookups[1].type == "A");
  CHECK(verdict.lookups[1].name == "gone.example.com");
  CHECK(verdict.lookups[1].outcome == "nxdomain");
  CHECK(verdict.lookups[2].name == "_spf.example.net");
}

TEST_CASE("the p macro uses a validated name", "[spf][check_host]") {
  MemoryDns dns = with_record("v=spf1 exists:%{p}.ok.example.com -all");
  dns.ptr_record("192.0.2.3", "mail.example.com");
  dns.a_record("mail.example.com", "192.0.2.3");
  dns.a_record("mail.example.com.ok.example.com", "127.0.0.2");
  CHECK(result(dns, "192.0.2.3") == SpfResult::pass);
  CHECK(result(dns, "192.0.2.4") == SpfResult::fail);  // "unknown.ok.example.com"
}

TEST_CASE("a mechanism naming a malformed domain does not match and asks nothing", "[spf][check_host]") {
  MemoryDns dns = with_record("v=spf1 a:mail.example...com -all");
  CHECK(result(dns, "192.0.2.1") == SpfResult::fail);
  CHECK(dns.questions == 1);
}

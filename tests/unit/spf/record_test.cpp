// record_test.cpp: which TXT strings are SPF records, and their grammar.
#include "lib/spf/record.h"

#include <catch2/catch.hpp>
#include <string>

namespace {

jgl::SpfRecord parsed(const char* text) {
  auto record = jgl::parse_record(text);
  INFO(text << ": " << (record ? "" : record.error().message));
  REQUIRE(record.has_value());
  return *record;
}

bool refused(const char* text) { return !jgl::parse_record(text).has_value(); }

}  // namespace

TEST_CASE("v=spf1 is an SPF record in any case, followed by a space or nothing", "[spf][record]") {
  CHECK(jgl::is_spf_record("v=spf1"));
  CHECK(jgl::is_spf_record("V=SPF1 -all"));
  CHECK_FALSE(jgl::is_spf_record("v=spf10 -all"));
  CHECK_FALSE(jgl::is_spf_record("v=spf1-all"));
  CHECK_FALSE(jgl::is_spf_record("spf2.0/pra -all"));
  CHECK_FALSE(jgl::is_spf_record(" v=spf1 -all"));
}

TEST_CASE("mechanisms keep their order and qualifiers", "[spf][record]") {
  auto r = parsed("v=spf1 +a -mx ~ptr ?include:_spf.example.com all");
  REQUIRE(r.mechanisms.size() == 5);
  CHECK(r.mechanisms[0].qualifier == jgl::SpfResult::pass);
  CHECK(r.mechanisms[1].qualifier == jgl::SpfResult::fail);
  CHECK(r.mechanisms[2].qualifier == jgl::SpfResult::softfail);
  CHECK(r.mechanisms[3].qualifier == jgl::SpfResult::neutral);
  CHECK(r.mechanisms[3].domain_spec == "_spf.example.com");
  CHECK(r.mechanisms[4].kind == jgl::MechanismKind::all);
  CHECK(r.has_all());
}

TEST_CASE("a and mx take both CIDR lengths", "[spf][record]") {
  auto r = parsed("v=spf1 a/24//64 mx:example.com/28 a//48 A:example.org");
  CHECK(r.mechanisms[0].cidr4 == 24);
  CHECK(r.mechanisms[0].cidr6 == 64);
  CHECK(r.mechanisms[1].domain_spec == "example.com");
  CHECK(r.mechanisms[1].cidr4 == 28);
  CHECK(r.mechanisms[1].cidr6 == 128);
  CHECK(r.mechanisms[2].cidr4 == 32);
  CHECK(r.mechanisms[2].cidr6 == 48);
  CHECK(r.mechanisms[3].kind == jgl::MechanismKind::a);
}

TEST_CASE("ip4 and ip6 networks parse with host bits allowed", "[spf][record]") {
  auto r = parsed("v=spf1 ip4:192.0.2.1/24 ip6:2001:db8::/32 ip4:198.51.100.7");
  CHECK(r.mechanisms[0].network.format().view() == "192.0.2.0/24");
  CHECK(r.mechanisms[1].network.format().view() == "2001:db8::/32");
  CHECK(r.mechanisms[2].network.length() == 32);
}

TEST_CASE("redirect and exp are kept, other modifiers ignored", "[spf][record]") {
  auto r = parsed("v=spf1 mx redirect=_spf.example.com exp=explain.%{d} moo=bar.%{d}");
  CHECK(r.redirect == "_spf.example.com");
  CHECK(r.explanation == "explain.%{d}");
  CHECK(r.mechanisms.size() == 1);
}

TEST_CASE("syntax errors make the record an error", "[spf][record]") {
  for (const char* bad :
       {"v=spf1 foo", "v=spf1 all:x", "v=spf1 include", "v=spf1 include:", "v=spf1 ip4:192.0.2.1/33",
        "v=spf1 ip4:2001:db8::1", "v=spf1 ip6:192.0.2.1", "v=spf1 a/024", "v=spf1 a//129", "v=spf1 a:museum",
        "v=spf1 a:example.123", "v=spf1 redirect=a.example.com redirect=b.example.com", "v=spf1 exp=a.com exp=b.com",
        "v=spf1 a:%{x}.example.com", "v=spf1 moo=%{", "v=spf1 -", "v=spf1 exists:%{d0}.example.com"}) {
    INFO(bad);
    CHECK(refused(bad));
  }
}

TEST_CASE("a domain-spec may end in a macro or a trailing dot", "[spf][record]") {
  parsed("v=spf1 exists:%{i}.%{d}");
  parsed("v=spf1 a:example.com.");
  parsed("v=spf1 a:foo-bar.example.1-2");
  parsed("v=spf1   -all  ");
}

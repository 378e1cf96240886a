// prefix_test.cpp: CIDR prefixes.
#include "lib/net/prefix.h"

#include <catch2/catch.hpp>
#include <string>
#include <string_view>

namespace {

using jgl::Address;
using jgl::Prefix;

Address addr(std::string_view text) {
  auto a = Address::parse(text);
  INFO("parsing address " << text);
  REQUIRE(a.has_value());
  return *a;
}

std::string text(const Address& a) { return std::string(a.format().view()); }
std::string text(const Prefix& p) { return std::string(p.format().view()); }

// The canonical text of the prefix parsed, or "error: <message>".
std::string parsed(std::string_view input) {
  auto p = Prefix::parse(input);
  if (!p) return "error: " + p.error().message;
  return text(*p);
}

Prefix prefix(std::string_view input) {
  auto p = Prefix::parse(input);
  INFO("parsing prefix " << input);
  REQUIRE(p.has_value());
  return *p;
}

}  // namespace

TEST_CASE("IPv4 CIDR parses and formats", "[prefix]") {
  for (const char* s : {"192.0.2.0/24", "10.0.0.0/8", "0.0.0.0/0", "192.0.2.1/32", "192.0.2.128/25", "128.0.0.0/1"}) {
    CAPTURE(s);
    REQUIRE(parsed(s) == s);
  }
  Prefix p = prefix("192.0.2.0/24");
  REQUIRE(p.length() == 24);
  REQUIRE(p.family() == jgl::Family::v4);
  REQUIRE(text(p.address()) == "192.0.2.0");
}

TEST_CASE("IPv6 CIDR parses and formats canonically", "[prefix]") {
  REQUIRE(parsed("2001:db8::/32") == "2001:db8::/32");
  REQUIRE(parsed("2001:DB8:0:0::/64") == "2001:db8::/64");
  REQUIRE(parsed("2001:0db8:0001:0000:0000:0000:0000:0000/48") == "2001:db8:1::/48");
  REQUIRE(parsed("::/0") == "::/0");
  REQUIRE(parsed("::1/128") == "::1/128");
  REQUIRE(parsed("fe80::/10") == "fe80::/10");
  REQUIRE(prefix("2001:db8::/32").family() == jgl::Family::v6);
}

TEST_CASE("a bracketed IPv6 prefix parses", "[prefix]") {
  REQUIRE(parsed("[2001:db8::]/48") == "2001:db8::/48");
  REQUIRE(parsed("[::1]") == "::1/128");
  REQUIRE(parsed("[::]/0") == "::/0");
}

TEST_CASE("brackets around IPv4 or unbalanced brackets are refused", "[prefix]") {
  REQUIRE(parsed("[192.0.2.0]/24") == "error: brackets around an IPv4 address");
  REQUIRE(parsed("[2001:db8::/48").starts_with("error: "));
  REQUIRE(parsed("2001:db8::]/48").starts_with("error: "));
  REQUIRE(parsed("[]/0").starts_with("error: "));
}

TEST_CASE("a bare address is a full length prefix", "[prefix]") {
  REQUIRE(parsed("192.0.2.1") == "192.0.2.1/32");
  REQUIRE(parsed("2001:db8::1") == "2001:db8::1/128");
  REQUIRE(parsed("::ffff:192.0.2.1") == "192.0.2.1/32");
}

TEST_CASE("host bits set is an error naming the suggestion", "[prefix]") {
  auto p = Prefix::parse("192.0.2.1/24");
  REQUIRE_FALSE(p.has_value());
  REQUIRE(p.error().message == "host bits set after /24 (did you mean 192.0.2.0/24?)");

  auto q = Prefix::parse("2001:db8::1/32");
  REQUIRE_FALSE(q.has_value());
  REQUIRE(q.error().message == "host bits set after /32 (did you mean 2001:db8::/32?)");

  REQUIRE(parsed("10.0.0.1/0") == "error: host bits set after /0 (did you mean 0.0.0.0/0?)");
  REQUIRE(parsed("192.0.2.129/25") == "error: host bits set after /25 (did you mean 192.0.2.128/25?)");
}

TEST_CASE("bad prefix lengths are refused", "[prefix]") {
  for (const char* s : {"192.0.2.0/33", "2001:db8::/129", "192.0.2.0/-1", "192.0.2.0/08", "192.0.2.0/", "192.0.2.0/+8",
                        "192.0.2.0/8x", "192.0.2.0/1000", "192.0.2.0/ 8", "192.0.2.0/24 ", "192.0.2.0/24/24",
                        "2001:db8::/032", "2001:db8::/", "/24", "192.0.2.0//24", "192.0.2.0/0x18"}) {
    CAPTURE(s);
    REQUIRE(parsed(s).starts_with("error: "));
  }
  REQUIRE(parsed("192.0.2.0/33") == "error: bad prefix length");
}

TEST_CASE("a zone in a prefix is refused", "[prefix]") {
  REQUIRE(parsed("fe80::%eth0/64") == "error: zone in a prefix");
  REQUIRE(parsed("fe80::1%eth0") == "error: zone in a prefix");
}

TEST_CASE("a mapped CIDR becomes the IPv4 prefix", "[prefix]") {
  REQUIRE(parsed("::ffff:192.0.2.0/120") == "192.0.2.0/24");
  REQUIRE(parsed("::ffff:c000:200/120") == "192.0.2.0/24");
  REQUIRE(parsed("[::ffff:192.0.2.0]/120") == "192.0.2.0/24");
  REQUIRE(parsed("::ffff:192.0.2.1/128") == "192.0.2.1/32");
  REQUIRE(parsed("::ffff:0:0/96") == "0.0.0.0/0");
  REQUIRE(prefix("::ffff:192.0.2.0/120").family() == jgl::Family::v4);
}

TEST_CASE("a mapped CIDR shorter than 96 or with host bits is refused", "[prefix]") {
  REQUIRE(parsed("::ffff:0:0/95") == "error: IPv4-mapped prefix shorter than /96");
  REQUIRE(parsed("::ffff:192.0.2.1/120") == "error: host bits set after /120 (did you mean 192.0.2.0/24?)");
  // Written as IPv6, the length counts over 128 bits: /24 is too short.
  REQUIRE(parsed("::ffff:192.0.2.0/24").starts_with("error: "));
}

TEST_CASE("the Prefix constructor clamps the length and clears host bits", "[prefix]") {
  REQUIRE(text(Prefix(addr("192.0.2.77"), 24)) == "192.0.2.0/24");
  REQUIRE(text(Prefix(addr("192.0.2.77"), 40)) == "192.0.2.77/32");
  REQUIRE(text(Prefix(addr("192.0.2.77"), -3)) == "0.0.0.0/0");
  REQUIRE(text(Prefix(addr("2001:db8:1:2:3:4:5:6"), 64)) == "2001:db8:1:2::/64");
  REQUIRE(text(Prefix(addr("2001:db8::1"), 200)) == "2001:db8::1/128");
}

TEST_CASE("prefixes are equal when address and length are", "[prefix]") {
  REQUIRE(prefix("192.0.2.0/24") == Prefix(addr("192.0.2.200"), 24));
  REQUIRE(prefix("192.0.2.0/24") != prefix("192.0.2.0/25"));
  REQUIRE(prefix("2001:db8::/32") == prefix("[2001:DB8::]/32"));
}

TEST_CASE("a default prefix is 0.0.0.0/0", "[prefix]") { REQUIRE(text(Prefix()) == "0.0.0.0/0"); }

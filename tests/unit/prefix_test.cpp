// prefix_test.cpp: CIDR prefixes, djb ranges and their decomposition.
#include "lib/prefix.h"

#include <catch2/catch.hpp>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace {

using jgl::Address;
using jgl::Prefix;
using jgl::Range;

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

// "first - last" of the range parsed, or "error: <message>".
std::string span(std::string_view input) {
  auto r = Range::parse(input);
  if (!r) return "error: " + r.error().message;
  return text(r->first) + " - " + text(r->last);
}

Range range(std::string_view input) {
  auto r = Range::parse(input);
  INFO("parsing range " << input);
  REQUIRE(r.has_value());
  return *r;
}

// The decomposition as "p1 p2 ...".
std::string pieces(const Range& r) {
  std::string out;
  for (const Prefix& p : r.to_prefixes()) {
    if (!out.empty()) out += ' ';
    out += text(p);
  }
  return out;
}

std::uint32_t number(const Address& a) {
  return std::uint32_t{a.byte(0)} << 24 | std::uint32_t{a.byte(1)} << 16 | std::uint32_t{a.byte(2)} << 8 | a.byte(3);
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

TEST_CASE("contains matches the addresses inside the prefix only", "[prefix]") {
  Prefix p = prefix("192.0.2.0/24");
  REQUIRE(p.contains(addr("192.0.2.0")));
  REQUIRE(p.contains(addr("192.0.2.255")));
  REQUIRE(p.contains(addr("::ffff:192.0.2.9")));
  REQUIRE_FALSE(p.contains(addr("192.0.3.0")));
  REQUIRE_FALSE(p.contains(addr("192.0.1.255")));

  Prefix v6 = prefix("2001:db8::/32");
  REQUIRE(v6.contains(addr("2001:db8:ffff::1")));
  REQUIRE_FALSE(v6.contains(addr("2001:db9::")));

  Prefix host = prefix("192.0.2.7/32");
  REQUIRE(host.contains(addr("192.0.2.7")));
  REQUIRE_FALSE(host.contains(addr("192.0.2.6")));
}

TEST_CASE("a prefix never contains an address of the other family", "[prefix]") {
  REQUIRE_FALSE(prefix("::/0").contains(addr("192.0.2.1")));
  REQUIRE_FALSE(prefix("::/0").contains(addr("::ffff:192.0.2.1")));
  REQUIRE_FALSE(prefix("0.0.0.0/0").contains(addr("::1")));
  REQUIRE(prefix("0.0.0.0/0").contains(addr("::ffff:192.0.2.1")));
}

TEST_CASE("last is the highest address inside", "[prefix]") {
  REQUIRE(text(prefix("192.0.2.0/24").last()) == "192.0.2.255");
  REQUIRE(text(prefix("10.0.0.0/9").last()) == "10.127.255.255");
  REQUIRE(text(prefix("192.0.2.7/32").last()) == "192.0.2.7");
  REQUIRE(text(prefix("0.0.0.0/0").last()) == "255.255.255.255");
  REQUIRE(text(prefix("2001:db8::/32").last()) == "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff");
  REQUIRE(text(prefix("2001:db8::/36").last()) == "2001:db8:fff:ffff:ffff:ffff:ffff:ffff");
  REQUIRE(text(prefix("::/0").last()) == "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff");
  REQUIRE(text(prefix("::1/128").last()) == "::1");
}

TEST_CASE("prefixes are equal when address and length are", "[prefix]") {
  REQUIRE(prefix("192.0.2.0/24") == Prefix(addr("192.0.2.200"), 24));
  REQUIRE(prefix("192.0.2.0/24") != prefix("192.0.2.0/25"));
  REQUIRE(prefix("2001:db8::/32") == prefix("[2001:DB8::]/32"));
}

TEST_CASE("a default prefix is 0.0.0.0/0", "[prefix]") { REQUIRE(text(Prefix()) == "0.0.0.0/0"); }

TEST_CASE("a djb dotted prefix covers whole octets", "[prefix][range]") {
  REQUIRE(span("10.") == "10.0.0.0 - 10.255.255.255");
  REQUIRE(span("10.2.") == "10.2.0.0 - 10.2.255.255");
  REQUIRE(span("10.2.3.") == "10.2.3.0 - 10.2.3.255");
  REQUIRE(span("0.") == "0.0.0.0 - 0.255.255.255");
  REQUIRE(span("255.") == "255.0.0.0 - 255.255.255.255");
}

TEST_CASE("a djb last part range spans the given values", "[prefix][range]") {
  REQUIRE(span("1.2.3.37-53") == "1.2.3.37 - 1.2.3.53");
  REQUIRE(span("10.2-3.") == "10.2.0.0 - 10.3.255.255");
  REQUIRE(span("10-11.") == "10.0.0.0 - 11.255.255.255");
  REQUIRE(span("1.2.3.5-5") == "1.2.3.5 - 1.2.3.5");
  REQUIRE(span("1.2.3.0-255") == "1.2.3.0 - 1.2.3.255");
  REQUIRE(span("1.2.0-255.") == "1.2.0.0 - 1.2.255.255");
}

TEST_CASE("a single address is a range of one", "[prefix][range]") {
  REQUIRE(span("1.2.3.4") == "1.2.3.4 - 1.2.3.4");
  REQUIRE(span("2001:db8::1") == "2001:db8::1 - 2001:db8::1");
  REQUIRE(span("::ffff:1.2.3.4") == "1.2.3.4 - 1.2.3.4");
}

TEST_CASE("CIDR text is a range", "[prefix][range]") {
  REQUIRE(span("192.0.2.0/24") == "192.0.2.0 - 192.0.2.255");
  REQUIRE(span("2001:db8::/32") == "2001:db8:: - 2001:db8:ffff:ffff:ffff:ffff:ffff:ffff");
  REQUIRE(span("[2001:db8::]/48") == "2001:db8:: - 2001:db8:0:ffff:ffff:ffff:ffff:ffff");
  REQUIRE(span("::ffff:192.0.2.0/120") == "192.0.2.0 - 192.0.2.255");
  REQUIRE(span("192.0.2.1/24").starts_with("error: host bits set"));
}

TEST_CASE("bad ranges are refused", "[prefix][range]") {
  for (std::string s : std::initializer_list<std::string>{"1.2.3.53-37", "1.2-3.4", "1.2.3.4.", "256.", "", "1.2.3", ".", "10..", "..", "1.2.3.4-",
                        "1.2.3.-4", "1.2.3.04", "01.", "1.2.3.4.5", "a.", "1.2.3.4-5-6", "10.-", "1.2.3.37 -53",
                        "10. ", " 10.", "1.2.3.4.5.", "10.2-3.4.", "300-400.", "1.2.3.0-256", "1.2.3.-", "-.",
                        "1.2.3.+4", "1,2,3,4", "10.2-.", "1.2.3.4/", std::string(200, '1') + "."}) {
    CAPTURE(s);
    REQUIRE(span(s).starts_with("error: "));
  }
  REQUIRE(span("1.2.3.53-37") == "error: range start after range end");
  REQUIRE(span("1.2-3.4") == "error: a range is allowed only in the last part");
  REQUIRE(span("1.2.3.4.") == "error: a prefix of four parts is a whole address: drop the final '.'");
}

TEST_CASE("Range contains compares by address order", "[prefix][range]") {
  Range r = range("1.2.3.37-53");
  REQUIRE(r.contains(addr("1.2.3.37")));
  REQUIRE(r.contains(addr("1.2.3.45")));
  REQUIRE(r.contains(addr("1.2.3.53")));
  REQUIRE_FALSE(r.contains(addr("1.2.3.36")));
  REQUIRE_FALSE(r.contains(addr("1.2.3.54")));
  REQUIRE_FALSE(range("::/0").contains(addr("1.2.3.4")));
}

TEST_CASE("to_prefixes decomposes a last part range into the fewest prefixes", "[prefix][range]") {
  REQUIRE(pieces(range("1.2.3.37-53")) == "1.2.3.37/32 1.2.3.38/31 1.2.3.40/29 1.2.3.48/30 1.2.3.52/31");
  REQUIRE(pieces(range("1.2.3.0-255")) == "1.2.3.0/24");
  REQUIRE(pieces(range("1.2.3.5-5")) == "1.2.3.5/32");
  REQUIRE(pieces(range("10.2-3.")) == "10.2.0.0/15");
  REQUIRE(pieces(range("10.1-2.")) == "10.1.0.0/16 10.2.0.0/16");
  REQUIRE(pieces(range("1.2.3.1-254")) ==
          "1.2.3.1/32 1.2.3.2/31 1.2.3.4/30 1.2.3.8/29 1.2.3.16/28 1.2.3.32/27 1.2.3.64/26 "
          "1.2.3.128/26 1.2.3.192/27 1.2.3.224/28 1.2.3.240/29 1.2.3.248/30 1.2.3.252/31 1.2.3.254/32");
}

TEST_CASE("to_prefixes of a CIDR range is that prefix", "[prefix][range]") {
  REQUIRE(pieces(range("192.0.2.0/24")) == "192.0.2.0/24");
  REQUIRE(pieces(range("10.")) == "10.0.0.0/8");
  REQUIRE(pieces(range("2001:db8::/32")) == "2001:db8::/32");
  REQUIRE(pieces(range("2001:db8::1")) == "2001:db8::1/128");
}

TEST_CASE("to_prefixes of the whole address space is a single /0", "[prefix][range]") {
  REQUIRE(pieces(range("0.0.0.0/0")) == "0.0.0.0/0");
  REQUIRE(pieces(range("0-255.")) == "0.0.0.0/0");
  REQUIRE(pieces(range("::/0")) == "::/0");
}

TEST_CASE("to_prefixes stops at the last address 255.255.255.255", "[prefix][range]") {
  REQUIRE(pieces(range("255.255.255.255")) == "255.255.255.255/32");
  REQUIRE(pieces(range("255.255.255.254-255")) == "255.255.255.254/31");
  REQUIRE(pieces(range("255.255.255.200-255")) == "255.255.255.200/29 255.255.255.208/28 255.255.255.224/27");
  REQUIRE(pieces(range("255.")) == "255.0.0.0/8");
  REQUIRE(pieces(range("128-255.")) == "128.0.0.0/1");
  REQUIRE(pieces(range("ffff::/16")) == "ffff::/16");
  REQUIRE(pieces(range("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff")) == "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128");

  auto to_the_end = Range{addr("1.2.3.4"), addr("255.255.255.255")}.to_prefixes();
  REQUIRE(to_the_end.size() == 26u);
  REQUIRE(text(to_the_end.front()) == "1.2.3.4/30");
  REQUIRE(text(to_the_end.back()) == "128.0.0.0/1");
}

TEST_CASE("to_prefixes covers a range exactly with aligned prefixes that cannot merge", "[prefix][range]") {
  for (const char* s : {"1.2.3.37-53", "10.2-3.", "10.1-2.", "1.2.3.1-254", "9-200.", "1.2.3.0-0", "1.2.3.127-128",
                        "0.", "255.255.255.1-255", "172.16-31.", "100.64-127.", "1.2.3.0-254"}) {
    CAPTURE(s);
    Range r = range(s);
    auto prefixes = r.to_prefixes();
    REQUIRE_FALSE(prefixes.empty());
    std::uint64_t expected_next = number(r.first);
    for (std::size_t i = 0; i < prefixes.size(); ++i) {
      const Prefix& p = prefixes[i];
      CAPTURE(i, text(p));
      REQUIRE(number(p.address()) == expected_next);
      REQUIRE(Prefix(p.address(), p.length()) == p);
      if (i > 0) {
        // Two neighbours of equal length that form one aligned block would
        // have been a single prefix.
        const Prefix& before = prefixes[i - 1];
        bool mergeable = before.length() == p.length() && p.length() > 0 &&
                         Prefix(before.address(), p.length() - 1).address() == before.address();
        REQUIRE_FALSE(mergeable);
      }
      expected_next = std::uint64_t{number(p.last())} + 1;
    }
    REQUIRE(expected_next == std::uint64_t{number(r.last)} + 1);
  }
}

// ::/80 ends at ::ffff:ffff:ffff, which is not the IPv4 address
// 255.255.255.255 here: the range must stay IPv6 and decompose into itself.
TEST_CASE("an IPv6 prefix reaching the mapped range keeps its family") {
  Prefix p = prefix("::/80");
  REQUIRE(p.last().family() == jgl::Family::v6);
  Range r = range("::/80");
  REQUIRE(r.first.family() == r.last.family());
  auto prefixes = r.to_prefixes();
  REQUIRE(prefixes.size() == 1);
  REQUIRE(std::string(prefixes[0].format().view()) == "::/80");
}

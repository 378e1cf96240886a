// address_test.cpp: strict parsing, mapped IPv4, zones and RFC 5952 text.
#include "lib/net/address.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <catch2/catch.hpp>
#include <cstring>
#include <string>
#include <string_view>

namespace {

using jgl::Address;
using jgl::Family;

// The canonical text of `text` parsed, or "error: <message>", so that a
// failure shows what was expected and what came out.
std::string formatted(std::string_view text) {
  auto a = Address::parse(text);
  if (!a) return "error: " + a.error().message;
  return std::string(a->format().view());
}

bool refused(std::string_view text) { return !Address::parse(text).has_value(); }

Address addr(std::string_view text) {
  auto a = Address::parse(text);
  INFO("parsing " << text);
  REQUIRE(a.has_value());
  return *a;
}

std::string text(const Address& a) { return std::string(a.format().view()); }

}  // namespace

TEST_CASE("dotted quads parse and format unchanged", "[address]") {
  for (const char* s : {"0.0.0.0", "1.2.3.4", "10.0.0.10", "127.0.0.1", "192.0.2.1", "255.255.255.255"}) {
    CAPTURE(s);
    REQUIRE(formatted(s) == s);
    REQUIRE(addr(s).family() == Family::v4);
  }
}

TEST_CASE("an IPv4 address exposes its bytes in network order", "[address]") {
  Address a = addr("192.0.2.1");
  REQUIRE(a.is_v4());
  REQUIRE(a.bits() == 32);
  REQUIRE(a.byte_count() == 4);
  REQUIRE(int(a.byte(0)) == 192);
  REQUIRE(int(a.byte(1)) == 0);
  REQUIRE(int(a.byte(2)) == 2);
  REQUIRE(int(a.byte(3)) == 1);
}

TEST_CASE("an IPv6 address exposes its sixteen bytes", "[address]") {
  Address a = addr("2001:db8::1");
  REQUIRE_FALSE(a.is_v4());
  REQUIRE(a.family() == Family::v6);
  REQUIRE(a.bits() == 128);
  REQUIRE(a.byte_count() == 16);
  REQUIRE(int(a.byte(0)) == 0x20);
  REQUIRE(int(a.byte(1)) == 0x01);
  REQUIRE(int(a.byte(2)) == 0x0d);
  REQUIRE(int(a.byte(3)) == 0xb8);
  REQUIRE(int(a.byte(15)) == 1);
}

TEST_CASE("IPv6 addresses parse in many spellings to one canonical text", "[address]") {
  for (const char* s : {"2001:db8::1", "2001:DB8::1", "2001:Db8:0::1", "2001:0db8:0000:0000:0000:0000:0000:0001",
                        "2001:db8:0:0:0:0:0:1", "2001:db8::0:1", "2001:db8:0:0::0:0:1", "2001:0DB8::0001"}) {
    CAPTURE(s);
    REQUIRE(formatted(s) == "2001:db8::1");
  }
}

TEST_CASE("IPv6 text is formatted lowercase without leading zeros", "[address]") {
  REQUIRE(formatted("ABCD:EF01:0023:4567:89AB:CDEF:0009:0001") == "abcd:ef01:23:4567:89ab:cdef:9:1");
  REQUIRE(formatted("2001:0DB8:00AB:000C::") == "2001:db8:ab:c::");
  REQUIRE(formatted("FFFF:FFFF:FFFF:FFFF:FFFF:FFFF:FFFF:FFFF") == "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff");
}

TEST_CASE("the longest run of zero groups is compressed", "[address]") {
  REQUIRE(formatted("1:0:0:1:0:0:0:1") == "1:0:0:1::1");
  REQUIRE(formatted("1:0:0:0:1:0:0:1") == "1::1:0:0:1");
  REQUIRE(formatted("2001:db8:0:0:1:0:0:0") == "2001:db8:0:0:1::");
  REQUIRE(formatted("0:0:0:1:0:0:0:0") == "0:0:0:1::");
  REQUIRE(formatted("2001:db8:0:0:0:0:2:1") == "2001:db8::2:1");
}

TEST_CASE("the first of two equally long zero runs is compressed", "[address]") {
  REQUIRE(formatted("2001:db8:0:0:1:0:0:1") == "2001:db8::1:0:0:1");
  REQUIRE(formatted("0:0:1:1:0:0:1:1") == "::1:1:0:0:1:1");
  REQUIRE(formatted("1:0:0:1:1:1:0:0") == "1::1:1:1:0:0");
}

TEST_CASE("a single zero group is not compressed", "[address]") {
  REQUIRE(formatted("2001:db8:0:1:1:1:1:1") == "2001:db8:0:1:1:1:1:1");
  REQUIRE(formatted("2001:db8::1:1:1:1:1") == "2001:db8:0:1:1:1:1:1");
  REQUIRE(formatted("0:1:1:1:1:1:1:1") == "0:1:1:1:1:1:1:1");
  REQUIRE(formatted("1:1:1:1:1:1:1:0") == "1:1:1:1:1:1:1:0");
  REQUIRE(formatted("1::2:3:4:5:6:7") == "1:0:2:3:4:5:6:7");
}

TEST_CASE("all zeros loopback and a trailing zero run format as RFC 5952 says", "[address]") {
  REQUIRE(formatted("::") == "::");
  REQUIRE(formatted("0:0:0:0:0:0:0:0") == "::");
  REQUIRE(formatted("::1") == "::1");
  REQUIRE(formatted("0:0:0:0:0:0:0:1") == "::1");
  REQUIRE(formatted("1::") == "1::");
  REQUIRE(formatted("1:0:0:0:0:0:0:0") == "1::");
  REQUIRE(formatted("fe80::") == "fe80::");
}

TEST_CASE("embedded dotted quad notation is accepted for IPv6", "[address]") {
  REQUIRE(formatted("64:ff9b::192.0.2.33") == "64:ff9b::c000:221");
  // IPv4-compatible (deprecated) is not mapped: it stays IPv6.
  REQUIRE(formatted("::1.2.3.4") == "::102:304");
  REQUIRE(addr("::1.2.3.4").family() == Family::v6);
}

TEST_CASE("an IPv6 zone is stripped", "[address]") {
  REQUIRE(formatted("fe80::1%eth0") == "fe80::1");
  REQUIRE(formatted("FE80::1%eth0") == "fe80::1");
  REQUIRE(formatted("fe80::1%1") == "fe80::1");
  REQUIRE(formatted("fe80::1%en0.100") == "fe80::1");
  REQUIRE(addr("fe80::1%eth0") == addr("fe80::1"));
}

TEST_CASE("an empty or malformed IPv6 zone is refused", "[address]") {
  for (std::string s : std::initializer_list<std::string>{"fe80::1%", "fe80::1%eth 0", "fe80::1%a/b", "fe80::1%%eth0", "fe80::1%eth0%1",
                        "fe80::1%eth\t0", "%eth0", "fe80::1%" + std::string(33, 'e')}) {
    CAPTURE(s);
    REQUIRE(refused(s));
  }
  REQUIRE(formatted("fe80::1%" + std::string(32, 'e')) == "fe80::1");
}

TEST_CASE("a zone on an IPv4 address is refused", "[address]") {
  REQUIRE(refused("1.2.3.4%eth0"));
  REQUIRE(refused("1.2.3.4%1"));
}

TEST_CASE("mapped IPv4 becomes the IPv4 address", "[address]") {
  for (const char* s : {"::ffff:192.0.2.1", "::ffff:c000:201", "::FFFF:C000:0201", "0:0:0:0:0:ffff:192.0.2.1",
                        "0000:0000:0000:0000:0000:ffff:c000:0201"}) {
    CAPTURE(s);
    REQUIRE(formatted(s) == "192.0.2.1");
    REQUIRE(addr(s).family() == Family::v4);
    REQUIRE(addr(s) == addr("192.0.2.1"));
  }
  REQUIRE(formatted("::ffff:0:0") == "0.0.0.0");
  REQUIRE(formatted("::ffff:ffff:ffff") == "255.255.255.255");
}

TEST_CASE("addresses next to the mapped range stay IPv6", "[address]") {
  REQUIRE(formatted("::fffe:c000:201") == "::fffe:c000:201");
  REQUIRE(formatted("::1:ffff:c000:201") == "::1:ffff:c000:201");
  REQUIRE(formatted("64:ff9b::ffff:c000:201") == "64:ff9b::ffff:c000:201");
  REQUIRE(addr("::fffe:c000:201").family() == Family::v6);
}

TEST_CASE("malformed IPv4 text is refused", "[address]") {
  for (const char* s : {"01.2.3.4", "1.2.3.04", "00.0.0.0", "1.2.3.400", "256.0.0.0", "1.2.3", "1.2.3.4.5", "1.2.3.",
                        ".1.2.3", "1..2.3", "1.2.3.4 ", " 1.2.3.4", "1.2.3.4\n", "0x1.2.3.4", "1.2.3.-4", "+1.2.3.4",
                        "1.2.3.4/32", "../../x", "1.2.3.4/../..", "localhost", "1", "4294967295", "1.2.3.a", "\xef\xbc\x91.2.3.4"}) {
    CAPTURE(s);
    REQUIRE(refused(s));
  }
}

TEST_CASE("malformed IPv6 text is refused", "[address]") {
  for (const char* s : {"::ffff:1.2.3.400", "::ffff:01.2.3.4", "1:2:3:4:5:6:7:8:9", "1:2:3:4:5:6:7", "1::2::3", "12345::",
                        "g::1", ":::", ":1::", "1::2:", "[::1]", "::1 ", " ::1", "2001:db8::/32", "::1/128", "::ffff:1.2.3",
                        "1.2.3.4::", "::ffff:192.0.2.1.5", ":", "fe80:::1", "2001:db8::1:../.."}) {
    CAPTURE(s);
    REQUIRE(refused(s));
  }
}

TEST_CASE("the empty string is refused", "[address]") {
  auto a = Address::parse("");
  REQUIRE_FALSE(a.has_value());
  REQUIRE(a.error().message == "empty address");
}

TEST_CASE("very long text is refused before any parsing", "[address]") {
  for (std::string s : {std::string(5000, '1'), std::string(5000, ':'), "1.2.3.4" + std::string(4993, ' '),
                        "fe80::1%" + std::string(4992, 'e'), std::string(Address::kMaxText + 1, '0')}) {
    CAPTURE(s.size());
    auto a = Address::parse(s);
    REQUIRE_FALSE(a.has_value());
    REQUIRE(a.error().message == "address too long");
  }
}

TEST_CASE("a NUL byte inside the text is refused", "[address]") {
  using namespace std::string_view_literals;
  for (std::string_view s : {"1.2.3.4\0"sv, "1.2\0.3.4"sv, "\0001.2.3.4"sv, "::1\0"sv, "fe80::1%eth0\0x"sv,
                             "::ffff:1.2.3.4\0"sv}) {
    CAPTURE(s.size());
    auto a = Address::parse(s);
    REQUIRE_FALSE(a.has_value());
    REQUIRE(a.error().message == "NUL byte in address");
  }
}

TEST_CASE("masked clears every bit after the length", "[address]") {
  Address a = addr("192.0.2.255");
  REQUIRE(text(a.masked(24)) == "192.0.2.0");
  REQUIRE(text(a.masked(25)) == "192.0.2.128");
  REQUIRE(text(a.masked(31)) == "192.0.2.254");
  REQUIRE(text(a.masked(32)) == "192.0.2.255");
  REQUIRE(text(a.masked(4)) == "192.0.0.0");
  REQUIRE(text(a.masked(1)) == "128.0.0.0");
  REQUIRE(text(a.masked(0)) == "0.0.0.0");

  Address b = addr("2001:db8:ffff:ffff:ffff:ffff:ffff:ffff");
  REQUIRE(text(b.masked(32)) == "2001:db8::");
  REQUIRE(text(b.masked(36)) == "2001:db8:f000::");
  REQUIRE(text(b.masked(64)) == "2001:db8:ffff:ffff::");
  REQUIRE(text(b.masked(127)) == "2001:db8:ffff:ffff:ffff:ffff:ffff:fffe");
  REQUIRE(text(b.masked(128)) == "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff");
  REQUIRE(text(b.masked(0)) == "::");
  REQUIRE(b.masked(0).family() == jgl::Family::v6);
}

TEST_CASE("masked treats lengths outside the family as all or nothing", "[address]") {
  Address a = addr("192.0.2.77");
  REQUIRE(text(a.masked(-1)) == "0.0.0.0");
  REQUIRE(text(a.masked(33)) == "192.0.2.77");
  REQUIRE(text(a.masked(1000)) == "192.0.2.77");
  REQUIRE(text(addr("2001:db8::1").masked(129)) == "2001:db8::1");
}

TEST_CASE("v4 builds an address from a host order number", "[address]") {
  REQUIRE(text(Address::v4(0xc0000201u)) == "192.0.2.1");
  REQUIRE(text(Address::v4(0)) == "0.0.0.0");
  REQUIRE(text(Address::v4(0xffffffffu)) == "255.255.255.255");
  REQUIRE(Address::v4(0x7f000001u) == addr("127.0.0.1"));
}

TEST_CASE("from_bytes turns mapped IPv6 bytes into IPv4", "[address]") {
  const std::uint8_t mapped[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 192, 0, 2, 1};
  Address a = Address::from_bytes(Family::v6, mapped);
  REQUIRE(a.is_v4());
  REQUIRE(text(a) == "192.0.2.1");

  const std::uint8_t v4[4] = {10, 1, 2, 3};
  REQUIRE(text(Address::from_bytes(Family::v4, v4)) == "10.1.2.3");

  const std::uint8_t v6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
  REQUIRE(text(Address::from_bytes(Family::v6, v6)) == "2001:db8::1");
}

TEST_CASE("from_sockaddr reads an AF_INET address", "[address]") {
  sockaddr_in sin{};
  sin.sin_family = AF_INET;
  sin.sin_port = htons(25);
  REQUIRE(inet_pton(AF_INET, "198.51.100.7", &sin.sin_addr) == 1);
  auto a = Address::from_sockaddr(reinterpret_cast<const sockaddr*>(&sin));
  REQUIRE(a.has_value());
  REQUIRE(a->is_v4());
  REQUIRE(text(*a) == "198.51.100.7");
}

TEST_CASE("from_sockaddr reads an AF_INET6 address", "[address]") {
  sockaddr_in6 sin6{};
  sin6.sin6_family = AF_INET6;
  sin6.sin6_port = htons(25);
  sin6.sin6_scope_id = 2;
  REQUIRE(inet_pton(AF_INET6, "2001:DB8:0:0:8::1", &sin6.sin6_addr) == 1);
  auto a = Address::from_sockaddr(reinterpret_cast<const sockaddr*>(&sin6));
  REQUIRE(a.has_value());
  REQUIRE(a->family() == Family::v6);
  REQUIRE(text(*a) == "2001:db8::8:0:0:1");
}

TEST_CASE("from_sockaddr turns a mapped AF_INET6 address into IPv4", "[address]") {
  sockaddr_in6 sin6{};
  sin6.sin6_family = AF_INET6;
  REQUIRE(inet_pton(AF_INET6, "::ffff:203.0.113.9", &sin6.sin6_addr) == 1);
  auto a = Address::from_sockaddr(reinterpret_cast<const sockaddr*>(&sin6));
  REQUIRE(a.has_value());
  REQUIRE(a->is_v4());
  REQUIRE(text(*a) == "203.0.113.9");
  REQUIRE(*a == addr("203.0.113.9"));
}

TEST_CASE("from_sockaddr refuses families other than IPv4 and IPv6", "[address]") {
  sockaddr_un sun{};
  sun.sun_family = AF_UNIX;
  std::strcpy(sun.sun_path, "/tmp/socket");
  auto a = Address::from_sockaddr(reinterpret_cast<const sockaddr*>(&sun));
  REQUIRE_FALSE(a.has_value());
  REQUIRE(a.error().message == "socket is not IPv4 or IPv6");

  sockaddr unspecified{};
  unspecified.sa_family = AF_UNSPEC;
  REQUIRE_FALSE(Address::from_sockaddr(&unspecified).has_value());
}

TEST_CASE("addresses are equal only in family and every byte", "[address]") {
  REQUIRE(addr("10.0.0.1") != addr("10.0.0.2"));
  REQUIRE(addr("0.0.0.0") != addr("::"));
  REQUIRE(addr("::ffff:1.2.3.4") == addr("1.2.3.4"));  // a mapped address is the IPv4 one
  REQUIRE(addr("2001:db8::1") == addr("2001:0db8:0:0::1"));
}

TEST_CASE("a default address is 0.0.0.0", "[address]") {
  Address a;
  REQUIRE(a.is_v4());
  REQUIRE(text(a) == "0.0.0.0");
  REQUIRE(a == addr("0.0.0.0"));
}

TEST_CASE("the longest IPv6 text fits the fixed buffer", "[address]") {
  std::string longest = "ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255";
  REQUIRE(formatted(longest) == "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff");
  REQUIRE(formatted("1111:2222:3333:4444:5555:6666:7777:8888") == "1111:2222:3333:4444:5555:6666:7777:8888");
  auto a = addr("1111:2222:3333:4444:5555:6666:7777:8888");
  REQUIRE(a.format().view().size() == 39);
}

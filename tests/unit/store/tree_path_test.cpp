// tree_path_test.cpp: the tree's names for keys, and names read back.
#include "lib/store/tree_path.h"

#include <catch2/catch.hpp>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace {

using jgl::Address;
using jgl::Family;
using jgl::Prefix;
using jgl::TreePath;

Prefix key(std::string_view address, int length) {
  auto a = Address::parse(address);
  INFO("parsing " << address);
  REQUIRE(a.has_value());
  return Prefix(*a, length);
}

std::string path_for(std::string_view address, int length) {
  return std::string(TreePath(key(address, length)).view());
}

}  // namespace

TEST_CASE("an IPv4 key of /24 names three decimal levels", "[treepath]") {
  REQUIRE(path_for("127.0.0.1", 24) == "ip4/127/000/000");
  REQUIRE(path_for("192.0.2.77", 24) == "ip4/192/000/002");
  REQUIRE(TreePath(key("127.0.0.1", 24)).levels() == 4);
}

TEST_CASE("an IPv4 key of /32 names four decimal levels", "[treepath]") {
  REQUIRE(path_for("127.0.0.1", 32) == "ip4/127/000/000/001");
  REQUIRE(path_for("255.255.255.255", 32) == "ip4/255/255/255/255");
  REQUIRE(path_for("10.20.30.40", 32) == "ip4/010/020/030/040");
  REQUIRE(TreePath(key("127.0.0.1", 32)).levels() == 5);
}

TEST_CASE("a key of /0 still names one level", "[treepath]") {
  REQUIRE(path_for("127.0.0.1", 0) == "ip4/000");
  REQUIRE(path_for("2001:db8::1", 0) == "ip6/00");
  REQUIRE(TreePath(key("127.0.0.1", 0)).levels() == 2);
}

TEST_CASE("a length that is not a multiple of eight masks the last byte", "[treepath]") {
  REQUIRE(path_for("127.0.0.1", 4) == "ip4/112");
  REQUIRE(path_for("200.1.1.1", 1) == "ip4/128");
  REQUIRE(path_for("100.1.1.1", 1) == "ip4/000");
  REQUIRE(path_for("192.0.2.200", 25) == "ip4/192/000/002/128");
  REQUIRE(path_for("192.0.2.100", 25) == "ip4/192/000/002/000");
  REQUIRE(path_for("192.0.2.255", 31) == "ip4/192/000/002/254");
  REQUIRE(path_for("2001:470:1f0f:35f::1", 60) == "ip6/20/01/04/70/1f/0f/03/50");
  REQUIRE(path_for("ffff::", 1) == "ip6/80");
  REQUIRE(path_for("2001:db8:ffff::", 33) == "ip6/20/01/0d/b8/80");
}

TEST_CASE("an IPv6 key of /64 names eight hex levels", "[treepath]") {
  REQUIRE(path_for("2001:470:1f0f:350::1", 64) == "ip6/20/01/04/70/1f/0f/03/50");
  REQUIRE(path_for("2001:DB8:ABCD:EF01:2:3:4:5", 64) == "ip6/20/01/0d/b8/ab/cd/ef/01");
  REQUIRE(TreePath(key("2001:470:1f0f:350::1", 64)).levels() == 9);
}

TEST_CASE("an IPv6 key of /128 names sixteen hex levels", "[treepath]") {
  REQUIRE(path_for("2001:db8::1", 128) == "ip6/20/01/0d/b8/00/00/00/00/00/00/00/00/00/00/00/01");
  REQUIRE(path_for("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 128) ==
          "ip6/ff/ff/ff/ff/ff/ff/ff/ff/ff/ff/ff/ff/ff/ff/ff/ff");
  TreePath longest(key("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 128));
  REQUIRE(longest.levels() == 17);
  REQUIRE(longest.view().size() < TreePath::kCapacity);
  REQUIRE(std::strlen(longest.c_str()) == longest.view().size());
}

TEST_CASE("mapped IPv4 is stored under ip4", "[treepath]") {
  REQUIRE(path_for("::ffff:127.0.0.1", 24) == "ip4/127/000/000");
  REQUIRE(path_for("::ffff:c000:201", 32) == "ip4/192/000/002/001");
}

TEST_CASE("level returns each name of the path", "[treepath]") {
  TreePath path(key("127.0.0.1", 24));
  char buf[16];
  REQUIRE(std::string(path.level(0, buf)) == "ip4");
  REQUIRE(std::string(path.level(1, buf)) == "127");
  REQUIRE(std::string(path.level(2, buf)) == "000");
  REQUIRE(std::string(path.level(3, buf)) == "000");

  TreePath v6(key("2001:470:1f0f:350::1", 64));
  REQUIRE(std::string(v6.level(0, buf)) == "ip6");
  REQUIRE(std::string(v6.level(1, buf)) == "20");
  REQUIRE(std::string(v6.level(8, buf)) == "50");
}

TEST_CASE("tree_level_byte accepts three digit decimal for IPv4", "[treepath][grammar]") {
  REQUIRE(jgl::tree_level_byte(Family::v4, "000") == 0);
  REQUIRE(jgl::tree_level_byte(Family::v4, "009") == 9);
  REQUIRE(jgl::tree_level_byte(Family::v4, "127") == 127);
  REQUIRE(jgl::tree_level_byte(Family::v4, "255") == 255);
}

TEST_CASE("tree_level_byte rejects names outside the IPv4 grammar", "[treepath][grammar]") {
  using namespace std::string_view_literals;
  for (std::string_view name : {"256"sv, "999"sv, "1"sv, "01"sv, "0000"sv, "0255"sv, ""sv, "ab"sv, "0a0"sv, "-01"sv,
                                "+01"sv, " 01"sv, "01 "sv, "00\0"sv, "1e2"sv, "ff"sv, "."sv, ".."sv}) {
    CAPTURE(name);
    REQUIRE(jgl::tree_level_byte(Family::v4, name) == -1);
  }
}

TEST_CASE("tree_level_byte accepts two digit lowercase hex for IPv6", "[treepath][grammar]") {
  REQUIRE(jgl::tree_level_byte(Family::v6, "00") == 0);
  REQUIRE(jgl::tree_level_byte(Family::v6, "0f") == 15);
  REQUIRE(jgl::tree_level_byte(Family::v6, "a0") == 160);
  REQUIRE(jgl::tree_level_byte(Family::v6, "ff") == 255);
}

TEST_CASE("tree_level_byte rejects names outside the IPv6 grammar", "[treepath][grammar]") {
  using namespace std::string_view_literals;
  for (std::string_view name : {"AB"sv, "Ab"sv, "aB"sv, "g0"sv, "0g"sv, ""sv, "0"sv, "000"sv, "0x"sv, "\0a"sv, "a\0"sv,
                                "\0\0"sv, " a"sv, "-1"sv, ".."sv, "\xff\xff"sv, "255"sv}) {
    CAPTURE(name);
    REQUIRE(jgl::tree_level_byte(Family::v6, name) == -1);
  }
}

TEST_CASE("every level name TreePath writes reads back as its byte", "[treepath][grammar]") {
  char buf[16];
  for (unsigned b = 0; b < 256; ++b) {
    CAPTURE(b);
    TreePath v4(Prefix(Address::v4(b << 24), 8));
    REQUIRE(jgl::tree_level_byte(Family::v4, v4.level(1, buf)) == static_cast<int>(b));
    std::uint8_t bytes[16] = {static_cast<std::uint8_t>(b)};
    TreePath v6(Prefix(Address::from_bytes(Family::v6, bytes), 8));
    REQUIRE(jgl::tree_level_byte(Family::v6, v6.level(1, buf)) == static_cast<int>(b));
  }
}

TEST_CASE("a triplet lives two hashed levels down, an awl or a correspondent one", "[treepath]") {
  std::string d = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
  jgl::TreePath triplet = jgl::TreePath::hashed(jgl::Key::Kind::triplet, d);
  CHECK(triplet.view() == "triplet/01/23/" + d.substr(4));
  CHECK(triplet.levels() == 4);
  jgl::TreePath awl = jgl::TreePath::hashed(jgl::Key::Kind::awl, d);
  CHECK(awl.view() == "awl/01/" + d.substr(2));
  CHECK(awl.levels() == 3);
  jgl::TreePath corr = jgl::TreePath::hashed(jgl::Key::Kind::correspondent, d);
  CHECK(corr.view() == "corr/01/" + d.substr(2));
  char buf[jgl::TreePath::kCapacity];
  CHECK(std::string(corr.level(1, buf)) == "01");
}

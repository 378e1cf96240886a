// rules_keys_test.cpp: the keys a rule's address becomes, tcpserver's
// address text, and which keys tcpserver can ever look up.
#include "lib/rules/keys.h"

#include <catch2/catch.hpp>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "lib/net/prefix.h"
#include "lib/rules/lookup.h"

namespace {

using jgl::Address;

std::vector<std::string> keys(std::string_view address) {
  auto k = jgl::rule_keys(address);
  if (!k) return {"error: " + k.error().message};
  return *k;
}

std::string text(std::string_view address) {
  auto a = Address::parse(address);
  REQUIRE(a.has_value());
  return jgl::tcpserver_text(*a);
}

}  // namespace

TEST_CASE("ipv4 addresses and names are kept as written") {
  CHECK(keys("1.2.3.4") == std::vector<std::string>{"1.2.3.4"});
  CHECK(keys("10.2.") == std::vector<std::string>{"10.2."});
  CHECK(keys("") == std::vector<std::string>{""});
  CHECK(keys("=mail.example") == std::vector<std::string>{"=mail.example"});
  CHECK(keys("joe@1.2.3.4-5") == std::vector<std::string>{"joe@1.2.3.4-5"});
}

TEST_CASE("djb ranges expand into one key per number as the original does") {
  CHECK(keys("1.2.3.37-39") == std::vector<std::string>{"1.2.3.37", "1.2.3.38", "1.2.3.39"});
  CHECK(keys("10.2-3.") == std::vector<std::string>{"10.2.", "10.3."});
  CHECK(keys("1.2.3.-1") == std::vector<std::string>{"1.2.3.0", "1.2.3.1"});
  CHECK(keys("1.2.3.254-300") == std::vector<std::string>{"1.2.3.254", "1.2.3.255"});
  CHECK(keys("1.2.3.7-5").empty());
  CHECK(keys("1.2.3.x-5") == std::vector<std::string>{"error: 'x' is not a number in a range"});
}

TEST_CASE("ipv4 cidr prefixes become dotted prefixes or exact addresses") {
  CHECK(keys("10.0.0.0/8") == std::vector<std::string>{"10."});
  CHECK(keys("10.2.0.0/16") == std::vector<std::string>{"10.2."});
  CHECK(keys("192.0.2.0/24") == std::vector<std::string>{"192.0.2."});
  CHECK(keys("192.0.0.0/22") == std::vector<std::string>{"192.0.0.", "192.0.1.", "192.0.2.", "192.0.3."});
  CHECK(keys("192.0.2.4/32") == std::vector<std::string>{"192.0.2.4"});
  auto quarter = keys("192.0.2.128/25");
  REQUIRE(quarter.size() == 128);
  CHECK(quarter.front() == "192.0.2.128");
  CHECK(quarter.back() == "192.0.2.255");
}

TEST_CASE("bad or overbroad cidr prefixes are refused") {
  CHECK(keys("::/0").front().find("every client") != std::string::npos);
  CHECK(keys("192.0.2.1/24").front().find("host bits") != std::string::npos);
  CHECK(keys("192.0.2.0/33").front().starts_with("error: bad CIDR prefix"));
}

TEST_CASE("ipv6 addresses are written in tcpserver's text") {
  CHECK(keys("::1") == std::vector<std::string>{"::1"});
  CHECK(keys("::") == std::vector<std::string>{"::"});
  CHECK(keys("2001:DB8:0:0:1::5") == std::vector<std::string>{"2001:db8::1:0:0:5"});
  CHECK(keys("2001:db8:0:1:1:1:1:1") == std::vector<std::string>{"2001:db8::1:1:1:1:1"});
  CHECK(keys("[2001:db8::1]/128") == std::vector<std::string>{"2001:db8::1"});
}

TEST_CASE("ipv6 text prefixes that are not addresses are kept as written") {
  CHECK(keys("2001:db8:") == std::vector<std::string>{"2001:db8:"});
}

TEST_CASE("an ipv4-mapped rule matches the client with and without tcpserver -6") {
  CHECK(keys("::ffff:1.2.3.4") == std::vector<std::string>{"1.2.3.4", "::ffff:1.2.3.4"});
  CHECK(keys("::ffff:1.2.3.0/120") == std::vector<std::string>{"1.2.3.", "::ffff:1.2.3."});
}

TEST_CASE("a zone in a rule is refused") {
  CHECK(keys("fe80::1%eth0").front().find("zone") != std::string::npos);
}

TEST_CASE("ipv6 cidr prefixes of nonzero groups become colon-ended prefixes") {
  CHECK(keys("2001:db8::/32") == std::vector<std::string>{"2001:db8:"});
  CHECK(keys("[2001:db8:1::]/48") == std::vector<std::string>{"2001:db8:1:"});
  CHECK(keys("2001:db8::/31") == std::vector<std::string>{"2001:db8:", "2001:db9:"});
  CHECK(keys("2001:db8::/16").size() == 1);
}

TEST_CASE("an ipv6 cidr prefix ending in zero groups also gets the compressed key") {
  CHECK(keys("2001::/32") == std::vector<std::string>{"2001:0:", "2001::"});
  CHECK(keys("2001:db8:0::/48") == std::vector<std::string>{"2001:db8:0:", "2001:db8::"});
  CHECK(keys("::/16") == std::vector<std::string>{"0:", "::"});
  auto wide = keys("2001::/20");
  REQUIRE(wide.size() == 4097);
  CHECK(wide[0] == "2001:0:");
  CHECK(wide[1] == "2001::");
  CHECK(wide[2] == "2001:1:");
}

TEST_CASE("an ipv6 cidr prefix tcpserver cannot match exactly is refused") {
  // 2001:db8::10:1:2:3:4 is inside, 2001:db8:0:0:10:1:2:3 outside, and
  // tcpserver's texts of both start with 2001:db8::10:.
  CHECK(keys("2001:db8:0:10::/60").front().find("cannot be matched exactly") != std::string::npos);
  // A trailing run of two: 2001:db8::5:... (one zero group) would match.
  CHECK(keys("2001:db8::/64").front().find("cannot be matched exactly") != std::string::npos);
}

TEST_CASE("a zero group before a longer trailing run is never compressed and needs no key") {
  CHECK(keys("1:0:2::/80") == std::vector<std::string>{"1:0:2:0:0:", "1:0:2::"});
}

// Whether tcpserver, looking `client` up by its text and the text's
// prefixes, finds one of `keys`.
bool tcpserver_finds(const std::vector<std::string>& keys, const Address& client) {
  for (const std::string& key : jgl::lookup_keys(jgl::tcpserver_text(client), nullptr, nullptr)) {
    if (key.empty()) continue;
    for (const std::string& k : keys) {
      if (k == key) return true;
    }
  }
  return false;
}

TEST_CASE("ipv6 cidr keys match exactly the clients inside the prefix") {
  // Clients near each prefix: its groups with some replaced by zeros, ones
  // or neighbours, so that every arrangement of zero runs comes up.
  std::uint64_t seed = 42;
  auto next = [&seed] {
    seed = seed * 6364136223846793005u + 1442695040888963407u;
    return static_cast<unsigned>(seed >> 33);
  };
  for (std::string_view text : {"2001::/32", "2001:db8:0::/48", "::/16", "1:0:2::/80", "2001:db8::/32",
                                "2001:db8:1:2::/63", "2001::/20", "1:2:3:4:5:6:0::/112", "fe80::/10"}) {
    auto prefix = jgl::Prefix::parse(text);
    REQUIRE(prefix.has_value());
    auto k = jgl::rule_keys(text);
    INFO("prefix " << text);
    REQUIRE(k.has_value());
    int mismatches = 0;
    for (int i = 0; i < 20000; ++i) {
      std::uint8_t bytes[16];
      for (int b = 0; b < 16; ++b) bytes[b] = prefix->address().byte(b);
      for (int g = 0; g < 8; ++g) {
        unsigned choice = next() % 6, value = bytes[2 * g] << 8 | bytes[2 * g + 1];
        if (choice == 0 || choice == 1) value = 0;
        if (choice == 2) value = 1;
        if (choice == 3) value ^= 1u << (next() % 16);
        if (choice == 4 && g >= prefix->length() / 16) value = next() & 0xffff;
        bytes[2 * g] = static_cast<std::uint8_t>(value >> 8);
        bytes[2 * g + 1] = static_cast<std::uint8_t>(value);
      }
      Address client = Address::from_bytes_exact(jgl::Family::v6, bytes);
      bool inside = client.masked(prefix->length()) == prefix->address();
      if (tcpserver_finds(*k, client) != inside) {
        if (++mismatches <= 3) {
          UNSCOPED_INFO("client " << jgl::tcpserver_text(client) << " inside: " << inside);
        }
      }
    }
    CHECK(mismatches == 0);
  }
}

TEST_CASE("the ipv4 /0 is every ipv4 client, one key per first octet") {
  auto k = keys("0.0.0.0/0");
  REQUIRE(k.size() == 256);
  CHECK(k.front() == "0.");
  CHECK(k.back() == "255.");
}

TEST_CASE("the widest ipv6 cidr expansion stays within the key limit") {
  auto k = keys("8000::/1");
  REQUIRE(k.size() == 32768);
  CHECK(k.size() <= jgl::kMaxKeysPerRule);
  CHECK(k.front() == "8000:");
  CHECK(k.back() == "ffff:");
}

TEST_CASE("tcpserver compresses the longest zero run first on a tie even a single group") {
  CHECK(text("2001:0:0:1:0:0:1:1") == "2001::1:0:0:1:1");
  CHECK(text("1:0:1:0:1:1:1:1") == "1::1:0:1:1:1:1");
  CHECK(text("0:1:1:1:1:1:1:1") == "::1:1:1:1:1:1:1");
  CHECK(text("1:1:1:1:1:1:1:0") == "1:1:1:1:1:1:1::");
  CHECK(text("1:0:0:1:0:0:0:1") == "1:0:0:1::1");
  CHECK(text("::1.2.3.4") == "::102:304");
  CHECK(text("1.2.3.4") == "1.2.3.4");
}

TEST_CASE("text prefixes tcpserver can write are reachable") {
  CHECK_FALSE(jgl::why_never_looked_up("2001:db8:"));
  CHECK_FALSE(jgl::why_never_looked_up("2001:db8::"));
  CHECK_FALSE(jgl::why_never_looked_up("2001:db8:0:"));   // 2001:db8:0:1::1
  CHECK_FALSE(jgl::why_never_looked_up("::"));
  CHECK_FALSE(jgl::why_never_looked_up("::ffff:"));
  CHECK_FALSE(jgl::why_never_looked_up("::ffff:127.0."));
  CHECK_FALSE(jgl::why_never_looked_up("::ffff:127.0.0.1"));
  CHECK_FALSE(jgl::why_never_looked_up("2001:db8::1:0:0:5"));
  CHECK_FALSE(jgl::why_never_looked_up("joe@192.0.2.1"));
  CHECK_FALSE(jgl::why_never_looked_up("=mx.example.org"));
  CHECK_FALSE(jgl::why_never_looked_up(""));
}

TEST_CASE("text prefixes tcpserver never writes are unreachable") {
  // Four explicit zero groups and then a longer compressed run: 9 groups.
  CHECK(jgl::why_never_looked_up("0:0:0:0::"));
  // A single zero group written out before a compressed run of one.
  CHECK(jgl::why_never_looked_up("1:0::"));
  CHECK(jgl::why_never_looked_up("1::2::"));
  CHECK(jgl::why_never_looked_up("2001:db8:0:0:1:1:1:1"));  // written 2001:db8::1:1:1:1
  CHECK(jgl::why_never_looked_up("1:2:3:4:5:6:7:8:"));
}

TEST_CASE("ipv4 texts are reachable only as tcpserver writes them") {
  CHECK_FALSE(jgl::why_never_looked_up("0.0.0.0"));
  CHECK_FALSE(jgl::why_never_looked_up("255.255.255.255"));
  CHECK_FALSE(jgl::why_never_looked_up("10."));
  CHECK_FALSE(jgl::why_never_looked_up("10.0.255."));
  for (std::string_view key : {"010.1.2.3", "1.2.3.00", "256.", "1.2.3.1000", "1.2.3", "1.2.3.4.", "1..", "+1.",
                               "1.2.3.-4", " 1.2.3.4"}) {
    CAPTURE(key);
    CHECK(jgl::why_never_looked_up(key));
  }
}

TEST_CASE("rule_key_count is the number of keys rule_keys writes, or its error") {
  std::vector<std::string> addresses = {"192.0.2.7", "1.2.3.4-7", "=mx.example.com", "info@192.0.2.1",
                                        "2001:db8::1", "::ffff:192.0.2.0/120", "2001:db8::/129", "::/0"};
  // Every length of prefixes with and without zero groups where they vary.
  for (const char* base4 : {"192.0.2.0", "10.0.0.0", "0.0.0.0"}) {
    for (int length = 0; length <= 32; ++length) addresses.push_back(std::string(base4) + "/" + std::to_string(length));
  }
  for (const char* base6 :
       {"2001:db8::", "2001:4860:4000::", "::", "2001:0:0:1::", "2a01:111:f400::", "2001:0:8000::", "0:1::", "0:0:0:ff00::"}) {
    for (int length = 1; length <= 128; ++length) {
      addresses.push_back(std::string(base6) + "/" + std::to_string(length));
    }
  }
  for (const std::string& address : addresses) {
    INFO(address);
    auto keys = jgl::rule_keys(address);
    auto count = jgl::rule_key_count(address);
    REQUIRE(keys.has_value() == count.has_value());
    if (keys) {
      CHECK(*count == keys->size());
    } else {
      CHECK(count.error().message == keys.error().message);
    }
  }
}

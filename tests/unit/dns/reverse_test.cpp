// reverse_test.cpp: an address's name under in-addr.arpa and ip6.arpa.
#include "lib/dns/reverse.h"

#include <catch2/catch.hpp>

TEST_CASE("an IPv4 address reverses under in-addr.arpa", "[dns][reverse]") {
  CHECK(jgl::reverse_name(*jgl::Address::parse("192.0.2.3")) == "3.2.0.192.in-addr.arpa");
}

TEST_CASE("an IPv6 address reverses nibble by nibble under ip6.arpa", "[dns][reverse]") {
  CHECK(jgl::reverse_name(*jgl::Address::parse("2001:db8::cb01")) ==
        "1.0.b.c.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa");
}

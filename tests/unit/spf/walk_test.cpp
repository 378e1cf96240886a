// walk_test.cpp: SPF records walked into ranges, over DNS answered from memory.
#include "lib/spf/walk.h"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "tests/unit/memory_dns.h"

namespace {

using jgl_test::MemoryDns;

std::vector<std::string> texts(const jgl::DomainWalk& walk) {
  std::vector<std::string> out;
  for (const jgl::Prefix& p : walk.ranges) out.emplace_back(p.format().view());
  return out;
}

bool noted(const jgl::DomainWalk& walk, const std::string& part) {
  for (const std::string& note : walk.notes) {
    if (note.find(part) != std::string::npos) return true;
  }
  return false;
}

jgl::DomainWalk walked(MemoryDns& dns, const char* domain, jgl::WalkLimits limits = {}) {
  jgl::DomainWalk walk = jgl::walk_domain(dns, domain, limits);
  INFO("reason: " << walk.reason);
  for (const auto& note : walk.notes) UNSCOPED_INFO("note: " << note);
  return walk;
}

}  // namespace

TEST_CASE("ip4 and ip6 terms give their ranges, host bits cleared", "[spf][walk]") {
  MemoryDns dns;
  dns.txt_record("example.com", "v=spf1 ip4:192.0.2.77/24 ip6:2001:DB8:1::/48 ip4:198.51.100.7 -all");
  auto walk = walked(dns, "Example.COM.");
  REQUIRE(walk.ok);
  CHECK(walk.domain == "example.com");
  CHECK(walk.record == "v=spf1 ip4:192.0.2.77/24 ip6:2001:DB8:1::/48 ip4:198.51.100.7 -all");
  CHECK(texts(walk) == std::vector<std::string>{"192.0.2.0/24", "198.51.100.7/32", "2001:db8:1::/48"});
}

TEST_CASE("includes are followed three deep", "[spf][walk]") {
  MemoryDns dns;
  dns.txt_record("example.com", "v=spf1 include:_spf.example.com ~all");
  dns.txt_record("_spf.example.com", "v=spf1 include:_netblocks.example.com include:_netblocks2.example.com ~all");
  dns.txt_record("_netblocks.example.com", "v=spf1 include:_deep.example.com ip4:192.0.2.0/24 ~all");
  dns.txt_record("_netblocks2.example.com", "v=spf1 ip6:2001:db8::/32 ~all");
  dns.txt_record("_deep.example.com", "v=spf1 ip4:203.0.113.0/25 -all");
  auto walk = walked(dns, "example.com");
  REQUIRE(walk.ok);
  CHECK(texts(walk) == std::vector<std::string>{"192.0.2.0/24", "203.0.113.0/25", "2001:db8::/32"});
  CHECK(walk.domains_visited == 5);
}

TEST_CASE("redirect is followed when the record has no all", "[spf][walk]") {
  MemoryDns dns;
  dns.txt_record("example.com", "v=spf1 redirect=_spf.example.net");
  dns.txt_record("_spf.example.net", "v=spf1 ip4:192.0.2.0/24 -all");
  dns.txt_record("example.org", "v=spf1 ip4:198.51.100.0/24 -all redirect=_spf.example.net");
  CHECK(texts(walked(dns, "example.com")) == std::vector<std::string>{"192.0.2.0/24"});
  CHECK(texts(walked(dns, "example.org")) == std::vector<std::string>{"198.51.100.0/24"});
}

TEST_CASE("a and mx resolve to addresses with their CIDR lengths", "[spf][walk]") {
  MemoryDns dns;
  dns.txt_record("example.com", "v=spf1 a mx:mail.example.com/28//64 a:relay.example.net/24 -all");
  dns.a_record("example.com", "192.0.2.10");
  dns.a_record("example.com", "2001:db8::10");
  dns.mx_record("mail.example.com", 10, "mx1.example.com");
  dns.mx_record("mail.example.com", 20, "mx2.example.com");
  dns.a_record("mx1.example.com", "198.51.100.33");
  dns.a_record("mx2.example.com", "2001:db8:5:6::1");
  dns.a_record("relay.example.net", "203.0.113.200");
  auto walk = walked(dns, "example.com");
  REQUIRE(walk.ok);
  CHECK(texts(walk) == std::vector<std::string>{"192.0.2.10/32", "198.51.100.32/28", "203.0.113.0/24",
                                                "2001:db8::10/128", "2001:db8:5:6::/64"});
}

TEST_CASE("a loop is walked once and noted", "[spf][walk]") {
  MemoryDns dns;
  dns.txt_record("example.com", "v=spf1 include:a.example.com include:b.example.com -all");
  dns.txt_record("a.example.com", "v=spf1 ip4:192.0.2.0/24 include:b.example.com -all");
  dns.txt_record("b.example.com", "v=spf1 ip4:198.51.100.0/24 include:example.com -all");
  auto walk = walked(dns, "example.com");
  REQUIRE(walk.ok);
  CHECK(texts(walk) == std::vector<std::string>{"192.0.2.0/24", "198.51.100.0/24"});
  CHECK(walk.domains_visited == 3);
  CHECK(noted(walk, "loop: b.example.com: include:example.com leads back to example.com"));
}

TEST_CASE("macros, exists and ptr are skipped and noted", "[spf][walk]") {
  MemoryDns dns;
  dns.txt_record("example.com",
                 "v=spf1 include:%{ir}.%{v}._spf.example.com exists:%{i}.e.example.com ptr a:%{d}.example.net "
                 "ip4:192.0.2.0/24 -all");
  auto walk = walked(dns, "example.com");
  REQUIRE(walk.ok);
  CHECK(texts(walk) == std::vector<std::string>{"192.0.2.0/24"});
  CHECK(noted(walk, "include:%{ir}.%{v}._spf.example.com skipped: a macro needs a client"));
  CHECK(noted(walk, "exists:%{i}.e.example.com skipped: it needs a client"));
  CHECK(noted(walk, "ptr skipped"));
  CHECK(noted(walk, "a:%{d}.example.net skipped"));
}

TEST_CASE("terms that do not pass authorise nothing", "[spf][walk]") {
  MemoryDns dns;
  dns.txt_record("example.com", "v=spf1 -ip4:192.0.2.0/24 ~include:x.example.com ?ip6:2001:db8::/32 "
                                "+ip4:198.51.100.0/24 -all");
  auto walk = walked(dns, "example.com");
  REQUIRE(walk.ok);
  CHECK(texts(walk) == std::vector<std::string>{"198.51.100.0/24"});
  CHECK(noted(walk, "~include:x.example.com skipped"));
}

TEST_CASE("a DNS timeout anywhere fails the whole walk as temporary", "[spf][walk]") {
  MemoryDns dns;
  dns.txt_record("example.com", "v=spf1 ip4:192.0.2.0/24 include:slow.example.net -all");
  dns.timeouts.insert("slow.example.net");
  auto walk = walked(dns, "example.com");
  CHECK_FALSE(walk.ok);
  CHECK(walk.temporary);
  CHECK(walk.ranges.empty());
  CHECK(walk.reason == "example.com: include:slow.example.net: TXT slow.example.net: timeout (test timeout)");

  dns.txt_record("example.org", "v=spf1 mx -all");
  dns.mx_record("example.org", 10, "mx.example.org");
  dns.failures.insert("mx.example.org");
  auto mx = walked(dns, "example.org");
  CHECK_FALSE(mx.ok);
  CHECK(mx.temporary);
}

TEST_CASE("a listed domain without an SPF record walks to no ranges", "[spf][walk]") {
  MemoryDns dns;
  auto gone = walked(dns, "example.com");
  CHECK(gone.ok);
  CHECK(gone.ranges.empty());
  CHECK(noted(gone, "example.com has no SPF record: no ranges"));
  dns.txt_record("example.org", "google-site-verification=x");
  CHECK(walked(dns, "example.org").ok);
}

TEST_CASE("a missing include, a doubled or broken record fails the walk as permanent", "[spf][walk]") {
  MemoryDns dns;
  dns.txt_record("example.org", "v=spf1 ip4:192.0.2.0/24 include:gone.example.org -all");
  auto missing = walked(dns, "example.org");
  CHECK_FALSE(missing.ok);
  CHECK_FALSE(missing.temporary);
  CHECK(missing.reason == "example.org: include:gone.example.org: gone.example.org has no SPF record");

  dns.txt_record("example.net", "v=spf1 ip4:192.0.2.300 -all");
  auto broken = walked(dns, "example.net");
  CHECK_FALSE(broken.ok);
  CHECK(broken.reason.starts_with("example.net: "));

  dns.txt_record("example.info", "v=spf1 -all");
  dns.txt_record("example.info", "v=spf1 +all");
  CHECK(walked(dns, "example.info").reason == "example.info has more than one SPF record");
}

TEST_CASE("ranges wider than the caps are dropped and noted", "[spf][walk]") {
  MemoryDns dns;
  dns.txt_record("example.com", "v=spf1 ip4:0.0.0.0/1 ip4:10.0.0.0/11 ip4:172.16.0.0/12 ip6:2000::/3 "
                                "ip6:2001:db8::/24 a/8 -all");
  dns.a_record("example.com", "192.0.2.1");
  jgl::WalkLimits wide;
  wide.widest4 = 12;
  wide.widest6 = 24;
  auto walk = walked(dns, "example.com", wide);
  REQUIRE(walk.ok);
  CHECK(texts(walk) == std::vector<std::string>{"172.16.0.0/12", "2001:d00::/24"});
  CHECK(noted(walk, "ip4:0.0.0.0/1: 0.0.0.0/1 dropped: wider than /12"));
  CHECK(noted(walk, "10.0.0.0/11 dropped"));
  CHECK(noted(walk, "2000::/3 dropped: wider than /24"));
  CHECK(noted(walk, "192.0.0.0/8 dropped"));

  // The defaults, /16 and /32, refuse the /12 and the /24 too.
  auto strict = walked(dns, "example.com");
  REQUIRE(strict.ok);
  CHECK(texts(strict).empty());
  CHECK(noted(strict, "172.16.0.0/12 dropped: wider than /16"));
  CHECK(noted(strict, "2001:d00::/24 dropped: wider than /32"));
}

TEST_CASE("duplicate and contained ranges are merged away, the rest sorted", "[spf][walk]") {
  MemoryDns dns;
  dns.txt_record("example.com", "v=spf1 ip4:198.51.100.0/24 include:b.example.com ip4:192.0.2.128/25 "
                                "ip6:2001:db8:1::/48 ip6:2001:db8::/32 -all");
  dns.txt_record("b.example.com", "v=spf1 ip4:198.51.100.0/24 ip4:192.0.2.0/24 ip4:192.0.2.7 ip4:192.0.3.0/24 -all");
  auto walk = walked(dns, "example.com");
  REQUIRE(walk.ok);
  CHECK(texts(walk) == std::vector<std::string>{"192.0.2.0/24", "192.0.3.0/24", "198.51.100.0/24", "2001:db8::/32"});
}

TEST_CASE("a walk stops after the most domains allowed", "[spf][walk]") {
  MemoryDns dns;
  for (int i = 0; i < 20; ++i) {
    dns.txt_record("d" + std::to_string(i) + ".example.com",
                   "v=spf1 include:d" + std::to_string(i + 1) + ".example.com -all");
  }
  jgl::WalkLimits limits;
  limits.max_domains = 10;
  auto walk = walked(dns, "d0.example.com", limits);
  CHECK_FALSE(walk.ok);
  CHECK_FALSE(walk.temporary);
  CHECK(walk.reason == "more than 10 domains to walk");
}

TEST_CASE("many domains are walked together, each its own walk, notes in depth-first order", "[spf][walk]") {
  MemoryDns dns;
  dns.txt_record("example.com", "v=spf1 include:a.example.com ?ip4:192.0.2.1 include:b.example.com ~all");
  dns.txt_record("a.example.com", "v=spf1 include:deep.example.com -ip4:192.0.2.2 -all");
  dns.txt_record("deep.example.com", "v=spf1 ip4:192.0.2.0/24 ~ip4:192.0.2.3 -all");
  dns.txt_record("b.example.com", "v=spf1 ip4:198.51.100.0/24 ptr -all");
  dns.txt_record("example.org", "v=spf1 include:a.example.com ip6:2001:db8::/32 -all");
  dns.timeouts.insert("slow.example.net");
  auto walks = jgl::walk_domains(dns, {"example.com", "slow.example.net", "example.org"});
  REQUIRE(walks.size() == 3);
  CHECK(walks[0].ok);
  CHECK(texts(walks[0]) == std::vector<std::string>{"192.0.2.0/24", "198.51.100.0/24"});
  // Asked breadth first (the memory source answers in the order asked),
  // noted as a walk one question at a time, depth first, notes them.
  CHECK(walks[0].notes == std::vector<std::string>{
                              "deep.example.com: ~ip4:192.0.2.3 skipped: it authorises nothing",
                              "a.example.com: -ip4:192.0.2.2 skipped: it authorises nothing",
                              "example.com: ?ip4:192.0.2.1 skipped: it authorises nothing",
                              "b.example.com: ptr skipped: it needs a client",
                          });
  CHECK_FALSE(walks[1].ok);
  CHECK(walks[1].temporary);
  // Each listed domain walks its includes anew: a.example.com is in both.
  CHECK(walks[2].ok);
  CHECK(texts(walks[2]) == std::vector<std::string>{"192.0.2.0/24", "2001:db8::/32"});
  CHECK(walks[2].domains_visited == 3);
}

TEST_CASE("a failed walk asks nothing more after its first failure", "[spf][walk]") {
  MemoryDns dns;
  dns.txt_record("example.com", "v=spf1 include:gone.example.com include:a.example.com -all");
  dns.txt_record("a.example.com", "v=spf1 include:b.example.com -all");
  dns.txt_record("b.example.com", "v=spf1 ip4:192.0.2.0/24 -all");
  auto walk = walked(dns, "example.com");
  CHECK_FALSE(walk.ok);
  CHECK_FALSE(walk.temporary);
  CHECK(walk.reason == "example.com: include:gone.example.com: gone.example.com has no SPF record");
  CHECK(walk.ranges.empty());
  // example.com, then gone and a together; gone's answer failed the walk
  // before a's came, so b was never asked.
  CHECK(dns.questions == 3);
}

TEST_CASE("of two failures met, the reason is the first depth first", "[spf][walk]") {
  MemoryDns dns;
  dns.txt_record("example.com", "v=spf1 include:slow.example.net include:gone.example.com -all");
  dns.timeouts.insert("slow.example.net");
  auto walk = walked(dns, "example.com");
  CHECK_FALSE(walk.ok);
  CHECK(walk.reason == "example.com: include:slow.example.net: TXT slow.example.net: timeout (test timeout)");
  CHECK(walk.temporary);
}

// cares_source_test.cpp: c-ares against a real DNS server on loopback, and
// against one that never answers (the deadline holds).
#include "lib/dns/cares_source.h"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <string>

#include "tests/unit/dns_server.h"

namespace {

constexpr const char* kZone = R"(
example.com. 60 IN TXT "v=spf1 " "ip4:192.0.2.0/24 -all"
example.com. 60 IN TXT "other record"
example.com. 60 IN A 192.0.2.1
example.com. 60 IN AAAA 2001:db8::1
example.com. 60 IN MX 10 mx1.example.com.
example.com. 60 IN MX 20 mx2.example.com.
alias.example.com. 60 IN CNAME example.com.
3.2.0.192.in-addr.arpa. 60 IN PTR mail.example.com.
3.2.0.192.in-addr.arpa. 60 IN PTR smtp.example.com.
)";

std::unique_ptr<jgl::CaresSource> source(const std::string& server, long timeout_ms = 2000) {
  auto s = jgl::CaresSource::open(jgl::DnsSettings{server, timeout_ms});
  INFO((s ? "" : s.error().message));
  REQUIRE(s.has_value());
  return std::move(*s);
}

// A UDP socket on 127.0.0.1 that reads nothing and answers nothing.
class SilentServer {
 public:
  SilentServer() {
    fd_ = socket(AF_INET, SOCK_DGRAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
    socklen_t length = sizeof a;
    getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &length);
    port_ = ntohs(a.sin_port);
  }
  ~SilentServer() { close(fd_); }
  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }

 private:
  int fd_ = -1;
  int port_ = 0;
};

}  // namespace

TEST_CASE("c-ares joins a TXT record's strings and keeps records apart", "[dns][cares]") {
  jgl_test::DnsServer server(kZone);
  auto dns = source(server.address());
  auto txt = dns->txt("example.com");
  INFO(txt.detail);
  REQUIRE(txt.status == jgl::DnsStatus::found);
  REQUIRE(txt.records.size() == 2);
  CHECK(((txt.records[0] == "v=spf1 ip4:192.0.2.0/24 -all" && txt.records[1] == "other record") ||
         (txt.records[1] == "v=spf1 ip4:192.0.2.0/24 -all" && txt.records[0] == "other record")));
}

TEST_CASE("c-ares answers A, AAAA, MX and PTR, following a CNAME", "[dns][cares]") {
  jgl_test::DnsServer server(kZone);
  auto dns = source(server.address());
  auto a = dns->a("alias.example.com");
  REQUIRE(a.status == jgl::DnsStatus::found);
  REQUIRE(a.records.size() == 1);
  CHECK(a.records[0].format().view() == "192.0.2.1");
  CHECK(dns->txt("alias.example.com").records.size() == 2);
  auto aaaa = dns->aaaa("example.com");
  REQUIRE(aaaa.status == jgl::DnsStatus::found);
  CHECK(aaaa.records[0].format().view() == "2001:db8::1");
  auto mx = dns->mx("example.com");
  REQUIRE(mx.status == jgl::DnsStatus::found);
  REQUIRE(mx.records.size() == 2);
  CHECK(mx.records[0].exchange.ends_with(".example.com"));
  auto ptr = dns->ptr(*jgl::Address::parse("192.0.2.3"));
  REQUIRE(ptr.status == jgl::DnsStatus::found);
  CHECK(ptr.records.size() == 2);
}

TEST_CASE("c-ares tells NXDOMAIN, no data and server failure apart", "[dns][cares]") {
  jgl_test::DnsServer server(kZone);
  auto dns = source(server.address());
  CHECK(dns->a("missing.example.com").status == jgl::DnsStatus::nxdomain);
  CHECK(dns->txt("3.2.0.192.in-addr.arpa").status == jgl::DnsStatus::no_data);
  CHECK(dns->aaaa("3.2.0.192.in-addr.arpa").status == jgl::DnsStatus::no_data);
  CHECK(dns->a("servfail.example.com").status == jgl::DnsStatus::server_failure);
}

TEST_CASE("a server that never answers is a timeout within the deadline", "[dns][cares]") {
  SilentServer silent;
  auto dns = source(silent.address(), 300);
  auto start = std::chrono::steady_clock::now();
  auto txt = dns->txt("example.com");
  auto first = std::chrono::steady_clock::now() - start;
  CHECK(txt.status == jgl::DnsStatus::timeout);
  CHECK(first >= std::chrono::milliseconds(250));
  CHECK(first < std::chrono::milliseconds(600));
  // The budget is spent: the next question does not wait at all.
  auto next_start = std::chrono::steady_clock::now();
  CHECK(dns->a("example.com").status == jgl::DnsStatus::timeout);
  CHECK(std::chrono::steady_clock::now() - next_start < std::chrono::milliseconds(50));
}

TEST_CASE("many questions asked at once are each answered once, more than may be in flight", "[dns][cares]") {
  jgl_test::DnsServer server(kZone);
  auto dns = source(server.address());
  constexpr int kAsked = 3 * static_cast<int>(jgl::CaresSource::kMaxInFlight) + 7;
  int found = 0, nxdomain = 0, other = 0, chained = 0;
  for (int i = 0; i < kAsked; ++i) {
    if (i % 10 == 3) {
      dns->ask_txt("missing" + std::to_string(i) + ".example.com", [&](const jgl::DnsAnswer<std::string>& answer) {
        (answer.status == jgl::DnsStatus::nxdomain ? nxdomain : other)++;
      });
      continue;
    }
    dns->ask_a("example.com", [&](const jgl::DnsAnswer<jgl::Address>& answer) {
      bool right = answer.found() && answer.records.size() == 1 && answer.records[0].format().view() == "192.0.2.1";
      (right ? found : other)++;
      // An answer may ask more: it is answered before run_asked returns.
      if (found == 1) {
        dns->ask_mx("example.com", [&](const jgl::DnsAnswer<jgl::MxRecord>& mx) { chained += mx.records.size() == 2; });
      }
    });
  }
  dns->run_asked();
  CHECK(other == 0);
  CHECK(nxdomain == kAsked / 10 + (kAsked % 10 > 3 ? 1 : 0));
  CHECK(found + nxdomain == kAsked);
  CHECK(chained == 1);
}

TEST_CASE("questions asked at once that get no answer each time out after their own timeout", "[dns][cares]") {
  SilentServer silent;
  auto dns = source(silent.address(), 300);
  constexpr int kAsked = 100;  // two waves of at most kMaxInFlight
  int timeouts = 0;
  auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < kAsked; ++i) {
    dns->ask_txt("example.com", [&](const jgl::DnsAnswer<std::string>& answer) {
      timeouts += answer.status == jgl::DnsStatus::timeout;
    });
  }
  dns->run_asked();
  auto took = std::chrono::steady_clock::now() - start;
  CHECK(timeouts == kAsked);
  // Each wave waits one timeout from when it is sent: two, not a hundred.
  CHECK(took >= std::chrono::milliseconds(550));
  CHECK(took < std::chrono::milliseconds(1500));
}

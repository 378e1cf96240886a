// rules-lookup: lookups per second of tcprulescheck's lookup path.
//
//   rules-lookup RULES.cdb CLIENTS ROUNDS SECONDS
//
// CLIENTS has one "H addr" (some rule covers it) or "M addr" (no rule
// does) a line, any spelling: each is first turned into tcpserver's text
// for it, as tcprulescheck does with an ADDRESS argument. One pass checks
// that every H matches and no M does; then ROUNDS rounds of SECONDS each
// call jgl::check_rules (no host, no info) over the clients in turn, on one
// open descriptor. The same rounds follow with the cdb mapped once
// (tinycdb's cdb_init outside the loop, then jgl::lookup_keys and cdb_find
// per client): what check_rules costs beyond the lookups themselves, since
// it maps the file again at every call. Output: "median best worst" lookups
// per second through check_rules, the median mapped once, then the hit, deny
// and miss counts of the checking pass.
#include <cdb.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "lib/net/address.h"
#include "lib/rules/keys.h"
#include "lib/rules/lookup.h"

namespace {

struct Client {
  std::string ip;
  bool hit = false;
};

[[noreturn]] void die(const std::string& message) {
  std::fprintf(stderr, "rules-lookup: %s\n", message.c_str());
  std::exit(1);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 5) die("usage: rules-lookup RULES.cdb CLIENTS ROUNDS SECONDS");
  int rounds = std::atoi(argv[3]);
  double seconds = std::atof(argv[4]);

  std::vector<Client> clients;
  std::ifstream in(argv[2]);
  std::string kind, text;
  while (in >> kind >> text) {
    auto address = jgl::Address::parse(text);
    if (!address) die("bad client address " + text);
    clients.push_back({jgl::tcpserver_text(*address), kind == "H"});
  }
  if (clients.empty()) die("no clients");

  int fd = open(argv[1], O_RDONLY | O_CLOEXEC);
  if (fd < 0) die(std::string("cannot open ") + argv[1]);

  long hits = 0, denies = 0, misses = 0;
  for (const Client& c : clients) {
    auto match = jgl::check_rules(fd, c.ip, nullptr, nullptr);
    if (!match) die("lookup failed for " + c.ip + ": " + match.error().message);
    if (match->has_value() != c.hit) {
      die(c.ip + (c.hit ? ": no rule matched, expected one" : ": rule '" + (*match)->key + "' matched, expected none"));
    }
    if (!*match) ++misses;
    else if ((*match)->deny) ++denies;
    else ++hits;
  }

  using Clock = std::chrono::steady_clock;
  auto median_of = [](std::vector<double> v) {
    std::sort(v.begin(), v.end());
    std::size_t m = v.size();
    return m % 2 ? v[m / 2] : (v[m / 2 - 1] + v[m / 2]) / 2;
  };
  // rate(lookup): lookups per second of each round, calling lookup(ip).
  auto rate = [&](auto lookup) {
    std::vector<double> rates;
    std::size_t i = 0;
    for (int r = 0; r < rounds; ++r) {
      long n = 0;
      auto start = Clock::now();
      auto stop = start + std::chrono::duration<double>(seconds);
      Clock::time_point now;
      do {
        for (int k = 0; k < 256; ++k, ++n) {
          lookup(clients[i].ip);
          if (++i == clients.size()) i = 0;
        }
        now = Clock::now();
      } while (now < stop);
      rates.push_back(static_cast<double>(n) / std::chrono::duration<double>(now - start).count());
    }
    return rates;
  };

  std::vector<double> rates = rate([&](const std::string& ip) {
    if (!jgl::check_rules(fd, ip, nullptr, nullptr)) die("lookup failed");
  });
  struct cdb db;
  if (cdb_init(&db, fd) < 0) die("cdb_init failed");
  std::vector<double> once = rate([&](const std::string& ip) {
    for (const std::string& key : jgl::lookup_keys(ip, nullptr, nullptr)) {
      int found = cdb_find(&db, key.data(), static_cast<unsigned>(key.size()));
      if (found < 0) die("cdb_find failed");
      if (found > 0) break;
    }
  });
  cdb_free(&db);
  std::printf("%.0f %.0f %.0f %.0f %ld %ld %ld\n", median_of(rates), *std::max_element(rates.begin(), rates.end()),
              *std::min_element(rates.begin(), rates.end()), median_of(once), hits, denies, misses);
  return 0;
}

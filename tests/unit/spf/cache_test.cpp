// cache_test.cpp: SPF results kept for a while, within a bound, temperror never.
#include "lib/spf/cache.h"

#include <catch2/catch.hpp>
#include <chrono>
#include <string>

namespace {

using jgl::SpfCache;
using jgl::SpfResult;
using std::chrono::seconds;

jgl::Address addr(const char* text) { return *jgl::Address::parse(text); }

const SpfCache::Clock::time_point t0{};

}  // namespace

TEST_CASE("a remembered result is found again with the same client, identity and HELO", "[spf][cache]") {
  SpfCache cache(10, seconds(300));
  cache.remember(addr("192.0.2.1"), "a@example.org", "", SpfResult::pass, t0);
  CHECK(cache.find(addr("192.0.2.1"), "a@example.org", "", t0 + seconds(1)) == SpfResult::pass);
}

TEST_CASE("another client, identity or HELO is another entry", "[spf][cache]") {
  SpfCache cache(10, seconds(300));
  cache.remember(addr("192.0.2.1"), "postmaster@mx.example.org", "mx.example.org", SpfResult::pass, t0);
  CHECK_FALSE(cache.find(addr("192.0.2.2"), "postmaster@mx.example.org", "mx.example.org", t0));
  CHECK_FALSE(cache.find(addr("192.0.2.1"), "b@example.org", "mx.example.org", t0));
  CHECK_FALSE(cache.find(addr("192.0.2.1"), "postmaster@mx.example.org", "other.example.org", t0));
}

TEST_CASE("a mapped IPv4 client is the IPv4 client", "[spf][cache]") {
  SpfCache cache(10, seconds(300));
  cache.remember(addr("::ffff:192.0.2.1"), "a@example.org", "", SpfResult::fail, t0);
  CHECK(cache.find(addr("192.0.2.1"), "a@example.org", "", t0) == SpfResult::fail);
}

TEST_CASE("an entry expires after its lifetime", "[spf][cache]") {
  SpfCache cache(10, seconds(300));
  cache.remember(addr("192.0.2.1"), "a@example.org", "", SpfResult::pass, t0);
  CHECK(cache.find(addr("192.0.2.1"), "a@example.org", "", t0 + seconds(299)) == SpfResult::pass);
  CHECK_FALSE(cache.find(addr("192.0.2.1"), "a@example.org", "", t0 + seconds(300)));
  CHECK(cache.size() == 0);
}

TEST_CASE("remembering again starts the lifetime again", "[spf][cache]") {
  SpfCache cache(10, seconds(300));
  cache.remember(addr("192.0.2.1"), "a@example.org", "", SpfResult::pass, t0);
  cache.remember(addr("192.0.2.1"), "a@example.org", "", SpfResult::softfail, t0 + seconds(200));
  CHECK(cache.size() == 1);
  CHECK(cache.find(addr("192.0.2.1"), "a@example.org", "", t0 + seconds(400)) == SpfResult::softfail);
}

TEST_CASE("the cache holds at most its capacity, the oldest dropped first", "[spf][cache]") {
  SpfCache cache(3, seconds(300));
  for (int i = 1; i <= 5; ++i) {
    std::string client = "192.0.2." + std::to_string(i);
    cache.remember(addr(client.c_str()), "a@example.org", "", SpfResult::pass, t0 + seconds(i));
    CHECK(cache.size() <= 3);
  }
  CHECK(cache.size() == 3);
  CHECK_FALSE(cache.find(addr("192.0.2.1"), "a@example.org", "", t0 + seconds(6)));
  CHECK_FALSE(cache.find(addr("192.0.2.2"), "a@example.org", "", t0 + seconds(6)));
  for (const char* kept : {"192.0.2.3", "192.0.2.4", "192.0.2.5"}) {
    CAPTURE(kept);
    CHECK(cache.find(addr(kept), "a@example.org", "", t0 + seconds(6)) == SpfResult::pass);
  }
}

TEST_CASE("a temperror is never remembered", "[spf][cache]") {
  SpfCache cache(10, seconds(300));
  cache.remember(addr("192.0.2.1"), "a@example.org", "", SpfResult::temperror, t0);
  CHECK(cache.size() == 0);
  CHECK_FALSE(cache.find(addr("192.0.2.1"), "a@example.org", "", t0));
}

TEST_CASE("every other result is remembered", "[spf][cache]") {
  SpfCache cache(10, seconds(300));
  for (SpfResult r : {SpfResult::pass, SpfResult::fail, SpfResult::softfail, SpfResult::neutral, SpfResult::none,
                      SpfResult::permerror}) {
    CAPTURE(jgl::result_name(r));
    cache.remember(addr("192.0.2.1"), "a@example.org", "", r, t0);
    CHECK(cache.find(addr("192.0.2.1"), "a@example.org", "", t0) == r);
  }
}

TEST_CASE("a lifetime of zero keeps nothing", "[spf][cache]") {
  SpfCache cache(10, seconds(0));
  cache.remember(addr("192.0.2.1"), "a@example.org", "", SpfResult::pass, t0);
  CHECK(cache.size() == 0);
}

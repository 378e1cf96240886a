// store_contract_test.cpp: what every Store promises (lib/store/store.h), checked
// the same way on each backend: the tree in a temporary directory and a
// real redis-server on a unix socket. A new backend is one more class
// below with a store() and one more type in the test cases' lists.
#include <time.h>

#include <catch2/catch.hpp>
#include <map>
#include <string>
#include <vector>

#include "lib/store/redis.h"
#include "lib/store/store.h"
#include "lib/store/tree.h"
#include "tests/unit/redis_server.h"
#include "tests/unit/temp_dir.h"

namespace {

using jgl::Entry;
using jgl::Key;
using jgl::Store;

class Tree {
 public:
  Store& store() { return store_; }

 private:
  static jgl::TreeStore open(const jgl_test::TempDir& dir) {
    auto store = jgl::TreeStore::open(dir.path().c_str());
    REQUIRE(store.has_value());
    return std::move(*store);
  }
  jgl_test::TempDir dir_{"jgl-contract"};
  jgl::TreeStore store_ = open(dir_);
};

class Redis {
 public:
  Store& store() { return store_; }

 private:
  static jgl::RedisStoreSettings settings(const jgl_test::RedisServer& server) {
    jgl::RedisStoreSettings s;
    s.location.kind = jgl::RedisLocation::Kind::unix_socket;
    s.location.socket_path = server.socket();
    s.timeout_ms = 1000;
    return s;
  }
  jgl_test::RedisServer server_;
  jgl::RedisStore store_{settings(server_)};
};

Key prefix(const char* cidr) {
  auto p = jgl::Prefix::parse(cidr);
  REQUIRE(p.has_value());
  return Key(*p);
}

// Times near now (a Redis entry far in the past has expired), with
// nanoseconds that a store must keep.
timespec ago(long seconds, long nsec = 123456789) {
  timespec t;
  clock_gettime(CLOCK_REALTIME, &t);
  return timespec{t.tv_sec - seconds, nsec};
}

std::string shown(const timespec& t) { return std::to_string(t.tv_sec) + "." + std::to_string(t.tv_nsec); }

// A key as the listings compare it: its client prefix, and a triplet's
// addresses.
std::string shown(const Key& key) {
  std::string text = key.is_triplet() ? key.client_text() : std::string(key.client().format().view());
  if (key.kind() == Key::Kind::awl) text = "awl " + text;
  if (key.kind() == Key::Kind::correspondent) text = "corr";
  if (key.is_triplet() || key.kind() == Key::Kind::correspondent) text += " <" + std::string(key.sender()) + "> <" + std::string(key.recipient()) + ">";
  return text;
}

std::string shown(const Entry& entry) {
  return shown(entry.key) + " " + shown(entry.first_seen) + " " + shown(entry.last_seen) + " " +
         std::to_string(entry.count);
}

class Collect : public jgl::EntryVisitor {
 public:
  void entry(const Entry& e) override { entries[shown(e.key)] = shown(e); }
  void problem(const jgl::Error& e) override { problems.push_back(e.message); }
  std::map<std::string, std::string> entries;
  std::vector<std::string> problems;
};

Key triplet() { return Key::triplet(prefix("198.51.100.0/24").client(), "a@example.org", "b@example.net"); }

}  // namespace

TEMPLATE_TEST_CASE("store contract: a first sighting creates the entry, later ones return its times", "[store][contract]",
                   Tree, Redis) {
  TestType backend;
  Store& store = backend.store();
  for (const Key& key : {prefix("192.0.2.0/24"), prefix("2001:db8::/64"), triplet(),
                         Key::spf_triplet("example.org", "a@example.org", "b@example.net")}) {
    INFO(shown(key));
    timespec t0 = ago(30, 111), t1 = ago(20, 222), t2 = ago(10, 333);
    auto first = store.observe(key, t0);
    REQUIRE(first.has_value());
    CHECK(first->created);
    CHECK(shown(first->first_seen) == shown(t0));
    auto second = store.observe(key, t1);
    REQUIRE(second.has_value());
    CHECK_FALSE(second->created);
    CHECK(shown(second->first_seen) == shown(t0));
    CHECK(shown(second->last_seen) == shown(t0));
    auto third = store.observe(key, t2);
    REQUIRE(third.has_value());
    CHECK(shown(third->first_seen) == shown(t0));
    CHECK(shown(third->last_seen) == shown(t1));
  }
}

TEMPLATE_TEST_CASE("store contract: an entry past its retry window starts over as a first sighting",
                   "[store][contract]", Tree, Redis) {
  // Both stores judge by lib/store/expiry.h with the default policy (pending
  // 1 day, validated 35 days after last seen): the entries are made now, and
  // observed as if a day and more, or 35 days and more, had passed; Redis
  // still holds them (their TTLs run on the real clock), as the tree does
  // until jgreylist-clean runs.
  TestType backend;
  Store& store = backend.store();
  for (const Key& key : {prefix("192.0.2.0/24"), prefix("2001:db8::/64"), triplet(),
                         Key::spf_triplet("example.org", "a@example.org", "b@example.net")}) {
    INFO(shown(key));
    timespec first = ago(30), later = ago(-86400);
    REQUIRE(store.set_times(Entry{key, first, first}).has_value());
    auto pending = store.observe(key, later);
    REQUIRE(pending.has_value());
    CHECK(pending->created);
    CHECK(pending->restarted);
    CHECK(shown(pending->first_seen) == shown(later));
    auto found = store.find(key);
    REQUIRE(found.has_value());
    REQUIRE(found->has_value());
    CHECK(shown((*found)->first_seen) == shown(later));

    timespec validated_first = ago(600), validated_last = ago(300), within = ago(-34 * 86400);
    REQUIRE(store.set_times(Entry{key, validated_first, validated_last}).has_value());
    auto known = store.observe(key, within);
    REQUIRE(known.has_value());
    CHECK_FALSE(known->created);
    CHECK_FALSE(known->restarted);
    CHECK(shown(known->first_seen) == shown(validated_first));
    REQUIRE(store.set_times(Entry{key, validated_first, validated_last}).has_value());
    auto gone = store.observe(key, ago(-35 * 86400));
    REQUIRE(gone.has_value());
    CHECK(gone->restarted);
  }
}

TEMPLATE_TEST_CASE("store contract: find reads an entry without changing it", "[store][contract]", Tree, Redis) {
  TestType backend;
  Store& store = backend.store();
  auto none = store.find(prefix("192.0.2.0/24"));
  REQUIRE(none.has_value());
  CHECK_FALSE(none->has_value());
  timespec t0 = ago(60), t1 = ago(30);
  REQUIRE(store.observe(prefix("192.0.2.0/24"), t0).has_value());
  REQUIRE(store.observe(prefix("192.0.2.0/24"), t1).has_value());
  for (int i = 0; i < 2; ++i) {
    auto found = store.find(prefix("192.0.2.0/24"));
    REQUIRE(found.has_value());
    REQUIRE(found->has_value());
    CHECK(shown(**found) == "192.0.2.0/24 " + shown(t0) + " " + shown(t1) + " 0");
  }
  // A key of another length, or another family, is another entry.
  CHECK_FALSE(store.find(prefix("198.51.100.0/24"))->has_value());
  CHECK_FALSE(store.find(prefix("2001:db8::/64"))->has_value());
}

TEMPLATE_TEST_CASE("store contract: set_times creates or replaces, forget removes", "[store][contract]", Tree,
                   Redis) {
  TestType backend;
  Store& store = backend.store();
  for (const Key& key : {prefix("203.0.113.0/24"), prefix("2001:db8:1::/48"), triplet()}) {
    INFO(shown(key));
    timespec first = ago(7200), last = ago(60, 987654321);
    REQUIRE(store.set_times(Entry{key, first, last}).has_value());
    auto found = store.find(key);
    REQUIRE(found.has_value());
    REQUIRE(found->has_value());
    CHECK(shown(**found) == shown(Entry{key, first, last}));
    // Replaced, and what observe reports from then on.
    timespec later_first = ago(3600), later_last = ago(30);
    REQUIRE(store.set_times(Entry{key, later_first, later_last}).has_value());
    auto seen = store.observe(key, ago(0));
    REQUIRE(seen.has_value());
    CHECK_FALSE(seen->created);
    CHECK(shown(seen->first_seen) == shown(later_first));
    CHECK(shown(seen->last_seen) == shown(later_last));
    auto forgotten = store.forget(key);
    REQUIRE(forgotten.has_value());
    CHECK(*forgotten);
    auto again = store.forget(key);
    REQUIRE(again.has_value());
    CHECK_FALSE(*again);
    CHECK_FALSE(store.find(key)->has_value());
    auto fresh = store.observe(key, ago(0));
    REQUIRE(fresh.has_value());
    CHECK(fresh->created);
  }
}

TEMPLATE_TEST_CASE("store contract: enumerate gives every entry once, with its key and times", "[store][contract]",
                   Tree, Redis) {
  TestType backend;
  Store& store = backend.store();
  std::vector<Entry> written = {
      {prefix("192.0.2.0/24"), ago(500), ago(400)},
      {prefix("198.51.100.77/32"), ago(300), ago(300)},
      {prefix("2001:db8::/64"), ago(200), ago(100)},
      {prefix("2001:db8:ffff::1/128"), ago(50), ago(5)},
      {triplet(), ago(90), ago(80)},
      {Key::triplet(prefix("2001:db8::/64").client(), "", "postmaster@example.net"), ago(70), ago(60)},
      {Key::spf_triplet("example.org", "a@example.org", "b@example.net"), ago(40), ago(30)},
      {Key::awl(prefix("192.0.2.0/24").client()), ago(7200), ago(3600), 2},
      {Key::awl(prefix("2001:db8::/64").client()), ago(20), ago(20), 1},
      {Key::correspondent("friend@example.org", "user@example.net"), ago(10), ago(5)},
  };
  std::map<std::string, std::string> expected;
  for (const Entry& e : written) {
    REQUIRE(store.set_times(e).has_value());
    expected[shown(e.key)] = shown(e);
  }
  Collect all;
  REQUIRE(store.enumerate(all).has_value());
  CHECK(all.problems.empty());
  CHECK(all.entries == expected);
  REQUIRE(store.forget(triplet()).value());
  expected.erase(shown(triplet()));
  Collect after;
  REQUIRE(store.enumerate(after).has_value());
  CHECK(after.entries == expected);
}

TEMPLATE_TEST_CASE("store contract: passes of a network are counted at most once an interval", "[store][contract]",
                   Tree, Redis) {
  TestType backend;
  Store& store = backend.store();
  for (const Key& key : {Key::awl(prefix("192.0.2.0/24").client()), Key::awl(prefix("2001:db8::/64").client())}) {
    INFO(shown(key));
    CHECK_FALSE(store.find(key)->has_value());
    timespec t0 = ago(10000, 1);
    auto first = store.count_pass(key, t0, 3600);
    REQUIRE(first.has_value());
    CHECK(first->count == 1);
    CHECK(shown(first->first_seen) == shown(t0));
    CHECK(shown(first->last_seen) == shown(t0));
    // Within the interval: nothing moves.
    auto again = store.count_pass(key, ago(9000), 3600);
    REQUIRE(again.has_value());
    CHECK(again->count == 1);
    CHECK(shown(again->last_seen) == shown(t0));
    // An interval later: counted, last seen moves, first stays.
    timespec t1 = ago(6400, 2);
    auto second = store.count_pass(key, t1, 3600);
    REQUIRE(second.has_value());
    CHECK(second->count == 2);
    CHECK(shown(second->first_seen) == shown(t0));
    CHECK(shown(second->last_seen) == shown(t1));
    auto found = store.find(key);
    REQUIRE(found.has_value());
    REQUIRE(found->has_value());
    CHECK((*found)->count == 2);
    CHECK(shown((*found)->first_seen) == shown(t0));
    CHECK(shown((*found)->last_seen) == shown(t1));
    // find changed nothing: the next count is still due an interval after t1.
    CHECK(store.count_pass(key, ago(6000), 3600)->count == 2);
    CHECK(store.count_pass(key, ago(2000), 3600)->count == 3);
    // A count is the entry's own: a set_times replaces it.
    REQUIRE(store.set_times(Entry{key, ago(500), ago(400), 7}).has_value());
    CHECK(store.find(key)->value().count == 7);
    CHECK(store.count_pass(key, ago(0), 300)->count == 8);
    REQUIRE(store.forget(key).value());
    CHECK_FALSE(store.find(key)->has_value());
  }
}

TEMPLATE_TEST_CASE("store contract: a count not renewed for max_age starts over", "[store][contract]", Tree, Redis) {
  TestType backend;
  Store& store = backend.store();
  Key key = Key::awl(prefix("198.51.100.0/24").client());
  // Counted five times, the last 36 days ago: gone (Redis) or expired (the
  // tree): the next pass counts one.
  REQUIRE(store.set_times(Entry{key, ago(40 * 86400), ago(36 * 86400), 5}).has_value());
  timespec now = ago(0, 7);
  auto restarted = store.count_pass(key, now, 3600);
  REQUIRE(restarted.has_value());
  CHECK(restarted->count == 1);
  CHECK(shown(restarted->first_seen) == shown(now));
  CHECK(shown(restarted->last_seen) == shown(now));
  // Counted the last time 34 days ago: still there.
  REQUIRE(store.set_times(Entry{key, ago(40 * 86400), ago(34 * 86400), 5}).has_value());
  CHECK(store.count_pass(key, ago(0), 3600)->count == 6);
}

TEMPLATE_TEST_CASE("store contract: a correspondent is never pending, and lives max_age after it was last seen",
                   "[store][contract]", Tree, Redis) {
  TestType backend;
  Store& store = backend.store();
  Key key = Key::correspondent("friend@example.org", "user@example.net");
  CHECK_FALSE(store.find(key)->has_value());
  // Recorded two days ago, never since: a greylisting entry of that age
  // would be pending and expired (1 day); a correspondent is kept.
  timespec recorded = ago(2 * 86400);
  REQUIRE(store.set_times(Entry{key, recorded, recorded}).has_value());
  auto seen = store.observe(key, ago(0));
  REQUIRE(seen.has_value());
  CHECK_FALSE(seen->created);
  CHECK_FALSE(seen->restarted);
  CHECK(shown(seen->first_seen) == shown(recorded));
  // Not seen for 36 days: starts over.
  REQUIRE(store.set_times(Entry{key, ago(40 * 86400), ago(36 * 86400)}).has_value());
  auto gone = store.observe(key, ago(0));
  REQUIRE(gone.has_value());
  CHECK(gone->created);
  // The other direction is another key.
  CHECK_FALSE(store.find(Key::correspondent("user@example.net", "friend@example.org"))->has_value());
}

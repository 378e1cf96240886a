// redis_store_test.cpp: the Redis store against a real redis-server,
// started for each test on a unix socket in its own directory.
#include "lib/store/redis.h"

#include <arpa/inet.h>
#include <hiredis/hiredis.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <set>
#include <string>
#include <thread>

#include "tests/unit/redis_server.h"
#include "tests/unit/temp_dir.h"

namespace {

using jgl::Key;
using jgl::RedisClient;
using jgl::RedisLocation;
using jgl::RedisStore;
using jgl::RedisStoreSettings;
using jgl_test::RedisServer;

RedisStoreSettings settings_for(const RedisServer& server) {
  RedisStoreSettings s;
  s.location.kind = RedisLocation::Kind::unix_socket;
  s.location.socket_path = server.socket();
  s.timeout_ms = 300;
  return s;  // holdtime 120, pending 1d, max 35d
}

Key key(const char* cidr) {
  auto p = jgl::Prefix::parse(cidr);
  REQUIRE(p.has_value());
  return Key(*p);
}

timespec now_plus(long seconds) {
  timespec t;
  clock_gettime(CLOCK_REALTIME, &t);
  t.tv_sec += seconds;
  return t;
}

long ttl(RedisServer& server, std::string_view name) { return std::stol(server.run({"TTL", name})); }

class Listing : public jgl::EntryVisitor {
 public:
  void entry(const jgl::Entry& e) override {
    lines.insert(std::string(e.key.client().format().view()) + " " + std::to_string(e.first_seen.tv_sec) + " " +
                 std::to_string(e.last_seen.tv_sec));
    if (e.key.is_triplet()) triplets.push_back(e.key);
  }
  std::vector<jgl::Key> triplets;
  void problem(const jgl::Error& e) override { lines.insert("problem: " + e.message); }
  std::set<std::string> lines;
};

}  // namespace

TEST_CASE("redis: a first sighting creates a readable hash with a pending TTL", "[redis_store]") {
  RedisServer server;
  RedisStore store(settings_for(server));
  timespec now{1700000000, 123456789};
  auto seen = store.observe(key("192.0.2.0/24"), now);
  REQUIRE(seen.has_value());
  CHECK(seen->created);
  CHECK(seen->first_seen.tv_sec == 1700000000);
  CHECK(seen->first_seen.tv_nsec == 123456789);
  CHECK(server.run({"HGETALL", "jgreylist:ip4:192.0.2.0/24"}) ==
        "first 1700000000.123456789 last 1700000000.123456789");
  CHECK(ttl(server, "jgreylist:ip4:192.0.2.0/24") == 86400);
}

TEST_CASE("redis: a second sighting returns the first and marks the last", "[redis_store]") {
  RedisServer server;
  RedisStore store(settings_for(server));
  REQUIRE(store.observe(key("2001:db8::/64"), timespec{1700000000, 5}).has_value());
  auto again = store.observe(key("2001:db8::/64"), timespec{1700000060, 7});
  REQUIRE(again.has_value());
  CHECK_FALSE(again->created);
  CHECK(again->first_seen.tv_sec == 1700000000);
  CHECK(again->first_seen.tv_nsec == 5);
  CHECK(again->last_seen.tv_sec == 1700000000);
  CHECK(server.run({"HGET", "jgreylist:ip6:2001:db8::/64", "last"}) == "1700000060.000000007");
}

TEST_CASE("redis: TTLs follow the cleaner's rule", "[redis_store]") {
  RedisServer server;
  RedisStore store(settings_for(server));
  timespec now = now_plus(0);
  // Seen again within the hold time: still pending, lives pending_age
  // after its first sighting, counted from the sighting's now.
  REQUIRE(store.observe(key("198.51.100.0/24"), now_plus(-3600)).has_value());
  REQUIRE(store.observe(key("198.51.100.0/24"), now_plus(-3600 + 60)).has_value());
  long pending = ttl(server, "jgreylist:ip4:198.51.100.0/24");
  CHECK(pending <= 86400 - 60);
  CHECK(pending >= 86400 - 60 - 5);
  // Seen after the hold time: validated, lives max_age after now.
  REQUIRE(store.observe(key("198.51.100.0/24"), now).has_value());
  long validated = ttl(server, "jgreylist:ip4:198.51.100.0/24");
  CHECK(validated <= 35L * 86400);
  CHECK(validated >= 35L * 86400 - 5);
}

TEST_CASE("redis: every key written carries a TTL", "[redis_store]") {
  RedisServer server;
  RedisStore store(settings_for(server));
  REQUIRE(store.observe(key("192.0.2.0/24"), now_plus(0)).has_value());
  REQUIRE(store.set_times({key("203.0.113.0/24"), now_plus(-100), now_plus(0)}).has_value());
  REQUIRE(store.observe(key("2001:db8:1::/64"), now_plus(-1000)).has_value());
  REQUIRE(store.observe(key("2001:db8:1::/64"), now_plus(0)).has_value());
  for (const char* name : {"jgreylist:ip4:192.0.2.0/24", "jgreylist:ip4:203.0.113.0/24", "jgreylist:ip6:2001:db8:1::/64"}) {
    CAPTURE(name);
    long t = ttl(server, name);
    CHECK(t > 0);
    CHECK(t <= 35L * 86400);
  }
}

TEST_CASE("redis: find, set_times and forget", "[redis_store]") {
  RedisServer server;
  RedisStore store(settings_for(server));
  auto none = store.find(key("192.0.2.0/24"));
  REQUIRE(none.has_value());
  CHECK_FALSE(none->has_value());
  timespec first = now_plus(-7200), last = now_plus(-60);
  REQUIRE(store.set_times({key("192.0.2.0/24"), first, last}).has_value());
  auto found = store.find(key("192.0.2.0/24"));
  REQUIRE(found.has_value());
  REQUIRE(found->has_value());
  CHECK((*found)->first_seen.tv_sec == first.tv_sec);
  CHECK((*found)->last_seen.tv_nsec == last.tv_nsec);
  CHECK(ttl(server, "jgreylist:ip4:192.0.2.0/24") <= 35L * 86400 - 60);
  auto forgotten = store.forget(key("192.0.2.0/24"));
  REQUIRE(forgotten.has_value());
  CHECK(*forgotten);
  CHECK_FALSE(*store.forget(key("192.0.2.0/24")));
  CHECK(server.run({"EXISTS", "jgreylist:ip4:192.0.2.0/24"}) == "0");
}

TEST_CASE("redis: set_times of an entry already expired keeps nothing", "[redis_store]") {
  RedisServer server;
  RedisStore store(settings_for(server));
  REQUIRE(store.observe(key("192.0.2.0/24"), now_plus(0)).has_value());
  REQUIRE(store.set_times({key("192.0.2.0/24"), now_plus(-90L * 86400), now_plus(-80L * 86400)}).has_value());
  CHECK(server.run({"EXISTS", "jgreylist:ip4:192.0.2.0/24"}) == "0");
}

TEST_CASE("redis: enumerate lists the prefix's entries and reports foreign keys under it", "[redis_store]") {
  RedisServer server;
  RedisStoreSettings s = settings_for(server);
  s.prefix = "mx*[1]:";
  RedisStore store(s);
  // Expired long ago: nothing kept, nothing listed.
  REQUIRE(store.set_times({key("192.0.2.0/24"), {1600000000, 0}, {1600000100, 0}}).has_value());
  timespec first = now_plus(-100), last = now_plus(0);
  REQUIRE(store.set_times({key("198.51.100.0/24"), first, last}).has_value());
  REQUIRE(store.set_times({key("2001:db8::/48"), first, first}).has_value());
  server.run({"SET", "mx*[1]:junk", "x"});
  server.run({"SET", "mx-1:ip4:10.0.0.0/8", "not ours"});
  Listing listing;
  REQUIRE(store.enumerate(listing).has_value());
  std::string f = std::to_string(first.tv_sec), l = std::to_string(last.tv_sec);
  CHECK(listing.lines == std::set<std::string>{"198.51.100.0/24 " + f + " " + l, "2001:db8::/48 " + f + " " + f,
                                               "problem: mx*[1]:junk: not a greylisting key: left alone"});
}

TEST_CASE("redis: enumerate walks more entries than one SCAN batch", "[redis_store]") {
  RedisServer server;
  RedisStore store(settings_for(server));
  timespec now = now_plus(0);
  for (int i = 0; i < 2500; ++i) {
    std::string cidr = "10." + std::to_string(i / 256) + "." + std::to_string(i % 256) + ".0/24";
    REQUIRE(store.observe(key(cidr.c_str()), now).has_value());
  }
  Listing listing;
  REQUIRE(store.enumerate(listing).has_value());
  CHECK(listing.lines.size() == 2500);
}

TEST_CASE("redis: the db of the location is selected", "[redis_store]") {
  RedisServer server;
  RedisStoreSettings s = settings_for(server);
  s.location.db = 3;
  RedisStore store(s);
  REQUIRE(store.observe(key("192.0.2.0/24"), now_plus(0)).has_value());
  CHECK(server.run({"EXISTS", "jgreylist:ip4:192.0.2.0/24"}) == "0");
  auto client = RedisClient::connect_unix(server.socket(), 1000);
  REQUIRE(client.has_value());
  auto replies = client->pipeline({{"SELECT", "3"}, {"EXISTS", "jgreylist:ip4:192.0.2.0/24"}});
  REQUIRE(replies.has_value());
  CHECK((*replies)[1]->integer == 1);
}

TEST_CASE("redis: a server away is a temporary error naming it", "[redis_store]") {
  jgl_test::TempDir dir("jgl-redis-away");
  RedisStoreSettings s;
  s.location.kind = RedisLocation::Kind::unix_socket;
  s.location.socket_path = dir / "nothing.sock";
  RedisStore store(s);
  auto seen = store.observe(key("192.0.2.0/24"), now_plus(0));
  REQUIRE_FALSE(seen.has_value());
  CHECK(seen.error().temporary);
  CHECK(seen.error().message == "connect to " + (dir / "nothing.sock") + ": No such file or directory");
}

// A TCP connect that stays under way: a listener on 127.0.0.1 with a full
// accept queue drops further SYNs, so the connect is neither refused nor
// done. The first send finds it under way, then waits for it, and gives
// up after the timeout in the connect's words.
TEST_CASE("redis: a connect that never completes is given up after the timeout", "[redis_store]") {
  int listener = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  REQUIRE(listener >= 0);
  sockaddr_in sin{};
  sin.sin_family = AF_INET;
  sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof sin;
  REQUIRE(bind(listener, reinterpret_cast<sockaddr*>(&sin), len) == 0);
  REQUIRE(listen(listener, 0) == 0);
  REQUIRE(getsockname(listener, reinterpret_cast<sockaddr*>(&sin), &len) == 0);
  int port = ntohs(sin.sin_port);
  // The first connection fills the queue (never accepted).
  auto filler = RedisClient::connect_tcp("127.0.0.1", port, 1000);
  REQUIRE(filler.has_value());
  auto client = RedisClient::connect_tcp("127.0.0.1", port, 200);
  REQUIRE(client.has_value());
  auto start = std::chrono::steady_clock::now();
  auto replies = client->pipeline({{"PING"}});
  auto took = std::chrono::steady_clock::now() - start;
  close(listener);
  REQUIRE_FALSE(replies.has_value());
  CHECK(replies.error().temporary);
  CHECK(replies.error().message == "connect to 127.0.0.1:" + std::to_string(port) + ": no answer within 200 ms");
  CHECK(took >= std::chrono::milliseconds(190));
  CHECK(took < std::chrono::milliseconds(1200));
}

TEST_CASE("redis: a wrong password is a temporary error naming the server's answer", "[redis_store]") {
  RedisServer server({"--requirepass", "right"});
  RedisStoreSettings s = settings_for(server);
  s.location.password = "hunter2";
  RedisStore store(s);
  auto seen = store.observe(key("192.0.2.0/24"), now_plus(0));
  REQUIRE_FALSE(seen.has_value());
  CHECK(seen.error().temporary);
  CHECK(seen.error().message.find("WRONGPASS") != std::string::npos);
  CHECK(server.run({"AUTH", "right"}) == "OK");
  CHECK(seen.error().message.find("hunter2") == std::string::npos);
  s.location.password = "right";
  RedisStore good(s);
  CHECK(good.observe(key("192.0.2.0/24"), now_plus(0)).has_value());
}

TEST_CASE("redis: a frozen server is given up after the timeout", "[redis_store]") {
  RedisServer server;
  RedisStoreSettings s = settings_for(server);
  s.timeout_ms = 200;
  RedisStore store(s);
  REQUIRE(kill(server.pid(), SIGSTOP) == 0);
  auto start = std::chrono::steady_clock::now();
  auto seen = store.observe(key("192.0.2.0/24"), now_plus(0));
  auto took = std::chrono::steady_clock::now() - start;
  kill(server.pid(), SIGCONT);
  REQUIRE_FALSE(seen.has_value());
  CHECK(seen.error().message == "no reply from " + server.socket() + " within 200 ms");
  CHECK(took < std::chrono::milliseconds(1200));
}

TEST_CASE("redis: a broken connection is not reused; the next request opens another", "[redis_store]") {
  RedisServer server;
  RedisStore store(settings_for(server));
  REQUIRE(store.observe(key("192.0.2.0/24"), now_plus(0)).has_value());
  server.run({"CLIENT", "KILL", "TYPE", "normal"});
  auto broken = store.observe(key("192.0.2.0/24"), now_plus(1));
  auto next = broken ? broken : store.observe(key("192.0.2.0/24"), now_plus(2));
  REQUIRE(next.has_value());
  CHECK_FALSE(next->created);
}

TEST_CASE("redis: error replies are store errors with the server's words", "[redis_store]") {
  RedisServer server;
  server.run({"SET", "jgreylist:ip4:192.0.2.0/24", "a string, not a hash"});
  RedisStore store(settings_for(server));
  auto seen = store.observe(key("192.0.2.0/24"), now_plus(0));
  REQUIRE_FALSE(seen.has_value());
  CHECK(seen.error().temporary);
  CHECK(seen.error().message.find("WRONGTYPE") != std::string::npos);
}

TEST_CASE("redis: a replica refuses the write and that is a store error", "[redis_store]") {
  RedisServer server({"--replicaof", "127.0.0.1", "1"});
  RedisStore store(settings_for(server));
  auto seen = store.observe(key("192.0.2.0/24"), now_plus(0));
  REQUIRE_FALSE(seen.has_value());
  CHECK(seen.error().message.find("READONLY") != std::string::npos);
}

TEST_CASE("redis: a triplet is kept under its digest, with its key beside its times", "[redis_store]") {
  RedisServer server;
  RedisStore store(settings_for(server));
  Key k = Key::triplet(key("192.0.2.0/24").client(), "a@example.org", "../b\r\n@example.net");
  auto seen = store.observe(k, now_plus(0));
  REQUIRE(seen.has_value());
  CHECK(seen->created);
  std::string name = "jgreylist:triplet:" + k.digest();
  CHECK(server.run({"EXISTS", name}) == "1");
  CHECK(server.run({"HGET", name, "client"}) == "192.0.2.0/24");
  CHECK(server.run({"HGET", name, "sender"}) == "a@example.org");
  auto again = store.observe(k, now_plus(5));
  REQUIRE(again.has_value());
  CHECK_FALSE(again->created);
  auto found = store.find(k);
  REQUIRE(found.has_value());
  REQUIRE(found->has_value());
  CHECK((*found)->key == k);
  Listing listing;
  REQUIRE(store.enumerate(listing).has_value());
  REQUIRE(listing.triplets.size() == 1);
  CHECK(listing.triplets[0] == k);
  // set_times writes the key's fields too, so that a copied triplet lists.
  Key other = Key::triplet(key("198.51.100.0/24").client(), "", "postmaster@example.net");
  REQUIRE(store.set_times(jgl::Entry{other, now_plus(-100), now_plus(-50)}).has_value());
  Listing after;
  REQUIRE(store.enumerate(after).has_value());
  CHECK(after.triplets.size() == 2);
  REQUIRE(store.forget(k).value());
  CHECK(server.run({"EXISTS", name}) == "0");
}

TEST_CASE("redis: a triplet hash whose fields do not hash to its name is a problem", "[redis_store]") {
  RedisServer server;
  Key k = Key::triplet(key("192.0.2.0/24").client(), "a@example.org", "b@example.net");
  std::string name = "jgreylist:triplet:" + k.digest();
  server.run({"HSET", name, "first", "1700000000", "last", "1700000000", "client", "192.0.2.0/24", "sender",
              "x@example.org", "recipient", "b@example.net"});
  RedisStore store(settings_for(server));
  Listing listing;
  REQUIRE(store.enumerate(listing).has_value());
  CHECK(listing.triplets.empty());
  REQUIRE(listing.lines.size() == 1);
  CHECK(listing.lines.begin()->find("not the key its name hashes") != std::string::npos);
}

TEST_CASE("redis: a refused SELECT writes nothing anywhere", "[redis_store]") {
  RedisServer server;
  RedisStoreSettings s = settings_for(server);
  s.location.db = 99;  // the server has 16
  RedisStore store(s);
  auto seen = store.observe(key("192.0.2.0/24"), now_plus(0));
  REQUIRE_FALSE(seen.has_value());
  CHECK(seen.error().message.find("DB index is out of range") != std::string::npos);
  CHECK(server.run({"DBSIZE"}) == "0");
}

TEST_CASE("redis: a refused AUTH writes nothing as the default user", "[redis_store]") {
  RedisServer server;  // no password: AUTH is refused, the default user may write
  RedisStoreSettings s = settings_for(server);
  s.location.password = "unexpected";
  RedisStore store(s);
  auto seen = store.observe(key("192.0.2.0/24"), now_plus(0));
  REQUIRE_FALSE(seen.has_value());
  CHECK(server.run({"DBSIZE"}) == "0");
}

TEST_CASE("redis: entries that are never pending live max_age from their first sighting", "[redis_store]") {
  RedisServer server;
  RedisStore store(settings_for(server));
  Key corr = Key::correspondent("friend@example.org", "user@example.net");
  REQUIRE(store.observe(corr, now_plus(0)).has_value());
  CHECK(ttl(server, "jgreylist:corr:" + corr.digest()) == 35L * 86400);
  REQUIRE(store.count_pass(Key::awl(key("192.0.2.0/24").client()), now_plus(0), 3600).has_value());
  CHECK(ttl(server, "jgreylist:awl:192.0.2.0/24") == 35L * 86400);
  // JGREYLIST_HOLDTIME=0: a first sighting is validated at once, as the
  // tree's judge() says, so it lives max_age too.
  RedisStoreSettings zero = settings_for(server);
  zero.expiry.holdtime = 0;
  RedisStore at_once(zero);
  REQUIRE(at_once.observe(key("198.51.100.0/24"), now_plus(0)).has_value());
  CHECK(ttl(server, "jgreylist:ip4:198.51.100.0/24") == 35L * 86400);
}

TEST_CASE("redis: a count last renewed max_age ago starts over, whatever TTL kept it", "[redis_store]") {
  RedisServer server;
  RedisStore store(settings_for(server));
  // Written by a host with a longer JGREYLIST_MAX_AGE: 36 days old, still there.
  timespec old = now_plus(-36L * 86400);
  std::string first = std::to_string(old.tv_sec - 86400) + ".0", last = std::to_string(old.tv_sec) + ".0";
  server.run({"HSET", "jgreylist:awl:192.0.2.0/24", "first", first, "last", last, "count", "9", "client",
              "192.0.2.0/24"});
  server.run({"EXPIRE", "jgreylist:awl:192.0.2.0/24", "864000"});
  timespec now = now_plus(0);
  auto counted = store.count_pass(Key::awl(key("192.0.2.0/24").client()), now, 3600);
  REQUIRE(counted.has_value());
  CHECK(counted->count == 1);
  CHECK(counted->first_seen.tv_sec == now.tv_sec);
  CHECK(server.run({"HGET", "jgreylist:awl:192.0.2.0/24", "count"}) == "1");
}

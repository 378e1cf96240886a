// open_store_test.cpp: choosing the store the environment names.
#include "lib/store/open.h"

#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <string>

#include "tests/unit/scoped_env.h"
#include "tests/unit/temp_dir.h"

using jgl_test::TempDir;

namespace {

class StoreEnv : public jgl_test::ScopedEnv {
 public:
  StoreEnv()
      : ScopedEnv({"JGREYLIST_DIR", "JGREYLIST_REDIS", "JGREYLIST_REDIS_PASSWORD", "JGREYLIST_REDIS_PREFIX",
                   "JGREYLIST_REDIS_TIMEOUT", "JGREYLIST_HOLDTIME", "JGREYLIST_PENDING_AGE", "JGREYLIST_MAX_AGE"}) {}
};

std::string settings_error() {
  auto s = jgl::store_settings_from_env();
  REQUIRE_FALSE(s.has_value());
  return s.error().message;
}

}  // namespace

TEST_CASE("store settings name JGREYLIST_DIR as the tree", "[store]") {
  StoreEnv env;
  env.set("JGREYLIST_DIR", "/var/qmail/jgreylist");
  CHECK(std::string(jgl::store_settings_from_env()->dir) == "/var/qmail/jgreylist");
  env.unset("JGREYLIST_DIR");
  CHECK(jgl::store_settings_from_env()->dir == nullptr);
}

TEST_CASE("store settings default to the cleaner's ages and a 500 ms Redis timeout", "[store]") {
  StoreEnv env;
  auto s = jgl::store_settings_from_env();
  REQUIRE(s.has_value());
  CHECK(s->redis == nullptr);
  CHECK(s->redis_prefix == "jgreylist:");
  CHECK(s->redis_timeout_ms == 500);
  CHECK(s->expiry.holdtime == 120);
  CHECK(s->expiry.pending_age == 86400);
  CHECK(s->expiry.max_age == 35L * 86400);
}

TEST_CASE("store settings read the ages with duration suffixes", "[store]") {
  StoreEnv env;
  env.set("JGREYLIST_REDIS", "redis://127.0.0.1");
  env.set("JGREYLIST_HOLDTIME", "300");
  env.set("JGREYLIST_PENDING_AGE", "6h");
  env.set("JGREYLIST_MAX_AGE", "5w");
  env.set("JGREYLIST_REDIS_TIMEOUT", "1500");
  env.set("JGREYLIST_REDIS_PREFIX", "mx:grey:");
  auto s = jgl::store_settings_from_env();
  REQUIRE(s.has_value());
  CHECK(s->expiry.holdtime == 300);
  CHECK(s->expiry.pending_age == 6 * 3600);
  CHECK(s->expiry.max_age == 35L * 86400);
  CHECK(s->redis_timeout_ms == 1500);
  CHECK(s->redis_prefix == "mx:grey:");
}

TEST_CASE("malformed store settings are errors naming the variable", "[store]") {
  StoreEnv env;
  env.set("JGREYLIST_REDIS", "redis://127.0.0.1");
  env.set("JGREYLIST_PENDING_AGE", "1 day");
  CHECK(settings_error().starts_with("JGREYLIST_PENDING_AGE: bad duration '1 day'"));
  env.unset("JGREYLIST_PENDING_AGE");
  env.set("JGREYLIST_REDIS_TIMEOUT", "0");
  CHECK(settings_error() == "JGREYLIST_REDIS_TIMEOUT='0': out of range 1-60000");
  env.unset("JGREYLIST_REDIS_TIMEOUT");
  for (const char* bad : {"grey list:", "grey\nlist:", ""}) {
    env.set("JGREYLIST_REDIS_PREFIX", bad);
    CAPTURE(bad);
    CHECK(settings_error().starts_with("JGREYLIST_REDIS_PREFIX="));
  }
  env.set("JGREYLIST_REDIS_PREFIX", std::string(100000, 'p'));
  CHECK(settings_error().size() < 200);
}

TEST_CASE("the tree reads none of Redis's variables", "[store]") {
  StoreEnv env;
  env.set("JGREYLIST_DIR", "/var/qmail/jgreylist");
  env.set("JGREYLIST_REDIS_TIMEOUT", "x");
  env.set("JGREYLIST_REDIS_PREFIX", "has space");
  CHECK(jgl::store_settings_from_env().has_value());
}

TEST_CASE("the tree reads the expiry variables: it judges an entry's retry window by them", "[store]") {
  StoreEnv env;
  env.set("JGREYLIST_DIR", "/var/qmail/jgreylist");
  env.set("JGREYLIST_PENDING_AGE", "2d");
  env.set("JGREYLIST_MAX_AGE", "10d");
  auto settings = jgl::store_settings_from_env();
  REQUIRE(settings.has_value());
  CHECK(settings->expiry.pending_age == 2 * 86400);
  CHECK(settings->expiry.max_age == 10 * 86400);
  env.set("JGREYLIST_MAX_AGE", "forever");
  CHECK(settings_error().starts_with("JGREYLIST_MAX_AGE"));
}

TEST_CASE("open_store refuses JGREYLIST_REDIS and JGREYLIST_DIR together", "[store]") {
  jgl::StoreSettings both;
  both.dir = "/var/qmail/jgreylist";
  both.redis = "redis://127.0.0.1";
  auto store = jgl::open_store(both);
  REQUIRE_FALSE(store.has_value());
  CHECK(store.error().message == "JGREYLIST_REDIS and JGREYLIST_DIR are both set: one store per service");
}

TEST_CASE("open_store names JGREYLIST_REDIS when its URL is malformed, never the password", "[store]") {
  jgl::StoreSettings bad;
  bad.redis = "redis://:s3cr3t@127.0.0.1:70000";
  auto store = jgl::open_store(bad);
  REQUIRE_FALSE(store.has_value());
  CHECK(store.error().message.starts_with("JGREYLIST_REDIS: "));
  CHECK(store.error().message.find("s3cr3t") == std::string::npos);
}

TEST_CASE("open_store takes the password from one place only", "[store]") {
  jgl::StoreSettings twice;
  twice.redis = "redis://:one@127.0.0.1";
  twice.redis_password = "two";
  auto store = jgl::open_store(twice);
  REQUIRE_FALSE(store.has_value());
  CHECK(store.error().message == "JGREYLIST_REDIS_PASSWORD is set and JGREYLIST_REDIS has a password too");
}

TEST_CASE("open_store opens Redis without connecting: a server away is a store error later", "[store]") {
  jgl::StoreSettings redis;
  redis.redis = "redis://127.0.0.1:1/0";
  redis.redis_timeout_ms = 200;
  auto store = jgl::open_store(redis);
  REQUIRE(store.has_value());
  CHECK((*store)->where() == "redis://127.0.0.1:1");
  auto prefix = jgl::Prefix::parse("192.0.2.0/24");
  auto seen = (*store)->observe(jgl::Key(*prefix), timespec{1700000000, 0});
  REQUIRE_FALSE(seen.has_value());
  CHECK(seen.error().temporary);
  CHECK(seen.error().message == "connect to 127.0.0.1:1: Connection refused");
}

TEST_CASE("open_store opens the tree JGREYLIST_DIR names", "[store]") {
  TempDir tmp("jgl-open-store");
  jgl::StoreSettings settings;
  settings.dir = tmp.path().c_str();
  auto store = jgl::open_store(settings);
  REQUIRE(store.has_value());
  CHECK((*store)->where() == tmp.path());
  auto prefix = jgl::Prefix::parse("192.0.2.0/24");
  REQUIRE(prefix.has_value());
  auto seen = (*store)->observe(jgl::Key(*prefix), timespec{1700000000, 0});
  REQUIRE(seen.has_value());
  CHECK(seen->created);
  struct stat st;
  CHECK(::lstat((tmp.path() + "/ip4/192/000/002").c_str(), &st) == 0);
}

TEST_CASE("open_store without JGREYLIST_DIR is an error naming it", "[store]") {
  jgl::StoreSettings unset;
  auto store = jgl::open_store(unset);
  REQUIRE_FALSE(store.has_value());
  CHECK(store.error().message == "JGREYLIST_DIR is not set or empty");
  jgl::StoreSettings empty;
  empty.dir = "";
  CHECK(jgl::open_store(empty).error().message == "JGREYLIST_DIR is not set or empty");
}

TEST_CASE("open_store names JGREYLIST_DIR and what is wrong with it", "[store]") {
  TempDir tmp("jgl-open-store");
  std::string missing = tmp.path() + "/missing";
  jgl::StoreSettings settings;
  settings.dir = missing.c_str();
  auto store = jgl::open_store(settings);
  REQUIRE_FALSE(store.has_value());
  CHECK(store.error().message == "JGREYLIST_DIR=" + missing + ": No such file or directory");
}

TEST_CASE("open_store_from_env opens what the variables name, or says which one is wrong", "[store]") {
  StoreEnv env;
  TempDir tmp("jgl-open-store");
  env.set("JGREYLIST_DIR", tmp.path().c_str());
  auto store = jgl::open_store_from_env();
  REQUIRE(store.has_value());
  CHECK((*store)->where() == tmp.path());
  env.set("JGREYLIST_REDIS", "redis://127.0.0.1");
  auto both = jgl::open_store_from_env();
  REQUIRE_FALSE(both.has_value());
  CHECK(both.error().message == "JGREYLIST_REDIS and JGREYLIST_DIR are both set: one store per service");
  env.unset("JGREYLIST_DIR");
  env.set("JGREYLIST_REDIS_TIMEOUT", "soon");
  auto bad = jgl::open_store_from_env();
  REQUIRE_FALSE(bad.has_value());
  CHECK(bad.error().message.starts_with("JGREYLIST_REDIS_TIMEOUT='soon'"));
}

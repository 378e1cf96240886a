// open_store_test.cpp: choosing the store the environment names.
#include "lib/open_store.h"

#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <string>

#include "tests/unit/scoped_env.h"
#include "tests/unit/temp_dir.h"

using jgl_test::TempDir;

TEST_CASE("store settings name JGREYLIST_DIR as the tree", "[store]") {
  jgl_test::ScopedEnv env;
  env.set("JGREYLIST_DIR", "/var/qmail/jgreylist");
  CHECK(std::string(jgl::store_settings_from_env().dir) == "/var/qmail/jgreylist");
  env.unset("JGREYLIST_DIR");
  CHECK(jgl::store_settings_from_env().dir == nullptr);
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

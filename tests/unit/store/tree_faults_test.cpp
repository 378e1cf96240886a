// faults_test.cpp: the fault-injecting Filesystem of the test builds
// (tests/helpers/fault_filesystem.h): its fault list, which calls it fails,
// and what the store makes of each fault.
#include "tests/helpers/fault_filesystem.h"

#include "lib/store/tree.h"
#include "tests/unit/temp_dir.h"

#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <string>

namespace {

using jgl::Fault;
using jgl::FaultFilesystem;
using jgl::TreeStore;

jgl::Prefix key(const char* address, int length) {
  auto a = jgl::Address::parse(address);
  REQUIRE(a.has_value());
  return jgl::Prefix(*a, length);
}

// A fresh tree root, removed at the end.
class TempTree {
 public:
  const std::string& path() const { return dir_.path(); }
  std::string at(const char* relative) const { return dir_ / relative; }

 private:
  jgl_test::TempDir dir_{"jgl-faults-test"};
};

bool exists(const std::string& path) {
  struct stat st;
  return ::lstat(path.c_str(), &st) == 0;
}

FaultFilesystem faulty(const char* spec) {
  auto faults = jgl::parse_faults(spec);
  INFO(spec);
  REQUIRE(faults.has_value());
  return FaultFilesystem(std::move(*faults));
}

}  // namespace

TEST_CASE("a fault list names an operation, a call and an errno", "[faults]") {
  auto faults = jgl::parse_faults("mkdir:2:EACCES,unlink:*:EIO,opendir:1:vanish,touch:3:28");
  REQUIRE(faults.has_value());
  REQUIRE(faults->size() == 4);
  CHECK((*faults)[0].op == "mkdir");
  CHECK((*faults)[0].nth == 2);
  CHECK((*faults)[0].sys_errno == EACCES);
  CHECK((*faults)[1].nth == 0);
  CHECK((*faults)[1].sys_errno == EIO);
  CHECK((*faults)[2].vanish);
  CHECK((*faults)[3].sys_errno == ENOSPC);
  REQUIRE(jgl::parse_faults("")->empty());
}

TEST_CASE("a malformed fault list is refused", "[faults]") {
  for (const char* spec : {"mkdir", "mkdir:1", "chmod:1:EIO", "mkdir:0:EIO", "mkdir:x:EIO", "mkdir:1:EWHAT",
                           "mkdir:1:", "unlink:1:vanish", "mkdir:1:0", "mkdir:1:EIO,"}) {
    CAPTURE(spec);
    // A trailing comma is allowed; everything else here is not.
    if (std::string(spec) == "mkdir:1:EIO,") {
      CHECK(jgl::parse_faults(spec).has_value());
    } else {
      CHECK_FALSE(jgl::parse_faults(spec).has_value());
    }
  }
}

TEST_CASE("only the nth call of the operation fails", "[faults]") {
  TempTree tree;
  FaultFilesystem fs = faulty("mkdir:2:EROFS");
  int root = ::open(tree.path().c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
  REQUIRE(root >= 0);
  CHECK(fs.mkdirat(root, "a", 0700) == 0);
  errno = 0;
  CHECK(fs.mkdirat(root, "b", 0700) == -1);
  CHECK(errno == EROFS);
  CHECK(fs.mkdirat(root, "c", 0700) == 0);
  CHECK(fs.injected() == 1);
  CHECK(fs.calls("mkdir") == 3);
  CHECK_FALSE(exists(tree.at("b")));
  ::close(root);
}

TEST_CASE("unlink and rmdir are told apart", "[faults]") {
  TempTree tree;
  FaultFilesystem fs = faulty("rmdir:*:EBUSY");
  REQUIRE(::mkdir(tree.at("d").c_str(), 0700) == 0);
  REQUIRE(::close(::open(tree.at("f").c_str(), O_CREAT | O_WRONLY, 0600)) == 0);
  int root = ::open(tree.path().c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
  CHECK(fs.unlinkat(root, "f", 0) == 0);
  CHECK(fs.unlinkat(root, "d", AT_REMOVEDIR) == -1);
  CHECK(errno == EBUSY);
  CHECK(exists(tree.at("d")));
  ::close(root);
}

TEST_CASE("a vanishing mkdir succeeds and leaves nothing", "[faults]") {
  TempTree tree;
  FaultFilesystem fs = faulty("mkdir:1:vanish");
  int root = ::open(tree.path().c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
  CHECK(fs.mkdirat(root, "a", 0700) == 0);
  CHECK_FALSE(exists(tree.at("a")));
  ::close(root);
}

TEST_CASE("every fault that strikes is logged on its own line", "[faults]") {
  TempTree tree;
  int pipe_fds[2];
  REQUIRE(::pipe(pipe_fds) == 0);
  auto faults = jgl::parse_faults("statat:*:EIO");
  FaultFilesystem fs(std::move(*faults), pipe_fds[1]);
  int root = ::open(tree.path().c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
  struct stat st;
  CHECK(fs.fstatat(root, "x", &st, 0) == -1);
  CHECK(fs.fstatat(root, "y", &st, 0) == -1);
  ::close(pipe_fds[1]);
  char buf[256] = {};
  ssize_t n = ::read(pipe_fds[0], buf, sizeof buf - 1);
  CHECK(std::string(buf, n > 0 ? n : 0) == "fault statat 1 EIO x\nfault statat 2 EIO y\n");
  ::close(pipe_fds[0]);
  ::close(root);
}

TEST_CASE("a store error at any step of creating an entry leaves no entry", "[faults][store]") {
  // In an empty tree: the lookup, the entry's create (ENOENT), the lookups
  // of 127 and ip4 (ENOENT), mkdir and opendir of ip4 and 127, mkdir of
  // 000, the entry's create again, its touch.
  for (const char* step : {"lookup:1", "create:1", "lookupdir:1", "lookupdir:2", "mkdir:1", "opendir:1", "mkdir:3",
                           "opendir:2", "create:2", "touch:1"}) {
    for (const char* e : {"EACCES", "EROFS", "ENOSPC", "EIO"}) {
      std::string spec = std::string(step) + ":" + e;
      CAPTURE(spec);
      TempTree tree;
      FaultFilesystem fs = faulty(spec.c_str());
      auto store = TreeStore::open(tree.path().c_str(), fs);
      REQUIRE(store.has_value());
      auto seen = store->observe(jgl::Key(key("127.0.0.1", 24)), timespec{1700000000, 0});
      REQUIRE_FALSE(seen.has_value());
      CHECK(fs.injected() == 1);
      CHECK(std::strcmp(jgl::errno_name(seen.error().sys_errno), e) == 0);
      CHECK_FALSE(exists(tree.at("ip4/127/000/000")));
    }
  }
}

TEST_CASE("a directory vanishing at any step of creating an entry is retried", "[faults][store][race]") {
  for (const char* spec : {"mkdir:1:vanish", "mkdir:2:vanish", "mkdir:3:vanish", "opendir:1:vanish",
                           "opendir:2:vanish", "opendir:2:ENOENT", "mkdir:3:ENOENT", "create:2:ENOENT"}) {
    CAPTURE(spec);
    TempTree tree;
    FaultFilesystem fs = faulty(spec);
    auto store = TreeStore::open(tree.path().c_str(), fs);
    REQUIRE(store.has_value());
    auto seen = store->observe(jgl::Key(key("127.0.0.1", 24)), timespec{1700000000, 0});
    REQUIRE(seen.has_value());
    CHECK(seen->created);
    CHECK(fs.injected() == 1);
    CHECK(fs.calls("lookup") == 2);
    struct stat st;
    REQUIRE(::lstat(tree.at("ip4/127/000/000").c_str(), &st) == 0);
    CHECK(S_ISREG(st.st_mode));
    CHECK(st.st_mtim.tv_sec == 1700000000);
  }
}

TEST_CASE("a store error at any step of creating an entry in a tree in use leaves no entry", "[faults][store]") {
  // ip4/127/000 there: the lookup, the entry's create, its touch (and the
  // lookup of its directory to take it back). ip4/127 only: the lookup of
  // 127 too, then 000 made.
  struct Case {
    const char* made;
    const char* step;
  } cases[] = {{"ip4/127/000", "lookup:1"}, {"ip4/127/000", "create:1"}, {"ip4/127/000", "touch:1"},
               {"ip4/127", "create:1"},     {"ip4/127", "lookupdir:1"}, {"ip4/127", "mkdir:1"},
               {"ip4/127", "create:2"},     {"ip4/127", "touch:1"}};
  for (const Case& c : cases) {
    for (const char* e : {"EACCES", "ENOSPC", "EIO"}) {
      std::string spec = std::string(c.step) + ":" + e;
      CAPTURE(c.made, spec);
      TempTree tree;
      std::filesystem::create_directories(tree.at(c.made));
      FaultFilesystem fs = faulty(spec.c_str());
      auto store = TreeStore::open(tree.path().c_str(), fs);
      REQUIRE(store.has_value());
      auto seen = store->observe(jgl::Key(key("127.0.0.1", 24)), timespec{1700000000, 0});
      REQUIRE_FALSE(seen.has_value());
      CHECK(fs.injected() == 1);
      CHECK(std::strcmp(jgl::errno_name(seen.error().sys_errno), e) == 0);
      CHECK(seen.error().message.find("ip4/127/000/000: ") != std::string::npos);
      CHECK_FALSE(exists(tree.at("ip4/127/000/000")));
    }
  }
}

// tree_store_test.cpp: entries on a real disk in a temporary directory, and
// faults injected through the Filesystem seam (the names: tree_path_test.cpp).
#include "lib/store/tree.h"

#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "tests/unit/temp_dir.h"

namespace {

using jgl::Address;
using jgl::Family;
using jgl::Prefix;
using jgl::Sighting;
using jgl::TreeStore;
using jgl::TreePath;

Prefix key(std::string_view address, int length) {
  auto a = Address::parse(address);
  INFO("parsing " << address);
  REQUIRE(a.has_value());
  return Prefix(*a, length);
}

timespec at(time_t sec, long nsec = 0) { return timespec{sec, nsec}; }

std::string text(const timespec& t) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%lld.%09ld", static_cast<long long>(t.tv_sec), t.tv_nsec);
  return buf;
}

// A fresh directory under /tmp holding the tree root ("tree") and a place
// outside it ("outside"), removed with everything in it at the end.
class TempDir {
 public:
  TempDir() {
    REQUIRE(::mkdir(root().c_str(), 0700) == 0);
    REQUIRE(::mkdir(outside().c_str(), 0700) == 0);
  }
  const std::string& path() const { return dir_.path(); }
  std::string root() const { return dir_ / "tree"; }
  std::string outside() const { return dir_ / "outside"; }
  std::string in_tree(std::string_view relative) const { return root() + "/" + std::string(relative); }

 private:
  jgl_test::TempDir dir_{"jgl-store-test"};
};

bool exists(const std::string& path) {
  struct stat st;
  return ::lstat(path.c_str(), &st) == 0;
}

struct stat lstat_of(const std::string& path) {
  struct stat st {};
  INFO("lstat " << path);
  REQUIRE(::lstat(path.c_str(), &st) == 0);
  return st;
}

void make_dirs(const std::string& path) { std::filesystem::create_directories(path); }

void make_file(const std::string& path) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  INFO("creating " << path);
  REQUIRE(fd >= 0);
  ::close(fd);
}

void set_times(const std::string& path, timespec atime, timespec mtime) {
  const timespec times[2] = {atime, mtime};
  REQUIRE(::utimensat(AT_FDCWD, path.c_str(), times, AT_SYMLINK_NOFOLLOW) == 0);
}

TreeStore open_tree(const std::string& root, jgl::Filesystem& fs = jgl::system_filesystem()) {
  auto store = TreeStore::open(root.c_str(), fs);
  INFO("opening " << root);
  REQUIRE(store.has_value());
  return std::move(*store);
}

int fail_with(int e) {
  errno = e;
  return -1;
}

// The real system calls, each replaceable by a hook, and a record of the
// descriptors the store holds so that leaks show.
class FaultyFilesystem : public jgl::Filesystem {
 public:
  std::function<int(int dirfd, const char* path, int flags, mode_t mode)> on_open_beneath;
  std::function<int(int dirfd, const char* path, int flags, mode_t mode)> on_openat;
  std::function<int(int dirfd, const char* path, mode_t mode)> on_mkdirat;
  std::function<int(int fd, struct stat* st)> on_fstat;
  std::function<int(int fd, const timespec times[2])> on_futimens;

  // lookup_calls: open_beneath of an entry, neither creating nor a directory.
  int open_beneath_calls = 0, lookup_calls = 0, openat_calls = 0, mkdirat_calls = 0, futimens_calls = 0, close_calls = 0;
  std::set<int> open_fds;

  int open(const char* path, int flags) override { return track(Filesystem::open(path, flags)); }
  int open_beneath(int dirfd, const char* path, int flags, mode_t mode) override {
    ++open_beneath_calls;
    if ((flags & (O_CREAT | O_DIRECTORY)) == 0) ++lookup_calls;
    return track(on_open_beneath ? on_open_beneath(dirfd, path, flags, mode)
                                 : Filesystem::open_beneath(dirfd, path, flags, mode));
  }
  int openat(int dirfd, const char* path, int flags, mode_t mode) override {
    ++openat_calls;
    return track(on_openat ? on_openat(dirfd, path, flags, mode) : real_openat(dirfd, path, flags, mode));
  }
  int mkdirat(int dirfd, const char* path, mode_t mode) override {
    ++mkdirat_calls;
    return on_mkdirat ? on_mkdirat(dirfd, path, mode) : Filesystem::mkdirat(dirfd, path, mode);
  }
  int fstat(int fd, struct stat* st) override { return on_fstat ? on_fstat(fd, st) : Filesystem::fstat(fd, st); }
  int futimens(int fd, const timespec times[2]) override {
    ++futimens_calls;
    return on_futimens ? on_futimens(fd, times) : Filesystem::futimens(fd, times);
  }
  int close(int fd) override {
    ++close_calls;
    open_fds.erase(fd);
    return Filesystem::close(fd);
  }

  int real_openat(int dirfd, const char* path, int flags, mode_t mode) {
    return Filesystem::openat(dirfd, path, flags, mode);
  }
  int real_open_beneath(int dirfd, const char* path, int flags, mode_t mode) {
    return Filesystem::open_beneath(dirfd, path, flags, mode);
  }
  // Descriptors still open besides the store's root.
  std::size_t leaked(const TreeStore& store) const {
    return open_fds.size() - (open_fds.count(store.root().fd) ? 1u : 0u);
  }

 private:
  int track(int fd) {
    int saved = errno;
    if (fd >= 0) open_fds.insert(fd);
    errno = saved;
    return fd;
  }
};

// The store's error for observing `key` at `now`, or "" when it succeeded.
struct Failure {
  std::string message;
  int sys_errno = 0;
};

Failure failure(TreeStore& store, const Prefix& k, timespec now = at(1700000000)) {
  auto seen = store.observe(jgl::Key(k), now);
  if (seen) return {"", 0};
  return {seen.error().message, seen.error().sys_errno};
}

}  // namespace

// --- TreeStore on disk ------------------------------------------------------

TEST_CASE("TreeStore::open fails on a missing path naming it", "[store]") {
  TempDir tmp;
  std::string missing = tmp.path() + "/missing";
  auto store = TreeStore::open(missing.c_str());
  REQUIRE_FALSE(store.has_value());
  REQUIRE(store.error().sys_errno == ENOENT);
  REQUIRE(store.error().message == missing + ": " + std::strerror(ENOENT));
}

TEST_CASE("TreeStore::open fails on a file", "[store]") {
  TempDir tmp;
  std::string file = tmp.path() + "/file";
  make_file(file);
  auto store = TreeStore::open(file.c_str());
  REQUIRE_FALSE(store.has_value());
  REQUIRE(store.error().sys_errno == ENOTDIR);
  REQUIRE(store.error().message == file + ": not a directory");
}

TEST_CASE("observe creates a new entry with mtime and atime at now", "[store]") {
  TempDir tmp;
  TreeStore store = open_tree(tmp.root());
  const timespec now = at(1700000000, 123456789);
  auto seen = store.observe(jgl::Key(key("127.0.0.1", 24)), now);
  REQUIRE(seen.has_value());
  REQUIRE(seen->created);
  REQUIRE(text(seen->first_seen) == text(now));
  REQUIRE(text(seen->last_seen) == text(now));

  struct stat st = lstat_of(tmp.in_tree("ip4/127/000/000"));
  REQUIRE(S_ISREG(st.st_mode));
  REQUIRE(st.st_size == 0);
  REQUIRE((st.st_mode & 07777) == 0600);
  REQUIRE(text(st.st_mtim) == text(now));
  REQUIRE(text(st.st_atim) == text(now));
}

TEST_CASE("observe creates directories with mode 0700", "[store]") {
  TempDir tmp;
  TreeStore store = open_tree(tmp.root());
  REQUIRE(store.observe(jgl::Key(key("127.0.0.1", 32)), at(1700000000)).has_value());
  for (const char* dir : {"ip4", "ip4/127", "ip4/127/000", "ip4/127/000/000"}) {
    CAPTURE(dir);
    struct stat st = lstat_of(tmp.in_tree(dir));
    REQUIRE(S_ISDIR(st.st_mode));
    REQUIRE((st.st_mode & 07777) == 0700);
  }
  REQUIRE(S_ISREG(lstat_of(tmp.in_tree("ip4/127/000/000/001")).st_mode));
}

TEST_CASE("observe of a known entry returns its first sight and updates only atime", "[store]") {
  TempDir tmp;
  TreeStore store = open_tree(tmp.root());
  const Prefix k = key("192.0.2.9", 24);
  const timespec first = at(1700000000, 5), second = at(1700000100, 7), third = at(1700000500, 9);
  REQUIRE(store.observe(jgl::Key(k), first).has_value());

  auto seen = store.observe(jgl::Key(k), second);
  REQUIRE(seen.has_value());
  REQUIRE_FALSE(seen->created);
  REQUIRE(text(seen->first_seen) == text(first));
  REQUIRE(text(seen->last_seen) == text(first));
  struct stat st = lstat_of(tmp.in_tree("ip4/192/000/002"));
  REQUIRE(text(st.st_mtim) == text(first));
  REQUIRE(text(st.st_atim) == text(second));

  seen = store.observe(jgl::Key(k), third);
  REQUIRE(seen.has_value());
  REQUIRE_FALSE(seen->created);
  REQUIRE(text(seen->first_seen) == text(first));
  REQUIRE(text(seen->last_seen) == text(second));
  st = lstat_of(tmp.in_tree("ip4/192/000/002"));
  REQUIRE(text(st.st_mtim) == text(first));
  REQUIRE(text(st.st_atim) == text(third));
}

TEST_CASE("observe finds an entry made by another process", "[store]") {
  TempDir tmp;
  make_dirs(tmp.in_tree("ip4/127/000"));
  make_file(tmp.in_tree("ip4/127/000/000"));
  set_times(tmp.in_tree("ip4/127/000/000"), at(1600000200), at(1600000000));
  TreeStore store = open_tree(tmp.root());
  auto seen = store.observe(jgl::Key(key("127.0.0.55", 24)), at(1600000000 + 30 * 86400));
  REQUIRE(seen.has_value());
  REQUIRE_FALSE(seen->created);
  REQUIRE(text(seen->first_seen) == text(at(1600000000)));
  REQUIRE(text(seen->last_seen) == text(at(1600000200)));
}

TEST_CASE("observe starts an entry past its retry window over, as Redis forgets it", "[store]") {
  TempDir tmp;
  make_dirs(tmp.in_tree("ip4/127/000"));
  TreeStore store = open_tree(tmp.root());
  jgl::ExpiryPolicy policy;  // pending 1 day, validated 35 days after last seen, hold time 120 s
  store.set_expiry(policy);
  const long first = 1600000000;
  struct Case {
    const char* what;
    long last, now;
    bool restarted;
  } cases[] = {
      {"pending, seen again within the pending age", first + 60, first + 86399, false},
      {"pending, seen again at the pending age", first + 60, first + 86400, true},
      {"pending, seen again a week later", first, first + 7 * 86400, true},
      {"validated, seen again within the max age", first + 300, first + 300 + 35 * 86400 - 1, false},
      {"validated, seen again past the max age", first + 300, first + 300 + 35 * 86400, true},
  };
  for (const Case& c : cases) {
    INFO(c.what);
    make_file(tmp.in_tree("ip4/127/000/000"));
    set_times(tmp.in_tree("ip4/127/000/000"), at(c.last), at(first));
    auto seen = store.observe(jgl::Key(key("127.0.0.55", 24)), at(c.now));
    REQUIRE(seen.has_value());
    CHECK(seen->created == c.restarted);
    CHECK(seen->restarted == c.restarted);
    struct stat st = lstat_of(tmp.in_tree("ip4/127/000/000"));
    CHECK(text(st.st_atim) == text(at(c.now)));
    CHECK(text(st.st_mtim) == text(at(c.restarted ? c.now : first)));
    CHECK(text(seen->first_seen) == text(at(c.restarted ? c.now : first)));
    REQUIRE(unlink(tmp.in_tree("ip4/127/000/000").c_str()) == 0);
  }
}

TEST_CASE("observe keeps IPv6 entries under ip6", "[store]") {
  TempDir tmp;
  TreeStore store = open_tree(tmp.root());
  auto seen = store.observe(jgl::Key(key("2001:470:1f0f:350::1", 64)), at(1700000000));
  REQUIRE(seen.has_value());
  REQUIRE(seen->created);
  struct stat st = lstat_of(tmp.in_tree("ip6/20/01/04/70/1f/0f/03/50"));
  REQUIRE(S_ISREG(st.st_mode));
  REQUIRE_FALSE(exists(tmp.in_tree("ip4")));
}

TEST_CASE("observe keeps a mapped client under ip4", "[store]") {
  TempDir tmp;
  TreeStore store = open_tree(tmp.root());
  REQUIRE(store.observe(jgl::Key(key("::ffff:127.0.0.1", 24)), at(1700000000)).has_value());
  REQUIRE(S_ISREG(lstat_of(tmp.in_tree("ip4/127/000/000")).st_mode));
  REQUIRE_FALSE(exists(tmp.in_tree("ip6")));
}

TEST_CASE("observe of a /0 key makes a single entry", "[store]") {
  TempDir tmp;
  TreeStore store = open_tree(tmp.root());
  REQUIRE(store.observe(jgl::Key(key("198.51.100.1", 0)), at(1700000000)).has_value());
  REQUIRE(S_ISREG(lstat_of(tmp.in_tree("ip4/000")).st_mode));
  auto again = store.observe(jgl::Key(key("203.0.113.1", 0)), at(1700000001));
  REQUIRE(again.has_value());
  REQUIRE_FALSE(again->created);
}

TEST_CASE("neighbouring keys share their directories", "[store]") {
  TempDir tmp;
  TreeStore store = open_tree(tmp.root());
  REQUIRE(store.observe(jgl::Key(key("127.0.0.1", 24)), at(1700000000))->created);
  REQUIRE(store.observe(jgl::Key(key("127.0.1.1", 24)), at(1700000000))->created);
  REQUIRE(store.observe(jgl::Key(key("127.1.0.1", 24)), at(1700000000))->created);
  REQUIRE(S_ISREG(lstat_of(tmp.in_tree("ip4/127/000/000")).st_mode));
  REQUIRE(S_ISREG(lstat_of(tmp.in_tree("ip4/127/000/001")).st_mode));
  REQUIRE(S_ISREG(lstat_of(tmp.in_tree("ip4/127/001/000")).st_mode));
}

TEST_CASE("the tree root itself may be reached through a symlink", "[store]") {
  TempDir tmp;
  std::string link = tmp.path() + "/root-link";
  REQUIRE(::symlink(tmp.root().c_str(), link.c_str()) == 0);
  TreeStore store = open_tree(link);
  REQUIRE(store.observe(jgl::Key(key("127.0.0.1", 24)), at(1700000000)).has_value());
  REQUIRE(S_ISREG(lstat_of(tmp.in_tree("ip4/127/000/000")).st_mode));
}

TEST_CASE("a symlinked ip4 directory is an error and nothing is created outside", "[store][symlink]") {
  TempDir tmp;
  REQUIRE(::symlink(tmp.outside().c_str(), tmp.in_tree("ip4").c_str()) == 0);
  TreeStore store = open_tree(tmp.root());
  Failure f = failure(store, key("127.0.0.1", 24));
  REQUIRE(f.message == "open ip4/127/000/000: symlink in the tree, not followed");
  REQUIRE(f.sys_errno == ELOOP);
  REQUIRE(std::filesystem::is_empty(tmp.outside()));
}

TEST_CASE("a symlinked level directory is an error and nothing is created outside", "[store][symlink]") {
  TempDir tmp;
  make_dirs(tmp.in_tree("ip4"));
  REQUIRE(::symlink(tmp.outside().c_str(), tmp.in_tree("ip4/127").c_str()) == 0);
  TreeStore store = open_tree(tmp.root());
  Failure f = failure(store, key("127.0.0.1", 24));
  REQUIRE(f.message == "open ip4/127/000/000: symlink in the tree, not followed");
  REQUIRE(f.sys_errno == ELOOP);
  REQUIRE(std::filesystem::is_empty(tmp.outside()));
}

TEST_CASE("a dangling symlink in the tree is an error and its target is not created", "[store][symlink]") {
  TempDir tmp;
  make_dirs(tmp.in_tree("ip4/127"));
  std::string target = tmp.outside() + "/made";
  REQUIRE(::symlink(target.c_str(), tmp.in_tree("ip4/127/000").c_str()) == 0);
  TreeStore store = open_tree(tmp.root());
  Failure f = failure(store, key("127.0.0.1", 24));
  REQUIRE(f.message == "open ip4/127/000/000: symlink in the tree, not followed");
  REQUIRE_FALSE(exists(target));
  REQUIRE(std::filesystem::is_empty(tmp.outside()));
}

TEST_CASE("a symlinked entry is an error and its target is not touched", "[store][symlink]") {
  TempDir tmp;
  make_dirs(tmp.in_tree("ip4/127/000"));
  std::string target = tmp.outside() + "/file";
  make_file(target);
  set_times(target, at(1000), at(1000));
  REQUIRE(::symlink(target.c_str(), tmp.in_tree("ip4/127/000/000").c_str()) == 0);
  TreeStore store = open_tree(tmp.root());
  Failure f = failure(store, key("127.0.0.1", 24));
  REQUIRE(f.message == "open ip4/127/000/000: symlink in the tree, not followed");
  struct stat st = lstat_of(target);
  REQUIRE(text(st.st_atim) == text(at(1000)));
  REQUIRE(text(st.st_mtim) == text(at(1000)));
}

// --- keys of different lengths in one tree -----------------------------------

TEST_CASE("a shorter key's entry on a longer key's path answers for it", "[store][mixed]") {
  TempDir tmp;
  make_dirs(tmp.in_tree("ip4/192/000"));
  make_file(tmp.in_tree("ip4/192/000/002"));  // 192.0.2.0/24
  set_times(tmp.in_tree("ip4/192/000/002"), at(1000), at(900));
  TreeStore store = open_tree(tmp.root());
  auto seen = store.observe(jgl::Key(key("192.0.2.7", 32)), at(2000));
  REQUIRE(seen.has_value());
  CHECK_FALSE(seen->created);
  CHECK(text(seen->first_seen) == text(at(900)));
  CHECK(text(seen->last_seen) == text(at(1000)));
  struct stat st = lstat_of(tmp.in_tree("ip4/192/000/002"));
  CHECK(S_ISREG(st.st_mode));
  CHECK(text(st.st_atim) == text(at(2000)));
  CHECK(text(st.st_mtim) == text(at(900)));
  auto found = store.find(jgl::Key(key("192.0.2.7", 32)));
  REQUIRE(found.has_value());
  REQUIRE(found->has_value());
  CHECK((*found)->key == jgl::Key(key("192.0.2.7", 24)));
}

TEST_CASE("an IPv6 /48 key under a /32 entry is judged by it; a /128 too", "[store][mixed]") {
  TempDir tmp;
  TreeStore store = open_tree(tmp.root());
  REQUIRE(store.observe(jgl::Key(key("2001:db8::1", 32)), at(1000))->created);
  auto by48 = store.observe(jgl::Key(key("2001:db8:0:0:aa::", 48)), at(1100));
  REQUIRE(by48.has_value());
  CHECK_FALSE(by48->created);
  CHECK(text(by48->first_seen) == text(at(1000)));
  auto by128 = store.observe(jgl::Key(key("2001:db8::5", 128)), at(1200));
  REQUIRE(by128.has_value());
  CHECK_FALSE(by128->created);
  CHECK(S_ISREG(lstat_of(tmp.in_tree("ip6/20/01/0d/b8")).st_mode));
}

TEST_CASE("a key whose path is a directory of longer keys keeps its entry inside it", "[store][mixed]") {
  TempDir tmp;
  TreeStore store = open_tree(tmp.root());
  REQUIRE(store.observe(jgl::Key(key("2001:db8::1", 128)), at(1000))->created);
  auto first = store.observe(jgl::Key(key("2001:db8:0:0:aa::", 48)), at(1100));
  REQUIRE(first.has_value());
  CHECK(first->created);
  CHECK(S_ISREG(lstat_of(tmp.in_tree("ip6/20/01/0d/b8/00/00/net")).st_mode));
  auto again = store.observe(jgl::Key(key("2001:db8:0:0:bb::", 48)), at(1200));
  REQUIRE(again.has_value());
  CHECK_FALSE(again->created);
  CHECK(text(again->first_seen) == text(at(1100)));
  auto shorter = store.observe(jgl::Key(key("2001:db8::", 32)), at(1300));
  REQUIRE(shorter.has_value());
  CHECK(shorter->created);
  CHECK(S_ISREG(lstat_of(tmp.in_tree("ip6/20/01/0d/b8/net")).st_mode));
  // The /128 still has its own entry, untouched.
  auto own = store.observe(jgl::Key(key("2001:db8::1", 128)), at(1400));
  REQUIRE(own.has_value());
  CHECK_FALSE(own->created);
  CHECK(text(own->first_seen) == text(at(1000)));
  auto found = store.find(jgl::Key(key("2001:db8::", 32)));
  REQUIRE(found.has_value());
  REQUIRE(found->has_value());
  CHECK((*found)->key == jgl::Key(key("2001:db8::", 32)));
  CHECK(text((*found)->first_seen) == text(at(1300)));
}

TEST_CASE("in IPv4, a /24 beside a /32 of its network, in either order", "[store][mixed]") {
  TempDir tmp;
  TreeStore store = open_tree(tmp.root());
  REQUIRE(store.observe(jgl::Key(key("192.0.2.7", 32)), at(1000))->created);
  REQUIRE(store.observe(jgl::Key(key("192.0.2.9", 24)), at(1100))->created);
  CHECK(S_ISREG(lstat_of(tmp.in_tree("ip4/192/000/002/007")).st_mode));
  CHECK(S_ISREG(lstat_of(tmp.in_tree("ip4/192/000/002/net")).st_mode));
  REQUIRE(store.observe(jgl::Key(key("198.51.100.9", 24)), at(1000))->created);
  auto covered = store.observe(jgl::Key(key("198.51.100.7", 32)), at(1100));
  REQUIRE(covered.has_value());
  CHECK_FALSE(covered->created);
  CHECK(S_ISREG(lstat_of(tmp.in_tree("ip4/198/051/100")).st_mode));
}

TEST_CASE("set_times and forget touch only the key's own entry", "[store][mixed]") {
  TempDir tmp;
  TreeStore store = open_tree(tmp.root());
  REQUIRE(store.observe(jgl::Key(key("192.0.2.9", 24)), at(1000))->created);
  auto set = store.set_times(jgl::Entry{jgl::Key(key("192.0.2.7", 32)), at(500), at(600)});
  REQUIRE_FALSE(set.has_value());
  CHECK(set.error().message == "ip4/192/000/002/007: the entry ip4/192/000/002 of a shorter key stands on its path");
  auto forgotten = store.forget(jgl::Key(key("192.0.2.7", 32)));
  REQUIRE(forgotten.has_value());
  CHECK_FALSE(*forgotten);
  CHECK(S_ISREG(lstat_of(tmp.in_tree("ip4/192/000/002")).st_mode));
  // Inside a directory: set, then forgotten.
  REQUIRE(store.observe(jgl::Key(key("203.0.113.5", 32)), at(1000))->created);
  REQUIRE(store.set_times(jgl::Entry{jgl::Key(key("203.0.113.0", 24)), at(500), at(600)}).has_value());
  struct stat st = lstat_of(tmp.in_tree("ip4/203/000/113/net"));
  CHECK(text(st.st_mtim) == text(at(500)));
  CHECK(text(st.st_atim) == text(at(600)));
  auto removed = store.forget(jgl::Key(key("203.0.113.0", 24)));
  REQUIRE(removed.has_value());
  CHECK(*removed);
  CHECK(S_ISREG(lstat_of(tmp.in_tree("ip4/203/000/113/005")).st_mode));
  CHECK_FALSE(std::filesystem::exists(tmp.in_tree("ip4/203/000/113/net")));
}

TEST_CASE("a directory where a /32 entry should be is an error", "[store]") {
  TempDir tmp;
  make_dirs(tmp.in_tree("ip4/127/000/000/001"));
  TreeStore store = open_tree(tmp.root());
  Failure f = failure(store, key("127.0.0.1", 32));
  REQUIRE(f.message == "open ip4/127/000/000/001: not a regular file");
  REQUIRE(S_ISDIR(lstat_of(tmp.in_tree("ip4/127/000/000/001")).st_mode));
}

TEST_CASE("a directory named net where an entry should be is an error", "[store]") {
  TempDir tmp;
  make_dirs(tmp.in_tree("ip4/127/000/000/net"));
  TreeStore store = open_tree(tmp.root());
  Failure f = failure(store, key("127.0.0.1", 24));
  REQUIRE(f.message == "open ip4/127/000/000/net: not a regular file");
}

TEST_CASE("a symlink to the filesystem's root is refused before anything is written", "[store]") {
  TempDir tmp;
  std::string link = tmp.outside() + "/slash";
  REQUIRE(::symlink("/", link.c_str()) == 0);
  TreeStore store = open_tree(link);
  Failure f = failure(store, key("198.18.0.1", 24));
  REQUIRE(f.message == link + ": the filesystem's root, refused as the tree");
  auto refused = store.refuse_filesystem_root();
  REQUIRE_FALSE(refused.has_value());
  CHECK(refused.error().message == "the filesystem's root, refused as the tree");
  CHECK_FALSE(refused.error().temporary);
  CHECK_FALSE(std::filesystem::exists("/ip4/198"));
}

TEST_CASE("a fifo where the entry should be is an error and does not block", "[store]") {
  TempDir tmp;
  make_dirs(tmp.in_tree("ip4/127/000"));
  REQUIRE(::mkfifo(tmp.in_tree("ip4/127/000/000").c_str(), 0600) == 0);
  TreeStore store = open_tree(tmp.root());
  Failure f = failure(store, key("127.0.0.1", 24));
  REQUIRE(f.message == "open ip4/127/000/000: not a regular file");
}

TEST_CASE("a moved store closes its root once", "[store]") {
  TempDir tmp;
  FaultyFilesystem fs;
  {
    auto opened = TreeStore::open(tmp.root().c_str(), fs);
    REQUIRE(opened.has_value());
    TreeStore moved(std::move(*opened));
    REQUIRE(moved.root().fd >= 0);
    REQUIRE(opened->root().fd == -1);
    REQUIRE(&moved.filesystem() == &fs);
    REQUIRE(moved.observe(jgl::Key(key("127.0.0.1", 24)), at(1700000000)).has_value());
  }
  REQUIRE(fs.open_fds.empty());
}

// --- Faults through the Filesystem seam -------------------------------------

TEST_CASE("a failing mkdir is an error with its errno naming the path", "[store][fault]") {
  for (int e : {EACCES, ENOSPC, EROFS, EIO, EDQUOT}) {
    CAPTURE(e);
    TempDir tmp;
    FaultyFilesystem fs;
    fs.on_mkdirat = [e](int, const char*, mode_t) { return fail_with(e); };
    TreeStore store = open_tree(tmp.root(), fs);
    Failure f = failure(store, key("127.0.0.1", 24));
    REQUIRE(f.sys_errno == e);
    REQUIRE(f.message == std::string("mkdir ip4/127/000/000: ") + std::strerror(e));
    REQUIRE(fs.leaked(store) == 0);
    REQUIRE(std::filesystem::is_empty(tmp.root()));
  }
}

TEST_CASE("a mkdir failing deep in the tree is an error naming the path", "[store][fault]") {
  TempDir tmp;
  FaultyFilesystem fs;
  fs.on_mkdirat = [&fs](int dirfd, const char* path, mode_t mode) {
    if (fs.mkdirat_calls == 3) return fail_with(ENOSPC);
    return ::mkdirat(dirfd, path, mode);
  };
  TreeStore store = open_tree(tmp.root(), fs);
  Failure f = failure(store, key("2001:db8::1", 64));
  REQUIRE(f.sys_errno == ENOSPC);
  REQUIRE(f.message == std::string("mkdir ip6/20/01/0d/b8/00/00/00/00: ") + std::strerror(ENOSPC));
  REQUIRE(fs.leaked(store) == 0);
  REQUIRE(exists(tmp.in_tree("ip6/20")));
  REQUIRE_FALSE(exists(tmp.in_tree("ip6/20/01")));
}

TEST_CASE("a failing open of the entry is an error and nothing is created", "[store][fault]") {
  for (int e : {EACCES, EIO, EMFILE}) {
    CAPTURE(e);
    TempDir tmp;
    FaultyFilesystem fs;
    fs.on_open_beneath = [e](int, const char*, int, mode_t) { return fail_with(e); };
    TreeStore store = open_tree(tmp.root(), fs);
    Failure f = failure(store, key("127.0.0.1", 24));
    REQUIRE(f.sys_errno == e);
    REQUIRE(f.message == std::string("open ip4/127/000/000: ") + std::strerror(e));
    REQUIRE(fs.mkdirat_calls == 0);
    REQUIRE(std::filesystem::is_empty(tmp.root()));
  }
}

TEST_CASE("a failing open of a directory being made is an error", "[store][fault]") {
  TempDir tmp;
  FaultyFilesystem fs;
  fs.on_openat = [&fs](int dirfd, const char* path, int flags, mode_t mode) {
    if (flags & O_DIRECTORY) return fail_with(EACCES);
    return fs.real_openat(dirfd, path, flags, mode);
  };
  TreeStore store = open_tree(tmp.root(), fs);
  Failure f = failure(store, key("127.0.0.1", 24));
  REQUIRE(f.sys_errno == EACCES);
  REQUIRE(f.message == std::string("open ip4/127/000/000: ") + std::strerror(EACCES));
  REQUIRE(fs.leaked(store) == 0);
}

TEST_CASE("a failing create of the entry is an error naming the path", "[store][fault]") {
  for (int e : {EACCES, ENOSPC, EROFS, EIO}) {
    CAPTURE(e);
    TempDir tmp;
    FaultyFilesystem fs;
    fs.on_open_beneath = [&fs, e](int dirfd, const char* path, int flags, mode_t mode) {
      if (flags & O_CREAT) return fail_with(e);
      return fs.real_open_beneath(dirfd, path, flags, mode);
    };
    TreeStore store = open_tree(tmp.root(), fs);
    Failure f = failure(store, key("127.0.0.1", 24));
    REQUIRE(f.sys_errno == e);
    REQUIRE(f.message == std::string("create ip4/127/000/000: ") + std::strerror(e));
    REQUIRE(fs.leaked(store) == 0);
    REQUIRE_FALSE(exists(tmp.in_tree("ip4/127/000/000")));
  }
}

TEST_CASE("a failing touch of a new entry is an error", "[store][fault]") {
  TempDir tmp;
  FaultyFilesystem fs;
  fs.on_futimens = [](int, const timespec*) { return fail_with(EIO); };
  TreeStore store = open_tree(tmp.root(), fs);
  Failure f = failure(store, key("127.0.0.1", 24));
  REQUIRE(f.sys_errno == EIO);
  REQUIRE(f.message == std::string("touch ip4/127/000/000: ") + std::strerror(EIO));
  REQUIRE(fs.leaked(store) == 0);
  // The client is deferred: the entry it was not told about is taken back.
  REQUIRE_FALSE(exists(tmp.in_tree("ip4/127/000/000")));
}

TEST_CASE("a failing touch of a known entry is an error", "[store][fault]") {
  TempDir tmp;
  {
    TreeStore plain = open_tree(tmp.root());
    REQUIRE(plain.observe(jgl::Key(key("127.0.0.1", 24)), at(1700000000)).has_value());
  }
  FaultyFilesystem fs;
  fs.on_futimens = [](int, const timespec*) { return fail_with(EROFS); };
  TreeStore store = open_tree(tmp.root(), fs);
  Failure f = failure(store, key("127.0.0.1", 24), at(1700000300));
  REQUIRE(f.sys_errno == EROFS);
  REQUIRE(f.message == std::string("touch ip4/127/000/000: ") + std::strerror(EROFS));
  REQUIRE(fs.leaked(store) == 0);
  REQUIRE(text(lstat_of(tmp.in_tree("ip4/127/000/000")).st_atim) == text(at(1700000000)));
}

TEST_CASE("a failing stat of a known entry is an error", "[store][fault]") {
  TempDir tmp;
  {
    TreeStore plain = open_tree(tmp.root());
    REQUIRE(plain.observe(jgl::Key(key("127.0.0.1", 24)), at(1700000000)).has_value());
  }
  FaultyFilesystem fs;
  fs.on_fstat = [](int, struct stat*) { return fail_with(EIO); };
  TreeStore store = open_tree(tmp.root(), fs);
  Failure f = failure(store, key("127.0.0.1", 24));
  REQUIRE(f.sys_errno == EIO);
  REQUIRE(f.message == std::string("stat ip4/127/000/000: ") + std::strerror(EIO));
  REQUIRE(fs.leaked(store) == 0);
}

TEST_CASE("a directory removed between mkdir and open is retried", "[store][fault][race]") {
  TempDir tmp;
  FaultyFilesystem fs;
  int removed = 0;
  // The cleaner removes the empty ip4/127 right after we made it.
  fs.on_openat = [&](int dirfd, const char* path, int flags, mode_t mode) {
    if ((flags & O_DIRECTORY) && removed == 0 && std::string(path) == "127") {
      ++removed;
      REQUIRE(::unlinkat(dirfd, path, AT_REMOVEDIR) == 0);
    }
    return fs.real_openat(dirfd, path, flags, mode);
  };
  TreeStore store = open_tree(tmp.root(), fs);
  auto seen = store.observe(jgl::Key(key("127.0.0.1", 24)), at(1700000000));
  REQUIRE(seen.has_value());
  REQUIRE(seen->created);
  REQUIRE(removed == 1);
  REQUIRE(fs.lookup_calls == 2);
  REQUIRE(S_ISREG(lstat_of(tmp.in_tree("ip4/127/000/000")).st_mode));
  REQUIRE(fs.leaked(store) == 0);
}

TEST_CASE("an open failing with ENOENT once is retried", "[store][fault][race]") {
  TempDir tmp;
  FaultyFilesystem fs;
  bool failed = false;
  fs.on_openat = [&](int dirfd, const char* path, int flags, mode_t mode) {
    if ((flags & O_DIRECTORY) && !failed) {
      failed = true;
      return fail_with(ENOENT);
    }
    return fs.real_openat(dirfd, path, flags, mode);
  };
  TreeStore store = open_tree(tmp.root(), fs);
  auto seen = store.observe(jgl::Key(key("127.0.0.1", 24)), at(1700000000));
  REQUIRE(seen.has_value());
  REQUIRE(seen->created);
  REQUIRE(failed);
  REQUIRE(S_ISREG(lstat_of(tmp.in_tree("ip4/127/000/000")).st_mode));
  REQUIRE(fs.leaked(store) == 0);
}

TEST_CASE("a mkdir failing with ENOENT once is retried", "[store][fault][race]") {
  TempDir tmp;
  FaultyFilesystem fs;
  fs.on_mkdirat = [&fs](int dirfd, const char* path, mode_t mode) {
    if (fs.mkdirat_calls == 2) return fail_with(ENOENT);
    return ::mkdirat(dirfd, path, mode);
  };
  TreeStore store = open_tree(tmp.root(), fs);
  auto seen = store.observe(jgl::Key(key("127.0.0.1", 24)), at(1700000000));
  REQUIRE(seen.has_value());
  REQUIRE(seen->created);
  REQUIRE(S_ISREG(lstat_of(tmp.in_tree("ip4/127/000/000")).st_mode));
  REQUIRE(fs.leaked(store) == 0);
}

TEST_CASE("a create failing with ENOENT once is retried", "[store][fault][race]") {
  TempDir tmp;
  make_dirs(tmp.in_tree("ip4/127/000"));
  FaultyFilesystem fs;
  bool failed = false;
  fs.on_open_beneath = [&](int dirfd, const char* path, int flags, mode_t mode) {
    if ((flags & O_CREAT) && !failed) {
      failed = true;
      return fail_with(ENOENT);
    }
    return fs.real_open_beneath(dirfd, path, flags, mode);
  };
  TreeStore store = open_tree(tmp.root(), fs);
  auto seen = store.observe(jgl::Key(key("127.0.0.1", 24)), at(1700000000));
  REQUIRE(seen.has_value());
  REQUIRE(seen->created);
  REQUIRE(failed);
  REQUIRE(fs.leaked(store) == 0);
}

TEST_CASE("a concurrent creator of the entry is retried and the entry is known", "[store][fault][race]") {
  TempDir tmp;
  FaultyFilesystem fs;
  const timespec theirs = at(1699999990, 42), ours = at(1700000000, 7);
  bool raced = false;
  // Another jgreylist creates the entry between our lookup and our O_EXCL.
  fs.on_open_beneath = [&](int dirfd, const char* path, int flags, mode_t mode) {
    int fd = fs.real_open_beneath(dirfd, path, flags, mode);
    if ((flags & O_CREAT) && fd >= 0 && !raced) {
      raced = true;
      const timespec times[2] = {theirs, theirs};
      REQUIRE(::futimens(fd, times) == 0);
      ::close(fd);
      return fail_with(EEXIST);
    }
    return fd;
  };
  TreeStore store = open_tree(tmp.root(), fs);
  auto seen = store.observe(jgl::Key(key("127.0.0.1", 24)), ours);
  REQUIRE(seen.has_value());
  REQUIRE(raced);
  REQUIRE_FALSE(seen->created);
  REQUIRE(text(seen->first_seen) == text(theirs));
  REQUIRE(text(seen->last_seen) == text(theirs));
  struct stat st = lstat_of(tmp.in_tree("ip4/127/000/000"));
  REQUIRE(text(st.st_mtim) == text(theirs));
  REQUIRE(text(st.st_atim) == text(ours));
  REQUIRE(fs.leaked(store) == 0);
}

TEST_CASE("an endless race gives up with EAGAIN naming the path", "[store][fault][race]") {
  TempDir tmp;
  FaultyFilesystem fs;
  // The entry's directory removed again and again before the entry is made.
  fs.on_open_beneath = [&fs](int dirfd, const char* path, int flags, mode_t mode) {
    if (flags & O_CREAT) return fail_with(ENOENT);
    return fs.real_open_beneath(dirfd, path, flags, mode);
  };
  TreeStore store = open_tree(tmp.root(), fs);
  Failure f = failure(store, key("127.0.0.1", 24));
  REQUIRE(f.sys_errno == EAGAIN);
  REQUIRE(f.message == "create ip4/127/000/000: gave up after 64 attempts racing with other processes");
  REQUIRE(fs.lookup_calls == 64);
  REQUIRE(fs.leaked(store) == 0);
}

TEST_CASE("a root removed under the store is an error, not an endless race", "[store][race]") {
  TempDir tmp;
  TreeStore store = open_tree(tmp.root());
  REQUIRE(::rmdir(tmp.root().c_str()) == 0);
  Failure f = failure(store, key("127.0.0.1", 24));
  REQUIRE(f.sys_errno == ENOENT);
  REQUIRE(f.message == std::string("mkdir ip4/127/000/000: ") + std::strerror(ENOENT));
}

// --- Creating an entry: one call in a tree in use -----------------------------

TEST_CASE("a new entry beside others is made in one call beneath the root", "[store][create]") {
  TempDir tmp;
  FaultyFilesystem fs;
  TreeStore store = open_tree(tmp.root(), fs);
  REQUIRE(store.observe(jgl::Key(key("127.0.0.1", 24)), at(1700000000)).has_value());
  fs.open_beneath_calls = fs.openat_calls = fs.mkdirat_calls = 0;
  auto seen = store.observe(jgl::Key(key("127.0.1.1", 24)), at(1700000001));
  REQUIRE(seen.has_value());
  REQUIRE(seen->created);
  CHECK(fs.open_beneath_calls == 2);  // the lookup, the create
  CHECK(fs.openat_calls == 0);
  CHECK(fs.mkdirat_calls == 0);
  struct stat st = lstat_of(tmp.in_tree("ip4/127/000/001"));
  CHECK((st.st_mode & 07777) == 0600);
  CHECK(text(st.st_mtim) == text(at(1700000001)));
  CHECK(fs.leaked(store) == 0);
}

TEST_CASE("only the missing levels are made, from the deepest that exists", "[store][create]") {
  TempDir tmp;
  make_dirs(tmp.in_tree("ip4/127"));
  FaultyFilesystem fs;
  TreeStore store = open_tree(tmp.root(), fs);
  auto seen = store.observe(jgl::Key(key("127.1.2.3", 32)), at(1700000000));
  REQUIRE(seen.has_value());
  REQUIRE(seen->created);
  CHECK(fs.mkdirat_calls == 2);  // 001 and 002
  CHECK(fs.openat_calls == 1);   // 001, to make 002 in it
  for (const char* dir : {"ip4/127/001", "ip4/127/001/002"}) {
    CAPTURE(dir);
    CHECK((lstat_of(tmp.in_tree(dir)).st_mode & 07777) == 0700);
  }
  CHECK((lstat_of(tmp.in_tree("ip4/127/001/002/003")).st_mode & 07777) == 0600);
  CHECK(fs.leaked(store) == 0);
}

TEST_CASE("the entry's directory removed before the create is made again", "[store][create][race]") {
  TempDir tmp;
  make_dirs(tmp.in_tree("ip4/127/000"));
  FaultyFilesystem fs;
  bool removed = false;
  // A cleaner removes the empty ip4/127/000 between our lookup and create.
  fs.on_open_beneath = [&](int dirfd, const char* path, int flags, mode_t mode) {
    if ((flags & O_CREAT) && !removed) {
      removed = true;
      REQUIRE(::rmdir(tmp.in_tree("ip4/127/000").c_str()) == 0);
    }
    return fs.real_open_beneath(dirfd, path, flags, mode);
  };
  TreeStore store = open_tree(tmp.root(), fs);
  auto seen = store.observe(jgl::Key(key("127.0.0.1", 24)), at(1700000000));
  REQUIRE(seen.has_value());
  REQUIRE(seen->created);
  REQUIRE(removed);
  CHECK(fs.lookup_calls == 1);
  CHECK((lstat_of(tmp.in_tree("ip4/127/000")).st_mode & 07777) == 0700);
  CHECK(S_ISREG(lstat_of(tmp.in_tree("ip4/127/000/000")).st_mode));
  CHECK(fs.leaked(store) == 0);
}

TEST_CASE("a level removed while the missing ones are made is retried", "[store][create][race]") {
  TempDir tmp;
  make_dirs(tmp.in_tree("ip4/127"));
  FaultyFilesystem fs;
  bool removed = false;
  // A cleaner removes the empty ip4/127 after we opened it to make 000.
  fs.on_mkdirat = [&](int dirfd, const char* path, mode_t mode) {
    if (!removed && std::string(path) == "000") {
      removed = true;
      REQUIRE(::rmdir(tmp.in_tree("ip4/127").c_str()) == 0);
    }
    return ::mkdirat(dirfd, path, mode);
  };
  TreeStore store = open_tree(tmp.root(), fs);
  auto seen = store.observe(jgl::Key(key("127.0.0.1", 24)), at(1700000000));
  REQUIRE(seen.has_value());
  REQUIRE(seen->created);
  REQUIRE(removed);
  CHECK(fs.lookup_calls == 2);
  CHECK(S_ISREG(lstat_of(tmp.in_tree("ip4/127/000/000")).st_mode));
  CHECK(fs.leaked(store) == 0);
}

TEST_CASE("a shorter key's entry made on the path before the create answers for it", "[store][create][mixed]") {
  TempDir tmp;
  make_dirs(tmp.in_tree("ip4/127"));
  FaultyFilesystem fs;
  const timespec theirs = at(1699999990, 42);
  bool made = false;
  // Another jgreylist, keying 127.0.0.0/16, makes its entry just before our create.
  fs.on_open_beneath = [&](int dirfd, const char* path, int flags, mode_t mode) {
    if ((flags & O_CREAT) && !made) {
      made = true;
      make_file(tmp.in_tree("ip4/127/000"));
      set_times(tmp.in_tree("ip4/127/000"), theirs, theirs);
    }
    return fs.real_open_beneath(dirfd, path, flags, mode);
  };
  TreeStore store = open_tree(tmp.root(), fs);
  auto seen = store.observe(jgl::Key(key("127.0.0.1", 24)), at(1700000000));
  REQUIRE(seen.has_value());
  REQUIRE(made);
  CHECK_FALSE(seen->created);
  CHECK(text(seen->first_seen) == text(theirs));
  CHECK(S_ISREG(lstat_of(tmp.in_tree("ip4/127/000")).st_mode));
  CHECK(fs.leaked(store) == 0);
}

TEST_CASE("a shorter key's entry made on a missing level answers for it", "[store][create][mixed]") {
  TempDir tmp;
  make_dirs(tmp.in_tree("ip4/127"));
  FaultyFilesystem fs;
  const timespec theirs = at(1699999990, 42);
  bool made = false;
  // 127.0.0.0/16's entry appears as we look for the levels of a /32.
  fs.on_open_beneath = [&](int dirfd, const char* path, int flags, mode_t mode) {
    if ((flags & O_DIRECTORY) && !made) {
      made = true;
      make_file(tmp.in_tree("ip4/127/000"));
      set_times(tmp.in_tree("ip4/127/000"), theirs, theirs);
    }
    return fs.real_open_beneath(dirfd, path, flags, mode);
  };
  TreeStore store = open_tree(tmp.root(), fs);
  auto seen = store.observe(jgl::Key(key("127.0.0.1", 32)), at(1700000000));
  REQUIRE(seen.has_value());
  REQUIRE(made);
  CHECK_FALSE(seen->created);
  CHECK(text(seen->first_seen) == text(theirs));
  CHECK(fs.leaked(store) == 0);
}

TEST_CASE("a new triplet in a new directory makes that level only", "[store][create][triplet]") {
  TempDir tmp;
  FaultyFilesystem fs;
  TreeStore store = open_tree(tmp.root(), fs);
  auto client = key("192.0.2.1", 24);
  auto first = jgl::Key::triplet(client, "a@example.org", "b@example.net");
  REQUIRE(store.observe(first, at(1700000000)).has_value());
  // Another triplet under the same first level, in a second level of its own.
  std::string digest = first.digest();
  for (int i = 0;; ++i) {
    auto other = jgl::Key::triplet(client, "a@example.org", "r" + std::to_string(i) + "@example.net");
    std::string d = other.digest();
    if (d.substr(0, 2) != digest.substr(0, 2) || d.substr(2, 2) == digest.substr(2, 2)) continue;
    fs.mkdirat_calls = fs.openat_calls = 0;
    auto seen = store.observe(other, at(1700000001));
    REQUIRE(seen.has_value());
    CHECK(seen->created);
    CHECK(fs.mkdirat_calls == 1);
    CHECK(fs.openat_calls == 0);
    std::string dir = "triplet/" + d.substr(0, 2) + "/" + d.substr(2, 2);
    CHECK((lstat_of(tmp.in_tree(dir)).st_mode & 07777) == 0700);
    CHECK(S_ISREG(lstat_of(tmp.in_tree(dir + "/" + d.substr(4))).st_mode));
    break;
  }
  CHECK(fs.leaked(store) == 0);
}

namespace {

// The process's umask, unchanged.
mode_t current_umask() {
  mode_t m = ::umask(0);
  ::umask(m);
  return m;
}

}  // namespace

TEST_CASE("a umask that takes the owner's bits changes no mode, and is restored", "[store][create]") {
  TempDir tmp;
  mode_t before = ::umask(0277);
  TreeStore store = open_tree(tmp.root());
  // Every level made, then one, then none.
  for (const char* client : {"127.0.0.1", "127.1.0.1", "127.1.1.1"}) {
    CAPTURE(client);
    auto seen = store.observe(jgl::Key(key(client, 24)), at(1700000000));
    CHECK(current_umask() == 0277);
    REQUIRE(seen.has_value());
    REQUIRE(seen->created);
  }
  ::umask(before);
  for (const char* dir : {"ip4", "ip4/127", "ip4/127/000", "ip4/127/001"}) {
    CAPTURE(dir);
    CHECK((lstat_of(tmp.in_tree(dir)).st_mode & 07777) == 0700);
  }
  for (const char* entry : {"ip4/127/000/000", "ip4/127/001/000", "ip4/127/001/001"}) {
    CAPTURE(entry);
    CHECK((lstat_of(tmp.in_tree(entry)).st_mode & 07777) == 0600);
  }
}

TEST_CASE("a usual umask gives the same modes and is left as it was", "[store][create]") {
  for (mode_t mask : {mode_t{0}, mode_t{022}, mode_t{077}}) {
    CAPTURE(mask);
    TempDir tmp;
    mode_t before = ::umask(mask);
    TreeStore store = open_tree(tmp.root());
    for (const char* client : {"127.0.0.1", "127.1.0.1", "127.1.1.1"}) {
      REQUIRE(store.observe(jgl::Key(key(client, 24)), at(1700000000)).has_value());
      CHECK(current_umask() == mask);
    }
    ::umask(before);
    CHECK((lstat_of(tmp.in_tree("ip4/127/001")).st_mode & 07777) == 0700);
    CHECK((lstat_of(tmp.in_tree("ip4/127/001/001")).st_mode & 07777) == 0600);
  }
}

TEST_CASE("whether the root is the filesystem's is asked once per store", "[store][create]") {
  TempDir tmp;
  FaultyFilesystem fs;
  int root_stats = 0;
  TreeStore store = open_tree(tmp.root(), fs);
  fs.on_fstat = [&](int fd, struct stat* st) {
    if (fd == store.root().fd) ++root_stats;
    return ::fstat(fd, st);
  };
  for (const char* client : {"127.0.0.1", "127.0.1.1", "10.0.0.1"}) {
    REQUIRE(store.observe(jgl::Key(key(client, 24)), at(1700000000)).has_value());
  }
  CHECK(root_stats == 1);
}

TEST_CASE("the filesystem's root is refused as the tree", "[store]") {
  for (const char* root : {"/", "//", "/.", "/./", "/..", "///./../"}) {
    CAPTURE(root);
    auto store = TreeStore::open(root);
    REQUIRE_FALSE(store.has_value());
    REQUIRE(store.error().sys_errno == EINVAL);
    REQUIRE(store.error().message == std::string(root) + ": the filesystem's root, refused as the tree");
  }
  TempDir tmp;
  std::string dotted = tmp.root() + "/.";
  REQUIRE(TreeStore::open(dotted.c_str()).has_value());
}

// --- The Store interface beyond observe -----------------------------------

namespace {

std::string seconds(const timespec& t) { return std::to_string(t.tv_sec); }

// What enumerate reports: "key first last" per entry and "problem: ..."
// per name it left alone, sorted.
class Listing : public jgl::EntryVisitor {
 public:
  void entry(const jgl::Entry& e) override {
    lines.insert(std::string(e.key.client().format().view()) + " " + seconds(e.first_seen) + " " +
                 seconds(e.last_seen));
    entries.push_back(e);
  }
  void problem(const jgl::Error& e) override {
    lines.insert("problem: " + e.message);
    problems.push_back(e.message);
  }
  std::set<std::string> lines;
  std::vector<jgl::Entry> entries;
  std::vector<std::string> problems;
};

}  // namespace

TEST_CASE("find returns an entry's times without marking it seen", "[store][interface]") {
  TempDir tmp;
  TreeStore store = open_tree(tmp.root());
  REQUIRE(store.observe(jgl::Key(key("192.0.2.9", 24)), at(1700000000, 5)).has_value());
  REQUIRE(store.observe(jgl::Key(key("192.0.2.9", 24)), at(1700000300, 7)).has_value());
  auto found = store.find(jgl::Key(key("192.0.2.200", 24)));
  REQUIRE(found.has_value());
  REQUIRE(found->has_value());
  CHECK(text((*found)->first_seen) == "1700000000.000000005");
  CHECK(text((*found)->last_seen) == "1700000300.000000007");
  CHECK((*found)->key == jgl::Key(key("192.0.2.0", 24)));
  CHECK(text(lstat_of(tmp.in_tree("ip4/192/000/002")).st_atim) == "1700000300.000000007");
}

TEST_CASE("find of a key never seen is empty and creates nothing", "[store][interface]") {
  TempDir tmp;
  TreeStore store = open_tree(tmp.root());
  auto found = store.find(jgl::Key(key("2001:db8::1", 64)));
  REQUIRE(found.has_value());
  CHECK_FALSE(found->has_value());
  CHECK(std::filesystem::is_empty(tmp.root()));
}

TEST_CASE("find looks inside a directory where the entry would be", "[store][interface][mixed]") {
  TempDir tmp;
  make_dirs(tmp.in_tree("ip4/192/000/002"));
  TreeStore store = open_tree(tmp.root());
  auto none = store.find(jgl::Key(key("192.0.2.9", 24)));
  REQUIRE(none.has_value());
  CHECK_FALSE(none->has_value());
  make_file(tmp.in_tree("ip4/192/000/002/net"));
  auto found = store.find(jgl::Key(key("192.0.2.9", 24)));
  REQUIRE(found.has_value());
  CHECK(found->has_value());
}

TEST_CASE("set_times creates an entry with the given first and last sightings", "[store][interface]") {
  TempDir tmp;
  TreeStore store = open_tree(tmp.root());
  jgl::Entry e{jgl::Key(key("2001:470:1f0f:350::1", 64)), at(1600000000), at(1600000500)};
  REQUIRE(store.set_times(e).has_value());
  struct stat st = lstat_of(tmp.in_tree("ip6/20/01/04/70/1f/0f/03/50"));
  CHECK(S_ISREG(st.st_mode));
  CHECK((st.st_mode & 07777) == 0600);
  CHECK(text(st.st_mtim) == "1600000000.000000000");
  CHECK(text(st.st_atim) == "1600000500.000000000");
}

TEST_CASE("set_times replaces the times of an existing entry", "[store][interface]") {
  TempDir tmp;
  TreeStore store = open_tree(tmp.root());
  REQUIRE(store.observe(jgl::Key(key("198.51.100.7", 24)), at(1700000000)).has_value());
  jgl::Entry e{jgl::Key(key("198.51.100.0", 24)), at(1690000000), at(1700000100)};
  REQUIRE(store.set_times(e).has_value());
  auto seen = store.observe(jgl::Key(key("198.51.100.7", 24)), at(1700000200));
  REQUIRE(seen.has_value());
  CHECK_FALSE(seen->created);
  CHECK(text(seen->first_seen) == "1690000000.000000000");
  CHECK(text(seen->last_seen) == "1700000100.000000000");
}

TEST_CASE("forget removes the entry and says whether there was one", "[store][interface]") {
  TempDir tmp;
  TreeStore store = open_tree(tmp.root());
  REQUIRE(store.observe(jgl::Key(key("203.0.113.5", 32)), at(1700000000)).has_value());
  auto removed = store.forget(jgl::Key(key("203.0.113.5", 32)));
  REQUIRE(removed.has_value());
  CHECK(*removed);
  CHECK_FALSE(exists(tmp.in_tree("ip4/203/000/113/005")));
  auto again = store.forget(jgl::Key(key("203.0.113.5", 32)));
  REQUIRE(again.has_value());
  CHECK_FALSE(*again);
  auto never = store.forget(jgl::Key(key("2001:db8::", 48)));
  REQUIRE(never.has_value());
  CHECK_FALSE(*never);
}

TEST_CASE("forget leaves a directory standing where the entry would be", "[store][interface]") {
  TempDir tmp;
  make_dirs(tmp.in_tree("ip4/203/000/113/005"));
  TreeStore store = open_tree(tmp.root());
  auto removed = store.forget(jgl::Key(key("203.0.113.5", 32)));
  REQUIRE_FALSE(removed.has_value());
  CHECK(removed.error().message == "open ip4/203/000/113/005: not a regular file");
  CHECK(S_ISDIR(lstat_of(tmp.in_tree("ip4/203/000/113/005")).st_mode));
}

TEST_CASE("forget follows no symlink to reach the entry", "[store][interface][symlink]") {
  TempDir tmp;
  make_dirs(tmp.in_tree("ip4/203"));
  make_dirs(tmp.outside() + "/113");
  make_file(tmp.outside() + "/113/005");
  REQUIRE(::symlink(tmp.outside().c_str(), tmp.in_tree("ip4/203/000").c_str()) == 0);
  TreeStore store = open_tree(tmp.root());
  auto removed = store.forget(jgl::Key(key("203.0.113.5", 32)));
  REQUIRE_FALSE(removed.has_value());
  CHECK(removed.error().sys_errno == ELOOP);
  CHECK(exists(tmp.outside() + "/113/005"));
}

TEST_CASE("enumerate lists every entry with its times and reports the rest", "[store][interface]") {
  TempDir tmp;
  TreeStore store = open_tree(tmp.root());
  REQUIRE(store.set_times({jgl::Key(key("192.0.2.9", 24)), at(1600000000), at(1600000200)}).has_value());
  REQUIRE(store.set_times({jgl::Key(key("2001:db8::1", 64)), at(1650000000), at(1650000000)}).has_value());
  REQUIRE(store.set_times({jgl::Key(key("10.1.2.3", 32)), at(1660000000), at(1660000060)}).has_value());
  make_file(tmp.in_tree("ip4/README"));
  Listing listing;
  REQUIRE(store.enumerate(listing).has_value());
  CHECK(listing.lines == std::set<std::string>{
                             "10.1.2.3/32 1660000000 1660000060",
                             "192.0.2.0/24 1600000000 1600000200",
                             "2001:db8::/64 1650000000 1650000000",
                             "problem: ip4/README: name does not fit the tree: left alone",
                         });
  CHECK(exists(tmp.in_tree("ip4/README")));
}

TEST_CASE("enumerate of an empty tree lists nothing", "[store][interface]") {
  TempDir tmp;
  TreeStore store = open_tree(tmp.root());
  Listing listing;
  REQUIRE(store.enumerate(listing).has_value());
  CHECK(listing.lines.empty());
}

// --- triplets ------------------------------------------------------------------

TEST_CASE("a triplet's path is its digest under triplet/, two levels of 256", "[store][triplet]") {
  auto k = jgl::Key::triplet(key("192.0.2.9", 24), "a@example.org", "b@example.net");
  std::string digest = k.digest();
  REQUIRE(digest.size() == 64);
  TreePath path = TreePath::hashed(jgl::Key::Kind::triplet, digest);
  CHECK(std::string(path.view()) ==
        "triplet/" + digest.substr(0, 2) + "/" + digest.substr(2, 2) + "/" + digest.substr(4));
  CHECK(path.levels() == 4);
  CHECK(path.is_hashed());
  CHECK_FALSE(path.may_hold_longer());
  // The digest of the empty triplet text is SHA-256's, by definition.
  auto known = jgl::Key::triplet(key("192.0.2.0", 24), "", "");
  CHECK(known.digest().size() == 64);
  CHECK(known.digest() != k.digest());
  CHECK(jgl::Key::triplet(key("192.0.2.9", 24), "a@example.org", "b@example.net").digest() == digest);
  CHECK(jgl::Key::triplet(key("192.0.2.9", 24), "a@example.or", "gb@example.net").digest() != digest);
}

TEST_CASE("a triplet entry is kept, seen again, found and listed with its key", "[store][triplet]") {
  TempDir tmp;
  TreeStore store = open_tree(tmp.root());
  auto k = jgl::Key::triplet(key("192.0.2.9", 24), "a@example.org", "b@example.net");
  auto first = store.observe(k, at(1700000000));
  REQUIRE(first.has_value());
  CHECK(first->created);
  std::string path = tmp.in_tree(std::string(TreePath::hashed(jgl::Key::Kind::triplet, k.digest()).view()));
  struct stat st = lstat_of(path);
  CHECK(S_ISREG(st.st_mode));
  CHECK((st.st_mode & 07777) == 0600);
  CHECK(text(st.st_mtim) == text(at(1700000000)));
  auto again = store.observe(k, at(1700000300));
  REQUIRE(again.has_value());
  CHECK_FALSE(again->created);
  CHECK(text(again->first_seen) == text(at(1700000000)));
  auto found = store.find(k);
  REQUIRE(found.has_value());
  REQUIRE(found->has_value());
  CHECK((*found)->key == k);
  Listing listing;
  REQUIRE(store.enumerate(listing).has_value());
  REQUIRE(listing.entries.size() == 1);
  CHECK(listing.entries[0].key == k);
  REQUIRE(store.forget(k).value());
  CHECK_FALSE(std::filesystem::exists(path));
}

TEST_CASE("a triplet's contents that do not match its name are a problem, left alone", "[store][triplet]") {
  TempDir tmp;
  TreeStore store = open_tree(tmp.root());
  auto k = jgl::Key::triplet(key("192.0.2.9", 24), "a@example.org", "b@example.net");
  REQUIRE(store.observe(k, at(1700000000)).has_value());
  std::string path = tmp.in_tree(std::string(TreePath::hashed(jgl::Key::Kind::triplet, k.digest()).view()));
  {
    std::ofstream out(path, std::ios::trunc | std::ios::binary);
    out << std::string("192.0.2.0/24") + '\0' + "x@example.org" + '\0' + "b@example.net" + '\0';
  }
  Listing listing;
  REQUIRE(store.enumerate(listing).has_value());
  CHECK(listing.entries.empty());
  REQUIRE(listing.problems.size() == 1);
  CHECK(listing.problems[0].find("not the key its name hashes") != std::string::npos);
  CHECK(std::filesystem::exists(path));
}

TEST_CASE("hostile envelope addresses cannot leave the triplet subtree", "[store][triplet]") {
  TempDir tmp;
  TreeStore store = open_tree(tmp.root());
  std::string hostile = "../../../../etc/passwd\n\r/..";
  auto k = jgl::Key::triplet(key("192.0.2.9", 24), hostile, std::string(jgl::Key::kMaxAddress, '/'));
  REQUIRE(store.observe(k, at(1700000000)).has_value());
  std::vector<std::string> names;
  for (auto& e : std::filesystem::recursive_directory_iterator(tmp.root())) {
    names.push_back(e.path().lexically_relative(tmp.root()).string());
  }
  REQUIRE(names.size() == 4);  // triplet, triplet/ab, triplet/ab/cd, the entry
  for (auto& n : names) CHECK(n.starts_with("triplet"));
  Listing listing;
  REQUIRE(store.enumerate(listing).has_value());
  REQUIRE(listing.entries.size() == 1);
  CHECK(listing.entries[0].key == k);
}

TEST_CASE("the tree's system call failures are temporary errors", "[store][interface]") {
  TempDir tmp;
  FaultyFilesystem fs;
  fs.on_mkdirat = [](int, const char*, mode_t) { return fail_with(ENOSPC); };
  TreeStore store = open_tree(tmp.root(), fs);
  auto seen = store.observe(jgl::Key(key("192.0.2.9", 24)), at(1700000000));
  REQUIRE_FALSE(seen.has_value());
  CHECK(seen.error().temporary);
  CHECK(seen.error().sys_errno == ENOSPC);
}

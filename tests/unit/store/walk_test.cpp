// walk_test.cpp: the tree walk over a real temporary tree, with faults
// injected through the Filesystem seam.
#include "lib/store/tree.h"
#include "lib/store/walk.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cerrno>
#include <cstdlib>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "tests/unit/temp_dir.h"

using namespace jgl;

namespace {

// A tree root for one test, with helpers to lay out entries and junk.
class TempDir {
 public:
  const std::string& path() const { return dir_.path(); }
  std::string operator/(const std::string& rel) const { return dir_ / rel; }

  // Makes every missing directory on the way and an empty file at `rel`.
  void file(const std::string& rel) const {
    dirs_for(rel);
    std::ofstream(*this / rel).flush();
    REQUIRE(::access((*this / rel).c_str(), F_OK) == 0);
  }
  void dir(const std::string& rel) const {
    dirs_for(rel + "/x");
  }
  void dirs_for(const std::string& rel) const {
    for (std::size_t slash = rel.find('/'); slash != std::string::npos; slash = rel.find('/', slash + 1)) {
      std::string d = *this / rel.substr(0, slash);
      if (::mkdir(d.c_str(), 0700) != 0) REQUIRE(errno == EEXIST);
    }
  }
  bool exists(const std::string& rel) const {
    struct stat st;
    return ::lstat((*this / rel).c_str(), &st) == 0;
  }

 private:
  jgl_test::TempDir dir_{"jgl-walk"};
};

// Records every call; optionally removes entries and empty directories the
// way a cleaner does, through the store's Filesystem.
class Recorder : public TreeVisitor {
 public:
  explicit Recorder(Filesystem& fs, bool remove = false) : fs_(fs), remove_(remove) {}

  bool entry(const EntryVisit& v) override {
    entries.push_back(std::string(v.path));
    keys[std::string(v.path)] = std::string(v.key.format().view());
    if (!remove_) return false;
    if (fs_.unlinkat(v.dirfd, v.name, 0) != 0) {
      error(v.path, errno);
      return false;
    }
    return true;
  }
  bool empty_directory(int dirfd, const char* name, std::string_view path) override {
    empty.push_back(std::string(path));
    if (!remove_) return false;
    if (fs_.unlinkat(dirfd, name, AT_REMOVEDIR) != 0) {
      error(path, errno);
      return false;
    }
    return true;
  }
  void junk(std::string_view path, std::string_view why) override {
    junks[std::string(path)] = std::string(why);
  }
  void error(std::string_view path, int sys_errno) override { errors[std::string(path)] = sys_errno; }

  std::vector<std::string> entries;
  std::map<std::string, std::string> keys;  // path -> "192.0.2.0/24"
  std::vector<std::string> empty;
  std::map<std::string, std::string> junks;
  std::map<std::string, int> errors;

 private:
  Filesystem& fs_;
  bool remove_;
};

// The real system calls, except that one of them fails with `fault` for the
// name `victim` (the last component of the path the walk asks about).
class FaultyFilesystem : public Filesystem {
 public:
  enum class Call { none, openat, fstatat, unlinkat, fstat };
  Call call = Call::none;
  std::string victim;
  int fault = EIO;

  int openat(int dirfd, const char* path, int flags, mode_t mode) override {
    if (hit(Call::openat, path)) return -1;
    return Filesystem::openat(dirfd, path, flags, mode);
  }
  int fstatat(int dirfd, const char* path, struct stat* st, int flags) override {
    if (hit(Call::fstatat, path)) return -1;
    return Filesystem::fstatat(dirfd, path, st, flags);
  }
  int unlinkat(int dirfd, const char* path, int flags) override {
    if (hit(Call::unlinkat, path)) return -1;
    return Filesystem::unlinkat(dirfd, path, flags);
  }
  int fstat(int fd, struct stat* st) override {
    if (call == Call::fstat) {
      errno = fault;
      return -1;
    }
    return Filesystem::fstat(fd, st);
  }

 private:
  bool hit(Call c, const char* path) {
    if (call != c || victim != path) return false;
    errno = fault;
    return true;
  }
};

void walk(const TempDir& t, Recorder& r, Filesystem& fs = system_filesystem()) {
  auto store = TreeStore::open(t.path().c_str(), fs);
  REQUIRE(store);
  auto walked = walk_tree(store->root(), r);
  REQUIRE(walked);
}

constexpr long kNow = 1'700'000'000;

}  // namespace

TEST_CASE("an IPv4 entry keyed /24 is visited with its key and path") {
  TempDir t;
  t.file("ip4/192/000/002");
  Recorder r(system_filesystem());
  walk(t, r);
  REQUIRE(r.entries == std::vector<std::string>{"ip4/192/000/002"});
  CHECK(r.keys["ip4/192/000/002"] == "192.0.2.0/24");
  CHECK(r.junks.empty());
  CHECK(r.errors.empty());
}

TEST_CASE("keys have eight bits for each level in both families") {
  TempDir t;
  t.file("ip4/010");
  t.file("ip4/172/016");
  t.file("ip4/127/000/000/001");
  t.file("ip6/30");
  t.file("ip6/20/01/0d/b8/00/00/00/01");
  t.file("ip6/20/01/0d/b8/00/00/00/02/00/00/00/00/00/00/00/ff");
  Recorder r(system_filesystem());
  walk(t, r);
  CHECK(r.entries.size() == 6);
  CHECK(r.keys["ip4/010"] == "10.0.0.0/8");
  CHECK(r.keys["ip4/172/016"] == "172.16.0.0/16");
  CHECK(r.keys["ip4/127/000/000/001"] == "127.0.0.1/32");
  CHECK(r.keys["ip6/30"] == "3000::/8");
  CHECK(r.keys["ip6/20/01/0d/b8/00/00/00/01"] == "2001:db8:0:1::/64");
  CHECK(r.keys["ip6/20/01/0d/b8/00/00/00/02/00/00/00/00/00/00/00/ff"] == "2001:db8:0:2::ff/128");
  CHECK(r.junks.empty());
}

TEST_CASE("entries the store makes at odd prefix lengths are found at whole levels") {
  TempDir t;
  auto store = TreeStore::open(t.path().c_str());
  REQUIRE(store);
  timespec now{kNow, 0};
  struct Case {
    const char* address;
    int length;
    const char* path;
    const char* key;
  } cases[] = {
      {"192.0.2.77", 20, "ip4/192/000/000", "192.0.0.0/24"},
      {"255.51.100.9", 4, "ip4/240", "240.0.0.0/8"},
      {"2001:db8:1234:5678::1", 60, "ip6/20/01/0d/b8/12/34/56/70", "2001:db8:1234:5670::/64"},
      {"2001:db8::1", 128, "ip6/20/01/0d/b8/00/00/00/00/00/00/00/00/00/00/00/01", "2001:db8::1/128"},
  };
  for (const Case& c : cases) {
    auto a = Address::parse(c.address);
    REQUIRE(a);
    REQUIRE(store->observe(Key(Prefix(*a, c.length)), now));
  }
  Recorder r(system_filesystem());
  walk(t, r);
  CHECK(r.entries.size() == 4);
  for (const Case& c : cases) {
    INFO(c.address << "/" << c.length);
    CHECK(r.keys[c.path] == c.key);
  }
}

TEST_CASE("a net entry stands for the key of its directory's levels") {
  TempDir t;
  t.file("ip4/192/000/002/net");
  t.file("ip4/192/000/002/007");
  t.file("ip6/20/01/0d/b8/net");
  t.file("ip6/20/01/0d/b8/00/00/net");
  t.file("ip6/20/01/0d/b8/00/00/00/01");
  Recorder r(system_filesystem());
  walk(t, r);
  CHECK(r.entries.size() == 5);
  CHECK(r.keys["ip4/192/000/002/net"] == "192.0.2.0/24");
  CHECK(r.keys["ip4/192/000/002/007"] == "192.0.2.7/32");
  CHECK(r.keys["ip6/20/01/0d/b8/net"] == "2001:db8::/32");
  CHECK(r.keys["ip6/20/01/0d/b8/00/00/net"] == "2001:db8::/48");
  CHECK(r.keys["ip6/20/01/0d/b8/00/00/00/01"] == "2001:db8:0:1::/64");
  CHECK(r.junks.empty());
}

TEST_CASE("net as a directory, or right under ip4, is junk") {
  TempDir t;
  t.dir("ip4/192/net");
  t.file("ip4/net");
  t.file("ip6/NET");
  Recorder r(system_filesystem(), true);
  walk(t, r);
  CHECK(r.entries.empty());
  CHECK(r.junks.count("ip4/192/net") == 1);
  CHECK(r.junks.count("ip4/net") == 1);
  CHECK(r.junks.count("ip6/NET") == 1);
  CHECK(t.exists("ip4/net"));
}

TEST_CASE("a root that is the filesystem's root by a symlink is not walked") {
  jgl_test::TempDir tmp{"jgl-walk"};
  std::string link = tmp / "slash";
  REQUIRE(::symlink("/", link.c_str()) == 0);
  auto store = TreeStore::open(link.c_str());
  REQUIRE(store);
  Recorder r(system_filesystem());
  auto walked = walk_tree(store->root(), r);
  REQUIRE_FALSE(walked);
  CHECK(walked.error().message == "the filesystem's root, refused as the tree");
  CHECK(r.entries.empty());
}

TEST_CASE("triplet entries are visited after ip4 and ip6; other names there are junk") {
  TempDir t;
  std::string entry = "triplet/ab/cd/" + std::string(60, 'e');
  t.file(entry);
  t.file("ip6/20");
  t.file("ip4/010");
  t.file("triplet/ab/cd/" + std::string(59, 'e'));  // too short
  t.file("triplet/ab/CD/" + std::string(60, 'e'));  // upper case
  t.file("triplet/ab/" + std::string(60, 'e'));     // a level missing
  t.dir("triplet/ab/cd/" + std::string(60, 'f'));   // a directory as an entry
  Recorder r(system_filesystem());
  walk(t, r);
  REQUIRE(r.entries == std::vector<std::string>{"ip4/010", "ip6/20", entry});
  CHECK(r.junks.size() == 4);
  CHECK(r.junks.count("triplet/ab/CD") == 1);
  CHECK(r.junks.count("triplet/ab/" + std::string(60, 'e')) == 1);
}

TEST_CASE("ip4 is walked before ip6") {
  TempDir t;
  t.file("ip6/20/01");
  t.file("ip4/001/002/003");
  Recorder r(system_filesystem());
  walk(t, r);
  CHECK(r.entries == std::vector<std::string>{"ip4/001/002/003", "ip6/20/01"});
}

TEST_CASE("names outside the tree grammar are junk and left alone") {
  TempDir t;
  const char* v4_junk[] = {"ip4/1", "ip4/01", "ip4/0001", "ip4/256", "ip4/abc", "ip4/...", "ip4/-01", "ip4/ 01",
                           "ip4/001/.hidden", "ip4/001/002/003.tmp"};
  const char* v6_junk[] = {"ip6/0A", "ip6/g0", "ip6/000", "ip6/2", "ip6/20/0x", "ip6/20/01/x"};
  for (const char* p : v4_junk) t.file(p);
  for (const char* p : v6_junk) t.file(p);
  t.dir("ip4/0001");  // a directory with a bad name, not only files
  t.file("ip4/002/junk.d/003");
  Recorder r(system_filesystem(), true);
  walk(t, r);
  for (const char* p : v4_junk) {
    INFO(p);
    CHECK(r.junks.count(p) == 1);
    CHECK(t.exists(p));
  }
  for (const char* p : v6_junk) {
    INFO(p);
    CHECK(r.junks.count(p) == 1);
    CHECK(t.exists(p));
  }
  CHECK(r.junks.count("ip4/002/junk.d") == 1);
  CHECK(t.exists("ip4/002/junk.d/003"));
  CHECK(r.entries.empty());
  CHECK(r.errors.empty());
}

TEST_CASE("every valid level name is accepted") {
  for (int b = 0; b < 256; ++b) {
    char dec[16], hex[16];
    std::snprintf(dec, sizeof dec, "%03d", b);
    std::snprintf(hex, sizeof hex, "%02x", b);
    CHECK(tree_level_byte(Family::v4, dec) == b);
    CHECK(tree_level_byte(Family::v6, hex) == b);
  }
}

TEST_CASE("a symlink in the tree is junk and not followed") {
  TempDir t;
  t.file("outside/001/002");
  t.file("ip4/010/020/030");
  REQUIRE(::symlink((t / "outside").c_str(), (t / "ip4/127").c_str()) == 0);
  REQUIRE(::symlink((t / "outside/001/002").c_str(), (t / "ip4/010/020/031").c_str()) == 0);
  Recorder r(system_filesystem(), true);
  walk(t, r);
  CHECK(r.entries == std::vector<std::string>{"ip4/010/020/030"});
  CHECK(r.junks.count("ip4/127") == 1);
  CHECK(r.junks.count("ip4/010/020/031") == 1);
  CHECK(t.exists("ip4/127"));
  CHECK(t.exists("ip4/010/020/031"));
  CHECK(t.exists("outside/001/002"));
}

TEST_CASE("ip4 itself as a symlink is junk and not followed") {
  TempDir t;
  t.file("outside/001/002/003");
  REQUIRE(::symlink((t / "outside").c_str(), (t / "ip4").c_str()) == 0);
  Recorder r(system_filesystem(), true);
  walk(t, r);
  CHECK(r.entries.empty());
  CHECK(r.junks.count("ip4") == 1);
  CHECK(t.exists("outside/001/002/003"));
}

TEST_CASE("a fifo with a valid name is junk") {
  TempDir t;
  t.dir("ip4/001/002");
  REQUIRE(::mkfifo((t / "ip4/001/002/003").c_str(), 0600) == 0);
  Recorder r(system_filesystem(), true);
  walk(t, r);
  CHECK(r.entries.empty());
  CHECK(r.junks.count("ip4/001/002/003") == 1);
  CHECK(t.exists("ip4/001/002/003"));
  CHECK(r.empty.empty());
}

TEST_CASE("a directory deeper than any key is junk") {
  TempDir t;
  t.file("ip4/001/002/003/004/005");
  t.file("ip6/00/01/02/03/04/05/06/07/08/09/0a/0b/0c/0d/0e/0f/10");
  Recorder r(system_filesystem(), true);
  walk(t, r);
  CHECK(r.entries.empty());
  CHECK(r.junks.count("ip4/001/002/003/004") == 1);
  CHECK(r.junks.count("ip6/00/01/02/03/04/05/06/07/08/09/0a/0b/0c/0d/0e/0f") == 1);
  CHECK(t.exists("ip4/001/002/003/004/005"));
}

TEST_CASE("directories emptied by the visitor are reported from the bottom up") {
  TempDir t;
  t.file("ip4/001/002/003");
  t.file("ip6/20/01/0d/b8/00/00/00/01");
  Recorder r(system_filesystem(), true);
  walk(t, r);
  CHECK(r.empty == std::vector<std::string>{"ip4/001/002", "ip4/001", "ip6/20/01/0d/b8/00/00/00", "ip6/20/01/0d/b8/00/00",
                                            "ip6/20/01/0d/b8/00", "ip6/20/01/0d/b8", "ip6/20/01/0d", "ip6/20/01",
                                            "ip6/20"});
  CHECK(t.exists("ip4"));
  CHECK(t.exists("ip6"));
  CHECK_FALSE(t.exists("ip4/001"));
  CHECK_FALSE(t.exists("ip6/20"));
}

TEST_CASE("an empty directory left by someone else is reported") {
  TempDir t;
  t.dir("ip4/001/002");
  t.dir("ip6/ff");
  Recorder r(system_filesystem());
  walk(t, r);
  CHECK(r.empty == std::vector<std::string>{"ip4/001/002", "ip6/ff"});
}

TEST_CASE("an entry the visitor keeps keeps its directories") {
  TempDir t;
  t.file("ip4/001/002/003");
  t.file("ip4/001/002/004");
  Recorder r(system_filesystem());
  walk(t, r);
  CHECK(r.entries.size() == 2);
  CHECK(r.empty.empty());
}

TEST_CASE("a directory holding junk is not reported empty") {
  TempDir t;
  t.file("ip4/001/002/003");
  t.file("ip4/001/002/stray");
  Recorder r(system_filesystem(), true);
  walk(t, r);
  CHECK(r.entries == std::vector<std::string>{"ip4/001/002/003"});
  CHECK(r.empty.empty());
  CHECK(t.exists("ip4/001/002/stray"));
}

TEST_CASE("a tree without ip4 or ip6 is walked without complaint") {
  TempDir t;
  Recorder r(system_filesystem());
  walk(t, r);
  CHECK(r.entries.empty());
  CHECK(r.junks.empty());
  CHECK(r.errors.empty());
}

TEST_CASE("names beside ip4 and ip6 in the root are not touched") {
  TempDir t;
  t.file("README");
  t.file("other/001/002/003");
  Recorder r(system_filesystem(), true);
  walk(t, r);
  CHECK(r.entries.empty());
  CHECK(t.exists("README"));
  CHECK(t.exists("other/001/002/003"));
}

TEST_CASE("an openat failure on a directory is reported with its path") {
  TempDir t;
  t.file("ip4/001/002/003");
  t.file("ip4/009/002/003");
  FaultyFilesystem fs;
  fs.call = FaultyFilesystem::Call::openat;
  fs.victim = "001";
  fs.fault = EACCES;
  Recorder r(fs, true);
  walk(t, r, fs);
  REQUIRE(r.errors.size() == 1);
  CHECK(r.errors["ip4/001"] == EACCES);
  CHECK(r.entries == std::vector<std::string>{"ip4/009/002/003"});
  CHECK(t.exists("ip4/001/002/003"));
}

TEST_CASE("an openat failure on ip4 is reported and ip6 is still walked") {
  TempDir t;
  t.file("ip4/001/002/003");
  t.file("ip6/20/01");
  FaultyFilesystem fs;
  fs.call = FaultyFilesystem::Call::openat;
  fs.victim = "ip4";
  fs.fault = EACCES;
  Recorder r(fs);
  walk(t, r, fs);
  CHECK(r.errors == std::map<std::string, int>{{"ip4", EACCES}});
  CHECK(r.entries == std::vector<std::string>{"ip6/20/01"});
}

TEST_CASE("an fstatat failure is reported with its path and the walk goes on") {
  TempDir t;
  t.file("ip4/001/002/003");
  t.file("ip4/001/002/004");
  FaultyFilesystem fs;
  fs.call = FaultyFilesystem::Call::fstatat;
  fs.victim = "003";
  fs.fault = EIO;
  Recorder r(fs, true);
  walk(t, r, fs);
  CHECK(r.errors == std::map<std::string, int>{{"ip4/001/002/003", EIO}});
  CHECK(r.entries == std::vector<std::string>{"ip4/001/002/004"});
  CHECK(r.empty.empty());
  CHECK(t.exists("ip4/001/002/003"));
}

TEST_CASE("a name gone before the walk looks at it is not an error") {
  TempDir t;
  t.file("ip4/001/002/003");
  FaultyFilesystem fs;
  fs.call = FaultyFilesystem::Call::fstatat;
  fs.victim = "003";
  fs.fault = ENOENT;
  Recorder r(fs);
  walk(t, r, fs);
  CHECK(r.errors.empty());
  CHECK(r.entries.empty());
  // Gone names leave nothing behind, so the directory counts as empty.
  CHECK(r.empty == std::vector<std::string>{"ip4/001/002"});
}

TEST_CASE("an entry the visitor fails to unlink keeps its parent directories") {
  TempDir t;
  t.file("ip4/001/002/003");
  t.file("ip4/005/006/007");
  FaultyFilesystem fs;
  fs.call = FaultyFilesystem::Call::unlinkat;
  fs.victim = "003";
  fs.fault = EACCES;
  Recorder r(fs, true);
  walk(t, r, fs);
  CHECK(r.errors == std::map<std::string, int>{{"ip4/001/002/003", EACCES}});
  CHECK(r.empty == std::vector<std::string>{"ip4/005/006", "ip4/005"});
  CHECK(t.exists("ip4/001/002/003"));
  CHECK_FALSE(t.exists("ip4/005"));
}

TEST_CASE("a directory the visitor fails to remove keeps its parents") {
  TempDir t;
  t.dir("ip4/001/002");
  FaultyFilesystem fs;
  fs.call = FaultyFilesystem::Call::unlinkat;
  fs.victim = "002";
  fs.fault = EBUSY;
  Recorder r(fs, true);
  walk(t, r, fs);
  CHECK(r.errors == std::map<std::string, int>{{"ip4/001/002", EBUSY}});
  CHECK(r.empty == std::vector<std::string>{"ip4/001/002"});
  CHECK(t.exists("ip4/001/002"));
}

TEST_CASE("the walk fails when the root cannot be examined") {
  TempDir t;
  FaultyFilesystem fs;
  auto store = TreeStore::open(t.path().c_str(), fs);
  REQUIRE(store);
  fs.call = FaultyFilesystem::Call::fstat;
  fs.fault = EIO;
  Recorder r(fs);
  auto walked = walk_tree(store->root(), r);
  REQUIRE_FALSE(walked);
  CHECK(walked.error().sys_errno == EIO);
}

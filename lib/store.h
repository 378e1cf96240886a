// store.h: the greylisting tree on disk.
//
//   $DIR/ip4/127/000/000        127.0.0.0/24, one 3-digit decimal level a byte
//   $DIR/ip6/20/01/04/70/...    IPv6, one 2-digit lowercase hex level a byte
//
// Each entry is an empty file: its mtime is when the key was first seen, its
// atime when it was last seen. Every system call goes through Filesystem, the
// seam where tests inject faults. Paths are resolved beneath the root with
// no symlink followed, and creation races (a concurrent jgreylist, a cleaner
// removing an empty directory under us) are retried, never reported.
#pragma once

#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>

#include <string_view>

#include "lib/error.h"
#include "lib/prefix.h"

namespace jgl {

// The system calls the store makes. Each returns what the system call
// returns and sets errno the same way.
class Filesystem {
 public:
  virtual ~Filesystem() = default;
  virtual int open(const char* path, int flags);
  // openat with no symlink followed anywhere in `path` and nothing outside
  // `dirfd` reached (openat2 RESOLVE_NO_SYMLINKS | RESOLVE_BENEATH).
  virtual int open_beneath(int dirfd, const char* path, int flags);
  virtual int openat(int dirfd, const char* path, int flags, mode_t mode);
  virtual int mkdirat(int dirfd, const char* path, mode_t mode);
  virtual int unlinkat(int dirfd, const char* path, int flags);
  virtual int fstat(int fd, struct stat* st);
  virtual int fstatat(int dirfd, const char* path, struct stat* st, int flags);
  virtual int futimens(int fd, const timespec times[2]);
  virtual int close(int fd);
};

// The real system calls. Defined in lib/system_fs.cc, alone, so that the
// test builds of the programs can link a fault-injecting one instead.
Filesystem& system_filesystem();

// A key's place in the tree, relative to the root: "ip4/127/000/000".
class TreePath {
 public:
  static constexpr std::size_t kCapacity = 64;
  // One level for each byte the key's length touches, at least one.
  explicit TreePath(const Prefix& key);
  std::string_view view() const { return {text_, size_}; }
  const char* c_str() const { return text_; }
  int levels() const { return levels_; }
  // The i-th level's name (0 is "ip4" or "ip6"), NUL-terminated into buf.
  const char* level(int i, char* buf) const;

 private:
  char text_[kCapacity];
  std::size_t size_ = 0;
  int levels_ = 0;
};

// The inverse of TreePath for a name at `depth` (1 = first byte) under ip4/
// or ip6/: the byte it stands for, or -1 if the name does not fit the
// grammar (3-digit decimal 000-255, 2-digit lowercase hex).
int tree_level_byte(Family family, std::string_view name);

// What the store knew of a key when asked.
struct Sighting {
  bool created = false;  // no entry existed: made now, first_seen = now
  timespec first_seen{};  // mtime
  timespec last_seen{};   // atime before this sighting
};

class Store {
 public:
  // Opens the root; fails if it is not a directory, or is named as the
  // filesystem's root ("/", "//", "/.").
  static Result<Store> open(const char* root, Filesystem& fs = system_filesystem());
  Store(Store&& other) noexcept;
  Store& operator=(Store&&) = delete;
  ~Store();

  // Finds or creates the key's entry and marks it seen `now` (atime).
  Result<Sighting> observe(const Prefix& key, timespec now);

  int root_fd() const { return root_fd_; }
  Filesystem& filesystem() const { return *fs_; }

 private:
  Store(int root_fd, Filesystem& fs) : root_fd_(root_fd), fs_(&fs) {}
  Result<Sighting> create(const TreePath& path, timespec now, bool* raced);

  int root_fd_ = -1;
  Filesystem* fs_;
};

}  // namespace jgl

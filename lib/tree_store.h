// tree_store.h: the greylisting state as a tree of empty files (v8's).
//
//   $DIR/ip4/127/000/000        127.0.0.0/24, one 3-digit decimal level a byte
//   $DIR/ip6/20/01/04/70/...    IPv6, one 2-digit lowercase hex level a byte
//
// Each entry is an empty file: its mtime is when the key was first seen, its
// atime when it was last seen. Every system call goes through Filesystem,
// the seam where tests inject faults. Paths are resolved beneath the root
// with no symlink followed, and creation races (a concurrent jgreylist, a
// cleaner removing an empty directory under us) are retried, never
// reported. The walk (lib/walk.h) and the cleaner work on the tree below
// the Store interface, through root_fd() and filesystem().
#pragma once

#include <sys/types.h>
#include <time.h>

#include <cstddef>
#include <string>
#include <string_view>

#include "lib/error.h"
#include "lib/filesystem.h"
#include "lib/prefix.h"
#include "lib/store.h"

namespace jgl {

// A prefix key's place in the tree, relative to the root: "ip4/127/000/000".
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

// The inverse of TreePath for one level below ip4/ or ip6/: the byte it
// stands for, or -1 if the name does not fit the grammar (3-digit decimal
// 000-255, 2-digit lowercase hex).
int tree_level_byte(Family family, std::string_view name);

class TreeStore final : public Store {
 public:
  // Opens the root; fails if it is not a directory, or is named as the
  // filesystem's root ("/", "//", "/.").
  static Result<TreeStore> open(const char* root, Filesystem& fs = system_filesystem());
  TreeStore(TreeStore&& other) noexcept;
  TreeStore& operator=(TreeStore&&) = delete;
  ~TreeStore() override;

  std::string_view where() const override { return root_; }
  Result<Sighting> observe(const Key& key, timespec now) override;
  Result<std::optional<Entry>> find(const Key& key) override;
  Result<void> set_times(const Entry& entry) override;
  Result<bool> forget(const Key& key) override;
  Result<void> enumerate(EntryVisitor& visitor) override;

  int root_fd() const { return root_fd_; }
  Filesystem& filesystem() const { return *fs_; }

 private:
  TreeStore(std::string root, int root_fd, Filesystem& fs) : root_(std::move(root)), root_fd_(root_fd), fs_(&fs) {}
  Result<TreePath> path_of(const Key& key) const;
  // The entry open read-only, or -1 with errno.
  int open_entry(const TreePath& path);
  Result<Sighting> touch_open_entry(int fd, const TreePath& path, timespec now);
  Result<Sighting> create(const TreePath& path, timespec first, timespec last, bool* raced);

  std::string root_;
  int root_fd_ = -1;
  Filesystem* fs_;
};

}  // namespace jgl

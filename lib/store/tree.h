// store/tree.h: the greylisting state as a tree of empty files (v8's).
//
// Where each key lives is lib/store/tree_path.h (ip4/127/000/000, ip6/20/01/...,
// triplet/ab/cd/..., awl/..., corr/...). Each entry is a file, empty for a
// prefix key, else holding its key (and an awl entry's count): its mtime is
// when the key was first seen, its atime when it was last seen (for an awl
// entry, last counted). Keys of different
// lengths share one tree (per-client JGREYLIST_BY_IP, a changed PREFIX4): a
// key whose path is a directory, because entries of longer keys lie below
// it, keeps its entry inside it as `net`; a key whose path is blocked by a
// shorter key's entry (a file where the key needs a directory) is judged by
// that entry, the record of a network the client belongs to.
// man/jgreylist.5 says so too. Every system call goes through Filesystem,
// the seam where tests inject faults. Paths are resolved beneath the root
// with no symlink followed, and creation races (a concurrent jgreylist, a
// cleaner removing an empty directory under us) are retried, never
// reported. The walk (lib/store/walk.h) and the cleaner work on the tree below
// the Store interface, through root().
#pragma once

#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>

#include <cstddef>
#include <string>
#include <string_view>

#include "lib/base/error.h"
#include "lib/base/filesystem.h"
#include "lib/store/store.h"
#include "lib/store/expiry.h"
#include "lib/store/tree_path.h"
#include "lib/store/walk.h"

namespace jgl {

class TreeStore final : public Store {
 public:
  // Opens the root; fails if it is not a directory, or is named as the
  // filesystem's root ("/", "//", "/."). A root that is the filesystem's
  // root by another name (a symlink to /, a bind mount) is refused where
  // the tree is first written or walked (refuse_filesystem_root), so that a
  // known client's connection pays no system call for it.
  static Result<TreeStore> open(const char* root, Filesystem& fs = system_filesystem());
  TreeStore(TreeStore&& other) noexcept;
  TreeStore& operator=(TreeStore&&) = delete;
  ~TreeStore() override;

  std::string_view where() const override { return root_; }
  // When an observed entry has expired (default: ExpiryPolicy's defaults).
  void set_expiry(const ExpiryPolicy& expiry) { expiry_ = expiry; }
  Result<Sighting> observe(const Key& key, timespec now) override;
  Result<Entry> count_pass(const Key& key, timespec now, long interval) override;
  Result<std::optional<Entry>> find(const Key& key) override;
  Result<void> set_times(const Entry& entry) override;
  Result<bool> forget(const Key& key) override;
  Result<void> enumerate(EntryVisitor& visitor) override;

  // Fails when the root is the filesystem's root, whatever its name
  // (lib/store/walk.h).
  Result<void> refuse_filesystem_root() const;

  // The root, for a walk (lib/store/walk.h).
  TreeRoot root() const { return {root_fd_, fs_}; }
  Filesystem& filesystem() const { return *fs_; }

 private:
  class UmaskGuard;
  TreeStore(std::string root, int root_fd, Filesystem& fs) : root_(std::move(root)), root_fd_(root_fd), fs_(&fs) {}
  Result<TreePath> path_of(const Key& key) const;
  // The entry open read-only, or -1 with errno.
  int open_entry(const TreePath& path);
  enum class Cover { follow, refuse };
  // Opens and stats the entry that stands for `path`'s key: the file at
  // `path`, or `path`/net when `path` is a directory; when a shorter key's
  // entry blocks `path`, that entry (Cover::follow) or an error naming it
  // (Cover::refuse). `path` becomes what was opened. -1: no entry.
  Result<int> open_located(TreePath& path, struct stat& st, Cover cover);
  Result<TreePath> shorter_entry(const TreePath& path, bool* vanished);
  Result<Sighting> touch_open_entry(int fd, const struct stat& st, const TreePath& path, timespec now,
                                    const ExpiryPolicy& expiry);
  Result<std::optional<Entry>> find_count(const Key& key, const TreePath& path);
  Result<Entry> count_open_entry(int fd, const Key& key, const TreePath& path, timespec now, long interval,
                                 const ExpiryPolicy& expiry);
  Result<void> set_awl(const Entry& entry, const TreePath& path);
  // `content`: written into the new entry (a triplet's key), or empty.
  Result<Sighting> create(const TreePath& path, timespec first, timespec last, std::string_view content,
                          bool* raced);
  int open_levels(const TreePath& path, int levels);
  Result<void> make_levels(const TreePath& path, bool* raced);
  // refuse_filesystem_root, with the root's name, until it passes once.
  Result<void> refuse_filesystem_root_once();

  std::string root_;
  int root_fd_ = -1;
  Filesystem* fs_;
  ExpiryPolicy expiry_;
  bool root_checked_ = false;
  // Whether the umask takes some of the owner's bits, as the last creation
  // found it; until the first, it might. Learnt, not asked each time: no
  // program changes its umask once its store is open.
  bool umask_takes_owner_bits_ = true;
};

}  // namespace jgl

// store/walk.h: a walk over the greylisting tree, for cleaners and reports.
//
// It visits every entry under ip4/, ip6/, triplet/, awl/ and corr/ whose
// every level fits the tree grammar, relative to directory descriptors (openat, fstatat), never
// following a symlink and never leaving the root's filesystem. Anything
// else is reported as junk and left alone. Memory is bounded by the tree's
// depth, not its size.
#pragma once

#include <sys/stat.h>

#include <string_view>

#include "lib/base/error.h"
#include "lib/base/filesystem.h"
#include "lib/net/key.h"
#include "lib/net/prefix.h"

namespace jgl {

struct EntryVisit {
  Prefix key;             // its length is 8 bits a level; none for a hashed entry
  int dirfd;              // the directory holding it
  const char* name;       // its name in dirfd
  std::string_view path;  // relative to the root: "ip4/127/000/000"
  const struct stat& st;
  // prefix under ip4/ and ip6/; under triplet/, awl/ or corr/ the key is in
  // its contents (lib/store/tree_path.h)
  Key::Kind kind = Key::Kind::prefix;
};

class TreeVisitor {
 public:
  virtual ~TreeVisitor() = default;
  // Returns true when the entry is gone (or, in a dry run, would be).
  virtual bool entry(const EntryVisit& visit) = 0;
  // A directory below ip4/ or ip6/ with nothing left in it. Returns true
  // when it is gone (or would be).
  virtual bool empty_directory(int dirfd, const char* name, std::string_view path) = 0;
  // A name the tree's grammar does not allow, a symlink, a FIFO...
  virtual void junk(std::string_view path, std::string_view why) = 0;
  // A system call failed on this path.
  virtual void error(std::string_view path, int sys_errno) = 0;
};

// The tree's root as a walk needs it: the open directory, and the seam its
// system calls go through (TreeStore::root()).
struct TreeRoot {
  int fd;
  Filesystem* fs;
};

// Fails when `root` (the tree's root, stat'ed) is the filesystem's root,
// whatever its name; the message is relative to the root ("the
// filesystem's root, ...").
Result<void> refuse_filesystem_root(const struct stat& root);

// Walks ip4/, ip6/, then triplet/, awl/ and corr/. Fails only if the root itself cannot be examined
// or is the filesystem's root.
Result<void> walk_tree(const TreeRoot& root, TreeVisitor& visitor);

// Walks a jgreylist v8 tree: IPv4 only, its levels right under the root
// ("192/000/002"); paths in the visits start with "./".
Result<void> walk_v8_tree(const TreeRoot& root, TreeVisitor& visitor);

}  // namespace jgl

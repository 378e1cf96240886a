// store/walk.cc: the tree walk, relative to directory descriptors.
#include "lib/store/walk.h"

#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <initializer_list>
#include <memory>
#include <optional>
#include <string>

#include "lib/store/tree_path.h"

namespace jgl {
namespace {

class Walk {
 public:
  Walk(const TreeRoot& root, TreeVisitor& visitor, dev_t dev) : fs_(*root.fs), visitor_(visitor), dev_(dev) {}

  // Walks root_fd/top, or the root itself as the family's top when `top`
  // is "." (a v8 tree, whose IPv4 levels start at the root).
  void family(int root_fd, Family family, const char* top, Key::Kind kind) {
    path_ = top;
    int fd = fs_.openat(root_fd, top, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC, 0);
    if (fd < 0) {
      if (errno == ENOENT) return;
      if (errno == ELOOP || errno == ENOTDIR) {
        visitor_.junk(path_, "not a directory (a symlink or a file): left alone");
      } else {
        visitor_.error(path_, errno);
      }
      return;
    }
    struct stat st;
    if (fs_.fstat(fd, &st) != 0) {
      visitor_.error(path_, errno);
      fs_.close(fd);
      return;
    }
    if (st.st_dev != dev_) {
      visitor_.junk(path_, "on another filesystem: left alone");
      fs_.close(fd);
      return;
    }
    family_ = family;
    max_levels_ = family == Family::v4 ? 4 : 16;
    hashed_ = kind != Key::Kind::prefix;
    kind_ = kind;
    directory(fd, 0);
  }

 private:
  // Visits the directory at `depth` (0: ip4/ itself) and returns how many
  // names are left in it. Takes ownership of fd.
  unsigned long directory(int fd, int depth) {
    // Owned, so that a visitor that throws (a report written to a full
    // stdout) does not leave every stream of the path open behind it.
    std::unique_ptr<DIR, int (*)(DIR*)> dir(fdopendir(fd), &closedir);
    if (dir == nullptr) {
      visitor_.error(path_, errno);
      fs_.close(fd);
      return 1;
    }
    unsigned long left = 0;
    std::size_t path_len = path_.size();
    while (true) {
      errno = 0;
      dirent* d = readdir(dir.get());
      if (d == nullptr) {
        if (errno != 0) {
          visitor_.error(path_, errno);
          ++left;
        }
        break;
      }
      const char* name = d->d_name;
      if (std::strcmp(name, ".") == 0 || std::strcmp(name, "..") == 0) continue;
      path_.resize(path_len);
      path_ += '/';
      path_ += name;
      if (!child(dirfd(dir.get()), name, depth)) ++left;
    }
    path_.resize(path_len);
    return left;
  }

  // A child's stat, for child() and its kinds: nothing when the walk may
  // look at it further (in *st), else what child() returns: true when it
  // is gone meanwhile, false when it is left (an error, another filesystem).
  std::optional<bool> stat_child(int fd, const char* name, struct stat* st) {
    if (fs_.fstatat(fd, name, st, AT_SYMLINK_NOFOLLOW) != 0) {
      if (errno == ENOENT) return true;  // removed meanwhile
      visitor_.error(path_, errno);
      return false;
    }
    if (st->st_dev != dev_) {
      visitor_.junk(path_, "on another filesystem: left alone");
      return false;
    }
    return std::nullopt;
  }

  // A child directory at `depth`: walked, then offered for removal if that
  // left it empty. True when it is gone.
  bool descend(int fd, const char* name, int depth) {
    int sub = fs_.openat(fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC, 0);
    if (sub < 0) {
      if (errno == ENOENT) return true;
      visitor_.error(path_, errno);
      return false;
    }
    if (directory(sub, depth + 1) != 0) return false;
    return visitor_.empty_directory(fd, name, path_);
  }

  // Returns true when the name is gone.
  bool child(int fd, const char* name, int depth) {
    if (hashed_) return hashed_child(fd, name, depth);
    if (depth > 0 && name == TreePath::kInside) return inside_entry(fd, name, depth);
    int byte = tree_level_byte(family_, name);
    if (byte < 0) {
      visitor_.junk(path_, "name does not fit the tree: left alone");
      return false;
    }
    struct stat st;
    if (auto done = stat_child(fd, name, &st)) return *done;
    bytes_[depth] = static_cast<std::uint8_t>(byte);
    if (S_ISREG(st.st_mode)) {
      std::uint8_t b[16] = {};
      std::memcpy(b, bytes_, static_cast<std::size_t>(depth) + 1);
      Prefix key(Address::from_bytes(family_, b), 8 * (depth + 1));
      return visitor_.entry(EntryVisit{key, fd, name, path_, st});
    }
    if (!S_ISDIR(st.st_mode)) {
      visitor_.junk(path_, S_ISLNK(st.st_mode) ? "symlink: left alone" : "not a file or directory: left alone");
      return false;
    }
    if (depth + 1 >= max_levels_) {
      visitor_.junk(path_, "directory deeper than any key: left alone");
      return false;
    }
    return descend(fd, name, depth);
  }

  // Below triplet/: two levels of 2 hex digits, then entries of 60; below
  // awl/ and corr/: one level, then entries of 62 (TreePath::hashed).
  bool hashed_child(int fd, const char* name, int depth) {
    const int levels = hashed_levels(kind_);
    bool entry_name = depth == levels && is_hex_name(name, 64 - 2 * static_cast<std::size_t>(levels));
    if (!entry_name && !(depth < levels && is_hex_name(name, 2))) {
      visitor_.junk(path_, "name does not fit the tree: left alone");
      return false;
    }
    struct stat st;
    if (auto done = stat_child(fd, name, &st)) return *done;
    if (entry_name && S_ISREG(st.st_mode)) return visitor_.entry(EntryVisit{Prefix(), fd, name, path_, st, kind_});
    if (entry_name || !S_ISDIR(st.st_mode)) {
      visitor_.junk(path_, S_ISLNK(st.st_mode) ? "symlink: left alone" : "not where an entry can be: left alone");
      return false;
    }
    return descend(fd, name, depth);
  }

  // `net` in a directory of `depth` byte levels: the entry of the key those
  // levels name, made there because longer keys' entries are beside it.
  bool inside_entry(int fd, const char* name, int depth) {
    struct stat st;
    if (auto done = stat_child(fd, name, &st)) return *done;
    if (!S_ISREG(st.st_mode)) {
      visitor_.junk(path_, "not a regular file: left alone");
      return false;
    }
    std::uint8_t b[16] = {};
    std::memcpy(b, bytes_, static_cast<std::size_t>(depth));
    Prefix key(Address::from_bytes(family_, b), 8 * depth);
    return visitor_.entry(EntryVisit{key, fd, name, path_, st});
  }

  Filesystem& fs_;
  TreeVisitor& visitor_;
  dev_t dev_;
  Family family_ = Family::v4;
  int max_levels_ = 4;
  bool hashed_ = false;
  Key::Kind kind_ = Key::Kind::prefix;
  std::uint8_t bytes_[16] = {};
  std::string path_;
};

// The root's device, once it is known to be a tree that may be walked.
Result<dev_t> root_device(const TreeRoot& root) {
  struct stat st;
  if (root.fs->fstat(root.fd, &st) != 0) {
    int e = errno;
    return fail_temporary(std::string("cannot examine the tree's root: ") + std::strerror(e), e);
  }
  if (auto refused = refuse_filesystem_root(st); !refused) return std::unexpected(refused.error());
  return st.st_dev;
}

}  // namespace

Result<void> refuse_filesystem_root(const struct stat& tree) {
  // Not through the seam: "/" is not the tree, and its faults are not ours.
  struct stat top;
  if (::stat("/", &top) != 0) {
    int e = errno;
    return fail_temporary(std::string("cannot examine /: ") + std::strerror(e), e);
  }
  if (tree.st_dev == top.st_dev && tree.st_ino == top.st_ino) {
    return fail("the filesystem's root, refused as the tree", EINVAL);
  }
  return {};
}

namespace {

struct Top {
  Family family;
  const char* name;
  Key::Kind kind = Key::Kind::prefix;
};

Result<void> walk_tops(const TreeRoot& root, TreeVisitor& visitor, std::initializer_list<Top> tops) {
  auto dev = root_device(root);
  if (!dev) return std::unexpected(dev.error());
  Walk walk(root, visitor, *dev);
  for (const Top& top : tops) walk.family(root.fd, top.family, top.name, top.kind);
  return {};
}

}  // namespace

Result<void> walk_tree(const TreeRoot& root, TreeVisitor& visitor) {
  return walk_tops(root, visitor,
                   {{Family::v4, "ip4"},
                    {Family::v6, "ip6"},
                    {Family::v4, "triplet", Key::Kind::triplet},
                    {Family::v4, "awl", Key::Kind::awl},
                    {Family::v4, "corr", Key::Kind::correspondent}});
}

Result<void> walk_v8_tree(const TreeRoot& root, TreeVisitor& visitor) {
  return walk_tops(root, visitor, {{Family::v4, "."}});
}

}  // namespace jgl

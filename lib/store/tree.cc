// store/tree.cc: entries in the tree, found or created without races.
#include "lib/store/tree.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "lib/store/walk.h"

namespace jgl {
namespace {

// Enough for a cleaner to remove a directory under us at every level, many
// times over; reaching it means something else is wrong.
constexpr int kMaxAttempts = 64;

std::unexpected<Error> store_error(const char* op, std::string_view path, int e) {
  std::string what;
  switch (e) {
    case ELOOP:
    case EXDEV:
      what = "symlink in the tree, not followed";
      break;
    case ENOTDIR:
      what = "a file stands where a directory should be";
      break;
    default:
      what = std::strerror(e);
  }
  return fail_temporary(std::string(op) + " " + std::string(path) + ": " + what, e);
}

std::unexpected<Error> gave_up(std::string_view path) {
  return fail_temporary("create " + std::string(path) + ": gave up after " + std::to_string(kMaxAttempts) +
                        " attempts racing with other processes", EAGAIN);
}

// "/", "//", "/./..": the filesystem's root by its name. A tree there would
// put ip4/ and ip6/ in /; it is more likely an unset variable ("$DIR/").
bool names_filesystem_root(std::string_view path) {
  if (!path.starts_with('/')) return false;
  while (!path.empty()) {
    std::size_t slash = path.find('/');
    std::string_view name = path.substr(0, slash);
    if (!name.empty() && name != "." && name != "..") return false;
    path = slash == std::string_view::npos ? std::string_view() : path.substr(slash + 1);
  }
  return true;
}

}  // namespace

Result<TreeStore> TreeStore::open(const char* root, Filesystem& fs) {
  if (names_filesystem_root(root)) {
    return fail(std::string(root) + ": the filesystem's root, refused as the tree", EINVAL);
  }
  int fd = fs.open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) {
    int e = errno;
    return fail_temporary(std::string(root) + ": " + (e == ENOTDIR ? "not a directory" : std::strerror(e)), e);
  }
  return TreeStore(root, fd, fs);
}

Result<void> TreeStore::refuse_filesystem_root() const {
  struct stat tree;
  if (fs_->fstat(root_fd_, &tree) != 0) {
    int e = errno;
    return fail_temporary(std::string("cannot examine the tree's root: ") + std::strerror(e), e);
  }
  return jgl::refuse_filesystem_root(tree);
}

TreeStore::TreeStore(TreeStore&& other) noexcept
    : root_(std::move(other.root_)),
      root_fd_(other.root_fd_),
      fs_(other.fs_),
      expiry_(other.expiry_),
      root_checked_(other.root_checked_),
      umask_takes_owner_bits_(other.umask_takes_owner_bits_) {
  other.root_fd_ = -1;
}

TreeStore::~TreeStore() {
  if (root_fd_ >= 0) fs_->close(root_fd_);
}

Result<TreePath> TreeStore::path_of(const Key& key) const {
  if (!key.is_prefix()) return TreePath::hashed(key.kind(), key.digest());
  return TreePath(key.client());
}

namespace {

// A hashed entry's contents, read from fd (open with O_NOATIME, so that
// reading does not make it look seen), at most kEntryContentMax bytes.
// `size`, when known (fstat), ends the read without asking for the end of
// the file: one read for an entry that is what its size says.
Result<std::string> read_content(Filesystem& fs, int fd, std::size_t size_known = 0) {
  char buf[kEntryContentMax + 1];
  std::size_t size = 0;
  ssize_t n = 0;
  while (size < sizeof buf && (size_known == 0 || size < size_known) &&
         (n = fs.read(fd, buf + size, sizeof buf - size)) > 0) {
    size += static_cast<std::size_t>(n);
  }
  if (n < 0) return fail_temporary(std::strerror(errno), errno);
  return std::string(buf, size);
}

// O_NOATIME: reading must not make the entry look seen. Entries are 0600,
// so whoever can read one owns it (or is root) and may ask that.
constexpr int kReadContent = O_NOATIME | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC;

std::unexpected<Error> not_readable(std::string_view path, int e) {
  if (e == EPERM) {
    return fail_temporary("open " + std::string(path) +
                          ": not readable without changing its last sighting (not its owner)", EPERM);
  }
  return store_error("open", path, e);
}

// An awl entry whose contents are not its network's count.
std::unexpected<Error> not_awl_entry(const TreePath& path, const Key& key) {
  return fail_temporary(std::string(path.view()) + ": not the awl entry of " + key.client_text());
}

}  // namespace

int TreeStore::open_entry(const TreePath& path) {
  return fs_->open_beneath(root_fd_, path.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC, 0);
}

Result<int> TreeStore::open_located(TreePath& path, struct stat& st, Cover cover) {
  for (int attempt = 0; attempt < kMaxAttempts; ++attempt) {
    int fd = open_entry(path);
    if (fd < 0) {
      if (errno == ENOENT) return -1;
      if (errno != ENOTDIR || path.is_hashed()) return store_error("open", path.view(), errno);
      bool vanished = false;
      auto shorter = shorter_entry(path, &vanished);
      if (!shorter) return std::unexpected(shorter.error());
      if (vanished) continue;
      if (cover == Cover::refuse) {
        return fail(std::string(path.view()) + ": the entry " + std::string(shorter->view()) +
                    " of a shorter key stands on its path");
      }
      path = *shorter;
      continue;
    }
    if (fs_->fstat(fd, &st) != 0) {
      int e = errno;
      fs_->close(fd);
      return store_error("stat", path.view(), e);
    }
    if (S_ISREG(st.st_mode)) return fd;
    fs_->close(fd);
    if (!S_ISDIR(st.st_mode) || path.is_inside() || !path.may_hold_longer()) {
      return fail_temporary("open " + std::string(path.view()) + ": not a regular file");
    }
    path = path.inside();
  }
  return gave_up(path.view());
}

// The entry of a shorter key that stands on `path`: the first of its levels
// that is a file. *vanished when there is none any more (a cleaner removed
// it between the two looks): the caller looks again.
Result<TreePath> TreeStore::shorter_entry(const TreePath& path, bool* vanished) {
  int last = path.is_inside() ? path.bytes() : path.bytes() - 1;
  for (int bytes = 1; bytes <= last; ++bytes) {
    TreePath level = path.upto(bytes);
    int fd = open_entry(level);
    if (fd < 0) {
      if (errno == ENOENT) break;
      // ENOTDIR on the first byte level: ip4 or ip6 itself is a file.
      return store_error("open", level.view(), errno);
    }
    struct stat st;
    int rc = fs_->fstat(fd, &st);
    int e = errno;
    fs_->close(fd);
    if (rc != 0) return store_error("stat", level.view(), e);
    if (S_ISDIR(st.st_mode)) continue;
    if (!S_ISREG(st.st_mode)) return fail_temporary("open " + std::string(level.view()) + ": not a regular file");
    return level;
  }
  *vanished = true;
  return path;
}

Result<Sighting> TreeStore::observe(const Key& key, timespec now) {
  auto path = path_of(key);
  if (!path) return std::unexpected(path.error());
  for (int attempt = 0; attempt < kMaxAttempts; ++attempt) {
    struct stat st;
    auto fd = open_located(*path, st, Cover::follow);
    if (!fd) return std::unexpected(fd.error());
    if (*fd >= 0) return touch_open_entry(*fd, st, *path, now, expiry_for(key.kind(), expiry_));
    bool raced = false;
    auto created = create(*path, now, now, key.is_prefix() ? std::string() : entry_content(key), &raced);
    if (created || !raced) return created;
  }
  return gave_up(path->view());
}

// Marks the entry open on fd seen `now` (atime only) and closes it; an
// expired entry starts over (mtime too), in the same one system call.
Result<Sighting> TreeStore::touch_open_entry(int fd, const struct stat& st, const TreePath& path, timespec now,
                                            const ExpiryPolicy& expiry) {
  bool expired = judge(st.st_mtim.tv_sec, st.st_atim.tv_sec, now.tv_sec, expiry).expired;
  const timespec times[2] = {now, expired ? now : timespec{0, UTIME_OMIT}};
  int rc = fs_->futimens(fd, times);
  int e = errno;
  fs_->close(fd);
  if (rc != 0) return store_error("touch", path.view(), e);
  if (expired) return Sighting{true, now, now, true};
  return Sighting{false, st.st_mtim, st.st_atim};
}

Result<std::optional<Entry>> TreeStore::find(const Key& key) {
  auto path = path_of(key);
  if (!path) return std::unexpected(path.error());
  // An awl entry is read for its count: one open, without changing its times.
  if (key.kind() == Key::Kind::awl) return find_count(key, *path);
  int own_bytes = path->bytes();
  struct stat st;
  auto fd = open_located(*path, st, Cover::follow);
  if (!fd) return std::unexpected(fd.error());
  if (*fd < 0) return std::optional<Entry>();
  fs_->close(*fd);
  // A shorter key's entry answers with its own key.
  Key found = path->bytes() == own_bytes ? key : Key(Prefix(key.client().address(), 8 * path->bytes()));
  return Entry{found, st.st_mtim, st.st_atim};
}

// An awl entry with its count, read without changing its times.
Result<std::optional<Entry>> TreeStore::find_count(const Key& key, const TreePath& path) {
  int fd = fs_->open_beneath(root_fd_, path.c_str(), O_RDONLY | kReadContent, 0);
  if (fd < 0) {
    if (errno == ENOENT) return std::optional<Entry>();
    return not_readable(path.view(), errno);
  }
  struct stat st;
  auto content = fs_->fstat(fd, &st) == 0 ? read_content(*fs_, fd, static_cast<std::size_t>(st.st_size))
                                          : store_error("stat", path.view(), errno);
  fs_->close(fd);
  if (!content) return std::unexpected(content.error());
  auto parsed = parse_entry_content(key.kind(), *content);
  if (!parsed || parsed->key != key) return not_awl_entry(path, key);
  return Entry{key, st.st_mtim, st.st_atim, parsed->count};
}

Result<Entry> TreeStore::count_pass(const Key& key, timespec now, long interval) {
  if (key.kind() != Key::Kind::awl) return fail("count_pass: not an awl key");
  auto path = path_of(key);
  if (!path) return std::unexpected(path.error());
  ExpiryPolicy expiry = expiry_for(key.kind(), expiry_);
  for (int attempt = 0; attempt < kMaxAttempts; ++attempt) {
    int fd = fs_->open_beneath(root_fd_, path->c_str(), O_RDWR | kReadContent, 0);
    if (fd < 0 && errno != ENOENT) return not_readable(path->view(), errno);
    if (fd < 0) {
      bool raced = false;
      auto created = create(*path, now, now, entry_content(key, 1), &raced);
      if (created) return Entry{key, now, now, 1};
      if (!raced) return std::unexpected(created.error());
      continue;
    }
    auto counted = count_open_entry(fd, key, *path, now, interval, expiry);
    fs_->close(fd);
    return counted;
  }
  return gave_up(path->view());
}

// count_pass on the entry open read-write on fd: the count rewritten in
// place (it has a fixed width), then the times put back (writing moved
// the mtime, which is the first sighting).
Result<Entry> TreeStore::count_open_entry(int fd, const Key& key, const TreePath& path, timespec now, long interval,
                                          const ExpiryPolicy& expiry) {
  struct stat st;
  if (fs_->fstat(fd, &st) != 0) return store_error("stat", path.view(), errno);
  auto content = read_content(*fs_, fd, static_cast<std::size_t>(st.st_size));
  if (!content) return std::unexpected(content.error());
  auto parsed = parse_entry_content(key.kind(), *content);
  if (!parsed || parsed->key != key) return not_awl_entry(path, key);
  Entry entry{key, st.st_mtim, st.st_atim, parsed->count};
  if (judge(st.st_mtim.tv_sec, st.st_atim.tv_sec, now.tv_sec, expiry).expired) {
    entry = Entry{key, now, now, 1};
  } else if (now.tv_sec - st.st_atim.tv_sec >= interval) {
    entry.last_seen = now;
    entry.count = std::min(entry.count + 1, kMaxCount);
  } else {
    return entry;
  }
  std::string updated = entry_content(key, entry.count);
  ssize_t wrote = fs_->pwrite(fd, updated.data(), updated.size(), 0);
  if (wrote != static_cast<ssize_t>(updated.size())) return store_error("write", path.view(), wrote < 0 ? errno : EIO);
  const timespec times[2] = {entry.last_seen, entry.first_seen};
  if (fs_->futimens(fd, times) != 0) return store_error("touch", path.view(), errno);
  return entry;
}

Result<void> TreeStore::set_times(const Entry& entry) {
  auto path = path_of(entry.key);
  if (!path) return std::unexpected(path.error());
  for (int attempt = 0; attempt < kMaxAttempts; ++attempt) {
    struct stat st;
    auto fd = open_located(*path, st, Cover::refuse);
    if (!fd) return std::unexpected(fd.error());
    if (*fd >= 0 && entry.key.kind() == Key::Kind::awl) {
      fs_->close(*fd);
      return set_awl(entry, *path);
    }
    if (*fd >= 0) {
      const timespec times[2] = {entry.last_seen, entry.first_seen};
      int rc = fs_->futimens(*fd, times);
      int e = errno;
      fs_->close(*fd);
      if (rc != 0) return store_error("touch", path->view(), e);
      return {};
    }
    bool raced = false;
    auto created = create(*path, entry.first_seen, entry.last_seen,
                          entry.key.is_prefix() ? std::string() : entry_content(entry.key, entry.count), &raced);
    if (created) return {};
    if (!raced) return std::unexpected(created.error());
  }
  return gave_up(path->view());
}

// An existing awl entry's count and times replaced, through a descriptor
// open for writing.
Result<void> TreeStore::set_awl(const Entry& entry, const TreePath& path) {
  int fd = fs_->open_beneath(root_fd_, path.c_str(), O_WRONLY | kReadContent, 0);
  if (fd < 0) return not_readable(path.view(), errno);
  std::string content = entry_content(entry.key, entry.count);
  const char* failed = nullptr;
  ssize_t wrote = fs_->pwrite(fd, content.data(), content.size(), 0);
  if (wrote != static_cast<ssize_t>(content.size())) {
    failed = "write";
    if (wrote >= 0) errno = EIO;
  }
  const timespec times[2] = {entry.last_seen, entry.first_seen};
  if (failed == nullptr && fs_->futimens(fd, times) != 0) failed = "touch";
  int e = errno;
  fs_->close(fd);
  if (failed != nullptr) return store_error(failed, path.view(), e);
  return {};
}

Result<bool> TreeStore::forget(const Key& key) {
  auto path = path_of(key);
  if (!path) return std::unexpected(path.error());
  // Only the key's own entry: a shorter key's entry on its path is not it.
  struct stat st;
  auto fd = open_located(*path, st, Cover::refuse);
  if (!fd) {
    if (!fd.error().temporary) return false;
    return std::unexpected(fd.error());
  }
  if (*fd < 0) return false;
  fs_->close(*fd);
  // The entry is removed in its directory, itself reached beneath the root
  // with no symlink followed: unlinkat on the whole path would follow one.
  std::string_view whole = path->view();
  std::size_t slash = whole.rfind('/');
  std::string parent(whole.substr(0, slash));
  std::string name(whole.substr(slash + 1));
  int dirfd = fs_->open_beneath(root_fd_, parent.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC, 0);
  if (dirfd < 0) {
    if (errno == ENOENT) return false;
    return store_error("open", whole, errno);
  }
  Result<bool> removed = true;
  if (fs_->fstatat(dirfd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
    removed = errno == ENOENT ? Result<bool>(false) : store_error("stat", whole, errno);
  } else if (!S_ISREG(st.st_mode)) {
    removed = fail_temporary("remove " + std::string(whole) + ": not a regular file");
  } else if (fs_->unlinkat(dirfd, name.c_str(), 0) != 0) {
    removed = errno == ENOENT ? Result<bool>(false) : store_error("remove", whole, errno);
  }
  fs_->close(dirfd);
  return removed;
}

namespace {

// The walk's visits as the Store interface's entries; nothing is removed.
class EnumerationVisitor : public TreeVisitor {
 public:
  EnumerationVisitor(EntryVisitor& visitor, Filesystem& fs) : visitor_(visitor), fs_(fs) {}
  bool entry(const EntryVisit& v) override {
    if (v.kind == Key::Kind::prefix) {
      visitor_.entry(Entry{Key(v.key), v.st.st_mtim, v.st.st_atim});
      return false;  // kept
    }
    auto content = hashed_content(v);
    if (!content) {
      visitor_.problem(Error{std::string(v.path) + ": " + content.error().message + ": left alone", 0,
                             content.error().temporary});
    } else {
      visitor_.entry(Entry{std::move(content->key), v.st.st_mtim, v.st.st_atim, content->count});
    }
    return false;
  }
  bool empty_directory(int, const char*, std::string_view) override { return false; }
  void junk(std::string_view path, std::string_view why) override {
    visitor_.problem(Error{std::string(path) + ": " + std::string(why), 0, false});
  }
  void error(std::string_view path, int sys_errno) override {
    visitor_.problem(Error{std::string(path) + ": " + std::strerror(sys_errno), sys_errno, true});
  }

 private:
  // A hashed entry's key (and count), from its contents, checked against
  // its name.
  Result<EntryContent> hashed_content(const EntryVisit& v) {
    int fd = fs_.openat(v.dirfd, v.name, O_RDONLY | kReadContent, 0);
    if (fd < 0 && errno == EPERM) {
      return fail_temporary("not readable without changing its last sighting (not its owner)", EPERM);
    }
    if (fd < 0) return fail_temporary(std::strerror(errno), errno);
    auto content = read_content(fs_, fd);
    fs_.close(fd);
    if (!content) return std::unexpected(content.error());
    auto parsed = parse_entry_content(v.kind, *content);
    if (!parsed) return parsed;
    // "triplet/ab/cd/<60>", "awl/ab/<62>": the digest without its slashes.
    std::string named;
    for (char c : std::string_view(v.path).substr(v.path.find('/') + 1)) {
      if (c != '/') named += c;
    }
    if (named != parsed->key.digest()) return fail("its contents are not the key its name hashes");
    return parsed;
  }

  EntryVisitor& visitor_;
  Filesystem& fs_;
};

}  // namespace

Result<void> TreeStore::enumerate(EntryVisitor& visitor) {
  EnumerationVisitor walk_visitor(visitor, *fs_);
  return walk_tree(root(), walk_visitor);
}

// The umask, set for each creation only while it takes owner's bits (see
// create). Not through the seam: it touches no file.
class TreeStore::UmaskGuard {
 public:
  explicit UmaskGuard(TreeStore& store) : needed_(store.umask_takes_owner_bits_) {
    if (!needed_) return;
    before_ = ::umask(077);
    store.umask_takes_owner_bits_ = (before_ & 0700) != 0;
  }
  ~UmaskGuard() {
    if (needed_) ::umask(before_);
  }
  UmaskGuard(const UmaskGuard&) = delete;
  UmaskGuard& operator=(const UmaskGuard&) = delete;

 private:
  bool needed_;
  mode_t before_ = 0;
};

Result<void> TreeStore::refuse_filesystem_root_once() {
  if (root_checked_) return {};
  if (auto refused = refuse_filesystem_root(); !refused) {
    return std::unexpected(Error{root_ + ": " + refused.error().message, refused.error().sys_errno,
                                 refused.error().temporary});
  }
  root_checked_ = true;
  return {};
}

// The directory of `path`'s first `levels` levels, opened beneath the root
// with no symlink followed, or -1 with errno.
int TreeStore::open_levels(const TreePath& path, int levels) {
  char dir[TreePath::kCapacity];
  std::size_t end = 0;
  for (int l = 0; l < levels; ++l) end = path.view().find('/', end + 1);
  std::memcpy(dir, path.c_str(), end);
  dir[end] = '\0';
  return fs_->open_beneath(root_fd_, dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC, 0);
}

// Makes the missing directories of `path`, 0700, for an entry that could
// not be made for a missing level. The levels above its directory are
// looked up from the deepest, and the missing ones made from the deepest
// that exists: a new triplet's directory in a young tree, a new /16 of
// IPv4 clients, mostly want one level made. *raced as in create.
Result<void> TreeStore::make_levels(const TreePath& path, bool* raced) {
  int have = path.levels() - 2;  // the entry's directory itself is missing
  int dirfd = root_fd_;
  for (; have > 0; --have) {
    int fd = open_levels(path, have);
    if (fd >= 0) {
      dirfd = fd;
      break;
    }
    if (errno == ENOENT) continue;
    // ENOTDIR: a shorter key's entry, made since the lookup, stands on the
    // path: the lookup, once more, judges by it.
    if (errno == ENOTDIR) {
      *raced = true;
      return fail_temporary("race");
    }
    return store_error("open", path.view(), errno);
  }
  auto release = [&] {
    if (dirfd != root_fd_) fs_->close(dirfd);
  };
  char name[TreePath::kCapacity];
  for (int i = have; i + 1 < path.levels(); ++i) {
    path.level(i, name);
    if (fs_->mkdirat(dirfd, name, 0700) != 0 && errno != EEXIST) {
      int e = errno;
      release();
      // Below the root, ENOENT means a cleaner removed the directory we are
      // in; no cleaner removes the root, so there it means the root is gone.
      if (e == ENOENT && i > 0) {
        *raced = true;
        return fail_temporary("race");
      }
      return store_error("mkdir", path.view(), e);
    }
    if (i + 2 == path.levels()) break;  // the entry's own: made beneath the root
    int next = fs_->openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC, 0);
    int e = errno;
    release();
    if (next < 0) {
      // ENOTDIR: a shorter key's entry was made there meanwhile.
      if (e == ENOENT || e == ENOTDIR) {
        *raced = true;
        return fail_temporary("race");
      }
      return store_error("open", path.view(), e);
    }
    dirfd = next;
  }
  release();
  return {};
}

// Makes the entry, and the missing levels above it, with mtime `first` and
// atime `last`. *raced is set when another process got in between (the
// entry appeared, a directory vanished, a shorter key's entry was made on
// the path): the caller starts over from the lookup.
Result<Sighting> TreeStore::create(const TreePath& path, timespec first, timespec last, std::string_view content,
                                   bool* raced) {
  if (auto refused = refuse_filesystem_root_once(); !refused) return std::unexpected(refused.error());
  // Directories must come out 0700 and the entry 0600 whatever umask the
  // super-server left: one that takes the owner's bits (0277) would make
  // directories no later run can enter. Those modes have only the owner's
  // bits, so only a umask that takes some of them needs setting: the first
  // creation learns the umask, and later ones (a policy service's many)
  // pay no umask calls when it was a usual one (022, 027, 077). The guard
  // restores it: jgreylist execs its program afterwards. Only here, where
  // something is created: a known client's connection pays nothing.
  UmaskGuard umask_guard(*this);
  constexpr int kCreate = O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_NOCTTY | O_CLOEXEC;
  // In a tree in use the entry's directory is there: the entry is made in
  // one call, beneath the root with no symlink followed. ENOENT: a level is
  // missing; once made, the entry is made the same way.
  int fd = fs_->open_beneath(root_fd_, path.c_str(), kCreate, 0600);
  if (fd < 0 && errno == ENOENT) {
    if (auto made = make_levels(path, raced); !made) return std::unexpected(made.error());
    fd = fs_->open_beneath(root_fd_, path.c_str(), kCreate, 0600);
  }
  int e = errno;
  if (fd < 0) {
    // EEXIST: another process made the entry; ENOENT: a cleaner removed the
    // directory just made; ENOTDIR: a shorter key's entry stands on the path.
    if (e == EEXIST || e == ENOENT || e == ENOTDIR) {
      *raced = true;
      return fail_temporary("race");
    }
    return store_error("create", path.view(), e);
  }
  const timespec times[2] = {last, first};
  const char* failed = nullptr;
  if (!content.empty()) {
    // A few hundred bytes into an empty file: one write, or it failed.
    ssize_t wrote = fs_->write(fd, content.data(), content.size());
    if (wrote != static_cast<ssize_t>(content.size())) {
      failed = "write";
      if (wrote >= 0) errno = ENOSPC;
    }
  }
  if (failed == nullptr && fs_->futimens(fd, times) != 0) failed = "touch";
  if (failed != nullptr) {
    e = errno;
    fs_->close(fd);
    // The client is deferred, not greylisted: take back the entry, so that
    // the tree never holds a sighting that the client was not told about.
    // Removed in its directory, reached as the entry was.
    if (int dirfd = open_levels(path, path.levels() - 1); dirfd >= 0) {
      char name[TreePath::kCapacity];  // up to a triplet entry's 60 digits
      fs_->unlinkat(dirfd, path.level(path.levels() - 1, name), 0);
      fs_->close(dirfd);
    }
    return store_error(failed, path.view(), e);
  }
  fs_->close(fd);
  return Sighting{true, first, last};
}

}  // namespace jgl

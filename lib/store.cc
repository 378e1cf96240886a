// store.cc: entries in the tree, found or created without races.
#include "lib/store.h"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

namespace jgl {
namespace {

// Enough for a cleaner to remove a directory under us at every level, many
// times over; reaching it means something else is wrong.
constexpr int kMaxAttempts = 64;

const char kHex[] = "0123456789abcdef";

// Walks `path` one level at a time with O_NOFOLLOW: for kernels without
// openat2 (before 5.6).
int open_beneath_by_walk(Filesystem& fs, int dirfd, const char* path, int flags) {
  int fd = dirfd;
  const char* p = path;
  while (true) {
    const char* slash = std::strchr(p, '/');
    char name[16];
    std::size_t n = slash ? static_cast<std::size_t>(slash - p) : std::strlen(p);
    if (n == 0 || n >= sizeof name) {
      if (fd != dirfd) fs.close(fd);
      errno = EINVAL;
      return -1;
    }
    std::memcpy(name, p, n);
    name[n] = '\0';
    int next = slash ? fs.openat(fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC, 0)
                     : fs.openat(fd, name, flags | O_NOFOLLOW, 0);
    int saved = errno;
    if (fd != dirfd) fs.close(fd);
    if (next < 0) {
      errno = saved;
      return -1;
    }
    if (!slash) return next;
    fd = next;
    p = slash + 1;
  }
}

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
  return fail(std::string(op) + " " + std::string(path) + ": " + what, e);
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

int Filesystem::open(const char* path, int flags) { return ::open(path, flags); }

int Filesystem::open_beneath(int dirfd, const char* path, int flags) {
  static bool have_openat2 = true;
  if (have_openat2) {
    open_how how{};
    how.flags = static_cast<std::uint64_t>(flags);
    how.resolve = RESOLVE_NO_SYMLINKS | RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS;
    long fd = syscall(SYS_openat2, dirfd, path, &how, sizeof how);
    if (fd >= 0 || errno != ENOSYS) return static_cast<int>(fd);
    have_openat2 = false;
  }
  return open_beneath_by_walk(*this, dirfd, path, flags);
}

int Filesystem::openat(int dirfd, const char* path, int flags, mode_t mode) {
  return ::openat(dirfd, path, flags, mode);
}
int Filesystem::mkdirat(int dirfd, const char* path, mode_t mode) { return ::mkdirat(dirfd, path, mode); }
int Filesystem::unlinkat(int dirfd, const char* path, int flags) { return ::unlinkat(dirfd, path, flags); }
int Filesystem::fstat(int fd, struct stat* st) { return ::fstat(fd, st); }
int Filesystem::fstatat(int dirfd, const char* path, struct stat* st, int flags) {
  return ::fstatat(dirfd, path, st, flags);
}
int Filesystem::futimens(int fd, const timespec times[2]) { return ::futimens(fd, times); }
int Filesystem::close(int fd) { return ::close(fd); }

TreePath::TreePath(const Prefix& key) {
  const Address& a = key.address();
  bool v4 = a.is_v4();
  int bytes = (key.length() + 7) / 8;
  if (bytes == 0) bytes = 1;
  std::memcpy(text_, v4 ? "ip4" : "ip6", 3);
  size_ = 3;
  for (int i = 0; i < bytes; ++i) {
    unsigned b = a.byte(i);
    text_[size_++] = '/';
    if (v4) {
      text_[size_++] = static_cast<char>('0' + b / 100);
      text_[size_++] = static_cast<char>('0' + b / 10 % 10);
      text_[size_++] = static_cast<char>('0' + b % 10);
    } else {
      text_[size_++] = kHex[b >> 4];
      text_[size_++] = kHex[b & 0xf];
    }
  }
  text_[size_] = '\0';
  levels_ = bytes + 1;
}

const char* TreePath::level(int i, char* buf) const {
  std::size_t start = 0;
  for (int l = 0; l < i; ++l) start = view().find('/', start) + 1;
  std::size_t end = view().find('/', start);
  if (end == std::string_view::npos) end = size_;
  std::memcpy(buf, text_ + start, end - start);
  buf[end - start] = '\0';
  return buf;
}

int tree_level_byte(Family family, std::string_view name) {
  if (family == Family::v4) {
    if (name.size() != 3) return -1;
    int v = 0;
    for (char c : name) {
      if (c < '0' || c > '9') return -1;
      v = v * 10 + (c - '0');
    }
    return v <= 255 ? v : -1;
  }
  if (name.size() != 2) return -1;
  int v = 0;
  for (char c : name) {
    const char* p = std::strchr(kHex, c);
    if (c == '\0' || p == nullptr) return -1;
    v = v * 16 + static_cast<int>(p - kHex);
  }
  return v;
}

Result<Store> Store::open(const char* root, Filesystem& fs) {
  if (names_filesystem_root(root)) {
    return fail(std::string(root) + ": the filesystem's root, refused as the tree", EINVAL);
  }
  int fd = fs.open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) {
    int e = errno;
    return fail(std::string(root) + ": " + (e == ENOTDIR ? "not a directory" : std::strerror(e)), e);
  }
  return Store(fd, fs);
}

Store::Store(Store&& other) noexcept : root_fd_(other.root_fd_), fs_(other.fs_) { other.root_fd_ = -1; }

Store::~Store() {
  if (root_fd_ >= 0) fs_->close(root_fd_);
}

Result<Sighting> Store::observe(const Prefix& key, timespec now) {
  TreePath path(key);
  for (int attempt = 0; attempt < kMaxAttempts; ++attempt) {
    int fd = fs_->open_beneath(root_fd_, path.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
    if (fd >= 0) {
      struct stat st;
      if (fs_->fstat(fd, &st) != 0) {
        int e = errno;
        fs_->close(fd);
        return store_error("stat", path.view(), e);
      }
      if (!S_ISREG(st.st_mode)) {
        fs_->close(fd);
        return fail("open " + std::string(path.view()) + ": not a regular file");
      }
      const timespec times[2] = {now, {0, UTIME_OMIT}};
      if (fs_->futimens(fd, times) != 0) {
        int e = errno;
        fs_->close(fd);
        return store_error("touch", path.view(), e);
      }
      fs_->close(fd);
      return Sighting{false, st.st_mtim, st.st_atim};
    }
    if (errno != ENOENT) return store_error("open", path.view(), errno);
    bool raced = false;
    auto created = create(path, now, &raced);
    if (created || !raced) return created;
  }
  return fail("create " + std::string(path.view()) + ": gave up after " + std::to_string(kMaxAttempts) +
              " attempts racing with other processes", EAGAIN);
}

// Makes the missing levels and the entry. *raced is set when another process
// got in between (the entry appeared, a directory vanished): the caller
// starts over from the lookup.
Result<Sighting> Store::create(const TreePath& path, timespec now, bool* raced) {
  // Directories must come out 0700 and the entry 0600 whatever umask the
  // super-server left: one without the owner's bits (0277) would make
  // directories no later run can enter. Only here, where something is
  // created: a known client's connection pays no umask calls.
  struct UmaskGuard {
    mode_t before = ::umask(077);
    ~UmaskGuard() { ::umask(before); }
  } umask_guard;
  char name[16];
  int dirfd = root_fd_;
  auto release = [&] {
    if (dirfd != root_fd_) fs_->close(dirfd);
  };
  for (int i = 0; i + 1 < path.levels(); ++i) {
    path.level(i, name);
    if (fs_->mkdirat(dirfd, name, 0700) != 0 && errno != EEXIST) {
      int e = errno;
      release();
      // Below the root, ENOENT means a cleaner removed the directory we are
      // in; no cleaner removes the root, so there it means the root is gone.
      if (e == ENOENT && i > 0) {
        *raced = true;
        return fail("race");
      }
      return store_error("mkdir", path.view(), e);
    }
    int next = fs_->openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC, 0);
    int e = errno;
    release();
    if (next < 0) {
      if (e == ENOENT) {
        *raced = true;
        return fail("race");
      }
      return store_error("open", path.view(), e);
    }
    dirfd = next;
  }
  path.level(path.levels() - 1, name);
  int fd = fs_->openat(dirfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_NOCTTY | O_CLOEXEC, 0600);
  int e = errno;
  if (fd < 0) {
    release();
    if (e == EEXIST || e == ENOENT) {
      *raced = true;
      return fail("race");
    }
    return store_error("create", path.view(), e);
  }
  const timespec times[2] = {now, now};
  if (fs_->futimens(fd, times) != 0) {
    e = errno;
    fs_->close(fd);
    // The client is deferred, not greylisted: take back the entry, so that
    // the tree never holds a sighting that the client was not told about.
    fs_->unlinkat(dirfd, name, 0);
    release();
    return store_error("touch", path.view(), e);
  }
  fs_->close(fd);
  release();
  return Sighting{true, now, now};
}

}  // namespace jgl

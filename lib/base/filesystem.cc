// base/filesystem.cc: the real system calls, and openat2's fallback.
#include "lib/base/filesystem.h"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdint>
#include <cstring>

namespace jgl {
namespace {

// Walks `path` one level at a time with O_NOFOLLOW: for kernels without
// openat2 (before 5.6).
int open_beneath_by_walk(Filesystem& fs, int dirfd, const char* path, int flags, mode_t mode) {
  int fd = dirfd;
  const char* p = path;
  while (true) {
    const char* slash = std::strchr(p, '/');
    char name[NAME_MAX + 1];
    std::size_t n = slash ? static_cast<std::size_t>(slash - p) : std::strlen(p);
    if (n == 0 || n >= sizeof name) {
      if (fd != dirfd) fs.close(fd);
      errno = EINVAL;
      return -1;
    }
    std::memcpy(name, p, n);
    name[n] = '\0';
    int next = slash ? fs.openat(fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC, 0)
                     : fs.openat(fd, name, flags | O_NOFOLLOW, mode);
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

}  // namespace

int Filesystem::open(const char* path, int flags) { return ::open(path, flags); }

int Filesystem::open_beneath(int dirfd, const char* path, int flags, mode_t mode) {
  static bool have_openat2 = true;
  if (have_openat2) {
    open_how how{};
    how.flags = static_cast<std::uint64_t>(flags);
    if (flags & O_CREAT) how.mode = mode;  // openat2 refuses a mode without O_CREAT
    how.resolve = RESOLVE_NO_SYMLINKS | RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS;
    long fd = syscall(SYS_openat2, dirfd, path, &how, sizeof how);
    if (fd >= 0 || errno != ENOSYS) return static_cast<int>(fd);
    have_openat2 = false;
  }
  return open_beneath_by_walk(*this, dirfd, path, flags, mode);
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
ssize_t Filesystem::write(int fd, const void* buf, size_t size) { return ::write(fd, buf, size); }
ssize_t Filesystem::read(int fd, void* buf, size_t size) { return ::read(fd, buf, size); }
ssize_t Filesystem::pwrite(int fd, const void* buf, size_t size, off_t offset) {
  return ::pwrite(fd, buf, size, offset);
}
int Filesystem::close(int fd) { return ::close(fd); }
int Filesystem::pipe2(int fds[2], int flags) { return ::pipe2(fds, flags); }
int Filesystem::set_pipe_size(int fd, int bytes) { return ::fcntl(fd, F_SETPIPE_SZ, bytes); }
ssize_t Filesystem::splice(int in, int out, size_t size, unsigned flags) {
  return ::splice(in, nullptr, out, nullptr, size, flags);
}
int Filesystem::poll(pollfd* fds, nfds_t count, int timeout_ms) { return ::poll(fds, count, timeout_ms); }
ssize_t Filesystem::send(int fd, const void* buf, size_t size, int flags) { return ::send(fd, buf, size, flags); }

}  // namespace jgl

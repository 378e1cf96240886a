// base/filesystem.h: the system calls the tree makes, behind one seam.
//
// TreeStore, the walk and the cleaner make every system call on the tree
// through a Filesystem, so that tests can fail any one of them (ENOSPC on
// the third mkdir, a directory that vanishes after it is made) without
// mocking the programs: tests/helpers/fault_filesystem.h, linked into the
// test builds of jgreylist, jgreylist-clean and jgreylist-queue by
// tests/helpers/fault_seam.cpp. The queue filter's spool (lib/mail/spool.h)
// moves the message through the same seam: its pipe, its size, its splices;
// so does the fake SMTP conversation (lib/mail/smtp.h) talk to its client:
// poll, read, send and write, which tests/fuzz/smtp_memory.cc answers from
// memory.
#pragma once

#include <poll.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>

namespace jgl {

// Each call returns what the system call returns and sets errno the same way.
class Filesystem {
 public:
  virtual ~Filesystem() = default;
  virtual int open(const char* path, int flags);
  // openat with no symlink followed anywhere in `path` and nothing outside
  // `dirfd` reached (openat2 RESOLVE_NO_SYMLINKS | RESOLVE_BENEATH); `mode`
  // for O_CREAT, as openat's.
  virtual int open_beneath(int dirfd, const char* path, int flags, mode_t mode);
  virtual int openat(int dirfd, const char* path, int flags, mode_t mode);
  virtual int mkdirat(int dirfd, const char* path, mode_t mode);
  virtual int unlinkat(int dirfd, const char* path, int flags);
  virtual int fstat(int fd, struct stat* st);
  virtual int fstatat(int dirfd, const char* path, struct stat* st, int flags);
  virtual int futimens(int fd, const timespec times[2]);
  virtual ssize_t write(int fd, const void* buf, size_t size);
  virtual ssize_t read(int fd, void* buf, size_t size);
  virtual ssize_t pwrite(int fd, const void* buf, size_t size, off_t offset);
  virtual int close(int fd);
  virtual int pipe2(int fds[2], int flags);
  // fcntl(fd, F_SETPIPE_SZ, bytes).
  virtual int set_pipe_size(int fd, int bytes);
  virtual ssize_t splice(int in, int out, size_t size, unsigned flags);
  virtual int poll(pollfd* fds, nfds_t count, int timeout_ms);
  virtual ssize_t send(int fd, const void* buf, size_t size, int flags);
};

// The real system calls. Defined in lib/base/system_fs.cc, alone, so that the
// test builds of the programs can link a fault-injecting one instead.
Filesystem& system_filesystem();

}  // namespace jgl

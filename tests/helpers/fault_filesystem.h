// fault_filesystem.h: a Filesystem that fails chosen calls, for tests.
//
// The real system calls of jgl::Filesystem, except that the calls named in
// a fault list fail with a chosen errno, or succeed and then have what they
// made removed at once, the way a concurrent jgreylist-clean removes an
// empty directory ("vanish"). The list is text, so that a test script can
// hand it to a program in the environment (JGL_FAULT, see fault_seam.cpp):
//
//   OP:NTH:WHAT[,OP:NTH:WHAT...]
//
//   OP    open     Filesystem::open (the tree's root)
//         lookup   open_beneath of an entry (jgreylist looking it up)
//         lookupdir  open_beneath of a directory (O_DIRECTORY: a level
//                  above a new entry, an entry's directory to remove it)
//         mkdir    mkdirat
//         opendir  openat of a directory (O_DIRECTORY)
//         create   openat or open_beneath making a file (O_CREAT)
//         openat   any other openat
//         stat     fstat
//         statat   fstatat
//         touch    futimens
//         unlink   unlinkat of a file
//         rmdir    unlinkat of a directory (AT_REMOVEDIR)
//         pipe     pipe2 (the queue filter's own pipe, lib/mail/spool.h)
//         pipesize fcntl F_SETPIPE_SZ
//         splice   splice (every one: into our pipe, into the spool)
//   NTH   the NTH call of OP (from 1), or * for every call
//   WHAT  an errno name (EACCES, EIO...) or number: the call fails with it,
//         doing nothing; or vanish (mkdir and opendir only): the call is
//         made, then the directory is removed.
//
// Every fault injected is counted and, given a log descriptor, written on
// it as one line "fault OP NTH WHAT NAME", so that a test can tell a fault
// that struck from one that never came due.
#pragma once

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "lib/base/error.h"
#include "lib/base/filesystem.h"

namespace jgl {

struct Fault {
  std::string op;
  long nth = 0;       // 0: every call
  int sys_errno = 0;  // 0 with vanish
  bool vanish = false;
};

inline constexpr const char* kFaultOps[] = {"open",   "lookup", "lookupdir", "mkdir",  "opendir",  "create", "openat",
                                            "stat",   "statat", "touch",     "unlink", "rmdir",    "pipe",   "pipesize",
                                            "splice"};
inline constexpr std::size_t kFaultOpCount = sizeof kFaultOps / sizeof kFaultOps[0];

struct ErrnoName {
  const char* name;
  int value;
};
inline constexpr ErrnoName kErrnoNames[] = {
    {"EACCES", EACCES}, {"EPERM", EPERM},     {"EROFS", EROFS},   {"ENOSPC", ENOSPC},       {"EDQUOT", EDQUOT},
    {"EIO", EIO},       {"ENOENT", ENOENT},   {"EEXIST", EEXIST}, {"ENOTDIR", ENOTDIR},     {"EISDIR", EISDIR},
    {"ELOOP", ELOOP},   {"EMFILE", EMFILE},   {"ENFILE", ENFILE}, {"ENOMEM", ENOMEM},       {"EBUSY", EBUSY},
    {"EAGAIN", EAGAIN}, {"EINTR", EINTR},     {"EXDEV", EXDEV},   {"ENOTEMPTY", ENOTEMPTY}, {"ESTALE", ESTALE},
    {"EFBIG", EFBIG},   {"EMLINK", EMLINK},   {"ENAMETOOLONG", ENAMETOOLONG}, {"EINVAL", EINVAL},
};

inline const char* errno_name(int e) {
  for (const ErrnoName& n : kErrnoNames) {
    if (n.value == e) return n.name;
  }
  return nullptr;
}

inline int fault_op_index(std::string_view op) {
  for (std::size_t i = 0; i < kFaultOpCount; ++i) {
    if (op == kFaultOps[i]) return static_cast<int>(i);
  }
  return -1;
}

inline Result<std::vector<Fault>> parse_faults(std::string_view spec) {
  std::vector<Fault> faults;
  while (!spec.empty()) {
    std::size_t comma = spec.find(',');
    std::string_view item = spec.substr(0, comma);
    spec = comma == std::string_view::npos ? std::string_view() : spec.substr(comma + 1);
    std::size_t c1 = item.find(':');
    std::size_t c2 = c1 == std::string_view::npos ? c1 : item.find(':', c1 + 1);
    if (c2 == std::string_view::npos) return fail("'" + std::string(item) + "': not OP:NTH:WHAT");
    Fault f;
    f.op = item.substr(0, c1);
    std::string_view nth = item.substr(c1 + 1, c2 - c1 - 1), what = item.substr(c2 + 1);
    if (fault_op_index(f.op) < 0) return fail("'" + f.op + "': no such operation");
    if (nth != "*") {
      if (nth.empty() || nth.size() > 9 || nth.find_first_not_of("0123456789") != std::string_view::npos ||
          std::stol(std::string(nth)) == 0)
        return fail("'" + std::string(nth) + "': NTH is a number from 1, or *");
      f.nth = std::stol(std::string(nth));
    }
    if (what == "vanish") {
      if (f.op != "mkdir" && f.op != "opendir") return fail("vanish is for mkdir and opendir only");
      f.vanish = true;
    } else if (!what.empty() && what.find_first_not_of("0123456789") == std::string_view::npos &&
               what.size() < 5) {
      f.sys_errno = std::stoi(std::string(what));
    } else {
      for (const ErrnoName& n : kErrnoNames) {
        if (what == n.name) f.sys_errno = n.value;
      }
    }
    if (!f.vanish && f.sys_errno <= 0) return fail("'" + std::string(what) + "': not an errno name or number");
    faults.push_back(std::move(f));
  }
  return faults;
}

class FaultFilesystem : public Filesystem {
 public:
  explicit FaultFilesystem(std::vector<Fault> faults, int log_fd = -1)
      : faults_(std::move(faults)), log_fd_(log_fd) {}

  int open(const char* path, int flags) override {
    if (const Fault* f = due("open", path)) return fail_with(f);
    return Filesystem::open(path, flags);
  }
  int open_beneath(int dirfd, const char* path, int flags, mode_t mode) override {
    const char* op = (flags & O_CREAT) ? "create" : (flags & O_DIRECTORY) ? "lookupdir" : "lookup";
    if (const Fault* f = due(op, path)) return fail_with(f);
    // Without openat2 the lookup walks the path with openat: not counted.
    in_lookup_ = true;
    int fd = Filesystem::open_beneath(dirfd, path, flags, mode);
    in_lookup_ = false;
    return fd;
  }
  int openat(int dirfd, const char* path, int flags, mode_t mode) override {
    if (in_lookup_) return Filesystem::openat(dirfd, path, flags, mode);
    const char* op = (flags & O_CREAT) ? "create" : (flags & O_DIRECTORY) ? "opendir" : "openat";
    const Fault* f = due(op, path);
    if (f != nullptr && !f->vanish) return fail_with(f);
    int fd = Filesystem::openat(dirfd, path, flags, mode);
    if (f != nullptr && fd >= 0) remove_directory(dirfd, path);
    return fd;
  }
  int mkdirat(int dirfd, const char* path, mode_t mode) override {
    const Fault* f = due("mkdir", path);
    if (f != nullptr && !f->vanish) return fail_with(f);
    int r = Filesystem::mkdirat(dirfd, path, mode);
    if (f != nullptr && r == 0) remove_directory(dirfd, path);
    return r;
  }
  int unlinkat(int dirfd, const char* path, int flags) override {
    if (const Fault* f = due((flags & AT_REMOVEDIR) ? "rmdir" : "unlink", path)) return fail_with(f);
    return Filesystem::unlinkat(dirfd, path, flags);
  }
  int fstat(int fd, struct stat* st) override {
    if (const Fault* f = due("stat", "")) return fail_with(f);
    return Filesystem::fstat(fd, st);
  }
  int fstatat(int dirfd, const char* path, struct stat* st, int flags) override {
    if (const Fault* f = due("statat", path)) return fail_with(f);
    return Filesystem::fstatat(dirfd, path, st, flags);
  }
  int futimens(int fd, const timespec times[2]) override {
    if (const Fault* f = due("touch", "")) return fail_with(f);
    return Filesystem::futimens(fd, times);
  }
  int pipe2(int fds[2], int flags) override {
    if (const Fault* f = due("pipe", "")) return fail_with(f);
    return Filesystem::pipe2(fds, flags);
  }
  int set_pipe_size(int fd, int bytes) override {
    if (const Fault* f = due("pipesize", "")) return fail_with(f);
    return Filesystem::set_pipe_size(fd, bytes);
  }
  ssize_t splice(int in, int out, size_t size, unsigned flags) override {
    if (const Fault* f = due("splice", "")) return fail_with(f);
    return Filesystem::splice(in, out, size, flags);
  }

  // How many faults struck so far.
  int injected() const { return injected_; }
  // How many calls of `op` were made so far.
  long calls(std::string_view op) const {
    int i = fault_op_index(op);
    return i < 0 ? 0 : calls_[i];
  }

 private:
  // Counts a call of `op` and returns the fault it is due for, if any.
  const Fault* due(const char* op, const char* name) {
    long n = ++calls_[fault_op_index(op)];
    for (const Fault& f : faults_) {
      if (f.op != op || (f.nth != 0 && f.nth != n)) continue;
      ++injected_;
      if (log_fd_ >= 0) {
        const char* e = f.vanish ? "vanish" : errno_name(f.sys_errno);
        std::string line = "fault " + f.op + " " + std::to_string(n) + " " +
                           (e ? e : std::to_string(f.sys_errno)) + " " + name + "\n";
        ssize_t ignored = ::write(log_fd_, line.data(), line.size());
        (void)ignored;
      }
      return &f;
    }
    return nullptr;
  }

  static int fail_with(const Fault* f) {
    errno = f->sys_errno;
    return -1;
  }

  // What a concurrent cleaner does to a directory it finds empty.
  static void remove_directory(int dirfd, const char* path) {
    int saved = errno;
    ::unlinkat(dirfd, path, AT_REMOVEDIR);
    errno = saved;
  }

  std::vector<Fault> faults_;
  int log_fd_;
  long calls_[kFaultOpCount] = {};
  int injected_ = 0;
  bool in_lookup_ = false;
};

}  // namespace jgl

// base/atomic_file.cc: write, fsync, rename.
#include "lib/base/atomic_file.h"

#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fmt/format.h>

namespace jgl {
namespace {

// "WHAT: the system's reason", temporary: errno is read before anything
// else can change it.
template <typename... Args>
std::unexpected<Error> io_error(fmt::format_string<Args...> what, Args&&... args) {
  int e = errno;
  return fail_temporary(fmt::format("{}: {}", fmt::format(what, std::forward<Args>(args)...), std::strerror(e)), e);
}

Result<void> remove_leftover(const std::string& tmp) {
  struct stat st;
  if (lstat(tmp.c_str(), &st) < 0) return {};
  if (!S_ISREG(st.st_mode)) {
    return fail_temporary(fmt::format("unable to create {}: it exists and is not a regular file", tmp));
  }
  if (unlink(tmp.c_str()) < 0 && errno != ENOENT) return io_error("unable to remove the old {}", tmp);
  return {};
}

}  // namespace

Result<ReplacingFile> ReplacingFile::create(std::string path, std::string tmp, mode_t mode) {
  if (auto removed = remove_leftover(tmp); !removed) return std::unexpected(removed.error());
  int fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
  if (fd < 0) return io_error("unable to create {}", tmp);
  return ReplacingFile(std::move(path), std::move(tmp), fd);
}

Result<ReplacingFile> ReplacingFile::create_beside(std::string path, mode_t mode) {
  std::string tmp = path + ".XXXXXX";
  int fd = mkostemp(tmp.data(), O_CLOEXEC);
  if (fd < 0) return io_error("unable to create a temporary file beside {}", path);
  ReplacingFile file(std::move(path), std::move(tmp), fd);
  if (fchmod(fd, mode) != 0) return io_error("unable to create {}", file.tmp_);
  return file;
}

ReplacingFile::ReplacingFile(ReplacingFile&& other) noexcept
    : path_(std::move(other.path_)), tmp_(std::move(other.tmp_)), fd_(other.fd_) {
  other.fd_ = -1;
  other.tmp_.clear();
}

ReplacingFile::~ReplacingFile() { abandon(); }

void ReplacingFile::abandon() {
  if (fd_ >= 0) close(fd_);
  fd_ = -1;
  if (!tmp_.empty()) {
    int e = errno;
    unlink(tmp_.c_str());
    errno = e;
  }
  tmp_.clear();
}

std::unexpected<Error> ReplacingFile::write_error() const { return io_error("unable to write to {}", tmp_); }

Result<void> ReplacingFile::write(std::string_view text) {
  while (!text.empty()) {
    ssize_t n = ::write(fd_, text.data(), text.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return write_error();
    }
    text.remove_prefix(static_cast<std::size_t>(n));
  }
  return {};
}

Result<void> ReplacingFile::commit() {
  Result<void> done;
  if (fsync(fd_) < 0) done = write_error();
  int fd = fd_;
  fd_ = -1;
  if (close(fd) < 0 && done) done = write_error();
  if (done && rename(tmp_.c_str(), path_.c_str()) < 0) done = io_error("unable to move {} to {}", tmp_, path_);
  if (done) tmp_.clear();  // it is the file now
  abandon();
  return done;
}

}  // namespace jgl

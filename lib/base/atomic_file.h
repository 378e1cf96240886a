// base/atomic_file.h: a file replaced whole or not at all.
//
// The new content goes into a temporary file beside the final name, is
// synced, then renamed over it: a reader (tcpserver opening rules.cdb,
// node_exporter reading a textfile) sees the old file or the new one,
// never half of one. Until commit() succeeds, the temporary file is the
// only thing touched; on any error, or when the object goes away
// uncommitted, it is removed and the old file stays as it was.
//
// Messages are djb's, as tcprules has always written them: "unable to
// create X: why", "unable to write to X: why", "unable to move X to Y: why";
// every failure is temporary.
#pragma once

#include <sys/types.h>

#include <string>
#include <string_view>

#include "lib/base/error.h"

namespace jgl {

class ReplacingFile {
 public:
  // Through a temporary file the caller names (tcprules' rules.tmp). Only a
  // file this call creates is ever written, renamed or removed: a leftover
  // regular file there (a killed run) is replaced, anything else (a
  // device, a symlink, a directory: a mistyped argument) refused.
  static Result<ReplacingFile> create(std::string path, std::string tmp, mode_t mode);
  // Through a temporary file of a fresh name beside `path`, given `mode`
  // whatever the umask.
  static Result<ReplacingFile> create_beside(std::string path, mode_t mode);

  ReplacingFile(ReplacingFile&& other) noexcept;
  ReplacingFile& operator=(ReplacingFile&&) = delete;
  ~ReplacingFile();

  int fd() const { return fd_; }
  const std::string& tmp() const { return tmp_; }

  // All of `text`, retrying short writes.
  Result<void> write(std::string_view text);
  // fsync, close, rename over the final name.
  Result<void> commit();
  // The error for a write to fd() that failed with errno: "unable to write
  // to TMP: why".
  std::unexpected<Error> write_error() const;

 private:
  ReplacingFile(std::string path, std::string tmp, int fd) : path_(std::move(path)), tmp_(std::move(tmp)), fd_(fd) {}
  void abandon();

  std::string path_;
  std::string tmp_;
  int fd_ = -1;
};

}  // namespace jgl

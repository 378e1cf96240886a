// fault_seam.cpp: system_filesystem() for the test builds of jgreylist and
// jgreylist-clean ($(BUILD)/tests/), linked before libjgl.a so that
// lib/base/system_fs.cc is left out. The faults come from the environment:
//
//   JGL_FAULT=OP:NTH:WHAT[,...]   see fault_filesystem.h; unset: no fault
//   JGL_FAULT_LOG=FILE            one line appended per fault injected
//
// A malformed JGL_FAULT ends the program with exit 99 before anything is
// done, so that a typo in a test cannot pass as "no fault".
#include <fcntl.h>
#include <unistd.h>

#include <cstdlib>
#include <string>

#include "tests/helpers/fault_filesystem.h"

namespace jgl {
namespace {

FaultFilesystem from_environment() {
  const char* spec = std::getenv("JGL_FAULT");
  auto faults = parse_faults(spec ? spec : "");
  if (!faults) {
    std::string line = "JGL_FAULT: " + faults.error().message + "\n";
    ssize_t ignored = ::write(2, line.data(), line.size());
    (void)ignored;
    _exit(99);
  }
  int log_fd = -1;
  if (const char* log = std::getenv("JGL_FAULT_LOG")) {
    log_fd = ::open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  }
  return FaultFilesystem(std::move(*faults), log_fd);
}

}  // namespace

Filesystem& system_filesystem() {
  static FaultFilesystem fs = from_environment();
  return fs;
}

}  // namespace jgl

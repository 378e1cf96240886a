// rules/compile.h: tcprules' job, a rules text compiled into a cdb.
//
// Each rule becomes one record per key (lib/rules/keys.h), in the order of
// the lines, so that tcpserver, which reads the first record of a key,
// applies the first rule written for it. The cdb is replaced atomically:
// a temporary file is written, synced and renamed over it, and on any error
// the old cdb stays as it was. For Debian's input the cdb is byte for byte
// the one its tcprules writes.
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include "lib/base/error.h"

namespace jgl {

// A line left out of the cdb as the original leaves it out (lib/rules/rule.h,
// ParsedLine::Kind::skipped), for the caller to warn about. The views last
// as long as the call they are given to.
struct SkippedLine {
  int line = 0;
  std::string_view reason;  // "no colon"
  std::string_view text;    // without its trailing blanks
};
using OnSkipped = std::function<void(const SkippedLine&)>;

// Compiles the rules read from input_fd into `cdb` atomically through
// `tmp`: write, fsync, rename. On any error `tmp` is removed and `cdb` left
// as it was. A bad line is a permanent error whose message names the line
// and the problem; reading, writing or renaming is a temporary one. Each
// skipped line goes to on_skipped as it is read, before any error after it.
Result<void> compile_rules(int input_fd, const std::string& cdb, const std::string& tmp, const OnSkipped& on_skipped);

}  // namespace jgl

// rules_compile.cc: reading rules line by line into a temporary cdb, then
// putting it in place.
#include "lib/rules_compile.h"

#include <cdb.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fmt/format.h>
#include <string_view>

#include "lib/rules.h"
#include "lib/rules_keys.h"

namespace jgl {
namespace {

// "WHAT: the system's reason", temporary: errno is read before anything
// else can change it.
template <typename... Args>
std::unexpected<Error> io_error(fmt::format_string<Args...> what, Args&&... args) {
  int e = errno;
  return fail_temporary(fmt::format("{}: {}", fmt::format(what, std::forward<Args>(args)...), std::strerror(e)), e);
}

// The line as messages show it: without the trailing blanks the parser
// ignores.
std::string_view shown(std::string_view line) {
  return line.substr(0, line.find_last_not_of(kTrailingBlanks) + 1);
}

// A plain dotted address or prefix ("1.2.3.4", "10.2."), by far the most
// common rule: its only key is itself.
bool is_plain_dotted(std::string_view address) {
  if (address.empty()) return false;
  for (char c : address) {
    if ((c < '0' || c > '9') && c != '.') return false;
  }
  return true;
}

// Calls `compile` with each line of fd without its '\n', the last one even
// without a '\n'. The input is read in blocks, so memory stays that of the
// cdb's index, whatever the size of the rules.
template <typename Compile>
Result<void> for_each_line(int fd, Compile&& compile) {
  std::string buffer;
  std::size_t start = 0;  // of the first line not compiled yet
  constexpr std::size_t kBlock = 65536;
  for (;;) {
    if (start > 0) {
      buffer.erase(0, start);
      start = 0;
    }
    std::size_t used = buffer.size();
    buffer.resize(used + kBlock);
    ssize_t n = read(fd, buffer.data() + used, kBlock);
    if (n < 0) {
      buffer.resize(used);
      if (errno == EINTR) continue;
      return io_error("unable to read input");
    }
    buffer.resize(used + static_cast<std::size_t>(n));
    if (n == 0) break;
    std::string_view view = buffer;
    for (std::size_t newline; (newline = view.find('\n', start)) != std::string_view::npos; start = newline + 1) {
      if (auto compiled = compile(view.substr(start, newline - start)); !compiled) return compiled;
    }
  }
  if (start < buffer.size()) return compile(std::string_view(buffer).substr(start));
  return {};
}

// The cdb being written into the temporary file: each rule's record under
// each of its keys, in line order.
class CdbWriter {
 public:
  CdbWriter(int fd, const std::string& tmp, const OnSkipped& on_skipped)
      : fd_(fd), tmp_(tmp), on_skipped_(on_skipped) {}
  CdbWriter(const CdbWriter&) = delete;
  CdbWriter& operator=(const CdbWriter&) = delete;
  // tinycdb frees the records it holds only in cdb_make_finish: on a
  // refusal, finish into the temporary file anyway (the caller removes it).
  ~CdbWriter() {
    if (started_ && !finished_) cdb_make_finish(&maker_);
  }

  Result<void> start() {
    if (cdb_make_start(&maker_, fd_) < 0) return write_error();
    started_ = true;
    return {};
  }

  Result<void> add_line(std::string_view line) {
    ++line_number_;
    auto parsed = parse_rule(line, line_number_);
    if (!parsed) return refuse(line, parsed.error());
    if (parsed->kind == ParsedLine::Kind::skipped) on_skipped_({line_number_, parsed->reason, shown(line)});
    if (parsed->kind != ParsedLine::Kind::rule) return {};
    const Rule& rule = parsed->rule;
    record_.clear();
    rule.append_data(record_);
    if (is_plain_dotted(rule.address)) return add(rule.address);
    auto keys = rule_keys(rule.address);
    if (!keys) return refuse(line, keys.error());
    for (const std::string& key : *keys) {
      if (auto added = add(key); !added) return added;
    }
    return {};
  }

  // The index written, then the file synced: ready to be renamed.
  Result<void> finish() {
    finished_ = true;
    if (cdb_make_finish(&maker_) < 0) return write_error();
    if (fsync(fd_) < 0) return write_error();
    return {};
  }

 private:
  Result<void> add(std::string_view key) {
    if (cdb_make_add(&maker_, key.data(), static_cast<unsigned>(key.size()), record_.data(),
                     static_cast<unsigned>(record_.size())) < 0) {
      return write_error();
    }
    return {};
  }

  std::unexpected<Error> write_error() const { return io_error("unable to write to {}", tmp_); }

  std::unexpected<Error> refuse(std::string_view line, const Error& e) const {
    return fail(fmt::format("unable to parse line {} ({}): {}", line_number_, e.message, shown(line)));
  }

  cdb_make maker_;
  int fd_;
  const std::string& tmp_;
  const OnSkipped& on_skipped_;
  int line_number_ = 0;
  std::string record_;  // of the rule being added, reused
  bool started_ = false;
  bool finished_ = false;
};

// Everything after the temporary file is open: the caller removes it on
// error.
Result<void> compile_into(int input_fd, int out_fd, const std::string& tmp, const OnSkipped& on_skipped) {
  CdbWriter writer(out_fd, tmp, on_skipped);
  if (auto started = writer.start(); !started) return started;
  auto read = for_each_line(input_fd, [&](std::string_view line) { return writer.add_line(line); });
  if (!read) return read;
  return writer.finish();
}

// Only a file this run creates is ever written, renamed or removed: a
// leftover regular rules.tmp (a killed run) is replaced, anything else
// there (a device, a symlink, a directory: a mistyped argument) refused.
Result<void> remove_old_tmp(const std::string& tmp) {
  struct stat st;
  if (lstat(tmp.c_str(), &st) < 0) return {};
  if (!S_ISREG(st.st_mode)) {
    return fail_temporary(fmt::format("unable to create {}: it exists and is not a regular file", tmp));
  }
  if (unlink(tmp.c_str()) < 0 && errno != ENOENT) return io_error("unable to remove the old {}", tmp);
  return {};
}

}  // namespace

Result<void> compile_rules(int input_fd, const std::string& cdb, const std::string& tmp, const OnSkipped& on_skipped) {
  if (auto removed = remove_old_tmp(tmp); !removed) return removed;
  int fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
  if (fd < 0) return io_error("unable to create {}", tmp);
  auto compiled = compile_into(input_fd, fd, tmp, on_skipped);
  if (close(fd) < 0 && compiled) compiled = io_error("unable to write to {}", tmp);
  if (compiled && rename(tmp.c_str(), cdb.c_str()) < 0) compiled = io_error("unable to move {} to {}", tmp, cdb);
  if (!compiled) unlink(tmp.c_str());
  return compiled;
}

}  // namespace jgl

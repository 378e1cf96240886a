// rules/compile.cc: reading rules line by line into a temporary cdb, then
// putting it in place.
#include "lib/rules/compile.h"

#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fmt/format.h>
#include <string_view>
#include <vector>

#include "lib/base/atomic_file.h"
#include "lib/rules/cdb_maker.h"
#include "lib/rules/keys.h"
#include "lib/rules/rule.h"

namespace jgl {
namespace {

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
      int e = errno;
      return fail_temporary(std::string("unable to read input: ") + std::strerror(e), e);
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
  CdbWriter(const ReplacingFile& file, const OnSkipped& on_skipped)
      : maker_(file.fd()), file_(file), on_skipped_(on_skipped) {}
  CdbWriter(const CdbWriter&) = delete;
  CdbWriter& operator=(const CdbWriter&) = delete;

  Result<void> add_line(std::string_view line) {
    ++line_number_;
    if (auto parsed = parse_rule_into(line, line_number_, parsed_); !parsed) return refuse(line, parsed.error());
    if (parsed_.kind == ParsedLine::Kind::skipped) on_skipped_({line_number_, parsed_.reason, shown(line)});
    if (parsed_.kind != ParsedLine::Kind::rule) return {};
    const Rule& rule = parsed_.rule;
    record_.clear();
    rule.append_data(record_);
    if (is_plain_dotted(rule.address)) return add(rule.address);
    if (auto expanded = rule_keys_into(rule.address, keys_); !expanded) return refuse(line, expanded.error());
    for (const std::string& key : keys_) {
      if (auto added = add(key); !added) return added;
    }
    return {};
  }

  // The index written: ready to be committed.
  Result<void> finish() {
    if (!maker_.finish()) return write_error();
    return {};
  }

 private:
  Result<void> add(std::string_view key) {
    if (!maker_.add(key, record_)) return write_error();
    return {};
  }

  std::unexpected<Error> write_error() const { return file_.write_error(); }

  std::unexpected<Error> refuse(std::string_view line, const Error& e) const {
    return fail(fmt::format("unable to parse line {} ({}): {}", line_number_, e.message, shown(line)));
  }

  CdbMaker maker_;
  const ReplacingFile& file_;
  const OnSkipped& on_skipped_;
  int line_number_ = 0;
  std::string record_;  // of the rule being added, reused
  ParsedLine parsed_;             // the line being added, reused
  std::vector<std::string> keys_;  // its keys, reused
};

Result<void> compile_into(int input_fd, const ReplacingFile& file, const OnSkipped& on_skipped) {
  CdbWriter writer(file, on_skipped);
  auto read = for_each_line(input_fd, [&](std::string_view line) { return writer.add_line(line); });
  if (!read) return read;
  return writer.finish();
}

}  // namespace

Result<void> compile_rules(int input_fd, const std::string& cdb, const std::string& tmp, const OnSkipped& on_skipped) {
  auto file = ReplacingFile::create(cdb, tmp, 0644);
  if (!file) return std::unexpected(file.error());
  // On an error, the file removes itself.
  if (auto compiled = compile_into(input_fd, *file, on_skipped); !compiled) return compiled;
  return file->commit();
}

}  // namespace jgl

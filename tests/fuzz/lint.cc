// lint.cc (fuzz target): tcprules --check (lib/rules/lint.h).
//
// The input is a rules file. Properties, beyond not crashing or hanging:
//   - findings come in line order, each on a line of the file, each with
//     a message of one printable line (tcprules --check writes one finding
//     a line: a CR, LF or escape byte in a message would forge or garble
//     the output a script reads);
//   - the errors are exactly the lines the compiler refuses or skips: a
//     line parse_rule refuses or skips, or whose address rule_keys
//     refuses, has an error; no other line has one.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <set>
#include <string>
#include <string_view>

#include "lib/rules/keys.h"
#include "lib/rules/lint.h"
#include "lib/rules/rule.h"

namespace {

// Files expanding into more keys than this are not linted: the shadowing
// check looks at every key, and 65536-key CIDR lines only slow the search.
constexpr std::size_t kMaxKeys = 4096;

[[noreturn]] void failed(const char* what, std::string_view input, std::string_view detail = {}) {
  std::fprintf(stderr, "FAILED: %s\n  input: '%.*s'\n  detail: '%.*s'\n", what, static_cast<int>(input.size()),
               input.data(), static_cast<int>(detail.size()), detail.data());
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);

  // What the compiler says of each line, as lint_rules splits them.
  std::set<int> refused;
  std::size_t keys = 0;
  int lines = 0;
  for (std::string_view rest = input; !rest.empty();) {
    std::size_t newline = rest.find('\n');
    std::string_view line = rest.substr(0, newline);
    rest.remove_prefix(newline == std::string_view::npos ? rest.size() : newline + 1);
    ++lines;
    auto parsed = jgl::parse_rule(line, lines);
    if (!parsed || parsed->kind == jgl::ParsedLine::Kind::skipped) {
      refused.insert(lines);
      continue;
    }
    if (parsed->kind != jgl::ParsedLine::Kind::rule) continue;
    auto count = jgl::rule_key_count(parsed->rule.address);
    if (!count) refused.insert(lines);
    else keys += *count;
  }
  if (keys > kMaxKeys) return 0;

  std::set<int> errors;
  int last = 0;
  for (const jgl::Finding& f : jgl::lint_rules(input)) {
    if (f.line < last) failed("findings out of line order", input);
    last = f.line;
    if (f.line < 1 || f.line > lines) failed("a finding on a line the file does not have", input, f.message);
    if (f.message.empty()) failed("a finding without a message", input);
    for (char c : f.message) {
      if (c < 0x20 || c == 0x7f) failed("a finding's message holds a control byte", input, f.message);
    }
    if (f.severity == jgl::Finding::Severity::error) errors.insert(f.line);
  }
  if (errors != refused) {
    std::string detail = "errors on";
    for (int l : errors) detail += " " + std::to_string(l);
    detail += ", refused";
    for (int l : refused) detail += " " + std::to_string(l);
    failed("the errors are not the lines the compiler refuses or skips", input, detail);
  }
  return 0;
}

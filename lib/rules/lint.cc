// rules/lint.cc: tcprules --check.
#include "lib/rules/lint.h"

#include <algorithm>
#include <fmt/format.h>
#include <optional>
#include <unordered_map>

#include "lib/base/printable.h"
#include "lib/net/address.h"
#include "lib/rules/keys.h"
#include "lib/rules/rule.h"

namespace jgl {
namespace {

struct CompiledRule {
  int line;
  std::vector<std::string> keys;
  std::string data;
  bool reachable;  // tcpserver may look every key up
};

// The note for an address written in another spelling than the key it
// becomes; nothing for CIDR, ranges, names and text prefixes.
std::optional<std::string> respelling(const Rule& rule, const std::vector<std::string>& keys) {
  std::string_view address = rule.address;
  if (address.find(':') == std::string_view::npos || address.find_first_of("/@=-") != std::string_view::npos) {
    return std::nullopt;
  }
  auto parsed = Address::parse(address);
  if (!parsed || keys.empty()) return std::nullopt;
  if (parsed->is_v4()) {
    return fmt::format("'{}' is the IPv4 address {}: written as {} and {}", address, keys[0], keys[0], keys[1]);
  }
  if (keys[0] == address) return std::nullopt;
  return fmt::format("'{}' is written as {}, as tcpserver writes this address", address, keys[0]);
}

// Whether every address under the IPv4 prefix key ("10." to "10.1.2.") has
// a more specific key in `keys`.
bool covered(const std::unordered_map<std::string, std::size_t>& keys, const std::string& prefix) {
  int dots = static_cast<int>(std::count(prefix.begin(), prefix.end(), '.'));
  for (int v = 0; v < 256; ++v) {
    std::string child = fmt::format("{}{}", prefix, v);
    if (keys.contains(child)) continue;
    if (dots == 3) return false;
    child += '.';
    if (!keys.contains(child) && !covered(keys, child)) return false;
  }
  return true;
}

using Severity = Finding::Severity;

// One pass over the file, a line at a time, then the checks that need
// every rule (shadowed prefixes).
class Lint {
 public:
  explicit Lint(std::size_t lines) {
    first_rule_.reserve(lines + lines / 2);
    rules_.reserve(lines);
  }

  void line(std::string_view line, int number) {
    auto parsed = parse_rule(line, number);
    if (!parsed) {
      say(number, Severity::error, parsed.error().message);
      return;
    }
    // tcprules compiles the file without the line, which was most likely
    // meant as a rule: an error, so that the file gets fixed.
    if (parsed->kind == ParsedLine::Kind::skipped) {
      say(number, Severity::error, fmt::format("{}: tcprules skips this line", parsed->reason));
      return;
    }
    if (parsed->kind != ParsedLine::Kind::rule) return;
    const Rule& r = parsed->rule;
    auto keys = rule_keys(r.address);
    if (!keys) {
      say(number, Severity::error, keys.error().message);
      return;
    }
    if (keys->empty()) {
      say(number, Severity::warning, fmt::format("the range '{}' is empty: this rule never matches", r.address));
      return;
    }
    if (auto note = respelling(r, *keys)) say(number, Severity::note, *note);
    if (r.deny && !r.env.empty()) {
      say(number, Severity::warning, "settings after 'deny' are never used: tcpserver drops the connection without them");
    }
    for (const auto& [name, value] : r.env) {
      if (name.empty()) say(number, Severity::warning, "a setting with an empty variable name");
    }
    bool reachable = all_reachable(number, *keys);
    std::string data = r.data();
    first_records(number, *keys, data);
    rules_.push_back({number, std::move(*keys), std::move(data), reachable});
  }

  std::vector<Finding> finish() {
    shadowed_prefixes();
    std::stable_sort(findings_.begin(), findings_.end(),
                     [](const Finding& a, const Finding& b) { return a.line < b.line; });
    return std::move(findings_);
  }

 private:
  // A message quotes the file's addresses and keys, which may hold any
  // byte but '\n': it is one printable line, as tcprules --check writes it.
  void say(int line, Severity severity, std::string message) {
    sanitise_in_place(message.data(), message.data() + message.size());
    findings_.push_back({line, severity, std::move(message)});
  }

  // Keys tcpserver never looks up; true when it may look every one up.
  bool all_reachable(int number, const std::vector<std::string>& keys) {
    std::size_t unreachable = 0;
    std::string why;
    for (const std::string& key : keys) {
      if (auto reason = why_never_looked_up(key)) {
        if (unreachable++ == 0) why = fmt::format("'{}': {}", key, *reason);
      }
    }
    if (unreachable == keys.size()) {
      say(number, Severity::warning, fmt::format("this rule never matches: {}", why));
    } else if (unreachable > 0) {
      say(number, Severity::warning, fmt::format("{} of its {} keys never match: {}", unreachable, keys.size(), why));
    }
    return unreachable == 0;
  }

  // tcpserver reads the first record of a key: a later one is dead.
  void first_records(int number, const std::vector<std::string>& keys, const std::string& data) {
    std::size_t taken = 0;
    std::size_t by = 0;
    std::string example;
    for (const std::string& key : keys) {
      auto [it, inserted] = first_rule_.try_emplace(key, rules_.size());
      if (!inserted && it->second != rules_.size() && taken++ == 0) {
        by = it->second;
        example = key;
      }
    }
    if (taken == keys.size()) {
      bool same = rules_[by].keys == keys && rules_[by].data == data;
      say(number, Severity::warning,
          same ? fmt::format("duplicate of line {}", rules_[by].line)
               : fmt::format("never used: line {} gives '{}' first, and tcpserver uses the first rule for an address",
                             rules_[by].line, example));
    } else if (taken > 0) {
      say(number, Severity::warning,
          fmt::format("{} of its {} keys are given first by line {} (such as '{}'), which applies to them", taken,
                      keys.size(), rules_[by].line, example));
    }
  }

  // A prefix whose every address a more specific key catches is shadowed.
  void shadowed_prefixes() {
    for (const CompiledRule& rule : rules_) {
      bool shadowed = true;
      bool any_prefix = false;
      for (const std::string& key : rule.keys) {
        if (key.starts_with("::ffff:")) continue;  // shares the IPv4 key's fate
        if (!rule.reachable || key.empty() || key.back() != '.' || key.find_first_of("@=") != std::string::npos) {
          shadowed = false;
          break;
        }
        any_prefix = true;
        if (!covered(first_rule_, key)) {
          shadowed = false;
          break;
        }
      }
      if (shadowed && any_prefix) {
        say(rule.line, Severity::warning,
            fmt::format("never applies: more specific rules cover every address under '{}'", rule.keys.front()));
      }
    }
  }

  std::vector<Finding> findings_;
  std::vector<CompiledRule> rules_;
  std::unordered_map<std::string, std::size_t> first_rule_;  // key -> index in rules_ of the rule that gave it first
};

}  // namespace

std::string_view severity_name(Finding::Severity severity) {
  switch (severity) {
    case Finding::Severity::note:
      return "note";
    case Finding::Severity::warning:
      return "warning";
    case Finding::Severity::error:
      return "error";
  }
  return "error";
}

std::vector<Finding> lint_rules(std::string_view text) {
  Lint lint(static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n')) + 1);
  int number = 0;
  while (!text.empty()) {
    std::size_t newline = text.find('\n');
    std::string_view line = text.substr(0, newline);
    text.remove_prefix(newline == std::string_view::npos ? text.size() : newline + 1);
    lint.line(line, ++number);
  }
  return lint.finish();
}

}  // namespace jgl

// rules_lint.cc: tcprules --check.
#include "lib/rules_lint.h"

#include <algorithm>
#include <fmt/format.h>
#include <optional>
#include <unordered_map>

#include "lib/address.h"
#include "lib/rules.h"
#include "lib/rules_keys.h"

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
  using Severity = Finding::Severity;
  std::vector<Finding> findings;
  auto say = [&](int line, Severity severity, std::string message) {
    findings.push_back({line, severity, std::move(message)});
  };
  std::vector<CompiledRule> rules;
  std::unordered_map<std::string, std::size_t> first_rule;  // key -> index in rules of the rule that gave it first
  std::size_t lines = static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n')) + 1;
  first_rule.reserve(lines + lines / 2);
  rules.reserve(lines);

  int line_number = 0;
  while (!text.empty()) {
    std::size_t newline = text.find('\n');
    std::string_view line = text.substr(0, newline);
    text.remove_prefix(newline == std::string_view::npos ? text.size() : newline + 1);
    ++line_number;
    auto parsed = parse_rule(line, line_number);
    if (!parsed) {
      say(line_number, Severity::error, parsed.error().message);
      continue;
    }
    // tcprules compiles the file without the line, which was most likely
    // meant as a rule: an error, so that the file gets fixed.
    if (parsed->kind == ParsedLine::Kind::skipped) {
      say(line_number, Severity::error, fmt::format("{}: tcprules skips this line", parsed->reason));
      continue;
    }
    if (parsed->kind != ParsedLine::Kind::rule) continue;
    const Rule& r = parsed->rule;
    auto keys = rule_keys(r.address);
    if (!keys) {
      say(line_number, Severity::error, keys.error().message);
      continue;
    }
    if (keys->empty()) {
      say(line_number, Severity::warning, fmt::format("the range '{}' is empty: this rule never matches", r.address));
      continue;
    }
    if (auto note = respelling(r, *keys)) say(line_number, Severity::note, *note);
    if (r.deny && !r.env.empty()) {
      say(line_number, Severity::warning,
          "settings after 'deny' are never used: tcpserver drops the connection without them");
    }
    for (const auto& [name, value] : r.env) {
      if (name.empty()) say(line_number, Severity::warning, "a setting with an empty variable name");
    }

    std::size_t unreachable = 0;
    std::string why;
    for (const std::string& key : *keys) {
      if (auto reason = why_never_looked_up(key)) {
        if (unreachable++ == 0) why = fmt::format("'{}': {}", key, *reason);
      }
    }
    if (unreachable == keys->size()) {
      say(line_number, Severity::warning, fmt::format("this rule never matches: {}", why));
    } else if (unreachable > 0) {
      say(line_number, Severity::warning, fmt::format("{} of its {} keys never match: {}", unreachable, keys->size(), why));
    }

    // tcpserver reads the first record of a key: a later one is dead.
    std::size_t taken = 0;
    std::size_t by = 0;
    std::string example;
    for (const std::string& key : *keys) {
      auto [it, inserted] = first_rule.try_emplace(key, rules.size());
      if (!inserted && it->second != rules.size()) {
        if (taken++ == 0) {
          by = it->second;
          example = key;
        }
      }
    }
    std::string data = r.data();
    if (taken == keys->size()) {
      bool same = rules[by].keys == *keys && rules[by].data == data;
      say(line_number, Severity::warning,
          same ? fmt::format("duplicate of line {}", rules[by].line)
               : fmt::format("never used: line {} gives '{}' first, and tcpserver uses the first rule for an address",
                             rules[by].line, example));
    } else if (taken > 0) {
      say(line_number, Severity::warning,
          fmt::format("{} of its {} keys are given first by line {} (such as '{}'), which applies to them", taken,
                      keys->size(), rules[by].line, example));
    }
    rules.push_back({line_number, std::move(*keys), std::move(data), unreachable == 0});
  }

  // A prefix whose every address a more specific key catches is shadowed.
  for (const CompiledRule& rule : rules) {
    bool shadowed = true;
    bool any_prefix = false;
    for (const std::string& key : rule.keys) {
      if (key.starts_with("::ffff:")) continue;  // shares the IPv4 key's fate
      if (!rule.reachable || key.empty() || key.back() != '.' || key.find_first_of("@=") != std::string::npos) {
        shadowed = false;
        break;
      }
      any_prefix = true;
      if (!covered(first_rule, key)) {
        shadowed = false;
        break;
      }
    }
    if (shadowed && any_prefix) {
      say(rule.line, Severity::warning,
          fmt::format("never applies: more specific rules cover every address under '{}'", rule.keys.front()));
    }
  }
  std::stable_sort(findings.begin(), findings.end(),
                   [](const Finding& a, const Finding& b) { return a.line < b.line; });
  return findings;
}

}  // namespace jgl

// rules_model.h: what a rules file must compile to, for the rules targets.
//
// rules.cc compiles the file with compile_rules (a real file, synced and
// renamed); rules_memory.cc writes the same records into a cdb in memory.
// Both read the file here first, line by line with parse_rule and
// rule_keys as the compiler splits it, and then check the cdb they made
// against it: every key the rules produced is found, holding the record
// of the first rule that produced it, as tcpserver would read it.
#pragma once

#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <unordered_map>
#include <string>
#include <string_view>
#include <vector>

#include "lib/rules/keys.h"
#include "lib/rules/lookup.h"
#include "lib/rules/rule.h"

namespace jgl_fuzz {

[[noreturn]] inline void failed(const char* what, std::string_view input, std::string_view detail = {}) {
  std::fprintf(stderr, "FAILED: %s\n  input: '%.*s'\n  detail: '%.*s'\n", what, static_cast<int>(input.size()),
               input.data(), static_cast<int>(detail.size()), detail.data());
  std::abort();
}

// The file as the line parser reads it, up to its first bad line, or up
// to the rule that makes its keys more than `max_keys`: a file of 65536-key
// CIDR lines is not worth compiling, and its keys are counted, not made.
struct RulesFile {
  std::vector<jgl::Rule> rules;  // views into the input
  std::vector<std::vector<std::string>> keys;
  std::vector<int> skipped;
  int first_bad_line = 0;
  std::size_t total_keys = 0;
  bool too_many_keys = false;
};

inline RulesFile read_rules(std::string_view input, std::size_t max_keys) {
  RulesFile file;
  std::string_view rest = input;
  for (int line_number = 1; !rest.empty(); ++line_number) {
    std::size_t newline = rest.find('\n');
    std::string_view line = rest.substr(0, newline);
    rest.remove_prefix(newline == std::string_view::npos ? rest.size() : newline + 1);
    auto parsed = jgl::parse_rule(line, line_number);
    if (!parsed) {
      file.first_bad_line = line_number;
      break;
    }
    if (parsed->kind == jgl::ParsedLine::Kind::skipped) file.skipped.push_back(line_number);
    if (parsed->kind != jgl::ParsedLine::Kind::rule) continue;
    jgl::Rule& rule = parsed->rule;
    if (rule.line != line_number) failed("rule carries the wrong line number", input);
    auto count = jgl::rule_key_count(rule.address);
    if (count && file.total_keys + *count > max_keys) {
      file.too_many_keys = true;
      break;
    }
    auto rule_keys = jgl::rule_keys(rule.address);
    if (count.has_value() != rule_keys.has_value()) failed("rule_key_count and rule_keys disagree", input);
    if (!rule_keys) {
      file.first_bad_line = line_number;
      break;
    }
    if (rule_keys->size() != *count) failed("rule_key_count miscounts rule_keys", input, rule.address);
    if (rule_keys->size() > jgl::kMaxKeysPerRule) failed("rule expands into more keys than the limit", input);
    file.total_keys += rule_keys->size();
    file.rules.push_back(std::move(rule));
    file.keys.push_back(std::move(*rule_keys));
  }
  return file;
}

// What check_rules should report for a rule: its settings up to a deny, as
// tcpserver reads the NUL-terminated items of the record.
struct Expected {
  bool deny = false;
  std::vector<std::string> settings;
};

inline Expected expected_for(const jgl::Rule& rule) {
  Expected e;
  std::string data = rule.data();
  std::string_view rest = data;
  for (std::size_t nul; (nul = rest.find('\0')) != std::string_view::npos; rest.remove_prefix(nul + 1)) {
    std::string_view item = rest.substr(0, nul);
    if (!item.empty() && item.front() == 'D') {
      e.deny = true;
      break;
    }
    if (!item.empty() && item.front() == '+') e.settings.emplace_back(item.substr(1));
  }
  return e;
}

// Each key's rule: the first that produced it, which tcpserver finds.
using Owners = std::unordered_map<std::string_view, std::size_t>;

inline Owners first_owners(const RulesFile& file) {
  Owners owner;
  for (std::size_t r = 0; r < file.rules.size(); ++r) {
    for (const std::string& key : file.keys[r]) owner.try_emplace(key, r);
  }
  return owner;
}

// Every key (the first `per_rule` of each rule, and its last) looked up
// with `lookup(key)`, which returns check_rules' answer for a client whose
// address text is the key: the first rule that produced the key answers.
template <typename Lookup>
void check_lookups(const RulesFile& file, const Owners& owner, std::size_t per_rule, Lookup&& lookup,
                   std::string_view input) {
  for (std::size_t r = 0; r < file.rules.size(); ++r) {
    const std::vector<std::string>& ks = file.keys[r];
    for (std::size_t i = 0; i < ks.size(); ++i) {
      if (i >= per_rule && i + 1 != ks.size()) continue;
      const std::string& key = ks[i];
      jgl::Result<std::optional<jgl::RuleMatch>> match = lookup(key);
      if (!match) failed("check_rules failed on a fresh cdb", input, match.error().message);
      if (!*match) failed("a compiled key is not found", input, key);
      if ((*match)->key != key) failed("a compiled key finds another rule", input, key + " -> " + (*match)->key);
      Expected want = expected_for(file.rules[owner.at(key)]);
      if ((*match)->deny != want.deny) failed("deny flag differs from the rule", input, key);
      if ((*match)->settings != want.settings) failed("settings differ from the rule", input, key);
    }
  }
}

}  // namespace jgl_fuzz

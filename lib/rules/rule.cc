// rules/rule.cc: reading one tcprules line into its address, instruction and
// settings, and writing its cdb record.
#include "lib/rules/rule.h"

#include <fmt/format.h>

namespace jgl {
namespace {

// The ':' before the instruction: the first one followed by "allow" or
// "deny", so that an IPv6 address keeps its colons ("::1:allow", ":::allow").
std::size_t instruction_colon(std::string_view line) {
  std::size_t colon = line.find(':');
  while (colon != std::string_view::npos) {
    std::string_view after = line.substr(colon + 1);
    if (after.starts_with("deny") || after.starts_with("allow")) break;
    colon = line.find(':', colon + 1);
  }
  return colon;
}

// What stands where a ',' should, for the error message.
std::string unexpected_byte(char c) {
  if (c == '\r') return "a carriage return (CRLF line ends?)";
  if (c >= ' ' && c <= '~') return fmt::format("'{}'", c);
  return fmt::format("byte 0x{:02x}", static_cast<unsigned char>(c));
}

// The ,VAR="value" settings after the instruction, as the original reads
// them: the name runs to the first '=', the value's first byte is its quote.
Result<void> parse_settings(std::string_view rest, Rule& rule) {
  while (!rest.empty()) {
    if (rest.front() != ',') {
      return fail(fmt::format("{} after the instruction, expected ',VAR=\"value\"'", unexpected_byte(rest.front())));
    }
    std::size_t comma = rest.find(',', 1);
    std::size_t equals = rest.find('=');
    if (equals == std::string_view::npos || (comma != std::string_view::npos && equals > comma)) {
      return fail("a setting without '='");
    }
    std::string_view name = rest.substr(1, equals - 1);
    rest.remove_prefix(equals + 1);
    if (rest.empty()) return fail(fmt::format("no value after '{}='", name));
    char quote = rest.front();
    rest.remove_prefix(1);
    std::size_t close = rest.find(quote);
    if (close == std::string_view::npos) {
      return fail(fmt::format("the value of '{}' has no closing {}", name, quote));
    }
    rule.env.emplace_back(name, rest.substr(0, close));
    rest.remove_prefix(close + 1);
  }
  return {};
}

}  // namespace

void Rule::append_data(std::string& out) const {
  if (deny) out.append("D", 2);
  for (const auto& [name, value] : env) {
    out += '+';
    out += name;
    out += '=';
    out += value;
    out += '\0';
  }
}

std::string Rule::data() const {
  std::string out;
  append_data(out);
  return out;
}

Result<void> parse_rule_into(std::string_view line, int line_number, ParsedLine& parsed) {
  parsed.kind = ParsedLine::Kind::blank;
  parsed.reason = {};
  parsed.rule.address = {};
  parsed.rule.deny = false;
  parsed.rule.env.clear();
  parsed.rule.line = 0;
  if (line.empty() || line.front() == '#') return {};
  std::size_t end = line.find_last_not_of(kTrailingBlanks);
  // Debian's tcprules loops for ever on a blank line; the original skipped it.
  if (end == std::string_view::npos) return {};
  line = line.substr(0, end + 1);

  std::size_t colon = instruction_colon(line);
  if (colon == std::string_view::npos) {
    // Debian's loops for ever on a line without a colon too; the original
    // skipped it, and rule files written for it may hold such lines.
    if (line.find(':') != std::string_view::npos) return fail("no ':allow' or ':deny'");
    parsed.kind = ParsedLine::Kind::skipped;
    parsed.reason = "no colon";
    return {};
  }
  parsed.kind = ParsedLine::Kind::rule;
  Rule& rule = parsed.rule;
  rule.line = line_number;
  rule.address = line.substr(0, colon);
  std::string_view rest = line.substr(colon + 1);
  rule.deny = rest.starts_with("deny");
  rest.remove_prefix(rule.deny ? 4 : 5);
  return parse_settings(rest, rule);
}

Result<ParsedLine> parse_rule(std::string_view line, int line_number) {
  ParsedLine parsed;
  if (auto ok = parse_rule_into(line, line_number, parsed); !ok) return std::unexpected(ok.error());
  return parsed;
}

}  // namespace jgl

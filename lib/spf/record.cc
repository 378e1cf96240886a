// spf/record.cc: the record's grammar (RFC 7208 section 12's ABNF).
#include "lib/spf/record.h"

#include "lib/base/number.h"
#include "lib/spf/domain.h"
#include "lib/spf/macro.h"

namespace jgl {

namespace {

constexpr std::string_view kVersion = "v=spf1";

bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_alnum(char c) { return is_alpha(c) || is_digit(c); }

// toplabel: letters, digits and inner hyphens, not all digits.
bool is_toplabel(std::string_view label) {
  if (label.empty() || !is_alnum(label.front()) || !is_alnum(label.back())) return false;
  bool alpha_or_hyphen = false;
  for (char c : label) {
    if (!is_alnum(c) && c != '-') return false;
    alpha_or_hyphen = alpha_or_hyphen || !is_digit(c);
  }
  return alpha_or_hyphen;
}

// domain-spec = macro-string domain-end; domain-end is a macro or "." toplabel ["."].
Result<void> check_domain_spec(std::string_view spec) {
  if (spec.empty()) return fail("empty domain");
  auto tokens = parse_macro_string(spec);
  if (!tokens) return std::unexpected(tokens.error());
  if (tokens->back().kind != MacroToken::Kind::literal) return {};
  std::string_view end = tokens->back().text;
  if (end.ends_with('.')) end.remove_suffix(1);
  std::size_t dot = end.rfind('.');
  if (dot == std::string_view::npos || !is_toplabel(end.substr(dot + 1))) {
    return fail("'" + std::string(spec) + "' does not end in a top-level label");
  }
  return {};
}

Result<int> cidr_length(std::string_view digits, int max) {
  if (digits.size() > 1 && digits[0] == '0') return fail("CIDR length with a leading zero: " + std::string(digits));
  auto n = parse_number(digits, 0, max);
  if (!n) return fail("bad CIDR length /" + std::string(digits));
  return static_cast<int>(*n);
}

// Takes a trailing "/N" off `rest` when there is one; -1 when not.
Result<int> take_cidr(std::string_view& rest, std::string_view slash, int max) {
  std::size_t end = rest.size();
  std::size_t start = end;
  while (start > 0 && is_digit(rest[start - 1])) --start;
  if (start == end || start < slash.size() || rest.substr(start - slash.size(), slash.size()) != slash) return -1;
  // "//64" is not "/64" after a "/": the caller asks for the IPv6 one first.
  auto length = cidr_length(rest.substr(start), max);
  if (!length) return length;
  rest = rest.substr(0, start - slash.size());
  return length;
}

Result<void> parse_dual_cidr(std::string_view& rest, Mechanism& m) {
  auto v6 = take_cidr(rest, "//", 128);
  if (!v6) return std::unexpected(v6.error());
  if (*v6 >= 0) m.cidr6 = *v6;
  auto v4 = take_cidr(rest, "/", 32);
  if (!v4) return std::unexpected(v4.error());
  if (*v4 >= 0) m.cidr4 = *v4;
  return {};
}

// ":domain-spec" (required or optional) into m.domain_spec.
Result<void> parse_target(std::string_view rest, bool required, Mechanism& m) {
  if (rest.empty()) {
    if (required) return fail("'" + m.text + "' needs a domain");
    return {};
  }
  if (rest[0] != ':') return fail("unexpected text in '" + m.text + "'");
  m.domain_spec = std::string(rest.substr(1));
  return check_domain_spec(m.domain_spec);
}

Result<void> parse_network(std::string_view rest, Family family, Mechanism& m) {
  if (!rest.starts_with(':')) return fail("'" + m.text + "' needs an address");
  rest.remove_prefix(1);
  int length = family == Family::v4 ? 32 : 128;
  if (auto slash = rest.find('/'); slash != std::string_view::npos) {
    auto n = cidr_length(rest.substr(slash + 1), length);
    if (!n) return std::unexpected(n.error());
    length = *n;
    rest = rest.substr(0, slash);
  }
  bool dotted_quad = rest.find(':') == std::string_view::npos;
  auto address = Address::parse(rest);
  if (!address || dotted_quad != (family == Family::v4) || rest.find('%') != std::string_view::npos) {
    return fail("bad address in '" + m.text + "'");
  }
  // An ip6: network written as ::ffff:a.b.c.d stays IPv6 here.
  if (family == Family::v6 && address->is_v4()) {
    std::uint8_t bytes[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    for (int i = 0; i < 4; ++i) bytes[12 + i] = address->byte(i);
    *address = Address::from_bytes_exact(Family::v6, bytes);
  }
  m.network = Prefix(*address, length);
  return {};
}

struct Name {
  std::string_view word;
  MechanismKind kind;
};
constexpr Name kMechanisms[] = {{"all", MechanismKind::all},   {"include", MechanismKind::include},
                                {"a", MechanismKind::a},       {"mx", MechanismKind::mx},
                                {"ptr", MechanismKind::ptr},   {"ip4", MechanismKind::ip4},
                                {"ip6", MechanismKind::ip6},   {"exists", MechanismKind::exists}};

Result<void> parse_arguments(std::string_view rest, Mechanism& m) {
  switch (m.kind) {
    case MechanismKind::all:
      if (!rest.empty()) return fail("'all' takes no argument: '" + m.text + "'");
      return {};
    case MechanismKind::include:
    case MechanismKind::exists: return parse_target(rest, true, m);
    case MechanismKind::ptr: return parse_target(rest, false, m);
    case MechanismKind::a:
    case MechanismKind::mx:
      if (auto cidr = parse_dual_cidr(rest, m); !cidr) return cidr;
      return parse_target(rest, false, m);
    case MechanismKind::ip4: return parse_network(rest, Family::v4, m);
    case MechanismKind::ip6: return parse_network(rest, Family::v6, m);
  }
  return {};
}

Result<Mechanism> parse_mechanism(std::string_view term) {
  Mechanism m;
  m.text = std::string(term);
  switch (term[0]) {
    case '+': m.qualifier = SpfResult::pass; term.remove_prefix(1); break;
    case '-': m.qualifier = SpfResult::fail; term.remove_prefix(1); break;
    case '~': m.qualifier = SpfResult::softfail; term.remove_prefix(1); break;
    case '?': m.qualifier = SpfResult::neutral; term.remove_prefix(1); break;
  }
  std::size_t end = term.find_first_of(":/");
  std::string name = lowercase(term.substr(0, end == std::string_view::npos ? term.size() : end));
  for (const Name& known : kMechanisms) {
    if (name != known.word) continue;
    m.kind = known.kind;
    auto arguments = parse_arguments(term.substr(name.size()), m);
    if (!arguments) return std::unexpected(arguments.error());
    return m;
  }
  return fail("unknown mechanism '" + m.text + "'");
}

// name = ALPHA *( ALPHA / DIGIT / "-" / "_" / "." ), then "=": a modifier.
std::size_t modifier_name_length(std::string_view term) {
  if (term.empty() || !is_alpha(term[0])) return 0;
  std::size_t i = 1;
  while (i < term.size() && (is_alnum(term[i]) || term[i] == '-' || term[i] == '_' || term[i] == '.')) ++i;
  return i < term.size() && term[i] == '=' ? i : 0;
}

Result<void> add_modifier(std::string_view term, std::size_t name_length, SpfRecord& record) {
  std::string name = lowercase(term.substr(0, name_length));
  std::string_view value = term.substr(name_length + 1);
  if (name == "redirect" || name == "exp") {
    std::optional<std::string>& slot = name == "redirect" ? record.redirect : record.explanation;
    if (slot) return fail("'" + name + "=' appears twice");
    if (auto spec = check_domain_spec(value); !spec) return spec;
    slot = std::string(value);
    return {};
  }
  auto tokens = parse_macro_string(value);
  if (!tokens) return std::unexpected(tokens.error());
  return {};
}

}  // namespace

bool Mechanism::asks_dns() const {
  return kind != MechanismKind::all && kind != MechanismKind::ip4 && kind != MechanismKind::ip6;
}

bool SpfRecord::has_all() const {
  for (const Mechanism& m : mechanisms) {
    if (m.kind == MechanismKind::all) return true;
  }
  return false;
}

bool is_spf_record(std::string_view text) {
  return text.size() >= kVersion.size() && lowercase(text.substr(0, kVersion.size())) == kVersion &&
         (text.size() == kVersion.size() || text[kVersion.size()] == ' ');
}

Result<SpfRecord> parse_record(std::string_view text) {
  if (!is_spf_record(text)) return fail("not an SPF record");
  SpfRecord record;
  std::string_view rest = text.substr(kVersion.size());
  while (!rest.empty()) {
    std::size_t start = rest.find_first_not_of(' ');
    if (start == std::string_view::npos) break;
    rest.remove_prefix(start);
    std::string_view term = rest.substr(0, rest.find(' '));
    rest.remove_prefix(term.size());
    if (std::size_t name = modifier_name_length(term)) {
      if (auto added = add_modifier(term, name, record); !added) return std::unexpected(added.error());
      continue;
    }
    auto mechanism = parse_mechanism(term);
    if (!mechanism) return std::unexpected(mechanism.error());
    record.mechanisms.push_back(std::move(*mechanism));
  }
  return record;
}

}  // namespace jgl

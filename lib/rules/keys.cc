// rules/keys.cc: a rule's address as the keys tcpserver looks up, and
// whether a key can ever be looked up.
#include "lib/rules/keys.h"

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <fmt/format.h>

#include "lib/base/number.h"
#include "lib/net/prefix.h"

namespace jgl {
namespace {

// djb's scan_ulong, as Debian's tcprules reads the ends of a range: the
// digits wrap as unsigned long does ("18446744073709551617" is 1), and
// anything after them makes the original refuse the line. Not
// parse_number: the keys must be the original's, overflow included.
Result<std::uint64_t> djb_scan_ulong(std::string_view text) {
  std::uint64_t value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return fail(fmt::format("'{}' is not a number in a range", text));
    value = value * 10 + static_cast<std::uint64_t>(c - '0');
  }
  return value;
}

// "1.2.3.37-53", "10.2-3.": the part around the first '-' is a span of
// numbers, each one key, exactly as the original expands it (an empty low
// end is 0, a high end over 255 is 255, low above high gives no key).
Result<void> djb_range_keys_into(std::string_view address, std::size_t dash, std::vector<std::string>& keys) {
  std::size_t left = address.substr(0, dash).rfind('.');
  left = left == std::string_view::npos ? 0 : left + 1;
  std::size_t right = address.find('.', dash + 1);
  if (right == std::string_view::npos) right = address.size();
  auto bottom = djb_scan_ulong(address.substr(left, dash - left));
  if (!bottom) return std::unexpected(bottom.error());
  auto top = djb_scan_ulong(address.substr(dash + 1, right - dash - 1));
  if (!top) return std::unexpected(top.error());
  std::uint64_t high = *top > 255 ? 255 : *top;
  if (*bottom <= high) keys.reserve(keys.size() + high - *bottom + 1);
  std::string_view head = address.substr(0, left), tail = address.substr(right);
  for (std::uint64_t n = *bottom; n <= high; ++n) {
    char digits[4];
    auto end = std::to_chars(digits, digits + sizeof digits, n).ptr;
    std::string& key = keys.emplace_back();
    key.reserve(head.size() + 3 + tail.size());
    key.append(head).append(digits, end).append(tail);
  }
  return {};
}

// `value` in lowercase hex without leading zeros, as tcpserver writes a
// group (and fmt's "{:x}" would, without a formatter's set-up for each of
// the many keys a CIDR rule or a reachability check writes).
void append_hex(std::string& out, unsigned value) {
  char digits[8];
  auto end = std::to_chars(digits, digits + sizeof digits, value, 16).ptr;
  out.append(digits, end);
}

std::string v4_key(const Address& a, int octets) {
  std::string key;
  for (int i = 0; i < octets; ++i) {
    char digits[4];
    key.append(digits, std::to_chars(digits, digits + sizeof digits, unsigned{a.byte(i)}).ptr);
    key += '.';
  }
  if (octets == 4) key.pop_back();
  return key;
}

// "2001:db8:0:", each group as tcpserver writes it, none compressed.
std::string written_groups(const unsigned* groups, int count) {
  std::string out;
  for (int g = 0; g < count; ++g) {
    append_hex(out, groups[g]);
    out += ':';
  }
  return out;
}

struct ZeroRun {
  int start, length;
};

std::vector<ZeroRun> zero_runs(const unsigned* groups, int count) {
  std::vector<ZeroRun> runs;
  for (int g = 0; g < count;) {
    if (groups[g] != 0) {
      ++g;
      continue;
    }
    int end = g;
    while (end < count && groups[end] == 0) ++end;
    runs.push_back({g, end - g});
    g = end;
  }
  return runs;
}

// The "::" key of a run reaching the end of the groups, nothing when a
// longer run before it is always the one compressed. A client's run there
// has this length or more (up to the end of the address); it is compressed
// when longer than every earlier run.
Result<std::optional<std::string>> trailing_run_key(const unsigned* groups, const ZeroRun& run, int longest_earlier) {
  if (8 - run.start <= longest_earlier) return std::nullopt;
  if (run.length - 1 > longest_earlier) {
    return fail(fmt::format("zero groups {}-{} are written '::' in some clients' texts, and a text "
                            "prefix cannot tell them from addresses with fewer zero groups there",
                            run.start + 1, run.start + run.length));
  }
  if (run.start == 0) return "::";
  return written_groups(groups, run.start) + ":";
}

// A run inside the groups that some client's text compresses: no key can
// say how many groups its "::" stands for.
Result<void> refuse_inner_run(const std::vector<ZeroRun>& runs, std::size_t i, int longest_earlier) {
  const ZeroRun& run = runs[i];
  bool compressible = run.length > longest_earlier;
  for (std::size_t j = i + 1; j < runs.size(); ++j) {
    if (runs[j].length > run.length) compressible = false;
  }
  if (!compressible) return {};
  std::string which = run.length == 1 ? fmt::format("zero group {} is", run.start + 1)
                                      : fmt::format("zero groups {}-{} are", run.start + 1, run.start + run.length);
  return fail(fmt::format("{} written '::' in some clients' texts, and a text prefix cannot tell how many "
                          "groups '::' stands for",
                          which));
}

// The keys that make tcpserver match exactly the clients whose first
// `count` (< 8) 16-bit groups are those of `bytes`. tcpserver compresses the
// longest run of zero groups (the first on a tie, even a single group), so a
// client's text starts with the groups written out ("2001:db8:0:") when a
// longer run comes later, and with a "::" inside them otherwise. A "::" key
// is exact only when tcpserver's text pins the run's length: a text prefix
// cannot say how many groups follow, so "2001:db8::10:" would also match
// 2001:db8:0:0:10:... A run ending inside the groups is never exact; one
// reaching their end ("2001:db8::" for 2001:db8:0::/48) is exact when no
// shorter run in its place could be the one compressed.
Result<std::vector<std::string>> ipv6_group_keys(const std::uint8_t* bytes, int count) {
  unsigned groups[8];
  for (int g = 0; g < count; ++g) groups[g] = bytes[2 * g] << 8 | bytes[2 * g + 1];
  std::vector<std::string> keys{written_groups(groups, count)};
  std::vector<ZeroRun> runs = zero_runs(groups, count);
  bool trailing = !runs.empty() && runs.back().start + runs.back().length == count;
  int longest_earlier = 0;
  for (std::size_t i = 0; i < runs.size(); ++i) {
    if (trailing && i + 1 == runs.size()) {
      auto key = trailing_run_key(groups, runs[i], longest_earlier);
      if (!key) return std::unexpected(key.error());
      if (*key) keys.push_back(std::move(**key));
      break;
    }
    auto refused = refuse_inner_run(runs, i, longest_earlier);
    if (!refused) return std::unexpected(refused.error());
    longest_earlier = std::max(longest_earlier, runs[i].length);
  }
  return keys;
}

// `base` with the number k written into its bits [length, rounded).
Address with_bits(const Address& base, std::uint64_t k, int length, int rounded) {
  std::uint8_t bytes[16];
  for (int i = 0; i < base.byte_count(); ++i) bytes[i] = base.byte(i);
  for (int bit = 0; bit < rounded - length; ++bit) {
    if ((k >> bit) & 1) {
      int pos = rounded - 1 - bit;
      bytes[pos / 8] |= static_cast<std::uint8_t>(0x80 >> (pos % 8));
    }
  }
  return Address::from_bytes_exact(base.family(), bytes);
}

// The keys of the clients whose first `rounded` bits (whole octets or
// groups) are those of `a`. `mapped`: the rule was written as IPv6, so
// tcpserver -6's "::ffff:" text of an IPv4 client is a key too.
Result<void> append_prefix_keys(const Address& a, int rounded, bool mapped, std::vector<std::string>& keys) {
  if (a.is_v4()) {
    std::string key = v4_key(a, rounded / 8);
    keys.push_back(key);
    if (mapped) keys.push_back("::ffff:" + key);
    return {};
  }
  if (rounded == 128) {
    keys.push_back(tcpserver_text(a));
    return {};
  }
  auto group_keys = ipv6_group_keys(a.bytes(), rounded / 16);
  if (!group_keys) return std::unexpected(group_keys.error());
  keys.insert(keys.end(), group_keys->begin(), group_keys->end());
  return {};
}

// A CIDR prefix as the texts tcpserver tries: its length rounded up to a
// whole octet (IPv4) or 16-bit group (IPv6), one key per value of the bits
// in between.
Result<std::vector<std::string>> cidr_keys(std::string_view text) {
  auto prefix = Prefix::parse(text);
  if (!prefix) return fail(fmt::format("bad CIDR prefix '{}': {}", text, prefix.error().message));
  int length = prefix->length();
  const Address& base = prefix->address();
  if (length == 0 && !base.is_v4()) {
    return fail(fmt::format("'{}' would match every client of both families: write ':allow' or ':deny'", text));
  }
  int step = base.is_v4() ? 8 : 16;
  int rounded = std::max(step, (length + step - 1) / step * step);
  std::uint64_t count = std::uint64_t{1} << (rounded - length);
  if (count > kMaxKeysPerRule) {
    return fail(fmt::format("'{}' expands into {} keys, more than the limit of {}", text, count, kMaxKeysPerRule));
  }
  bool mapped = base.is_v4() && text.find(':') != std::string_view::npos;
  std::vector<std::string> keys;
  for (std::uint64_t k = 0; k < count; ++k) {
    auto added = append_prefix_keys(with_bits(base, k, length, rounded), rounded, mapped, keys);
    if (!added) return fail(fmt::format("'{}' cannot be matched exactly by tcpserver: {}", text, added.error().message));
  }
  return keys;
}

// How many keys, or why none.
Result<std::size_t> counted(const Result<std::vector<std::string>>& keys) {
  if (!keys) return std::unexpected(keys.error());
  return keys->size();
}

// How many keys cidr_keys(text) gives, with its errors, without writing
// them: the texts are written only for IPv6 values with a zero group, the
// only ones that may have more than one key or none.
Result<std::size_t> cidr_key_count(std::string_view text) {
  auto prefix = Prefix::parse(text);
  if (!prefix) return fail(fmt::format("bad CIDR prefix '{}': {}", text, prefix.error().message));
  int length = prefix->length();
  const Address& base = prefix->address();
  if (length == 0 && !base.is_v4()) return counted(cidr_keys(text));
  int step = base.is_v4() ? 8 : 16;
  int rounded = std::max(step, (length + step - 1) / step * step);
  std::uint64_t count = std::uint64_t{1} << (rounded - length);
  if (count > kMaxKeysPerRule) return counted(cidr_keys(text));
  if (base.is_v4()) return static_cast<std::size_t>(count) * (text.find(':') != std::string_view::npos ? 2 : 1);
  if (rounded == 128) return static_cast<std::size_t>(count);
  // The other values only set bits of the base: without a zero group in
  // the base, none has one, and each is one key.
  bool base_zero_group = false;
  for (int g = 0; g < rounded / 16; ++g) base_zero_group |= base.byte(2 * g) == 0 && base.byte(2 * g + 1) == 0;
  if (!base_zero_group) return static_cast<std::size_t>(count);
  // The bits that vary are in the last group (rounded is the length
  // rounded up to a whole group), and how many keys a value has, or why
  // none, depends only on which of its groups are zero: every value but
  // the first (k = 0, whose last group may be zero) has the zero groups of
  // the second.
  auto first = ipv6_group_keys(with_bits(base, 0, length, rounded).bytes(), rounded / 16);
  if (!first) return counted(cidr_keys(text));
  if (count == 1) return first->size();
  auto other = ipv6_group_keys(with_bits(base, 1, length, rounded).bytes(), rounded / 16);
  if (!other) return counted(cidr_keys(text));
  return first->size() + static_cast<std::size_t>(count - 1) * other->size();
}

// An IPv6 address rule, in tcpserver's text for it.
Result<std::vector<std::string>> ipv6_address_keys(std::string_view address) {
  if (address.find('%') != std::string_view::npos) {
    return fail(fmt::format("'{}' has a zone: tcpserver looks clients up without one", address));
  }
  auto parsed = Address::parse(address);
  // Not an address: a djb text prefix such as "2001:db8:", kept as written.
  if (!parsed) return std::vector{std::string(address)};
  std::string key = tcpserver_text(*parsed);
  // tcpserver -6 sees an IPv4 client as ::ffff:a.b.c.d, without -6 as a.b.c.d.
  if (parsed->is_v4()) return std::vector{key, "::ffff:" + key};
  return std::vector{key};
}

// A part of an IPv4 text as tcpserver writes it: 0-255, no leading zero.
bool is_decimal_octet(std::string_view s) {
  if (s.size() > 1 && s[0] == '0') return false;
  return parse_number(s, 0, 255).has_value();
}

bool is_hex_group(std::string_view s) {
  if (s.empty() || s.size() > 4 || (s.size() > 1 && s[0] == '0')) return false;
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

// "a.b.c.d" (complete) or "a.", "a.b.", "a.b.c." (a prefix) as tcpserver
// writes IPv4 clients.
bool is_ipv4_text(std::string_view s, bool prefix) {
  int parts = 0;
  while (!s.empty()) {
    std::size_t dot = s.find('.');
    if (!is_decimal_octet(s.substr(0, dot))) return false;
    ++parts;
    if (dot == std::string_view::npos) return !prefix && parts == 4;
    s.remove_prefix(dot + 1);
  }
  return prefix && parts >= 1 && parts <= 3;
}

// "2001:db8" into its groups, when each is written as tcpserver writes one.
bool split_groups(std::string_view part, std::vector<unsigned>& out) {
  while (!part.empty()) {
    std::size_t colon = part.find(':');
    std::string_view group = part.substr(0, colon);
    if (!is_hex_group(group)) return false;
    unsigned value = 0;
    std::from_chars(group.data(), group.data() + group.size(), value, 16);
    out.push_back(value);
    if (colon == std::string_view::npos) break;
    part.remove_prefix(colon + 1);
  }
  return true;
}

// Whether tcpserver's text of some client made of `before`, `run` zero
// groups, `after`, then groups of zero or one, starts with `key`.
bool some_text_starts_with(std::string_view key, const std::vector<unsigned>& before, int run,
                           const std::vector<unsigned>& after) {
  int free_groups = 8 - static_cast<int>(before.size() + after.size()) - run;
  for (unsigned pattern = 0; pattern < (1u << free_groups); ++pattern) {
    std::uint8_t bytes[16];
    int g = 0;
    auto put = [&](unsigned v) {
      bytes[2 * g] = static_cast<std::uint8_t>(v >> 8);
      bytes[2 * g + 1] = static_cast<std::uint8_t>(v);
      ++g;
    };
    for (unsigned v : before) put(v);
    for (int i = 0; i < run; ++i) put(0);
    for (unsigned v : after) put(v);
    for (int i = 0; i < free_groups; ++i) put((pattern >> i) & 1 ? 0 : 1);
    if (tcpserver_text(Address::from_bytes_exact(Family::v6, bytes)).starts_with(key)) return true;
  }
  return false;
}

// Whether some IPv6 client's text starts with `key` (which ends in ':').
// The key fixes some groups and maybe where the "::" run starts; try every
// length of that run with the other groups zero or one, and ask
// tcpserver_text whether it would write the key.
bool ipv6_prefix_reachable(std::string_view key) {
  std::size_t double_colon = key.find("::");
  if (double_colon != std::string_view::npos && key.find("::", double_colon + 1) != std::string_view::npos) {
    return false;
  }
  std::vector<unsigned> before, after;
  if (double_colon == std::string_view::npos) {
    if (!split_groups(key.substr(0, key.size() - 1), before)) return false;
  } else {
    if (!split_groups(key.substr(0, double_colon), before)) return false;
    std::string_view rest = key.substr(double_colon + 2);
    if (!rest.empty() && !split_groups(rest.substr(0, rest.size() - 1), after)) return false;
  }
  int fixed = static_cast<int>(before.size() + after.size());
  bool compressed = double_colon != std::string_view::npos;
  if (fixed > 7) return false;
  for (int run = compressed ? 1 : 0; run <= (compressed ? 8 - fixed : 0); ++run) {
    if (some_text_starts_with(key, before, run, after)) return true;
  }
  return false;
}

constexpr const char* kIpv4Written = "tcpserver writes IPv4 clients as four decimal numbers 0-255 without leading zeros";

// "info@ip": the part after the '@' is looked up whole.
std::optional<std::string> why_info_never_looked_up(std::string_view ip) {
  if (ip.empty() || ip.back() == '.' || ip.back() == ':') {
    return "info@ address rules need a whole address after the '@'";
  }
  auto why = why_never_looked_up(ip);
  if (why) return fmt::format("after the '@': {}", *why);
  return std::nullopt;
}

}  // namespace

std::string tcpserver_text(const Address& address) {
  if (address.is_v4()) return std::string(address.format().view());
  unsigned groups[8];
  for (int i = 0; i < 8; ++i) groups[i] = address.byte(2 * i) << 8 | address.byte(2 * i + 1);
  int best = -1, best_len = 0;
  for (int i = 0; i < 8;) {
    int j = i;
    while (j < 8 && groups[j] == 0) ++j;
    if (j - i > best_len) {
      best = i;
      best_len = j - i;
    }
    i = j == i ? i + 1 : j;
  }
  std::string out;
  for (int i = 0; i < 8; ++i) {
    if (i == best) {
      out += i == 0 ? "::" : ":";
      i += best_len - 1;
      continue;
    }
    append_hex(out, groups[i]);
    if (i < 7) out += ':';
  }
  return out;
}

Result<std::vector<std::string>> rule_keys(std::string_view address) {
  std::vector<std::string> keys;
  if (auto expanded = rule_keys_into(address, keys); !expanded) return std::unexpected(expanded.error());
  return keys;
}

Result<void> rule_keys_into(std::string_view address, std::vector<std::string>& keys) {
  keys.clear();
  // info@ip and =host rules are names, not addresses: kept as written.
  if (address.find_first_of("=@") != std::string_view::npos) {
    keys.emplace_back(address);
    return {};
  }
  if (std::size_t dash = address.find('-'); dash != std::string_view::npos) return djb_range_keys_into(address, dash, keys);
  Result<std::vector<std::string>> other = std::vector{std::string(address)};
  if (address.find('/') != std::string_view::npos) {
    other = cidr_keys(address);
  } else if (address.find(':') != std::string_view::npos) {
    other = ipv6_address_keys(address);
  }
  if (!other) return std::unexpected(other.error());
  keys = std::move(*other);
  return {};
}

Result<std::size_t> rule_key_count(std::string_view address) {
  bool cidr = address.find('/') != std::string_view::npos && address.find_first_of("=@-") == std::string_view::npos;
  if (cidr) return cidr_key_count(address);
  return counted(rule_keys(address));
}

std::optional<std::string> why_never_looked_up(std::string_view key) {
  if (key.empty() || key.front() == '=') return std::nullopt;
  if (std::size_t at = key.rfind('@'); at != std::string_view::npos) return why_info_never_looked_up(key.substr(at + 1));
  std::string_view v4 = key.starts_with("::ffff:") ? key.substr(7) : key;
  bool dotted = v4.find(':') == std::string_view::npos && v4.find('.') != std::string_view::npos;
  char last = key.back();
  if (last == '.') {
    if (dotted && is_ipv4_text(v4, true)) return std::nullopt;
    return kIpv4Written;
  }
  if (last == ':') {
    if (ipv6_prefix_reachable(key)) return std::nullopt;
    return "no IPv6 address is written by tcpserver with this start (lowercase hex groups without "
           "leading zeros, the longest zero run as '::')";
  }
  if (dotted && is_ipv4_text(v4, false)) return std::nullopt;
  if (dotted) return kIpv4Written;
  auto parsed = Address::parse(key);
  if (parsed && !parsed->is_v4() && tcpserver_text(*parsed) == key) return std::nullopt;
  if (parsed) return fmt::format("tcpserver writes this address as {}", tcpserver_text(*parsed));
  if (key.find_first_of(".:") == std::string_view::npos) {
    return "neither an address nor a prefix ending in '.' or ':'";
  }
  return "not an address as tcpserver writes it, nor a prefix ending in '.' or ':'";
}

}  // namespace jgl

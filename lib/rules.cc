// rules.cc: parsing tcprules lines, expanding them into cdb keys, writing
// and reading the cdb.
#include "lib/rules.h"

#include <cdb.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <algorithm>
#include <charconv>
#include <cstring>
#include <fmt/format.h>

#include "lib/address.h"
#include "lib/prefix.h"

namespace jgl {
namespace {

constexpr std::string_view kWhitespace = " \t\n";

// djb's scan_ulong: the leading digits, wrapping as unsigned long does;
// anything after them makes the original refuse the line.
Result<std::uint64_t> range_number(std::string_view text) {
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
Result<std::vector<std::string>> djb_range_keys(std::string_view address, std::size_t dash) {
  std::size_t left = address.substr(0, dash).rfind('.');
  left = left == std::string_view::npos ? 0 : left + 1;
  std::size_t right = address.find('.', dash + 1);
  if (right == std::string_view::npos) right = address.size();
  auto bottom = range_number(address.substr(left, dash - left));
  if (!bottom) return std::unexpected(bottom.error());
  auto top = range_number(address.substr(dash + 1, right - dash - 1));
  if (!top) return std::unexpected(top.error());
  std::uint64_t high = *top > 255 ? 255 : *top;
  std::vector<std::string> keys;
  if (*bottom <= high) keys.reserve(high - *bottom + 1);
  std::string_view head = address.substr(0, left), tail = address.substr(right);
  for (std::uint64_t n = *bottom; n <= high; ++n) {
    char digits[4];
    auto end = std::to_chars(digits, digits + sizeof digits, n).ptr;
    std::string key;
    key.reserve(head.size() + 3 + tail.size());
    key.append(head).append(digits, end).append(tail);
    keys.push_back(std::move(key));
  }
  return keys;
}

std::string v4_key(const Address& a, int octets) {
  std::string key;
  for (int i = 0; i < octets; ++i) key += fmt::format("{}.", a.byte(i));
  if (octets == 4) key.pop_back();
  return key;
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
  std::string written;
  for (int g = 0; g < count; ++g) written += fmt::format("{:x}:", groups[g]);
  std::vector<std::string> keys{written};

  struct Run {
    int start, length;
  };
  std::vector<Run> runs;
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
  bool trailing = !runs.empty() && runs.back().start + runs.back().length == count;
  int longest_earlier = 0;
  for (std::size_t i = 0; i < runs.size(); ++i) {
    const Run& run = runs[i];
    if (trailing && i + 1 == runs.size()) {
      // A client's run here has this length or more (up to the end of the
      // address); it is compressed when longer than every earlier run.
      if (8 - run.start <= longest_earlier) break;
      if (run.length - 1 > longest_earlier) {
        return fail(fmt::format("zero groups {}-{} are written '::' in some clients' texts, and a text "
                                "prefix cannot tell them from addresses with fewer zero groups there",
                                run.start + 1, run.start + run.length));
      }
      std::string key;
      for (int g = 0; g < run.start; ++g) key += fmt::format("{:x}:", groups[g]);
      keys.push_back(run.start == 0 ? "::" : key + ":");
      break;
    }
    bool compressible = run.length > longest_earlier;
    for (std::size_t j = i + 1; j < runs.size(); ++j) {
      if (runs[j].length > run.length) compressible = false;
    }
    if (compressible) {
      std::string which = run.length == 1 ? fmt::format("zero group {} is", run.start + 1)
                                          : fmt::format("zero groups {}-{} are", run.start + 1, run.start + run.length);
      return fail(fmt::format("{} written '::' in some clients' texts, and a text prefix cannot tell how many "
                              "groups '::' stands for",
                              which));
    }
    longest_earlier = std::max(longest_earlier, run.length);
  }
  return keys;
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
    // Put k into the bits between `length` and `rounded`.
    std::uint8_t bytes[16];
    for (int i = 0; i < base.byte_count(); ++i) bytes[i] = base.byte(i);
    for (int bit = 0; bit < rounded - length; ++bit) {
      if ((k >> bit) & 1) {
        int pos = rounded - 1 - bit;
        bytes[pos / 8] |= static_cast<std::uint8_t>(0x80 >> (pos % 8));
      }
    }
    Address a = Address::from_bytes_exact(base.family(), bytes);
    if (base.is_v4()) {
      std::string key = v4_key(a, rounded / 8);
      keys.push_back(key);
      if (mapped) keys.push_back("::ffff:" + key);
      continue;
    }
    if (rounded == 128) {
      keys.push_back(tcpserver_text(a));
      continue;
    }
    auto group_keys = ipv6_group_keys(bytes, rounded / 16);
    if (!group_keys) {
      return fail(fmt::format("'{}' cannot be matched exactly by tcpserver: {}", text, group_keys.error().message));
    }
    keys.insert(keys.end(), group_keys->begin(), group_keys->end());
  }
  return keys;
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
    out += fmt::format("{:x}", groups[i]);
    if (i < 7) out += ':';
  }
  return out;
}

namespace {

bool is_decimal_octet(std::string_view s) {
  if (s.empty() || s.size() > 3 || (s.size() > 1 && s[0] == '0')) return false;
  int value = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    value = value * 10 + (c - '0');
  }
  return value <= 255;
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

// Whether some IPv6 client's text starts with `key` (which ends in ':').
// The key fixes some groups and maybe where the "::" run starts; try every
// length of that run with the other groups zero or one, and ask
// tcpserver_text whether it would write the key.
bool ipv6_prefix_reachable(std::string_view key) {
  std::size_t double_colon = key.find("::");
  if (double_colon != std::string_view::npos && key.find("::", double_colon + 1) != std::string_view::npos) {
    return false;
  }
  auto split = [](std::string_view part, std::vector<unsigned>& out) {
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
  };
  std::vector<unsigned> before, after;
  if (double_colon == std::string_view::npos) {
    if (!split(key.substr(0, key.size() - 1), before)) return false;
  } else {
    if (!split(key.substr(0, double_colon), before)) return false;
    std::string_view rest = key.substr(double_colon + 2);
    if (!rest.empty() && !split(rest.substr(0, rest.size() - 1), after)) return false;
  }
  int fixed = static_cast<int>(before.size() + after.size());
  bool compressed = double_colon != std::string_view::npos;
  if (fixed > 7) return false;
  for (int run = compressed ? 1 : 0; run <= (compressed ? 8 - fixed : 0); ++run) {
    int free_groups = 8 - fixed - run;
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
  }
  return false;
}

}  // namespace

std::optional<std::string> why_never_looked_up(std::string_view key) {
  if (key.empty() || key.front() == '=') return std::nullopt;
  if (std::size_t at = key.rfind('@'); at != std::string_view::npos) {
    std::string_view ip = key.substr(at + 1);
    if (ip.empty() || ip.back() == '.' || ip.back() == ':') {
      return "info@ address rules need a whole address after the '@'";
    }
    auto why = why_never_looked_up(ip);
    if (why) return fmt::format("after the '@': {}", *why);
    return std::nullopt;
  }
  std::string_view v4 = key.starts_with("::ffff:") ? key.substr(7) : key;
  bool dotted = v4.find(':') == std::string_view::npos && v4.find('.') != std::string_view::npos;
  char last = key.back();
  if (last == '.') {
    if (dotted && is_ipv4_text(v4, true)) return std::nullopt;
    return "tcpserver writes IPv4 clients as four decimal numbers 0-255 without leading zeros";
  }
  if (last == ':') {
    if (ipv6_prefix_reachable(key)) return std::nullopt;
    return "no IPv6 address is written by tcpserver with this start (lowercase hex groups without "
           "leading zeros, the longest zero run as '::')";
  }
  if (dotted && is_ipv4_text(v4, false)) return std::nullopt;
  if (dotted) return "tcpserver writes IPv4 clients as four decimal numbers 0-255 without leading zeros";
  auto parsed = Address::parse(key);
  if (parsed && !parsed->is_v4() && tcpserver_text(*parsed) == key) return std::nullopt;
  if (parsed) return fmt::format("tcpserver writes this address as {}", tcpserver_text(*parsed));
  if (key.find_first_of(".:") == std::string_view::npos) {
    return "neither an address nor a prefix ending in '.' or ':'";
  }
  return "not an address as tcpserver writes it, nor a prefix ending in '.' or ':'";
}

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

Result<std::optional<Rule>> parse_rule(std::string_view line, int line_number) {
  if (line.empty() || line.front() == '#') return std::nullopt;
  std::size_t end = line.find_last_not_of(kWhitespace);
  // Debian's tcprules loops for ever on a blank line; the original skipped it.
  if (end == std::string_view::npos) return std::nullopt;
  line = line.substr(0, end + 1);

  // The address ends at the first ':' followed by the instruction, so that
  // an IPv6 address keeps its colons ("::1:allow", ":::allow").
  std::size_t colon = line.find(':');
  while (colon != std::string_view::npos) {
    std::string_view after = line.substr(colon + 1);
    if (after.starts_with("deny") || after.starts_with("allow")) break;
    colon = line.find(':', colon + 1);
  }
  if (colon == std::string_view::npos) return fail("no ':allow' or ':deny'");

  Rule rule;
  rule.line = line_number;
  rule.address = line.substr(0, colon);
  std::string_view rest = line.substr(colon + 1);
  rule.deny = rest.starts_with("deny");
  rest.remove_prefix(rule.deny ? 4 : 5);

  while (!rest.empty()) {
    if (rest.front() != ',') {
      char c = rest.front();
      std::string what = c == '\r' ? std::string("a carriage return (CRLF line ends?)")
                         : c >= ' ' && c <= '~' ? fmt::format("'{}'", c)
                                                 : fmt::format("byte 0x{:02x}", static_cast<unsigned char>(c));
      return fail(fmt::format("{} after the instruction, expected ',VAR=\"value\"'", what));
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
  return rule;
}

Result<std::vector<std::string>> rule_keys(std::string_view address) {
  std::string verbatim(address);
  // info@ip and =host rules are names, not addresses: kept as written.
  if (address.find_first_of("=@") != std::string_view::npos) return std::vector{verbatim};
  if (std::size_t dash = address.find('-'); dash != std::string_view::npos) {
    return djb_range_keys(address, dash);
  }
  if (address.find('/') != std::string_view::npos) return cidr_keys(address);
  if (address.find(':') != std::string_view::npos) {
    if (address.find('%') != std::string_view::npos) {
      return fail(fmt::format("'{}' has a zone: tcpserver looks clients up without one", address));
    }
    auto parsed = Address::parse(address);
    // Not an address: a djb text prefix such as "2001:db8:", kept as written.
    if (!parsed) return std::vector{verbatim};
    std::string key = tcpserver_text(*parsed);
    // tcpserver -6 sees an IPv4 client as ::ffff:a.b.c.d, without -6 as a.b.c.d.
    if (parsed->is_v4()) return std::vector{key, "::ffff:" + key};
    return std::vector{key};
  }
  return std::vector{verbatim};
}

std::vector<std::string> lookup_keys(std::string_view ip, const char* host, const char* info) {
  std::vector<std::string> keys;
  if (info) keys.push_back(fmt::format("{}@{}", info, ip));
  keys.emplace_back(ip);
  if (host) keys.push_back(fmt::format("={}", host));
  for (std::size_t n = ip.size(); n > 0; --n) {
    if (ip[n - 1] == '.' || ip[n - 1] == ':') keys.emplace_back(ip.substr(0, n));
  }
  if (host) {
    for (const char* p = host; *p; ++p) {
      if (*p == '.') keys.push_back(fmt::format("={}", p));
    }
    keys.emplace_back("=");
  }
  keys.emplace_back("");
  return keys;
}

namespace {

// A plain dotted address or prefix ("1.2.3.4", "10.2."), by far the most
// common rule: its only key is itself.
bool is_plain_dotted(std::string_view address) {
  if (address.empty()) return false;
  for (char c : address) {
    if ((c < '0' || c > '9') && c != '.') return false;
  }
  return true;
}

// Everything after the temporary file is open: the caller removes it on
// error. The input is read in blocks and compiled line by line, so memory
// stays that of the cdb's index, whatever the size of the rules.
std::optional<CompileError> compile_into(int input_fd, int out_fd, const std::string& tmp) {
  auto write_error = [&] {
    return CompileError{fmt::format("unable to write to {}: {}", tmp, std::strerror(errno)), true};
  };
  cdb_make maker;
  if (cdb_make_start(&maker, out_fd) < 0) return write_error();
  // tinycdb frees the records it holds only in cdb_make_finish: on a
  // refusal, finish into the temporary file anyway (the caller removes it).
  struct Finisher {
    cdb_make* maker;
    bool done = false;
    ~Finisher() {
      if (!done) cdb_make_finish(maker);
    }
  } finisher{&maker};
  int line_number = 0;
  std::string record;
  auto add = [&](std::string_view key) {
    return cdb_make_add(&maker, key.data(), static_cast<unsigned>(key.size()), record.data(),
                        static_cast<unsigned>(record.size())) >= 0;
  };
  auto compile_line = [&](std::string_view line) -> std::optional<CompileError> {
    ++line_number;
    auto refuse = [&](const Error& e) {
      std::string_view shown = line.substr(0, line.find_last_not_of(kWhitespace) + 1);
      return CompileError{
          fmt::format("unable to parse line {} ({}): {}", line_number, e.message, shown), false};
    };
    auto rule = parse_rule(line, line_number);
    if (!rule) return refuse(rule.error());
    if (!*rule) return std::nullopt;
    record.clear();
    (*rule)->append_data(record);
    if (is_plain_dotted((*rule)->address)) {
      if (!add((*rule)->address)) return write_error();
      return std::nullopt;
    }
    auto keys = rule_keys((*rule)->address);
    if (!keys) return refuse(keys.error());
    for (const std::string& key : *keys) {
      if (!add(key)) return write_error();
    }
    return std::nullopt;
  };

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
    ssize_t n = read(input_fd, buffer.data() + used, kBlock);
    if (n < 0) {
      buffer.resize(used);
      if (errno == EINTR) continue;
      return CompileError{fmt::format("unable to read input: {}", std::strerror(errno)), true};
    }
    buffer.resize(used + static_cast<std::size_t>(n));
    if (n == 0) break;
    std::string_view view = buffer;
    for (std::size_t newline; (newline = view.find('\n', start)) != std::string_view::npos; start = newline + 1) {
      if (auto error = compile_line(view.substr(start, newline - start))) return error;
    }
  }
  if (start < buffer.size()) {
    if (auto error = compile_line(std::string_view(buffer).substr(start))) return error;
  }
  finisher.done = true;
  if (cdb_make_finish(&maker) < 0) return write_error();
  if (fsync(out_fd) < 0) return write_error();
  return std::nullopt;
}

}  // namespace

std::optional<CompileError> compile_rules(int input_fd, const std::string& cdb, const std::string& tmp) {
  // Only a file this run creates is ever written, renamed or removed: a
  // leftover regular rules.tmp (a killed run) is replaced, anything else
  // there (a device, a symlink, a directory: a mistyped argument) refused.
  struct stat st;
  if (lstat(tmp.c_str(), &st) == 0) {
    if (!S_ISREG(st.st_mode)) {
      return CompileError{fmt::format("unable to create {}: it exists and is not a regular file", tmp), true};
    }
    if (unlink(tmp.c_str()) < 0 && errno != ENOENT) {
      return CompileError{fmt::format("unable to remove the old {}: {}", tmp, std::strerror(errno)), true};
    }
  }
  int fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
  if (fd < 0) return CompileError{fmt::format("unable to create {}: {}", tmp, std::strerror(errno)), true};
  auto error = compile_into(input_fd, fd, tmp);
  if (close(fd) < 0 && !error) {
    error = CompileError{fmt::format("unable to write to {}: {}", tmp, std::strerror(errno)), true};
  }
  if (!error && rename(tmp.c_str(), cdb.c_str()) < 0) {
    error = CompileError{fmt::format("unable to move {} to {}: {}", tmp, cdb, std::strerror(errno)), true};
  }
  if (error) unlink(tmp.c_str());
  return error;
}

Result<int> open_rules_cdb(const char* path) {
  int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) return fail(std::strerror(errno), errno);
  struct stat st;
  if (fstat(fd, &st) < 0) {
    int e = errno;
    close(fd);
    return fail(std::strerror(e), e);
  }
  if (!S_ISREG(st.st_mode)) {
    close(fd);
    const char* what = S_ISDIR(st.st_mode) ? "is a directory" : S_ISFIFO(st.st_mode) ? "is a FIFO" : "is not a regular file";
    return fail(what, S_ISDIR(st.st_mode) ? EISDIR : EINVAL);
  }
  return fd;
}

Result<std::optional<RuleMatch>> check_rules(int fd, std::string_view ip, const char* host, const char* info) {
  struct cdb db;
  if (cdb_init(&db, fd) < 0) return fail("not a cdb", errno ? errno : EPROTO);
  for (const std::string& key : lookup_keys(ip, host, info)) {
    int found = cdb_find(&db, key.data(), static_cast<unsigned>(key.size()));
    if (found < 0) {
      int e = errno;
      cdb_free(&db);
      return fail("lookup failed", e ? e : EPROTO);
    }
    if (found == 0) continue;
    const char* p = static_cast<const char*>(cdb_get(&db, cdb_datalen(&db), cdb_datapos(&db)));
    if (p == nullptr) {
      cdb_free(&db);
      return fail("truncated record", EPROTO);
    }
    std::string_view data(p, cdb_datalen(&db));
    RuleMatch verdict{key, false, {}};
    // As tcpserver reads a record: NUL-terminated items, 'D' ends it.
    for (std::size_t nul; (nul = data.find('\0')) != std::string_view::npos; data.remove_prefix(nul + 1)) {
      if (data.front() == 'D') {
        verdict.deny = true;
        break;
      }
      if (data.front() == '+') verdict.settings.emplace_back(data.substr(1, nul - 1));
    }
    cdb_free(&db);
    return verdict;
  }
  cdb_free(&db);
  return std::optional<RuleMatch>{};
}

}  // namespace jgl

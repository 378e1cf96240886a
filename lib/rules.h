// rules.h: tcpserver access rules (ucspi-tcp's tcprules format) and their cdb.
//
// A rule line is "ADDRESS:allow" or "ADDRESS:deny", then ,VAR="value" with
// any quote character repeated at both ends. Parsing, the cdb record and the
// keys follow Debian's ucspi-tcp-ipv6 tcprules byte for byte for everything it
// accepts; beyond it, IPv6 addresses in any spelling and CIDR prefixes are
// expanded into the texts tcpserver looks up. The lookup order is tcpserver's.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "lib/address.h"
#include "lib/error.h"

namespace jgl {

// The parts of one line, as views into the text parse_rule was given: a
// rule is valid only as long as that text.
struct Rule {
  std::string_view address;  // the pattern as written, before the instruction
  bool deny = false;
  std::vector<std::pair<std::string_view, std::string_view>> env;  // name, value
  int line = 0;

  // The cdb record: "D\0" for deny (NUL included, as the original writes
  // it), then "+VAR=value\0" per setting.
  std::string data() const;
  void append_data(std::string& out) const;
};

// One line of input without its '\n'. An empty, comment or blank line gives
// no rule. Errors name the problem; the caller adds the line.
Result<std::optional<Rule>> parse_rule(std::string_view line, int line_number);

// The most keys one CIDR rule may expand into. Rounding to whole octets or
// 16-bit groups gives at most 128 (IPv4) or 32768 (IPv6): a safety net.
inline constexpr std::size_t kMaxKeysPerRule = 65536;

// The cdb keys a rule's address stands for, in order: djb ranges expanded
// as the original does, IPv6 addresses in tcpserver's text, CIDR prefixes as
// the dotted or colon-ended texts tcpserver tries. Anything else verbatim.
Result<std::vector<std::string>> rule_keys(std::string_view address);

// An address as tcpserver (Debian's ucspi-tcp-ipv6) writes TCPREMOTEIP and
// looks it up: dotted quad, or lowercase hex with the longest run of zero
// groups compressed, first on a tie, even a single group (unlike RFC 5952:
// 2001:db8:0:1:1:1:1:1 is "2001:db8::1:1:1:1:1"), no embedded IPv4.
std::string tcpserver_text(const Address& address);

// Why tcpserver never looks `key` up, whatever the client: a text it does
// not write (uppercase or leading zeros, an impossible prefix); nullopt
// when some client's lookup can reach it.
std::optional<std::string> why_never_looked_up(std::string_view key);

// The keys tcpserver tries for a client, in its order: info@ip, ip, =host,
// each prefix of ip ending in '.' or ':' (longest first), =.suffixes of the
// host, "=", then "". host and info may be null.
std::vector<std::string> lookup_keys(std::string_view ip, const char* host, const char* info);

// Compiles the rules read from input_fd into `cdb` atomically through
// `tmp`: write, fsync, rename. On any error `tmp` is removed and `cdb` left
// as it was; a parse error's message names the line and the problem.
struct CompileError {
  std::string message;
  bool temporary = false;  // I/O (exit 111) rather than bad input (exit 100)
};
std::optional<CompileError> compile_rules(int input_fd, const std::string& cdb, const std::string& tmp);

// What a cdb record says, as tcprulescheck prints it.
struct RuleMatch {
  std::string key;  // the rule that matched
  bool deny = false;
  std::vector<std::string> settings;  // "VAR=value", up to a deny
};

// Opens a rules cdb for reading: a regular file, or an error whose message
// says what is wrong with it ("is a FIFO"). A FIFO or device must not block
// a connection in open() or feed it garbage.
Result<int> open_rules_cdb(const char* path);

// Looks the client up in the cdb open on fd: nullopt when no key matched.
Result<std::optional<RuleMatch>> check_rules(int fd, std::string_view ip, const char* host, const char* info);

}  // namespace jgl

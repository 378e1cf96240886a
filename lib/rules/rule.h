// rules/rule.h: one line of tcpserver access rules (ucspi-tcp's tcprules format).
//
// A rule line is "ADDRESS:allow" or "ADDRESS:deny", then ,VAR="value" with
// any quote character repeated at both ends. Parsing and the cdb record
// follow Debian's ucspi-tcp-ipv6 tcprules byte for byte for everything it
// accepts. What the address stands for is lib/rules/keys.h; writing the cdb
// is lib/rules/compile.h, reading it lib/rules/lookup.h.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "lib/base/error.h"

namespace jgl {

// What the original strips from the end of a line before reading it: not
// '\r', so a CRLF file is refused with the problem named.
inline constexpr std::string_view kTrailingBlanks = " \t\n";

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

// What one line is. Besides rules and the lines meant to hold none, a line
// with no ':' at all is skipped, as ucspi-tcp's tcprules skips it (Debian's
// IPv6 build loops for ever on it instead): tcprules compiles the rest and
// warns, tcprules --check calls it an error.
struct ParsedLine {
  enum class Kind {
    rule,
    blank,    // empty, blanks only, or a comment: nothing to say
    skipped,  // not a rule, and probably meant to be one
  };
  Kind kind = Kind::blank;
  Rule rule;                // when kind is rule
  std::string_view reason;  // when kind is skipped: why, as "no colon"
};

// One line of input without its '\n'. Errors name the problem; the caller
// adds the line.
Result<ParsedLine> parse_rule(std::string_view line, int line_number);

// The same into `parsed`, reusing its storage (a compiler's line after line).
Result<void> parse_rule_into(std::string_view line, int line_number, ParsedLine& parsed);

}  // namespace jgl

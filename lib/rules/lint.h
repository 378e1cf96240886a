// rules/lint.h: what `tcprules --check` says about a rules file.
//
// Every line the compiler would refuse or skip is an error; rules that
// compile but cannot do what they say are warnings: a key another rule
// already gave (tcpserver takes the first record of a key), a prefix every
// address of which a more specific rule catches, a key in a form tcpserver
// never looks up, settings after a deny. Respelled IPv6 addresses are notes:
// they work.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace jgl {

struct Finding {
  enum class Severity { note, warning, error };
  int line = 0;
  Severity severity = Severity::note;
  std::string message;  // printable ASCII: the file's other bytes shown as '?'
};

// The findings for a whole rules text, in line order.
std::vector<Finding> lint_rules(std::string_view text);

// "note", "warning" or "error".
std::string_view severity_name(Finding::Severity severity);

}  // namespace jgl

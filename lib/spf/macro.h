// spf/macro.h: RFC 7208 section 7 macros: their syntax and their expansion.
//
// A macro-string is literals and expansions: %{L} with L one of
// s l o d i p h v (and c r t in an explanation only), then an optional
// count of right-hand parts (nonzero), an optional "r" to reverse, and
// optional delimiters among ".-+,/_=" to split on (default "."); an
// uppercase letter URL-escapes the value. %% is "%", %_ a space, %- "%20".
// Anything else after "%" is a syntax error, which the record's parse
// turns into permerror.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "lib/base/error.h"
#include "lib/net/address.h"

namespace jgl {

struct MacroToken {
  enum class Kind { literal, escape, macro } kind = Kind::literal;
  std::string text;          // literal and escape: the text it stands for
  char letter = 0;           // macro: lowercase letter
  bool url_escape = false;   // macro: written in uppercase
  int parts = 0;             // macro: keep this many right-hand parts; 0: all
  bool reverse = false;      // macro: "r"
  std::string delimiters;    // macro: empty means "."
};

// `in_explanation`: c, r and t are allowed (exp= text only).
Result<std::vector<MacroToken>> parse_macro_string(std::string_view text, bool in_explanation = false);

// What the macros stand for in one evaluation.
struct MacroValues {
  std::string sender;         // s: local-part@domain
  std::string local_part;     // l
  std::string sender_domain;  // o
  std::string domain;         // d: the domain being evaluated
  Address client;             // i, c, v
  std::string helo;           // h
  std::string receiver = "unknown";  // r
  // p: the client's validated name (lib/spf/check_host.cc asks DNS only
  // when a macro needs it).
  std::function<std::string()> validated_name;
};

Result<std::string> expand_macro_string(std::string_view text, const MacroValues& values,
                                        bool in_explanation = false);

}  // namespace jgl

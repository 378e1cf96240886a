// spf/macro.cc: parsing and expanding RFC 7208 macro-strings.
#include "lib/spf/macro.h"

#include <algorithm>
#include <ctime>

#include "lib/base/number.h"

namespace jgl {

namespace {

constexpr std::string_view kDelimiters = ".-+,/_=";
constexpr std::string_view kLetters = "slodiphv";
constexpr std::string_view kExplanationLetters = "crt";
constexpr int kMaxParts = 128;

bool is_literal(char c) { return c >= 0x21 && c <= 0x7e && c != '%'; }

char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

// The inside of "%{...}": letter, digits, "r", delimiters.
Result<MacroToken> parse_macro(std::string_view body, bool in_explanation) {
  MacroToken token;
  token.kind = MacroToken::Kind::macro;
  if (body.empty()) return fail("empty macro %{}");
  token.letter = lower(body[0]);
  token.url_escape = body[0] != token.letter;
  bool known = kLetters.find(token.letter) != std::string_view::npos ||
               (in_explanation && kExplanationLetters.find(token.letter) != std::string_view::npos);
  if (!known) return fail("unknown macro letter '" + std::string(1, body[0]) + "'");
  std::size_t i = 1;
  while (i < body.size() && body[i] >= '0' && body[i] <= '9') ++i;
  if (i > 1) {
    auto parts = parse_number(body.substr(1, i - 1), 1, 9999);
    if (!parts) return fail("bad part count in %{" + std::string(body) + "}");
    token.parts = static_cast<int>(std::min<long>(*parts, kMaxParts));
  }
  if (i < body.size() && (body[i] == 'r' || body[i] == 'R')) {
    token.reverse = true;
    ++i;
  }
  for (; i < body.size(); ++i) {
    if (kDelimiters.find(body[i]) == std::string_view::npos) {
      return fail("bad delimiter '" + std::string(1, body[i]) + "' in %{" + std::string(body) + "}");
    }
    token.delimiters += body[i];
  }
  return token;
}

std::vector<std::string> split(const std::string& value, std::string_view delimiters) {
  std::vector<std::string> parts(1);
  for (char c : value) {
    if (delimiters.find(c) != std::string_view::npos) {
      parts.emplace_back();
    } else {
      parts.back() += c;
    }
  }
  return parts;
}

std::string url_escaped(const std::string& value) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : value) {
    bool unreserved = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
                      c == '.' || c == '_' || c == '~';
    if (unreserved) {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 0xf];
    }
  }
  return out;
}

// %{i}: dotted quad, or an IPv6 address's 32 nibbles separated by dots.
std::string dotted(const Address& client) {
  if (client.is_v4()) return std::string(client.format().view());
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (int i = 0; i < 16; ++i) {
    out += kHex[client.byte(i) >> 4];
    out += '.';
    out += kHex[client.byte(i) & 0xf];
    if (i < 15) out += '.';
  }
  return out;
}

std::string value_of(char letter, const MacroValues& v) {
  switch (letter) {
    case 's': return v.sender;
    case 'l': return v.local_part;
    case 'o': return v.sender_domain;
    case 'd': return v.domain;
    case 'i': return dotted(v.client);
    case 'p': return v.validated_name ? v.validated_name() : "unknown";
    case 'h': return v.helo;
    case 'v': return v.client.is_v4() ? "in-addr" : "ip6";
    case 'c': return std::string(v.client.format().view());
    case 'r': return v.receiver;
    case 't': return std::to_string(std::time(nullptr));
  }
  return "";
}

std::string expanded(const MacroToken& token, const MacroValues& values) {
  std::string value = value_of(token.letter, values);
  if (token.parts != 0 || token.reverse || !token.delimiters.empty()) {
    auto parts = split(value, token.delimiters.empty() ? "." : token.delimiters);
    if (token.reverse) std::reverse(parts.begin(), parts.end());
    std::size_t keep = token.parts == 0 ? parts.size() : std::min(parts.size(), std::size_t(token.parts));
    value.clear();
    for (std::size_t i = parts.size() - keep; i < parts.size(); ++i) {
      if (i != parts.size() - keep) value += '.';
      value += parts[i];
    }
  }
  return token.url_escape ? url_escaped(value) : value;
}

}  // namespace

Result<std::vector<MacroToken>> parse_macro_string(std::string_view text, bool in_explanation) {
  std::vector<MacroToken> tokens;
  for (std::size_t i = 0; i < text.size();) {
    if (text[i] != '%') {
      if (!is_literal(text[i]) && !(in_explanation && text[i] == ' ')) {
        return fail("character not allowed in a macro string: '" + std::string(1, text[i]) + "'");
      }
      if (tokens.empty() || tokens.back().kind != MacroToken::Kind::literal) tokens.emplace_back();
      tokens.back().text += text[i++];
      continue;
    }
    if (i + 1 >= text.size()) return fail("'%' at the end of a macro string");
    char next = text[i + 1];
    if (next == '%' || next == '_' || next == '-') {
      MacroToken escape;
      escape.kind = MacroToken::Kind::escape;
      escape.text = next == '%' ? "%" : next == '_' ? " " : "%20";
      tokens.push_back(std::move(escape));
      i += 2;
      continue;
    }
    if (next != '{') return fail("'%" + std::string(1, next) + "' is not a macro");
    std::size_t close = text.find('}', i + 2);
    if (close == std::string_view::npos) return fail("unterminated macro in '" + std::string(text) + "'");
    auto token = parse_macro(text.substr(i + 2, close - i - 2), in_explanation);
    if (!token) return std::unexpected(token.error());
    tokens.push_back(std::move(*token));
    i = close + 1;
  }
  return tokens;
}

Result<std::string> expand_macro_string(std::string_view text, const MacroValues& values, bool in_explanation) {
  auto tokens = parse_macro_string(text, in_explanation);
  if (!tokens) return std::unexpected(tokens.error());
  std::string out;
  for (const MacroToken& token : *tokens) {
    out += token.kind == MacroToken::Kind::macro ? expanded(token, values) : token.text;
  }
  return out;
}

}  // namespace jgl

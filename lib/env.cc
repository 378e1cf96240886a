// env.cc: strict numbers from the environment.
#include "lib/env.h"

#include <cstdlib>
#include <string>

namespace jgl {

Result<long> parse_number(std::string_view text, long min, long max) {
  if (text.empty()) return fail("empty, not a number");
  long value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return fail("not a number");
    long digit = c - '0';
    // value * 10 + digit > max, asked without overflowing.
    if (value > max / 10 || value * 10 > max - digit)
      return fail("out of range " + std::to_string(min) + "-" + std::to_string(max));
    value = value * 10 + digit;
  }
  if (value < min) return fail("out of range " + std::to_string(min) + "-" + std::to_string(max));
  return value;
}

const char* env_get(const char* name) { return std::getenv(name); }

std::string shown_value(std::string_view value, std::size_t max) {
  std::string shown(value.substr(0, max));
  for (char& c : shown) {
    if (c < ' ' || c > '~') c = '?';
  }
  return value.size() > max ? shown + "..." : shown;
}

Result<long> env_number(const char* name, long fallback, long min, long max) {
  const char* value = env_get(name);
  if (value == nullptr) return fallback;
  auto n = parse_number(value, min, max);
  if (!n) {
    return fail(std::string(name) + "='" + shown_value(value) + "': " + n.error().message);
  }
  return *n;
}

}  // namespace jgl

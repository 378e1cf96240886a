// base/number.cc: strict decimal numbers.
#include "lib/base/number.h"

#include <string>

namespace jgl {

Result<long> parse_number(std::string_view text, long min, long max) {
  if (text.empty()) return fail("empty, not a number");
  auto out_of_range = [&] { return fail("out of range " + std::to_string(min) + "-" + std::to_string(max)); };
  long value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return fail("not a number");
    long digit = c - '0';
    // value * 10 + digit > max, asked without overflowing.
    if (value > max / 10 || value * 10 > max - digit) return out_of_range();
    value = value * 10 + digit;
  }
  if (value < min) return out_of_range();
  return value;
}

}  // namespace jgl

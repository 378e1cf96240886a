// base/duration.cc: "35d" and friends.
#include "lib/base/duration.h"

#include <ctime>
#include <string>

#include "lib/base/number.h"
#include "lib/base/printable.h"

namespace jgl {

Result<long> parse_duration(std::string_view text) {
  long unit = 1;
  std::string_view digits = text;
  if (!text.empty()) {
    switch (text.back()) {
      case 's': unit = 1; break;
      case 'm': unit = 60; break;
      case 'h': unit = 3600; break;
      case 'd': unit = 86400; break;
      case 'w': unit = 7 * 86400; break;
      default: unit = 0;
    }
    if (unit != 0) digits = text.substr(0, text.size() - 1);
    else unit = 1;
  }
  // A hundred years is more than any tree will live.
  constexpr long kMaxSeconds = 100L * 366 * 86400;
  auto n = parse_number(digits, 0, kMaxSeconds / unit);
  if (!n) {
    return fail("bad duration '" + shown_value(text) +
                "' (a number of seconds, or with a suffix s, m, h, d or w)");
  }
  return *n * unit;
}

std::string format_duration(long seconds) {
  if (seconds < 0) return "-" + format_duration(-seconds);
  struct Unit {
    long size;
    char suffix;
  } units[] = {{7 * 86400, 'w'}, {86400, 'd'}, {3600, 'h'}, {60, 'm'}, {1, 's'}};
  std::string out;
  for (int i = 0; i < 5; ++i) {
    if (seconds < units[i].size && i < 4) continue;
    // The largest unit and the next one, if it is not zero: "1w3s" would mislead.
    for (int j = i; j < i + 2 && j < 5; ++j) {
      long n = seconds / units[j].size;
      seconds -= n * units[j].size;
      if (n == 0) continue;
      out += std::to_string(n);
      out += units[j].suffix;
    }
    break;
  }
  return out.empty() ? "0s" : out;
}

std::string format_time(long seconds_since_epoch) {
  char buf[32];
  time_t t = seconds_since_epoch;
  struct tm tm;
  gmtime_r(&t, &tm);
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

}  // namespace jgl

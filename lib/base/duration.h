// base/duration.h: durations as administrators write them: 90, 90s, 15m, 2h, 35d, 1w.
#pragma once

#include <string>
#include <string_view>

#include "lib/base/error.h"

namespace jgl {

// Seconds. Plain digits are seconds; one suffix of s, m, h, d or w.
Result<long> parse_duration(std::string_view text);

// The inverse, for people: "44d3h", "5m20s", "0s". Largest units first, at
// most two of them.
std::string format_duration(long seconds);

// A time as ISO 8601 in UTC, to the second: "2026-11-30T12:00:00Z".
std::string format_time(long seconds_since_epoch);

}  // namespace jgl

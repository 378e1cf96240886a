// base/number.h: the one strict decimal parser.
//
// Decimal digits only: no sign, no space, no base prefix, no wrap-around.
// Every number the suite reads from outside (a variable, a duration, a
// prefix length, a part of an address or a tree name) goes through it;
// callers that also refuse leading zeros or want a fixed width say so
// themselves. The one exception is djb's scan_ulong, which tcprules must
// imitate for compatibility, wrap-around included (lib/rules/keys.cc).
#pragma once

#include <string_view>

#include "lib/base/error.h"

namespace jgl {

// Digits only, value in [min, max] (min >= 0).
Result<long> parse_number(std::string_view text, long min, long max);

}  // namespace jgl

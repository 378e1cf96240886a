// env.h: reading configuration from the environment, strictly.
//
// The environment is the interface of every exec-chain program. A number
// that is not a number is a configuration error naming the variable, never
// a silent default.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "lib/error.h"

namespace jgl {

// Decimal digits only, no sign, no spaces, value in [min, max].
Result<long> parse_number(std::string_view text, long min, long max);

// The variable's value, or nullptr when unset.
const char* env_get(const char* name);

// A value from outside (a variable, a path) fit for one line of an error
// message: bytes outside printable ASCII as '?', cut after `max` bytes
// with "...".
std::string shown_value(std::string_view value, std::size_t max = 40);

// Unset: `fallback`. Set: parse_number, with an error naming the variable.
Result<long> env_number(const char* name, long fallback, long min, long max);

}  // namespace jgl

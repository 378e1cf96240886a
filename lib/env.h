// env.h: reading configuration from the environment, strictly.
//
// The environment is the interface of every exec-chain program. A number
// that is not a number is a configuration error naming the variable, never
// a silent default.
#pragma once

#include "lib/error.h"

namespace jgl {

// The variable's value, or nullptr when unset.
const char* env_get(const char* name);

// Unset: `fallback`. Set: parse_number, with an error naming the variable.
Result<long> env_number(const char* name, long fallback, long min, long max);

// Unset: `fallback`. Set: parse_duration (90, 15m, 35d...), in seconds,
// with an error naming the variable.
Result<long> env_duration(const char* name, long fallback);

}  // namespace jgl

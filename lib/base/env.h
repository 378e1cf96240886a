// base/env.h: reading configuration from the environment, strictly.
//
// The environment is the interface of every exec-chain program. A number
// that is not a number is a configuration error naming the variable, never
// a silent default.
#pragma once

#include <string>
#include <vector>

#include "lib/base/error.h"

namespace jgl {

// The variable's value, or nullptr when unset.
const char* env_get(const char* name);

// Per-client settings ("VAR=value", as a rules cdb gives them), seen by
// env_get before the process's environment for as long as the overlay
// lives: a program serving many clients in one process (jgreylist-policy)
// reads them with the same functions as one that tcpserver -x started for
// a single client, without touching its environment. One at a time.
class EnvOverlay {
 public:
  explicit EnvOverlay(const std::vector<std::string>& settings);
  ~EnvOverlay();
  EnvOverlay(const EnvOverlay&) = delete;
  EnvOverlay& operator=(const EnvOverlay&) = delete;
};

// Unset: `fallback`. Set: parse_number, with an error naming the variable.
Result<long> env_number(const char* name, long fallback, long min, long max);

// Unset: `fallback`. Set: parse_duration (90, 15m, 35d...), in seconds,
// with an error naming the variable.
Result<long> env_duration(const char* name, long fallback);

}  // namespace jgl

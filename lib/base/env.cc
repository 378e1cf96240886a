// base/env.cc: strict numbers from the environment.
#include "lib/base/env.h"

#include <cstdlib>
#include <string>
#include <string_view>

#include "lib/base/duration.h"
#include "lib/base/number.h"
#include "lib/base/printable.h"

namespace jgl {

namespace {
const std::vector<std::string>* overlay = nullptr;
}  // namespace

EnvOverlay::EnvOverlay(const std::vector<std::string>& settings) { overlay = &settings; }
EnvOverlay::~EnvOverlay() { overlay = nullptr; }

const char* env_get(const char* name) {
  if (overlay != nullptr) {
    std::string_view wanted = name;
    for (const std::string& setting : *overlay) {
      if (setting.size() > wanted.size() && setting.compare(0, wanted.size(), wanted) == 0 &&
          setting[wanted.size()] == '=') {
        return setting.c_str() + wanted.size() + 1;
      }
    }
  }
  return std::getenv(name);
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

Result<long> env_duration(const char* name, long fallback) {
  const char* value = env_get(name);
  if (value == nullptr) return fallback;
  auto seconds = parse_duration(value);
  if (!seconds) return fail(std::string(name) + ": " + seconds.error().message);
  return *seconds;
}

}  // namespace jgl

// scoped_env.h: environment variables set or unset for one test, restored
// afterwards, so that tests of env-reading code do not leak into each other.
#pragma once

#include <stdlib.h>

#include <initializer_list>
#include <optional>
#include <string>
#include <vector>

namespace jgl_test {

class ScopedEnv {
 public:
  // Unsets every name in `cleared`; they are restored when the test ends.
  explicit ScopedEnv(std::initializer_list<const char*> cleared = {}) {
    for (const char* name : cleared) unset(name);
  }
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;
  ~ScopedEnv() {
    for (auto it = saved_.rbegin(); it != saved_.rend(); ++it) {
      if (it->value) {
        ::setenv(it->name.c_str(), it->value->c_str(), 1);
      } else {
        ::unsetenv(it->name.c_str());
      }
    }
  }

  void set(const char* name, const std::string& value) {
    remember(name);
    ::setenv(name, value.c_str(), 1);
  }
  void unset(const char* name) {
    remember(name);
    ::unsetenv(name);
  }

 private:
  struct Saved {
    std::string name;
    std::optional<std::string> value;
  };
  void remember(const char* name) {
    const char* value = ::getenv(name);
    saved_.push_back({name, value ? std::optional<std::string>(value) : std::nullopt});
  }
  std::vector<Saved> saved_;
};

}  // namespace jgl_test

// base/printable.cc: the one "printable or '?'" rule.
#include "lib/base/printable.h"

namespace jgl {

void sanitise_in_place(char* begin, char* end) {
  for (char* p = begin; p < end; ++p) {
    if (!printable(*p)) *p = '?';
  }
}

std::size_t sanitise(std::string_view in, char* out, std::size_t cap) {
  if (cap == 0) return 0;
  std::size_t len = in.size() < cap - 1 ? in.size() : cap - 1;
  for (std::size_t i = 0; i < len; ++i) out[i] = printable(in[i]) ? in[i] : '?';
  out[len] = '\0';
  return len;
}

std::string shown_value(std::string_view value, std::size_t max) {
  std::string shown(value.substr(0, max));
  sanitise_in_place(shown.data(), shown.data() + shown.size());
  return value.size() > max ? shown + "..." : shown;
}

}  // namespace jgl

// base/json.cc: JSON strings (json.h).
#include "lib/base/json.h"

#include "lib/base/printable.h"

namespace jgl {

std::string json_string(std::string_view text, std::size_t max) {
  std::string out = "\"";
  for (char ch : shown_value(text, max)) {
    if (ch == '"' || ch == '\\') out += '\\';
    out += ch;
  }
  return out + "\"";
}

}  // namespace jgl

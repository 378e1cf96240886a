// base/json.h: text from outside as a JSON string, for output that scripts read.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace jgl {

// `text` sanitised and cut as shown_value() does (base/printable.h), then
// quoted: '"' and '\\' escaped, nothing else needs to be.
std::string json_string(std::string_view text, std::size_t max = 512);

}  // namespace jgl

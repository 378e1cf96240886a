// spf/domain.h: which names SPF may look up (RFC 7208 sections 4.3, 7.3).
//
// A domain to evaluate must be a multi-label name whose labels are 1 to 63
// bytes (one trailing dot allowed); anything else is "none" before any DNS
// question. A name built by macro expansion longer than 253 bytes loses
// labels from its left until it fits.
#pragma once

#include <string>
#include <string_view>

namespace jgl {

bool is_valid_domain(std::string_view name);

// The name without its trailing dot, cut to 253 bytes from the left.
std::string query_name(std::string_view name);

// ASCII lowercase, for comparing names.
std::string lowercase(std::string_view text);

}  // namespace jgl

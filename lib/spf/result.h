// spf/result.h: the seven results of RFC 7208 check_host() (section 2.6).
#pragma once

namespace jgl {

enum class SpfResult { none, neutral, pass, fail, softfail, temperror, permerror };

// The RFC's word: "pass", "fail", "softfail", "neutral", "none",
// "permerror", "temperror".
const char* result_name(SpfResult result);

}  // namespace jgl

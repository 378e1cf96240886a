// spf/result.cc: the RFC's words for the results.
#include "lib/spf/result.h"

namespace jgl {

const char* result_name(SpfResult result) {
  switch (result) {
    case SpfResult::none: return "none";
    case SpfResult::neutral: return "neutral";
    case SpfResult::pass: return "pass";
    case SpfResult::fail: return "fail";
    case SpfResult::softfail: return "softfail";
    case SpfResult::temperror: return "temperror";
    case SpfResult::permerror: return "permerror";
  }
  return "permerror";
}

}  // namespace jgl

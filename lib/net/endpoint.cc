// net/endpoint.cc: the brackets rule, once.
#include "lib/net/endpoint.h"

#include <algorithm>

namespace jgl {

Result<Endpoint> split_endpoint(std::string_view text, BareIpv6 bare) {
  std::size_t host_end = text.size();
  if (text.starts_with('[')) {
    auto close = text.find(']');
    if (close == std::string_view::npos) return fail("'[' without ']'");
    host_end = close + 1;
    if (host_end < text.size() && text[host_end] != ':') return fail("junk after ']'");
  } else if (std::ranges::count(text, ':') > 1) {
    if (bare == BareIpv6::refused) return fail("an IPv6 address must be in brackets");
    return Endpoint{text, std::nullopt};
  } else {
    host_end = std::min(text.find(':'), text.size());
  }
  Endpoint endpoint{text.substr(0, host_end), std::nullopt};
  if (host_end < text.size()) endpoint.port = text.substr(host_end + 1);
  return endpoint;
}

}  // namespace jgl

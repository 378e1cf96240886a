// dns/reverse.h: an address's name in the reverse tree.
//
// 192.0.2.3 is 3.2.0.192.in-addr.arpa; an IPv6 address is its 32 nibbles,
// last first, under ip6.arpa (RFC 3596 section 2.5).
#pragma once

#include <string>

#include "lib/net/address.h"

namespace jgl {

std::string reverse_name(const Address& address);

}  // namespace jgl

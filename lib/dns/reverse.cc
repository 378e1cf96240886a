// dns/reverse.cc: in-addr.arpa and ip6.arpa names.
#include "lib/dns/reverse.h"

namespace jgl {

std::string reverse_name(const Address& address) {
  std::string name;
  if (address.is_v4()) {
    for (int i = 3; i >= 0; --i) name += std::to_string(address.byte(i)) + ".";
    return name + "in-addr.arpa";
  }
  static constexpr char kHex[] = "0123456789abcdef";
  for (int i = 15; i >= 0; --i) {
    name += kHex[address.byte(i) & 0xf];
    name += '.';
    name += kHex[address.byte(i) >> 4];
    name += '.';
  }
  return name + "ip6.arpa";
}

}  // namespace jgl

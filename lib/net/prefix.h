// net/prefix.h: address prefixes (CIDR).
//
// A Prefix is an address with its host bits cleared and a length: a
// client's network as greylisting keys it (its /24 or /64), and what a CIDR
// rule names (192.0.2.0/24, 2001:db8::/32, [2001:db8::]/48).
#pragma once

#include <string_view>

#include "lib/base/error.h"
#include "lib/net/address.h"

namespace jgl {

class Prefix {
 public:
  Prefix() = default;
  // Clears the host bits of `address`; `length` is clamped to the family.
  Prefix(const Address& address, int length);

  // "address/length" (IPv6 optionally in brackets), or a bare address
  // (a full-length prefix). Host bits after the length are an error.
  static Result<Prefix> parse(std::string_view text);

  const Address& address() const { return address_; }
  int length() const { return length_; }
  Family family() const { return address_.family(); }

  AddressText format() const;  // "192.0.2.0/24"

  friend bool operator==(const Prefix&, const Prefix&) = default;

 private:
  Address address_;
  int length_ = 0;
};

}  // namespace jgl

// prefix.h: address prefixes (CIDR) and djb-style ranges.
//
// A Prefix is an address with its host bits cleared and a length. A Range is
// what a rule line can name: a CIDR prefix (192.0.2.0/24, 2001:db8::/32,
// [2001:db8::]/48), a djb dotted prefix (10., 10.2.), or a djb last-part
// range (1.2.3.37-53, 10.2-3.). Ranges decompose into the fewest prefixes.
#pragma once

#include <string_view>
#include <vector>

#include "lib/address.h"
#include "lib/error.h"

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
  bool contains(const Address& a) const;
  Address last() const;  // the highest address inside

  AddressText format() const;  // "192.0.2.0/24"

  friend bool operator==(const Prefix&, const Prefix&) = default;
  friend auto operator<=>(const Prefix&, const Prefix&) = default;

 private:
  Address address_;
  int length_ = 0;
};

// An inclusive span of addresses of one family.
struct Range {
  Address first;
  Address last;

  // Any form a rule can name: CIDR, djb dotted prefix, djb last-part range,
  // or a single address.
  static Result<Range> parse(std::string_view text);
  bool contains(const Address& a) const { return first <= a && a <= last; }
  std::vector<Prefix> to_prefixes() const;

  friend bool operator==(const Range&, const Range&) = default;
};

}  // namespace jgl

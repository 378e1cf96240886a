// net/address.h: IPv4 and IPv6 addresses as value types.
//
// Parsing is strict (inet_pton's grammar), strips an IPv6 zone, and turns an
// IPv4-mapped IPv6 address (::ffff:a.b.c.d) into the IPv4 address it is, so
// that every other module sees one spelling of each client. Formatting is
// RFC 5952 for IPv6 and dotted quad for IPv4, into a fixed buffer: no heap.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

#include "lib/base/error.h"

struct sockaddr;

namespace jgl {

enum class Family : std::uint8_t { v4, v6 };

// Text of an address or prefix, held inline. Big enough for the longest
// IPv6 text plus "/128".
class AddressText {
 public:
  static constexpr std::size_t kCapacity = 48;
  std::string_view view() const { return {data_.data(), size_}; }
  void append(char c) {
    if (size_ + 1u < kCapacity) {
      data_[size_++] = c;
      data_[size_] = '\0';
    }
  }
  void append(std::string_view s) {
    for (char c : s) append(c);
  }

 private:
  std::array<char, kCapacity> data_{};
  std::uint8_t size_ = 0;
};

class Address {
 public:
  // The longest text parse() will look at: anything longer is refused
  // before any work (an IPv6 address with a zone of reasonable length).
  static constexpr std::size_t kMaxText = 80;

  Address() = default;
  static Address v4(std::uint32_t host_order);
  static Address from_bytes(Family family, const std::uint8_t* bytes);
  // The same without turning ::ffff:0:0/96 into IPv4: for arithmetic on
  // IPv6 prefixes, whose ends may fall inside that block.
  static Address from_bytes_exact(Family family, const std::uint8_t* bytes);

  // Strict parse: dotted quad or inet_pton IPv6, optional "%zone" on IPv6.
  // ::ffff:0:0/96 becomes IPv4.
  static Result<Address> parse(std::string_view text);
  // From a socket address (AF_INET or AF_INET6; mapped becomes IPv4).
  static Result<Address> from_sockaddr(const sockaddr* sa);

  Family family() const { return family_; }
  bool is_v4() const { return family_ == Family::v4; }
  int bits() const { return is_v4() ? 32 : 128; }
  int byte_count() const { return is_v4() ? 4 : 16; }
  std::uint8_t byte(int i) const { return bytes_[static_cast<std::size_t>(i)]; }
  const std::uint8_t* bytes() const { return bytes_.data(); }

  // The address with every bit after the first `length` cleared.
  Address masked(int length) const;

  // Canonical text: dotted quad, or RFC 5952 (lowercase, no leading zeros,
  // the longest run of two or more zero groups compressed, first on a tie).
  AddressText format() const;

  friend bool operator==(const Address&, const Address&) = default;

 private:
  Family family_ = Family::v4;
  std::array<std::uint8_t, 16> bytes_{};  // IPv4 uses the first 4
};

}  // namespace jgl

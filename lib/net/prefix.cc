// net/prefix.cc: CIDR prefixes.
#include "lib/net/prefix.h"

#include <string>

#include "lib/base/number.h"

namespace jgl {
namespace {

// A prefix length in the one spelling Prefix::format writes: no leading
// zero, at most three digits.
Result<int> parse_prefix_length(std::string_view text, int max) {
  if (text.size() > 3 || (text.size() > 1 && text[0] == '0')) return fail("bad prefix length");
  auto length = parse_number(text, 0, max);
  if (!length) return fail("bad prefix length");
  return static_cast<int>(*length);
}

}  // namespace

Prefix::Prefix(const Address& address, int length) {
  if (length < 0) length = 0;
  if (length > address.bits()) length = address.bits();
  address_ = address.masked(length);
  length_ = length;
}

Result<Prefix> Prefix::parse(std::string_view text) {
  std::size_t slash = text.find('/');
  std::string_view addr_text = text.substr(0, slash);
  if (addr_text.size() >= 2 && addr_text.front() == '[' && addr_text.back() == ']') {
    addr_text = addr_text.substr(1, addr_text.size() - 2);
    if (addr_text.find(':') == std::string_view::npos) return fail("brackets around an IPv4 address");
  }
  if (addr_text.find('%') != std::string_view::npos) return fail("zone in a prefix");
  // An IPv4-mapped prefix counts its length over 128 bits: read it before
  // the address turns into IPv4.
  bool written_as_v6 = addr_text.find(':') != std::string_view::npos;
  auto address = Address::parse(addr_text);
  if (!address) return std::unexpected(address.error());
  if (slash == std::string_view::npos) return Prefix(*address, address->bits());

  int max = written_as_v6 ? 128 : 32;
  auto length = parse_prefix_length(text.substr(slash + 1), max);
  if (!length) return std::unexpected(length.error());
  int len = *length;
  if (written_as_v6 && address->is_v4()) {
    if (len < 96) return fail("IPv4-mapped prefix shorter than /96");
    len -= 96;
  }
  Prefix prefix(*address, len);
  if (prefix.address() != *address) {
    return fail("host bits set after /" + std::to_string(*length) + " (did you mean " +
                std::string(prefix.format().view()) + "?)");
  }
  return prefix;
}

AddressText Prefix::format() const {
  AddressText out = address_.format();
  out.append('/');
  char digits[4];
  int n = 0, v = length_;
  do {
    digits[n++] = static_cast<char>('0' + v % 10);
    v /= 10;
  } while (v);
  while (n) out.append(digits[--n]);
  return out;
}

}  // namespace jgl

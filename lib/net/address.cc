// net/address.cc: strict parsing and canonical formatting of addresses.
#include "lib/net/address.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cstring>

namespace jgl {
namespace {

constexpr std::uint8_t kMappedPrefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

bool is_mapped(const std::uint8_t* b16) {
  return std::memcmp(b16, kMappedPrefix, sizeof kMappedPrefix) == 0;
}

// A zone names an interface: printable, no white space, no '/' or '%'.
bool valid_zone(std::string_view zone) {
  if (zone.empty() || zone.size() > 32) return false;
  for (char c : zone) {
    if (c <= ' ' || c > '~' || c == '/' || c == '%') return false;
  }
  return true;
}

void append_decimal(AddressText& out, unsigned value) {
  char digits[4];
  int n = 0;
  do {
    digits[n++] = static_cast<char>('0' + value % 10);
    value /= 10;
  } while (value != 0);
  while (n > 0) out.append(digits[--n]);
}

void append_hex_group(AddressText& out, unsigned group) {
  static constexpr char kHex[] = "0123456789abcdef";
  bool started = false;
  for (int shift = 12; shift >= 0; shift -= 4) {
    unsigned nibble = (group >> shift) & 0xf;
    if (nibble != 0 || started || shift == 0) {
      out.append(kHex[nibble]);
      started = true;
    }
  }
}

}  // namespace

Address Address::v4(std::uint32_t host_order) {
  Address a;
  a.family_ = Family::v4;
  a.bytes_[0] = static_cast<std::uint8_t>(host_order >> 24);
  a.bytes_[1] = static_cast<std::uint8_t>(host_order >> 16);
  a.bytes_[2] = static_cast<std::uint8_t>(host_order >> 8);
  a.bytes_[3] = static_cast<std::uint8_t>(host_order);
  return a;
}

Address Address::from_bytes(Family family, const std::uint8_t* bytes) {
  Address a;
  if (family == Family::v6 && is_mapped(bytes)) {
    a.family_ = Family::v4;
    std::memcpy(a.bytes_.data(), bytes + 12, 4);
    return a;
  }
  return from_bytes_exact(family, bytes);
}

Address Address::from_bytes_exact(Family family, const std::uint8_t* bytes) {
  Address a;
  a.family_ = family;
  std::memcpy(a.bytes_.data(), bytes, family == Family::v4 ? 4 : 16);
  return a;
}

Result<Address> Address::parse(std::string_view text) {
  if (text.empty()) return fail("empty address");
  if (text.size() > kMaxText) return fail("address too long");
  char buf[kMaxText + 1];
  std::memcpy(buf, text.data(), text.size());
  buf[text.size()] = '\0';
  if (std::memchr(buf, '\0', text.size()) != nullptr) return fail("NUL byte in address");

  std::uint8_t bytes[16];
  if (text.find(':') == std::string_view::npos) {
    if (inet_pton(AF_INET, buf, bytes) != 1) return fail("not an IPv4 address");
    return from_bytes(Family::v4, bytes);
  }
  std::size_t percent = text.find('%');
  if (percent != std::string_view::npos) {
    if (!valid_zone(text.substr(percent + 1))) return fail("bad zone in IPv6 address");
    buf[percent] = '\0';
  }
  if (inet_pton(AF_INET6, buf, bytes) != 1) return fail("not an IPv6 address");
  return from_bytes(Family::v6, bytes);
}

Result<Address> Address::from_sockaddr(const sockaddr* sa) {
  if (sa->sa_family == AF_INET) {
    const auto* sin = reinterpret_cast<const sockaddr_in*>(sa);
    return from_bytes(Family::v4, reinterpret_cast<const std::uint8_t*>(&sin->sin_addr));
  }
  if (sa->sa_family == AF_INET6) {
    const auto* sin6 = reinterpret_cast<const sockaddr_in6*>(sa);
    return from_bytes(Family::v6, sin6->sin6_addr.s6_addr);
  }
  return fail("socket is not IPv4 or IPv6");
}

Address Address::masked(int length) const {
  Address a = *this;
  if (length < 0) length = 0;
  for (int i = 0; i < byte_count(); ++i) {
    int keep = length - i * 8;
    if (keep >= 8) continue;
    a.bytes_[i] = keep <= 0 ? 0 : static_cast<std::uint8_t>(a.bytes_[i] & (0xff00 >> keep));
  }
  return a;
}

AddressText Address::format() const {
  AddressText out;
  if (is_v4()) {
    for (int i = 0; i < 4; ++i) {
      if (i) out.append('.');
      append_decimal(out, bytes_[i]);
    }
    return out;
  }
  unsigned groups[8];
  for (int i = 0; i < 8; ++i) groups[i] = bytes_[2 * i] << 8 | bytes_[2 * i + 1];
  // RFC 5952 4.2: compress the longest run of two or more zero groups.
  int best = -1, best_len = 0;
  for (int i = 0; i < 8;) {
    if (groups[i] != 0) {
      ++i;
      continue;
    }
    int j = i;
    while (j < 8 && groups[j] == 0) ++j;
    if (j - i > best_len && j - i >= 2) {
      best = i;
      best_len = j - i;
    }
    i = j;
  }
  for (int i = 0; i < 8; ++i) {
    if (i == best) {
      out.append("::");
      i += best_len - 1;
      continue;
    }
    if (i > 0 && i != best + best_len) out.append(':');
    append_hex_group(out, groups[i]);
  }
  return out;
}

}  // namespace jgl

// prefix.cc: CIDR prefixes and djb ranges.
#include "lib/prefix.h"

#include <charconv>
#include <string>

namespace jgl {
namespace {

Result<int> parse_small_number(std::string_view text, int max, const char* what) {
  int value = 0;
  if (text.empty() || text.size() > 3 || (text.size() > 1 && text[0] == '0')) {
    return fail(std::string("bad ") + what);
  }
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value < 0 || value > max) {
    return fail(std::string("bad ") + what);
  }
  return value;
}

// Adds one to an address, ignoring the carry out of the top.
Address successor(const Address& a) {
  std::uint8_t b[16];
  for (int i = 0; i < a.byte_count(); ++i) b[i] = a.byte(i);
  for (int i = a.byte_count() - 1; i >= 0; --i) {
    if (++b[i] != 0) break;
  }
  return Address::from_bytes_exact(a.family(), b);
}

bool is_last_address(const Address& a) {
  for (int i = 0; i < a.byte_count(); ++i) {
    if (a.byte(i) != 0xff) return false;
  }
  return true;
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
  auto length = parse_small_number(text.substr(slash + 1), max, "prefix length");
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

bool Prefix::contains(const Address& a) const {
  return a.family() == family() && a.masked(length_) == address_;
}

Address Prefix::last() const {
  std::uint8_t b[16];
  for (int i = 0; i < address_.byte_count(); ++i) {
    int keep = length_ - i * 8;
    std::uint8_t host_mask = keep >= 8 ? 0 : keep <= 0 ? 0xff : static_cast<std::uint8_t>(0xff >> keep);
    b[i] = address_.byte(i) | host_mask;
  }
  return Address::from_bytes_exact(family(), b);
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

Result<Range> Range::parse(std::string_view text) {
  if (text.empty()) return fail("empty address range");
  if (text.size() > Address::kMaxText + 8) return fail("address range too long");
  bool has_colon = text.find(':') != std::string_view::npos;
  if (has_colon || text.find('/') != std::string_view::npos) {
    auto prefix = Prefix::parse(text);
    if (!prefix) return std::unexpected(prefix.error());
    return Range{prefix->address(), prefix->last()};
  }
  // djb IPv4 forms: up to four dot-separated parts, the last may be "a-b",
  // a trailing dot makes the text a prefix of whole octets.
  bool dotted_prefix = text.back() == '.';
  std::string_view body = dotted_prefix ? text.substr(0, text.size() - 1) : text;
  int low[4] = {0, 0, 0, 0};
  int high[4] = {255, 255, 255, 255};
  int parts = 0;
  while (true) {
    if (parts == 4) return fail("too many parts in IPv4 address");
    std::size_t dot = body.find('.');
    std::string_view part = body.substr(0, dot);
    bool last_part = dot == std::string_view::npos;
    std::size_t dash = part.find('-');
    if (dash != std::string_view::npos) {
      if (!last_part) return fail("a range is allowed only in the last part");
      auto a = parse_small_number(part.substr(0, dash), 255, "range start");
      auto b = parse_small_number(part.substr(dash + 1), 255, "range end");
      if (!a) return std::unexpected(a.error());
      if (!b) return std::unexpected(b.error());
      if (*a > *b) return fail("range start after range end");
      low[parts] = *a;
      high[parts] = *b;
    } else {
      auto v = parse_small_number(part, 255, "IPv4 part");
      if (!v) return std::unexpected(v.error());
      low[parts] = high[parts] = *v;
    }
    ++parts;
    if (last_part) break;
    body = body.substr(dot + 1);
  }
  if (!dotted_prefix && parts != 4) return fail("incomplete IPv4 address (a prefix ends with '.')");
  if (dotted_prefix && parts == 4) return fail("a prefix of four parts is a whole address: drop the final '.'");
  auto make = [](const int* p) {
    return Address::v4(static_cast<std::uint32_t>(p[0]) << 24 | p[1] << 16 | p[2] << 8 | p[3]);
  };
  return Range{make(low), make(high)};
}

std::vector<Prefix> Range::to_prefixes() const {
  std::vector<Prefix> out;
  Address cursor = first;
  while (true) {
    // The longest prefix starting at cursor that stays inside the range.
    int length = cursor.bits();
    while (length > 0) {
      Prefix wider(cursor, length - 1);
      if (wider.address() != cursor || last < wider.last()) break;
      --length;
    }
    Prefix p(cursor, length);
    out.push_back(p);
    Address end = p.last();
    if (end == last || is_last_address(end)) break;
    cursor = successor(end);
  }
  return out;
}

}  // namespace jgl

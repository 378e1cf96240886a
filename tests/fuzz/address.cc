// address.cc (fuzz target): the address, prefix and range parsers.
//
// The input is one text. Whatever Address::parse, Prefix::parse and
// Range::parse accept must format back into text that parses to the same
// value, and every key the store could make of an accepted address, at any
// prefix length, must name a path inside the tree: "ip4" or "ip6", then one
// level per byte in the tree's grammar, nothing else.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "lib/address.h"
#include "lib/prefix.h"
#include "lib/store.h"

namespace {

[[noreturn]] void failed(const char* what, std::string_view input, std::string_view detail = {}) {
  std::fprintf(stderr, "FAILED: %s\n  input: '%.*s'\n  detail: '%.*s'\n", what, static_cast<int>(input.size()),
               input.data(), static_cast<int>(detail.size()), detail.data());
  std::abort();
}

void check_tree_path(const jgl::Address& address, std::string_view input) {
  for (int length = 0; length <= address.bits(); ++length) {
    jgl::Prefix key(address, length);
    jgl::TreePath path(key);
    std::string_view text = path.view();
    std::string detail = std::string(key.format().view()) + " -> " + std::string(text);
    if (text.size() >= jgl::TreePath::kCapacity) failed("tree path overflows its buffer", input, detail);
    if (text.size() != std::char_traits<char>::length(path.c_str())) failed("tree path has a NUL", input, detail);
    if (!text.starts_with(address.is_v4() ? "ip4" : "ip6")) failed("tree path not under its family", input, detail);

    int expected_bytes = length == 0 ? 1 : (length + 7) / 8;
    if (path.levels() != expected_bytes + 1) failed("tree path has the wrong depth", input, detail);
    std::size_t width = address.is_v4() ? 4 : 3;  // "/255", "/ff"
    if (text.size() != 3 + width * static_cast<std::size_t>(expected_bytes)) {
      failed("tree path has the wrong length", input, detail);
    }
    char buf[jgl::TreePath::kCapacity];
    if (std::string_view(path.level(0, buf)) != (address.is_v4() ? "ip4" : "ip6")) {
      failed("tree path's first level is not the family", input, detail);
    }
    for (int i = 0; i < expected_bytes; ++i) {
      std::string_view component = text.substr(3 + width * static_cast<std::size_t>(i), width);
      if (component[0] != '/') failed("tree path level does not start with '/'", input, detail);
      std::string_view name = component.substr(1);
      for (char c : name) {
        bool digit = c >= '0' && c <= '9';
        bool lower_hex = c >= 'a' && c <= 'f';
        if (!(digit || (!address.is_v4() && lower_hex))) failed("tree path level outside its grammar", input, detail);
      }
      if (name != path.level(i + 1, buf)) failed("TreePath::level disagrees with the path", input, detail);
      if (jgl::tree_level_byte(address.family(), name) != key.address().byte(i)) {
        failed("tree level does not read back as the key's byte", input, detail);
      }
    }
  }
}

void check_address(std::string_view input) {
  auto address = jgl::Address::parse(input);
  if (!address) return;
  jgl::AddressText text = address->format();
  auto again = jgl::Address::parse(text.view());
  if (!again) failed("formatted address does not parse", input, text.view());
  if (*again != *address) failed("address round trip changed the value", input, text.view());
  if (again->format().view() != text.view()) failed("formatting is not canonical", input, text.view());
  check_tree_path(*address, input);
}

void check_prefix_text(const jgl::Prefix& prefix, std::string_view input) {
  jgl::AddressText text = prefix.format();
  auto again = jgl::Prefix::parse(text.view());
  if (!again) failed("formatted prefix does not parse", input, text.view());
  if (*again != prefix) failed("prefix round trip changed the value", input, text.view());
  auto range = jgl::Range::parse(text.view());
  if (!range) failed("formatted prefix does not parse as a range", input, text.view());
  if (range->first != prefix.address() || range->last != prefix.last()) {
    failed("formatted prefix parses as another range", input, text.view());
  }
}

void check_prefix(std::string_view input) {
  auto prefix = jgl::Prefix::parse(input);
  if (!prefix) return;
  if (prefix->length() < 0 || prefix->length() > prefix->address().bits()) failed("prefix length out of range", input);
  if (prefix->address().masked(prefix->length()) != prefix->address()) failed("prefix keeps host bits", input);
  check_prefix_text(*prefix, input);
}

// The address after `a` (wrapping at the top).
jgl::Address successor(const jgl::Address& a) {
  std::uint8_t b[16];
  for (int i = 0; i < a.byte_count(); ++i) b[i] = a.byte(i);
  for (int i = a.byte_count() - 1; i >= 0; --i) {
    if (++b[i] != 0) break;
  }
  return jgl::Address::from_bytes_exact(a.family(), b);
}

// A range formats as the prefixes it decomposes into: together they must
// cover it exactly, in order, without gaps or overlaps.
void check_range(std::string_view input) {
  auto range = jgl::Range::parse(input);
  if (!range) return;
  if (range->first.family() != range->last.family()) failed("range mixes families", input);
  if (range->last < range->first) failed("range ends before it starts", input);
  auto prefixes = range->to_prefixes();
  if (prefixes.empty()) failed("range decomposes into nothing", input);
  if (prefixes.size() > 2u * static_cast<unsigned>(range->first.bits())) failed("range decomposes into too many prefixes", input);
  if (prefixes.front().address() != range->first) failed("first prefix does not start the range", input);
  if (prefixes.back().last() != range->last) failed("last prefix does not end the range", input);
  for (std::size_t i = 0; i < prefixes.size(); ++i) {
    const jgl::Prefix& p = prefixes[i];
    if (!range->contains(p.address()) || !range->contains(p.last())) failed("prefix outside its range", input, p.format().view());
    if (i > 0 && successor(prefixes[i - 1].last()) != p.address()) {
      failed("prefixes leave a gap or overlap", input, p.format().view());
    }
    check_prefix_text(p, input);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  check_address(input);
  check_prefix(input);
  check_range(input);
  return 0;
}

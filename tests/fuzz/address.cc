// address.cc (fuzz target): the address and prefix parsers.
//
// The input is one text. Whatever Address::parse and Prefix::parse accept
// must format back into text that parses to the same value, and every key
// the store could make of an accepted address, at any prefix length, must
// name a path inside the tree: "ip4" or "ip6", then one level per byte in
// the tree's grammar, nothing else.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "lib/net/address.h"
#include "lib/net/prefix.h"
#include "lib/store/tree_path.h"

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
}

void check_prefix(std::string_view input) {
  auto prefix = jgl::Prefix::parse(input);
  if (!prefix) return;
  if (prefix->length() < 0 || prefix->length() > prefix->address().bits()) failed("prefix length out of range", input);
  if (prefix->address().masked(prefix->length()) != prefix->address()) failed("prefix keeps host bits", input);
  check_prefix_text(*prefix, input);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  check_address(input);
  check_prefix(input);
  return 0;
}

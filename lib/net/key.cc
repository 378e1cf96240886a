// net/key.cc: a triplet's name, the same in every store.
#include "lib/net/key.h"

#include <nettle/sha2.h>

#include <string>

namespace jgl {

std::string Key::digest() const {
  sha256_ctx ctx;
  sha256_init(&ctx);
  auto add = [&ctx](std::string_view part) {
    sha256_update(&ctx, part.size(), reinterpret_cast<const std::uint8_t*>(part.data()));
  };
  add(client_.format().view());
  add(std::string_view("\0", 1));
  add(sender_);
  add(std::string_view("\0", 1));
  add(recipient_);
  std::uint8_t sum[SHA256_DIGEST_SIZE];
  sha256_digest(&ctx, sizeof sum, sum);
  return lowercase_hex(sum, sizeof sum);
}

std::string lowercase_hex(const std::uint8_t* bytes, std::size_t size) {
  static const char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(2 * size);
  for (std::size_t i = 0; i < size; ++i) {
    out += kHex[bytes[i] >> 4];
    out += kHex[bytes[i] & 0xf];
  }
  return out;
}

}  // namespace jgl

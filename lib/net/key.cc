// net/key.cc: a triplet's and a correspondent's name, the same in every store.
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
  if (kind_ == Kind::prefix || kind_ == Kind::awl) {
    add(client_.format().view());
  } else {
    if (kind_ == Kind::triplet) {
      add(client_text());
      add(std::string_view("\0", 1));
    }
    add(sender_);
    add(std::string_view("\0", 1));
    add(recipient_);
  }
  std::uint8_t sum[SHA256_DIGEST_SIZE];
  sha256_digest(&ctx, sizeof sum, sum);
  return lowercase_hex(sum, sizeof sum);
}

std::string Key::client_text() const {
  if (domain_.empty()) return std::string(client_.format().view());
  return std::string(kSpfMark) + domain_;
}

Result<Key> Key::triplet_from(std::string_view client, std::string_view sender, std::string_view recipient) {
  if (sender.size() > kMaxAddress || recipient.size() > kMaxAddress) return fail("an address longer than 1024 bytes");
  if (client.starts_with(kSpfMark)) {
    std::string_view domain = client.substr(kSpfMark.size());
    if (domain.empty() || domain.size() > kMaxDomain) return fail("not an SPF domain: '" + std::string(domain) + "'");
    return spf_triplet(std::string(domain), std::string(sender), std::string(recipient));
  }
  auto prefix = Prefix::parse(client);
  if (!prefix) return std::unexpected(prefix.error());
  return triplet(*prefix, std::string(sender), std::string(recipient));
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

// net/key.h: what a greylisting entry is kept under.
//
// v8 keys on the client's network alone: a Prefix (its /24 or /64, or what
// JGREYLIST_PREFIX4/PREFIX6 say). The queue filter keys, as postgrey and
// most greylisters do, on a triplet: the client's prefix, the envelope
// sender and one recipient. Key carries either. A prefix key holds no heap
// (it is jgreylist's hot path); a triplet owns copies of its addresses.
// Stores map a key to their own names (lib/store/tree_path.h: the v8 paths of
// prefix keys, byte for byte).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

#include "lib/net/prefix.h"

namespace jgl {

class Key {
 public:
  // The longest sender or recipient a triplet carries (RFC 5321 allows 256
  // octets for a path); callers refuse longer ones.
  static constexpr std::size_t kMaxAddress = 1024;

  explicit Key(const Prefix& client) : client_(client) {}
  static Key triplet(const Prefix& client, std::string sender, std::string recipient) {
    Key key(client);
    key.triplet_ = true;
    key.sender_ = std::move(sender);
    key.recipient_ = std::move(recipient);
    return key;
  }

  const Prefix& client() const { return client_; }
  bool is_triplet() const { return triplet_; }
  // Empty for a prefix key; a triplet's sender may be empty too (a bounce).
  std::string_view sender() const { return sender_; }
  std::string_view recipient() const { return recipient_; }

  // A triplet's name in every store: the lowercase hex SHA-256 of its
  // client prefix (CIDR text), sender and recipient, NUL-separated. Fixed
  // length whatever the envelope holds; nothing of the addresses in it.
  std::string digest() const;

  friend bool operator==(const Key&, const Key&) = default;

 private:
  Prefix client_;
  bool triplet_ = false;
  std::string sender_;
  std::string recipient_;
};

// Bytes as lowercase hex, two digits each: digests' names (a triplet's,
// a Redis script's SHA-1).
std::string lowercase_hex(const std::uint8_t* bytes, std::size_t size);

}  // namespace jgl

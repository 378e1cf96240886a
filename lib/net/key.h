// net/key.h: what a greylisting entry is kept under.
//
// v8 keys on the client's network alone: a Prefix (its /24 or /64, or what
// JGREYLIST_PREFIX4/PREFIX6 say). The queue filter keys, as postgrey and
// most greylisters do, on a triplet: the client's prefix, the envelope
// sender and one recipient; with JGREYLIST_SPF, when SPF passes, the
// triplet's client part is the sender's domain instead ("spf:DOMAIN"), so
// that every address the domain authorises is one client. Two more kinds of
// entry are kept beside them: a network's count of passed triplets, for
// auto-whitelisting (awl), and a correspondent: an outside address one of
// our users wrote to, whose mail to that user passes at once. A prefix key
// holds no heap (it is jgreylist's hot path); the others own copies of
// their texts. Stores map a key to their own names (lib/store/tree_path.h:
// the v8 paths of prefix keys, byte for byte).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

#include "lib/base/error.h"
#include "lib/net/prefix.h"

namespace jgl {

class Key {
 public:
  // The longest sender or recipient a triplet carries (RFC 5321 allows 256
  // octets for a path); callers refuse longer ones.
  static constexpr std::size_t kMaxAddress = 1024;

  enum class Kind : std::uint8_t { prefix, triplet, awl, correspondent };

  // The longest domain an SPF-aware triplet carries (RFC 1035: 253 octets
  // of text).
  static constexpr std::size_t kMaxDomain = 253;
  // How an SPF-aware triplet's client part is written: "spf:example.com".
  static constexpr std::string_view kSpfMark = "spf:";

  explicit Key(const Prefix& client) : client_(client) {}
  static Key triplet(const Prefix& client, std::string sender, std::string recipient) {
    Key key(client);
    key.kind_ = Kind::triplet;
    key.sender_ = std::move(sender);
    key.recipient_ = std::move(recipient);
    return key;
  }
  // The triplet of a sender whose domain SPF authorised the client: the
  // domain (lowercase, no trailing dot) stands for the client's network.
  static Key spf_triplet(std::string domain, std::string sender, std::string recipient) {
    Key key = triplet(Prefix(), std::move(sender), std::move(recipient));
    key.domain_ = std::move(domain);
    return key;
  }
  // A network's count of passed triplets (JGREYLIST_AWL).
  static Key awl(const Prefix& client) {
    Key key(client);
    key.kind_ = Kind::awl;
    return key;
  }
  // `outside`, an address one of our users (`local`) sent mail to: mail
  // from it to that user passes (JGREYLIST_CORRESPONDENTS). Kept as
  // sender() and recipient(), the way the reply comes.
  static Key correspondent(std::string outside, std::string local) {
    Key key{Prefix()};
    key.kind_ = Kind::correspondent;
    key.sender_ = std::move(outside);
    key.recipient_ = std::move(local);
    return key;
  }

  // A triplet back from its client part's text ("192.0.2.0/24" or
  // "spf:example.com"), as stores keep it for listings; fails on anything
  // else, or on an address longer than kMaxAddress.
  static Result<Key> triplet_from(std::string_view client, std::string_view sender, std::string_view recipient);

  Kind kind() const { return kind_; }
  // The client's network: a prefix, an awl or a triplet not keyed by SPF.
  const Prefix& client() const { return client_; }
  bool is_triplet() const { return kind_ == Kind::triplet; }
  // v8's key: the client's network alone.
  bool is_prefix() const { return kind_ == Kind::prefix; }
  // An SPF-aware triplet's domain; empty for any other key.
  std::string_view spf_domain() const { return domain_; }
  // A triplet's client part as text: "192.0.2.0/24" or "spf:example.com".
  std::string client_text() const;
  // Empty for a prefix or awl key; a triplet's sender may be empty too (a
  // bounce). A correspondent's are the outside address and our user's.
  std::string_view sender() const { return sender_; }
  std::string_view recipient() const { return recipient_; }

  // The name of a triplet or a correspondent in every store: the lowercase
  // hex SHA-256 of its parts (a triplet's client_text(), sender and
  // recipient; a correspondent's two addresses), NUL-separated. Fixed
  // length whatever the envelope holds; nothing of the addresses in it.
  // An awl key's (the tree's name for it) hashes its network's CIDR text.
  std::string digest() const;

  friend bool operator==(const Key&, const Key&) = default;

 private:
  Prefix client_;
  Kind kind_ = Kind::prefix;
  std::string domain_;
  std::string sender_;
  std::string recipient_;
};

// Bytes as lowercase hex, two digits each: digests' names (a triplet's,
// a Redis script's SHA-1).
std::string lowercase_hex(const std::uint8_t* bytes, std::size_t size);

}  // namespace jgl

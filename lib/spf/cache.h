// spf/cache.h: SPF results remembered for a while, by a process that
// evaluates many times (jgreylist-policy: Postfix sends one request per
// recipient, and many messages on one connection).
//
// An entry is keyed on everything an evaluation can depend on: the client's
// address, the MAIL FROM identity (macros can use its local part) and the
// HELO name (%{h}). It lives a fixed time from when it was remembered, not
// the DNS records' TTLs: what a stale result can cost here is a triplet
// kept under the other key for that long, never a message let in, so a
// short lifetime the administrator sets is enough. At most `capacity`
// entries: the oldest goes first. A temperror is never kept: the next
// request asks DNS again.
#pragma once

#include <chrono>
#include <cstddef>
#include <list>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "lib/net/address.h"
#include "lib/spf/result.h"

namespace jgl {

class SpfCache {
 public:
  using Clock = std::chrono::steady_clock;

  // A lifetime of zero keeps nothing.
  SpfCache(std::size_t capacity, std::chrono::seconds lifetime);

  // The result remembered for these, if it has not expired at `now`.
  std::optional<SpfResult> find(const Address& client, std::string_view identity, std::string_view helo,
                                Clock::time_point now);
  void remember(const Address& client, std::string_view identity, std::string_view helo, SpfResult result,
                Clock::time_point now);

  std::size_t size() const { return entries_.size(); }

 private:
  struct Entry {
    std::string key;
    SpfResult result;
    Clock::time_point expires;
  };
  static std::string key_of(const Address& client, std::string_view identity, std::string_view helo);
  void drop_expired(Clock::time_point now);

  std::size_t capacity_;
  std::chrono::seconds lifetime_;
  std::list<Entry> entries_;  // oldest first: every entry lives as long, so also first to expire
  std::unordered_map<std::string_view, std::list<Entry>::iterator> index_;  // views of entries' keys
};

}  // namespace jgl

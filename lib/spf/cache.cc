// spf/cache.cc: a bounded, expiring map of SPF results.
#include "lib/spf/cache.h"

#include <iterator>

namespace jgl {

SpfCache::SpfCache(std::size_t capacity, std::chrono::seconds lifetime) : capacity_(capacity), lifetime_(lifetime) {}

std::string SpfCache::key_of(const Address& client, std::string_view identity, std::string_view helo) {
  std::string key(client.format().view());
  key += '\0';
  key += identity;
  key += '\0';
  key += helo;
  return key;
}

void SpfCache::drop_expired(Clock::time_point now) {
  while (!entries_.empty() && entries_.front().expires <= now) {
    index_.erase(entries_.front().key);
    entries_.pop_front();
  }
}

std::optional<SpfResult> SpfCache::find(const Address& client, std::string_view identity, std::string_view helo,
                                        Clock::time_point now) {
  drop_expired(now);
  auto found = index_.find(key_of(client, identity, helo));
  if (found == index_.end()) return std::nullopt;
  return found->second->result;
}

void SpfCache::remember(const Address& client, std::string_view identity, std::string_view helo, SpfResult result,
                        Clock::time_point now) {
  if (result == SpfResult::temperror || capacity_ == 0 || lifetime_.count() <= 0) return;
  drop_expired(now);
  std::string key = key_of(client, identity, helo);
  if (auto old = index_.find(key); old != index_.end()) {
    auto entry = old->second;
    index_.erase(old);
    entries_.erase(entry);
  }
  if (entries_.size() >= capacity_) {
    index_.erase(entries_.front().key);
    entries_.pop_front();
  }
  entries_.push_back(Entry{std::move(key), result, now + lifetime_});
  auto last = std::prev(entries_.end());
  index_.emplace(last->key, last);
}

}  // namespace jgl

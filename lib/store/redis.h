// store/redis.h: the greylisting state in Redis, shared by several MX hosts.
//
// One hash per key, readable in redis-cli:
//
//   jgreylist:ip4:192.0.2.0/24     first "1700000000.123456789"  last "..."
//   jgreylist:ip6:2001:db8::/64
//   jgreylist:triplet:<sha-256>    first, last, client, sender, recipient
//   jgreylist:awl:192.0.2.0/24     first, last, count, client
//   jgreylist:corr:<sha-256>       first, last, sender, recipient
//
// first and last are the sightings the tree keeps as mtime and atime, in
// seconds and nanoseconds. Every key carries a TTL from the one expiry rule
// (lib/greylist/greylist.h: pending keys pending_age after first seen, validated keys
// max_age after last seen), so Redis needs no cleaner and bounds itself.
// observe() is one server-side script: atomic, so two MX hosts seeing a key
// at the same instant agree on its first sighting, and one round trip. A
// password, a db other than 0 or Sentinel add one round trip before it, at
// connection: AUTH, SELECT and ROLE must be answered before anything is
// written. The connection is made at the first request, so that a Redis
// away is a store error (deferred, or passed with JGREYLIST_FAILOPEN), not
// a configuration error.
#pragma once

#include <optional>
#include <string>

#include "lib/store/expiry.h"
#include "lib/store/redis_client.h"
#include "lib/store/redis_url.h"
#include "lib/store/store.h"

namespace jgl {

inline constexpr const char* kRedisDefaultPrefix = "jgreylist:";

struct RedisStoreSettings {
  RedisLocation location;
  std::string prefix = kRedisDefaultPrefix;
  int timeout_ms = 500;  // for connecting, and for each reply
  ExpiryPolicy expiry;
};

class RedisStore final : public Store {
 public:
  explicit RedisStore(RedisStoreSettings settings);

  std::string_view where() const override { return where_; }
  Result<Sighting> observe(const Key& key, timespec now) override;
  Result<Entry> count_pass(const Key& key, timespec now, long interval) override;
  Result<std::optional<Entry>> find(const Key& key) override;
  Result<void> set_times(const Entry& entry) override;
  Result<bool> forget(const Key& key) override;
  Result<void> enumerate(EntryVisitor& visitor) override;

 private:
  Result<std::string> name_of(const Key& key) const;
  // The commands' replies, in one round trip once the session is open.
  Result<std::vector<RedisReply>> request(const std::vector<RedisCommand>& commands);
  Result<std::vector<RedisReply>> run_script(std::string_view script, RedisCommand command);
  Result<void> open_session();
  Result<RedisClient> connect() const;
  Result<RedisEndpoint> master_from_sentinels() const;
  std::vector<RedisCommand> session_commands() const;
  Result<void> check_session(const RedisClient& client, const std::vector<RedisReply>& replies) const;
  Result<void> enumerate_batch(const redisReply& keys, EntryVisitor& visitor);

  RedisStoreSettings settings_;
  std::string where_;
  std::string db_text_;
  std::optional<RedisClient> client_;
};

}  // namespace jgl

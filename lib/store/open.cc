// store/open.cc: choosing the store the environment names.
#include "lib/store/open.h"

#include <algorithm>
#include <string>

#include "lib/base/env.h"
#include "lib/base/printable.h"
#include "lib/store/redis.h"
#include "lib/store/redis_url.h"
#include "lib/store/tree.h"

namespace jgl {
namespace {

constexpr std::size_t kMaxRedisPrefix = 128;

// Keys must stay one readable word in redis-cli and in log lines.
Result<std::string> redis_prefix(const char* value) {
  if (value == nullptr) return std::string(kRedisDefaultPrefix);
  std::string_view text = value;
  bool plain = !text.empty() && text.size() <= kMaxRedisPrefix &&
               std::all_of(text.begin(), text.end(), [](char c) { return printable(c) && c != ' '; });
  if (!plain) {
    return fail("JGREYLIST_REDIS_PREFIX='" + shown_value(text) + "': 1 to " + std::to_string(kMaxRedisPrefix) +
                " printable characters without spaces");
  }
  return std::string(text);
}

bool is_set(const char* value) { return value != nullptr && *value != '\0'; }

Result<std::unique_ptr<Store>> open_tree(const char* dir, const ExpiryPolicy& expiry) {
  auto tree = TreeStore::open(dir);
  if (!tree) {
    Error e = tree.error();
    e.message = "JGREYLIST_DIR=" + e.message;
    return std::unexpected(std::move(e));
  }
  tree->set_expiry(expiry);
  return std::make_unique<TreeStore>(std::move(*tree));
}

Result<std::unique_ptr<Store>> open_redis(const StoreSettings& settings) {
  auto location = parse_redis_url(settings.redis);
  if (!location) return fail("JGREYLIST_REDIS: " + location.error().message);
  if (settings.redis_password != nullptr) {
    if (location->password) return fail("JGREYLIST_REDIS_PASSWORD is set and JGREYLIST_REDIS has a password too");
    location->password = settings.redis_password;
  }
  RedisStoreSettings redis{std::move(*location), settings.redis_prefix, settings.redis_timeout_ms, settings.expiry};
  return std::make_unique<RedisStore>(std::move(redis));
}

}  // namespace

Result<void> redis_settings_from_env(StoreSettings& s) {
  s.redis_password = env_get("JGREYLIST_REDIS_PASSWORD");
  auto prefix = redis_prefix(env_get("JGREYLIST_REDIS_PREFIX"));
  if (!prefix) return std::unexpected(prefix.error());
  s.redis_prefix = std::move(*prefix);
  auto timeout = env_number("JGREYLIST_REDIS_TIMEOUT", 500, 1, 60000);
  if (!timeout) return std::unexpected(timeout.error());
  s.redis_timeout_ms = static_cast<int>(*timeout);
  auto expiry = expiry_from_env();
  if (!expiry) return std::unexpected(expiry.error());
  s.expiry = *expiry;
  return {};
}

Result<StoreSettings> store_settings_from_env() {
  StoreSettings s;
  s.dir = env_get("JGREYLIST_DIR");
  s.redis = env_get("JGREYLIST_REDIS");
  if (!is_set(s.redis)) {
    // The tree judges an observed entry's expiry by it too (Redis's
    // settings below read it with the rest).
    auto expiry = expiry_from_env();
    if (!expiry) return std::unexpected(expiry.error());
    s.expiry = *expiry;
    return s;
  }
  auto redis = redis_settings_from_env(s);
  if (!redis) return std::unexpected(redis.error());
  return s;
}

Result<std::unique_ptr<Store>> open_store(const StoreSettings& settings) {
  bool dir = is_set(settings.dir), redis = is_set(settings.redis);
  if (dir && redis) return fail("JGREYLIST_REDIS and JGREYLIST_DIR are both set: one store per service");
  if (redis) return open_redis(settings);
  if (!dir) return fail("JGREYLIST_DIR is not set or empty");
  return open_tree(settings.dir, settings.expiry);
}

Result<std::unique_ptr<Store>> open_store_from_env() {
  auto settings = store_settings_from_env();
  if (!settings) return std::unexpected(std::move(settings.error()));
  return open_store(*settings);
}

}  // namespace jgl

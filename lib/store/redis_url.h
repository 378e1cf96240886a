// store/redis_url.h: where the Redis store lives, as JGREYLIST_REDIS says it.
//
// Three forms, read strictly; anything else is refused, never guessed:
//
//   redis://[[USER]:PASSWORD@]HOST[:PORT][/DB]
//   unix:/PATH[?db=N]
//   redis-sentinel://[[USER]:PASSWORD@]HOST[:PORT][,HOST[:PORT]...]/MASTER[?db=N]
//
// HOST is a dotted quad, an IPv6 address in brackets or a host name. USER
// and PASSWORD may be percent-encoded and are decoded here; in the sentinel
// form they are for the master and its replicas, not for the sentinels.
// The unix form carries no credentials (the caller reads
// JGREYLIST_REDIS_PASSWORD). Errors are permanent, and never hold any part
// of the credentials: the caller may print them as they are.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "lib/base/error.h"

namespace jgl {

constexpr int kRedisDefaultPort = 6379;
constexpr int kSentinelDefaultPort = 26379;
constexpr std::size_t kMaxSentinels = 16;
// Redis' own `databases` setting is the real limit: the server refuses an
// out-of-range SELECT, and that is reported when it happens.
constexpr long kMaxRedisDb = 1000000;

struct RedisEndpoint {
  std::string host;  // a host name, or an address in canonical text, no brackets
  int port = kRedisDefaultPort;
};

struct RedisLocation {
  enum class Kind { tcp, unix_socket, sentinel };
  Kind kind = Kind::tcp;
  RedisEndpoint server;                  // tcp
  std::string socket_path;               // unix_socket: absolute, fits sun_path
  std::vector<RedisEndpoint> sentinels;  // sentinel, in the order given
  std::string master_name;               // sentinel
  std::string user;                      // decoded; empty: the default user
  std::optional<std::string> password;   // decoded; nullopt: no AUTH
  long db = 0;
};

// The value of JGREYLIST_REDIS. At most 4096 bytes, printable ASCII only
// (percent-encode anything else in the credentials).
Result<RedisLocation> parse_redis_url(std::string_view url);

// The location for log lines, never with the password, the user
// percent-encoded; the db only when it is not 0:
// "redis://user@[::1]:6380/2", "unix:/run/redis.sock?db=1",
// "redis-sentinel://10.0.0.1:26379,10.0.0.2:26379/mymaster".
std::string describe(const RedisLocation& location);

}  // namespace jgl

// store/redis_client.h: one connection to a Redis server, with deadlines.
//
// hiredis speaks the protocol (it formats the commands and parses the
// replies); the socket and its I/O are ours, so that the connect and the
// replies have deadlines of our choosing (poll, never a blocking read), a
// literal address needs no resolver, an IPv6 or unix-socket server is no
// special case, and a server that hung up costs an EPIPE, never a SIGPIPE
// that would kill jgreylist before it can answer 421. Every request is a
// pipeline: all its commands leave in one send and their replies are read
// back in order, one round trip whatever the count. A server that does not
// answer within the timeout is a temporary error naming the cause: the
// caller defers its client.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "lib/base/error.h"

struct redisReader;
struct redisReply;

namespace jgl {

struct RedisReplyDeleter {
  void operator()(redisReply* reply) const;
};
using RedisReply = std::unique_ptr<redisReply, RedisReplyDeleter>;

// One command's words: {"HMGET", key, "first", "last"}.
using RedisCommand = std::vector<std::string_view>;

class RedisClient {
 public:
  // host: an IPv4 or IPv6 literal (no brackets) or a name to resolve.
  static Result<RedisClient> connect_tcp(const std::string& host, int port, int timeout_ms);
  static Result<RedisClient> connect_unix(const std::string& path, int timeout_ms);
  RedisClient(RedisClient&& other) noexcept;
  RedisClient& operator=(RedisClient&&) = delete;
  ~RedisClient();

  // Sends the commands at once and reads one reply for each, in order,
  // all within the timeout. An error reply is returned as a reply; a
  // broken or silent connection is the error.
  Result<std::vector<RedisReply>> pipeline(const std::vector<RedisCommand>& commands);

  // "127.0.0.1:6379", "[::1]:6379" or the socket's path, for messages.
  const std::string& peer() const { return peer_; }

 private:
  RedisClient(int fd, redisReader* reader, std::string peer, int timeout_ms, bool tcp)
      : fd_(fd), reader_(reader), peer_(std::move(peer)), timeout_ms_(timeout_ms), tcp_(tcp) {}
  static Result<RedisClient> over(Result<int> fd, std::string peer, int timeout_ms, bool tcp);
  Result<void> send_all(std::string_view bytes, long& deadline_ms);
  Result<RedisReply> next_reply(long deadline_ms);
  Result<void> wait_for(short events, long deadline_ms, std::string_view doing);
  void close_connection();

  int fd_ = -1;
  redisReader* reader_ = nullptr;
  std::string peer_;
  int timeout_ms_ = 0;
  bool tcp_ = false;         // closed with a reset: see close_connection
  bool connecting_ = false;  // the connect may be under way: see send_all
};

// What a reply says, for checks and messages.
bool is_error(const redisReply* reply);
std::string_view reply_text(const redisReply* reply);  // string, status or error text; "" otherwise

}  // namespace jgl

// store/redis_client.cc: our socket and deadlines, hiredis's protocol.
#include "lib/store/redis_client.h"

#include <hiredis/hiredis.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "lib/net/address.h"

namespace jgl {
namespace {

long monotonic_ms() {
  timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1000L + t.tv_nsec / 1000000;
}

std::unexpected<Error> connect_failed(const std::string& peer, int e) {
  return fail_temporary("connect to " + peer + ": " + std::strerror(e), e);
}

// Waits for a non-blocking connect to complete, up to timeout_ms.
Result<void> finish_connect(int fd, int timeout_ms, const std::string& peer) {
  pollfd p{fd, POLLOUT, 0};
  int ready;
  do {
    ready = poll(&p, 1, timeout_ms);
  } while (ready < 0 && errno == EINTR);
  if (ready == 0) {
    return fail_temporary("connect to " + peer + ": no answer within " + std::to_string(timeout_ms) + " ms",
                          ETIMEDOUT);
  }
  if (ready < 0) return connect_failed(peer, errno);
  int error = 0;
  socklen_t len = sizeof error;
  if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &len) != 0) return connect_failed(peer, errno);
  if (error != 0) return connect_failed(peer, error);
  return {};
}

// A socket connecting to `sa`, non-blocking: every wait is a poll with the
// time left. Without `pending`, the connect has completed on return; with
// it, the connect may still be under way (then *pending is set) and the
// first send finds out: on loopback it has completed within connect itself,
// and waiting would only cost a poll and a getsockopt per connection.
Result<int> connect_socket(const sockaddr* sa, socklen_t len, int timeout_ms, const std::string& peer, bool* pending) {
  int fd = socket(sa->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return connect_failed(peer, errno);
  if (connect(fd, sa, len) != 0) {
    int e = errno;
    if (e == EINPROGRESS && pending != nullptr) {
      *pending = true;
      return fd;
    }
    auto done = e == EINPROGRESS ? finish_connect(fd, timeout_ms, peer) : connect_failed(peer, e);
    if (!done) {
      close(fd);
      return std::unexpected(done.error());
    }
  }
  return fd;
}

Result<int> connect_literal(const Address& address, int port, int timeout_ms, const std::string& peer,
                            bool* pending) {
  sockaddr_storage storage{};
  socklen_t len;
  if (address.is_v4()) {
    auto* sin = reinterpret_cast<sockaddr_in*>(&storage);
    sin->sin_family = AF_INET;
    sin->sin_port = htons(static_cast<std::uint16_t>(port));
    std::memcpy(&sin->sin_addr, address.bytes(), 4);
    len = sizeof *sin;
  } else {
    auto* sin6 = reinterpret_cast<sockaddr_in6*>(&storage);
    sin6->sin6_family = AF_INET6;
    sin6->sin6_port = htons(static_cast<std::uint16_t>(port));
    std::memcpy(&sin6->sin6_addr, address.bytes(), 16);
    len = sizeof *sin6;
  }
  return connect_socket(reinterpret_cast<const sockaddr*>(&storage), len, timeout_ms, peer, pending);
}

std::unexpected<Error> resolve_failed(const std::string& host, int rc) {
  return fail_temporary("resolve " + host + ": " + (rc == EAI_SYSTEM ? std::strerror(errno) : gai_strerror(rc)));
}

// A name's addresses (*found, for freeaddrinfo), within timeout_ms:
// getaddrinfo alone waits as long as the resolver's configuration says
// (5 s a server and an attempt by default), so the lookup runs on glibc's
// resolver thread (getaddrinfo_a) and is given up at the deadline.
Result<void> resolve(const std::string& host, int port, int timeout_ms, addrinfo** found) {
  struct Lookup {
    std::string host, service;
    addrinfo hints{};
    gaicb request{};
  };
  auto* lookup = new Lookup{host, std::to_string(port)};
  lookup->hints.ai_family = AF_UNSPEC;
  lookup->hints.ai_socktype = SOCK_STREAM;
  lookup->request.ar_name = lookup->host.c_str();
  lookup->request.ar_service = lookup->service.c_str();
  lookup->request.ar_request = &lookup->hints;
  gaicb* list[] = {&lookup->request};
  int rc = getaddrinfo_a(GAI_NOWAIT, list, 1, nullptr);
  if (rc != 0) {
    delete lookup;
    return resolve_failed(host, rc);
  }
  long deadline = monotonic_ms() + timeout_ms;
  while ((rc = gai_error(&lookup->request)) == EAI_INPROGRESS) {
    long left = deadline - monotonic_ms();
    if (left <= 0) break;
    timespec wait{left / 1000, (left % 1000) * 1000000};
    gai_suspend(list, 1, &wait);
  }
  if (rc == EAI_INPROGRESS) {
    int cancel = gai_cancel(&lookup->request);
    if (cancel == EAI_ALLDONE) {
      rc = gai_error(&lookup->request);  // it ended meanwhile
    } else {
      // Not started yet, or running: then its thread writes into *lookup
      // when it ends, and keeps it (a few hundred bytes a lookup given up).
      if (cancel == EAI_CANCELED) delete lookup;
      return fail_temporary("resolve " + host + ": no answer within " + std::to_string(timeout_ms) + " ms",
                            ETIMEDOUT);
    }
  }
  *found = lookup->request.ar_result;
  delete lookup;
  if (rc != 0) {
    return resolve_failed(host, rc);
  }
  return {};
}

// A name: each of its addresses in the resolver's order, until one answers
// (so each connect is waited for).
Result<int> connect_name(const std::string& host, int port, int timeout_ms, const std::string& peer) {
  addrinfo* found = nullptr;
  auto resolved = resolve(host, port, timeout_ms, &found);
  if (!resolved) return std::unexpected(resolved.error());
  Result<int> fd = fail_temporary("resolve " + host + ": no address");
  for (addrinfo* a = found; a != nullptr; a = a->ai_next) {
    fd = connect_socket(a->ai_addr, a->ai_addrlen, timeout_ms, peer, nullptr);
    if (fd) break;
  }
  freeaddrinfo(found);
  return fd;
}

}  // namespace

void RedisReplyDeleter::operator()(redisReply* reply) const { freeReplyObject(reply); }

Result<RedisClient> RedisClient::connect_tcp(const std::string& host, int port, int timeout_ms) {
  bool v6 = host.find(':') != std::string::npos;
  std::string peer = (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
  auto literal = Address::parse(host);
  bool pending = false;
  auto fd = literal ? connect_literal(*literal, port, timeout_ms, peer, &pending)
                    : connect_name(host, port, timeout_ms, peer);
  auto client = over(std::move(fd), std::move(peer), timeout_ms, true);
  if (client) client->connecting_ = pending;
  return client;
}

Result<RedisClient> RedisClient::connect_unix(const std::string& path, int timeout_ms) {
  sockaddr_un sun{};
  sun.sun_family = AF_UNIX;
  if (path.size() >= sizeof sun.sun_path) return fail("socket path too long: " + path);
  std::memcpy(sun.sun_path, path.data(), path.size());
  return over(connect_socket(reinterpret_cast<const sockaddr*>(&sun), sizeof sun, timeout_ms, path, nullptr), path,
              timeout_ms, false);
}

Result<RedisClient> RedisClient::over(Result<int> fd, std::string peer, int timeout_ms, bool tcp) {
  if (!fd) return std::unexpected(fd.error());
  redisReader* reader = redisReaderCreate();
  if (reader == nullptr) {
    close(*fd);
    return fail_temporary("connect to " + peer + ": out of memory", ENOMEM);
  }
  return RedisClient(*fd, reader, std::move(peer), timeout_ms, tcp);
}

RedisClient::RedisClient(RedisClient&& other) noexcept
    : fd_(other.fd_),
      reader_(other.reader_),
      peer_(std::move(other.peer_)),
      timeout_ms_(other.timeout_ms_),
      tcp_(other.tcp_),
      connecting_(other.connecting_) {
  other.fd_ = -1;
  other.reader_ = nullptr;
}

RedisClient::~RedisClient() { close_connection(); }

// A TCP connection ends with a reset, not a FIN: every request has had its
// reply (or has given up on it) by now, and a FIN would leave the socket in
// TIME_WAIT here for a minute, one per connection, so that a busy MX host
// talking to one Redis would run out of local ports at a few hundred
// connections per second (net.ipv4.tcp_tw_reuse reuses them only on
// loopback). Redis takes the reset as the end of the client.
void RedisClient::close_connection() {
  if (reader_ != nullptr) redisReaderFree(reader_);
  if (fd_ >= 0 && tcp_) {
    linger abort{1, 0};
    setsockopt(fd_, SOL_SOCKET, SO_LINGER, &abort, sizeof abort);
  }
  if (fd_ >= 0) close(fd_);
  reader_ = nullptr;
  fd_ = -1;
}

Result<std::vector<RedisReply>> RedisClient::pipeline(const std::vector<RedisCommand>& commands) {
  std::string request;
  std::vector<const char*> argv;
  std::vector<std::size_t> lengths;
  for (const RedisCommand& command : commands) {
    argv.clear();
    lengths.clear();
    for (std::string_view word : command) {
      argv.push_back(word.data());
      lengths.push_back(word.size());
    }
    char* formatted = nullptr;
    int n = redisFormatCommandArgv(&formatted, static_cast<int>(argv.size()), argv.data(), lengths.data());
    if (n < 0) return fail_temporary("send to " + peer_ + ": out of memory", ENOMEM);
    request.append(formatted, static_cast<std::size_t>(n));
    redisFreeCommand(formatted);
  }
  long deadline = monotonic_ms() + timeout_ms_;
  auto sent = send_all(request, deadline);
  if (!sent) return std::unexpected(sent.error());
  std::vector<RedisReply> replies;
  replies.reserve(commands.size());
  for (std::size_t i = 0; i < commands.size(); ++i) {
    auto reply = next_reply(deadline);
    if (!reply) return std::unexpected(reply.error());
    replies.push_back(std::move(*reply));
  }
  return replies;
}

// MSG_NOSIGNAL: a server that hung up is an EPIPE to report, not a SIGPIPE.
// While the connect is under way a send fails with EAGAIN (then its wait,
// and the reply's deadline starts when it is done) or with the connect's
// own error: both are reported as the connect's.
Result<void> RedisClient::send_all(std::string_view bytes, long& deadline_ms) {
  while (!bytes.empty()) {
    ssize_t n = send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n > 0) {
      connecting_ = false;
      bytes.remove_prefix(static_cast<std::size_t>(n));
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    bool again = n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
    if (connecting_) {
      Result<void> done = again ? finish_connect(fd_, timeout_ms_, peer_) : connect_failed(peer_, errno);
      if (!done) return done;
      connecting_ = false;
      deadline_ms = monotonic_ms() + timeout_ms_;
      continue;
    }
    if (!again) return fail_temporary("send to " + peer_ + ": " + std::strerror(errno), errno);
    auto ready = wait_for(POLLOUT, deadline_ms, "no room to send to ");
    if (!ready) return ready;
  }
  return {};
}

// The next reply, reading what the server sent until one is whole.
Result<RedisReply> RedisClient::next_reply(long deadline_ms) {
  while (true) {
    void* reply = nullptr;
    if (redisReaderGetReply(reader_, &reply) != REDIS_OK) {
      return fail_temporary("bad reply from " + peer_ + ": " + reader_->errstr, EPROTO);
    }
    if (reply != nullptr) return RedisReply(static_cast<redisReply*>(reply));
    auto ready = wait_for(POLLIN, deadline_ms, "no reply from ");
    if (!ready) return std::unexpected(ready.error());
    char buf[16384];
    ssize_t n = read(fd_, buf, sizeof buf);
    if (n == 0) return fail_temporary(peer_ + " closed the connection", ECONNRESET);
    if (n < 0 && errno != EINTR && errno != EAGAIN && errno != EWOULDBLOCK) {
      return fail_temporary("read from " + peer_ + ": " + std::strerror(errno), errno);
    }
    if (n > 0 && redisReaderFeed(reader_, buf, static_cast<std::size_t>(n)) != REDIS_OK) {
      return fail_temporary("bad reply from " + peer_ + ": " + reader_->errstr, EPROTO);
    }
  }
}

// Until the socket is ready for `events`, or the deadline: then "DOING
// PEER within N ms".
Result<void> RedisClient::wait_for(short events, long deadline_ms, std::string_view doing) {
  while (true) {
    long left = deadline_ms - monotonic_ms();
    pollfd p{fd_, events, 0};
    int ready = left > 0 ? poll(&p, 1, static_cast<int>(left)) : 0;
    if (ready > 0) return {};
    if (ready < 0 && errno == EINTR) continue;
    if (ready < 0) return fail_temporary("poll " + peer_ + ": " + std::strerror(errno), errno);
    return fail_temporary(std::string(doing) + peer_ + " within " + std::to_string(timeout_ms_) + " ms", ETIMEDOUT);
  }
}

bool is_error(const redisReply* reply) { return reply != nullptr && reply->type == REDIS_REPLY_ERROR; }

std::string_view reply_text(const redisReply* reply) {
  if (reply == nullptr) return {};
  bool text = reply->type == REDIS_REPLY_STRING || reply->type == REDIS_REPLY_STATUS ||
              reply->type == REDIS_REPLY_ERROR;
  return text ? std::string_view(reply->str, reply->len) : std::string_view();
}

}  // namespace jgl

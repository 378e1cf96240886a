// net/ucspi.cc: the client's address from the environment or the socket.
#include "lib/net/ucspi.h"

#include <sys/socket.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "lib/base/env.h"
#include "lib/base/printable.h"

namespace jgl {
namespace {

// "${PROTO}<suffix>" into buf, or false if PROTO is unset or odd.
bool proto_variable(const char* suffix, char* buf, std::size_t cap) {
  const char* proto = env_get("PROTO");
  if (proto == nullptr || *proto == '\0') return false;
  std::size_t n = std::strlen(proto), s = std::strlen(suffix);
  if (n + s + 1 > cap) return false;
  for (std::size_t i = 0; i < n; ++i) {
    char c = proto[i];
    if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))) return false;
  }
  std::memcpy(buf, proto, n);
  std::memcpy(buf + n, suffix, s + 1);
  return true;
}

}  // namespace

Result<std::optional<ClientAddress>> client_address_from_env() {
  char proto_name[48];
  const char* candidates[] = {
      proto_variable("REMOTEIP", proto_name, sizeof proto_name) ? proto_name : nullptr,
      "TCPREMOTEIP", "TCP6REMOTEIP", "SSLREMOTEIP", "REMOTE_ADDR",
  };
  for (const char* name : candidates) {
    if (name == nullptr) continue;
    const char* value = env_get(name);
    if (value == nullptr) continue;
    auto address = Address::parse(value);
    if (!address) {
      return fail(std::string(name) + "='" + shown_value(value) + "': " + address.error().message);
    }
    return ClientAddress{*address, name};
  }
  return std::nullopt;
}

Result<ClientAddress> client_address(int socket_fd) {
  auto named = client_address_from_env();
  if (!named) return std::unexpected(std::move(named.error()));
  if (*named) return **named;
  sockaddr_storage peer{};
  socklen_t len = sizeof peer;
  if (getpeername(socket_fd, reinterpret_cast<sockaddr*>(&peer), &len) != 0) {
    int e = errno;
    return fail(std::string("no client address: no TCPREMOTEIP, REMOTE_ADDR or the like, and getpeername on fd ") +
                    std::to_string(socket_fd) + ": " + std::strerror(e),
                e);
  }
  auto address = Address::from_sockaddr(reinterpret_cast<sockaddr*>(&peer));
  if (!address) return fail("no client address: " + address.error().message);
  return ClientAddress{*address, "getpeername"};
}

const char* client_host() {
  char name[48];
  if (proto_variable("REMOTEHOST", name, sizeof name)) {
    if (const char* v = env_get(name)) return v;
  }
  return env_get("TCPREMOTEHOST");
}

}  // namespace jgl

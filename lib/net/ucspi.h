// net/ucspi.h: what the super-server tells us about the client.
//
// tcpserver and sslserver put the client in ${PROTO}REMOTEIP (TCP, TCP6,
// SSL...), systemd socket units in REMOTE_ADDR, inetd nothing at all: then
// the socket on fd 0 is asked. The first variable found wins; if it holds
// something that is not an address, that is an error, not a reason to look
// further.
#pragma once

#include <optional>

#include "lib/base/error.h"
#include "lib/net/address.h"

namespace jgl {

struct ClientAddress {
  Address address;
  const char* source;  // the variable it came from, or "getpeername"
};

// The client from the environment, else the peer of `socket_fd`.
Result<ClientAddress> client_address(int socket_fd = 0);

// The client from the environment alone; nullopt when no variable names
// one (a program run by hand, or mail injected locally).
Result<std::optional<ClientAddress>> client_address_from_env();

// ${PROTO}REMOTEHOST, else TCPREMOTEHOST; nullptr when unset.
const char* client_host();

}  // namespace jgl

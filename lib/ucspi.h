// ucspi.h: what the super-server tells us about the client.
//
// tcpserver and sslserver put the client in ${PROTO}REMOTEIP (TCP, TCP6,
// SSL...), systemd socket units in REMOTE_ADDR, inetd nothing at all: then
// the socket on fd 0 is asked. The first variable found wins; if it holds
// something that is not an address, that is an error, not a reason to look
// further.
#pragma once

#include "lib/address.h"
#include "lib/error.h"

namespace jgl {

struct ClientAddress {
  Address address;
  const char* source;  // the variable it came from, or "getpeername"
};

Result<ClientAddress> client_address(int socket_fd = 0);

// ${PROTO}REMOTEHOST, else TCPREMOTEHOST; nullptr when unset.
const char* client_host();

}  // namespace jgl

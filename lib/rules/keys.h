// rules/keys.h: the cdb keys a rule's address stands for, in tcpserver's text.
//
// tcpserver looks a client up by the text it writes for the address and by
// that text's prefixes ending in '.' or ':' (lib/rules/lookup.h), so a rule
// is as good as the keys it is written under. djb ranges expand as Debian's
// ucspi-tcp-ipv6 tcprules expands them, byte for byte; beyond it, IPv6
// addresses in any spelling and CIDR prefixes become the texts tcpserver
// tries, and a key no client's lookup can reach is found out for the lint.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "lib/base/error.h"
#include "lib/net/address.h"

namespace jgl {

// The most keys one CIDR rule may expand into. Rounding to whole octets or
// 16-bit groups gives at most 128 (IPv4) or 32768 (IPv6): a safety net.
inline constexpr std::size_t kMaxKeysPerRule = 65536;

// The cdb keys a rule's address stands for, in order: djb ranges expanded
// as the original does, IPv6 addresses in tcpserver's text, CIDR prefixes as
// the dotted or colon-ended texts tcpserver tries. Anything else verbatim.
Result<std::vector<std::string>> rule_keys(std::string_view address);

// The same keys into `keys` (emptied first), reusing its storage: for a
// compiler of a million lines, where allocating a vector a line shows.
Result<void> rule_keys_into(std::string_view address, std::vector<std::string>& keys);

// How many keys rule_keys(address) gives, or its error, without writing
// them all: for counting what thousands of ranges expand into.
Result<std::size_t> rule_key_count(std::string_view address);

// An address as tcpserver (Debian's ucspi-tcp-ipv6) writes TCPREMOTEIP and
// looks it up: dotted quad, or lowercase hex with the longest run of zero
// groups compressed, first on a tie, even a single group (unlike RFC 5952:
// 2001:db8:0:1:1:1:1:1 is "2001:db8::1:1:1:1:1"), no embedded IPv4.
std::string tcpserver_text(const Address& address);

// Why tcpserver never looks `key` up, whatever the client: a text it does
// not write (uppercase or leading zeros, an impossible prefix); nullopt
// when some client's lookup can reach it.
std::optional<std::string> why_never_looked_up(std::string_view key);

}  // namespace jgl

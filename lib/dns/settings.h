// dns/settings.h: which server to ask, and for how long.
//
// JGREYLIST_DNS names one server as HOST[:PORT]: an IPv4 literal, an IPv6
// literal in brackets ([::1]:5353) or a bare IPv6 literal (port 53). Unset:
// the system's resolver (resolv.conf). JGREYLIST_DNS_TIMEOUT bounds a whole
// evaluation, every question included, in milliseconds (1..60000, default
// 2000). Errors name the variable.
#pragma once

#include <string>
#include <string_view>

#include "lib/base/error.h"

namespace jgl {

inline constexpr long kDefaultDnsTimeoutMs = 2000;
inline constexpr long kMaxDnsTimeoutMs = 60000;

struct DnsSettings {
  std::string server;  // c-ares's "host:port" form ("[v6]:port"); empty: the system's
  long timeout_ms = kDefaultDnsTimeoutMs;
};

// HOST[:PORT] as c-ares's servers list takes it: "192.0.2.1:53", "[::1]:5353".
Result<std::string> parse_dns_server(std::string_view spec);

Result<DnsSettings> dns_settings_from_env();

}  // namespace jgl

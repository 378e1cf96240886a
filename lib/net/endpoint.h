// net/endpoint.h: HOST[:PORT], the way a server is named in a setting.
//
// The shape only, split once for every setting that names a server
// (JGREYLIST_DNS, the Redis URLs): an IPv6 host is written in brackets
// ("[::1]:5353"); any other host has no ':' and is followed by an optional
// ":PORT". A bare IPv6 literal (more than one ':', "2001:db8::1") is the
// whole host when the caller allows it (no port then), and refused when not.
// What the host and the port must be (an address, a name, a range) is the
// caller's rule, with the caller's words and default port.
#pragma once

#include <optional>
#include <string_view>

#include "lib/base/error.h"

namespace jgl {

struct Endpoint {
  std::string_view host;                // as written: "[::1]", "192.0.2.1", "redis.example"
  std::optional<std::string_view> port;  // after the ':', possibly empty ("host:")
  bool bracketed() const { return host.starts_with('['); }
  // The host without its brackets.
  std::string_view bare_host() const { return bracketed() ? host.substr(1, host.size() - 2) : host; }
};

enum class BareIpv6 { refused, allowed };

// Errors: "'[' without ']'", "junk after ']'", "an IPv6 address must be in
// brackets" (BareIpv6::refused).
Result<Endpoint> split_endpoint(std::string_view text, BareIpv6 bare);

}  // namespace jgl

// spf/check_host.h: RFC 7208's check_host(), with a trace.
//
// check_host(ip, domain, sender) fetches the domain's SPF record, parses
// it and evaluates its mechanisms in order; the first that matches gives
// its qualifier's result; include: and redirect= evaluate other domains
// within the same limits: 10 terms that ask DNS (include, a, mx, ptr,
// exists, redirect), 2 lookups that find nothing (NXDOMAIN or no data),
// 10 MX names per mx, 10 PTR names per ptr or %{p}. Beyond a limit, or on
// any syntax error, the result is permerror; a DNS timeout or server
// failure is temperror. DNS comes through a DnsSource, so the evaluation
// is the same over the network and over memory.
//
// The trace is for the administrator: why the result is what it is (the
// mechanism that matched, with the includes that led there, or the limit
// or error met), and every DNS question asked with its outcome.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "lib/dns/source.h"
#include "lib/net/address.h"
#include "lib/spf/result.h"

namespace jgl {

struct SpfLookup {
  std::string type;     // "TXT", "A", "AAAA", "MX", "PTR"
  std::string name;
  std::string outcome;  // "found: ...", "nxdomain", "no data", "timeout ...", ...
};

struct SpfVerdict {
  SpfResult result = SpfResult::none;
  std::vector<std::string> reasons;  // outermost first: "example.com: include:_spf.example.com", ...
  std::vector<SpfLookup> lookups;
};

// check_host() itself. `sender` is local-part@domain (a missing local part
// is "postmaster"); `helo` is for %{h}.
SpfVerdict check_host(DnsSource& dns, const Address& client, std::string_view domain, std::string_view sender,
                      std::string_view helo = {});

// The MAIL FROM identity: the sender's domain, or with an empty sender the
// HELO identity, postmaster@HELO (RFC 7208 section 2.4).
SpfVerdict check_sender(DnsSource& dns, const Address& client, std::string_view sender, std::string_view helo);

}  // namespace jgl

// dns/source.h: where DNS answers come from, as one interface.
//
// The questions RFC 7208 asks: TXT, A, AAAA, MX and PTR (by address). The
// real source is CaresSource (lib/dns/cares_source.h); tests answer from
// memory. Names are given without a trailing dot; a source follows CNAMEs
// as a resolver does. A TXT record's strings come back joined into one
// string per record (RFC 7208 section 3.3).
#pragma once

#include <string>

#include "lib/dns/answer.h"
#include "lib/net/address.h"

namespace jgl {

class DnsSource {
 public:
  virtual ~DnsSource() = default;
  virtual DnsAnswer<std::string> txt(const std::string& name) = 0;
  virtual DnsAnswer<Address> a(const std::string& name) = 0;
  virtual DnsAnswer<Address> aaaa(const std::string& name) = 0;
  virtual DnsAnswer<MxRecord> mx(const std::string& name) = 0;
  // The names the address's reverse zone gives (in-addr.arpa, ip6.arpa).
  virtual DnsAnswer<std::string> ptr(const Address& address) = 0;
};

}  // namespace jgl

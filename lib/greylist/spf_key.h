// greylist/spf_key.h: JGREYLIST_SPF: a triplet keyed on the sender's domain
// when SPF says the client may send for it.
//
// A sender whose retry comes from another network of its own (a pool of
// outgoing servers) would wait again on a triplet keyed by network. With
// JGREYLIST_SPF=1, an RFC 7208 "pass" for the client and the MAIL FROM
// identity (the sender, or for a bounce postmaster@HELO, section 2.4) puts
// the identity's domain in the network's place ("spf:example.org"): every
// address the domain authorises is one client. Any other result, DNS
// trouble included, keeps the network's key: SPF never refuses or defers
// anything here. Only triplets: the ip key has no sender to ask about.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "lib/base/error.h"
#include "lib/dns/cares_source.h"
#include "lib/dns/settings.h"
#include "lib/greylist/greylist.h"
#include "lib/net/address.h"
#include "lib/net/key.h"
#include "lib/spf/cache.h"
#include "lib/spf/result.h"

namespace jgl {

// What SPF said, for the key and the log.
struct SpfKeying {
  SpfResult result = SpfResult::none;
  std::string domain;  // the identity's domain: lowercase, no trailing dot
  std::string detail;  // why, for a temperror or a permerror, or when nothing was asked
};

// The identity check_host() is asked about: the sender, or with an empty
// sender postmaster@HELO; empty when the sender is empty and HELO unknown.
std::string spf_identity(std::string_view sender, std::string_view helo);

// check_host() of the identity over `dns`.
SpfKeying evaluate_spf(DnsSource& dns, const Address& client, std::string_view sender, std::string_view helo);

// The triplet of (sender, recipient), already normalised: on the domain when
// SPF passed, else on `network` as without SPF.
Key spf_aware_triplet(const SpfKeying& spf, const Prefix& network, std::string sender, std::string recipient);

// What the log adds after the verdict's words:
// " spf=RESULT key=CLIENT" or " spf=RESULT (DETAIL) key=CLIENT".
std::string spf_log_words(const SpfKeying& spf, const Key& key);

// JGREYLIST_SPF=1 needs the triplet key: with JGREYLIST_KEY=ip it is a
// configuration error, naming both.
Result<void> check_spf_key_kind(bool spf, KeyKind kind);

// The evaluations of one process: the DNS channel (JGREYLIST_DNS) opened
// at the first, each evaluation within JGREYLIST_DNS_TIMEOUT from its
// start; results kept in `cache` when there is one. A channel that cannot
// be opened is a temperror.
class SpfKeyer {
 public:
  SpfKeyer(DnsSettings settings, SpfCache* cache) : settings_(std::move(settings)), cache_(cache) {}
  SpfKeying evaluate(const Address& client, std::string_view sender, std::string_view helo);

 private:
  DnsSettings settings_;
  SpfCache* cache_;
  std::unique_ptr<CaresSource> source_;
};

}  // namespace jgl

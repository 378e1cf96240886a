// greylist/policy_service.h: jgreylist-policy's answer to a Postfix
// policy request.
//
// The decision is jgreylist's, on the same stores and, with
// JGREYLIST_RULES, the same tcprules cdb that tcpserver reads: keyed on the
// client's prefix, or with JGREYLIST_KEY=triplet on (prefix, normalised
// sender, recipient) as jgreylist-queue keys it, with JGREYLIST_AWL,
// JGREYLIST_CORRESPONDENTS and JGREYLIST_SPF as man jgreylist-policy says.
// A PolicyService lives as long as its connection: the settings read once,
// the store opened at the first request that needs it, what it learnt of
// networks kept between requests. Every request gets exactly one answer
// (lib/mail/policy_request.h), appended to `out` for the program to write;
// trouble on our side is DEFER_IF_PERMIT, or DUNNO with JGREYLIST_FAILOPEN,
// never no answer. The log lines go through `log`. A test may set `store`
// before the first request: it is then the one used.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>

#include "lib/base/diag.h"
#include "lib/dns/settings.h"
#include "lib/greylist/greylist.h"
#include "lib/greylist/spf_key.h"
#include "lib/mail/normalise.h"
#include "lib/mail/policy_request.h"
#include "lib/rules/lookup.h"
#include "lib/spf/cache.h"
#include "lib/store/expiry.h"
#include "lib/store/store.h"

namespace jgl {

struct PolicyService {
  ClientLog log;
  std::optional<Settings> base;     // from the environment; nullopt: misconfigured
  std::string config_error;
  bool triplet = false;
  std::string state = "RCPT";
  SpareList spare;
  std::optional<RulesCdb> rules;   // JGREYLIST_RULES, mapped once
  std::unique_ptr<Store> store;
  ExpiryPolicy expiry;              // read with the store: how long awl and correspondent entries live
  SenderSettings sender;            // JGREYLIST_AWL, JGREYLIST_CORRESPONDENTS
  // When this process last saw each network's pass counted (the awl
  // entry's last count): no need to ask the store again within the
  // interval. Bounded: emptied when full.
  std::unordered_map<std::string, long> counted;
  // When each network not yet whitelisted could be at the earliest: its
  // count is at most one more an interval, whoever counts it, so the store
  // need not be asked before. Bounded as `counted`.
  std::unordered_map<std::string, long> whitelisted_not_before;
  std::string out;                  // answers not yet written
  // JGREYLIST_SPF, on for the service or for some clients by the rules:
  // the DNS settings as the service's environment gives them (an error is
  // a configuration error when SPF is asked for), the channel opened at
  // the first evaluation, and results kept JGREYLIST_SPF_CACHE seconds.
  std::optional<DnsSettings> dns;
  std::string dns_error;
  std::optional<SpfCache> spf_cache;
  std::optional<SpfKeyer> spf_keyer;
};

// Reads the settings from the environment (JGREYLIST_*, the spare list,
// the rules cdb, DNS): a problem is kept in config_error, and every request
// is then answered as a configuration error, so that Postfix is told.
void configure_policy_service(PolicyService& s);

// One request's answer, appended to s.out, and its log line.
void answer_policy_request(PolicyService& s, const PolicyRequest& r);

}  // namespace jgl

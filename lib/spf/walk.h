// spf/walk.h: a domain's SPF record walked into the address ranges it authorises.
//
// What OpenBSD's `smtpctl spf walk` does, for a whitelist of big senders:
// the domain's record is fetched and every term that passes (qualifier "+"
// or none) is followed: ip4: and ip6: give their ranges, include: and
// redirect= (when the record has no "all") walk another domain, a and mx
// resolve to addresses with their CIDR lengths (mx: at most 10 hosts, as
// RFC 7208 allows). What cannot be walked without a client is skipped and
// noted: ptr, exists, any name with a macro; so are terms qualified "-",
// "~" or "?", which authorise nothing.
//
// All the listed domains are walked at once, every question asked as soon
// as the answer it depends on is in (DnsSource::ask_txt and the others):
// the walk of a long list takes about as long as its deepest chain of
// includes. Each question has its own timeout (CaresSource). Whatever
// order the answers come in, the notes are in the order of the records'
// terms, depth first, and a failed walk's reason is the first failure in
// that order among those met.
//
// Each domain is walked once per listed domain: a repeat stops there, and
// a domain that leads back to one on its own path of includes is noted as
// a loop. Bounded: at most `max_domains` records and `max_questions` DNS
// questions per listed domain.
//
// A range wider than the caps (a prefix length below `widest4` or
// `widest6`) is dropped with a note, never returned: a provider that
// publishes 0.0.0.0/1 must not whitelist half the Internet. The ranges
// come back disjoint and sorted (lib/net/prefix_set.h).
//
// A listed domain without an SPF record (NXDOMAIN, or no "v=spf1" TXT
// record) is an answer: ok, no ranges, a note. The walk fails as a whole,
// with no ranges, when any DNS question of it times out or fails
// (temporary: the previous ranges should be kept), or when an included or
// redirected-to record is missing, or any record doubled or malformed, or
// a limit is passed.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "lib/dns/source.h"
#include "lib/net/prefix.h"

namespace jgl {

struct WalkLimits {
  int max_domains = 100;
  int max_questions = 1000;
  int widest4 = 16;  // a shorter IPv4 prefix is dropped (--widest4)
  int widest6 = 32;  // (--widest6)
};

struct DomainWalk {
  std::string domain;              // as listed, lowercase
  bool ok = false;
  bool temporary = false;          // when failed: DNS trouble, not the record
  std::string reason;              // when failed: why, naming the domain and term
  std::string record;              // the listed domain's own SPF record
  std::vector<Prefix> ranges;      // when ok: disjoint, sorted
  std::vector<std::string> notes;  // what was skipped or dropped, and why
  int domains_visited = 0;
  int questions = 0;
};

std::vector<DomainWalk> walk_domains(DnsSource& dns, const std::vector<std::string>& domains,
                                     const WalkLimits& limits = {});

// One domain, the same way.
DomainWalk walk_domain(DnsSource& dns, std::string_view domain, const WalkLimits& limits = {});

}  // namespace jgl

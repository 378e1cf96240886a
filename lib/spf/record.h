// spf/record.h: an SPF record, parsed (RFC 7208 sections 4.5, 4.6, 5, 6).
//
// Which TXT strings are SPF records: those that start with "v=spf1"
// (case-insensitive) followed by a space or nothing. A record parses into
// its mechanisms in order, each with its qualifier, and the two modifiers
// that mean something (redirect=, exp=); other modifiers are checked for
// syntax and ignored. Any syntax error anywhere, an unknown mechanism, or
// redirect= or exp= twice makes the whole record an error (permerror):
// nothing of it is evaluated. Domain-specs are kept unexpanded, checked.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "lib/base/error.h"
#include "lib/net/prefix.h"
#include "lib/spf/result.h"

namespace jgl {

enum class MechanismKind { all, include, a, mx, ptr, ip4, ip6, exists };

struct Mechanism {
  SpfResult qualifier = SpfResult::pass;  // pass, fail, softfail or neutral
  MechanismKind kind = MechanismKind::all;
  std::string domain_spec;  // include, a, mx, ptr, exists; empty: the current domain
  int cidr4 = 32;           // a, mx
  int cidr6 = 128;
  Prefix network;           // ip4, ip6
  std::string text;         // as written, for the trace

  // Whether evaluating it asks DNS: counted against the limit of 10.
  bool asks_dns() const;
};

struct SpfRecord {
  std::vector<Mechanism> mechanisms;
  std::optional<std::string> redirect;
  std::optional<std::string> explanation;  // exp=

  bool has_all() const;
};

bool is_spf_record(std::string_view text);

Result<SpfRecord> parse_record(std::string_view text);

}  // namespace jgl

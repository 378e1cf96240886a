// spf/walk.cc: a depth-first walk over include: and redirect=, one domain
// at a time, stopping at the first error.
#include "lib/spf/walk.h"

#include <algorithm>
#include <optional>
#include <set>

#include "lib/base/error.h"
#include "lib/base/printable.h"
#include "lib/net/prefix_set.h"
#include "lib/spf/domain.h"
#include "lib/spf/record.h"

namespace jgl {
namespace {

constexpr std::size_t kMaxMxHosts = 10;  // RFC 7208 section 4.6.4
constexpr std::size_t kShownMax = 200;

bool has_macro(std::string_view spec) { return spec.find('%') != std::string_view::npos; }

template <typename T>
std::string trouble(const char* type, const std::string& name, const DnsAnswer<T>& answer) {
  std::string why = std::string(type) + " " + name + ": " + status_name(answer.status);
  return answer.detail.empty() ? why : why + " (" + answer.detail + ")";
}

class Walk {
 public:
  Walk(DnsSource& dns, const WalkLimits& limits, const std::function<void()>& new_step, DomainWalk& out)
      : dns_(dns), limits_(limits), new_step_(new_step), out_(out) {}

  Result<void> domain(const std::string& name, const std::string& via);
  std::vector<Prefix> ranges() { return disjoint_prefixes(std::move(ranges_)); }

 private:
  Result<std::optional<SpfRecord>> fetch(const std::string& name, const std::string& via);
  Result<void> record(const std::string& name, const SpfRecord& record);
  Result<void> term(const std::string& name, const Mechanism& m);
  Result<void> addresses(const std::string& host, const Mechanism& m);
  Result<void> mx_hosts(const std::string& name, const Mechanism& m);
  Result<void> asked();
  void add(const Prefix& range, const std::string& from);
  void note(std::string text) { out_.notes.push_back(shown_value(text, kShownMax)); }

  DnsSource& dns_;
  const WalkLimits& limits_;
  const std::function<void()>& new_step_;
  DomainWalk& out_;
  std::set<std::string> seen_;
  std::vector<std::string> path_;  // the domains being walked, outermost first
  std::vector<Prefix> ranges_;
};

// One more DNS question, within the limit.
Result<void> Walk::asked() {
  if (++out_.questions > limits_.max_questions) {
    return fail("more than " + std::to_string(limits_.max_questions) + " DNS questions");
  }
  return {};
}

Result<void> Walk::domain(const std::string& name, const std::string& via) {
  std::string key = lowercase(name);
  if (seen_.contains(key)) {
    for (const std::string& walking : path_) {
      if (walking == key) note("loop: " + via + " leads back to " + key + ", not walked again");
    }
    return {};
  }
  seen_.insert(key);
  if (++out_.domains_visited > limits_.max_domains) {
    return fail("more than " + std::to_string(limits_.max_domains) + " domains to walk");
  }
  auto parsed = fetch(key, via);
  if (!parsed) return std::unexpected(parsed.error());
  if (!*parsed) {
    // The listed domain's own answer, not a failure: it publishes nothing
    // (any more), so it authorises nothing. Below it, RFC 7208's permerror.
    if (!path_.empty()) return fail(via + ": " + key + " has no SPF record");
    note(key + " has no SPF record: no ranges");
    return {};
  }
  path_.push_back(key);
  auto walked = record(key, **parsed);
  path_.pop_back();
  return walked;
}

// The one SPF record of `name`; nullopt when it has none (NXDOMAIN, or no
// TXT record that is one).
Result<std::optional<SpfRecord>> Walk::fetch(const std::string& name, const std::string& via) {
  std::string where = via == name ? "" : via + ": ";
  if (!is_valid_domain(name)) return fail(where + name + " is not a domain name");
  if (new_step_) new_step_();
  if (auto ok = asked(); !ok) return std::unexpected(ok.error());
  DnsAnswer<std::string> answer = dns_.txt(name);
  if (answer.is_error()) return fail_temporary(where + trouble("TXT", name, answer));
  std::vector<std::string> records;
  for (const std::string& text : answer.records) {
    if (is_spf_record(text)) records.push_back(text);
  }
  if (records.empty()) return std::nullopt;
  if (records.size() > 1) return fail(where + name + " has more than one SPF record");
  if (path_.empty()) out_.record = shown_value(records[0], 4096);
  auto parsed = parse_record(records[0]);
  if (!parsed) return fail(name + ": " + parsed.error().message);
  return std::optional<SpfRecord>(std::move(*parsed));
}

Result<void> Walk::record(const std::string& name, const SpfRecord& record) {
  for (const Mechanism& m : record.mechanisms) {
    if (auto ok = term(name, m); !ok) return ok;
  }
  if (!record.redirect || record.has_all()) return {};
  if (has_macro(*record.redirect)) {
    note(name + ": redirect=" + *record.redirect + " skipped: a macro needs a client");
    return {};
  }
  return domain(query_name(*record.redirect), name + ": redirect=" + *record.redirect);
}

Result<void> Walk::term(const std::string& name, const Mechanism& m) {
  if (m.kind == MechanismKind::all) return {};
  if (m.qualifier != SpfResult::pass) {
    note(name + ": " + m.text + " skipped: it authorises nothing");
    return {};
  }
  switch (m.kind) {
    case MechanismKind::ip4:
    case MechanismKind::ip6: add(m.network, name + ": " + m.text); return {};
    case MechanismKind::ptr:
    case MechanismKind::exists: note(name + ": " + m.text + " skipped: it needs a client"); return {};
    default: break;
  }
  if (has_macro(m.domain_spec)) {
    note(name + ": " + m.text + " skipped: a macro needs a client");
    return {};
  }
  std::string target = m.domain_spec.empty() ? name : query_name(m.domain_spec);
  if (m.kind == MechanismKind::include) return domain(target, name + ": " + m.text);
  if (m.kind == MechanismKind::a) return addresses(target, m);
  return mx_hosts(target, m);
}

// The host's A and AAAA records, as prefixes of the mechanism's lengths.
Result<void> Walk::addresses(const std::string& host, const Mechanism& m) {
  for (bool v4 : {true, false}) {
    if (auto ok = asked(); !ok) return ok;
    DnsAnswer<Address> answer = v4 ? dns_.a(host) : dns_.aaaa(host);
    if (answer.is_error()) return fail_temporary(trouble(v4 ? "A" : "AAAA", host, answer));
    for (const Address& address : answer.records) {
      add(Prefix(address, address.is_v4() ? m.cidr4 : m.cidr6), m.text + " (" + host + ")");
    }
  }
  return {};
}

Result<void> Walk::mx_hosts(const std::string& name, const Mechanism& m) {
  if (auto ok = asked(); !ok) return ok;
  DnsAnswer<MxRecord> answer = dns_.mx(name);
  if (answer.is_error()) return fail_temporary(trouble("MX", name, answer));
  if (answer.records.size() > kMaxMxHosts) {
    note(name + ": " + m.text + ": only the first 10 of " + std::to_string(answer.records.size()) + " MX hosts");
  }
  std::size_t count = std::min(answer.records.size(), kMaxMxHosts);
  for (std::size_t i = 0; i < count; ++i) {
    if (answer.records[i].exchange.empty()) continue;  // a null MX (RFC 7505): no host
    if (auto ok = addresses(answer.records[i].exchange, m); !ok) return ok;
  }
  return {};
}

void Walk::add(const Prefix& range, const std::string& from) {
  int widest = range.family() == Family::v4 ? limits_.widest4 : limits_.widest6;
  if (range.length() < widest) {
    note(from + ": " + std::string(range.format().view()) + " dropped: wider than /" + std::to_string(widest));
    return;
  }
  ranges_.push_back(range);
}

}  // namespace

DomainWalk walk_domain(DnsSource& dns, std::string_view domain, const WalkLimits& limits,
                       const std::function<void()>& new_step) {
  DomainWalk out;
  out.domain = query_name(lowercase(domain));
  Walk walk(dns, limits, new_step, out);
  auto walked = walk.domain(out.domain, out.domain);
  if (!walked) {
    out.reason = walked.error().message;
    out.temporary = walked.error().temporary;
    return out;
  }
  out.ok = true;
  out.ranges = walk.ranges();
  return out;
}

}  // namespace jgl

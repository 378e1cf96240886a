// spf/check_host.cc: RFC 7208 sections 4 to 6, over a DnsSource.
#include "lib/spf/check_host.h"

#include <optional>

#include "lib/spf/domain.h"
#include "lib/spf/macro.h"
#include "lib/spf/record.h"

namespace jgl {

namespace {

constexpr int kMaxDnsTerms = 10;  // section 4.6.4
constexpr int kMaxVoidLookups = 2;
constexpr std::size_t kMaxMxNames = 10;
constexpr std::size_t kMaxPtrNames = 10;

enum class Match { no, yes, temperror, permerror };

std::string text_of(const std::string& s) { return "\"" + s + "\""; }
std::string text_of(const Address& a) { return std::string(a.format().view()); }
std::string text_of(const MxRecord& m) { return std::to_string(m.preference) + " " + m.exchange; }

template <typename T>
std::string outcome_of(const DnsAnswer<T>& answer) {
  if (!answer.found()) {
    std::string outcome = status_name(answer.status);
    return answer.detail.empty() ? outcome : outcome + " (" + answer.detail + ")";
  }
  std::string records;
  for (const T& record : answer.records) records += (records.empty() ? "" : ", ") + text_of(record);
  return "found: " + records;
}

bool within(const Address& candidate, const Address& client, int length) {
  return candidate.family() == client.family() && candidate.masked(length) == client.masked(length);
}

// A name equal to `domain` or under it, compared without case.
bool is_at_or_under(const std::string& name, const std::string& domain) {
  std::string n = lowercase(name), d = lowercase(domain);
  return n == d || (n.size() > d.size() && n.ends_with(d) && n[n.size() - d.size() - 1] == '.');
}

class Evaluation {
 public:
  Evaluation(DnsSource& dns, const Address& client, std::string_view sender, std::string_view helo);
  Evaluation(const Evaluation&) = delete;  // %{p} calls back into this one
  Evaluation& operator=(const Evaluation&) = delete;
  SpfResult run(const std::string& domain);
  SpfVerdict verdict(SpfResult result) { return {result, std::move(reasons_), std::move(lookups_)}; }

 private:
  SpfResult evaluate(const std::string& domain, const SpfRecord& record);
  SpfResult select_and_parse(const std::string& domain, std::optional<SpfRecord>& record);
  SpfResult redirect(const std::string& domain, const SpfRecord& record);
  Match mechanism(const Mechanism& m, const std::string& domain);
  Match a_match(const std::string& name, const Mechanism& m);
  Match mx_match(const std::string& name, const Mechanism& m);
  Match ptr_match(const std::string& name);
  Match exists_match(const std::string& name);
  Match include_match(const std::string& name, const std::string& domain, const Mechanism& m);
  std::optional<std::string> target(const std::string& spec, const std::string& domain);
  bool void_over_limit();
  Match problem(Match kind, std::string why);
  SpfResult problem(SpfResult result, std::string why);
  const std::vector<std::string>& validated_names();
  std::string validated_name();
  DnsAnswer<Address> addresses(const std::string& name);
  template <typename T>
  DnsAnswer<T> traced(const char* type, const std::string& name, DnsAnswer<T> answer);

  DnsSource& dns_;
  Address client_;
  MacroValues values_;
  int dns_terms_ = 0;
  int void_lookups_ = 0;
  std::optional<std::vector<std::string>> validated_;
  std::vector<std::string> reasons_;
  std::vector<SpfLookup> lookups_;
};

Evaluation::Evaluation(DnsSource& dns, const Address& client, std::string_view sender, std::string_view helo)
    : dns_(dns), client_(client) {
  std::size_t at = sender.rfind('@');
  std::string_view local = at == std::string_view::npos ? "" : sender.substr(0, at);
  values_.local_part = local.empty() ? "postmaster" : std::string(local);
  values_.sender_domain = std::string(at == std::string_view::npos ? sender : sender.substr(at + 1));
  values_.sender = values_.local_part + "@" + values_.sender_domain;
  values_.client = client;
  values_.helo = helo.empty() ? "unknown" : std::string(helo);
  values_.validated_name = [this] { return validated_name(); };
}

// %{p}: a validated name, the domain itself or one under it if there is one.
std::string Evaluation::validated_name() {
  const auto& names = validated_names();
  for (const std::string& name : names) {
    if (lowercase(name) == lowercase(values_.domain)) return name;
  }
  for (const std::string& name : names) {
    if (is_at_or_under(name, values_.domain)) return name;
  }
  return names.empty() ? "unknown" : names.front();
}

template <typename T>
DnsAnswer<T> Evaluation::traced(const char* type, const std::string& name, DnsAnswer<T> answer) {
  lookups_.push_back(SpfLookup{type, name, outcome_of(answer)});
  return answer;
}

DnsAnswer<Address> Evaluation::addresses(const std::string& name) {
  return client_.is_v4() ? traced("A", name, dns_.a(name)) : traced("AAAA", name, dns_.aaaa(name));
}

Match Evaluation::problem(Match kind, std::string why) {
  reasons_.push_back(std::move(why));
  return kind;
}

SpfResult Evaluation::problem(SpfResult result, std::string why) {
  reasons_.push_back(std::move(why));
  return result;
}

bool Evaluation::void_over_limit() { return ++void_lookups_ > kMaxVoidLookups; }

SpfResult Evaluation::run(const std::string& domain) {
  if (!is_valid_domain(domain)) return problem(SpfResult::none, "'" + domain + "' is not a valid domain");
  std::optional<SpfRecord> record;
  SpfResult found = select_and_parse(query_name(domain), record);
  if (!record) return found;
  return evaluate(query_name(domain), *record);
}

// Section 4.5: exactly one "v=spf1" record among the TXT records.
SpfResult Evaluation::select_and_parse(const std::string& domain, std::optional<SpfRecord>& record) {
  auto answer = traced("TXT", domain, dns_.txt(domain));
  if (answer.is_error()) return problem(SpfResult::temperror, domain + ": TXT lookup " + outcome_of(answer));
  const std::string* chosen = nullptr;
  for (const std::string& text : answer.records) {
    if (!is_spf_record(text)) continue;
    if (chosen) return problem(SpfResult::permerror, domain + ": more than one SPF record");
    chosen = &text;
  }
  if (!chosen) return problem(SpfResult::none, domain + ": no SPF record");
  auto parsed = parse_record(*chosen);
  if (!parsed) return problem(SpfResult::permerror, domain + ": " + parsed.error().message);
  record = std::move(*parsed);
  return SpfResult::none;
}

SpfResult Evaluation::evaluate(const std::string& domain, const SpfRecord& record) {
  for (const Mechanism& m : record.mechanisms) {
    if (m.asks_dns() && ++dns_terms_ > kMaxDnsTerms) {
      return problem(SpfResult::permerror, domain + ": more than 10 DNS lookups at '" + m.text + "'");
    }
    std::size_t mark = reasons_.size();
    switch (mechanism(m, domain)) {
      case Match::no: reasons_.resize(mark); continue;
      case Match::yes:
        reasons_.insert(reasons_.begin() + static_cast<long>(mark), domain + ": " + m.text);
        return m.qualifier;
      case Match::temperror: return SpfResult::temperror;
      case Match::permerror: return SpfResult::permerror;
    }
  }
  if (record.redirect && !record.has_all()) return redirect(domain, record);
  return problem(SpfResult::neutral, domain + ": no mechanism matched (neutral by default)");
}

// Section 6.1: the redirect's domain's result, but "none" there is an error.
SpfResult Evaluation::redirect(const std::string& domain, const SpfRecord& record) {
  std::string term = "redirect=" + *record.redirect;
  if (++dns_terms_ > kMaxDnsTerms) {
    return problem(SpfResult::permerror, domain + ": more than 10 DNS lookups at '" + term + "'");
  }
  auto name = target(*record.redirect, domain);
  if (!name) return SpfResult::permerror;
  reasons_.push_back(domain + ": " + term);
  SpfResult result = run(*name);
  if (result == SpfResult::none) return problem(SpfResult::permerror, *name + ": redirect= to a domain without SPF");
  return result;
}

std::optional<std::string> Evaluation::target(const std::string& spec, const std::string& domain) {
  if (spec.empty()) return domain;
  values_.domain = domain;
  auto name = expand_macro_string(spec, values_);
  if (!name) {
    problem(SpfResult::permerror, domain + ": " + name.error().message);
    return std::nullopt;
  }
  return query_name(*name);
}

Match Evaluation::mechanism(const Mechanism& m, const std::string& domain) {
  if (m.kind == MechanismKind::all) return Match::yes;
  if (m.kind == MechanismKind::ip4 || m.kind == MechanismKind::ip6) {
    return within(client_, m.network.address(), m.network.length()) ? Match::yes : Match::no;
  }
  auto name = target(m.domain_spec, domain);
  if (!name) return Match::permerror;
  // A name DNS cannot carry (an empty label, one over 63 bytes) is never
  // asked: it has no addresses (an include: of it is "none", below).
  if (m.kind != MechanismKind::include && !is_valid_domain(*name)) return Match::no;
  switch (m.kind) {
    case MechanismKind::a: return a_match(*name, m);
    case MechanismKind::mx: return mx_match(*name, m);
    case MechanismKind::ptr: return ptr_match(*name);
    case MechanismKind::exists: return exists_match(*name);
    case MechanismKind::include: return include_match(*name, domain, m);
    default: return Match::no;
  }
}

Match Evaluation::a_match(const std::string& name, const Mechanism& m) {
  auto answer = addresses(name);
  if (answer.is_error()) return problem(Match::temperror, name + ": address lookup " + outcome_of(answer));
  if (answer.is_void() && void_over_limit()) return problem(Match::permerror, name + ": more than 2 void lookups");
  int length = client_.is_v4() ? m.cidr4 : m.cidr6;
  for (const Address& address : answer.records) {
    if (within(address, client_, length)) return Match::yes;
  }
  return Match::no;
}

Match Evaluation::mx_match(const std::string& name, const Mechanism& m) {
  auto answer = traced("MX", name, dns_.mx(name));
  if (answer.is_error()) return problem(Match::temperror, name + ": MX lookup " + outcome_of(answer));
  if (answer.is_void() && void_over_limit()) return problem(Match::permerror, name + ": more than 2 void lookups");
  if (answer.records.size() > kMaxMxNames) return problem(Match::permerror, name + ": more than 10 MX names");
  int length = client_.is_v4() ? m.cidr4 : m.cidr6;
  for (const MxRecord& mx : answer.records) {
    if (mx.exchange.empty()) continue;  // a null MX (RFC 7505) has no address
    auto hosts = addresses(mx.exchange);
    if (hosts.is_error()) return problem(Match::temperror, mx.exchange + ": address lookup " + outcome_of(hosts));
    for (const Address& address : hosts.records) {
      if (within(address, client_, length)) return Match::yes;
    }
  }
  return Match::no;
}

// Section 5.5: the client's PTR names whose addresses include the client;
// DNS errors here skip a name, never fail the evaluation.
const std::vector<std::string>& Evaluation::validated_names() {
  if (validated_) return *validated_;
  validated_.emplace();
  auto answer = traced("PTR", text_of(client_), dns_.ptr(client_));
  if (answer.is_void()) void_over_limit();
  for (std::size_t i = 0; i < answer.records.size() && i < kMaxPtrNames; ++i) {
    auto hosts = addresses(answer.records[i]);
    for (const Address& address : hosts.records) {
      if (address == client_) {
        validated_->push_back(answer.records[i]);
        break;
      }
    }
  }
  return *validated_;
}

Match Evaluation::ptr_match(const std::string& name) {
  bool was_counted = validated_.has_value();
  const auto& names = validated_names();
  if (!was_counted && void_lookups_ > kMaxVoidLookups) return problem(Match::permerror, "more than 2 void lookups");
  for (const std::string& validated : names) {
    if (is_at_or_under(validated, name)) return Match::yes;
  }
  return Match::no;
}

Match Evaluation::exists_match(const std::string& name) {
  auto answer = traced("A", name, dns_.a(name));
  if (answer.is_error()) return problem(Match::temperror, name + ": A lookup " + outcome_of(answer));
  if (answer.is_void() && void_over_limit()) return problem(Match::permerror, name + ": more than 2 void lookups");
  return answer.found() ? Match::yes : Match::no;
}

// Section 5.2: the included domain's pass matches; fail, softfail and
// neutral do not; temperror stays; permerror and none are permerror.
Match Evaluation::include_match(const std::string& name, const std::string& domain, const Mechanism& m) {
  switch (run(name)) {
    case SpfResult::pass: return Match::yes;
    case SpfResult::fail:
    case SpfResult::softfail:
    case SpfResult::neutral: return Match::no;
    case SpfResult::temperror: return Match::temperror;
    case SpfResult::none:
      return problem(Match::permerror, domain + ": '" + m.text + "' names a domain without SPF");
    case SpfResult::permerror: return Match::permerror;
  }
  return Match::permerror;
}

}  // namespace

SpfVerdict check_host(DnsSource& dns, const Address& client, std::string_view domain, std::string_view sender,
                      std::string_view helo) {
  Evaluation evaluation(dns, client, sender, helo);
  SpfResult result = evaluation.run(std::string(domain));
  return evaluation.verdict(result);
}

SpfVerdict check_sender(DnsSource& dns, const Address& client, std::string_view sender, std::string_view helo) {
  std::string identity = sender.empty() ? "postmaster@" + std::string(helo) : std::string(sender);
  std::size_t at = identity.rfind('@');
  std::string domain = at == std::string::npos ? identity : identity.substr(at + 1);
  return check_host(dns, client, domain, identity, helo);
}

}  // namespace jgl

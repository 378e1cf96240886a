// spf/walk.cc: the walk of every listed domain at once, each answer asking
// the questions its record's terms lead to.
#include "lib/spf/walk.h"

#include <algorithm>
#include <memory>
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

// Where a note or a failure arose in a depth-first walk: the index of each
// term followed from the listed domain's record down, then of the question
// within the term. Sorting by it gives the depth-first order.
using Position = std::vector<int>;

Position at(const Position& base, std::initializer_list<int> more) {
  Position p = base;
  p.insert(p.end(), more);
  return p;
}

// A domain to walk: its name, how it was reached, the domains on its path
// from the listed one (outermost first), and its position.
struct Step {
  std::string name;
  std::string via;
  std::vector<std::string> path;
  Position position;
};

// The walk of one listed domain. Its questions are asked through `dns`
// and answered while DnsSource::run_asked() runs, for every listed domain
// together; finish() then gives the result.
class Walk {
 public:
  Walk(DnsSource& dns, const WalkLimits& limits, std::string_view listed) : dns_(dns), limits_(limits) {
    out_.domain = query_name(lowercase(listed));
  }

  void start() { visit(Step{out_.domain, out_.domain, {}, {}}); }
  DomainWalk finish();

 private:
  void visit(Step step);
  void record(const Step& step, const DnsAnswer<std::string>& answer);
  void term(const Step& step, int index, const Mechanism& m);
  void addresses(const Position& position, const std::string& host, const Mechanism& m);
  void mx_hosts(const Position& position, const std::string& name, const Mechanism& m);
  bool asked(const Position& position);
  void add(const Position& position, const Prefix& range, const std::string& from);
  void note(const Position& position, std::string text) {
    notes_.push_back({position, shown_value(text, kShownMax)});
  }
  void failed(const Position& position, std::string why, bool temporary) {
    failures_.push_back({position, Error{.message = std::move(why), .temporary = temporary}});
  }

  DnsSource& dns_;
  const WalkLimits& limits_;
  DomainWalk out_;
  std::set<std::string> seen_;
  std::vector<Prefix> ranges_;
  std::vector<std::pair<Position, std::string>> notes_;
  std::vector<std::pair<Position, Error>> failures_;
};

// One more DNS question, within the limit; false (failed) past it, and
// after any failure: a failed walk asks nothing more.
bool Walk::asked(const Position& position) {
  if (!failures_.empty()) return false;
  if (++out_.questions > limits_.max_questions) {
    failed(position, "more than " + std::to_string(limits_.max_questions) + " DNS questions", false);
    return false;
  }
  return true;
}

void Walk::visit(Step step) {
  if (!failures_.empty()) return;
  std::string key = lowercase(step.name);
  if (seen_.contains(key)) {
    if (std::find(step.path.begin(), step.path.end(), key) != step.path.end()) {
      note(step.position, "loop: " + step.via + " leads back to " + key + ", not walked again");
    }
    return;
  }
  seen_.insert(key);
  if (++out_.domains_visited > limits_.max_domains) {
    failed(step.position, "more than " + std::to_string(limits_.max_domains) + " domains to walk", false);
    return;
  }
  std::string where = step.via == key ? "" : step.via + ": ";
  if (!is_valid_domain(key)) return failed(step.position, where + key + " is not a domain name", false);
  if (!asked(step.position)) return;
  step.name = key;
  auto shared = std::make_shared<Step>(std::move(step));
  dns_.ask_txt(key, [this, shared](const DnsAnswer<std::string>& answer) { record(*shared, answer); });
}

// The TXT answer of a step's domain: its one SPF record, walked.
void Walk::record(const Step& step, const DnsAnswer<std::string>& answer) {
  if (!failures_.empty()) return;
  const std::string& name = step.name;
  std::string where = step.via == name ? "" : step.via + ": ";
  if (answer.is_error()) return failed(step.position, where + trouble("TXT", name, answer), true);
  std::vector<std::string> records;
  for (const std::string& text : answer.records) {
    if (is_spf_record(text)) records.push_back(text);
  }
  if (records.empty()) {
    // The listed domain's own answer, not a failure: it publishes nothing
    // (any more), so it authorises nothing. Below it, RFC 7208's permerror.
    if (!step.path.empty()) return failed(step.position, step.via + ": " + name + " has no SPF record", false);
    return note(step.position, name + " has no SPF record: no ranges");
  }
  if (records.size() > 1) return failed(step.position, where + name + " has more than one SPF record", false);
  if (step.path.empty()) out_.record = shown_value(records[0], 4096);
  auto parsed = parse_record(records[0]);
  if (!parsed) return failed(step.position, name + ": " + parsed.error().message, false);
  const SpfRecord& spf = *parsed;
  int index = 0;
  for (const Mechanism& m : spf.mechanisms) term(step, index++, m);
  if (!spf.redirect || spf.has_all()) return;
  Position here = at(step.position, {index});
  if (has_macro(*spf.redirect)) return note(here, name + ": redirect=" + *spf.redirect + " skipped: a macro needs a client");
  Step next{query_name(*spf.redirect), name + ": redirect=" + *spf.redirect, step.path, here};
  next.path.push_back(name);
  visit(std::move(next));
}

void Walk::term(const Step& step, int index, const Mechanism& m) {
  const std::string& name = step.name;
  Position here = at(step.position, {index});
  if (m.kind == MechanismKind::all) return;
  if (m.qualifier != SpfResult::pass) return note(here, name + ": " + m.text + " skipped: it authorises nothing");
  switch (m.kind) {
    case MechanismKind::ip4:
    case MechanismKind::ip6: return add(here, m.network, name + ": " + m.text);
    case MechanismKind::ptr:
    case MechanismKind::exists: return note(here, name + ": " + m.text + " skipped: it needs a client");
    default: break;
  }
  if (has_macro(m.domain_spec)) return note(here, name + ": " + m.text + " skipped: a macro needs a client");
  std::string target = m.domain_spec.empty() ? name : query_name(m.domain_spec);
  if (m.kind == MechanismKind::include) {
    Step next{target, name + ": " + m.text, step.path, here};
    next.path.push_back(name);
    return visit(std::move(next));
  }
  if (m.kind == MechanismKind::a) return addresses(here, target, m);
  mx_hosts(here, target, m);
}

// The host's A and AAAA records, as prefixes of the mechanism's lengths.
void Walk::addresses(const Position& position, const std::string& host, const Mechanism& m) {
  for (bool v4 : {true, false}) {
    Position here = at(position, {v4 ? 0 : 1});
    if (!asked(here)) return;
    auto then = [this, here, host, m, v4](const DnsAnswer<Address>& answer) {
      if (!failures_.empty()) return;
      if (answer.is_error()) return failed(here, trouble(v4 ? "A" : "AAAA", host, answer), true);
      for (const Address& address : answer.records) {
        add(here, Prefix(address, address.is_v4() ? m.cidr4 : m.cidr6), m.text + " (" + host + ")");
      }
    };
    if (v4) {
      dns_.ask_a(host, then);
    } else {
      dns_.ask_aaaa(host, then);
    }
  }
}

void Walk::mx_hosts(const Position& position, const std::string& name, const Mechanism& m) {
  if (!asked(position)) return;
  dns_.ask_mx(name, [this, position, name, m](const DnsAnswer<MxRecord>& answer) {
    if (!failures_.empty()) return;
    if (answer.is_error()) return failed(position, trouble("MX", name, answer), true);
    if (answer.records.size() > kMaxMxHosts) {
      note(position, name + ": " + m.text + ": only the first 10 of " + std::to_string(answer.records.size()) +
                         " MX hosts");
    }
    std::size_t count = std::min(answer.records.size(), kMaxMxHosts);
    for (std::size_t i = 0; i < count; ++i) {
      if (answer.records[i].exchange.empty()) continue;  // a null MX (RFC 7505): no host
      addresses(at(position, {static_cast<int>(i)}), answer.records[i].exchange, m);
    }
  });
}

void Walk::add(const Position& position, const Prefix& range, const std::string& from) {
  int widest = range.family() == Family::v4 ? limits_.widest4 : limits_.widest6;
  if (range.length() < widest) {
    note(position, from + ": " + std::string(range.format().view()) + " dropped: wider than /" +
                       std::to_string(widest));
    return;
  }
  ranges_.push_back(range);
}

DomainWalk Walk::finish() {
  auto by_position = [](const auto& x, const auto& y) { return x.first < y.first; };
  std::stable_sort(notes_.begin(), notes_.end(), by_position);
  for (auto& [position, text] : notes_) out_.notes.push_back(std::move(text));
  if (!failures_.empty()) {
    const Error& first = std::min_element(failures_.begin(), failures_.end(), by_position)->second;
    out_.reason = first.message;
    out_.temporary = first.temporary;
    return std::move(out_);
  }
  out_.ok = true;
  out_.ranges = disjoint_prefixes(std::move(ranges_));
  return std::move(out_);
}

}  // namespace

std::vector<DomainWalk> walk_domains(DnsSource& dns, const std::vector<std::string>& domains,
                                     const WalkLimits& limits) {
  std::vector<std::unique_ptr<Walk>> walks;
  for (const std::string& domain : domains) walks.push_back(std::make_unique<Walk>(dns, limits, domain));
  for (auto& walk : walks) walk->start();
  dns.run_asked();
  std::vector<DomainWalk> out;
  for (auto& walk : walks) out.push_back(walk->finish());
  return out;
}

DomainWalk walk_domain(DnsSource& dns, std::string_view domain, const WalkLimits& limits) {
  return std::move(walk_domains(dns, {std::string(domain)}, limits).front());
}

}  // namespace jgl

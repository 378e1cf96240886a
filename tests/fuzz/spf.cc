// spf.cc (fuzz target): SPF records parsed, and check_host() evaluated over
// DNS answered from memory (lib/spf/record.h, lib/spf/check_host.h).
//
// The input is a small zone and a message, one item a line:
//
//   client 192.0.2.1            the connecting address (default 192.0.2.1)
//   sender user@example.com     MAIL FROM (default user@example.com; empty: a bounce)
//   helo mx.example.org         the HELO name (default mx.example.org)
//   txt NAME TEXT...            a TXT record (TEXT to the end of the line)
//   a NAME ADDRESS              an A or AAAA record, by the address's family
//   mx NAME PREFERENCE HOST     an MX record
//   ptr ADDRESS|REVERSE NAME    a PTR record, under the address's reverse name
//   timeout NAME                every question about NAME times out
//   servfail NAME               every question about NAME fails
//
// Other lines are ignored. Properties, beyond not crashing or hanging:
//   - a record that parses reads back: its mechanisms' texts and its
//     redirect= and exp=, written as a record again, parse to the same;
//   - every DNS question of the evaluation is in its trace, and RFC 7208's
//     limits (10 terms that ask DNS, 10 MX or PTR names each) bound their
//     number whatever the zone: 1 + 10 x 11 + 11;
//   - a domain with no TXT record at all is "none", one whose TXT question
//     times out "temperror", before anything else.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "lib/dns/reverse.h"
#include "lib/spf/check_host.h"
#include "lib/spf/domain.h"
#include "lib/spf/record.h"
#include "tests/unit/memory_dns.h"

namespace {

constexpr int kMaxQuestions = 1 + 10 * 11 + 11;

[[noreturn]] void failed(const char* what, std::string_view input, std::string_view detail = {}) {
  std::fprintf(stderr, "FAILED: %s\n  input: '%.*s'\n  detail: '%.*s'\n", what, static_cast<int>(input.size()),
               input.data(), static_cast<int>(detail.size()), detail.data());
  std::abort();
}

struct Message {
  jgl::Address client = *jgl::Address::parse("192.0.2.1");
  std::string sender = "user@example.com";
  std::string helo = "mx.example.org";
};

// The first word of `rest`, which then starts after it and its space.
std::string_view word(std::string_view& rest) {
  std::size_t space = rest.find(' ');
  std::string_view w = rest.substr(0, space);
  rest.remove_prefix(space == std::string_view::npos ? rest.size() : space + 1);
  return w;
}

void add_line(std::string_view line, jgl_test::MemoryDns& dns, Message& m) {
  std::string_view rest = line;
  std::string type = jgl::lowercase(word(rest));
  if (type == "sender") {
    m.sender = std::string(rest);
  } else if (type == "helo") {
    m.helo = std::string(rest);
  } else if (type == "client") {
    if (auto address = jgl::Address::parse(rest)) m.client = *address;
  } else if (type == "txt") {
    std::string name(word(rest));
    dns.txt_record(name, std::string(rest));
  } else if (type == "a") {
    std::string name(word(rest));
    auto address = jgl::Address::parse(rest);
    if (address) (address->is_v4() ? dns.as : dns.aaaas)[jgl::lowercase(name)].push_back(*address);
  } else if (type == "mx") {
    std::string name(word(rest));
    std::string_view preference = word(rest);
    int p = 0;
    for (char c : preference.substr(0, 5)) p = c >= '0' && c <= '9' ? p * 10 + (c - '0') : p;
    dns.mx_record(name, p, std::string(rest));
  } else if (type == "ptr") {
    std::string_view owner = word(rest);
    auto address = jgl::Address::parse(owner);
    dns.ptrs[address ? jgl::reverse_name(*address) : jgl::lowercase(owner)].emplace_back(rest);
  } else if (type == "timeout") {
    dns.timeouts.insert(jgl::lowercase(rest));
  } else if (type == "servfail") {
    dns.failures.insert(jgl::lowercase(rest));
  }
}

bool same_mechanism(const jgl::Mechanism& a, const jgl::Mechanism& b) {
  return a.qualifier == b.qualifier && a.kind == b.kind && a.domain_spec == b.domain_spec && a.cidr4 == b.cidr4 &&
         a.cidr6 == b.cidr6 && a.network == b.network && a.text == b.text;
}

void check_record(const std::string& text, std::string_view input) {
  auto record = jgl::parse_record(text);
  if (!record) {
    if (record.error().message.empty()) failed("a record refused without a reason", input, text);
    return;
  }
  std::string again = "v=spf1";
  for (const jgl::Mechanism& m : record->mechanisms) again += " " + m.text;
  if (record->redirect) again += " redirect=" + *record->redirect;
  if (record->explanation) again += " exp=" + *record->explanation;
  auto reparsed = jgl::parse_record(again);
  if (!reparsed) failed("a record's own terms do not parse", input, again + ": " + reparsed.error().message);
  bool same = reparsed->mechanisms.size() == record->mechanisms.size() && reparsed->redirect == record->redirect &&
              reparsed->explanation == record->explanation;
  for (std::size_t i = 0; same && i < record->mechanisms.size(); ++i) {
    same = same_mechanism(record->mechanisms[i], reparsed->mechanisms[i]);
  }
  if (!same) failed("a record's own terms parse to another record", input, text + " -> " + again);
}

void check_evaluation(jgl_test::MemoryDns& dns, const Message& m, std::string_view input) {
  std::string identity = m.sender.empty() ? "postmaster@" + m.helo : m.sender;
  std::string domain = identity.substr(identity.rfind('@') + 1);
  dns.questions = 0;
  jgl::SpfVerdict verdict = jgl::check_sender(dns, m.client, m.sender, m.helo);
  std::string result = jgl::result_name(verdict.result);
  if (static_cast<int>(verdict.lookups.size()) != dns.questions) {
    failed("a DNS question missing from the trace", input, std::to_string(dns.questions));
  }
  if (dns.questions > kMaxQuestions) failed("more DNS questions than the limits allow", input, std::to_string(dns.questions));
  for (const jgl::SpfLookup& lookup : verdict.lookups) {
    if (lookup.type.empty() || lookup.outcome.empty()) failed("a lookup traced without its type or outcome", input);
  }
  if (!jgl::is_valid_domain(domain)) {
    if (verdict.result != jgl::SpfResult::none || dns.questions != 0) failed("an invalid domain evaluated", input, result);
    return;
  }
  std::string key = jgl::lowercase(jgl::query_name(domain));
  if (dns.timeouts.count(key)) {
    if (verdict.result != jgl::SpfResult::temperror) failed("a TXT timeout that is not temperror", input, result);
  } else if (!dns.failures.count(key) && !dns.txts.count(key) && verdict.result != jgl::SpfResult::none) {
    failed("a domain without TXT records that is not none", input, result);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  jgl_test::MemoryDns dns;
  Message message;
  for (std::string_view rest = input; !rest.empty();) {
    std::size_t newline = rest.find('\n');
    add_line(rest.substr(0, newline), dns, message);
    rest.remove_prefix(newline == std::string_view::npos ? rest.size() : newline + 1);
  }
  for (const auto& [name, texts] : dns.txts) {
    for (const std::string& text : texts) {
      if (jgl::is_spf_record(text)) check_record(text, input);
    }
  }
  check_evaluation(dns, message, input);
  return 0;
}

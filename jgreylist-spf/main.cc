// jgreylist-spf: SPF (RFC 7208) from the command line.
//
//   check   check_host() for a client, a sender and a HELO name: the result
//           word on the first line of stdout, then why (the mechanism that
//           matched, or the limit or error met) and each DNS lookup made
//   walk    big senders' SPF records walked into a tcprules fragment
//           (lib/spf/walk.h), safe when DNS fails (lib/spf/whitelist.h)
//
// DNS: the system's resolver, or JGREYLIST_DNS / --dns HOST[:PORT]; the
// whole evaluation (check) or each walked domain (walk) within
// JGREYLIST_DNS_TIMEOUT milliseconds (lib/dns/settings.h). Exit 0 when
// evaluated or written; walk exits 1 when it wrote with some domains failed
// or when the shrink guard kept the old file; 111 with one line on stderr
// for a usage or local error. Verbs are one table (kVerbs): a new verb is
// its options, its run function and one row.
#include <CLI/CLI.hpp>
#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fmt/format.h>
#include <string>
#include <vector>

#include "lib/base/command_line.h"
#include "lib/base/diag.h"
#include "lib/base/exitcode.h"
#include "lib/base/number.h"
#include "lib/base/printable.h"
#include "lib/dns/cares_source.h"
#include "lib/dns/settings.h"
#include "lib/net/address.h"
#include "lib/rules/keys.h"
#include "lib/spf/check_host.h"
#include "lib/spf/walk.h"
#include "lib/spf/whitelist.h"

namespace {

using namespace jgl;

constexpr const char* kVersion = "jgreylist-spf 1.0";
constexpr std::size_t kShownMax = 512;

struct Options {
  std::string dns;                   // --dns
  std::string client, sender, helo;  // check
  std::vector<std::string> domains;  // walk
  std::string list, out;
  std::string widest4 = "/16", widest6 = "/32";  // --widest4, --widest6
  int max_shrink = 20;                             // --max-shrink, percent
  std::size_t max_keys = 100000;                   // --max-keys
};

[[noreturn]] void usage(std::string_view why) { die(kExitTemporary, "{} (see --help)", shown_value(why, kShownMax)); }

// The environment's settings, with --dns over JGREYLIST_DNS.
DnsSettings dns_settings(const Options& o) {
  auto settings = dns_settings_from_env();
  if (!settings) die(kExitTemporary, "{}", shown_value(settings.error().message, kShownMax));
  if (!o.dns.empty()) {
    auto server = parse_dns_server(o.dns);
    if (!server) usage("--dns: " + server.error().message);
    settings->server = *server;
  }
  return *settings;
}

// --- check -------------------------------------------------------------------

void check_options(CLI::App& cmd, Options& o) {
  cmd.add_option("--dns", o.dns, "the DNS server, HOST[:PORT] (default: $JGREYLIST_DNS, else the system's)");
  cmd.add_option("client", o.client, "the client's IP address")->required();
  cmd.add_option("sender", o.sender, "the MAIL FROM address; empty: postmaster@HELO")->required();
  cmd.add_option("helo", o.helo, "the HELO/EHLO name");
}

void print_verdict(const SpfVerdict& verdict) {
  fmt::print("{}\n", result_name(verdict.result));
  for (const std::string& reason : verdict.reasons) fmt::print("why: {}\n", shown_value(reason, kShownMax));
  for (const SpfLookup& l : verdict.lookups) {
    fmt::print("lookup: {} {}: {}\n", l.type, shown_value(l.name, kShownMax), shown_value(l.outcome, kShownMax));
  }
}

int check(const Options& o) {
  auto client = Address::parse(o.client);
  if (!client) usage("not an IP address: " + o.client);
  if (o.sender.empty() && o.helo.empty()) usage("an empty sender needs a HELO name");
  DnsSettings settings = dns_settings(o);
  auto dns = CaresSource::open(settings);
  if (!dns) die(kExitTemporary, "{}", shown_value(dns.error().message, kShownMax));
  print_verdict(check_sender(**dns, *client, o.sender, o.helo));
  return kExitOk;
}

// --- walk --------------------------------------------------------------------

void walk_options(CLI::App& cmd, Options& o) {
  cmd.add_option("--dns", o.dns, "the DNS server, HOST[:PORT] (default: $JGREYLIST_DNS, else the system's)");
  cmd.add_option("--list", o.list, "a file of domains, one a line, # comments");
  cmd.add_option("--out", o.out, "write here atomically, keeping a failed domain's previous ranges");
  cmd.add_option("--widest4", o.widest4, "refuse an IPv4 range wider than this prefix (default /16)");
  cmd.add_option("--widest6", o.widest6, "refuse an IPv6 range wider than this prefix (default /32)");
  cmd.add_option("--max-shrink", o.max_shrink, "keep the old --out file if more than this % of its ranges would go (20)")
      ->check(CLI::Range(0, 100));
  cmd.add_option("--max-keys", o.max_keys, "refuse an output expanding into more tcprules keys (100000)");
  cmd.add_option("domain", o.domains, "a domain whose SPF record to walk");
}

// The domains of the arguments, then of --list, each once.
std::vector<std::string> walk_domains(const Options& o) {
  std::vector<std::string> domains;
  for (const std::string& word : o.domains) {
    auto domain = listed_domain(word);
    if (!domain) usage(domain.error().message);
    domains.push_back(*domain);
  }
  if (!o.list.empty()) {
    auto listed = read_domain_list(o.list);
    if (!listed) die(kExitTemporary, "{}", shown_value(listed.error().message, kShownMax));
    domains.insert(domains.end(), listed->begin(), listed->end());
  }
  std::vector<std::string> once;
  for (const std::string& d : domains) {
    if (std::find(once.begin(), once.end(), d) == once.end()) once.push_back(d);
  }
  if (once.empty()) usage("walk needs a domain or --list FILE");
  return once;
}

// "/16" or "16": a prefix length up to `max`.
int widest_option(const char* name, std::string_view text, int max) {
  std::string_view digits = text.starts_with('/') ? text.substr(1) : text;
  auto length = parse_number(digits, 0, max);
  if (!length) usage(std::string(name) + " " + std::string(text) + ": a prefix length, /0 to /" + std::to_string(max));
  return static_cast<int>(*length);
}

std::vector<DomainWalk> walk_all(const Options& o, const std::vector<std::string>& domains) {
  DnsSettings settings = dns_settings(o);
  auto dns = CaresSource::open(settings);
  if (!dns) die(kExitTemporary, "{}", shown_value(dns.error().message, kShownMax));
  WalkLimits limits;
  limits.widest4 = widest_option("--widest4", o.widest4, 32);
  limits.widest6 = widest_option("--widest6", o.widest6, 128);
  // Each domain's record, and the a and mx of it, within one timeout.
  auto new_step = [&] { (*dns)->restart(settings.timeout_ms); };
  std::vector<DomainWalk> walks;
  for (const std::string& domain : domains) {
    walks.push_back(walk_domain(**dns, domain, limits, new_step));
    for (const std::string& note : walks.back().notes) warn("note: {}", note);
  }
  return walks;
}

// The tcprules keys the ranges expand into (lib/rules/keys.h).
std::size_t key_count(const std::vector<WhitelistSection>& sections) {
  std::size_t keys = 0;
  for (const WhitelistSection& s : sections) {
    for (const Prefix& range : s.ranges) {
      auto expanded = rule_keys(range.format().view());
      if (expanded) keys += expanded->size();
    }
  }
  return keys;
}

void write_fragment(const Options& o, const WhitelistUpdate& update) {
  if (o.out.empty()) {
    fmt::print("{}", format_whitelist(update.sections));
    return;
  }
  auto written = write_whitelist(o.out, update.sections);
  if (!written) die(kExitTemporary, "{}", shown_value(written.error().message, kShownMax));
}

int walk(const Options& o) {
  std::vector<std::string> domains = walk_domains(o);
  std::vector<WhitelistSection> previous;
  if (!o.out.empty()) {
    auto read = read_whitelist(o.out);
    if (!read) die(kExitTemporary, "{}, not replaced", shown_value(read.error().message, kShownMax));
    previous = std::move(*read);
  }
  WhitelistUpdate update = update_whitelist(walk_all(o, domains), previous, o.max_shrink);
  for (const std::string& k : update.kept) warn("walk failed, previous ranges kept: {}", k);
  for (const std::string& m : update.missing) warn("walk failed, no ranges: {}", m);
  if (update.refused && !o.out.empty()) {
    warn("{} left as it was: {} (--max-shrink 100 to write anyway)", o.out, *update.refused);
    return kExitTrouble;
  }
  std::size_t keys = key_count(update.sections);
  if (keys > o.max_keys) {
    warn("{} ranges expand into {} tcprules keys, more than --max-keys {}: {}", update.ranges, keys, o.max_keys,
         o.out.empty() ? "nothing written" : o.out + " left as it was");
    return kExitTrouble;
  }
  write_fragment(o, update);
  warn("{} ranges ({} tcprules keys) for {} of {} domains{}{}", update.ranges, keys, update.sections.size(),
       domains.size(), o.out.empty() ? "" : " written to ", o.out);
  return update.kept.empty() && update.missing.empty() ? kExitOk : kExitTrouble;
}

// --- main --------------------------------------------------------------------

struct Verb {
  const char* name;
  const char* help;
  void (*options)(CLI::App& cmd, Options& o);
  int (*run)(const Options& o);
};

constexpr Verb kVerbs[] = {
    {"check", "RFC 7208 check_host(): the result, why, and the DNS lookups made", check_options, check},
    {"walk", "big senders' SPF records walked into tcprules lines (RANGE:allow,JGREYLIST=\"\")", walk_options, walk},
};

int run(int argc, char** argv) {
  Options o;
  CLI::App app{"SPF (RFC 7208) for the jgreylist toolkit.", "jgreylist-spf"};
  app.set_version_flag("--version", kVersion);
  app.require_subcommand(1);
  app.footer("Exit: 0 evaluated or written; walk: 1 written with some domains failed, or the old --out kept by\n"
             "the shrink guard; 111 usage or local error.");
  auto commands = add_verbs(app, kVerbs, o);
  int answered = parse_command_line(app, argc, argv, [](const char* why) { usage(why); });
  if (answered >= 0) return answered;
  int code = chosen(kVerbs, commands).run(o);
  if (std::fflush(stdout) != 0 || std::ferror(stdout)) die(kExitTemporary, "cannot write the output: {}", std::strerror(errno));
  return code;
}

}  // namespace

int main(int argc, char** argv) {
  set_program("jgreylist-spf");
  try {
    return run(argc, argv);
  } catch (const std::exception& e) {
    die(kExitTemporary, "{}", e.what());
  }
}

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

constexpr const char* kVersion = "jgreylist-spf " JGL_VERSION;
constexpr std::size_t kShownMax = 512;

struct Options {
  std::string dns;                   // --dns
  std::vector<std::string> words;    // check: CLIENT SENDER [HELO]
  std::string file;                  // check --file
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
  cmd.add_option("--file", o.file, "evaluate each line CLIENT SENDER [HELO] of FILE (- for stdin); SENDER <> is empty");
  cmd.add_option("CLIENT SENDER [HELO]", o.words,
                 "the client's IP address, the MAIL FROM address (empty: postmaster@HELO), the HELO/EHLO name")
      ->type_name("");
}

void print_verdict(const SpfVerdict& verdict) {
  fmt::print("{}\n", result_name(verdict.result));
  for (const std::string& reason : verdict.reasons) fmt::print("why: {}\n", shown_value(reason, kShownMax));
  for (const SpfLookup& l : verdict.lookups) {
    fmt::print("lookup: {} {}: {}\n", l.type, shown_value(l.name, kShownMax), shown_value(l.outcome, kShownMax));
  }
}

// One case of --file: CLIENT SENDER [HELO], SENDER "<>" for the empty one.
struct Case {
  Address client;
  std::string sender, helo;
};

Result<Case> parse_case(std::string_view line) {
  std::vector<std::string_view> words;
  for (std::size_t at = 0; at < line.size();) {
    std::size_t start = line.find_first_not_of(" \t\r", at);
    if (start == std::string_view::npos) break;
    std::size_t end = std::min(line.find_first_of(" \t\r", start), line.size());
    words.push_back(line.substr(start, end - start));
    at = end;
  }
  if (words.size() < 2 || words.size() > 3) return fail("not CLIENT SENDER [HELO]");
  auto client = Address::parse(words[0]);
  if (!client) return fail("not an IP address: " + std::string(words[0]));
  Case c{*client, words[1] == "<>" ? "" : std::string(words[1]), words.size() == 3 ? std::string(words[2]) : ""};
  if (c.sender.empty() && c.helo.empty()) return fail("an empty sender needs a HELO name");
  return c;
}

// check --file: one line of output a case, the result word then the case's
// own words; a line that is not a case is named on stderr, and the exit
// status is then 111, after every other line has been evaluated.
int check_file(const Options& o, CaresSource& dns, long timeout_ms) {
  std::FILE* in = o.file == "-" ? stdin : std::fopen(o.file.c_str(), "re");
  if (in == nullptr) die(kExitTemporary, "unable to open {}: {}", shown_value(o.file, kShownMax), std::strerror(errno));
  int code = kExitOk;
  char* buffer = nullptr;
  std::size_t capacity = 0;
  long number = 0;
  for (ssize_t got; (got = getline(&buffer, &capacity, in)) >= 0;) {
    ++number;
    std::string_view line(buffer, static_cast<std::size_t>(got));
    if (line.ends_with('\n')) line.remove_suffix(1);
    std::size_t first = line.find_first_not_of(" \t\r");
    if (first == std::string_view::npos || line[first] == '#') continue;
    auto c = parse_case(line);
    if (!c) {
      warn("{} line {}: {}", o.file == "-" ? "stdin" : o.file, number, shown_value(c.error().message, kShownMax));
      code = kExitTemporary;
      continue;
    }
    dns.restart(timeout_ms);
    SpfVerdict verdict = check_sender(dns, c->client, c->sender, c->helo);
    fmt::print("{} {} {}{}{}\n", result_name(verdict.result), c->client.format().view(),
               c->sender.empty() ? "<>" : shown_value(c->sender, kShownMax), c->helo.empty() ? "" : " ",
               shown_value(c->helo, kShownMax));
  }
  bool failed = std::ferror(in) != 0;
  int saved = errno;
  std::free(buffer);
  if (in != stdin) std::fclose(in);
  if (failed) die(kExitTemporary, "unable to read {}: {}", shown_value(o.file, kShownMax), std::strerror(saved));
  return code;
}

int check(const Options& o) {
  if (!o.file.empty() && !o.words.empty()) usage("--file takes no CLIENT SENDER [HELO]");
  if (o.file.empty() && (o.words.size() < 2 || o.words.size() > 3)) usage("check needs CLIENT SENDER [HELO], or --file");
  DnsSettings settings = dns_settings(o);
  if (!o.file.empty()) {
    auto dns = CaresSource::open(settings);
    if (!dns) die(kExitTemporary, "{}", shown_value(dns.error().message, kShownMax));
    return check_file(o, **dns, settings.timeout_ms);
  }
  auto client = Address::parse(o.words[0]);
  if (!client) usage("not an IP address: " + o.words[0]);
  const std::string& sender = o.words[1];
  std::string helo = o.words.size() == 3 ? o.words[2] : "";
  if (sender.empty() && helo.empty()) usage("an empty sender needs a HELO name");
  auto dns = CaresSource::open(settings);
  if (!dns) die(kExitTemporary, "{}", shown_value(dns.error().message, kShownMax));
  print_verdict(check_sender(**dns, *client, sender, helo));
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

// Every domain walked at once on one c-ares channel (lib/spf/walk.h);
// the walks and their notes in the list's order.
std::vector<DomainWalk> walk_all(const Options& o, const std::vector<std::string>& domains) {
  DnsSettings settings = dns_settings(o);
  WalkLimits limits;
  limits.widest4 = widest_option("--widest4", o.widest4, 32);
  limits.widest6 = widest_option("--widest6", o.widest6, 128);
  auto dns = CaresSource::open(settings);
  if (!dns) die(kExitTemporary, "{}", shown_value(dns.error().message, kShownMax));
  std::vector<DomainWalk> walks = walk_domains(**dns, domains, limits);
  for (const DomainWalk& w : walks) {
    for (const std::string& note : w.notes) warn("note: {}", note);
  }
  return walks;
}

// The tcprules keys the ranges expand into (lib/rules/keys.h).
std::size_t key_count(const std::vector<WhitelistSection>& sections) {
  std::size_t keys = 0;
  for (const WhitelistSection& s : sections) {
    for (const Prefix& range : s.ranges) {
      auto expanded = rule_key_count(range.format().view());
      if (expanded) keys += *expanded;
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

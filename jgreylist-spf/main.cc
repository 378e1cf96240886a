// jgreylist-spf: SPF (RFC 7208) from the command line.
//
//   check   check_host() for a client, a sender and a HELO name: the result
//           word on the first line of stdout, then why (the mechanism that
//           matched, or the limit or error met) and each DNS lookup made
//
// DNS: the system's resolver, or JGREYLIST_DNS / --dns HOST[:PORT]; the
// whole evaluation within JGREYLIST_DNS_TIMEOUT milliseconds
// (lib/dns/settings.h). Exit 0 when evaluated, whatever the result; 111
// with one line on stderr for a usage or local error. Verbs are one table
// (kVerbs): a new verb is its options, its run function and one row.
#include <CLI/CLI.hpp>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fmt/format.h>
#include <string>

#include "lib/base/command_line.h"
#include "lib/base/diag.h"
#include "lib/base/exitcode.h"
#include "lib/base/printable.h"
#include "lib/dns/cares_source.h"
#include "lib/dns/settings.h"
#include "lib/net/address.h"
#include "lib/spf/check_host.h"

namespace {

using namespace jgl;

constexpr const char* kVersion = "jgreylist-spf 1.0";
constexpr std::size_t kShownMax = 512;

struct Options {
  std::string dns;                   // --dns
  std::string client, sender, helo;  // check
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

// --- main --------------------------------------------------------------------

struct Verb {
  const char* name;
  const char* help;
  void (*options)(CLI::App& cmd, Options& o);
  int (*run)(const Options& o);
};

constexpr Verb kVerbs[] = {
    {"check", "RFC 7208 check_host(): the result, why, and the DNS lookups made", check_options, check},
};

int run(int argc, char** argv) {
  Options o;
  CLI::App app{"SPF (RFC 7208) for the jgreylist toolkit.", "jgreylist-spf"};
  app.set_version_flag("--version", kVersion);
  app.require_subcommand(1);
  app.footer("Exit: 0 evaluated (whatever the result), 111 usage or local error.");
  CLI::App* commands[std::size(kVerbs)];
  for (std::size_t i = 0; i < std::size(kVerbs); ++i) {
    commands[i] = app.add_subcommand(kVerbs[i].name, kVerbs[i].help);
    kVerbs[i].options(*commands[i], o);
  }
  int answered = parse_command_line(app, argc, argv, [](const char* why) { usage(why); });
  if (answered >= 0) return answered;
  int code = kExitOk;
  for (std::size_t i = 0; i < std::size(kVerbs); ++i) {
    if (commands[i]->parsed()) code = kVerbs[i].run(o);
  }
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

// tcprulescheck: shows which rule of a tcpserver rules cdb applies to a client.
//
//   tcprulescheck rules.cdb [ADDRESS]
//
// The client comes from TCPREMOTEIP (0.0.0.0 when unset), TCPREMOTEHOST and
// TCPREMOTEINFO, as for ucspi-tcp's tcprulescheck, whose output this prints
// byte for byte. ADDRESS, when given, replaces TCPREMOTEIP and may be any
// spelling of an address: it is looked up in tcpserver's text for it.
#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fmt/format.h>
#include <optional>
#include <string>

#include "lib/base/diag.h"
#include "lib/base/exitcode.h"
#include "lib/rules/keys.h"
#include "lib/rules/lookup.h"

namespace jgl {
namespace {

// The client's text as tcpserver writes it: from ADDRESS in any spelling,
// or TCPREMOTEIP as it is.
std::string client_text(int argc, char** argv) {
  if (argc <= 2) {
    const char* env_ip = std::getenv("TCPREMOTEIP");
    return env_ip ? env_ip : "0.0.0.0";
  }
  auto address = Address::parse(argv[2]);
  if (!address) die(kExitPermanent, "fatal: {}: {}", argv[2], address.error().message);
  return tcpserver_text(*address);
}

// The rule of the cdb at `path` for the client, nullopt for none; an
// unreadable cdb ends the program.
std::optional<RuleMatch> look_up(const char* path, const std::string& ip) {
  auto opened = open_rules_cdb(path);
  if (!opened) die(kExitTemporary, "fatal: unable to read {}: {}", path, opened.error().message);
  auto match = check_rules(*opened, ip, std::getenv("TCPREMOTEHOST"), std::getenv("TCPREMOTEINFO"));
  close(*opened);
  if (!match) die(kExitTemporary, "fatal: unable to read {}: {}", path, std::strerror(match.error().sys_errno));
  return *match;
}

// The original's words, byte for byte.
std::string describe(const std::optional<RuleMatch>& match) {
  if (!match) return "default:\nallow connection\n";
  std::string out = fmt::format("rule {}:\n", match->key);
  for (const std::string& s : match->settings) out += fmt::format("set environment variable {}\n", s);
  out += match->deny ? "deny connection\n" : "allow connection\n";
  return out;
}

}  // namespace
}  // namespace jgl

int main(int argc, char** argv) {
  jgl::set_program("tcprulescheck");
  if (argc < 2) jgl::die(jgl::kExitPermanent, "usage: tcprulescheck rules.cdb");
  std::string ip = jgl::client_text(argc, argv);
  std::string out = jgl::describe(jgl::look_up(argv[1], ip));
  if (fwrite(out.data(), 1, out.size(), stdout) != out.size() || fflush(stdout) != 0) return jgl::kExitTemporary;
  return jgl::kExitOk;
}

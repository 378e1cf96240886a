// tcprules-exec: applies a tcpserver rules cdb, then execs a program.
//
//   tcprules-exec rules.cdb prog [arg...]
//
// For super-servers without tcpserver's -x (tcpsvd, s6-tcpserver, inetd,
// systemd Accept=yes). The client is found as jgreylist finds it
// (${PROTO}REMOTEIP, TCPREMOTEIP, ..., REMOTE_ADDR, getpeername on fd 0) and
// looked up in tcpserver's text for it, with ${PROTO}REMOTEHOST or
// TCPREMOTEHOST and TCPREMOTEINFO, in tcpserver's order. deny: one log line,
// exit 100 as tcpserver's child does. allow: the rule's variables are set
// and prog runs. Errors: one line, exit 111.
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <string>

#include "lib/base/diag.h"
#include "lib/base/env.h"
#include "lib/base/exitcode.h"
#include "lib/net/ucspi.h"
#include "lib/rules/keys.h"
#include "lib/rules/lookup.h"

namespace jgl {
namespace {

// The rule of the cdb at `path` for the client, nullopt for none.
std::optional<RuleMatch> look_up(const char* path, const std::string& ip) {
  auto opened = open_rules_cdb(path);
  if (!opened) die(kExitTemporary, "fatal: unable to read {}: {}", path, opened.error().message);
  auto match = check_rules(*opened, ip, client_host(), env_get("TCPREMOTEINFO"));
  close(*opened);
  if (!match) {
    int e = match.error().sys_errno;
    die(kExitTemporary, "fatal: unable to read {}: {}", path, e ? std::strerror(e) : match.error().message);
  }
  return *match;
}

// deny ends here, as tcpserver's child does (exit 100); allow sets the
// rule's variables for the program.
void apply(const RuleMatch& rule, const std::string& ip) {
  if (rule.deny) {
    if (rule.key.empty()) die(kExitPermanent, "{}: deny (default rule)", ip);
    die(kExitPermanent, "{}: deny (rule {})", ip, rule.key);
  }
  for (const std::string& setting : rule.settings) {
    // tcpserver ignores a "+VAR" record without '=': so do we.
    std::size_t eq = setting.find('=');
    if (eq == std::string::npos) continue;
    std::string name = setting.substr(0, eq);
    if (setenv(name.c_str(), setting.c_str() + eq + 1, 1) != 0) {
      die(kExitTemporary, "fatal: unable to set {}: {}", name, std::strerror(errno));
    }
  }
}

}  // namespace
}  // namespace jgl

int main(int argc, char** argv) {
  jgl::set_program("tcprules-exec");
  if (argc < 3) jgl::die(jgl::kExitPermanent, "usage: tcprules-exec rules.cdb prog [arg...]");
  auto client = jgl::client_address(0);
  if (!client) jgl::die(jgl::kExitTemporary, "fatal: {}", client.error().message);
  std::string ip = jgl::tcpserver_text(client->address);
  if (auto rule = jgl::look_up(argv[1], ip)) jgl::apply(*rule, ip);
  execvp(argv[2], argv + 2);
  jgl::die(jgl::kExitTemporary, "fatal: unable to run {}: {}", argv[2], std::strerror(errno));
}

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
#include <fmt/format.h>
#include <string>

#include "lib/env.h"
#include "lib/rules.h"
#include "lib/ucspi.h"

namespace {

constexpr int kExitDeny = 100;  // tcpserver's child exits 100 on deny too
constexpr int kExitUsage = 100;
constexpr int kExitTemporary = 111;

template <typename... Args>
[[noreturn]] void die(int code, fmt::format_string<Args...> format, Args&&... args) {
  std::string line = "tcprules-exec: " + fmt::format(format, std::forward<Args>(args)...) + "\n";
  ssize_t ignored = write(2, line.data(), line.size());
  (void)ignored;
  _exit(code);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) die(kExitUsage, "usage: tcprules-exec rules.cdb prog [arg...]");
  const char* cdb = argv[1];

  auto client = jgl::client_address(0);
  if (!client) die(kExitTemporary, "fatal: {}", client.error().message);
  std::string ip = jgl::tcpserver_text(client->address);

  auto opened = jgl::open_rules_cdb(cdb);
  if (!opened) die(kExitTemporary, "fatal: unable to read {}: {}", cdb, opened.error().message);
  int fd = *opened;
  auto match = jgl::check_rules(fd, ip, jgl::client_host(), jgl::env_get("TCPREMOTEINFO"));
  close(fd);
  if (!match) {
    int e = match.error().sys_errno;
    die(kExitTemporary, "fatal: unable to read {}: {}", cdb, e ? std::strerror(e) : match.error().message);
  }

  if (*match) {
    const jgl::RuleMatch& rule = **match;
    if (rule.deny) {
      if (rule.key.empty()) die(kExitDeny, "{}: deny (default rule)", ip);
      die(kExitDeny, "{}: deny (rule {})", ip, rule.key);
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

  execvp(argv[2], argv + 2);
  die(kExitTemporary, "fatal: unable to run {}: {}", argv[2], std::strerror(errno));
}

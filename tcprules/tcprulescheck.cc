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
#include <string>

#include "lib/rules.h"

int main(int argc, char** argv) {
  if (argc < 2) {
    fmt::print(stderr, "tcprulescheck: usage: tcprulescheck rules.cdb\n");
    return 100;
  }
  std::string ip;
  if (argc > 2) {
    auto address = jgl::Address::parse(argv[2]);
    if (!address) {
      fmt::print(stderr, "tcprulescheck: fatal: {}: {}\n", argv[2], address.error().message);
      return 100;
    }
    ip = jgl::tcpserver_text(*address);
  } else {
    const char* env_ip = std::getenv("TCPREMOTEIP");
    ip = env_ip ? env_ip : "0.0.0.0";
  }
  auto opened = jgl::open_rules_cdb(argv[1]);
  if (!opened) {
    fmt::print(stderr, "tcprulescheck: fatal: unable to read {}: {}\n", argv[1], opened.error().message);
    return 111;
  }
  int fd = *opened;
  auto verdict = jgl::check_rules(fd, ip, std::getenv("TCPREMOTEHOST"), std::getenv("TCPREMOTEINFO"));
  close(fd);
  if (!verdict) {
    fmt::print(stderr, "tcprulescheck: fatal: unable to read {}: {}\n", argv[1],
               std::strerror(verdict.error().sys_errno));
    return 111;
  }
  std::string out;
  if (!*verdict) {
    out = "default:\nallow connection\n";
  } else {
    const jgl::RuleMatch& v = **verdict;
    out = fmt::format("rule {}:\n", v.key);
    for (const std::string& s : v.settings) out += fmt::format("set environment variable {}\n", s);
    out += v.deny ? "deny connection\n" : "allow connection\n";
  }
  if (fwrite(out.data(), 1, out.size(), stdout) != out.size() || fflush(stdout) != 0) return 111;
  return 0;
}

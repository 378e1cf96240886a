// tcprules: compiles tcpserver access rules into a cdb, atomically.
//
//   tcprules rules.cdb rules.tmp < rules.txt
//
// Drop-in for ucspi-tcp's: same syntax, same records, same exit codes (100
// for usage and bad input, 111 for I/O). Beyond it: IPv6 addresses in any
// spelling, CIDR prefixes, and the line number in every parse error.
#include <cstdio>
#include <fmt/format.h>
#include <string>

#include "lib/rules.h"

int main(int argc, char** argv) {
  if (argc < 3) {
    fmt::print(stderr, "tcprules: usage: tcprules rules.cdb rules.tmp\n");
    return 100;
  }
  auto error = jgl::compile_rules(0, argv[1], argv[2]);
  if (!error) return 0;
  fmt::print(stderr, "tcprules: fatal: {}\n", error->message);
  return error->temporary ? 111 : 100;
}

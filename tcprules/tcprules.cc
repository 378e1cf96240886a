// tcprules: compiles tcpserver access rules into a cdb, atomically.
//
//   tcprules rules.cdb rules.tmp < rules.txt
//   tcprules --check [rules.txt]
//
// Drop-in for ucspi-tcp's: same syntax, same records, same exit codes (100
// for usage and bad input, 111 for I/O). Beyond it: IPv6 addresses in any
// spelling, CIDR prefixes, the line number in every parse error, and a lint
// mode that writes nothing (exit 0 clean, 1 warnings, 2 errors).
//
// The options are read by hand rather than with CLI11: the original takes
// two bare operands and nothing else, and scripts call it that way.
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fmt/format.h>
#include <string>
#include <string_view>

#include "lib/rules.h"
#include "lib/rules_lint.h"

namespace {

constexpr std::string_view kUsage =
    "usage: tcprules rules.cdb rules.tmp < rules.txt\n"
    "       tcprules --check [rules.txt]\n"
    "\n"
    "Compiles tcpserver access rules from standard input into rules.cdb,\n"
    "through rules.tmp, atomically. IPv6 addresses in any spelling and CIDR\n"
    "prefixes are written as the keys tcpserver looks up.\n"
    "\n"
    "  --check [FILE]  lint FILE (standard input when absent or -), write\n"
    "                  nothing; exit 0 clean, 1 warnings, 2 errors\n"
    "  --help          show this help\n"
    "  --version       show the version\n"
    "\n"
    "Exit status when compiling: 0 written, 100 usage or a bad line, 111 I/O.\n";

int check(const char* path) {
  bool from_stdin = path == nullptr || std::string_view(path) == "-";
  std::string name = from_stdin ? "stdin" : path;
  int fd = from_stdin ? 0 : open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    fmt::print(stderr, "tcprules: fatal: unable to read {}: {}\n", name, std::strerror(errno));
    return 2;
  }
  std::string text;
  char buf[65536];
  for (;;) {
    ssize_t n = read(fd, buf, sizeof buf);
    if (n == 0) break;
    if (n < 0) {
      if (errno == EINTR) continue;
      fmt::print(stderr, "tcprules: fatal: unable to read {}: {}\n", name, std::strerror(errno));
      return 2;
    }
    text.append(buf, static_cast<std::size_t>(n));
  }
  if (!from_stdin) close(fd);

  int status = 0;
  std::string out;
  for (const jgl::Finding& f : jgl::lint_rules(text)) {
    out += fmt::format("{}:{}: {}: {}\n", name, f.line, jgl::severity_name(f.severity), f.message);
    if (f.severity == jgl::Finding::Severity::error) status = 2;
    if (f.severity == jgl::Finding::Severity::warning && status == 0) status = 1;
  }
  if (fwrite(out.data(), 1, out.size(), stdout) != out.size() || fflush(stdout) != 0) {
    fmt::print(stderr, "tcprules: fatal: unable to write the findings: {}\n", std::strerror(errno));
    return 2;
  }
  return status;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc >= 2) {
    std::string_view option = argv[1];
    if (option == "--help" || option == "-h") {
      fmt::print("{}", kUsage);
      return 0;
    }
    if (option == "--version") {
      fmt::print("tcprules 1.0\n");
      return 0;
    }
    if (option == "--check") {
      if (argc > 3) {
        fmt::print(stderr, "tcprules: usage: tcprules --check [rules.txt]\n");
        return 2;
      }
      return check(argc == 3 ? argv[2] : nullptr);
    }
  }
  if (argc < 3) {
    fmt::print(stderr, "tcprules: usage: tcprules rules.cdb rules.tmp\n");
    return 100;
  }
  auto error = jgl::compile_rules(0, argv[1], argv[2]);
  if (!error) return 0;
  fmt::print(stderr, "tcprules: fatal: {}\n", error->message);
  return error->temporary ? 111 : 100;
}

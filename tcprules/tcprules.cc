// tcprules: compiles tcpserver access rules into a cdb, atomically.
//
//   tcprules rules.cdb rules.tmp < rules.txt
//   tcprules --check [rules.txt]
//
// Drop-in for ucspi-tcp's: same syntax, same records, same exit codes (100
// for usage and bad input, 111 for I/O). Beyond it: IPv6 addresses in any
// spelling, CIDR prefixes, the line number in every parse error, a warning
// for each line skipped as the original skips it (no colon), and a lint mode
// that writes nothing (exit 0 clean, 1 warnings, 2 errors).
//
// The options are read by hand rather than with CLI11: the original takes
// two bare operands and nothing else, and scripts call it that way.
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fmt/format.h>
#include <optional>
#include <string>
#include <string_view>

#include "lib/base/diag.h"
#include "lib/base/exitcode.h"
#include "lib/rules/compile.h"
#include "lib/rules/lint.h"

namespace jgl {
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

// The whole file: lint_rules wants the text of every line at once.
std::string read_all(int fd, const std::string& name) {
  std::string text;
  char buf[65536];
  for (;;) {
    ssize_t n = read(fd, buf, sizeof buf);
    if (n == 0) break;
    if (n < 0) {
      if (errno == EINTR) continue;
      die(kExitUsage, "fatal: unable to read {}: {}", name, std::strerror(errno));
    }
    text.append(buf, static_cast<std::size_t>(n));
  }
  return text;
}

// tcprules --check: the findings on stdout, the worst one as the status.
int check(const char* path) {
  bool from_stdin = path == nullptr || std::string_view(path) == "-";
  std::string name = from_stdin ? "stdin" : path;
  int fd = from_stdin ? 0 : open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) die(kExitUsage, "fatal: unable to read {}: {}", name, std::strerror(errno));
  std::string text = read_all(fd, name);
  if (!from_stdin) close(fd);
  int status = kExitOk;
  std::string out;
  for (const Finding& f : lint_rules(text)) {
    out += fmt::format("{}:{}: {}: {}\n", name, f.line, severity_name(f.severity), f.message);
    if (f.severity == Finding::Severity::error) status = kExitUsage;
    if (f.severity == Finding::Severity::warning && status == kExitOk) status = kExitTrouble;
  }
  if (fwrite(out.data(), 1, out.size(), stdout) != out.size() || fflush(stdout) != 0) {
    die(kExitUsage, "fatal: unable to write the findings: {}", std::strerror(errno));
  }
  return status;
}

// --help, --version and --check: the status to exit with; nullopt to compile.
std::optional<int> run_option(int argc, char** argv) {
  if (argc < 2) return std::nullopt;
  std::string_view option = argv[1];
  if (option == "--help" || option == "-h") {
    fmt::print("{}", kUsage);
    return kExitOk;
  }
  if (option == "--version") {
    fmt::print("tcprules " JGL_VERSION "\n");
    return kExitOk;
  }
  if (option == "--check") {
    if (argc > 3) die(kExitUsage, "usage: tcprules --check [rules.txt]");
    return check(argc == 3 ? argv[2] : nullptr);
  }
  return std::nullopt;
}

}  // namespace
}  // namespace jgl

int main(int argc, char** argv) {
  jgl::set_program("tcprules");
  if (auto status = jgl::run_option(argc, argv)) return *status;
  if (argc < 3) jgl::die(jgl::kExitPermanent, "usage: tcprules rules.cdb rules.tmp");
  auto compiled = jgl::compile_rules(0, argv[1], argv[2], [](const jgl::SkippedLine& s) {
    jgl::warn("warning: skipped line {} ({}): {}", s.line, s.reason, s.text);
  });
  if (!compiled) {
    const jgl::Error& e = compiled.error();
    jgl::die(e.temporary ? jgl::kExitTemporary : jgl::kExitPermanent, "fatal: {}", e.message);
  }
  return jgl::kExitOk;
}

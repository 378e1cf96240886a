// rules.cc (fuzz target): the tcprules line parser, its keys and its cdb.
//
// The input is a rules file. Each line goes through parse_rule and, when it
// gives a rule, rule_keys; neither may crash. The whole file then goes
// through compile_rules into a cdb in a private temporary directory: it must
// report as skipped exactly the lines the parser skipped, fail exactly when
// some line failed, naming that line, and otherwise every key the rules
// produced must be found by check_rules, holding the record of the first
// rule that produced it, as tcpserver would read it.
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "lib/rules/compile.h"
#include "lib/rules/lookup.h"
#include "tests/fuzz/rules_model.h"

namespace {

using jgl_fuzz::failed;

// Keys looked up per rule: its first ones and its last one. A CIDR rule can
// expand into 65536 keys; checking all of them would make each run slow
// without reaching any other code.
constexpr std::size_t kLookupsPerRule = 16;
// Files expanding into more keys than this are parsed but not compiled:
// writing 65536 keys per CIDR line only slows the search down.
constexpr std::size_t kMaxKeysCompiled = 4096;

std::string g_dir;

void remove_dir() {
  if (!g_dir.empty()) {
    std::error_code ignored;
    std::filesystem::remove_all(g_dir, ignored);
  }
}

int write_input(std::string_view input) {
  int fd = memfd_create("rules", MFD_CLOEXEC);
  if (fd < 0) failed("memfd_create", input);
  std::size_t done = 0;
  while (done < input.size()) {
    ssize_t n = write(fd, input.data() + done, input.size() - done);
    if (n <= 0) failed("write to memfd", input);
    done += static_cast<std::size_t>(n);
  }
  lseek(fd, 0, SEEK_SET);
  return fd;
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  std::string base = std::filesystem::exists("/dev/shm") ? "/dev/shm" : std::filesystem::temp_directory_path().string();
  std::string pattern = base + "/jgl-fuzz-rules.XXXXXX";
  if (mkdtemp(pattern.data()) == nullptr) {
    std::perror("mkdtemp");
    std::exit(1);
  }
  g_dir = pattern;
  std::atexit(remove_dir);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  jgl_fuzz::RulesFile file = jgl_fuzz::read_rules(input, kMaxKeysCompiled);
  if (file.too_many_keys) return 0;

  std::string cdb = g_dir + "/rules.cdb";
  std::string tmp = g_dir + "/rules.tmp";
  unlink(cdb.c_str());
  int in = write_input(input);
  std::vector<int> reported;
  auto compiled =
      jgl::compile_rules(in, cdb, tmp, [&](const jgl::SkippedLine& s) { reported.push_back(s.line); });
  close(in);
  if (reported != file.skipped) failed("compile_rules reported other skipped lines than the parser", input);
  if (access(tmp.c_str(), F_OK) == 0) failed("compile_rules left its temporary file", input);
  if (file.first_bad_line != 0) {
    if (compiled) failed("compile_rules accepted what the line parser refused", input);
    const jgl::Error& error = compiled.error();
    if (error.temporary) failed("a parse error reported as temporary", input, error.message);
    std::string expected = "unable to parse line " + std::to_string(file.first_bad_line) + " ";
    if (!error.message.starts_with(expected)) failed("compile error names another line", input, error.message);
    if (access(cdb.c_str(), F_OK) == 0) failed("a refused file still produced a cdb", input);
    return 0;
  }
  if (!compiled) failed("compile_rules refused what the line parser accepted", input, compiled.error().message);

  int fd = open(cdb.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) failed("no cdb after a successful compile", input);
  jgl_fuzz::check_lookups(
      file, jgl_fuzz::first_owners(file), kLookupsPerRule,
      [&](const std::string& key) { return jgl::check_rules(fd, key, nullptr, nullptr); }, input);
  close(fd);
  return 0;
}

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
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "lib/rules/compile.h"
#include "lib/rules/keys.h"
#include "lib/rules/lookup.h"
#include "lib/rules/rule.h"

namespace {

// Keys looked up per rule: its first ones and its last one. A CIDR rule can
// expand into 65536 keys; checking all of them would make each run slow
// without reaching any other code.
constexpr std::size_t kLookupsPerRule = 16;
// Files expanding into more keys than this are parsed but not compiled:
// writing 65536 keys per CIDR line only slows the search down.
constexpr std::size_t kMaxKeysCompiled = 4096;

std::string g_dir;

[[noreturn]] void failed(const char* what, std::string_view input, std::string_view detail = {}) {
  std::fprintf(stderr, "FAILED: %s\n  input: '%.*s'\n  detail: '%.*s'\n", what, static_cast<int>(input.size()),
               input.data(), static_cast<int>(detail.size()), detail.data());
  std::abort();
}

void remove_dir() {
  if (!g_dir.empty()) {
    std::error_code ignored;
    std::filesystem::remove_all(g_dir, ignored);
  }
}

// What check_rules should report for a rule: its settings up to a deny, as
// tcpserver reads the NUL-terminated items of the record.
struct Expected {
  bool deny = false;
  std::vector<std::string> settings;
};

Expected expected_for(const jgl::Rule& rule) {
  Expected e;
  std::string data = rule.data();
  std::string_view rest = data;
  for (std::size_t nul; (nul = rest.find('\0')) != std::string_view::npos; rest.remove_prefix(nul + 1)) {
    std::string_view item = rest.substr(0, nul);
    if (!item.empty() && item.front() == 'D') {
      e.deny = true;
      break;
    }
    if (!item.empty() && item.front() == '+') e.settings.emplace_back(item.substr(1));
  }
  return e;
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

  // Line by line, as compile_rules splits its input.
  std::vector<jgl::Rule> rules;
  std::vector<std::vector<std::string>> keys;
  std::vector<int> skipped;
  int first_bad_line = 0;
  std::size_t total_keys = 0;
  std::string_view rest = input;
  for (int line_number = 1; !rest.empty() && first_bad_line == 0; ++line_number) {
    std::size_t newline = rest.find('\n');
    std::string_view line = rest.substr(0, newline);
    rest.remove_prefix(newline == std::string_view::npos ? rest.size() : newline + 1);
    auto parsed = jgl::parse_rule(line, line_number);
    if (!parsed) {
      first_bad_line = line_number;
      break;
    }
    if (parsed->kind == jgl::ParsedLine::Kind::skipped) skipped.push_back(line_number);
    if (parsed->kind != jgl::ParsedLine::Kind::rule) continue;
    jgl::Rule& rule = parsed->rule;
    if (rule.line != line_number) failed("rule carries the wrong line number", input);
    auto rule_keys = jgl::rule_keys(rule.address);
    if (!rule_keys) {
      first_bad_line = line_number;
      break;
    }
    if (rule_keys->size() > jgl::kMaxKeysPerRule) failed("rule expands into more keys than the limit", input);
    total_keys += rule_keys->size();
    rules.push_back(std::move(rule));
    keys.push_back(std::move(*rule_keys));
  }

  if (total_keys > kMaxKeysCompiled) return 0;

  std::string cdb = g_dir + "/rules.cdb";
  std::string tmp = g_dir + "/rules.tmp";
  unlink(cdb.c_str());
  int in = write_input(input);
  std::vector<int> reported;
  auto compiled =
      jgl::compile_rules(in, cdb, tmp, [&](const jgl::SkippedLine& s) { reported.push_back(s.line); });
  close(in);
  if (reported != skipped) failed("compile_rules reported other skipped lines than the parser", input);
  if (access(tmp.c_str(), F_OK) == 0) failed("compile_rules left its temporary file", input);
  if (first_bad_line != 0) {
    if (compiled) failed("compile_rules accepted what the line parser refused", input);
    const jgl::Error& error = compiled.error();
    if (error.temporary) failed("a parse error reported as temporary", input, error.message);
    std::string expected = "unable to parse line " + std::to_string(first_bad_line) + " ";
    if (!error.message.starts_with(expected)) failed("compile error names another line", input, error.message);
    if (access(cdb.c_str(), F_OK) == 0) failed("a refused file still produced a cdb", input);
    return 0;
  }
  if (!compiled) failed("compile_rules refused what the line parser accepted", input, compiled.error().message);

  int fd = open(cdb.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) failed("no cdb after a successful compile", input);
  // The first rule that produced a key is the one tcpserver finds.
  std::map<std::string, std::size_t> owner;
  for (std::size_t r = 0; r < rules.size(); ++r) {
    for (const std::string& key : keys[r]) owner.try_emplace(key, r);
  }
  for (std::size_t r = 0; r < rules.size(); ++r) {
    const std::vector<std::string>& ks = keys[r];
    for (std::size_t i = 0; i < ks.size(); ++i) {
      if (i >= kLookupsPerRule && i + 1 != ks.size()) continue;
      const std::string& key = ks[i];
      auto match = jgl::check_rules(fd, key, nullptr, nullptr);
      if (!match) failed("check_rules failed on a fresh cdb", input, match.error().message);
      if (!*match) failed("a compiled key is not found", input, key);
      if ((*match)->key != key) failed("a compiled key finds another rule", input, key + " -> " + (*match)->key);
      Expected want = expected_for(rules[owner.at(key)]);
      if ((*match)->deny != want.deny) failed("deny flag differs from the rule", input, key);
      if ((*match)->settings != want.settings) failed("settings differ from the rule", input, key);
    }
  }
  close(fd);
  return 0;
}

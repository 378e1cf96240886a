// rules_memory.cc (fuzz target): the tcprules line parser, its keys and
// the cdb they make, all in memory: the fast companion of rules.cc.
//
// rules.cc reaches compile_rules itself (its temporary file, fsync and
// rename, its error paths), which costs a file system's work every run.
// Here the same file is read with parse_rule and rule_keys, each rule's
// record (Rule::data) written under each of its keys, in line order, into
// a cdb on a memfd reused from run to run, then looked up through RulesCdb,
// the mapped reader jgreylist-policy uses: every key must find the record
// of the first rule that produced it, as tcpserver would read it; and a
// client (with a host name and ident info) must get the rule of the first
// of its lookup keys, in tcpserver's order, that some rule produced.
#include <cdb.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "lib/rules/cdb_maker.h"
#include "lib/rules/lookup.h"
#include "tests/fuzz/rules_model.h"

namespace {

using jgl_fuzz::failed;

// As rules.cc: the first keys of each rule and its last are looked up, and
// files of more keys than this are only parsed.
constexpr std::size_t kLookupsPerRule = 16;
constexpr std::size_t kMaxKeysCompiled = 4096;

int g_cdb = -1;
std::string g_path;  // the memfd by name, for RulesCdb::open

// The records as compile_rules writes them (with its CdbMaker): each rule's under each of its
// keys, in the order of the lines.
void write_cdb(const jgl_fuzz::RulesFile& file, std::string_view input) {
  if (ftruncate(g_cdb, 0) != 0 || lseek(g_cdb, 0, SEEK_SET) != 0) failed("reset the memfd", input);
  // A small buffer: tcprules' 1 MiB, allocated and freed at every run, is
  // most of a run's time under ASan; a small one crosses more flushes.
  jgl::CdbMaker maker(g_cdb, 4096);
  for (std::size_t r = 0; r < file.rules.size(); ++r) {
    std::string record = file.rules[r].data();
    for (const std::string& key : file.keys[r]) {
      if (!maker.add(key, record)) failed("CdbMaker::add", input);
    }
  }
  if (!maker.finish()) failed("CdbMaker::finish", input);
}

// Clients: an IPv4 or an IPv6 address (as the input's size is even or
// odd), and the first rule's first key, each with a host name and ident
// info, so that info@ip and =host rules answer too.
void check_clients(const jgl_fuzz::RulesFile& file, const jgl_fuzz::Owners& owner, jgl::RulesCdb& rules,
                   std::string_view input) {
  std::vector<std::string> clients = {input.size() % 2 == 0 ? "192.0.2.1" : "2001:db8::1"};
  if (!file.rules.empty() && !file.keys[0].empty()) clients.push_back(file.keys[0].front());
  for (const std::string& ip : clients) {
    std::optional<std::string> want;
    for (const std::string& key : jgl::lookup_keys(ip, "mx.example.org", "joe")) {
      if (owner.contains(key)) {
        want = key;
        break;
      }
    }
    auto match = rules.check(ip, "mx.example.org", "joe");
    if (!match) failed("RulesCdb::check failed", input, match.error().message);
    if (want.has_value() != match->has_value()) failed("a client found a rule or none, unlike its keys", input, ip);
    if (!want) continue;
    if ((*match)->key != *want) failed("a client got another rule than its first key's", input, ip + " -> " + *want);
    jgl_fuzz::Expected expected = jgl_fuzz::expected_for(file.rules[owner.at(*want)]);
    if ((*match)->deny != expected.deny || (*match)->settings != expected.settings) {
      failed("a client got a record unlike its rule", input, ip);
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  g_cdb = memfd_create("rules.cdb", MFD_CLOEXEC);
  if (g_cdb < 0) {
    std::perror("memfd_create");
    std::exit(1);
  }
  g_path = "/proc/self/fd/" + std::to_string(g_cdb);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  jgl_fuzz::RulesFile file = jgl_fuzz::read_rules(input, kMaxKeysCompiled);
  if (file.too_many_keys) return 0;
  // compile_rules stops at the first bad line, with no cdb: the rules
  // before it are still worth looking up.
  write_cdb(file, input);
  auto rules = jgl::RulesCdb::open(g_path.c_str());
  if (!rules) failed("RulesCdb::open on a fresh cdb", input, rules.error().message);
  jgl_fuzz::Owners owner = jgl_fuzz::first_owners(file);
  jgl_fuzz::check_lookups(
      file, owner, kLookupsPerRule, [&](const std::string& key) { return rules->check(key, nullptr, nullptr); },
      input);
  check_clients(file, owner, *rules, input);
  return 0;
}

// policy.cc (fuzz target): jgreylist-policy's request reader and decision
// (lib/mail/policy_request.h, lib/greylist/policy_service.h), over a store
// in memory.
//
// The input is what Postfix (or anyone) sends on one connection, after two
// bytes: the first picks the service's configuration, the second seeds the
// sizes of the pieces the bytes arrive in. Every request the reader gives
// back is answered as the program answers it. Properties, beyond not
// crashing:
//   - the reader gives the same requests however the bytes are cut, and
//     ends in the middle of a request at the same place;
//   - every request gets exactly one answer, "action=" and one printable
//     line of a known action, then an empty line; nothing else is ever
//     written, whatever the request, the rules, the store or the
//     configuration say (an LF in an answer would answer the next request
//     too, and Postfix would be out of step for the rest of the connection).
//
// The first byte:
//   bit 0  JGREYLIST_KEY=triplet          bit 4  JGREYLIST_HOLDTIME=0
//   bit 1  JGREYLIST_RULES (below)        bit 5  JGREYLIST_HEADER=1
//   bit 2  JGREYLIST_FAILOPEN=1           bit 6  every store call fails
//   bit 3  JGREYLIST_AWL=2 and            bit 7  a configuration error
//          JGREYLIST_CORRESPONDENTS=1            (JGREYLIST_AWL=-1)
// The rules deny, whitelist, deny with a message, relay, misconfigure and
// set per-client settings for clients 192.0.2.1 to 192.0.2.9, 2001:db8::/32
// and host names under example.org. The store is new for every input.
//
// The service's log lines go to stderr: run it with -close_fd_mask=2
// (tests/fuzz/policy.flags); FAILED reports go to the stderr it started with.
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "lib/greylist/policy_service.h"
#include "lib/mail/policy_request.h"
#include "lib/rules/compile.h"
#include "lib/store/store.h"

namespace {

int g_report = 2;
std::string g_dir;
std::unique_ptr<jgl::PolicyService> g_services[64];

[[noreturn]] void failed(const char* what, std::string_view input, std::string_view detail = {}) {
  FILE* out = fdopen(dup(g_report), "w");
  if (out == nullptr) out = stderr;
  std::fprintf(out, "FAILED: %s\n  input: '%.*s'\n  detail: '%.*s'\n", what, static_cast<int>(input.size()),
               input.data(), static_cast<int>(detail.size()), detail.data());
  std::fflush(out);
  std::abort();
}

// A store in memory, with the tree's and Redis's answers, or failing every
// call as a store that is away.
class MemoryStore : public jgl::Store {
 public:
  explicit MemoryStore(bool failing) : failing_(failing) {}

  std::string_view where() const override { return "memory"; }

  jgl::Result<jgl::Sighting> observe(const jgl::Key& key, timespec now) override {
    if (failing_) return jgl::fail_temporary("the store is away", EIO);
    auto [it, created] = entries_.try_emplace(name(key), jgl::Entry{key, now, now, 0});
    jgl::Sighting seen;
    seen.created = created;
    seen.first_seen = it->second.first_seen;
    seen.last_seen = it->second.last_seen;
    it->second.last_seen = now;
    return seen;
  }

  jgl::Result<jgl::Entry> count_pass(const jgl::Key& key, timespec now, long interval) override {
    if (failing_) return jgl::fail_temporary("the store is away", EIO);
    auto [it, created] = entries_.try_emplace(name(key), jgl::Entry{key, now, now, 1});
    if (!created && now.tv_sec - it->second.last_seen.tv_sec >= interval) {
      ++it->second.count;
      it->second.last_seen = now;
    }
    return it->second;
  }

  jgl::Result<std::optional<jgl::Entry>> find(const jgl::Key& key) override {
    if (failing_) return jgl::fail_temporary("the store is away", EIO);
    auto it = entries_.find(name(key));
    if (it == entries_.end()) return std::optional<jgl::Entry>{};
    return std::optional<jgl::Entry>{it->second};
  }

  jgl::Result<void> set_times(const jgl::Entry& entry) override {
    if (failing_) return jgl::fail_temporary("the store is away", EIO);
    entries_.insert_or_assign(name(entry.key), entry);
    return {};
  }

  jgl::Result<bool> forget(const jgl::Key& key) override {
    if (failing_) return jgl::fail_temporary("the store is away", EIO);
    return entries_.erase(name(key)) > 0;
  }

  jgl::Result<void> enumerate(jgl::EntryVisitor& visitor) override {
    if (failing_) return jgl::fail_temporary("the store is away", EIO);
    for (const auto& [name, entry] : entries_) visitor.entry(entry);
    return {};
  }

 private:
  static std::string name(const jgl::Key& key) {
    std::string n(1, static_cast<char>('0' + static_cast<int>(key.kind())));
    n += key.client_text();
    n += '\0';
    n += key.sender();
    n += '\0';
    n += key.recipient();
    return n;
  }

  bool failing_;
  std::map<std::string, jgl::Entry> entries_;
};

constexpr std::string_view kRules =
    "192.0.2.1:deny\n"
    "192.0.2.2:allow,JGREYLIST=\"\"\n"
    "192.0.2.3:allow,JGREYLIST=\"go away, % and \x01\x1b[2J friends\"\n"
    "192.0.2.4:allow,RELAYCLIENT=\"\"\n"
    "192.0.2.5:allow,JGREYLIST_HOLDTIME=\"forever\"\n"
    "192.0.2.6:allow,JGREYLIST_NOREV=\"no name, no mail: %\"\n"
    "192.0.2.7:allow,JGREYLIST_SPF=\"bogus\"\n"
    "192.0.2.8:allow,JGREYLIST_LOG=\"0\",JGREYLIST_HOLDTIME=\"0\"\n"
    "192.0.2.9:allow,JGREYLIST_BY_IP=\"1\"\n"
    "2001:db8::/32:allow,JGREYLIST_PREFIX6=\"48\"\n"
    "=mx.example.org:allow,JGREYLIST=\"\"\n"
    "=.example.org:deny\n";

void set(const char* name, bool on, const char* value) {
  if (on) setenv(name, value, 1);
  else unsetenv(name);
}

void make_rules() {
  std::string base = std::filesystem::exists("/dev/shm") ? "/dev/shm" : std::filesystem::temp_directory_path().string();
  std::string pattern = base + "/jgl-fuzz-policy.XXXXXX";
  if (mkdtemp(pattern.data()) == nullptr) {
    std::perror("mkdtemp");
    std::exit(1);
  }
  g_dir = pattern;
  std::atexit([] {
    std::error_code ignored;
    std::filesystem::remove_all(g_dir, ignored);
  });
  std::string text_path = g_dir + "/rules.txt";
  FILE* text = std::fopen(text_path.c_str(), "w");
  if (text == nullptr || std::fwrite(kRules.data(), 1, kRules.size(), text) != kRules.size() || std::fclose(text) != 0) {
    std::perror("rules.txt");
    std::exit(1);
  }
  FILE* in = std::fopen(text_path.c_str(), "r");
  auto compiled = jgl::compile_rules(fileno(in), g_dir + "/rules.cdb", g_dir + "/rules.tmp", [](const auto&) {});
  std::fclose(in);
  if (!compiled) {
    std::fprintf(stderr, "compile_rules: %s\n", compiled.error().message.c_str());
    std::exit(1);
  }
}

jgl::PolicyService& service(unsigned options) {
  return *g_services[(options & 0x1f) | ((options >> 2) & 0x20)];
}

bool known_action(std::string_view action) {
  for (std::string_view verb : {"DUNNO", "DEFER_IF_PERMIT ", "REJECT ", "PREPEND X-Greylist: "}) {
    if (action == verb || (verb.back() == ' ' && action.starts_with(verb) && action.size() > verb.size())) return true;
  }
  return false;
}

// A request's fields, hashed (FNV-1a), to compare two readings without
// copying them.
std::uint64_t fields(const jgl::PolicyRequest& r) {
  std::uint64_t h = 14695981039346656037u;
  auto add = [&h](std::string_view bytes) {
    for (char c : bytes) h = (h ^ static_cast<unsigned char>(c)) * 1099511628211u;
    h = (h ^ 0x100) * 1099511628211u;  // the end of a field
  };
  for (const std::string* s : {&r.request, &r.protocol_state, &r.client_address, &r.client_name, &r.helo_name,
                               &r.sender, &r.recipient, &r.sasl_username, &r.malformed}) {
    add(*s);
  }
  add(r.has_request ? "1" : "0");
  add(std::to_string(r.attributes));
  return h;
}

// The bytes fed to a reader in pieces of 1 to `largest` bytes (0: whole),
// each request handed to `on_request`. Returns whether it ended in the
// middle of a request.
template <typename OnRequest>
bool read_requests(std::string_view bytes, std::size_t largest, std::uint32_t seed, OnRequest&& on_request) {
  jgl::PolicyReader reader;
  while (true) {
    while (const jgl::PolicyRequest* r = reader.next()) on_request(*r);
    if (bytes.empty()) break;
    char* at = reader.space();
    std::size_t size = std::min(bytes.size(), reader.space_size());
    if (largest != 0) {
      seed = seed * 1103515245u + 12345u;
      size = std::min(size, 1 + (seed >> 8) % largest);
    }
    std::copy_n(bytes.data(), size, at);
    reader.received(size);
    bytes.remove_prefix(size);
  }
  return reader.in_request();
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  g_report = dup(2);
  make_rules();
  for (const char* name : {"JGREYLIST_DIR", "JGREYLIST_REDIS", "JGREYLIST_SPF", "JGREYLIST", "RELAYCLIENT",
                           "JGREYLIST_HEADER", "JGREYLIST_SPARE", "JGREYLIST_STATE"}) {
    unsetenv(name);
  }
  setenv("JGREYLIST_POLICY_MESSAGE", "greylisted\r\naction=OK for % \x1b[2J", 1);
  std::string rules = g_dir + "/rules.cdb";
  for (unsigned i = 0; i < 64; ++i) {
    set("JGREYLIST_KEY", i & 1, "triplet");
    set("JGREYLIST_RULES", i & 2, rules.c_str());
    set("JGREYLIST_FAILOPEN", i & 4, "1");
    set("JGREYLIST_AWL", i & 8, "2");
    set("JGREYLIST_CORRESPONDENTS", i & 8, "1");
    set("JGREYLIST_HOLDTIME", i & 16, "0");
    if (i & 32) setenv("JGREYLIST_AWL", "-1", 1);
    g_services[i] = std::make_unique<jgl::PolicyService>();
    jgl::configure_policy_service(*g_services[i]);
  }
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return 0;
  std::string_view input(reinterpret_cast<const char*>(data), size);
  std::string_view bytes = input.substr(2);
  unsigned options = data[0];

  jgl::PolicyService& s = service(options);
  s.store = std::make_unique<MemoryStore>(options & 0x40);
  s.out.clear();
  set("JGREYLIST_HEADER", options & 0x20, "1");

  static std::vector<std::uint64_t> whole;
  whole.clear();
  bool whole_cut = read_requests(bytes, 0, 0, [&](const jgl::PolicyRequest& r) { whole.push_back(fields(r)); });

  std::size_t requests = 0;
  // Pieces of 1 to 7 bytes cut every line everywhere over the runs; a byte
  // at a time would rescan a 4 KiB line 4096 times for nothing more.
  static constexpr std::size_t kLargest[4] = {7, 64, 512, 4096};
  bool cut = read_requests(bytes, kLargest[data[1] & 3], data[1], [&](const jgl::PolicyRequest& r) {
    if (requests >= whole.size() || fields(r) != whole[requests]) failed("pieces give other requests", input);
    ++requests;
    std::size_t before = s.out.size();
    jgl::answer_policy_request(s, r);
    std::string_view answer = std::string_view(s.out).substr(before);
    if (!answer.starts_with("action=") || !answer.ends_with("\n\n")) failed("an answer not action=...\\n\\n", input, answer);
    std::string_view action = answer.substr(7, answer.size() - 9);
    for (char c : action) {
      if (c < 0x20 || c > 0x7e) failed("an answer's action is not one printable line", input, answer);
    }
    if (!known_action(action)) failed("an answer's action is none Postfix knows", input, answer);
  });
  if (requests != whole.size()) failed("pieces give fewer requests", input);
  if (cut != whole_cut) failed("pieces end elsewhere in a request", input);
  // What the service learnt goes with the input: the next one starts
  // afresh, and nothing allocated here outlives the run (libFuzzer takes a
  // run that frees less than it allocates for a leak, and looks).
  s.store.reset();
  s.counted.clear();
  s.whitelisted_not_before.clear();
  return 0;
}

// jgreylist-admin: see and change what the greylisting store knows.
//
//   list     every entry, one tab-separated line each (or JSON), streamed
//   show     the key an address falls under, its entry, the verdict now
//   pass     make a key validated now; forget: remove entries at or under it
//   stats    counts by family and state, ages, a Prometheus textfile
//   import-v8, copy   entries from a v8 tree or another store, times kept
//   explain  what each program would decide for a client, and why
//   report   what greylisting cost, read from the programs' logs (no store)
//
// The same on every store (lib/store/open.h), chosen by JGREYLIST_DIR or
// JGREYLIST_REDIS as for jgreylist, or by --dir / --redis. Everything it
// prints of a store's contents is a formatted key, a time or a sanitised
// message. Exit 0, 1 when some entries failed (each named), 2 for usage
// and configuration errors.
#include <fcntl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fmt/format.h>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "lib/base/atomic_file.h"
#include "lib/base/command_line.h"
#include "lib/base/diag.h"
#include "lib/base/duration.h"
#include "lib/base/env.h"
#include "lib/base/exitcode.h"
#include "lib/base/json.h"
#include "lib/base/printable.h"
#include "lib/base/textfile.h"
#include "lib/greylist/greylist.h"
#include "lib/greylist/spf_key.h"
#include "lib/mail/normalise.h"
#include "lib/net/ucspi.h"
#include "lib/report/render.h"
#include "lib/report/report.h"
#include "lib/rules/keys.h"
#include "lib/rules/lookup.h"
#include "lib/store/open.h"
#include "lib/store/tree.h"
#include "lib/store/tree_path.h"
#include "lib/store/walk.h"

namespace {

using namespace jgl;

constexpr const char* kVersion = "jgreylist-admin " JGL_VERSION;
constexpr std::size_t kShownMax = 512;

std::string shown(std::string_view text) { return shown_value(text, kShownMax); }

// --- options ---------------------------------------------------------------

struct Options {
  std::string dir, redis;            // --dir, --redis
  std::string holdtime;              // --holdtime
  int prefix4 = -1, prefix6 = -1;    // --prefix4, --prefix6
  bool by_ip = false;                // --by-ip
  // list
  bool pending = false, validated = false, ip4 = false, ip6 = false, triplets = false, awl = false,
       correspondents = false, json = false;
  std::string target;                // list PREFIX; show, pass, forget ADDRESS|PREFIX; import-v8 DIR; explain CLIENT
  // explain
  std::string sender, recipient, helo, host, rules;
  bool has_envelope = false;
  // stats, report
  std::string prometheus;
  // report
  std::vector<std::string> logs;
  std::string svg;
  std::optional<std::string> pending_age;  // report --pending-age, when given
  std::size_t top = 10, max_keys = 1000000;
  // copy
  std::string from, to;
};

// What every verb shares: the clock, the policy, the key settings.
struct Context {
  long now = 0;
  timespec now_ts{};
  ExpiryPolicy policy;
  Settings settings;  // prefix4, prefix6, holdtime
  SenderSettings sender;  // JGREYLIST_AWL: how many passes whitelist a network
  StoreSettings store;
  bool holdtime_given = false;  // --holdtime
  bool failures = false;
};

[[noreturn]] void usage(std::string_view why) { die(kExitUsage, "{} (see --help)", why); }

// The command line's key settings over the environment's.
void apply_overrides(const Options& o, const Context& c, Settings* settings) {
  if (o.by_ip) {
    settings->prefix4 = 32;
    settings->prefix6 = 128;
  }
  if (o.prefix4 >= 0) settings->prefix4 = o.prefix4;
  if (o.prefix6 >= 0) settings->prefix6 = o.prefix6;
  if (c.holdtime_given) {
    auto v = parse_duration(o.holdtime);
    if (!v) usage("--holdtime: " + v.error().message);
    settings->holdtime = *v;
  }
}

// A store named on the command line: a Redis URL, or a directory.
bool names_redis(std::string_view spec) {
  return spec.starts_with("redis://") || spec.starts_with("redis-sentinel://") || spec.starts_with("unix:");
}

// A tree that is the filesystem's root by another name (a symlink to /) is
// refused here, once, before any verb reads or writes through it.
Result<std::unique_ptr<Store>> checked(Result<std::unique_ptr<Store>> store) {
  if (!store) return store;
  if (auto* tree = dynamic_cast<TreeStore*>(store->get())) {
    if (auto refused = tree->refuse_filesystem_root(); !refused) {
      return fail(std::string(tree->where()) + ": " + refused.error().message);
    }
  }
  return store;
}

Result<std::unique_ptr<Store>> open_named(const StoreSettings& base, const std::string& spec) {
  StoreSettings s = base;
  s.dir = nullptr;
  s.redis = nullptr;
  if (names_redis(spec)) {
    s.redis = spec.c_str();
    if (auto r = redis_settings_from_env(s); !r) return std::unexpected(r.error());
  } else {
    s.dir = spec.c_str();
  }
  return checked(open_store(s));
}

std::unique_ptr<Store> open_or_die(const Context& c, const Options& o) {
  if (!o.dir.empty() && !o.redis.empty()) usage("--dir and --redis: one store at a time");
  Result<std::unique_ptr<Store>> store = !o.dir.empty()     ? open_named(c.store, o.dir)
                                         : !o.redis.empty() ? open_named(c.store, o.redis)
                                                            : checked(open_store(c.store));
  if (!store) die(kExitUsage, "{}", shown(store.error().message));
  return std::move(*store);
}

// --- entries as text --------------------------------------------------------

// "ip4", "ip6", and the hashed kinds' subtrees: "triplet", "awl", "corr".
std::string_view family_name(const Key& key) {
  if (key.is_prefix()) return key.client().family() == Family::v4 ? "ip4" : "ip6";
  return hashed_top(key.kind());
}

// "192.0.2.0/24", "192.0.2.0/24 <a@example.org> <b@example.net>",
// "spf:example.org <a@example.org> <b@example.net>", "awl 192.0.2.0/24",
// "corr <friend@example.org> <user@example.net>".
std::string key_text(const Key& key) {
  switch (key.kind()) {
    case Key::Kind::prefix:
      return std::string(key.client().format().view());
    case Key::Kind::awl:
      return "awl " + std::string(key.client().format().view());
    case Key::Kind::correspondent:
      return "corr <" + shown(key.sender()) + "> <" + shown(key.recipient()) + ">";
    case Key::Kind::triplet:
      break;
  }
  return shown(key.client_text()) + " <" + shown(key.sender()) + "> <" + shown(key.recipient()) + ">";
}

// "1 pass", "7 passes".
std::string passes_text(unsigned long count) { return fmt::format("{} pass{}", count, count == 1 ? "" : "es"); }

// The entry's policy: awl and correspondent entries are never pending.
ExpiryPolicy policy_of(const Entry& e, const Context& c) { return expiry_for(e.key.kind(), c.policy); }

// Validated, for an awl entry: its network whitelisted (JGREYLIST_AWL
// passes counted).
bool is_validated(const Entry& e, const Context& c) {
  if (e.key.kind() == Key::Kind::awl) return c.sender.awl > 0 && e.count >= c.sender.awl;
  return judge(e.first_seen.tv_sec, e.last_seen.tv_sec, c.now, policy_of(e, c)).validated;
}

// The state word of the listings.
std::string_view state_name(const Entry& e, const Context& c) {
  if (e.key.kind() == Key::Kind::awl) return is_validated(e, c) ? "whitelisted" : "counting";
  return is_validated(e, c) ? "validated" : "pending";
}

std::string describe(const Entry& e, const Context& c) {
  if (e.key.kind() == Key::Kind::awl) {
    return fmt::format("{}, {} counted (JGREYLIST_AWL={}), first counted {} ({} ago), last counted {} ({} ago)",
                       state_name(e, c), passes_text(e.count), c.sender.awl, format_time(e.first_seen.tv_sec),
                       format_duration(c.now - e.first_seen.tv_sec), format_time(e.last_seen.tv_sec),
                       format_duration(c.now - e.last_seen.tv_sec));
  }
  return fmt::format("{}, first seen {} ({} ago), last seen {} ({} ago)", state_name(e, c),
                     format_time(e.first_seen.tv_sec), format_duration(c.now - e.first_seen.tv_sec),
                     format_time(e.last_seen.tv_sec), format_duration(c.now - e.last_seen.tv_sec));
}

// Whether `key` is at or under `under` (its network inside under's). A
// key without a network (an SPF-aware triplet, a correspondent) is under
// none.
bool within(const Key& key, const Prefix& under) {
  if (key.kind() == Key::Kind::correspondent || !key.spf_domain().empty()) return false;
  const Prefix& p = key.client();
  return p.family() == under.family() && p.length() >= under.length() &&
         Prefix(p.address(), under.length()) == under;
}

// An ADDRESS (keyed by the settings) or a PREFIX (taken as it is).
Result<Prefix> key_argument(const std::string& text, const Context& c) {
  if (text.find('/') != std::string::npos) return Prefix::parse(text);
  auto address = Address::parse(text);
  if (!address) return std::unexpected(address.error());
  return key_for(*address, c.settings).client();
}

// --- list ----------------------------------------------------------------------

class Lister : public EntryVisitor {
 public:
  Lister(const Options& o, Context& c, std::optional<Prefix> under) : o_(o), c_(c), under_(under) {}

  void entry(const Entry& e) override {
    bool validated = is_validated(e, c_);
    if ((o_.pending && validated) || (o_.validated && !validated)) return;
    std::string_view family = family_name(e.key);
    if (o_.ip4 || o_.ip6 || o_.triplets || o_.awl || o_.correspondents) {
      bool wanted = (o_.ip4 && family == "ip4") || (o_.ip6 && family == "ip6") || (o_.triplets && family == "triplet") ||
                    (o_.awl && family == "awl") || (o_.correspondents && family == "corr");
      if (!wanted) return;
    }
    if (under_ && !within(e.key, *under_)) return;
    std::string_view state = state_name(e, c_);
    std::string first = format_time(e.first_seen.tv_sec), last = format_time(e.last_seen.tv_sec);
    if (o_.json) {
      std::string extra;
      if (e.key.is_triplet()) {
        extra = fmt::format(",\"client\":{},\"sender\":{},\"recipient\":{}", json_string(e.key.client_text()),
                            json_string(e.key.sender()), json_string(e.key.recipient()));
      } else if (e.key.kind() == Key::Kind::correspondent) {
        extra = fmt::format(",\"sender\":{},\"recipient\":{}", json_string(e.key.sender()),
                            json_string(e.key.recipient()));
      } else if (e.key.kind() == Key::Kind::awl) {
        extra = fmt::format(",\"client\":\"{}\",\"count\":{}", e.key.client().format().view(), e.count);
      }
      fmt::print("{{\"key\":{},\"family\":\"{}\",\"state\":\"{}\",\"first_seen\":\"{}\",\"last_seen\":\"{}\"{}}}\n",
                 json_string(key_text(e.key)), family, state, first, last, extra);
    } else if (e.key.kind() == Key::Kind::awl) {
      fmt::print("{}\t{}\t{}\t{}\t{}\n", key_text(e.key), state, first, last, passes_text(e.count));
    } else {
      fmt::print("{}\t{}\t{}\t{}\n", key_text(e.key), state, first, last);
    }
  }

  // A name that is not an entry is left alone; one that cannot be read is
  // an entry missing from the listing: exit 1.
  void problem(const Error& error) override {
    if (error.temporary) c_.failures = true;
    warn("{}", shown(error.message));
  }

 private:
  const Options& o_;
  Context& c_;
  std::optional<Prefix> under_;
};

void list_options(CLI::App& cmd, Options& o) {
  cmd.add_flag("--pending", o.pending, "pending entries only");
  cmd.add_flag("--validated", o.validated, "validated entries only");
  cmd.add_flag("--ip4", o.ip4, "IPv4 keys");
  cmd.add_flag("--ip6", o.ip6, "IPv6 keys");
  cmd.add_flag("--triplets", o.triplets, "envelope (triplet) keys");
  cmd.add_flag("--awl", o.awl, "networks' counts of passes (auto-whitelisting)");
  cmd.add_flag("--correspondents", o.correspondents, "correspondents of our users");
  cmd.add_flag("--json", o.json, "one JSON object a line");
  cmd.add_option("PREFIX", o.target, "only keys at or under this prefix (192.0.2.0/24, 2001:db8::/32)");
}

int list(const Options& o, Context& c) {
  std::optional<Prefix> under;
  if (!o.target.empty()) {
    auto p = Prefix::parse(o.target);
    if (!p) usage("list " + shown(o.target) + ": " + p.error().message);
    under = *p;
  }
  auto store = open_or_die(c, o);
  Lister lister(o, c, under);
  if (auto r = store->enumerate(lister); !r) die(kExitTrouble, "{}: {}", shown(store->where()), shown(r.error().message));
  return c.failures ? kExitTrouble : kExitOk;
}

// --- show --------------------------------------------------------------------------

void show_options(CLI::App& cmd, Options& o) {
  cmd.add_option("ADDRESS", o.target, "a client's IPv4 or IPv6 address")->required();
}

// The network's auto-whitelisting count, as jgreylist-queue and
// jgreylist-policy (triplet keys) judge it, when it has one.
void show_awl(Store* store, const Key& key, const Context& c) {
  Key awl = Key::awl(key.client());
  auto found = store->find(awl);
  if (!found) die(kExitTrouble, "{}: {}", shown(store->where()), shown(found.error().message));
  if (!*found) return;
  const Entry& e = **found;
  bool passes = awl_passes(e, c.sender.awl, c.now, c.policy);
  fmt::print("awl      {}: {}{}\n", awl.client().format().view(), describe(e, c),
             is_validated(e, c) && !passes ? " (expired: counts start over)" : "");
}

int show(const Options& o, Context& c) {
  auto address = Address::parse(o.target);
  if (!address) usage("show " + shown(o.target) + ": " + address.error().message);
  auto store = open_or_die(c, o);
  Key key = key_for(*address, c.settings);
  int length = key.client().length();
  fmt::print("address  {}\n", address->format().view());
  fmt::print("key      {} (JGREYLIST_PREFIX{}={})\n", key.client().format().view(),
             address->is_v4() ? '4' : '6', length);
  auto found = store->find(key);
  if (!found) die(kExitTrouble, "{}: {}", shown(store->where()), shown(found.error().message));
  if (!*found) {
    fmt::print("entry    none\n");
    fmt::print("verdict  GREY first time: no entry yet; greylisted for {} from its first attempt\n",
               format_duration(c.settings.holdtime));
    show_awl(store.get(), key, c);
    return kExitOk;
  }
  const Entry& e = **found;
  if (!(e.key == key)) {
    fmt::print("entry    {} (a shorter key's entry, which answers for this client): {}\n", key_text(e.key),
               describe(e, c));
  } else {
    fmt::print("entry    {}: {}\n", key_text(e.key), describe(e, c));
  }
  // As the store's observe() judges it: an expired entry starts over.
  bool expired = judge(e.first_seen.tv_sec, e.last_seen.tv_sec, c.now, c.policy).expired;
  Verdict v = expired ? Verdict::grey_expired
                      : decide_from_sighting(Sighting{false, e.first_seen, e.last_seen}, c.now_ts, c.settings.holdtime);
  long passes_at = e.first_seen.tv_sec + c.settings.holdtime;
  if (v == Verdict::grey_expired) {
    fmt::print("verdict  {}: past its retry window; its next attempt starts it over, and passes the hold time ({}) "
               "after that\n",
               log_words(v), format_duration(c.settings.holdtime));
  } else if (v == Verdict::ok_known) {
    fmt::print("verdict  {}: first seen {} ago, at least the hold time ({})\n", log_words(v),
               format_duration(c.now - e.first_seen.tv_sec), format_duration(c.settings.holdtime));
  } else {
    fmt::print("verdict  {}: passes from {} (in {}), the hold time ({}) after its first sighting\n", log_words(v),
               format_time(passes_at), format_duration(passes_at - c.now), format_duration(c.settings.holdtime));
  }
  long expires = expires_at(e.first_seen.tv_sec, e.last_seen.tv_sec, c.policy);
  fmt::print("expires  {} unless seen again{}\n", format_time(expires),
             expires <= c.now ? " (already due: the cleaner removes it at its next run)" : "");
  show_awl(store.get(), key, c);
  fmt::print("note     rules (JGREYLIST, RELAYCLIENT, JGREYLIST_NOREV) are not consulted here\n");
  return kExitOk;
}

// --- pass, forget ---------------------------------------------------------------------

// pass and forget take the same operand.
void target_options(CLI::App& cmd, Options& o) {
  cmd.add_option("TARGET", o.target, "an ADDRESS (keyed as jgreylist keys it) or a PREFIX")->required();
}

void forget_options(CLI::App& cmd, Options& o) {
  cmd.add_option("TARGET", o.target,
                 "an ADDRESS (keyed as jgreylist keys it) or a PREFIX: its entries, triplets and pass count; "
                 "spf:DOMAIN: that domain's triplets; a mail address: its correspondent entries")
      ->required();
}

int pass(const Options& o, Context& c) {
  auto prefix = key_argument(o.target, c);
  if (!prefix) usage("pass " + shown(o.target) + ": " + prefix.error().message);
  auto store = open_or_die(c, o);
  Key key(*prefix);
  auto found = store->find(key);
  if (!found) die(kExitTrouble, "{}: {}", shown(store->where()), shown(found.error().message));
  // A shorter key's entry that answers for this one is what must pass.
  if (*found) key = (*found)->key;
  timespec first = c.now_ts;
  first.tv_sec -= c.settings.holdtime;
  if (*found && (*found)->first_seen.tv_sec < first.tv_sec) first = (*found)->first_seen;
  Entry passed{key, first, c.now_ts};
  if (auto r = store->set_times(passed); !r) {
    die(kExitTrouble, "pass {}: {}", key_text(key), shown(r.error().message));
  }
  fmt::print("passed {}: {} (was: {})\n", key_text(key), describe(passed, c),
             *found ? describe(**found, c) : std::string("no entry"));
  return kExitOk;
}

// What forget removes: every entry at or under a prefix (prefix, triplet
// and awl keys of its networks); an SPF domain's triplets (spf:DOMAIN);
// or the correspondent entries an address is in, on either side.
struct ForgetTarget {
  std::optional<Prefix> prefix;
  std::string spf_domain;
  std::string address;

  bool matches(const Key& key) const {
    if (prefix) return within(key, *prefix);
    if (!spf_domain.empty()) return key.is_triplet() && key.spf_domain() == spf_domain;
    return key.kind() == Key::Kind::correspondent && (key.sender() == address || key.recipient() == address);
  }
  std::string text() const {
    if (prefix) return std::string(prefix->format().view());
    if (!spf_domain.empty()) return std::string(Key::kSpfMark) + spf_domain;
    return "<" + shown(address) + ">";
  }
};

ForgetTarget forget_target(const std::string& text, const Context& c) {
  ForgetTarget t;
  if (text.starts_with(Key::kSpfMark)) {
    t.spf_domain = normalise_recipient(std::string_view(text).substr(Key::kSpfMark.size()));
    if (t.spf_domain.empty() || t.spf_domain.size() > Key::kMaxDomain) usage("forget " + shown(text) + ": no domain after spf:");
    return t;
  }
  if (text.find('@') != std::string::npos) {
    t.address = normalise_recipient(text);
    return t;
  }
  auto prefix = key_argument(text, c);
  if (!prefix) usage("forget " + shown(text) + ": " + prefix.error().message);
  t.prefix = *prefix;
  return t;
}

// Removes every entry the target matches, found by enumeration.
class Forgetter : public EntryVisitor {
 public:
  Forgetter(Store& store, Context& c, const ForgetTarget& target) : store_(store), c_(c), target_(target) {}

  void entry(const Entry& e) override {
    if (!target_.matches(e.key)) return;
    auto removed = store_.forget(e.key);
    if (!removed) {
      c_.failures = true;
      warn("cannot forget {}: {}", key_text(e.key), shown(removed.error().message));
      return;
    }
    if (!*removed) return;  // gone meanwhile
    ++count;
    fmt::print("forgot {}: {}\n", key_text(e.key), describe(e, c_));
  }
  void problem(const Error& error) override { warn("{}", shown(error.message)); }

  unsigned long count = 0;

 private:
  Store& store_;
  Context& c_;
  const ForgetTarget& target_;
};

int forget(const Options& o, Context& c) {
  ForgetTarget target = forget_target(o.target, c);
  auto store = open_or_die(c, o);
  Forgetter forgetter(*store, c, target);
  if (auto r = store->enumerate(forgetter); !r) {
    die(kExitTrouble, "{}: {}", shown(store->where()), shown(r.error().message));
  }
  if (forgetter.count == 0) {
    fmt::print("no entry {} {}\n", target.prefix ? "at or under" : "of", target.text());
  }
  if (!target.prefix) return c.failures ? kExitTrouble : kExitOk;
  const Prefix& prefix = *target.prefix;
  auto covering = store->find(Key(prefix));
  if (covering && *covering && !((*covering)->key == Key(prefix)) && !within((*covering)->key, prefix)) {
    fmt::print("note: {} still answers for {} (a shorter key's entry; forget it by its prefix)\n",
               key_text((*covering)->key), prefix.format().view());
  }
  return c.failures ? kExitTrouble : kExitOk;
}

// --- stats ---------------------------------------------------------------------------

// Ages since last seen, the histogram's buckets.
struct Bucket {
  long upto;  // seconds; 0: the rest
  const char* label;
  const char* le;
};
constexpr Bucket kBuckets[] = {{3600, "< 1 hour", "3600"},
                               {86400, "< 1 day", "86400"},
                               {7 * 86400, "< 1 week", "604800"},
                               {35 * 86400, "< 35 days", "3024000"},
                               {0, ">= 35 days", "+Inf"}};
constexpr int kBucketCount = sizeof kBuckets / sizeof kBuckets[0];
// The families as the table and the Prometheus file count them; awl/ and
// corr/ are shown only in stores that hold them.
constexpr std::string_view kFamilies[] = {"ip4", "ip6", "triplet", "awl", "corr"};
constexpr int kFamilyCount = sizeof kFamilies / sizeof kFamilies[0];
constexpr int kAlwaysShown = 3;

// The two states of a family, as Prometheus labels them: an awl entry's
// network is counting passes or whitelisted.
std::string_view state_label(int family, int validated) {
  if (kFamilies[family] == "awl") return validated ? "whitelisted" : "counting";
  return validated ? "validated" : "pending";
}

class Counter : public EntryVisitor {
 public:
  explicit Counter(Context& c) : c_(c) {}

  void entry(const Entry& e) override {
    int f = static_cast<int>(std::find(std::begin(kFamilies), std::end(kFamilies), family_name(e.key)) -
                             std::begin(kFamilies));
    ++counts[f][is_validated(e, c_) ? 1 : 0];
    long age = c_.now - e.last_seen.tv_sec;
    if (age < 0) age = 0;
    // The table's rows are "less than"; Prometheus's le is "at most".
    int b = 0;
    while (kBuckets[b].upto != 0 && age >= kBuckets[b].upto) ++b;
    ++ages[b];
    b = 0;
    while (kBuckets[b].upto != 0 && age > kBuckets[b].upto) ++b;
    ++at_most[b];
    age_sum += static_cast<double>(age);
  }
  void problem(const Error& error) override {
    ++problems;
    if (error.temporary) c_.failures = true;
    warn("{}", shown(error.message));
  }

  unsigned long counts[kFamilyCount][2] = {};  // [family][validated]
  unsigned long ages[kBucketCount] = {};     // age < upto, for people
  unsigned long at_most[kBucketCount] = {};  // age <= upto, for Prometheus
  double age_sum = 0;
  unsigned long problems = 0;

 private:
  Context& c_;
};

std::string stats_text(const Counter& k) {
  std::string out = fmt::format("{:<8} {:>10} {:>10} {:>10}\n", "family", "pending", "validated", "total");
  unsigned long all[2] = {};
  for (int f = 0; f < kFamilyCount; ++f) {
    if (f >= kAlwaysShown && k.counts[f][0] + k.counts[f][1] == 0) continue;
    out += fmt::format("{:<8} {:>10} {:>10} {:>10}\n", kFamilies[f], k.counts[f][0], k.counts[f][1],
                       k.counts[f][0] + k.counts[f][1]);
    all[0] += k.counts[f][0];
    all[1] += k.counts[f][1];
  }
  out += fmt::format("{:<8} {:>10} {:>10} {:>10}\n", "all", all[0], all[1], all[0] + all[1]);
  if (k.counts[3][0] + k.counts[3][1] != 0) {
    out += "(awl: pending counts passes, validated is whitelisted; corr entries are never pending)\n";
  }
  out += "\n";
  unsigned long most = 0;
  for (unsigned long n : k.ages) most = std::max(most, n);
  out += "last seen      entries\n";
  for (int b = 0; b < kBucketCount; ++b) {
    std::size_t bar = most == 0 ? 0 : static_cast<std::size_t>((k.ages[b] * 40 + most - 1) / most);
    std::string line = fmt::format("{:<12} {:>10}  {}", kBuckets[b].label, k.ages[b], std::string(bar, '#'));
    out += line.substr(0, line.find_last_not_of(' ') + 1) + "\n";
  }
  if (k.problems != 0) out += fmt::format("\n{} names or keys that are not entries (named above)\n", k.problems);
  return out;
}

std::string prometheus_text(const Counter& k, const Context& c) {
  std::string out =
      "# HELP jgreylist_entries Greylisting entries in the store, by family and state.\n"
      "# TYPE jgreylist_entries gauge\n";
  for (int f = 0; f < kFamilyCount; ++f) {
    for (int v = 0; v < 2; ++v) {
      out += fmt::format("jgreylist_entries{{family=\"{}\",state=\"{}\"}} {}\n", kFamilies[f], state_label(f, v),
                         k.counts[f][v]);
    }
  }
  out +=
      "# HELP jgreylist_entry_last_seen_age_seconds Time since each entry was last seen.\n"
      "# TYPE jgreylist_entry_last_seen_age_seconds histogram\n";
  unsigned long cumulative = 0;
  for (int b = 0; b < kBucketCount; ++b) {
    cumulative += k.at_most[b];
    out += fmt::format("jgreylist_entry_last_seen_age_seconds_bucket{{le=\"{}\"}} {}\n", kBuckets[b].le, cumulative);
  }
  out += fmt::format("jgreylist_entry_last_seen_age_seconds_sum {:.0f}\n", k.age_sum);
  out += fmt::format("jgreylist_entry_last_seen_age_seconds_count {}\n", cumulative);
  out +=
      "# HELP jgreylist_store_problems Names or keys in the store that are not entries.\n"
      "# TYPE jgreylist_store_problems gauge\n";
  out += fmt::format("jgreylist_store_problems {}\n", k.problems);
  out +=
      "# HELP jgreylist_stats_timestamp_seconds When these figures were taken.\n"
      "# TYPE jgreylist_stats_timestamp_seconds gauge\n";
  out += fmt::format("jgreylist_stats_timestamp_seconds {}\n", c.now);
  return out;
}

// The families stats writes into the textfile: report's are report's.
bool stats_metric(std::string_view name) { return name.starts_with("jgreylist_") && !report_metric(name); }

void stats_options(CLI::App& cmd, Options& o) {
  cmd.add_option("--prometheus", o.prometheus, "also write node_exporter's textfile format to FILE");
}

int stats(const Options& o, Context& c) {
  auto store = open_or_die(c, o);
  Counter counter(c);
  if (auto r = store->enumerate(counter); !r) die(kExitTrouble, "{}: {}", shown(store->where()), shown(r.error().message));
  fmt::print("{}", stats_text(counter));
  if (!o.prometheus.empty()) {
    if (auto r = write_textfile(o.prometheus, stats_metric, prometheus_text(counter, c)); !r) {
      die(kExitTrouble, "--prometheus: {}", shown(r.error().message));
    }
  }
  return c.failures ? kExitTrouble : kExitOk;
}

// --- import-v8, copy -------------------------------------------------------------

// Writes every entry it is given into `to`, times kept.
class Copier : public EntryVisitor, public TreeVisitor {
 public:
  Copier(Store& to, Context& c) : to_(to), c_(c) {}

  void entry(const Entry& e) override {
    if (judge(e.first_seen.tv_sec, e.last_seen.tv_sec, c_.now, policy_of(e, c_)).expired) {
      ++expired;
      return;
    }
    if (auto r = to_.set_times(e); !r) {
      c_.failures = true;
      warn("cannot copy {}: {}", key_text(e.key), shown(r.error().message));
      // A store that is away fails every entry, each after its timeout:
      // stop rather than name a million of them.
      if (++failed_in_a_row == kGiveUpAfter) {
        die(kExitTrouble, "{} entries failed in a row: stopped, {} copied before", kGiveUpAfter, copied);
      }
      return;
    }
    failed_in_a_row = 0;
    ++copied;
  }
  void problem(const Error& error) override {
    if (error.temporary) c_.failures = true;
    warn("{}", shown(error.message));
  }

  // A v8 tree, walked directly.
  bool entry(const EntryVisit& v) override {
    entry(Entry{Key(v.key), v.st.st_mtim, v.st.st_atim});
    return false;
  }
  bool empty_directory(int, const char*, std::string_view) override { return false; }
  void junk(std::string_view path, std::string_view why) override { warn("{}: {}", shown(path), why); }
  void error(std::string_view path, int sys_errno) override {
    c_.failures = true;
    warn("{}: {}", shown(path), std::strerror(sys_errno));
  }

  unsigned long copied = 0, expired = 0;

 private:
  static constexpr int kGiveUpAfter = 10;
  int failed_in_a_row = 0;
  Store& to_;
  Context& c_;
};

// One read before the first write: a store that is away or refuses us
// fails here with one line, not once per entry.
void probe(Store& store) {
  if (auto r = store.find(Key(Prefix(Address::v4(0), 0))); !r) {
    die(kExitTrouble, "{}: {}", shown(store.where()), shown(r.error().message));
  }
}

int finish_copy(const Copier& copier, const Context& c, std::string_view from, std::string_view to) {
  fmt::print("{} entries copied from {} to {}, {} expired ones left out{}\n", copier.copied, shown(from), shown(to),
             copier.expired, c.failures ? ", some failed (named above)" : "");
  return c.failures ? kExitTrouble : kExitOk;
}

void import_v8_options(CLI::App& cmd, Options& o) {
  cmd.add_option("DIR", o.target, "the v8 tree (192/000/002, no ip4/)")->required();
}

int import_v8(const Options& o, Context& c) {
  auto to = open_or_die(c, o);
  auto v8 = TreeStore::open(o.target.c_str());
  if (!v8) die(kExitUsage, "import-v8: {}", shown(v8.error().message));
  if (auto refused = v8->refuse_filesystem_root(); !refused) {
    die(kExitUsage, "import-v8 {}: {}", shown(o.target), refused.error().message);
  }
  probe(*to);
  Copier copier(*to, c);
  if (auto r = walk_v8_tree(v8->root(), copier); !r) die(kExitUsage, "import-v8 {}: {}", shown(o.target), r.error().message);
  return finish_copy(copier, c, o.target, to->where());
}

void copy_options(CLI::App& cmd, Options& o) {
  cmd.add_option("--from", o.from, "a directory or a Redis URL")->required();
  cmd.add_option("--to", o.to, "a directory or a Redis URL")->required();
}

int copy(const Options& o, Context& c) {
  auto from = open_named(c.store, o.from);
  if (!from) die(kExitUsage, "--from: {}", shown(from.error().message));
  auto to = open_named(c.store, o.to);
  if (!to) die(kExitUsage, "--to: {}", shown(to.error().message));
  probe(**to);
  Copier copier(**to, c);
  if (auto r = (*from)->enumerate(copier); !r) {
    die(kExitTrouble, "{}: {}", shown((*from)->where()), shown(r.error().message));
  }
  return finish_copy(copier, c, (*from)->where(), (*to)->where());
}

// --- explain ---------------------------------------------------------------------

void explain_options(CLI::App& cmd, Options& o) {
  cmd.add_option("CLIENT", o.target, "the client's IPv4 or IPv6 address")->required();
  cmd.add_option("SENDER", o.sender, "the envelope sender (<> or an empty word for a bounce)");
  cmd.add_option("RECIPIENT", o.recipient, "one envelope recipient");
  cmd.add_option("--helo", o.helo, "the client's HELO name (SPF of a bounce, in jgreylist-policy)");
  cmd.add_option("--host", o.host, "the client's reverse DNS name, as tcpserver gives it (JGREYLIST_NOREV)");
  cmd.add_option("--rules", o.rules, "a tcprules cdb to look the client up in (default: $JGREYLIST_RULES)");
}

// What a program would decide: its log words and why.
struct Decision {
  Verdict verdict;
  std::string why;
};

// The verdict a store's entry gives now, as observe() and the decision
// would (nothing is observed).
Decision entry_decision(const std::optional<Entry>& found, const Context& c, const Settings& s) {
  if (!found) return {Verdict::grey_first, "no entry: the first attempt makes it"};
  const Entry& e = *found;
  if (judge(e.first_seen.tv_sec, e.last_seen.tv_sec, c.now, policy_of(e, c)).expired) {
    return {Verdict::grey_expired, "past its retry window: the next attempt starts it over"};
  }
  Verdict v = decide_from_sighting(Sighting{false, e.first_seen, e.last_seen}, c.now_ts, s.holdtime);
  if (v == Verdict::ok_known) return {v, fmt::format("first seen {} ago, at least the hold time ({})",
                                                     format_duration(c.now - e.first_seen.tv_sec),
                                                     format_duration(s.holdtime))};
  long at = e.first_seen.tv_sec + s.holdtime;
  return {v, fmt::format("passes from {} (in {})", format_time(at), format_duration(at - c.now))};
}

// Everything explain looks up, once, for the three programs' decisions.
struct Explained {
  Address client;
  const char* host = nullptr;  // --host: TCPREMOTEHOST as tcpserver would give it
  Settings settings;       // the environment's, with the client's rule over it
  SenderSettings sender;
  bool has_envelope = false;
  std::string sender_address, recipient;  // as given ("<>" is the empty sender)
  std::optional<Entry> network;           // the client's prefix key's entry
  std::optional<Entry> awl;
  std::optional<Entry> correspondent;
  std::optional<Entry> triplet;
  std::optional<SpfKeying> spf;
  std::string triplet_text;
};

std::optional<Entry> found_or_die(Store& store, const Key& key) {
  auto found = store.find(key);
  if (!found) die(kExitTrouble, "{}: {}", shown(store.where()), shown(found.error().message));
  return *found;
}

// One program's decision: `triplet` whether it keys on the envelope,
// `sender_aware` whether it sees the envelope at all (correspondents).
Decision program_decision(const Explained& x, const Context& c, bool triplet, bool sender_aware) {
  const Settings& s = x.settings;
  Verdict v;
  if (decide_without_store(s, x.host, &v)) {
    return {v, v == Verdict::deny_norev ? "JGREYLIST_NOREV, and no reverse name (--host)"
                                        : "decided before the store (JGREYLIST, RELAYCLIENT)"};
  }
  if (sender_aware && x.has_envelope && x.sender.correspondents && !x.sender_address.empty() && x.correspondent &&
      correspondent_passes(*x.correspondent, c.now, c.policy)) {
    return {Verdict::ok_correspondent, "the sender is one the recipient wrote to"};
  }
  if (!triplet) return entry_decision(x.network, c, s);
  if (!x.has_envelope) return {Verdict::grey_first, "keyed on the envelope: give SENDER and RECIPIENT"};
  Decision d = entry_decision(x.triplet, c, s);
  if (!passes(d.verdict) && x.awl && awl_passes(*x.awl, x.sender.awl, c.now, c.policy)) {
    return {Verdict::ok_awl, fmt::format("its network has {} counted (JGREYLIST_AWL={})", passes_text(x.awl->count),
                                         x.sender.awl)};
  }
  return d;
}

int explain(const Options& o, Context& c) {
  auto address = Address::parse(o.target);
  if (!address) usage("explain " + shown(o.target) + ": " + address.error().message);
  Explained x;
  x.client = *address;
  x.has_envelope = !o.recipient.empty();
  if (!o.sender.empty() && o.recipient.empty()) usage("explain: a SENDER needs a RECIPIENT");
  x.sender_address = o.sender == "<>" ? std::string() : o.sender;
  x.recipient = o.recipient;
  const char* host = o.host.empty() ? nullptr : o.host.c_str();
  x.host = host;

  // The client's rule, as tcpserver -x or JGREYLIST_RULES would apply it.
  std::string rules_path = o.rules;
  if (rules_path.empty()) {
    if (const char* env = env_get("JGREYLIST_RULES"); env != nullptr) rules_path = env;
  }
  std::vector<std::string> rule_settings;
  std::string rule_line = "none given (--rules, JGREYLIST_RULES)";
  if (!rules_path.empty()) {
    auto cdb = RulesCdb::open(rules_path.c_str());
    if (!cdb) die(kExitUsage, "--rules {}: {}", shown(rules_path), shown(cdb.error().message));
    auto match = cdb->check(tcpserver_text(*address), host, nullptr);
    if (!match) die(kExitTrouble, "--rules {}: {}", shown(rules_path), shown(match.error().message));
    if (!*match) {
      rule_line = fmt::format("{}: no rule for this client", shown(rules_path));
    } else if ((*match)->deny) {
      fmt::print("client   {}\nrules    {}: {}: deny (every program refuses the connection or the mail)\n",
                 address->format().view(), shown(rules_path), shown((*match)->key));
      return kExitOk;
    } else {
      rule_settings = (*match)->settings;
      std::string set;
      for (const std::string& v : rule_settings) set += (set.empty() ? "" : ",") + shown(v);
      rule_line = fmt::format("{}: {}: allow{}{}", shown(rules_path), shown((*match)->key), set.empty() ? "" : ",", set);
    }
  }
  EnvOverlay overlay(rule_settings);
  auto settings = settings_from_env();
  if (!settings) die(kExitUsage, "the client's settings: {}", shown(settings.error().message));
  x.settings = *settings;
  apply_overrides(o, c, &x.settings);
  auto sender = sender_settings_from_env();
  if (!sender) die(kExitUsage, "the client's settings: {}", shown(sender.error().message));
  x.sender = *sender;
  auto key_kind = key_kind_from_env(KeyKind::triplet);
  if (!key_kind) die(kExitUsage, "{}", shown(key_kind.error().message));
  const char* key_env = env_get("JGREYLIST_KEY");
  bool key_set = key_env != nullptr && *key_env != '\0';
  bool queue_triplet = *key_kind == KeyKind::triplet;
  bool policy_triplet = key_set && *key_kind == KeyKind::triplet;

  auto store = open_or_die(c, o);
  Key network = key_for(*address, x.settings);
  x.network = found_or_die(*store, network);
  x.awl = found_or_die(*store, Key::awl(network.client()));
  std::string spf_line = "not asked: JGREYLIST_SPF is off";
  if (x.has_envelope) {
    if (!x.sender_address.empty()) {
      x.correspondent = found_or_die(*store, correspondent_for(x.sender_address, x.recipient));
    }
    std::string sender_key = normalise_sender(x.sender_address), recipient_key = normalise_recipient(x.recipient);
    Key triplet = Key::triplet(network.client(), sender_key, recipient_key);
    if (x.settings.spf) {
      auto dns = dns_settings_from_env();
      if (!dns) die(kExitUsage, "{}", shown(dns.error().message));
      SpfKeyer keyer(std::move(*dns), nullptr);
      x.spf = keyer.evaluate(*address, x.sender_address, o.helo);
      triplet = spf_aware_triplet(*x.spf, network.client(), sender_key, recipient_key);
      spf_line = fmt::format("{}{}{}", result_name(x.spf->result),
                             x.spf->domain.empty() ? "" : " for " + shown(x.spf->domain),
                             x.spf->detail.empty() ? "" : " (" + shown(x.spf->detail) + ")");
      spf_line += x.spf->result == SpfResult::pass ? ": the triplet is keyed on the domain"
                                                   : ": the triplet keeps the network's key";
    }
    x.triplet_text = key_text(triplet);
    x.triplet = found_or_die(*store, triplet);
  } else if (x.settings.spf) {
    spf_line = "not asked: no SENDER given";
  }

  auto entry_line = [&](const std::optional<Entry>& e, std::string_view none) {
    return e ? key_text(e->key) + ": " + describe(*e, c) : std::string(none);
  };
  fmt::print("client   {}{}\n", address->format().view(), host ? " (" + shown(o.host) + ")" : std::string());
  fmt::print("rules    {}\n", rule_line);
  fmt::print("network  {}\n", x.network ? entry_line(x.network, "")
                                         : std::string(network.client().format().view()) + ": no entry");
  fmt::print("awl      {}\n", x.awl ? fmt::format("{}: {}", network.client().format().view(), describe(*x.awl, c))
                                      : fmt::format("{}: no pass counted (JGREYLIST_AWL={})",
                                                    network.client().format().view(), x.sender.awl));
  if (x.has_envelope) {
    fmt::print("spf      {}\n", spf_line);
    fmt::print("triplet  {}\n", x.triplet ? entry_line(x.triplet, "") : x.triplet_text + ": no entry");
    fmt::print("corr     {}\n", !x.sender.correspondents ? std::string("not consulted: JGREYLIST_CORRESPONDENTS is off")
                                 : x.sender_address.empty() ? std::string("none: a bounce has no correspondent")
                                 : x.correspondent ? entry_line(x.correspondent, "")
                                                   : fmt::format("none: <{}> has not written to <{}>",
                                                                 shown(x.recipient), shown(x.sender_address)));
  }
  struct {
    const char* name;
    bool triplet;
    bool sender_aware;
  } programs[] = {{"jgreylist", false, false},
                  {"jgreylist-queue", queue_triplet, true},
                  {"jgreylist-policy", policy_triplet, true}};
  for (const auto& p : programs) {
    Decision d = program_decision(x, c, p.triplet, p.sender_aware);
    fmt::print("{:<17}{}: {} (keyed on {})\n", p.name, log_words(d.verdict), d.why,
               p.triplet ? "the envelope" : "the client's network");
  }
  return kExitOk;
}

// --- report ------------------------------------------------------------------------

void report_options(CLI::App& cmd, Options& o) {
  cmd.add_option("LOG", o.logs, "log files of jgreylist, jgreylist-queue, jgreylist-policy, oldest first (default, or -: "
                                "standard input)");
  cmd.add_flag("--json", o.json, "the figures as one JSON object");
  cmd.add_option("--prometheus", o.prometheus, "also write counters and a delay histogram into the textfile FILE");
  cmd.add_option("--svg", o.svg, "also draw the delays and the decisions over time into FILE");
  cmd.add_option("--top", o.top, "names in each list (default 10)")->check(CLI::Range(1, 1000));
  cmd.add_option("--pending-age", o.pending_age,
                 "a key not passed this long after its first attempt never came back (default $JGREYLIST_PENDING_AGE, "
                 "else 1d)");
  cmd.add_option("--max-keys", o.max_keys, "greylisted keys followed at once (default 1000000)")
      ->check(CLI::Range(std::size_t{1}, std::size_t{100000000}));
}

// Writes `text` to `path` whole or not at all (an image a web page shows).
Result<void> write_whole(const std::string& path, const std::string& text) {
  auto file = ReplacingFile::create_beside(path, 0644);
  if (!file) return std::unexpected(file.error());
  if (auto written = file->write(text); !written) return written;
  return file->commit();
}

int report(const Options& o, Context& c) {
  ReportSettings settings;
  settings.prefix4 = c.settings.prefix4;
  settings.prefix6 = c.settings.prefix6;
  settings.pending_age = c.policy.pending_age;
  settings.max_keys = o.max_keys;
  if (o.pending_age) {
    auto age = parse_duration(*o.pending_age);
    if (!age || *age <= 0) usage("--pending-age: " + (age ? std::string("must be more than 0") : age.error().message));
    settings.pending_age = *age;
  }
  Report r(settings);
  LineReader reader(c.now);
  std::vector<std::string> logs = o.logs.empty() ? std::vector<std::string>{"-"} : o.logs;
  for (const std::string& log : logs) {
    bool stdin_log = log == "-";
    int fd = stdin_log ? 0 : open(log.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      warn("{}: {}", shown(log), std::strerror(errno));
      c.failures = true;
      continue;
    }
    if (auto read = read_log(fd, stdin_log ? "standard input" : shown(log), reader, r); !read) {
      warn("{}", read.error().message);
      c.failures = true;
    }
    if (!stdin_log) close(fd);
  }
  r.finish();
  fmt::print("{}", o.json ? report_json(r, o.top) : report_text(r, o.top));
  if (!o.prometheus.empty()) {
    if (auto w = write_textfile(o.prometheus, report_metric, report_prometheus(r)); !w) {
      die(kExitTrouble, "--prometheus: {}", shown(w.error().message));
    }
  }
  if (!o.svg.empty()) {
    if (auto w = write_whole(o.svg, report_svg(r)); !w) die(kExitTrouble, "--svg: {}", shown(w.error().message));
  }
  return c.failures ? kExitTrouble : kExitOk;
}

// --- the verbs ---------------------------------------------------------------------

// A verb: its name and one line of help, the options it adds, what it does.
struct Verb {
  const char* name;
  const char* help;
  void (*options)(CLI::App& cmd, Options& o);
  int (*run)(const Options& o, Context& c);
};

constexpr Verb kVerbs[] = {
    {"list", "every entry: key, state, first seen, last seen (tab-separated)", list_options, list},
    {"show", "the key of an address, its entry, and jgreylist's verdict now", show_options, show},
    {"pass", "make a key validated now, so that its next attempt passes", target_options, pass},
    {"forget", "remove every entry at or under a key, of an SPF domain, or of a correspondent", forget_options,
     forget},
    {"stats", "counts by family and state, entries by age", stats_options, stats},
    {"import-v8", "a jgreylist v8 tree into the store, times kept", import_v8_options, import_v8},
    {"copy", "every entry of one store into another, times kept", copy_options, copy},
    {"explain", "what jgreylist, jgreylist-queue and jgreylist-policy would decide now, and why", explain_options,
     explain},
    {"report", "what greylisting cost, from the programs' logs: decisions, delays, keys that never came back",
     report_options, report},
};

// --- main ----------------------------------------------------------------------------

// Reads the settings every verb shares; dies on a malformed one.
Context read_context(const Options& o, CLI::Option* holdtime_option) {
  Context c;
  clock_gettime(CLOCK_REALTIME, &c.now_ts);
  c.now = c.now_ts.tv_sec;
  auto settings = settings_from_env();
  if (!settings) die(kExitUsage, "{}", shown(settings.error().message));
  c.settings = *settings;
  c.holdtime_given = holdtime_option->count() != 0;
  apply_overrides(o, c, &c.settings);
  auto store = store_settings_from_env();
  if (!store) die(kExitUsage, "{}", shown(store.error().message));
  c.store = *store;
  auto sender = sender_settings_from_env();
  if (!sender) die(kExitUsage, "{}", shown(sender.error().message));
  c.sender = *sender;
  // The cleaner's rule, for pending/validated and what copy leaves out.
  auto policy = expiry_from_env();
  if (!policy) die(kExitUsage, "{}", shown(policy.error().message));
  c.policy = *policy;
  c.policy.holdtime = c.settings.holdtime;
  c.store.expiry = c.policy;
  return c;
}

// The first operand that is neither an option, an option's value nor a
// verb: what a mistyped verb looks like.
const char* unknown_verb(int argc, char** argv) {
  static constexpr std::string_view kWithValue[] = {"--dir", "--redis", "--holdtime", "--prefix4", "--prefix6"};
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (std::find(std::begin(kWithValue), std::end(kWithValue), arg) != std::end(kWithValue)) {
      ++i;
      continue;
    }
    if (arg.starts_with('-')) continue;
    if (std::any_of(std::begin(kVerbs), std::end(kVerbs), [&](const Verb& v) { return arg == v.name; })) return nullptr;
    return argv[i];
  }
  return nullptr;
}

int run(int argc, char** argv) {
  Options o;
  CLI::App app{"See and change what the jgreylist store knows.", "jgreylist-admin"};
  app.set_version_flag("--version", kVersion);
  app.require_subcommand(1);
  app.fallthrough();
  app.add_option("--dir", o.dir, "the tree (default: $JGREYLIST_DIR)");
  app.add_option("--redis", o.redis, "a Redis URL (default: $JGREYLIST_REDIS)");
  CLI::Option* holdtime = app.add_option("--holdtime", o.holdtime,
                                         "tells validated from pending (default $JGREYLIST_HOLDTIME, else 120s)");
  app.add_flag("--by-ip", o.by_ip, "key addresses whole, /32 and /128 (as JGREYLIST_BY_IP)");
  app.add_option("--prefix4", o.prefix4, "IPv4 key length (as JGREYLIST_PREFIX4)")->check(CLI::Range(0, 32));
  app.add_option("--prefix6", o.prefix6, "IPv6 key length (as JGREYLIST_PREFIX6)")->check(CLI::Range(0, 128));
  std::string verbs;
  for (const Verb& v : kVerbs) verbs += std::string(verbs.empty() ? "" : ", ") + v.name;
  app.footer("Verbs: " + verbs + "; VERB --help for each.\n" +
             "Exit: 0 done, 1 some entries failed (each named), 2 usage or configuration error.");

  auto commands = add_verbs(app, kVerbs, o);

  int answered = parse_command_line(app, argc, argv, [&](const char* why) {
    if (const char* verb = unknown_verb(argc, argv)) usage("unknown verb '" + shown(verb) + "'");
    usage(why);
  });
  if (answered >= 0) return answered;
  if (o.pending && o.validated) usage("list: --pending and --validated: choose one, or neither for both");

  Context c = read_context(o, holdtime);
  int code = chosen(kVerbs, commands).run(o, c);
  if (std::fflush(stdout) != 0 || std::ferror(stdout)) {
    warn("cannot write the output: {}", std::strerror(errno));
    return kExitTrouble;
  }
  return code;
}

}  // namespace

int main(int argc, char** argv) {
  set_program("jgreylist-admin");
  // fmt reports a failed write by throwing: what was changed stays changed.
  try {
    return run(argc, argv);
  } catch (const std::exception& e) {
    warn("{}", e.what());
    return kExitTrouble;
  }
}

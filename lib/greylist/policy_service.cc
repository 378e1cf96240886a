// greylist/policy_service.cc: a policy request's client, rules, key and
// store, in jgreylist's order.
#include "lib/greylist/policy_service.h"

#include <time.h>

#include <chrono>
#include <cstring>
#include <fmt/format.h>

#include "lib/base/env.h"
#include "lib/base/printable.h"
#include "lib/rules/keys.h"
#include "lib/store/open.h"

namespace jgl {

namespace {

// JGREYLIST_SPF's results are kept this long by default (JGREYLIST_SPF_CACHE),
// at most a day; at most this many of them, the oldest dropped first.
constexpr long kDefaultSpfCacheSeconds = 300;
constexpr long kMaxSpfCacheSeconds = 86400;
constexpr std::size_t kSpfCacheEntries = 4096;

constexpr std::size_t kMaxCounted = 4096;

void answer(PolicyService& s, std::string_view action) { append_policy_answer(s.out, action); }

// "action=DEFER_IF_PERMIT ..." or, with FAILOPEN, DUNNO: for every trouble
// on our side, so that Postfix neither loses mail nor lets it in for good.
void trouble(PolicyService& s, bool failopen, std::string_view why) {
  if (failopen) {
    s.log.line("{}, {}", kFailopenWords, why);
    answer(s, "DUNNO");
  } else {
    s.log.line("DEFER {}", why);
    answer(s, "DEFER_IF_PERMIT 4.3.0 greylisting temporarily unavailable");
  }
}

// The request's client; nullopt when the request is answered already (not
// ours, or malformed).
std::optional<Address> request_client(PolicyService& s, const PolicyRequest& r, bool failopen) {
  if (!r.malformed.empty()) {
    trouble(s, failopen, "malformed request: " + r.malformed);
    return std::nullopt;
  }
  if (!r.has_request) {
    trouble(s, failopen, "malformed request: no request attribute");
    return std::nullopt;
  }
  if (r.request != "smtpd_access_policy" || (!r.protocol_state.empty() && r.protocol_state != s.state)) {
    answer(s, "DUNNO");
    return std::nullopt;
  }
  auto client = Address::parse(r.client_address);
  if (!client) {
    trouble(s, failopen, fmt::format("malformed request: client_address '{}'", shown_value(r.client_address)));
    return std::nullopt;
  }
  return *client;
}

// The rules cdb's settings for the client, as tcpserver -x would give them
// to jgreylist, into `settings`; false when the request is answered (a
// deny, or the cdb unreadable).
bool rule_settings(PolicyService& s, const Address& client, const char* host, bool failopen,
                   std::vector<std::string>* settings) {
  if (!s.rules) return true;
  // The address as tcpserver writes it, which is what the rules' keys are.
  auto match = s.rules->check(tcpserver_text(client), host, nullptr);
  if (!match) {
    trouble(s, failopen, "rules: " + match.error().message);
    return false;
  }
  if (*match && (*match)->deny) {
    s.log.line("DENY by the rules ({})", shown_value((*match)->key, 100));
    answer(s, "REJECT 5.7.1 access denied");
    return false;
  }
  if (*match) *settings = (*match)->settings;
  return true;
}

// The store, opened at the first request that needs it; false when it
// cannot be (answered).
bool open_store_once(PolicyService& s) {
  if (s.store) return true;
  auto opened = open_store_from_env();
  if (!opened) {
    trouble(s, false, store_open_trouble(opened.error()));
    return false;
  }
  auto expiry = expiry_from_env();
  if (!expiry) {
    trouble(s, false, "configuration error: " + expiry.error().message);
    return false;
  }
  s.expiry = *expiry;
  s.store = std::move(*opened);
  return true;
}

// JGREYLIST_POLICY_MESSAGE, its first '%' the client, after DEFER_IF_PERMIT.
void answer_greylisted(PolicyService& s, const Address& client) {
  const char* text = env_get("JGREYLIST_POLICY_MESSAGE");
  std::string message = text != nullptr && *text != '\0' ? text : "greylisted, please try again later";
  if (std::size_t pct = message.find('%'); pct != std::string::npos) {
    message.replace(pct, 1, client.format().view());
  }
  char clean[512];
  std::size_t n = sanitise(message, clean, sizeof clean);
  answer(s, "DEFER_IF_PERMIT 4.7.1 " + std::string(clean, n));
}

// DUNNO, or with JGREYLIST_HEADER an X-Greylist header saying why.
void answer_passed(PolicyService& s, Verdict verdict, timespec now, const Sighting& seen) {
  const char* header = env_get("JGREYLIST_HEADER");
  if (header == nullptr || *header == '\0' || std::strcmp(header, "0") == 0) {
    answer(s, "DUNNO");
  } else if (verdict == Verdict::ok_correspondent) {
    answer(s, "PREPEND X-Greylist: passed, from a correspondent");
  } else if (verdict == Verdict::ok_awl) {
    answer(s, "PREPEND X-Greylist: passed, auto-whitelisted");
  } else {
    answer(s, fmt::format("PREPEND X-Greylist: passed, first seen {} s ago", now.tv_sec - seen.first_seen.tv_sec));
  }
}

// Our own user's mail on its way out (authenticated, or RELAYCLIENT from
// the rules): with JGREYLIST_CORRESPONDENTS its recipient is recorded as
// a correspondent of the sender. Returns what the log line adds; a store
// that fails is logged, never a reason to hold our user's mail.
std::string record_correspondent(PolicyService& s, const PolicyRequest& r) {
  if (!s.sender.correspondents || r.sender.empty() || r.recipient.empty()) return {};
  if (r.sender.size() > Key::kMaxAddress || r.recipient.size() > Key::kMaxAddress) return {};
  if (!s.store) {
    auto opened = open_store_from_env();
    if (!opened) return ", correspondent not recorded: " + store_open_trouble(opened.error());
    auto expiry = expiry_from_env();
    if (!expiry) return ", correspondent not recorded: configuration error: " + expiry.error().message;
    s.expiry = *expiry;
    s.store = std::move(*opened);
  }
  timespec now;
  clock_gettime(CLOCK_REALTIME, &now);
  auto seen = s.store->observe(correspondent_for(r.recipient, r.sender), now);
  if (!seen) return fmt::format(", correspondent not recorded: store error in {}: {}", s.store->where(), seen.error().message);
  return fmt::format(", correspondent <{}> recorded", r.recipient);
}

// The decision that needs no store (JGREYLIST, RELAYCLIENT, NOREV), answered;
// false when the store decides. A client that authenticated (Postfix's
// sasl_username) is our own user, as a RELAYCLIENT is.
bool answered_without_store(PolicyService& s, const PolicyRequest& r, const Settings& settings, const Address& client,
                            const char* host) {
  Verdict verdict;
  std::string why;
  if (settings.jgreylist == nullptr && !r.sasl_username.empty()) {
    verdict = Verdict::ok_relayclient;
    why = fmt::format(" (sasl_username {})", r.sasl_username);
  } else if (!decide_without_store(settings, host, &verdict)) {
    return false;
  }
  if (verdict == Verdict::ok_relayclient) why += record_correspondent(s, r);
  if (settings.log) s.log.line("{}{}", log_words(verdict), why);
  if (passes(verdict)) {
    answer(s, "DUNNO");
  } else {
    char text[512];
    answer(s, "REJECT 5.7.1 " + std::string(refusal_message(verdict, settings, client, text, sizeof text)));
  }
  return true;
}

// With JGREYLIST_SPF, what SPF says of the request's sender (its HELO name
// for a bounce); nullopt when the request is answered already (DNS
// misconfigured).
std::optional<SpfKeying> request_spf(PolicyService& s, const PolicyRequest& r, const Address& client) {
  if (!s.spf_keyer) {
    if (!s.dns) {
      trouble(s, false, "configuration error: " + s.dns_error);
      return std::nullopt;
    }
    s.spf_keyer.emplace(*s.dns, s.spf_cache ? &*s.spf_cache : nullptr);
  }
  return s.spf_keyer->evaluate(client, r.sender, r.helo_name);
}

// The key the request is checked under: the client's prefix, or with
// JGREYLIST_KEY=triplet its triplet, shown in the log as `shown_envelope`
// (and with JGREYLIST_SPF what SPF said and the key used). nullopt when the
// request is answered already (a spared recipient, an address too long).
std::optional<Key> request_key(PolicyService& s, const PolicyRequest& r, const Settings& settings, const Address& client,
                               bool failopen, std::string* shown_envelope) {
  Key key = key_for(client, settings);
  if (!s.triplet) return key;
  if (r.sender.size() > Key::kMaxAddress || r.recipient.size() > Key::kMaxAddress) {
    trouble(s, failopen, "malformed request: an address longer than 1024 bytes");
    return std::nullopt;
  }
  if (!r.recipient.empty() && s.spare.spares(r.recipient)) {
    if (settings.log) s.log.line("OK spared <{}>", r.recipient);
    answer(s, "DUNNO");
    return std::nullopt;
  }
  *shown_envelope = fmt::format(" <{}> <{}>", r.sender, r.recipient);
  if (!settings.spf) return Key::triplet(key.client(), normalise_sender(r.sender), normalise_recipient(r.recipient));
  auto spf = request_spf(s, r, client);
  if (!spf) return std::nullopt;
  Key triplet = spf_aware_triplet(*spf, key.client(), normalise_sender(r.sender), normalise_recipient(r.recipient));
  *shown_envelope += spf_log_words(*spf, triplet);
  return triplet;
}

// Remembers, for a network whose count (`found`, nullptr: none) does not
// whitelist it now, the earliest time it could: N - count more counts, one
// an interval at most after its last (an expired or missing count starts
// over, the first possibly now).
void remember_not_whitelisted(PolicyService& s, const std::string& network, const Entry* found, timespec now) {
  unsigned long n = s.sender.awl;
  bool live = found != nullptr && !judge(found->first_seen.tv_sec, found->last_seen.tv_sec, now.tv_sec,
                                         expiry_for(Key::Kind::awl, s.expiry))
                                       .expired;
  if (live && found->count >= n) {
    s.whitelisted_not_before.erase(network);
    return;
  }
  long earliest = live ? found->last_seen.tv_sec + static_cast<long>(n - found->count) * kAwlInterval
                       : now.tv_sec + static_cast<long>(n - 1) * kAwlInterval;
  if (earliest <= now.tv_sec) return;
  if (s.whitelisted_not_before.size() >= kMaxCounted) s.whitelisted_not_before.clear();
  s.whitelisted_not_before[network] = earliest;
}

// Whether the client's network is auto-whitelisted now: its count, asked
// of the store unless this process knows it cannot be yet.
std::optional<Entry> awl_whitelisted(PolicyService& s, const Key& awl, timespec now) {
  std::string network(awl.client().format().view());
  if (auto at = s.whitelisted_not_before.find(network);
      at != s.whitelisted_not_before.end() && now.tv_sec < at->second) {
    return std::nullopt;
  }
  auto found = s.store->find(awl);
  if (!found) return std::nullopt;  // a store error is no answer
  if (*found && awl_passes(**found, s.sender.awl, now.tv_sec, s.expiry)) return **found;
  remember_not_whitelisted(s, network, *found ? &**found : nullptr, now);
  return std::nullopt;
}

// Counts a pass of the client's network for auto-whitelisting, unless
// this process saw it counted within the interval. A store error is
// logged: a pass not counted costs one count, never the mail.
void count_pass(PolicyService& s, const Key& awl, timespec now) {
  std::string network(awl.client().format().view());
  if (auto at = s.counted.find(network); at != s.counted.end() && now.tv_sec - at->second < kAwlInterval) return;
  auto entry = s.store->count_pass(awl, now, kAwlInterval);
  if (!entry) {
    s.log.line("pass not counted for auto-whitelisting: store error in {}: {}", s.store->where(), entry.error().message);
    return;
  }
  if (s.counted.size() >= kMaxCounted) s.counted.clear();
  s.counted[network] = entry->last_seen.tv_sec;
  remember_not_whitelisted(s, network, &*entry, now);
}

// The store's verdict on the key, answered: a correspondent of the
// recipient passes; else the key's sighting decides, and a network that
// auto-whitelisting knows passes what it would greylist.
void answer_from_store(PolicyService& s, const PolicyRequest& r, const Settings& settings, const Address& client, const Key& key,
                       std::string_view shown_envelope, bool failopen) {
  if (!open_store_once(s)) return;
  timespec now;
  clock_gettime(CLOCK_REALTIME, &now);
  if (s.sender.correspondents && !r.sender.empty()) {
    auto found = s.store->find(correspondent_for(r.sender, r.recipient));
    if (found && *found && correspondent_passes(**found, now.tv_sec, s.expiry)) {
      if (settings.log) s.log.line("{} <{}> <{}>", log_words(Verdict::ok_correspondent), r.sender, r.recipient);
      answer_passed(s, Verdict::ok_correspondent, now, Sighting{});
      return;
    }
  }
  auto seen = s.store->observe(key, now);
  if (!seen) {
    StoreTrouble failed = store_trouble(seen.error(), s.store->where(), failopen);
    trouble(s, failed.pass, failed.why);
    return;
  }
  Verdict verdict = decide_from_sighting(*seen, now, settings.holdtime);
  const bool awl_on = s.triplet && s.sender.awl > 0;
  const Key awl = Key::awl(key_for(client, settings).client());
  std::string extra;
  if (!passes(verdict) && awl_on) {
    if (auto whitelisted = awl_whitelisted(s, awl, now)) {
      verdict = Verdict::ok_awl;
      extra = fmt::format(" ({} passes of {})", whitelisted->count, awl.client().format().view());
    }
  }
  if (settings.log) s.log.line("{}{}{}", log_words(verdict), shown_envelope, extra);
  if (passes(verdict)) {
    if (awl_on) count_pass(s, awl, now);
    answer_passed(s, verdict, now, *seen);
  } else {
    answer_greylisted(s, client);
  }
}

}  // namespace

// One request: its client, the rules' settings for it, then the decision
// without the store or from it.
void answer_policy_request(PolicyService& s, const PolicyRequest& r) {
  s.log.clear_client();
  bool failopen = s.base && s.base->failopen;
  auto client = request_client(s, r, failopen);
  if (!client) return;
  s.log.set_client(client->format().view());
  if (!s.base) {
    trouble(s, false, "configuration error: " + s.config_error);
    return;
  }

  const char* host = r.client_name.empty() || r.client_name == "unknown" ? nullptr : r.client_name.c_str();
  std::vector<std::string> rules;
  if (!rule_settings(s, *client, host, failopen, &rules)) return;
  // The settings' texts (JGREYLIST's message) point into the overlay.
  EnvOverlay overlay(rules);
  auto settings = rules.empty() ? Result<Settings>(*s.base) : settings_from_env();
  if (!settings) {
    trouble(s, failopen, "configuration error in the rules: " + settings.error().message);
    return;
  }
  if (auto fits = check_spf_key_kind(settings->spf, s.triplet ? KeyKind::triplet : KeyKind::ip); !fits) {
    trouble(s, false, "configuration error: " + fits.error().message);
    return;
  }
  if (answered_without_store(s, r, *settings, *client, host)) return;
  std::string shown_envelope;
  auto key = request_key(s, r, *settings, *client, failopen, &shown_envelope);
  if (key) answer_from_store(s, r, *settings, *client, *key, shown_envelope, failopen);
}

void configure_policy_service(PolicyService& s) {
  auto base = settings_from_env();
  if (!base) {
    s.config_error = base.error().message;
    return;
  }
  auto key = key_kind_from_env(KeyKind::ip);
  if (!key) {
    s.config_error = key.error().message;
    return;
  }
  s.triplet = *key == KeyKind::triplet;
  if (const char* state = env_get("JGREYLIST_STATE"); state != nullptr && *state != '\0') s.state = state;
  auto list = SpareList::from_env();
  if (!list) {
    s.config_error = list.error().message;
    return;
  }
  s.spare = std::move(*list);
  auto sender = sender_settings_from_env();
  if (!sender) {
    s.config_error = sender.error().message;
    return;
  }
  s.sender = *sender;
  auto cache = env_duration("JGREYLIST_SPF_CACHE", kDefaultSpfCacheSeconds);
  if (!cache || *cache > kMaxSpfCacheSeconds) {
    s.config_error = cache ? fmt::format("JGREYLIST_SPF_CACHE: at most {} seconds", kMaxSpfCacheSeconds)
                           : cache.error().message;
    return;
  }
  if (*cache > 0) s.spf_cache.emplace(kSpfCacheEntries, std::chrono::seconds(*cache));
  if (auto dns = dns_settings_from_env()) {
    s.dns = std::move(*dns);
  } else {
    s.dns_error = dns.error().message;
  }
  if (const char* rules = env_get("JGREYLIST_RULES"); rules != nullptr && *rules != '\0') {
    auto cdb = RulesCdb::open(rules);
    if (!cdb) {
      s.config_error = fmt::format("JGREYLIST_RULES={}: {}", shown_value(rules, 200), cdb.error().message);
      return;
    }
    s.rules.emplace(std::move(*cdb));
  }
  s.base = *base;
  s.log.set_pid(base->log_pid);
}

}  // namespace jgl

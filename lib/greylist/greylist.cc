// greylist/greylist.cc: settings and decision of jgreylist.
#include "lib/greylist/greylist.h"

#include <cstring>

#include <fmt/format.h>

#include "lib/base/env.h"
#include "lib/base/printable.h"
#include "lib/mail/normalise.h"

namespace jgl {
namespace {

Result<bool> env_flag(const char* name, bool fallback) {
  auto n = env_number(name, fallback ? 1 : 0, 0, 2147483647);
  if (!n) return std::unexpected(n.error());
  return *n != 0;
}

// A switch with no room for guessing: unset, empty or 0 is off, 1 is on,
// anything else the error.
Result<bool> env_switch(const char* name) {
  const char* value = env_get(name);
  if (value == nullptr || *value == '\0' || std::strcmp(value, "0") == 0) return false;
  if (std::strcmp(value, "1") == 0) return true;
  return fail(std::string(name) + "='" + shown_value(value) + "': 0 or 1");
}

}  // namespace

Result<Settings> settings_from_env() {
  Settings s;
  s.jgreylist = env_get("JGREYLIST");
  s.relayclient = env_get("RELAYCLIENT") != nullptr;
  const char* norev = env_get("JGREYLIST_NOREV");
  s.norev = norev != nullptr && *norev != '\0' ? norev : nullptr;

  auto by_ip = env_flag("JGREYLIST_BY_IP", false);
  if (!by_ip) return std::unexpected(by_ip.error());
  auto prefix4 = env_number("JGREYLIST_PREFIX4", *by_ip ? 32 : 24, 0, 32);
  if (!prefix4) return std::unexpected(prefix4.error());
  auto prefix6 = env_number("JGREYLIST_PREFIX6", *by_ip ? 128 : 64, 0, 128);
  if (!prefix6) return std::unexpected(prefix6.error());
  s.prefix4 = static_cast<int>(*prefix4);
  s.prefix6 = static_cast<int>(*prefix6);

  auto holdtime = holdtime_from_env();
  if (!holdtime) return std::unexpected(holdtime.error());
  s.holdtime = *holdtime;
  // v8 clamps the timeout rather than refusing it.
  auto timeout = env_number("JGREYLIST_TIMEOUT", 60, 0, 2147483647);
  if (!timeout) return std::unexpected(timeout.error());
  s.timeout = *timeout < 5 ? 5 : *timeout > 300 ? 300 : *timeout;
  auto limit = env_number("JGREYLIST_LIMIT", 0, 0, 2147483647);
  if (!limit) return std::unexpected(limit.error());
  s.limit = static_cast<unsigned long>(*limit);

  struct {
    const char* name;
    bool* field;
  } flags[] = {{"JGREYLIST_LOG", &s.log},
               {"JGREYLIST_LOG_PID", &s.log_pid},
               {"JGREYLIST_LOG_SMTP", &s.log_smtp},
               {"JGREYLIST_FAILOPEN", &s.failopen},
               {"JGREYLIST_HANDOFF", &s.handoff}};
  for (auto& f : flags) {
    auto v = env_flag(f.name, *f.field);
    if (!v) return std::unexpected(v.error());
    *f.field = *v;
  }
  auto spf = env_switch("JGREYLIST_SPF");
  if (!spf) return std::unexpected(spf.error());
  s.spf = *spf;
  return s;
}

Result<SenderSettings> sender_settings_from_env() {
  SenderSettings s;
  auto awl = env_number("JGREYLIST_AWL", static_cast<long>(s.awl), 0, 1000000);
  if (!awl) return std::unexpected(awl.error());
  s.awl = static_cast<unsigned long>(*awl);
  auto correspondents = env_switch("JGREYLIST_CORRESPONDENTS");
  if (!correspondents) return std::unexpected(correspondents.error());
  s.correspondents = *correspondents;
  return s;
}

Result<KeyKind> key_kind_from_env(KeyKind fallback) {
  const char* value = env_get("JGREYLIST_KEY");
  if (value == nullptr || *value == '\0') return fallback;
  std::string_view text = value;
  if (text == "ip") return KeyKind::ip;
  if (text == "triplet") return KeyKind::triplet;
  return fail("JGREYLIST_KEY='" + shown_value(text) + "': ip or triplet");
}

std::string_view log_words(Verdict v) {
  switch (v) {
    case Verdict::ok_whitelisted: return "OK whitelisted";
    case Verdict::ok_relayclient: return "OK relayclient";
    case Verdict::deny_blacklisted: return "DENY blacklisted";
    case Verdict::deny_norev: return "DENY no reverse DNS";
    case Verdict::grey_first: return "GREY first time";
    case Verdict::grey_expired: return "GREY first time (expired)";
    case Verdict::grey_too_soon: return "GREY too soon";
    case Verdict::ok_known: return "OK known";
    case Verdict::ok_awl: return "OK auto-whitelisted";
    case Verdict::ok_correspondent: return "OK correspondent";
  }
  return "?";
}

bool passes(Verdict v) {
  return v == Verdict::ok_whitelisted || v == Verdict::ok_relayclient || v == Verdict::ok_known ||
         v == Verdict::ok_awl || v == Verdict::ok_correspondent;
}

bool decide_without_store(const Settings& s, const char* remote_host, Verdict* verdict) {
  if (s.jgreylist != nullptr) {
    *verdict = *s.jgreylist == '\0' ? Verdict::ok_whitelisted : Verdict::deny_blacklisted;
    return true;
  }
  if (s.relayclient) {
    *verdict = Verdict::ok_relayclient;
    return true;
  }
  if (s.norev != nullptr && (remote_host == nullptr || *remote_host == '\0')) {
    *verdict = Verdict::deny_norev;
    return true;
  }
  return false;
}

Verdict decide_from_sighting(const Sighting& seen, timespec now, long holdtime) {
  if (seen.restarted) return Verdict::grey_expired;
  if (seen.created) return Verdict::grey_first;
  // Whole seconds, as jgreylist-clean counts them; a clock stepped back
  // counts as 0.
  long age = now.tv_sec - seen.first_seen.tv_sec;
  if (age < 0) age = 0;
  return age < holdtime ? Verdict::grey_too_soon : Verdict::ok_known;
}

StoreTrouble store_trouble(const Error& error, std::string_view where, bool failopen) {
  if (!error.temporary) return {false, store_open_trouble(error)};
  return {failopen, fmt::format("store error in {}: {}", where, error.message)};
}

std::string store_open_trouble(const Error& error) { return "configuration error: " + error.message; }

Key key_for(const Address& client, const Settings& s) {
  return Key(Prefix(client, client.is_v4() ? s.prefix4 : s.prefix6));
}

Key correspondent_for(std::string_view sender, std::string_view recipient) {
  return Key::correspondent(normalise_recipient(sender), normalise_recipient(recipient));
}

bool correspondent_passes(const Entry& found, long now, const ExpiryPolicy& policy) {
  ExpiryPolicy own = expiry_for(Key::Kind::correspondent, policy);
  return !judge(found.first_seen.tv_sec, found.last_seen.tv_sec, now, own).expired;
}

bool awl_passes(const Entry& found, unsigned long n, long now, const ExpiryPolicy& policy) {
  ExpiryPolicy own = expiry_for(Key::Kind::awl, policy);
  return n > 0 && found.count >= n && !judge(found.first_seen.tv_sec, found.last_seen.tv_sec, now, own).expired;
}

std::string_view refusal_message(Verdict v, const Settings& s, const Address& client, char* buf,
                                 std::size_t cap) {
  const char* text = "GREYLIST temporary failure, try again later";
  if (v == Verdict::deny_blacklisted) text = s.jgreylist;
  if (v == Verdict::deny_norev) text = s.norev;
  // v8: the first '%' of a deny message stands for the client's address.
  char expanded[512];
  std::size_t n = 0;
  const char* percent = std::strchr(text, '%');
  std::string_view tail = text;
  if (percent != nullptr) {
    std::size_t head = static_cast<std::size_t>(percent - text);
    if (head > 300) head = 300;
    std::memcpy(expanded, text, head);
    n = head;
    auto ip = client.format();
    std::memcpy(expanded + n, ip.view().data(), ip.view().size());
    n += ip.view().size();
    tail = std::string_view(percent + 1);
  } else {
    tail = std::string_view(text);
  }
  std::size_t room = sizeof expanded - 1 - n;
  std::size_t take = tail.size() < room ? tail.size() : room;
  std::memcpy(expanded + n, tail.data(), take);
  n += take;
  std::string_view deny_prefix = (v == Verdict::deny_blacklisted || v == Verdict::deny_norev) ? "DENIED " : "";
  char with_prefix[520];
  std::memcpy(with_prefix, deny_prefix.data(), deny_prefix.size());
  std::memcpy(with_prefix + deny_prefix.size(), expanded, n);
  std::size_t len = sanitise(std::string_view(with_prefix, deny_prefix.size() + n), buf, cap);
  return {buf, len};
}

}  // namespace jgl

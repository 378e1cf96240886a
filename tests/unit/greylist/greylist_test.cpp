// greylist_test.cpp: jgreylist's settings from the environment, its decision
// in v8's order, the key and the refusal text.
#include "lib/greylist/greylist.h"

#include <catch2/catch.hpp>
#include <string>
#include <string_view>

#include "tests/unit/scoped_env.h"

namespace {

using jgl::Settings;
using jgl::Sighting;
using jgl::Verdict;
using jgl_test::ScopedEnv;

// Every variable settings_from_env() reads, cleared for the test.
class GreylistEnv : public ScopedEnv {
 public:
  GreylistEnv()
      : ScopedEnv{"JGREYLIST",         "RELAYCLIENT",       "JGREYLIST_DIR",     "JGREYLIST_NOREV",
                  "JGREYLIST_BY_IP",   "JGREYLIST_PREFIX4", "JGREYLIST_PREFIX6", "JGREYLIST_HOLDTIME",
                  "JGREYLIST_TIMEOUT", "JGREYLIST_LIMIT",   "JGREYLIST_LOG",     "JGREYLIST_LOG_PID",
                  "JGREYLIST_LOG_SMTP", "JGREYLIST_FAILOPEN", "JGREYLIST_SPF"} {}
};

Settings settings() {
  auto s = jgl::settings_from_env();
  INFO("settings_from_env: " << (s ? std::string("ok") : s.error().message));
  REQUIRE(s.has_value());
  return *s;
}

// The error settings_from_env() gives, or "no error".
std::string settings_error() {
  auto s = jgl::settings_from_env();
  return s ? std::string("no error") : s.error().message;
}

std::string words(Verdict v) { return std::string(jgl::log_words(v)); }

// What decide_without_store() says, as log words, or "tree decides".
std::string decided(const Settings& s, const char* remote_host) {
  Verdict v{};
  if (!jgl::decide_without_store(s, remote_host, &v)) return "tree decides";
  return words(v);
}

jgl::Address addr(std::string_view text) {
  auto a = jgl::Address::parse(text);
  INFO("parsing " << text);
  REQUIRE(a.has_value());
  return *a;
}

Sighting first_sight(timespec now) { return Sighting{true, now, now}; }
Sighting known_since(timespec first, timespec last) { return Sighting{false, first, last}; }

std::string from_sighting(const Sighting& seen, timespec now, long holdtime) {
  return words(jgl::decide_from_sighting(seen, now, holdtime));
}

std::string refusal(Verdict v, const Settings& s, std::string_view client, std::size_t cap = 1024) {
  std::string buf(cap, '#');
  std::string_view text = jgl::refusal_message(v, s, addr(client), buf.data(), cap);
  return std::string(text);
}

std::string key_text(std::string_view client, const Settings& s) {
  return std::string(jgl::key_for(addr(client), s).client().format().view());
}

const char* const kNumberVariables[] = {
    "JGREYLIST_BY_IP",   "JGREYLIST_PREFIX4", "JGREYLIST_PREFIX6", "JGREYLIST_HOLDTIME", "JGREYLIST_TIMEOUT",
    "JGREYLIST_LIMIT",   "JGREYLIST_LOG",     "JGREYLIST_LOG_PID", "JGREYLIST_LOG_SMTP", "JGREYLIST_FAILOPEN",
};

}  // namespace

// --- settings ---------------------------------------------------------------

TEST_CASE("settings default to v8's values", "[greylist][settings]") {
  GreylistEnv env;
  Settings s = settings();
  REQUIRE(s.jgreylist == nullptr);
  REQUIRE_FALSE(s.relayclient);
  REQUIRE(s.norev == nullptr);
  REQUIRE(s.prefix4 == 24);
  REQUIRE(s.prefix6 == 64);
  REQUIRE(s.holdtime == 120);
  REQUIRE(s.timeout == 60);
  REQUIRE(s.limit == 0u);
  REQUIRE(s.log);
  REQUIRE(s.log_pid);
  REQUIRE_FALSE(s.log_smtp);
  REQUIRE_FALSE(s.failopen);
}

TEST_CASE("settings read JGREYLIST and RELAYCLIENT as given", "[greylist][settings]") {
  GreylistEnv env;
  env.set("JGREYLIST", "go away");
  env.set("RELAYCLIENT", "");
  Settings s = settings();
  REQUIRE(std::string(s.jgreylist) == "go away");
  REQUIRE(s.relayclient);
}

TEST_CASE("JGREYLIST set and empty is kept apart from unset", "[greylist][settings]") {
  GreylistEnv env;
  env.set("JGREYLIST", "");
  Settings s = settings();
  REQUIRE(s.jgreylist != nullptr);
  REQUIRE(std::string(s.jgreylist) == "");
}

TEST_CASE("an empty JGREYLIST_NOREV is ignored", "[greylist][settings]") {
  GreylistEnv env;
  env.set("JGREYLIST_NOREV", "");
  REQUIRE(settings().norev == nullptr);
  env.set("JGREYLIST_NOREV", "no reverse DNS");
  REQUIRE(std::string(settings().norev) == "no reverse DNS");
}

TEST_CASE("BY_IP keys on the whole address", "[greylist][settings]") {
  GreylistEnv env;
  env.set("JGREYLIST_BY_IP", "1");
  REQUIRE(settings().prefix4 == 32);
  REQUIRE(settings().prefix6 == 128);
  env.set("JGREYLIST_BY_IP", "2");
  REQUIRE(settings().prefix4 == 32);
  env.set("JGREYLIST_BY_IP", "0");
  REQUIRE(settings().prefix4 == 24);
  REQUIRE(settings().prefix6 == 64);
}

TEST_CASE("PREFIX4 and PREFIX6 override BY_IP", "[greylist][settings]") {
  GreylistEnv env;
  env.set("JGREYLIST_BY_IP", "1");
  env.set("JGREYLIST_PREFIX4", "16");
  env.set("JGREYLIST_PREFIX6", "48");
  REQUIRE(settings().prefix4 == 16);
  REQUIRE(settings().prefix6 == 48);
  env.unset("JGREYLIST_BY_IP");
  env.set("JGREYLIST_PREFIX4", "32");
  env.set("JGREYLIST_PREFIX6", "128");
  REQUIRE(settings().prefix4 == 32);
  REQUIRE(settings().prefix6 == 128);
  env.set("JGREYLIST_PREFIX4", "0");
  env.set("JGREYLIST_PREFIX6", "0");
  REQUIRE(settings().prefix4 == 0);
  REQUIRE(settings().prefix6 == 0);
}

TEST_CASE("PREFIX4 alone leaves the IPv6 default", "[greylist][settings]") {
  GreylistEnv env;
  env.set("JGREYLIST_PREFIX4", "28");
  REQUIRE(settings().prefix4 == 28);
  REQUIRE(settings().prefix6 == 64);
}

TEST_CASE("TIMEOUT is clamped between 5 and 300 seconds", "[greylist][settings]") {
  GreylistEnv env;
  const std::pair<const char*, long> cases[] = {{"0", 5},     {"1", 5},     {"4", 5},      {"5", 5},
                                                {"60", 60},   {"300", 300}, {"301", 300},  {"100000", 300},
                                                {"2147483647", 300}};
  for (const auto& [value, clamped] : cases) {
    CAPTURE(value);
    env.set("JGREYLIST_TIMEOUT", value);
    REQUIRE(settings().timeout == clamped);
  }
}

TEST_CASE("HOLDTIME is read in seconds and may be zero", "[greylist][settings]") {
  GreylistEnv env;
  env.set("JGREYLIST_HOLDTIME", "0");
  REQUIRE(settings().holdtime == 0);
  env.set("JGREYLIST_HOLDTIME", "3600");
  REQUIRE(settings().holdtime == 3600);
}

TEST_CASE("LIMIT is read as a count of RCPT commands", "[greylist][settings]") {
  GreylistEnv env;
  env.set("JGREYLIST_LIMIT", "25");
  REQUIRE(settings().limit == 25u);
}

TEST_CASE("the log and failopen flags are numbers where non-zero is on", "[greylist][settings]") {
  GreylistEnv env;
  env.set("JGREYLIST_LOG", "0");
  env.set("JGREYLIST_LOG_PID", "0");
  env.set("JGREYLIST_LOG_SMTP", "1");
  env.set("JGREYLIST_FAILOPEN", "7");
  Settings s = settings();
  REQUIRE_FALSE(s.log);
  REQUIRE_FALSE(s.log_pid);
  REQUIRE(s.log_smtp);
  REQUIRE(s.failopen);
}

TEST_CASE("JGREYLIST_SPF is off unset, empty or 0, and on only as 1", "[greylist][settings]") {
  GreylistEnv env;
  REQUIRE_FALSE(settings().spf);
  for (const char* off : {"", "0"}) {
    env.set("JGREYLIST_SPF", off);
    REQUIRE_FALSE(settings().spf);
  }
  env.set("JGREYLIST_SPF", "1");
  REQUIRE(settings().spf);
}

TEST_CASE("any other JGREYLIST_SPF is an error naming the variable", "[greylist][settings]") {
  for (const char* bad : {"2", "yes", "on", "01", " 1", "1 ", "true"}) {
    CAPTURE(bad);
    GreylistEnv env;
    env.set("JGREYLIST_SPF", bad);
    REQUIRE(settings_error() == std::string("JGREYLIST_SPF='") + bad + "': 0 or 1");
  }
}

TEST_CASE("malformed numbers are errors naming the variable", "[greylist][settings]") {
  for (const char* name : kNumberVariables) {
    for (const char* bad : {"abc", "", "-1", "12x", " 1", "1 ", "+1", "0x10", "1.5"}) {
      CAPTURE(name, bad);
      GreylistEnv env;
      env.set(name, bad);
      std::string error = settings_error();
      REQUIRE(error.starts_with(std::string(name) + "='" + bad + "': "));
    }
  }
}

TEST_CASE("prefix lengths beyond the family are errors naming the variable", "[greylist][settings]") {
  GreylistEnv env;
  env.set("JGREYLIST_PREFIX4", "33");
  REQUIRE(settings_error() == "JGREYLIST_PREFIX4='33': out of range 0-32");
  env.unset("JGREYLIST_PREFIX4");
  env.set("JGREYLIST_PREFIX6", "129");
  REQUIRE(settings_error() == "JGREYLIST_PREFIX6='129': out of range 0-128");
}

TEST_CASE("a malformed number is an error even when another setting overrides it", "[greylist][settings]") {
  GreylistEnv env;
  env.set("JGREYLIST_BY_IP", "yes");
  env.set("JGREYLIST_PREFIX4", "24");
  env.set("JGREYLIST_PREFIX6", "64");
  REQUIRE(settings_error() == "JGREYLIST_BY_IP='yes': not a number");
}

// --- decision without the tree ----------------------------------------------

TEST_CASE("with nothing set the tree decides", "[greylist][decision]") {
  GreylistEnv env;
  Settings s = settings();
  REQUIRE(decided(s, nullptr) == "tree decides");
  REQUIRE(decided(s, "") == "tree decides");
  REQUIRE(decided(s, "mx.example") == "tree decides");
}

TEST_CASE("JGREYLIST set and empty whitelists", "[greylist][decision]") {
  Settings s;
  s.jgreylist = "";
  REQUIRE(decided(s, nullptr) == "OK whitelisted");
}

TEST_CASE("JGREYLIST set to a message denies", "[greylist][decision]") {
  Settings s;
  s.jgreylist = "x";
  REQUIRE(decided(s, "mx.example") == "DENY blacklisted");
}

TEST_CASE("JGREYLIST beats RELAYCLIENT", "[greylist][decision]") {
  Settings s;
  s.relayclient = true;
  s.jgreylist = "x";
  REQUIRE(decided(s, "mx.example") == "DENY blacklisted");
  s.jgreylist = "";
  REQUIRE(decided(s, "mx.example") == "OK whitelisted");
}

TEST_CASE("JGREYLIST beats NOREV", "[greylist][decision]") {
  Settings s;
  s.norev = "no reverse DNS";
  s.jgreylist = "";
  REQUIRE(decided(s, nullptr) == "OK whitelisted");
  s.jgreylist = "go away";
  REQUIRE(decided(s, nullptr) == "DENY blacklisted");
}

TEST_CASE("RELAYCLIENT allows at once and beats NOREV", "[greylist][decision]") {
  Settings s;
  s.relayclient = true;
  REQUIRE(decided(s, "mx.example") == "OK relayclient");
  s.norev = "no reverse DNS";
  REQUIRE(decided(s, nullptr) == "OK relayclient");
}

TEST_CASE("NOREV denies only when the remote host is empty or unset", "[greylist][decision]") {
  Settings s;
  s.norev = "no reverse DNS";
  REQUIRE(decided(s, nullptr) == "DENY no reverse DNS");
  REQUIRE(decided(s, "") == "DENY no reverse DNS");
  REQUIRE(decided(s, "mx.example") == "tree decides");
}

TEST_CASE("the decision order follows the environment", "[greylist][decision]") {
  GreylistEnv env;
  env.set("JGREYLIST_NOREV", "no reverse DNS");
  REQUIRE(decided(settings(), nullptr) == "DENY no reverse DNS");
  env.set("RELAYCLIENT", "");
  REQUIRE(decided(settings(), nullptr) == "OK relayclient");
  env.set("JGREYLIST", "blocked");
  REQUIRE(decided(settings(), nullptr) == "DENY blacklisted");
  env.set("JGREYLIST", "");
  REQUIRE(decided(settings(), nullptr) == "OK whitelisted");
}

// --- decision from the tree -------------------------------------------------

TEST_CASE("a first sighting is greylisted", "[greylist][decision]") {
  const timespec now{1700000000, 0};
  REQUIRE(from_sighting(first_sight(now), now, 120) == "GREY first time");
  REQUIRE(from_sighting(first_sight(now), now, 0) == "GREY first time");
}

TEST_CASE("an entry younger than the hold time is too soon", "[greylist][decision]") {
  const timespec first{1700000000, 500};
  REQUIRE(from_sighting(known_since(first, first), timespec{1700000000, 500}, 120) == "GREY too soon");
  REQUIRE(from_sighting(known_since(first, first), timespec{1700000060, 0}, 120) == "GREY too soon");
  REQUIRE(from_sighting(known_since(first, first), timespec{1700000119, 999999999}, 120) == "GREY too soon");
}

TEST_CASE("the age is counted in whole seconds as jgreylist-clean counts it", "[greylist][decision]") {
  const timespec first{1700000000, 999999999};
  REQUIRE(from_sighting(known_since(first, first), timespec{1700000120, 0}, 120) == "OK known");
  REQUIRE(from_sighting(known_since(first, first), timespec{1700000119, 999999999}, 120) == "GREY too soon");
}

TEST_CASE("an entry exactly the hold time old is known", "[greylist][decision]") {
  const timespec first{1700000000, 500};
  REQUIRE(from_sighting(known_since(first, first), timespec{1700000120, 500}, 120) == "OK known");
  REQUIRE(from_sighting(known_since(first, first), timespec{1700000121, 0}, 120) == "OK known");
  REQUIRE(from_sighting(known_since(first, first), timespec{1800000000, 0}, 120) == "OK known");
}

TEST_CASE("with HOLDTIME zero the first retry passes", "[greylist][decision]") {
  const timespec first{1700000000, 0};
  REQUIRE(from_sighting(known_since(first, first), first, 0) == "OK known");
  REQUIRE(from_sighting(known_since(first, first), timespec{1700000001, 0}, 0) == "OK known");
}

TEST_CASE("a clock stepped back counts as too soon when there is a hold time", "[greylist][decision]") {
  const timespec first{1700000000, 0};
  const timespec earlier{1699990000, 0};
  REQUIRE(from_sighting(known_since(first, first), earlier, 120) == "GREY too soon");
  REQUIRE(from_sighting(known_since(first, first), timespec{1699999999, 999999999}, 1) == "GREY too soon");
  REQUIRE(from_sighting(known_since(first, first), earlier, 0) == "OK known");
}

TEST_CASE("the last sighting does not change the decision", "[greylist][decision]") {
  const timespec first{1700000000, 0};
  const timespec now{1700000030, 0};
  REQUIRE(from_sighting(known_since(first, timespec{1700000029, 0}), now, 120) == "GREY too soon");
  REQUIRE(from_sighting(known_since(first, timespec{1900000000, 0}), now, 120) == "GREY too soon");
}

// --- key, words, refusal ----------------------------------------------------

TEST_CASE("key_for uses PREFIX4 for IPv4 and PREFIX6 for IPv6", "[greylist]") {
  Settings s;
  REQUIRE(key_text("192.0.2.77", s) == "192.0.2.0/24");
  REQUIRE(key_text("2001:db8:1:2:3::1", s) == "2001:db8:1:2::/64");
  REQUIRE(key_text("::ffff:192.0.2.77", s) == "192.0.2.0/24");
  s.prefix4 = 32;
  s.prefix6 = 128;
  REQUIRE(key_text("192.0.2.77", s) == "192.0.2.77/32");
  REQUIRE(key_text("2001:db8:1:2:3::1", s) == "2001:db8:1:2:3::1/128");
  s.prefix4 = 20;
  s.prefix6 = 0;
  REQUIRE(key_text("192.0.255.77", s) == "192.0.240.0/20");
  REQUIRE(key_text("2001:db8::1", s) == "::/0");
}

TEST_CASE("log_words are v8's", "[greylist]") {
  REQUIRE(words(Verdict::ok_whitelisted) == "OK whitelisted");
  REQUIRE(words(Verdict::ok_relayclient) == "OK relayclient");
  REQUIRE(words(Verdict::deny_blacklisted) == "DENY blacklisted");
  REQUIRE(words(Verdict::deny_norev) == "DENY no reverse DNS");
  REQUIRE(words(Verdict::grey_first) == "GREY first time");
  REQUIRE(words(Verdict::grey_expired) == "GREY first time (expired)");
  REQUIRE(words(Verdict::grey_too_soon) == "GREY too soon");
  REQUIRE(words(Verdict::ok_known) == "OK known");
}

TEST_CASE("an entry the store started over is a first sighting, named as expired", "[greylist][decision]") {
  timespec now{1700000000, 0};
  Sighting restarted{true, now, now, true};
  REQUIRE(words(jgl::decide_from_sighting(restarted, now, 120)) == "GREY first time (expired)");
  REQUIRE(words(jgl::decide_from_sighting(restarted, now, 0)) == "GREY first time (expired)");
  REQUIRE_FALSE(jgl::passes(Verdict::grey_expired));
}

TEST_CASE("only OK verdicts pass the client on", "[greylist]") {
  REQUIRE(jgl::passes(Verdict::ok_whitelisted));
  REQUIRE(jgl::passes(Verdict::ok_relayclient));
  REQUIRE(jgl::passes(Verdict::ok_known));
  REQUIRE_FALSE(jgl::passes(Verdict::deny_blacklisted));
  REQUIRE_FALSE(jgl::passes(Verdict::deny_norev));
  REQUIRE_FALSE(jgl::passes(Verdict::grey_first));
  REQUIRE_FALSE(jgl::passes(Verdict::grey_expired));
  REQUIRE_FALSE(jgl::passes(Verdict::grey_too_soon));
}

TEST_CASE("refusal_message replaces only the first percent with the client IP", "[greylist][refusal]") {
  Settings s;
  s.jgreylist = "go away % and % too";
  REQUIRE(refusal(Verdict::deny_blacklisted, s, "192.0.2.1") == "DENIED go away 192.0.2.1 and % too");
  s.jgreylist = "%";
  REQUIRE(refusal(Verdict::deny_blacklisted, s, "192.0.2.1") == "DENIED 192.0.2.1");
  s.jgreylist = "blocked: %";
  REQUIRE(refusal(Verdict::deny_blacklisted, s, "::ffff:192.0.2.1") == "DENIED blocked: 192.0.2.1");
}

TEST_CASE("refusal_message writes an IPv6 client canonically", "[greylist][refusal]") {
  Settings s;
  s.jgreylist = "% is blocked";
  REQUIRE(refusal(Verdict::deny_blacklisted, s, "2001:DB8:0:0::1") == "DENIED 2001:db8::1 is blocked");
}

TEST_CASE("a deny message without a percent is used as it is", "[greylist][refusal]") {
  Settings s;
  s.jgreylist = "go away";
  REQUIRE(refusal(Verdict::deny_blacklisted, s, "192.0.2.1") == "DENIED go away");
}

TEST_CASE("deny messages are prefixed DENIED", "[greylist][refusal]") {
  Settings s;
  s.norev = "no reverse DNS for %";
  REQUIRE(refusal(Verdict::deny_norev, s, "192.0.2.1") == "DENIED no reverse DNS for 192.0.2.1");
}

TEST_CASE("the greylist message says GREYLIST and not DENIED", "[greylist][refusal]") {
  Settings s;
  for (Verdict v : {Verdict::grey_first, Verdict::grey_too_soon}) {
    CAPTURE(words(v));
    std::string text = refusal(v, s, "192.0.2.1");
    REQUIRE(text.find("GREYLIST") != std::string::npos);
    REQUIRE(text.find("DENIED") == std::string::npos);
    REQUIRE(text.find("192.0.2.1") == std::string::npos);
  }
}

TEST_CASE("refusal_message sanitises control characters", "[greylist][refusal]") {
  Settings s;
  s.jgreylist = "bad\r\n250 ok\x01\x7f\t%\xe9";
  REQUIRE(refusal(Verdict::deny_blacklisted, s, "192.0.2.1") == "DENIED bad??250 ok???192.0.2.1?");
}

TEST_CASE("refusal_message fits the buffer it is given", "[greylist][refusal]") {
  Settings s;
  s.jgreylist = "go away %";
  std::string cut = refusal(Verdict::deny_blacklisted, s, "192.0.2.1", 16);
  REQUIRE(cut == "DENIED go away ");

  std::string buf(64, '#');
  std::string_view text = jgl::refusal_message(Verdict::deny_blacklisted, s, addr("192.0.2.1"), buf.data(), 8);
  REQUIRE(std::string(text) == "DENIED ");
  REQUIRE(buf[7] == '\0');
  REQUIRE(buf[8] == '#');
}

TEST_CASE("a very long deny message is cut and never overflows", "[greylist][refusal]") {
  Settings s;
  std::string huge(5000, 'x');
  s.jgreylist = huge.c_str();
  std::string text = refusal(Verdict::deny_blacklisted, s, "192.0.2.1", 4096);
  REQUIRE(text.starts_with("DENIED xxx"));
  REQUIRE(text.size() < 600u);

  std::string late_percent = std::string(1000, 'y') + "%" + std::string(1000, 'z');
  s.jgreylist = late_percent.c_str();
  text = refusal(Verdict::deny_blacklisted, s, "2001:db8:1:2:3:4:5:6", 4096);
  REQUIRE(text.starts_with("DENIED yyy"));
  REQUIRE(text.find("2001:db8:1:2:3:4:5:6") != std::string::npos);
  REQUIRE(text.size() < 600u);
}

namespace {

constexpr long kNow = 1'700'000'000;

}  // namespace

TEST_CASE("expiry: an entry seen again after the holdtime is validated", "[greylist]") {
  jgl::ExpiryPolicy p;  // holdtime 120
  CHECK(jgl::judge(kNow - 1000, kNow - 1000 + 120, kNow, p).validated);
  CHECK_FALSE(jgl::judge(kNow - 1000, kNow - 1000 + 119, kNow, p).validated);
  CHECK_FALSE(jgl::judge(kNow - 1000, kNow - 1000, kNow, p).validated);
}

TEST_CASE("expiry: a holdtime of zero makes every entry validated", "[greylist]") {
  jgl::ExpiryPolicy p;
  p.holdtime = 0;
  CHECK(jgl::judge(kNow - 10, kNow - 10, kNow, p).validated);
}

TEST_CASE("expiry: a validated entry expires when not seen for exactly max age", "[greylist]") {
  jgl::ExpiryPolicy p;  // max_age 35 days
  long first = kNow - 400L * 86400;
  CHECK(jgl::judge(first, kNow - 35L * 86400, kNow, p).expired);
  CHECK_FALSE(jgl::judge(first, kNow - 35L * 86400 + 1, kNow, p).expired);
}

TEST_CASE("expiry: a validated entry is kept however long ago it was first seen", "[greylist]") {
  jgl::ExpiryPolicy p;
  CHECK_FALSE(jgl::judge(kNow - 3000L * 86400, kNow - 86400, kNow, p).expired);
}

TEST_CASE("expiry: a pending entry expires pending age after it was first seen", "[greylist]") {
  jgl::ExpiryPolicy p;  // pending_age 1 day
  CHECK(jgl::judge(kNow - 86400, kNow - 86400, kNow, p).expired);
  CHECK_FALSE(jgl::judge(kNow - 86399, kNow - 86399, kNow, p).expired);
}

TEST_CASE("expiry: a pending entry seen again within the holdtime still expires by its first sight", "[greylist]") {
  jgl::ExpiryPolicy p;
  jgl::Expiry e = jgl::judge(kNow - 2 * 86400, kNow - 2 * 86400 + 60, kNow, p);
  CHECK_FALSE(e.validated);
  CHECK(e.expired);
}

TEST_CASE("expiry: ages of zero expire every entry not from the future", "[greylist]") {
  jgl::ExpiryPolicy p;
  p.max_age = 0;
  p.pending_age = 0;
  CHECK(jgl::judge(kNow, kNow, kNow, p).expired);
  CHECK(jgl::judge(kNow - 500, kNow, kNow, p).expired);
  CHECK_FALSE(jgl::judge(kNow + 5, kNow + 5, kNow, p).expired);
}

TEST_CASE("expiry: an entry with times in the future is not expired", "[greylist]") {
  jgl::ExpiryPolicy p;
  CHECK_FALSE(jgl::judge(kNow + 86400 * 100, kNow + 86400 * 100, kNow, p).expired);
  CHECK_FALSE(jgl::judge(kNow - 400L * 86400, kNow + 3600, kNow, p).expired);
}

TEST_CASE("expiry: a pending entry lives pending age from its first sighting", "[greylist]") {
  jgl::ExpiryPolicy p;  // pending_age 1 day, holdtime 120
  CHECK(jgl::expires_at(kNow, kNow, p) == kNow + 86400);
  CHECK(jgl::expires_at(kNow, kNow + 119, p) == kNow + 86400);
}

TEST_CASE("expiry: a validated entry lives max age from its last sighting", "[greylist]") {
  jgl::ExpiryPolicy p;  // max_age 35 days, holdtime 120
  CHECK(jgl::expires_at(kNow, kNow + 120, p) == kNow + 120 + 35L * 86400);
  CHECK(jgl::expires_at(kNow - 400L * 86400, kNow, p) == kNow + 35L * 86400);
}

TEST_CASE("expiry: judge calls an entry expired exactly from expires_at on", "[greylist]") {
  jgl::ExpiryPolicy p;
  for (long last : {kNow, kNow + 60, kNow + 120, kNow + 86400}) {
    long end = jgl::expires_at(kNow, last, p);
    CAPTURE(last);
    CHECK_FALSE(jgl::judge(kNow, last, end - 1, p).expired);
    CHECK(jgl::judge(kNow, last, end, p).expired);
  }
}

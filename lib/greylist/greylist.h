// greylist/greylist.h: the greylisting policy: settings and decision.
//
// The settings are v8's environment variables, read strictly. The decision
// runs in v8's order: JGREYLIST, RELAYCLIENT, JGREYLIST_NOREV, then the
// store. When an entry stops mattering is the store's rule
// (lib/store/expiry.h). Nothing here touches a store; it judges what a
// store answered.
#pragma once

#include <time.h>

#include <string>
#include <string_view>

#include "lib/base/error.h"
#include "lib/net/address.h"
#include "lib/net/key.h"
#include "lib/net/prefix.h"
#include "lib/store/expiry.h"
#include "lib/store/store.h"

namespace jgl {

struct Settings {
  const char* jgreylist = nullptr;       // JGREYLIST: unset, "" (allow) or a deny message
  bool relayclient = false;              // RELAYCLIENT set
  const char* norev = nullptr;           // JGREYLIST_NOREV, non-empty
  int prefix4 = 24;                      // JGREYLIST_PREFIX4, or 32 with BY_IP
  int prefix6 = 64;                      // JGREYLIST_PREFIX6, or 128 with BY_IP
  long holdtime = 120;                   // JGREYLIST_HOLDTIME, seconds
  long timeout = 60;                     // JGREYLIST_TIMEOUT, seconds, 5-300
  unsigned long limit = 0;               // JGREYLIST_LIMIT, 0: none
  bool log = true;                       // JGREYLIST_LOG
  bool log_pid = true;                   // JGREYLIST_LOG_PID
  bool log_smtp = false;                 // JGREYLIST_LOG_SMTP
  bool failopen = false;                 // JGREYLIST_FAILOPEN
  bool handoff = false;                  // JGREYLIST_HANDOFF: unknown clients go on to jgreylist-queue
  bool spf = false;                      // JGREYLIST_SPF: triplets keyed on an SPF-passed domain
};

// What jgreylist-queue and jgreylist-policy key a message on: the client's
// prefix alone, as jgreylist does, or the triplet (prefix, sender,
// recipient).
enum class KeyKind { ip, triplet };

// JGREYLIST_KEY: "ip" or "triplet"; unset or empty, `fallback` (each
// program's own default); anything else is the error, naming it.
Result<KeyKind> key_kind_from_env(KeyKind fallback);

// Reads every variable but the store's (lib/store/open.h: they matter
// only when the store is needed); the first malformed one is the error.
Result<Settings> settings_from_env();

// What jgreylist-queue and jgreylist-policy learn of senders beyond the
// triplet (jgreylist itself reads none of it):
//   JGREYLIST_AWL=N             a network whose triplets passed N times
//                               (one counted an hour) passes at once; 0 off
//   JGREYLIST_CORRESPONDENTS=1  mail our users send records its recipients,
//                               whose mail back to them passes at once
struct SenderSettings {
  unsigned long awl = 5;
  bool correspondents = false;
};
// How often a network's passes are counted at most (postgrey's rule).
inline constexpr long kAwlInterval = 3600;

// Reads JGREYLIST_AWL and JGREYLIST_CORRESPONDENTS; the first malformed
// one is the error, naming it.
Result<SenderSettings> sender_settings_from_env();

// What happened to the client, with v8's log words.
enum class Verdict {
  ok_whitelisted,   // JGREYLIST set and empty
  ok_relayclient,   // RELAYCLIENT set
  deny_blacklisted, // JGREYLIST set to a message
  deny_norev,       // JGREYLIST_NOREV and no reverse DNS name
  grey_first,       // no entry: created
  grey_expired,     // an entry past its retry window (lib/store/expiry.h): created again
  grey_too_soon,    // entry younger than the hold time
  ok_known,         // entry old enough
  ok_awl,           // its network passed JGREYLIST_AWL triplets (jgreylist-queue, jgreylist-policy)
  ok_correspondent, // the sender is one our user wrote to (JGREYLIST_CORRESPONDENTS)
};

std::string_view log_words(Verdict v);
bool passes(Verdict v);

// The decision that needs no store; returns false when the store decides.
// `remote_host` is TCPREMOTEHOST (nullptr when unset).
bool decide_without_store(const Settings& s, const char* remote_host, Verdict* verdict);

// The decision from the store's answer.
Verdict decide_from_sighting(const Sighting& seen, timespec now, long holdtime);

// What a filter does when its store fails it. A permanent error (a tree
// that is the filesystem's root, a socket path too long) is a
// configuration error that no retry and no FAILOPEN should paper over; a
// temporary one (I/O, a full disk, a server away) defers the client, or
// with JGREYLIST_FAILOPEN lets it pass, logged as kFailopenWords + ", " +
// why. The same words in jgreylist, jgreylist-queue and jgreylist-policy.
struct StoreTrouble {
  bool pass;        // FAILOPEN and a temporary error
  std::string why;  // "configuration error: ..." or "store error in WHERE: ..."
};
inline constexpr std::string_view kFailopenWords = "OK failopen";
StoreTrouble store_trouble(const Error& error, std::string_view where, bool failopen);

// The store could not be opened: always a configuration error.
std::string store_open_trouble(const Error& error);

// The key an address is stored under.
Key key_for(const Address& client, const Settings& s);

// The correspondent entry that lets mail from `sender` to `recipient` pass
// (both lowercased, nothing else: the address our user wrote to, as the
// reply comes from it). Recorded, when our user sends, as
// correspondent_for(the recipient, our user).
Key correspondent_for(std::string_view sender, std::string_view recipient);

// Whether a correspondent entry found in the store still lets mail pass
// (not past its max age, lib/store/expiry.h).
bool correspondent_passes(const Entry& found, long now, const ExpiryPolicy& policy);

// Whether a network's awl entry has N passes counted (JGREYLIST_AWL) and
// has not expired: its triplets pass at once. N = 0: never.
bool awl_passes(const Entry& found, unsigned long n, long now, const ExpiryPolicy& policy);

// The refusal text: the deny message with its first '%' replaced by the
// client's address, or v8's greylist text; sanitised, into buf.
std::string_view refusal_message(Verdict v, const Settings& s, const Address& client, char* buf,
                                 std::size_t cap);

}  // namespace jgl

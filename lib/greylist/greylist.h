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

// The refusal text: the deny message with its first '%' replaced by the
// client's address, or v8's greylist text; sanitised, into buf.
std::string_view refusal_message(Verdict v, const Settings& s, const Address& client, char* buf,
                                 std::size_t cap);

}  // namespace jgl

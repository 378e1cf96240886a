// greylist.h: the greylisting policy: settings, decision and expiry.
//
// The settings are v8's environment variables, read strictly. The decision
// runs in v8's order: JGREYLIST, RELAYCLIENT, JGREYLIST_NOREV, then the
// store. The expiry rule says when an entry stops mattering, once for the
// cleaner, the admin tool's listings and a store's TTLs. Nothing here
// touches a store; it judges what a store answered.
#pragma once

#include <time.h>

#include <string_view>

#include "lib/address.h"
#include "lib/error.h"
#include "lib/key.h"
#include "lib/prefix.h"
#include "lib/store.h"

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
};

// Reads every variable but the store's (lib/open_store.h: they matter
// only when the store is needed); the first malformed one is the error.
Result<Settings> settings_from_env();

// What happened to the client, with v8's log words.
enum class Verdict {
  ok_whitelisted,   // JGREYLIST set and empty
  ok_relayclient,   // RELAYCLIENT set
  deny_blacklisted, // JGREYLIST set to a message
  deny_norev,       // JGREYLIST_NOREV and no reverse DNS name
  grey_first,       // no entry: created
  grey_too_soon,    // entry younger than the hold time
  ok_known,         // entry old enough
};

std::string_view log_words(Verdict v);
bool passes(Verdict v);

// JGREYLIST_HOLDTIME: seconds, 0 to a hundred years, 120 when unset. Read
// the same way by every program that tells pending from validated.
Result<long> holdtime_from_env();

// The decision that needs no store; returns false when the store decides.
// `remote_host` is TCPREMOTEHOST (nullptr when unset).
bool decide_without_store(const Settings& s, const char* remote_host, Verdict* verdict);

// The decision from the store's answer.
Verdict decide_from_sighting(const Sighting& seen, timespec now, long holdtime);

// How long entries live. An entry is validated once it was seen again at
// least holdtime after its first sighting (the sender came back); a
// validated entry lives max_age after it was last seen, so that monthly
// senders stay known, a pending one pending_age after it was first seen.
struct ExpiryPolicy {
  long max_age = 35L * 86400;
  long pending_age = 86400;
  long holdtime = 120;
};

struct Expiry {
  bool validated;
  bool expired;
};

// Times in whole seconds since the epoch.
Expiry judge(long first_seen, long last_seen, long now, const ExpiryPolicy& policy);

// When the entry expires; a store with TTLs keeps it this long.
long expires_at(long first_seen, long last_seen, const ExpiryPolicy& policy);

// The key an address is stored under.
Key key_for(const Address& client, const Settings& s);

// The refusal text: the deny message with its first '%' replaced by the
// client's address, or v8's greylist text; sanitised, into buf.
std::string_view refusal_message(Verdict v, const Settings& s, const Address& client, char* buf,
                                 std::size_t cap);

}  // namespace jgl

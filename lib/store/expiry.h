// store/expiry.h: how long an entry lives, the one rule for every store.
//
// An entry is validated once it was seen again at least the hold time
// after its first sighting (the sender came back); a validated entry lives
// max_age after it was last seen, so that monthly senders stay known, a
// pending one pending_age after it was first seen. jgreylist-clean removes
// the tree's expired entries by it, Redis keeps each key for its TTL by it,
// and jgreylist-admin lists by it.
#pragma once

#include "lib/base/error.h"
#include "lib/net/key.h"

namespace jgl {

struct ExpiryPolicy {
  long max_age = 35L * 86400;  // JGREYLIST_MAX_AGE, jgreylist-clean --max-age
  long pending_age = 86400;    // JGREYLIST_PENDING_AGE, jgreylist-clean --pending-age
  long holdtime = 120;         // JGREYLIST_HOLDTIME, jgreylist-clean --holdtime
};

struct Expiry {
  bool validated;
  bool expired;
};

// The policy an entry of `key`'s kind lives by: awl and correspondent
// entries have nothing to wait for, so they are never pending (a hold
// time of 0) and live max_age after they were last seen.
ExpiryPolicy expiry_for(Key::Kind kind, const ExpiryPolicy& policy);

// Times in whole seconds since the epoch.
Expiry judge(long first_seen, long last_seen, long now, const ExpiryPolicy& policy);

// When the entry expires; a store with TTLs keeps it this long.
long expires_at(long first_seen, long last_seen, const ExpiryPolicy& policy);

// JGREYLIST_HOLDTIME: seconds, 0 to a hundred years, 120 when unset. Read
// the same way by every program that tells pending from validated.
Result<long> holdtime_from_env();

// JGREYLIST_HOLDTIME, JGREYLIST_PENDING_AGE and JGREYLIST_MAX_AGE (with
// s m h d w suffixes), each defaulting to ExpiryPolicy's; the first
// malformed one is the error, naming it.
Result<ExpiryPolicy> expiry_from_env();

}  // namespace jgl

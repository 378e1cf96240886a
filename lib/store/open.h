// store/open.h: the store the environment names, opened.
//
// The one place that knows every backend: a program asks for "the store"
// and gets a Store (lib/store/store.h), whichever holds the state:
//
//   JGREYLIST_DIR     the tree (lib/store/tree.h), the default
//   JGREYLIST_REDIS   Redis (lib/store/redis.h), for several MX hosts
//
// Naming both is a configuration error: one service, one state. A new
// backend is one more field in StoreSettings and one more case in
// open_store().
#pragma once

#include <memory>
#include <string>

#include "lib/base/error.h"
#include "lib/store/expiry.h"
#include "lib/store/store.h"

namespace jgl {

struct StoreSettings {
  const char* dir = nullptr;             // JGREYLIST_DIR
  const char* redis = nullptr;           // JGREYLIST_REDIS: a URL (lib/store/redis_url.h)
  const char* redis_password = nullptr;  // JGREYLIST_REDIS_PASSWORD
  std::string redis_prefix = "jgreylist:";  // JGREYLIST_REDIS_PREFIX
  int redis_timeout_ms = 500;            // JGREYLIST_REDIS_TIMEOUT
  // JGREYLIST_HOLDTIME, JGREYLIST_PENDING_AGE and JGREYLIST_MAX_AGE: the
  // TTLs of a store that keeps them, by jgreylist-clean's rule.
  ExpiryPolicy expiry;
};

// Reads the variables of the store named (Redis's only when
// JGREYLIST_REDIS is set); the first malformed one is the error, naming it.
Result<StoreSettings> store_settings_from_env();

// The variables only a Redis store reads, into s: for a program that names
// a Redis store on its command line (jgreylist-admin --redis).
Result<void> redis_settings_from_env(StoreSettings& s);

// Opens the store the settings name. The error names the variable at fault
// ("JGREYLIST_DIR=/x: not a directory"): a configuration error. A Redis
// store connects at its first request: a server away is a store error.
Result<std::unique_ptr<Store>> open_store(const StoreSettings& settings);

// Both: the store the environment names, for the filters. Every error is
// a configuration error.
Result<std::unique_ptr<Store>> open_store_from_env();

}  // namespace jgl

// store/expiry.cc: the expiry rule and its settings.
#include "lib/store/expiry.h"

#include "lib/base/env.h"

namespace jgl {
namespace {

// The sender came back at least the hold time after its first attempt.
bool is_validated(long first_seen, long last_seen, const ExpiryPolicy& policy) {
  return last_seen - first_seen >= policy.holdtime;
}

}  // namespace

ExpiryPolicy expiry_for(Key::Kind kind, const ExpiryPolicy& policy) {
  ExpiryPolicy own = policy;
  if (kind == Key::Kind::awl || kind == Key::Kind::correspondent) own.holdtime = 0;
  return own;
}

Expiry judge(long first_seen, long last_seen, long now, const ExpiryPolicy& policy) {
  return {is_validated(first_seen, last_seen, policy), now >= expires_at(first_seen, last_seen, policy)};
}

long expires_at(long first_seen, long last_seen, const ExpiryPolicy& policy) {
  return is_validated(first_seen, last_seen, policy) ? last_seen + policy.max_age
                                                     : first_seen + policy.pending_age;
}

Result<long> holdtime_from_env() { return env_number("JGREYLIST_HOLDTIME", 120, 0, 100L * 365 * 86400); }

Result<ExpiryPolicy> expiry_from_env() {
  ExpiryPolicy policy;
  auto holdtime = holdtime_from_env();
  if (!holdtime) return std::unexpected(holdtime.error());
  policy.holdtime = *holdtime;
  auto pending = env_duration("JGREYLIST_PENDING_AGE", policy.pending_age);
  if (!pending) return std::unexpected(pending.error());
  policy.pending_age = *pending;
  auto max_age = env_duration("JGREYLIST_MAX_AGE", policy.max_age);
  if (!max_age) return std::unexpected(max_age.error());
  policy.max_age = *max_age;
  return policy;
}

}  // namespace jgl

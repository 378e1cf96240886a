// net/prefix_set.cc: sort, then keep a prefix only when the last kept one
// does not contain it (sorted wider-first, a container always comes first).
#include "lib/net/prefix_set.h"

#include <algorithm>

namespace jgl {

bool prefix_contains(const Prefix& outer, const Prefix& inner) {
  return outer.family() == inner.family() && outer.length() <= inner.length() &&
         inner.address().masked(outer.length()) == outer.address();
}

bool prefix_less(const Prefix& a, const Prefix& b) {
  if (a.family() != b.family()) return a.family() == Family::v4;
  int bytes = a.address().byte_count();
  for (int i = 0; i < bytes; ++i) {
    if (a.address().byte(i) != b.address().byte(i)) return a.address().byte(i) < b.address().byte(i);
  }
  return a.length() < b.length();
}

std::vector<Prefix> disjoint_prefixes(std::vector<Prefix> prefixes) {
  std::sort(prefixes.begin(), prefixes.end(), prefix_less);
  std::vector<Prefix> kept;
  kept.reserve(prefixes.size());
  for (const Prefix& p : prefixes) {
    if (kept.empty() || !prefix_contains(kept.back(), p)) kept.push_back(p);
  }
  return kept;
}

}  // namespace jgl

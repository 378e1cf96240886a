// net/prefix_set.h: a list of prefixes made into a set of disjoint ranges.
//
// What an address list written by many hands needs before it is used:
// every prefix normalised (host bits already cleared by Prefix), duplicates
// dropped, a prefix inside a wider one of the list dropped, and the rest
// sorted (IPv4 before IPv6, then by address, then wider first). Adjacent
// prefixes are not joined into a wider one: each range stays as its owner
// published it.
#pragma once

#include <vector>

#include "lib/net/prefix.h"

namespace jgl {

// Whether every address of `inner` is in `outer` (the same family only).
bool prefix_contains(const Prefix& outer, const Prefix& inner);

// The order described above.
bool prefix_less(const Prefix& a, const Prefix& b);

// The list sorted, without duplicates or prefixes contained in another.
std::vector<Prefix> disjoint_prefixes(std::vector<Prefix> prefixes);

}  // namespace jgl

// spf/whitelist.h: the walked ranges as a tcprules fragment, and the rules
// that make its replacement safe when DNS is not.
//
// The fragment is what `jgreylist-spf walk` writes: a header comment, then
// per listed domain a "# domain: NAME" line, a "# record: ..." line with
// its SPF record, and one "RANGE:allow,JGREYLIST=\"\"" line per range
// (192.0.2.0/24, 2001:db8::/32: CIDR as lib/rules/keys.h expands it). It
// is read back by the next run, so that each section is also the last good
// state of its domain.
//
// The update: a domain walked ok gets its new ranges; a domain whose walk
// failed keeps its section from the previous fragment (marked "# kept:"
// with the reason) or, never walked before, has none. Then the shrink
// guard: if the new total of ranges loses more than `max_shrink_percent` of
// the previous one, the update is refused and the old fragment should stay.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "lib/base/error.h"
#include "lib/net/prefix.h"
#include "lib/spf/walk.h"

namespace jgl {

struct WhitelistSection {
  std::string domain;
  std::string record;        // the SPF record it came from; may be empty
  std::vector<Prefix> ranges;
  std::string kept_because;  // set: these ranges are the previous run's
};

// The fragment's text.
std::string format_whitelist(const std::vector<WhitelistSection>& sections);

// A fragment read back. A line that the format above does not have is a
// permanent error naming its number: the file is not one walk wrote.
Result<std::vector<WhitelistSection>> parse_whitelist(std::string_view text);

// The fragment at `path`; no file is no sections (the first run).
Result<std::vector<WhitelistSection>> read_whitelist(const std::string& path);

// A domain as the administrator lists it: a host name (letters, digits,
// '-', '_' and dots, two labels or more), lowercase, without a trailing
// dot; anything else is a permanent error naming it.
Result<std::string> listed_domain(std::string_view word);

// The list of domains to walk: one a line, "#" to the end of a line a
// comment, blank lines ignored; lowercase, without a trailing dot. A word
// that is not a domain name is a permanent error naming its line.
Result<std::vector<std::string>> parse_domain_list(std::string_view text);
Result<std::vector<std::string>> read_domain_list(const std::string& path);

// Written atomically (lib/base/atomic_file.h), mode 0644.
Result<void> write_whitelist(const std::string& path, const std::vector<WhitelistSection>& sections);

std::size_t range_count(const std::vector<WhitelistSection>& sections);

struct WhitelistUpdate {
  std::vector<WhitelistSection> sections;  // one per walk that has ranges to give, in order
  std::vector<std::string> kept;           // "domain: why its walk failed", previous ranges kept
  std::vector<std::string> missing;        // "domain: why", failed with nothing to keep
  std::size_t previous_ranges = 0;
  std::size_t ranges = 0;
  std::optional<std::string> refused;      // the shrink guard's reason: keep the old fragment
};

WhitelistUpdate update_whitelist(const std::vector<DomainWalk>& walks, const std::vector<WhitelistSection>& previous,
                                 int max_shrink_percent);

}  // namespace jgl

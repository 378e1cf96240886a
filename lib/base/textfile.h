// base/textfile.h: node_exporter's textfile, shared by the writers of its families.
//
// `jgreylist-admin stats --prometheus FILE` and `jgreylist-admin report
// --prometheus FILE` write their figures into one file, each its own
// metric families. A writer replaces the lines of the families it owns
// (its samples, their # HELP and # TYPE) and keeps every other line, so
// that either can run first and neither erases the other. The file is
// replaced whole (base/atomic_file.h): node_exporter never reads half.
#pragma once

#include <string>
#include <string_view>

#include "lib/base/error.h"

namespace jgl {

// Whether a metric name is the writer's own.
using OwnsMetric = bool (*)(std::string_view name);

// `old` without the lines of the families `owns` claims, then `ours`.
std::string merged_textfile(std::string_view old, OwnsMetric owns, std::string_view ours);

// `path` rewritten so (mode 0644: node_exporter reads as another user); a
// missing file is an empty one.
Result<void> write_textfile(const std::string& path, OwnsMetric owns, std::string_view ours);

}  // namespace jgl

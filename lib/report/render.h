// report/render.h: a Report (report.h) for people, scripts, Prometheus and eyes.
//
//   report_text        the tables jgreylist-admin report prints
//   report_json        the same figures as one JSON object, for scripts
//   report_prometheus  counters and a delay histogram in node_exporter's
//                      textfile format, every family named
//                      jgreylist_report_* (merged into the file that
//                      `jgreylist-admin stats` writes: lib/base/textfile.h)
//   report_svg         the delay distribution and the decisions over time,
//                      as a self-contained SVG image
// Every duration is in seconds in JSON and Prometheus, written as 5m20s in
// text. `top`: how many names each list shows.
#pragma once

#include <cstddef>
#include <string>

#include "lib/report/report.h"

namespace jgl {

std::string report_text(const Report& r, std::size_t top);
std::string report_json(const Report& r, std::size_t top);
std::string report_prometheus(const Report& r);
std::string report_svg(const Report& r);

// Whether a metric of a textfile is one report_prometheus writes.
bool report_metric(std::string_view name);

}  // namespace jgl

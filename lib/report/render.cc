// report/render.cc: a Report as text, JSON and Prometheus (render.h; the
// SVG is in svg.cc).
#include <fmt/format.h>

#include "lib/base/duration.h"
#include "lib/base/json.h"
#include "lib/base/printable.h"
#include "lib/report/render.h"

namespace jgl {

namespace {

constexpr std::string_view kPrefix = "jgreylist_report_";

std::uint64_t outcome_total(const Report& r, int o) {
  std::uint64_t n = 0;
  for (int p = 0; p < kProgramCount; ++p) n += r.by_outcome[p][o];
  return n;
}

bool program_seen(const Report& r, int p) {
  for (int o = 0; o < kOutcomeCount; ++o) {
    if (r.by_outcome[p][o] != 0) return true;
  }
  return false;
}

std::string seconds(std::uint64_t s) { return format_duration(static_cast<long>(s)); }

std::string shown(std::string_view text) { return shown_value(text, 80); }

// "1 key", "2 keys".
std::string counted(std::uint64_t n, std::string_view what) {
  return fmt::format("{} {}{}", n, what, n == 1 ? "" : "s");
}

// --- text ----------------------------------------------------------------------

void decisions_text(const Report& r, std::string& out) {
  out += fmt::format("{:<40}", "decisions");
  for (int p = 0; p < kProgramCount; ++p) {
    if (program_seen(r, p)) out += fmt::format(" {:>17}", program_name(static_cast<Program>(p)));
  }
  out += fmt::format(" {:>10} {:>7}\n", "all", "share");
  for (int o = 0; o < kOutcomeCount; ++o) {
    std::uint64_t total = outcome_total(r, o);
    if (total == 0) continue;
    out += fmt::format("  {:<38}", outcome_words(static_cast<Outcome>(o)));
    for (int p = 0; p < kProgramCount; ++p) {
      if (program_seen(r, p)) out += fmt::format(" {:>17}", r.by_outcome[p][o]);
    }
    out += fmt::format(" {:>10} {:>6.1f}%\n", total, 100.0 * static_cast<double>(total) / static_cast<double>(r.decisions));
  }
}

std::string figures_text(const Delays& d) {
  return fmt::format("{:>9} {:>9} {:>9} {:>9}", seconds(d.quantile(0.5)), seconds(d.quantile(0.9)),
                     seconds(d.quantile(0.99)), seconds(d.max()));
}

void delays_text(const Report& r, std::size_t top, std::string& out) {
  if (r.timed == 0) {
    out += "\ndelays: not known, the log has no time stamps\n";
    return;
  }
  out += fmt::format("\ndelays: {} greylisted, then passed\n", counted(r.delays.count(), "key"));
  if (r.delays.count() != 0) {
    out += fmt::format("  {:<30} {:>9} {:>9} {:>9} {:>9} {:>9}\n", "", "keys", "median", "p90", "p99", "max");
    out += fmt::format("  {:<30} {:>9} {}\n", "all", r.delays.count(), figures_text(r.delays));
    for (const auto* item : r.delays_by_domain.top(top)) {
      out += fmt::format("  {:<30} {:>9} {}\n", shown(item->name), item->payload.count(), figures_text(item->payload));
    }
    if (r.delays_without_sender.count() != 0) {
      out += fmt::format("  {:<30} {:>9} {}\n", "(keyed on the network)", r.delays_without_sender.count(),
                         figures_text(r.delays_without_sender));
    }
    if (r.delays_by_domain.approximate()) out += "  (more sender domains than kept: their figures are partial)\n";
  }
  if (r.passed_first_unseen != 0) {
    out += fmt::format("  {} more passed whose first attempt is before the log\n", r.passed_first_unseen);
  }
  if (r.passed_untimed != 0) out += fmt::format("  {} more passed without a time stamp\n", r.passed_untimed);
  if (r.out_of_order != 0) out += fmt::format("  {} passes timed before their first attempt (left out)\n", r.out_of_order);
}

void names_text(const TopCounts<>& names, std::size_t top, std::string_view heading, std::string& out) {
  auto items = names.top(top);
  if (items.empty()) return;
  out += fmt::format("  {:<30} {:>9}{}\n", heading, "keys", names.approximate() ? " (at most)" : "");
  for (const auto* item : items) out += fmt::format("  {:<30} {:>9}\n", shown(item->name), item->count);
}

void never_text(const Report& r, std::size_t top, std::string& out) {
  out += fmt::format("\nnever came back: {} greylisted and not passed within the pending age\n",
                     counted(r.never_came_back, "key"));
  names_text(r.never_by_network, top, "network", out);
  names_text(r.never_by_domain, top, "sender domain", out);
  out += fmt::format("still waiting at the log's end: {}\n", counted(r.still_waiting, "key"));
  if (r.let_go != 0) out += fmt::format("no longer followed (over the limit of keys): {}\n", r.let_go);
}

void too_soon_text(const Report& r, std::size_t top, std::string& out) {
  out += fmt::format("\nretried too soon: {} before the hold time, by {}\n", counted(r.too_soon, "attempt"),
                     counted(r.too_soon_keys, "key"));
  auto items = r.too_soon_by_network.top(top);
  if (items.empty()) return;
  out += fmt::format("  {:<30} {:>9}{}\n", "network", "attempts", r.too_soon_by_network.approximate() ? " (at most)" : "");
  for (const auto* item : items) out += fmt::format("  {:<30} {:>9}\n", shown(item->name), item->count);
}

// --- JSON ----------------------------------------------------------------------

std::string delays_json(const Delays& d) {
  std::string out = fmt::format("{{\"count\":{},\"median\":{},\"p90\":{},\"p99\":{},\"max\":{},\"sum\":{},\"classes\":[",
                                d.count(), d.quantile(0.5), d.quantile(0.9), d.quantile(0.99), d.max(), d.sum());
  for (std::size_t c = 0; c < kClassCount; ++c) {
    std::string le = c < kClassBounds.size() ? std::to_string(kClassBounds[c]) : "null";
    out += fmt::format("{}{{\"le\":{},\"count\":{}}}", c == 0 ? "" : ",", le, d.classes()[c]);
  }
  return out + "]}";
}

std::string names_json(const TopCounts<>& names, std::size_t top, std::string_view what) {
  std::string out = "[";
  for (const auto* item : names.top(top)) {
    out += fmt::format("{}{{\"{}\":{},\"count\":{}}}", out.size() == 1 ? "" : ",", what, json_string(item->name),
                       item->count);
  }
  return out + "]";
}

std::string time_json(const Report& r, std::int64_t t) {
  return r.timed == 0 ? std::string("null") : json_string(format_time(static_cast<long>(t)));
}

// --- Prometheus ------------------------------------------------------------------

// A label's value: '\\', '"' and newlines escaped (the exposition format).
std::string label(std::string_view text) {
  std::string out;
  for (char ch : text) {
    if (ch == '\\' || ch == '"') out += '\\';
    out += ch;
  }
  return out;
}

}  // namespace

std::string report_text(const Report& r, std::size_t top) {
  std::string out = fmt::format("jgreylist report: {}, {} of them ours: {}, {}", counted(r.lines, "line"), r.ours,
                                counted(r.decisions, "decision"), counted(r.notes, "other line"));
  if (r.timed != 0) {
    out += fmt::format("; from {} to {} ({})", format_time(static_cast<long>(r.first_time)),
                       format_time(static_cast<long>(r.last_time)), seconds(static_cast<std::uint64_t>(r.last_time - r.first_time)));
  }
  out += "\n\n";
  if (r.decisions == 0) return out + "no decisions of jgreylist, jgreylist-queue or jgreylist-policy\n";
  decisions_text(r, out);
  delays_text(r, top, out);
  never_text(r, top, out);
  too_soon_text(r, top, out);
  return out;
}

std::string report_json(const Report& r, std::size_t top) {
  std::string out = fmt::format("{{\"lines\":{},\"ours\":{},\"decisions\":{},\"other_lines\":{},\"first\":{},\"last\":{},",
                                r.lines, r.ours, r.decisions, r.notes, time_json(r, r.first_time), time_json(r, r.last_time));
  out += "\"verdicts\":[";
  bool first = true;
  for (int o = 0; o < kOutcomeCount; ++o) {
    std::uint64_t total = outcome_total(r, o);
    if (total == 0) continue;
    out += fmt::format("{}{{\"verdict\":{},\"class\":\"{}\",\"count\":{},\"by_program\":{{", first ? "" : ",",
                       json_string(outcome_words(static_cast<Outcome>(o))),
                       class_name(outcome_class(static_cast<Outcome>(o))), total);
    first = false;
    bool first_program = true;
    for (int p = 0; p < kProgramCount; ++p) {
      if (r.by_outcome[p][o] == 0) continue;
      out += fmt::format("{}\"{}\":{}", first_program ? "" : ",", program_name(static_cast<Program>(p)), r.by_outcome[p][o]);
      first_program = false;
    }
    out += "}}";
  }
  out += "],\"delays\":";
  out += r.timed == 0 ? std::string("null") : delays_json(r.delays);
  out += ",\"delays_by_domain\":[";
  first = true;
  for (const auto* item : r.delays_by_domain.top(top)) {
    out += fmt::format("{}{{\"domain\":{},\"delays\":{}}}", first ? "" : ",", json_string(item->name), delays_json(item->payload));
    first = false;
  }
  out += fmt::format("],\"delays_keyed_on_network\":{},\"passed_first_attempt_unseen\":{},\"passed_untimed\":{},\"out_of_order\":{},",
                     delays_json(r.delays_without_sender), r.passed_first_unseen, r.passed_untimed, r.out_of_order);
  out += fmt::format("\"never_came_back\":{{\"count\":{},\"networks\":{},\"domains\":{},\"approximate\":{}}},",
                     r.never_came_back, names_json(r.never_by_network, top, "network"),
                     names_json(r.never_by_domain, top, "domain"),
                     r.never_by_network.approximate() || r.never_by_domain.approximate());
  out += fmt::format("\"still_waiting\":{},\"no_longer_followed\":{},", r.still_waiting, r.let_go);
  out += fmt::format("\"too_soon\":{{\"attempts\":{},\"keys\":{},\"networks\":{},\"approximate\":{}}},", r.too_soon,
                     r.too_soon_keys, names_json(r.too_soon_by_network, top, "network"),
                     r.too_soon_by_network.approximate());
  out += fmt::format("\"timeline\":{{\"start\":{},\"period\":{},\"periods\":[",
                     r.timeline.periods().empty() ? std::string("null") : time_json(r, r.timeline.start()),
                     r.timeline.width());
  for (std::size_t i = 0; i < r.timeline.periods().size(); ++i) {
    const auto& c = r.timeline.periods()[i].counts;
    out += fmt::format("{}{{\"passed\":{},\"greylisted\":{},\"denied\":{},\"deferred\":{}}}", i == 0 ? "" : ",", c[0],
                       c[1], c[2], c[3]);
  }
  return out + "]}}\n";
}

bool report_metric(std::string_view name) { return name.starts_with(kPrefix); }

std::string report_prometheus(const Report& r) {
  std::string out =
      "# HELP jgreylist_report_decisions_total Decisions in the logs read, by program and verdict.\n"
      "# TYPE jgreylist_report_decisions_total counter\n";
  for (int p = 0; p < kProgramCount; ++p) {
    for (int o = 0; o < kOutcomeCount; ++o) {
      if (r.by_outcome[p][o] == 0) continue;
      out += fmt::format("jgreylist_report_decisions_total{{program=\"{}\",verdict=\"{}\"}} {}\n",
                         program_name(static_cast<Program>(p)), label(outcome_words(static_cast<Outcome>(o))),
                         r.by_outcome[p][o]);
    }
  }
  out +=
      "# HELP jgreylist_report_delay_seconds How long greylisted keys waited from their first attempt to their pass.\n"
      "# TYPE jgreylist_report_delay_seconds histogram\n";
  std::uint64_t cumulative = 0;
  for (std::size_t c = 0; c < kClassCount; ++c) {
    cumulative += r.delays.classes()[c];
    std::string le = c < kClassBounds.size() ? std::to_string(kClassBounds[c]) : "+Inf";
    out += fmt::format("jgreylist_report_delay_seconds_bucket{{le=\"{}\"}} {}\n", le, cumulative);
  }
  out += fmt::format("jgreylist_report_delay_seconds_sum {}\n", r.delays.sum());
  out += fmt::format("jgreylist_report_delay_seconds_count {}\n", r.delays.count());
  struct {
    std::string_view name, type, help;
    std::uint64_t value;
  } const singles[] = {
      {"never_came_back_total", "counter", "Greylisted keys not passed within the pending age.", r.never_came_back},
      {"still_waiting", "gauge", "Greylisted keys within the pending age at the log's end.", r.still_waiting},
      {"too_soon_total", "counter", "Attempts before the hold time.", r.too_soon},
      {"lines_total", "counter", "Lines read.", r.lines},
  };
  for (const auto& s : singles) {
    out += fmt::format("# HELP {0}{1} {2}\n# TYPE {0}{1} {3}\n{0}{1} {4}\n", kPrefix, s.name, s.help, s.type, s.value);
  }
  if (r.timed != 0) {
    out += fmt::format(
        "# HELP {0}last_log_time_seconds The last time stamp read.\n# TYPE {0}last_log_time_seconds gauge\n"
        "{0}last_log_time_seconds {1}\n",
        kPrefix, r.last_time);
  }
  return out;
}

}  // namespace jgl

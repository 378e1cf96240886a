// report/svg.cc: the report as a picture (render.h): two panels, the delay
// distribution in the classes of report/delays.h and the decisions per
// period of the log, stacked by what the client made of them. Written by
// hand: the picture is a few dozen rectangles and labels, not worth a
// plotting library. Only numbers and times are drawn, never text from the
// log, so nothing needs escaping.
#include <fmt/format.h>

#include <algorithm>

#include "lib/base/duration.h"
#include "lib/report/render.h"

namespace jgl {

namespace {

constexpr int kWidth = 760, kHeight = 560;
constexpr int kLeft = 70, kRight = 20, kPlotWidth = kWidth - kLeft - kRight;
constexpr int kPanelHeight = 170;
constexpr int kDelayTop = 50, kTimeTop = 320;
constexpr const char* kColours[kOutcomeClassCount] = {"#4a9a4a", "#b0b0b0", "#c0392b", "#2e6da4"};

std::string class_label(std::size_t c) {
  if (c < kClassBounds.size()) return "\u2264" + format_duration(static_cast<long>(kClassBounds[c]));
  return ">" + format_duration(static_cast<long>(kClassBounds.back()));
}

// The y-axis: a line, and the largest value at its top.
void axis(std::string& out, int top, std::uint64_t most) {
  out += fmt::format("<line x1=\"{0}\" y1=\"{1}\" x2=\"{0}\" y2=\"{2}\" stroke=\"#333\"/>\n", kLeft, top, top + kPanelHeight);
  out += fmt::format("<line x1=\"{0}\" y1=\"{1}\" x2=\"{2}\" y2=\"{1}\" stroke=\"#333\"/>\n", kLeft, top + kPanelHeight,
                     kLeft + kPlotWidth);
  out += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text>\n", kLeft - 6, top + 4, most);
  out += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"end\">0</text>\n", kLeft - 6, top + kPanelHeight + 4);
}

void empty_panel(std::string& out, int top, std::string_view why) {
  out += fmt::format("<text class=\"empty\" x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text>\n", kLeft + kPlotWidth / 2,
                     top + kPanelHeight / 2, why);
}

void delay_panel(const Report& r, std::string& out) {
  const Delays& d = r.delays;
  out += fmt::format("<text class=\"title\" x=\"{}\" y=\"{}\">Delay from the first attempt to the pass: {} keys", kLeft,
                     kDelayTop - 16, d.count());
  if (d.count() != 0) {
    out += fmt::format(", median {}, p90 {}, max {}", format_duration(static_cast<long>(d.quantile(0.5))),
                       format_duration(static_cast<long>(d.quantile(0.9))), format_duration(static_cast<long>(d.max())));
  }
  out += "</text>\n";
  if (d.count() == 0) return empty_panel(out, kDelayTop, r.timed == 0 ? "no time stamps in the log" : "no greylisted key passed");
  std::uint64_t most = *std::max_element(d.classes().begin(), d.classes().end());
  axis(out, kDelayTop, most);
  const int slot = kPlotWidth / static_cast<int>(kClassCount);
  out += "<g class=\"delays\">\n";
  for (std::size_t c = 0; c < kClassCount; ++c) {
    std::uint64_t n = d.classes()[c];
    int h = static_cast<int>(n * kPanelHeight / most);
    int x = kLeft + static_cast<int>(c) * slot + 4;
    out += fmt::format("<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"#2e6da4\"><title>{}: {}</title></rect>\n",
                       x, kDelayTop + kPanelHeight - h, slot - 8, h, class_label(c), n);
    out += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text>\n", x + (slot - 8) / 2,
                       kDelayTop + kPanelHeight + 16, class_label(c));
  }
  out += "</g>\n";
}

void time_panel(const Report& r, std::string& out) {
  const Timeline& t = r.timeline;
  out += fmt::format("<text class=\"title\" x=\"{}\" y=\"{}\">Decisions per {}", kLeft, kTimeTop - 16,
                     format_duration(static_cast<long>(t.width())));
  out += "</text>\n";
  if (t.periods().empty()) return empty_panel(out, kTimeTop, "no time stamps in the log");
  std::uint64_t most = 1;
  for (const auto& p : t.periods()) {
    std::uint64_t sum = 0;
    for (auto n : p.counts) sum += n;
    most = std::max(most, sum);
  }
  axis(out, kTimeTop, most);
  const double slot = static_cast<double>(kPlotWidth) / static_cast<double>(t.periods().size());
  out += "<g class=\"decisions\">\n";
  for (std::size_t i = 0; i < t.periods().size(); ++i) {
    double x = kLeft + slot * static_cast<double>(i);
    std::uint64_t below = 0;
    for (int k = 0; k < kOutcomeClassCount; ++k) {
      std::uint64_t n = t.periods()[i].counts[k];
      if (n == 0) continue;
      double y0 = kTimeTop + kPanelHeight - static_cast<double>(below) * kPanelHeight / static_cast<double>(most);
      double h = static_cast<double>(n) * kPanelHeight / static_cast<double>(most);
      out += fmt::format("<rect x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" height=\"{:.1f}\" fill=\"{}\"><title>{}: {}</title></rect>\n",
                         x, y0 - h, std::max(slot - 1, 0.5), h, kColours[k], class_name(static_cast<OutcomeClass>(k)), n);
      below += n;
    }
  }
  out += "</g>\n";
  std::int64_t end = t.start() + t.width() * static_cast<std::int64_t>(t.periods().size());
  out += fmt::format("<text x=\"{}\" y=\"{}\">{}</text>\n", kLeft, kTimeTop + kPanelHeight + 16,
                     format_time(static_cast<long>(t.start())));
  out += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text>\n", kLeft + kPlotWidth,
                     kTimeTop + kPanelHeight + 16, format_time(static_cast<long>(end)));
  for (int k = 0; k < kOutcomeClassCount; ++k) {
    int x = kLeft + k * 150;
    out += fmt::format("<rect x=\"{}\" y=\"{}\" width=\"12\" height=\"12\" fill=\"{}\"/>\n", x, kTimeTop + kPanelHeight + 30,
                       kColours[k]);
    out += fmt::format("<text x=\"{}\" y=\"{}\">{}</text>\n", x + 18, kTimeTop + kPanelHeight + 40,
                       class_name(static_cast<OutcomeClass>(k)));
  }
}

}  // namespace

std::string report_svg(const Report& r) {
  std::string out = fmt::format(
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{0}\" height=\"{1}\" viewBox=\"0 0 {0} {1}\" "
      "font-family=\"sans-serif\" font-size=\"11\">\n"
      "<style>.title {{ font-size: 13px; font-weight: bold; }} .empty {{ fill: #777; }}</style>\n"
      "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n",
      kWidth, kHeight);
  delay_panel(r, out);
  time_panel(r, out);
  return out + "</svg>\n";
}

}  // namespace jgl

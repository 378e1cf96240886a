// textfile_test.cpp: one node_exporter textfile, each writer its own families.
#include "lib/base/textfile.h"

#include <catch2/catch.hpp>
#include <string>
#include <string_view>

using jgl::merged_textfile;

namespace {

bool report_owns(std::string_view name) { return name.starts_with("jgreylist_report_"); }

}  // namespace

TEST_CASE("a writer replaces its own families and keeps the others'") {
  const std::string old =
      "# HELP jgreylist_entries Entries.\n"
      "# TYPE jgreylist_entries gauge\n"
      "jgreylist_entries{family=\"ip4\",state=\"pending\"} 3\n"
      "# HELP jgreylist_report_delay_seconds Delays.\n"
      "# TYPE jgreylist_report_delay_seconds histogram\n"
      "jgreylist_report_delay_seconds_bucket{le=\"60\"} 1\n"
      "jgreylist_report_delay_seconds_sum 40\n"
      "jgreylist_report_delay_seconds_count 1\n"
      "jgreylist_report_lines_total 9\n";
  std::string merged = merged_textfile(old, report_owns, "jgreylist_report_lines_total 12\n");
  CHECK(merged ==
        "# HELP jgreylist_entries Entries.\n"
        "# TYPE jgreylist_entries gauge\n"
        "jgreylist_entries{family=\"ip4\",state=\"pending\"} 3\n"
        "jgreylist_report_lines_total 12\n");
}

TEST_CASE("lines that are no metric are not kept") {
  CHECK(merged_textfile("old\n\n# a comment\n{x} 1\nfoo_bar 2\n", report_owns, "") == "foo_bar 2\n");
}

TEST_CASE("a file without a final newline loses no line") {
  CHECK(merged_textfile("a 1\nb 2", report_owns, "c 3\n") == "a 1\nb 2\nc 3\n");
}

// rules_compile_test.cpp: compiling a rules text into a cdb, and how its
// failures are classed.
#include "lib/rules/compile.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "lib/rules/lookup.h"
#include "tests/unit/temp_dir.h"

namespace {

using jgl_test::TempDir;

// Compiles `text` as tcprules reads its standard input; the skipped lines
// go to `skipped` as "LINE (REASON): TEXT".
jgl::Result<void> compile(std::string_view text, const std::string& cdb, const std::string& tmp,
                          std::vector<std::string>* skipped = nullptr) {
  int fds[2];
  REQUIRE(::pipe(fds) == 0);
  REQUIRE(::write(fds[1], text.data(), text.size()) == static_cast<ssize_t>(text.size()));
  ::close(fds[1]);
  auto compiled = jgl::compile_rules(fds[0], cdb, tmp, [&](const jgl::SkippedLine& s) {
    if (skipped) skipped->push_back(std::to_string(s.line) + " (" + std::string(s.reason) + "): " + std::string(s.text));
  });
  ::close(fds[0]);
  return compiled;
}

std::string contents(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

bool exists(const std::string& path) {
  struct stat st;
  return ::lstat(path.c_str(), &st) == 0;
}

}  // namespace

TEST_CASE("compiled rules are found as tcpserver looks clients up") {
  TempDir dir;
  REQUIRE(compile("10.:deny\n192.0.2.1:allow,X=\"1\"\n2001:db8::/32:allow", dir / "rules.cdb", dir / "rules.tmp"));
  CHECK_FALSE(exists(dir / "rules.tmp"));
  auto opened = jgl::open_rules_cdb((dir / "rules.cdb").c_str());
  REQUIRE(opened.has_value());
  auto v4 = jgl::check_rules(*opened, "192.0.2.1", nullptr, nullptr);
  auto denied = jgl::check_rules(*opened, "10.9.8.7", nullptr, nullptr);
  auto v6 = jgl::check_rules(*opened, "2001:db8::1", nullptr, nullptr);
  auto none = jgl::check_rules(*opened, "192.0.2.2", nullptr, nullptr);
  ::close(*opened);
  REQUIRE((v4 && *v4 && denied && *denied && v6 && *v6 && none));
  CHECK((*v4)->settings == std::vector<std::string>{"X=1"});
  CHECK((*denied)->deny);
  CHECK((*v6)->key == "2001:db8:");
  CHECK_FALSE(*none);
}

TEST_CASE("a bad line is a permanent error naming the line, and no cdb is written") {
  TempDir dir;
  auto compiled = compile("1.2.3.4:allow\n# note\n1.2.3.5:maybe \t\n", dir / "rules.cdb", dir / "rules.tmp");
  REQUIRE_FALSE(compiled.has_value());
  CHECK(compiled.error().message == "unable to parse line 3 (no ':allow' or ':deny'): 1.2.3.5:maybe");
  CHECK_FALSE(compiled.error().temporary);
  CHECK_FALSE(exists(dir / "rules.cdb"));
  CHECK_FALSE(exists(dir / "rules.tmp"));
}

TEST_CASE("a line without a colon is left out of the cdb and reported") {
  TempDir dir;
  std::vector<std::string> skipped;
  REQUIRE(compile("1.2.3.4:allow\n5.6.7.8 allow \t\n\n   \n# note\n9.9.9.9:deny,X=\"1\"\n10. deny", dir / "with.cdb",
                  dir / "rules.tmp", &skipped));
  CHECK(skipped == std::vector<std::string>{"2 (no colon): 5.6.7.8 allow", "7 (no colon): 10. deny"});
  REQUIRE(compile("1.2.3.4:allow\n9.9.9.9:deny,X=\"1\"\n", dir / "without.cdb", dir / "rules.tmp"));
  CHECK(contents(dir / "with.cdb") == contents(dir / "without.cdb"));
}

TEST_CASE("lines skipped before a bad line are reported before the error") {
  TempDir dir;
  std::vector<std::string> skipped;
  auto compiled = compile("1.2.3.4 allow\n1.2.3.5:maybe\n1.2.3.6 allow\n", dir / "rules.cdb", dir / "rules.tmp", &skipped);
  REQUIRE_FALSE(compiled.has_value());
  CHECK(compiled.error().message == "unable to parse line 2 (no ':allow' or ':deny'): 1.2.3.5:maybe");
  CHECK(skipped == std::vector<std::string>{"1 (no colon): 1.2.3.4 allow"});
  CHECK_FALSE(exists(dir / "rules.cdb"));
}

TEST_CASE("a key the rules cannot be written under is a permanent error") {
  TempDir dir;
  auto compiled = compile("2001:db8::/64:allow\n", dir / "rules.cdb", dir / "rules.tmp");
  REQUIRE_FALSE(compiled.has_value());
  CHECK(compiled.error().message.starts_with("unable to parse line 1 ('2001:db8::/64' cannot be matched exactly"));
  CHECK_FALSE(compiled.error().temporary);
}

TEST_CASE("a temporary file that cannot be created is a temporary error") {
  TempDir dir;
  auto compiled = compile("1.2.3.4:allow\n", dir / "rules.cdb", dir / "missing/rules.tmp");
  REQUIRE_FALSE(compiled.has_value());
  CHECK(compiled.error().message == "unable to create " + (dir / "missing/rules.tmp") + ": No such file or directory");
  CHECK(compiled.error().temporary);
}

TEST_CASE("a temporary path that is not a regular file is refused and left alone") {
  TempDir dir;
  REQUIRE(::mkdir((dir / "rules.tmp").c_str(), 0700) == 0);
  auto compiled = compile("1.2.3.4:allow\n", dir / "rules.cdb", dir / "rules.tmp");
  REQUIRE_FALSE(compiled.has_value());
  CHECK(compiled.error().message == "unable to create " + (dir / "rules.tmp") + ": it exists and is not a regular file");
  CHECK(compiled.error().temporary);
  CHECK(exists(dir / "rules.tmp"));
}

TEST_CASE("a cdb that cannot be put in place is a temporary error and the old one stays") {
  TempDir dir;
  REQUIRE(::mkdir((dir / "rules.cdb").c_str(), 0700) == 0);
  REQUIRE(::mkdir((dir / "rules.cdb/keep").c_str(), 0700) == 0);
  auto compiled = compile("1.2.3.4:allow\n", dir / "rules.cdb", dir / "rules.tmp");
  REQUIRE_FALSE(compiled.has_value());
  CHECK(compiled.error().message.starts_with("unable to move " + (dir / "rules.tmp") + " to " + (dir / "rules.cdb")));
  CHECK(compiled.error().temporary);
  CHECK(exists(dir / "rules.cdb/keep"));
  CHECK_FALSE(exists(dir / "rules.tmp"));
}

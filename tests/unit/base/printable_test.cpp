// printable_test.cpp: text from outside made fit for a log line or a reply.
#include "lib/base/printable.h"

#include <catch2/catch.hpp>
#include <cstring>
#include <string>
#include <string_view>

TEST_CASE("sanitise replaces bytes outside printable ASCII with ?") {
  char out[64];
  std::size_t n = jgl::sanitise(std::string_view("a\0b\r\n\x7f\x80\xff~ z", 11), out, sizeof out);
  REQUIRE(std::string(out) == "a?b?????~ z");
  REQUIRE(n == 11);
}

TEST_CASE("sanitise cuts to fit and always terminates") {
  char out[5];
  std::memset(out, '#', sizeof out);
  REQUIRE(jgl::sanitise("abcdefgh", out, sizeof out) == 4);
  REQUIRE(std::string(out) == "abcd");
  REQUIRE(jgl::sanitise("", out, sizeof out) == 0);
  REQUIRE(std::string(out).empty());
  char untouched = '#';
  REQUIRE(jgl::sanitise("abc", &untouched, 0) == 0);
  REQUIRE(untouched == '#');
}

TEST_CASE("shown_value replaces control bytes and cuts long values with ...") {
  REQUIRE(jgl::shown_value("a\nb\x01") == "a?b?");
  REQUIRE(jgl::shown_value(std::string(50, 'x')) == std::string(40, 'x') + "...");
  REQUIRE(jgl::shown_value(std::string(40, 'x')) == std::string(40, 'x'));
  REQUIRE(jgl::shown_value("abcdef", 3) == "abc...");
}

TEST_CASE("sanitise_in_place keeps printable ASCII and marks the rest") {
  std::string text("ok \r\n\t\x7f\x80 ~", 10);
  jgl::sanitise_in_place(text.data(), text.data() + text.size());
  REQUIRE(text == "ok ????? ~");
}

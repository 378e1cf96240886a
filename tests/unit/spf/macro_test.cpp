// macro_test.cpp: RFC 7208 section 7 macros, with the RFC's own examples (7.4).
#include "lib/spf/macro.h"

#include <catch2/catch.hpp>
#include <string>

namespace {

jgl::MacroValues rfc_values(const char* client) {
  jgl::MacroValues v;
  v.sender = "strong-bad@email.example.com";
  v.local_part = "strong-bad";
  v.sender_domain = "email.example.com";
  v.domain = "email.example.com";
  v.client = *jgl::Address::parse(client);
  v.helo = "mx.example.org";
  return v;
}

std::string expanded(const char* text, const char* client = "192.0.2.3") {
  auto out = jgl::expand_macro_string(text, rfc_values(client));
  if (!out) return "error: " + out.error().message;
  return *out;
}

}  // namespace

TEST_CASE("the RFC 7208 section 7.4 examples expand as the RFC says", "[spf][macro]") {
  CHECK(expanded("%{s}") == "strong-bad@email.example.com");
  CHECK(expanded("%{o}") == "email.example.com");
  CHECK(expanded("%{d}") == "email.example.com");
  CHECK(expanded("%{d4}") == "email.example.com");
  CHECK(expanded("%{d3}") == "email.example.com");
  CHECK(expanded("%{d2}") == "example.com");
  CHECK(expanded("%{d1}") == "com");
  CHECK(expanded("%{dr}") == "com.example.email");
  CHECK(expanded("%{d2r}") == "example.email");
  CHECK(expanded("%{l}") == "strong-bad");
  CHECK(expanded("%{l-}") == "strong.bad");
  CHECK(expanded("%{lr}") == "strong-bad");
  CHECK(expanded("%{lr-}") == "bad.strong");
  CHECK(expanded("%{l1r-}") == "strong");
  CHECK(expanded("%{ir}.%{v}._spf.%{d2}") == "3.2.0.192.in-addr._spf.example.com");
  CHECK(expanded("%{lr-}.lp._spf.%{d2}") == "bad.strong.lp._spf.example.com");
  CHECK(expanded("%{lr-}.lp.%{ir}.%{v}._spf.%{d2}") == "bad.strong.lp.3.2.0.192.in-addr._spf.example.com");
  CHECK(expanded("%{ir}.%{v}.%{l1r-}.lp._spf.%{d2}") == "3.2.0.192.in-addr.strong.lp._spf.example.com");
  CHECK(expanded("%{d2}.trusted-domains.example.net") == "example.com.trusted-domains.example.net");
}

TEST_CASE("an IPv6 client expands to its nibbles under ip6", "[spf][macro]") {
  CHECK(expanded("%{ir}.%{v}._spf.%{d2}", "2001:db8::cb01") ==
        "1.0.b.c.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6._spf.example.com");
}

TEST_CASE("an IPv4-mapped client expands as IPv4", "[spf][macro]") {
  CHECK(expanded("%{i}.%{v}", "::ffff:192.0.2.3") == "192.0.2.3.in-addr");
}

TEST_CASE("percent escapes stand for a percent, a space and %20", "[spf][macro]") {
  CHECK(expanded("a%%b%_c%-d") == "a%b c%20d");
}

TEST_CASE("an uppercase macro letter URL-escapes its value", "[spf][macro]") {
  CHECK(expanded("%{S}") == "strong-bad%40email.example.com");
  CHECK(expanded("%{L}") == "strong-bad");
}

TEST_CASE("macro syntax errors are refused", "[spf][macro]") {
  for (const char* bad : {"%{x}", "%{d0}", "%{d", "%a", "foo%", "%{}", "%{d2r!}", "a b", "%{c}", "%{r}", "%{t}"}) {
    INFO(bad);
    CHECK(expanded(bad).starts_with("error: "));
  }
}

TEST_CASE("c, r and t are allowed in an explanation", "[spf][macro]") {
  auto out = jgl::expand_macro_string("%{c} via %{r}", rfc_values("192.0.2.3"), true);
  REQUIRE(out.has_value());
  CHECK(*out == "192.0.2.3 via unknown");
}

TEST_CASE("the p macro asks for the validated name only when used", "[spf][macro]") {
  auto v = rfc_values("192.0.2.3");
  int asked = 0;
  v.validated_name = [&] {
    ++asked;
    return std::string("mx.example.com");
  };
  CHECK(*jgl::expand_macro_string("%{d}", v) == "email.example.com");
  CHECK(asked == 0);
  CHECK(*jgl::expand_macro_string("%{p2}", v) == "example.com");
  CHECK(asked == 1);
}

TEST_CASE("any delimiter splits, and the parts rejoin with dots", "[spf][macro]") {
  auto v = rfc_values("192.0.2.3");
  v.local_part = "a+b=c_d";
  CHECK(*jgl::expand_macro_string("%{l+=_}", v) == "a.b.c.d");
  CHECK(*jgl::expand_macro_string("%{l2r+=_}", v) == "b.a");
}

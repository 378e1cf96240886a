// redis_url.cc (fuzz target): JGREYLIST_REDIS read strictly
// (lib/store/redis_url.h).
//
// The input is the variable's value. Properties, beyond not crashing:
//   - no error shows a byte of the credentials: the same URL with the
//     letters g-z of its credentials (everything between the scheme and
//     the last '@') changed to others of g-z, which are valid wherever the
//     originals were, gives the same message, or is accepted the same;
//   - an accepted location's fields hold what the header promises: a port
//     in 1-65535, a db in range, a socket path that is absolute and fits
//     sun_path, 1-16 sentinels, a master name;
//   - describe() is one printable word that the password does not change,
//     and reads back: parsed again (with a password put back when it shows
//     a user), it gives the same location and the same description.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "lib/store/redis_url.h"

namespace {

using jgl::RedisEndpoint;
using jgl::RedisLocation;

[[noreturn]] void failed(const char* what, std::string_view input, std::string_view detail = {}) {
  std::fprintf(stderr, "FAILED: %s\n  input: '%.*s'\n  detail: '%.*s'\n", what, static_cast<int>(input.size()),
               input.data(), static_cast<int>(detail.size()), detail.data());
  std::abort();
}

// The credentials' place: after "scheme://" (or "scheme:"), before the last '@'.
bool credentials_span(std::string_view url, std::size_t* begin, std::size_t* end) {
  std::size_t at = url.rfind('@');
  if (at == std::string_view::npos) return false;
  std::size_t colon = url.find(':');
  std::size_t start = 0;
  if (colon != std::string_view::npos && colon < at) {
    start = url.substr(colon).starts_with("://") ? colon + 3 : colon + 1;
  }
  if (start >= at) return false;
  *begin = start;
  *end = at;
  return true;
}

char rotated(char c) {
  if (c >= 'g' && c <= 'z') return c == 'z' ? 'g' : static_cast<char>(c + 1);
  if (c >= 'G' && c <= 'Z') return c == 'Z' ? 'G' : static_cast<char>(c + 1);
  return c;
}

void check_hides_credentials(std::string_view url, const jgl::Result<RedisLocation>& parsed) {
  std::size_t begin = 0, end = 0;
  if (!credentials_span(url, &begin, &end)) return;
  std::string other(url);
  for (std::size_t i = begin; i < end; ++i) other[i] = rotated(other[i]);
  if (other == url) return;
  auto again = jgl::parse_redis_url(other);
  if (parsed.has_value() != again.has_value()) failed("the credentials' letters decide acceptance", url, other);
  if (!parsed && parsed.error().message != again.error().message) {
    failed("an error shows the credentials", url, parsed.error().message + " | " + again.error().message);
  }
}

void check_endpoint(const RedisEndpoint& e, std::string_view url) {
  if (e.host.empty()) failed("an empty host accepted", url);
  if (e.port < 1 || e.port > 65535) failed("a port out of range", url, std::to_string(e.port));
}

void check_fields(const RedisLocation& l, std::string_view url) {
  if (l.db < 0 || l.db > jgl::kMaxRedisDb) failed("a db out of range", url);
  if (l.password && l.password->empty()) failed("an empty password accepted", url);
  switch (l.kind) {
    case RedisLocation::Kind::tcp: check_endpoint(l.server, url); break;
    case RedisLocation::Kind::unix_socket:
      if (!l.socket_path.starts_with('/') || l.socket_path.size() > 107) failed("a socket path unfit", url);
      if (!l.user.empty() || l.password) failed("credentials in a unix: location", url);
      break;
    case RedisLocation::Kind::sentinel:
      if (l.sentinels.empty() || l.sentinels.size() > jgl::kMaxSentinels) failed("sentinels out of range", url);
      for (const RedisEndpoint& e : l.sentinels) check_endpoint(e, url);
      if (l.master_name.empty()) failed("no master name", url);
      break;
  }
}

bool same_place(const RedisLocation& a, const RedisLocation& b) {
  auto same_endpoint = [](const RedisEndpoint& x, const RedisEndpoint& y) { return x.host == y.host && x.port == y.port; };
  if (a.kind != b.kind || a.db != b.db || a.user != b.user || a.socket_path != b.socket_path) return false;
  if (a.master_name != b.master_name || a.sentinels.size() != b.sentinels.size()) return false;
  for (std::size_t i = 0; i < a.sentinels.size(); ++i) {
    if (!same_endpoint(a.sentinels[i], b.sentinels[i])) return false;
  }
  return a.kind != RedisLocation::Kind::tcp || same_endpoint(a.server, b.server);
}

void check_description(const RedisLocation& l, std::string_view url) {
  std::string text = jgl::describe(l);
  for (char c : text) {
    if (c < 0x21 || c > 0x7e) failed("a description that is not one printable word", url, text);
  }
  RedisLocation other = l;
  other.password = "another password";
  if (jgl::describe(other) != text) failed("a description depends on the password", url, text);
  // The description shows "user@" without the password, which parse
  // refuses (USER:PASSWORD@): one is put back.
  std::string back = text;
  if (!l.user.empty()) back.insert(back.rfind('@'), ":x");
  auto again = jgl::parse_redis_url(back);
  if (!again) failed("a description does not parse", url, back + ": " + again.error().message);
  if (!same_place(l, *again)) failed("a description parses to another location", url, back);
  if (jgl::describe(*again) != text) failed("a description is not stable", url, text);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view url(reinterpret_cast<const char*>(data), size);
  auto parsed = jgl::parse_redis_url(url);
  check_hides_credentials(url, parsed);
  if (!parsed) {
    if (parsed.error().message.empty()) failed("refused without a reason", url);
    if (parsed.error().temporary) failed("a refusal that is temporary", url, parsed.error().message);
    return 0;
  }
  check_fields(*parsed, url);
  check_description(*parsed, url);
  return 0;
}

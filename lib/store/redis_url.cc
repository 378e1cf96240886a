// store/redis_url.cc: JGREYLIST_REDIS, read strictly.
//
// The value may hold a password, and its errors reach logs. So the
// credentials are everything before the last '@' (no other part may hold
// one), and no message shows any of it; see also parse_field for the
// password that lands where a port goes.
#include "lib/store/redis_url.h"

#include <algorithm>

#include "lib/base/number.h"
#include "lib/base/printable.h"
#include "lib/net/address.h"
#include "lib/net/endpoint.h"

namespace jgl {
namespace {

constexpr std::string_view kForms = "(redis://, unix:/ or redis-sentinel://)";
constexpr std::size_t kMaxValue = 4096;
// sun_path holds 108 bytes, the terminating NUL included.
constexpr std::size_t kMaxSocketPath = 107;
constexpr std::size_t kMaxHostName = 253;
constexpr std::size_t kMaxLabel = 63;
constexpr std::size_t kMaxMasterName = 64;

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_alnum(char c) { return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool all_digits(std::string_view s) { return !s.empty() && std::ranges::all_of(s, is_digit); }

int hex_value(char c) {
  if (is_digit(c)) return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

char lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

// RFC 3986 3.1: schemes are case-insensitive.
bool starts_with_scheme(std::string_view text, std::string_view prefix) {
  return text.size() >= prefix.size() &&
         std::ranges::equal(text.substr(0, prefix.size()), prefix, {}, lower);
}

std::string range_text(long min, long max) {
  return "(" + std::to_string(min) + "-" + std::to_string(max) + ")";
}

// "redis://user:secret" with its "@host" forgotten puts the password where
// the port goes: the text is shown only when it could be an intended number.
Result<long> parse_field(const std::string& what, std::string_view text, long min, long max) {
  auto n = parse_number(text, min, max);
  if (n) return n;
  if (text.empty()) return fail("empty " + what + " " + range_text(min, max));
  if (all_digits(text) && text.size() <= std::to_string(max).size()) {
    return fail("bad " + what + " '" + std::string(text) + "' " + range_text(min, max));
  }
  return fail("bad " + what + ", not a number " + range_text(min, max));
}

// "NAME[?db=N]": the db into `location` (0 by default), NAME returned.
Result<std::string_view> take_db_query(std::string_view text, RedisLocation& location) {
  auto query = std::min(text.find('?'), text.size());
  if (query < text.size()) {
    std::string_view rest = text.substr(query + 1);
    if (!rest.starts_with("db=")) return fail("only ?db=N may follow");
    auto db = parse_field("db", rest.substr(3), 0, kMaxRedisDb);
    if (!db) return std::unexpected(db.error());
    location.db = *db;
  }
  return text.substr(0, query);
}

// Bytes a URL never holds raw. Nothing is shown: they may be a password's.
Result<void> check_bytes(std::string_view url) {
  if (url.empty()) return fail("empty " + std::string(kForms));
  if (url.size() > kMaxValue) {
    return fail("longer than " + std::to_string(kMaxValue) + " bytes");
  }
  auto raw = [](char c) { return c > ' ' && c <= '~'; };
  if (!std::ranges::all_of(url, raw)) {
    return fail("a space, control or non-ASCII byte (percent-encode it in a password)");
  }
  return {};
}

// --- credentials: never shown, not even a byte of them ---

// RFC 3986 userinfo: unreserved, sub-delims, ':'; '%' starts an escape.
bool userinfo_char(char c) {
  return is_alnum(c) || std::string_view("-._~!$&'()*+,;=:").find(c) != std::string_view::npos;
}

Result<std::string> decode_credential(std::string_view text, const std::string& what) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') {
      if (!userinfo_char(text[i])) return fail("a character in the " + what + " must be percent-encoded");
      out += text[i];
      continue;
    }
    int high = i + 2 < text.size() ? hex_value(text[i + 1]) : -1;
    int low = i + 2 < text.size() ? hex_value(text[i + 2]) : -1;
    if (high < 0 || low < 0) return fail("bad %-escape in the " + what);
    auto byte = static_cast<unsigned char>(high * 16 + low);
    // Redis' inline protocol ends a command at CR or LF; NUL ends C strings.
    if (byte < 0x20 || byte == 0x7f) return fail("a control byte in the " + what);
    out += static_cast<char>(byte);
    i += 2;
  }
  return out;
}

Result<void> parse_credentials(std::string_view userinfo, RedisLocation& location) {
  auto colon = userinfo.find(':');
  // "redis://word@host": redis-py reads a user, other clients a password.
  if (colon == std::string_view::npos) {
    return fail("credentials without ':' (USER:PASSWORD@ or :PASSWORD@)");
  }
  auto user = decode_credential(userinfo.substr(0, colon), "user");
  if (!user) return std::unexpected(user.error());
  auto password = decode_credential(userinfo.substr(colon + 1), "password");
  if (!password) return std::unexpected(password.error());
  if (password->empty()) return fail("empty password (leave out the '@' for none)");
  location.user = std::move(*user);
  location.password = std::move(*password);
  return {};
}

// The text after the scheme, cut after its last '@': nothing after the
// credentials (host, port, db, master name) may hold an '@'.
Result<std::string_view> take_credentials(std::string_view rest, RedisLocation& location) {
  auto at = rest.rfind('@');
  if (at == std::string_view::npos) return rest;
  auto done = parse_credentials(rest.substr(0, at), location);
  if (!done) return std::unexpected(done.error());
  return rest.substr(at + 1);
}

// --- hosts ---

Result<std::string> parse_ipv6(std::string_view bracketed) {
  std::string_view inner = bracketed.substr(1, bracketed.size() - 2);
  if (inner.find('%') != std::string_view::npos) return fail("an IPv6 zone is not supported");
  if (inner.find(':') == std::string_view::npos) return fail("brackets are for IPv6 addresses only");
  auto address = Address::parse(inner);
  if (!address) return fail("bad IPv6 address '" + shown_value(bracketed) + "'");
  return std::string(address->format().view());
}

Result<std::string> parse_ipv4(std::string_view text) {
  auto address = Address::parse(text);
  if (!address) return fail("bad IPv4 address '" + shown_value(text) + "'");
  return std::string(address->format().view());
}

bool valid_label(std::string_view label) {
  if (label.empty() || label.size() > kMaxLabel) return false;
  if (label.front() == '-' || label.back() == '-') return false;
  return std::ranges::all_of(label, [](char c) { return is_alnum(c) || c == '-'; });
}

// glibc's getaddrinfo reads "127.1" and "0x7f.1" as inet_aton does: a name
// ending in such a label would reach an address nobody wrote.
bool numeric_label(std::string_view label) {
  if (all_digits(label)) return true;
  if (label.size() < 2 || label[0] != '0' || lower(label[1]) != 'x') return false;
  return std::ranges::all_of(label.substr(2), [](char c) { return hex_value(c) >= 0; });
}

Result<std::string> parse_host_name(std::string_view name) {
  if (name.size() > kMaxHostName) {
    return fail("host name longer than " + std::to_string(kMaxHostName) + " bytes");
  }
  std::string_view last;
  for (std::string_view rest = name;;) {
    auto dot = rest.find('.');
    last = rest.substr(0, dot);
    if (!valid_label(last)) return fail("bad host name '" + shown_value(name) + "'");
    if (dot == std::string_view::npos) break;
    rest.remove_prefix(dot + 1);
  }
  if (numeric_label(last)) return fail("host name '" + shown_value(name) + "' is not a dotted quad");
  return std::string(name);
}

Result<std::string> parse_host(std::string_view text) {
  if (text.empty()) return fail("empty host");
  if (text.front() == '[') return parse_ipv6(text);
  if (std::ranges::all_of(text, [](char c) { return is_digit(c) || c == '.'; })) return parse_ipv4(text);
  return parse_host_name(text);
}

// HOST or HOST:PORT, with an IPv6 HOST in brackets (lib/net/endpoint.h).
Result<RedisEndpoint> parse_endpoint(std::string_view text, int default_port) {
  auto split = split_endpoint(text, BareIpv6::refused);
  if (!split) return std::unexpected(split.error());
  RedisEndpoint endpoint{.host = {}, .port = default_port};
  // The port before the host: see parse_field.
  if (split->port) {
    auto port = parse_field("port", *split->port, 1, 65535);
    if (!port) return std::unexpected(port.error());
    endpoint.port = static_cast<int>(*port);
  }
  auto host = parse_host(split->host);
  if (!host) return std::unexpected(host.error());
  endpoint.host = std::move(*host);
  return endpoint;
}

// --- the three forms ---

Result<RedisLocation> parse_tcp(std::string_view rest) {
  RedisLocation location;
  location.kind = RedisLocation::Kind::tcp;
  auto host_part = take_credentials(rest, location);
  if (!host_part) return std::unexpected(host_part.error());
  auto end = std::min(host_part->find_first_of("/?#"), host_part->size());
  auto server = parse_endpoint(host_part->substr(0, end), kRedisDefaultPort);
  if (!server) return std::unexpected(server.error());
  location.server = std::move(*server);
  std::string_view path = host_part->substr(end);
  // Not shown: in "redis://user:123?x" with its "@host" forgotten, it is a password's.
  if (!path.empty() && path.front() != '/') return fail("junk after the host (the db is written /N)");
  if (path.size() > 1) {
    auto db = parse_field("db", path.substr(1), 0, kMaxRedisDb);
    if (!db) return std::unexpected(db.error());
    location.db = *db;
  }
  return location;
}

// The socket path, into `location`.
Result<void> take_socket_path(std::string_view path, RedisLocation& location) {
  if (!path.starts_with('/')) return fail("unix: needs an absolute path (unix:/PATH)");
  if (path.starts_with("//")) {
    return fail("unix: takes a path, not '//' (unix:/PATH; a password goes in JGREYLIST_REDIS_PASSWORD)");
  }
  // "unix:/:secret@/run/redis.sock" would otherwise be a path, and shown.
  if (path.find('@') != std::string_view::npos) return fail("'@' in the socket path (no credentials in unix:)");
  if (path.find_first_of("%#") != std::string_view::npos) {
    return fail("'%' or '#' in the socket path '" + shown_value(path) + "' (not decoded)");
  }
  if (path.size() > kMaxSocketPath) {
    return fail("socket path longer than " + std::to_string(kMaxSocketPath) + " bytes (the size of sun_path)");
  }
  location.socket_path = std::string(path);
  return {};
}

// "unix:/PATH[?db=N]": no credentials (JGREYLIST_REDIS_PASSWORD has them).
Result<RedisLocation> parse_unix(std::string_view rest) {
  RedisLocation location;
  location.kind = RedisLocation::Kind::unix_socket;
  auto path = take_db_query(rest, location);
  Result<void> taken = path ? take_socket_path(*path, location) : std::unexpected(path.error());
  if (!taken) return std::unexpected(taken.error());
  return location;
}

Result<std::vector<RedisEndpoint>> parse_sentinels(std::string_view list) {
  if (list.empty()) return fail("no sentinel");
  if (static_cast<std::size_t>(std::ranges::count(list, ',')) >= kMaxSentinels) {
    return fail("more than " + std::to_string(kMaxSentinels) + " sentinels");
  }
  std::vector<RedisEndpoint> sentinels;
  for (std::string_view rest = list;;) {
    auto comma = rest.find(',');
    auto sentinel = parse_endpoint(rest.substr(0, comma), kSentinelDefaultPort);
    if (!sentinel) return std::unexpected(sentinel.error());
    sentinels.push_back(std::move(*sentinel));
    if (comma == std::string_view::npos) return sentinels;
    rest.remove_prefix(comma + 1);
  }
}

// The master's name, into `location`.
Result<void> take_master_name(std::string_view name, RedisLocation& location) {
  if (name.empty()) return fail("no master name (redis-sentinel://HOST:PORT/MASTER)");
  auto allowed = [](char c) { return is_alnum(c) || c == '-' || c == '_' || c == '.'; };
  if (name.size() > kMaxMasterName || !std::ranges::all_of(name, allowed)) {
    return fail("bad master name '" + shown_value(name) + "' (1-64 letters, digits, '-', '_', '.')");
  }
  location.master_name = std::string(name);
  return {};
}

Result<RedisLocation> parse_sentinel(std::string_view rest) {
  RedisLocation location;
  location.kind = RedisLocation::Kind::sentinel;
  auto host_part = take_credentials(rest, location);
  if (!host_part) return std::unexpected(host_part.error());
  auto slash = std::min(host_part->find('/'), host_part->size());
  auto sentinels = parse_sentinels(host_part->substr(0, slash));
  if (!sentinels) return std::unexpected(sentinels.error());
  location.sentinels = std::move(*sentinels);
  std::string_view tail = host_part->substr(std::min(slash + 1, host_part->size()));
  auto name = take_db_query(tail, location);
  if (!name) return std::unexpected(name.error());
  if (auto master = take_master_name(*name, location); !master) return std::unexpected(master.error());
  return location;
}

bool scheme_syntax(std::string_view scheme) {
  auto allowed = [](char c) { return is_alnum(c) || c == '+' || c == '-' || c == '.'; };
  return !scheme.empty() && scheme.size() <= 20 && !is_digit(scheme[0]) &&
         std::ranges::all_of(scheme, allowed);
}

// "user:secret@host" (the scheme forgotten) would show the user as the
// scheme: it is shown only where "//" or no '@' says it is one.
std::unexpected<Error> unknown_scheme(std::string_view url) {
  auto colon = url.find(':');
  if (colon == std::string_view::npos) return fail("no scheme " + std::string(kForms));
  std::string_view scheme = url.substr(0, colon);
  bool authority = url.substr(colon).starts_with("://");
  if (!scheme_syntax(scheme) || (!authority && url.find('@') != std::string_view::npos)) {
    return fail("unknown scheme " + std::string(kForms));
  }
  if (starts_with_scheme(url, "redis:") || starts_with_scheme(url, "redis-sentinel:")) {
    return fail("'" + std::string(scheme) + ":' must be followed by '//'");
  }
  return fail("unknown scheme '" + std::string(scheme) + "' " + std::string(kForms));
}

// --- describe ---

std::string percent_encoded(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (char c : text) {
    if (is_alnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
      out += c;
      continue;
    }
    auto byte = static_cast<unsigned char>(c);
    out += '%';
    out += kHex[byte >> 4];
    out += kHex[byte & 0xf];
  }
  return out;
}

std::string endpoint_text(const RedisEndpoint& endpoint) {
  bool ipv6 = endpoint.host.find(':') != std::string::npos;
  std::string host = ipv6 ? "[" + endpoint.host + "]" : endpoint.host;
  return host + ":" + std::to_string(endpoint.port);
}

std::string user_text(const RedisLocation& location) {
  return location.user.empty() ? "" : percent_encoded(location.user) + "@";
}

std::string db_text(std::string_view prefix, long db) {
  return db == 0 ? "" : std::string(prefix) + std::to_string(db);
}

std::string sentinel_text(const RedisLocation& location) {
  std::string out = "redis-sentinel://" + user_text(location);
  for (std::size_t i = 0; i < location.sentinels.size(); ++i) {
    out += (i ? "," : "") + endpoint_text(location.sentinels[i]);
  }
  return out + "/" + location.master_name + db_text("?db=", location.db);
}

}  // namespace

Result<RedisLocation> parse_redis_url(std::string_view url) {
  auto bytes = check_bytes(url);
  if (!bytes) return std::unexpected(bytes.error());
  if (starts_with_scheme(url, "redis://")) return parse_tcp(url.substr(8));
  if (starts_with_scheme(url, "redis-sentinel://")) return parse_sentinel(url.substr(17));
  if (starts_with_scheme(url, "unix:")) return parse_unix(url.substr(5));
  return unknown_scheme(url);
}

std::string describe(const RedisLocation& location) {
  std::string out;
  switch (location.kind) {
    case RedisLocation::Kind::tcp:
      out = "redis://" + user_text(location) + endpoint_text(location.server) + db_text("/", location.db);
      break;
    case RedisLocation::Kind::unix_socket:
      out = "unix:" + location.socket_path + db_text("?db=", location.db);
      break;
    case RedisLocation::Kind::sentinel:
      out = sentinel_text(location);
      break;
  }
  // A location built by hand rather than parsed must still fit one log line.
  sanitise_in_place(out.data(), out.data() + out.size());
  return out;
}

}  // namespace jgl

// redis_url_test.cpp: the three forms of JGREYLIST_REDIS, what each refuses,
// and errors and log lines that never show the credentials.
#include "lib/store/redis_url.h"

#include <catch2/catch.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace {

using jgl::describe;
using jgl::parse_redis_url;
using jgl::RedisLocation;

std::string endpoint_fields(const jgl::RedisEndpoint& e) { return e.host + " " + std::to_string(e.port); }

// Every field of a location in one line, so that a failure shows all of
// what came out.
std::string fields(const RedisLocation& l) {
  std::string out;
  switch (l.kind) {
    case RedisLocation::Kind::tcp: out = "tcp " + endpoint_fields(l.server); break;
    case RedisLocation::Kind::unix_socket: out = "unix " + l.socket_path; break;
    case RedisLocation::Kind::sentinel:
      out = "sentinel";
      for (const auto& s : l.sentinels) out += " " + endpoint_fields(s);
      out += " master=" + l.master_name;
      break;
  }
  out += " db=" + std::to_string(l.db) + " user='" + l.user + "'";
  return out + " password=" + (l.password ? "'" + *l.password + "'" : "none");
}

// The location's fields, or "error: <message>".
std::string parsed(std::string_view url) {
  auto l = parse_redis_url(url);
  if (!l) return "error: " + l.error().message;
  return fields(*l);
}

// The message of a refusal (always permanent), or "accepted: <fields>".
std::string error(std::string_view url) {
  auto l = parse_redis_url(url);
  if (l) return "accepted: " + fields(*l);
  CHECK_FALSE(l.error().temporary);
  CHECK(l.error().sys_errno == 0);
  return l.error().message;
}

bool refused(std::string_view url) { return !parse_redis_url(url).has_value(); }

std::string described(std::string_view url) {
  auto l = parse_redis_url(url);
  INFO("parse_redis_url(\"" << url << "\"): " << (l ? std::string() : l.error().message));
  REQUIRE(l);
  return describe(*l);
}

constexpr const char* kForms = "(redis://, unix:/ or redis-sentinel://)";

// The user and password that the leak tests hide in every URL.
constexpr const char* kUser = "us3r";
constexpr const char* kPassword = "s3cr3t";

void check_hides_credentials(const std::string& url) {
  auto l = parse_redis_url(url);
  INFO(url);
  REQUIRE_FALSE(l);
  INFO("error: " << l.error().message);
  CHECK(l.error().message.find(kPassword) == std::string::npos);
  CHECK(l.error().message.find("cr3t") == std::string::npos);
  CHECK(l.error().message.find(kUser) == std::string::npos);
}

}  // namespace

// --- redis:// ---

TEST_CASE("a host alone gets port 6379, db 0, no user and no password", "[redis_url]") {
  CHECK(parsed("redis://localhost") == "tcp localhost 6379 db=0 user='' password=none");
  CHECK(parsed("redis://10.0.0.1") == "tcp 10.0.0.1 6379 db=0 user='' password=none");
}

TEST_CASE("a port and a db after the host are read", "[redis_url]") {
  CHECK(parsed("redis://redis.example.org:6380/2") == "tcp redis.example.org 6380 db=2 user='' password=none");
  CHECK(parsed("redis://h:1/0") == "tcp h 1 db=0 user='' password=none");
  CHECK(parsed("redis://h:65535/1000000") == "tcp h 65535 db=1000000 user='' password=none");
  CHECK(parsed("redis://h/15") == "tcp h 6379 db=15 user='' password=none");
}

TEST_CASE("a trailing slash without a db is db 0", "[redis_url]") {
  CHECK(parsed("redis://h/") == "tcp h 6379 db=0 user='' password=none");
  CHECK(parsed("redis://h:7000/") == "tcp h 7000 db=0 user='' password=none");
}

TEST_CASE("an IPv6 address in brackets is kept without them, in canonical text", "[redis_url]") {
  CHECK(parsed("redis://[::1]:6380/2") == "tcp ::1 6380 db=2 user='' password=none");
  CHECK(parsed("redis://[::1]") == "tcp ::1 6379 db=0 user='' password=none");
  CHECK(parsed("redis://[2001:DB8:0:0:0:0:0:1]/3") == "tcp 2001:db8::1 6379 db=3 user='' password=none");
}

TEST_CASE("an IPv4-mapped IPv6 address becomes the IPv4 address it is", "[redis_url]") {
  CHECK(parsed("redis://[::ffff:10.0.0.1]:7000") == "tcp 10.0.0.1 7000 db=0 user='' password=none");
}

TEST_CASE("an IPv6 address without brackets is refused", "[redis_url]") {
  CHECK(error("redis://::1") == "an IPv6 address must be in brackets");
  CHECK(error("redis://2001:db8::1:6379") == "an IPv6 address must be in brackets");
}

TEST_CASE("bad brackets, a zone and brackets around IPv4 are refused", "[redis_url]") {
  CHECK(error("redis://[::1") == "'[' without ']'");
  CHECK(error("redis://[::1]6379") == "junk after ']'");
  CHECK(error("redis://[fe80::1%25eth0]") == "an IPv6 zone is not supported");
  CHECK(error("redis://[10.0.0.1]") == "brackets are for IPv6 addresses only");
  CHECK(error("redis://[]") == "brackets are for IPv6 addresses only");
  CHECK(error("redis://[::g]") == "bad IPv6 address '[::g]'");
  CHECK(error("redis://[1:2:3:4:5:6:7:8:9]") == "bad IPv6 address '[1:2:3:4:5:6:7:8:9]'");
}

TEST_CASE("host names of letters, digits, '-' and '.' are accepted", "[redis_url]") {
  CHECK(parsed("redis://redis-1.internal") == "tcp redis-1.internal 6379 db=0 user='' password=none");
  CHECK(parsed("redis://R2D2") == "tcp R2D2 6379 db=0 user='' password=none");
  CHECK(parsed("redis://1.2.3.example") == "tcp 1.2.3.example 6379 db=0 user='' password=none");
  std::string label(63, 'a');
  CHECK_FALSE(refused("redis://" + label + "." + label));
  std::string longest = label + "." + label + "." + label + "." + std::string(61, 'b');
  REQUIRE(longest.size() == 253);
  CHECK_FALSE(refused("redis://" + longest));
}

TEST_CASE("host names with a bad label, a bad character or over 253 bytes are refused", "[redis_url]") {
  CHECK(error("redis://redis_1") == "bad host name 'redis_1'");
  for (const char* url : {"redis://a..b", "redis://.a", "redis://a.", "redis://-a", "redis://a-",
                          "redis://a.-b", "redis://a*b", "redis://h~", "redis://a]b"}) {
    INFO(url);
    CHECK(error(url).starts_with("bad host name '"));
  }
  CHECK(refused("redis://" + std::string(64, 'a')));
  std::string label(63, 'a');
  std::string too_long = label + "." + label + "." + label + "." + std::string(62, 'b');
  CHECK(error("redis://" + too_long) == "host name longer than 253 bytes");
}

TEST_CASE("a host that inet_aton would read as an address must be a dotted quad", "[redis_url]") {
  // glibc's getaddrinfo takes 127.1 for 127.0.0.1 and 0x7f.1 likewise.
  CHECK(error("redis://127.1") == "bad IPv4 address '127.1'");
  CHECK(error("redis://10.0.0.256") == "bad IPv4 address '10.0.0.256'");
  CHECK(error("redis://1.2.3.4.5") == "bad IPv4 address '1.2.3.4.5'");
  CHECK(error("redis://010.0.0.1") == "bad IPv4 address '010.0.0.1'");
  CHECK(error("redis://2130706433") == "bad IPv4 address '2130706433'");
  CHECK(error("redis://0x7f.1") == "host name '0x7f.1' is not a dotted quad");
  CHECK(error("redis://0x7f000001") == "host name '0x7f000001' is not a dotted quad");
  CHECK(error("redis://a.b.0X1f") == "host name 'a.b.0X1f' is not a dotted quad");
  CHECK(parsed("redis://0xdb") == "error: host name '0xdb' is not a dotted quad");
  CHECK(parsed("redis://0xg") == "tcp 0xg 6379 db=0 user='' password=none");
}

TEST_CASE("an empty host is refused", "[redis_url]") {
  CHECK(error("redis://") == "empty host");
  CHECK(error("redis://:6379") == "empty host");
  CHECK(error("redis:///2") == "empty host");
}

TEST_CASE("ports outside 1-65535 are refused, naming the port", "[redis_url]") {
  CHECK(error("redis://host:0") == "bad port '0' (1-65535)");
  CHECK(error("redis://host:65536") == "bad port '65536' (1-65535)");
  CHECK(error("redis://host:70000") == "bad port '70000' (1-65535)");
  CHECK(error("redis://host:") == "empty port (1-65535)");
  CHECK(error("redis://[::1]:") == "empty port (1-65535)");
}

TEST_CASE("a port that is not a number is refused without being shown", "[redis_url]") {
  // It may be a password whose "@host" was forgotten.
  for (const char* url : {"redis://host:abc", "redis://host:-1", "redis://host:+1", "redis://host:0x50",
                          "redis://host:99999999999999999999", "redis://host:123456"}) {
    INFO(url);
    CHECK(error(url) == "bad port, not a number (1-65535)");
  }
}

TEST_CASE("a db outside 0-1000000 or junk after it is refused", "[redis_url]") {
  CHECK(error("redis://host/1000001") == "bad db '1000001' (0-1000000)");
  CHECK(error("redis://host/abc") == "bad db, not a number (0-1000000)");
  CHECK(error("redis://host/1/2") == "bad db, not a number (0-1000000)");
  CHECK(error("redis://host/-1") == "bad db, not a number (0-1000000)");
  CHECK(error("redis://host//") == "bad db, not a number (0-1000000)");
  CHECK(error("redis://host/1?x") == "bad db, not a number (0-1000000)");
  CHECK(error("redis://host?db=1") == "junk after the host (the db is written /N)");
  CHECK(error("redis://host:6379#x") == "junk after the host (the db is written /N)");
}

// --- credentials ---

TEST_CASE("a password alone is read from :PASSWORD@", "[redis_url]") {
  CHECK(parsed("redis://:secret@host") == "tcp host 6379 db=0 user='' password='secret'");
  CHECK(parsed("redis://:secret@[::1]:6380/2") == "tcp ::1 6380 db=2 user='' password='secret'");
}

TEST_CASE("an ACL user and a password are read from USER:PASSWORD@", "[redis_url]") {
  CHECK(parsed("redis://greylist:secret@host/1") == "tcp host 6379 db=1 user='greylist' password='secret'");
}

TEST_CASE("percent-escapes in the user and the password are decoded", "[redis_url]") {
  CHECK(parsed("redis://a%40b:p%3Aw%25d%40@h") == "tcp h 6379 db=0 user='a@b' password='p:w%d@'");
  CHECK(parsed("redis://:%2f%2F%3f%23%20@h") == "tcp h 6379 db=0 user='' password='//?# '");
  CHECK(parsed("redis://:caf%C3%A9@h") == "tcp h 6379 db=0 user='' password='caf\xC3\xA9'");
}

TEST_CASE("a password may hold raw ':' and sub-delims", "[redis_url]") {
  CHECK(parsed("redis://u:a:b@h") == "tcp h 6379 db=0 user='u' password='a:b'");
  CHECK(parsed("redis://u:!$&'()*+,;=-._~@h") == "tcp h 6379 db=0 user='u' password='!$&'()*+,;=-._~'");
}

TEST_CASE("credentials are everything before the last '@'", "[redis_url]") {
  // So a raw '@' or '/' in a password is refused, never taken for a host or a db.
  CHECK(error("redis://:p@ss@host") == "a character in the password must be percent-encoded");
  CHECK(error("redis://:pa/ss@host/2") == "a character in the password must be percent-encoded");
  CHECK(error("redis://us/er:pw@host") == "a character in the user must be percent-encoded");
  CHECK(error("redis://:pa[ss@host") == "a character in the password must be percent-encoded");
}

TEST_CASE("credentials without ':' are refused rather than guessed", "[redis_url]") {
  // redis-py reads "word@" as a user, other clients as a password.
  CHECK(error("redis://word@host") == "credentials without ':' (USER:PASSWORD@ or :PASSWORD@)");
  CHECK(error("redis://@host") == "credentials without ':' (USER:PASSWORD@ or :PASSWORD@)");
}

TEST_CASE("an empty password is refused", "[redis_url]") {
  CHECK(error("redis://:@") == "empty password (leave out the '@' for none)");
  CHECK(error("redis://:@host") == "empty password (leave out the '@' for none)");
  CHECK(error("redis://user:@host") == "empty password (leave out the '@' for none)");
}

TEST_CASE("a malformed percent-escape is refused", "[redis_url]") {
  for (const char* url : {"redis://:abc%@h", "redis://:abc%4@h", "redis://:%zz@h", "redis://:%G0@h",
                          "redis://:%0@h", "redis://:%-1x@h"}) {
    INFO(url);
    CHECK(error(url) == "bad %-escape in the password");
  }
  CHECK(error("redis://u%4:pw@h") == "bad %-escape in the user");
}

TEST_CASE("a percent-escape that decodes to a control byte is refused", "[redis_url]") {
  for (const char* url : {"redis://:a%00b@h", "redis://:a%0Ab@h", "redis://:a%0db@h", "redis://:%7F@h",
                          "redis://:%1f@h"}) {
    INFO(url);
    CHECK(error(url) == "a control byte in the password");
  }
  CHECK(error("redis://a%0a:pw@h") == "a control byte in the user");
}

// --- unix: ---

TEST_CASE("the unix form takes an absolute path and an optional db", "[redis_url]") {
  CHECK(parsed("unix:/run/redis.sock") == "unix /run/redis.sock db=0 user='' password=none");
  CHECK(parsed("unix:/run/redis/redis-server.sock?db=3") ==
        "unix /run/redis/redis-server.sock db=3 user='' password=none");
  std::string longest = "/" + std::string(106, 's');
  CHECK(parsed("unix:" + longest) == "unix " + longest + " db=0 user='' password=none");
}

TEST_CASE("a unix socket path must be absolute and fit sun_path", "[redis_url]") {
  CHECK(error("unix:relative.sock") == "unix: needs an absolute path (unix:/PATH)");
  CHECK(error("unix:") == "unix: needs an absolute path (unix:/PATH)");
  CHECK(error("unix:?db=1") == "unix: needs an absolute path (unix:/PATH)");
  CHECK(error("unix:/" + std::string(107, 's')) == "socket path longer than 107 bytes (the size of sun_path)");
  CHECK(error("unix:/a%20b") == "'%' or '#' in the socket path '/a%20b' (not decoded)");
  CHECK(error("unix:/a#b") == "'%' or '#' in the socket path '/a#b' (not decoded)");
}

TEST_CASE("a unix socket URL carries no credentials", "[redis_url]") {
  CHECK(error("unix:///run/redis.sock") ==
        "unix: takes a path, not '//' (unix:/PATH; a password goes in JGREYLIST_REDIS_PASSWORD)");
  CHECK(error("unix://:pw@/run/redis.sock").starts_with("unix: takes a path, not '//'"));
  CHECK(error("unix:/:pw@/run/redis.sock") == "'@' in the socket path (no credentials in unix:)");
}

TEST_CASE("only ?db=N may follow a unix socket path", "[redis_url]") {
  CHECK(error("unix:/run/redis.sock?") == "only ?db=N may follow");
  CHECK(error("unix:/run/redis.sock?password=x") == "only ?db=N may follow");
  CHECK(error("unix:/run/redis.sock?DB=1") == "only ?db=N may follow");
  CHECK(error("unix:/run/redis.sock?db=") == "empty db (0-1000000)");
  CHECK(error("unix:/run/redis.sock?db=1000001") == "bad db '1000001' (0-1000000)");
  CHECK(error("unix:/run/redis.sock?db=1&password=x") == "bad db, not a number (0-1000000)");
  CHECK(error("unix:/run/redis.sock?db=1?db=2") == "bad db, not a number (0-1000000)");
}

// --- redis-sentinel:// ---

TEST_CASE("the sentinel form lists sentinels in order, with port 26379 by default", "[redis_url]") {
  CHECK(parsed("redis-sentinel://10.0.0.1:26379,10.0.0.2:26380/mymaster") ==
        "sentinel 10.0.0.1 26379 10.0.0.2 26380 master=mymaster db=0 user='' password=none");
  CHECK(parsed("redis-sentinel://s1,s2:5000,[::1]/mymaster?db=4") ==
        "sentinel s1 26379 s2 5000 ::1 26379 master=mymaster db=4 user='' password=none");
  CHECK(parsed("redis-sentinel://[2001:db8::1]:26379/m") ==
        "sentinel 2001:db8::1 26379 master=m db=0 user='' password=none");
}

TEST_CASE("sentinel credentials are read as the master's", "[redis_url]") {
  CHECK(parsed("redis-sentinel://:pw@s1:26379/mymaster") ==
        "sentinel s1 26379 master=mymaster db=0 user='' password='pw'");
  CHECK(parsed("redis-sentinel://app:p%40w@s1,s2/mymaster?db=1") ==
        "sentinel s1 26379 s2 26379 master=mymaster db=1 user='app' password='p@w'");
}

TEST_CASE("the sentinel form needs a sentinel and a master name", "[redis_url]") {
  CHECK(error("redis-sentinel://host:26379/") == "no master name (redis-sentinel://HOST:PORT/MASTER)");
  CHECK(error("redis-sentinel://host:26379") == "no master name (redis-sentinel://HOST:PORT/MASTER)");
  CHECK(error("redis-sentinel://host:26379/?db=1") == "no master name (redis-sentinel://HOST:PORT/MASTER)");
  CHECK(error("redis-sentinel:///m") == "no sentinel");
  CHECK(error("redis-sentinel://") == "no sentinel");
  CHECK(error("redis-sentinel://a,,b/m") == "empty host");
  CHECK(error("redis-sentinel://a,/m") == "empty host");
}

TEST_CASE("each sentinel is checked as a redis:// host is", "[redis_url]") {
  CHECK(error("redis-sentinel://a:0/m") == "bad port '0' (1-65535)");
  CHECK(error("redis-sentinel://a,::1/m") == "an IPv6 address must be in brackets");
  CHECK(error("redis-sentinel://a,b_c/m") == "bad host name 'b_c'");
  CHECK(error("redis-sentinel://a,127.1/m") == "bad IPv4 address '127.1'");
}

TEST_CASE("at most 16 sentinels are accepted", "[redis_url]") {
  std::string list = "s0";
  for (int i = 1; i < 16; ++i) list += ",s" + std::to_string(i);
  auto sixteen = parse_redis_url("redis-sentinel://" + list + "/m");
  REQUIRE(sixteen);
  CHECK(sixteen->sentinels.size() == 16);
  CHECK(sixteen->sentinels.back().host == "s15");
  CHECK(error("redis-sentinel://" + list + ",s16/m") == "more than 16 sentinels");
}

TEST_CASE("a master name is 1-64 letters, digits, '-', '_' or '.'", "[redis_url]") {
  CHECK(parsed("redis-sentinel://s/my_master-1.a") == "sentinel s 26379 master=my_master-1.a db=0 user='' password=none");
  CHECK_FALSE(refused("redis-sentinel://s/" + std::string(64, 'm')));
  CHECK(refused("redis-sentinel://s/" + std::string(65, 'm')));
  CHECK(error("redis-sentinel://s/my/master") == "bad master name 'my/master' (1-64 letters, digits, '-', '_', '.')");
  CHECK(error("redis-sentinel://s/mymaster/") == "bad master name 'mymaster/' (1-64 letters, digits, '-', '_', '.')");
  CHECK(error("redis-sentinel://s/m?x=1") == "only ?db=N may follow");
  CHECK(error("redis-sentinel://s/m?db=x") == "bad db, not a number (0-1000000)");
}

// --- the value as a whole ---

TEST_CASE("schemes other than redis, unix and redis-sentinel are refused, naming the scheme", "[redis_url]") {
  CHECK(error("http://host") == std::string("unknown scheme 'http' ") + kForms);
  CHECK(error("rediss://host:6380") == std::string("unknown scheme 'rediss' ") + kForms);
  CHECK(error("redis+sentinel://s/m") == std::string("unknown scheme 'redis+sentinel' ") + kForms);
  CHECK(error("valkey://host") == std::string("unknown scheme 'valkey' ") + kForms);
  CHECK(error("host:6379") == std::string("unknown scheme 'host' ") + kForms);
  CHECK(error("localhost") == std::string("no scheme ") + kForms);
  CHECK(error("/run/redis.sock") == std::string("no scheme ") + kForms);
  CHECK(error("redis:/host") == "'redis:' must be followed by '//'");
  CHECK(error("redis:host") == "'redis:' must be followed by '//'");
  CHECK(error("redis-sentinel:/s/m") == "'redis-sentinel:' must be followed by '//'");
}

TEST_CASE("schemes are read without regard to case", "[redis_url]") {
  CHECK(parsed("REDIS://h") == "tcp h 6379 db=0 user='' password=none");
  CHECK(parsed("Unix:/s") == "unix /s db=0 user='' password=none");
  CHECK(parsed("Redis-Sentinel://s/m") == "sentinel s 26379 master=m db=0 user='' password=none");
}

TEST_CASE("an empty value and a value over 4096 bytes are refused", "[redis_url]") {
  CHECK(error("") == std::string("empty ") + kForms);
  std::string big = "redis://" + std::string(100 * 1024, 'a');
  CHECK(error(big) == "longer than 4096 bytes");
  std::string just_over = "unix:/" + std::string(4096 - 5, 'a');
  REQUIRE(just_over.size() == 4097);
  CHECK(error(just_over) == "longer than 4096 bytes");
}

TEST_CASE("spaces, control bytes, NUL and non-ASCII bytes are refused anywhere", "[redis_url]") {
  const std::string message = "a space, control or non-ASCII byte (percent-encode it in a password)";
  CHECK(error("redis://host\n") == message);
  CHECK(error("redis://host/1\r\nQUIT") == message);
  CHECK(error(" redis://host") == message);
  CHECK(error("redis://host ") == message);
  CHECK(error("redis://:pass word@host") == message);
  CHECK(error("redis://ho\tst") == message);
  CHECK(error("unix:/run/redis\x7f.sock") == message);
  CHECK(error("redis://h\xC3\xA9te") == message);
  CHECK(error(std::string_view("redis://host\0evil", 17)) == message);
  CHECK(error(std::string_view("unix:/run/redis.sock\0", 21)) == message);
}

// --- never the credentials ---

TEST_CASE("no error shows any part of the user or the password", "[redis_url]") {
  const std::string creds = std::string(kUser) + ":" + kPassword + "@";
  for (const std::string& url : {
           "redis://" + creds + "host:70000",
           "redis://" + creds + "host:0",
           "redis://" + creds + "host:abc",
           "redis://" + creds + "host:",
           "redis://" + creds,
           "redis://" + creds + "bad_host",
           "redis://" + creds + "127.1",
           "redis://" + creds + "[::g]",
           "redis://" + creds + "[::1",
           "redis://" + creds + "[::1]x",
           "redis://" + creds + "[fe80::1%25x]",
           "redis://" + creds + "::1",
           "redis://" + creds + "host/abc",
           "redis://" + creds + "host/9999999",
           "redis://" + creds + "host?db=1",
           "redis://" + std::string(kUser) + ":" + kPassword + "%zz@host",
           "redis://" + std::string(kUser) + ":" + kPassword + "%@host",
           "redis://" + std::string(kUser) + ":" + kPassword + "%0A@host",
           "redis://" + std::string(kUser) + ":" + kPassword + "/x@host",
           "redis://" + std::string(kUser) + ":" + kPassword + "@x@host",
           "redis://" + std::string(kUser) + "%zz:" + kPassword + "@host",
           "redis://" + std::string(kUser) + "/:" + kPassword + "@host",
           "redis://" + std::string(kUser) + ":@host",
           "redis://" + std::string(kPassword) + "@host",
           "redis://" + creds + "host\n",
           "redis://" + creds + std::string(5000, 'a'),
           "redis-sentinel://" + creds + "s:0/m",
           "redis-sentinel://" + creds + "s/",
           "redis-sentinel://" + creds + "/m",
           "redis-sentinel://" + creds + "s/bad/master",
           "redis-sentinel://" + creds + "s/m?db=x",
           "redis-sentinel://" + creds + "s0,s1,s2,s3,s4,s5,s6,s7,s8,s9,s10,s11,s12,s13,s14,s15,s16/m",
           "redis-sentinel://" + std::string(kUser) + ":" + kPassword + "%4@s/m",
           "rediss://" + creds + "host",
           "http://" + creds + "host",
           "redis:/" + creds + "host",
           "redis:" + creds + "host",
           creds + "host",
           std::string(kUser) + ":" + kPassword + "@host:6379",
           "unix://" + creds + "/run/redis.sock",
           "unix:/" + creds + "/run/redis.sock",
           "unix:" + creds + "/run/redis.sock",
       }) {
    check_hides_credentials(url);
  }
}

TEST_CASE("a password whose @host was forgotten is not shown as a port", "[redis_url]") {
  for (const std::string& url : {
           "redis://" + std::string(kUser) + ":" + kPassword,
           "redis://bad_" + std::string(kUser) + ":" + kPassword,
           "redis://" + std::string(kUser) + ":" + kPassword + "/2",
           "redis://:" + std::string(kPassword),
           "redis-sentinel://" + std::string(kUser) + ":" + kPassword + "/m",
           "redis://" + std::string(kUser) + ":" + kPassword + ":x",
       }) {
    check_hides_credentials(url);
  }
  // A digits-only password longer than any port is not shown either.
  CHECK(error("redis://user:123456") == "bad port, not a number (1-65535)");
}

// --- describe ---

TEST_CASE("describe shows a tcp location with its port, and its db when not 0", "[redis_url]") {
  CHECK(described("redis://localhost") == "redis://localhost:6379");
  CHECK(described("redis://[::1]:6380/2") == "redis://[::1]:6380/2");
  CHECK(described("redis://10.0.0.1/0") == "redis://10.0.0.1:6379");
  CHECK(described("redis://[::ffff:10.0.0.1]") == "redis://10.0.0.1:6379");
}

TEST_CASE("describe shows the user but never the password", "[redis_url]") {
  CHECK(described("redis://user:s3cr3t@[::1]:6380/2") == "redis://user@[::1]:6380/2");
  CHECK(described("redis://:s3cr3t@host") == "redis://host:6379");
  CHECK(described("redis-sentinel://app:s3cr3t@s1/m") == "redis-sentinel://app@s1:26379/m");
}

TEST_CASE("describe percent-encodes the user so the line stays a URL", "[redis_url]") {
  CHECK(described("redis://a%40b%3Ac%C3%A9%20~:pw@h") == "redis://a%40b%3Ac%C3%A9%20~@h:6379");
  CHECK(described("redis://a!b:pw@h") == "redis://a%21b@h:6379");
}

TEST_CASE("describe shows a unix location, and its db when not 0", "[redis_url]") {
  CHECK(described("unix:/run/redis.sock?db=1") == "unix:/run/redis.sock?db=1");
  CHECK(described("unix:/run/redis.sock?db=0") == "unix:/run/redis.sock");
}

TEST_CASE("describe lists the sentinels in the order given", "[redis_url]") {
  CHECK(described("redis-sentinel://10.0.0.1,10.0.0.2:26380/mymaster") ==
        "redis-sentinel://10.0.0.1:26379,10.0.0.2:26380/mymaster");
  CHECK(described("redis-sentinel://[::1]:5000,b/m?db=7") == "redis-sentinel://[::1]:5000,b:26379/m?db=7");
}

TEST_CASE("what describe shows of a location without credentials parses back to it", "[redis_url]") {
  // With a user it would not: "user@" alone is refused as ambiguous.
  for (const char* url : {"redis://[2001:db8::1]:7000/3", "redis://h", "redis://[::ffff:1.2.3.4]/",
                          "unix:/s.sock?db=2", "redis-sentinel://a,[::1]:1/m.x?db=9"}) {
    INFO(url);
    auto original = parse_redis_url(url);
    REQUIRE(original);
    auto again = parse_redis_url(describe(*original));
    INFO(describe(*original));
    REQUIRE(again);
    CHECK(fields(*again) == fields(*original));
  }
}

TEST_CASE("describe keeps a hand-built location on one printable line", "[redis_url]") {
  RedisLocation location;
  location.kind = RedisLocation::Kind::unix_socket;
  location.socket_path = "/run/evil\nFORGED";
  location.password = "s3cr3t";
  CHECK(describe(location) == "unix:/run/evil?FORGED");
}

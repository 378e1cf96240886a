// store/redis.cc: keys, the observe script, Sentinel discovery.
#include "lib/store/redis.h"

#include <hiredis/hiredis.h>
#include <nettle/sha1.h>
#include <time.h>

#include <algorithm>
#include <fmt/format.h>

#include "lib/base/number.h"
#include "lib/base/printable.h"

namespace jgl {
namespace {

// KEYS[1] the key; ARGV: now ("s.ns"), now's seconds, holdtime,
// pending_age, max_age, then field and value pairs written with a new key
// (a hashed key's parts, for listings). Returns {created, first, last before now}, created
// 1 for a new key, 2 for one that had expired by judge() in
// lib/store/expiry.cc and starts over (its TTL rounded up, it was still
// there). The TTL follows expires_at(); at least one second, as EXPIRE with
// 0 would delete the key at once.
constexpr std::string_view kObserveScript = R"lua(
local now, now_s = ARGV[1], tonumber(ARGV[2])
local holdtime, pending, max_age = tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5])
-- A new entry is validated at once when the hold time is 0 (an awl or
-- correspondent entry, or JGREYLIST_HOLDTIME=0): it lives max_age.
local fresh = pending
if holdtime <= 0 then fresh = max_age end
local seen = redis.call('HMGET', KEYS[1], 'first', 'last')
if not seen[1] then
  redis.call('HSET', KEYS[1], 'first', now, 'last', now)
  for i = 6, #ARGV, 2 do redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1]) end
  redis.call('EXPIRE', KEYS[1], math.max(fresh, 1))
  return {1, now, now}
end
local first_s = tonumber(string.match(seen[1], '^%d+')) or now_s
local last_s = tonumber(string.match(seen[2] or seen[1], '^%d+')) or first_s
local expires = first_s + pending
if last_s - first_s >= holdtime then expires = last_s + max_age end
if now_s >= expires then
  redis.call('HSET', KEYS[1], 'first', now, 'last', now)
  redis.call('EXPIRE', KEYS[1], math.max(fresh, 1))
  return {2, now, now}
end
redis.call('HSET', KEYS[1], 'last', now)
local ttl = max_age
if now_s - first_s < holdtime then ttl = first_s + pending - now_s end
redis.call('EXPIRE', KEYS[1], math.max(ttl, 1))
return {0, seen[1], seen[2] or seen[1]}
)lua";

// KEYS[1] the key; ARGV: first, last, ttl, then field and value pairs.
// Replaces whatever was there.
constexpr std::string_view kSetScript = R"lua(
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], 'first', ARGV[1], 'last', ARGV[2])
for i = 4, #ARGV, 2 do redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1]) end
redis.call('EXPIRE', KEYS[1], ARGV[3])
return 1
)lua";

// KEYS[1] an awl key; ARGV: now ("s.ns"), now's seconds, the interval
// between counts, max_age, the network's CIDR text. Counts a pass when the
// last count is at least the interval old; a new key, or one last counted
// max_age ago or more (kept longer by a TTL another writer gave it),
// starts at 1. The key lives max_age after its last count. Returns
// {count, first, last}.
constexpr std::string_view kCountScript = R"lua(
local now, now_s = ARGV[1], tonumber(ARGV[2])
local interval, max_age = tonumber(ARGV[3]), tonumber(ARGV[4])
local seen = redis.call('HMGET', KEYS[1], 'first', 'last', 'count')
local last_s = tonumber(string.match(seen[2] or seen[1] or '', '^%d+')) or 0
if not seen[1] or not seen[3] or now_s - last_s >= max_age then
  redis.call('DEL', KEYS[1])
  redis.call('HSET', KEYS[1], 'first', now, 'last', now, 'count', 1, 'client', ARGV[5])
  redis.call('EXPIRE', KEYS[1], math.max(max_age, 1))
  return {1, now, now}
end
if now_s - last_s < interval then return {tonumber(seen[3]) or 0, seen[1], seen[2] or seen[1]} end
local count = redis.call('HINCRBY', KEYS[1], 'count', 1)
redis.call('HSET', KEYS[1], 'last', now)
redis.call('EXPIRE', KEYS[1], math.max(max_age, 1))
return {count, seen[1], now}
)lua";

constexpr std::string_view kScanBatch = "1000";

// The name Redis gives a script: the hex SHA-1 of its text.
std::string script_sha1(std::string_view script) {
  sha1_ctx ctx;
  sha1_init(&ctx);
  sha1_update(&ctx, script.size(), reinterpret_cast<const std::uint8_t*>(script.data()));
  std::uint8_t digest[SHA1_DIGEST_SIZE];
  sha1_digest(&ctx, sizeof digest, digest);
  return lowercase_hex(digest, sizeof digest);
}

const std::string& observe_sha1() {
  static const std::string sha = script_sha1(kObserveScript);
  return sha;
}

const std::string& set_sha1() {
  static const std::string sha = script_sha1(kSetScript);
  return sha;
}

const std::string& count_sha1() {
  static const std::string sha = script_sha1(kCountScript);
  return sha;
}

std::string time_text(timespec t) { return fmt::format("{}.{:09}", t.tv_sec, t.tv_nsec); }

// "1700000000.123456789", or whole seconds; at most nine decimals.
std::optional<timespec> parse_time(std::string_view text) {
  std::size_t dot = text.find('.');
  auto seconds = parse_number(text.substr(0, dot), 0, 1L << 40);
  if (!seconds) return std::nullopt;
  long nanoseconds = 0;
  if (dot != std::string_view::npos) {
    std::string_view fraction = text.substr(dot + 1);
    auto digits = parse_number(fraction, 0, 999999999);
    if (!digits || fraction.size() > 9) return std::nullopt;
    nanoseconds = *digits;
    for (std::size_t i = fraction.size(); i < 9; ++i) nanoseconds *= 10;
  }
  return timespec{*seconds, nanoseconds};
}

std::unexpected<Error> reply_error(std::string_view key, const redisReply* reply) {
  if (is_error(reply)) return fail_temporary(std::string(key) + ": " + shown_value(reply_text(reply), 200));
  return fail_temporary(std::string(key) + ": unexpected reply from the server");
}

// {first, last} strings (last may be nil) as an entry's times.
Result<std::optional<std::pair<timespec, timespec>>> times_of(std::string_view key, const redisReply* first,
                                                              const redisReply* last) {
  if (first->type == REDIS_REPLY_NIL) {
    // Both gone: the key expired or was removed since it was named.
    if (last->type == REDIS_REPLY_NIL) return std::nullopt;
    return fail_temporary(std::string(key) + ": a last sighting without a first");
  }
  auto f = parse_time(reply_text(first));
  auto l = last->type == REDIS_REPLY_NIL ? f : parse_time(reply_text(last));
  if (!f || !l) return fail_temporary(std::string(key) + ": not a first/last pair of times");
  return std::pair{*f, *l};
}

// A triplet key from its hash's client, sender and recipient fields
// (elements 2 to 4), checked against the digest its name ends with.
Result<Key> triplet_of(std::string_view name, const redisReply& fields) {
  for (std::size_t i = 2; i < 5; ++i) {
    if (fields.element[i]->type != REDIS_REPLY_STRING) return fail_temporary(std::string(name) + ": a triplet without its key");
  }
  auto key = Key::triplet_from(reply_text(fields.element[2]), reply_text(fields.element[3]),
                               reply_text(fields.element[4]));
  if (!key) return fail_temporary(std::string(name) + ": a triplet without its key");
  if (!name.ends_with(key->digest())) return fail_temporary(std::string(name) + ": not the key its name hashes");
  return key;
}

// SCAN's MATCH is a glob: the prefix's own * ? [ ] \ must match themselves.
std::string glob_escaped(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == '*' || c == '?' || c == '[' || c == ']' || c == '\\') out += '\\';
    out += c;
  }
  return out + "*";
}

// What the observe and count scripts return: {number, first, last}.
struct ScriptReply {
  long long number;
  timespec first, last;
};

Result<ScriptReply> script_reply(const std::string& name, Result<std::vector<RedisReply>> replies) {
  if (!replies) return std::unexpected(replies.error());
  const redisReply* r = (*replies)[0].get();
  if (r->type != REDIS_REPLY_ARRAY || r->elements != 3 || r->element[0]->type != REDIS_REPLY_INTEGER) {
    return reply_error(name, r);
  }
  auto times = times_of(name, r->element[1], r->element[2]);
  if (!times) return std::unexpected(times.error());
  if (!*times) return reply_error(name, r);
  return ScriptReply{r->element[0]->integer, (*times)->first, (*times)->second};
}

// A hashed key's hash carries its key beside its times, for listings: the
// key's name is only its digest. `client` holds the client part's text the
// command's views point into.
void add_key_fields(const Key& key, std::string& client, RedisCommand& command) {
  if (key.is_triplet()) {
    client = key.client_text();
    command.insert(command.end(), {"client", client});
  }
  if (key.is_triplet() || key.kind() == Key::Kind::correspondent) {
    command.insert(command.end(), {"sender", key.sender(), "recipient", key.recipient()});
  }
}

// A correspondent key from its hash's sender and recipient fields
// (elements 2 and 3), checked against the digest its name ends with.
Result<Key> correspondent_of(std::string_view name, const redisReply& fields) {
  std::string_view outside = reply_text(fields.element[2]), local = reply_text(fields.element[3]);
  if (fields.element[2]->type != REDIS_REPLY_STRING || fields.element[3]->type != REDIS_REPLY_STRING ||
      outside.size() > Key::kMaxAddress || local.size() > Key::kMaxAddress) {
    return fail_temporary(std::string(name) + ": a correspondent without its addresses");
  }
  Key key = Key::correspondent(std::string(outside), std::string(local));
  if (!name.ends_with(key.digest())) return fail_temporary(std::string(name) + ": not the key its name hashes");
  return key;
}

// An awl key's count (element 2), 0 when the field is missing.
Result<unsigned long> count_of(std::string_view name, const redisReply* count) {
  if (count->type == REDIS_REPLY_NIL) return 0UL;
  auto n = parse_number(reply_text(count), 0, 1L << 40);
  if (!n) return fail_temporary(std::string(name) + ": not a count");
  return static_cast<unsigned long>(*n);
}

}  // namespace

RedisStore::RedisStore(RedisStoreSettings settings)
    : settings_(std::move(settings)),
      where_(describe(settings_.location)),
      db_text_(std::to_string(settings_.location.db)) {}

Result<std::string> RedisStore::name_of(const Key& key) const {
  if (key.is_triplet()) return settings_.prefix + "triplet:" + key.digest();
  if (key.kind() == Key::Kind::correspondent) return settings_.prefix + "corr:" + key.digest();
  if (key.kind() == Key::Kind::awl) return settings_.prefix + "awl:" + std::string(key.client().format().view());
  const char* family = key.client().family() == Family::v4 ? "ip4:" : "ip6:";
  return settings_.prefix + family + std::string(key.client().format().view());
}

Result<Sighting> RedisStore::observe(const Key& key, timespec now) {
  auto name = name_of(key);
  if (!name) return std::unexpected(name.error());
  std::string now_text = time_text(now), now_s = std::to_string(now.tv_sec);
  const ExpiryPolicy expiry = expiry_for(key.kind(), settings_.expiry);
  std::string holdtime = std::to_string(expiry.holdtime);
  std::string pending = std::to_string(expiry.pending_age);
  std::string max_age = std::to_string(expiry.max_age);
  RedisCommand command{"EVALSHA", observe_sha1(), "1", *name, now_text, now_s, holdtime, pending, max_age};
  std::string client;
  add_key_fields(key, client, command);
  auto reply = script_reply(*name, run_script(kObserveScript, std::move(command)));
  if (!reply) return std::unexpected(reply.error());
  return Sighting{reply->number != 0, reply->first, reply->last, reply->number == 2};
}

Result<Entry> RedisStore::count_pass(const Key& key, timespec now, long interval) {
  if (key.kind() != Key::Kind::awl) return fail("count_pass: not an awl key");
  auto name = name_of(key);
  if (!name) return std::unexpected(name.error());
  std::string now_text = time_text(now), now_s = std::to_string(now.tv_sec);
  std::string interval_text = std::to_string(interval), max_age = std::to_string(settings_.expiry.max_age);
  std::string client(key.client().format().view());
  auto reply = script_reply(*name, run_script(kCountScript, {"EVALSHA", count_sha1(), "1", *name, now_text, now_s,
                                                             interval_text, max_age, client}));
  if (!reply) return std::unexpected(reply.error());
  return Entry{key, reply->first, reply->last, static_cast<unsigned long>(reply->number)};
}

Result<std::optional<Entry>> RedisStore::find(const Key& key) {
  auto name = name_of(key);
  if (!name) return std::unexpected(name.error());
  bool awl = key.kind() == Key::Kind::awl;
  RedisCommand command{"HMGET", *name, "first", "last"};
  if (awl) command.emplace_back("count");
  auto replies = request({command});
  if (!replies) return std::unexpected(replies.error());
  const redisReply* r = (*replies)[0].get();
  if (r->type != REDIS_REPLY_ARRAY || r->elements != command.size() - 2) return reply_error(*name, r);
  auto times = times_of(*name, r->element[0], r->element[1]);
  if (!times) return std::unexpected(times.error());
  if (!*times) return std::optional<Entry>();
  auto count = awl ? count_of(*name, r->element[2]) : Result<unsigned long>(0UL);
  if (!count) return std::unexpected(count.error());
  return Entry{key, (*times)->first, (*times)->second, *count};
}

Result<void> RedisStore::set_times(const Entry& entry) {
  auto name = name_of(entry.key);
  if (!name) return std::unexpected(name.error());
  timespec now;
  clock_gettime(CLOCK_REALTIME, &now);
  long ttl = expires_at(entry.first_seen.tv_sec, entry.last_seen.tv_sec,
                        expiry_for(entry.key.kind(), settings_.expiry)) - now.tv_sec;
  std::string first = time_text(entry.first_seen), last = time_text(entry.last_seen);
  std::string ttl_text = std::to_string(ttl);
  // Already expired: what Redis would keep of it is nothing.
  RedisCommand command{"EVALSHA", set_sha1(), "1", *name, first, last, ttl_text};
  std::string client, count = std::to_string(entry.count);
  add_key_fields(entry.key, client, command);
  if (entry.key.kind() == Key::Kind::awl) {
    client = entry.key.client().format().view();
    command.insert(command.end(), {"count", count, "client", client});
  }
  auto replies = ttl <= 0 ? request({{"DEL", *name}}) : run_script(kSetScript, std::move(command));
  if (!replies) return std::unexpected(replies.error());
  if (is_error((*replies)[0].get())) return reply_error(*name, (*replies)[0].get());
  return {};
}

Result<bool> RedisStore::forget(const Key& key) {
  auto name = name_of(key);
  if (!name) return std::unexpected(name.error());
  auto replies = request({{"DEL", *name}});
  if (!replies) return std::unexpected(replies.error());
  const redisReply* r = (*replies)[0].get();
  if (r->type != REDIS_REPLY_INTEGER) return reply_error(*name, r);
  return r->integer > 0;
}

Result<void> RedisStore::enumerate(EntryVisitor& visitor) {
  std::string pattern = glob_escaped(settings_.prefix);
  std::string cursor = "0";
  do {
    auto replies = request({{"SCAN", cursor, "MATCH", pattern, "COUNT", kScanBatch}});
    if (!replies) return std::unexpected(replies.error());
    const redisReply* r = (*replies)[0].get();
    if (r->type != REDIS_REPLY_ARRAY || r->elements != 2 || r->element[1]->type != REDIS_REPLY_ARRAY) {
      return reply_error("SCAN", r);
    }
    cursor = reply_text(r->element[0]);
    auto batch = enumerate_batch(*r->element[1], visitor);
    if (!batch) return batch;
  } while (cursor != "0");
  return {};
}

// One SCAN batch: the keys' times in one round trip, each as an entry.
// A hashed key's own key comes from its fields (a triplet's client, sender
// and recipient; a correspondent's sender and recipient), an awl key's
// from its name, with its count.
Result<void> RedisStore::enumerate_batch(const redisReply& keys, EntryVisitor& visitor) {
  std::vector<RedisCommand> commands;
  std::vector<std::optional<Key>> parsed;
  std::vector<Key::Kind> kinds;
  for (std::size_t i = 0; i < keys.elements; ++i) {
    std::string_view name = reply_text(keys.element[i]);
    std::string_view rest = name.substr(std::min(name.size(), settings_.prefix.size()));
    if (rest.starts_with("triplet:") && rest.size() == 8 + 64) {
      parsed.emplace_back(std::nullopt);
      kinds.push_back(Key::Kind::triplet);
      commands.push_back({"HMGET", name, "first", "last", "client", "sender", "recipient"});
      continue;
    }
    if (rest.starts_with("corr:") && rest.size() == 5 + 64) {
      parsed.emplace_back(std::nullopt);
      kinds.push_back(Key::Kind::correspondent);
      commands.push_back({"HMGET", name, "first", "last", "sender", "recipient"});
      continue;
    }
    bool awl = rest.starts_with("awl:");
    if (awl) rest.remove_prefix(4);
    bool v4 = rest.starts_with("ip4:"), v6 = rest.starts_with("ip6:");
    auto prefix = awl ? Prefix::parse(rest) : v4 || v6 ? Prefix::parse(rest.substr(4)) : fail("not a greylisting key");
    if (!prefix || (!awl && prefix->family() != (v4 ? Family::v4 : Family::v6))) {
      visitor.problem(Error{shown_value(name, 200) + ": not a greylisting key: left alone", 0, false});
      continue;
    }
    parsed.emplace_back(awl ? Key::awl(*prefix) : Key(*prefix));
    kinds.push_back(awl ? Key::Kind::awl : Key::Kind::prefix);
    commands.push_back({"HMGET", name, "first", "last"});
    if (awl) commands.back().emplace_back("count");
  }
  if (commands.empty()) return {};
  auto replies = request(commands);
  if (!replies) return std::unexpected(replies.error());
  for (std::size_t i = 0; i < commands.size(); ++i) {
    const redisReply* r = (*replies)[i].get();
    std::string name(commands[i][1]);
    auto times = r->type == REDIS_REPLY_ARRAY && r->elements == commands[i].size() - 2
                     ? times_of(name, r->element[0], r->element[1])
                     : reply_error(name, r);
    Result<unsigned long> count = 0UL;
    if (times && *times && kinds[i] == Key::Kind::awl) count = count_of(name, r->element[2]);
    if (times && *times && !parsed[i]) {
      auto key = kinds[i] == Key::Kind::triplet ? triplet_of(name, *r) : correspondent_of(name, *r);
      if (!key) times = std::unexpected(key.error());
      else parsed[i] = std::move(*key);
    }
    if (times && !count) times = std::unexpected(count.error());
    if (!times) {
      // This key's contents, not the server: left alone, as the tree's junk.
      Error e = times.error();
      e.temporary = false;
      visitor.problem(e);
    }
    if (times && *times) visitor.entry(Entry{*parsed[i], (*times)->first, (*times)->second, *count});
  }
  return {};
}

Result<std::vector<RedisReply>> RedisStore::request(const std::vector<RedisCommand>& commands) {
  if (!client_) {
    auto opened = open_session();
    if (!opened) return std::unexpected(opened.error());
  }
  auto replies = client_->pipeline(commands);
  if (!replies) client_.reset();  // a broken connection is not reused; the next request opens another
  return replies;
}

// `command` is EVALSHA with the script's SHA-1: the script goes over the
// wire only when the server does not have it yet (after a restart, a
// failover or SCRIPT FLUSH), and is then sent whole with EVAL, which also
// keeps it for the next connections.
Result<std::vector<RedisReply>> RedisStore::run_script(std::string_view script, RedisCommand command) {
  auto replies = request({command});
  if (!replies || !is_error((*replies)[0].get()) || !reply_text((*replies)[0].get()).starts_with("NOSCRIPT")) {
    return replies;
  }
  command[0] = "EVAL";
  command[1] = script;
  return request({command});
}

// Connects and runs the session's own commands. They are answered before
// anything else is sent: commands pipelined behind a refused AUTH would run
// as the default user, behind a refused SELECT in db 0, behind a ROLE that
// says "slave" on a replica that takes writes.
Result<void> RedisStore::open_session() {
  auto client = connect();
  if (!client) return std::unexpected(client.error());
  std::vector<RedisCommand> session = session_commands();
  if (!session.empty()) {
    auto replies = client->pipeline(session);
    if (!replies) return std::unexpected(replies.error());
    auto checked = check_session(*client, *replies);
    if (!checked) return checked;
  }
  client_.emplace(std::move(*client));
  return {};
}

// AUTH, SELECT and, behind Sentinel, ROLE.
std::vector<RedisCommand> RedisStore::session_commands() const {
  const RedisLocation& l = settings_.location;
  std::vector<RedisCommand> commands;
  if (l.password && !l.user.empty()) commands.push_back({"AUTH", l.user, *l.password});
  if (l.password && l.user.empty()) commands.push_back({"AUTH", *l.password});
  if (l.db != 0) commands.push_back({"SELECT", db_text_});
  if (l.kind == RedisLocation::Kind::sentinel) commands.push_back({"ROLE"});
  return commands;
}

Result<void> RedisStore::check_session(const RedisClient& client, const std::vector<RedisReply>& replies) const {
  for (const RedisReply& reply : replies) {
    const redisReply* r = reply.get();
    if (is_error(r)) return fail_temporary(client.peer() + ": " + shown_value(reply_text(r), 200));
    bool role = r->type == REDIS_REPLY_ARRAY;
    if (role && (r->elements == 0 || reply_text(r->element[0]) != "master")) {
      std::string_view is = r->elements == 0 ? "unknown" : reply_text(r->element[0]);
      return fail_temporary(client.peer() + " is not the master (ROLE says " + shown_value(is, 40) + ")");
    }
  }
  return {};
}

Result<RedisClient> RedisStore::connect() const {
  const RedisLocation& l = settings_.location;
  int timeout = settings_.timeout_ms;
  if (l.kind == RedisLocation::Kind::unix_socket) return RedisClient::connect_unix(l.socket_path, timeout);
  if (l.kind == RedisLocation::Kind::tcp) return RedisClient::connect_tcp(l.server.host, l.server.port, timeout);
  auto master = master_from_sentinels();
  if (!master) return std::unexpected(master.error());
  return RedisClient::connect_tcp(master->host, master->port, timeout);
}

// Asks the sentinels in order; the first that names the master wins.
Result<RedisEndpoint> RedisStore::master_from_sentinels() const {
  const RedisLocation& l = settings_.location;
  std::string why = "no sentinel";
  for (const RedisEndpoint& sentinel : l.sentinels) {
    auto client = RedisClient::connect_tcp(sentinel.host, sentinel.port, settings_.timeout_ms);
    if (!client) {
      why = client.error().message;
      continue;
    }
    auto replies = client->pipeline({{"SENTINEL", "get-master-addr-by-name", l.master_name}});
    const redisReply* r = replies ? (*replies)[0].get() : nullptr;
    if (r != nullptr && r->type == REDIS_REPLY_ARRAY && r->elements == 2) {
      auto port = parse_number(reply_text(r->element[1]), 1, 65535);
      if (port) return RedisEndpoint{std::string(reply_text(r->element[0])), static_cast<int>(*port)};
    }
    why = !replies ? replies.error().message
          : is_error(r) ? client->peer() + ": " + shown_value(reply_text(r), 200)
                        : client->peer() + " knows no master named " + l.master_name;
  }
  return fail_temporary("no sentinel named the master: " + why);
}

}  // namespace jgl

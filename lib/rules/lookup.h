// rules/lookup.h: what a rules cdb says about a client, as tcpserver reads it.
//
// tcpserver tries a fixed list of keys built from the client's address
// text (lib/rules/keys.h's tcpserver_text), host name and ident info, and
// applies the record of the first key found. tcprulescheck and
// tcprules-exec ask the same question here. Every failure is temporary:
// the file may be fixed or replaced, and the same question asked again.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "lib/base/error.h"

namespace jgl {

// The keys tcpserver tries for a client, in its order: info@ip, ip, =host,
// each prefix of ip ending in '.' or ':' (longest first), =.suffixes of the
// host, "=", then "". host and info may be null.
std::vector<std::string> lookup_keys(std::string_view ip, const char* host, const char* info);

// What a cdb record says, as tcprulescheck prints it.
struct RuleMatch {
  std::string key;  // the rule that matched
  bool deny = false;
  std::vector<std::string> settings;  // "VAR=value", up to a deny
};

// Opens a rules cdb for reading: a regular file, or an error whose message
// says what is wrong with it ("is a FIFO"). A FIFO or device must not block
// a connection in open() or feed it garbage.
Result<int> open_rules_cdb(const char* path);

// Looks the client up in the cdb open on fd: nullopt when no key matched.
Result<std::optional<RuleMatch>> check_rules(int fd, std::string_view ip, const char* host, const char* info);

// A rules cdb mapped once, for a program that looks up many clients in one
// process (jgreylist-policy): check_rules maps the file at every call.
class RulesCdb {
 public:
  static Result<RulesCdb> open(const char* path);
  RulesCdb(RulesCdb&& other) noexcept;
  RulesCdb& operator=(RulesCdb&&) = delete;
  ~RulesCdb();
  Result<std::optional<RuleMatch>> check(std::string_view ip, const char* host, const char* info);

 private:
  RulesCdb() = default;
  struct Mapped;
  Mapped* mapped_ = nullptr;
};

}  // namespace jgl

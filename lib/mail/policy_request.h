// mail/policy_request.h: Postfix's SMTPD access policy protocol, read and
// answered (Postfix's SMTPD_POLICY_README).
//
// Postfix sends requests of name=value lines ended by an empty line, as
// many as it likes on one connection; each gets one "action=..." line and
// an empty line, in order. PolicyReader takes the bytes as they arrive, in
// any pieces, and gives back each request whole; it makes no system call,
// so the program decides how to wait (jgreylist-policy: a socket timeout
// or poll, its answers written before each wait).
//
// Input is bounded: a line longer than kMaxPolicyLine, or more than
// kMaxPolicyAttributes attributes, make the request malformed (the first
// problem is kept, for the answer and the log) and are skipped as they
// arrive, never buffered. A line that is not name=value, or a value with a
// NUL, makes it malformed too. CR LF ends a line as LF does. Empty lines
// between requests are ignored.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace jgl {

// Postfix's longest attributes (a TLS certificate's fields, a long HELO)
// are well under this; a longer line is not Postfix talking.
inline constexpr std::size_t kMaxPolicyLine = 4096;
inline constexpr std::size_t kMaxPolicyAttributes = 256;

// A request as read: the attributes jgreylist-policy uses, and what was
// wrong with it.
struct PolicyRequest {
  std::string request, protocol_state, client_address, client_name, helo_name, sender, recipient, sasl_username;
  std::string malformed;  // empty when it is fine
  bool has_request = false;
  std::size_t attributes = 0;

  // Empty again for the next request of the connection, its strings keeping
  // their buffers: most attributes are longer than a string holds without
  // one, and a connection carries thousands of requests.
  void clear();
};

class PolicyReader {
 public:
  // The next whole request among the bytes received, or nullptr when it
  // needs more. The request stays valid until the next call.
  const PolicyRequest* next();

  // Where the next bytes read go, and how many fit (at least
  // kMaxPolicyLine + 2): call it when next() gave nullptr, then
  // received() with the count read. A line that has not ended within
  // kMaxPolicyLine bytes is dropped here.
  char* space();
  std::size_t space_size() const { return sizeof buf_ - end_; }
  void received(std::size_t count) { end_ += count; }

  // A request has begun and not ended: input ending now cuts it short.
  bool in_request() const { return any_ && !done_; }

 private:
  bool take_line(std::string_view* line, bool* too_long);
  void add_attribute(std::string_view line, bool too_long);

  char buf_[2 * kMaxPolicyLine + 2];
  std::size_t start_ = 0, end_ = 0;
  bool skipping_ = false;
  PolicyRequest current_;
  bool any_ = false;   // current_ has a line
  bool done_ = false;  // current_ was handed out
};

// One request's answer, appended to `out`: "action=" ACTION, then an empty
// line. ACTION must be one line, already sanitised where it holds text from
// outside (a configured message): an LF in it would answer the next
// request too (tests/fuzz/policy.cc checks every answer).
void append_policy_answer(std::string& out, std::string_view action);

}  // namespace jgl

// mail/policy_request.cc: requests cut into lines, lines into attributes.
#include "lib/mail/policy_request.h"

#include <cstring>
#include <fmt/format.h>

namespace jgl {

void PolicyRequest::clear() {
  for (std::string* s :
       {&request, &protocol_state, &client_address, &client_name, &helo_name, &sender, &recipient, &sasl_username,
        &malformed}) {
    s->clear();
  }
  has_request = false;
  attributes = 0;
}

const PolicyRequest* PolicyReader::next() {
  if (done_) {
    current_.clear();
    any_ = done_ = false;
  }
  std::string_view line;
  bool too_long = false;
  while (take_line(&line, &too_long)) {
    if (line.empty() && !too_long) {
      if (!any_) continue;  // stray empty lines between requests
      done_ = true;
      return &current_;
    }
    any_ = true;
    add_attribute(line, too_long);
  }
  return nullptr;
}

char* PolicyReader::space() {
  if (end_ - start_ > kMaxPolicyLine) {  // no newline within the limit
    skipping_ = true;
    start_ = end_ = 0;
  }
  if (start_ > 0) {
    std::memmove(buf_, buf_ + start_, end_ - start_);
    end_ -= start_;
    start_ = 0;
  }
  return buf_ + end_;
}

// The next line without its '\n' (and a '\r' before it), or, when it is
// longer than kMaxPolicyLine, *too_long with the rest of it skipped; false
// when no whole line is buffered.
bool PolicyReader::take_line(std::string_view* line, bool* too_long) {
  *too_long = false;
  char* nl = static_cast<char*>(std::memchr(buf_ + start_, '\n', end_ - start_));
  if (nl == nullptr) return false;
  std::size_t len = static_cast<std::size_t>(nl - (buf_ + start_));
  *line = std::string_view(buf_ + start_, len);
  if (!line->empty() && line->back() == '\r') line->remove_suffix(1);
  start_ += len + 1;
  if (len > kMaxPolicyLine) skipping_ = true;  // whole in the buffer, but too long all the same
  if (skipping_) {
    skipping_ = false;
    *too_long = true;
    *line = {};
  }
  return true;
}

void PolicyReader::add_attribute(std::string_view line, bool too_long) {
  PolicyRequest& r = current_;
  if (too_long) {
    if (r.malformed.empty()) r.malformed = fmt::format("a line longer than {} bytes", kMaxPolicyLine);
    return;
  }
  if (++r.attributes > kMaxPolicyAttributes) {
    if (r.malformed.empty()) r.malformed = fmt::format("more than {} attributes", kMaxPolicyAttributes);
    return;
  }
  std::size_t eq = line.find('=');
  if (eq == std::string_view::npos || eq == 0) {
    if (r.malformed.empty()) r.malformed = "a line that is not name=value";
    return;
  }
  std::string_view name = line.substr(0, eq), value = line.substr(eq + 1);
  if (value.find('\0') != std::string_view::npos) {
    if (r.malformed.empty()) r.malformed = "a NUL byte in an attribute";
    return;
  }
  struct {
    std::string_view name;
    std::string* field;
  } wanted[] = {{"request", &r.request},         {"protocol_state", &r.protocol_state},
                {"client_address", &r.client_address}, {"client_name", &r.client_name},
                {"helo_name", &r.helo_name},     {"sender", &r.sender},
                {"recipient", &r.recipient},     {"sasl_username", &r.sasl_username}};
  for (auto& w : wanted) {
    if (name == w.name) *w.field = value;
  }
  if (name == "request") r.has_request = true;
}

void append_policy_answer(std::string& out, std::string_view action) {
  out += "action=";
  out += action;
  out += "\n\n";
}

}  // namespace jgl

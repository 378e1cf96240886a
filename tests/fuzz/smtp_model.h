// smtp_model.h: what a fake SMTP conversation must look like, for the smtp
// targets.
//
// smtp.cc holds the conversation on memfds through the real system calls;
// smtp_memory.cc on streams in memory, through lib/base/filesystem.h's
// seam. Both pick the conversation's settings from a byte of the input,
// check the transcript as it is written, and check what converse() wrote:
// well-formed replies, bounded, one per command answered, plus the greeting
// and at most one closing 421.
//
// The settings byte, chosen so that a digit reads as "normal settings":
//   bit 0       deny (553) instead of greylist (450)
//   bits 1-3    RCPT limit, 0-7 (0: none)
//   bits 4-6    command cap: 0x 1x 3x 6x -> 500, 2x -> 0, 4x -> 1, 5x -> 3, 7x -> 10
//   bit 7       hostile configuration: CR, LF, NUL and 600 bytes in the
//               hostname and message
// so '0' is greylist with no limits, '1' deny, '6' greylist with RCPT limit 3.
#pragma once

#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "lib/mail/smtp.h"

namespace jgl_fuzz {

constexpr std::size_t kReplyLineMax = 512;  // RFC 5321 4.5.3.1.5, CR LF included
constexpr std::size_t kTranscriptMax = 100;

[[noreturn]] inline void failed(const char* what, std::string_view input, std::string_view detail = {}) {
  std::fprintf(stderr, "FAILED: %s\n  input: '%.*s'\n  detail: '%.*s'\n", what, static_cast<int>(input.size()),
               input.data(), static_cast<int>(detail.size()), detail.data());
  std::abort();
}

inline bool printable(std::string_view s) {
  for (char c : s) {
    if (c < 0x20 || c > 0x7e) return false;
  }
  return true;
}

inline jgl::Conversation conversation_for(unsigned char options) {
  static const std::string hostile_host = std::string("mx\r\n.exa\0mple", 13) + std::string(600, 'h');
  static const std::string hostile_message = "GREYLIST\r\n250 fake" + std::string(600, 'm');
  static constexpr unsigned long kCaps[8] = {500, 500, 0, 500, 1, 3, 500, 10};
  jgl::Conversation conversation;
  conversation.refusal = options & 1 ? jgl::Refusal::deny : jgl::Refusal::greylist;
  conversation.rcpt_limit = (options >> 1) & 7;
  conversation.max_commands = kCaps[(options >> 4) & 7];
  bool hostile = options & 0x80;
  conversation.hostname = hostile ? std::string_view(hostile_host) : "mx.example";
  conversation.message = hostile ? std::string_view(hostile_message) : "GREYLIST try again later";
  // Never reached by an input that ends: a timeout here would be a hang.
  conversation.timeout_ms = 20000;
  return conversation;
}

class CheckingTranscript : public jgl::Transcript {
 public:
  explicit CheckingTranscript(std::string_view input) : input_(input) {}
  void line(char direction, std::string_view text) override {
    if (direction != '<' && direction != '>') failed("transcript direction", input_);
    if (!printable(text)) failed("transcript line not printable", input_, text);
    if (direction == '<' && text.size() > kTranscriptMax) failed("client line in transcript too long", input_, text);
    if (direction == '>' && text.size() > kReplyLineMax - 2) failed("reply in transcript too long", input_, text);
  }

 private:
  std::string_view input_;
};

// What converse() wrote (`out`) and said (`result`) for the client's bytes.
// `complete`: the conversation was not cut short by a failed write.
inline void check_conversation(std::string_view input, std::string_view client, const jgl::Conversation& conversation,
                               const jgl::ConversationResult& result, std::string_view out, bool complete = true) {
  std::size_t commands_sent = 0;
  for (char c : client) commands_sent += c == '\n';
  if (complete && result.ending == jgl::Ending::io_error) failed("io_error without an I/O error", input);
  if (result.ending == jgl::Ending::timeout) failed("timed out on an input that ends", input);
  if (result.commands > commands_sent) failed("more commands answered than sent", input);
  if (result.commands > conversation.max_commands) failed("more commands answered than the cap", input);
  if (result.rcpts > result.commands) failed("more RCPTs than commands", input);
  if (conversation.rcpt_limit != 0 && result.rcpts > conversation.rcpt_limit) failed("RCPT limit passed", input);

  // Every line: a code, ' ' (a reply's last line) or '-', printable text, CR LF.
  std::size_t replies = 0;
  std::string_view last_reply;
  std::string_view rest = out;
  while (!rest.empty()) {
    std::size_t end = rest.find("\r\n");
    if (end == std::string_view::npos) {
      if (complete) failed("output does not end in CR LF", input, rest);
      break;
    }
    std::string_view line = rest.substr(0, end);
    rest.remove_prefix(end + 2);
    if (line.size() + 2 > kReplyLineMax) failed("reply line too long", input, line);
    if (!printable(line)) failed("reply line not printable", input, line);
    if (line.size() < 4 || line[0] < '2' || line[0] > '5' || line[1] < '0' || line[1] > '9' || line[2] < '0' ||
        line[2] > '9' || (line[3] != ' ' && line[3] != '-')) {
      failed("reply line not 'NNN ' or 'NNN-'", input, line);
    }
    if (replies == 0 && !line.starts_with("220 ")) failed("first reply is not the 220 greeting", input, line);
    if (line[3] == ' ') {
      ++replies;
      last_reply = line;
    }
  }
  if (replies > commands_sent + 2) failed("more replies than commands + 2", input, out);
  if (out.size() > (commands_sent + 2) * 3 * kReplyLineMax) failed("output out of bounds", input);
  if (!complete) return;

  // Exactly: the greeting, one reply per command answered, and a closing 421
  // for the command cap (the RCPT limit and QUIT answer a counted command).
  std::size_t expected = 1 + result.commands + (result.ending == jgl::Ending::command_cap ? 1 : 0);
  if (replies != expected) {
    failed("replies are not greeting + one per command (+ 421 at the cap)", input,
           std::to_string(replies) + " != " + std::to_string(expected));
  }
  auto ends_with_code = [&](std::string_view code) { return last_reply.starts_with(code); };
  switch (result.ending) {
    case jgl::Ending::quit:
      if (!ends_with_code("221 ")) failed("QUIT not answered by 221", input, last_reply);
      break;
    case jgl::Ending::rcpt_limit:
    case jgl::Ending::command_cap:
      if (!ends_with_code("421 ")) failed("hang-up without 421", input, last_reply);
      break;
    default:
      if (ends_with_code("421 ") || ends_with_code("221 ")) failed("closing reply without the conversation ending", input);
  }
}

}  // namespace jgl_fuzz

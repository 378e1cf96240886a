// smtp.cc (fuzz target): the fake SMTP conversation.
//
// The input's first byte picks the conversation's settings, the rest is what
// the client sends. converse() reads it from a memfd (EOF at its end) and
// writes to another; what it wrote must be well-formed replies, bounded,
// one per command answered, plus the greeting and at most one closing 421:
// never more than commands + 2. The transcript must stay printable and short.
//
// The first byte, chosen so that a digit at the start of a seed file reads
// as "normal settings":
//   bit 0       deny (553) instead of greylist (450)
//   bits 1-3    RCPT limit, 0-7 (0: none)
//   bits 4-6    command cap: 0x 1x 3x 6x -> 500, 2x -> 0, 4x -> 1, 5x -> 3, 7x -> 10
//   bit 7       hostile configuration: CR, LF, NUL and 600 bytes in the
//               hostname and message
// so '0' is greylist with no limits, '1' deny, '6' greylist with RCPT limit 3.
#include <sys/mman.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "lib/mail/smtp.h"

namespace {

constexpr std::size_t kReplyLineMax = 512;  // RFC 5321 4.5.3.1.5, CR LF included
constexpr std::size_t kTranscriptMax = 100;

int g_in = -1;
int g_out = -1;

[[noreturn]] void failed(const char* what, std::string_view input, std::string_view detail = {}) {
  std::fprintf(stderr, "FAILED: %s\n  input: '%.*s'\n  detail: '%.*s'\n", what, static_cast<int>(input.size()),
               input.data(), static_cast<int>(detail.size()), detail.data());
  std::abort();
}

bool printable(std::string_view s) {
  for (char c : s) {
    if (c < 0x20 || c > 0x7e) return false;
  }
  return true;
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

void reset(int fd) {
  if (ftruncate(fd, 0) != 0 || lseek(fd, 0, SEEK_SET) != 0) std::abort();
}

std::string read_back(int fd) {
  std::string out;
  char buf[65536];
  lseek(fd, 0, SEEK_SET);
  for (ssize_t n; (n = read(fd, buf, sizeof buf)) > 0;) out.append(buf, static_cast<std::size_t>(n));
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  g_in = memfd_create("smtp-in", MFD_CLOEXEC);
  g_out = memfd_create("smtp-out", MFD_CLOEXEC);
  if (g_in < 0 || g_out < 0) {
    std::perror("memfd_create");
    std::exit(1);
  }
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  std::string_view input(reinterpret_cast<const char*>(data), size);
  unsigned options = data[0];
  std::string_view client = input.substr(1);

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
  // Never reached by a memfd that ends: a timeout here would be a hang.
  conversation.timeout_ms = 20000;

  reset(g_in);
  reset(g_out);
  for (std::size_t done = 0; done < client.size();) {
    ssize_t n = write(g_in, client.data() + done, client.size() - done);
    if (n <= 0) std::abort();
    done += static_cast<std::size_t>(n);
  }
  lseek(g_in, 0, SEEK_SET);

  CheckingTranscript transcript(input);
  jgl::ConversationResult result = jgl::converse(g_in, g_out, conversation, &transcript);
  std::string out = read_back(g_out);

  std::size_t commands_sent = 0;
  for (char c : client) commands_sent += c == '\n';
  if (result.ending == jgl::Ending::io_error) failed("io_error on memfds", input);
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
    if (end == std::string_view::npos) failed("output does not end in CR LF", input, rest);
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
  return 0;
}

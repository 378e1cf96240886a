// mail/smtp.h: the fake SMTP conversation held with a greylisted or denied client.
//
// The client is never passed on: it gets a greeting, 250 for the commands
// that carry no commitment (HELO, EHLO, MAIL, RSET, NOOP), 221 for QUIT, and
// for everything else a temporary (greylisted) or permanent (denied)
// refusal. Input is read in fixed-size pieces, so lines of any length, bare
// LF, NUL bytes and binary garbage cost no memory; the whole conversation is
// bounded by a deadline and a command cap.
#pragma once

#include <cstddef>
#include <string_view>

#include "lib/base/filesystem.h"

namespace jgl {

enum class Refusal { greylist, deny };

struct Conversation {
  Refusal refusal = Refusal::greylist;
  // Text after the reply code and enhanced status, e.g. "GREYLIST ...".
  // Must already be free of control characters.
  std::string_view message;
  // Names the server in the 220 greeting and the EHLO reply.
  std::string_view hostname = "localhost";
  // The RCPT command that reaches this count gets 421 and the connection
  // ends, as in v8; 0: no limit.
  unsigned long rcpt_limit = 0;
  // Milliseconds the whole conversation may last; then 421 and the end.
  int timeout_ms = 60000;
  // Commands answered before 421 and the end, whatever they are (0: the
  // first line already gets the 421).
  unsigned long max_commands = 500;
};

enum class Ending {
  quit,         // client sent QUIT, got 221
  eof,          // client closed the connection
  timeout,      // deadline passed, 421 sent
  rcpt_limit,   // too many RCPT, 421 sent
  command_cap,  // too many commands, 421 sent
  io_error,     // reading or writing failed (client gone)
};

struct ConversationResult {
  Ending ending = Ending::eof;
  unsigned long commands = 0;  // lines answered
  unsigned long rcpts = 0;     // RCPT commands seen
};

// Receives each line of the conversation for JGREYLIST_LOG_SMTP: direction
// '<' for what the client sent (sanitised, cut to a bounded length) and '>'
// for the reply (without CR LF).
class Transcript {
 public:
  virtual ~Transcript() = default;
  virtual void line(char direction, std::string_view text) = 0;
};

// Holds the conversation on in_fd/out_fd (usually 0 and 1) until QUIT, EOF,
// the deadline, the RCPT limit or the command cap, every poll, read, send
// and write through `fs`. Never throws, never allocates.
ConversationResult converse(int in_fd, int out_fd, const Conversation& conversation,
                            Transcript* transcript = nullptr, Filesystem& fs = system_filesystem());

}  // namespace jgl

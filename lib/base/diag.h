// base/diag.h: how every program reports: one sanitised line on stderr.
//
//   set_program("tcprules");
//   warn("unable to read {}: {}", path, why);   // "tcprules: unable to read ..."
//   die(kExitTemporary, "fatal: ...");          // the same line, then exit
//
// jgreylist's per-connection log line is the same with a longer head:
// ClientLog writes v8's "jgreylist[PID]: IP: words". Every line is built
// on the stack and cut at kMaxLine, every byte
// outside printable ASCII becomes '?' (the text may come from a client or
// the environment), and it leaves in one write(2), so that the lines of
// concurrent processes sharing a log never interleave.
#pragma once

#include <sys/types.h>

#include <algorithm>
#include <cstddef>
#include <fmt/format.h>
#include <string_view>


namespace jgl {

// The longest line written, "..." and the newline included (v8 wrote at
// most 1 KiB too).
inline constexpr std::size_t kMaxLine = 1024;

// Names the program in every line; set once, first thing in main.
void set_program(const char* name);

// From now on, lines go to syslog (facility mail) instead of stderr: for a
// program whose stderr is its client (Postfix's spawn(8) connects both
// stdout and stderr to the socket).
void log_to_syslog();

// "PROGRAM: text".
void vwarn(fmt::string_view format, fmt::format_args args);
template <typename... Args>
void warn(fmt::format_string<Args...> format, Args&&... args) {
  vwarn(format, fmt::make_format_args(args...));
}

// warn, then exit with `code` (lib/base/exitcode.h); what the program wrote to
// stdout before is flushed first.
[[noreturn]] void vdie(int code, fmt::string_view format, fmt::format_args args);
template <typename... Args>
[[noreturn]] void die(int code, fmt::format_string<Args...> format, Args&&... args) {
  vdie(code, format, fmt::make_format_args(args...));
}

// The log of a program that serves one client: "PROGRAM[PID]: IP: text",
// or without "[PID]" when the supervisor's logger adds it (JGREYLIST_LOG_PID=0),
// or without "IP: " until the client is known.
class ClientLog {
 public:
  void set_pid(bool with_pid) { with_pid_ = with_pid; }
  // The client as the logs show it (Address::format()'s text): kept, cut
  // to kMaxClient bytes.
  void set_client(std::string_view client) {
    client_size_ = std::min(client.size(), kMaxClient);
    std::copy_n(client.data(), client_size_, client_);
  }
  // Back to no client: the next request of a program serving many.
  void clear_client() { client_size_ = 0; }

  void vline(fmt::string_view format, fmt::format_args args);
  template <typename... Args>
  void line(fmt::format_string<Args...> format, Args&&... args) {
    vline(format, fmt::make_format_args(args...));
  }

 private:
  bool with_pid_ = true;
  pid_t pid_ = 0;
  static constexpr std::size_t kMaxClient = 64;  // an IPv6 address is at most 45
  char client_[kMaxClient];
  std::size_t client_size_ = 0;
};

}  // namespace jgl

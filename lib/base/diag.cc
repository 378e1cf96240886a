// base/diag.cc: one line, sanitised, one write(2).
#include "lib/base/diag.h"

#include <syslog.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>

#include "lib/base/printable.h"

namespace jgl {
namespace {

const char* program_name = "jgreylist";
bool to_syslog = false;

using LineBuffer = fmt::basic_memory_buffer<char, 1024>;

void write_line(LineBuffer& line) {
  if (line.size() > kMaxLine - 1) {
    line.resize(kMaxLine - 4);
    line.append(std::string_view("..."));
  }
  sanitise_in_place(line.data(), line.data() + line.size());
  if (to_syslog) {
    // syslog names the program and the pid itself: what follows "NAME[PID]: ".
    std::string_view text(line.data(), line.size());
    std::size_t head = text.find(": ");
    text.remove_prefix(head == std::string_view::npos ? 0 : head + 2);
    syslog(LOG_MAIL | LOG_INFO, "%.*s", static_cast<int>(text.size()), text.data());
    return;
  }
  line.push_back('\n');
  const char* p = line.data();
  const char* end = p + line.size();
  while (p < end) {
    ssize_t n = ::write(2, p, static_cast<std::size_t>(end - p));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;  // stderr is gone: nowhere left to say so
    p += n;
  }
}

}  // namespace

void set_program(const char* name) { program_name = name; }

void log_to_syslog() {
  openlog(program_name, LOG_PID | LOG_NDELAY, LOG_MAIL);
  to_syslog = true;
}

void vwarn(fmt::string_view format, fmt::format_args args) {
  LineBuffer line;
  fmt::format_to(fmt::appender(line), "{}: ", program_name);
  fmt::vformat_to(fmt::appender(line), format, args);
  write_line(line);
}

void vdie(int code, fmt::string_view format, fmt::format_args args) {
  vwarn(format, args);
  std::fflush(stdout);
  _exit(code);
}

void ClientLog::vline(fmt::string_view format, fmt::format_args args) {
  LineBuffer line;
  if (with_pid_) {
    if (pid_ == 0) pid_ = getpid();
    fmt::format_to(fmt::appender(line), "{}[{}]: ", program_name, pid_);
  } else {
    fmt::format_to(fmt::appender(line), "{}: ", program_name);
  }
  if (client_size_ != 0) fmt::format_to(fmt::appender(line), "{}: ", std::string_view(client_, client_size_));
  fmt::vformat_to(fmt::appender(line), format, args);
  write_line(line);
}

}  // namespace jgl

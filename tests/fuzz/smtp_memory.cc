// smtp_memory.cc (fuzz target): the fake SMTP conversation on streams in
// memory, the fast companion of smtp.cc.
//
// converse() makes every poll, read, send and write through a Filesystem
// (lib/base/filesystem.h); here one answers them from memory: no system
// call, so many more conversations a second, and the client's bytes come
// in pieces of any size, as a socket delivers them, with the faults a
// socket may give. The input's first byte picks the conversation's
// settings (tests/fuzz/smtp_model.h), its second how the streams behave:
//   bits 0-2  bytes a read gives at most: 1, 2, 3, 7, 64, 512, 4096, 65536
//   bits 3-4  bytes a write takes at most: all, 1, 7, 100
//   bit 5     the output is a pipe (send fails with ENOTSOCK, then write)
//   bit 6     every other poll fails with EINTR, read with EAGAIN, send
//             with EAGAIN (the socket full: converse() then waits in poll)
//             and write with EINTR
//   bit 7     writing fails (EPIPE) once the output has the third byte of
//             the input in bytes (the client went away)
// and the rest is what the client sends. Beyond smtp.cc's checks: pieces,
// short writes and retried calls change nothing (the output and the result
// are those of the whole input read at once); a failed write ends the
// conversation as io_error (or, when it is the closing reply's, with the
// reason for closing), having written a beginning of that output.
#include <poll.h>

#include <algorithm>
#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "lib/base/filesystem.h"
#include "lib/mail/smtp.h"
#include "tests/fuzz/smtp_model.h"

namespace {

using jgl_fuzz::failed;

struct Behaviour {
  std::size_t read_max = 65536;
  std::size_t write_max = 0;  // 0: all
  bool pipe = false;
  bool faults = false;
  std::size_t fail_after = std::string::npos;
};

// The client's end of the conversation, in memory.
class MemoryStreams : public jgl::Filesystem {
 public:
  // `out` is emptied, its storage kept: reused from run to run, it spares
  // each run the growing of a string to tens of kilobytes.
  MemoryStreams(std::string_view client, const Behaviour& behaviour, std::string& buffer)
      : out(buffer), in_(client), b_(behaviour) {
    out.clear();
  }

  int poll(pollfd* fds, nfds_t count, int) override {
    if (fault(polls_)) {
      errno = EINTR;
      return -1;
    }
    for (nfds_t i = 0; i < count; ++i) fds[i].revents = fds[i].events;
    return static_cast<int>(count);
  }

  ssize_t read(int, void* buf, size_t size) override {
    if (fault(reads_)) {
      errno = EAGAIN;
      return -1;
    }
    std::size_t n = std::min({size, b_.read_max, in_.size()});
    std::memcpy(buf, in_.data(), n);
    in_.remove_prefix(n);
    return static_cast<ssize_t>(n);
  }

  ssize_t send(int, const void* buf, size_t size, int) override {
    if (b_.pipe) {
      errno = ENOTSOCK;
      return -1;
    }
    return put(buf, size, EAGAIN);
  }

  ssize_t write(int, const void* buf, size_t size) override { return put(buf, size, EINTR); }

  std::string& out;
  bool write_failed = false;

 private:
  // `fault_errno`: what a failing call says, a full socket (EAGAIN) for
  // send, a signal (EINTR) for write.
  ssize_t put(const void* buf, size_t size, int fault_errno) {
    if (fault(writes_)) {
      errno = fault_errno;
      return -1;
    }
    if (out.size() >= b_.fail_after) {
      write_failed = true;
      errno = EPIPE;
      return -1;
    }
    std::size_t n = b_.write_max == 0 ? size : std::min(size, b_.write_max);
    n = std::min(n, b_.fail_after - out.size());
    out.append(static_cast<const char*>(buf), n);
    return static_cast<ssize_t>(n);
  }

  // Every other call of a kind fails, each kind counted apart: counted
  // together, a poll might always take the call that succeeds and the read
  // after it always the one that fails.
  bool fault(unsigned& calls) { return b_.faults && (calls++ & 1) == 0; }

  std::string_view in_;
  Behaviour b_;
  unsigned polls_ = 0, reads_ = 0, writes_ = 0;
};

Behaviour behaviour_for(unsigned char options, std::string_view input) {
  static constexpr std::size_t kReads[8] = {1, 2, 3, 7, 64, 512, 4096, 65536};
  static constexpr std::size_t kWrites[4] = {0, 1, 7, 100};
  Behaviour b;
  b.read_max = kReads[options & 7];
  b.write_max = kWrites[(options >> 3) & 3];
  b.pipe = options & 0x20;
  b.faults = options & 0x40;
  if (options & 0x80) b.fail_after = input.size() > 2 ? static_cast<unsigned char>(input[2]) : 0;
  return b;
}

bool same(const jgl::ConversationResult& a, const jgl::ConversationResult& b) {
  return a.ending == b.ending && a.commands == b.commands && a.rcpts == b.rcpts;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return 0;
  std::string_view input(reinterpret_cast<const char*>(data), size);
  std::string_view client = input.substr(2);
  jgl::Conversation conversation = jgl_fuzz::conversation_for(data[0]);
  Behaviour behaviour = behaviour_for(data[1], input);

  // The reference: the whole input at once, every write taken whole.
  static std::string whole_out, streams_out;
  MemoryStreams whole(client, Behaviour{}, whole_out);
  jgl_fuzz::CheckingTranscript transcript(input);
  jgl::ConversationResult reference = jgl::converse(0, 1, conversation, &transcript, whole);
  jgl_fuzz::check_conversation(input, client, conversation, reference, whole.out);

  MemoryStreams streams(client, behaviour, streams_out);
  jgl::ConversationResult result = jgl::converse(0, 1, conversation, &transcript, streams);
  if (streams.write_failed) {
    // The closing reply (221, 421) failing leaves the reason for closing.
    if (result.ending != jgl::Ending::io_error && !same(result, reference)) {
      failed("a failed write did not end the conversation", input);
    }
    if (!std::string_view(whole.out).starts_with(streams.out)) failed("output before a failed write differs", input);
    jgl_fuzz::check_conversation(input, client, conversation, result, streams.out, false);
    return 0;
  }
  if (!same(result, reference)) failed("pieces, short writes or retries changed the result", input);
  if (streams.out != whole.out) failed("pieces, short writes or retries changed the output", input, streams.out);
  return 0;
}

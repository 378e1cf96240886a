// smtp.cc (fuzz target): the fake SMTP conversation, on real descriptors.
//
// The input's first byte picks the conversation's settings
// (tests/fuzz/smtp_model.h), the rest is what the client sends. converse()
// reads it from a memfd (EOF at its end) and writes to another, through
// the real system calls; what it wrote must be well-formed replies,
// bounded, one per command answered, plus the greeting and at most one
// closing 421: never more than commands + 2. The transcript must stay
// printable and short. smtp_memory.cc holds the same conversation on
// streams in memory, faster, with the pieces and faults a socket may give.
#include <sys/mman.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "lib/mail/smtp.h"
#include "tests/fuzz/smtp_model.h"

namespace {

int g_in = -1;
int g_out = -1;

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
  std::string_view client = input.substr(1);
  jgl::Conversation conversation = jgl_fuzz::conversation_for(data[0]);

  reset(g_in);
  reset(g_out);
  for (std::size_t done = 0; done < client.size();) {
    ssize_t n = write(g_in, client.data() + done, client.size() - done);
    if (n <= 0) std::abort();
    done += static_cast<std::size_t>(n);
  }
  lseek(g_in, 0, SEEK_SET);

  jgl_fuzz::CheckingTranscript transcript(input);
  jgl::ConversationResult result = jgl::converse(g_in, g_out, conversation, &transcript);
  jgl_fuzz::check_conversation(input, client, conversation, result, read_back(g_out));
  return 0;
}

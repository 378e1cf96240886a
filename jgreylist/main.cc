// jgreylist: greylisting for exec-chain SMTP servers.
//
//   tcpserver ... jgreylist qmail-smtpd
//
// Decides from the environment and the store whether the client is passed
// on (exec of the rest of the command line) or held in a fake SMTP
// conversation that refuses every message. Configuration and store errors
// defer the client with 421 and exit 111: the sender retries, nothing is lost.
#include <signal.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fmt/format.h>

#include "lib/base/diag.h"
#include "lib/base/env.h"
#include "lib/base/exitcode.h"
#include "lib/base/printable.h"
#include "lib/greylist/greylist.h"
#include "lib/mail/smtp.h"
#include "lib/net/ucspi.h"
#include "lib/store/open.h"

namespace {

using namespace jgl;

class LogTranscript : public Transcript {
 public:
  explicit LogTranscript(ClientLog& log) : log_(log) {}
  void line(char direction, std::string_view text) override { log_.line("SMTP {} {}", direction, text); }

 private:
  ClientLog& log_;
};

// The sender must retry later: 421, exit 111.
[[noreturn]] void defer(ClientLog& log, std::string_view why) {
  log.line("DEFER {}", why);
  static const char kReply[] = "421 4.3.0 temporary failure, try again later\r\n";
  ssize_t ignored = write(1, kReply, sizeof kReply - 1);
  (void)ignored;
  _exit(kExitTemporary);
}

[[noreturn]] void run(ClientLog& log, char** argv) {
  execvp(argv[0], argv);
  int e = errno;
  defer(log, fmt::format("cannot run {}: {}", argv[0], std::strerror(e)));
}

std::string_view banner_host(char* buf, std::size_t cap) {
  // tcpserver -l0 sets TCPLOCALHOST=0: "no name", not a name.
  const char* host = env_get("TCPLOCALHOST");
  if (host == nullptr || *host == '\0' || std::strcmp(host, "0") == 0) host = "localhost";
  std::size_t n = sanitise(host, buf, cap < 256 ? cap : 256);
  return {buf, n};
}

// The store's verdict on the client. A store error defers it, or with
// FAILOPEN runs the program (store_trouble).
Verdict ask_store(ClientLog& log, const Settings& s, const Address& client, char** program) {
  auto store = open_store_from_env();
  if (!store) defer(log, store_open_trouble(store.error()));
  timespec now;
  clock_gettime(CLOCK_REALTIME, &now);
  auto seen = (*store)->observe(key_for(client, s), now);
  if (!seen) {
    StoreTrouble trouble = store_trouble(seen.error(), (*store)->where(), s.failopen);
    if (!trouble.pass) defer(log, trouble.why);
    log.line("{}, {}", kFailopenWords, trouble.why);
    run(log, program);
  }
  return decide_from_sighting(*seen, now, s.holdtime);
}

// The fake SMTP conversation that refuses every RCPT, until the client
// quits, the timeout or the RCPT limit.
void refuse(ClientLog& log, const Settings& s, Verdict verdict, const Address& client) {
  char message[512], host[257];
  Conversation conversation;
  conversation.refusal = verdict == Verdict::deny_blacklisted || verdict == Verdict::deny_norev
                             ? Refusal::deny
                             : Refusal::greylist;
  conversation.message = refusal_message(verdict, s, client, message, sizeof message);
  conversation.hostname = banner_host(host, sizeof host);
  conversation.rcpt_limit = s.limit;
  conversation.timeout_ms = static_cast<int>(s.timeout * 1000);

  // A client that vanishes must not kill us mid-write; the deadline is
  // enforced by the conversation, the alarm only guards against a bug there.
  signal(SIGPIPE, SIG_IGN);
  alarm(static_cast<unsigned>(s.timeout + 10));
  LogTranscript transcript(log);
  ConversationResult result = converse(0, 1, conversation, s.log_smtp ? &transcript : nullptr);
  if (result.ending == Ending::rcpt_limit && s.log) log.line("HANGUP too many RCPT commands");
}

}  // namespace

int main(int argc, char** argv) {
  set_program("jgreylist");
  ClientLog log;
  if (argc < 2) defer(log, "configuration error: no program to run (usage: jgreylist prog [arg...])");

  auto settings = settings_from_env();
  if (!settings) defer(log, "configuration error: " + settings.error().message);
  const Settings& s = *settings;
  log.set_pid(s.log_pid);

  auto client = client_address(0);
  if (!client) defer(log, "configuration error: " + client.error().message);
  log.set_client(client->address.format().view());

  Verdict verdict;
  if (!decide_without_store(s, client_host(), &verdict)) verdict = ask_store(log, s, client->address, argv + 1);

  bool handed_off = s.handoff && (verdict == Verdict::grey_first || verdict == Verdict::grey_expired || verdict == Verdict::grey_too_soon);
  if (s.log) log.line("{}{}", log_words(verdict), handed_off ? ", passed on to the queue step" : "");
  if (passes(verdict)) {
    // JGREYLIST_UNKNOWN is ours to set: never inherited by a known client.
    if (s.handoff) unsetenv("JGREYLIST_UNKNOWN");
    run(log, argv + 1);
  }
  // Handing off to jgreylist-queue: a client not yet known goes on, marked,
  // and is greylisted there by envelope, so that it waits only once.
  if (handed_off) {
    setenv("JGREYLIST_UNKNOWN", log_words(verdict).data(), 1);
    run(log, argv + 1);
  }

  refuse(log, s, verdict, client->address);
  return kExitOk;
}

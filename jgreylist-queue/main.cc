// jgreylist-queue: greylisting at qmail's queue step, keyed on the envelope.
//
//   QMAILQUEUE=/usr/local/bin/jgreylist-queue   (in qmail-smtpd's environment)
//
// qmail-smtpd runs it instead of qmail-queue, the message on descriptor 0
// and, after the whole message, the envelope on descriptor 1. So the
// message is taken first, as it arrives (lib/mail/spool.h: spliced into a pipe
// of our own when it fits, else into an unlinked file; never held in our
// memory), then the envelope read and copied, held the same way; then
// either the real queue program (JGREYLIST_QUEUE) is exec'd with both in
// their places, or the message is refused for now: exit 82 with a "Z"
// text on descriptor 6 where it is open, else 71. Nothing is left in the
// spool directory either way. Never a permanent code for greylisting or
// for a store error.
#include <fcntl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fmt/format.h>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "lib/base/diag.h"
#include "lib/base/env.h"
#include "lib/base/exitcode.h"
#include "lib/base/filesystem.h"
#include "lib/base/printable.h"
#include "lib/dns/settings.h"
#include "lib/greylist/greylist.h"
#include "lib/greylist/spf_key.h"
#include "lib/mail/normalise.h"
#include "lib/mail/qmail_envelope.h"
#include "lib/mail/spool.h"
#include "lib/net/ucspi.h"
#include "lib/store/expiry.h"
#include "lib/store/open.h"

namespace {

using namespace jgl;

constexpr const char* kDefaultQueue = "/var/qmail/bin/qmail-queue";

// The triplets one message may record; recipients beyond are not checked
// (logged), so that a hostile envelope costs bounded store work.
constexpr std::size_t kMaxTriplets = 1000;
// Decisions logged one a line; beyond, one line counts the rest.
constexpr std::size_t kMaxLoggedTriplets = 20;

// qmail-smtpd reads at most this much of descriptor 6, and sends it as the
// reply's text after the code: no newline, no NUL.
constexpr std::size_t kMaxReplyText = 255;

// Writes "Z..." or "D..." on descriptor 6 for qmail-smtpd (notqmail and
// patched qmail) and exits 82; where descriptor 6 is not open, or the text
// cannot be written, exits `fallback`.
[[noreturn]] void refuse_with_text(char kind, std::string_view text, int fallback) {
  if (fcntl(6, F_GETFD) != -1) {
    char line[kMaxReplyText + 1];
    line[0] = kind;
    std::size_t n = 1 + sanitise(text, line + 1, sizeof line - 1);
    if (write(6, line, n) == static_cast<ssize_t>(n)) _exit(kQueueCustomText);
  }
  _exit(fallback);
}

// The sender must try again later: 451 with our text, or qmail-smtpd's own.
[[noreturn]] void refuse_for_now(std::string_view text) { refuse_with_text('Z', text, kQueueRefusedTemporarily); }

[[noreturn]] void trouble(ClientLog& log, std::string_view why, int code = kQueueRefusedTemporarily) {
  log.line("DEFER {}", why);
  if (code == kQueueRefusedTemporarily) refuse_for_now("4.3.0 temporary failure, try again later");
  _exit(code);
}

struct Options {
  const char* queue = kDefaultQueue;
  const char* spool_dir = "/tmp";
  bool triplet = true;
  bool handoff = false;
  SpareList spare;
  SenderSettings sender;  // JGREYLIST_AWL, JGREYLIST_CORRESPONDENTS, once the client is known
};

// The envelope's addresses, as they come: the sender normalised once; the
// recipients not spared kept (at most kMaxTriplets) for the decision, the
// spared ones only counted, so that no number of them can push another
// recipient out of the check.
class Envelope : public EnvelopeReader::Handler {
 public:
  explicit Envelope(const SpareList& spare) : spare_(spare) {}
  void sender(std::string_view address) override {
    raw_sender = address;
    sender_key = normalise_sender(address);
  }
  void recipient(std::string_view address) override {
    if (spare_.spares(address)) {
      if (first_spared.empty()) first_spared = address;
      return;
    }
    ++unspared;
    if (recipients.size() < kMaxTriplets) {
      recipients.emplace_back(address);
    } else {
      ++unchecked;
    }
  }
  std::string raw_sender, sender_key, first_spared;
  std::vector<std::string> recipients;  // not spared
  unsigned long unspared = 0, unchecked = 0;

 private:
  const SpareList& spare_;
};

// Reads the envelope from `in` into `copy` (for the next program), as far
// as its final NUL.
void read_envelope(ClientLog& log, int in, HeldCopy& copy, Envelope& envelope) {
  EnvelopeReader reader(Key::kMaxAddress);
  char buf[65536];
  while (true) {
    ssize_t n = read(in, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      trouble(log, fmt::format("cannot read the envelope: {}", std::strerror(errno)), kQueueCannotRead);
    }
    if (n == 0) trouble(log, "the envelope is cut short", kQueueCannotRead);
    std::size_t used = 0;
    auto status = reader.feed(std::string_view(buf, static_cast<std::size_t>(n)), envelope, &used);
    if (status == EnvelopeReader::Status::malformed) {
      trouble(log, fmt::format("malformed envelope: {}", reader.error()), kQueueEnvelopeFormat);
    }
    if (auto copied = copy.write(buf, used); !copied) trouble(log, copied.error().message, kQueueWriteError);
    if (status == EnvelopeReader::Status::done) return;
  }
}

// One key the message is checked under: the client's prefix
// (JGREYLIST_KEY=ip), or a triplet for each recipient not spared, with
// that recipient as the log shows it.
struct Check {
  Key key;
  const std::string* recipient = nullptr;  // none for the prefix key
};

// `spf`: what SPF said of the sender, with JGREYLIST_SPF (else nullptr).
std::vector<Check> checks_for(const Address& client, const Settings& s, const Options& o, const Envelope& envelope,
                              const SpfKeying* spf) {
  Key by_ip = key_for(client, s);
  if (!o.triplet) return {Check{by_ip}};
  std::vector<Check> checks;
  checks.reserve(envelope.recipients.size());
  for (const std::string& r : envelope.recipients) {
    std::string recipient = normalise_recipient(r);
    if (spf != nullptr) {
      checks.push_back(Check{spf_aware_triplet(*spf, by_ip.client(), envelope.sender_key, std::move(recipient)), &r});
    } else {
      checks.push_back(Check{Key::triplet(by_ip.client(), envelope.sender_key, std::move(recipient)), &r});
    }
  }
  return checks;
}

// With JGREYLIST_SPF: the sender's SPF, once for the message. qmail-smtpd
// does not tell the HELO name, so a bounce keeps the network's key.
std::optional<SpfKeying> sender_spf(ClientLog& log, const Settings& s, const Address& client,
                                    const Envelope& envelope) {
  if (!s.spf) return std::nullopt;
  auto dns = dns_settings_from_env();
  if (!dns) trouble(log, "configuration error: " + dns.error().message);
  SpfKeyer keyer(std::move(*dns), nullptr);
  return keyer.evaluate(client, envelope.raw_sender, {});
}

// Opens the store, or defers the message.
std::unique_ptr<Store> store_or_trouble(ClientLog& log) {
  auto store = open_store_from_env();
  if (!store) trouble(log, store_open_trouble(store.error()));
  return std::move(*store);
}

// Whether mail from the envelope's sender to `recipient` comes from one of
// the recipient's correspondents. A store error is no answer: the
// triplet's own decision follows.
bool from_correspondent(Store& store, const Envelope& envelope, const std::string& recipient, timespec now,
                        const ExpiryPolicy& expiry) {
  if (envelope.raw_sender.empty()) return false;
  auto found = store.find(correspondent_for(envelope.raw_sender, recipient));
  return found && *found && correspondent_passes(**found, now.tv_sec, expiry);
}

// The network's awl entry, when its passes whitelist it; a store error is
// no answer.
std::optional<Entry> awl_whitelisted(Store& store, const Key& awl, const SenderSettings& sender, timespec now,
                                     const ExpiryPolicy& expiry) {
  auto found = store.find(awl);
  if (!found || !*found || !awl_passes(**found, sender.awl, now.tv_sec, expiry)) return std::nullopt;
  return **found;
}

// One line per verdict given so far (at most kMaxLoggedTriplets, then one
// that counts the rest of the checks): the words, the envelope, what SPF
// said, and for an auto-whitelisted triplet `counted`.
void log_verdicts(ClientLog& log, const std::vector<Check>& checks, const std::vector<Verdict>& verdicts,
                  const Envelope& envelope, const SpfKeying* spf, std::string_view counted) {
  for (std::size_t i = 0; i < verdicts.size() && i < kMaxLoggedTriplets; ++i) {
    std::string_view extra = verdicts[i] == Verdict::ok_awl ? counted : std::string_view();
    if (checks[i].recipient == nullptr) {
      log.line("{}{}", log_words(verdicts[i]), extra);
    } else {
      std::string spf_words = spf != nullptr ? spf_log_words(*spf, checks[i].key) : std::string();
      log.line("{} <{}> <{}>{}{}", log_words(verdicts[i]), envelope.raw_sender, *checks[i].recipient, spf_words,
               extra);
    }
  }
  if (verdicts.size() == checks.size() && checks.size() > kMaxLoggedTriplets) {
    log.line("and {} more triplets", checks.size() - kMaxLoggedTriplets);
  }
}

// Observes every key; true when any is new or too soon. A store error
// defers the message, or with FAILOPEN lets it pass (returns false), but
// never a message one of its keys has greylisted already. With triplets,
// a recipient's correspondent passes without its triplet, and a network
// whose passes auto-whitelist it passes every triplet; a message that
// passes on its triplets counts a pass of its network.
bool greylisted(ClientLog& log, const Settings& s, const Options& o, const Address& client,
                const std::vector<Check>& checks, const Envelope& envelope, const SpfKeying* spf) {
  std::unique_ptr<Store> store = store_or_trouble(log);
  // How long awl and correspondent entries live: the store's own policy.
  auto expiry = expiry_from_env();
  if (!expiry) trouble(log, "configuration error: " + expiry.error().message);
  timespec now;
  clock_gettime(CLOCK_REALTIME, &now);
  std::vector<Verdict> verdicts;
  verdicts.reserve(checks.size());
  bool grey = false;
  for (const Check& check : checks) {
    // Keyed by the client alone, the message passes as a correspondent's
    // when every recipient's is.
    bool correspondent = false;
    if (o.sender.correspondents && check.recipient != nullptr) {
      correspondent = from_correspondent(*store, envelope, *check.recipient, now, *expiry);
    } else if (o.sender.correspondents && !envelope.recipients.empty() && envelope.unchecked == 0) {
      correspondent = true;
      for (const std::string& r : envelope.recipients) {
        correspondent = correspondent && from_correspondent(*store, envelope, r, now, *expiry);
      }
    }
    if (correspondent) {
      verdicts.push_back(Verdict::ok_correspondent);
      continue;
    }
    auto seen = store->observe(check.key, now);
    if (!seen) {
      // The verdicts so far, then what went wrong.
      if (s.log) log_verdicts(log, checks, verdicts, envelope, spf, {});
      StoreTrouble failed = store_trouble(seen.error(), store->where(), s.failopen);
      if (!failed.pass) trouble(log, failed.why);
      if (grey) {
        log.line("GREY not passed by failopen (a triplet before is greylisted), {}", failed.why);
        return true;
      }
      log.line("{}, {}", kFailopenWords, failed.why);
      return false;
    }
    Verdict v = decide_from_sighting(*seen, now, s.holdtime);
    grey = grey || !passes(v);
    verdicts.push_back(v);
  }
  // Auto-whitelisting: by the client's network, whatever SPF keyed.
  const bool awl_on = o.triplet && o.sender.awl > 0;
  const Key awl = Key::awl(key_for(client, s).client());
  std::optional<Entry> whitelisted;
  if (grey && awl_on && (whitelisted = awl_whitelisted(*store, awl, o.sender, now, *expiry))) {
    for (Verdict& v : verdicts) {
      if (!passes(v)) v = Verdict::ok_awl;
    }
    grey = false;
  }
  bool counts = false;
  for (Verdict v : verdicts) counts = counts || v == Verdict::ok_known || v == Verdict::ok_awl;
  std::string counted;
  if (whitelisted) counted = fmt::format(" ({} passes of {})", whitelisted->count, awl.client().format().view());
  if (!grey && awl_on && counts) {
    // A pass not counted costs the network one count: logged, never a
    // reason to hold the message.
    auto entry = store->count_pass(awl, now, kAwlInterval);
    if (!entry && s.log) log.line("pass not counted for auto-whitelisting: store error in {}: {}", store->where(), entry.error().message);
  }
  if (s.log) log_verdicts(log, checks, verdicts, envelope, spf, counted);
  return grey;
}

// RELAYCLIENT: our own user's mail, on its way out. With
// JGREYLIST_CORRESPONDENTS each recipient is recorded as a correspondent
// of the sender; a store that fails is logged, never a reason to hold our
// user's mail.
std::string record_correspondents(const Options& o, const Envelope& envelope) {
  if (!o.sender.correspondents || envelope.raw_sender.empty() || envelope.recipients.empty()) return {};
  auto store = open_store_from_env();
  if (!store) return ", correspondents not recorded: " + store_open_trouble(store.error());
  timespec now;
  clock_gettime(CLOCK_REALTIME, &now);
  for (const std::string& r : envelope.recipients) {
    auto seen = (*store)->observe(correspondent_for(r, envelope.raw_sender), now);
    if (!seen) return fmt::format(", correspondents not recorded: store error in {}: {}", (*store)->where(), seen.error().message);
  }
  return fmt::format(", {} correspondent{} recorded", envelope.recipients.size(),
                     envelope.recipients.size() == 1 ? "" : "s");
}

// A pipe is read from where it is; a file from its start.
bool rewind(const HeldMessage& held) {
  return held.where == HeldMessage::Where::pipe || lseek(held.fd, 0, SEEK_SET) == 0;
}

[[noreturn]] void pass_on(ClientLog& log, const Options& o, const HeldMessage& message, const HeldMessage& envelope) {
  if (!rewind(message) || !rewind(envelope) || dup2(message.fd, 0) != 0 || dup2(envelope.fd, 1) != 1) {
    trouble(log, fmt::format("cannot hand the spool on: {}", std::strerror(errno)));
  }
  char* argv[] = {const_cast<char*>(o.queue), nullptr};
  execv(o.queue, argv);
  trouble(log, fmt::format("cannot run {}: {}", shown_value(o.queue, 200), std::strerror(errno)), kQueueInternal);
}

Options read_options(ClientLog& log, const Settings& s) {
  Options o;
  if (const char* q = env_get("JGREYLIST_QUEUE"); q != nullptr && *q != '\0') o.queue = q;
  const char* spool_dir = env_get("JGREYLIST_SPOOL");
  if (spool_dir == nullptr || *spool_dir == '\0') spool_dir = env_get("TMPDIR");
  if (spool_dir != nullptr && *spool_dir != '\0') o.spool_dir = spool_dir;
  auto key = key_kind_from_env(KeyKind::triplet);
  if (!key) trouble(log, "configuration error: " + key.error().message);
  o.triplet = *key == KeyKind::triplet;
  if (auto fits = check_spf_key_kind(s.spf, *key); !fits) trouble(log, "configuration error: " + fits.error().message);
  const char* handoff = env_get("JGREYLIST_HANDOFF");
  o.handoff = handoff != nullptr && *handoff != '\0' && std::strcmp(handoff, "0") != 0;
  auto list = SpareList::from_env();
  if (!list) trouble(log, "configuration error: " + list.error().message);
  o.spare = std::move(*list);
  return o;
}

}  // namespace

int main() {
  set_program("jgreylist-queue");
  ClientLog log;
  auto settings = settings_from_env();
  if (!settings) trouble(log, "configuration error: " + settings.error().message);
  const Settings& s = *settings;
  log.set_pid(s.log_pid);
  Options o = read_options(log, s);

  // Most messages never need the spool directory; one that is missing or
  // not writable still defers every message at once, not only the large.
  if (auto usable = check_spool_dir(o.spool_dir); !usable) trouble(log, usable.error().message, kQueueWriteError);
  // The message: qmail-smtpd writes all of it before the envelope.
  auto held = hold_message(system_filesystem(), 0, o.spool_dir);
  if (!held) trouble(log, held.error().message, held.error().temporary ? kQueueWriteError : kQueueCannotRead);
  const HeldMessage& message = *held;
  Envelope envelope(o.spare);
  HeldCopy copy(system_filesystem(), o.spool_dir);
  read_envelope(log, 1, copy, envelope);
  const HeldMessage envelope_copy = copy.finish();

  // Not from SMTP (no client address at all): not ours to greylist. A
  // variable that holds no address is a configuration error.
  auto named = client_address_from_env();
  if (!named) trouble(log, "configuration error: " + named.error().message);
  if (!*named) {
    if (s.log) log.line("OK not from SMTP (no client address)");
    pass_on(log, o, message, envelope_copy);
  }
  const Address& client = (*named)->address;
  log.set_client(client.format().view());
  auto sender = sender_settings_from_env();
  if (!sender) trouble(log, "configuration error: " + sender.error().message);
  o.sender = *sender;

  Verdict verdict;
  if (decide_without_store(s, client_host(), &verdict)) {
    std::string recorded = verdict == Verdict::ok_relayclient ? record_correspondents(o, envelope) : std::string();
    if (s.log) log.line("{}{}", log_words(verdict), recorded);
    if (passes(verdict)) pass_on(log, o, message, envelope_copy);
    char text[512];
    std::string_view why = refusal_message(verdict, s, client, text, sizeof text);
    refuse_with_text('D', "5.7.1 " + std::string(why), kQueueRefusedPermanently);
  }
  // Combined with connect-time jgreylist: only clients it passed on as
  // still unknown (JGREYLIST_UNKNOWN) are greylisted here.
  if (o.handoff && env_get("JGREYLIST_UNKNOWN") == nullptr) {
    if (s.log) log.line("OK known at connect time");
    pass_on(log, o, message, envelope_copy);
  }

  // Only spared recipients: nobody to greylist for.
  if (envelope.unspared == 0) {
    if (s.log) log.line("OK spared <{}>", envelope.first_spared);
    pass_on(log, o, message, envelope_copy);
  }
  if (s.log && o.triplet && envelope.unchecked > 0) {
    log.line("{} recipients beyond {} not checked", envelope.unchecked, kMaxTriplets);
  }
  std::optional<SpfKeying> spf = sender_spf(log, s, client, envelope);
  const SpfKeying* spf_said = spf ? &*spf : nullptr;
  if (!greylisted(log, s, o, client, checks_for(client, s, o, envelope, spf_said), envelope, spf_said)) {
    pass_on(log, o, message, envelope_copy);
  }
  char text[512];
  std::string_view why = refusal_message(Verdict::grey_first, s, client, text, sizeof text);
  refuse_for_now("4.7.1 greylisted: " + std::string(why));
}

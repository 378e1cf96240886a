// mail/normalise.h: the envelope sender and recipient as a triplet key uses them.
//
// jgreylist-queue and jgreylist-policy key on the triplet (client network,
// sender, recipient), as postgrey does. Many senders change their address
// for every message (bounce tags, VERP, forwarders' rewriting); keyed as
// they come, every message would be a new triplet and greylisted again.
// So the sender is normalised, by postgrey's rules with the differences
// marked below, and the recipient only lowercased.
//
// The sender, in this order:
//   1. The whole address is lowercased, ASCII letters only; other bytes are
//      kept as they are.
//   2. It is split at its last '@' into local part and domain (a domain
//      never holds an '@'). A sender without '@' is all local part, has no
//      domain and gets none: rules 3-6 apply to it all the same. The empty
//      sender (a bounce, MAIL FROM:<>) stays empty. The sender comes as
//      qmail-queue and Postfix give it, without angle brackets: "<>" is not
//      the empty sender but two characters.
//   3. SRS: a local part "srs0" + one of '=', '+', '-' + "HASH=TT=DOMAIN=USER"
//      (a forwarder's rewriting, whose hash and time stamp change daily)
//      becomes the original USER@DOMAIN; "srs1" + separator +
//      "HASH=HOST=" + separator + "HASH=TT=DOMAIN=USER" (forwarded twice)
//      too. An srs0/srs1 local part with an empty field, or whose DOMAIN
//      holds an '@', is left alone. A USER that is SRS again (a forwarder
//      that wrapped another's SRS0 in its own) is undone again, until the
//      original. postgrey has no SRS rule: this one is ours.
//   4. BATV: a local part "prvs=A=B" (exactly two fields after "prvs=",
//      '=' at its end ignored) becomes one of A and B: the one that does
//      not start with ten letters or digits (the tag), and B when both or
//      neither do (prvs=TAG=USER is the standard order). As postgrey, but
//      "PRVS=" counts too, since the address is lowercased first.
//   5. The first '+' and everything after it in the local part is removed
//      (mailing-list VERP: list-bounces+user=example.com@...). What is
//      left goes through rule 4 once more: "prvs=A=B+x=y" has three fields
//      for BATV, "prvs=A=B" two.
//   6. Every run of digits in the local part that stands as a word of its
//      own (nothing of A-Z, a-z, 0-9, '_' on either side) becomes one '#':
//      bounce-4711-2@... is bounce-#-#@..., but user123@ stays. The domain
//      keeps its digits.
//
// The recipient is only lowercased (ASCII): it is our own user, whose
// address does not change per message, and an extension (user-ext in
// qmail, user+ext in Postfix) may be a different mailbox with its own
// greylisting.
//
// Both are idempotent: a normalised address is its own normal form, so a
// sender keys the same triplet however often it was normalised before.
// Neither function fails, and both take linear time on any input. Their
// result is a part of a key, not a file name: it keeps every byte of the
// input not named above ('/', "..", NUL, control bytes) and its length.
// A store that makes names from it must encode them.
//
// SpareList is JGREYLIST_SPARE: recipients never greylisted. By default
// postmaster (RFC 5321 4.5.1) and abuse (RFC 2142), so that a complaint
// reaches them even from a server that never retries. Its value is a list
// of entries separated by white space (an empty value spares no one), each
// one of
//   local@         that local part at any domain, or with no domain at all
//                  (RCPT TO:<postmaster> is valid, RFC 5321 4.5.1);
//   @domain        any local part at exactly that domain (not its
//                  subdomains);
//   local@domain   that address.
// Case (ASCII) does not matter. A recipient's extension is not special: list
// postmaster+x@ or postmaster-x@ if they should be spared, since which
// character starts an extension is the MTA's setting, not ours.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "lib/base/error.h"

namespace jgl {

std::string normalise_sender(std::string_view sender);
std::string normalise_recipient(std::string_view recipient);

class SpareList {
 public:
  // JGREYLIST_SPARE's value when it is unset.
  static constexpr std::string_view kDefault = "postmaster@ abuse@";

  // An entry without '@', with two, with nothing around its '@' or with a
  // control byte is refused, the error naming it.
  static Result<SpareList> parse(std::string_view text);

  // JGREYLIST_SPARE, or kDefault when it is unset; the error names the
  // variable ("JGREYLIST_SPARE: ...").
  static Result<SpareList> from_env();

  bool spares(std::string_view recipient) const;

 private:
  // Lowercased, without their '@'.
  std::vector<std::string> locals_;
  std::vector<std::string> domains_;
  std::vector<std::string> addresses_;  // with their '@'
};

}  // namespace jgl

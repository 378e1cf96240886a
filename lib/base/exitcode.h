// base/exitcode.h: every exit status of the suite, named once.
//
// Three conventions, each chosen by who reads the status:
//
// - The ucspi drop-ins and the exec chain (jgreylist, tcprules,
//   tcprulescheck, tcprules-exec) follow djb: 100 for a permanent problem
//   (usage, a bad line, a deny), 111 for a temporary one (I/O, the store, a
//   configuration error under tcpserver: the sender retries, no mail lost).
//   Run scripts and tcpserver's log already read them that way.
// - The administrator's tools (jgreylist-clean, tcprules --check, the admin
//   tool) follow the common Unix shape: 0 all done, 1 done with trouble
//   (some entries failed, lint warnings), 2 could not do it at all (usage,
//   configuration, a rules file with errors).
// - The queue filter answers qmail-smtpd as qmail-queue does
//   (qmail-queue(8)): 11-40 permanent, the rest temporary, 82 with a text
//   on descriptor 6.
#pragma once

namespace jgl {

inline constexpr int kExitOk = 0;

// ucspi drop-ins and the exec chain.
inline constexpr int kExitPermanent = 100;
inline constexpr int kExitTemporary = 111;

// Administrator's tools.
inline constexpr int kExitTrouble = 1;  // done, with some items failed or warned about
inline constexpr int kExitUsage = 2;    // usage, configuration, input with errors

// qmail-queue(8), for programs that stand in for it.
inline constexpr int kQueueRefusedPermanently = 31;  // no recipient will get it
inline constexpr int kQueueWriteError = 53;          // the spool could not be written (disk full)
inline constexpr int kQueueCannotRead = 54;          // message or envelope unreadable, cut short
inline constexpr int kQueueRefusedTemporarily = 71;  // try again later
inline constexpr int kQueueInternal = 81;            // the next queue program could not be run
inline constexpr int kQueueCustomText = 82;          // "D..." or "Z..." text on descriptor 6
inline constexpr int kQueueEnvelopeFormat = 91;      // the envelope is malformed

}  // namespace jgl

// spool.h: where jgreylist-queue holds a message until it has decided.
//
// qmail-smtpd writes the whole message, then the envelope, so the message
// must be taken off its pipe before the decision. A message on a pipe is
// moved into a pipe of our own (splice, pipe to pipe: the pages change
// hands, nothing is copied, the kernel holds them, not our memory); when it
// ends there, that pipe's read end is what the queue program gets, unread.
// One larger than our pipe holds is spilled into an unlinked file in the
// spool directory, what our pipe had first, then the rest as it arrives. A
// message on a regular file at its start is held already: handed on as it
// is. Anything else is copied into a spool file.
#pragma once

#include <cstddef>
#include <expected>
#include <string>

#include "lib/filesystem.h"

namespace jgl {

// What our pipe is asked to hold: 1 MiB, or /proc/sys/fs/pipe-max-size
// when that is less. Where the kernel refuses (the user's pipe allowance
// spent: EPERM), the pipe keeps the size it has.
inline constexpr int kHoldPipeBytes = 1 << 20;

struct HeldMessage {
  enum class Where {
    pipe,      // our pipe's read end, the whole message in it
    spool,     // an unlinked file, at its end
    in_place,  // descriptor 0 itself, a regular file at its start
  };
  int fd = -1;
  Where where = Where::spool;
};

struct SpoolError {
  std::string message;  // names the step and the errno
  bool writing = false;  // the spool could not be made or written (full), not the message read
};

// Takes the whole message off `in`: see the header. Spool files are made
// in `spool_dir`. Waits (poll) while a slow writer has nothing for us yet.
std::expected<HeldMessage, SpoolError> hold_message(Filesystem& fs, int in, const char* spool_dir);

// An unlinked file in `dir`, read-write, close-on-exec: -1 with errno.
int spool_file(const char* dir);

}  // namespace jgl

// mail/spool.h: where jgreylist-queue holds a message until it has decided.
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
//
// The envelope, which we read and copy ourselves, is held the same way
// (HeldCopy): written into a pipe of our own while it fits (64 KiB: a
// thousand recipients and more), then spilled into a spool file. A file
// made and removed per message is most of what a filter costs a small
// message on a disk filesystem (ext4: 0.5-0.7 ms, more than an exec).
#pragma once

#include <cstddef>

#include "lib/base/error.h"
#include "lib/base/filesystem.h"

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

// A failure is lib's Error (lib/base/error.h), naming the step and the errno.
// It is temporary when the spool could not be made or written: a full or
// unwritable directory can be mended, and qmail-queue says 53. It is not
// when the message itself could not be read: that stream is spent and no
// retry reads it again (qmail-queue's 54). qmail-smtpd answers 451 to
// both: the client sends the message again.

// Takes the whole message off `in`: see the header. Spool files are made
// in `spool_dir`. Waits (poll) while a slow writer has nothing for us yet.
Result<HeldMessage> hold_message(Filesystem& fs, int in, const char* spool_dir);

// An unlinked file in `dir`, read-write, close-on-exec: -1 with errno.
int spool_file(const char* dir);

// Whether a spool file could be made in `dir`: it is a directory we may
// write. Checked for every message, though most never need one, so that a
// missing spool directory shows at once and not only on a large message.
Result<void> check_spool_dir(const char* dir);

// Bytes we write ourselves, held in a pipe of our own while it takes them
// without blocking, then in a spool file in `dir`.
class HeldCopy {
 public:
  HeldCopy(Filesystem& fs, const char* dir);
  HeldCopy(const HeldCopy&) = delete;
  HeldCopy& operator=(const HeldCopy&) = delete;
  ~HeldCopy();
  Result<void> write(const char* bytes, std::size_t size);
  // All written: the pipe's read end (its write end closed) or the file.
  HeldMessage finish();

 private:
  Result<void> spill();
  Filesystem& fs_;
  const char* dir_;
  int read_ = -1, write_ = -1, file_ = -1;
};

}  // namespace jgl

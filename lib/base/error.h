// base/error.h: the one error type that lib's functions return.
//
// A failure carries a message naming what was wrong, the errno when a
// system call was the cause, and whether it is temporary: whether the same
// request may succeed later (a full disk, an unreadable file, a server that
// is away) or will fail the same way every time (bad input, bad usage).
// Programs turn that class into their exit code (lib/base/exitcode.h); a
// network store needs exactly this distinction to tell "defer" from
// "refuse".
#pragma once

#include <expected>
#include <string>

namespace jgl {

struct Error {
  std::string message;
  int sys_errno = 0;       // 0 when the failure is not a system call's
  bool temporary = false;  // retrying later may succeed
};

template <typename T>
using Result = std::expected<T, Error>;

// Bad input or usage: the same request fails the same way next time.
inline std::unexpected<Error> fail(std::string message, int sys_errno = 0) {
  return std::unexpected<Error>(Error{std::move(message), sys_errno, false});
}

// The world rather than the request: I/O, resources, a store away.
inline std::unexpected<Error> fail_temporary(std::string message, int sys_errno = 0) {
  return std::unexpected<Error>(Error{std::move(message), sys_errno, true});
}

}  // namespace jgl

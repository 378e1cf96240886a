// error.h: the one error type that lib's parse and store functions return.
//
// A failure carries a message naming what was wrong, and the errno when a
// system call was the cause, so that callers can classify (temporary or
// permanent) and log one clear line.
#pragma once

#include <expected>
#include <string>

namespace jgl {

struct Error {
  std::string message;
  int sys_errno = 0;  // 0 when the failure is not a system call's
};

template <typename T>
using Result = std::expected<T, Error>;

inline std::unexpected<Error> fail(std::string message, int sys_errno = 0) {
  return std::unexpected<Error>(Error{std::move(message), sys_errno});
}

}  // namespace jgl

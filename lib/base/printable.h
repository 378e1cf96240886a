// base/printable.h: text from outside made fit for one line of a log or a reply.
//
// A client's command, a deny message from the rules, a file name met in the
// tree or a variable's value may hold CR, LF, NUL or any byte: written as
// they are, they could forge a log line or an SMTP reply. Everything that
// shows such text passes it through here, where every byte outside
// printable ASCII becomes '?'.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace jgl {

inline bool printable(char c) { return c >= 0x20 && c <= 0x7e; }

// Every byte of [begin, end) outside printable ASCII replaced by '?'.
void sanitise_in_place(char* begin, char* end);

// Copies `in` into `out` (capacity `cap`, always NUL-terminated), sanitised
// and cut to fit. Returns the length written. No heap: for the hot path.
std::size_t sanitise(std::string_view in, char* out, std::size_t cap);

// A value from outside (a variable, a path) fit for one line of an error
// message: sanitised, cut after `max` bytes with "...".
std::string shown_value(std::string_view value, std::size_t max = 40);

}  // namespace jgl

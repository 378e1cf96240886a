// mail/qmail_envelope.cc: the envelope's grammar, a byte at a time.
#include "lib/mail/qmail_envelope.h"

namespace jgl {

EnvelopeReader::Status EnvelopeReader::malformed(const char* why) {
  where_ = Where::end;
  error_ = why;
  return Status::malformed;
}

EnvelopeReader::Status EnvelopeReader::feed(std::string_view bytes, Handler& handler, std::size_t* used) {
  *used = 0;
  if (where_ == Where::end) return *error_ != '\0' ? Status::malformed : Status::done;
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    char c = bytes[i];
    *used = i + 1;
    switch (where_) {
      case Where::start:
        if (c != 'F') return malformed("the envelope does not start with F (the sender)");
        where_ = Where::sender;
        break;
      case Where::next:
        if (c == '\0') {
          if (recipients_ == 0) return malformed("no recipient in the envelope");
          where_ = Where::end;
          return Status::done;
        }
        if (c != 'T') return malformed("an envelope item that is not T (a recipient)");
        where_ = Where::recipient;
        break;
      case Where::sender:
      case Where::recipient:
        if (c != '\0') {
          if (address_.size() >= max_address_) return malformed("an address longer than the limit");
          address_ += c;
          break;
        }
        if (where_ == Where::sender) {
          handler.sender(address_);
        } else {
          ++recipients_;
          handler.recipient(address_);
        }
        address_.clear();
        where_ = Where::next;
        break;
      case Where::end:
        return Status::done;
    }
  }
  return Status::more;
}

}  // namespace jgl

// mail/qmail_envelope.h: qmail-queue's envelope, read as it arrives.
//
// qmail-smtpd writes it on the queue program's descriptor 1 after the
// message: "F" sender NUL, "T" recipient NUL for each recipient, then one
// more NUL (qmail-queue(8)). The reader takes bytes in any pieces, hands
// each address on as soon as it is whole, and holds no more than one
// address: an envelope of 100,000 recipients costs no more memory than one
// of a single recipient.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace jgl {

class EnvelopeReader {
 public:
  enum class Status {
    more,       // give it more bytes
    done,       // the final NUL: nothing after it is read
    malformed,  // not an envelope; error() says why
  };
  class Handler {
   public:
    virtual ~Handler() = default;
    virtual void sender(std::string_view address) = 0;
    virtual void recipient(std::string_view address) = 0;
  };

  explicit EnvelopeReader(std::size_t max_address) : max_address_(max_address) {}

  // Reads from `bytes` up to the end of the envelope; *used says how many
  // bytes were part of it.
  Status feed(std::string_view bytes, Handler& handler, std::size_t* used);
  std::string_view error() const { return error_; }

 private:
  enum class Where { start, sender, next, recipient, end };
  Status malformed(const char* why);

  std::size_t max_address_;
  Where where_ = Where::start;
  std::string address_;
  unsigned long recipients_ = 0;
  const char* error_ = "";
};

}  // namespace jgl

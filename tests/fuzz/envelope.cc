// envelope.cc (fuzz target): qmail-queue's envelope, read as a pipe
// delivers it (lib/mail/qmail_envelope.h).
//
// The input's first byte picks the reader's address limit and how big the
// pieces may be, its second seeds their sizes; the rest is read twice:
//
//   - as raw bytes, fed in pieces of random sizes and again whole. Both
//     ways end alike (status, bytes used, addresses handed on), and what
//     was handed on, written back as an envelope, is exactly the bytes the
//     reader used: F sender NUL, T recipient NUL..., and the final NUL
//     when it says done. Cut short, what is left is one item still
//     arriving; refused, a reason is given and nothing more is taken.
//   - as addresses, one a line (NUL bytes dropped): the first the sender,
//     the others recipients, written as an envelope and fed in pieces. The
//     reader gives back exactly these addresses, in order, and ends done,
//     or refuses at the first address over its limit.
//
// The first byte:
//   bits 0-1  address limit: 1024 (jgreylist-queue's), 16, 1, 0
//   bits 2-4  largest piece: 1, 2, 3, 7, 64, 512, 4096, 65536 bytes
// so 0x00 is the real limit a byte at a time, and '0' (0x30) the real
// limit in pieces of up to 64 bytes.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "lib/mail/qmail_envelope.h"

namespace {

using jgl::EnvelopeReader;
using Status = EnvelopeReader::Status;

[[noreturn]] void failed(const char* what, std::string_view input, std::string_view detail = {}) {
  std::fprintf(stderr, "FAILED: %s\n  input: '%.*s'\n  detail: '%.*s'\n", what, static_cast<int>(input.size()),
               input.data(), static_cast<int>(detail.size()), detail.data());
  std::abort();
}

// What the reader handed on, written back as envelope items.
struct Written : EnvelopeReader::Handler {
  void sender(std::string_view address) override {
    if (senders++ != 0 || !addresses.empty()) fail = "a second sender, or one after a recipient";
    add('F', address);
  }
  void recipient(std::string_view address) override {
    if (senders == 0) fail = "a recipient before the sender";
    add('T', address);
  }
  void add(char item, std::string_view address) {
    bytes += item;
    bytes.append(address);
    bytes += '\0';
    addresses.emplace_back(address);
    longest = std::max(longest, address.size());
  }
  std::string bytes;
  std::vector<std::string> addresses;
  std::size_t longest = 0;
  int senders = 0;
  const char* fail = nullptr;
};

struct Outcome {
  Status status = Status::more;
  std::size_t used = 0;
  Written got;
  std::string error;
};

// A small generator of piece sizes, so that the same input cuts the same way.
struct Pieces {
  std::uint32_t state;
  std::size_t largest;
  std::size_t next() {
    state = state * 1103515245u + 12345u;
    return 1 + (state >> 8) % largest;
  }
};

Outcome feed(std::string_view bytes, std::size_t limit, Pieces* pieces, std::string_view input) {
  EnvelopeReader reader(limit);
  Outcome out;
  std::size_t at = 0;
  while (at < bytes.size() || at == 0) {
    std::size_t size = pieces != nullptr ? std::min(pieces->next(), bytes.size() - at) : bytes.size();
    std::size_t used = 12345;
    out.status = reader.feed(bytes.substr(at, size), out.got, &used);
    if (used > size) failed("used more bytes than it was given", input);
    out.used += used;
    at += size;
    if (out.status != Status::more) break;
    if (used != size) failed("asked for more without taking the whole piece", input);
    if (bytes.empty()) break;
  }
  if (out.got.fail != nullptr) failed(out.got.fail, input);
  out.error = std::string(reader.error());
  if (out.status != Status::more) {
    // Whatever comes after the end is not read.
    std::size_t used = 12345;
    Status again = reader.feed("Tx", out.got, &used);
    if (again != out.status || used != 0) failed("read on after it ended", input);
  }
  return out;
}

void check_raw(std::string_view bytes, std::size_t limit, Pieces pieces, std::string_view input) {
  Outcome cut = feed(bytes, limit, &pieces, input);
  Outcome whole = feed(bytes, limit, nullptr, input);
  if (cut.status != whole.status || cut.used != whole.used || cut.got.bytes != whole.got.bytes ||
      cut.error != whole.error) {
    failed("pieces and the whole envelope end differently", input, cut.got.bytes + " | " + whole.got.bytes);
  }
  const std::string& back = cut.got.bytes;
  if (cut.got.longest > limit) failed("an address over the limit was handed on", input);
  if (std::string_view(bytes).substr(0, back.size()) != back) {
    failed("what was handed on is not what was given", input, back);
  }
  switch (cut.status) {
    case Status::done: {
      if (back + '\0' != bytes.substr(0, cut.used)) failed("done, but not at the NUL after the last item", input);
      if (cut.got.addresses.size() < 2) failed("done without a sender and a recipient", input);
      break;
    }
    case Status::more: {
      if (cut.used != bytes.size()) failed("asked for more without using everything", input);
      std::string_view left = bytes.substr(back.size());
      char item = cut.got.addresses.empty() ? 'F' : 'T';
      if (!left.empty() && (left[0] != item || left.find('\0', 1) != std::string_view::npos)) {
        failed("asked for more with a whole item left", input, left);
      }
      if (!cut.error.empty()) failed("an error without a refusal", input, cut.error);
      break;
    }
    case Status::malformed:
      if (cut.error.empty()) failed("refused without a reason", input);
      if (cut.used < back.size() + 1) failed("refused before the bytes it handed on", input);
      break;
  }
}

// The addresses, one a line, as an envelope: the reader gives them back.
void check_round_trip(std::string_view text, std::size_t limit, Pieces pieces, std::string_view input) {
  std::vector<std::string> addresses(1);
  for (char c : text) {
    if (c == '\n') addresses.emplace_back();
    else if (c != '\0') addresses.back() += c;
  }
  if (addresses.size() < 2) addresses.emplace_back("postmaster");
  std::string envelope;
  for (std::size_t i = 0; i < addresses.size(); ++i) {
    envelope += i == 0 ? 'F' : 'T';
    envelope += addresses[i];
    envelope += '\0';
  }
  envelope += '\0';

  Outcome out = feed(envelope, limit, &pieces, input);
  std::size_t fitting = 0;
  while (fitting < addresses.size() && addresses[fitting].size() <= limit) ++fitting;
  if (fitting < addresses.size()) {
    if (out.status != Status::malformed) failed("an address over the limit was not refused", input);
    addresses.resize(fitting);
  } else {
    if (out.status != Status::done) failed("a whole envelope did not end", input, out.error);
    if (out.used != envelope.size()) failed("a whole envelope was not all used", input);
  }
  if (out.got.addresses != addresses) failed("the addresses given back differ from those given", input);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return 0;
  std::string_view input(reinterpret_cast<const char*>(data), size);
  static constexpr std::size_t kLimits[4] = {1024, 16, 1, 0};
  static constexpr std::size_t kLargest[8] = {1, 2, 3, 7, 64, 512, 4096, 65536};
  std::size_t limit = kLimits[data[0] & 3];
  Pieces pieces{data[1], kLargest[(data[0] >> 2) & 7]};
  std::string_view bytes = input.substr(2);
  check_raw(bytes, limit, pieces, input);
  check_round_trip(bytes, limit, pieces, input);
  return 0;
}
